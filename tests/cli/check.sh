#!/usr/bin/env bash
# vfioexplain check on fixture hosts (tests/fixtures/build.sh), as a user means it: with no address, a
# verdict for each device a user would pass and none for the chipset's own functions, what the host runs
# on left out (desktop); with an address, the device and the rest of its IOMMU group, each blocker with its
# fix (gpu-audio-companion: the card's audio on snd_hda_intel), and a plain "ready" with exit 0 when
# nothing blocks (healthy-vfio). The text at 80 columns is compared whole with tests/golden/check-*.txt
# (VX_UPDATE_GOLDEN=1 rewrites them); the JSON's verdicts are checked; a snapshot replays the same.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
build_fixtures

golden() {
        if [ "${VX_UPDATE_GOLDEN:-}" = 1 ]; then
                cp "$1" "$src/tests/golden/$2"
                echo "updated: tests/golden/$2"
        elif diff -u "$src/tests/golden/$2" "$1" >"$tmp/golden.diff"; then
                echo "ok: $2 as its golden"
        else
                echo "FAIL: $2 differs from tests/golden/$2:"; head -40 "$tmp/golden.diff"; fails=$((fails + 1))
        fi
}

# check NAME FIXTURE STATUS PYTHON_CHECK [ADDRESS...]: text (80 columns) and JSON exit STATUS, the text is
# its golden, and the Python expression holds of the JSON (j the document, c its "check", v the verdict of
# each address, ids the causes found).
check() {
        local name=$1 host=$2 want=$3 expr=$4
        shift 4
        COLUMNS=80 "$bin" --rules "$rules" --sysroot "$fx/$host" check "$@" >"$tmp/$name.txt" 2>"$tmp/err"
        local got=$?
        "$bin" --rules "$rules" --sysroot "$fx/$host" --format json check "$@" >"$tmp/$name.json" 2>>"$tmp/err"
        local got_json=$?
        if [ $got -ne "$want" ] || [ $got_json -ne "$want" ] || [ -s "$tmp/err" ]; then
                echo "FAIL: $name: exit text=$got json=$got_json, want $want"; sed 's/^/  /' "$tmp/err"
                fails=$((fails + 1))
                return
        fi
        golden "$tmp/$name.txt" "check-$name.txt"
        python3 - "$tmp/$name.json" "$expr" <<'PY' || { echo "FAIL: $name: JSON"; fails=$((fails + 1)); return; }
import json, sys
j = json.load(open(sys.argv[1]))
c = j["check"]
v = {d["address"]: d["verdict"] for d in c["devices"]}
ids = [x["id"] for x in j["causes"]]
assert j["version"] == 1
assert eval("(" + sys.argv[2] + ")"), f"{sys.argv[2]}: verdicts {v}, causes {ids}, left out {[d['address'] for d in c['left_out']]}"
PY
        echo "ok: $name"
}

# Ready: the GPU named, its audio with it, both on vfio-pci, group 1 theirs alone.
check ready healthy-vfio 0 '
v == {"0000:01:00.0": "ready", "0000:01:00.1": "ready"} and ids == [] and c["ready"] is True
and c["verdict"] == "ready: 0000:01:00.0 and 0000:01:00.1 — group 1 holds only them, both on vfio-pci, IOMMU and interrupt remapping on"
' 01:00.0
grep -q '^ready: 0000:01:00.0 and 0000:01:00.1 — group 1 holds only them, both on' "$tmp/ready.txt" ||
        { echo "FAIL: the ready line"; fails=$((fails + 1)); }

# Blocked: the GPU on vfio-pci, its audio still on snd_hda_intel: both are judged, the blocker has its fix
# (the audio function moved to vfio-pci), and following it does not lead to "group 1 is not viable".
check blocked gpu-audio-companion 1 '
v == {"0000:01:00.0": "blocked", "0000:01:00.1": "blocked"} and ids[0] == "group-companion-unbound"
and c["ready"] is False
and any("0000:01:00.1/driver_override" in f["command"] for f in j["causes"][0]["fix"])
' 01:00.0

# No address, on the desktop a user meets first: the iGPU that shows the screen, the GTX 1080 still on
# nvidia and its audio, the USB controllers each with a verdict; the chipset's LPC, SMBus, HECI, SATA and
# audio not at all; the NVMe drive of / and the NIC of the default route left out, with why. Nothing there
# is a failure: exit 0.
check desktop desktop 0 '
v == {"0000:00:02.0": "host display", "0000:00:14.0": "not set up", "0000:01:00.0": "not set up",
      "0000:01:00.1": "not set up", "0000:03:00.0": "not set up"}
and ids == [] and c["ready"] is False
and {d["address"]: d["host_use"] for d in c["left_out"]} == {"0000:00:1f.6": "eno1, the interface of the default route",
                                                             "0000:02:00.0": "nvme0n1p2, which holds /"}
'

# A snapshot carries what the host runs on: the replay gives the same verdicts.
"$bin" --sysroot "$fx/desktop" snapshot -o "$tmp/desktop.json"
COLUMNS=80 "$bin" --rules "$rules" --snapshot "$tmp/desktop.json" check >"$tmp/replay.txt"
cmp -s "$tmp/replay.txt" "$tmp/desktop.txt" && echo "ok: the snapshot replays the same check" ||
        { echo "FAIL: the replayed check differs"; diff "$tmp/desktop.txt" "$tmp/replay.txt" | head; fails=$((fails + 1)); }

# The desktop's GPU named: it and its audio are judged (not bound to vfio-pci), each with the fix.
check named-on-nvidia desktop 1 '
v == {"0000:01:00.0": "blocked", "0000:01:00.1": "blocked"} and set(ids) == {"not-bound-to-vfio"}
' 01:00.0

# A vfio-pci ids= setting that did not take: the card is meant for a VM, so check judges it unasked.
check nvidia-ids gpu-on-nvidia 1 '
v == {"0000:0b:00.0": "blocked", "0000:0b:00.1": "blocked"} and ids[0] == "vfio-ids-not-applied"
'

# An address the host does not have: judged all the same (a wrong host= of a VM's configuration).
check absent desktop 1 'v == {"0000:09:00.0": "absent"} and ids[0] == "wrong-host-address"' 09:00.0
expect 2 "is not a PCI address" -- "$bin" --sysroot "$fx/desktop" check 01:00
finish
