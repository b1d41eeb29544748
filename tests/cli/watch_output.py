#!/usr/bin/env python3
"""watch never passes a log's bytes to the terminal raw (issue 24 #6): the lines that matched a rule are kept
and judged again, and their bytes are printed later, in an update and in the summary SIGTERM asks for. Here
the journal watch follows is written after it starts (systemd-journal-remote into its --directory), as a
local user's `logger` would write it: matching kernel and QEMU lines that carry terminal escapes (a window
title, clear screen, colours), C0 and C1 controls, bidirectional and invisible code points and bytes that
are not UTF-8, repeated so that causes gain evidence (updates), in _HOSTNAME, SYSLOG_IDENTIFIER and
_SYSTEMD_UNIT too. watch runs in text and in JSON lines, with stdout a pipe and with stdout a terminal (a
pseudo-terminal, NO_COLOR so that its own colours do not count); VFIOEXPLAIN_STRICT_OUTPUT makes any byte that
reaches the last step unescaped fatal. Every byte of stdout and stderr must be UTF-8 without a control (but
newline and tab) or an invisible or bidirectional code point, every JSON string decoded as well, and the
hostile text must have been shown (escaped): otherwise the test proves nothing.

usage: watch_output.py BINARY SOURCE_DIR"""
import json, os, pty, select, signal, subprocess, sys, tempfile, time

BIN, SRC = sys.argv[1], sys.argv[2]
RULES = os.path.join(SRC, "rules")
fails = 0

HOSTILE = ("\x1b]0;pwned\x07\x1b[2J\x1b[31m\u0085\u009b\u0090\u200b\u200e\u200f\u061c\u2028\u2029\ufeff"
           "\u202e\u2066\x7f<b>").encode() + b"\xff\xfe\xc0\xaf"
FORBIDDEN = (set(range(0x00, 0x20)) - {0x0a, 0x09}) | set(range(0x7f, 0xa0))
FORBIDDEN |= {0x061c, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x2060, 0x2061, 0x2062,
              0x2063, 0x2064, 0xfeff}
FORBIDDEN |= set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a))


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


def raw_controls(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"invalid UTF-8 at byte {e.start}: {data[max(0, e.start - 20):e.start + 20]!r}"]
    return [f"U+{ord(c):04X} in {text[max(0, i - 30):i + 10]!r}" for i, c in enumerate(text)
            if ord(c) in FORBIDDEN][:3]


def field(k, v):
    if b"\n" in v or any(c < 0x20 for c in v):
        return k + b"\n" + len(v).to_bytes(8, "little") + v + b"\n"
    return k + b"=" + v + b"\n"


def export(rep):
    """Each message for two devices; written three times, one journal file each, watch judging between them (a
    cause, then updates as it gains evidence from the kept lines)."""
    # Rules anchor their messages; the hostile text goes where a real line has free text: a -device's id, the
    # tail of QEMU's error, and the journal's fields. The kernel's BAR line is real and plain.
    msgs = [(b"kernel", b"vfio-pci %s: BAR 1: can't reserve [mem 0xe0000000-0xefffffff 64bit pref]"),
            (b"qemu" + HOSTILE, b"qemu-system-x86_64: -device vfio-pci,host=%s,id=hostdev0" + HOSTILE
             + b": vfio %s: group 1 is not viable"),
            (b"qemu" + HOSTILE, b"qemu-system-x86_64: -device vfio-pci,host=%s: vfio %s: failed to setup "
             b"container for group 1: Failed to set iommu for container: Operation not permitted " + HOSTILE)]
    out, t = [], int(time.time() * 1e6) + rep * 100000
    for addr in (b"0000:01:00.0", b"0000:02:00.0"):
        for ident, m in msgs:
            t += 1000
            m = m.replace(b"%s", addr)
            out.append(b"".join(field(k, v) for k, v in (
                (b"__REALTIME_TIMESTAMP", b"%d" % t), (b"__MONOTONIC_TIMESTAMP", b"%d" % (t % 10**9)),
                (b"_BOOT_ID", b"4572f93d2ed446a3a7ff6bb628f28329"),
                (b"_MACHINE_ID", b"e5ff7c12dfb84adc9c9d05b58bf837f1"), (b"_HOSTNAME", b"host" + HOSTILE),
                (b"_TRANSPORT", b"kernel" if ident == b"kernel" else b"stdout"),
                (b"SYSLOG_IDENTIFIER", ident), (b"_SYSTEMD_UNIT", b"unit" + HOSTILE + b".service"),
                (b"PRIORITY", b"3"), (b"MESSAGE", m))) + b"\n")
    return b"".join(out)


def idle(pid, seconds=1.0, limit=60):
    """Waits until the process has used no CPU for `seconds` (watch has read all there is)."""
    deadline, last, since = time.monotonic() + limit, None, time.monotonic()
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as st:
            cpu = sum(int(x) for x in st.read().rsplit(")", 1)[1].split()[11:13])
        if cpu != last:
            last, since = cpu, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
        time.sleep(0.1)


def drain(fd, into):
    while select.select([fd], [], [], 0)[0]:
        try:
            b = os.read(fd, 65536)
        except OSError:
            return
        if not b:
            return
        into.extend(b)


def watch(jr, tmp, fmt, terminal):
    global fails
    before = fails
    label = f"watch ({fmt}, stdout {'a terminal' if terminal else 'a pipe'})"
    d = tempfile.mkdtemp(dir=tmp)
    env = dict(os.environ, VFIOEXPLAIN_STRICT_OUTPUT="1", NO_COLOR="1", COLUMNS="100")
    argv = [BIN, "--rules", RULES, "--no-probe", "--format", fmt, "watch", "--directory", d]
    if terminal:
        master, slave = pty.openpty()
        p = subprocess.Popen(argv, stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        os.close(slave)
        out_fd = master
    else:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             env=env)
        out_fd = p.stdout.fileno()
    out, err = bytearray(), bytearray()
    first = p.stderr.readline()
    err.extend(first)
    if b"watching" not in first:
        p.kill()
        return fail(f"{label}: did not start: {first!r}")
    for rep in range(3):
        b = subprocess.run([jr, "--split-mode=none", "--seal=no", f"--output={d}/remote-{rep}.journal", "-"],
                           input=export(rep), capture_output=True)
        if b.returncode != 0:
            p.kill()
            return fail(f"systemd-journal-remote: {b.stderr[-300:]!r}")
        idle(p.pid)
        drain(out_fd, out)
    p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while p.poll() is None and time.monotonic() < deadline:
        drain(out_fd, out)
        time.sleep(0.05)
    drain(out_fd, out)
    err.extend(p.stderr.read())
    rc = p.wait(10)
    if terminal:
        os.close(master)
    else:
        out.extend(p.stdout.read())
    if rc != 1:
        fail(f"{label}: exit {rc}, want 1 (causes seen): {bytes(err[-300:])!r}")
    for name, data in (("stdout", bytes(out)), ("stderr", bytes(err))):
        # The terminal's line discipline turns "\n" into "\r\n": not the program's.
        bad = raw_controls(data.replace(b"\r\n", b"\n") if terminal and name == "stdout" else data)
        if bad:
            fail(f"{label}: {name} carries {bad}")
    text = bytes(out).decode("utf-8", "replace")
    events = []
    if fmt == "json":
        try:
            events = [json.loads(l) for l in text.splitlines() if l.strip()]
        except json.JSONDecodeError as e:
            return fail(f"{label}: not JSON lines: {e}")

        def strings(o):
            if isinstance(o, str):
                yield o
            elif isinstance(o, dict):
                for v in o.values():
                    yield from strings(v)
            elif isinstance(o, list):
                for v in o:
                    yield from strings(v)
        for e in events:
            for s in strings(e):
                bad = raw_controls(s.encode("utf-8", "surrogatepass"))
                if bad:
                    fail(f"{label}: a JSON string decodes to {bad}")
                    break
        kinds = [e.get("event") for e in events]
        if "cause" not in kinds or "update" not in kinds or kinds[-1] != "summary":
            fail(f"{label}: events {kinds}: want causes, updates (the kept lines judged again), a summary")
    # Shown, escaped: the kept lines' bytes did reach the output.
    if "pwned" not in text or "\\x1b" not in text:
        fail(f"{label}: the hostile text was not shown at all: the test proves nothing")
    elif fails == before:
        print(f"ok: {label}: {len(out)} bytes, the hostile text shown escaped only"
              + (f" ({len(events)} events)" if events else ""))


jr = next((p for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote")
           if os.access(p, os.X_OK)), None)
if not jr:
    print("FAIL: systemd-journal-remote is not installed (tests/deps.sh installs it)")
    sys.exit(1)
with tempfile.TemporaryDirectory() as tmp:
    for fmt in ("text", "json"):
        for terminal in (False, True):
            watch(jr, tmp, fmt, terminal)
print(f"{fails} check(s) failed" if fails else "all checks passed")
sys.exit(1 if fails else 0)
