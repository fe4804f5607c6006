#!/usr/bin/env bash
# Assemble a Debian bookworm arm64 root at tests/sysroot/debian from the
# packages below and their dependency closure, unpacked without maintainer
# scripts (`dpkg-deb --fsys-tarfile | tar`), then create by hand what those
# scripts would have: alternatives symlinks, /etc files, /tmp, /root and empty
# /dev /proc /sys. Merged-/usr: /bin, /sbin and /lib are symlinks into usr/.
# Downloads are cached in tests/sysroot/cache; the stamp records a hash of
# this script: a rerun with the script unchanged is a no-op.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/cache"
dest="$here/debian"
stamp="$dest/.elfuse-root"
stamp_hash=$(sha256sum "$0" | cut -d' ' -f1)
if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_hash" ]; then exit 0; fi
start=$(date +%s)
mkdir -p "$cache"

# The programs the tests run, plus the Essential set a Debian root always has
# (sed, grep, findutils, diffutils, gzip, tar, hostname) and procps/util-linux
# for the /proc tools (ps, top, free, uptime, pidof, script).
pkgs=(libc6 bash coreutils dash python3.11 python3.11-minimal libpython3.11-stdlib perl sqlite3 git make
  file ripgrep fd-find gcc-12 binutils libc6-dev
  sed grep findutils diffutils gzip tar hostname procps util-linux bsdutils sysvinit-utils)
# Architecture: all packages asked for by name (NAME:arm64 would be virtual).
all_pkgs=(ncurses-base)
# Alternatives apt-cache follows that one alternative (mawk) already satisfies.
skip=" gawk original-awk libsigsegv2 "

# The closure: every real package reachable through Depends/Pre-Depends.
# Names come back as NAME:arm64 (arm64 packages), NAME (Architecture: all,
# or the host's package for a Multi-Arch: allowed `:any` dependency) and
# <NAME> (virtual); keep each name once, without its architecture.
names=$( (apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances "${pkgs[@]/%/:arm64}"; printf '%s\n' "${all_pkgs[@]}") | grep -v '^ ' | grep -v '^<' | sed 's/:.*$//' | sort -u)
want=()
for n in $names; do
  case "$skip" in *" $n "*) continue ;; esac
  want+=("$n")
done
# Which names have an arm64 build; the others must be Architecture: all.
arm=" $(apt-cache show --no-all-versions "${want[@]/%/:arm64}" 2>/dev/null | sed -n 's/^Package: //p' | tr '\n' ' ') "
specs=()
for n in "${want[@]}"; do
  case "$arm" in *" $n "*) specs+=("$n:arm64") ;; *) specs+=("$n") ;; esac
done

# Download what the cache lacks (into a private directory first: the cache
# is shared by concurrent runs).
uris=$(apt-get download --print-uris "${specs[@]}")
files=$(printf '%s\n' "$uris" | awk '{print $2}')
missing=()
for f in $files; do [ -e "$cache/$f" ] || missing+=("$f"); done
if [ ${#missing[@]} -gt 0 ]; then
  dl="$cache/.dl.$$"
  rm -rf "$dl" && mkdir -p "$dl"
  echo "debian: downloading ${#missing[@]} of $(echo "$files" | wc -w) packages"
  (cd "$dl" && apt-get download -q "${specs[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  for f in "${missing[@]}"; do
    [ -e "$dl/$f" ] || { echo "debian: $f was not downloaded" >&2; exit 1; }
    mv "$dl/$f" "$cache/$f"
  done
  rm -rf "$dl"
fi

# Unpack into a fresh tree whose /bin, /sbin, /lib already are the
# merged-/usr symlinks; tar --keep-directory-symlink puts files packages ship
# under /bin and /lib through them into usr/.
tmp="$dest.tmp"
rm -rf "$tmp"
mkdir -p "$tmp/usr/bin" "$tmp/usr/sbin" "$tmp/usr/lib"
ln -s usr/bin "$tmp/bin"
ln -s usr/sbin "$tmp/sbin"
ln -s usr/lib "$tmp/lib"
for f in $files; do
  dpkg-deb --fsys-tarfile "$cache/$f" | tar -x -C "$tmp" --keep-directory-symlink --no-same-owner
done
for d in bin sbin lib; do
  [ -L "$tmp/$d" ] || { echo "debian: /$d is no longer a symlink" >&2; exit 1; }
done

# What maintainer scripts and update-alternatives would have made.
alt() { # alt LINK TARGET: create LINK -> TARGET unless LINK exists; TARGET must exist
  local link="$tmp$1" target="$2"
  if [ -e "$link" ] || [ -L "$link" ]; then return 0; fi
  case "$target" in /*) [ -e "$tmp$target" ] ;; *) [ -e "$(dirname "$link")/$target" ] ;; esac ||
    { echo "debian: $1 -> $target: target missing" >&2; exit 1; }
  ln -s "$target" "$link"
}
alt /usr/bin/sh dash
alt /usr/bin/gcc gcc-12
alt /usr/bin/cc gcc-12
alt /usr/bin/cpp cpp-12
alt /usr/bin/python3 python3.11
alt /usr/bin/python python3.11
alt /usr/bin/awk mawk
alt /usr/bin/fd fdfind
alt /usr/bin/which which.debianutils
mkdir -p "$tmp/etc" "$tmp/root" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/tmp" "$tmp/var/tmp" "$tmp/home"
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
chmod 700 "$tmp/root"
cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$tmp/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
staff:x:50:
users:x:100:
nogroup:x:65534:
EOF
cat >"$tmp/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
EOF
cat >"$tmp/etc/nsswitch.conf" <<'EOF'
passwd:         files
group:          files
shadow:         files
hosts:          files dns
networks:       files
protocols:      files
services:       files
ethers:         files
rpc:            files
EOF
echo elfuse >"$tmp/etc/hostname"
[ -e "$tmp/etc/ld.so.conf" ] || echo 'include /etc/ld.so.conf.d/*.conf' >"$tmp/etc/ld.so.conf"

echo "$stamp_hash" >"$tmp/.elfuse-root"
rm -rf "$dest"
mv "$tmp" "$dest"
echo "debian: $(echo "$files" | wc -w) packages, $(du -sh "$dest" | cut -f1) in $dest ($(($(date +%s) - start)) s)"
