#!/usr/bin/env bash
# --incus NAME: an incus VM on a fixture host (tests/fixtures/build.sh), its configuration as incus writes it
# beside the instance (/var/lib/incus/virtual-machines/NAME/backup.yaml: the api.Instance under "container:",
# with expanded_devices) or as `incus config show --expanded NAME` prints it (--incus-config FILE), and QEMU's
# stderr of its last start in /var/log/incus/NAME/qemu.early.log. One instance per failure, each run through
# explain, check and report, with the first cause, its device and the fix expected exactly, and no fix in
# libvirt's terms.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
build_fixtures

# devices_yaml INDENT DEVICE-LINES...: a devices map as incus's YAML writer lays it out ("gpu0:" then its keys
# sorted, each "key: value"); a DEVICE-LINE is "NAME k=v k=v".
devices_yaml() {
        local pad=$1
        shift
        for dev in "$@"; do
                set -- $dev
                printf '%s%s:\n' "$pad" "$1"
                shift
                for kv in "$@"; do printf '%s  %s: %s\n' "$pad" "${kv%%=*}" "${kv#*=}"; done | LC_ALL=C sort
        done
}

# instance ROOT NAME DEVICE-LINES...: ROOT a copy of a fixture host with instance NAME's backup.yaml
# (internal/server/storage/backend.go UpdateInstanceBackupFile()), its own devices in a profile's place.
instance() {
        local root=$1 name=$2
        shift 2
        local dir="$tmp/$root/var/lib/incus/virtual-machines/$name"
        mkdir -p "$dir" "$tmp/$root/var/log/incus/$name"
        {
                printf '%s\n' 'container:' '  architecture: x86_64' '  config:' '    limits.cpu: "8"' \
                        '    limits.memory: 16GiB' '    raw.qemu.conf: |-' '      [device "dev-incus_gpu0"]' \
                        '      host: "0000:99:00.0"' '  devices:' '    root:' '      path: /' '      pool: default' \
                        '      size: 64GiB' '      type: disk' '  ephemeral: false' '  profiles:' '  - default' \
                        '  stateful: false' '  description: ""' '  expanded_devices:' '    eth0:' '      name: eth0' \
                        '      network: incusbr0' '      type: nic'
                devices_yaml '    ' "$@"
                printf '%s\n' '    root:' '      path: /' '      pool: default' '      type: disk' "  name: $name" \
                        '  status: Stopped' '  status_code: 102' '  type: virtual-machine' '  project: default' \
                        'pool:' '  name: default' '  driver: dir'
        } >"$dir/backup.yaml"
}

# first ROOT NAME "ID DEVICE" [PYTHON-ASSERTION] [COMMAND] [OPTIONS...]: the rank-1 cause of
# `vfioexplain [COMMAND] --incus NAME` (JSON), and optionally more about the causes (the python list c).
first() {
        local root=$1 name=$2 want=$3 extra=${4:-} cmd=${5:-}
        shift 5 2>/dev/null || shift $#
        "$bin" $cmd --sysroot "$tmp/$root" --incus "$name" "$@" --format json </dev/null >"$tmp/out.json" 2>"$tmp/err"
        local got
        got=$(python3 - "$tmp/out.json" "$extra" <<'PY'
import json, sys
try:
    c = json.load(open(sys.argv[1]))["causes"]
except Exception as e:
    print(f"no JSON ({e})"); sys.exit(0)
first = f'{c[0]["id"]} {c[0]["device"] or "-"}' if c else "none"
fix = lambda i: [f["command"] for f in c[i]["fix"]]
ev = lambda i: [e["text"] for e in c[i]["evidence"]]
try:
    assert not any("virsh" in f["command"] or "qm " in f["command"] for x in c for f in x["fix"]), "a fix runs virsh or qm"
    if sys.argv[2]:
        assert eval(sys.argv[2]), sys.argv[2]
except Exception as e:
    first += f" (but {e!r} does not hold)"
print(first)
PY
)
        if [ "$got" != "$want" ]; then
                echo "FAIL: $root ${cmd:-explain} --incus $name $*: first cause '$got', want '$want'"; sed 's/^/  stderr: /' "$tmp/err"
                fails=$((fails + 1))
        else
                echo "ok: $root ${cmd:-explain} --incus $name $*: $got"
        fi
}
every() {
        first "$1" "$2" "$3" "$4"
        first "$1" "$2" "$3" "" check
        first "$1" "$2" "$3" "" report
}

# The card moved (a new NVMe drive took bus 0a): pci= names an address the host lacks.
cp -a "$fx/healthy-vfio" "$tmp/moved"
instance moved win11 'gpu0 pci="0000:0a:00.0" type=gpu'
every moved win11 "wrong-host-address 0000:0a:00.0" \
        '"incus win11: device gpu0 0000:0a:00.0: absent" in ev(0) and "incus config device show win11" in fix(0)'

# A GPU named by pci= takes its card's other functions in its group with it (incus binds and passes them):
# the GTX 1080's HDMI audio on snd_hda_intel is no fault, and the healthy host has none.
cp -a "$fx/gpu-audio-companion" "$tmp/gpucard"
instance gpucard win11 'gpu0 pci=0000:01:00.0 type=gpu'
first gpucard win11 "none"
# The same function as a device of type pci is passed alone: its audio function stays on snd_hda_intel.
cp -a "$fx/gpu-audio-companion" "$tmp/pcionly"
instance pcionly win11 'gpu0 address=01:00.0 type=pci'
every pcionly win11 "group-companion-unbound 0000:01:00.0" \
        '"incus config device add win11 gpu0-0000:01:00.1 pci address=0000:01:00.1" in fix(0)'

# A controller whose IOMMU group holds the host's SATA and USB controllers.
cp -a "$fx/group-shared-usb-sata" "$tmp/shared"
instance shared nas 'hba address=0000:03:00.0 type=pci'
first shared nas "group-shared-no-acs 0000:03:00.0" \
        'any(t.startswith("incus nas: device hba 0000:03:00.0 group 14: member ") for t in ev(0))'

# A gpu chosen by its ids: none of the host's GPUs has them; or two do (the iGPU and the GTX 1080 both match a
# device with no ids at all).
cp -a "$fx/healthy-vfio" "$tmp/ids"
instance ids win11 'gpu0 productid=2206 type=gpu vendorid=10de'
every ids win11 "wrong-host-address -" '"incus win11: device gpu0: no GPU of the host matches vendorid=10de productid=2206" in ev(0)'
instance ids any 'gpu0 gputype=physical type=gpu'
first ids any "wrong-host-address 0000:00:02.0" \
        '"incus config device set any gpu0 pci=0000:00:02.0" in fix(0)'
# Matched by its ids, the card is judged as if pci= named it.
instance ids right 'gpu0 productid=1b80 type=gpu vendorid=10de'
first ids right "none"

# A gpu that incus gives without passing the card (fixture gpu-sriov-gvt): gputype mdev, a GVT-g vGPU of the
# Coffee Lake iGPU 00:02.0 (types i915-GVTg_V5_4, one instance left, and i915-GVTg_V5_8); gputype sriov, a VF of
# the Flex 170 03:00.0, whose two VFs i915 holds.
cp -a "$fx/gpu-sriov-gvt" "$tmp/gvt"
instance gvt desk 'vgpu gputype=mdev mdev=i915-GVTg_V5_4 pci=0000:00:02.0 type=gpu'
every gvt desk "none" ""
instance gvt typo 'vgpu gputype=mdev mdev=i915-GVTg_V5_2 pci=0000:00:02.0 type=gpu'
every gvt typo "mdev-type-unavailable 0000:00:02.0" \
        '"incus typo: device vgpu 0000:00:02.0: mdev type i915-GVTg_V5_2: not offered (offered: i915-GVTg_V5_4 i915-GVTg_V5_8)" in ev(0) and fix(0)[0] == "incus info --resources"'
instance gvt flexmdev 'vgpu gputype=mdev mdev=i915-GVTg_V5_4 pci=0000:03:00.0 type=gpu'
first gvt flexmdev "mdev-type-unavailable 0000:03:00.0" \
        '"incus flexmdev: device vgpu 0000:03:00.0: mdev type i915-GVTg_V5_4: not offered (the card offers no mdev type)" in ev(0)'
# vendorid=8086 picks both Intel GPUs: a VM's mdev gpu takes one card.
instance gvt both 'vgpu gputype=mdev mdev=i915-GVTg_V5_4 type=gpu vendorid=8086'
first gvt both "wrong-host-address 0000:00:02.0" '"incus config device set both vgpu pci=0000:00:02.0" in fix(0)'
# Another VM's vGPU took the last instance.
cp -a "$tmp/gvt" "$tmp/gvtfull"
echo 0 >"$tmp/gvtfull/sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/available_instances"
every gvtfull desk "mdev-type-unavailable 0000:00:02.0" \
        '"incus desk: device vgpu 0000:00:02.0: mdev type i915-GVTg_V5_4: no instance available (available_instances 0)" in ev(0) and "grep -H . /sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/*/available_instances" in fix(0)'

instance gvt flex 'gpu0 gputype=sriov pci=0000:03:00.0 type=gpu'
every gvt flex "sriov-vf-unavailable 0000:03:00.0" \
        '"echo 0 | sudo tee /sys/bus/pci/devices/0000:03:00.0/sriov_drivers_autoprobe && echo 0000:03:00.1 | sudo tee /sys/bus/pci/drivers/i915/unbind" in fix(0)'
instance gvt igpuvf 'gpu0 gputype=sriov pci=0000:00:02.0 type=gpu'
first gvt igpuvf "sriov-vf-unavailable 0000:00:02.0" \
        '"incus igpuvf: device gpu0 0000:00:02.0: gputype sriov: the card has no SR-IOV (no sriov_numvfs)" in ev(0)'
# One VF freed from i915: incus takes it (vendorid=8086 also picks the iGPU, which has no SR-IOV).
cp -a "$tmp/gvt" "$tmp/vffree"
rm "$tmp/vffree/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.2/driver" "$tmp/vffree/sys/bus/pci/drivers/i915/0000:03:00.2"
instance vffree anyflex 'gpu0 gputype=sriov type=gpu vendorid=8086'
first vffree flex "none"
first vffree anyflex "none"
# No VF enabled: sriov_numvfs 0, no virtfn.
cp -a "$tmp/gvt" "$tmp/novf"
echo 0 >"$tmp/novf/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/sriov_numvfs"
rm -r "$tmp/novf/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00."[12] "$tmp/novf/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/virtfn"* \
        "$tmp/novf/sys/bus/pci/devices/0000:03:00."[12] "$tmp/novf/sys/bus/pci/drivers/i915/0000:03:00."[12] \
        "$tmp/novf/sys/kernel/iommu_groups/1"[01]"/devices/0000:03:00."[12]
first novf flex "sriov-vf-unavailable 0000:03:00.0" \
        '"incus flex: device gpu0 0000:03:00.0: gputype sriov: no VF enabled (sriov_numvfs 0)" in ev(0)'

# gputype mig is for containers only (gpu_mig.go): a VM starts without it, on any host, probed or not.
instance gvt train 'gpu0 gputype=mig mig.uuid=MIG-4d2a6c1e-0b7f-5a1e-9c3d-2f8e6b1a7c90 type=gpu'
every gvt train "device-container-only -" \
        '"incus train: device gpu0: gputype mig: for containers only, skipped at a VM'"'"'s start" in ev(0) and fix(0)[0] == "incus config device set train gpu0 gputype=physical"'

# id=: the card's DRM number (/sys/bus/pci/devices/ADDR/drm/cardN), for every gputype.
cp -a "$tmp/gvt" "$tmp/drm"
mkdir -p "$tmp/drm/sys/devices/pci0000:00/0000:00:02.0/drm/card0" "$tmp/drm/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/drm/card1" \
        "$tmp/drm/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/drm/renderD129"
instance drm byid 'gpu0 gputype=sriov id=1 type=gpu'
first drm byid "sriov-vf-unavailable 0000:03:00.0"
instance drm nocard 'gpu0 id=7 type=gpu'
every drm nocard "wrong-host-address -" '"incus nocard: device gpu0: no GPU of the host matches id=7" in ev(0)'
instance drm card0 'gpu0 id=0 type=gpu'
first drm card0 "none"

# `incus config show --expanded NAME` output saved by the user, given with --incus-config: the same devices.
cat >"$tmp/win11.yaml" <<'EOF'
architecture: x86_64
config:
  limits.memory: 16GiB
  volatile.uuid: 0c8e6c1e-3a6f-4a57-9a1d-2d6c0b8f9f11
devices:
  gpu0:
    pci: 0000:0a:00.0
    type: gpu
  root:
    path: /
    pool: default
    type: disk
ephemeral: false
profiles:
- default
stateful: false
description: ""
EOF
cp -a "$fx/healthy-vfio" "$tmp/nobackup"
first nobackup win11 "wrong-host-address 0000:0a:00.0" "" "" --incus-config "$tmp/win11.yaml"

# QEMU's stderr of the last start (qemu.early.log: incus runs QEMU with its output there; a GPU's device is in
# the -readconfig file, so QEMU's location is that file's line) is read as an input beside the devices.
cp -a "$tmp/gpucard" "$tmp/qemulog"
printf '%s\n' 'qemu-system-x86_64:/run/incus/win11/qemu.conf:132: vfio 0000:01:00.0: failed to open /dev/vfio/1: Permission denied' \
        >"$tmp/qemulog/var/log/incus/win11/qemu.early.log"
"$bin" --sysroot "$tmp/qemulog" --incus win11 </dev/null >"$tmp/out" 2>&1
grep -q '(1 line read' "$tmp/out" && echo "ok: qemulog: /var/log/incus/win11/qemu.early.log read" \
        || { echo "FAIL: qemulog: qemu.early.log not read"; sed 's/^/  /' "$tmp/out"; fails=$((fails + 1)); }

# run --incus NAME -- COMMAND: COMMAND's output is read (here incus's refusal as its command line prints it) and
# the report, after it fails, has the instance's devices checked, in incus's terms; the exit status is COMMAND's.
# live_report WHAT JSON-LINES-FILE PYTHON-ASSERTION: over every cause of every event (the list c).
live_report() {
        if python3 - "$2" "$3" <<'PY'
import json, sys
c = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    c += e["report"]["causes"] if "report" in e else [e["cause"]] if "cause" in e else []
ev = [t["text"] for x in c for t in x["evidence"]]
fixes = [f["command"] for x in c for f in x["fix"]]
assert c, "no cause"
assert not any("virsh" in f for f in fixes), fixes
assert eval(sys.argv[2]), (sys.argv[2], ev, fixes)
PY
        then echo "ok: $1"; else echo "FAIL: $1"; sed 's/^/  stderr: /' "$tmp/err"; fails=$((fails + 1)); fi
}
"$bin" run --sysroot "$tmp/moved" --incus win11 --format json -- \
        sh -c 'echo "Error: Failed to start device \"gpu0\": Invalid PCI address (no device found): 0000:0a:00.0" >&2; exit 1' \
        </dev/null >"$tmp/run.json" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && echo "ok: run --incus: COMMAND's exit status" || { echo "FAIL: run --incus: exit $rc, want 1"; fails=$((fails + 1)); }
live_report "run --incus: incus's refusal and the instance's device, incus's fixes" "$tmp/run.json" \
        '"incus win11: device gpu0 0000:0a:00.0: absent" in ev and any(t.endswith("Invalid PCI address (no device found): 0000:0a:00.0") for t in ev) and "incus config device show win11" in fixes'
# A command that fails saying nothing: the instance's devices alone.
"$bin" run --sysroot "$tmp/moved" --incus win11 --format json -- sh -c 'exit 3' </dev/null >"$tmp/run.json" 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && echo "ok: run --incus: exit 3 passed on" || { echo "FAIL: run --incus -- exit 3: exit $rc"; fails=$((fails + 1)); }
live_report "run --incus: a silent failure, the instance's device" "$tmp/run.json" '"incus win11: device gpu0 0000:0a:00.0: absent" in ev'

# watch --incus NAME: the host's journal (one kernel line, written by systemd-journal-remote) is followed from
# its start, and the instance's devices are judged with it: the card that moved is an event, in incus's terms.
mid=$(cat "$tmp/moved/etc/machine-id" 2>/dev/null || echo 5c1e2b7d9a0f4e3b8c6d1a2f3e4b5c6d)
mkdir -p "$tmp/moved/var/log/journal/$mid"
printf '%s\n' '__REALTIME_TIMESTAMP=1727773200000000' '__MONOTONIC_TIMESTAMP=1843201' '_BOOT_ID=21b6d51cc46948f8b6cadadeda046062' \
        '_TRANSPORT=kernel' 'PRIORITY=5' 'SYSLOG_FACILITY=0' 'SYSLOG_IDENTIFIER=kernel' \
        'MESSAGE=Linux version 6.8.0-45-generic (buildd@lcy02-amd64-115) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024' \
        "_MACHINE_ID=$mid" '_HOSTNAME=desk' '_RUNTIME_SCOPE=system' '' >"$tmp/k.export"
jr=
for c in "${SYSTEMD_JOURNAL_REMOTE:-}" /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
        [ -n "$c" ] && [ -x "$c" ] && { jr=$c; break; }
done
if [ -z "$jr" ] || ! "$jr" --split-mode=none --seal=no --output="$tmp/moved/var/log/journal/$mid/system.journal" "$tmp/k.export" 2>"$tmp/err"; then
        echo "FAIL: watch --incus: no journal written (systemd-journal-remote: ${jr:-not installed})"; fails=$((fails + 1))
else
        # Stopped (SIGINT) once it has told the event, not after a fixed time: under the sanitizers on a busy
        # machine its start alone (the rules compiled, the host probed) once took longer than 15 s.
        "$bin" watch --sysroot "$tmp/moved" --incus win11 --format json --since @0 \
                </dev/null >"$tmp/watch.json" 2>"$tmp/err" &
        pid=$!
        for _ in $(seq 1200); do
                grep -q '"cause"' "$tmp/watch.json" 2>/dev/null && break
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        kill -INT "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        [ $rc = 1 ] && echo "ok: watch --incus: exit 1 (a cause seen)" || { echo "FAIL: watch --incus: exit $rc, want 1"; fails=$((fails + 1)); }
        live_report "watch --incus: the instance's device, incus's fixes" "$tmp/watch.json" \
                '"incus win11: device gpu0 0000:0a:00.0: absent" in ev and "incus config device show win11" in fixes'
fi

# No backup.yaml (a stopped VM on a zfs pool: its volume is not mounted): one line that says how to give it.
expect 2 'incus config show --expanded win11 >win11.yaml' -- "$bin" --sysroot "$tmp/nobackup" --incus win11
# What is not an instance name, a container, a value incus would refuse, two VMs named: one line, exit 2.
expect 2 'not an instance name' -- "$bin" --sysroot "$tmp/moved" --incus ../win11
expect 2 'not an instance name' -- "$bin" --sysroot "$tmp/moved" --incus 'a b'
instance moved hostile 'gpu0 pci=../../../etc/shadow type=gpu'
expect 2 'not a PCI address|a PCI address that is none' -- "$bin" --sysroot "$tmp/moved" --incus hostile
instance moved badid 'gpu0 type=gpu vendorid=10dex'
expect 2 'four hex digits' -- "$bin" --sysroot "$tmp/moved" --incus badid
instance moved badcard 'gpu0 id=card1 type=gpu'
expect 2 'not a DRM card number' -- "$bin" --sysroot "$tmp/moved" --incus badcard
instance moved badmdev 'gpu0 gputype=mdev mdev=../../../../etc type=gpu'
expect 2 'an mdev type no kernel names' -- "$bin" --sysroot "$tmp/moved" --incus badmdev
instance moved nomdev 'gpu0 gputype=mdev type=gpu'
expect 2 'without mdev=' -- "$bin" --sysroot "$tmp/moved" --incus nomdev
instance moved ct 'gpu0 type=gpu'
sed -i 's/^  type: virtual-machine$/  type: container/' "$tmp/moved/var/lib/incus/virtual-machines/ct/backup.yaml"
expect 2 'is a container' -- "$bin" --sysroot "$tmp/moved" --incus ct
expect 2 'give one' -- "$bin" --sysroot "$tmp/moved" --incus win11 --pve-vm 100
expect 2 'not a plan option' -- "$bin" plan --sysroot "$tmp/moved" --incus win11 01:00.0
expect 2 'name the instance with --incus' -- "$bin" --sysroot "$tmp/moved" --incus-config "$tmp/win11.yaml"
finish
