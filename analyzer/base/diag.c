/* SPDX-License-Identifier: MIT */
/* Diagnostics that library code collects for its caller to print. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "vfioexplain/limits.h"

void diag_addf(Diag *d, const char *fmt, ...) {
        va_list ap;
        char *s;

        if (!d)
                return;
        if (d->n >= VX_DIAG_MAX) {
                d->dropped++;
                return;
        }
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 16;
                char **l = realloc(d->lines, cap * sizeof(*l));
                if (!l) {
                        d->dropped++;
                        return;
                }
                d->lines = l;
                d->cap = cap;
        }
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                d->dropped++;
                return;
        }
        d->lines[d->n++] = s;
}

void diag_done(Diag *d) {
        for (size_t i = 0; i < d->n; i++)
                free(d->lines[i]);
        free(d->lines);
        *d = (Diag){0};
}
