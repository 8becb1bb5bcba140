# What the scripts that time rvsim and QEMU side by side share (sourced by
# xv6-vs-qemu.sh, linux-vs-qemu.sh, interpreter-vs-qemu.sh and
# engines-vs-spike.sh): the tools they need, the rvsim binary, the table's
# cells, the MIPS table, and the failures said at the end.

# need_tools: QEMU and python3 (the console driver), or one line and exit 1.
need_tools() {
    if ! command -v qemu-system-riscv64 >/dev/null; then
        echo "$0: needs qemu-system-riscv64 (apt-get install qemu-system-misc)" >&2
        exit 1
    fi
    command -v python3 >/dev/null || { echo "$0: needs python3" >&2; exit 1; }
}

# rvsim_binary: sets $rvsim to RVSIM=PATH, or builds rvsim and uses that.
rvsim_binary() {
    if [ -n "${RVSIM:-}" ]; then
        rvsim=$RVSIM
    else
        cargo build --release --quiet
        rvsim=target/release/rvsim
    fi
    [ -x "$rvsim" ] || { echo "$0: no rvsim binary at $rvsim" >&2; exit 1; }
}

# cell SECONDS DECIMALS: "1.23 s", or "failed".
cell() { [ "$1" = - ] && echo failed || awk -v s="$1" -v d="$2" 'BEGIN { printf "%.*f s", d, s }'; }

# ratio RVSIM QEMU: rvsim's time over QEMU's, or "-".
ratio() { awk -v r="$1" -v q="$2" 'BEGIN { if (r != "-" && q != "-" && q > 0) printf "%.2f", r / q; else print "-" }'; }

# host_line: the host's CPU and QEMU's version.
host_line() {
    local host
    host=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
    echo "host: ${host:-unknown}; $(qemu-system-riscv64 --version | head -1)"
}

# report_failures: says why each emulator failed (the associative array
# `why`) and exits 1 if one did, else 0.
report_failures() {
    local status=0 emulator
    for emulator in rvsim qemu; do
        if [ -n "${why[$emulator]}" ]; then
            echo "$emulator failed: ${why[$emulator]}" >&2
            status=1
        fi
    done
    exit $status
}

# mips_table LOW HIGH INSTRUCTIONS EMULATOR...: a table of each emulator's
# fastest seconds at LOW and at HIGH (from the associative array
# `seconds`, keyed "EMULATOR,ROUNDS") and its MIPS, INSTRUCTIONS over the
# difference, also left in the associative array `mips`; rvsim's engines
# (interp, jit) are named "rvsim interp" and "rvsim jit".
mips_table() {
    local low=$1 high=$2 instructions=$3 emulator lo hi name
    shift 3
    printf '%-12s %12s %12s %10s\n' "" "s ($low)" "s ($high)" "MIPS"
    for emulator in "$@"; do
        lo=${seconds[$emulator,$low]}
        hi=${seconds[$emulator,$high]}
        mips[$emulator]=$(awk -v n="$instructions" -v lo="$lo" -v hi="$hi" \
            'BEGIN { d = hi - lo; printf "%.0f", (d > 0 ? n / d / 1e6 : 0) }')
        name=$emulator
        case $emulator in interp | jit) name="rvsim $emulator" ;; esac
        printf '%-12s %12.3f %12.3f %10s\n' "$name" "$lo" "$hi" "${mips[$emulator]}"
    done
}
