/* SPDX-License-Identifier: MIT */
/* Fix and explanation templates: checking them, and filling in their {variables}. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "template.h"
#include "vfioexplain/limits.h"

/* A placeholder's text (between its braces): one variable, or alternatives "address|value", the first of
 * them known standing for all (for a pattern whose branches capture different names). Their Vars into
 * vars[]; returns how many, or -EINVAL (not a variable) or -E2BIG (one too many) with *err_off (into name)
 * where that alternative starts. */
static int placeholder_vars(const char *name, size_t len, Var vars[static VX_TEMPLATE_ALTERNATIVES_MAX],
                            size_t *err_off) {
        size_t n = 0, start = 0;
        for (size_t i = 0; i <= len; i++) {
                if (i < len && name[i] != '|')
                        continue;
                *err_off = start;
                if (n == VX_TEMPLATE_ALTERNATIVES_MAX)
                        return -E2BIG;
                int v = var_from_string(name + start, i - start);
                if (v < 0)
                        return -EINVAL;
                vars[n++] = (Var) v;
                start = i + 1;
        }
        return (int) n;
}

int template_validate(const char *t, size_t *err_col, const char **err) {
        for (size_t i = 0; t[i]; i++) {
                if (t[i] == '}') {
                        if (t[i + 1] != '}') {
                                *err_col = i;
                                *err = "lone '}' (write '}}' for a literal brace)";
                                return -EINVAL;
                        }
                        i++;
                        continue;
                }
                if (t[i] != '{')
                        continue;
                if (t[i + 1] == '{') {
                        i++;
                        continue;
                }
                const char *end = strchr(t + i + 1, '}');
                if (!end) {
                        *err_col = i;
                        *err = "unterminated '{' (write '{{' for a literal brace)";
                        return -EINVAL;
                }
                Var vars[VX_TEMPLATE_ALTERNATIVES_MAX];
                size_t off = 0;
                int n = placeholder_vars(t + i + 1, (size_t) (end - t - i - 1), vars, &off);
                if (n < 0) {
                        *err_col = i + 1 + off;
                        *err = n == -E2BIG ? "too many alternatives (VX_TEMPLATE_ALTERNATIVES_MAX)"
                                           : "unknown variable";
                        return -EINVAL;
                }
                i = (size_t) (end - t);
        }
        return 0;
}

int template_unfilled(const char *t, uint64_t known, uint64_t captured) {
        for (size_t i = 0; t[i]; i++) {
                if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
                        i++;
                        continue;
                }
                if (t[i] != '{')
                        continue;
                const char *end = strchr(t + i + 1, '}');
                if (!end)
                        return -EINVAL;
                Var vars[VX_TEMPLATE_ALTERNATIVES_MAX];
                size_t off;
                int n = placeholder_vars(t + i + 1, (size_t) (end - t - i - 1), vars, &off);
                if (n < 0)
                        return n;
                bool filled = false, of_pattern = false;
                for (int k = 0; k < n; k++) {
                        filled = filled || (known & (UINT64_C(1) << vars[k]));
                        of_pattern = of_pattern || (captured & (UINT64_C(1) << vars[k]));
                }
                if (!filled && of_pattern)
                        return (int) vars[0];
                i = (size_t) (end - t);
        }
        return -ENOENT;
}

/* How a fix names a value it does not know: a shell variable the fix sets first, whose name is the
 * vocabulary's in capitals unless that is one a shell itself uses (PATH, USER). */
static const struct {
        const char *name;
        const char *example; /* shell-safe; NULL for one derived from the address */
        const char *what;
        const char *noun; /* in a why whose command does not set the variable */
} shell_vars[_VAR_CAPTURE_MAX] = {
        [VAR_ADDRESS] = {"ADDRESS", "0000:XX:00.0", "the device's PCI address, as 'lspci -D' shows it",
                         "the device"},
        [VAR_GROUP] = {"GROUP", "N", "the device's IOMMU group: ls /dev/vfio", "its IOMMU group"},
        [VAR_ERRNO] = {"ERRNO", "-22", "the error number of the message", "the error"},
        [VAR_PATH] = {"FILE_PATH", "/path/to/the/file", "the file the message names", "the file"},
        [VAR_DRIVER] = {"DRIVER", "the-driver", "the device's driver: lspci -k", "the driver"},
        [VAR_USER] = {"QEMU_USER", "libvirt-qemu", "the user QEMU runs as (qemu on Fedora)", "QEMU's user"},
        [VAR_VENDOR] = {"VENDOR", "10de", "the vendor id: lspci -nn", "the vendor id"},
        [VAR_DEVICE] = {"DEVICE_ID", "1b80", "the device id: lspci -nn", "the device id"},
        [VAR_BAR] = {"BAR", "0", "the BAR the message names", "the BAR"},
        [VAR_DOMAIN] = {"DOMAIN", "your-vm", "the libvirt domain that failed (virsh list --all)", "the VM"},
        [VAR_MODULE] = {"MODULE", "the-module", "the kernel module the message names", "the module"},
        [VAR_PARAM] = {"PARAM", "the-parameter", "the parameter the message names", "the parameter"},
        [VAR_VALUE] = {"VALUE", "the-value", "the value the message names", "the value"},
        [VAR_SIZE] = {"SIZE", "0x400000000", "the size the message names", "the size"},
        [VAR_IOVA] = {"IOVA", "0x0", "the I/O virtual address of the message", "the I/O virtual address"},
        [VAR_PID] = {"QEMU_PID", "12345", "the QEMU process: pgrep -a qemu", "the QEMU process"},
        [VAR_NODE] = {"NODE", "/dev/vfio/N", "the device node the message names", "the device node"},
        [VAR_LABEL] = {"LABEL", "the-label", "the security label or profile the message names", "the label"},
        [VAR_ALIAS] = {"ALIAS", "hostdev0", "the device's alias in the domain XML (virsh dumpxml)",
                       "the device's alias"},
        [VAR_QEMU_DEVICE] = {"QEMU_DEVICE", "vfio-pci", "the QEMU device model the -device option names",
                             "the QEMU device"},
};

const char *template_shell_var_name(Var v) {
        return v < _VAR_CAPTURE_MAX ? shell_vars[v].name : NULL;
}

typedef enum Quote {
        QUOTE_NONE,
        QUOTE_SINGLE,
        QUOTE_DOUBLE,
} Quote;

typedef enum RenderMode {
        RENDER_PROSE, /* an unknown value reads "<name>" */
        RENDER_COMMAND, /* a reference to its shell variable, quoted for where it stands */
        RENDER_WHY, /* "$NAME" for a variable the fix above it sets, else its noun */
} RenderMode;

static void put_plain(StrBuf *out, const char *s, size_t len, bool value, void *userdata) {
        strbuf_append(out, s, len);
}

/* Renders t, each piece handed to put: the template's own text (value false) and each variable's value
 * (true). A command's unknown value becomes a reference to its shell variable, written so that the shell
 * expands it wherever it stands (outside quotes, inside "" or inside ''), and its bit is set in *unknown. */
static int template_render_as(const char *t, const TemplateVars *vars, RenderMode mode, template_put_fn put,
                              void *userdata, StrBuf *out, uint64_t *unknown, uint64_t set) {
        Quote q = QUOTE_NONE;
        size_t lit = 0; /* start of the literal text not yet put */
        for (size_t i = 0; t[i]; i++) {
                if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
                        /* The brace once: the literal up to and with it, the second skipped. */
                        put(out, t + lit, i + 1 - lit, false, userdata);
                        lit = i + 2;
                        i++;
                        continue;
                }
                if (t[i] != '{') {
                        /* The quoting the text itself opens and closes, as a POSIX shell reads it. */
                        if (t[i] == '\\' && q != QUOTE_SINGLE && t[i + 1] && t[i + 1] != '{') {
                                i++;
                                continue;
                        }
                        if (t[i] == '\'' && q != QUOTE_DOUBLE)
                                q = q == QUOTE_SINGLE ? QUOTE_NONE : QUOTE_SINGLE;
                        else if (t[i] == '"' && q != QUOTE_SINGLE)
                                q = q == QUOTE_DOUBLE ? QUOTE_NONE : QUOTE_DOUBLE;
                        continue;
                }
                const char *end = strchr(t + i + 1, '}');
                if (!end)
                        return -EINVAL;
                Var alts[VX_TEMPLATE_ALTERNATIVES_MAX];
                size_t off;
                int n_alts = placeholder_vars(t + i + 1, (size_t) (end - t - i - 1), alts, &off);
                if (n_alts < 0)
                        return -EINVAL;
                /* The first alternative known; where none is, the first stands for them. */
                Var v = alts[0];
                for (int k = 0; k < n_alts; k++)
                        if (vars && vars->v[alts[k]]) {
                                v = alts[k];
                                break;
                        }
                put(out, t + lit, i - lit, false, userdata);
                if (vars && vars->v[v])
                        put(out, vars->v[v], strlen(vars->v[v]), true, userdata);
                else if (mode == RENDER_COMMAND && v < _VAR_CAPTURE_MAX) {
                        char ref[40];
                        const char *name = shell_vars[v].name;
                        int n = q == QUOTE_DOUBLE   ? snprintf(ref, sizeof(ref), "${%s}", name)
                                : q == QUOTE_SINGLE ? snprintf(ref, sizeof(ref), "'\"$%s\"'", name)
                                                    : snprintf(ref, sizeof(ref), "\"$%s\"", name);
                        put(out, ref, (size_t) MIN(n, (int) sizeof(ref) - 1), false, userdata);
                        *unknown |= UINT64_C(1) << v;
                } else if (mode == RENDER_WHY && v < _VAR_CAPTURE_MAX && (set & (UINT64_C(1) << v))) {
                        char ref[40];
                        int n = snprintf(ref, sizeof(ref), "$%s", shell_vars[v].name);
                        put(out, ref, (size_t) MIN(n, (int) sizeof(ref) - 1), true, userdata);
                } else if (mode == RENDER_WHY && v < _VAR_CAPTURE_MAX) {
                        put(out, shell_vars[v].noun, strlen(shell_vars[v].noun), false, userdata);
                } else {
                        /* "<name>": a value not known, shown as a value. */
                        char shown[40];
                        int n = snprintf(shown, sizeof(shown), "<%s>", var_to_string((Var) v));
                        put(out, shown, (size_t) MIN(n, (int) sizeof(shown) - 1), true, userdata);
                }
                i = (size_t) (end - t);
                lit = i + 1;
        }
        put(out, t + lit, strlen(t + lit), false, userdata);
        return strbuf_failed(out) ? -ENOMEM : 0;
}

int template_render(const char *t, const TemplateVars *vars, StrBuf *out) {
        return template_render_as(t, vars, RENDER_PROSE, put_plain, NULL, out, NULL, 0);
}

int template_render_parts(const char *t, const TemplateVars *vars, template_put_fn put, void *userdata,
                          StrBuf *out) {
        return template_render_as(t, vars, RENDER_PROSE, put, userdata, out, NULL, 0);
}

int template_render_command(const char *t, const TemplateVars *vars, StrBuf *out, uint64_t *unknown) {
        return template_render_as(t, vars, RENDER_COMMAND, put_plain, NULL, out, unknown, 0);
}

int template_render_why(const char *t, const TemplateVars *vars, uint64_t set, StrBuf *out) {
        return template_render_as(t, vars, RENDER_WHY, put_plain, NULL, out, NULL, set);
}

void template_shell_setup(Var v, const TemplateVars *vars, StrBuf *out) {
        if (v >= _VAR_CAPTURE_MAX)
                return;
        const char *address = vars ? vars->v[VAR_ADDRESS] : NULL;
        /* The group of a known device is the kernel's to say. */
        if (v == VAR_GROUP && address)
                strbuf_printf(
                        out,
                        "GROUP=$(basename \"$(readlink /sys/bus/pci/devices/%s/iommu_group)\")   # the IOMMU group of %s\n",
                        address, address);
        else
                strbuf_printf(out, "%s=%s   # %s\n", shell_vars[v].name, shell_vars[v].example,
                              shell_vars[v].what);
}
