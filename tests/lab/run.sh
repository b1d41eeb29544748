#!/usr/bin/env bash
# The real-kernel lab: boots Debian's own kernel under QEMU (TCG) with an emulated Intel IOMMU and
# emulated devices, provokes real passthrough failures with the real vfio-pci driver and the real
# QEMU inside that guest, and runs vfioexplain live there (tests/lab/README.md).
#
# usage: tests/lab/run.sh VFIOEXPLAIN_BINARY [VARIANT...]
# VARIANT: full noiommu iommuoff nointremap (default: all). Artifacts go to $VX_LAB_OUT
# (default: lab/ beside the binary); the kernel package is cached in $VX_LAB_CACHE
# (default /var/cache/vfioexplain-lab), keyed by its version. VX_LAB_ONLY=NAME[,NAME...] runs only
# those scenarios of each variant booted (tests/lab/guest.py names them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
start=$(date +%s)

fail() {
        echo "LAB FAILED: $*" >&2
        exit 1
}

[ $# -ge 1 ] || fail "usage: $0 VFIOEXPLAIN_BINARY [VARIANT...]"
bin=$(realpath "$1")
shift
[ -x "$bin" ] || fail "no vfioexplain binary at $bin"
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(full noiommu iommuoff nointremap)
[[ "${VX_LAB_ONLY:-}" =~ ^[a-z0-9,-]*$ ]] || fail "VX_LAB_ONLY takes scenario names separated by commas"

# The lab cannot be faked: every tool it needs must be here, or it fails saying which is missing.
for tool in qemu-system-x86_64 cpio depmod modprobe dpkg apt-get apt-cache python3; do
        command -v "$tool" >/dev/null || fail "cannot run: '$tool' is missing (tests/deps.sh installs it)"
done
busybox=/bin/busybox
# The initramfs has no libraries: only busybox-static's busybox runs there.
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
        fail "cannot run: no static busybox at $busybox (busybox-static)"
fi
[ "$(id -u)" = 0 ] || fail "cannot run: needs root (apt-get download into the cache, 9p shares of /usr)"

out=${VX_LAB_OUT:-$(dirname "$bin")/lab}
cache=${VX_LAB_CACHE:-/var/cache/vfioexplain-lab}
mkdir -p "$cache"
rm -rf "$out"
mkdir -p "$out"

# --- The kernel: Debian's own package, never installed here, cached by version. ---------------------
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
if [ -z "$kpkg" ]; then
        # No package lists (offline): the newest kernel already in the cache.
        kpkg=$(ls -1 "$cache" 2>/dev/null | grep '^linux-image-' | sort -V | tail -1)
        [ -n "$kpkg" ] || fail "cannot run: apt-cache knows no linux-image-amd64 and the cache $cache is empty"
fi
kdir=$cache/$kpkg
if [ ! -e "$kdir/.ready" ]; then
        rm -rf "$kdir"
        mkdir -p "$kdir"
        echo "lab: fetching $kpkg into $kdir"
        (cd "$kdir" && apt-get download -q "$kpkg" 2>&1 | grep -v 'unsandboxed' || true)
        deb=$(ls "$kdir"/*.deb 2>/dev/null | head -1)
        [ -n "$deb" ] || fail "cannot run: apt-get download $kpkg failed"
        dpkg -x "$deb" "$kdir/root"
        kver=$(ls "$kdir/root/lib/modules")
        # The package ships no modules.dep: it is made at install time, which never happens here.
        depmod -b "$kdir/root" "$kver"
        touch "$kdir/.ready"
fi
kver=$(ls "$kdir/root/lib/modules")
vmlinuz=$kdir/root/boot/vmlinuz-$kver
[ -r "$vmlinuz" ] || fail "cannot run: no kernel image in $kdir"

# --- The initramfs: busybox, the modules the guest needs, a minimal root to chroot into. -----------
ird=$out/initramfs
mkdir -p "$ird"/{bin,proc,sys,dev,newroot}
cp "$busybox" "$ird/bin/busybox"
# 9p over virtio for the shares; vfio; the host drivers of the emulated devices.
modules="virtio_pci netfs fscache 9pnet 9pnet_virtio 9p vfio vfio_iommu_type1 vfio_pci e1000e e1000
xhci_pci snd_hda_intel snd_hda_codec_generic"
for m in $modules; do
        # busybox modprobe ignores softdeps and kmod's --show-depends lists the hard ones in load order.
        modprobe -d "$kdir/root" -S "$kver" --show-depends "$m" | while read -r kind path _; do
                [ "$kind" = insmod ] || continue
                rel=${path#"$kdir/root"}
                mkdir -p "$ird/newroot$(dirname "$rel")"
                cp -n "$path" "$ird/newroot$rel"
        done
done
cp "$kdir/root/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} "$ird/newroot/lib/modules/$kver/"
depmod -b "$ird/newroot" "$kver"
ln -s newroot/lib "$ird/lib"
cp "$here/init" "$ird/init"
chmod 755 "$ird/init"

# The root the guest chroots into: the machine's own /usr over 9p, the rest made here.
nr=$ird/newroot
mkdir -p "$nr"/{usr,proc,sys,dev,tmp,run,var/tmp,src,vxbin,out,etc,root,home/lab}
ln -s usr/bin "$nr/bin"
ln -s usr/sbin "$nr/sbin"
ln -s usr/lib64 "$nr/lib64"
for d in /usr/lib/x86_64-linux-gnu /usr/lib/python3*; do
        [ -d "$d" ] && ln -s "../usr/lib/$(basename "$d")" "$nr/lib/$(basename "$d")"
done
printf 'root:x:0:0:root:/root:/bin/bash\nlab:x:1000:1000:lab:/home/lab:/bin/bash\n' >"$nr/etc/passwd"
printf 'root:x:0:\nlab:x:1000:\nkvm:x:104:\n' >"$nr/etc/group"
ln -s ../usr/lib/os-release "$nr/etc/os-release"
cp /etc/ld.so.cache "$nr/etc/ld.so.cache"
chown 1000:1000 "$nr/home/lab"
chmod 1777 "$nr/tmp" "$nr/var/tmp"
(cd "$ird" && find . | cpio -o -H newc --quiet) >"$out/initramfs.cpio"
rm -rf "$ird"

# --- Boots: one per IOMMU variant; the scenarios of a variant share its boot. ----------------------
# no_timer_check: on a loaded machine TCG is slow enough for the kernel's IO-APIC timer check to fail
# ("Kernel panic - not syncing: timer doesn't work through Interrupt-remapped IO-APIC").
boot() {
        local variant=$1 iommu append="console=ttyS0 panic=-1 loglevel=4 no_timer_check vxlab=$1"
        [ -z "${VX_LAB_ONLY:-}" ] || append+=" vxonly=$VX_LAB_ONLY"
        case $variant in
        full) iommu="-device intel-iommu,intremap=on,caching-mode=on" append+=" intel_iommu=on" ;;
        noiommu) iommu="" ;;
        iommuoff) iommu="-device intel-iommu,intremap=on,caching-mode=on" append+=" intel_iommu=off" ;;
        nointremap) iommu="-device intel-iommu,intremap=off,caching-mode=on" append+=" intel_iommu=on" ;;
        *) fail "unknown variant $variant" ;;
        esac
        local vout=$out/$variant
        mkdir -p "$vout"
        chmod 777 "$vout"
        local t0
        t0=$(date +%s)
        echo "lab: booting $kver, variant $variant"
        # shellcheck disable=SC2086
        timeout 2400 qemu-system-x86_64 -nodefaults -nographic -no-reboot \
                -accel tcg,thread=multi -cpu max -smp 2 -m 1536 \
                -machine q35,kernel-irqchip=split $iommu \
                -kernel "$vmlinuz" -initrd "$out/initramfs.cpio" -append "$append" \
                -serial file:"$vout/console.log" -monitor none \
                -fsdev local,id=usr,path=/usr,security_model=none,readonly=on \
                -device virtio-9p-pci,fsdev=usr,mount_tag=usr,addr=0x10 \
                -fsdev local,id=src,path="$src",security_model=none,readonly=on \
                -device virtio-9p-pci,fsdev=src,mount_tag=src,addr=0x11 \
                -fsdev local,id=vxbin,path="$(dirname "$bin")",security_model=none,readonly=on \
                -device virtio-9p-pci,fsdev=vxbin,mount_tag=vxbin,addr=0x12 \
                -fsdev local,id=out,path="$vout",security_model=none \
                -device virtio-9p-pci,fsdev=out,mount_tag=out,addr=0x13 \
                -device e1000e,addr=0x03,netdev=n0 -netdev user,id=n0 \
                -device pcie-root-port,id=rp1,chassis=1,addr=0x04 \
                -device e1000e,bus=rp1,netdev=n1 -netdev user,id=n1 \
                -device pci-bridge,id=pb1,chassis_nr=2,addr=0x05 \
                -device e1000,bus=pb1,addr=0x01,netdev=n2 -netdev user,id=n2 \
                -device e1000,bus=pb1,addr=0x02,netdev=n3 -netdev user,id=n3 \
                -device qemu-xhci,addr=0x06 \
                -device ich9-intel-hda,addr=0x1b.0,multifunction=on -device hda-duplex \
                -device qemu-xhci,addr=0x1b.1 \
                </dev/null >"$vout/qemu.log" 2>&1 || echo "lab: qemu for $variant exited with $?"
        echo "lab: variant $variant took $(($(date +%s) - t0)) s"
}
for v in "${variants[@]}"; do
        boot "$v"
done

rc=0
python3 "$here/check.py" "$out" "${variants[@]}" || rc=$?
echo "lab: total $(($(date +%s) - start)) s"
exit $rc
