/* SPDX-License-Identifier: MIT */
/* RLIMIT_MEMLOCK of this process and of running QEMU processes, from /proc/PID/limits. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "fileio.h"
#include "pci_address.h"
#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/line.h"
#include "vfioexplain/macro.h"

/* include/uapi/linux/capability.h */
#define CAP_IPC_LOCK_BIT 14

/* "Max locked memory         65536                65536                bytes" */
static bool parse_memlock(const char *limits, MemlockFact *m) {
        const char *p = strstr(limits, "\nMax locked memory");
        if (!p)
                return false;
        p += strlen("\nMax locked memory");
        while (*p == ' ')
                p++;
        if (strncmp(p, "unlimited", 9) == 0) {
                m->unlimited = true;
                return true;
        }
        uint64_t v;
        if (!decimal_eat(&p, &v))
                return false;
        m->soft = v;
        return true;
}

/* The value of a QEMU option string's first (implied) key, up to an unescaped ','; ",," is a comma. */
static bool qemu_opt_first_value(const char *v, size_t len, char *ret, size_t size) {
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
                if (v[i] == ',') {
                        if (i + 1 < len && v[i + 1] == ',')
                                i++;
                        else
                                break;
                }
                if (o + 1 >= size)
                        return false;
                ret[o++] = v[i];
        }
        ret[o] = 0;
        return o > 0;
}

/* The VM's name: "-name guest=win11,debug-threads=on" (libvirt) or "-name win11". A name that is not
 * printable UTF-8 without controls is left out rather than shown. */
static void qemu_vm_name(const char *arg, size_t len, MemlockFact *m) {
        char name[sizeof(m->vm)];
        if (len >= 6 && memcmp(arg, "guest=", 6) == 0) {
                arg += 6;
                len -= 6;
        }
        if (!qemu_opt_first_value(arg, len, name, sizeof(name)) || !utf8_is_valid(name, strlen(name)))
                return;
        for (const char *c = name; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return;
        memcpy(m->vm, name, strlen(name) + 1);
}

/* A -device vfio-pci option's host address: "vfio-pci,host=0000:01:00.0,id=hostdev0" or libvirt's
 * JSON form {"driver":"vfio-pci","host":"0000:01:00.0",...}. */
static void qemu_vfio_device(const char *arg, MemlockFact *m) {
        const char *h = strstr(arg, "host=");
        size_t skip = 5;
        PciAddress addr;
        if (!strstr(arg, "vfio-pci"))
                return;
        if (!h) {
                h = strstr(arg, "\"host\":\"");
                skip = 8;
        }
        if (!h || m->n_devices >= ELEMENTSOF(m->devices))
                return;
        h += skip;
        if (pci_address_normalize(h, strcspn(h, ",\""), addr) < 0)
                return;
        for (size_t i = 0; i < m->n_devices; i++)
                if (strcmp(m->devices[i], addr) == 0)
                        return;
        memcpy(m->devices[m->n_devices++], addr, sizeof(addr));
}

/* The VM name and vfio-pci devices of a QEMU command line (/proc/PID/cmdline: NUL-separated, the last
 * argument NUL-terminated or cut off at the read limit). */
void qemu_cmdline_parse(const char *cmdline, size_t len, MemlockFact *m) {
        bool name_next = false;
        for (size_t i = 0; i < len;) {
                const char *arg = cmdline + i;
                size_t n = strnlen(arg, len - i);
                if (i + n == len)
                        break; /* cut off: no terminating NUL, so not a whole argument */
                if (name_next)
                        qemu_vm_name(arg, n, m);
                else
                        qemu_vfio_device(arg, m);
                name_next = strcmp(arg, "-name") == 0 || strcmp(arg, "--name") == 0;
                i += n + 1;
        }
}

/* "HugePages_Total:       0" */
static bool meminfo_value(const char *text, const char *key, unsigned long long *ret) {
        const char *p = strstr(text, key);
        if (!p || (p != text && p[-1] != '\n'))
                return false;
        p += strlen(key);
        while (*p == ' ')
                p++;
        uint64_t v;
        if (!decimal_eat(&p, &v))
                return false;
        *ret = v;
        return true;
}

static void probe_hugepages(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (rootfs_read_file(rootfd, "proc/meminfo", VX_PROBE_FILE_MAX, &text, &len) < 0)
                return;
        if (meminfo_value(text, "HugePages_Total:", &f->hugepages_total) &&
            meminfo_value(text, "HugePages_Free:", &f->hugepages_free) &&
            meminfo_value(text, "Hugepagesize:", &f->hugepage_kb))
                f->hugepages = KNOWN_PRESENT;
}

/* "Uid:\t1000\t1000\t1000\t1000", "Gid:\t...", "Groups:\t27 993" of /proc/PID/status: the effective ids. */
static void read_credentials(const char *status, MemlockFact *m) {
        const char *u = strstr(status, "\nUid:"), *g = strstr(status, "\nGid:"),
                   *gs = strstr(status, "\nGroups:");
        uint64_t ruid, euid, rgid, egid;
        if (!u || !g)
                return;
        /* Real, then effective: an id that is not there is 0, as strtoul() made it. */
        const char *pu = u + 5, *pg = g + 5;
        if (!decimal_eat(&pu, &ruid) || !decimal_eat(&pu, &euid))
                euid = 0;
        if (!decimal_eat(&pg, &rgid) || !decimal_eat(&pg, &egid))
                egid = 0;
        m->uid = (unsigned) euid;
        m->gid = (unsigned) egid;
        if (gs) {
                const char *p = gs + 8;
                uint64_t v;
                while (m->n_groups < ELEMENTSOF(m->groups) && decimal_eat(&p, &v))
                        m->groups[m->n_groups++] = (unsigned) v;
        }
        m->ids = KNOWN_PRESENT;
}

/* "CapEff:\t000001ffffffffff" of /proc/PID/status (fs/proc/array.c render_cap_t(): 16 hex digits). */
static void read_capabilities(const char *status, MemlockFact *m) {
        const char *c = strstr(status, "\nCapEff:");
        if (!c)
                return;
        Span s = span_from_str(c + strlen("\nCapEff:"));
        uint64_t caps;
        span_eat_blanks(&s);
        if (!span_eat_hex64(&s, &caps))
                return;
        m->ipc_lock = (caps >> CAP_IPC_LOCK_BIT) & 1 ? KNOWN_PRESENT : KNOWN_ABSENT;
}

void probe_limits(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;

        probe_hugepages(rootfd, f);

        if (rootfs_read_file(rootfd, "proc/self/limits", VX_PROBE_FILE_MAX, &text, &len) >= 0) {
                MemlockFact m = {.pid = 0};
                snprintf(m.comm, sizeof(m.comm), "%s", "self");
                if (parse_memlock(text, &m))
                        f->memlock[f->n_memlock++] = m;
        }

        DIR *dir = rootfs_opendir(rootfd, "proc");

        if (!dir)

                return;
        struct dirent *de;
        while ((de = readdir(dir)) && f->n_memlock < FACTS_MEMLOCK_MAX) {
                if (strspn(de->d_name, "0123456789") != strlen(de->d_name) || strlen(de->d_name) > 9)
                        continue;
                char path[64], comm[32] = "";
                int pfd = file_open_path(dirfd(dir), de->d_name, FILE_NOFOLLOW | FILE_DIRECTORY, NULL);
                if (pfd < 0)
                        continue;
                if (rootfs_read_attr(pfd, "comm", comm, sizeof(comm)) < 0 ||
                    !(strncmp(comm, "qemu", 4) == 0 || strcmp(comm, "kvm") == 0)) {
                        close(pfd);
                        continue;
                }
                const char *digits = de->d_name;
                uint64_t pid = 0;
                (void) decimal_eat(&digits, &pid); /* at most 9 digits, checked above */
                MemlockFact m = {.pid = (int) pid};
                snprintf(m.comm, sizeof(m.comm), "%s", comm);
                _cleanup_free_ char *limits = NULL, *cmdline = NULL;
                size_t n;
                snprintf(path, sizeof(path), "proc/%.9s/limits", de->d_name);
                if (rootfs_read_file(rootfd, path, VX_PROBE_FILE_MAX, &limits, &n) >= 0 &&
                    parse_memlock(limits, &m)) {
                        _cleanup_free_ char *status = NULL;
                        snprintf(path, sizeof(path), "proc/%.9s/status", de->d_name);
                        if (rootfs_read_file(rootfd, path, VX_PROBE_FILE_MAX, &status, &n) >= 0) {
                                read_credentials(status, &m);
                                read_capabilities(status, &m);
                        }
                        snprintf(path, sizeof(path), "proc/%.9s/cmdline", de->d_name);
                        if (rootfs_read_file(rootfd, path, VX_PROBE_FILE_MAX * 4, &cmdline, &n) >= 0)
                                qemu_cmdline_parse(cmdline, n, &m);
                        f->memlock[f->n_memlock++] = m;
                }
                close(pfd);
        }
        closedir(dir);
}

const MemlockFact *host_qemu_holding(const HostFacts *f, const char *address) {
        for (size_t i = 0; i < f->n_memlock; i++)
                for (size_t k = 0; f->memlock[i].pid != 0 && k < f->memlock[i].n_devices; k++)
                        if (strcmp(f->memlock[i].devices[k], address) == 0)
                                return &f->memlock[i];
        return NULL;
}
