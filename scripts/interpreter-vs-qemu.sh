#!/usr/bin/env bash
# Engine speed, side by side in one run: the same bare-metal CPU-bound
# workload (cpu-mix-sv39: hashing, sorting, a matrix product, copies, a
# state machine and linked-list work, in S-mode with Sv39 on) under rvsim's
# interpreter (--engine interp), rvsim's translator (--engine jit) and
# qemu-system-riscv64 (TCG). Prints MIPS for each and the ratios.
#
# usage: scripts/interpreter-vs-qemu.sh [LOW HIGH [REPEATS]]
#
# KERNEL=cpu-mix (or any other built-in bare-metal image) runs that
# instead; TLB=SPEC gives rvsim's runs that TLB shape.
#
# Each emulator runs the workload for LOW and for HIGH rounds, REPEATS
# times each (defaults 100, 1000, 3); MIPS is the instructions between the
# two round counts over the difference of the fastest times, so booting
# and exiting cancel out. The instruction counts are rvsim's exact ones
# (--stats); QEMU runs the same program, and the checksums both print must
# agree. RVSIM=PATH uses that rvsim binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/side-by-side.sh
. scripts/side-by-side.sh

low=${1:-100}
high=${2:-1000}
repeats=${3:-3}
if ! [[ $low =~ ^[0-9]+$ && $high =~ ^[0-9]+$ && $repeats =~ ^[0-9]+$ ]] || ((low >= high || repeats < 1)); then
    echo "usage: $0 [LOW HIGH [REPEATS]] with LOW < HIGH rounds" >&2
    exit 2
fi
if ! command -v qemu-system-riscv64 >/dev/null; then
    echo "$0: needs qemu-system-riscv64 (apt-get install qemu-system-misc)" >&2
    exit 1
fi

if [ -n "${RVSIM:-}" ]; then
    rvsim=$RVSIM
else
    cargo build --release --quiet
    rvsim=target/release/rvsim
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$rvsim" image "$dir" >/dev/null
kernel=${KERNEL:-cpu-mix-sv39}
elf=$dir/$kernel.elf
tlb=${TLB:-entries=64,ways=4,policy=lru}

run_interp() { "$rvsim" run --engine interp --tlb "$tlb" --kernel "$elf" --append "rounds=$1"; }
run_jit() { "$rvsim" run --engine jit --tlb "$tlb" --kernel "$elf" --append "rounds=$1"; }
run_qemu() { qemu-system-riscv64 -machine virt -bios none -m 128M -nographic -kernel "$elf" -append "rounds=$1"; }

# best EMULATOR ROUNDS: the fastest of $repeats runs, in seconds; the
# guest's output is left in $dir/out.
best() {
    local fastest="" start end
    for _ in $(seq "$repeats"); do
        start=$(date +%s%N)
        "run_$1" "$2" >"$dir/out" </dev/null
        end=$(date +%s%N)
        fastest=$(awk -v t=$((end - start)) -v f="$fastest" 'BEGIN { t /= 1e9; print ((f == "" || t < f) ? t : f) }')
    done
    echo "$fastest"
}

checksum() { grep -o 'checksum 0x[0-9a-f]*' "$dir/out" | cut -d' ' -f2 || echo "none"; }

instructions() {
    "$rvsim" run --stats --tlb "$tlb" --kernel "$elf" --append "rounds=$1" 2>&1 >/dev/null |
        awk '/instructions retired/ { print $3 }'
}

insns=$(($(instructions "$high") - $(instructions "$low")))
declare -A seconds sums
emulators=(interp jit qemu)
for emulator in "${emulators[@]}"; do
    for rounds in "$low" "$high"; do
        seconds[$emulator,$rounds]=$(best "$emulator" "$rounds")
        sums[$emulator,$rounds]=$(checksum)
    done
done

host_line
echo "$kernel, $low and $high rounds: $insns instructions between them, fastest of $repeats runs; rvsim's TLB $tlb"
declare -A mips
mips_table "$low" "$high" "$insns" "${emulators[@]}"
awk -v i="${mips[interp]}" -v j="${mips[jit]}" -v q="${mips[qemu]}" 'BEGIN {
    if (i > 0) printf "jit / interp: %.2fx\n", j / i
    if (j > 0) printf "qemu / jit: %.2fx\n", q / j
    if (i > 0) printf "qemu / interp: %.2fx\n", q / i
}'

status=0
for rounds in "$low" "$high"; do
    for emulator in interp jit; do
        if [ "${sums[$emulator,$rounds]}" != "${sums[qemu,$rounds]}" ]; then
            echo "$rounds rounds: rvsim $emulator printed ${sums[$emulator,$rounds]}, qemu ${sums[qemu,$rounds]}" >&2
            status=1
        fi
    done
done
[ $status -eq 0 ] && echo "checksums agree: ${sums[jit,$low]} ($low rounds), ${sums[jit,$high]} ($high rounds)"
exit $status
