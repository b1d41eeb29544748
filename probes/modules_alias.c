/* SPDX-License-Identifier: MIT */
/* The host's modules.alias, to name the module that would drive a guest's device. Read only. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lspci.h"
#include "rootfs.h"
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
