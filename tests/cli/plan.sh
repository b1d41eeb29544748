#!/usr/bin/env bash
# vfioexplain plan on fixture hosts (tests/fixtures/build.sh): the exact steps and commands for a GPU with
# its HDMI audio (vfio-pci built in, on the kernel command line; vfio-pci loadable, in modprobe.d), an
# NVMe drive that has an identical twin (driverctl, not ids=), a USB controller (softdep on xhci_pci, the
# module behind xhci_hcd), a USB controller whose group the host's NIC and SATA share (not viable, exit
# 1), a host with the IOMMU off; the JSON, the Markdown, a snapshot replay, the live host; the libvirt
# <hostdev> XML validated against libvirt's domain.rng; bad addresses.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
build_fixtures

# plan NAME FIXTURE STATUS PYTHON_CHECK ADDRESS...: `plan --format json` on FIXTURE exits STATUS, the
# Python expression holds of its output (j is the "plan" object; steps/cmds are shorthands), the text and
# Markdown forms exit the same and hold every command, and every command passes bash -n.
plan() {
        local name=$1 host=$2 want=$3 check=$4
        shift 4
        "$bin" --sysroot "$fx/$host" plan --format json "$@" >"$tmp/$name.json" 2>"$tmp/err" </dev/null
        local got=$?
        "$bin" --sysroot "$fx/$host" plan "$@" >"$tmp/$name.txt" 2>>"$tmp/err" </dev/null
        local got_text=$?
        "$bin" --sysroot "$fx/$host" plan --format markdown "$@" >"$tmp/$name.md" 2>>"$tmp/err" </dev/null
        local got_md=$?
        if [ "$got" -ne "$want" ] || [ "$got_text" -ne "$want" ] || [ "$got_md" -ne "$want" ] || [ -s "$tmp/err" ]; then
                echo "FAIL: $name: exit json=$got text=$got_text markdown=$got_md, want $want"
                sed 's/^/  stderr: /' "$tmp/err"
                fails=$((fails + 1))
                return
        fi
        local res
        res=$(python3 - "$tmp/$name.json" "$tmp/$name.txt" "$tmp/$name.md" "$check" <<'PY'
import json, subprocess, sys
try:
    root = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"no JSON ({e})"); sys.exit(0)
text, md = open(sys.argv[2]).read(), open(sys.argv[3]).read()
j = root["plan"]
steps = [s["title"] for s in j["steps"]]
cmds = {s["title"]: s["commands"] for s in j["steps"]}
problems = []
if root.get("version") != 1:
    problems.append("version is not 1")
for s in j["steps"]:
    if not s["why"]:
        problems.append(f"step {s['title']!r} has no why")
    for c in s["commands"]:
        if f"\n   {c}\n" not in text:
            problems.append(f"text lacks {c!r} as a line of its own")
        if f"\n{c}\n" not in md:
            problems.append(f"markdown lacks {c!r}")
        # Pasted as printed (issue 22): a placeholder such as <domain> is a redirection to bash.
        sh = subprocess.run(["bash", "-n", "-c", c], capture_output=True, text=True)
        if sh.returncode != 0:
            problems.append(f"{c!r} does not paste into bash: {sh.stderr.strip()}")
try:
    assert eval("(" + sys.argv[4] + ")")
except Exception as e:
    problems.append(f"{sys.argv[4]!r} does not hold: steps={steps} cmds={cmds} devices={[d['address'] for d in j['devices']]}")
print("; ".join(problems) if problems else "ok")
PY
)
        if [ "$res" != ok ]; then
                echo "FAIL: $name: $res"
                fails=$((fails + 1))
        else
                echo "ok: $name"
        fi
}

# golden FILE NAME: FILE is byte for byte tests/golden/NAME (VX_UPDATE_GOLDEN=1 writes it instead).
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

# GPU + HDMI audio, vfio-pci built in and the GPU on it through vfio-pci.ids= on the command line: the
# audio function goes along, the ids stay on the kernel command line (modprobe.d never reaches a
# built-in module), no softdep, no initramfs.
plan gpu-audio gpu-audio-companion 0 '
steps == ["Give the devices to vfio-pci at boot: vfio-pci.ids= on the kernel command line",
          "Apply the boot configuration and reboot", "Check the result",
          "Give the devices to the VM (libvirt)"]
and [(d["address"], d["role"], d["driver"]) for d in j["devices"]] == [("0000:01:00.0", "named", "vfio-pci"),
     ("0000:01:00.1", "same-card", "snd_hda_intel")]
and cmds[steps[0]] == ["sudo sed -i '"'"'s/^GRUB_CMDLINE_LINUX_DEFAULT=\"/&vfio-pci.ids=10de:1b80,10de:10f0 /'"'"' /etc/default/grub"]
and cmds[steps[1]] == ["sudo update-grub", "sudo systemctl reboot"]
and j["qemu_args"] == ["-device vfio-pci,host=0000:01:00.0,x-vga=on", "-device vfio-pci,host=0000:01:00.1"]
and j["viable"] is True and j["blockers"] == [] and j["host"]["cpu_vendor"] == "intel"
and any("x-vga=on" in n for n in j["notes"])
and not any("softdep" in c for c in sum(cmds.values(), []))
' 0000:01:00.0

# The same card on the host driver, vfio-pci loadable (Debian, AMD): ids and one softdep per host module
# in modprobe.d, vfio in the initramfs, update-initramfs; the boot GPU gets the optional ROM step.
plan gpu-nvidia gpu-on-nvidia 0 '
steps == ["Give the devices to vfio-pci at boot: ids and softdeps in /etc/modprobe.d",
          "Apply the boot configuration and reboot", "Check the result",
          "Give the devices to the VM (libvirt)", "Optional: a clean copy of the boot GPU'"'"'s ROM (VBIOS)"]
and cmds[steps[0]] == ["printf '"'"'options vfio-pci ids=10de:2206,10de:1aef\\nsoftdep nvidia pre: vfio-pci\\nsoftdep snd_hda_intel pre: vfio-pci\\n'"'"' | sudo tee /etc/modprobe.d/vfio.conf",
     "grep -qx vfio_pci /etc/initramfs-tools/modules || printf '"'"'vfio\\nvfio_iommu_type1\\nvfio_pci\\n'"'"' | sudo tee -a /etc/initramfs-tools/modules"]
and cmds[steps[1]] == ["sudo update-initramfs -u -k all", "sudo systemctl reboot"]
and cmds[steps[4]] == ["vfioexplain rom", "vfioexplain rom --address 0000:0b:00.0 /usr/share/vgabios/0000:0b:00.0.rom"]
and j["host"]["cpu_vendor"] == "amd"
' 0b:00.0

# amdgpu below a switch: the switch ports are bridges and stay out; the audio function goes along.
plan gpu-amdgpu gpu-on-amdgpu 0 '
[d["address"] for d in j["devices"]] == ["0000:0c:00.0", "0000:0c:00.1"]
and "softdep amdgpu pre: vfio-pci" not in json.dumps(j)
and cmds[steps[0]] == ["sudo sed -i '"'"'s/^GRUB_CMDLINE_LINUX_DEFAULT=\"/&vfio-pci.ids=1002:73bf,1002:ab28 /'"'"' /etc/default/grub"]
' 0c:00.1

# An NVMe drive with an identical twin: ids= would take both, so binding is by address.
plan nvme-twin nvme-twins-usb 0 '
steps == ["Give the devices to vfio-pci by address (driverctl)", "Check the result",
          "Give the devices to the VM (libvirt)"]
and cmds[steps[0]] == ["sudo apt install driverctl", "sudo driverctl set-override 0000:01:00.0 vfio-pci"]
and "0000:02:00.0 [144d:a808]" in j["steps"][0]["why"]
and [d["address"] for d in j["devices"]] == ["0000:01:00.0"]
and j["qemu_args"] == ["-device vfio-pci,host=0000:01:00.0"]
and j["hostdev_xml"] == "<hostdev mode='"'"'subsystem'"'"' type='"'"'pci'"'"' managed='"'"'yes'"'"'>\n  <source>\n    <address domain='"'"'0x0000'"'"' bus='"'"'0x01'"'"' slot='"'"'0x00'"'"' function='"'"'0x0'"'"'/>\n  </source>\n</hostdev>\n"
and any("0000:02:00.0" in n for n in j["notes"])
' 01:00.0

# Both drives named: no twin is left on the host, so ids= is right again (softdep on nvme).
plan nvme-both nvme-twins-usb 0 '
cmds[steps[0]][0] == "printf '"'"'options vfio-pci ids=144d:a808\\nsoftdep nvme pre: vfio-pci\\n'"'"' | sudo tee /etc/modprobe.d/vfio.conf"
and len(j["qemu_args"]) == 2
' 01:00.0 02:00.0

# A USB controller on xhci_hcd: the softdep names xhci_pci, the module that registers xhci_hcd.
plan usb nvme-twins-usb 0 '
steps == ["Give the devices to vfio-pci at boot: ids and softdeps in /etc/modprobe.d",
          "Apply the boot configuration and reboot", "Check the result",
          "Give the devices to the VM (libvirt)"]
and cmds[steps[0]][0] == "printf '"'"'options vfio-pci ids=1912:0015\\nsoftdep xhci_pci pre: vfio-pci\\n'"'"' | sudo tee /etc/modprobe.d/vfio.conf"
and j["qemu_args"] == ["-device vfio-pci,host=0000:03:00.0"]
and "x-vga" not in json.dumps(j)
' 03:00.0

# A USB controller whose group the host's NIC and SATA controller share (Fedora): not viable, said so
# first, exit 1; the bridges of the group are neither blockers nor devices; dracut commands.
plan usb-shared group-shared-usb-sata 1 '
steps[0] == "IOMMU group 14 is not viable: it holds devices the host uses"
and cmds[steps[0]] == ["ls -l /sys/kernel/iommu_groups/14/devices/", "sudo lspci -vvv | grep -E '"'"'^[0-9a-f]{2}:|ACSCap|ACSCtl'"'"'"]
and sorted(b["address"] for b in j["blockers"]) == ["0000:03:00.0", "0000:05:00.0"]
and j["viable"] is False
and "pcie_acs_override" in j["steps"][0]["why"]
and cmds[steps[1]][1] == "echo '"'"'force_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"'"'"' | sudo tee /etc/dracut.conf.d/vfio.conf"
and cmds["Apply the boot configuration and reboot"] == ["sudo dracut -f --regenerate-all", "sudo systemctl reboot"]
' 04:00.0

# IOMMU off on an Intel host with a DMAR table: intel_iommu=on first, then the binding, update-grub and
# update-initramfs, and plan again after the reboot; the groups are not known, the card goes together.
plan iommu-off iommu-off-kernel 0 '
steps[0] == "Turn on the IOMMU on the kernel command line: intel_iommu=on"
and cmds[steps[0]] == ["sudo sed -i '"'"'s/^GRUB_CMDLINE_LINUX_DEFAULT=\"/&intel_iommu=on /'"'"' /etc/default/grub"]
and "amd_iommu=on" not in json.dumps(j["steps"])
and cmds["Apply the boot configuration and reboot"] == ["sudo update-grub", "sudo update-initramfs -u -k all", "sudo systemctl reboot"]
and cmds["Check the result"][-1] == "vfioexplain plan 0000:01:00.0"
and j["viable"] is None and j["host"]["iommu"] is False
and [d["address"] for d in j["devices"]] == ["0000:01:00.0", "0000:01:00.1"]
' 01:00.0

# No DMAR table at all (VT-d off in the firmware; intel_iommu=on already given): the firmware step only.
plan iommu-firmware iommu-off-firmware 0 '
steps[0] == "Turn on VT-d in the firmware setup"
and cmds[steps[0]] == ["sudo systemctl reboot --firmware-setup"]
and not any("intel_iommu=on" in c for c in cmds[steps[0]])
and "Turn on the IOMMU on the kernel command line: intel_iommu=on" not in steps
' 01:00.0

# The boot framebuffer inside the GPU's BAR, GPU and audio on vfio-pci already: no binding, the kernel
# parameters that keep the framebuffer off, then what remains.
plan efifb-bound efifb-owns-bar 0 '
steps == ["Keep the boot framebuffer off the GPU", "Apply the boot configuration and reboot", "Check the result",
          "Give the devices to the VM (libvirt)", "Optional: a clean copy of the boot GPU'"'"'s ROM (VBIOS)"]
and j["on_vfio"] is True
and not any("vfio-pci" in t and "at boot" in t for t in steps)
' 01:00.0

# Already on vfio-pci (a guide followed up to the binding): the steps that remain, exit 0; no --domain, so
# the domain is a variable set first. The text is compared whole with its golden.
plan bound healthy-vfio 0 '
steps == ["Check the result", "Give the devices to the VM (libvirt)"]
and cmds[steps[1]] == ["DOMAIN=your-vm   # the libvirt domain to give the devices to (virsh list --all)",
                       "sudo virsh edit \"$DOMAIN\""]
and j["on_vfio"] is True and j["viable"] is True
and [d["address"] for d in j["devices"]] == ["0000:01:00.0", "0000:01:00.1"]
and j["qemu_args"] == ["-device vfio-pci,host=0000:01:00.0,x-vga=on", "-device vfio-pci,host=0000:01:00.1"]
' 01:00.0
COLUMNS=80 "$bin" --sysroot "$fx/healthy-vfio" plan 01:00.0 >"$tmp/bound-80.txt"
golden "$tmp/bound-80.txt" plan-bound.txt
plan bound-nvme vfio-node-root-only 0 '
steps == ["Check the result", "Give the devices to the VM (libvirt)"] and j["on_vfio"] is True
' 01:00.0

# --domain names the domain in the commands; a name that is not safe unquoted is refused.
"$bin" --sysroot "$fx/nvme-twins-usb" plan --domain win11 03:00.0 >"$tmp/dom.txt" 2>&1
grep -qx '   sudo virsh edit win11' "$tmp/dom.txt" && echo "ok: --domain win11" || { echo "FAIL: --domain"; fails=$((fails + 1)); }
expect 2 "--domain: .* is not a domain name" -- "$bin" --sysroot "$fx/nvme-twins-usb" plan --domain 'a;rm -rf /' 03:00.0

# Bad addresses and usage: one line, exit 2.
expect 2 "no such PCI device on this host" -- "$bin" --sysroot "$fx/nvme-twins-usb" plan 0000:09:00.0
expect 2 "0000:00:01.1 is a PCI bridge" -- "$bin" --sysroot "$fx/nvme-twins-usb" plan 00:01.1
expect 2 "is not a PCI address" -- "$bin" --sysroot "$fx/nvme-twins-usb" plan 01:00
expect 2 "is not a PCI address" -- "$bin" --sysroot "$fx/nvme-twins-usb" plan '../../etc'
expect 2 "usage: vfioexplain plan" -- "$bin" --sysroot "$fx/nvme-twins-usb" plan
expect 2 "this command is about the host itself" -- "$bin" --no-probe plan 01:00.0
expect 2 "PCI devices could not be read" -- "$bin" --sysroot "$tmp" plan 01:00.0
expect 2 "too many addresses" -- "$bin" --sysroot "$fx/nvme-twins-usb" plan $(for i in $(seq 1 17); do printf '01:00.0 '; done)

# A snapshot replays to the same plan.
"$bin" --sysroot "$fx/nvme-twins-usb" snapshot -o "$tmp/snap.json" 2>/dev/null
"$bin" --snapshot "$tmp/snap.json" plan 01:00.0 >"$tmp/snap.txt" 2>&1
"$bin" --sysroot "$fx/nvme-twins-usb" plan 01:00.0 >"$tmp/live.txt" 2>&1
if cmp -s "$tmp/snap.txt" "$tmp/live.txt"; then echo "ok: snapshot replay gives the same plan"; else
        echo "FAIL: snapshot replay differs"; diff "$tmp/live.txt" "$tmp/snap.txt" | head; fails=$((fails + 1)); fi

# The generated <hostdev> elements inside a minimal domain, against libvirt's own schema.
xml_check() {
        local name=$1 body
        body=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan"]["hostdev_xml"])' "$tmp/$name.json")
        cat >"$tmp/$name-domain.xml" <<EOF
<domain type='kvm'>
  <name>plan-test</name>
  <memory unit='KiB'>1048576</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
$body
  </devices>
</domain>
EOF
        if command -v virt-xml-validate >/dev/null && [ -f /usr/share/libvirt/schemas/domain.rng ]; then
                if virt-xml-validate "$tmp/$name-domain.xml" domain >"$tmp/xml.log" 2>&1; then
                        echo "ok: $name: <hostdev> XML validates against libvirt's domain.rng"
                else
                        echo "FAIL: $name: virt-xml-validate"; cat "$tmp/xml.log"; fails=$((fails + 1))
                fi
        elif xmllint --noout "$tmp/$name-domain.xml" 2>"$tmp/xml.log"; then
                echo "WARNING: virt-xml-validate or libvirt's schemas are missing (tests/deps.sh installs"
                echo "WARNING: libvirt-clients): $name XML only checked well-formed with xmllint, NOT against domain.rng"
        else
                echo "FAIL: $name: XML not well-formed"; cat "$tmp/xml.log"; fails=$((fails + 1))
        fi
}
xml_check gpu-audio
xml_check nvme-twin
xml_check nvme-both

# The live host: whatever it has, a plan or one clear line, never a crash. Without an IOMMU the first
# step is turning it on.
addr=""
for d in /sys/bus/pci/devices/*; do
        [ -e "$d" ] || continue
        case $(cat "$d/class") in 0x0604* | 0x0600* | 0x0806*) continue ;; esac
        [ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = vfio-pci ] && continue
        addr=$(basename "$d")
        break
done
if [ -z "$addr" ]; then
        echo "NOTE: this host has no PCI endpoint off vfio-pci: the live plan is not exercised"
else
        "$bin" plan --format json "$addr" >"$tmp/live.json" 2>"$tmp/err"
        st=$?
        res=$(python3 - "$tmp/live.json" "$st" <<'PY'
import json, sys, os
st = int(sys.argv[2])
if st not in (0, 1):
    print(f"exit {st}"); sys.exit(0)
j = json.load(open(sys.argv[1]))["plan"]
iommu = bool(os.listdir("/sys/kernel/iommu_groups")) if os.path.isdir("/sys/kernel/iommu_groups") else False
first = j["steps"][0]["title"]
if not iommu and not first.startswith("Turn on"):
    print(f"no IOMMU here but the first step is {first!r}")
else:
    print("ok")
PY
)
        if [ "$res" = ok ]; then echo "ok: live host plan for $addr (exit $st)"; else
                echo "FAIL: live host plan for $addr: $res"; cat "$tmp/err"; fails=$((fails + 1)); fi
fi
finish
