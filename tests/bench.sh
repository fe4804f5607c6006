#!/usr/bin/env bash
# make bench: elfuse vs qemu-aarch64-static on the same binaries, same run.
# Prints wall-clock medians and the ratio elfuse/qemu (lower is better).
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
row() {
  local name=$1 runs=$2 goal=$3; shift 3
  "$ELFUSE" "$@" >/tmp/elfuse-bench.out
  "$QEMU" "$@" >/tmp/qemu-bench.out
  cmp -s /tmp/elfuse-bench.out /tmp/qemu-bench.out || { echo "bench: $name output differs from qemu"; exit 1; }
  local es=() qs=() e q
  for ((i = 0; i < runs; i++)); do
    es+=("$(once "$ELFUSE" "$@")")
    qs+=("$(once "$QEMU" "$@")")
  done
  e=$(printf '%s\n' "${es[@]}" | median)
  q=$(printf '%s\n' "${qs[@]}" | median)
  printf "%-28s %10.4f %10.4f %8.2fx   %s\n" "$name" "$e" "$q" "$(echo "$e / $q" | bc -l)" "$goal"
}

printf "%-28s %10s %10s %9s   %s\n" "benchmark" "elfuse s" "qemu s" "ratio" "goal"
printf "(median of N runs each, elfuse and qemu interleaved; ratio = elfuse/qemu)\n"
row "startup (static hello)" 31 "<= 0.3x" "$B/hello"
row "1,000,000 getppid" 7 "<= 1.0x" "$B/getppid_loop" 1000000
row "integer loop (20M iters)" 5 "report" "$B/int_loop" 20000000
