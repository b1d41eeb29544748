/* SPDX-License-Identifier: MIT */
#pragma once

/* Linux kernel releases as uname -r, the boot banner and distributions write them, and their order
 * (docs/rule-format.md "[regression ID]"). */

#include <stdbool.h>
#include <stddef.h>

/* Whose numbering a release string follows: which tells whether its third number is the stable update
 * it is built from, and which commands install or pin a kernel. */
typedef enum KernelVendor {
        KERNEL_VENDOR_UPSTREAM, /* kernel.org's, or one that says nothing else ("6.12.23", "6.15.0-rc3") */
        KERNEL_VENDOR_DEBIAN, /* "6.1.0-18-amd64": the ABI number; the banner says "Debian 6.1.76-1" */
        KERNEL_VENDOR_UBUNTU, /* "6.8.0-45-generic": the banner ends "(Ubuntu 6.8.0-45.45-generic 6.8.12)" */
        KERNEL_VENDOR_PROXMOX, /* "6.8.12-4-pve": Ubuntu's kernel at stable 6.8.12, Proxmox's 4th build */
        KERNEL_VENDOR_FEDORA, /* "6.14.5-200.fc41.x86_64" */
        KERNEL_VENDOR_ENTERPRISE, /* RHEL "5.14.0-427.13.1.el9_4.x86_64", SUSE "6.4.0-150600.23.7-default" */
        KERNEL_VENDOR_ARCH, /* "6.12.23-1-lts", "6.14.2-arch1-1", "6.14.2-zen1-1-zen" */
        _KERNEL_VENDOR_MAX,
} KernelVendor;

typedef struct KernelRelease {
        unsigned major, minor;
        unsigned rc; /* N of x.y-rcN, a mainline release candidate; 0 for none */
        unsigned stable; /* z of x.y.z; 0 for the mainline release x.y itself */
        /* false where the string does not say which stable update it is (Debian's and Ubuntu's x.y.0-ABI,
         * enterprise kernels): only x.y is known */
        bool stable_known;
        KernelVendor vendor;
} KernelRelease;

const char *kernel_vendor_to_string(KernelVendor v);

/* A release as uname -r prints it (the whole of s[0..len)): "6.12.23-1-lts", "6.8.0-45-generic",
 * "6.15.0-rc3", "5.6.0-rc1+". Returns 0, or -EINVAL for anything else (*ret untouched). */
int kernel_release_parse(const char *s, size_t len, KernelRelease *ret);

/* The release of /proc/version or the boot banner's text after "Linux version " ("6.8.0-45-generic
 * (buildd@...) ... #45-Ubuntu SMP ... (Ubuntu 6.8.0-45.45-generic 6.8.12)"): the release, completed by what
 * a distribution's tail says of the stable update it is built from (Ubuntu's "(Ubuntu R A.B.C)", Debian's
 * "Debian A.B.C-N (date)", Proxmox's "PMX A.B.C-N (date)"). *release_len gets the length of the release
 * word. Returns 0 or -EINVAL. */
int kernel_release_parse_version(const char *s, size_t len, KernelRelease *ret, size_t *release_len);

/* A release as written in rule files: "6.12.23", "6.15", "6.15-rc3" (stable level always known). */
int kernel_release_parse_plain(const char *s, size_t len, KernelRelease *ret);

/* The order of kernel.org: 6.15-rc1 < 6.15-rc3 < 6.15 < 6.15.1 < 6.16-rc1. Both must have stable_known
 * (or be compared as x.y only, stable 0). */
int kernel_release_cmp(const KernelRelease *a, const KernelRelease *b);

typedef enum KernelInRange {
        KERNEL_IN_RANGE_NO,
        KERNEL_IN_RANGE_YES,
        KERNEL_IN_RANGE_UNKNOWN, /* x.y is known, the stable update is not, and the range splits x.y */
} KernelInRange;

/* Whether r lies in [from, to). A release whose stable level is unknown is a release of x.y (never a
 * candidate): in the range only if every x.y.z is. */
KernelInRange kernel_release_in_range(const KernelRelease *r, const KernelRelease *from,
                                      const KernelRelease *to);

/* "6.12.23", "6.15", "6.15-rc3", "6.8" (stable unknown). Returns what snprintf() returns. */
int kernel_release_format(const KernelRelease *r, char *out, size_t size);
