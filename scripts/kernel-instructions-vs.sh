#!/usr/bin/env bash
# The teaching kernel's cost, side by side in one run: the same user
# programs (ELF files, so that a program changed since does not count) run
# under two rvsim builds, each with its own built-in kernel, with no
# memory pressure; prints the instructions each run retired (rvsim's exact
# --stats count: boot, the program, exit) and the change.
#
# usage: scripts/kernel-instructions-vs.sh OLD_RVSIM NEW_RVSIM ELF_DIR [PROGRAM...]
#
# ELF_DIR holds the user programs, e.g. the older build's
# target/guest/riscv64imac-unknown-none-elf/release. Without PROGRAMs, a
# set of workloads that never page is used. This is how the closing note
# of issue 12 compared the kernel with demand paging against the one
# before it (a run with no memory pressure must count within 1%).
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 OLD_RVSIM NEW_RVSIM ELF_DIR [PROGRAM...]" >&2
    exit 2
fi
old=$1 new=$2 elves=$3
shift 3
programs=("$@")
if [ ${#programs[@]} -eq 0 ]; then
    programs=(hello memstat matmul randwalk ptrchase scan cowtest cowbench forktest forkstorm ctxswitch
        vmdemo bindlib badptr shmcounter shmring sharedtext crashers)
fi
for binary in "$old" "$new"; do
    [ -x "$binary" ] || { echo "$0: $binary is not an executable" >&2; exit 2; }
done

# The instructions one run of `program` retired under `binary`.
retired() {
    local binary=$1 program=$2
    "$binary" run --stats "$elves/$program" 2>&1 >/dev/null | awk '/instructions retired/ { print $3; exit }'
}

printf "%-11s %14s %14s %9s\n" program old new change
for program in "${programs[@]}"; do
    [ -f "$elves/$program" ] || { echo "$0: no $elves/$program" >&2; exit 2; }
    a=$(retired "$old" "$program")
    b=$(retired "$new" "$program")
    awk -v p="$program" -v a="$a" -v b="$b" 'BEGIN { printf "%-11s %14d %14d %+8.2f%%\n", p, a, b, 100 * (b - a) / a }'
done
