/* SPDX-License-Identifier: MIT */
/* Kernel release strings of kernel.org and the distributions, read into a release that can be ordered. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kernel_release.h"
#include "string_table.h"
#include "strparse.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

static const char *const kernel_vendor_table[_KERNEL_VENDOR_MAX] = {
        [KERNEL_VENDOR_UPSTREAM] = "upstream", [KERNEL_VENDOR_DEBIAN] = "debian",
        [KERNEL_VENDOR_UBUNTU] = "ubuntu",     [KERNEL_VENDOR_PROXMOX] = "proxmox",
        [KERNEL_VENDOR_FEDORA] = "fedora",     [KERNEL_VENDOR_ENTERPRISE] = "enterprise",
        [KERNEL_VENDOR_ARCH] = "arch",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(kernel_vendor, KernelVendor)

static bool eat_number(Span *s, unsigned *ret) {
        uint64_t v;
        if (!span_eat_digits(s, 1, 4, &v) || (s->len > 0 && span_is_digit(s->p[0])))
                return false;
        *ret = (unsigned) v;
        return true;
}

/* "x.y" or "x.y.z" at the start of s; *has_z tells which. */
static bool eat_numbers(Span *s, unsigned *major, unsigned *minor, unsigned *stable, bool *has_z) {
        Span t = *s;
        *stable = 0;
        *has_z = false;
        if (!eat_number(&t, major) || !span_eat_char(&t, '.') || !eat_number(&t, minor))
                return false;
        if (t.len >= 2 && t.p[0] == '.' && span_is_digit(t.p[1])) {
                span_advance(&t, 1);
                if (!eat_number(&t, stable))
                        return false;
                *has_z = true;
        }
        *s = t;
        return true;
}

static bool eat_rc(Span *s, unsigned *rc) {
        Span t = *s;
        if (!span_eat_literal(&t, "-rc") || !eat_number(&t, rc) || *rc == 0)
                return false;
        *s = t;
        return true;
}

static bool release_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || span_is_digit(c) || c == '.' ||
                c == '-' || c == '_' || c == '+' || c == '~';
}

static bool has_word(Span s, const char *w) {
        return span_find(s, w) != NULL;
}

/* Whose kernel the part after x.y[.z] says it is, and whether its z is a stable update. */
static KernelVendor release_vendor(Span suffix, unsigned stable, bool has_z, bool *stable_known) {
        static const char *const ubuntu_flavours[] = {"-generic", "-lowlatency", "-aws", "-azure",
                                                      "-gcp",     "-oracle",     "-kvm", "-raspi",
                                                      "-ibm",     "-nvidia",     "-oem"};
        static const char *const debian_flavours[] = {"-amd64",   "-arm64", "-686",
                                                      "-686-pae", "-armmp", "-rpi"};
        bool abi = false; /* x.y.0 then "-N-" or "-N.": a distribution's ABI or build number, not a stable
                             update */
        Span t = suffix;
        if (span_eat_char(&t, '-') && t.len > 0 && span_is_digit(t.p[0])) {
                while (t.len > 0 && span_is_digit(t.p[0]))
                        span_advance(&t, 1);
                abi = t.len > 0 && (t.p[0] == '-' || t.p[0] == '.');
        }
        *stable_known = true;
        if (span_ends_with(suffix, "-pve"))
                return KERNEL_VENDOR_PROXMOX;
        if (has_word(suffix, ".el") || span_ends_with(suffix, "-default") ||
            span_ends_with(suffix, "-azure-fde")) {
                /* RHEL and SUSE keep x.y.0 for a whole product life and backport into it */
                *stable_known = has_z && stable > 0 && !has_word(suffix, ".el");
                return KERNEL_VENDOR_ENTERPRISE;
        }
        if (has_word(suffix, ".fc"))
                return KERNEL_VENDOR_FEDORA;
        if (span_ends_with(suffix, "-lts") || has_word(suffix, "-arch") || has_word(suffix, "-zen") ||
            span_ends_with(suffix, "-hardened"))
                return KERNEL_VENDOR_ARCH;
        for (size_t i = 0; i < ELEMENTSOF(ubuntu_flavours); i++)
                if (span_ends_with(suffix, ubuntu_flavours[i]) && abi) {
                        *stable_known = stable > 0;
                        return KERNEL_VENDOR_UBUNTU;
                }
        for (size_t i = 0; i < ELEMENTSOF(debian_flavours); i++)
                if (span_ends_with(suffix, debian_flavours[i])) {
                        *stable_known = stable > 0;
                        return KERNEL_VENDOR_DEBIAN;
                }
        if (abi && stable == 0)
                *stable_known = false;
        return KERNEL_VENDOR_UPSTREAM;
}

int kernel_release_parse(const char *s, size_t len, KernelRelease *ret) {
        KernelRelease r = {0};
        bool has_z;
        Span t = span_make(s, len);

        if (len == 0 || len > VX_KERNEL_RELEASE_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!release_char(s[i]))
                        return -EINVAL;
        if (!eat_numbers(&t, &r.major, &r.minor, &r.stable, &has_z) || r.major == 0)
                return -EINVAL;
        if (t.len > 0 && t.p[0] != '-' && t.p[0] != '+' && t.p[0] != '.' && t.p[0] != '_')
                return -EINVAL;
        if (eat_rc(&t, &r.rc)) {
                /* a release candidate is mainline's x.y.0-rcN, whoever built it */
                if (r.stable != 0)
                        return -EINVAL;
                r.stable_known = true;
                r.vendor = KERNEL_VENDOR_UPSTREAM;
        } else
                r.vendor = release_vendor(t, r.stable, has_z, &r.stable_known);
        *ret = r;
        return 0;
}

/* "A.B.C" followed by one of the bytes of ends, for the tail of a banner. */
static bool tail_version(Span s, const char *ends, unsigned major, unsigned minor, unsigned *stable) {
        unsigned a, b, c;
        bool has_z;
        if (!eat_numbers(&s, &a, &b, &c, &has_z) || !has_z || a != major || b != minor)
                return false;
        if (s.len > 0 && !strchr(ends, s.p[0]))
                return false;
        *stable = c;
        return true;
}

/* The last place of needle in s, NULL if none. */
static const char *find_last(Span s, const char *needle) {
        const char *last = NULL, *p;
        while ((p = span_find(s, needle))) {
                last = p;
                span_advance(&s, (size_t) (p - s.p) + 1);
        }
        return last;
}

int kernel_release_parse_version(const char *s, size_t len, KernelRelease *ret, size_t *release_len) {
        Span v = span_make(s, len), release;
        KernelRelease r;
        const char *p;
        unsigned stable;

        if (!span_eat_until(&v, ' ', &release))
                release = v, span_advance(&v, v.len);
        if (kernel_release_parse(release.p, release.len, &r) < 0)
                return -EINVAL;
        if (!r.stable_known && r.rc == 0) {
                /* Ubuntu: "... (Ubuntu 6.8.0-45.45-generic 6.8.12)" */
                if ((p = find_last(v, "(Ubuntu "))) {
                        Span t = span_make(p, (size_t) (v.p + v.len - p)), word;
                        span_advance(&t, strlen("(Ubuntu "));
                        if (span_eat_until(&t, ' ', &word) && span_eat_char(&t, ' ') &&
                            tail_version(t, ")", r.major, r.minor, &stable)) {
                                r.stable = stable;
                                r.stable_known = true;
                                r.vendor = KERNEL_VENDOR_UBUNTU;
                        }
                }
                /* Debian: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)" (the compiler's "(Debian
                 * 12.2.0-14)" has a parenthesis before it) */
                if (!r.stable_known && (p = find_last(v, " Debian "))) {
                        Span t = span_make(p, (size_t) (v.p + v.len - p));
                        span_advance(&t, strlen(" Debian "));
                        if (tail_version(t, "-+~ ", r.major, r.minor, &stable)) {
                                r.stable = stable;
                                r.stable_known = true;
                                r.vendor = KERNEL_VENDOR_DEBIAN;
                        }
                }
        }
        /* Proxmox: "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z)": the same as its release */
        if (r.vendor == KERNEL_VENDOR_PROXMOX && (p = find_last(v, " PMX "))) {
                Span t = span_make(p, (size_t) (v.p + v.len - p));
                span_advance(&t, strlen(" PMX "));
                if (tail_version(t, "-", r.major, r.minor, &stable) && stable != r.stable)
                        return -EINVAL;
        }
        *ret = r;
        if (release_len)
                *release_len = release.len;
        return 0;
}

int kernel_release_parse_plain(const char *s, size_t len, KernelRelease *ret) {
        KernelRelease r = {.stable_known = true};
        bool has_z;
        Span t = span_make(s, len);
        if (!eat_numbers(&t, &r.major, &r.minor, &r.stable, &has_z) || r.major == 0)
                return -EINVAL;
        if (eat_rc(&t, &r.rc) && r.stable != 0)
                return -EINVAL;
        if (t.len != 0)
                return -EINVAL;
        *ret = r;
        return 0;
}

int kernel_release_cmp(const KernelRelease *a, const KernelRelease *b) {
        /* A candidate comes before its release: rc 0 is the last of them. */
        unsigned ka[] = {a->major, a->minor, a->rc ? a->rc : UINT_MAX, a->stable};
        unsigned kb[] = {b->major, b->minor, b->rc ? b->rc : UINT_MAX, b->stable};
        for (size_t i = 0; i < ELEMENTSOF(ka); i++)
                if (ka[i] != kb[i])
                        return ka[i] < kb[i] ? -1 : 1;
        return 0;
}

static bool in(const KernelRelease *r, const KernelRelease *from, const KernelRelease *to) {
        return kernel_release_cmp(from, r) <= 0 && kernel_release_cmp(r, to) < 0;
}

KernelInRange kernel_release_in_range(const KernelRelease *r, const KernelRelease *from,
                                      const KernelRelease *to) {
        if (r->stable_known)
                return in(r, from, to) ? KERNEL_IN_RANGE_YES : KERNEL_IN_RANGE_NO;
        KernelRelease lo = {.major = r->major, .minor = r->minor, .stable_known = true};
        KernelRelease hi = lo;
        hi.stable = UINT_MAX;
        if (in(&lo, from, to) && in(&hi, from, to))
                return KERNEL_IN_RANGE_YES;
        if (kernel_release_cmp(&hi, from) < 0 || kernel_release_cmp(&lo, to) >= 0)
                return KERNEL_IN_RANGE_NO;
        return KERNEL_IN_RANGE_UNKNOWN;
}

int kernel_release_format(const KernelRelease *r, char *out, size_t size) {
        if (r->rc)
                return snprintf(out, size, "%u.%u-rc%u", r->major, r->minor, r->rc);
        if (!r->stable_known || r->stable == 0)
                return snprintf(out, size, "%u.%u", r->major, r->minor);
        return snprintf(out, size, "%u.%u.%u", r->major, r->minor, r->stable);
}
