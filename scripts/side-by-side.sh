# What the scripts that time rvsim and QEMU side by side share (sourced by
# xv6-vs-qemu.sh and linux-vs-qemu.sh): the tools they need, the rvsim
# binary, the table's cells, and the failures said at the end.

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
