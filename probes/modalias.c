/* SPDX-License-Identifier: MIT */
/* Which modules of a modules.alias would bind a PCI device. No I/O. */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <string.h>

#include "lspci.h"
#include "strparse.h"
#include "vfioexplain/macro.h"

/* depmod writes one "alias PATTERN MODULE" a line (kmod libkmod/libkmod-index.c, depmod.c
 * output_aliases()); kmod matches a modalias against PATTERN with fnmatch(). */
size_t modules_alias_match(const char *buf, size_t len, const char *modalias, bool any_prog_if, char *ret,
                           size_t size) {
        Span rest = span_make(buf, len), line;
        size_t found = 0, used = 0;

        if (size > 0)
                ret[0] = 0;
        while (span_next_line(&rest, &line)) {
                Span t = line, pattern, module;
                if (!span_eat_literal(&t, "alias pci:") || !span_eat_until(&t, ' ', &pattern))
                        continue;
                span_eat_blanks(&t);
                module = t;
                span_trim(&module);
                if (module.len == 0 || memchr(module.p, ' ', module.len))
                        continue;
                char pat[256];
                if (pattern.len + 5 > sizeof(pat))
                        continue;
                memcpy(pat, "pci:", 4);
                memcpy(pat + 4, pattern.p, pattern.len);
                pat[pattern.len + 4] = 0;
                /* The interface is the last field, after the last 'i' (the ids are upper-case hex). */
                char *i = any_prog_if ? strrchr(pat, 'i') : NULL;
                if (i)
                        memcpy(i + 1, "*", 2);
                if (fnmatch(pat, modalias, 0) != 0)
                        continue;
                char name[VX_LSPCI_NAME_MAX + 1];
                if (module.len >= sizeof(name))
                        continue;
                memcpy(name, module.p, module.len);
                name[module.len] = 0;
                if (used > 0 && words_contain(ret, name))
                        continue;
                size_t need = module.len + (used > 0);
                if (used + need + 1 > size)
                        continue;
                if (used > 0)
                        ret[used++] = ' ';
                memcpy(ret + used, name, module.len + 1);
                used += module.len;
                found++;
        }
        return found;
}
