#!/usr/bin/env bash
# make bench: elfuse vs qemu-aarch64-static on the same binaries, same run.
# Prints wall-clock means and the ratio elfuse/qemu (lower is better).
set -euo pipefail
cd "$(dirname "$0")/.."
ELFUSE=${ELFUSE:-./target/release/elfuse}
QEMU=${QEMU:-$(command -v qemu-aarch64-static || true)}
B=tests/guest/build
if [ -z "$QEMU" ]; then echo "bench: qemu-aarch64-static not installed (make deps)"; exit 1; fi

# mean wall time in seconds of RUNS runs of a command
mean() {
  local runs=$1; shift
  local start end
  start=$(date +%s.%N)
  for ((i = 0; i < runs; i++)); do "$@" >/dev/null; done
  end=$(date +%s.%N)
  echo "($end - $start) / $runs" | bc -l
}

row() {
  local name=$1 runs=$2 goal=$3; shift 3
  "$ELFUSE" "$@" >/tmp/elfuse-bench.out
  "$QEMU" "$@" >/tmp/qemu-bench.out
  cmp -s /tmp/elfuse-bench.out /tmp/qemu-bench.out || { echo "bench: $name output differs from qemu"; exit 1; }
  local e q
  e=$(mean "$runs" "$ELFUSE" "$@")
  q=$(mean "$runs" "$QEMU" "$@")
  printf "%-28s %10.4f %10.4f %8.2fx   %s\n" "$name" "$e" "$q" "$(echo "$e / $q" | bc -l)" "$goal"
}

printf "%-28s %10s %10s %9s   %s\n" "benchmark" "elfuse s" "qemu s" "ratio" "goal"
row "startup (static hello)" 30 "<= 0.3x" "$B/hello"
row "1,000,000 getppid" 3 "<= 1.0x" "$B/getppid_loop" 1000000
row "integer loop (20M iters)" 3 "report" "$B/int_loop" 20000000
