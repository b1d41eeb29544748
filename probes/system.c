/* SPDX-License-Identifier: MIT */
/* What a bug report states about the host: kernel release, host name, CPU, login users, and the
 * installed QEMU and libvirt. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* A value of the host copied only if every byte is printable ASCII: these end up in reports. */
static bool copy_printable(Span v, char *out, size_t size) {
        span_trim(&v);
        if (v.len == 0 || v.len >= size)
                return false;
        for (size_t i = 0; i < v.len; i++)
                if ((unsigned char) v.p[i] < 0x20 || (unsigned char) v.p[i] >= 0x7f)
                        return false;
        memcpy(out, v.p, v.len);
        out[v.len] = 0;
        return true;
}

/* The text up to sep (eaten too), or all that is left when there is none. */
static Span next_field(Span *s, char sep) {
        Span f;
        if (span_eat_until(s, sep, &f)) {
                span_advance(s, 1);
                return f;
        }
        f = *s;
        span_advance(s, s->len);
        return f;
}

static bool span_is(Span s, const char *word) {
        return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

static void read_first_line(int rootfd, const char *path, char *out, size_t size) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        Span s, line;
        if (rootfs_read_file(rootfd, path, VX_PROBE_FILE_MAX, &text, &len) < 0)
                return;
        s = span_make(text, len);
        if (span_next_line(&s, &line))
                (void) copy_printable(line, out, size);
}

/* The first processor's "vendor_id", "model name" and "flags" (arch/x86/kernel/cpu/proc.c show_cpuinfo():
 * "KEY\t: VALUE"); every CPU of a host has the same. Only the start is read: the file grows with the
 * number of CPUs. */
static void probe_cpu(int rootfd, HostFacts *f) {
        char buf[VX_CPUINFO_HEAD_MAX];
        int fd = rootfs_open_file(rootfd, "proc/cpuinfo");
        if (fd < 0)
                return;
        ssize_t n = read(fd, buf, sizeof(buf));
        close(fd);
        if (n <= 0)
                return;
        Span s = span_make(buf, (size_t) n), line;
        bool flags = false;
        while (span_next_line(&s, &line) && line.len > 0) {
                Span key = next_field(&line, ':');
                span_trim(&key);
                span_trim(&line);
                if (span_is(key, "vendor_id"))
                        /* HygonGenuine (Dhyana) has AMD-Vi as well. */
                        f->cpu_vendor = span_is(line, "GenuineIntel") ? CPU_VENDOR_INTEL
                                : span_is(line, "AuthenticAMD") || span_is(line, "HygonGenuine")
                                ? CPU_VENDOR_AMD
                                : CPU_VENDOR_OTHER;
                else if (span_is(key, "model name"))
                        (void) copy_printable(line, f->cpu_model, sizeof(f->cpu_model));
                else if (span_is(key, "flags")) {
                        flags = true;
                        while (span_eat_blanks(&line), line.len > 0) {
                                Span w = next_field(&line, ' ');
                                f->cpu_vmx = f->cpu_vmx || span_is(w, "vmx");
                                f->cpu_svm = f->cpu_svm || span_is(w, "svm");
                        }
                }
        }
        if (f->cpu_vendor != CPU_VENDOR_UNKNOWN || flags)
                f->cpu = KNOWN_PRESENT;
}

/* "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash": names of login users (uid 1000-59999, Debian's
 * and Fedora's UID_MIN..UID_MAX), which a shared report must not show. */
static void probe_users(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (rootfs_read_file(rootfd, "etc/passwd", VX_PROBE_FILE_MAX * 16, &text, &len) < 0)
                return;
        Span s = span_make(text, len), line;
        while (span_next_line(&s, &line) && f->n_users < ELEMENTSOF(f->users)) {
                Span name = next_field(&line, ':');
                (void) next_field(&line, ':'); /* the password field */
                uint64_t uid;
                if (!span_eat_digits(&line, 1, 10, &uid) || uid < 1000 || uid > 59999)
                        continue;
                (void) copy_printable(name, f->users[f->n_users], sizeof(f->users[0]));
                if (f->users[f->n_users][0])
                        f->n_users++;
        }
}

void probe_system(int rootfd, HostFacts *f) {
        read_first_line(rootfd, "proc/sys/kernel/osrelease", f->kernel_release, sizeof(f->kernel_release));
        read_first_line(rootfd, "proc/sys/kernel/hostname", f->hostname, sizeof(f->hostname));
        if (!f->hostname[0])
                read_first_line(rootfd, "etc/hostname", f->hostname, sizeof(f->hostname));
        probe_cpu(rootfd, f);
        probe_users(rootfd, f);
}

/* dpkg's status database (deb-control(5) paragraphs): the Version of an installed Package, read a line at a
 * time, so that a large database (a server's of many packages is tens of MB) costs one line's buffer. */
enum { DPKG_QEMU, DPKG_LIBVIRT, DPKG_FOUND_MAX };
#define DPKG_VERSION_SIZE sizeof(((HostFacts *) NULL)->qemu_version)
_Static_assert(sizeof(((HostFacts *) NULL)->libvirt_version) == DPKG_VERSION_SIZE, "one size for both");

static const struct {
        const char *package;
        int found;
} dpkg_wanted[] = {
        {"qemu-system-x86", DPKG_QEMU},
        {"qemu-kvm", DPKG_QEMU},
        {"libvirt-daemon", DPKG_LIBVIRT},
};

typedef struct DpkgScan {
        int package; /* the paragraph's Package in dpkg_wanted[], or -1 */
        bool installed;
        char version[DPKG_VERSION_SIZE];
        char found[DPKG_FOUND_MAX][DPKG_VERSION_SIZE]; /* the first installed paragraph's of each */
} DpkgScan;

/* One line of the database, without its newline; an empty one ends a paragraph. */
static void dpkg_line(DpkgScan *d, Span line) {
        if (line.len == 0) {
                if (d->package >= 0 && d->installed && d->version[0]) {
                        char *out = d->found[dpkg_wanted[d->package].found];
                        if (!out[0])
                                memcpy(out, d->version, DPKG_VERSION_SIZE);
                }
                d->package = -1;
                d->installed = false;
                d->version[0] = 0;
                return;
        }
        if (span_eat_literal(&line, "Package:")) {
                span_trim(&line);
                d->package = -1;
                for (size_t i = 0; i < ELEMENTSOF(dpkg_wanted); i++)
                        if (line.len == strlen(dpkg_wanted[i].package) &&
                            memcmp(line.p, dpkg_wanted[i].package, line.len) == 0)
                                d->package = (int) i;
        } else if (span_eat_literal(&line, "Version:")) {
                if (!copy_printable(line, d->version, sizeof(d->version)))
                        d->version[0] = 0;
        } else if (span_eat_literal(&line, "Status:"))
                d->installed = span_find(line, " installed") != NULL;
}

/* The lines of buf[0..len) that end in it are given to dpkg_line() (a line begun by a cut one, skipping,
 * is not); returns how many bytes that took. */
static size_t dpkg_lines(DpkgScan *d, const char *buf, size_t len, bool *skipping) {
        size_t start = 0;
        const char *nl;
        while ((nl = memchr(buf + start, '\n', len - start))) {
                if (!*skipping)
                        dpkg_line(d, span_make(buf + start, (size_t) (nl - (buf + start))));
                *skipping = false;
                start = (size_t) (nl - buf) + 1;
        }
        return start;
}

int probe_packages(const char *root, HostFacts *f) {
        DpkgScan d = {.package = -1};
        size_t len = 0, total = 0;
        bool skipping = false;
        int r = 0;

        int rootfd = rootfs_open(root);
        if (rootfd < 0)
                return rootfd;
        int fd = rootfs_open_file(rootfd, "var/lib/dpkg/status");
        close(rootfd);
        if (fd < 0)
                return fd;
        _cleanup_free_ char *buf = malloc(VX_DPKG_LINE_MAX);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        for (;;) {
                ssize_t n = read(fd, buf + len, VX_DPKG_LINE_MAX - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        r = -errno;
                else if ((total += (size_t) n) > VX_DPKG_STATUS_MAX)
                        r = -EFBIG;
                if (n <= 0 || r < 0)
                        break;
                len += (size_t) n;
                size_t used = dpkg_lines(&d, buf, len, &skipping);
                memmove(buf, buf + used, len - used);
                len -= used;
                /* A line longer than the buffer (a long Description's) is none of the fields looked for. */
                if (len == VX_DPKG_LINE_MAX) {
                        skipping = true;
                        len = 0;
                }
        }
        close(fd);
        if (r < 0)
                return r;
        /* The last line needs no newline, the last paragraph no empty line after it. */
        if (len > 0 && !skipping)
                dpkg_line(&d, span_make(buf, len));
        dpkg_line(&d, span_make("", 0));
        memcpy(f->qemu_version, d.found[DPKG_QEMU], DPKG_VERSION_SIZE);
        memcpy(f->libvirt_version, d.found[DPKG_LIBVIRT], DPKG_VERSION_SIZE);
        f->packages = KNOWN_PRESENT;
        return 0;
}
