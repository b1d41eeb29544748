#!/usr/bin/env bash
# The VGA path against fixture hosts (tests/fixtures/build.sh): which boot framebuffer holds the GPU and the
# kernel parameter that releases it on that host's kernel (efifb on 6.1, sysfb's BOOTFB with simpledrm on
# 6.8), a secondary GPU that needs none, 'plan' choosing the same parameter, x-vga=on on a device whose
# class is not VGA, a GPU and its audio function split over two guest slots by a libvirt domain, the VGA
# arbiter's boot device as evidence, a guest's BAR that its 64-bit window cannot hold (Resizable BAR), and
# fbcon bound to a framebuffer of the GPU, and a SeaBIOS guest shown on the GPU's own ROM.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
build_fixtures

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# causes FILE.json: "id device confidence" per cause, rank order.
causes() {
        python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["causes"]: print(c["id"], c["device"] or "-", c["confidence"])' "$1"
}
# fixes FILE.json ID: the fix commands of cause ID.
fixes() {
        python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["causes"]:
    if c["id"] == sys.argv[2]: print("\n".join(f["command"] for f in c["fix"]))' "$1" "$2"
}

# framebuffer FIXTURE ADDRESS WANT NOT: framebuffer-owns-bar first, its boot-loader fix adds WANT, never NOT.
framebuffer() {
        local name=$1 addr=$2 want=$3 not=$4
        "$bin" --rules "$rules" --sysroot "$fx/$name" --format json check "$addr" >"$tmp/$name.json"
        local first
        first=$(causes "$tmp/$name.json" | head -1)
        [ "$first" = "framebuffer-owns-bar - confirmed" ] || { fail "$name: first cause '$first'"; return; }
        fixes "$tmp/$name.json" framebuffer-owns-bar >"$tmp/$name.fix"
        grep -qF "s/^GRUB_CMDLINE_LINUX_DEFAULT=\"/&$want /" "$tmp/$name.fix" || { fail "$name: no '$want' fix"; cat "$tmp/$name.fix"; return; }
        grep -qF -- "$not" "$tmp/$name.fix" && { fail "$name: names '$not'"; cat "$tmp/$name.fix"; return; }
        echo "ok: $name: framebuffer-owns-bar, fix adds $want"
}
framebuffer efifb-owns-bar 0000:01:00.0 "video=efifb:off video=vesafb:off" initcall_blacklist
framebuffer bootfb-simpledrm 0000:0c:00.0 "initcall_blacklist=sysfb_init" "&video=efifb:off"
"$bin" --rules "$rules" --sysroot "$fx/bootfb-simpledrm" check 0000:0c:00.0 >"$tmp/sd.txt"
"$bin" --rules "$rules" --sysroot "$fx/bootfb-simpledrm" --format json check 0000:0c:00.0 >"$tmp/sd.json"
grep -qF 'framebuffer BOOTFB (simpledrm): [mem 0x7800000000-0x78007e8fff] inside BAR 0 of 0000:0c:00.0 (boot_vga=1); released by initcall_blacklist=sysfb_init on linux 6.8.0-45-generic' "$tmp/sd.txt" ||
        { fail "bootfb-simpledrm probe line"; cat "$tmp/sd.txt"; }

# The snapshot keeps the driver nested in BOOTFB, and the replay chooses the same parameter.
"$bin" --sysroot "$fx/bootfb-simpledrm" snapshot -o "$tmp/sd.snap"
python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["framebuffers"]; assert f == [{"name":"BOOTFB","driver":"simpledrm","start":0x7800000000,"end":0x78007e8fff,"device":"0000:0c:00.0","bar":0}], f' "$tmp/sd.snap" ||
        fail "snapshot framebuffers"
"$bin" --rules "$rules" --snapshot "$tmp/sd.snap" check 0000:0c:00.0 >"$tmp/sd.replay"
diff -q "$tmp/sd.txt" "$tmp/sd.replay" >/dev/null || { fail "snapshot replay differs"; diff "$tmp/sd.txt" "$tmp/sd.replay" | head; }

# A secondary GPU (the host boots on the iGPU): no framebuffer in its BARs, no cause.
"$bin" --rules "$rules" --sysroot "$fx/healthy-vfio" --format json check 0000:01:00.0 >"$tmp/h.json"
[ -z "$(causes "$tmp/h.json")" ] && echo "ok: secondary GPU: no cause" || { fail "secondary GPU"; causes "$tmp/h.json"; }

# Without probes the kernel's own line decides nothing about the host: the parameter that works on every
# kernel. linux kernel/resource.c iomem_map_sanity_check().
printf '%s\n' '[  622.801327] resource sanity check: requesting [mem 0xe0000000-0xefffffff], which spans more than BOOTFB [mem 0xe0000000-0xe07e8fff]' >"$tmp/k.log"
"$bin" --rules "$rules" --no-probe --format json "$tmp/k.log" >"$tmp/k.json"
fixes "$tmp/k.json" framebuffer-owns-bar | grep -qF '&initcall_blacklist=sysfb_init /' || { fail "no-probe fix"; cat "$tmp/k.json"; }

# plan takes the same decision: the devices off vfio-pci (plan refuses those on it), and once the running
# kernel has the parameter, no step.
unbind() { # COPY FIXTURE ADDRESS...: a copy with the functions on no driver
        local c=$1 f=$2
        shift 2
        cp -a "$fx/$f" "$tmp/$c"
        for a in "$@"; do
                rm -f "$tmp/$c/sys/bus/pci/devices/$a/driver" "$tmp/$c/sys/bus/pci/drivers/vfio-pci/$a"
        done
}
unbind sd-plan bootfb-simpledrm 0000:0c:00.0 0000:0c:00.1
unbind efi-plan efifb-owns-bar 0000:01:00.0 0000:01:00.1
"$bin" --sysroot "$tmp/sd-plan" --format json plan 0000:0c:00.0 >"$tmp/p1.json"
"$bin" --sysroot "$tmp/efi-plan" --format json plan 0000:01:00.0 >"$tmp/p2.json"
planfb() { python3 -c 'import json,sys
s=[s for s in json.load(open(sys.argv[1]))["plan"]["steps"] if s["title"] == "Keep the boot framebuffer off the GPU"]
print(" ".join(s[0]["commands"]) if s else "none")' "$1"; }
case $(planfb "$tmp/p1.json") in *"&initcall_blacklist=sysfb_init /"*) echo "ok: plan on 6.8 with BOOTFB: initcall_blacklist=sysfb_init" ;; *) fail "plan sysfb: $(planfb "$tmp/p1.json")" ;; esac
case $(planfb "$tmp/p2.json") in *initcall_blacklist*) fail "plan efifb names sysfb" ;; *"&video=efifb:off video=vesafb:off /"*) echo "ok: plan with efifb: video=efifb:off" ;; *) fail "plan efifb: $(planfb "$tmp/p2.json")" ;; esac
sed -i 's/$/ initcall_blacklist=sysfb_init/' "$tmp/sd-plan/proc/cmdline"
"$bin" --sysroot "$tmp/sd-plan" --format json plan 0000:0c:00.0 >"$tmp/p3.json"
[ "$(planfb "$tmp/p3.json")" = none ] && echo "ok: plan: parameter already given" || fail "plan repeats a given parameter"

# x-vga=on on a 3D controller. qemu hw/vfio/pci.c vfio_populate_vga() via vfio_realize(), then the hint of
# vfio_populate_device().
cp -a "$fx/healthy-vfio" "$tmp/3d"
cls=$(readlink -f "$tmp/3d/sys/bus/pci/devices/0000:01:00.0")/class
chmod u+w "$cls" && echo 0x030200 >"$cls"
printf '%s\n' 'qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,x-vga=on: vfio 0000:01:00.0: failed getting region info for VGA region index 8: Invalid argument' \
        'device does not support requested feature x-vga' >"$tmp/xvga.log"
xvga() { # FIXTURE WANT-SOURCES
        "$bin" --rules "$rules" --sysroot "$1" --format json "$tmp/xvga.log" >"$tmp/x.json"
        python3 - "$tmp/x.json" "$2" <<'PY' || fail "x-vga on $1"
import json, sys
c = json.load(open(sys.argv[1]))["causes"]
assert c[0]["id"] == "x-vga-unsupported" and c[0]["device"] == "0000:01:00.0" and c[0]["confidence"] == "confirmed", c[0]
src = ",".join(sorted({e["source"] for e in c[0]["evidence"]}))
assert src == sys.argv[2], src
PY
}
xvga "$tmp/3d" probe,qemu && echo "ok: x-vga on a 3D controller: qemu and probe evidence"
xvga "$fx/healthy-vfio" qemu && echo "ok: x-vga on a VGA device: qemu evidence only (kernel config or disable_vga)"
"$bin" --rules "$rules" --sysroot "$tmp/3d" "$tmp/xvga.log" | grep -qF 'vfio-pci 0000:01:00.0 x-vga=on: class=030200 (3D controller) is not a VGA controller (0300xx)' ||
        fail "x-vga probe line"
# The same in libvirt's JSON -device form of the domain log.
printf '%s\n' "-device '{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\",\"bus\":\"pci.5\",\"addr\":\"0x0\",\"x-vga\":true}' \\" >"$tmp/xj.log"
cat "$tmp/xvga.log" >>"$tmp/xj.log"
"$bin" --rules "$rules" --sysroot "$tmp/3d" "$tmp/xj.log" | grep -qF 'x-vga=on: class=030200' || fail "x-vga from JSON -device"
# x-vga=on from a <qemu:commandline> -set after the hostdev's -device, as libvirt writes its command line into
# the domain log (src/util/vircommand.c, one option a line): QEMU applies it to a key=value -device (libvirt
# before QEMU 6.2; its error then names the -device without x-vga), so the probe checks the class; to a
# JSON -device it cannot, and QEMU exits first
# (system/vl.c qemu_set_option(), the line this machine's QEMU 7.2 printed for it).
printf '%s\n' '-device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.0,addr=0x5 \' '-set device.hostdev0.x-vga=on \' \
        '-msg timestamp=on' \
        'qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.0,addr=0x5: vfio 0000:01:00.0: failed getting region info for VGA region index 8: Invalid argument' \
        'device does not support requested feature x-vga' >"$tmp/xs.log"
"$bin" --rules "$rules" --sysroot "$tmp/3d" "$tmp/xs.log" | grep -qF 'x-vga=on: class=030200' && echo "ok: x-vga from -set device.ID" ||
        fail "x-vga from -set device.ID"
printf '%s\n' "-device '{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\",\"bus\":\"pci.5\",\"addr\":\"0x0\"}' \\" \
        '-set device.hostdev0.x-vga=on \' \
        '2026-11-24T14:50:47.516287Z qemu-system-x86_64: -set device.hostdev0.x-vga=on: there is no device "hostdev0" defined' >"$tmp/xsj.log"
"$bin" --rules "$rules" --sysroot "$tmp/3d" --format json "$tmp/xsj.log" >"$tmp/xsj.json"
[ "$(causes "$tmp/xsj.json" | head -1)" = "qemu-set-on-json-device - confirmed" ] && ! grep -qF 'x-vga=on: class' "$tmp/xsj.json" &&
        echo "ok: -set on a JSON -device: that cause, and no x-vga probe" || { fail "-set on a JSON -device"; causes "$tmp/xsj.json"; }

# A GPU and its audio in two guest slots: a domain of the gpu-audio-companion host (libvirt's
# virDomainDefFormat() layout, two root ports at buses 5 and 6).
split_xml() { # ROOT AUDIO-BUS AUDIO-FUNCTION
        mkdir -p "$1/etc/libvirt/qemu"
        cat >"$1/etc/libvirt/qemu/win11.xml" <<XML
<domain type='kvm'>
  <name>win11</name>
  <uuid>4dea24b3-1d52-d8f3-2516-782e98a23fa0</uuid>
  <memory unit='KiB'>16777216</memory>
  <os firmware='efi'>
    <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </source>
      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>
      </source>
      <address type='pci' domain='0x0000' bus='$2' slot='0x00' function='$3'/>
    </hostdev>
  </devices>
</domain>
XML
}
cp -a "$fx/gpu-audio-companion" "$tmp/split"
split_xml "$tmp/split" 0x06 0x0
"$bin" --rules "$rules" --sysroot "$tmp/split" --domain win11 --format json >"$tmp/s.json"
causes "$tmp/s.json" | grep -qx 'guest-function-split 0000:01:00.1 likely' && echo "ok: GPU and audio in two guest slots" ||
        { fail "split functions"; causes "$tmp/s.json"; }
fixes "$tmp/s.json" guest-function-split | grep -qx 'virsh edit win11' || fail "split fix"
split_xml "$tmp/split" 0x05 0x1
"$bin" --rules "$rules" --sysroot "$tmp/split" --domain win11 --format json >"$tmp/s2.json"
causes "$tmp/s2.json" | grep -q guest-function-split && fail "one multifunction slot reported as split" || echo "ok: one multifunction slot: no split"
# VGA arbitration: the boot VGA line is evidence for the framebuffer cause of the device it names, and
# nothing by itself. linux drivers/pci/vgaarb.c vga_arbiter_add_pci_device(); drivers/pci/pci.c
# __pci_request_region() via vfio-pci.
printf '%s\n' '[    0.390125] pci 0000:01:00.0: vgaarb: setting as boot VGA device' \
        '[    0.390127] pci 0000:01:00.0: vgaarb: VGA device added: decodes=io+mem,owns=io+mem,locks=none' \
        '[    0.390131] pci 0000:01:00.0: vgaarb: bridge control possible' '[    0.390140] vgaarb: loaded' >"$tmp/vgaarb.log"
"$bin" --rules "$rules" --no-probe --format json "$tmp/vgaarb.log" >"$tmp/va.json"; rc=$?
[ $rc = 0 ] && [ -z "$(causes "$tmp/va.json")" ] && echo "ok: vgaarb lines alone: no cause" || { fail "vgaarb alone (exit $rc)"; causes "$tmp/va.json"; }
vgaarb_with() { # DEVICE-OF-THE-FAILURE WANT-EVIDENCE-COUNT
        cp "$tmp/vgaarb.log" "$tmp/vb.log"
        echo "[  527.140312] vfio-pci $1: BAR 1: can't reserve [mem 0xe0000000-0xefffffff 64bit pref]" >>"$tmp/vb.log"
        "$bin" --rules "$rules" --no-probe --format json "$tmp/vb.log" >"$tmp/vb.json"
        python3 - "$tmp/vb.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["causes"]
assert len(c) == 1 and c[0]["id"] == "framebuffer-owns-bar", c
assert len(c[0]["evidence"]) == int(sys.argv[2]), c[0]["evidence"]
PY
}
vgaarb_with 0000:01:00.0 2 && echo "ok: boot VGA line joins the framebuffer cause of its device" || fail "vgaarb with its device"
vgaarb_with 0000:02:00.0 1 && echo "ok: boot VGA line of another device stays out" || fail "vgaarb with another device"

# A guest that cannot place a large BAR (--guest), on a host whose RX 6800 has a 16 GiB Resizable BAR
# 0: the cause is the guest's window, with the host's BAR as evidence and fixes naming its size and the
# device. linux drivers/pci/setup-res.c pci_assign_resource() (before 6.8).
printf '%s\n' '[    0.302615] pci 0000:06:00.0: BAR 0: no space for [mem size 0x400000000 64bit pref]' \
        '[    0.302617] pci 0000:06:00.0: BAR 0: failed to assign [mem size 0x400000000 64bit pref]' >"$tmp/g16.log"
"$bin" --rules "$rules" --sysroot "$fx/bootfb-simpledrm" --format json --guest "$tmp/g16.log" >"$tmp/g16.json"
python3 - "$tmp/g16.json" <<'PY' && echo "ok: guest BAR 0 of 16 GiB: bar-mmio-window with the host's large BAR" || fail "guest BAR with probe"
import json, sys
c = json.load(open(sys.argv[1]))["causes"]
assert [x["id"] for x in c] == ["bar-mmio-window"], c
ev = [(e["source"], e["text"]) for e in c[0]["evidence"]]
assert ("probe", "large-bar 0000:0c:00.0: BAR 0 size=0x400000000 (16384 MiB); resource0_resize=0000000000007f00") in ev, ev
assert any(s == "guest" for s, _ in ev), ev
fix = "\n".join(f["command"] + " " + f["why"] for f in c[0]["fix"])
for want in ("X-PciMmio64Mb,string=65536", "a BAR of 0x400000000 bytes", "/sys/bus/pci/devices/0000:0c:00.0/resource0_resize",
             "<pcihole64 unit='MiB'>65536</pcihole64>", "pci=realloc"):
    assert want in fix, want
# The guest's address is the guest's: never taken for a host device.
assert "0000:06:00.0" not in (c[0]["device"] or "") and "devices/0000:06:00.0" not in fix, fix
PY
# The same lines read without --guest may be the host's BAR problem or a guest's log pasted as is: nothing in
# them tells, so both, tied, the host's with the host's address.
"$bin" --rules "$rules" --no-probe --format json "$tmp/g16.log" >"$tmp/h16.json"
causes "$tmp/h16.json" >"$tmp/h16.causes"
{ grep -q '^host-bar-unassigned 0000:06:00.0' "$tmp/h16.causes" && grep -q '^bar-mmio-window -' "$tmp/h16.causes" &&
        [ "$(grep -c '"tied": true' "$tmp/h16.json")" = 2 ]; } && echo "ok: the same lines without --guest: the host's BAR or a guest's, tied" ||
        { fail "host reading of BAR lines"; cat "$tmp/h16.causes"; }
# A 64 GiB BAR (6.8+ wording) needs a window of twice that: 131072 MiB.
echo '[    0.801942] pci 0000:01:00.0: BAR 0 [mem size 0x1000000000 64bit pref]: failed to assign' >"$tmp/g64.log"
"$bin" --rules "$rules" --no-probe --format json --guest "$tmp/g64.log" >"$tmp/g64.json"
python3 -c 'import json,sys
c=json.load(open(sys.argv[1]))["causes"][0]
assert c["id"] == "bar-mmio-window", c
w=" ".join(f["why"] for f in c["fix"]); assert "X-PciMmio64Mb,string=131072" in w and "0x1000000000" in w, w' "$tmp/g64.json" &&
        echo "ok: 64 GiB BAR: X-PciMmio64Mb=131072" || fail "64 GiB window"
# The snapshot keeps the Resizable BAR sizes, and its replay gives the same line.
python3 -c 'import json,sys
d={d["address"]: d for d in json.load(open(sys.argv[1]))["devices"]}
assert d["0000:0c:00.0"]["rebar_sizes"] == [0x7f00, 0, 0, 0, 0, 0], d["0000:0c:00.0"]
assert "rebar_sizes" not in d["0000:0c:00.1"], d["0000:0c:00.1"]' "$tmp/sd.snap" || fail "snapshot rebar_sizes"
"$bin" --rules "$rules" --snapshot "$tmp/sd.snap" --format json --guest "$tmp/g16.log" >"$tmp/g16s.json"
grep -qF 'resource0_resize=0000000000007f00' "$tmp/g16s.json" && echo "ok: snapshot replay keeps resource0_resize" || fail "snapshot replay rebar"
# fbcon on the framebuffer of the device to be passed. On bootfb-simpledrm it draws on simpledrm's fb0,
# the boot framebuffer inside BAR 0: evidence for the framebuffer cause, with the console's own unbind.
python3 - "$tmp/sd.json" <<'PY' && echo "ok: fbcon on the boot framebuffer: evidence and fix" || fail "fbcon on BOOTFB"
import json, sys
c = json.load(open(sys.argv[1]))["causes"][0]
ev = [e["text"] for e in c["evidence"]]
assert "console vtcon1 ((S) frame buffer device) bound: fb0 (simpledrmdrmfb) of simple-framebuffer.0 inside BAR 0 of 0000:0c:00.0" in ev, ev
assert "boot-vga 0000:0c:00.0: boot_vga=1" in ev, ev
assert "echo 0 | sudo tee /sys/class/vtconsole/vtcon1/bind" in [f["command"] for f in c["fix"]], c["fix"]
PY
# The snapshot keeps the console facts; a framebuffer device name that is no sysfs name is refused.
python3 -c 'import json,sys
s=json.load(open(sys.argv[1]))
assert sorted(s["vtconsoles"], key=lambda c: c["index"]) == [{"index": 0, "name": "(S) dummy device", "bound": False}, {"index": 1, "name": "(S) frame buffer device", "bound": True}], s["vtconsoles"]
assert s["fbs"] == [{"index": 0, "name": "simpledrmdrmfb", "device": "simple-framebuffer.0"}], s["fbs"]
s["fbs"][0]["device"] = "x; rm -rf /"
json.dump(s, open(sys.argv[2], "w"))' "$tmp/sd.snap" "$tmp/bad.snap" || fail "snapshot console facts"
"$bin" --rules "$rules" --snapshot "$tmp/bad.snap" check 0000:0c:00.0 >/dev/null 2>"$tmp/bad.err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] && grep -q 'not a device name' "$tmp/bad.err" &&
        echo "ok: snapshot: a hostile framebuffer device name is refused" || { fail "hostile fbs device (exit $rc)"; cat "$tmp/bad.err"; }
# On gpu-on-amdgpu, fbcon on amdgpu's own fb0: the host uses the GPU as its console.
fbcon_on_amdgpu() { # COPY BIND
        cp -a "$fx/gpu-on-amdgpu" "$tmp/$1"
        mkdir -p "$tmp/$1/sys/class/vtconsole/vtcon1" "$tmp/$1/sys/class/graphics/fb0"
        echo "(S) frame buffer device" >"$tmp/$1/sys/class/vtconsole/vtcon1/name"
        echo "$2" >"$tmp/$1/sys/class/vtconsole/vtcon1/bind"
        ln -s ../../../devices/pci0000:00/0000:00:03.1/0000:0a:00.0/0000:0b:00.0/0000:0c:00.0 "$tmp/$1/sys/class/graphics/fb0/device"
        echo "0 amdgpudrmfb" >"$tmp/$1/proc/fb"
        "$bin" --rules "$rules" --sysroot "$tmp/$1" --format json check 0000:0c:00.0 >"$tmp/$1.json"
}
fbcon_on_amdgpu amd-fbcon 1
python3 - "$tmp/amd-fbcon.json" <<'PY' && echo "ok: fbcon on amdgpu's fb: device-busy-in-use with the vtcon unbind" || fail "fbcon on amdgpu"
import json, sys
c = json.load(open(sys.argv[1]))["causes"][0]
assert (c["id"], c["device"]) == ("device-busy-in-use", "0000:0c:00.0"), c
assert "console vtcon1 ((S) frame buffer device) bound: fb0 (amdgpudrmfb) of 0000:0c:00.0" in [e["text"] for e in c["evidence"]]
assert "echo 0 | sudo tee /sys/class/vtconsole/vtcon1/bind" in [f["command"] for f in c["fix"]], c["fix"]
PY
fbcon_on_amdgpu amd-nofbcon 0
causes "$tmp/amd-nofbcon.json" | grep -q device-busy-in-use && fail "an unbound console reported as busy" || echo "ok: fbcon unbound: no console cause"
# A SeaBIOS guest whose only display is the passed GPU, with no <rom file>: the card's own ROM must hold
# an x86 legacy image, which vfioexplain does not read (that writes to sysfs). Evidence for a ROM cause
# found otherwise, nothing by itself. qemu hw/vfio/pci.c vfio_pci_load_rom().
seabios_xml() { # ROOT OS-ATTRIBUTES
        mkdir -p "$1/etc/libvirt/qemu" "$1/var/log/libvirt/qemu"
        cat >"$1/etc/libvirt/qemu/win7.xml" <<XML
<domain type='kvm'>
  <name>win7</name>
  <memory unit='KiB'>8388608</memory>
  <os$2>
    <type arch='x86_64' machine='pc-i440fx-8.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </source>
    </hostdev>
    <video>
      <model type='none'/>
    </video>
  </devices>
</domain>
XML
}
cp -a "$fx/healthy-vfio" "$tmp/sb"
seabios_xml "$tmp/sb" ""
: >"$tmp/sb/var/log/libvirt/qemu/win7.log"
"$bin" --rules "$rules" --sysroot "$tmp/sb" --domain win7 --format json >"$tmp/sb0.json"
[ -z "$(causes "$tmp/sb0.json")" ] && echo "ok: SeaBIOS display without romfile, no failure: no cause" || { fail "SeaBIOS alone"; causes "$tmp/sb0.json"; }
echo 'qemu-system-x86_64: vfio-pci: Cannot read device rom at 0000:01:00.0' >"$tmp/sb/var/log/libvirt/qemu/win7.log"
"$bin" --rules "$rules" --sysroot "$tmp/sb" --domain win7 --format json >"$tmp/sb1.json"
python3 - "$tmp/sb1.json" <<'PY' && echo "ok: SeaBIOS display without romfile: evidence for vbios-rom-needed, with the dump and vfioexplain rom" || fail "SeaBIOS with ROM failure"
import json, sys
c = json.load(open(sys.argv[1]))["causes"][0]
assert (c["id"], c["device"], c["confidence"]) == ("vbios-rom-needed", "0000:01:00.0", "confirmed"), c
assert any("VGA display of a SeaBIOS guest (no emulated display), no <rom file>" in e["text"] and "not probed" in e["text"] for e in c["evidence"]), c["evidence"]
cmds = [f["command"] for f in c["fix"]]
assert "vfioexplain rom --address 0000:01:00.0 /usr/share/vgabios/0000:01:00.0.rom" in cmds, cmds
assert any("echo 1 > rom" in x for x in cmds), cmds
PY
seabios_xml "$tmp/sb" " firmware='efi'"
"$bin" --rules "$rules" --sysroot "$tmp/sb" --domain win7 --format json >"$tmp/sb2.json"
grep -q 'VGA display of a SeaBIOS guest' "$tmp/sb2.json" && fail "an OVMF guest said to run SeaBIOS" || echo "ok: OVMF guest: no SeaBIOS line"
finish
