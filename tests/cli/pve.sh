#!/usr/bin/env bash
# --pve-vm ID: a Proxmox VE VM on a fixture host (tests/fixtures/build.sh), laid out as pmxcfs and
# qemu-server keep it: /etc/pve/nodes/NODE/qemu-server/ID.conf (with the /etc/pve/qemu-server and
# /etc/pve/local links pmxcfs makes), /etc/pve/mapping/pci.cfg, /run/qemu-server/ID.pid and
# pci-id-reservations of a running VM, and the task logs of its starts under /var/log/pve/tasks (the index
# and the UPID files). One VM per failure; each is run through explain, check and report, with the first
# cause, its device, the evidence and the `qm set` fix expected exactly, and no fix in libvirt's terms.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
build_fixtures

# pve_host NEW FIXTURE: a copy of a fixture host as a Proxmox VE 8 node "pve": pmxcfs's /etc/pve with its
# links, the node's kernel.
pve_host() {
        cp -a "$fx/$2" "$tmp/$1"
        local r=$tmp/$1
        mkdir -p "$r/etc/pve/nodes/pve/qemu-server" "$r/etc/pve/mapping" "$r/var/log/pve/tasks" "$r/run/qemu-server"
        ln -sfn nodes/pve "$r/etc/pve/local"
        ln -sfn nodes/pve/qemu-server "$r/etc/pve/qemu-server"
        printf '%s\n' pve >"$r/etc/hostname"
        for d in 0 1 2 3 4 5 6 7 8 9 A B C D E F; do mkdir -p "$r/var/log/pve/tasks/$d"; done
}

# vm_conf ROOT ID LINE...: ID.conf as qemu-server writes it (write_vm_config(): keys sorted, "key: value").
vm_conf() {
        local root=$1 id=$2
        shift 2
        {
                printf '%s\n' "$@" 'boot: order=scsi0;net0' 'cores: 8' 'cpu: host' \
                        "net0: virtio=BC:24:11:5E:7A:0${id: -1},bridge=vmbr0,firewall=1" 'numa: 0' 'ostype: win11' \
                        "scsi0: local-lvm:vm-$id-disk-0,iothread=1,size=128G" 'scsihw: virtio-scsi-single' \
                        'smbios1: uuid=4dea24b3-1d52-d8f3-2516-782e98a23fa0' 'sockets: 1' \
                        'vmgenid: 8f2a7c3e-1b4d-4e5f-9a6b-7c8d9e0f1a2b'
        } | LC_ALL=C sort >"$root/etc/pve/nodes/pve/qemu-server/$id.conf"
}

# task ROOT ID STARTTIME(8 hex) STATUS LINE...: a qmstart task of VM ID (pve-common UPID.pm encode(): the
# log in /var/log/pve/tasks/X/UPID, X the last hex digit of the start time; RESTEnvironment.pm ends it with
# "TASK OK" or "TASK ERROR: MSG" and appends "UPID ENDTIME STATUS" to the index).
task() {
        local root=$1 id=$2 start=$3 status=$4
        shift 4
        local upid="UPID:pve:0000$(printf '%04X' "$id"):0001E240:$start:qmstart:$id:root@pam:"
        local log="$root/var/log/pve/tasks/${start: -1}/$upid"
        {
                printf '%s\n' "$@"
                if [ "$status" = OK ]; then echo "TASK OK"; else echo "TASK ERROR: $status"; fi
        } >"$log"
        printf '%s %08X %s\n' "$upid" $((0x$start + 3)) "$status" >>"$root/var/log/pve/tasks/index"
}

# runs ROOT ID PID HOSTPCI: VM ID's QEMU runs as PID (qemu-server's pid file, /proc/PID as kvm started by
# qemu-server: "/usr/bin/kvm -id ID -name ... -device vfio-pci,host=...") and holds its reservation.
runs() {
        local root=$1 id=$2 pid=$3 host=$4
        printf '%s\n' "$pid" >"$root/run/qemu-server/$id.pid"
        mkdir -p "$root/proc/$pid"
        printf '%s\n' kvm >"$root/proc/$pid/comm"
        printf '%s\0' /usr/bin/kvm -id "$id" -name "vm$id,debug-threads=on" -no-shutdown -m 16384 \
                -device "vfio-pci,host=$host,id=hostpci0,bus=ich9-pcie-port-1,addr=0x0" >"$root/proc/$pid/cmdline"
        cp "$root/proc/31337/limits" "$root/proc/$pid/limits"
        sed -e "s/^Name:.*/Name:\tkvm/" -e "s/\t1000\t1000\t1000\t1000/\t0\t0\t0\t0/g" \
                -e "s/^CapEff:.*/CapEff:\t000001ffffffffff/" "$root/proc/31337/status" >"$root/proc/$pid/status"
        printf '%s %s pid:%s\n' "$host" "$id" "$pid" >>"$root/run/qemu-server/pci-id-reservations"
}

# first ROOT ID "ID DEVICE" [PYTHON-ASSERTION] [COMMAND]: the rank-1 cause of `vfioexplain [COMMAND] --pve-vm
# ID` (JSON), and optionally more about the causes (the python list c).
first() {
        local root=$1 id=$2 want=$3 extra=${4:-} cmd=${5:-}
        "$bin" $cmd --sysroot "$tmp/$root" --pve-vm "$id" --format json </dev/null >"$tmp/out.json" 2>"$tmp/err"
        local got
        got=$(python3 - "$tmp/out.json" "$extra" <<'PY'
import json, sys
try:
    c = json.load(open(sys.argv[1]))["causes"]
except Exception as e:
    print(f"no JSON ({e})"); sys.exit(0)
first = f'{c[0]["id"]} {c[0]["device"] or "-"}' if c else "none"
try:
    assert not any("virsh" in f["command"] for x in c for f in x["fix"]), "a fix runs virsh"
    if sys.argv[2]:
        assert eval(sys.argv[2]), sys.argv[2]
except Exception as e:
    first += f" (but {e!r} does not hold)"
print(first)
PY
)
        if [ "$got" != "$want" ]; then
                echo "FAIL: $root ${cmd:-explain} --pve-vm $id: first cause '$got', want '$want'"; sed 's/^/  stderr: /' "$tmp/err"
                fails=$((fails + 1))
        else
                echo "ok: $root ${cmd:-explain} --pve-vm $id: $got"
        fi
}
# every ROOT ID "ID DEVICE" EXPLAIN-ASSERTION: explain (with the assertion), check and report agree.
every() {
        first "$1" "$2" "$3" "$4"
        first "$1" "$2" "$3" "" check
        first "$1" "$2" "$3" "" report
}
ev='lambda i: [e["text"] for e in c[i]["evidence"]]'
src_of='lambda i: {e["source"] for e in c[i]["evidence"]}'
fix='lambda i: [f["command"] for f in c[i]["fix"]]'

# A function the card does not have: 0000:01:00.2 (the GTX 1080 has a GPU and its HDMI audio). qemu-server
# stops before QEMU starts.
pve_host nofunc healthy-vfio
vm_conf "$tmp/nofunc" 100 'hostpci0: 0000:01:00.2,pcie=1' 'machine: q35' 'bios: ovmf' 'memory: 16384' 'name: win11'
task "$tmp/nofunc" 100 6750A000 OK
task "$tmp/nofunc" 100 6750A1B2 "no PCI device found for '0000:01:00.2'"
every nofunc 100 "wrong-host-address 0000:01:00.2" \
        "'pve-vm 100: hostpci0 0000:01:00.2: absent' in ($ev)(0) and any(t.startswith('TASK ERROR: no PCI device found') for t in ($ev)(0)) and 'qm config 100 | grep -n \'^hostpci0:\'' in ($fix)(0) and c[0]['vm']['name'] == '100'"

# The GPU without its HDMI audio, which snd_hda_intel holds: qemu-server binds the whole IOMMU group to
# vfio-pci at start, and the audio's driver would not let it go.
pve_host companion gpu-audio-companion
vm_conf "$tmp/companion" 100 'hostpci0: 0000:01:00.0,pcie=1,x-vga=1' 'machine: q35' 'bios: ovmf' 'memory: 16384' 'name: win11'
task "$tmp/companion" 100 6750A1B2 "Cannot bind 0000:01:00.1 to vfio"
every companion 100 "group-companion-unbound 0000:01:00.0" \
        "any('member 0000:01:00.1 [10de:10f0] class=040300 on snd_hda_intel is not in the VM, and qemu-server moves it to vfio-pci at start (same card)' in t for t in ($ev)(0)) and 'TASK ERROR: Cannot bind 0000:01:00.1 to vfio' in ($ev)(0) and \"qm set 100 --hostpci0 \\\"\$(qm config 100 | sed -n 's/^hostpci0: //p' | sed -E 's/^(host=)?([0-9a-f:]+)\\\\.[0-7]/\\\\1\\\\2/')\\\"\" in ($fix)(0)"

# x-vga=1 on the HDMI audio function under SeaBIOS: vfio-pci offers it no VGA region, and QEMU exits.
pve_host xvga healthy-vfio
vm_conf "$tmp/xvga" 100 'hostpci0: 0000:01:00.0' 'hostpci1: 0000:01:00.1,x-vga=1' 'memory: 8192' 'name: win10'
task "$tmp/xvga" 100 6750A1B2 "start failed: QEMU exited with code 1" \
        'kvm: -device vfio-pci,host=0000:01:00.1,id=hostpci1,bus=pci.0,addr=0x11,x-vga=on: vfio 0000:01:00.1: failed getting region info for VGA region index 8: Invalid argument'
every xvga 100 "x-vga-unsupported 0000:01:00.1" \
        "'pve-vm 100: hostpci1 0000:01:00.1 x-vga=1: class=040300 (not a display device) is not a VGA controller (0300xx)' in ($ev)(0) and ($src_of)(0) >= {'probe', 'qemu'} and any(f.startswith('qm set 100 --hostpci1 ') and 'x-vga' in f for f in ($fix)(0))"

# romfile= names a file that is not in /usr/share/kvm.
pve_host romfile healthy-vfio
vm_conf "$tmp/romfile" 100 'hostpci0: 0000:01:00,pcie=1,romfile=gtx1080.rom' 'machine: q35' 'memory: 16384' 'name: win11'
task "$tmp/romfile" 100 6750A1B2 "start failed: QEMU exited with code 1" \
        'kvm: -device vfio-pci,host=0000:01:00.0,id=hostpci0.0,bus=ich9-pcie-port-1,addr=0x0.0,multifunction=on,romfile=/usr/share/kvm/gtx1080.rom: failed to find romfile "/usr/share/kvm/gtx1080.rom"'
every romfile 100 "romfile-unreadable 0000:01:00.0" \
        "'pve-vm 100: hostpci0 0000:01:00.0 rom file /usr/share/kvm/gtx1080.rom: absent' in ($ev)(0) and 'ls -l /usr/share/kvm/' in ($fix)(0) and ($src_of)(0) >= {'probe', 'qemu'}"

# pcie=1 on qemu-server's default machine (i440fx): qemu-server refuses before QEMU runs.
pve_host i440fx healthy-vfio
vm_conf "$tmp/i440fx" 100 'hostpci0: 0000:01:00,pcie=1' 'memory: 8192' 'name: win10'
task "$tmp/i440fx" 100 6750A1B2 "q35 machine model is not enabled at /usr/share/perl5/PVE/QemuServer/PCI.pm line 452."
every i440fx 100 "qemu-option-invalid 0000:01:00.0" \
        "'pve-vm 100: hostpci0 0000:01:00.0 pcie=1: machine pc is not q35' in ($ev)(0) and 'qm set 100 --machine q35' in ($fix)(0) and any(t.startswith('TASK ERROR: q35 machine model') for t in ($ev)(0))"

# A resource mapping whose map for this node names a device the node does not have (the card moved).
pve_host mapping healthy-vfio
vm_conf "$tmp/mapping" 100 'hostpci0: mapping=gpu,pcie=1' 'machine: q35' 'memory: 16384' 'name: win11'
printf '%s\n' 'gpu' '	map node=pve,path=0000:09:00.0,id=10de:1b80,iommugroup=1,subsystem-id=1458:3702' \
        '	map node=pve2,path=0000:01:00.0,id=10de:1b80,iommugroup=2' '' 'nic' \
        '	map node=pve,path=0000:00:17.0,id=8086:a352' >"$tmp/mapping/etc/pve/mapping/pci.cfg"
task "$tmp/mapping" 100 6750A1B2 "PCI device mapping invalid (hardware probably changed): pci device '0000:09:00.0' not found"
every mapping 100 "wrong-host-address 0000:09:00.0" \
        "'pve-vm 100: hostpci0 0000:09:00.0: mapping gpu: absent on node pve' in ($ev)(0) and 'pvesh get /cluster/mapping/pci --check-node \$(hostname)' in ($fix)(0)"
# The same mapping with no map for this node.
pve_host mapping-node healthy-vfio
vm_conf "$tmp/mapping-node" 100 'hostpci0: mapping=gpu,pcie=1' 'machine: q35' 'memory: 16384' 'name: win11'
printf '%s\n' 'gpu' '	map node=pve2,path=0000:01:00.0,id=10de:1b80,iommugroup=2' >"$tmp/mapping-node/etc/pve/mapping/pci.cfg"
first mapping-node 100 "wrong-host-address -" "'pve-vm 100: hostpci0: mapping gpu: no map for node pve' in ($ev)(0)"

# Two VMs name the GPU, and the other one runs: qemu-server refuses the second.
pve_host twovms healthy-vfio
vm_conf "$tmp/twovms" 100 'hostpci0: 0000:01:00,pcie=1' 'machine: q35' 'memory: 16384' 'name: win11' 'onboot: 1'
vm_conf "$tmp/twovms" 101 'hostpci0: 0000:01:00,pcie=1' 'machine: q35' 'memory: 8192' 'name: linux' 'onboot: 1'
runs "$tmp/twovms" 101 4242 0000:01:00.0
task "$tmp/twovms" 100 6750A1B2 "PCI device '0000:01:00.0' already in use by VMID '101'"
every twovms 100 "group-busy 0000:01:00.0" \
        "'pve-vm 100: hostpci0 0000:01:00.0: also in VM 101 (hostpci0), which runs (QEMU pid 4242); reserved for it in /run/qemu-server/pci-id-reservations' in ($ev)(0) and 'qm shutdown 101' in ($fix)(0)"
# ... and with the other one stopped, both starting at boot: whichever starts second fails.
rm -f "$tmp/twovms/run/qemu-server/101.pid"
first twovms 100 "group-busy 0000:01:00.0" \
        "'pve-vm 100: hostpci0 0000:01:00.0: also in VM 101 (hostpci0), which is not running; both start at boot' in ($ev)(0)" check

# A VM that is right: the whole card, q35, OVMF, the last start went well. Nothing is wrong.
pve_host healthy healthy-vfio
vm_conf "$tmp/healthy" 100 'hostpci0: 0000:01:00,pcie=1,x-vga=1' 'machine: q35' 'bios: ovmf' 'memory: 16384' 'name: win11'
task "$tmp/healthy" 100 6750A1B2 OK
first healthy 100 "none"
first healthy 100 "none" "" check

# plan --pve-vm ID ADDRESS: the hostpci line to add, the next free index, the whole card, pcie=1 on q35.
expect 0 '' -- "$bin" plan --sysroot "$tmp/companion" --pve-vm 100 01:00.0
grep -qx '   qm set 100 --hostpci1 0000:01:00,pcie=1' "$tmp/out" && ! grep -qE '<hostdev|virsh' "$tmp/out" \
        && echo "ok: plan --pve-vm: qm set 100 --hostpci1 0000:01:00,pcie=1" \
        || { echo "FAIL: plan --pve-vm 100 01:00.0:"; sed 's/^/  /' "$tmp/out"; fails=$((fails + 1)); }
expect 0 '' -- "$bin" plan --sysroot "$tmp/companion" --pve-vm 100 01:00.0 --format json
python3 -c 'import json,sys; s=[x for x in json.load(open(sys.argv[1]))["plan"]["steps"] if "Proxmox" in x["title"]]; assert s[0]["commands"] == ["qm set 100 --hostpci1 0000:01:00,pcie=1"], s' "$tmp/out" \
        && echo "ok: plan --pve-vm --format json" || { echo "FAIL: plan --pve-vm --format json"; fails=$((fails + 1)); }

# report: the document names the VM's own fix.
"$bin" report --sysroot "$tmp/i440fx" --pve-vm 100 </dev/null >"$tmp/report.md" 2>"$tmp/err"
grep -qF 'qm set 100 --machine q35' "$tmp/report.md" && ! grep -q virsh "$tmp/report.md" \
        && echo "ok: report --pve-vm: qm set 100 --machine q35" \
        || { echo "FAIL: report --pve-vm: no qm set fix"; fails=$((fails + 1)); }

# What is not a VMID, no VM, and a config qemu-server would refuse: one line, exit 2, nothing else read. A
# romfile= that leaves /usr/share/kvm is refused before any path is built from it.
expect 2 'VMID' -- "$bin" --sysroot "$tmp/healthy" --pve-vm 99
expect 2 'VMID' -- "$bin" --sysroot "$tmp/healthy" --pve-vm ../100
expect 2 'no VM 105' -- "$bin" --sysroot "$tmp/healthy" --pve-vm 105
pve_host hostile healthy-vfio
vm_conf "$tmp/hostile" 100 'hostpci0: 0000:01:00,romfile=../../../etc/shadow' 'memory: 8192'
expect 2 'romfile' -- "$bin" --sysroot "$tmp/hostile" --pve-vm 100
vm_conf "$tmp/hostile" 100 'hostpci0: 0000:01:00;0000:zz:00' 'memory: 8192'
expect 2 'hostpci0' -- "$bin" --sysroot "$tmp/hostile" --pve-vm 100
expect 2 'give one' -- "$bin" --sysroot "$tmp/hostile" --pve-vm 100 --domain win11
# Proxmox VE as the distribution (Debian's os-release, pmxcfs's /etc/pve): plan puts intel_iommu=on where its
# boot loader reads it. GRUB: /etc/default/grub and update-grub; systemd-boot (proxmox-boot-tool's ESPs, EFI,
# no Secure Boot): the one line of /etc/kernel/cmdline and proxmox-boot-tool refresh; Secure Boot: GRUB.
# plan_has ROOT WANT-REGEX UNWANTED-REGEX WHAT
plan_has() {
        "$bin" plan --sysroot "$tmp/$1" 01:00.0 </dev/null >"$tmp/out" 2>"$tmp/err"
        if grep -qE -- "$2" "$tmp/out" && ! grep -qE -- "$3" "$tmp/out"; then
                echo "ok: plan on $1: $4"
        else
                echo "FAIL: plan on $1: $4 (want /$2/, not /$3/)"; sed 's/^/  /' "$tmp/out"; fails=$((fails + 1))
        fi
}
pve_host pxgrub iommu-off-kernel
plan_has pxgrub '^   sudo update-grub$' 'kernel/cmdline|proxmox-boot-tool refresh' "GRUB, update-grub"
"$bin" report --sysroot "$tmp/pxgrub" --format json </dev/null 2>/dev/null | grep -q '"distro": "proxmox"' \
        && echo "ok: report: distro proxmox" || { echo "FAIL: report on pxgrub: distro is not proxmox"; fails=$((fails + 1)); }
cp -a "$tmp/pxgrub" "$tmp/pxsdboot"
mkdir -p "$tmp/pxsdboot/etc/kernel" "$tmp/pxsdboot/sys/firmware/efi/efivars"
printf '%s\n' 5A3C-19F0 5A3D-6B21 >"$tmp/pxsdboot/etc/kernel/proxmox-boot-uuids"
printf '%s\n' 'root=ZFS=rpool/ROOT/pve-1 boot=zfs' >"$tmp/pxsdboot/etc/kernel/cmdline"
plan_has pxsdboot "^   sudo sed -i '1s/\\\$/ intel_iommu=on/' /etc/kernel/cmdline\$" 'GRUB_CMDLINE|update-grub' \
        "systemd-boot, /etc/kernel/cmdline"
plan_has pxsdboot '^   sudo proxmox-boot-tool refresh$' 'update-grub' "systemd-boot, proxmox-boot-tool refresh"
# Its snapshot keeps the boot facts, and a replay of it reads them back (one table writes and reads them).
"$bin" --sysroot "$tmp/pxsdboot" snapshot -o "$tmp/pxsdboot.json" 2>/dev/null &&
        "$bin" --snapshot "$tmp/pxsdboot.json" snapshot -o "$tmp/pxsdboot-replayed.json" 2>/dev/null &&
        python3 - "$tmp/pxsdboot.json" "$tmp/pxsdboot-replayed.json" <<'PY' || fails=$((fails + 1))
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
keys = ("proxmox_systemd_boot", "kernel_cmdline_file")
want = ("present", "root=ZFS=rpool/ROOT/pve-1 boot=zfs")
ok = tuple(a.get(k) for k in keys) == want and tuple(b.get(k) for k in keys) == want
print(("ok" if ok else "FAIL") + f": a Proxmox VE node's snapshot, written and replayed: {[a.get(k) for k in keys]}, {[b.get(k) for k in keys]}")
sys.exit(0 if ok else 1)
PY
cp -a "$tmp/pxsdboot" "$tmp/pxsecure"
printf '\006\000\000\000\001' >"$tmp/pxsecure/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
plan_has pxsecure '^   sudo update-grub$' 'kernel/cmdline|proxmox-boot-tool refresh' "Secure Boot, GRUB"
# The same ESPs on plain Debian (no /etc/pve) are not Proxmox's.
cp -a "$tmp/pxsdboot" "$tmp/debsdboot"
rm -rf "$tmp/debsdboot/etc/pve"
plan_has debsdboot '^   sudo update-grub$' 'proxmox-boot-tool' "Debian without /etc/pve"
# Without --pve-vm, a Proxmox VE node's plan gives the card to a VM with qm set, not virsh: the VM's number a
# variable set first (as virsh's DOMAIN), never a bare VMID word pasted into qm's arguments.
plan_has pxgrub '^   qm set "\$VMID" --hostpci0 0000:01:00$' 'virsh|<hostdev|qm set VMID' "Proxmox node: qm set \"\$VMID\", no virsh"
plan_has pxgrub '^   VMID=your-vm-id +# ' 'qm set [0-9]' "Proxmox node: VMID set first"
plan_has debsdboot '^   sudo virsh edit "\$DOMAIN"$' 'qm set' "Debian: virsh edit"
plan_has pxgrub '^   vfioexplain rom --address 0000:01:00.0 /usr/share/kvm/vbios-0000-01-00.0.rom$' 'vgabios' \
        "Proxmox node: the boot GPU's ROM goes to /usr/share/kvm"
# The guides people follow put intel_iommu=on into /etc/default/grub: on a systemd-boot node that file is not
# read, and the fix is /etc/kernel/cmdline; once it is there, proxmox-boot-tool refresh (and a reboot).
# boot_cause ROOT EVIDENCE FIRST-FIX
boot_cause() {
        "$bin" --sysroot "$tmp/$1" --format json </dev/null >"$tmp/out.json" 2>"$tmp/err"
        if python3 - "$tmp/out.json" "$2" "$3" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["causes"]
x = [x for x in c if x["id"] == "iommu-off-kernel"][0]
assert sys.argv[2] in [e["text"] for e in x["evidence"]], [e["text"] for e in x["evidence"]]
assert x["fix"][0]["command"] == sys.argv[3], x["fix"][0]["command"]
PY
        then echo "ok: $1: $3"; else echo "FAIL: $1: want evidence '$2' and first fix '$3'"; fails=$((fails + 1)); fi
}
# Every fix of the host's that adds or removes a kernel parameter (iommu-off-kernel's here) edits the file the
# node's boot loader reads: /etc/kernel/cmdline and proxmox-boot-tool refresh on systemd-boot, GRUB's otherwise.
# cmdline_edits ROOT FILE UPDATE
cmdline_edits() {
        "$bin" --sysroot "$tmp/$1" --format json </dev/null >"$tmp/out.json" 2>"$tmp/err"
        if python3 - "$tmp/out.json" "$2" "$3" <<'PY'
import json, sys
fixes = [f["command"].split("  # ")[0] for c in json.load(open(sys.argv[1]))["causes"] for f in c.get("fix", [])]
edits = [f for f in fixes if f.startswith("sudo sed -i")]
assert len(edits) >= 2, fixes
for f in edits:
    assert f.split(" && ")[0].endswith(" " + sys.argv[2]) and f.endswith(" && " + sys.argv[3]), f
PY
        then echo "ok: $1: kernel parameters in $2, then $3"; else echo "FAIL: $1: a fix edits another file than $2"; fails=$((fails + 1)); fi
}
cmdline_edits pxsdboot /etc/kernel/cmdline 'sudo proxmox-boot-tool refresh'
cmdline_edits pxgrub /etc/default/grub 'sudo update-grub'
for r in pxsdboot pxgrub; do
        sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="quiet"/GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on"/' "$tmp/$r/etc/default/grub"
done
boot_cause pxsdboot 'boot-config: intel_iommu=on is in /etc/default/grub, which this systemd-boot host does not read, not in /etc/kernel/cmdline' \
        "sudo sed -i '1s/\$/ intel_iommu=on/' /etc/kernel/cmdline && sudo proxmox-boot-tool refresh"
boot_cause pxgrub "boot-config: intel_iommu=on is in /etc/default/grub but not on the running kernel's command line" 'sudo update-grub'
printf '%s\n' 'root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on' >"$tmp/pxsdboot/etc/kernel/cmdline"
boot_cause pxsdboot "boot-config: intel_iommu=on is in /etc/kernel/cmdline but not on the running kernel's command line" \
        'sudo proxmox-boot-tool refresh'

# Without --pve-vm or --incus, the input says whose guest failed: a Proxmox VE journal (the qmstart task's "start
# VM 100: UPID..." line, qemu-server's own errors) or incus's error and hint. The fixes then never run virsh, and
# where a rule's fix would (virsh edit ...) the layer's own look at the guest's configuration takes its place.
# layer_fixes CASE WANT-COMMAND UNWANTED-REGEX: the logs of a corpus case
layer_fixes() {
        "$bin" --no-probe --full --format json "$src/corpus/$1"/*.log >"$tmp/out.json" 2>"$tmp/err"
        if python3 - "$tmp/out.json" "$2" "$3" <<'PY'
import json, re, sys
fixes = [f["command"] for c in json.load(open(sys.argv[1]))["causes"] for f in c.get("fix", [])]
assert any(f.endswith(sys.argv[2]) for f in fixes), fixes
assert not [f for f in fixes if re.search(sys.argv[3], f)], fixes
PY
        then echo "ok: $1: $2, no /$3/"; else echo "FAIL: $1: want a fix '$2' and none /$3/"; fails=$((fails + 1)); fi
}
layer_fixes not-bound-to-vfio-p9-proxmox-journal 'qm config "$VMID"' 'virsh|incus|driverctl|driver_override'
layer_fixes not-bound-to-vfio-p4-proxmox-task-log "grep -H '^hostpci' /etc/pve/qemu-server/*.conf" 'virsh|incus|driverctl|driver_override'

# qemu-server binds each hostpci device to vfio-pci itself at start: on a Proxmox VE node no fix binds one by hand
# (driverctl, driver_override); where the VM's entry has driver=keep, qemu-server leaves the device alone, and the
# rule of that entry still offers driverctl beside dropping driver=keep. Plain Ubuntu keeps both binds.
# bind_fixes ROOT WANT-REGEX UNWANTED-REGEX ARGS...
bind_fixes() {
        local root=$1 want=$2 unwanted=$3
        shift 3
        "$bin" --sysroot "$tmp/$root" --format json "$@" </dev/null >"$tmp/out.json" 2>"$tmp/err"
        if python3 - "$tmp/out.json" "$want" "$unwanted" <<'PY'
import json, re, sys
c = json.load(open(sys.argv[1]))["causes"]
fixes = [f["command"] for f in c[0]["fix"]]
assert c[0]["id"] == "not-bound-to-vfio", c[0]["id"]
assert any(re.search(sys.argv[2], f) for f in fixes), fixes
assert not [f for f in fixes if sys.argv[3] and re.search(sys.argv[3], f)], fixes
PY
        then echo "ok: $root $*: /$want/, none /$unwanted/"; else echo "FAIL: $root $*: want /$want/, none /$unwanted/"; fails=$((fails + 1)); fi
}
pve_host pxamd gpu-on-amdgpu
printf '%s\n' 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"' 'ID=debian' >"$tmp/pxamd/etc/os-release"
bind_fixes pxamd "^grep -H '\^hostpci' /etc/pve/qemu-server/\*\.conf$" 'driverctl|driver_override|virsh' check 0000:0c:00.0
cp -a "$fx/gpu-on-amdgpu" "$tmp/ubamd"
bind_fixes ubamd '^sudo driverctl set-override 0000:0c:00.0 vfio-pci$' 'hostpci' check 0000:0c:00.0
bind_fixes ubamd 'driver_override' 'hostpci' check 0000:0c:00.0
vm_conf "$tmp/pxamd" 100 'hostpci0: 0000:0c:00.0,pcie=1,driver=keep' 'machine: q35' 'bios: ovmf' 'memory: 16384' 'name: win11'
bind_fixes pxamd '^sudo driverctl set-override 0000:0c:00.0 vfio-pci$' 'driver_override|virsh' --pve-vm 100
layer_fixes wrong-host-address-5-incus-gpu-moved 'incus config show --expanded "$INSTANCE"' 'virsh|qm '
layer_fixes not-bound-to-vfio-1-libvirt-unmanaged "sudo virsh nodedev-detach --driver vfio pci_\$(echo 0000:01:00.1 | tr ':.' '__')" 'qm |incus config'
finish
