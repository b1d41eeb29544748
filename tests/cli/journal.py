#!/usr/bin/env python3
"""The journal through sd-journal, on real journal files written by systemd-journal-remote
(tests/journal/build.sh): per boot (--boot ID and offsets), per unit, per time range, and a directory
of many hosts whose findings stay apart (tests/journal/expect says what each must yield)."""
import atexit, json, os, select, shutil, signal, subprocess, sys, tempfile, time

BIN, SRC = sys.argv[1], sys.argv[2]
RULES = os.path.join(SRC, "rules")
fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)
b = subprocess.run(["bash", os.path.join(SRC, "tests/journal/build.sh"), tmp], capture_output=True, text=True)
if b.returncode != 0:
    print("FAIL: tests/journal/build.sh:", b.stdout[-2000:], b.stderr[-2000:])
    sys.exit(1)

sets, boots, hosts, checks = {}, {}, {}, []
for line in open(os.path.join(SRC, "tests/journal/expect")):
    w = line.split()
    if not w or w[0].startswith("#"):
        continue
    kv = dict(x.split("=", 1) for x in w[3:] if "=" in x)
    if w[0] == "set":
        sets[w[1]] = kv
    elif w[0] == "host":
        hosts[(w[1], w[2])] = kv["machine"]
    elif w[0] == "boot":
        boots[(w[1], w[2], kv["boot"])] = kv
    elif w[0] in ("cause", "unit"):
        checks.append((w[0], w[1], w[2], kv))


def run(args):
    r = subprocess.run([BIN, "--rules", RULES, "--no-probe", "--format", "json", *args], capture_output=True,
                       text=True)
    try:
        return r.returncode, json.loads(r.stdout), r.stderr
    except json.JSONDecodeError:
        return r.returncode, None, r.stderr


def source_args(s):
    kv = sets[s]
    return ["--file", os.path.join(tmp, kv["file"])] if "file" in kv else ["--directory",
                                                                           os.path.join(tmp, kv["directory"])]


def causes_of(doc, machine):
    if doc is None:
        return None
    if "hosts" not in doc:
        return doc["causes"]
    for h in doc["hosts"]:
        if h["machine_id"] == machine:
            return h["causes"]
    return []


# Every expected (set, host, boot[, unit]): the ranked causes, selected by boot id.
groups = {}
for kind, s, host, kv in checks:
    key = (s, host, kv["boot"], kv.get("unit"))
    groups.setdefault(key, []).append(kv)
for (s, host, boot, unit), rows in sorted(groups.items(), key=str):
    bid = boots[(s, host, boot)]["id"]
    args = source_args(s) + ["--boot", bid] + (["--unit", unit] if unit else [])
    rc, doc, err = run(args)
    got = causes_of(doc, hosts[(s, host)])
    if got is None:
        fail(f"{args}: no JSON ({err.strip()})")
        continue
    want = sorted((int(r["rank"]), r["id"], r["device"], r.get("tied") == "yes") for r in rows if r["id"] != "none")
    have = [(c["rank"], c["id"], c["device"] or "-", c["tied"]) for c in got]

    # Causes marked tied=yes are a tie in the output, in any order among the ranks they take; every other one
    # is in its very place and not tied.
    def agree(want, have):
        if len(have) < len(want):
            return False
        i = 0
        while i < len(want):
            j = i + 1
            while want[i][3] and j < len(want) and want[j][3]:
                j += 1
            if {(w[1], w[2]) for w in want[i:j]} != {(h[1], h[2]) for h in have[i:j]}:
                return False
            if any(h[3] != w[3] for w, h in zip(want[i:j], have[i:j])):
                return False
            i = j
        return True
    if not agree(want, have) or (not want and have):
        fail(f"{s} {host} boot {boot} unit {unit}: causes {have}, want {want}")
    elif rc != (1 if want else 0):
        fail(f"{s} {host} boot {boot} unit {unit}: exit {rc}")
    else:
        print(f"ok: {s} {host} boot {boot}{' unit ' + unit if unit else ''}: {[w[1] for w in want] or 'none'}")

# Boot offsets on the one-host file: 0 is the last boot, -1 the one before; the same as the ids.
for off in ("0", "-1"):
    rc, doc, err = run(source_args("single") + ["--boot", off])
    rc2, doc2, _ = run(source_args("single") + ["--boot", boots[("single", "pve1", off)]["id"]])
    if doc is None or [c["id"] for c in doc["causes"]] != [c["id"] for c in doc2["causes"]]:
        fail(f"--boot {off} differs from --boot with its id: {err}")
    else:
        print(f"ok: --boot {off} is boot {boots[('single', 'pve1', off)]['id']}")

# --since/--until around the older boot select it alone.
old = boots[("single", "pve1", "-1")]
rc, doc, err = run(source_args("single") + ["--since", "@%d" % (int(old["first"]) // 1000000),
                                             "--until", "@%d.%06d" % divmod(int(old["last"]), 1000000)])
if doc is None or [c["id"] for c in doc["causes"]][:1] != ["iommu-off-kernel"] or any(
        c["id"] == "group-companion-unbound" for c in doc["causes"]):
    fail(f"--since/--until of the older boot: {doc and [c['id'] for c in doc['causes']]} {err}")
else:
    print("ok: --since/--until select the older boot's entries only")

# '--until @0' is the epoch: no entry is that old (0 is not "no bound").
rc, doc, err = run(source_args("single") + ["--until", "@0"])
if doc is None or rc != 0 or doc["causes"]:
    fail(f"--until @0 read entries: exit {rc}, {doc and [c['id'] for c in doc['causes']]} {err}")
else:
    print("ok: --until @0 selects no entry")

# Evidence from the journal keeps its time, unit and cursor; the cursor finds the entry again.
rc, doc, err = run(source_args("single") + ["--boot", "0", "--unit", "libvirtd.service"])
ev = doc["causes"][0]["evidence"][0] if doc and doc["causes"] else {}
if not (ev.get("cursor") and ev.get("unit") == "libvirtd.service" and ev.get("realtime_usec")):
    fail(f"journal evidence without cursor/unit/time: {ev}")
else:
    r = subprocess.run(["journalctl", "--file", os.path.join(tmp, sets["single"]["file"]), "--cursor", ev["cursor"],
                        "-n", "1", "-o", "json", "--no-pager"], capture_output=True, text=True)
    first = json.loads(r.stdout.splitlines()[0]) if r.stdout.strip() else {}
    if int(first.get("__REALTIME_TIMESTAMP", 0)) != ev["realtime_usec"]:
        fail(f"the cursor does not lead back to the entry: {r.stdout[:300]} {r.stderr}")
    else:
        print("ok: evidence keeps unit, time and a cursor journalctl finds the entry by")

# Many hosts: one section per host, causes never mixed; the merged file groups the same way.
for s in ("remote", "mixed"):
    rc, doc, err = run(source_args(s))
    if doc is None or "hosts" not in doc:
        fail(f"{s}: not grouped per host: {err}")
        continue
    names = sorted(h["hostname"] for h in doc["hosts"])
    if names != ["hostA", "hostB", "hostC"] or any(h["local"] for h in doc["hosts"]):
        fail(f"{s}: hosts {names}")
    elif not all(c.get("host") for c in doc["causes"]):
        fail(f"{s}: a cause without its host")
    else:
        print(f"ok: {s}: grouped per host {names}")

# watch --directory while systemd-journal-remote writes into it, as on a log host: the directory is
# empty when watch starts; journal-remote creates its file and appends hostB's entries (restamped to
# now) one by one. The cause must come after the failing entry is written, and promptly.
def follow_remote():
    d = os.path.join(tmp, "live-remote")
    os.makedirs(d)
    w = subprocess.Popen([BIN, "--rules", RULES, "--no-probe", "--format", "json", "watch", "--directory", d],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if b"watching" not in w.stderr.readline():
        return fail("watch --directory did not start")
    jr = subprocess.Popen([JOURNAL_REMOTE, f"--output={d}/remote-hostB.journal", "--split-mode=none", "-"],
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    entries = [e for e in open(os.path.join(SRC, "tests/journal/remote-hostB.export"), "rb").read().split(b"\n\n")
               if e.strip()]
    now, written_at, event = int(time.time() * 1e6), None, None
    for i, e in enumerate(entries):
        e = b"\n".join(b"__REALTIME_TIMESTAMP=%d" % (now + i) if f.startswith(b"__REALTIME_TIMESTAMP=") else f
                       for f in e.split(b"\n"))
        jr.stdin.write(e + b"\n\n")
        jr.stdin.flush()
        if written_at is None and b"/dev/vfio/12: Permission denied" in e:
            written_at = time.monotonic()
        if select.select([w.stdout], [], [], 0.01)[0]:
            event = (json.loads(w.stdout.readline()), time.monotonic())
            break
    if event is None and select.select([w.stdout], [], [], 3)[0]:
        event = (json.loads(w.stdout.readline()), time.monotonic())
    jr.stdin.close()
    jr.wait(10)
    w.send_signal(signal.SIGINT)
    w.communicate(timeout=10)
    if not event or event[0]["cause"]["id"] != "vfio-permission-denied" or event[0]["cause"]["device"] != "0000:01:00.0":
        return fail(f"watch --directory: {event}")
    if written_at is None or event[1] < written_at:
        return fail("watch --directory: a cause before its entry was written")
    print(f"ok: watch --directory follows journal-remote as it writes: "
          f"{event[0]['cause']['id']} {(event[1] - written_at) * 1000:.0f} ms after its entry")


JOURNAL_REMOTE = next(p for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote")
                      if os.path.exists(p))  # build.sh above has made sure it is there
follow_remote()

# Bad input: not a journal file; a directory that is not there; a boot that is not there.
bad = os.path.join(tmp, "not.journal")
open(bad, "w").write("hello\n")
for args, what in ((["--file", bad], "not a journal file"), (["--directory", os.path.join(tmp, "nope")], "missing directory"),
                   (source_args("single") + ["--boot", "-7"], "boot not in the journal"),
                   (source_args("single") + ["--boot", "xyz"], "bad boot"), (["--since", "yesterday-ish"], "bad time")):
    r = subprocess.run([BIN, "--rules", RULES, "--no-probe", *args], capture_output=True, text=True)
    if r.returncode != 2 or len(r.stderr.strip().splitlines()) != 1:
        fail(f"{what}: exit {r.returncode}, stderr {r.stderr!r}")
    else:
        print(f"ok: {what}: {r.stderr.strip()}")

if fails:
    print(f"{fails} check(s) failed")
    sys.exit(1)
print("all checks passed")
