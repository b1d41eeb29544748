#!/usr/bin/env bash
# vfioexplain report: the bug-ticket document for fixture hosts (tests/fixtures/build.sh) and real log
# samples of the corpus, compared byte for byte with tests/golden/report (VX_UPDATE_GOLDEN=1 rewrites
# them); --redact leaves none of a host's secrets in the Markdown or the JSON; the embedded snapshot
# replays; the Markdown cannot be broken out of by what a log or host holds.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
golden="$src/tests/golden/report"
# Relative paths and a fixed date: the documents do not depend on where or when the test runs.
cd "$tmp" || exit 1
mkdir -p fixtures logs
bash "$src/tests/fixtures/build.sh" fixtures >build.log 2>&1 || { echo "FAIL: fixtures/build.sh"; cat build.log; exit 1; }
export SOURCE_DATE_EPOCH=1795435200 TZ=UTC

# same FILE: compares with the golden of that name (or writes it).
same() {
        if [ "${VX_UPDATE_GOLDEN:-}" = 1 ]; then
                cp "$1" "$golden/$1"
                echo "updated: tests/golden/report/$1"
        elif ! diff -u "$golden/$1" "$1" >"$1.diff"; then
                echo "FAIL: $1 differs from tests/golden/report/$1:"; head -40 "$1.diff"; fails=$((fails + 1))
        else
                echo "ok: $1 as its golden"
        fi
}

# doc NAME FIXTURE CORPUS-CASE: the report of that case's logs on that fixture host, Markdown and JSON.
doc() {
        local name=$1 fixture=$2 case=$3
        mkdir -p "logs/$name"
        cp "$src/corpus/$case/"*.log "logs/$name/"
        "$bin" --rules "$rules" --sysroot "fixtures/$fixture" report logs/"$name"/*.log >"$name.md" 2>"$name.err"
        [ $? -eq 1 ] || { echo "FAIL: report $name: exit status"; cat "$name.err"; fails=$((fails + 1)); }
        "$bin" --rules "$rules" --sysroot "fixtures/$fixture" --format json report logs/"$name"/*.log >"$name.json"
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["version"] == 1 and d["causes"] and d["report"]["host"] and "groups" in d["report"], d.keys()' "$name.json" ||
                { echo "FAIL: $name.json"; fails=$((fails + 1)); }
        same "$name.md"
        same "$name.json"
}
doc permission-denied vfio-node-root-only vfio-permission-denied-1-qemu-as-user
doc gpu-companion gpu-audio-companion group-companion-unbound-1-gtx1080-hdmi-audio
doc dma-fault memlock-64k iommu-dma-fault-1-intel-pte-read

# A host whose name, user, machine id and logs carry secrets. Formats: journalctl's short output of an
# AppArmor denial (security/apparmor/lib.c via the audit subsystem; libvirt names profiles libvirt-UUID),
# QEMU's hw/pci/pci.c pci_add_option_rom() "failed to find romfile".
cp -a fixtures/vfio-node-root-only fixtures/secrets
mkdir -p fixtures/secrets/proc/sys/kernel
echo ws-alice-7 >fixtures/secrets/proc/sys/kernel/hostname
echo 5c1e2b7d9a0f4e3b8c6d1a2f3e4b5c6d >fixtures/secrets/etc/machine-id
mkdir -p logs/secrets
cat >logs/secrets/journal.log <<'LOG'
Nov 23 10:00:03 ws-alice-7 kernel: audit: type=1400 audit(1732356003.456:245): apparmor="DENIED" operation="open" class="file" profile="libvirt-3f1c2a4e-8d6b-4b8e-9c1a-2f6d5e7a9b10" name="/dev/vfio/12" pid=4711 comm="qemu-system-x86" requested_mask="wr" denied_mask="wr" fsuid=64055 ouid=0
LOG
cat >logs/secrets/qemu.log <<'LOG'
qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,romfile=/home/alex/vbios.rom: failed to find romfile "/home/alex/vbios.rom"
LOG
secrets="ws-alice-7 alex 5c1e2b7d9a0f4e3b8c6d1a2f3e4b5c6d 3f1c2a4e-8d6b-4b8e-9c1a-2f6d5e7a9b10 6f2a1c3e-8d4b-4e51-9a7c-2b0d5e9f1a44"
for fmt in markdown json; do
        "$bin" --rules "$rules" --sysroot fixtures/secrets --format $fmt report logs/secrets/*.log >"plain.$fmt"
        "$bin" --rules "$rules" --sysroot fixtures/secrets --format $fmt report --redact logs/secrets/*.log >"redacted.$fmt"
        for s in $secrets; do
                # Each secret is in the plain report (so this test can fail) and in no redacted one.
                grep -q -- "$s" "plain.$fmt" || { echo "FAIL: $fmt: '$s' is not even in the plain report"; fails=$((fails + 1)); }
                if grep -n -- "$s" "redacted.$fmt"; then echo "FAIL: $fmt --redact: '$s' left in"; fails=$((fails + 1)); fi
        done
done
grep -q '^> Redacted for sharing: 1 host name, 1 user name, 2 UUIDs, 1 machine or boot id\. ' redacted.markdown ||
        { echo "FAIL: the redaction note"; grep -n Redacted redacted.markdown; fails=$((fails + 1)); }
python3 - redacted.json <<'PY' || { echo "FAIL: redacted JSON"; fails=$((fails + 1)); }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["report"]["redacted"] == {"host": 1, "user": 1, "mac": 0, "serial": 0, "uuid": 2, "id": 1}, d["report"]["redacted"]
PY
cp redacted.markdown secrets-redacted.md
same secrets-redacted.md
cp redacted.json secrets-redacted.json
same secrets-redacted.json
# Judged from the logs alone: no host of the document is this one.
"$bin" --rules "$rules" --no-probe --format json report logs/secrets/*.log >no-probe.json
same no-probe.json

# The snapshot embedded in a (redacted) report replays.
python3 - redacted.markdown >replay.json <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"<summary>Host snapshot.*?</summary>\n\n(`{3,})json\n(.*?)\n\1\n", t, re.S)
sys.stdout.write(m.group(2) if m else "")
PY
if [ -s replay.json ] && "$bin" --snapshot replay.json groups | grep -q '0000:01:00.0  .*\[144d:a808\]$'; then
        echo "ok: the embedded snapshot replays"
else
        echo "FAIL: the embedded snapshot does not replay"; fails=$((fails + 1))
fi

# Markdown from hostile input: a log line full of markup stays inside its code block.
# (QEMU hw/pci/pci.c pci_add_option_rom(), with a file name chosen to break Markdown.)
printf '%s\n' 'qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,romfile=/tmp/x````</details><script>x</script>|.rom: failed to find romfile "/tmp/x````</details><script>x</script>|.rom"' >logs/hostile.log
"$bin" --rules "$rules" --sysroot fixtures/vfio-node-root-only report logs/hostile.log >hostile.md
python3 - hostile.md <<'PY' || { echo "FAIL: hostile markup escaped its code block"; fails=$((fails + 1)); }
import re, sys
fence, seen = None, 0
for line in open(sys.argv[1]).read().splitlines():
    m = re.match(r"^(`{3,})", line)
    if fence is None and m:
        fence = m.group(1)
    elif fence is not None and line == fence:
        fence = None
    elif "<script>" in line:
        seen += 1
        if fence is None:
            raise SystemExit(f"outside a code block: {line}")
assert seen >= 2, f"the hostile line is missing from the report ({seen})"
PY

# Issue 24 #12: a redactor holds VX_REDACT_VALUES_MAX (4096) distinct values. Permission denied on DEVICES
# devices (QEMU hw/vfio/container.c vfio_get_group()), 16 lines each, each line's option string holding 20
# UUIDs of its own: 8 devices (2560 values) are redacted, all of them; 16 (5120) are refused before anything is
# written (once 106 KB of JSON, then "out of memory", exit 3).
many_uuids() {
        python3 - "$1" <<'PY'
import random, sys, uuid
r = random.Random(int(sys.argv[1]))
for d in range(1, int(sys.argv[1]) + 1):
    for k in range(16):
        ids = ",".join("x%d=%s" % (j, uuid.UUID(int=r.getrandbits(128))) for j in range(20))
        print("qemu-system-x86_64: -device vfio-pci,host=0000:%02x:00.0,%s: vfio 0000:%02x:00.0: failed to open "
              "/dev/vfio/%d: Permission denied" % (d, ids, d, d + 11))
PY
}
many_uuids 8 >logs/uuids-8.log
many_uuids 16 >logs/uuids-16.log
for fmt in markdown json; do
        "$bin" --rules "$rules" --no-probe --format $fmt report --redact logs/uuids-8.log >uuids-8.$fmt 2>uuids.err
        status=$?
        if [ $status -ne 1 ] || grep -Eq '[0-9a-f]{8}-[0-9a-f]{4}-' uuids-8.$fmt ||
                [ "$(grep -o 'redacted-uuid-[0-9]*' uuids-8.$fmt | sort -u | wc -l)" -ne 2560 ]; then
                echo "FAIL: report --redact ($fmt) of 2560 UUIDs: exit $status, or not each its own token"
                cat uuids.err
                fails=$((fails + 1))
        fi
        "$bin" --rules "$rules" --no-probe --format $fmt report --redact logs/uuids-16.log >uuids-16.$fmt 2>uuids.err
        status=$?
        if [ $status -ne 2 ] || [ -s uuids-16.$fmt ] || [ "$(wc -l <uuids.err)" -ne 1 ] ||
                ! grep -q 'more than 4096 distinct values to redact; nothing written' uuids.err; then
                echo "FAIL: report --redact ($fmt) of 5120 UUIDs: exit $status (want 2), $(wc -c <uuids-16.$fmt) bytes written (want none)"
                cat uuids.err
                fails=$((fails + 1))
        else
                echo "ok: report --redact ($fmt): 2560 UUIDs redacted, 5120 refused before writing"
        fi
done

# snapshot --redact: the same kinds and tokens as report --redact, none of the host's name, machine id or
# user names left (each is in the plain snapshot, so this can fail), and the redacted snapshot replays.
mkdir -p fixtures/secrets/home/alex
"$bin" --sysroot fixtures/secrets snapshot -o plain-snapshot.json
"$bin" --sysroot fixtures/secrets snapshot --redact -o redacted-snapshot.json
for s in ws-alice-7 alex 5c1e2b7d9a0f4e3b8c6d1a2f3e4b5c6d 6f2a1c3e-8d4b-4e51-9a7c-2b0d5e9f1a44; do
        grep -q -- "$s" plain-snapshot.json || { echo "FAIL: '$s' is not in the plain snapshot"; fails=$((fails + 1)); }
        if grep -n -- "$s" redacted-snapshot.json; then echo "FAIL: snapshot --redact: '$s' left in"; fails=$((fails + 1)); fi
done
python3 - redacted-snapshot.json redacted.markdown <<'PY' || { echo "FAIL: the redacted snapshot's tokens"; fails=$((fails + 1)); }
import json, re, sys
snap = json.load(open(sys.argv[1]))
assert snap["system"]["hostname"] == "[redacted-host-1]", snap["system"]["hostname"]
assert snap["system"]["users"] == ["[redacted-user-1]"], snap["system"]["users"]
assert snap["machine_id"] == "[redacted-id-1]", snap["machine_id"]
# The report names the same host and user with the same tokens.
doc = open(sys.argv[2]).read()
assert "[redacted-host-1]" in doc and "[redacted-user-1]" in doc
PY
if "$bin" --snapshot redacted-snapshot.json groups | grep -q '0000:01:00.0'; then
        echo "ok: snapshot --redact leaves no secret, and replays"
else
        echo "FAIL: the redacted snapshot does not replay"; fails=$((fails + 1))
fi
# snapshot -o FILE that fails on its way (here its root cannot be opened; the redaction's limit, out of memory
# and a probe's failure take the same path) leaves no FILE, or the one that was there as it was, and says why
# in one line (issue 22: it once left an empty FILE). A FILE is written only once its document is whole.
rm -f failed-snapshot.json
expect 2 'cannot open as the system root' -- "$bin" --sysroot "$tmp/no-such-root" snapshot --redact -o failed-snapshot.json
[ ! -e failed-snapshot.json ] || { echo "FAIL: a failed snapshot -o left a file behind"; fails=$((fails + 1)); }
echo '{"previous": true}' >failed-snapshot.json
expect 2 'cannot open as the system root' -- "$bin" --sysroot "$tmp/no-such-root" snapshot -o failed-snapshot.json
[ "$(cat failed-snapshot.json)" = '{"previous": true}' ] && echo "ok: a failed snapshot -o leaves the previous FILE" ||
        { echo "FAIL: a failed snapshot -o changed the FILE that was there"; fails=$((fails + 1)); }
expect 2 'no-such-dir' -- "$bin" --sysroot fixtures/secrets snapshot -o "$tmp/no-such-dir/s.json"
"$bin" --sysroot fixtures/secrets snapshot -o failed-snapshot.json && cmp -s failed-snapshot.json plain-snapshot.json &&
        [ "$(stat -c %u failed-snapshot.json)" = "$(id -u)" ] && echo "ok: snapshot -o replaces FILE once whole" ||
        { echo "FAIL: snapshot -o over an older FILE is not the snapshot"; fails=$((fails + 1)); }
# A desktop's snapshot (here 75 more PCI functions) is too large to embed: the redacted report points to
# the redacted snapshot only, the plain one to the plain.
cp -a fixtures/secrets fixtures/big
for i in $(seq 16 90); do
        a=$(printf '0000:%02x:00.0' "$i") d=fixtures/big/sys/devices/pci0000:00/$(printf '0000:%02x:00.0' "$i")
        mkdir -p "$d"
        echo 0x8086 >"$d/vendor"; echo 0x15f3 >"$d/device"; echo 0x020000 >"$d/class"
        echo 0x0000 >"$d/subsystem_vendor"; echo 0x0000 >"$d/subsystem_device"
        ln -s "../../../devices/pci0000:00/$a" "fixtures/big/sys/bus/pci/devices/$a"
done
"$bin" --rules "$rules" --sysroot fixtures/big report --redact logs/secrets/*.log >big-redacted.md
"$bin" --rules "$rules" --sysroot fixtures/big report logs/secrets/*.log >big.md
grep -q 'too large to embed here: `vfioexplain snapshot --redact -o host.json` writes it' big-redacted.md &&
        grep -q 'too large to embed here: `vfioexplain snapshot -o host.json` writes it' big.md &&
        echo "ok: a redacted report points only to a redacted snapshot" ||
        { echo "FAIL: the too-large note"; grep -n 'too large' big-redacted.md big.md; fails=$((fails + 1)); }

# --redact belongs to report and snapshot; report takes no text output.
expect 2 "--redact is an option of 'vfioexplain report' and 'vfioexplain snapshot'" -- "$bin" --redact check
finish
