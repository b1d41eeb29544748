#!/usr/bin/env python3
"""With no file named and stdin no terminal: /dev/null, an empty file and a pipe closed at once (cron) are
nothing to read, so this boot's journal is read as on a terminal; a pipe nobody writes to (ssh host
vfioexplain: sshd, an ancestor, holds it; no other command) is given up after VX_STDIN_SILENT_MS with a note saying
what is read instead; a command of our own pipeline that is slow to speak is waited for, and its log read.

The root is an empty directory, so "the journal is read" shows as its one-line error: no journal there."""
import os
import subprocess
import sys
import tempfile
import time

binary, src = sys.argv[1], sys.argv[2]
rules = os.path.join(src, "rules")
fails = 0
LINE = b"[    0.000000] DMAR: IOMMU disabled\n"


def fail(msg):
    global fails
    fails += 1
    print("FAIL: " + msg)


with tempfile.TemporaryDirectory() as tmp:
    root = os.path.join(tmp, "root")
    os.mkdir(root)
    base = [binary, "--rules", rules, "--sysroot", root, "--no-pager"]
    # The journal was looked for: an empty root has none, and the host is then judged alone.
    journal_error = "no journal under " + root

    def run(stdin, args=(), timeout=30):
        t = time.monotonic()
        p = subprocess.run(base + list(args), stdin=stdin, capture_output=True, timeout=timeout)
        return p, time.monotonic() - t

    def reads_journal(name, p, took, note=False, within=1.5):
        err = p.stderr.decode()
        if journal_error not in err:
            fail(f"{name}: the journal was not read: exit {p.returncode}, {err!r}")
        elif ("nothing came on stdin" in err) != note:
            fail(f"{name}: {'no' if note else 'a'} note of what is read: {err!r}")
        elif took > within:
            fail(f"{name}: took {took:.1f} s")
        else:
            print(f"ok: {name}: the journal is read ({took:.1f} s)")

    with open(os.devnull, "rb") as null:
        reads_journal("stdin /dev/null", *run(null))
    empty = os.path.join(tmp, "empty")
    open(empty, "wb").close()
    with open(empty, "rb") as f:
        reads_journal("stdin an empty file", *run(f))

    # cron: a pipe whose writer is gone before anything was written.
    r, w = os.pipe()
    os.close(w)
    reads_journal("stdin a pipe closed at once", *run(r))
    os.close(r)

    # ssh host vfioexplain: the pipe's writer is our ancestor (sshd; here this test), and says nothing.
    r, w = os.pipe()
    p, took = run(r)
    reads_journal("stdin a silent pipe that an ancestor holds", p, took, note=True, within=6)
    if took < 1.5:
        fail(f"a silent pipe was given up after {took:.1f} s, before anything could come")
    os.close(r)
    os.close(w)

    # The same silence from a command of our own pipeline (a VM start that takes its time): waited for.
    p = subprocess.run(["bash", "-c", '{ sleep 3; printf "%s\\n"; } | "$@"' % LINE.decode().strip(), "bash",
                        *base, "--no-probe"], capture_output=True, timeout=60)
    out = p.stdout.decode()
    if p.returncode != 1 or "iommu-off-kernel" not in out:
        fail(f"a pipeline's slow writer: exit {p.returncode}, {out[:200]!r} {p.stderr.decode()!r}")
    else:
        print("ok: a command of the pipeline that writes after 3 s is waited for and read")

    # A pipe with a log: read, at once.
    r, w = os.pipe()
    os.write(w, LINE)
    os.close(w)
    p, took = run(r, ["--no-probe"])
    if p.returncode != 1 or b"iommu-off-kernel" not in p.stdout:
        fail(f"a piped log: exit {p.returncode} {p.stdout[:200]!r}")
    else:
        print("ok: a piped log is read")
    os.close(r)

if fails:
    print(f"{fails} check(s) failed")
    sys.exit(1)
print("all checks passed")
