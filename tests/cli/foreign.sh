#!/usr/bin/env bash
# Logs from elsewhere (issue 21 item 4): a forum log judged on a fixture host that is not the one that
# failed (another host name; devices this host does not have) gets none of this host's facts and says so in
# one line, in text, Markdown and JSON, through explain, report and run; the same log from the fixture's
# own host is judged with its probes as before.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
build_fixtures

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note='judged from the input alone, without this host'"'"'s facts'
advice="to judge it against that host run there 'vfioexplain snapshot -o host.json' and here 'vfioexplain --snapshot host.json LOG'"

# gpu-on-nvidia named gpu-box: its RTX 3080 0b:00.0 is on nvidia (not-bound-to-vfio, confirmed by the host).
cp -a "$fx/gpu-on-nvidia" "$tmp/gpu-box"
echo gpu-box >"$tmp/gpu-box/etc/hostname"
# A Proxmox VE host's journal as a forum post shows it (journalctl's short format): the same failure,
# another machine.
cat >"$tmp/forum.log" <<'LOG'
Dec 07 10:02:11 forum-pve-7 QEMU[2211]: kvm: -device vfio-pci,host=0000:0b:00.0,id=hostpci0,bus=ich9-pcie-port-1,addr=0x0: vfio 0000:0b:00.0: group 16 is not viable
Dec 07 10:02:11 forum-pve-7 QEMU[2211]: Please ensure all devices within the iommu_group are bound to their vfio bus driver.
LOG
sed 's/ forum-pve-7 / gpu-box /' "$tmp/forum.log" >"$tmp/own.log"

# json FILE EXPR: a Python expression over the document d holds.
json() {
        python3 - "$1" "$2" <<'PY' || fail "$1: $2"
import json, sys
d = json.load(open(sys.argv[1]))
def causes(d): return d["causes"]
def probed(d): return [c["id"] for c in d["causes"] if c.get("confirmed_by") == "host" or
                       any(e["source"] == "probe" for e in c["evidence"])]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

for fmt in text markdown json; do
        "$bin" --rules "$rules" --sysroot "$tmp/gpu-box" --format $fmt "$tmp/forum.log" >"$tmp/f.$fmt" 2>"$tmp/err"
        [ $? -eq 1 ] || fail "forum log ($fmt): exit status"
        "$bin" --rules "$rules" --sysroot "$tmp/gpu-box" --format $fmt "$tmp/own.log" >"$tmp/o.$fmt" 2>"$tmp/err"
        [ $? -eq 1 ] || fail "own log ($fmt): exit status"
done
for fmt in text markdown; do
        grep -qF "$note: the log names host forum-pve-7, this host is gpu-box; $advice" "$tmp/f.$fmt" ||
                { fail "forum log ($fmt): no note"; cat "$tmp/f.$fmt"; }
        if grep -q 'confirmed by the host\|\[probe\]\|probe:[0-9]' "$tmp/f.$fmt"; then
                fail "forum log ($fmt): this host's facts used"; cat "$tmp/f.$fmt"
        fi
        grep -q "$note" "$tmp/o.$fmt" && fail "own log ($fmt): said to be another machine's"
        grep -q 'not-bound-to-vfio.*confirmed by the host' "$tmp/o.$fmt" ||
                { fail "own log ($fmt): not judged with the probes"; cat "$tmp/o.$fmt"; }
done
grep -q '^note: judged from the input alone' "$tmp/f.text" || fail "text: the note is not one line of its own"
grep -q '^\*\*Note:\*\* judged from the input alone' "$tmp/f.markdown" || fail "markdown: the note"
json "$tmp/f.json" 'd["stats"]["other_host"]["hostname"] == "forum-pve-7" and d["stats"]["other_host"]["this_hostname"] == "gpu-box"'
json "$tmp/f.json" 'probed(d) == [] and d["facts"]["probed"] is False and causes(d)'
json "$tmp/o.json" '"other_host" not in d["stats"] and "not-bound-to-vfio" in probed(d) and d["facts"]["probed"] is True'

# --no-probe judges from the input alone already: nothing to say.
"$bin" --rules "$rules" --no-probe "$tmp/forum.log" >"$tmp/np" 2>&1
grep -q "$note" "$tmp/np" && fail "--no-probe: the note"

# The devices tell where no host name does: a dmesg of a host whose GPU is at 0c:00.0 (10de:2484), judged
# on the desktop fixture, which has a GTX 1080 at 01:00.0 and nothing at 0b or 0c.
cat >"$tmp/dmesg.log" <<'LOG'
[    0.052004] DMAR: IOMMU enabled
[    0.384112] pci 0000:0c:00.0: [10de:2484] type 00 class 0x030000
[    0.384301] pci 0000:0c:00.1: [10de:228b] type 00 class 0x040300
[    0.401201] pci 0000:0c:00.0: Adding to iommu group 27
[    0.401209] pci 0000:0c:00.1: Adding to iommu group 27
LOG
printf '%s\n' 'qemu-system-x86_64: -device vfio-pci,host=0000:0b:00.0,id=hostdev0,bus=pci.5,addr=0x0: vfio /sys/bus/pci/devices/0000:0b:00.0: no such host device: No such file or directory' >"$tmp/qemu.log"
"$bin" --rules "$rules" --sysroot "$fx/desktop" --format json "$tmp/dmesg.log" "$tmp/qemu.log" >"$tmp/d.json"
json "$tmp/d.json" 'd["stats"]["other_host"]["devices_not_here"] == 2 and d["stats"]["other_host"]["device"] == "0000:0c:00.0" and d["stats"]["other_host"]["device_ids"] == "10de:2484"'
json "$tmp/d.json" 'probed(d) == [] and [c["id"] for c in causes(d)] == ["wrong-host-address"]'
"$bin" --rules "$rules" --sysroot "$fx/desktop" "$tmp/dmesg.log" "$tmp/qemu.log" >"$tmp/d.text"
grep -qF "$note: 2 of the 2 devices the log shows with their ids are not this host's (0000:0c:00.0 [10de:2484] is not here); $advice" "$tmp/d.text" ||
        { fail "devices: the note"; cat "$tmp/d.text"; }
# The same failure on the desktop itself: its own enumeration lines (the GTX 1080 and its audio), the probes
# confirm the address is not there.
sed 's/0c:00\.0: \[10de:2484\]/01:00.0: [10de:1b80]/; s/0c:00\.1: \[10de:228b\]/01:00.1: [10de:10f0]/' "$tmp/dmesg.log" >"$tmp/dmesg-own.log"
"$bin" --rules "$rules" --sysroot "$fx/desktop" --format json "$tmp/dmesg-own.log" "$tmp/qemu.log" >"$tmp/do.json"
json "$tmp/do.json" '"other_host" not in d["stats"] and probed(d) == ["wrong-host-address"]'

# report: the note in its findings, the log's host name redacted with --redact.
"$bin" --rules "$rules" --sysroot "$tmp/gpu-box" report "$tmp/forum.log" >"$tmp/r.md" 2>"$tmp/err"
grep -qF "$note: the log names host forum-pve-7" "$tmp/r.md" || { fail "report: the note"; cat "$tmp/r.md"; }
grep -q 'confirmed by the host' "$tmp/r.md" && fail "report: this host's facts used"
"$bin" --rules "$rules" --sysroot "$tmp/gpu-box" report --redact "$tmp/forum.log" >"$tmp/rr.md" 2>"$tmp/err"
grep -q "$note: the log names host \[redacted-host-" "$tmp/rr.md" || { fail "report --redact: the note"; cat "$tmp/rr.md"; }
grep -q 'forum-pve-7' "$tmp/rr.md" && fail "report --redact: the log's host name"

# run judges through the same step (QEMU's messages come on its stderr): the note, and in the JSON summary.
"$bin" --rules "$rules" --sysroot "$tmp/gpu-box" run -- sh -c 'cat "$1" >&2; exit 1' sh "$tmp/forum.log" >"$tmp/run.text" 2>&1
[ "$(grep -c "$note" "$tmp/run.text")" -ge 1 ] || { fail "run: the note"; cat "$tmp/run.text"; }
grep -q 'confirmed by the host' "$tmp/run.text" && fail "run: this host's facts used"
"$bin" --rules "$rules" --sysroot "$tmp/gpu-box" --format json run -- sh -c 'cat "$1" >&2; exit 1' sh "$tmp/forum.log" >"$tmp/run.json" 2>&1
python3 - "$tmp/run.json" <<'PY' || fail "run --format json: the summary's other_host"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
s = [e for e in events if e["event"] == "summary"][-1]["report"]
sys.exit(0 if s["stats"]["other_host"]["hostname"] == "forum-pve-7" and s["facts"]["probed"] is False else 1)
PY
"$bin" --rules "$rules" --sysroot "$tmp/gpu-box" run -- sh -c 'cat "$1" >&2; exit 1' sh "$tmp/own.log" >"$tmp/run-own.text" 2>&1
grep -q "$note" "$tmp/run-own.text" && fail "run, own log: the note"
grep -q 'not-bound-to-vfio.*confirmed by the host' "$tmp/run-own.text" || { fail "run, own log: probes"; cat "$tmp/run-own.text"; }

# A journal (--file): another _MACHINE_ID is another machine whatever its lines show; entries with this
# host's _MACHINE_ID are this host's, even under another _HOSTNAME (the host renamed since).
jr=/usr/lib/systemd/systemd-journal-remote
[ -x "$jr" ] || jr=/lib/systemd/systemd-journal-remote
echo 0a1b2c3d4e5f60718293a4b5c6d7e8f9 >"$tmp/gpu-box/etc/machine-id"
# journal FILE MACHINE_ID HOSTNAME: QEMU's not-viable line as one entry of that machine.
journal() {
        printf '%s\n' "__REALTIME_TIMESTAMP=1732089488000000" "__MONOTONIC_TIMESTAMP=1000000" \
                "_BOOT_ID=21b6d51cc46948f8b6cadadeda046062" "_MACHINE_ID=$2" "_HOSTNAME=$3" "_TRANSPORT=stdout" \
                "SYSLOG_IDENTIFIER=QEMU" "PRIORITY=3" \
                "MESSAGE=kvm: -device vfio-pci,host=0000:0b:00.0,id=hostpci0,bus=ich9-pcie-port-1,addr=0x0: vfio 0000:0b:00.0: group 16 is not viable" \
                "" >"$1.export"
        "$jr" --split-mode=none --seal=no --output="$1" "$1.export" >/dev/null 2>&1 || fail "systemd-journal-remote: $1"
}
journal "$tmp/other.journal" 99887766554433221100ffeeddccbbaa forum-pve-7
journal "$tmp/own.journal" 0a1b2c3d4e5f60718293a4b5c6d7e8f9 renamed-box
"$bin" --rules "$rules" --sysroot "$tmp/gpu-box" --file "$tmp/other.journal" >"$tmp/j.text" 2>"$tmp/err"
grep -qF "$note: its journal entries are machine-id 99887766554433221100ffeeddccbbaa's, not this host's; $advice" "$tmp/j.text" ||
        { fail "journal of another machine: the note"; cat "$tmp/j.text" "$tmp/err"; }
grep -q 'group-companion-unbound' "$tmp/j.text" || fail "journal of another machine: not judged"
grep -q 'confirmed by the host\|\[probe\]' "$tmp/j.text" && fail "journal of another machine: this host's facts used"
"$bin" --rules "$rules" --sysroot "$tmp/gpu-box" --format json --file "$tmp/own.journal" >"$tmp/j.json" 2>"$tmp/err"
json "$tmp/j.json" '"other_host" not in d["stats"] and "not-bound-to-vfio" in probed(d)'

finish
