/* SPDX-License-Identifier: MIT */
/* PCI devices as sysfs shows them under the root: ids, class, header type, driver, group, BARs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "pci_address.h"
#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/line.h"
#include "vfioexplain/macro.h"

static bool parse_hex(const char *s, unsigned *ret) {
        Span sp = span_from_str(s);
        uint64_t v = 0;
        if (!span_eat_literal(&sp, "0x") || sp.len == 0 || sp.len > 8)
                return false;
        if (!span_eat_xdigits(&sp, sp.len, &v))
                return false;
        *ret = (unsigned) v;
        return true;
}

static bool parse_hex64(Span *sp, unsigned long long *ret) {
        uint64_t v;
        if (!span_eat_literal(sp, "0x") || !span_eat_hex64(sp, &v))
                return false;
        *ret = v;
        return true;
}

static void read_hex_attr(int dfd, const char *name, unsigned *ret) {
        char buf[32];
        if (rootfs_read_attr(dfd, name, buf, sizeof(buf)) >= 0)
                (void) parse_hex(buf, ret);
}

static void read_resources(int dfd, PciDevice *d) {
        char buf[2048];
        int fd = file_open(dfd, "resource", FILE_NOFOLLOW);
        if (fd < 0)
                return;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return;
        Span s = span_make(buf, (size_t) n);
        for (int bar = 0; bar < 6 && s.len > 0; bar++) {
                Span line;
                if (!span_eat_until(&s, '\n', &line))
                        break;
                span_advance(&s, 1);
                unsigned long long start, end;
                if (parse_hex64(&line, &start) && span_eat_char(&line, ' ') && parse_hex64(&line, &end) &&
                    end > start) {
                        d->bar_start[bar] = start;
                        d->bar_end[bar] = end;
                }
        }
}

/* resourceN_resize lists the sizes a Resizable BAR can take ("%016llx", bit n = 2^n MiB). */
static void read_rebar_sizes(int dfd, PciDevice *d) {
        for (int bar = 0; bar < 6; bar++) {
                char name[24], buf[32];
                uint64_t sizes;
                snprintf(name, sizeof(name), "resource%d_resize", bar);
                if (rootfs_read_attr(dfd, name, buf, sizeof(buf)) < 0)
                        continue;
                Span s = span_from_str(buf);
                if (span_eat_hex64(&s, &sizes) && s.len == 0)
                        d->rebar_sizes[bar] = sizes;
        }
}

static unsigned config_le16(const unsigned char *p) {
        return (unsigned) p[0] | (unsigned) p[1] << 8;
}

/* Walks the PCIe extended capability list for ACS (id 0x000d) and keeps its control register. */
static void find_acs(const unsigned char *config, PciDevice *d) {
        unsigned pos = 0x100;
        d->acs = KNOWN_ABSENT;
        for (int guard = 0; guard < 64 && pos >= 0x100 && pos + 8 <= 4096; guard++) {
                uint32_t hdr = (uint32_t) config_le16(config + pos) |
                        (uint32_t) config_le16(config + pos + 2) << 16;
                if (hdr == 0 || hdr == 0xffffffff)
                        return;
                if ((hdr & 0xffff) == 0x000d) {
                        d->acs = KNOWN_PRESENT;
                        d->acs_ctrl = config_le16(config + pos + 6);
                        return;
                }
                pos = (hdr >> 20) & 0xffc;
        }
}

/* The bridge above address: the parent directory of its real sysfs path, if that is a device. */
static void find_upstream(int rootfd, const char *address, PciDevice *d) {
        char path[96], target[512];
        int bus = rootfs_open_dir(rootfd, "sys/bus/pci/devices");
        if (bus < 0)
                return;
        ssize_t n = readlinkat(bus, address, target, sizeof(target) - 1);
        close(bus);
        if (n <= 0)
                return;
        target[n] = 0;
        char *last = strrchr(target, '/');
        if (!last)
                return;
        *last = 0;
        char *parent = strrchr(target, '/');
        parent = parent ? parent + 1 : target;
        PciAddress norm;
        if (pci_address_normalize(parent, strlen(parent), norm) >= 0 && strcmp(norm, parent) == 0)
                snprintf(d->upstream, sizeof(d->upstream), "%s", norm);
        (void) path;
}

/* The module behind a driver, and whether it is built in (a built-in module has no initstate). The
 * driver's directory is reached from the root, never through the device's own link. */
static void find_driver_module(int rootfd, PciDevice *d) {
        char path[128], buf[16];
        if (d->driver != KNOWN_PRESENT || d->driver_name[0] == '.')
                return;
        snprintf(path, sizeof(path), "sys/bus/pci/drivers/%s", d->driver_name);
        int dfd = rootfs_open_dir(rootfd, path);
        if (dfd < 0)
                return;
        int r = rootfs_readlink_base(dfd, "module", d->driver_module, sizeof(d->driver_module));
        close(dfd);
        if (r < 0) {
                d->driver_module[0] = 0;
                /* A kernel without module support (no proc/modules) links no driver to a module: every
                 * driver is built in, under its own name. */
                int pfd = rootfs_open_dir(rootfd, "proc");
                if (pfd < 0)
                        return;
                bool modules = faccessat(pfd, "modules", F_OK, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
                bool is_proc = faccessat(pfd, "cmdline", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
                close(pfd);
                if (modules || !is_proc)
                        return;
                size_t n = 0;
                for (const char *c = d->driver_name; *c && n + 1 < sizeof(d->driver_module); c++)
                        d->driver_module[n++] = *c == '-' ? '_' : *c;
                d->driver_module[n] = 0;
                d->driver_module_builtin = true;
                d->driver_module_state = KNOWN_PRESENT;
                return;
        }
        if (d->driver_module[0] == '.') {
                d->driver_module[0] = 0;
                return;
        }
        snprintf(path, sizeof(path), "sys/module/%s", d->driver_module);
        int mfd = rootfs_open_dir(rootfd, path);
        if (mfd < 0) {
                d->driver_module[0] = 0;
                return;
        }
        d->driver_module_builtin = rootfs_read_attr(mfd, "initstate", buf, sizeof(buf)) < 0;
        d->driver_module_state = KNOWN_PRESENT;
        close(mfd);
}

static void probe_device(int rootfd, const char *address, PciDevice *d) {
        char path[96], buf[64];
        unsigned char config[4096];

        *d = (PciDevice){.boot_vga = -1, .sriov_numvfs = -1};
        snprintf(d->address, sizeof(d->address), "%s", address);
        snprintf(path, sizeof(path), "sys/bus/pci/devices/%s", address);
        int dfd = rootfs_open_dir(rootfd, path);
        if (dfd < 0)
                return;
        read_hex_attr(dfd, "vendor", &d->vendor);
        read_hex_attr(dfd, "device", &d->device);
        read_hex_attr(dfd, "subsystem_vendor", &d->subsystem_vendor);
        read_hex_attr(dfd, "subsystem_device", &d->subsystem_device);
        read_hex_attr(dfd, "class", &d->class_code);

        int cfd = file_open(dfd, "config", FILE_NOFOLLOW);
        if (cfd >= 0) {
                ssize_t n = read(cfd, config, sizeof(config));
                if (n >= 0x10) {
                        d->header = KNOWN_PRESENT;
                        d->bridge = (config[0x0e] & 0x7f) == 1 || (config[0x0e] & 0x7f) == 2;
                        d->multifunction = config[0x0e] & 0x80;
                }
                /* Extended capabilities are past 0x100: only root reads that far. */
                if (n == (ssize_t) sizeof(config))
                        find_acs(config, d);
                close(cfd);
        }
        /* Without config space, the class says whether it is a bridge. */
        if (d->header != KNOWN_PRESENT && (d->class_code >> 8) == 0x0604)
                d->bridge = true;

        if (rootfs_readlink_base(dfd, "driver", d->driver_name, sizeof(d->driver_name)) >= 0)
                d->driver = KNOWN_PRESENT;
        else
                d->driver = KNOWN_ABSENT;
        if (rootfs_read_attr(dfd, "driver_override", buf, sizeof(buf)) >= 0 && strcmp(buf, "(null)") != 0)
                snprintf(d->driver_override, sizeof(d->driver_override), "%s", buf);
        if (rootfs_readlink_base(dfd, "iommu_group", buf, sizeof(buf)) >= 0) {
                const char *end = buf;
                uint64_t g;
                if (decimal_eat(&end, &g) && *end == 0) {
                        d->group = KNOWN_PRESENT;
                        d->group_id = (unsigned) g;
                }
        } else
                d->group = KNOWN_ABSENT;
        if (rootfs_read_attr(dfd, "boot_vga", buf, sizeof(buf)) >= 0)
                d->boot_vga = buf[0] == '1';
        (void) rootfs_read_attr(dfd, "reset_method", d->reset_method, sizeof(d->reset_method));
        (void) rootfs_read_attr(dfd, "power_state", d->power_state, sizeof(d->power_state));
        if (rootfs_read_attr(dfd, "sriov_numvfs", buf, sizeof(buf)) >= 0) {
                const char *q = buf;
                uint64_t n;
                d->sriov_numvfs = decimal_eat(&q, &n) ? (int) MIN(n, (uint64_t) INT_MAX) : 0;
        }
        (void) rootfs_readlink_base(dfd, "physfn", d->physfn, sizeof(d->physfn));
        read_resources(dfd, d);
        read_rebar_sizes(dfd, d);
        close(dfd);
        find_upstream(rootfd, address, d);
        find_driver_module(rootfd, d);
}

static int cmp_dev(const void *a, const void *b) {
        return strcmp(((const PciDevice *) a)->address, ((const PciDevice *) b)->address);
}

void probe_pci(int rootfd, HostFacts *f) {
        DIR *dir = rootfs_opendir(rootfd, "sys/bus/pci/devices");
        if (!dir) {
                /* No PCI bus at all is "absent"; a tree we may not read stays "not probed". */
                if (errno == ENOENT || errno == ENOTDIR)
                        f->pci = KNOWN_ABSENT;
                return;
        }
        struct dirent *de;
        while ((de = readdir(dir))) {
                PciAddress norm;
                /* Only names of the strict grammar build a path. */
                if (pci_address_normalize(de->d_name, strlen(de->d_name), norm) < 0 ||
                    strcmp(norm, de->d_name) != 0)
                        continue;
                if (f->n_devices >= FACTS_DEVICES_MAX)
                        break;
                PciDevice *a = realloc(f->devices, (f->n_devices + 1) * sizeof(PciDevice));
                if (!a)
                        break;
                f->devices = a;
                probe_device(rootfd, norm, &f->devices[f->n_devices++]);
        }
        closedir(dir);
        if (f->n_devices > 0)
                qsort(f->devices, f->n_devices, sizeof(PciDevice), cmp_dev);
        f->pci = KNOWN_PRESENT;
}

const PciDevice *host_find_device(const HostFacts *f, const char *address) {
        for (size_t i = 0; i < f->n_devices; i++)
                if (strcmp(f->devices[i].address, address) == 0)
                        return &f->devices[i];
        return NULL;
}

bool pci_same_card(const char *a, const char *b) {
        const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
        return da && db && da - a == db - b && strncmp(a, b, (size_t) (da - a)) == 0;
}

bool pci_device_on_driver(const PciDevice *d, const char *name) {
        return d->driver == KNOWN_PRESENT && strcmp(d->driver_name, name) == 0;
}

bool pci_device_blocks_group(const PciDevice *d) {
        if (d->driver != KNOWN_PRESENT)
                return false;
        if (strcmp(d->driver_name, "vfio-pci") == 0 || strcmp(d->driver_name, "pci-stub") == 0)
                return false;
        if (d->bridge && strcmp(d->driver_name, "pcieport") == 0)
                return false;
        return true;
}
