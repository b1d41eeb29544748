#!/usr/bin/env bash
# The stress test of issue 6 (not part of CI: minutes of CPU): SIZE_MB (default 1024) of random and
# adversarial lines through the pipe path, `vfioexplain -` with every output format, with its peak
# memory measured. It must end with the exit status of an answer (0 or 1), not a signal, and its peak
# RSS must not grow with the input: the run on 1/16 of the input sets the bound (+32 MB).
#
# usage: tests/stress.sh [SIZE_MB] [BINARY]   (default 1024, build/vfioexplain)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
bin=${2:-build/vfioexplain}
[ -x "$bin" ] || { echo "stress: $bin not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The generator is a process of its own, so that the memory it holds is never counted as vfioexplain's (a
# child forked from a large process starts with its RSS).
cat >"$tmp/gen.py" <<'PY'
import os, random, sys

size = int(sys.argv[1])
rnd = random.Random(6)

# Real lines the shipped rules match, from the corpus (their sources are cited in each case file), with
# the device address made a placeholder so that every pass names other devices.
real = []
for root, _, files in os.walk("corpus"):
    for f in files:
        if f != "case":
            with open(os.path.join(root, f), "rb") as fh:
                real.extend(l for l in fh.read().split(b"\n") if l.strip())
real = [l.replace(b"0000:01:00.0", b"0000:@@:00.0") for l in real]


def adversarial():
    k = rnd.randrange(400)
    if k == 0:  # a line longer than VX_LINE_MAX (64 KiB): cut and marked
        return b"[    1.000000] vfio-pci 0000:@@:00.0: " + b"A" * rnd.randrange(65536, 200000)
    k %= 12
    if k == 0:
        return bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 200))).replace(b"\n", b" ")
    if k == 1:  # NUL bytes inside a line
        return b"[    2.000000] \0\0vfio-pci 0000:@@:00.0: BAR 1: can't reserve \0[mem]"
    if k == 2:  # JSON nested beyond any depth limit, and a string that never ends
        return b'{"MESSAGE":' + b"[" * 5000 + b"]" * 5000 + b"}" if rnd.random() < .5 else b'{"MESSAGE":"' + b"\\u0000" * 2000
    if k == 3:  # backtracking bait: long runs of what patterns repeat, no match at the end
        return b"qemu-system-x86_64: -device vfio-pci,host=" + b"0000:" * 3000 + b"x"
    if k == 4:  # terminal escapes, C1 controls, bidi overrides, invalid UTF-8 in a matching line
        return b"\x1b]0;pwned\x07\x1b[2J[    3.000000] DMAR: IOMMU disabled \xc2\x9b\xe2\x80\xae\xff\xfe"
    if k == 5:  # Markdown breakers
        return b"```` | <script>alert(1)</script> | [x](javascript:1) " + rnd.choice(real)
    if k == 6:  # CR line ends
        return b"\r".join(rnd.choice(real) for _ in range(3)) + b"\r"
    if k == 7:  # PCI addresses of every width, and hostile ones meant to build a path
        return b"vfio-pci 00000000:@@:1f.7: ../../../../etc/shadow 0000:@@:00.0/../../x group ../1"
    if k == 8:  # a kmsg record with a sequence number past 64 bits
        return b"6,18446744073709551616,99999999999999999999,-;vfio-pci 0000:@@:00.0: " + b"x" * 100
    return rnd.choice(real)


pool = b"\n".join(adversarial() for _ in range(6000)) + b"\n"
out = sys.stdout.buffer
sent, n = 0, 0
try:
    while sent < size:
        block = pool.replace(b"@@", b"%02x" % (n % 256))
        out.write(block)
        sent += len(block)
        n += 1
    out.flush()
except BrokenPipeError:
    pass
sys.stderr.write(f"{sent}\n")
PY

python3 - "$bin" "$size_mb" "$tmp/gen.py" <<'PY'
import os, subprocess, sys, time

binary, size_mb, gen = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def run(size, fmt):
    start = time.monotonic()
    g = subprocess.Popen([sys.executable, gen, str(size)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    v = subprocess.Popen([binary, "--rules", "rules", "--no-probe", "--format", fmt, "-"], stdin=g.stdout,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    g.stdout.close()
    err = v.stderr.read()
    _, status, ru = os.wait4(v.pid, 0)
    sent = int(g.stderr.read() or 0)
    g.wait()
    v.returncode = os.waitstatus_to_exitcode(status)
    if v.returncode not in (0, 1):
        sys.exit(f"FAIL: {fmt}, {sent >> 20} MB: exit {v.returncode}\n{err.decode(errors='replace')[-2000:]}")
    return sent, time.monotonic() - start, ru.ru_maxrss // 1024, v.returncode, err


for fmt in ("text", "markdown", "json"):
    small_sent, _, rss_small, _, _ = run(size_mb * 1024 * 1024 // 16, fmt)
    sent, secs, rss, status, err = run(size_mb * 1024 * 1024, fmt)
    warn = "; ".join(l.split(": ", 2)[-1] for l in err.decode(errors="replace").splitlines())
    print(f"stress: {fmt}: {sent >> 20} MB in {secs:.0f} s ({(sent >> 20) / secs:.0f} MB/s), exit {status}, "
          f"peak RSS {rss} MB ({rss_small} MB after {small_sent >> 20} MB); {warn}")
    if rss > rss_small + 32:
        sys.exit(f"FAIL: {fmt}: peak RSS {rss} MB grows with the input ({rss_small} MB after 1/16 of it)")
print("stress: ok")
PY
