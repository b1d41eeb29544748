/* SPDX-License-Identifier: MIT */
/* The grammar of a PCI address: how an address from a log or a user is checked and written. No I/O. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pci_address.h"
#include "strparse.h"

int pci_address_normalize(const char *s, size_t len, char ret[static PCI_ADDRESS_SIZE]) {
        Span sp = span_make(s, len);
        uint64_t domain = 0, bus, dev, fn;
        size_t ndom = 0;

        /* Domain: 4 hex digits, up to 8 on hosts with VMD-style segments. */
        for (size_t i = 0; i < sp.len && i <= 8 && span_is_xdigit(sp.p[i]); i++)
                ndom = i + 1;
        if (ndom >= 4 && ndom <= 8 && ndom < sp.len && sp.p[ndom] == ':') {
                if (!span_eat_xdigits(&sp, ndom, &domain) || !span_eat_char(&sp, ':'))
                        return -EINVAL;
        }
        if (!span_eat_xdigits(&sp, 2, &bus) || !span_eat_char(&sp, ':') || !span_eat_xdigits(&sp, 2, &dev) ||
            !span_eat_char(&sp, '.') || !span_eat_xdigits(&sp, 1, &fn))
                return -EINVAL;
        if (sp.len != 0 || dev > 0x1f || fn > 7)
                return -EINVAL;

        static const char hex[] = "0123456789abcdef";
        PciAddress out;
        size_t n = 0;
        /* As the kernel names it ("%04x"): at least 4 digits, more only for a domain that needs them, and
         * no more than ret holds. */
        size_t dw = 4;
        while (dw < 8 && (domain >> (4 * dw)) != 0)
                dw++;
        if (dw > 7)
                return -EINVAL;
        for (size_t i = dw; i > 0; i--)
                out[n++] = hex[(domain >> (4 * (i - 1))) & 0xf];
        out[n++] = ':';
        out[n++] = hex[bus >> 4];
        out[n++] = hex[bus & 0xf];
        out[n++] = ':';
        out[n++] = hex[dev >> 4];
        out[n++] = hex[dev & 0xf];
        out[n++] = '.';
        out[n++] = hex[fn];
        out[n] = 0;
        memcpy(ret, out, n + 1);
        return 0;
}
