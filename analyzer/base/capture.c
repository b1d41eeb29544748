/* SPDX-License-Identifier: MIT */
/* The grammar of each capture name: a value from a log becomes part of a fix command only if it fits. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "capture.h"
#include "pci_address.h"
#include "strparse.h"

static bool all_in(const char *s, size_t len, const char *extra) {
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                        continue;
                if (c == 0 || !strchr(extra, c))
                        return false;
        }
        return true;
}

static bool all_digits(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return len > 0;
}

static bool all_xdigits(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (!span_is_xdigit(s[i]))
                        return false;
        return len > 0;
}

int capture_normalize(Var v, const char *s, size_t len, char out[static VX_CAPTURE_MAX + 1]) {
        char tmp[VX_CAPTURE_MAX + 1];
        bool ok;

        if (len == 0 || len > VX_CAPTURE_MAX)
                return -EINVAL;
        switch (v) {
        case VAR_ADDRESS: {
                PciAddress a;
                if (pci_address_normalize(s, len, a) < 0)
                        return -EINVAL;
                strcpy(out, a);
                return 0;
        }
        case VAR_GROUP:
        case VAR_PID:
        case VAR_BAR:
                ok = all_digits(s, len) && len <= 10;
                break;
        case VAR_VENDOR:
        case VAR_DEVICE:
                ok = len == 4 && all_xdigits(s, len);
                break;
        case VAR_ERRNO:
                /* -22, 22, EINVAL, "Invalid argument" */
                ok = all_in(s, len, "-/ ") && len <= 64; /* "Input/output error" */
                break;
        case VAR_PATH:
        case VAR_NODE:
                ok = s[0] == '/' && all_in(s, len, "/._-:+@,") && !memmem(s, len, "/../", 4) &&
                        !(len >= 3 && memcmp(s + len - 3, "/..", 3) == 0);
                break;
        case VAR_DRIVER:
        case VAR_MODULE:
        case VAR_PARAM:
                ok = all_in(s, len, "_-.") && len <= 64;
                break;
        case VAR_USER:
                ok = all_in(s, len, "_-.+") && len <= 64 && s[0] != '-';
                break;
        case VAR_DOMAIN:
                /* libvirt domain names may hold more, but only these are safe to paste unquoted. */
                ok = all_in(s, len, "_-.+") && s[0] != '-';
                break;
        case VAR_SIZE:
        case VAR_IOVA:
        case VAR_VALUE:
                ok = all_in(s, len, "_-.:,+x=") && s[0] != '-';
                if (v == VAR_VALUE && s[0] == '-' && len > 1 && all_digits(s + 1, len - 1))
                        ok = true;
                break;
        case VAR_LABEL:
                ok = all_in(s, len, "_-.:,/+@") && s[0] != '-';
                break;
        case VAR_ALIAS:
                /* QEMU's id_wellformed() (util/id.c): a letter, then letters, digits, '-', '.', '_'; -set
                 * reads at most 63 bytes of it. */
                ok = ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) &&
                        all_in(s, len, "_-.") && len <= VX_QEMU_ID_MAX;
                break;
        case VAR_QEMU_DEVICE:
                /* QEMU's type names: lower-case letters, digits, '-', '.', '_' ("ide-hd", "vfio-pci") */
                ok = all_in(s, len, "_-.") && len <= VX_QEMU_ID_MAX && s[0] != '-';
                break;
        default:
                return -EINVAL;
        }
        if (!ok)
                return -EINVAL;
        memcpy(tmp, s, len);
        tmp[len] = 0;
        if (v == VAR_VENDOR || v == VAR_DEVICE)
                for (size_t i = 0; i < len; i++)
                        if (tmp[i] >= 'A' && tmp[i] <= 'F')
                                tmp[i] = (char) (tmp[i] - 'A' + 'a');
        memcpy(out, tmp, len + 1);
        return 0;
}
