#!/usr/bin/env python3
"""watch and run against the real kernel log and a real journald.

watch: a line written to /dev/kmsg as root is explained, once, with an update when it repeats; a
libvirt error logged through journald (systemd-cat) is explained; journald rotation (SIGUSR2) and
vacuum do not stop the following; SIGINT and SIGTERM end with a summary and the right exit status.
run: the command's output passes through unchanged, its failure is explained, its exit status is
returned, a signal reaches it.

Needs root (to write /dev/kmsg and to start journald). Where it cannot run it says why and fails:
CI runs as root, so a silent skip would hide a broken feature.
"""
import json, os, re, select, shutil, signal, socket, subprocess, sys, tempfile, time

BIN, SRC = sys.argv[1], sys.argv[2]
RULES = os.path.join(SRC, "rules")
fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


def ok(msg):
    print("ok:", msg)


if os.geteuid() != 0:
    print("FAIL: tests/cli/live.py needs root (it writes /dev/kmsg and starts journald)")
    sys.exit(1)


class Watch:
    def __init__(self, *args):
        self.p = subprocess.Popen([BIN, "--rules", RULES, "--no-probe", "--format", "json", "watch", *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # It says what it follows once it follows it: only then are new lines its to see.
        line = self._readline(self.p.stderr, 5)
        if b"watching" not in line:
            raise SystemExit(f"FAIL: watch did not start: {line!r} {self.p.stderr.read()!r}")
        self.started = line.decode()

    def _readline(self, f, timeout):
        end = time.monotonic() + timeout
        buf = b""
        while time.monotonic() < end:
            r, _, _ = select.select([f], [], [], max(0, end - time.monotonic()))
            if not r:
                break
            c = os.read(f.fileno(), 1)
            if not c:
                break
            buf += c
            if c == b"\n":
                return buf
        return buf

    def event(self, timeout=3.0):
        line = self._readline(self.p.stdout, timeout)
        return json.loads(line) if line.strip() else None

    def stop(self, sig):
        self.p.send_signal(sig)
        out, err = self.p.communicate(timeout=10)
        return self.p.returncode, out.decode(), err.decode()


def kmsg(text):
    with open("/dev/kmsg", "w") as f:
        f.write(text + "\n")


# 1. /dev/kmsg: the kernel's own line (drivers/vfio/vfio_iommu_type1.c vfio_pin_pages_remote():
# pr_warn("%s: RLIMIT_MEMLOCK (%ld) exceeded\n", __func__, limit)), written as root at priority 4.
w = Watch()
t0 = time.monotonic()
kmsg("<4>vfio_pin_pages_remote: RLIMIT_MEMLOCK (67108864) exceeded")
ev = w.event()
dt = (time.monotonic() - t0) * 1000
if not ev or ev.get("event") != "cause" or ev["cause"]["id"] != "memlock-limit":
    fail(f"kmsg line not explained as memlock-limit: {ev}")
else:
    src = ev["cause"]["evidence"][0]
    if src["input"] != "/dev/kmsg" or src["source"] != "kernel":
        fail(f"evidence not from /dev/kmsg as kernel: {src}")
    else:
        ok(f"/dev/kmsg line explained in {dt:.1f} ms: {ev['cause']['id']}")
kmsg("<4>vfio_pin_pages_remote: RLIMIT_MEMLOCK (67108864) exceeded")
ev = w.event()
if not ev or ev.get("event") != "update" or ev["cause"]["id"] != "memlock-limit":
    fail(f"a repeat is not an update of the same cause: {ev}")
else:
    ok("a repeated line updates the cause printed before, not a second cause")
# A line that matches nothing prints nothing.
kmsg("<6>e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx")
ev = w.event(0.5)
if ev:
    fail(f"an unrelated kernel line printed something: {ev}")
rc, out, err = w.stop(signal.SIGINT)
last = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
if rc != 1 or last.get("event") != "summary" or not any(c["id"] == "memlock-limit" for c in last["report"]["causes"]):
    fail(f"SIGINT: exit {rc}, last output {out[-300:]!r}, stderr {err!r}")
else:
    ok("SIGINT ends watch with a summary and exit status 1")

# 1b. Records overwritten before watch read them (read(2) on /dev/kmsg fails with EPIPE): watch is
# stopped, the kernel's ring is filled twice over, then a failure line is written. watch must say how
# many records it lost and go on to explain the line. Writes to /dev/kmsg are rate-limited per open
# file (kernel/printk/printk.c devkmsg_write(): 10 lines per 5 s by default), hence a fresh open per 10.
import ctypes
ring = ctypes.CDLL(None, use_errno=True).klogctl(10, None, 0)  # SYSLOG_ACTION_SIZE_BUFFER
w = Watch()
w.p.send_signal(signal.SIGSTOP)
filler = "<7>vfioexplain-test: ring filler " + "x" * 800
for i in range(0, 2 * max(ring, 65536) // 800 + 10, 10):
    with open("/dev/kmsg", "w") as f:
        for k in range(10):
            f.write(f"{filler} {i + k}\n")
            f.flush()
kmsg("<4>vfio_pin_pages_remote: RLIMIT_MEMLOCK (67108864) exceeded")
w.p.send_signal(signal.SIGCONT)
ev = w.event()
rc, out, err = w.stop(signal.SIGTERM)
m = re.search(r"/dev/kmsg: (\d+) kernel messages were overwritten", err)
if not ev or ev["cause"]["id"] != "memlock-limit" or not m or int(m.group(1)) < 10:
    fail(f"overwritten records (ring {ring} bytes): event {ev}, stderr {err!r}")
else:
    ok(f"{m.group(1)} overwritten /dev/kmsg records reported, the line after them explained")

w = Watch()
rc, out, err = w.stop(signal.SIGTERM)
if rc != 0 or json.loads(out.strip().splitlines()[-1]).get("event") != "summary":
    fail(f"SIGTERM with nothing seen: exit {rc}, {out!r}")
else:
    ok("SIGTERM with no failure: summary and exit status 0")

# watch --trace: a private tracefs instance exists while it watches, with the IOMMU events enabled, and
# is gone after it stops. (No IOMMU here fires them; tests/unit/test_trace.c decodes records laid out by
# the running kernel's own format files.)
if not os.path.exists("/sys/kernel/tracing/instances"):
    subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"], capture_output=True)
if not os.path.exists("/sys/kernel/tracing/instances"):
    fail("tracefs is not mounted at /sys/kernel/tracing and could not be mounted")
else:
    w = Watch("--trace")
    inst = f"/sys/kernel/tracing/instances/vfioexplain-{w.p.pid}"
    enabled = open(os.path.join(inst, "events/iommu/io_page_fault/enable")).read().strip() \
        if os.path.exists(os.path.join(inst, "events/iommu/io_page_fault/enable")) else "missing"
    rc, out, err = w.stop(signal.SIGINT)
    if "IOMMU trace events" not in w.started or enabled != "1":
        fail(f"watch --trace: {w.started!r}, io_page_fault enable={enabled}")
    elif os.path.exists(inst):
        fail(f"watch --trace left {inst} behind")
    elif rc != 0:
        fail(f"watch --trace: exit {rc} {err!r}")
    else:
        ok("watch --trace: private tracefs instance with iommu:io_page_fault enabled, removed on SIGINT")

# 2. A live journald: a libvirt error through the journal; rotation and vacuum while following.
journald = shutil.which("systemd-journald") or "/lib/systemd/systemd-journald"
started = None
if not subprocess.run(["pidof", "systemd-journald"], capture_output=True).stdout.strip():
    if not os.path.exists(journald):
        fail("systemd-journald is not installed (package systemd)")
    else:
        os.makedirs("/run/systemd/journal", exist_ok=True)
        started = subprocess.Popen([journald], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Until journald accepts on the stream socket systemd-cat uses: a socket file left by an earlier
        # journald exists before the new one listens, and systemd-cat then gets "Connection refused".
        for _ in range(100):
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.connect("/run/systemd/journal/stdout")
                break
            except OSError:
                time.sleep(0.1)
jpid = subprocess.run(["pidof", "systemd-journald"], capture_output=True, text=True).stdout.split()
if jpid and shutil.which("systemd-cat"):
    w = Watch()
    if "the journal" not in w.started:
        fail(f"watch does not follow the journal: {w.started}")

    def libvirt(msg):
        # libvirt's virtqemud logs its errors at priority err (src/util/virlog.c).
        subprocess.run(["systemd-cat", "-t", "virtqemud", "-p", "err"], input=msg.encode(), check=True)

    # src/qemu/qemu_process.c: "Process exited prior to exec: %s" with QEMU's/libvirt's own error;
    # src/util/virprocess.c virProcessSetMaxMemLock(): "cannot limit locked memory to %llu".
    msg = ("internal error: Process exited prior to exec: libvirt:  error : cannot limit locked memory to "
           "17179869184: Operation not permitted")
    t0 = time.monotonic()
    libvirt(msg)

    def from_journal(e):
        return e and e["cause"]["id"] == "memlock-limit" and any(x.get("cursor") for x in e["cause"]["evidence"])

    # Another process's kernel line may come first (a parallel test run writing /dev/kmsg): wait for ours.
    ev = w.event(3)
    while ev and not from_journal(ev) and time.monotonic() - t0 < 3:
        ev = w.event(3)
    dt = (time.monotonic() - t0) * 1000
    if not from_journal(ev):
        fail(f"journal entry not explained, or without its cursor: {ev}")
    else:
        e = next(x for x in ev["cause"]["evidence"] if x.get("cursor"))
        ok(f"journal entry explained in {dt:.0f} ms, source {e['source']}, cursor kept")
    # Rotation: journald archives the active file and opens a new one.
    os.kill(int(jpid[0]), signal.SIGUSR2)
    time.sleep(0.5)
    libvirt(msg)
    ev = w.event(3)
    if not ev or ev.get("event") != "update":
        fail(f"after rotation the journal is no longer followed: {ev}")
    else:
        ok("followed across journald's rotation")
    subprocess.run(["journalctl", "--vacuum-files=1"], capture_output=True)
    time.sleep(0.3)
    libvirt(msg)
    ev = w.event(3)
    if not ev or ev.get("event") != "update":
        fail(f"after vacuum the journal is no longer followed: {ev}")
    else:
        ok("followed across a vacuum of archived files")
    rc, out, err = w.stop(signal.SIGTERM)
    if rc != 1:
        fail(f"journal watch: exit {rc}")
elif not jpid:
    fail("no systemd-journald running and none could be started")
else:
    fail("systemd-cat missing (package systemd)")
if started:
    started.terminate()
    started.wait()

# 3. run: a child that fails the way QEMU does (qemu.log of corpus/vfio-permission-denied-1-qemu-as-user:
# hw/vfio/container.c vfio_get_group() with the -device location, util/error-report.c).
tmp = tempfile.mkdtemp()
child = os.path.join(tmp, "qemu-system-x86_64")
with open(child, "w") as f:
    f.write("""#!/bin/sh
echo "QEMU 8.2.2 monitor - type 'help' for more information"
echo "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,multifunction=on: vfio 0000:01:00.0: failed to open /dev/vfio/12: Permission denied" >&2
exit 1
""")
os.chmod(child, 0o755)
r = subprocess.run([BIN, "--rules", RULES, "--no-probe", "--format", "json", "run", "--", child], capture_output=True)
out = r.stdout.decode()
if not out.startswith("QEMU 8.2.2 monitor"):
    fail(f"run: the command's stdout is not passed through first: {out[:200]!r}")
elif b"failed to open /dev/vfio/12: Permission denied" not in r.stderr:
    fail(f"run: the command's stderr is not passed through: {r.stderr!r}")
elif r.returncode != 1:
    fail(f"run: exit {r.returncode}, want the command's 1")
else:
    last = json.loads(out.splitlines()[-1])
    c = last["report"]["causes"][0] if last.get("report", {}).get("causes") else {}
    if c.get("id") != "vfio-permission-denied" or c.get("device") != "0000:01:00.0":
        fail(f"run: first cause {c.get('id')} {c.get('device')}")
    elif last["report"]["stats"]["lines"] < 2:
        # Both of the command's lines were read; only the one that matched a rule was kept.
        fail(f"run: the summary counts {last['report']['stats']['lines']} lines read, not every line")
    else:
        ok("run: output passed through, failure explained as vfio-permission-denied 0000:01:00.0, exit 1")

r = subprocess.run([BIN, "--rules", RULES, "--no-probe", "run", "--", "sh", "-c", "echo fine; exit 0"],
                   capture_output=True)
if r.returncode != 0 or r.stdout != b"fine\n":
    fail(f"run: a command that succeeds: exit {r.returncode}, stdout {r.stdout!r}")
else:
    ok("run: success passes through silently with exit 0")
r = subprocess.run([BIN, "--rules", RULES, "--no-probe", "run", "--", os.path.join(tmp, "no-such-command")],
                   capture_output=True)
if r.returncode != 127 or b"no-such-command" not in r.stderr:
    fail(f"run: a missing command: exit {r.returncode}, {r.stderr!r}")
else:
    ok("run: a missing command exits 127 and says so")
p = subprocess.Popen([BIN, "--rules", RULES, "--no-probe", "run", "--", "sh", "-c", "echo up; exec sleep 30"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
p.stdout.readline()
p.send_signal(signal.SIGTERM)
try:
    p.communicate(timeout=10)
    if p.returncode != 128 + signal.SIGTERM:
        fail(f"run: SIGTERM not passed to the command: exit {p.returncode}")
    else:
        ok("run: SIGTERM reaches the command; its status (143) is ours")
except subprocess.TimeoutExpired:
    p.kill()
    fail("run: SIGTERM did not stop the command")
shutil.rmtree(tmp)

if fails:
    print(f"{fails} check(s) failed")
    sys.exit(1)
print("all checks passed")
