#!/usr/bin/env bash
# Fetch Debian's busybox-static for arm64 and unpack it (no maintainer
# scripts) into tests/sysroot/busybox. Cached; idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/cache"
dest="$here/busybox"
mkdir -p "$cache"
if [ -x "$dest/bin/busybox" ]; then exit 0; fi
deb=$(ls "$cache"/busybox-static_*_arm64.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  (cd "$cache" && apt-get download -q busybox-static:arm64)
  deb=$(ls "$cache"/busybox-static_*_arm64.deb | head -n1)
fi
rm -rf "$dest.tmp"
dpkg-deb -x "$deb" "$dest.tmp"
mv "$dest.tmp" "$dest"
echo "busybox: $(file -b "$dest/bin/busybox" 2>/dev/null || echo unpacked) -> $dest/bin/busybox"
