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

/* dpkg's status database (deb-control(5) paragraphs): the Version of an installed Package. */
static void dpkg_versions(const char *text, size_t len, HostFacts *f) {
        const struct {
                const char *package;
                char *out;
        } wanted[] = {
                {"qemu-system-x86", f->qemu_version},
                {"qemu-kvm", f->qemu_version},
                {"libvirt-daemon", f->libvirt_version},
        };
        _Static_assert(sizeof(f->qemu_version) == sizeof(f->libvirt_version), "one size for both");
        Span s = span_make(text, len), line, package = {0}, version = {0};
        bool installed = false, end;
        do {
                end = !span_next_line(&s, &line);
                if (end || line.len == 0) {
                        for (size_t i = 0; installed && version.len && i < ELEMENTSOF(wanted); i++) {
                                char *out = wanted[i].out;
                                if (!out[0] && package.len == strlen(wanted[i].package) &&
                                    memcmp(package.p, wanted[i].package, package.len) == 0)
                                        (void) copy_printable(version, out, sizeof(f->qemu_version));
                        }
                        package = version = (Span){0};
                        installed = false;
                        continue;
                }
                if (span_eat_literal(&line, "Package:"))
                        package = line, span_trim(&package);
                else if (span_eat_literal(&line, "Version:"))
                        version = line, span_trim(&version);
                else if (span_eat_literal(&line, "Status:"))
                        installed = span_find(line, " installed") != NULL;
        } while (!end);
}

int probe_packages(const char *root, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int rootfd = rootfs_open(root);
        if (rootfd < 0)
                return rootfd;
        int r = rootfs_read_file(rootfd, "var/lib/dpkg/status", VX_DPKG_STATUS_MAX, &text, &len);
        close(rootfd);
        if (r < 0)
                return r;
        dpkg_versions(text, len, f);
        f->packages = KNOWN_PRESENT;
        return 0;
}
