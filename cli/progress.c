/* SPDX-License-Identifier: MIT */
/* Progress of a long read on stderr, on a terminal only. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "live.h"
#include "progress.h"
#include "strbuf.h"
#include "vfioexplain/limits.h"

void progress_init(Progress *p, const char *what) {
        *p = (Progress){.on = isatty(STDERR_FILENO), .what = what, .start_usec = now_usec()};
}

void progress_update(Progress *p, double count, const char *units) {
        if (!p->on)
                return;
        uint64_t t = now_usec();
        if (t - p->start_usec < VX_PROGRESS_AFTER_USEC || t - p->last_usec < VX_PROGRESS_EVERY_USEC)
                return;
        p->last_usec = t;
        StrBuf b = {0};
        /* The name is the user's, but it may hold anything: escaped like every other name we print. */
        strbuf_puts(&b, "\rvfioexplain: reading ");
        escape_append(&b, p->what, strnlen(p->what, 256));
        strbuf_printf(&b, ": %.*f %s, %.0f s", count < 100 ? 1 : 0, count, units,
                      (double) (t - p->start_usec) / 1e6);
        int width = (int) b.len - 1;
        if (width < p->width)
                strbuf_printf(&b, "%*s", p->width - width, "");
        p->width = width;
        if (!strbuf_failed(&b))
                (void) !write(STDERR_FILENO, strbuf_str(&b), b.len);
        strbuf_done(&b);
}

void progress_done(Progress *p) {
        if (!p->on || p->width == 0)
                return;
        char blank[160];
        int n = p->width < (int) sizeof(blank) - 3 ? p->width : (int) sizeof(blank) - 3;
        blank[0] = '\r';
        memset(blank + 1, ' ', (size_t) n);
        blank[n + 1] = '\r';
        (void) !write(STDERR_FILENO, blank, (size_t) n + 2);
        p->width = 0;
}
