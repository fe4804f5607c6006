#!/usr/bin/env bash
# make bench: elfuse vs qemu-aarch64-static on the same binaries, same run.
# Prints wall-clock medians, the ratio elfuse/qemu (lower is better) and
# elfuse's guest instruction rate (MIPS: instructions counted by the
# interpreter under ELFUSE_STATS=1, divided by the median wall time).
set -euo pipefail
cd "$(dirname "$0")/.."
ELFUSE=${ELFUSE:-./target/release/elfuse}
QEMU=${QEMU:-$(command -v qemu-aarch64-static || true)}
B=tests/guest/build
if [ -z "$QEMU" ]; then echo "bench: qemu-aarch64-static not installed (make deps)"; exit 1; fi

# wall time in seconds of one run
once() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

# median of a list of numbers
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Runs alternate elfuse and qemu so background load hits both alike; each
# side reports the median of RUNS runs (robust to a noisy shared machine).
# ROOT (when set) runs the program inside that sysroot: elfuse --sysroot
# ROOT PROG, qemu -L ROOT ROOT/PROG.
ROOT=
row() {
  local name=$1 runs=$2 goal=$3; shift 3
  local ecmd=("$ELFUSE") qcmd=("$QEMU")
  if [ -n "$ROOT" ]; then
    ecmd+=(--sysroot "$ROOT" "$@")
    qcmd+=(-L "$ROOT" "$ROOT$1" "${@:2}")
  else
    ecmd+=("$@")
    qcmd+=("$@")
  fi
  ELFUSE_STATS=1 "${ecmd[@]}" >/tmp/elfuse-bench.out 2>/tmp/elfuse-bench.err
  "${qcmd[@]}" >/tmp/qemu-bench.out
  cmp -s /tmp/elfuse-bench.out /tmp/qemu-bench.out || { echo "bench: $name output differs from qemu"; exit 1; }
  local es=() qs=() e q
  for ((i = 0; i < runs; i++)); do
    es+=("$(once "${ecmd[@]}")")
    qs+=("$(once "${qcmd[@]}")")
  done
  e=$(printf '%s\n' "${es[@]}" | median)
  q=$(printf '%s\n' "${qs[@]}" | median)
  local insns mips
  insns=$(awk '/elfuse: stats:/ { n += $3 } END { printf "%.0f\n", n }' /tmp/elfuse-bench.err)
  mips=$(echo "$insns / $e / 1000000" | bc -l)
  printf "%-30s %9.3f %9.3f %7.2fx %7.0f   %s\n" "$name" "$e" "$q" "$(echo "$e / $q" | bc -l)" "$mips" "$goal"
}

# Input of the sha256sum row: 64 MiB, made once.
DATA=${TMPDIR:-/tmp}/elfuse-bench-64m.bin
if [ "$(stat -c %s "$DATA" 2>/dev/null || echo 0)" != 67108864 ]; then
  head -c 67108864 /dev/urandom >"$DATA.tmp" && mv "$DATA.tmp" "$DATA"
fi

printf "%-30s %9s %9s %8s %7s   %s\n" "benchmark" "elfuse s" "qemu s" "ratio" "MIPS" "goal"
printf "(median of N runs each, elfuse and qemu interleaved; ratio = elfuse/qemu)\n"
row "startup (static hello)" 31 "<= 0.3x" "$B/hello"
row "1,000,000 getppid" 7 "<= 1.0x" "$B/getppid_loop" 1000000
row "integer loop (20M iters)" 5 "<= 5x" "$B/int_loop" 20000000
row "sieve (10^8, 3 passes)" 3 "<= 5x" "$B/sieve" 100000000 3
row "simd kernel (mem*/str*)" 5 "<= 5x" "$B/simd_kernel" 2000
BUSYBOX=tests/sysroot/busybox/bin/busybox
if [ -x "$BUSYBOX" ]; then
  row "busybox sha256sum 64 MiB" 3 "<= 5x" "$BUSYBOX" sha256sum "$DATA"
else
  echo "busybox sha256sum: skipped ($BUSYBOX missing: make sysroot)"
fi
DEBIAN=tests/sysroot/debian
if [ -x "$DEBIAN/usr/bin/python3" ]; then
  ROOT=$DEBIAN
  row "dynamic startup (/usr/bin/true)" 21 "<= 0.3x" /usr/bin/true
  row "python3 -c pass" 5 "report" /usr/bin/python3 -c pass
  row "python3 startup + json/hashlib" 5 "report" /usr/bin/python3 -c \
    'import json, hashlib; print(hashlib.sha256(json.dumps(list(range(10000))).encode()).hexdigest())'
  ROOT=
else
  echo "dynamic rows: skipped ($DEBIAN missing: make sysroot)"
fi
row "200 x fork + wait" 5 "report" "$B/fork_bench" 200 fork
row "1000 x thread create + join" 5 "report" "$B/thread_bench" 1000
# qemu-user cannot exec an aarch64 child without binfmt_misc, so this row
# has no qemu time from the same run (the issue quotes ~14 ms per cycle).
es=()
for ((i = 0; i < 5; i++)); do es+=("$(once "$ELFUSE" "$B/fork_bench" 200 exec "$PWD/$B/exitcode")"); done
e=$(printf '%s\n' "${es[@]}" | median)
printf "%-30s %9.3f %9s %8s %7s   %s\n" "200 x fork + exec + wait" "$e" "n/a" "n/a" "" \
  "<= 0.5x qemu; $(echo "$e / 200 * 1000" | bc -l | cut -c1-5) ms each"
