#!/usr/bin/env bash
# Stock xv6-riscv, side by side in one run: the corpus's unmodified kernel
# and file system (../shared/corpus/xv6-riscv, see the corpus README) booted
# on rvsim and on qemu-system-riscv64 (TCG, -machine virt -bios none), one
# after the other. Prints the wall-clock seconds each took to boot to the
# shell's first `$ ` prompt and then to run `usertests -q` (typed at that
# prompt) until it prints `ALL TESTS PASSED`, and rvsim's time over QEMU's.
#
# usage: scripts/xv6-vs-qemu.sh [--smp N] [--boot-only] [--timeout SECONDS]
#
# --smp N gives the guest N harts (default 1; rvsim gets --smp N only when
# N is not 1). --boot-only stops at the prompt (a quick run). --timeout
# bounds each step of each emulator (default 600 s). xv6 never halts (its
# scheduler spins), so a small python3 helper types at the console through
# a pipe, watches the output and kills the emulator when the step is done.
# Each run gets its own writable copy of fs.img (the kernel writes to it).
# Exits 1, with a line saying why, if either emulator failed a step:
# `FAILED` or `panic: ` on the console, the emulator exiting, or the timeout.
# RVSIM=PATH times that rvsim binary instead of building one;
# RVSIM_CORPUS=DIR uses that corpus, as the tests do.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/side-by-side.sh
. scripts/side-by-side.sh

usage="usage: $0 [--smp N] [--boot-only] [--timeout SECONDS]"
smp=1
boot_only=0
timeout=600
while [ $# -gt 0 ]; do
    case $1 in
    --smp) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; smp=$2; shift 2 ;;
    --smp=*) smp=${1#--smp=}; shift ;;
    --boot-only) boot_only=1; shift ;;
    --timeout) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; timeout=$2; shift 2 ;;
    --timeout=*) timeout=${1#--timeout=}; shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
if ! [[ $smp =~ ^[0-9]+$ && $timeout =~ ^[0-9]+$ ]] || ((smp < 1 || smp > 8 || timeout < 1)); then
    echo "$usage with 1 <= N <= 8 harts (xv6's NCPU) and SECONDS >= 1" >&2
    exit 2
fi

need_tools
rvsim_binary
corpus=${RVSIM_CORPUS:-$PWD/../shared/corpus}
xv6=$corpus/xv6-riscv
if ! [ -f "$xv6/kernel" ] || ! [ -f "$xv6/fs.img" ]; then
    echo "$0: no xv6-riscv kernel and fs.img in $xv6 (set RVSIM_CORPUS)" >&2
    exit 1
fi
version=$(sed -n 's/.*xv6-riscv at \([0-9a-f]\{7,\}\).*/\1/p' "$corpus/README.md" 2>/dev/null | head -1 || true)

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The console driver: python3 drive.py BOOT_ONLY TIMEOUT LOG -- COMMAND...
# starts COMMAND (stdin and stdout pipes, stderr to LOG.err, the console
# copied to LOG), waits for the first `$ `, types `usertests -q` unless
# BOOT_ONLY, waits for its verdict, then kills COMMAND. Prints one line:
# the boot seconds, the usertests seconds ("-" if not run or failed), and
# the reason for a failure, if any.
cat >"$dir/drive.py" <<'EOF'
import os, select, signal, subprocess, sys, time

boot_only, timeout, log = sys.argv[1] == "1", float(sys.argv[2]), sys.argv[3]
command = sys.argv[5:]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

console = bytearray()
start = time.monotonic()
with open(log + ".err", "wb") as err:
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                             start_new_session=True)

def last_line(data):
    lines = [l for l in bytes(data).decode("utf-8", "replace").splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""

def wait_for(success, failures, since, deadline):
    """Reads the console until `success` (returns None) or one of
    `failures` appears after offset `since`, the emulator exits or the
    deadline passes (returns why)."""
    fd = child.stdout.fileno()
    while True:
        rest = bytes(console[since:])
        if success in rest:
            return None
        for failure in failures:
            if failure in rest:
                at = since + rest.index(failure)
                # the rest of that line, if it comes soon
                end = time.monotonic() + 2
                while b"\n" not in console[at:] and time.monotonic() < end:
                    ready, _, _ = select.select([fd], [], [], 0.1)
                    if ready:
                        chunk = os.read(fd, 65536)
                        if not chunk:
                            break
                        console.extend(chunk)
                line = bytes(console[at:]).split(b"\n")[0]
                head = bytes(console[:at]).rsplit(b"\n", 1)[-1]
                return "printed %r" % (head + line).decode("utf-8", "replace").strip()
        left = deadline - time.monotonic()
        if left <= 0:
            return "timed out after %.0f s (last line: %r)" % (timeout, last_line(console[since:]))
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                status = child.wait()
                with open(log + ".err", "rb") as e:
                    why = last_line(e.read()) or last_line(console)
                return "exited with status %d (%r)" % (status, why)
            console.extend(chunk)

boot = tests = "-"
try:
    why = wait_for(b"$ ", [b"panic: "], 0, start + timeout)
    if why is None:
        boot = "%.3f" % (time.monotonic() - start)
        if not boot_only:
            since = len(console)
            child.stdin.write(b"usertests -q\n")
            child.stdin.flush()
            typed = time.monotonic()
            why = wait_for(b"ALL TESTS PASSED", [b"FAILED", b"panic: "], since, typed + timeout)
            if why is None:
                tests = "%.3f" % (time.monotonic() - typed)
            else:
                why = "usertests -q: " + why
    else:
        why = "boot: " + why
finally:
    if child.poll() is None:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    try:
        with open(log, "wb") as f:
            f.write(console)
    except OSError:
        pass  # interrupted: the script has removed its directory
print(boot, tests, why or "")
EOF

# fresh NAME: a writable copy of fs.img for one run, at $dir/NAME.img.
fresh() {
    cp "$xv6/fs.img" "$dir/$1.img"
    chmod u+w "$dir/$1.img"
}

smp_args=()
[ "$smp" -eq 1 ] || smp_args=(--smp "$smp")
rvsim_command=("$rvsim" run --kernel "$xv6/kernel" --drive "$dir/rvsim.img" "${smp_args[@]}")
qemu_command=(qemu-system-riscv64 -machine virt -bios none -kernel "$xv6/kernel" -m 128M -smp "$smp" -nographic
    -global virtio-mmio.force-legacy=false
    -drive "file=$dir/qemu.img,if=none,format=raw,id=x0" -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0)

declare -A boot tests why
for emulator in rvsim qemu; do
    fresh "$emulator"
    declare -n command=${emulator}_command
    read -r "boot[$emulator]" "tests[$emulator]" "why[$emulator]" < <(
        python3 "$dir/drive.py" "$boot_only" "$timeout" "$dir/$emulator.console" -- "${command[@]}" ||
            echo "- - the console driver failed"
    )
    unset -n command
done


host_line
echo "xv6-riscv ${version:-(unknown commit)}, -smp $smp, this machine ($(nproc) cores)"
printf '%-14s %10s %10s %11s\n' "" rvsim qemu rvsim/qemu
printf '%-14s %10s %10s %11s\n' 'boot to $' "$(cell "${boot[rvsim]}" 2)" "$(cell "${boot[qemu]}" 2)" \
    "$(ratio "${boot[rvsim]}" "${boot[qemu]}")"
if [ "$boot_only" -eq 0 ]; then
    printf '%-14s %10s %10s %11s\n' 'usertests -q' "$(cell "${tests[rvsim]}" 1)" "$(cell "${tests[qemu]}" 1)" \
        "$(ratio "${tests[rvsim]}" "${tests[qemu]}")"
fi

report_failures
