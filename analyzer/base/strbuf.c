/* SPDX-License-Identifier: MIT */
/* A growable, NUL-terminated byte buffer whose allocation failure is sticky. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static bool strbuf_reserve(StrBuf *b, size_t extra) {
        if (b->oom)
                return false;
        if (b->len + extra + 1 <= b->cap)
                return true;
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + extra + 1) {
                if (cap > ((size_t) -1) / 2) {
                        b->oom = true;
                        return false;
                }
                cap *= 2;
        }
        char *s = realloc(b->s, cap);
        if (!s) {
                b->oom = true;
                return false;
        }
        b->s = s;
        b->cap = cap;
        return true;
}

void strbuf_append(StrBuf *b, const char *s, size_t n) {
        if (!strbuf_reserve(b, n))
                return;
        if (n > 0)
                memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
}

void strbuf_puts(StrBuf *b, const char *s) {
        strbuf_append(b, s, strlen(s));
}

void strbuf_putc(StrBuf *b, char c) {
        strbuf_append(b, &c, 1);
}

void strbuf_append_indented(StrBuf *b, const char *s, size_t n, size_t indent) {
        static const char blanks[] = "                ";
        for (const char *nl; (nl = memchr(s, '\n', n)); n -= (size_t) (nl + 1 - s), s = nl + 1) {
                strbuf_append(b, s, (size_t) (nl + 1 - s));
                for (size_t left = indent; left > 0;) {
                        size_t k = MIN(left, sizeof(blanks) - 1);
                        strbuf_append(b, blanks, k);
                        left -= k;
                }
        }
        strbuf_append(b, s, n);
}

void strbuf_printf(StrBuf *b, const char *fmt, ...) {
        va_list ap, aq;
        va_start(ap, fmt);
        va_copy(aq, ap);
        int n = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (n < 0 || !strbuf_reserve(b, (size_t) n)) {
                if (n < 0)
                        b->oom = true;
                va_end(ap);
                return;
        }
        vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
}

void strbuf_reset(StrBuf *b) {
        b->len = 0;
        if (b->s)
                b->s[0] = 0;
}

void strbuf_done(StrBuf *b) {
        free(b->s);
        *b = (StrBuf){0};
}

char *strbuf_steal(StrBuf *b) {
        char *s = b->oom ? NULL : b->s;
        if (b->oom)
                free(b->s);
        else if (!s)
                s = strdup("");
        *b = (StrBuf){0};
        return s;
}

void strbuf_done_into(StrBuf *scratch, StrBuf *into) {
        if (scratch->oom)
                into->oom = true;
        strbuf_done(scratch);
}
