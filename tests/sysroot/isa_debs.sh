#!/usr/bin/env bash
# Fetch the Debian arm64 packages whose binaries `make coverage` checks
# (busybox-static, libc6, libstdc++6, python3.11-minimal, cpp-12 for cc1) and
# unpack them (no maintainer scripts) into tests/sysroot/cache/isa-debs (git-ignored). Cached.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/cache"
dest="$cache/isa-debs"
mkdir -p "$cache"
if [ -e "$dest/.done" ]; then exit 0; fi
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
for pkg in busybox-static libc6 libstdc++6 python3.11-minimal cpp-12; do
  deb=$(ls "$cache"/"${pkg}"_*_arm64.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    (cd "$cache" && apt-get download -q "$pkg:arm64")
    deb=$(ls "$cache"/"${pkg}"_*_arm64.deb | head -n1)
  fi
  dpkg-deb -x "$deb" "$dest.tmp"
done
touch "$dest.tmp/.done"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "isa-debs: unpacked into $dest"
