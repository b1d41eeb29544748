#!/usr/bin/env bash
# --domain NAME: a libvirt domain on a fixture host (tests/fixtures/build.sh), its definition in
# etc/libvirt/qemu/NAME.xml and its log in var/log/libvirt/qemu/NAME.log as libvirt writes them. The
# first cause names what is wrong with the domain's <hostdev>s on that host, for the right device: an
# address the host does not have, the GPU's audio left on snd_hda_intel, a rom file that is missing or
# that QEMU's user cannot reach, an unmanaged hostdev still on its host driver; a managed hostdev still
# on its host driver before the start is no fault. A running domain is read from its status file in
# run/libvirt/qemu; a hostile name reaches no path.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
build_fixtures

# clone_host NEW FIXTURE: a copy of a fixture host to add a domain to.
clone_host() {
        cp -a "$fx/$2" "$tmp/$1"
}

# domain_xml ROOT DIR NAME HOSTDEV...: ROOT/DIR/NAME.xml as libvirt saves a virt-manager q35 + OVMF guest
# (src/conf/domain_conf.c virDomainDefFormat(); the warning comes from virXMLSaveFile()). A HOSTDEV is
# "ADDR[,managed=no][,rom=PATH]", ADDR as 0000:BB:SS.F.
domain_xml() {
        local root=$1 dir=$2 name=$3 h addr managed rom guest=5 fn=0
        shift 3
        mkdir -p "$root/$dir"
        {
                printf '%s\n' '<!--' \
                        'WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE' \
                        'OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:' \
                        "  virsh edit $name" 'or other application using the libvirt API.' '-->' ''
                printf '%s\n' "<domain type='kvm'>" "  <name>$name</name>" \
                        "  <uuid>4dea24b3-1d52-d8f3-2516-782e98a23fa0</uuid>" \
                        "  <memory unit='KiB'>16777216</memory>" "  <currentMemory unit='KiB'>16777216</currentMemory>" \
                        "  <vcpu placement='static'>8</vcpu>" "  <os firmware='efi'>" \
                        "    <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>" \
                        "    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>" \
                        "    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/${name}_VARS.fd</nvram>" \
                        "    <boot dev='hd'/>" "  </os>" "  <features>" "    <acpi/>" "    <apic/>" "    <smm state='on'/>" \
                        "  </features>" "  <cpu mode='host-passthrough' check='none' migratable='on'/>" \
                        "  <on_poweroff>destroy</on_poweroff>" "  <on_reboot>restart</on_reboot>" "  <on_crash>destroy</on_crash>" \
                        "  <devices>" "    <emulator>/usr/bin/qemu-system-x86_64</emulator>" \
                        "    <disk type='file' device='disk'>" "      <driver name='qemu' type='qcow2' discard='unmap'/>" \
                        "      <source file='/var/lib/libvirt/images/$name.qcow2'/>" "      <target dev='sda' bus='sata'/>" \
                        "      <address type='drive' controller='0' bus='0' target='0' unit='0'/>" "    </disk>" \
                        "    <controller type='pci' index='0' model='pcie-root'/>"
                for h in "$@"; do
                        addr=${h%%,*} managed=yes rom=""
                        case ,$h, in *,managed=no,*) managed=no ;; esac
                        case $h in *rom=*) rom=${h#*rom=} rom=${rom%%,*} ;; esac
                        printf '%s\n' "    <hostdev mode='subsystem' type='pci' managed='$managed'>" "      <source>" \
                                "        <address domain='0x${addr:0:4}' bus='0x${addr:5:2}' slot='0x${addr:8:2}' function='0x${addr:11:1}'/>" \
                                "      </source>"
                        [ -n "$rom" ] && printf '%s\n' "      <rom file='$rom'/>"
                        printf '%s\n' "      <address type='pci' domain='0x0000' bus='0x0$guest' slot='0x00' function='0x$fn'/>" \
                                "    </hostdev>"
                        fn=$((fn + 1))
                done
                printf '%s\n' "    <tpm model='tpm-crb'>" "      <backend type='emulator' version='2.0'/>" "    </tpm>" \
                        "    <memballoon model='virtio'>" \
                        "      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>" \
                        "    </memballoon>" "  </devices>" "</domain>"
        } >"$root/$dir/$name.xml"
        chmod 0600 "$root/$dir/$name.xml"
}

# domain_log ROOT NAME [QEMU-LINE...]: var/log/libvirt/qemu/NAME.log with the start of one run of QEMU 8.2
# under libvirt 10.0 (Ubuntu 24.04; libvirt's QEMU driver writes the "starting up" header, the environment
# and command line, and "shutting down"; QEMU, run with -msg timestamp=on, its own lines in between), then
# the given QEMU lines and how the run ended.
domain_log() {
        local root=$1 name=$2 l
        shift 2
        mkdir -p "$root/var/log/libvirt/qemu"
        {
                printf '%s\n' "2024-10-01 09:12:01.339+0000: starting up libvirt version: 10.0.0, package: 10.0.0-2ubuntu8.3 (Ubuntu), qemu version: 8.2.2Debian 1:8.2.2+ds-0ubuntu1.2, kernel: 6.8.0-45-generic, hostname: desk" \
                        'LC_ALL=C \' 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \' \
                        "HOME=/var/lib/libvirt/qemu/domain-1-$name \\" \
                        "XDG_DATA_HOME=/var/lib/libvirt/qemu/domain-1-$name/.local/share \\" \
                        "XDG_CACHE_HOME=/var/lib/libvirt/qemu/domain-1-$name/.cache \\" \
                        "XDG_CONFIG_HOME=/var/lib/libvirt/qemu/domain-1-$name/.config \\" \
                        '/usr/bin/qemu-system-x86_64 \' "-name guest=$name,debug-threads=on \\" '-S \' \
                        '-machine pc-q35-8.2,usb=off,vmport=off,smm=on,dump-guest-core=off,memory-backend=pc.ram,hpet=off,acpi=on \' \
                        '-accel kvm \' '-cpu host,migratable=on \' '-m size=16777216k \' \
                        '-device '"'"'{"driver":"vfio-pci","host":"0000:01:00.0","id":"hostdev0","bus":"pci.5","addr":"0x0"}'"'"' \' \
                        '-msg timestamp=on'
                for l in "$@"; do printf '%s\n' "$l"; done
                printf '%s\n' "2024-10-01 09:12:02.262+0000: shutting down, reason=failed"
        } >"$root/var/log/libvirt/qemu/$name.log"
        chmod 0600 "$root/var/log/libvirt/qemu/$name.log"
}

# first ROOT NAME "ID DEVICE" [PYTHON-ASSERTION]: the rank-1 cause of --domain NAME, and optionally more
# about the causes (the python list c).
first() {
        local root=$1 name=$2 want=$3 extra=${4:-}
        "$bin" --sysroot "$tmp/$root" --domain "$name" --format json </dev/null >"$tmp/out.json" 2>"$tmp/err"
        local got
        got=$(python3 - "$tmp/out.json" "$extra" <<'PY'
import json, sys
try:
    c = json.load(open(sys.argv[1]))["causes"]
except Exception as e:
    print(f"no JSON ({e})"); sys.exit(0)
first = f'{c[0]["id"]} {c[0]["device"] or "-"}' if c else "none"
if sys.argv[2]:
    try:
        assert eval(sys.argv[2]), sys.argv[2]
    except Exception as e:
        first += f" (but {e!r} does not hold)"
print(first)
PY
)
        if [ "$got" != "$want" ]; then
                echo "FAIL: $root --domain $name: first cause '$got', want '$want'"; sed 's/^/  stderr: /' "$tmp/err"
                fails=$((fails + 1))
        else
                echo "ok: $root --domain $name: $got"
        fi
}
# Python helpers for the extra assertions: the evidence texts and fix commands of cause i.
ev='lambda i: [e["text"] for e in c[i]["evidence"]]'
fix='lambda i: [f["command"] for f in c[i]["fix"]]'

# The card moved from bus 09 to bus 01: the definition still names 0000:09:00.0, which this host does not
# have. libvirt fails before QEMU starts, so the log holds only an earlier run that ended.
clone_host moved healthy-vfio
domain_xml "$tmp/moved" etc/libvirt/qemu win11 0000:09:00.0 0000:09:00.1
domain_log "$tmp/moved" win11 \
        "2024-09-28T21:40:55.120431Z qemu-system-x86_64: terminating on signal 15 from pid 1187 (/usr/sbin/libvirtd)"
sed -i 's/reason=failed/reason=shutdown/' "$tmp/moved/var/log/libvirt/qemu/win11.log"
first moved win11 "wrong-host-address 0000:09:00.0" \
        "any(\"domain win11: hostdev 0000:09:00.0: absent (<address domain='0x0000' bus='0x09' slot='0x00' function='0x0'/>)\" in t for t in ($ev)(0)) and 'virsh edit win11' in ($fix)(0)"

# The GPU is given to the guest, its HDMI audio is not and stays on snd_hda_intel: QEMU finds group 1
# not viable, and the domain names the member that is in the way.
clone_host companion gpu-audio-companion
domain_xml "$tmp/companion" etc/libvirt/qemu win11 0000:01:00.0
domain_log "$tmp/companion" win11 \
        '2024-10-01T09:12:02.101924Z qemu-system-x86_64: -device {"driver":"vfio-pci","host":"0000:01:00.0","id":"hostdev0","bus":"pci.5","addr":"0x0"}: vfio 0000:01:00.0: group 1 is not viable' \
        'Please ensure all devices within the iommu_group are bound to their vfio bus driver.'
first companion win11 "group-companion-unbound 0000:01:00.0" \
        "any('member 0000:01:00.1 [10de:10f0] class=040300 on snd_hda_intel is not in the domain (same card)' in t for t in ($ev)(0)) and any('sudo virsh attach-device win11 /tmp/hostdev-0000:01:00.1.xml --config' in f for f in ($fix)(0)) and {e['source'] for e in c[0]['evidence']} >= {'qemu', 'probe'}"

# libvirt on a Proxmox VE node (Debian's os-release, pmxcfs's /etc/pve): a domain the user names is libvirt's,
# and virsh is how it is changed. Given only the domain's log, the node decides: qemu-server's terms, no virsh.
cp -a "$tmp/companion" "$tmp/pvenode"
printf '%s\n' 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"' 'ID=debian' >"$tmp/pvenode/etc/os-release"
mkdir -p "$tmp/pvenode/etc/pve/nodes/pve/qemu-server"
first pvenode win11 "group-companion-unbound 0000:01:00.0" \
        "any('sudo virsh attach-device win11 /tmp/hostdev-0000:01:00.1.xml --config' in f for f in ($fix)(0))"
"$bin" --sysroot "$tmp/pvenode" --format json "$tmp/pvenode/var/log/libvirt/qemu/win11.log" </dev/null >"$tmp/out.json" 2>"$tmp/err"
python3 - "$tmp/out.json" <<'PY' && echo "ok: pvenode: the log alone: no virsh fix on a Proxmox VE node" \
        || { echo "FAIL: pvenode: the log alone on a Proxmox VE node"; fails=$((fails + 1)); }
import json, sys
c = json.load(open(sys.argv[1]))["causes"]
assert c and not any("virsh" in f["command"] for x in c for f in x["fix"]), [f["command"] for x in c for f in x["fix"]]
assert any(f["command"].startswith("VMID=") for x in c for f in x["fix"]), "no qm fix"
PY

# The VBIOS the definition names was never written: QEMU cannot find it.
clone_host rom-missing healthy-vfio
domain_xml "$tmp/rom-missing" etc/libvirt/qemu win11 0000:01:00.0,rom=/var/lib/libvirt/vbios/gtx1080.rom 0000:01:00.1
domain_log "$tmp/rom-missing" win11 \
        '2024-10-01T09:12:02.101924Z qemu-system-x86_64: -device {"driver":"vfio-pci","host":"0000:01:00.0","id":"hostdev0","bus":"pci.5","addr":"0x0","romfile":"/var/lib/libvirt/vbios/gtx1080.rom"}: failed to find romfile "/var/lib/libvirt/vbios/gtx1080.rom"'
first rom-missing win11 "romfile-unreadable 0000:01:00.0" \
        "any('domain win11: hostdev 0000:01:00.0 rom file /var/lib/libvirt/vbios/gtx1080.rom: absent' in t for t in ($ev)(0)) and 'ls -l \$(dirname /var/lib/libvirt/vbios/gtx1080.rom)' in ($fix)(0)"

# The VBIOS is in the user's home, which libvirt-qemu (qemu.conf) may not search; no log line says so
# before the guest starts.
clone_host rom-home healthy-vfio
mkdir -p "$tmp/rom-home/home/alex"
printf 'U\252fixture: stands for a VBIOS image\n' >"$tmp/rom-home/home/alex/gtx1080.rom"
chmod 0700 "$tmp/rom-home/home/alex"
domain_xml "$tmp/rom-home" etc/libvirt/qemu win11 0000:01:00.0,rom=/home/alex/gtx1080.rom 0000:01:00.1
first rom-home win11 "romfile-unreadable 0000:01:00.0" \
        "any('rom file /home/alex/gtx1080.rom: directory /home/alex not searchable by libvirt-qemu' in t for t in ($ev)(0))"

# The audio is an unmanaged hostdev, still on snd_hda_intel: libvirt will not start the domain.
clone_host unmanaged gpu-audio-companion
domain_xml "$tmp/unmanaged" etc/libvirt/qemu win11 0000:01:00.0 0000:01:00.1,managed=no
first unmanaged win11 "not-bound-to-vfio 0000:01:00.1" \
        "'sudo virsh nodedev-detach pci_0000_01_00_1' in ($fix)(0)"

# The same card with both functions managed, before the domain starts: the audio is on snd_hda_intel,
# as it should be until libvirt detaches it at start. Nothing is wrong.
clone_host managed gpu-audio-companion
domain_xml "$tmp/managed" etc/libvirt/qemu win11 0000:01:00.0 0000:01:00.1
first managed win11 "none"

# A running domain is read from its status file (the <domain> inside <domstatus>), not from its
# definition: here the definition has an old address, the running domain the right ones and a rom file
# that is gone since it started.
clone_host running healthy-vfio
domain_xml "$tmp/running" etc/libvirt/qemu win11 0000:09:00.0
domain_xml "$tmp/running" run/libvirt/qemu win11 0000:01:00.0,rom=/var/lib/libvirt/vbios/gone.rom 0000:01:00.1
python3 - "$tmp/running/run/libvirt/qemu/win11.xml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
head, dom = s.split("<domain type='kvm'>", 1)
open(p, "w").write(head + "<domstatus state='running' reason='booted' pid='4242'>\n"
                   "  <monitor path='/var/lib/libvirt/qemu/domain-1-win11/monitor.sock' type='unix'/>\n"
                   "  <devices>\n    <device alias='hostdev0'/>\n  </devices>\n"
                   "  <domain type='kvm' id='1'>" + dom.rstrip("\n") + "\n</domstatus>\n")
PY
first running win11 "romfile-unreadable 0000:01:00.0" "all(x['id'] != 'wrong-host-address' for x in c)"

# A name that is no libvirt domain name, or no domain at all: one line, exit status 2, nothing read.
expect 2 'domain' -- "$bin" --sysroot "$tmp/moved" --domain ../../etc/passwd --format json
expect 2 'domain' -- "$bin" --sysroot "$tmp/moved" --domain "$(printf 'a\nb')" --format json
expect 2 'nosuch' -- "$bin" --sysroot "$tmp/moved" --domain nosuch --format json
finish
