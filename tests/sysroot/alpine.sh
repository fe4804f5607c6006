#!/usr/bin/env bash
# An Alpine-like arm64 root at tests/sysroot/alpine: busybox (static) as the
# userland, musl's dynamic loader /lib/ld-musl-aarch64.so.1, and the musl
# test programs of tests/guest/musl linked dynamically against it
# (/usr/local/bin: hello, threads, dyn; /usr/local/lib/libgreet.so).
#
# Linux: assembled from Debian bookworm's busybox-static:arm64, musl:arm64
# and musl-dev:arm64 (cached in tests/sysroot/cache, unpacked without
# maintainer scripts); what those scripts or Alpine's base files would
# provide (applet symlinks, /etc files, /tmp ...) is created here.
# macOS: Alpine's own aarch64 minirootfs; the musl programs are built when an
# aarch64-linux-musl-gcc cross compiler is on PATH.
#
# The stamp records a hash of this script and the musl sources: a rerun with
# both unchanged is a no-op.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../guest/musl" && pwd)"
cache="$here/cache"
dest="$here/alpine"
stamp="$dest/.elfuse-root"
hash() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi; }
want=$(cat "$0" "$src"/*.c | hash | cut -d' ' -f1)
if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
mkdir -p "$cache"
tmp="$dest.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"

# build_musl CC EXTRA_CFLAGS...: the test programs into $tmp/usr/local.
build_musl() {
  local cc="$1"
  shift
  mkdir -p "$tmp/usr/local/bin" "$tmp/usr/local/lib"
  "$cc" "$@" -O2 -Wall -fPIC -shared -o "$tmp/usr/local/lib/libgreet.so" "$src/greet.c"
  "$cc" "$@" -O2 -Wall -o "$tmp/usr/local/bin/hello" "$src/hello.c" -lm
  "$cc" "$@" -O2 -Wall -pthread -o "$tmp/usr/local/bin/threads" "$src/threads.c"
  "$cc" "$@" -O2 -Wall -o "$tmp/usr/local/bin/dyn" "$src/dyn.c" -L"$tmp/usr/local/lib" -lgreet
}

if [ "$(uname -s)" = Darwin ]; then
  url=https://dl-cdn.alpinelinux.org/alpine/v3.20/releases/aarch64/alpine-minirootfs-3.20.3-aarch64.tar.gz
  tarball="$cache/$(basename "$url")"
  if [ ! -e "$tarball" ]; then
    curl -fL --retry 3 -o "$tarball.part" "$url"
    mv "$tarball.part" "$tarball"
  fi
  tar -xzf "$tarball" -C "$tmp"
  chmod 1777 "$tmp/tmp"
  if command -v aarch64-linux-musl-gcc >/dev/null; then
    build_musl aarch64-linux-musl-gcc
  else
    echo "alpine: no aarch64-linux-musl-gcc on PATH; the musl test programs are not built" >&2
  fi
else
  # Debian packages, downloaded once into the (shared) cache.
  fetch() { # fetch PKG:ARCH -> path of the cached .deb
    local name="${1%%:*}" f
    f=$(ls "$cache/${name}"_*_arm64.deb 2>/dev/null | head -n1 || true)
    if [ -z "$f" ]; then
      local dl="$cache/.dl.$$"
      mkdir -p "$dl"
      (cd "$dl" && apt-get download -q "$1" 2>&1 | grep -v "^W: Download is performed unsandboxed" >&2 || true)
      f=$(ls "$dl/${name}"_*_arm64.deb | head -n1)
      mv "$f" "$cache/"
      rm -rf "$dl"
      f="$cache/$(basename "$f")"
    fi
    echo "$f"
  }
  busybox_deb=$(fetch busybox-static:arm64)
  musl_deb=$(fetch musl:arm64)
  musl_dev_deb=$(fetch musl-dev:arm64)

  dpkg-deb -x "$busybox_deb" "$tmp"
  dpkg-deb -x "$musl_deb" "$tmp"
  rm -rf "$tmp/usr/share/doc" "$tmp/usr/share/man" "$tmp/usr/share/lintian"
  loader=/lib/ld-musl-aarch64.so.1
  [ -e "$tmp$loader" ] || { echo "alpine: musl:arm64 did not provide $loader" >&2; exit 1; }
  # Alpine's name for the C library, and Alpine's library search path
  # (Debian's musl only lists its multiarch directories).
  ln -s ld-musl-aarch64.so.1 "$tmp/lib/libc.musl-aarch64.so.1"
  printf '%s\n' /lib /usr/local/lib /usr/lib /lib/aarch64-linux-musl /usr/lib/aarch64-linux-musl \
    >"$tmp/etc/ld-musl-aarch64.path"

  # Busybox applets, as Alpine lays them out: symlinks to /bin/busybox.
  if command -v qemu-aarch64-static >/dev/null; then
    applets=$(qemu-aarch64-static "$tmp/bin/busybox" --list-full)
  else
    echo "alpine: qemu-aarch64-static is needed to list busybox applets (make deps)" >&2
    exit 1
  fi
  for a in $applets; do
    case "$a" in bin/busybox | linuxrc) continue ;; esac
    mkdir -p "$tmp/$(dirname "$a")"
    [ -e "$tmp/$a" ] || ln -s /bin/busybox "$tmp/$a"
  done

  # Alpine's base files, the parts programs look at.
  mkdir -p "$tmp/etc" "$tmp/root" "$tmp/home" "$tmp/tmp" "$tmp/var/tmp" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/run"
  chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
  chmod 700 "$tmp/root"
  cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
EOF
  cat >"$tmp/etc/group" <<'EOF'
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
wheel:x:10:root
users:x:100:
nogroup:x:65533:
nobody:x:65534:
EOF
  cat >"$tmp/etc/hosts" <<'EOF'
127.0.0.1	localhost localhost.localdomain
::1		localhost localhost.localdomain
EOF
  echo elfuse >"$tmp/etc/hostname"
  printf 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n' >"$tmp/etc/profile"

  # The musl programs: Debian's musl-dev gcc specs, pointed at an unpacked
  # copy of musl and musl-dev in the cache instead of /usr.
  sdk="$cache/musl-sdk"
  if [ ! -e "$sdk/.done" ]; then
    rm -rf "$sdk.$$"
    dpkg-deb -x "$musl_deb" "$sdk.$$"
    dpkg-deb -x "$musl_dev_deb" "$sdk.$$"
    touch "$sdk.$$/.done"
    rm -rf "$sdk"
    mv "$sdk.$$" "$sdk"
  fi
  specs="$tmp.specs"
  sed -e "s|/usr/include/aarch64-linux-musl|$sdk/usr/include/aarch64-linux-musl|g" \
    -e "s|/usr/lib/aarch64-linux-musl|$sdk/usr/lib/aarch64-linux-musl|g" \
    -e "s|^-L$sdk/usr/lib/aarch64-linux-musl|-L$sdk/lib/aarch64-linux-musl &|" \
    "$sdk/usr/lib/aarch64-linux-musl/musl-gcc.specs" >"$specs"
  build_musl "${GUEST_CC:-aarch64-linux-gnu-gcc}" -specs "$specs"
  rm -f "$specs"
  for p in hello threads dyn; do
    interp=$(LC_ALL=C readelf -l "$tmp/usr/local/bin/$p" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    [ "$interp" = "$loader" ] || { echo "alpine: $p has interpreter '$interp', not $loader" >&2; exit 1; }
  done
fi

echo "$want" >"$tmp/.elfuse-root"
rm -rf "$dest"
mv "$tmp" "$dest"
echo "alpine: $(du -sh "$dest" | cut -f1) in $dest"
