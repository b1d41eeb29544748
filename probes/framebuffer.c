/* SPDX-License-Identifier: MIT */
/* Which boot framebuffer holds a GPU, and the kernel parameter that releases it on this kernel
 * (probes/framebuffer.h says why). */
#include <string.h>

#include "framebuffer.h"
#include "strparse.h"
#include "vfioexplain/macro.h"

#define PARAM_FBDEV "video=efifb:off video=vesafb:off"
#define PARAM_SYSFB "initcall_blacklist=sysfb_init"

BootFramebuffer boot_framebuffer_from_name(const char *name) {
        static const char *const fbdev[] = {"efifb", "vesafb"};
        static const char *const sysfb[] = {"BOOTFB", "simpledrm", "simplefb", "simple-framebuffer"};
        for (size_t i = 0; i < ELEMENTSOF(fbdev); i++)
                if (strcmp(name, fbdev[i]) == 0)
                        return BOOT_FB_FBDEV;
        for (size_t i = 0; i < ELEMENTSOF(sysfb); i++)
                if (strcmp(name, sysfb[i]) == 0)
                        return BOOT_FB_SYSFB;
        return BOOT_FB_UNKNOWN;
}

bool boot_framebuffer_name(const char *name) {
        return boot_framebuffer_from_name(name) != BOOT_FB_UNKNOWN;
}

/* "6.1.0-25-amd64" as 6 and 1; false when it does not start with MAJOR.MINOR. */
static bool release_version(const char *release, uint64_t *major, uint64_t *minor) {
        Span s = span_from_str(release ? release : "");
        return span_eat_digits(&s, 1, 3, major) && span_eat_char(&s, '.') &&
                span_eat_digits(&s, 1, 3, minor);
}

const char *boot_framebuffer_param(BootFramebuffer kind, const char *release) {
        uint64_t major, minor;
        switch (kind) {
        case BOOT_FB_FBDEV:
                return PARAM_FBDEV;
        case BOOT_FB_SYSFB:
                return PARAM_SYSFB;
        default:
                if (release_version(release, &major, &minor) && (major < 5 || (major == 5 && minor < 15)))
                        return PARAM_FBDEV;
                return PARAM_SYSFB;
        }
}

/* Whether the word initcall_blacklist=A,B,... names fn. */
static bool blacklist_names(const char *cmdline, const char *fn) {
        static const char key[] = "initcall_blacklist=";
        for (const char *p = cmdline; p && *p;) {
                size_t n = strcspn(p, " \t");
                if (n > strlen(key) && strncmp(p, key, strlen(key)) == 0) {
                        Span list = span_make(p + strlen(key), n - strlen(key)), item;
                        while (list.len > 0) {
                                if (!span_eat_until(&list, ',', &item)) {
                                        item = list;
                                        list.len = 0;
                                } else
                                        (void) span_eat_char(&list, ',');
                                if (item.len == strlen(fn) && memcmp(item.p, fn, item.len) == 0)
                                        return true;
                        }
                }
                p += n;
                p += strspn(p, " \t");
        }
        return false;
}

bool boot_framebuffer_param_given(BootFramebuffer kind, const char *cmdline) {
        if (!cmdline)
                return false;
        /* Without sysfb_init() no framebuffer device exists for any of the drivers to bind. */
        if (blacklist_names(cmdline, "sysfb_init"))
                return true;
        /* vesafb holds a framebuffer only after a legacy BIOS boot; efifb:off is what UEFI hosts need. */
        return kind == BOOT_FB_FBDEV && words_contain(cmdline, "video=efifb:off");
}

BootFramebuffer host_boot_framebuffer(const HostFacts *f, const char *address) {
        BootFramebuffer kind = BOOT_FB_UNKNOWN;
        for (size_t i = 0; f && i < f->n_framebuffers; i++) {
                const FramebufferHold *h = &f->framebuffers[i];
                if (address && strcmp(h->device, address) != 0)
                        continue;
                BootFramebuffer k = boot_framebuffer_from_name(h->name);
                if (k == BOOT_FB_UNKNOWN)
                        k = boot_framebuffer_from_name(h->driver);
                kind = MAX(kind, k);
        }
        return kind;
}

const char *host_boot_framebuffer_param(const HostFacts *f) {
        return boot_framebuffer_param(host_boot_framebuffer(f, NULL), f && f->root ? f->kernel_release : "");
}
