/* SPDX-License-Identifier: MIT */
/* romfile= of assigned devices, and UEFI firmware, on QEMU command lines and option locations in logs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "pci_address.h"
#include "vfioexplain/macro.h"
#include "vfioexplain/romfile_refs.h"

bool romfile_refs_wanted(const Line *l) {
        return l->format == FORMAT_BARE || l->format == FORMAT_QEMU || l->location.len > 0;
}

static void keep(RomfileRefs *r, const char *address, Span path) {
        char p[VX_CAPTURE_MAX + 1];

        /* A relative name is looked up in QEMU's own data directories: nothing to find under the root. */
        if (!address[0] || capture_normalize(VAR_PATH, path.p, path.len, p) < 0)
                return;
        for (size_t i = 0; i < r->n; i++)
                if (strcmp(r->refs[i].address, address) == 0 && strcmp(r->refs[i].path, p) == 0)
                        return;
        if (r->n >= ELEMENTSOF(r->refs)) {
                r->dropped++;
                return;
        }
        RomfileRef *ref = &r->refs[r->n++];
        memcpy(ref->address, address, sizeof(ref->address));
        memcpy(ref->path, p, sizeof(ref->path));
}

static void keep_vga(RomfileRefs *r, const char *address) {
        if (!address[0])
                return;
        for (size_t i = 0; i < r->n_vga; i++)
                if (strcmp(r->vga[i], address) == 0)
                        return;
        if (r->n_vga >= ELEMENTSOF(r->vga)) {
                r->dropped++;
                return;
        }
        memcpy(r->vga[r->n_vga++], address, sizeof(PciAddress));
}

/* Remembers that the -device with this id (a QEMU id, capture.h's alias) is address; the latest wins. */
static void keep_id(RomfileRefs *r, const char *address, Span id) {
        char norm[VX_CAPTURE_MAX + 1];

        if (!address[0] || capture_normalize(VAR_ALIAS, id.p, id.len, norm) < 0)
                return;
        size_t i = 0;
        while (i < r->n_ids && strcmp(r->ids[i].id, norm) != 0)
                i++;
        if (i == r->n_ids) {
                if (r->n_ids >= ELEMENTSOF(r->ids)) {
                        r->dropped++;
                        return;
                }
                r->n_ids++;
        }
        memcpy(r->ids[i].id, norm, strlen(norm) + 1);
        memcpy(r->ids[i].address, address, sizeof(PciAddress));
}

/* QEMU's boolean property values that mean on (qapi/qapi-visit-core.c, qemu_strtobool() later). */
static bool is_on(Span v) {
        static const char *const on[] = {"on", "yes", "true"};
        for (size_t i = 0; i < ELEMENTSOF(on); i++)
                if (v.len == strlen(on[i]) && memcmp(v.p, on[i], v.len) == 0)
                        return true;
        return false;
}

/* host=01:00.0 or sysfsdev=/sys/bus/pci/devices/0000:01:00.0, normalised into address. */
static void device_address(const char *key, Span v, char address[static PCI_ADDRESS_SIZE]) {
        if (strcmp(key, "sysfsdev") == 0) {
                const char *slash = memrchr(v.p, '/', v.len);
                if (slash)
                        v = span_make(slash + 1, v.len - (size_t) (slash + 1 - v.p));
        }
        (void) pci_address_normalize(v.p, v.len, address);
}

/* QEMU's option syntax (util/qemu-option.c get_opt_value()): key=value pairs split at ',', where ",,"
 * is a literal comma. The option ends at a blank or a quote (a shell-quoted command line), or at the
 * ": " that follows it as the location of an error. */
static void scan_keyvalue(RomfileRefs *r, Span opts) {
        PciAddress address = "";
        char path[VX_CAPTURE_MAX + 1], id[VX_CAPTURE_MAX + 1];
        size_t n_path = 0, n_id = 0;
        bool have_path = false, vga = false;

        while (opts.len > 0) {
                char value[VX_CAPTURE_MAX + 1];
                size_t n = 0, klen = 0;
                while (klen < opts.len && opts.p[klen] != '=' && opts.p[klen] != ',')
                        klen++;
                Span key = span_make(opts.p, klen);
                span_advance(&opts, klen);
                bool has_value = span_eat_char(&opts, '=');
                bool too_long = false;
                while (has_value && opts.len > 0) {
                        if (opts.p[0] == ',') {
                                if (opts.len < 2 || opts.p[1] != ',')
                                        break;
                                span_advance(&opts, 1);
                        }
                        if (n < VX_CAPTURE_MAX)
                                value[n++] = opts.p[0];
                        else
                                too_long = true;
                        span_advance(&opts, 1);
                }
                (void) span_eat_char(&opts, ',');
                if (!has_value || too_long)
                        continue;
                if ((key.len == 4 && memcmp(key.p, "host", 4) == 0) ||
                    (key.len == 8 && memcmp(key.p, "sysfsdev", 8) == 0))
                        device_address(key.len == 4 ? "host" : "sysfsdev", span_make(value, n), address);
                else if (key.len == 5 && memcmp(key.p, "x-vga", 5) == 0)
                        vga = is_on(span_make(value, n));
                else if (key.len == 7 && memcmp(key.p, "romfile", 7) == 0) {
                        memcpy(path, value, n);
                        n_path = n;
                        have_path = true;
                } else if (key.len == 2 && memcmp(key.p, "id", 2) == 0) {
                        memcpy(id, value, n);
                        n_id = n;
                }
        }
        if (n_id > 0)
                keep_id(r, address, span_make(id, n_id));
        if (have_path)
                keep(r, address, span_make(path, n_path));
        if (vga)
                keep_vga(r, address);
}

/* "key":"value" in a JSON object; values with escapes are not taken (no path of the grammar has one). */
static bool json_string(Span obj, const char *key, Span *ret) {
        char pat[32];
        int k = snprintf(pat, sizeof(pat), "\"%s\":\"", key);
        const char *p = span_find(obj, pat);
        if (!p || k < 0)
                return false;
        Span rest = span_make(p + k, obj.len - (size_t) (p + k - obj.p)), v;
        if (!span_eat_until(&rest, '"', &v) || memchr(v.p, '\\', v.len))
                return false;
        *ret = v;
        return true;
}

static void scan_json(RomfileRefs *r, Span line, const char *at) {
        const char *open = memrchr(line.p, '{', (size_t) (at - line.p));
        const char *close = memchr(at, '}', line.len - (size_t) (at - line.p));
        PciAddress address = "";
        Span v, path;

        if (!open || !close)
                return;
        Span obj = span_make(open, (size_t) (close - open + 1));
        if (json_string(obj, "host", &v))
                device_address("host", v, address);
        else if (json_string(obj, "sysfsdev", &v))
                device_address("sysfsdev", v, address);
        if (json_string(obj, "romfile", &path))
                keep(r, address, path);
        /* Its id is not kept: -set cannot reach a device given as JSON (the cause qemu-set-on-json-device).
         */
        if (span_find(obj, "\"x-vga\":true"))
                keep_vga(r, address);
}

static bool contains_nocase(Span s, const char *lit) {
        size_t n = strlen(lit);
        for (size_t i = 0; i + n <= s.len; i++)
                if (strncasecmp(s.p + i, lit, n) == 0)
                        return true;
        return false;
}

/* -set device.ID.x-vga=VALUE (system/vl.c qemu_set_option(): group, id and property up to '.', '.' and '=',
 * the value to the end of the argument), for the device of that id seen before it. */
static void scan_set(RomfileRefs *r, Span s) {
        static const char set[] = "-set device.", prop[] = ".x-vga=";
        const char *p;

        while ((p = span_find(s, set))) {
                s = span_make(p + strlen(set), s.len - (size_t) (p + strlen(set) - s.p));
                size_t n = 0;
                while (n < s.len && s.p[n] != '.' && s.p[n] != '=' && s.p[n] != ' ')
                        n++;
                Span id = span_make(s.p, n), rest = span_make(s.p + n, s.len - n), value;
                if (!span_eat_literal(&rest, prop))
                        continue;
                size_t m = 0;
                while (m < rest.len && rest.p[m] != ' ' && rest.p[m] != '\'' && rest.p[m] != '"' &&
                       rest.p[m] != ':')
                        m++;
                value = span_make(rest.p, m);
                for (size_t i = 0; i < r->n_ids; i++)
                        if (strlen(r->ids[i].id) == id.len && memcmp(r->ids[i].id, id.p, id.len) == 0 &&
                            is_on(value))
                                keep_vga(r, r->ids[i].address);
        }
}

void romfile_refs_scan(RomfileRefs *r, const char *line, size_t len) {
        Span s = span_make(line, len);
        const char *p;

        /* -drive if=pflash,...,file=/usr/share/OVMF/OVMF_CODE.fd, -blockdev {"driver":"file","filename":
         * ".../OVMF_CODE_4M.fd","node-name":"libvirt-pflash0-storage",...}, or -bios .../OVMF.fd. */
        if ((span_find(s, "pflash") || span_find(s, "-bios ")) &&
            (contains_nocase(s, "ovmf") || contains_nocase(s, "edk2") || contains_nocase(s, "aavmf")))
                r->uefi = true;
        if (span_find(s, "-set device."))
                scan_set(r, s);
        /* A -device vfio-pci also names its id, which a later -set refers to. */
        if (!span_find(s, "vfio-pci"))
                return;
        while ((p = span_find(s, "vfio-pci"))) {
                Span after = span_make(p + 8, s.len - (size_t) (p + 8 - s.p));
                if (p - line >= 10 && memcmp(p - 10, "\"driver\":\"", 10) == 0)
                        scan_json(r, span_make(line, len), p);
                else if (span_eat_char(&after, ',')) {
                        size_t n = 0;
                        while (n < after.len && after.p[n] != ' ' && after.p[n] != '\'' &&
                               after.p[n] != '"' && after.p[n] != '\t')
                                n++;
                        /* The ':' of an error location's ": " is not part of the last value. */
                        if (n > 0 && n < after.len && after.p[n - 1] == ':' && after.p[n] == ' ')
                                n--;
                        scan_keyvalue(r, span_make(after.p, n));
                }
                s = span_make(p + 8, s.len - (size_t) (p + 8 - s.p));
        }
}
