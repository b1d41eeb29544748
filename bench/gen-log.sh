#!/usr/bin/env bash
# Writes a deterministic mixed host log of about SIZE_MB megabytes to stdout: kernel (dmesg and
# journal forms), systemd, libvirt and QEMU lines of the shapes those programs print, with a rare
# VFIO failure (one in ~20000 lines). The same SIZE_MB always gives the same bytes.
set -euo pipefail
size_mb=${1:-256}
awk -v target=$((size_mb * 1024 * 1024)) 'BEGIN {
        srand(42)
        n = 0
        normal[n++] = "[%12.6f] e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx"
        normal[n++] = "Nov 23 10:%02d:%02d host systemd[1]: Started session-%d.scope - Session %d of User root."
        normal[n++] = "[%12.6f] pci 0000:00:1c.%d: PME# supported from D0 D3hot D3cold"
        normal[n++] = "Nov 23 10:%02d:%02d host kernel: usb 1-%d: new high-speed USB device number %d using xhci_hcd"
        normal[n++] = "2024-05-01T10:%02d:%02d.123456Z qemu-system-x86_64: terminating on signal 15 from pid %d (<unknown process>)"
        normal[n++] = "2024-05-01 10:%02d:%02d.123+0000: %d: info : virObjectUnref:%d : OBJECT_UNREF: obj=0x55d1c2a0"
        normal[n++] = "[%12.6f] audit: type=1400 audit(1700000000.%d:%d): apparmor=\"STATUS\" operation=\"profile_load\" name=\"lsb_release\""
        normal[n++] = "[%12.6f] pci 0000:0%d:00.0: Adding to iommu group %d"
        fail[0] = "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0: vfio 0000:01:00.0: group 1 is not viable"
        fail[1] = "[    0.052371] DMAR: IOMMU disabled"
        fail[2] = "2024-05-01T10:00:00.123456Z qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: failed to open /dev/vfio/1: Permission denied"
        bytes = 0; i = 0
        while (bytes < target) {
                i++
                if (i % 20011 == 0)
                        line = fail[int(i / 20011) % 3]
                else {
                        k = int(rand() * n)
                        a = i % 60; b = int(i / 60) % 60
                        if (k == 0 || k == 2 || k == 6 || k == 7)
                                line = sprintf(normal[k], i / 1000.0, i % 8, i % 997, i % 89)
                        else
                                line = sprintf(normal[k], a, b, i % 997, i)
                }
                print line
                bytes += length(line) + 1
        }
}'
