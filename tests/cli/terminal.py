#!/usr/bin/env python3
"""The text answer on a terminal (a pseudo-terminal of 80 and of 120 columns, as TIOCGWINSZ says and as
$COLUMNS says when the terminal does not): the summary comes first; no fix command is wrapped or broken
(each line of each command of the JSON is a whole line of the text); no other line is wider than the
terminal; for one error line, the first cause's first fix is on the first 24 rows; a pager runs on a
terminal only, never when piped or with --no-pager; real less quits by itself on an answer that fits.

Inputs: single error lines as QEMU, the kernel and virsh print them (from corpus/ cases), on fixture
hosts (tests/fixtures) and judged from the logs alone."""
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time

binary, src = sys.argv[1], sys.argv[2]
rules = os.path.join(src, "rules")
fails = 0
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")


def fail(msg):
    global fails
    fails += 1
    print("FAIL: " + msg)


def on_pty(argv, cols, rows=24, env_extra=None, winsize=True, timeout=30):
    """Runs argv with stdin, stdout and stderr on a new pseudo-terminal; returns (status, what it showed)."""
    master, slave = pty.openpty()
    if winsize:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = dict(os.environ, TERM="xterm", LC_ALL="C.UTF-8")
    env.pop("COLUMNS", None)
    env.pop("VFIOEXPLAIN_PAGER", None)
    env.update(env_extra or {})
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    out = b""
    end = time.monotonic() + timeout
    while True:
        r, _, _ = select.select([master], [], [], max(0.0, end - time.monotonic()))
        if not r:
            p.kill()
            fail(f"{argv[-1]}: still running after {timeout} s (a pager waiting for a key?)")
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(), out.decode("utf-8", "replace").replace("\r\n", "\n")


def rows_of(line, cols):
    return max(1, -(-len(line) // cols))


def bracket(c):
    """What the heading of cause c says in brackets, from its JSON: the confidence, who confirmed it, a doubt,
    a tie (analyzer/output/output_text.c put_heading())."""
    by = {"host": " by the host", "pasted": " by the pasted listing"}.get(c.get("confirmed_by"), "")
    return c["confidence"] + by + (", in doubt" if c.get("doubted") else "") + (", tied" if c.get("tied") else "")


with tempfile.TemporaryDirectory() as tmp:
    fx = os.path.join(tmp, "fixtures")
    subprocess.run(["bash", os.path.join(src, "tests/fixtures/build.sh"), fx], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cases = {
        # QEMU hw/vfio: the group node QEMU's user may not open
        "permission": ("vfio-node-root-only",
                       "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,multifunction=on: vfio 0000:01:00.0: "
                       "failed to open /dev/vfio/12: Permission denied"),
        # QEMU hw/vfio/container.c vfio_get_group(): the card's audio left on its host driver
        "not-viable": ("gpu-audio-companion",
                       "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,x-vga=on,multifunction=on: vfio "
                       "0000:01:00.0: group 1 is not viable"),
        # the kernel told not to use the IOMMU
        "iommu-off": (None, "[    0.000000] DMAR: IOMMU disabled"),
        # virsh's error with QEMU's inside it, judged from the log alone
        "virsh": (None, "error: Failed to start domain 'win11'\nerror: internal error: qemu unexpectedly closed "
                        "the monitor: 2024-05-01T10:00:00.123456Z qemu-system-x86_64: -device "
                        "vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.1,addr=0x0: vfio 0000:01:00.0: group 1 is "
                        "not viable"),
    }
    for name, (fixture, text) in cases.items():
        log = os.path.join(tmp, name + ".log")
        with open(log, "w") as f:
            f.write(text + "\n")
        base = [binary, "--rules", rules] + (["--sysroot", os.path.join(fx, fixture)] if fixture else ["--no-probe"])
        doc = json.loads(subprocess.run(base + ["--format", "json", log], capture_output=True).stdout)
        causes = doc["causes"]
        if not causes:
            fail(f"{name}: no cause found")
            continue
        commands = {l.strip() for c in causes for fx_ in c["fix"] for l in fx_["command"].split("\n")}
        for cols, how in ((80, "TIOCGWINSZ"), (120, "TIOCGWINSZ"), (80, "COLUMNS"), (120, "COLUMNS")):
            for full in (False, True):
                argv = base + (["--full"] if full else []) + ["--no-pager", log]
                if how == "COLUMNS":
                    st, shown = on_pty(argv, cols, winsize=False, env_extra={"COLUMNS": str(cols)})
                else:
                    st, shown = on_pty(argv, cols)
                what = f"{name} at {cols} columns ({how}{', --full' if full else ''})"
                lines = ANSI.sub("", shown).split("\n")
                if st != 1:
                    fail(f"{what}: exit {st}")
                # The summary first: with several causes, a line a cause in rank order before any cause in
                # full; with one, its heading follows the first line.
                body = [l for l in lines[1:] if l.strip()]
                if len(causes) > 1:
                    for i, c in enumerate(causes):
                        if not re.match(r"^ +%d\. +%s +%s " % (i + 1, c["confidence"], re.escape(c["id"])), body[i]):
                            fail(f"{what}: summary line {i + 1} is {body[i]!r}, not cause {c['id']}")
                elif not body[0].startswith(f"1. {causes[0]['id']} [{bracket(causes[0])}] "):
                    fail(f"{what}: the first cause does not come first: {body[0]!r}")
                # Commands whole, one a line; every other line within the width.
                stripped = {l.strip() for l in lines}
                shown_cmds = commands if full else {l.strip() for fx_ in causes[0]["fix"] for l in fx_["command"].split("\n")}
                for c in shown_cmds:
                    if c not in stripped:
                        fail(f"{what}: the command {c!r} is not a line of its own")
                for l in lines:
                    if l.strip() not in commands and len(l) > cols:
                        fail(f"{what}: a line of {len(l)} columns: {l!r}")
                # For one error line, the first fix is on the first screen.
                if not full and cols == 80:
                    first = causes[0]["fix"][0]["command"].split("\n")[-1].strip() if causes[0]["fix"] else None
                    row = 0
                    for l in lines:
                        row += rows_of(l, cols)
                        if first and l.strip() == first:
                            break
                    if first and row > 24:
                        fail(f"{what}: the first fix ends on row {row} of the terminal, past 24")
                    elif first:
                        print(f"ok: {what}: the first fix ends on row {row}")
                print(f"ok: {what}: summary first, {len(shown_cmds)} commands whole, no line past {cols}")

    # The pager: on a terminal only.
    # Run as root, vfioexplain is nobody by the time it pages: the pager and its marker where nobody may
    # run and write them, as a user's $PAGER is.
    os.chmod(tmp, 0o711)
    pagers = os.path.join(tmp, "pagers")
    os.mkdir(pagers)
    os.chmod(pagers, 0o777)
    marker = os.path.join(pagers, "pager-ran")
    pager = os.path.join(pagers, "pager")
    with open(pager, "w") as f:
        f.write(f"#!/bin/sh\necho \"$LESS\" >{marker}\nexec cat\n")
    os.chmod(pager, 0o755)
    log = os.path.join(tmp, "not-viable.log")
    base = [binary, "--rules", rules, "--sysroot", os.path.join(fx, "gpu-audio-companion")]
    env = {"VFIOEXPLAIN_PAGER": pager, "VFIOEXPLAIN_PAGERSECURE": "0"}
    st, shown = on_pty(base + [log], 80, env_extra=env)
    if not os.path.exists(marker) or "group-companion-unbound" not in shown:
        fail(f"on a terminal, the answer did not go through the pager (exit {st}, pager ran: "
             f"{os.path.exists(marker)}): {shown[:300]!r}")
    elif open(marker).read().strip() != "FRXMK":
        fail(f"the pager got LESS={open(marker).read().strip()!r}")
    else:
        print("ok: on a terminal the answer goes through $VFIOEXPLAIN_PAGER, with LESS=FRXMK")
    for argv, how in ((base + ["--no-pager", log], "--no-pager"),):
        os.path.exists(marker) and os.unlink(marker)
        on_pty(argv, 80, env_extra=env)
        if os.path.exists(marker):
            fail(f"the pager ran with {how}")
    os.path.exists(marker) and os.unlink(marker)
    p = subprocess.run(base + [log], capture_output=True, env=dict(os.environ, **env))
    if os.path.exists(marker) or b"group-companion-unbound" not in p.stdout:
        fail("piped, the answer went through the pager")
    else:
        print("ok: no pager when piped or with --no-pager")
    # A pager that cannot be run leaves the answer on the terminal.
    st, shown = on_pty(base + [log], 80, env_extra={"VFIOEXPLAIN_PAGER": "/nonexistent/pager",
                                                   "VFIOEXPLAIN_PAGERSECURE": "0", "PATH": "/nonexistent"})
    if "group-companion-unbound" not in shown:
        fail(f"with no pager to run, the answer was lost: {shown[:200]!r}")
    else:
        print("ok: with no pager to run, the answer still reaches the terminal")
    # One that is there but may not be run (no execute bit; root's $PAGER in a directory of root's once
    # vfioexplain is nobody) leaves it there too, not to a shell's error.
    unrunnable = os.path.join(pagers, "not-executable")
    with open(unrunnable, "w") as f:
        f.write("#!/bin/sh\nexec cat\n")
    os.chmod(unrunnable, 0o644)
    st, shown = on_pty(base + [log], 80, env_extra={"VFIOEXPLAIN_PAGER": unrunnable,
                                                   "VFIOEXPLAIN_PAGERSECURE": "0", "PATH": "/nonexistent"})
    if "group-companion-unbound" not in shown:
        fail(f"with a pager that may not be run, the answer was lost: {shown[:200]!r}")
    else:
        print("ok: with a pager that may not be run, the answer still reaches the terminal")
    # The real less, as root's secure mode chooses it: it quits by itself on an answer that fits the screen
    # (on_pty fails the test on a less that waits for a key).
    iommu = os.path.join(tmp, "iommu-off.log")
    st, shown = on_pty([binary, "--rules", rules, "--no-probe", iommu], 200, rows=60,
                       env_extra={"VFIOEXPLAIN_PAGERSECURE": "1"}, timeout=20)
    if "iommu-off-kernel" not in ANSI.sub("", shown):
        fail(f"through less: {shown[:300]!r}")
    else:
        print("ok: less quits by itself on an answer that fits the screen")

if fails:
    print(f"{fails} check(s) failed")
    sys.exit(1)
print("all checks passed")
