#!/usr/bin/env bash
# The VGA path against fixture hosts (tests/fixtures/build.sh): which boot framebuffer holds the GPU and the
# kernel parameter that releases it on that host's kernel (efifb on 6.1, sysfb's BOOTFB with simpledrm on
# 6.8), a secondary GPU that needs none, 'plan' choosing the same parameter, x-vga=on on a device whose
# class is not VGA, and a GPU and its audio function split over two guest slots by a libvirt domain.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
fx="$tmp/fixtures"
mkdir -p "$fx"
bash "$src/tests/fixtures/build.sh" "$fx" >"$tmp/build.log" 2>&1 || { echo "FAIL: fixtures/build.sh"; cat "$tmp/build.log"; exit 1; }

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
finish
