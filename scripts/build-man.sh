#!/usr/bin/env bash
# logout-fcgi(8), generated from the command's own argument parser by swift-argument-parser's
# generate-manual (NAME, SYNOPSIS, DESCRIPTION, the options and the check subcommand), followed by the
# sections the parser does not know: ENVIRONMENT, FILES, SIGNALS, EXIT STATUS (packaging/man/).
#   scripts/build-man.sh BINARY OUTPUT.8
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

binary="$1" output="$2"
SWIFT="${SWIFT:-swift}"
# The tool from the argument parser this package resolved, built on its own (its plugin would build
# every product of this package again, benchmarks included).
parser=".build/checkouts/swift-argument-parser"
tools=".build/tools/swift-argument-parser"
"$SWIFT" build -c release --package-path "$parser" --scratch-path "$tools" --product generate-manual >/dev/null
generate="$tools/release/generate-manual"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The date of the release's changelog entry, so the same sources give the same page.
date="$(date -u -d "$(sed -n 's/^ -- .*>  //p' packaging/deb/changelog | head -n 1)" +%Y-%m-%d)"
"$generate" "$binary" --section 8 --date "$date" --output-directory "$work"
mkdir -p "$(dirname "$output")"
# The generator ends with a generic EXIT STATUS (.Ex -std) that the appended one replaces, and its
# synopsis makes the subcommand look required: without one, the responder serves.
{
  sed -e '/^\.Sh "EXIT STATUS"$/,$d' -e 's/^\.Ar subcommand$/.Op Ar subcommand/' "$work/logout-fcgi.8"
  cat packaging/man/sections.mdoc
} > "$output"
echo "$output"
