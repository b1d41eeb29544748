/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "vfioexplain/strparse.h"

bool span_starts_with(Span s, const char *lit) {
        size_t n = strlen(lit);
        return s.len >= n && memcmp(s.p, lit, n) == 0;
}

bool span_eat_literal(Span *s, const char *lit) {
        size_t n = strlen(lit);
        if (s->len < n || memcmp(s->p, lit, n) != 0)
                return false;
        span_advance(s, n);
        return true;
}

bool span_eat_char(Span *s, char c) {
        if (s->len == 0 || s->p[0] != c)
                return false;
        span_advance(s, 1);
        return true;
}

bool span_eat_digits(Span *s, size_t min, size_t max, uint64_t *ret) {
        uint64_t v = 0;
        size_t i = 0;

        while (i < s->len && i < max && span_is_digit(s->p[i])) {
                unsigned d = (unsigned) (s->p[i] - '0');
                v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
                i++;
        }
        if (i < min)
                return false;
        span_advance(s, i);
        if (ret)
                *ret = v;
        return true;
}

bool span_eat_xdigits(Span *s, size_t n, uint64_t *ret) {
        uint64_t v = 0;

        if (s->len < n)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s->p[i];
                unsigned d;
                if (span_is_digit(c))
                        d = (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        d = (unsigned) (c - 'A' + 10);
                else
                        return false;
                v = (v << 4) | d;
        }
        span_advance(s, n);
        if (ret)
                *ret = v;
        return true;
}

bool span_eat_hex64(Span *s, uint64_t *ret) {
        size_t n = 0;
        while (n < s->len && n < 16 && span_is_xdigit(s->p[n]))
                n++;
        return n > 0 && span_eat_xdigits(s, n, ret);
}

size_t span_eat_blanks(Span *s) {
        size_t i = 0;
        while (i < s->len && (s->p[i] == ' ' || s->p[i] == '\t'))
                i++;
        span_advance(s, i);
        return i;
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
