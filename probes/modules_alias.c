/* SPDX-License-Identifier: MIT */
/* The host's modules.alias, to name the module that would drive a guest's device, or each of the host's own
 * (lspci -k's "Kernel modules"). Read only. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lspci.h"
#include "rootfs.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/macro.h"

int modules_alias_read_host(const char *sysroot, char **ret, size_t *ret_len, char release[static 128]) {
        _cleanup_free_ char *osrelease = NULL, *text = NULL;
        size_t len, n;
        char path[200];
        int root, r;

        root = rootfs_open(sysroot);
        if (root < 0)
                return root;
        r = rootfs_read_file(root, "proc/sys/kernel/osrelease", 128, &osrelease, &len);
        if (r < 0) {
                close(root);
                return r;
        }
        n = strcspn(osrelease, "\n");
        /* a release is one word of a directory name */
        if (n == 0 || n >= 128 || memchr(osrelease, '/', n) || memchr(osrelease, ' ', n)) {
                close(root);
                return -EINVAL;
        }
        osrelease[n] = 0;
        snprintf(path, sizeof(path), "lib/modules/%s/modules.alias", osrelease);
        r = rootfs_read_file(root, path, VX_MODULES_ALIAS_MAX, &text, &len);
        close(root);
        if (r < 0)
                return r;
        memcpy(release, osrelease, n + 1);
        *ret = TAKE_PTR(text);
        *ret_len = len;
        return 0;
}

int probe_pci_modules(const char *root, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        char release[128];
        size_t len;
        int r = modules_alias_read_host(root, &text, &len, release);
        if (r < 0)
                return r;
        for (size_t i = 0; i < f->n_devices; i++) {
                PciDevice *d = &f->devices[i];
                LspciDevice l = {
                        .vendor = d->vendor,
                        .device = d->device,
                        .subvendor = d->subsystem_vendor,
                        .subdevice = d->subsystem_device,
                        .class_base = (d->class_code >> 16) & 0xff,
                        .class_sub = (d->class_code >> 8) & 0xff,
                        .prog_if = d->class_code & 0xff,
                };
                char modalias[64], found[sizeof(d->modules)];
                lspci_modalias(&l, modalias);
                size_t n = modules_alias_match(text, len, modalias, false, found, sizeof(found));
                d->modules_state = n > 0 ? KNOWN_PRESENT : KNOWN_ABSENT;
                d->modules[0] = 0;
                /* lspci -k writes "nouveau, nvidia_drm, nvidia". */
                for (const char *p = found; n > 0 && *p;) {
                        size_t w = strcspn(p, " ");
                        size_t used = strlen(d->modules);
                        snprintf(d->modules + used, sizeof(d->modules) - used, "%s%.*s", used ? ", " : "",
                                 (int) w, p);
                        p += w;
                        while (*p == ' ')
                                p++;
                }
        }
        return 0;
}
