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

/* The value of a hex digit, -1 for any other byte. */
static inline int span_xdigit_value(char c) {
        if (span_is_digit(c))
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static inline bool span_is_xdigit(char c) {
        return span_xdigit_value(c) >= 0;
}

/* The eaters every line's prefix goes through are inline: as calls, they were a fifth of the time of
 * classifying a kernel line. */
static inline bool span_eat_char(Span *s, char c) {
        if (s->len == 0 || s->p[0] != c)
                return false;
        span_advance(s, 1);
        return true;
}

/* Eats min..max decimal digits; *ret gets their value (saturating). */
static inline bool span_eat_digits(Span *s, size_t min, size_t max, uint64_t *ret) {
        uint64_t v = 0;
        size_t i = 0;

        for (; i < s->len && i < max && span_is_digit(s->p[i]); i++) {
                uint64_t d = (uint64_t) (s->p[i] - '0');
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
                        v = UINT64_MAX;
        }
        if (i < min)
                return false;
        span_advance(s, i);
        if (ret)
                *ret = v;
        return true;
}

/* Eats exactly n hex digits. */
static inline bool span_eat_xdigits(Span *s, size_t n, uint64_t *ret) {
        uint64_t v = 0;

        if (s->len < n)
                return false;
        for (size_t i = 0; i < n; i++) {
                int d = span_xdigit_value(s->p[i]);
                if (d < 0)
                        return false;
                v = (v << 4) | (unsigned) d;
        }
        span_advance(s, n);
        if (ret)
                *ret = v;
        return true;
}

static inline size_t span_eat_blanks(Span *s) {
        size_t i = 0;
        while (i < s->len && (s->p[i] == ' ' || s->p[i] == '\t'))
                i++;
        span_advance(s, i);
        return i;
}

static inline bool span_equals(Span s, const char *lit) {
        return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

bool span_starts_with(Span s, const char *lit);
bool span_ends_with(Span s, const char *lit);
bool span_eat_literal(Span *s, const char *lit);
/* Eats 1 to 16 hex digits (as many as there are); false if there is none. */
bool span_eat_hex64(Span *s, uint64_t *ret);
/* For NUL-terminated text (a file read whole): skips white space at *p, then eats decimal digits
 * (saturating at UINT64_MAX) into *ret and moves *p past them. False, with *p and *ret untouched, when no
 * digit follows the white space. What strtoul() was used for, without its sign, base or errno. */
bool decimal_eat(const char **p, uint64_t *ret);
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
/* A host name as RFC 1123 (section 2.1) and RFC 952 allow it: dot-separated labels of 1 to 63 letters,
 * digits and hyphens, none starting or ending with a hyphen, 253 bytes at most. Anything else (a journal's
 * _HOSTNAME is whatever the sending machine wrote) is shown escaped and said not to be one. */
bool hostname_is_valid(const char *s, size_t len);
/* Skips blanks, then eats the run of other bytes that follows into *word; false when only blanks remain. */
bool span_eat_word(Span *s, Span *word);
/* Word n (from 0) of s, words being separated by blanks; false when s has fewer. */
bool span_nth_word(Span s, size_t n, Span *word);
