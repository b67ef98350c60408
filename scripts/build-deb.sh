#!/usr/bin/env bash
# `make deb`: the Debian package from a release binary, with dpkg-deb and no network.
#   scripts/build-deb.sh VERSION BINARY MANPAGE OUTPUT.deb
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version="$1" binary="$2" manpage="$3" output="$4"
# The changelog's newest entry is the release being packaged.
changelog_version="$(sed -n '1s/^logout-fcgi (\([^)]*\)).*/\1/p' packaging/deb/changelog)"
if [ "$changelog_version" != "$version" ]; then
  echo "packaging/deb/changelog starts with $changelog_version, Version.swift says $version: add an entry" >&2
  exit 1
fi
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"

install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" \
  "$root/etc/logout-fcgi" "$root/etc/nginx/conf.d" "$root/etc/nginx/snippets" \
  "$root/usr/share/doc/logout-fcgi" "$root/usr/share/man/man8" "$root/usr/share/lintian/overrides"
install -d -m 0700 "$root/etc/logout-fcgi/credentials"
# The Swift runtime is linked in; debug symbols and notes are what make the rest of its size.
objcopy --strip-all --remove-section=.comment --remove-section=.note "$binary" "$root/usr/bin/logout-fcgi"
chmod 0755 "$root/usr/bin/logout-fcgi"
install -m 0644 systemd/logout-fcgi.service systemd/logout-fcgi.socket systemd/logout-fcgi-check.service \
  "$root/lib/systemd/system/"
install -m 0644 systemd/logout-fcgi.env.example "$root/etc/logout-fcgi/env"
install -m 0644 nginx/logout-fcgi-upstream.conf "$root/etc/nginx/conf.d/logout-fcgi.conf"
install -m 0644 nginx/logout-fcgi.conf "$root/etc/nginx/snippets/logout-fcgi.conf"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
install -m 0644 packaging/deb/conffiles "$root/DEBIAN/"
install -m 0644 packaging/deb/copyright "$root/usr/share/doc/logout-fcgi/copyright"
install -m 0644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/logout-fcgi"
# gzip -n: no name or time stamp inside, so the same sources give the same package.
gzip -9n < packaging/deb/changelog > "$root/usr/share/doc/logout-fcgi/changelog.gz"
gzip -9n < "$manpage" > "$root/usr/share/man/man8/logout-fcgi.8.gz"
chmod 0644 "$root/usr/share/doc/logout-fcgi/changelog.gz" "$root/usr/share/man/man8/logout-fcgi.8.gz"

# dpkg-shlibdeps names the packages of the shared libraries the binary links (libfcgi, libcurl,
# libc, ...); it reads debian/control, so it runs in a scratch directory that has one.
mkdir -p "$stage/shlibs/debian"
printf 'Source: logout-fcgi\n\nPackage: logout-fcgi\nArchitecture: any\n' > "$stage/shlibs/debian/control"
shlibs="$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/logout-fcgi")"
depends="${shlibs#shlibs:Depends=}, ca-certificates"

installed_size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  -e "s/@DEPENDS@/$depends/" packaging/deb/control.in > "$root/DEBIAN/control"

mkdir -p "$(dirname "$output")"
dpkg-deb --root-owner-group -Zxz --build "$root" "$output" >/dev/null
echo "$output"
