/* SPDX-License-Identifier: MIT */
#pragma once

/* Bounded parsing of untrusted text, after curl's docs/internals/STRPARSE.md: a Span is a pointer and a
 * length into someone else's buffer; every eat function either consumes what it recognises and returns
 * true, or leaves the span untouched and returns false. No function reads past len or needs a NUL. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct Span {
        const char *p;
        size_t len;
} Span;

static inline Span span_make(const char *p, size_t len) {
        return (Span){.p = p, .len = len};
}

static inline Span span_from_str(const char *s) {
        return span_make(s, strlen(s));
}

static inline void span_advance(Span *s, size_t n) {
        s->p += n;
        s->len -= n;
}

static inline bool span_is_digit(char c) {
        return c >= '0' && c <= '9';
}

static inline bool span_is_xdigit(char c) {
        return span_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool span_starts_with(Span s, const char *lit);
bool span_eat_literal(Span *s, const char *lit);
bool span_eat_char(Span *s, char c);
/* Eats min..max decimal digits; *ret gets their value (saturating). */
bool span_eat_digits(Span *s, size_t min, size_t max, uint64_t *ret);
/* Eats exactly n hex digits. */
bool span_eat_xdigits(Span *s, size_t n, uint64_t *ret);
/* Eats 1 to 16 hex digits (as many as there are); false if there is none. */
bool span_eat_hex64(Span *s, uint64_t *ret);
size_t span_eat_blanks(Span *s);
/* Eats up to, not including, the first c; false if c does not occur. */
bool span_eat_until(Span *s, char c, Span *ret);
/* Eats up to the first occurrence of lit, not including it; false if it does not occur. */
bool span_eat_until_literal(Span *s, const char *lit, Span *ret);
const char *span_find(Span s, const char *lit);
/* Whether word is one of the space-separated words of list (NUL-terminated strings). */
bool words_contain(const char *list, const char *word);
/* Takes the next line (without its newline) off s; false when s is empty. */
bool span_next_line(Span *s, Span *line);
void span_trim(Span *s);
