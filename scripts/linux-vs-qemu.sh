#!/usr/bin/env bash
# Debian Linux, side by side in one run: Debian 13's riscv64 kernel booted
# through Debian's OpenSBI (fw_dynamic.bin) to a busybox shell in an
# initramfs made here, on rvsim and on qemu-system-riscv64 (TCG, -machine
# virt, 512 MiB), one after the other. Prints the wall-clock seconds each
# took to boot to the shell's first ` # ` prompt (after the initramfs's
# `initramfs: shell ready`) and, in all, until it exited after
# `poweroff -f` (typed once `cat /proc/cpuinfo | grep -c processor` has
# counted the guest's harts), rvsim's time over QEMU's, and the guest's own
# printk time of "Run /init as init process" on each (guest time, not
# wall time).
#
# usage: scripts/linux-vs-qemu.sh [--smp N] [--timeout SECONDS]
#
# --smp N gives the guest N harts (default 1). --timeout bounds each step
# of each emulator (default 300 s). The kernel, the firmware and busybox
# come from scripts/fetch-debian.sh's cache,
# ${RVSIM_DEBIAN_CACHE:-$HOME/.cache/rvsim/debian}. A small python3 helper
# types at the console through a pipe (kept open: a closed stdin would
# send the guest a Ctrl-D) and watches the output; both emulators exit by
# themselves after Linux powers off. Exits 1, with a line saying why, if
# either emulator failed a step: `Kernel panic` on the console, a wrong
# processor count, the emulator exiting early or with a status other than
# 0, or the timeout. RVSIM=PATH times that rvsim binary instead of
# building one.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/side-by-side.sh
. scripts/side-by-side.sh

usage="usage: $0 [--smp N] [--timeout SECONDS]"
smp=1
timeout=300
while [ $# -gt 0 ]; do
    case $1 in
    --smp) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; smp=$2; shift 2 ;;
    --smp=*) smp=${1#--smp=}; shift ;;
    --timeout) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; timeout=$2; shift 2 ;;
    --timeout=*) timeout=${1#--timeout=}; shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
if ! [[ $smp =~ ^[0-9]+$ && $timeout =~ ^[0-9]+$ ]] || ((smp < 1 || smp > 8 || timeout < 1)); then
    echo "$usage with 1 <= N <= 8 harts and SECONDS >= 1" >&2
    exit 2
fi

need_tools
cache=${RVSIM_DEBIAN_CACHE:-$HOME/.cache/rvsim/debian}
kernel=$cache/linux/Image
firmware=$cache/opensbi/fw_dynamic.bin
busybox=$cache/busybox
for file in "$kernel" "$cache/linux/version" "$firmware" "$busybox"; do
    if ! [ -f "$file" ]; then
        echo "$0: no $file: run scripts/fetch-debian.sh (or set RVSIM_DEBIAN_CACHE)" >&2
        exit 1
    fi
done
rvsim_binary
version=$(head -1 "$cache/linux/version")

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The initramfs: a cpio archive (newc) of two regular files, mode 0755,
# /init (this script) and /busybox.
cat >"$dir/init" <<'EOF'
#!/busybox sh
/busybox mkdir -p /bin /proc /sys
/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo 'initramfs: shell ready'
exec sh
EOF
python3 - "$dir/initramfs.cpio" "$dir/init" "$busybox" <<'EOF'
import sys

def entry(ino, name, data, mode):
    name = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0)
    header = b"070701" + b"".join(b"%08X" % field for field in fields) + name
    return header + b"\0" * (-len(header) % 4) + data + b"\0" * (-len(data) % 4)

out, init, busybox = sys.argv[1:]
archive = b""
for ino, (name, path) in enumerate([("init", init), ("busybox", busybox)], 1):
    with open(path, "rb") as f:
        archive += entry(ino, name, f.read(), 0o100755)
archive += entry(0, "TRAILER!!!", b"", 0)
with open(out, "wb") as f:
    f.write(archive)
EOF

# The console driver: python3 drive.py HARTS TIMEOUT LOG -- COMMAND...
# starts COMMAND (stdin and stdout pipes, stderr to LOG.err, the console
# copied to LOG), waits for `initramfs: shell ready` and then ` # `, types
# `cat /proc/cpuinfo | grep -c processor` and checks it prints HARTS, types
# `poweroff -f` and waits for COMMAND to exit, with status 0. Prints one
# line: the seconds to the prompt, the seconds to the exit, the guest's
# printk time of "Run /init as init process", the OpenSBI version in the
# firmware's banner ("-" for each one not reached or not seen) and the
# reason for a failure, if any.
cat >"$dir/drive.py" <<'EOF'
import os, re, select, signal, subprocess, sys, time

harts, timeout, log = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
command = sys.argv[5:]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

console = bytearray()
start = time.monotonic()
with open(log + ".err", "wb") as err:
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                             start_new_session=True)
fd = child.stdout.fileno()

def last_line(data):
    lines = [l for l in bytes(data).decode("utf-8", "replace").splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""

def read(wait):
    """Reads what the console has within `wait` seconds; False at its end."""
    ready, _, _ = select.select([fd], [], [], wait)
    if ready:
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        console.extend(chunk)
    return True

def panicked():
    """The line of a `Kernel panic` on the console, if one is there."""
    at = console.find(b"Kernel panic")
    if at < 0:
        return None
    # the rest of that line, if it comes soon
    end = time.monotonic() + 2
    while b"\n" not in console[at:] and time.monotonic() < end:
        if not read(0.1):
            break
    line = bytes(console[at:]).split(b"\n")[0]
    head = bytes(console[:at]).rsplit(b"\n", 1)[-1]
    return "printed %r" % (head + line).decode("utf-8", "replace").strip()

def exited():
    status = child.wait()
    with open(log + ".err", "rb") as e:
        why = last_line(e.read()) or last_line(console)
    return "exited with status %d (%r)" % (status, why)

def expect(text, since, deadline):
    """Reads the console until `text` appears after offset `since`
    (returns the offset just past it), a kernel panic, the emulator's exit
    or the deadline (returns why, a str)."""
    while True:
        at = console.find(text, since)
        if at >= 0:
            return at + len(text)
        why = panicked()
        if why:
            return why
        left = deadline - time.monotonic()
        if left <= 0:
            return "timed out after %.0f s (last line: %r)" % (timeout, last_line(console[since:]))
        if not read(min(left, 1.0)):
            return exited()

def type_line(line):
    child.stdin.write(line + b"\n")
    child.stdin.flush()

boot = total = "-"
why = None
try:
    at = expect(b"initramfs: shell ready", 0, start + timeout)
    if not isinstance(at, str):
        at = expect(b" # ", at, start + timeout)
    if isinstance(at, str):
        why = "boot: " + at
    else:
        boot = "%.3f" % (time.monotonic() - start)
        count = b"cat /proc/cpuinfo | grep -c processor"
        type_line(count)
        end = expect(count, at, time.monotonic() + timeout)
        if not isinstance(end, str):
            end = expect(b" # ", end, time.monotonic() + timeout)
        if isinstance(end, str):
            why = "%s: %s" % (count.decode(), end)
        else:
            said = [l.strip() for l in bytes(console[at:end]).decode("utf-8", "replace").splitlines()]
            counts = [l for l in said if l.isdigit()]
            if counts != [str(harts)]:
                why = "%s printed %s, not %d" % (count.decode(), " ".join(counts) or "no number", harts)
    if why is None:
        type_line(b"poweroff -f")
        since = len(console)
        deadline = time.monotonic() + timeout
        while why is None:
            left = deadline - time.monotonic()
            if left <= 0:
                why = "poweroff -f: timed out after %.0f s (last line: %r)" % (timeout, last_line(console[since:]))
            elif not read(min(left, 1.0)):
                try:
                    status = child.wait(max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    why = "poweroff -f: closed the console but did not exit within %.0f s" % timeout
                    break
                total = "%.3f" % (time.monotonic() - start)
                if status != 0:
                    why = "poweroff -f: " + exited()
                    total = "-"
                break
            else:
                panic = panicked()
                if panic:
                    why = "poweroff -f: " + panic
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
init = re.search(rb"\[\s*(\d+\.\d+)\] Run /init as init process", console)
opensbi = re.search(rb"OpenSBI v(\S+)", console)
print(boot, total, init.group(1).decode() if init else "-", opensbi.group(1).decode() if opensbi else "-",
      why or "")
EOF

rvsim_command=("$rvsim" run --bios "$firmware" --kernel "$kernel" --initrd "$dir/initramfs.cpio"
    --append "console=ttyS0" --memory 512M --smp "$smp")
qemu_command=(qemu-system-riscv64 -machine virt -m 512M -smp "$smp" -nographic -bios "$firmware"
    -kernel "$kernel" -initrd "$dir/initramfs.cpio" -append "console=ttyS0")

declare -A boot total init opensbi why
for emulator in rvsim qemu; do
    declare -n command=${emulator}_command
    read -r "boot[$emulator]" "total[$emulator]" "init[$emulator]" "opensbi[$emulator]" "why[$emulator]" < <(
        python3 "$dir/drive.py" "$smp" "$timeout" "$dir/$emulator.console" -- "${command[@]}" ||
            echo "- - - - the console driver failed"
    )
    unset -n command
done

firmware_version=${opensbi[rvsim]}
[ "$firmware_version" != - ] || firmware_version=${opensbi[qemu]}
[ "$firmware_version" != - ] || firmware_version="(unknown version)"

host_line
echo "Debian Linux $version, OpenSBI $firmware_version fw_dynamic, -smp $smp, this machine ($(nproc) cores)"
printf '%-19s %9s %10s %11s\n' "" rvsim qemu rvsim/qemu
printf '%-19s %9s %10s %11s\n' 'boot to prompt' "$(cell "${boot[rvsim]}" 1)" "$(cell "${boot[qemu]}" 1)" \
    "$(ratio "${boot[rvsim]}" "${boot[qemu]}")"
printf '%-19s %9s %10s %11s\n' 'power-off' "$(cell "${total[rvsim]}" 1)" "$(cell "${total[qemu]}" 1)" \
    "$(ratio "${total[rvsim]}" "${total[qemu]}")"
printf '%-19s %9s %10s\n' 'guest time of /init' "$(cell "${init[rvsim]}" 2)" "$(cell "${init[qemu]}" 2)"

report_failures
