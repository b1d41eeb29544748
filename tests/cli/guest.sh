#!/usr/bin/env bash
# --guest: a VM's own logs. A fixture sysroot holds the host's modules.alias; the guest's lspci -nnk shows
# devices without a driver; the module named comes from the host's modules.alias, from the guest's
# (--guest-modules-alias), or is unknown (--no-probe). The same lines given as a host log are not read as
# the guest's, and the guest's own DMAR/vfio lines never become host causes.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# causes FILE.json: "id device" per cause, rank order.
causes() {
        python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["causes"]: print(c["id"], c["device"] or "-")' "$1"
}
# text FILE.json: every explanation and evidence line with its source, one per line.
text() {
        python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["causes"]:
    x = c.get("explanation"); print("\n".join(x) if isinstance(x, list) else (x or ""))
    for e in c["evidence"]: print(e["source"], e["text"])' "$1"
}

# The host: kernel 6.8.0-45-generic with a modules.alias in depmod's format (kmod tools/depmod.c).
root="$tmp/root"
mkdir -p "$root/proc/sys/kernel" "$root/lib/modules/6.8.0-45-generic"
echo 6.8.0-45-generic >"$root/proc/sys/kernel/osrelease"
printf '%s\n' '# Aliases extracted from modules themselves.' \
        'alias pci:v000010DEd*sv*sd*bc03sc*i* nouveau' \
        'alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci' >"$root/lib/modules/6.8.0-45-generic/modules.alias"

# The guest: pciutils lspci.c show_device() -nn / show_kernel() -k output, and its dmesg.
printf '%s\n' \
        '[    0.412203] DMAR: Intel(R) Virtualization Technology for Directed I/O' \
        '[   41.002871] DMAR: [DMA Read NO_PASID] Request device [01:00.0] fault addr 0x7f3c2000 [fault reason 0x06] PTE Read access is not set' \
        '00:01.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [GeForce GTX 1080] [10de:1b80] (rev a1)' \
        '	Subsystem: ASUSTeK Computer Inc. Device [1043:8591]' \
        '00:1f.0 ISA bridge [0601]: Intel Corporation 82801IB (ICH9) LPC Interface Controller [8086:2918] (rev 02)' \
        '	Kernel driver in use: lpc_ich' >"$tmp/guest.txt"

"$bin" --rules "$rules" --sysroot "$root" --format json --guest "$tmp/guest.txt" >"$tmp/host-alias.json"
[ $? -eq 1 ] || fail "--guest with a driverless GPU: exit status is not 1"
# (the empty fixture host has no KVM and no vfio: its own causes are not checked here)
[ "$(causes "$tmp/host-alias.json" | grep '^guest-')" = "guest-no-driver -" ] ||
        { fail "host modules.alias: causes"; causes "$tmp/host-alias.json"; }
grep -q "modules.alias names nouveau" <(text "$tmp/host-alias.json") || fail "the host's modules.alias: nouveau not named"
grep -q "^guest lspci -nnk: 0000:00:01.0 \[10de:1b80\] class 0300 has no driver in use; kernel modules: none; modules.alias of the host's 6.8.0-45-generic: nouveau$" \
        <(text "$tmp/host-alias.json") || { fail "evidence of the driverless GPU"; text "$tmp/host-alias.json"; }
grep -q "CONFIG_DRM_NOUVEAU" "$tmp/host-alias.json" || fail "no build option in the fix"
# the ISA bridge has a driver, the guest's DMAR fault is not the host's
grep -q "iommu-dma-fault\|8086:2918" "$tmp/host-alias.json" && fail "a guest line read as the host's"

# The guest's own modules.alias wins over the host's.
echo 'alias pci:v000010DEd00001B80sv*sd*bc*sc*i* nvidia' >"$tmp/guest.alias"
"$bin" --rules "$rules" --sysroot "$root" --format json --guest "$tmp/guest.txt" --guest-modules-alias "$tmp/guest.alias" >"$tmp/guest-alias.json"
grep -q "modules.alias of the guest: nvidia" <(text "$tmp/guest-alias.json") || { fail "--guest-modules-alias not used"; text "$tmp/guest-alias.json"; }

# No probes: no modules.alias is read.
"$bin" --rules "$rules" --no-probe --format json --guest "$tmp/guest.txt" >"$tmp/noprobe.json"
grep -q "modules.alias: unknown" <(text "$tmp/noprobe.json") || { fail "--no-probe: modules.alias read"; text "$tmp/noprobe.json"; }
[ "$(causes "$tmp/noprobe.json")" = "guest-no-driver -" ] || fail "--no-probe: causes"

# A pipe works as a guest file; the same text as a host log is the host's (its DMAR fault is).
"$bin" --rules "$rules" --no-probe --format json --guest <(cat "$tmp/guest.txt") >"$tmp/pipe.json"
[ "$(causes "$tmp/pipe.json")" = "guest-no-driver -" ] || fail "a pipe as --guest"
"$bin" --rules "$rules" --no-probe --format json "$tmp/guest.txt" >"$tmp/as-host.json"
causes "$tmp/as-host.json" | grep -q '^iommu-dma-fault' || fail "the same lines as a host log: no iommu-dma-fault"
causes "$tmp/as-host.json" | grep -q '^guest-' && fail "a host log gave a guest cause"

# logcat lines are the guest's without --guest.
printf '%s\n' '11-23 10:00:02.345   412   412 W EGL-MAIN: Failed to open any DRM device' >"$tmp/logcat.txt"
"$bin" --rules "$rules" --no-probe --format json "$tmp/logcat.txt" >"$tmp/logcat.json"
# a symptom alone suggests its causes, the guest's only, alike (nothing else tells them apart)
{ causes "$tmp/logcat.json" | grep -qx "guest-no-driver -" && ! causes "$tmp/logcat.json" | grep -qv '^guest-' &&
        grep -q '"tied": true' "$tmp/logcat.json"; } || { fail "logcat: causes"; causes "$tmp/logcat.json"; }

# An Android guest's lspci is toybox's (toys/other/lsusb.c list_pci()): -nk puts the driver last on the
# device's line and prints no programming interface, so xhci_pci's alias (i30) matches any.
printf '%s\n' '00:00.0 0600: 8086:29c0 ' '00:01.0 0300: 1002:73bf  (rev c1) amdgpu' '00:02.0 0c03: 1b21:2142 ' \
        '00:03.0 0200: 1af4:1000  virtio-pci' >"$tmp/toybox-nk.txt"
"$bin" --rules "$rules" --sysroot "$root" --format json --guest "$tmp/toybox-nk.txt" >"$tmp/toybox-nk.json"
grep -q "^guest lspci -nnk: 0000:00:02.0 \[1b21:2142\] class 0c03 has no driver in use; kernel modules: none; modules.alias of the host's 6.8.0-45-generic: xhci_pci$" \
        <(text "$tmp/toybox-nk.json") || { fail "toybox lspci -nk: the driverless xHCI"; text "$tmp/toybox-nk.json"; }
grep -q "CONFIG_USB_XHCI_PCI" "$tmp/toybox-nk.json" || fail "toybox lspci -nk: no build option in the fix"
grep -q "0000:00:01.0\|1002:73bf" "$tmp/toybox-nk.json" && fail "toybox lspci -nk: the GPU amdgpu holds is said to have no driver"
# Without -k toybox shows no driver at all: nothing is said of any device.
printf '%s\n' '00:01.0 0300: 1002:73bf  (rev c1)' '00:02.0 0c03: 1b21:2142 ' >"$tmp/toybox-n.txt"
"$bin" --rules "$rules" --no-probe --format json --guest "$tmp/toybox-n.txt" >"$tmp/toybox-n.json"
causes "$tmp/toybox-n.json" | grep -q '^guest-' && { fail "toybox lspci -n: a device without -k said to have no driver"; causes "$tmp/toybox-n.json"; }

# A host-side cause that accounts for the guest driver's failure ranks first and takes its evidence: QEMU
# could not read the card's ROM (hw/vfio/pci.c vfio_pci_load_rom()), the guest's amdgpu then gave up
# (amdgpu_kms.c amdgpu_driver_load_kms()) without saying why.
printf '%s\n' 'qemu-system-x86_64: vfio-pci: Cannot read device rom at 0000:01:00.0' >"$tmp/rom-qemu.log"
printf '%s\n' '[    5.998311] amdgpu 0000:00:05.0: amdgpu: Fatal error during GPU init' >"$tmp/rom-guest.txt"
"$bin" --rules "$rules" --no-probe --format json "$tmp/rom-qemu.log" --guest "$tmp/rom-guest.txt" >"$tmp/rom.json"
[ "$(causes "$tmp/rom.json")" = "vbios-rom-needed 0000:01:00.0" ] || { fail "host ROM + guest failure: ranking"; causes "$tmp/rom.json"; }
python3 -c 'import json,sys
c = json.load(open(sys.argv[1]))["causes"][0]
sys.exit(0 if "guest-driver-failed" in c.get("explains", []) and any(e["source"] == "guest" for e in c["evidence"]) else 1)' \
        "$tmp/rom.json" || fail "vbios-rom-needed does not carry the guest's failure"

expect 2 'no-such: No such file' -- "$bin" --no-probe --guest "$tmp/no-such"
expect 2 'standard input is the host' -- "$bin" --no-probe --guest -
expect 2 'name the guest.s logs with --guest' -- "$bin" --no-probe --guest-modules-alias "$tmp/guest.alias" "$tmp/guest.txt"
expect 2 'option of .vfioexplain explain' -- "$bin" --no-probe --guest "$tmp/guest.txt" groups
expect 2 'is a directory' -- "$bin" --no-probe --guest "$tmp"
finish
