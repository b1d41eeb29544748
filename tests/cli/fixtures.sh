#!/usr/bin/env bash
# The probes against fixture trees that reproduce real host layouts (tests/fixtures/build.sh):
# 'check' names the cause a person debugging that host would name first, with the real device,
# group, driver and user; 'groups' lists the groups; probes never write; hostile addresses never
# reach a path; an unprivileged run gives reduced but correct results.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
build_fixtures

# first FIXTURE "ID DEVICE" [ADDRESS...]: check's rank-1 cause.
first() {
        local name=$1 want=$2
        shift 2
        "$bin" --rules "$rules" --sysroot "$fx/$name" --format json check "$@" >"$tmp/out.json" 2>"$tmp/err"
        local got
        got=$(python3 - "$tmp/out.json" <<'PY'
import json, sys
causes = json.load(open(sys.argv[1]))["causes"]
print(f'{causes[0]["id"]} {causes[0]["device"] or "-"}' if causes else "none")
PY
)
        if [ "$got" != "$want" ]; then
                echo "FAIL: $name check $*: first cause '$got', want '$want'"; cat "$tmp/err"; fails=$((fails + 1))
        else
                echo "ok: $name: $got"
        fi
}

first gpu-audio-companion "group-companion-unbound 0000:01:00.0" 0000:01:00.0
first group-shared-usb-sata "group-shared-no-acs 0000:03:00.0" 0000:03:00.0
first iommu-off-firmware "iommu-off-firmware -" 0000:01:00.0
first iommu-off-kernel "iommu-off-kernel -" 0000:01:00.0
first gpu-on-nvidia "vfio-ids-not-applied -" 0000:0b:00.0
first gpu-on-amdgpu "not-bound-to-vfio 0000:0c:00.0" 0000:0c:00.0
first efifb-owns-bar "framebuffer-owns-bar -" 0000:01:00.0
first vfio-node-root-only "vfio-permission-denied 0000:01:00.0"
first memlock-64k "memlock-limit -"
first bridge-address "device-is-bridge 0000:00:01.0" 0000:00:01.0
first no-interrupt-remapping "interrupt-remapping-missing -"
first healthy-vfio "none"
# With no address, check looks at the devices the host does not use: not at bridges or the IOMMU's own
# PCI function (AMD's 00:00.2 has no group and no reset, and is no candidate).
first group-shared-usb-sata "none"
first gpu-on-nvidia "vfio-ids-not-applied -"
first healthy-vfio "wrong-host-address 0000:09:00.0" 0000:09:00.0

# A running QEMU whose own user may not open its device's group node.
cp -a "$fx/memlock-64k" "$tmp/qemu-node"
chmod 0600 "$tmp/qemu-node/dev/vfio/1"
if [ "$(id -u)" -eq 0 ]; then
        chown 0:0 "$tmp/qemu-node/dev/vfio/1"
        "$bin" --rules "$rules" --sysroot "$tmp/qemu-node" check --full >"$tmp/qn"
        grep -q 'not openable by 1000 (owner root:root mode 0600) as QEMU pid 4242 runs' "$tmp/qn" &&
                grep -q 'sudo chown 1000 /dev/vfio/1' "$tmp/qn" ||
                { echo "FAIL: QEMU process access"; cat "$tmp/qn"; fails=$((fails + 1)); }
else
        echo "FAIL: the QEMU-process access case needs root to chown the fixture node (run the suite as root)"
        fails=$((fails + 1))
fi

# A DMA fault names the VM that has the device: the running QEMU (pid 4242, "-name win10") holds
# 01:00.0 and 01:00.1. Format: linux drivers/iommu/intel/dmar.c dmar_fault_do_one().
printf '%s\n' '[ 1534.002871] DMAR: [DMA Read NO_PASID] Request device [01:00.1] fault addr 0x7f3c2000 [fault reason 0x06] PTE Read access is not set' >"$tmp/fault.log"
"$bin" --rules "$rules" --sysroot "$fx/memlock-64k" snapshot -o "$tmp/fault.snap"
for how in "--sysroot $fx/memlock-64k" "--snapshot $tmp/fault.snap"; do
        # shellcheck disable=SC2086
        "$bin" --rules "$rules" $how --format json "$tmp/fault.log" >"$tmp/fault.json"
        python3 - "$tmp/fault.json" <<'PY' || { echo "FAIL: DMA fault VM ($how)"; cat "$tmp/fault.json"; fails=$((fails + 1)); }
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["causes"] if c["id"] == "iommu-dma-fault"]
assert c and c[0]["device"] == "0000:01:00.1" and c[0]["vm"] == {"name": "win10", "pid": 4242}, c
PY
done
"$bin" --rules "$rules" --sysroot "$fx/memlock-64k" "$tmp/fault.log" >"$tmp/fault.txt"
"$bin" --rules "$rules" --sysroot "$fx/memlock-64k" --format markdown "$tmp/fault.log" >"$tmp/fault.md"
grep -qx '   vm: win10 (QEMU pid 4242)' "$tmp/fault.txt" && grep -qF -- '- **VM:** ` win10 ` (QEMU pid 4242)' "$tmp/fault.md" ||
        { echo "FAIL: DMA fault VM in text/markdown"; cat "$tmp/fault.txt" "$tmp/fault.md"; fails=$((fails + 1)); }
"$bin" --rules "$rules" --no-probe --format json "$tmp/fault.log" | grep -q '"vm"' &&
        { echo "FAIL: a VM named without probes"; fails=$((fails + 1)); }
echo "ok: DMA fault tied to its VM"

# A QEMU with CAP_IPC_LOCK in its effective set (root) is not held to RLIMIT_MEMLOCK by vfio_iommu_type1
# (vfio_dma_do_map() records capable(CAP_IPC_LOCK)): its low limit is no cause. The lab's root QEMU
# ran with 1 MiB and passed its device. fs/proc/array.c render_cap_t(): 16 hex digits.
for caps in 000001ffffffffff:none 0000000000000000:memlock-limit; do
        cp -a "$fx/memlock-64k" "$tmp/capeff"
        printf 'CapInh:\t0000000000000000\nCapPrm:\t%s\nCapEff:\t%s\n' "${caps%%:*}" "${caps%%:*}" \
                >>"$tmp/capeff/proc/4242/status"
        "$bin" --rules "$rules" --sysroot "$tmp/capeff" --format json check >"$tmp/ce.json"
        got=$(python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(open(sys.argv[1]))["causes"] if c["id"] == "memlock-limit") or "none")' "$tmp/ce.json")
        [ "$got" = "${caps#*:}" ] || { echo "FAIL: CapEff ${caps%%:*}: memlock causes '$got', want '${caps#*:}'"; fails=$((fails + 1)); }
        rm -rf "$tmp/capeff"
done

# With the softdep already in modprobe.d, vfioexplain does not ask for it again.
cp -a "$fx/gpu-on-nvidia" "$tmp/softdep"
printf 'softdep nvidia pre: vfio-pci\n' >"$tmp/softdep/etc/modprobe.d/nvidia-softdep.conf"
"$bin" --rules "$rules" --sysroot "$tmp/softdep" check 0000:0b:00.0 >"$tmp/sd"
grep -q 'driverctl set-override 0000:0b:00.0 vfio-pci' "$tmp/sd" && ! grep -q "echo 'softdep nvidia pre: vfio-pci'" "$tmp/sd" ||
        { echo "FAIL: softdep already present"; cat "$tmp/sd"; fails=$((fails + 1)); }
"$bin" --rules "$rules" --sysroot "$fx/gpu-on-nvidia" check 0000:0b:00.0 >"$tmp/nsd"
grep -q "echo 'softdep nvidia pre: vfio-pci' | sudo tee -a /etc/modprobe.d/vfio-softdep.conf" "$tmp/nsd" ||
        { echo "FAIL: softdep missing"; cat "$tmp/nsd"; fails=$((fails + 1)); }

# The fixes name the real device, group, driver and user.
"$bin" --rules "$rules" --sysroot "$fx/gpu-audio-companion" check 0000:01:00.0 >"$tmp/t1"
grep -q 'echo vfio-pci | sudo tee /sys/bus/pci/devices/0000:01:00.1/driver_override' "$tmp/t1" &&
        grep -q 'from snd_hda_intel to vfio-pci' "$tmp/t1" || { echo "FAIL: companion fix"; cat "$tmp/t1"; fails=$((fails + 1)); }
"$bin" --rules "$rules" --sysroot "$fx/vfio-node-root-only" check >"$tmp/t2"
grep -q 'sudo chown libvirt-qemu /dev/vfio/12' "$tmp/t2" || { echo "FAIL: permission fix"; cat "$tmp/t2"; fails=$((fails + 1)); }

# explain correlates a log with the host: the QEMU line names the device, the host says why.
printf 'qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: group 1 is not viable\n' >"$tmp/q.log"
"$bin" --rules "$rules" --sysroot "$fx/gpu-audio-companion" --format json "$tmp/q.log" >"$tmp/e.json"
python3 - "$tmp/e.json" <<'PY' || fails=$((fails + 1))
import json, sys
c = json.load(open(sys.argv[1]))["causes"]
assert c[0]["id"] == "group-companion-unbound" and c[0]["confidence"] == "confirmed", c[0]
srcs = {e["source"] for e in c[0]["evidence"]}
assert srcs == {"qemu", "probe"}, srcs
assert all(x["id"] != "group-shared-no-acs" for x in c), [x["id"] for x in c]
print("ok: explain with probes: one confirmed cause, evidence from qemu and probe")
PY

# groups lists members, drivers and viability.
"$bin" --sysroot "$fx/gpu-audio-companion" groups >"$tmp/g"
grep -q '^IOMMU group 1: not viable' "$tmp/g" &&
        grep -q '^  \* 0000:01:00.1  Audio device \[0403\]  *snd_hda_intel  *snd_hda_intel  *NVIDIA Corporation GP104 High Definition Audio Controller \[10de:10f0\]$' "$tmp/g" ||
        { echo "FAIL: groups"; cat "$tmp/g"; fails=$((fails + 1)); }
"$bin" --sysroot "$fx/healthy-vfio" --format json groups | python3 -c 'import json,sys; g=json.load(sys.stdin)["groups"]; assert any(x["viable"] for x in g), g' ||
        { echo "FAIL: groups json"; fails=$((fails + 1)); }

# Probes never write: a read-only copy of a fixture gives the same answer and stays byte-identical.
cp -a "$fx/gpu-audio-companion" "$tmp/ro"
chmod -R a-w "$tmp/ro"
(cd "$tmp/ro" && find . -printf '%p %m %s %T@\n' | sort) >"$tmp/before"
"$bin" --rules "$rules" --sysroot "$tmp/ro" check 0000:01:00.0 >"$tmp/ro.out"
"$bin" --sysroot "$tmp/ro" groups >/dev/null
(cd "$tmp/ro" && find . -printf '%p %m %s %T@\n' | sort) >"$tmp/after"
diff -q "$tmp/before" "$tmp/after" >/dev/null || { echo "FAIL: a probe changed the tree"; fails=$((fails + 1)); }
grep -q group-companion-unbound "$tmp/ro.out" || { echo "FAIL: read-only tree"; fails=$((fails + 1)); }
chmod -R u+w "$tmp/ro"

# A snapshot replays every command exactly as on that host, from anywhere.
for name in gpu-audio-companion vfio-node-root-only efifb-owns-bar; do
        "$bin" --sysroot "$fx/$name" snapshot -o "$tmp/$name.snap" || { echo "FAIL: snapshot $name"; fails=$((fails + 1)); }
        for cmd in "check 0000:01:00.0" "groups" "--format json groups"; do
                "$bin" --rules "$rules" --sysroot "$fx/$name" $cmd >"$tmp/live" 2>&1
                "$bin" --rules "$rules" --snapshot "$tmp/$name.snap" $cmd >"$tmp/replay" 2>&1
                diff -u "$tmp/live" "$tmp/replay" >/dev/null || { echo "FAIL: $name $cmd differs on replay"; diff -u "$tmp/live" "$tmp/replay" | head; fails=$((fails + 1)); }
        done
        "$bin" --rules "$rules" --snapshot "$tmp/$name.snap" "$tmp/q.log" >"$tmp/replay" 2>&1
        "$bin" --rules "$rules" --sysroot "$fx/$name" "$tmp/q.log" >"$tmp/live" 2>&1
        diff -q "$tmp/live" "$tmp/replay" >/dev/null || { echo "FAIL: $name explain differs on replay"; fails=$((fails + 1)); }
done
echo "ok: snapshots replay"
# What the probes read besides causes: the bridge above a device and its ACS, names, boot config.
"$bin" --sysroot "$fx/group-shared-usb-sata" snapshot -o "$tmp/shared.snap"
python3 - "$tmp/shared.snap" <<'PY' || fails=$((fails + 1))
import json, sys
f = json.load(open(sys.argv[1]))
d = {x["address"]: x for x in f["devices"]}
assert d["0000:03:00.0"]["upstream"] == "0000:02:00.0", d["0000:03:00.0"]
assert d["0000:02:00.0"]["acs"] == "absent", d["0000:02:00.0"]
assert d["0000:03:00.0"]["group"] == 14 and d["0000:03:00.0"]["driver"] == "igb"
print("ok: upstream bridge and its missing ACS recorded")
PY

# A snapshot is untrusted input: a bad one is one clear line and exit 2.
python3 - "$tmp/gpu-audio-companion.snap" "$tmp" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
def w(name, mutate):
    t = json.loads(json.dumps(s)); mutate(t); open(f"{sys.argv[2]}/{name}.snap", "w").write(json.dumps(t))
w("bad-address", lambda t: t["devices"][0].update(address="../../etc"))
w("bad-version", lambda t: t.update(version=2))
w("bad-control", lambda t: t.update(os_pretty="x\u001b[2Jy"))
w("bad-node", lambda t: t["vfio_container"].update(path="/etc/shadow"))
w("bad-node-dotdot", lambda t: t["kvm"].update(path="/dev/../etc/shadow"))
w("bad-type", lambda t: t.update(devices={}))
PY
expect 2 'snapshot: devices\[\]\.address: not a PCI address' -- "$bin" --snapshot "$tmp/bad-address.snap" groups
expect 2 'snapshot: version' -- "$bin" --snapshot "$tmp/bad-version.snap" groups
expect 2 'snapshot: os_pretty: holds a control character' -- "$bin" --snapshot "$tmp/bad-control.snap" groups
expect 2 'snapshot: vfio_container\.path: not a /dev path' -- "$bin" --snapshot "$tmp/bad-node.snap" groups
expect 2 'snapshot: kvm\.path: not a /dev path' -- "$bin" --snapshot "$tmp/bad-node-dotdot.snap" groups
expect 2 'snapshot: devices: not an array' -- "$bin" --snapshot "$tmp/bad-type.snap" groups
# Random bytes after a first byte that can start no JSON text: random alone began with "{" once in 256 runs
# and got another error.
{ printf '\211\000'; head -c 4998 /dev/urandom; } >"$tmp/junk.snap"
expect 2 'snapshot: not a JSON object' -- "$bin" --snapshot "$tmp/junk.snap" groups
expect 2 'nonexistent.snap: No such file or directory' -- "$bin" --snapshot "$tmp/nonexistent.snap" groups

# Hostile addresses never reach a path.
for a in ../../etc/passwd 0000:01:00.0/../../x "0000:01:00.0 " 00000000000:01:00.0 0000:01:00.8 $'0000:01:00.0\n'; do
        expect 2 'is not a PCI address' -- "$bin" --rules "$rules" --sysroot "$fx/healthy-vfio" check "$a"
done
# A symlink that points out of the root is resolved inside it, never outside.
mkdir -p "$tmp/esc/etc" && ln -s /etc/os-release "$tmp/esc/etc/os-release.host" && ln -s ../../../../../../etc/passwd "$tmp/esc/etc/os-release"
"$bin" --rules "$rules" --sysroot "$tmp/esc" --format json check | python3 -c 'import json,sys; f=json.load(sys.stdin)["facts"]; assert f["os_release"] != "present", f' ||
        { echo "FAIL: a symlink led out of the root"; fails=$((fails + 1)); }

# An unprivileged user gets reduced but correct results.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
        chmod -R a+rX "$fx" "$tmp"
        setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --rules "$rules" --sysroot "$fx/gpu-audio-companion" \
                check 0000:01:00.0 >"$tmp/nobody" 2>&1
        grep -q group-companion-unbound "$tmp/nobody" || { echo "FAIL: unprivileged run"; cat "$tmp/nobody"; fails=$((fails + 1)); }
fi
finish
