/* SPDX-License-Identifier: MIT */
/* A Proxmox VE VM's PCI passthrough (probes/pve.h): its config, mappings and tasks as qemu-server writes
 * them. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "pci_address.h"
#include "plan.h"
#include "pve.h"
#include "rootfs.h"
#include "strbuf.h"
#include "strparse.h"
#include "vfioexplain/macro.h"

/* A value from a file, as a message may show it: escaped, and cut at 48 bytes. */
static const char *value_shown(Span s, char buf[static 256]) {
        StrBuf b = {0};
        escape_append(&b, s.p, MIN(s.len, (size_t) 48));
        snprintf(buf, 256, "%s%s", strbuf_failed(&b) ? "?" : strbuf_str(&b), s.len > 48 ? "..." : "");
        strbuf_done(&b);
        return buf;
}

static bool all_of(Span s, const char *extra) {
        if (s.len == 0)
                return false;
        for (size_t i = 0; i < s.len; i++) {
                char c = s.p[i];
                if (!isalnum((unsigned char) c) && (c == 0 || !strchr(extra, c)))
                        return false;
        }
        return true;
}

static bool copy_word(Span s, char *out, size_t size) {
        if (s.len >= size)
                return false;
        memcpy(out, s.p, s.len);
        out[s.len] = 0;
        return true;
}

bool pve_vmid_parse(const char *s, unsigned *ret) {
        unsigned long v = 0;
        size_t n = strlen(s);
        /* pve-common JSONSchema.pm pve-vmid: an integer from 100 to 999999999 (parse_vmid: ^\d+$). */
        if (n == 0 || n > 9 || s[0] == '0')
                return false;
        for (size_t i = 0; i < n; i++) {
                if (!span_is_digit(s[i]))
                        return false;
                v = v * 10 + (unsigned long) (s[i] - '0');
        }
        if (v < 100)
                return false;
        *ret = (unsigned) v;
        return true;
}

/* PVE::JSONSchema::parse_boolean(). */
static int parse_boolean(Span v, PveBool *ret) {
        static const char *const on[] = {"1", "on", "yes", "true"},
                                 *const off[] = {"0", "off", "no", "false"};
        for (size_t i = 0; i < ELEMENTSOF(on); i++)
                if (v.len == strlen(on[i]) && strncasecmp(v.p, on[i], v.len) == 0) {
                        *ret = PVE_BOOL_ON;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(off); i++)
                if (v.len == strlen(off[i]) && strncasecmp(v.p, off[i], v.len) == 0) {
                        *ret = PVE_BOOL_OFF;
                        return 0;
                }
        return -EINVAL;
}

/* One part of a property string (PVE::JSONSchema::parse_property_string()): "key=value" (the key up to the
 * first '=', a value of at least one byte), or a value alone for the format's default key. */
typedef struct Part {
        Span key; /* empty for the default key */
        Span value;
} Part;

static bool next_part(Span *s, Part *ret) {
        while (s->len > 0) {
                Span part = *s;
                const char *comma = memchr(s->p, ',', s->len);
                if (comma) {
                        part.len = (size_t) (comma - s->p);
                        span_advance(s, part.len + 1);
                } else
                        span_advance(s, s->len);
                Span t = part;
                span_trim(&t);
                if (t.len == 0)
                        continue; /* "next if $part =~ /^\s*$/" */
                const char *eq = memchr(part.p, '=', part.len);
                if (!eq)
                        *ret = (Part){.value = part};
                else
                        *ret = (Part){.key = span_make(part.p, (size_t) (eq - part.p)),
                                      .value = span_make(eq + 1, part.len - (size_t) (eq - part.p) - 1)};
                return true;
        }
        return false;
}

/* A host PCI id of qemu-server's $PCIRE, "(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\.[a-f0-9])?", into
 * "DDDD:BB:SS" or "DDDD:BB:SS.F" with the domain 0000 added when left out. Functions beyond 7 match
 * qemu-server's pattern but no device: refused. */
static bool parse_pci_id(Span s, char ret[static PCI_ADDRESS_SIZE]) {
        char buf[32];
        size_t domain = 0;
        for (size_t i = 0; i < s.len; i++)
                if (!(span_is_digit(s.p[i]) || (s.p[i] >= 'a' && s.p[i] <= 'f') || s.p[i] == ':' ||
                      s.p[i] == '.'))
                        return false;
        size_t colons = 0;
        for (size_t i = 0; i < s.len; i++)
                if (s.p[i] == ':' && ++colons == 1)
                        domain = i;
        if (colons == 2 && (domain < 4 || domain > 8))
                return false;
        if (colons < 1 || colons > 2 || s.len >= sizeof(buf) - 6)
                return false;
        int n = snprintf(buf, sizeof(buf), "%s%.*s", colons == 1 ? "0000:" : "", (int) s.len, s.p);
        Span t = span_make(buf, (size_t) n);
        uint64_t v;
        size_t nd = strcspn(buf, ":");
        if (!span_eat_xdigits(&t, nd, &v) || !span_eat_char(&t, ':') || !span_eat_xdigits(&t, 2, &v) ||
            !span_eat_char(&t, ':') || !span_eat_xdigits(&t, 2, &v))
                return false;
        if (t.len > 0) {
                if (!span_eat_char(&t, '.') || t.len != 1 || t.p[0] < '0' || t.p[0] > '7')
                        return false;
                span_advance(&t, 1);
        }
        if (t.len != 0 || (size_t) n >= 16)
                return false;
        memcpy(ret, buf, (size_t) n + 1);
        return true;
}

/* host= or a mapping's path=: ids separated by ';'. */
static int parse_host_ids(Span v, PciAddress *ids, size_t *n, const char *what, Diag *d) {
        char q[256];
        *n = 0;
        while (v.len > 0) {
                Span id = v;
                const char *semi = memchr(v.p, ';', v.len);
                if (semi) {
                        id.len = (size_t) (semi - v.p);
                        span_advance(&v, id.len + 1);
                        if (v.len == 0) {
                                diag_addf(d, "%s: ends with ';'", what);
                                return -EINVAL;
                        }
                } else
                        span_advance(&v, v.len);
                if (*n >= VX_PVE_HOST_IDS_MAX) {
                        diag_addf(d, "%s: more than %u devices", what, VX_PVE_HOST_IDS_MAX);
                        return -E2BIG;
                }
                if (!parse_pci_id(id, ids[*n])) {
                        diag_addf(d, "%s: '%s' is not a host PCI id (bus:dev.func, hexadecimal)", what,
                                  value_shown(id, q));
                        return -EINVAL;
                }
                (*n)++;
        }
        return 0;
}

/* A name under /usr/share/kvm (qemu-server's pattern is '[^,;]+'): only a plain relative name is read, never
 * one that leaves the directory. */
static bool romfile_name_valid(Span s) {
        if (!all_of(s, "._+-/") || s.p[0] == '/' || s.p[s.len - 1] == '/')
                return false;
        for (size_t i = 0; i < s.len; i++) {
                bool start = i == 0 || s.p[i - 1] == '/';
                if (start && s.p[i] == '.' &&
                    (i + 1 == s.len || s.p[i + 1] == '/' ||
                     (s.p[i + 1] == '.' && (i + 2 == s.len || s.p[i + 2] == '/'))))
                        return false;
                if (s.p[i] == '/' && i > 0 && s.p[i - 1] == '/')
                        return false;
        }
        return true;
}

int pve_parse_hostpci(const char *value, size_t len, PveHostpci *h, Diag *d) {
        PveHostpci r = {.index = h->index, .line = h->line};
        Span s = span_make(value, len), host = {0};
        bool have_host = false, seen[16] = {false};
        char q[256], what[32];
        Part p;
        int k;

        snprintf(what, sizeof(what), "hostpci%u", h->index);
        /* Characters of the keys and values below, and the '; of host=: nothing else reaches a message or a
         * fix. */
        if (!all_of(s, ":.;,=_+-/") || len > VX_PVE_VALUE_MAX) {
                diag_addf(d, "%s: '%s': not a hostpci value", what, value_shown(s, q));
                return -EINVAL;
        }
        memcpy(r.value, value, len);
        r.value[len] = 0;
        while (next_part(&s, &p)) {
                static const char *const keys[] = {
                        "host",          "mapping",       "rombar", "romfile",   "pcie",
                        "x-vga",         "legacy-igd",    "mdev",   "vendor-id", "device-id",
                        "sub-vendor-id", "sub-device-id", "driver"};
                if (p.key.len == 0)
                        k = 0; /* host is the default key */
                else
                        for (k = 0; k < (int) ELEMENTSOF(keys); k++)
                                if (span_equals(p.key, keys[k]))
                                        break;
                if (k == (int) ELEMENTSOF(keys)) {
                        diag_addf(d, "%s: invalid key in comma-separated list property: %s", what,
                                  value_shown(p.key, q));
                        return -EINVAL;
                }
                if (seen[k] || p.value.len == 0) {
                        diag_addf(d, "%s: %s key in comma-separated list property: %s", what,
                                  seen[k] ? "duplicate" : "empty", keys[k]);
                        return -EINVAL;
                }
                seen[k] = true;
                int e = 0;
                switch (k) {
                case 0:
                        host = p.value;
                        have_host = true;
                        break;
                case 1:
                        /* format pve-configid: [a-z][a-z0-9_-]+, case-insensitive */
                        if (!isalpha((unsigned char) p.value.p[0]) || p.value.len < 2 ||
                            !all_of(p.value, "_-") || !copy_word(p.value, r.mapping, sizeof(r.mapping)))
                                e = -EINVAL;
                        break;
                case 2:
                        e = parse_boolean(p.value, &r.rombar);
                        break;
                case 3:
                        if (!romfile_name_valid(p.value) ||
                            !copy_word(p.value, r.romfile, sizeof(r.romfile)))
                                e = -EINVAL;
                        break;
                case 4:
                        e = parse_boolean(p.value, &r.pcie);
                        break;
                case 5:
                        e = parse_boolean(p.value, &r.x_vga);
                        break;
                case 6:
                        e = parse_boolean(p.value, &r.legacy_igd);
                        break;
                case 7:
                        /* '[^/\.:]+' */
                        if (!all_of(p.value, "_+-") || !copy_word(p.value, r.mdev, sizeof(r.mdev)))
                                e = -EINVAL;
                        break;
                case 12:
                        if (span_equals(p.value, "keep"))
                                r.driver_keep = true;
                        else if (!span_equals(p.value, "vfio"))
                                e = -EINVAL;
                        break;
                default: {
                        /* ^0x[0-9a-fA-F]{4}$ */
                        Span t = p.value;
                        uint64_t v;
                        if (!span_eat_literal(&t, "0x") || !span_eat_xdigits(&t, 4, &v) || t.len != 0)
                                e = -EINVAL;
                }
                }
                if (e < 0) {
                        diag_addf(d, "%s: %s=%s: not a value qemu-server takes", what, keys[k],
                                  value_shown(p.value, q));
                        return -EINVAL;
                }
        }
        /* PCI.pm parse_hostpci(). */
        if (have_host && r.mapping[0]) {
                diag_addf(d, "%s: Cannot set both 'host' and 'mapping'.", what);
                return -EINVAL;
        }
        if (!have_host && !r.mapping[0]) {
                diag_addf(d, "%s: Either 'host' or 'mapping' must be set.", what);
                return -EINVAL;
        }
        if (have_host) {
                char w[48];
                snprintf(w, sizeof(w), "%s: host", what);
                int e = parse_host_ids(host, r.ids, &r.n_ids, w, d);
                if (e < 0)
                        return e;
        }
        *h = r;
        return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* ID.conf */

typedef enum Section {
        SECTION_MAIN,
        SECTION_PENDING,
        SECTION_SKIPPED, /* a snapshot, a special section, an unknown one */
} Section;

typedef struct Setting {
        bool set, deleted;
        Span value;
        unsigned line;
} Setting;

enum {
        KEY_NAME,
        KEY_MACHINE,
        KEY_BIOS,
        KEY_VGA,
        KEY_MEMORY,
        KEY_ONBOOT,
        KEY_ARGS,
        KEY_HOOKSCRIPT,
        KEY_HOSTPCI0,
        _KEY_MAX = KEY_HOSTPCI0 + VX_PVE_HOSTPCI_MAX,
};

static int key_of(Span k) {
        static const char *const names[] = {"name",   "machine", "bios", "vga",
                                            "memory", "onboot",  "args", "hookscript"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (span_equals(k, names[i]))
                        return (int) i;
        Span t = k;
        uint64_t n;
        if (span_eat_literal(&t, "hostpci") && t.len > 0 && !(t.len > 1 && t.p[0] == '0') &&
            span_eat_digits(&t, 1, 2, &n) && t.len == 0 && n < VX_PVE_HOSTPCI_MAX)
                return KEY_HOSTPCI0 + (int) n;
        return -1;
}

/* "^([a-z][a-z_\-]*\d*):\s*(.+?)\s*$" of parse_vm_config(), and "args:", "delete:". */
static bool split_key(Span line, Span *key, Span *value) {
        size_t i = 0;
        if (line.len == 0 || !(line.p[0] >= 'a' && line.p[0] <= 'z'))
                return false;
        while (i < line.len &&
               ((line.p[i] >= 'a' && line.p[i] <= 'z') || line.p[i] == '_' || line.p[i] == '-'))
                i++;
        while (i < line.len && span_is_digit(line.p[i]))
                i++;
        if (i >= line.len || line.p[i] != ':')
                return false;
        *key = span_make(line.p, i);
        *value = span_make(line.p + i + 1, line.len - i - 1);
        span_trim(value);
        return value->len > 0;
}

static int fail_at(Diag *d, const char *origin, unsigned line, int r, const char *fmt, ...) _printf_(5, 6);
static int fail_at(Diag *d, const char *origin, unsigned line, int r, const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        diag_addf(d, "%s:%u: %s", origin, line, msg);
        return r;
}

/* A word of a property string's default key (the machine type, the vga type). */
static int take_default_key(Span v, const char *extra, char *out, size_t size) {
        Part p;
        bool got = false;
        while (next_part(&v, &p)) {
                if (p.key.len == 0 || span_equals(p.key, "type")) {
                        if (got || !all_of(p.value, extra) || !copy_word(p.value, out, size))
                                return -EINVAL;
                        got = true;
                } else if (!all_of(p.key, "_-") || p.value.len == 0)
                        return -EINVAL;
        }
        return 0;
}

static int apply_setting(PveVm *vm, int key, Setting *st, const char *origin, Diag *d) {
        char q[256];
        Span v = st->value;
        switch (key) {
        case KEY_NAME:
                if (!all_of(v, ".-") || !copy_word(v, vm->name, sizeof(vm->name)))
                        return fail_at(d, origin, st->line, -EINVAL, "name: '%s' is not a DNS name",
                                       value_shown(v, q));
                return 0;
        case KEY_MACHINE:
                if (take_default_key(v, "._+-", vm->machine, sizeof(vm->machine)) < 0)
                        return fail_at(d, origin, st->line, -EINVAL,
                                       "machine: '%s' is not a machine qemu-server takes",
                                       value_shown(v, q));
                vm->q35 = strstr(vm->machine, "q35") != NULL;
                return 0;
        case KEY_BIOS:
                if (span_equals(v, "ovmf"))
                        vm->ovmf = true;
                else if (!span_equals(v, "seabios"))
                        return fail_at(d, origin, st->line, -EINVAL,
                                       "bios: '%s' is neither seabios nor ovmf", value_shown(v, q));
                return 0;
        case KEY_VGA:
                if (take_default_key(v, "_-", vm->vga, sizeof(vm->vga)) < 0)
                        return fail_at(d, origin, st->line, -EINVAL,
                                       "vga: '%s' is not a display qemu-server takes", value_shown(v, q));
                return 0;
        case KEY_MEMORY: {
                /* Memory.pm $memory_fmt: current (the default key), an integer >= 16, in MiB. */
                Part p;
                Span t = v;
                uint64_t mib = 0;
                bool got = false;
                while (next_part(&t, &p)) {
                        Span n = p.value;
                        if ((p.key.len != 0 && !span_equals(p.key, "current")) || got ||
                            !span_eat_digits(&n, 1, 12, &mib) || n.len != 0 || mib < 16)
                                return fail_at(d, origin, st->line, -EINVAL,
                                               "memory: '%s' is not an amount of MiB qemu-server takes",
                                               value_shown(v, q));
                        got = true;
                }
                if (got)
                        vm->memory_mib = mib;
                return 0;
        }
        case KEY_ONBOOT: {
                PveBool b;
                if (parse_boolean(v, &b) < 0)
                        return fail_at(d, origin, st->line, -EINVAL, "onboot: '%s' is not a boolean",
                                       value_shown(v, q));
                vm->onboot = b == PVE_BOOL_ON;
                return 0;
        }
        case KEY_ARGS:
                vm->args = true;
                return 0;
        case KEY_HOOKSCRIPT:
                /* pve-volume-id, "local:snippets/hook.pl": shown in messages only. */
                if (!all_of(v, ":._+-/") || !copy_word(v, vm->hookscript, sizeof(vm->hookscript)))
                        return fail_at(d, origin, st->line, -EINVAL, "hookscript: '%s' is not a volume id",
                                       value_shown(v, q));
                return 0;
        default: {
                PveHostpci *h = &vm->hostpci[vm->n_hostpci];
                Diag hd = {0};
                *h = (PveHostpci){.index = (unsigned) (key - KEY_HOSTPCI0), .line = st->line};
                int r = pve_parse_hostpci(v.p, v.len, h, &hd);
                if (r < 0) {
                        fail_at(d, origin, st->line, r, "%s",
                                hd.n > 0 ? hd.lines[0] : "not a hostpci value");
                        diag_done(&hd);
                        return r;
                }
                vm->n_hostpci++;
                return 0;
        }
        }
}

int pve_parse_config(const char *buf, size_t len, unsigned vmid, const char *origin, PveVm *ret, Diag *d) {
        Setting main_[_KEY_MAX] = {}, pending[_KEY_MAX] = {};
        PveVm vm = {.vmid = vmid, .memory_mib = 512};
        Section section = SECTION_MAIN;
        bool seen_pending = false;
        Span s = span_make(buf, len), line;
        unsigned lineno = 0;
        char q[256];

        if (len > VX_PVE_FILE_MAX) {
                diag_addf(d, "%s: %zu bytes, more than %u (pmxcfs keeps no larger file)", origin, len,
                          VX_PVE_FILE_MAX);
                return -EFBIG;
        }
        if (memchr(buf, 0, len) || !utf8_is_valid(buf, len)) {
                diag_addf(d, "%s: not UTF-8 text (qemu-server writes UTF-8)", origin);
                return -EINVAL;
        }
        while (span_next_line(&s, &line)) {
                Span t = line, key, value;
                lineno++;
                span_trim(&t);
                if (t.len == 0)
                        continue;
                if (line.p[0] == '[') {
                        /* [PENDING], [special:cloudinit|fleecing], [snapshot] or an unknown one. */
                        if (t.p[t.len - 1] == ']' && t.len == 9 && strncasecmp(t.p, "[PENDING]", 9) == 0) {
                                if (seen_pending)
                                        return fail_at(d, origin, lineno, -EINVAL,
                                                       "vm %u - duplicate section: pending", vmid);
                                seen_pending = true;
                                section = SECTION_PENDING;
                                vm.pending = true;
                        } else
                                section = SECTION_SKIPPED;
                        continue;
                }
                if (section == SECTION_SKIPPED || line.p[0] == '#')
                        continue;
                if (!split_key(line, &key, &value))
                        continue; /* qemu-server warns "unable to parse config" and goes on */
                Setting *set = section == SECTION_PENDING ? pending : main_;
                if (span_equals(key, "delete")) {
                        if (section != SECTION_PENDING)
                                continue; /* "property 'delete' is only allowed in [PENDING]" */
                        Part p;
                        while (next_part(&value, &p)) {
                                Span k = p.value;
                                (void) span_eat_char(&k, '!'); /* force */
                                int i = key_of(k);
                                if (p.key.len == 0 && i >= 0)
                                        pending[i] = (Setting){.deleted = true, .line = lineno};
                        }
                        continue;
                }
                int i = key_of(key);
                if (i < 0)
                        continue;
                if (value.len > VX_PVE_VALUE_MAX && i != KEY_ARGS)
                        return fail_at(d, origin, lineno, -EINVAL, "%s: '%s': longer than %u bytes",
                                       value_shown(key, q), value_shown(value, q), VX_PVE_VALUE_MAX);
                set[i] = (Setting){.set = true, .value = value, .line = lineno};
        }
        for (int i = 0; i < _KEY_MAX; i++) {
                Setting *st = pending[i].set || pending[i].deleted ? &pending[i] : &main_[i];
                if (!st->set)
                        continue;
                int r = apply_setting(&vm, i, st, origin, d);
                if (r < 0)
                        return r;
        }
        *ret = vm;
        return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* /etc/pve/mapping/pci.cfg */

static int parse_map(Span v, PveMap *m, const char *what, Diag *d) {
        Part p;
        char q[256];
        bool have_node = false, have_path = false, have_id = false;
        while (next_part(&v, &p)) {
                Span t = p.value;
                uint64_t a, b;
                if (span_equals(p.key, "node")) {
                        /* pve-node: [a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])? */
                        if (!all_of(t, "-") || t.p[0] == '-' || t.p[t.len - 1] == '-' ||
                            !copy_word(t, m->node, sizeof(m->node)))
                                goto bad;
                        have_node = true;
                } else if (span_equals(p.key, "path")) {
                        if (parse_host_ids(t, m->paths, &m->n_paths, what, d) < 0)
                                return -EINVAL;
                        have_path = true;
                } else if (span_equals(p.key, "id") || span_equals(p.key, "subsystem-id")) {
                        if (!span_eat_xdigits(&t, 4, &a) || !span_eat_char(&t, ':') ||
                            !span_eat_xdigits(&t, 4, &b) || t.len != 0)
                                goto bad;
                        if (p.key.len == 2) {
                                m->vendor = (unsigned) a, m->device = (unsigned) b;
                                have_id = true;
                        } else {
                                m->subsystem_vendor = (unsigned) a, m->subsystem_device = (unsigned) b;
                                m->have_subsystem = true;
                        }
                } else if (span_equals(p.key, "iommugroup")) {
                        if (!span_eat_digits(&t, 1, 9, &a) || t.len != 0)
                                goto bad;
                        m->iommugroup = (unsigned) a;
                        m->have_iommugroup = true;
                } else if (!span_equals(p.key, "description"))
                        goto bad;
                continue;
bad:
                diag_addf(d, "%s: %s='%s': not a value pve-guest-common takes", what, value_shown(p.key, q),
                          value_shown(p.value, q));
                return -EINVAL;
        }
        if (!have_node || !have_path || !have_id) {
                diag_addf(d, "%s: a map without node=, path= or id=", what);
                return -EINVAL;
        }
        return 0;
}

int pve_parse_mapping(const char *buf, size_t len, const char *id, PveMapping *ret, Diag *d) {
        Span s = span_make(buf, len), line;
        unsigned lineno = 0;
        bool in = false, found = false;
        PveMapping m = {0};
        char what[64];

        if (len > VX_PVE_FILE_MAX) {
                diag_addf(d, "/etc/pve/mapping/pci.cfg: %zu bytes, more than %u", len, VX_PVE_FILE_MAX);
                return -EFBIG;
        }
        if (memchr(buf, 0, len) || !utf8_is_valid(buf, len)) {
                diag_addf(d, "/etc/pve/mapping/pci.cfg: not UTF-8 text");
                return -EINVAL;
        }
        while (span_next_line(&s, &line)) {
                Span t = line;
                lineno++;
                span_trim(&t);
                if (t.len == 0) {
                        in = false; /* a blank line ends a section (SectionConfig parse_config()) */
                        continue;
                }
                if (t.p[0] == '#')
                        continue;
                if (line.p[0] != ' ' && line.p[0] != '\t') {
                        /* A section header: "ID" */
                        in = span_equals(t, id);
                        if (in) {
                                if (found) {
                                        diag_addf(d, "/etc/pve/mapping/pci.cfg:%u: mapping %s defined twice",
                                                  lineno, id);
                                        return -EINVAL;
                                }
                                found = true;
                                snprintf(m.id, sizeof(m.id), "%s", id);
                        }
                        continue;
                }
                if (!in)
                        continue;
                Span key = t, value = {0};
                const char *sp = memchr(t.p, ' ', t.len);
                const char *tab = memchr(t.p, '\t', t.len);
                if (tab && (!sp || tab < sp))
                        sp = tab;
                if (sp) {
                        key.len = (size_t) (sp - t.p);
                        value = span_make(sp, t.len - key.len);
                        span_trim(&value);
                }
                if (span_equals(key, "map")) {
                        if (m.n_maps >= VX_PVE_MAPS_MAX) {
                                diag_addf(d, "/etc/pve/mapping/pci.cfg:%u: more than %u maps", lineno,
                                          VX_PVE_MAPS_MAX);
                                return -E2BIG;
                        }
                        snprintf(what, sizeof(what), "/etc/pve/mapping/pci.cfg:%u: map", lineno);
                        PveMap *map = &m.maps[m.n_maps];
                        *map = (PveMap){.line = lineno};
                        if (parse_map(value, map, what, d) < 0)
                                return -EINVAL;
                        m.n_maps++;
                } else if (span_equals(key, "mdev")) {
                        PveBool b;
                        if (parse_boolean(value, &b) == 0)
                                m.mdev = b == PVE_BOOL_ON;
                }
        }
        if (!found)
                return 0;
        *ret = m;
        return 1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Tasks */

static bool upid_field(Span *s, const char *extra, bool may_be_empty, char *out, size_t size) {
        Span f;
        if (!span_eat_until(s, ':', &f) || !span_eat_char(s, ':'))
                return false;
        if (f.len == 0 ? !may_be_empty : !all_of(f, extra))
                return false;
        return copy_word(f, out, size);
}

int pve_parse_upid(const char *str, size_t len, PveTask *ret) {
        PveTask t = {0};
        Span s = span_make(str, len);
        char pid[16], pstart[16], start[16], user[64];
        uint64_t v;

        if (len >= sizeof(t.upid) || !span_eat_literal(&s, "UPID:") ||
            !upid_field(&s, "-", false, t.node, sizeof(t.node)) || t.node[0] == '-' ||
            t.node[strlen(t.node) - 1] == '-' || !upid_field(&s, "", false, pid, sizeof(pid)) ||
            !upid_field(&s, "", false, pstart, sizeof(pstart)) ||
            !upid_field(&s, "", false, start, sizeof(start)) ||
            !upid_field(&s, "@._!-", false, t.type, sizeof(t.type)) ||
            !upid_field(&s, "@._!-", true, t.id, sizeof(t.id)) ||
            !upid_field(&s, "@._!-", false, user, sizeof(user)) || s.len != 0)
                return -EINVAL;
        Span h = span_from_str(pid);
        if (strlen(pid) != 8 || !span_eat_xdigits(&h, 8, &v) || h.len != 0)
                return -EINVAL;
        h = span_from_str(start);
        if (strlen(start) != 8 || !span_eat_xdigits(&h, 8, &v) || h.len != 0)
                return -EINVAL;
        t.starttime = v;
        h = span_from_str(pstart);
        if (strlen(pstart) < 8 || strlen(pstart) > 9 || !span_eat_hex64(&h, &v) || h.len != 0)
                return -EINVAL;
        memcpy(t.upid, str, len);
        t.upid[len] = 0;
        *ret = t;
        return 0;
}

int pve_parse_task_line(const char *line, size_t len, PveTask *ret) {
        Span s = span_make(line, len), upid, f;
        PveTask t;
        uint64_t v;

        if (!span_eat_until(&s, ' ', &upid))
                upid = s, s = span_make(line + len, 0);
        else
                span_advance(&s, 1);
        if (pve_parse_upid(upid.p, upid.len, &t) < 0)
                return -EINVAL;
        /* active: "UPID SAVED [ENDTIME [STATUS]]"; index: "UPID ENDTIME STATUS" */
        if (s.len == 1 && (s.p[0] == '0' || s.p[0] == '1')) {
                *ret = t;
                return 0;
        }
        if (s.len > 2 && (s.p[0] == '0' || s.p[0] == '1') && s.p[1] == ' ')
                span_advance(&s, 2);
        if (!span_eat_until(&s, ' ', &f)) {
                f = s;
                span_advance(&s, s.len);
        } else
                span_advance(&s, 1);
        Span e = f;
        if (f.len != 8 || !span_eat_xdigits(&e, 8, &v))
                return -EINVAL;
        span_trim(&s);
        size_t n = MIN(s.len, sizeof(t.status) - 1);
        /* Only "OK", "WARNINGS: N" or not is read from it: what is not printable ASCII (a control, a C1
         * control, a UTF-8 sequence the cut may split) is kept as a blank. */
        for (size_t i = 0; i < n; i++)
                t.status[i] = (unsigned char) s.p[i] < 0x20 || (unsigned char) s.p[i] >= 0x7f ? ' ' : s.p[i];
        t.status[n] = 0;
        *ret = t;
        return 0;
}

bool pve_task_status_is_error(const char *status) {
        Span s = span_from_str(status);
        if (strcmp(status, "OK") == 0)
                return false;
        return !(span_eat_literal(&s, "WARNINGS: ") && span_eat_digits(&s, 1, 10, NULL) && s.len == 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Loading a VM under a root */

void pve_state_done(PveState *s) {
        domain_config_done(&s->guest);
        *s = (PveState){0};
}

static void fd_closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

/* N of a guest device's id "hostpciN". */
static unsigned hostpci_index_of(const char *id) {
        Span s = span_from_str(id);
        uint64_t n = 0;
        if (!span_eat_literal(&s, "hostpci") || !span_eat_digits(&s, 1, 2, &n))
                return 0;
        return (unsigned) n;
}

/* This node's name: pmxcfs's /etc/pve/local -> nodes/NAME, else the kernel's hostname. */
static void find_node(int rootfd, const HostFacts *host, char out[static VX_PVE_NAME_MAX + 1]) {
        char name[VX_PVE_NAME_MAX + 1];
        _cleanup_(fd_closep) int etc = rootfs_open_dir(rootfd, "etc/pve");
        out[0] = 0;
        if (etc >= 0 && rootfs_readlink_base(etc, "local", name, sizeof(name)) >= 0 &&
            all_of(span_from_str(name), "-")) {
                snprintf(out, VX_PVE_NAME_MAX + 1, "%s", name);
                return;
        }
        if (host && host->hostname[0]) {
                Span h = span_from_str(host->hostname);
                h.len = strcspn(host->hostname, ".");
                if (all_of(h, "-"))
                        copy_word(h, out, VX_PVE_NAME_MAX + 1);
        }
}

/* The running QEMU of a VM: /run/qemu-server/ID.pid, and /proc/PID whose command line names "-id ID"
 * (qemu-server Helpers.pm vm_running_locally() compares the pid file with /proc/PID). */
static int running_pid(int rootfd, unsigned vmid) {
        char path[64], idarg[24];
        _cleanup_free_ char *text = NULL, *cmd = NULL;
        size_t len, clen;
        uint64_t pid;

        snprintf(path, sizeof(path), "run/qemu-server/%u.pid", vmid);
        if (rootfs_read_file(rootfd, path, 64, &text, &len) < 0)
                return 0;
        Span s = span_make(text, len);
        if (!span_eat_digits(&s, 1, 9, &pid) || pid == 0 || (s.len > 0 && s.p[0] != '\n'))
                return 0;
        snprintf(path, sizeof(path), "proc/%llu/cmdline", (unsigned long long) pid);
        if (rootfs_read_file(rootfd, path, VX_PROBE_FILE_MAX, &cmd, &clen) < 0)
                return 0;
        int n = snprintf(idarg, sizeof(idarg), "-id%c%u%c", 0, vmid, 0);
        return memmem(cmd, clen, idarg, (size_t) n) ? (int) pid : 0;
}

/* Each host device a host= id means: itself, or every function of a slot (PCI.pm parse_hostpci() lists
 * them with SysFSTools.pm lspci(), whose filter is a prefix of the address). */
static size_t expand_id(const HostFacts *host, const char *id, PciAddress *out, size_t max) {
        size_t n = 0, len = strlen(id);
        if (strchr(id, '.') || !host || host->pci != KNOWN_PRESENT) {
                if (max > 0)
                        snprintf(out[n++], 16, "%s%s", id, strchr(id, '.') ? "" : ".0");
                return n;
        }
        for (size_t i = 0; i < host->n_devices && n < max; i++)
                if (strncmp(host->devices[i].address, id, len) == 0 && host->devices[i].address[len] == '.')
                        snprintf(out[n++], 16, "%s", host->devices[i].address);
        if (n == 0 && max > 0)
                snprintf(out[n++], 16, "%s.0", id);
        return n;
}

static int add_guest_device(PveState *st, const PveHostpci *h, const char *address, bool first) {
        DomainConfig *g = &st->guest;
        PciAddress norm;
        if (pci_address_normalize(address, strlen(address), norm) < 0)
                return 0;
        for (size_t i = 0; i < g->n_hostdevs; i++)
                if (strcmp(g->hostdevs[i].address, norm) == 0) {
                        /* PCI.pm choose_hostpci_devices(): "device '...' assigned more than once" */
                        if (st->n_twice < ELEMENTSOF(st->twice)) {
                                st->twice[st->n_twice].index = h->index;
                                st->twice[st->n_twice].first = hostpci_index_of(g->hostdevs[i].id);
                                memcpy(st->twice[st->n_twice++].address, norm, sizeof(norm));
                        }
                        return 0;
                }
        DomainHostdev hd = {.managed = !h->driver_keep, .line = h->line};
        memcpy(hd.address, norm, sizeof(norm));
        snprintf(hd.id, sizeof(hd.id), "hostpci%u", h->index);
        hd.rom_bar = h->rombar == PVE_BOOL_OFF ? DOMAIN_SWITCH_OFF : DOMAIN_SWITCH_DEFAULT;
        /* qemu-server gives the romfile to the first function only (PCI.pm print_hostpci_devices()). */
        if (first && h->romfile[0] && asprintf(&hd.rom_file, "%s/%s", PVE_ROMFILE_DIR, h->romfile) < 0)
                return -ENOMEM;
        int r = domain_config_add_hostdev(g, &hd);
        if (r < 0)
                free(hd.rom_file);
        return r;
}

/* The mapping of h on this node, recorded in st; its devices join the guest. */
static int load_mapping(PveState *st, const PveHostpci *h, const char *map_text, size_t map_len,
                        const HostFacts *host, Diag *d) {
        PveMapping *m = malloc(sizeof(*m));
        if (!m)
                return -ENOMEM;
        int r = pve_parse_mapping(map_text, map_len, h->mapping, m, d);
        if (r <= 0) {
                free(m);
                return r;
        }
        st->mapping[h->index].found = true;
        for (size_t i = 0; i < m->n_maps && !st->mapping[h->index].on_node; i++)
                if (st->node[0] && strcmp(m->maps[i].node, st->node) == 0) {
                        st->mapping[h->index].on_node = true;
                        st->mapping[h->index].map = m->maps[i];
                }
        if (st->mapping[h->index].on_node) {
                const PveMap *map = &st->mapping[h->index].map;
                PciAddress devs[8];
                for (size_t k = 0; k < map->n_paths && r >= 0; k++) {
                        size_t n = expand_id(host, map->paths[k], devs, ELEMENTSOF(devs));
                        for (size_t j = 0; j < n && r >= 0; j++)
                                if (!host || host_find_device(host, devs[j]))
                                        r = add_guest_device(st, h, devs[j], k == 0 && j == 0);
                }
        }
        free(m);
        return r < 0 ? r : 0;
}

/* The other VMs of the node (etc/pve/qemu-server/ID.conf) that name one of our devices. */
static void find_others(int rootfd, PveState *st, const HostFacts *host) {
        DIR *dir = rootfs_opendir(rootfd, "etc/pve/qemu-server");
        struct dirent *de;
        size_t seen = 0;
        if (!dir)
                return;
        while ((de = readdir(dir)) && seen < VX_PVE_VMS_MAX) {
                char idtext[16], path[64];
                unsigned vmid;
                size_t n = strlen(de->d_name);
                if (n < 6 || n > 14 || strcmp(de->d_name + n - 5, ".conf") != 0)
                        continue;
                snprintf(idtext, sizeof(idtext), "%.*s", (int) (n - 5), de->d_name);
                if (!pve_vmid_parse(idtext, &vmid) || vmid == st->vm.vmid)
                        continue;
                seen++;
                _cleanup_free_ char *text = NULL;
                size_t len;
                snprintf(path, sizeof(path), "etc/pve/qemu-server/%u.conf", vmid);
                if (rootfs_read_file(rootfd, path, VX_PVE_FILE_MAX, &text, &len) < 0)
                        continue;
                PveVm *other = malloc(sizeof(*other));
                Diag od = {0};
                if (!other)
                        break;
                if (pve_parse_config(text, len, vmid, path, other, &od) < 0) {
                        diag_done(&od);
                        free(other);
                        continue;
                }
                diag_done(&od);
                int pid = -1;
                for (size_t i = 0; i < other->n_hostpci; i++) {
                        const PveHostpci *oh = &other->hostpci[i];
                        PciAddress devs[8];
                        for (size_t k = 0; k < oh->n_ids; k++) {
                                size_t nd = expand_id(host, oh->ids[k], devs, ELEMENTSOF(devs));
                                for (size_t j = 0; j < nd; j++) {
                                        PciAddress norm;
                                        const DomainHostdev *ours = NULL;
                                        if (pci_address_normalize(devs[j], strlen(devs[j]), norm) < 0)
                                                continue;
                                        for (size_t g = 0; g < st->guest.n_hostdevs && !ours; g++)
                                                if (strcmp(st->guest.hostdevs[g].address, norm) == 0)
                                                        ours = &st->guest.hostdevs[g];
                                        if (!ours || st->n_others >= ELEMENTSOF(st->others))
                                                continue;
                                        if (pid < 0)
                                                pid = running_pid(rootfd, vmid);
                                        unsigned our_index = hostpci_index_of(ours->id);
                                        st->others[st->n_others++] = (typeof(st->others[0])){
                                                .vmid = vmid,
                                                .hostpci = oh->index,
                                                .ours = our_index,
                                                .onboot = other->onboot,
                                                .pid = pid,
                                        };
                                        memcpy(st->others[st->n_others - 1].address, norm, 16);
                                }
                        }
                }
                free(other);
        }
        closedir(dir);
}

/* /run/qemu-server/pci-id-reservations: "ID VMID pid:PID" or "ID VMID time:T" (PCI.pm). A device reserved
 * for another VM whose QEMU runs is what "already in use by VMID" refuses. */
static void read_reservations(int rootfd, PveState *st) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        Span s, line;
        if (rootfs_read_file(rootfd, "run/qemu-server/pci-id-reservations", VX_PVE_FILE_MAX, &text, &len) <
            0)
                return;
        s = span_make(text, len);
        while (span_next_line(&s, &line)) {
                Span id, t = line;
                uint64_t vmid;
                PciAddress norm, raw;
                if (!span_eat_until(&t, ' ', &id) || !span_eat_char(&t, ' ') ||
                    !span_eat_digits(&t, 3, 9, &vmid) || !parse_pci_id(id, raw) ||
                    pci_address_normalize(raw, strlen(raw), norm) < 0 || vmid == st->vm.vmid)
                        continue;
                for (size_t i = 0; i < st->n_others; i++)
                        if (st->others[i].vmid == vmid && strcmp(st->others[i].address, norm) == 0)
                                st->others[i].reserved = true;
        }
}

static unsigned long long mem_total_kib(int rootfd) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (rootfs_read_file(rootfd, "proc/meminfo", VX_PROBE_FILE_MAX, &text, &len) < 0)
                return 0;
        /* fs/proc/meminfo.c: "MemTotal:       32768000 kB" */
        const char *p = strstr(text, "MemTotal:");
        uint64_t kib = 0;
        if (!p)
                return 0;
        Span s = span_make(p + 9, len - (size_t) (p + 9 - text));
        span_eat_blanks(&s);
        if (!span_eat_digits(&s, 1, 15, &kib) || !span_eat_literal(&s, " kB"))
                return 0;
        return kib;
}

/* The newest failed qmstart of the VM: its UPID from the task index (and its rotated copy and the active
 * list), its log in /var/log/pve/tasks/X/UPID, X the last hex digit of the start time (UPID.pm decode()).
 * The log must end in "TASK ERROR: ..."; a task still running or one that went well is no failed start. */
static void find_failed_start(int rootfd, PveState *st) {
        static const char *const lists[] = {"var/log/pve/tasks/active", "var/log/pve/tasks/index",
                                            "var/log/pve/tasks/index.1"};
        PveTask best[VX_PVE_TASK_CANDIDATES_MAX];
        size_t n = 0;
        char id[16];

        snprintf(id, sizeof(id), "%u", st->vm.vmid);
        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                _cleanup_free_ char *text = NULL;
                size_t len;
                Span s, line;
                if (rootfs_read_file(rootfd, lists[l], VX_PVE_TASK_INDEX_MAX, &text, &len) < 0)
                        continue;
                s = span_make(text, len);
                while (span_next_line(&s, &line)) {
                        PveTask t;
                        if (pve_parse_task_line(line.p, line.len, &t) < 0 ||
                            strcmp(t.type, "qmstart") != 0 || strcmp(t.id, id) != 0 ||
                            (t.status[0] && !pve_task_status_is_error(t.status)))
                                continue;
                        bool dup = false;
                        for (size_t i = 0; i < n && !dup; i++)
                                dup = strcmp(best[i].upid, t.upid) == 0;
                        if (dup)
                                continue;
                        /* Keep the newest VX_PVE_TASK_CANDIDATES_MAX, newest first. */
                        size_t at = n;
                        while (at > 0 && best[at - 1].starttime < t.starttime)
                                at--;
                        if (at >= VX_PVE_TASK_CANDIDATES_MAX)
                                continue;
                        if (n < VX_PVE_TASK_CANDIDATES_MAX)
                                n++;
                        memmove(&best[at + 1], &best[at], (n - 1 - at) * sizeof(best[0]));
                        best[at] = t;
                }
        }
        for (size_t i = 0; i < n; i++) {
                char path[512], hex[16];
                /* The last hex digit of the start time names the directory. */
                snprintf(hex, sizeof(hex), "%08llX", best[i].starttime);
                snprintf(path, sizeof(path), "var/log/pve/tasks/%c/%.255s", hex[7], best[i].upid);
                _cleanup_(fd_closep) int fd = rootfs_open_file(rootfd, path);
                struct stat sb;
                if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
                        continue;
                /* The last line of the log. */
                char tail[VX_PVE_TASK_LOG_TAIL + 1];
                off_t from = sb.st_size > (off_t) VX_PVE_TASK_LOG_TAIL
                        ? sb.st_size - (off_t) VX_PVE_TASK_LOG_TAIL
                        : 0;
                ssize_t got = pread(fd, tail, VX_PVE_TASK_LOG_TAIL, from);
                if (got <= 0)
                        continue;
                tail[got] = 0;
                while (got > 0 && tail[got - 1] == '\n')
                        tail[--got] = 0;
                const char *last = memrchr(tail, '\n', (size_t) got);
                last = last ? last + 1 : tail;
                if (strncmp(last, "TASK ERROR: ", 12) != 0)
                        continue;
                snprintf(st->task_log, sizeof(st->task_log), "%s", path);
                st->task = best[i];
                return;
        }
}

int pve_load(const char *sysroot, unsigned vmid, const HostFacts *host, PveState *ret, Diag *d) {
        _cleanup_free_ char *text = NULL, *map_text = NULL;
        char path[64], origin[80];
        size_t len, map_len = 0;
        int r;

        PveState *st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        _cleanup_(fd_closep) int rootfd = rootfs_open(sysroot);
        if (rootfd < 0) {
                diag_addf(d, "%s: cannot open as the system root: %s", sysroot, strerror(-rootfd));
                free(st);
                return rootfd;
        }
        snprintf(path, sizeof(path), "etc/pve/qemu-server/%u.conf", vmid);
        snprintf(origin, sizeof(origin), "/%s", path);
        r = rootfs_read_file(rootfd, path, VX_PVE_FILE_MAX, &text, &len);
        if (r < 0) {
                if (r == -ENOENT)
                        diag_addf(d, "no VM %u on this node: %s does not exist", vmid, origin);
                else
                        diag_addf(d, "%s: %s", origin, r == -EFBIG ? "larger than the limit" : strerror(-r));
                free(st);
                return r;
        }
        if ((r = pve_parse_config(text, len, vmid, origin, &st->vm, d)) < 0) {
                free(st);
                return r;
        }
        find_node(rootfd, host, st->node);
        st->guest.layer = GUEST_PVE;
        snprintf(st->guest.name, sizeof(st->guest.name), "%u", vmid);
        snprintf(st->guest.machine, sizeof(st->guest.machine), "%s", st->vm.machine);
        st->guest.firmware = st->vm.ovmf ? DOMAIN_FIRMWARE_EFI : DOMAIN_FIRMWARE_BIOS;
        st->guest.emulated_display = strcmp(st->vm.vga, "none") != 0;
        snprintf(st->guest.xml_path, sizeof(st->guest.xml_path), "%s", origin);

        for (size_t i = 0; i < st->vm.n_hostpci && r >= 0; i++) {
                const PveHostpci *h = &st->vm.hostpci[i];
                if (h->mdev[0])
                        continue; /* a mediated device of h's card, not the card */
                if (h->mapping[0]) {
                        if (!map_text) {
                                int m = rootfs_read_file(rootfd, "etc/pve/mapping/pci.cfg", VX_PVE_FILE_MAX,
                                                         &map_text, &map_len);
                                st->mapping_file = m >= 0;
                        }
                        if (st->mapping_file)
                                r = load_mapping(st, h, map_text, map_len, host, d);
                        continue;
                }
                PciAddress devs[8];
                for (size_t k = 0; k < h->n_ids && r >= 0; k++) {
                        size_t n = expand_id(host, h->ids[k], devs, ELEMENTSOF(devs));
                        for (size_t j = 0; j < n && r >= 0; j++)
                                r = add_guest_device(st, h, devs[j], k == 0 && j == 0);
                }
        }
        if (r < 0) {
                if (r == -EINVAL)
                        diag_addf(d, "/etc/pve/mapping/pci.cfg: cannot be read as qemu-server reads it");
                pve_state_done(st);
                free(st);
                return r;
        }
        for (size_t i = 0; i < st->guest.n_hostdevs; i++)
                if (st->guest.hostdevs[i].rom_file)
                        domain_hostdev_stat_rom(rootfd, &st->guest.hostdevs[i]);
        st->own_pid = running_pid(rootfd, vmid);
        st->guest.live = st->own_pid > 0;
        find_others(rootfd, st, host);
        read_reservations(rootfd, st);
        st->mem_total_kib = mem_total_kib(rootfd);
        find_failed_start(rootfd, st);
        *ret = *st;
        free(st);
        return 0;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Judging */

/* The first device of a hostpci in the guest, "" when none is. */
static const char *first_device(const PveState *s, unsigned index) {
        char id[16];
        snprintf(id, sizeof(id), "hostpci%u", index);
        for (size_t i = 0; i < s->guest.n_hostdevs; i++)
                if (strcmp(s->guest.hostdevs[i].id, id) == 0)
                        return s->guest.hostdevs[i].address;
        return "";
}

void pve_hostpci_value_for(const PveHostpci *h, const char *slot, char *out, size_t size) {
        StrBuf b = {0};
        Span s = span_from_str(h->value);
        Part p;
        strbuf_puts(&b, slot);
        while (next_part(&s, &p)) {
                if (p.key.len == 0 || span_equals(p.key, "host") || span_equals(p.key, "mapping"))
                        continue;
                strbuf_printf(&b, ",%.*s=%.*s", (int) p.key.len, p.key.p, (int) p.value.len, p.value.p);
        }
        snprintf(out, size, "%s", strbuf_failed(&b) ? slot : strbuf_str(&b));
        strbuf_done(&b);
}

int pve_probe_lines(const PveState *s, const HostFacts *host, probe_line_fn fn, void *userdata) {
        ProbeLineEmitter e = {.fn = fn, .userdata = userdata};
        const PveVm *vm = &s->vm;
        bool pci = host && host->pci == KNOWN_PRESENT;

        for (size_t i = 0; i < vm->n_hostpci && e.r >= 0; i++) {
                const PveHostpci *h = &vm->hostpci[i];
                const char *addr = first_device(s, h->index);
                const char *sep = addr[0] ? " " : "";
                /* PCI.pm parse_hostpci_devices(): "q35 machine model is not enabled" */
                if (h->pcie == PVE_BOOL_ON && !vm->q35)
                        probe_line_emit(&e, "pve-vm %u: hostpci%u%s%s pcie=1: machine %s is not q35",
                                        vm->vmid, h->index, sep, addr, vm->machine[0] ? vm->machine : "pc");
                if (h->mapping[0]) {
                        if (!s->mapping_file || !s->mapping[h->index].found)
                                probe_line_emit(
                                        &e,
                                        "pve-vm %u: hostpci%u: mapping %s: not in /etc/pve/mapping/pci.cfg",
                                        vm->vmid, h->index, h->mapping);
                        else if (!s->mapping[h->index].on_node)
                                probe_line_emit(&e, "pve-vm %u: hostpci%u: mapping %s: no map for node %s",
                                                vm->vmid, h->index, h->mapping,
                                                s->node[0] ? s->node : "(unknown)");
                        else if (pci) {
                                /* Mapping/PCI.pm assert_valid(): each path's device, its ids, its group. */
                                const PveMap *m = &s->mapping[h->index].map;
                                for (size_t k = 0; k < m->n_paths; k++) {
                                        PciAddress dev;
                                        snprintf(dev, sizeof(dev), "%s%s", m->paths[k],
                                                 strchr(m->paths[k], '.') ? "" : ".0");
                                        const PciDevice *d = host_find_device(host, dev);
                                        if (!d) {
                                                probe_line_emit(
                                                        &e,
                                                        "pve-vm %u: hostpci%u %s: mapping %s: absent on node %s",
                                                        vm->vmid, h->index, dev, h->mapping, s->node);
                                                continue;
                                        }
                                        if (d->vendor != m->vendor || d->device != m->device)
                                                probe_line_emit(
                                                        &e,
                                                        "pve-vm %u: hostpci%u %s: mapping %s: id=%04x:%04x expected, the device is %04x:%04x",
                                                        vm->vmid, h->index, dev, h->mapping, m->vendor,
                                                        m->device, d->vendor, d->device);
                                        else if (k == 0 && m->have_iommugroup && d->group == KNOWN_PRESENT &&
                                                 d->group_id != m->iommugroup)
                                                probe_line_emit(
                                                        &e,
                                                        "pve-vm %u: hostpci%u %s: mapping %s: iommugroup=%u expected, the device is in group %u",
                                                        vm->vmid, h->index, dev, h->mapping, m->iommugroup,
                                                        d->group_id);
                                }
                        }
                }
                if (!addr[0] || !pci)
                        continue;
                const PciDevice *d = host_find_device(host, addr);
                /* x-vga=on reaches QEMU only with SeaBIOS (PCI.pm: not when bios is ovmf). */
                if (h->x_vga == PVE_BOOL_ON && !vm->ovmf && d && d->class_code != 0) {
                        if ((d->class_code >> 8) != 0x0300)
                                probe_line_emit(
                                        &e,
                                        "pve-vm %u: hostpci%u %s x-vga=1: class=%06x (%s) is not a VGA controller (0300xx)",
                                        vm->vmid, h->index, addr, d->class_code,
                                        probe_display_class_name(d->class_code));
                        else if (d->boot_vga == 1 && !h->romfile[0])
                                probe_line_emit(
                                        &e,
                                        "pve-vm %u: hostpci%u %s x-vga=1: the host's boot VGA (boot_vga=1), no romfile: SeaBIOS runs the ROM the host firmware has already run",
                                        vm->vmid, h->index, addr);
                }
        }
        for (size_t i = 0; i < s->n_twice && e.r >= 0; i++)
                probe_line_emit(&e, "pve-vm %u: hostpci%u %s: named again, by hostpci%u of the same VM",
                                vm->vmid, s->twice[i].first, s->twice[i].address, s->twice[i].index);
        /* Other VMs of the node that name the same device, and QEMUs that hold it. */
        for (size_t i = 0; i < s->n_others && e.r >= 0; i++) {
                const typeof(s->others[0]) *o = &s->others[i];
                if (o->pid > 0)
                        probe_line_emit(
                                &e,
                                "pve-vm %u: hostpci%u %s: also in VM %u (hostpci%u), which runs (QEMU pid %d)%s",
                                vm->vmid, o->ours, o->address, o->vmid, o->hostpci, o->pid,
                                o->reserved ? "; reserved for it in /run/qemu-server/pci-id-reservations"
                                            : "");
                else
                        probe_line_emit(
                                &e,
                                "pve-vm %u: hostpci%u %s: also in VM %u (hostpci%u), which is not running%s",
                                vm->vmid, o->ours, o->address, o->vmid, o->hostpci,
                                o->onboot && vm->onboot ? "; both start at boot" : "");
        }
        for (size_t i = 0; host && i < s->guest.n_hostdevs && e.r >= 0; i++) {
                const DomainHostdev *h = &s->guest.hostdevs[i];
                const MemlockFact *q = host_qemu_holding(host, h->address);
                bool said = false;
                for (size_t k = 0; k < s->n_others && !said; k++)
                        said = s->others[k].pid > 0 && strcmp(s->others[k].address, h->address) == 0;
                if (q && !said && q->pid != s->own_pid)
                        probe_line_emit(&e, "pve-vm %u: %s %s: held by QEMU pid %d, not this VM's", vm->vmid,
                                        h->id, h->address, q->pid);
        }
        return e.r;
}

int pve_plan_commands(const HostFacts *f, const Plan *p, const PveVm *vm, const char *vmid, char **cmds,
                      size_t max) {
        bool used[VX_PVE_HOSTPCI_MAX] = {false}, done[VX_PLAN_DEVICES_MAX] = {false};
        size_t n = 0;
        unsigned next = 0;

        for (size_t i = 0; vm && i < vm->n_hostpci; i++)
                used[vm->hostpci[i].index] = true;
        for (size_t i = 0; i < p->n_devices && n < max; i++) {
                if (done[i])
                        continue;
                const char *a = p->devices[i].pci->address;
                size_t slot_len = (size_t) (strrchr(a, '.') - a);
                StrBuf ids = {0};
                size_t in_plan = 0, on_host = 0;
                for (size_t k = i; k < p->n_devices; k++) {
                        const char *b = p->devices[k].pci->address;
                        if (strncmp(a, b, slot_len + 1) != 0)
                                continue;
                        done[k] = true;
                        strbuf_printf(&ids, "%s%s", in_plan > 0 ? ";" : "", b);
                        in_plan++;
                }
                for (size_t k = 0; k < f->n_devices; k++)
                        on_host += strncmp(f->devices[k].address, a, slot_len + 1) == 0;
                while (next < VX_PVE_HOSTPCI_MAX && used[next])
                        next++;
                if (next >= VX_PVE_HOSTPCI_MAX) {
                        strbuf_done(&ids);
                        break;
                }
                char *cmd = NULL;
                /* A list of ids needs quotes in the shell (';'); the slot alone does not. */
                int r = in_plan == on_host ? asprintf(&cmd, "qm set %s --hostpci%u %.*s%s", vmid, next,
                                                      (int) slot_len, a, vm && vm->q35 ? ",pcie=1" : "")
                                           : asprintf(&cmd, "qm set %s --hostpci%u '%s%s'", vmid, next,
                                                      strbuf_str(&ids), vm && vm->q35 ? ",pcie=1" : "");
                strbuf_done(&ids);
                if (r < 0) {
                        for (size_t k = 0; k < n; k++)
                                free(cmds[k]);
                        return -ENOMEM;
                }
                cmds[n++] = cmd;
                used[next] = true;
        }
        return (int) n;
}
