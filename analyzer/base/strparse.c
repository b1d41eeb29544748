/* SPDX-License-Identifier: MIT */
/* Bounded parsing of untrusted text through spans: pointer and length, never past either. */
#define _GNU_SOURCE
#include "strparse.h"

bool span_starts_with(Span s, const char *lit) {
        size_t n = strlen(lit);
        return s.len >= n && memcmp(s.p, lit, n) == 0;
}

bool span_ends_with(Span s, const char *lit) {
        size_t n = strlen(lit);
        return s.len >= n && memcmp(s.p + s.len - n, lit, n) == 0;
}

bool span_eat_literal(Span *s, const char *lit) {
        size_t n = strlen(lit);
        if (s->len < n || memcmp(s->p, lit, n) != 0)
                return false;
        span_advance(s, n);
        return true;
}

bool span_eat_hex64(Span *s, uint64_t *ret) {
        size_t n = 0;
        while (n < s->len && n < 16 && span_is_xdigit(s->p[n]))
                n++;
        return n > 0 && span_eat_xdigits(s, n, ret);
}

bool decimal_eat(const char **p, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;

        while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
                s++;
        if (!span_is_digit(*s))
                return false;
        for (; span_is_digit(*s); s++)
                if (__builtin_mul_overflow(v, 10, &v) ||
                    __builtin_add_overflow(v, (uint64_t) (*s - '0'), &v))
                        v = UINT64_MAX;
        *p = s;
        *ret = v;
        return true;
}

bool span_eat_until(Span *s, char c, Span *ret) {
        const char *e = memchr(s->p, c, s->len);
        if (!e)
                return false;
        *ret = span_make(s->p, (size_t) (e - s->p));
        span_advance(s, (size_t) (e - s->p));
        return true;
}

const char *span_find(Span s, const char *lit) {
        return memmem(s.p, s.len, lit, strlen(lit));
}

bool span_eat_until_literal(Span *s, const char *lit, Span *ret) {
        const char *e = span_find(*s, lit);
        if (!e)
                return false;
        *ret = span_make(s->p, (size_t) (e - s->p));
        span_advance(s, (size_t) (e - s->p));
        return true;
}

void span_trim(Span *s) {
        while (s->len > 0 && (s->p[0] == ' ' || s->p[0] == '\t'))
                span_advance(s, 1);
        while (s->len > 0 &&
               (s->p[s->len - 1] == ' ' || s->p[s->len - 1] == '\t' || s->p[s->len - 1] == '\r'))
                s->len--;
}

bool span_next_line(Span *s, Span *line) {
        if (s->len == 0)
                return false;
        if (!span_eat_until(s, '\n', line)) {
                *line = *s;
                span_advance(s, s->len);
        } else
                span_advance(s, 1);
        return true;
}

bool words_contain(const char *list, const char *word) {
        size_t n = strlen(word);
        for (const char *p = list; n > 0 && (p = strstr(p, word)); p += n)
                if ((p == list || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
                        return true;
        return false;
}

bool hostname_is_valid(const char *s, size_t len) {
        size_t label = 0;
        if (len == 0 || len > 253)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!(span_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
                        return false;
                if (c == '-' && label == 0)
                        return false;
                if (++label > 63)
                        return false;
        }
        return label > 0 && s[len - 1] != '-';
}

bool span_eat_word(Span *s, Span *word) {
        Span t = *s;
        span_eat_blanks(&t);
        size_t i = 0;
        while (i < t.len && t.p[i] != ' ' && t.p[i] != '\t')
                i++;
        if (i == 0)
                return false;
        *word = span_make(t.p, i);
        span_advance(&t, i);
        *s = t;
        return true;
}

bool span_nth_word(Span s, size_t n, Span *word) {
        Span w;
        for (size_t i = 0; span_eat_word(&s, &w); i++)
                if (i == n) {
                        *word = w;
                        return true;
                }
        return false;
}
