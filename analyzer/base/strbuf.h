/* SPDX-License-Identifier: MIT */
#pragma once

/* A growable byte buffer, always NUL terminated. Allocation failure is sticky: the buffer keeps
 * what it had, and strbuf_failed() says so once the caller is done appending. */

#include <stdbool.h>
#include <stddef.h>

#include "vfioexplain/macro.h"

typedef struct StrBuf {
        char *s;
        size_t len, cap;
        bool oom;
} StrBuf;

void strbuf_append(StrBuf *b, const char *s, size_t n);
void strbuf_puts(StrBuf *b, const char *s);
void strbuf_putc(StrBuf *b, char c);
void strbuf_printf(StrBuf *b, const char *fmt, ...) _printf_(2, 3);
/* s, each of its line breaks followed by indent blanks: a pretty-printed text nested deeper as it stands. */
void strbuf_append_indented(StrBuf *b, const char *s, size_t n, size_t indent);
void strbuf_reset(StrBuf *b);
void strbuf_done(StrBuf *b);
/* Frees a scratch buffer built for INTO: an allocation it failed is INTO's failure too. */
void strbuf_done_into(StrBuf *scratch, StrBuf *into);
/* Hands the string to the caller (NULL on allocation failure); the buffer is empty afterwards. */
char *strbuf_steal(StrBuf *b);
static inline const char *strbuf_str(const StrBuf *b) {
        return b->s ? b->s : "";
}
static inline bool strbuf_failed(const StrBuf *b) {
        return b->oom;
}
