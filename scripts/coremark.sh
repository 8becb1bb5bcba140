#!/usr/bin/env bash
# A CoreMark-style benchmark as a Linux user program: tests/c/coremark.c,
# built for rv64gc with Debian's riscv64-linux-gnu-gcc -static into
# target/coremark, timed under rvsim (its built-in kernel) and under
# qemu-riscv64 (qemu-user). Prints both wall times, the ratio, and the
# instructions rvsim retired (its exact --stats count: the kernel's boot,
# the program, its exit), and checks that both printed the same CRCs.
#
# usage: bash scripts/coremark.sh [N]   (N iterations, default 200)
#
# RVSIM=PATH times that rvsim binary instead of target/release/rvsim
# (which this script does not build).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-200}
if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1)); then
    echo "usage: $0 [N] with N >= 1 iterations" >&2
    exit 2
fi
command -v riscv64-linux-gnu-gcc >/dev/null ||
    { echo "$0: needs riscv64-linux-gnu-gcc (apt-get install gcc-riscv64-linux-gnu)" >&2; exit 1; }
command -v qemu-riscv64 >/dev/null ||
    { echo "$0: needs qemu-riscv64 (apt-get install qemu-user)" >&2; exit 1; }
rvsim=${RVSIM:-target/release/rvsim}
[ -x "$rvsim" ] || { echo "$0: no $rvsim (cargo build --release)" >&2; exit 1; }

mkdir -p target
riscv64-linux-gnu-gcc -static -O2 -Wall -Werror -o target/coremark tests/c/coremark.c -lm
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# seconds NAME COMMAND...: runs COMMAND with its output in $dir/NAME.out
# and prints its wall time in seconds.
seconds() {
    local name=$1 start end
    shift
    start=$(date +%s%N)
    "$@" >"$dir/$name.out" 2>"$dir/$name.err" </dev/null ||
        { echo "$0: $name failed:" >&2; cat "$dir/$name.out" "$dir/$name.err" >&2; exit 1; }
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }'
}

t_rvsim=$(seconds rvsim "$rvsim" run target/coremark "$n")
t_qemu=$(seconds qemu qemu-riscv64 target/coremark "$n")
insns=$("$rvsim" run --stats target/coremark "$n" 2>&1 >/dev/null </dev/null |
    awk '/instructions retired/ { print $3; exit }')

host=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "host: ${host:-unknown}; $(qemu-riscv64 --version | head -1)"
echo "coremark-style, $n iterations ($(grep '^sizes:' "$dir/qemu.out" | cut -d' ' -f2-))"
echo "instructions retired (rvsim --stats): ${insns:-unknown}"
printf '%-14s %9.3f s\n' rvsim "$t_rvsim" qemu-riscv64 "$t_qemu"
awk -v r="$t_rvsim" -v q="$t_qemu" -v n="${insns:-0}" 'BEGIN {
    if (q > 0) printf "rvsim / qemu-riscv64: %.1fx the time\n", r / q
    if (r > 0 && n > 0) printf "rvsim: %.0f MIPS\n", n / r / 1e6
}'

if ! cmp -s "$dir/rvsim.out" "$dir/qemu.out"; then
    echo "$0: rvsim and qemu-riscv64 printed different results:" >&2
    diff "$dir/rvsim.out" "$dir/qemu.out" >&2 || true
    exit 1
fi
echo "outputs agree: $(grep '^final crc:' "$dir/qemu.out"), $(grep '^checks:' "$dir/qemu.out")"
