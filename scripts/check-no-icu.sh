#!/usr/bin/env bash
# Fails when a logout-fcgi binary carries ICU or swift-corelibs Foundation, linked statically or
# dynamically. `import Foundation` pulls in both (about 34 MB of ICU data in a static binary);
# FoundationEssentials and the standard library need neither.
#   scripts/check-no-icu.sh BINARY    (make no-icu passes the release binary make deb packages)
set -euo pipefail

binary=${1:?usage: $0 BINARY}
[[ -x $binary ]] || { echo "no-icu: $binary is not an executable" >&2; exit 1; }

symbols=$(mktemp)
trap 'rm -f "$symbols"' EXIT
nm --defined-only "$binary" >"$symbols"
# A stripped binary would pass the symbol checks below without proving anything.
if (($(wc -l <"$symbols") < 1000)); then
  echo "no-icu: $binary has (almost) no symbol table; check an unstripped build" >&2
  exit 1
fi

failed=0
report() { # description, extended regex over `nm` lines
  local found
  found=$(grep -E -m 3 -- "$2" "$symbols" || true)
  if [[ -n $found ]]; then
    echo "no-icu: $binary links $1, e.g.:" >&2
    sed 's/^/    /' <<<"$found" >&2
    failed=1
  fi
}
report "ICU's data (icudtNN_dat)" ' icudt[0-9]+_dat$'
report "ICU's C++ code (namespace icu_NN)" ' _ZN6icu_[0-9]+'
report "ICU's C API as _FoundationICU renames it" ' swift_(u|ucol|ubrk|udat|unum|uloc|ures|ucnv)_[A-Za-z]+$'
report "the Foundation module" ' \$s10Foundation[0-9A-Z]'
report "FoundationInternationalization" ' \$s30FoundationInternationalization'
report "CoreFoundation" ' (_?_CFInitialize|CFStringCreateWithBytes)$'

libraries=$(ldd "$binary" 2>&1 || true)
if grep -E -i 'libFoundation|libicu|FoundationICU|CoreFoundation' <<<"$libraries" >&2; then
  echo "no-icu: $binary loads the libraries above at run time" >&2
  failed=1
fi

if ((failed)); then
  echo "no-icu: import FoundationEssentials (or nothing) instead of Foundation in every module the binary links" >&2
  exit 1
fi
echo "no-icu: $binary links neither ICU nor Foundation ($(du -h "$binary" | cut -f1) unstripped)"
