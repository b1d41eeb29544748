/* SPDX-License-Identifier: MIT */
/* lspci -nnk text of a guest into its devices, ids and drivers. No I/O. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "lspci.h"
#include "pci_address.h"
#include "strparse.h"
#include "vfioexplain/line.h"
#include "vfioexplain/macro.h"

/* "[hhhh:hhhh]" at s. */
static bool eat_id_pair(Span *s, uint16_t *a, uint16_t *b) {
        Span t = *s;
        uint64_t x, y;
        if (!span_eat_char(&t, '[') || !span_eat_xdigits(&t, 4, &x) || !span_eat_char(&t, ':') ||
            !span_eat_xdigits(&t, 4, &y) || !span_eat_char(&t, ']'))
                return false;
        *a = (uint16_t) x;
        *b = (uint16_t) y;
        *s = t;
        return true;
}

/* The last "[hhhh:hhhh]" of s, and what follows it in *tail: -nn puts the ids after the device's name,
 * which may hold brackets. */
static bool last_id_pair(Span s, uint16_t *a, uint16_t *b, Span *tail) {
        bool found = false;
        for (size_t i = 0; i + 11 <= s.len; i++) {
                Span t = span_make(s.p + i, s.len - i);
                if (s.p[i] == '[' && eat_id_pair(&t, a, b)) {
                        found = true;
                        if (tail)
                                *tail = t;
                }
        }
        return found;
}

static void copy_name_list(Span s, char *out, size_t size) {
        size_t n = MIN(s.len, size - 1);
        /* a list cut short keeps whole names only */
        if (n < s.len)
                while (n > 0 && s.p[n] != ',' && s.p[n] != ' ')
                        n--;
        memcpy(out, s.p, n);
        out[n] = 0;
}

/* The class code, 4 hex digits or 6 with toybox's -e (the programming interface last). */
static bool eat_class(Span *s, LspciDevice *d) {
        Span t = *s;
        uint64_t code;
        if (span_eat_xdigits(&t, 6, &code) && (t.len == 0 || !span_is_xdigit(t.p[0]))) {
                d->class_base = (uint8_t) (code >> 16);
                d->class_sub = (uint8_t) (code >> 8);
                d->prog_if = (uint8_t) code;
                *s = t;
                return true;
        }
        t = *s;
        if (!span_eat_xdigits(&t, 4, &code) || (t.len > 0 && span_is_xdigit(t.p[0])))
                return false;
        d->class_base = (uint8_t) (code >> 8);
        d->class_sub = (uint8_t) code;
        d->prog_if_unknown = true; /* until pciutils' "(prog-if" or its absence says otherwise */
        *s = t;
        return true;
}

/* A kernel driver's name as toybox -k prints it (the DRIVER= of the device's uevent), the whole rest. */
static bool eat_driver(Span *s, LspciDevice *d) {
        if (s->len == 0 || s->len > VX_LSPCI_NAME_MAX)
                return false;
        for (size_t i = 0; i < s->len; i++) {
                char c = s->p[i];
                if (!span_is_digit(c) && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && c != '_' &&
                    c != '-' && c != '.')
                        return false;
        }
        copy_name_list(*s, d->driver, sizeof(d->driver));
        span_advance(s, s->len);
        return true;
}

/* " (rev xx)" */
static void eat_revision(Span *s) {
        Span t = *s;
        if (span_eat_literal(&t, " (rev ") && span_eat_xdigits(&t, 2, NULL) && span_eat_char(&t, ')'))
                *s = t;
}

/* What follows the ids: pciutils' " (rev xx)" and " (prog-if xx [name])", or toybox's " (rev xx)" and
 * the driver. Tells which printed it where only one could have. */
static void parse_tail(Span t, LspciDevice *d) {
        eat_revision(&t);
        const char *pi = span_find(t, " (prog-if ");
        if (pi) {
                Span u = span_make(pi + 10, t.len - (size_t) (pi + 10 - t.p));
                uint64_t v;
                if (span_eat_xdigits(&u, 2, &v)) {
                        d->prog_if = (uint8_t) v;
                        d->prog_if_unknown = false;
                }
                d->pciutils = true;
        } else if (span_eat_char(&t, ' ') && eat_driver(&t, d))
                d->toybox = true;
}

/* -nn: "00:05.0 VGA compatible controller [0300]: NVIDIA ... [10de:1b80] (rev a1) (prog-if 30 [XHCI])",
 * toybox's with the driver last. */
static bool parse_header(Span line, LspciDevice *d) {
        Span t = line, addr;
        if (!span_eat_until(&t, ' ', &addr) || pci_address_normalize(addr.p, addr.len, d->address) < 0)
                return false;
        /* the class: " [CCCC]: " (" [CCCCCC]: " with toybox -e) ends the class name */
        const char *p = span_find(t, "]: ");
        if (!p)
                return false;
        const char *open = memrchr(t.p, '[', (size_t) (p - t.p));
        if (!open)
                return false;
        Span cls = span_make(open + 1, (size_t) (p - open - 1));
        if (!eat_class(&cls, d) || cls.len != 0)
                return false;
        Span rest = span_make(p + 3, line.len - (size_t) (p + 3 - line.p)), tail;
        if (!last_id_pair(rest, &d->vendor, &d->device, &tail))
                return false;
        parse_tail(tail, d);
        return true;
}

/* -n: pciutils' "00:05.0 0300: 10de:1b80 (rev a1)"; toybox's "00:05.0 0300: 10de:1b80  (rev a1) nouveau"
 * (a blank after the ids always); toybox before 2022: "00:05.0 Class 0300: 10de:1b80 nouveau". */
static bool parse_numeric(Span line, LspciDevice *d) {
        Span t = line, addr;
        uint64_t vendor, device;
        if (!span_eat_until(&t, ' ', &addr) || pci_address_normalize(addr.p, addr.len, d->address) < 0 ||
            !span_eat_char(&t, ' '))
                return false;
        bool old_toybox = span_eat_literal(&t, "Class ");
        if (!eat_class(&t, d) || !span_eat_literal(&t, ": ") || !span_eat_xdigits(&t, 4, &vendor) ||
            !span_eat_char(&t, ':') || !span_eat_xdigits(&t, 4, &device))
                return false;
        d->vendor = (uint16_t) vendor;
        d->device = (uint16_t) device;
        if (old_toybox) {
                d->toybox = true;
                return t.len == 0 || (span_eat_char(&t, ' ') && eat_driver(&t, d));
        }
        if (t.len == 0 || span_starts_with(t, " (")) {
                d->pciutils = true;
                parse_tail(t, d);
                return true;
        }
        if (!span_eat_char(&t, ' '))
                return false;
        d->toybox = true;
        eat_revision(&t);
        return t.len == 0 || (span_eat_char(&t, ' ') && eat_driver(&t, d));
}

static void parse_attribute(Span line, LspciDevice *d) {
        Span t = line;
        span_eat_blanks(&t);
        if (span_eat_literal(&t, "Kernel driver in use: ")) {
                span_trim(&t);
                copy_name_list(t, d->driver, sizeof(d->driver));
        } else if (span_eat_literal(&t, "Kernel modules: ")) {
                span_trim(&t);
                copy_name_list(t, d->modules, sizeof(d->modules));
        } else if (span_eat_literal(&t, "Subsystem: ")) {
                uint16_t a, b;
                if (last_id_pair(t, &a, &b, NULL)) {
                        d->subvendor = a;
                        d->subdevice = b;
                }
        }
}

void lspci_parser_init(LspciParser *p, LspciDevice *ret, size_t max) {
        *p = (LspciParser){.ret = ret, .max = max};
}

void lspci_parser_line(LspciParser *p, const char *text, size_t len) {
        Span line = span_make(text, len);
        p->lineno++;
        if (line.len > 0 && line.p[line.len - 1] == '\r')
                line.len--;
        if (line.len > 0 && line.p[0] == '\t') {
                if (p->cur) {
                        parse_attribute(line, p->cur);
                        /* only pciutils prints lines under a device */
                        p->cur->pciutils = true;
                }
                return;
        }
        p->cur = NULL;
        if (p->n >= p->max)
                return;
        LspciDevice d = {.line = p->lineno};
        if (!parse_header(line, &d)) {
                d = (LspciDevice){.line = p->lineno};
                if (!parse_numeric(line, &d))
                        return;
        }
        p->ret[p->n] = d;
        p->cur = &p->ret[p->n++];
}

size_t lspci_parser_finish(LspciParser *p) {
        LspciDevice *ret = p->ret;
        size_t n = p->n;
        bool toybox = false, toybox_drivers = false;

        for (size_t i = 0; i < n; i++)
                if (ret[i].toybox && !ret[i].pciutils) {
                        toybox = true;
                        toybox_drivers = toybox_drivers || ret[i].driver[0];
                }
        for (size_t i = 0; i < n; i++) {
                LspciDevice *d = &ret[i];
                /* A line either could have printed is toybox's in a toybox listing. */
                d->toybox = !d->pciutils && (d->toybox || toybox);
                if (d->toybox)
                        d->driver_unknown = !d->driver[0] && !toybox_drivers;
                else
                        /* pciutils shows the interface where it is not 0 */
                        d->prog_if_unknown = false;
        }
        p->cur = NULL;
        return n;
}

size_t lspci_parse(const char *buf, size_t len, LspciDevice *ret, size_t max) {
        Span rest = span_make(buf, len), line;
        LspciParser p;

        lspci_parser_init(&p, ret, max);
        while (span_next_line(&rest, &line))
                lspci_parser_line(&p, line.p, line.len);
        return lspci_parser_finish(&p);
}

void lspci_modalias(const LspciDevice *d, char ret[static 64]) {
        snprintf(ret, 64, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", d->vendor, d->device, d->subvendor,
                 d->subdevice, d->class_base, d->class_sub, d->prog_if);
}
