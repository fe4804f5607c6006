#!/usr/bin/env bash
# Install what elfuse's tests need on Debian/Ubuntu: the aarch64 cross
# compiler (static glibc), qemu-user-static (the reference), and the arm64
# architecture for `apt-get download` of test packages (busybox.sh, alpine.sh,
# debian.sh use apt-get, apt-cache, dpkg-deb and tar). Idempotent.
set -euo pipefail
need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
command -v dpkg-deb >/dev/null || need+=(dpkg)
command -v bc >/dev/null || need+=(bc)
# alpine.sh checks the musl programs' PT_INTERP with readelf.
command -v readelf >/dev/null || need+=(binutils)
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo dpkg --add-architecture arm64
  updated=0
else
  updated=1
fi
if [ ${#need[@]} -gt 0 ] || [ "$updated" = 0 ]; then
  echo "deps: installing ${need[*]:-(arm64 package lists)}"
  $sudo apt-get update -qq
  if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
