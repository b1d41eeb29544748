#!/usr/bin/env python3
"""One judging step (issue 21 #5): the same evidence gets the same causes from explain, from run (the log
as a command's output: run -- sh -c 'cat LOG >&2; exit 1') and from watch (the log as a journal file that
watch --file follows from its start), each cause with the same device, confidence and tie.

Every corpus case that needs no more than its logs is replayed so, its logs joined into one input. Then
on a fixture host (tests/fixtures/build.sh) a QEMU line whose romfile= is a ROM built for another device
(tests/cli/romgen.py) must be romfile-wrong-device on 0000:01:00.0, confirmed by the probe, in all three:
before the judging was one function, run and watch did not read romfile= at all. And the host's class of a
device feeds the rules' conditions (a bridge's probe failure is the bridge's, not the IOMMU's).

usage: judge_replay.py VFIOEXPLAIN SRC
"""
import json, os, signal, subprocess, sys, tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
RULES = os.path.join(SRC, "rules")
CORPUS = os.path.join(SRC, "corpus")
fails = 0
tmp = tempfile.mkdtemp()


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


def journal_remote():
    for c in (os.environ.get("SYSTEMD_JOURNAL_REMOTE"), "/lib/systemd/systemd-journal-remote",
              "/usr/lib/systemd/systemd-journal-remote"):
        if c and os.access(c, os.X_OK):
            return c
    print("FAIL: systemd-journal-remote is not installed (tests/deps.sh installs it)")
    sys.exit(1)


JR = journal_remote()


def causes(report):
    return [(c["id"], c["device"], c["confidence"], c["tied"]) for c in report["causes"]]


def explain(common, args, stdin=None):
    p = subprocess.run([BIN, *common, "--format", "json", *args], stdin=stdin, capture_output=True)
    try:
        return causes(json.loads(p.stdout))
    except (json.JSONDecodeError, KeyError) as e:
        return f"explain {args}: no report ({e}): {p.stderr.decode(errors='replace')[-300:]}"


def summary_of(stdout, what):
    for line in reversed(stdout.decode(errors="replace").splitlines()):
        try:
            o = json.loads(line)
        except json.JSONDecodeError:
            continue
        if o.get("event") == "summary":
            return causes(o["report"])
    return f"{what}: no summary in {stdout[-300:]!r}"


def run(common, log):
    p = subprocess.run([BIN, *common, "--format", "json", "run", "--", "sh", "-c", 'cat "$1" >&2; exit 1', "sh",
                        log], stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return summary_of(p.stdout, "run")


def journal_of(log, path):
    """Each line of log an entry of one boot, as a program's stdout reaches journald."""
    exp = bytearray()
    with open(log, "rb") as f:
        for i, line in enumerate(f.read().split(b"\n")):
            if not line:
                continue
            exp += b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n" % (1732089488000000 + i, 1000000 + i)
            exp += b"_BOOT_ID=21b6d51cc46948f8b6cadadeda046062\n_TRANSPORT=stdout\nPRIORITY=3\n"
            exp += b"MESSAGE=" + line + b"\n\n"
    src = path + ".export"
    with open(src, "wb") as f:
        f.write(exp)
    r = subprocess.run([JR, "--split-mode=none", "--seal=no", "--output=" + path, src], capture_output=True)
    return r.returncode == 0


def watch(common, journal):
    p = subprocess.Popen([BIN, *common, "--format", "json", "watch", "--file", journal, "--since", "@1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    # Once it says what it follows, the file is open: what it holds is read at the latest on the signal
    # ("the lines that came with the signal still count").
    if b"watching" not in p.stderr.readline():
        p.kill()
        p.communicate()
        return "watch did not start"
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=120)
    return summary_of(out, "watch")


def compare(name, want, got, what):
    if isinstance(want, str):
        fail(f"{name}: {want}")
    elif got != want:
        fail(f"{name}: {what} gives {got}, explain {want}")
    else:
        return True
    return False


def corpus_cases():
    for name in sorted(os.listdir(CORPUS)):
        d = os.path.join(CORPUS, name)
        if not os.path.isfile(os.path.join(d, "case")):
            continue
        args = None
        for line in open(os.path.join(d, "case"), errors="replace"):
            if line.startswith("args ="):
                args = line.split("=", 1)[1].split()
        logs = sorted(f for f in os.listdir(d) if f.endswith(".log") and not f.endswith(".guest.log"))
        # Only cases judged from their logs alone: no --guest, --domain, compressed or binary inputs.
        if args not in (None, ["--no-probe"]) or not logs or os.path.exists(os.path.join(d, "guest.alias")):
            continue
        yield name, [os.path.join(d, f) for f in logs]


# A root with no journal and no kernel log of its own: run and watch follow only what they are given.
empty_root = os.path.join(tmp, "root")
os.makedirs(empty_root)
common = ["--rules", RULES, "--sysroot", empty_root, "--no-probe"]
n = agree = 0
for name, logs in corpus_cases():
    joined = os.path.join(tmp, name + ".log")
    with open(joined, "wb") as out:
        for log in logs:
            data = open(log, "rb").read()
            out.write(data if data.endswith(b"\n") or not data else data + b"\n")
    n += 1
    with open(joined, "rb") as f:
        want = explain(common, ["-"], stdin=f)
    ok = compare(name, want, run(common, joined), "run")
    j = os.path.join(tmp, name + ".journal")
    if not journal_of(joined, j):
        fail(f"{name}: systemd-journal-remote could not write its journal")
        continue
    ok = compare(name, explain(common, ["--file", j]), watch(common, j), "watch --file") and ok
    agree += ok
print(f"{'ok' if agree == n else 'FAIL'}: {agree} of {n} corpus cases: run and watch give explain's causes")

# The example, on a fixture host whose 0000:01:00.0 is 10de:1b80: romfile= of a 10de:1b81 ROM.
fx = os.path.join(tmp, "fixtures")
b = subprocess.run(["bash", os.path.join(SRC, "tests/fixtures/build.sh"), fx], capture_output=True, text=True)
if b.returncode != 0:
    print("FAIL: tests/fixtures/build.sh:", b.stderr[-2000:])
    sys.exit(1)
host = os.path.join(fx, "healthy-vfio")
vb = os.path.join(host, "var/lib/libvirt/vbios")
os.makedirs(vb)
g = subprocess.run([sys.executable, os.path.join(SRC, "tests/cli/romgen.py"), os.path.join(vb, "gtx1070.rom"),
                    "x86:10de:1b81", "efi:10de:1b81:16"], capture_output=True, text=True)
if g.returncode != 0:
    print("FAIL: romgen.py:", g.stderr)
    sys.exit(1)
log = os.path.join(tmp, "qemu.log")
# hw/vfio/pci.c vfio_register_err_notifier() warns with the -device option as location
# (util/qemu-error.c error_print_loc()), which carries romfile=.
with open(log, "w") as f:
    f.write("qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,x-vga=on,multifunction=on,"
            "romfile=/var/lib/libvirt/vbios/gtx1070.rom: warning: vfio 0000:01:00.0: "
            "Could not enable error recovery for the device\n")
common = ["--rules", RULES, "--sysroot", host]
want = explain(common, [log])
if isinstance(want, str) or not want or want[0][:3] != ("romfile-wrong-device", "0000:01:00.0", "confirmed"):
    fail(f"explain of a romfile= for another device on the fixture host: {want}")
else:
    print(f"ok: explain: {want[0][:3]}")
if compare("romfile= on the fixture host", want, run(common, log), "run"):
    print("ok: run -- cat LOG gives explain's romfile-wrong-device")
j = os.path.join(tmp, "qemu.journal")
if not journal_of(log, j):
    fail("systemd-journal-remote could not write qemu.journal")
elif compare("romfile= on the fixture host", explain(common, ["--file", j]), watch(common, j), "watch --file"):
    print("ok: watch --file gives explain's causes for the romfile= line")

# The host's own facts feed the rules' conditions: on the iommu-off-kernel fixture, 0000:00:01.0 is a root port
# (class 0x060400), so vfio-pci's probe failing with -22 on it is the bridge's refusal (binding.rules
# bind-sym-vfio-probe-einval: when = class=bridge => device-is-bridge !iommu-off-kernel ...), not evidence
# of the IOMMU being off, though the host has that fault too. drivers/vfio/pci/vfio_pci.c vfio_pci_probe()
# refuses a header type other than normal; the driver core prints "probe with driver %s failed with error %d"
# (drivers/base/dd.c really_probe()).
log = os.path.join(tmp, "bridge.log")
with open(log, "w") as f:
    f.write("[  412.880913] vfio-pci 0000:00:01.0: probe with driver vfio-pci failed with error -22\n")
common = ["--rules", RULES, "--sysroot", os.path.join(fx, "iommu-off-kernel")]
p = subprocess.run([BIN, *common, "--format", "json", log], capture_output=True, stdin=subprocess.DEVNULL)
try:
    explains = {c["id"]: c["explains"] for c in json.loads(p.stdout)["causes"]}
    if "bind-sym-vfio-probe-einval" in explains.get("device-is-bridge", []) and \
            "bind-sym-vfio-probe-einval" not in explains.get("iommu-off-kernel", ["-"]):
        print("ok: the host's class of 0000:00:01.0 (a bridge) makes its probe -22 the bridge's, not the IOMMU's")
    else:
        fail(f"a bridge's probe -22 on the iommu-off-kernel fixture: {explains}")
except (json.JSONDecodeError, KeyError) as e:
    fail(f"a bridge's probe -22 on the iommu-off-kernel fixture: no report ({e})")
if compare("a bridge's probe -22 on the iommu-off-kernel fixture", explain(common, [log]), run(common, log), "run"):
    print("ok: run gives explain's causes for it")

subprocess.run(["rm", "-rf", tmp])
if fails:
    print(f"{fails} check(s) failed")
    sys.exit(1)
print("all checks passed")
