#!/usr/bin/env bash
# deb.sh VERSION OUTDIR ARCH=BINARY...: build dist/faxbox_VERSION_ARCH.deb
# for each Debian architecture and its faxd binary (from make cross) with
# dpkg-deb, from the files in packaging/.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: deb.sh VERSION OUTDIR ARCH=BINARY..." >&2; exit 2; }
version=$1 out=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
pkg=$root/packaging
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# The changelog's date is the commit's, so that a build is reproducible.
date=$(git -C "$root" log -1 --format=%cD 2>/dev/null || date -R)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p "$out"
for pair in "$@"; do
	arch=${pair%%=*} bin=${pair#*=}
	[ -f "$bin" ] || { echo "deb.sh: no binary $bin for $arch (make cross)" >&2; exit 1; }
	st=$(mktemp -d)
	trap 'rm -rf "$st"' EXIT
	install -D -m 0755 "$bin" "$st/usr/bin/faxd"
	install -D -m 0644 "$pkg/faxbox.toml" "$st/etc/faxbox/faxbox.toml"
	install -D -m 0644 "$pkg/faxbox.service" "$st/usr/lib/systemd/system/faxbox.service"
	install -D -m 0644 "$pkg/faxbox.sysusers" "$st/usr/lib/sysusers.d/faxbox.conf"
	install -D -m 0644 "$pkg/60-faxbox.rules" "$st/usr/lib/udev/rules.d/60-faxbox.rules"
	install -d -m 0755 "$st/var/lib/faxbox"
	doc=$st/usr/share/doc/faxbox
	install -D -m 0644 "$pkg/debian/copyright" "$doc/copyright"
	sed -e "s/@VERSION@/$version/" -e "s/@COMMIT@/$commit/" -e "s/@DATE@/$date/" "$pkg/debian/changelog" |
		gzip -9n >"$doc/changelog.gz"
	gzip -9n <"$root/README.md" >"$doc/README.md.gz"
	gzip -9n <"$root/firmware/config/faxbox.example.toml" >"$doc/faxbox.example.toml.gz"
	chmod 0644 "$doc"/*
	install -D -m 0644 "$pkg/debian/lintian-overrides" "$st/usr/share/lintian/overrides/faxbox"
	install -d -m 0755 "$st/DEBIAN"
	size=$(du -sk --apparent-size "$st" | cut -f1)
	sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$pkg/debian/control" >"$st/DEBIAN/control"
	echo /etc/faxbox/faxbox.toml >"$st/DEBIAN/conffiles"
	install -m 0755 "$pkg/debian/postinst" "$pkg/debian/prerm" "$pkg/debian/postrm" "$st/DEBIAN/"
	(cd "$st" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$st/DEBIAN/md5sums"
	chmod 0644 "$st/DEBIAN/control" "$st/DEBIAN/conffiles" "$st/DEBIAN/md5sums"
	find "$st" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	deb=$out/faxbox_${version}_${arch}.deb
	dpkg-deb --root-owner-group -Zxz --build "$st" "$deb" >/dev/null
	rm -rf "$st"
	trap - EXIT
	echo "$deb: $(stat -c %s "$deb") bytes, installed size ${size} KiB"
done
