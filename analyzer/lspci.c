/* SPDX-License-Identifier: MIT */
/* lspci -nnk text of a guest into its devices, ids and drivers. No I/O. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "vfioexplain/line.h"
#include "vfioexplain/lspci.h"
#include "vfioexplain/macro.h"
#include "vfioexplain/strparse.h"

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

/* The last "[hhhh:hhhh]" of s: -nn puts the ids after the device's name, which may hold brackets. */
static bool last_id_pair(Span s, uint16_t *a, uint16_t *b) {
        bool found = false;
        for (size_t i = 0; i + 11 <= s.len; i++) {
                Span t = span_make(s.p + i, s.len - i);
                if (s.p[i] == '[' && eat_id_pair(&t, a, b))
                        found = true;
        }
        return found;
}

static void copy_span(Span s, char *out, size_t size) {
        size_t n = MIN(s.len, size - 1);
        /* a list cut short keeps whole names only */
        if (n < s.len)
                while (n > 0 && s.p[n] != ',' && s.p[n] != ' ')
                        n--;
        memcpy(out, s.p, n);
        out[n] = 0;
}

/* "00:05.0 VGA compatible controller [0300]: NVIDIA ... [10de:1b80] (rev a1) (prog-if 30 [XHCI])" */
static bool parse_header(Span line, LspciDevice *d) {
        Span t = line, addr;
        if (!span_eat_until(&t, ' ', &addr) || pci_address_normalize(addr.p, addr.len, d->address) < 0)
                return false;
        /* the class: " [CCCC]: " ends the class name */
        const char *p = span_find(t, "]: ");
        if (!p || p - t.p < 6 || p[-5] != '[')
                return false;
        Span cls = span_make(p - 4, 4);
        uint64_t code;
        if (!span_eat_xdigits(&cls, 4, &code))
                return false;
        d->class_base = (uint8_t) (code >> 8);
        d->class_sub = (uint8_t) code;
        Span rest = span_make(p + 3, line.len - (size_t) (p + 3 - line.p));
        if (!last_id_pair(rest, &d->vendor, &d->device))
                return false;
        const char *pi = span_find(rest, "(prog-if ");
        if (pi) {
                Span u = span_make(pi + 9, rest.len - (size_t) (pi + 9 - rest.p));
                uint64_t v;
                if (span_eat_xdigits(&u, 2, &v))
                        d->prog_if = (uint8_t) v;
        }
        return true;
}

static void parse_attribute(Span line, LspciDevice *d) {
        Span t = line;
        span_eat_blanks(&t);
        if (span_eat_literal(&t, "Kernel driver in use: ")) {
                span_trim(&t);
                copy_span(t, d->driver, sizeof(d->driver));
        } else if (span_eat_literal(&t, "Kernel modules: ")) {
                span_trim(&t);
                copy_span(t, d->modules, sizeof(d->modules));
        } else if (span_eat_literal(&t, "Subsystem: ")) {
                uint16_t a, b;
                if (last_id_pair(t, &a, &b)) {
                        d->subvendor = a;
                        d->subdevice = b;
                }
        }
}

size_t lspci_parse(const char *buf, size_t len, LspciDevice *ret, size_t max) {
        Span rest = span_make(buf, len), line;
        unsigned long lineno = 0;
        LspciDevice *cur = NULL;
        size_t n = 0;

        while (span_next_line(&rest, &line)) {
                lineno++;
                if (line.len > 0 && line.p[line.len - 1] == '\r')
                        line.len--;
                if (line.len > 0 && line.p[0] == '\t') {
                        if (cur)
                                parse_attribute(line, cur);
                        continue;
                }
                cur = NULL;
                if (n >= max)
                        continue;
                LspciDevice d = {.line = lineno};
                if (!parse_header(line, &d))
                        continue;
                ret[n] = d;
                cur = &ret[n++];
        }
        return n;
}

void lspci_modalias(const LspciDevice *d, char ret[static 64]) {
        snprintf(ret, 64, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", d->vendor, d->device, d->subvendor,
                 d->subdevice, d->class_base, d->class_sub, d->prog_if);
}
