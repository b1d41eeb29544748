/* SPDX-License-Identifier: MIT */
/* ROM files under the probe root, judged for their devices (probes/rom_probe.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "rom_probe.h"
#include "rootfs.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* Where QEMU and libvirt load ROM and firmware files from, the only places a ROM file named by a log or a
 * domain is read: QEMU's data directory and default firmware path (meson qemu_firmwarepath); the
 * --firmwarepath of Debian (/usr/share/qemu, seabios, /usr/lib/ipxe/qemu) and Fedora (qemu-firmware,
 * ipxe/qemu, seavgabios, seabios); libvirt's AppArmor profile for QEMU (src/security/apparmor/
 * libvirt-qemu.in, "access to firmware's etc"); Proxmox VE's /usr/share/kvm; and /var/lib/libvirt/vbios,
 * where vfioexplain's own fixes put a card's dump. */
static const char *const rom_dirs[] = {
        "/usr/share/qemu",        "/usr/share/qemu-firmware", "/usr/share/qemu-kvm", "/usr/share/qemu-efi",
        "/usr/share/seabios",     "/usr/share/seavgabios",    "/usr/share/sgabios",  "/usr/share/vgabios",
        "/usr/share/kvm",         "/usr/share/OVMF",          "/usr/share/ovmf",     "/usr/share/AAVMF",
        "/usr/share/edk2",        "/usr/share/edk2-ovmf",     "/usr/lib/ipxe/qemu",  "/usr/share/ipxe/qemu",
        "/var/lib/libvirt/vbios",
};

/* The ROM directory path is in, and the rest of path below it; NULL when path is not plainly below one
 * (relative, an empty, "." or ".." component). */
static const char *rom_dir_of(const char *path, const char **ret_rest) {
        if (path[0] != '/' || strlen(path) > VX_DOMAIN_PATH_MAX)
                return NULL;
        for (const char *c = path + 1;; c++) {
                size_t n = strcspn(c, "/");
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return NULL;
                c += n;
                if (!*c)
                        break;
        }
        for (size_t i = 0; i < ELEMENTSOF(rom_dirs); i++) {
                size_t n = strlen(rom_dirs[i]);
                if (strncmp(path, rom_dirs[i], n) == 0 && path[n] == '/') {
                        *ret_rest = path + n + 1;
                        return rom_dirs[i];
                }
        }
        return NULL;
}

int rom_read_under(int rootfd, const char *path, RomInfo *ret) {
        _cleanup_free_ char *buf = NULL;
        const char *rest;
        size_t len = 0;

        const char *dir = rom_dir_of(path, &rest);
        if (!dir)
                return -EPERM;
        /* The ROM directory is the root of what follows: a link in it resolves inside it, never out. */
        int dirfd = file_open_path(rootfd, dir, FILE_IN_ROOT | FILE_DIRECTORY, NULL);
        if (dirfd < 0)
                return dirfd;
        int r = file_read(dirfd, rest, FILE_IN_ROOT, VX_ROM_FILE_MAX, &buf, &len);
        close(dirfd);
        if (r < 0)
                return r;
        if ((r = rom_parse((const uint8_t *) buf, len, ret)) < 0)
                return r;
        ret->unquoted = true;
        return 0;
}

bool rom_device_ids(const HostFacts *host, const char *address, uint16_t *vendor, uint16_t *device) {
        const PciDevice *d = host ? host_find_device(host, address) : NULL;
        /* 0 is what an unreadable attribute leaves; 0xffff is what a device that does not answer reads. */
        if (!d || d->vendor == 0 || d->vendor >= 0xffff || d->device > 0xffff)
                return false;
        *vendor = (uint16_t) d->vendor;
        *device = (uint16_t) d->device;
        return true;
}

int rom_probe_lines(const HostFacts *host, const RomfileRefs *refs, probe_line_fn fn, void *userdata) {
        if (!host || !host->root || refs->n == 0)
                return 0;
        int rootfd = rootfs_open(host->root);
        if (rootfd < 0)
                return 0;
        int r = 0;
        for (size_t i = 0; i < refs->n && r >= 0; i++) {
                const RomfileRef *ref = &refs->refs[i];
                RomInfo *info = malloc(sizeof(*info));
                RomVerdict v;
                uint16_t vendor = 0, device = 0;
                if (!info) {
                        r = -ENOMEM;
                        break;
                }
                if (rom_read_under(rootfd, ref->path, info) < 0 || info->layout == ROM_LAYOUT_EMPTY) {
                        free(info);
                        continue;
                }
                bool known = rom_device_ids(host, ref->address, &vendor, &device);
                rom_judge(info, known, vendor, device, refs->uefi ? ROM_FIRMWARE_UEFI : ROM_FIRMWARE_UNKNOWN,
                          &v);
                free(info);
                for (size_t k = 0; k < v.n_findings && r >= 0; k++) {
                        char line[VX_CAPTURE_MAX + VX_ROM_TEXT_MAX + 64];
                        int n = snprintf(line, sizeof(line), "vfio-pci %s romfile %s: %s", ref->address,
                                         ref->path, v.findings[k].text);
                        if (n > 0)
                                r = fn(line, MIN((size_t) n, sizeof(line) - 1), userdata);
                }
        }
        close(rootfd);
        return r;
}

int vga_probe_lines(const HostFacts *host, const RomfileRefs *refs, probe_line_fn fn, void *userdata) {
        int r = 0;
        if (!host || !host->root)
                return 0;
        for (size_t i = 0; i < refs->n_vga && r >= 0; i++) {
                const PciDevice *d = host_find_device(host, refs->vga[i]);
                if (!d || d->class_code == 0 || (d->class_code >> 8) == 0x0300)
                        continue;
                char line[160];
                int n = snprintf(line, sizeof(line),
                                 "vfio-pci %s x-vga=on: class=%06x (%s) is not a VGA controller (0300xx)",
                                 d->address, d->class_code, probe_display_class_name(d->class_code));
                if (n > 0)
                        r = fn(line, MIN((size_t) n, sizeof(line) - 1), userdata);
        }
        return r;
}
