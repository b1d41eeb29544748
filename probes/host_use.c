/* SPDX-License-Identifier: MIT */
/* Which PCI devices the host itself runs on: the disk of its root file system (and /boot, /usr, /var),
 * the network controller of its default route, the GPU with a screen connected. Passing one of those to
 * a VM takes it from the host, so 'check' leaves them out. Read only, under the root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pci_address.h"
#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* The PCI device a sysfs path lies below: its last component that is a PCI address. */
static bool pci_device_of_path(const char *path, char out[static PCI_ADDRESS_SIZE]) {
        bool found = false;
        for (const char *p = path; *p;) {
                size_t n = strcspn(p, "/");
                PciAddress norm;
                if (n >= 12 && n < 16 && pci_address_normalize(p, n, norm) >= 0 &&
                    strncmp(norm, p, n) == 0 && norm[n] == 0) {
                        memcpy(out, norm, sizeof(PciAddress));
                        found = true;
                }
                p += n;
                while (*p == '/')
                        p++;
        }
        return found;
}

/* The target of the symlink dir/name under the root. */
static bool read_link(int rootfd, const char *dir, const char *name, char *buf, size_t size) {
        int dfd = rootfs_open_dir(rootfd, dir);
        if (dfd < 0)
                return false;
        ssize_t n = readlinkat(dfd, name, buf, size - 1);
        close(dfd);
        if (n <= 0)
                return false;
        buf[n] = 0;
        return true;
}

/* A name as sysfs and procfs give them (a block device, an interface): no path, nothing odd. */
static bool plain_name(const char *s) {
        if (!s[0] || strlen(s) > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *p = s; *p; p++)
                if (*p <= ' ' || *p == '/' || (unsigned char) *p >= 0x7f)
                        return false;
        return true;
}

static void mark(HostFacts *f, const char *address, unsigned use, const char *what) {
        for (size_t i = 0; i < f->n_devices; i++) {
                PciDevice *d = &f->devices[i];
                if (strcmp(d->address, address) != 0)
                        continue;
                if (!d->host_use)
                        snprintf(d->host_use_what, sizeof(d->host_use_what), "%s", what);
                d->host_use |= use;
        }
}

/* The PCI devices a block device (sys/class/block/NAME) lives on, through device-mapper and md slaves. */
static void mark_block(int rootfd, HostFacts *f, const char *name, const char *mountpoint, unsigned depth) {
        char target[512];
        PciAddress dev;
        if (depth > VX_HOST_USE_DEPTH || !plain_name(name) ||
            !read_link(rootfd, "sys/class/block", name, target, sizeof(target)))
                return;
        if (pci_device_of_path(target, dev)) {
                char what[160];
                snprintf(what, sizeof(what), "%s, which holds %s", name, mountpoint);
                mark(f, dev, HOST_USE_FILESYSTEM, what);
                return;
        }
        /* dm-0, md0: the disks below it. */
        char slaves[128];
        snprintf(slaves, sizeof(slaves), "sys/class/block/%s/slaves", name);
        DIR *d = rootfs_opendir(rootfd, slaves);
        if (!d)
                return;
        for (struct dirent *e; (e = readdir(d));)
                if (e->d_name[0] != '.')
                        mark_block(rootfd, f, e->d_name, mountpoint, depth + 1);
        closedir(d);
}

/* "/dev/mapper/vg0-root": the dm-N whose dm/name it is. */
static bool dm_by_name(int rootfd, const char *mapper, char out[static 65]) {
        DIR *d = rootfs_opendir(rootfd, "sys/class/block");
        bool found = false;
        if (!d)
                return false;
        for (struct dirent *e; !found && (e = readdir(d));) {
                if (strncmp(e->d_name, "dm-", 3) != 0 || !plain_name(e->d_name))
                        continue;
                char path[128], buf[128];
                _cleanup_free_ char *text = NULL;
                size_t len;
                snprintf(path, sizeof(path), "sys/class/block/%.64s/dm/name", e->d_name);
                if (rootfs_read_file(rootfd, path, sizeof(buf), &text, &len) < 0)
                        continue;
                size_t n = strcspn(text, "\n");
                if (n == strlen(mapper) && strncmp(text, mapper, n) == 0) {
                        snprintf(out, 65, "%.64s", e->d_name);
                        found = true;
                }
        }
        closedir(d);
        return found;
}

/* The file systems the host cannot do without, from its mount table (proc/self/mountinfo:
 * "36 35 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw"). */
static void probe_filesystems(int rootfd, HostFacts *f) {
        static const char *const vital[] = {"/", "/boot", "/boot/efi", "/usr", "/var"};
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (rootfs_read_file(rootfd, "proc/self/mountinfo", VX_PROBE_FILE_MAX * 64, &text, &len) < 0)
                return;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                char majmin[32], mnt[256], source[256];
                uint64_t maj, min;
                const char *sep = strstr(line, " - ");
                Span w_majmin, w_mnt, w_source;
                if (!sep || !span_nth_word(span_from_str(line), 2, &w_majmin) ||
                    !span_nth_word(span_from_str(line), 4, &w_mnt) ||
                    !span_nth_word(span_from_str(sep + 3), 1, &w_source) || w_majmin.len >= sizeof(majmin) ||
                    w_mnt.len >= sizeof(mnt) || w_source.len >= sizeof(source))
                        continue;
                snprintf(majmin, sizeof(majmin), "%.*s", (int) w_majmin.len, w_majmin.p);
                snprintf(mnt, sizeof(mnt), "%.*s", (int) w_mnt.len, w_mnt.p);
                snprintf(source, sizeof(source), "%.*s", (int) w_source.len, w_source.p);
                if (!span_eat_digits(&w_majmin, 1, 10, &maj) || !span_eat_char(&w_majmin, ':') ||
                    !span_eat_digits(&w_majmin, 1, 10, &min) || w_majmin.len != 0)
                        continue;
                bool is_vital = false;
                for (size_t i = 0; i < ELEMENTSOF(vital); i++)
                        is_vital = is_vital || strcmp(mnt, vital[i]) == 0;
                if (!is_vital)
                        continue;
                char name[65];
                if (maj != 0) {
                        /* sys/dev/block/MAJ:MIN is the device itself, whatever /dev calls it. */
                        char target[512];
                        if (read_link(rootfd, "sys/dev/block", majmin, target, sizeof(target))) {
                                const char *base = strrchr(target, '/');
                                snprintf(name, sizeof(name), "%.64s", base ? base + 1 : target);
                                mark_block(rootfd, f, name, mnt, 0);
                        }
                } else if (strncmp(source, "/dev/mapper/", 12) == 0 && dm_by_name(rootfd, source + 12, name))
                        mark_block(rootfd, f, name, mnt, 0); /* btrfs and others give no device number */
                else if (strncmp(source, "/dev/", 5) == 0 && plain_name(source + 5))
                        mark_block(rootfd, f, source + 5, mnt, 0);
        }
}

/* The PCI devices a network interface runs over: its own device, or those below a bridge, bond or VLAN. */
static void mark_interface(int rootfd, HostFacts *f, const char *iface, const char *top, unsigned depth) {
        char dir[128], target[512];
        PciAddress dev;
        if (depth > VX_HOST_USE_DEPTH || !plain_name(iface))
                return;
        snprintf(dir, sizeof(dir), "sys/class/net/%s", iface);
        if (read_link(rootfd, dir, "device", target, sizeof(target)) && pci_device_of_path(target, dev)) {
                char what[160];
                snprintf(what, sizeof(what), "%s, the interface of the default route", top);
                mark(f, dev, HOST_USE_ROUTE, what);
                return;
        }
        DIR *d = rootfs_opendir(rootfd, dir);
        if (!d)
                return;
        for (struct dirent *e; (e = readdir(d));)
                if (strncmp(e->d_name, "lower_", 6) == 0)
                        mark_interface(rootfd, f, e->d_name + 6, top, depth + 1);
        closedir(d);
}

/* The default routes of proc/net/route ("eno1 00000000 0102A8C0 0003 ... 00000000 ...": destination and
 * mask 0) and proc/net/ipv6_route (destination ::/0). */
static void probe_default_route(int rootfd, HostFacts *f) {
        _cleanup_free_ char *v4 = NULL, *v6 = NULL;
        size_t len;
        if (rootfs_read_file(rootfd, "proc/net/route", VX_PROBE_FILE_MAX * 64, &v4, &len) >= 0)
                for (char *line = strchr(v4, '\n'); line && *++line; line = strchr(line, '\n')) {
                        char iface[65];
                        Span fields = span_make(line, strcspn(line, "\n")), w_iface, dest, mask;
                        if (span_nth_word(fields, 0, &w_iface) && w_iface.len < sizeof(iface) &&
                            span_nth_word(fields, 1, &dest) && span_equals(dest, "00000000") &&
                            span_nth_word(fields, 7, &mask) && span_equals(mask, "00000000")) {
                                snprintf(iface, sizeof(iface), "%.*s", (int) w_iface.len, w_iface.p);
                                mark_interface(rootfd, f, iface, iface, 0);
                        }
                }
        if (rootfs_read_file(rootfd, "proc/net/ipv6_route", VX_PROBE_FILE_MAX * 64, &v6, &len) >= 0)
                for (char *line = v6; line && *line;
                     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                        char iface[65];
                        Span fields = span_make(line, strcspn(line, "\n")), dest, plen, w_iface;
                        if (span_nth_word(fields, 0, &dest) &&
                            span_equals(dest, "00000000000000000000000000000000") &&
                            span_nth_word(fields, 1, &plen) && span_equals(plen, "00") &&
                            span_nth_word(fields, 9, &w_iface) && w_iface.len < sizeof(iface) &&
                            !span_equals(w_iface, "lo")) {
                                snprintf(iface, sizeof(iface), "%.*s", (int) w_iface.len, w_iface.p);
                                mark_interface(rootfd, f, iface, iface, 0);
                        }
                }
}

/* A GPU with a screen connected (sys/class/drm/cardN-CONNECTOR/status "connected"). */
static void probe_displays(int rootfd, HostFacts *f) {
        DIR *d = rootfs_opendir(rootfd, "sys/class/drm");
        if (!d)
                return;
        for (struct dirent *e; (e = readdir(d));) {
                const char *dash = strchr(e->d_name, '-');
                if (strncmp(e->d_name, "card", 4) != 0 || !dash || !plain_name(e->d_name))
                        continue;
                char path[128], card[64], target[512];
                PciAddress dev;
                _cleanup_free_ char *status = NULL;
                size_t len;
                snprintf(path, sizeof(path), "sys/class/drm/%.64s/status", e->d_name);
                if (rootfs_read_file(rootfd, path, 64, &status, &len) < 0 ||
                    strncmp(status, "connected", 9) != 0 || (status[9] != '\n' && status[9] != 0))
                        continue;
                snprintf(card, sizeof(card), "sys/class/drm/%.*s", (int) (dash - e->d_name), e->d_name);
                if (read_link(rootfd, card, "device", target, sizeof(target)) &&
                    pci_device_of_path(target, dev)) {
                        char what[160];
                        snprintf(what, sizeof(what), "%.64s, a screen connected", e->d_name);
                        mark(f, dev, HOST_USE_DISPLAY, what);
                }
        }
        closedir(d);
}

void probe_host_use(int rootfd, HostFacts *f) {
        if (f->pci != KNOWN_PRESENT)
                return;
        probe_filesystems(rootfd, f);
        probe_default_route(rootfd, f);
        probe_displays(rootfd, f);
}
