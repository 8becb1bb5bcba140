#!/usr/bin/env python3
"""Check, and refresh, the example outputs that README.md shows.

README.md shows commands with what they print, in fenced code blocks whose
first line starts with "$ ":

    ```
    $ rvsim run forktest --stats
    ...output...
    ```

A block may hold several "$ " commands, each followed by its output, and an
output may be elided: a line "..." (indented or not) stands for lines left
out. This script runs every such command in a scratch directory with the
current rvsim first on PATH, compares what it prints with the README and
classifies each block:

  identical  the README shows exactly what the command prints, or differs
             only in host timings (bench tables' `0.05s` times and `host s`
             column), which change from run to run and are left alone
  numbers    it differs only in numbers (the same text once every hex number
             after 0x, every decimal number and every run of digits is
             masked)
  text       it differs in text (a short diff is shown)
  failed     a command timed out, could not be run, or exited non-zero and
             printed something else than the README shows
  skipped    not run (see SKIP_RULES: interactive sessions, host timings,
             gdb, two processes, hand-made traces, ...)

By default it prints a report. With --write it rewrites the blocks that
differ only in numbers; with --force LINE... it also rewrites the blocks at
those README lines although their text differs (or although they differ
only in host timings, to refresh those on a quiet machine). An elided output keeps its
elision: the README's kept lines are matched, in order, to lines of the new
output that are equal to them once numbers are masked, and only those lines
are updated.

Commands run as `bash -c '{ CMD; } 2>&1'` in the scratch directory, with
stdin an open, empty pipe that is closed only after the command exits: a
closed stdin reaches the teaching kernel as a Ctrl-D at a moment that
depends on the host, while an open, empty one keeps runs deterministic.

The scratch directory (default /tmp/ct) is prepared unless --no-setup:
symlinks to the repository's tests, target and guest-programs, so that the
README's relative paths resolve; docs as a *copy* of the repository's docs
(the `rvsim bench ... --plot docs/X.svg` commands write there, and must not
overwrite the repository's plots); and the inputs some blocks use without
showing how they were made: ./busybox (Debian's, from
~/.cache/rvsim/debian, fetched by scripts/fetch-debian.sh), ./signals
(tests/c/signals.c, built as tests/c_programs.rs builds it) and ./myprog
(the built-in hello with its section headers' offset past the end of the
file, as tests/cli.rs corrupts it).

Examples:
  scripts/readme-outputs.py                      # report
  scripts/readme-outputs.py --only 137 963       # only the blocks at those lines
  scripts/readme-outputs.py --write              # refresh numbers-only blocks
  scripts/readme-outputs.py --write --force 1704 # ... and the block at 1704

Python 3 standard library only.
"""

import argparse
import difflib
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_README = REPO / "README.md"
DEFAULT_SCRATCH = Path("/tmp/ct")
DEFAULT_BIN_DIR = REPO / "target" / "release"
BUSYBOX = Path.home() / ".cache" / "rvsim" / "debian" / "busybox"

# Blocks are skipped when any of their commands matches one of these rules
# (a predicate on the command, with stripped leading whitespace, and why).
SKIP_RULES = [
    (lambda c: "cargo run" in c, "cargo run (builds)"),
    (lambda c: c.startswith("printf"), "interactive: input piped by printf"),
    (lambda c: "rvsim debug" in c, "the debugger"),
    (lambda c: "rvsim bench mmu" in c, "host timings of translation, not reproducible"),
    (lambda c: re.search(r"(^|[\s/.])scripts/", c) is not None, "a script under scripts/"),
    (lambda c: "gdb" in c, "a gdb session"),
    (lambda c: "rvsim image" in c, "rvsim image"),
    (lambda c: "--net" in c, "--net needs two processes"),
    (lambda c: "--trace" in c, "a trace (built by hand from a trace file)"),
    (lambda c: c.startswith("./"), "a command ./..."),
    (lambda c: re.search(r"\bsleep\b", c) is not None, "sleep"),
    (lambda c: "qemu-system" in c, "qemu-system"),
    (lambda c: c.rstrip().endswith("&"), "a background process"),
    # Stock operating systems are kept by hand (sessions typed at them, and
    # a maintainer edits those parts of the README).
    (lambda c: re.search(r"xv6|opensbi|--bios\b|debian/linux", c, re.I) is not None,
     "xv6, OpenSBI or Linux boot (kept by hand)"),
]

ORDER = ["identical", "numbers", "text", "failed", "skipped"]
RANK = {"identical": 0, "numbers": 1, "text": 2, "failed": 3}

NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?")


def mask(line):
    """The line with every number replaced by '#'."""
    return NUMBER.sub("#", line)


def mask_spacing(line):
    """Masked, and with runs of spaces collapsed (column alignment)."""
    return re.sub(r"\s+", " ", mask(line)).strip()


HOST_SECONDS = re.compile(r"(?<![\w.])\d+(?:\.\d+)?s(?!\w)")


def host_times_masked(lines):
    """Lines with host timings masked: `0.05s` tokens, and the last column of
    the rows under a header that ends in "host s" (rvsim bench dsm). They
    change from run to run; a block that differs only in them is identical.
    Spacing is collapsed, since their widths move the columns."""
    out, host_column = [], False
    for line in lines:
        if re.search(r"\bhost s$", line.rstrip()):
            host_column = True
        elif host_column and re.search(r"\s\d+\.\d+$", line.rstrip()):
            line = re.sub(r"\d+\.\d+$", "T", line.rstrip())
        elif not line.strip() or is_elision(line):
            host_column = False
        out.append(" ".join(HOST_SECONDS.sub("T", line).split()))
    return out


def is_elision(line):
    return line.strip() == "..."


@dataclass
class Command:
    line: int  # 1-based README line of the "$ " line
    text: str  # the command, continuation lines joined with newlines
    out_start: int  # 0-based README index of its first output line
    expected: list  # the README's output lines
    # Filled in by running it:
    actual: list = None
    status: int = None
    seconds: float = 0.0
    error: str = None  # timeout, missing binary, ...
    klass: str = None
    note: str = ""
    new: list = None  # the README lines to write instead of `expected`


@dataclass
class Block:
    fence: int  # 0-based index of the opening fence
    start: int  # 0-based index of the first content line
    end: int  # 0-based index of the closing fence
    commands: list = field(default_factory=list)
    skip: str = None
    klass: str = None

    @property
    def line(self):
        """The 1-based README line of the block's first command."""
        return self.commands[0].line


def parse(lines):
    """Every fenced block whose first line starts with "$ "."""
    blocks = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if j >= len(lines):
            break
        if j > i + 1 and lines[i + 1].startswith("$ "):
            block = Block(fence=i, start=i + 1, end=j)
            k = i + 1
            while k < j:
                if lines[k].startswith("$ "):
                    first = k
                    text = lines[k][2:]
                    while text.endswith("\\") and k + 1 < j:
                        k += 1
                        text = text + "\n" + lines[k]
                    k += 1
                    out_start = k
                    while k < j and not lines[k].startswith("$ "):
                        k += 1
                    block.commands.append(Command(first + 1, text, out_start, lines[out_start:k]))
                else:
                    k += 1
            blocks.append(block)
        i = j + 1
    return blocks


def skip_reason(block):
    for command in block.commands:
        c = command.text.strip()
        for rule, why in SKIP_RULES:
            if rule(c):
                return why
    return None


def clean(lines):
    """Lines without trailing whitespace, and without trailing empty lines."""
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


# ---------------------------------------------------------------- matching


def align(expected, actual, key, strict):
    """Match the kept lines of an elided output to lines of `actual`.

    `expected` holds kept lines and elision lines. The kept lines must be
    found in order, each equal to its match under `key`. With `strict`,
    kept lines not separated by an elision must match consecutive lines,
    and an output that does not start (end) with an elision must match from
    the first (to the last) line. Among possible matches the one with the
    most lines exactly equal wins, then the earliest. Returns {index in
    expected: index in actual}, or None.
    """
    segments = []  # lists of indices into expected
    current = []
    for i, line in enumerate(expected):
        if is_elision(line):
            if current:
                segments.append(current)
            current = []
        else:
            current.append(i)
    if current:
        segments.append(current)
    if not segments:
        return {}
    if not strict:
        segments = [[i] for seg in segments for i in seg]
    anchored_start = strict and not is_elision(expected[0])
    anchored_end = strict and not is_elision(expected[-1])

    keys = [key(line) for line in actual]
    positions = {}
    for p, k in enumerate(keys):
        positions.setdefault(k, []).append(p)

    def candidates(seg):
        first = key(expected[seg[0]])
        found = []
        for p in positions.get(first, []):
            if p + len(seg) > len(actual):
                break
            score = 0
            for t, i in enumerate(seg):
                if keys[p + t] != key(expected[i]):
                    break
                score += actual[p + t] == expected[i]
            else:
                found.append((p, score))
        return found

    layers = []  # per segment: list of (p, total, back)
    previous = None
    for n, seg in enumerate(segments):
        cands = candidates(seg)
        if n == 0 and anchored_start:
            cands = [c for c in cands if c[0] == 0]
        if n == len(segments) - 1 and anchored_end:
            cands = [c for c in cands if c[0] + len(seg) == len(actual)]
        layer = []
        if previous is None:
            layer = [(p, score, None) for p, score in cands]
        else:
            prev_len = len(segments[n - 1])
            best, best_at, q = -1, None, 0
            for p, score in cands:
                while q < len(previous) and previous[q][0] + prev_len <= p:
                    if previous[q][1] > best:
                        best, best_at = previous[q][1], q
                    q += 1
                if best_at is not None:
                    layer.append((p, score + best, best_at))
        if not layer:
            return None
        layers.append(layer)
        previous = layer

    last = max(range(len(layers[-1])), key=lambda i: (layers[-1][i][1], -i))
    matches = {}
    for n in range(len(layers) - 1, -1, -1):
        p, _, back = layers[n][last]
        for t, i in enumerate(segments[n]):
            matches[i] = p + t
        last = back
    return matches


def first_missing(expected, actual, key):
    """The first kept line that an in-order, greedy search does not find."""
    p = 0
    keys = [key(line) for line in actual]
    for line in expected:
        if is_elision(line):
            continue
        k = key(line)
        while p < len(keys) and keys[p] != k:
            p += 1
        if p == len(keys):
            return line
        p += 1
    return None


def compare(command, force=False):
    """Classify one command's output against the README's; set .new."""
    expected = clean(command.expected)
    actual = clean(command.actual)
    if not any(is_elision(line) for line in expected):
        if expected == actual:
            return "identical", ""
        if host_times_masked(expected) == host_times_masked(actual):
            if force:
                command.new = actual
                return "identical", "only host times differ; forced, so they are rewritten"
            return "identical", "only host times differ, left as they are"
        if len(expected) == len(actual) and list(map(mask, expected)) == list(map(mask, actual)):
            command.new = actual
            return "numbers", f"{sum(a != b for a, b in zip(expected, actual))} lines"
        note = ""
        if list(map(mask_spacing, expected)) == list(map(mask_spacing, actual)):
            note = "numbers and their column alignment only"
        if force:
            command.new = actual
        return "text", note

    def rewrite(matches):
        return [actual[matches[i]] if i in matches else line for i, line in enumerate(expected)]

    # Kept lines next to each other, and an output's first and last lines,
    # are matched as such first; only if that fails, line by line in order.
    for strict in (True, False):
        loose = "" if strict else " (kept lines not contiguous in the output)"
        if align(expected, actual, lambda line: line, strict) is not None:
            return "identical", loose.strip(" ()")
        matches = align(expected, actual, mask, strict)
        if matches is not None:
            command.new = rewrite(matches)
            changed = sum(a != b for a, b in zip(expected, command.new))
            return "numbers", f"{changed} kept lines{loose}"
    note = ""
    for strict in (True, False):
        matches = align(expected, actual, mask_spacing, strict)
        if matches is not None:
            note = "numbers and their column alignment only"
            if force:
                command.new = rewrite(matches)
            break
    missing = first_missing(expected, actual, mask)
    if missing is not None:
        note = (note + "; " if note else "") + f"kept line not found: {missing.strip()[:100]!r}"
    if force and command.new is None:
        note += "; cannot force: the elided lines cannot be matched (edit by hand)"
    return "text", note


# ----------------------------------------------------------------- running


def rvsim_binary(bin_dir):
    return Path(bin_dir) / "rvsim"


def wait_for_binary(bin_dir, tries=5):
    binary = rvsim_binary(bin_dir)
    for n in range(tries):
        if binary.exists():
            return True
        print(f"  {binary} is missing (being rebuilt?); waiting a minute ({n + 1}/{tries})", file=sys.stderr)
        time.sleep(60)
    return binary.exists()


def binary_identity(bin_dir):
    try:
        st = rvsim_binary(bin_dir).stat()
        return (st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        return None


def run(command, scratch, env, timeout):
    """Run one command; stdin an open, empty pipe until it has exited."""
    started = time.monotonic()
    proc = subprocess.Popen(
        ["bash", "-c", "{ " + command.text + "\n} 2>&1"],
        cwd=scratch,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        command.error = f"timed out after {timeout} s"
    reader.join(timeout=30)
    proc.stdin.close()
    proc.stdout.close()
    command.seconds = time.monotonic() - started
    command.status = proc.returncode
    text = (chunks[0] if chunks else b"").decode("utf-8", errors="replace")
    command.actual = text.replace("\r\n", "\n").split("\n")


# ------------------------------------------------------------------- setup


def setup(scratch, env):
    """The scratch directory: links to the repository, docs copied, inputs."""
    scratch.mkdir(parents=True, exist_ok=True)
    for name in ("tests", "target", "guest-programs"):
        link = scratch / name
        if not link.exists() and not link.is_symlink():
            link.symlink_to(REPO / name)
    docs = scratch / "docs"
    if docs.is_symlink():
        # `--plot docs/X.svg` would write through the link into the repository.
        docs.unlink()
    if not docs.exists():
        shutil.copytree(REPO / "docs", docs)
    busybox = scratch / "busybox"
    if not busybox.exists() and BUSYBOX.exists():
        shutil.copy2(BUSYBOX, busybox)
    signals = scratch / "signals"
    if not signals.exists() and shutil.which("riscv64-linux-gnu-gcc"):
        subprocess.run(
            ["riscv64-linux-gnu-gcc", "-static", "-O2", "-Wall", "-Werror", "-o", "signals",
             "tests/c/signals.c", "-lm"],
            cwd=scratch, env=env, check=False)
    myprog = scratch / "myprog"
    if not myprog.exists():
        try:
            make_myprog(scratch, env, myprog)
        except (OSError, ValueError, subprocess.CalledProcessError) as e:
            print(f"setup: could not make ./myprog: {e}", file=sys.stderr)


def from_cpio(archive, name):
    """File `name` of a cpio "newc" archive."""
    pad = lambda n: (n + 3) & ~3  # noqa: E731
    at = 0
    while archive[at:at + 6] == b"070701":
        hexfield = lambda i: int(archive[at + 6 + 8 * i:at + 14 + 8 * i], 16)  # noqa: E731
        size, name_size = hexfield(6), hexfield(11)
        data = pad(at + 110 + name_size)
        if archive[at + 110:at + 110 + name_size - 1] == name.encode():
            return archive[data:data + size]
        at = pad(data + size)
    raise ValueError(f"no {name} in the initrd")


def make_myprog(scratch, env, path):
    """The built-in hello with e_shoff past the end, as tests/cli.rs makes it."""
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        subprocess.run(["rvsim", "image", tmp], cwd=scratch, env=env, check=True,
                       stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        hello = bytearray(from_cpio(Path(tmp, "initrd.cpio").read_bytes(), "hello"))
    struct.pack_into("<Q", hello, 0x28, len(hello) + 0x1000)
    path.write_bytes(bytes(hello))
    path.chmod(0o755)


# ---------------------------------------------------------------- the rest


def short_diff(expected, actual, limit):
    diff = list(difflib.unified_diff(clean(expected), clean(actual), "README", "rvsim", n=0, lineterm=""))
    diff = [line for line in diff[2:] if not line.startswith("@@")]
    if len(diff) > limit:
        diff = diff[:limit] + [f"... ({len(diff) - limit} more diff lines)"]
    return diff


def find_block(lines, block, original):
    """Where the block's original lines are now (the README may have changed)."""
    size = block.end - block.start
    if lines[block.start:block.end] == original:
        return block.start
    hits = [i for i in range(len(lines) - size + 1) if lines[i:i + size] == original]
    return hits[0] if len(hits) == 1 else None


def write_back(readme, blocks, originals):
    """Rewrite the blocks that have new outputs; re-reads README.md first."""
    text = readme.read_text()
    newline_at_end = text.endswith("\n")
    lines = text.split("\n")
    if newline_at_end:
        lines.pop()
    written, conflicts = [], []
    for block in sorted(blocks, key=lambda b: b.start, reverse=True):
        original = originals[block.start]
        at = find_block(lines, block, original)
        if at is None:
            conflicts.append(block)
            continue
        content = list(original)
        for command in sorted(block.commands, key=lambda c: c.out_start, reverse=True):
            if command.new is None:
                continue
            s = command.out_start - block.start
            content[s:s + len(command.expected)] = command.new
        lines[at:at + len(original)] = content
        written.append(block)
    out = "\n".join(lines) + ("\n" if newline_at_end else "")
    fd, tmp = tempfile.mkstemp(dir=readme.parent, prefix=".readme-outputs.")
    with os.fdopen(fd, "w") as f:
        f.write(out)
    shutil.copymode(readme, tmp)
    os.replace(tmp, readme)
    return written, conflicts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--readme", type=Path, default=DEFAULT_README)
    parser.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH,
                        help="directory the commands run in (default %(default)s)")
    parser.add_argument("--bin-dir", type=Path, default=DEFAULT_BIN_DIR,
                        help="directory put first on PATH, holding rvsim (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per command (default %(default)s)")
    parser.add_argument("--only", type=int, nargs="+", metavar="LINE",
                        help="only the blocks at (or containing) these README lines")
    parser.add_argument("--write", action="store_true", help="rewrite the blocks that differ only in numbers")
    parser.add_argument("--force", type=int, nargs="+", metavar="LINE", default=[],
                        help="also rewrite the blocks at these lines although their text differs (implies --write)")
    parser.add_argument("--no-setup", action="store_true", help="do not prepare the scratch directory")
    parser.add_argument("--diff-lines", type=int, default=12, help="diff lines shown per command (default %(default)s)")
    parser.add_argument("--save", type=Path, metavar="DIR",
                        help="save each command's output in DIR as LINE.txt (LINE: its README line)")
    parser.add_argument("--list", action="store_true", help="list the blocks and whether they would run, and stop")
    args = parser.parse_args()

    readme = args.readme.resolve()
    lines = readme.read_text().split("\n")
    blocks = parse(lines)
    originals = {b.start: lines[b.start:b.end] for b in blocks}

    def block_at(line):
        for b in blocks:
            if b.fence + 1 <= line <= b.end + 1:
                return b
        return None

    for option, wanted in (("--only", args.only or []), ("--force", args.force)):
        for line in wanted:
            if block_at(line) is None:
                parser.error(f"{option} {line}: no command block at README line {line}")
    selected = [b for b in blocks if args.only is None or any(block_at(n) is b for n in args.only)]
    forced = {id(block_at(n)) for n in args.force}
    write = args.write or bool(args.force)

    for b in blocks:
        b.skip = skip_reason(b)
    if args.list:
        for b in selected:
            print(f"line {b.line:5}  {'skip: ' + b.skip if b.skip else 'run'}  $ {b.commands[0].text.splitlines()[0]}")
        return 0

    env = dict(os.environ)
    env["PATH"] = f"{args.bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.pop("RUST_LOG", None)
    scratch = args.scratch
    if not args.no_setup:
        wait_for_binary(args.bin_dir)
        setup(scratch, env)
    identity = binary_identity(args.bin_dir)

    for b in selected:
        if b.skip:
            b.klass = "skipped"
            continue
        worst = "identical"
        for c in b.commands:
            first = c.text.splitlines()[0]
            print(f"line {c.line}: $ {first}", file=sys.stderr, flush=True)
            if "rvsim" in c.text and not wait_for_binary(args.bin_dir):
                c.error, c.actual, c.status = "rvsim binary missing", [], None
            else:
                run(c, scratch, env, args.timeout)
            if args.save and c.actual is not None:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{c.line}.txt").write_text("\n".join(c.actual))
            if c.error:
                c.klass, c.note = "failed", c.error
            else:
                c.klass, c.note = compare(c, force=id(b) in forced)
                if c.status != 0 and c.klass == "text":
                    c.klass = "failed"
                    c.note = f"exit status {c.status}" + (f"; {c.note}" if c.note else "")
            if RANK[c.klass] > RANK[worst]:
                worst = c.klass
        b.klass = worst

    changed = binary_identity(args.bin_dir) != identity
    if changed:
        print("warning: rvsim changed while the blocks ran (rebuilt?): run again", file=sys.stderr)

    # The report.
    print(f"{readme}: {len(blocks)} command blocks, {len(selected)} selected")
    for b in selected:
        first = b.commands[0].text.splitlines()[0]
        if b.klass == "skipped":
            print(f"line {b.line:5}  skipped    $ {first}  ({b.skip})")
            continue
        secs = sum(c.seconds for c in b.commands)
        print(f"line {b.line:5}  {b.klass:9}  $ {first}  [{secs:.1f} s]")
        for c in b.commands:
            if c.klass == "identical" and not c.note:
                continue
            head = c.text.splitlines()[0]
            print(f"      {c.line:5}  {c.klass:9}  $ {head}" + (f"  ({c.note})" if c.note else ""))
            if c.klass in ("text", "failed") and c.actual is not None:
                for d in short_diff(c.expected, c.actual, args.diff_lines):
                    print(f"             {d}")
    counts = {k: sum(1 for b in selected if b.klass == k) for k in ORDER}
    print("summary: " + ", ".join(f"{k} {counts[k]}" for k in ORDER))

    if write and changed:
        print("not writing: the outputs may come from two different rvsim binaries", file=sys.stderr)
    elif write:
        todo = []
        for b in selected:
            if b.klass == "numbers" or id(b) in forced:
                # A forced block is written only when every command ran to
                # the end and every changed output could be placed.
                if any(c.error for c in b.commands):
                    print(f"line {b.line}: not written: a command did not finish", file=sys.stderr)
                    continue
                if any(c.klass in ("text", "failed") and c.new is None for c in b.commands):
                    print(f"line {b.line}: not written: an output cannot be placed (edit by hand)", file=sys.stderr)
                    continue
                if any(c.new is not None for c in b.commands):
                    todo.append(b)
        if todo:
            written, conflicts = write_back(readme, todo, originals)
            for b in sorted(written, key=lambda b: b.start):
                print(f"rewrote the block at line {b.line} ({b.klass})")
            for b in conflicts:
                print(f"line {b.line}: not written: the block changed in README.md meanwhile", file=sys.stderr)
        else:
            print("nothing to rewrite")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
