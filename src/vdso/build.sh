#!/usr/bin/env bash
# Build elfuse's vDSO image (vdso.so, embedded by src/vdso/mod.rs) from
# vdso.S and vdso.lds with the AArch64 cross binutils. The output is
# checked in; `cargo test` rebuilds it and fails if it differs.
#   usage: build.sh [OUTPUT]   (default: vdso.so beside this script)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/vdso.so}"
cc="${GUEST_CC:-aarch64-linux-gnu-gcc}"
ld="${GUEST_LD:-aarch64-linux-gnu-ld}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$cc" -c -o "$tmp/vdso.o" "$here/vdso.S"
"$ld" -shared -nostdlib -Bsymbolic --hash-style=both --eh-frame-hdr --build-id=none \
  -z max-page-size=4096 -z noexecstack -soname=linux-vdso.so.1 \
  -T "$here/vdso.lds" -o "$tmp/vdso.so" "$tmp/vdso.o"
mv "$tmp/vdso.so" "$out"
