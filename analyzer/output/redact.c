/* SPDX-License-Identifier: MIT */
/* Redaction of reports (see redact.h). Known values are looked for longest first, so that a host name
 * that contains a user name is replaced as a whole. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "string_table.h"
#include "strparse.h"
#include "vfioexplain/limits.h"

typedef struct Secret {
        RedactKind kind;
        char *value;
        size_t len;
        unsigned token; /* 0 until first replaced */
} Secret;

struct Redactor {
        Secret *secrets;
        size_t n, cap;
        unsigned next[_REDACT_KIND_MAX];
};

static const char *const redact_kind_table[_REDACT_KIND_MAX] = {
        [REDACT_HOST] = "host",     [REDACT_USER] = "user", [REDACT_MAC] = "mac",
        [REDACT_SERIAL] = "serial", [REDACT_UUID] = "uuid", [REDACT_ID] = "id",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(redact_kind, RedactKind)

int redactor_new(Redactor **ret) {
        Redactor *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        *ret = r;
        return 0;
}

Redactor *redactor_free(Redactor *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n; i++)
                free(r->secrets[i].value);
        free(r->secrets);
        free(r);
        return NULL;
}

static Secret *find_secret(Redactor *r, RedactKind kind, const char *value, size_t len) {
        for (size_t i = 0; i < r->n; i++)
                if (r->secrets[i].len == len && memcmp(r->secrets[i].value, value, len) == 0 &&
                    (r->secrets[i].kind == kind || kind == _REDACT_KIND_MAX))
                        return &r->secrets[i];
        return NULL;
}

static int cmp_longest_first(const void *x, const void *y) {
        const Secret *a = x, *b = y;
        return a->len != b->len ? (a->len < b->len ? 1 : -1) : 0;
}

/* Adds (or finds) a value; the list stays sorted longest first. */
static Secret *secret_get(Redactor *r, RedactKind kind, const char *value, size_t len) {
        Secret *s = find_secret(r, _REDACT_KIND_MAX, value, len);
        if (s)
                return s;
        if (r->n >= VX_REDACT_VALUES_MAX)
                return NULL;
        if (r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 16;
                Secret *n = realloc(r->secrets, cap * sizeof(Secret));
                if (!n)
                        return NULL;
                r->secrets = n;
                r->cap = cap;
        }
        char *v = strndup(value, len);
        if (!v)
                return NULL;
        r->secrets[r->n++] = (Secret){.kind = kind, .value = v, .len = len};
        qsort(r->secrets, r->n, sizeof(Secret), cmp_longest_first);
        return find_secret(r, kind, value, len);
}

int redactor_add(Redactor *r, RedactKind kind, const char *value, size_t len) {
        if (kind >= _REDACT_KIND_MAX || len < 2 || len > VX_REDACT_VALUE_MAX || memchr(value, '\n', len))
                return 0;
        return secret_get(r, kind, value, len) ? 0 : -ENOMEM;
}

static bool is_word(char c) {
        return span_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                c == '-' || c == '.';
}

/* A byte inside a UTF-8 character: no secret starts or ends next to one, so a token never splits one. */
static bool is_utf8_continuation(char c) {
        return ((unsigned char) c & 0xc0) == 0x80;
}

static bool is_hex(char c) {
        return span_is_xdigit(c);
}

/* Hex pairs separated by sep, n of them, at p: a MAC address is 6, not followed by another pair. */
static size_t hex_pairs(const char *p, size_t len, size_t n) {
        size_t i = 0;
        for (size_t k = 0; k < n; k++) {
                if (k > 0) {
                        if (i >= len || (p[i] != ':' && p[i] != '-') || p[i] != p[2])
                                return 0;
                        i++;
                }
                if (i + 2 > len || !is_hex(p[i]) || !is_hex(p[i + 1]))
                        return 0;
                i += 2;
        }
        return i;
}

static size_t hex_run(const char *p, size_t len) {
        size_t i = 0;
        while (i < len && is_hex(p[i]))
                i++;
        return i;
}

/* 8-4-4-4-12 hex digits. */
static size_t uuid_at(const char *p, size_t len) {
        static const size_t groups[] = {8, 4, 4, 4, 12};
        size_t i = 0;
        for (size_t g = 0; g < 5; g++) {
                if (g > 0) {
                        if (i >= len || p[i] != '-')
                                return 0;
                        i++;
                }
                if (hex_run(p + i, len - i) != groups[g])
                        return 0;
                i += groups[g];
        }
        return i;
}

/* The pattern-shaped secret starting at text[i] (which starts a word), its kind and length; 0 if none. */
static size_t shaped_at(const char *text, size_t len, size_t i, RedactKind *kind) {
        const char *p = text + i;
        size_t rest = len - i, n;
        if ((n = uuid_at(p, rest)) > 0 && (n == rest || !is_hex(p[n]))) {
                *kind = REDACT_UUID;
                return n;
        }
        /* An EUI-64 (8 pairs: a PCIe Device Serial Number, a FireWire/IPoIB id) is a serial number. */
        if (rest >= 23 && (p[2] == ':' || p[2] == '-') && (n = hex_pairs(p, rest, 8)) > 0 &&
            (n == rest ||
             !(is_hex(p[n]) || ((p[n] == ':' || p[n] == '-') && n + 1 < rest && is_hex(p[n + 1]))))) {
                *kind = REDACT_SERIAL;
                return n;
        }
        if (rest >= 17 && (p[2] == ':' || p[2] == '-') && (n = hex_pairs(p, rest, 6)) > 0 &&
            (n == rest ||
             !(is_hex(p[n]) || ((p[n] == ':' || p[n] == '-') && n + 1 < rest && is_hex(p[n + 1]))))) {
                *kind = REDACT_MAC;
                return n;
        }
        if ((n = hex_run(p, rest)) == 32 && (n == rest || !is_word(p[n]) || p[n] == '.' || p[n] == '-')) {
                *kind = REDACT_ID;
                return n;
        }
        return 0;
}

static void put_token(Redactor *r, Secret *s, StrBuf *out) {
        if (!s->token)
                s->token = ++r->next[s->kind];
        strbuf_printf(out, "[redacted-%s-%u]", redact_kind_table[s->kind], s->token);
}

/* Serial numbers follow these words (usb core "SerialNumber: ", dmidecode "Serial Number: ", lspci
 * "Device Serial Number ", QEMU/libvirt "serial=", libvirt XML "<serial>", udev "ID_SERIAL="). */
static const char *const serial_keys[] = {
        "SerialNumber: ", "Serial Number: ", "Device Serial Number ", "serial=",
        "<serial>",       "ID_SERIAL=",      "ID_SERIAL_SHORT=",
};

static size_t serial_value_len(const char *p, size_t len) {
        size_t i = 0;
        while (i < len && !strchr(" \t\n,;\"'<>)]}", p[i]) && (unsigned char) p[i] >= 0x20)
                i++;
        return i;
}

int redactor_learn(Redactor *r, const char *text, size_t len) {
        for (size_t i = 0; i < len; i++) {
                const char *p = text + i;
                size_t rest = len - i;
                if (rest > 6 && memcmp(p, "/home/", 6) == 0 && (i == 0 || !is_word(p[-1]))) {
                        size_t n = 0;
                        while (6 + n < rest && p[6 + n] != '/' && is_word(p[6 + n]))
                                n++;
                        if (n >= 2 && redactor_add(r, REDACT_USER, p + 6, n) < 0)
                                return -ENOMEM;
                        continue;
                }
                for (size_t k = 0; k < ELEMENTSOF(serial_keys); k++) {
                        size_t kl = strlen(serial_keys[k]);
                        if (rest <= kl || memcmp(p, serial_keys[k], kl) != 0)
                                continue;
                        size_t n = serial_value_len(p + kl, rest - kl);
                        /* Quoted values: serial='X' and serial="X". */
                        if (n == 0 && (p[kl] == '\'' || p[kl] == '"'))
                                n = serial_value_len(p + kl + 1, rest - kl - 1), kl++;
                        if (n >= 2 && redactor_add(r, REDACT_SERIAL, p + kl, n) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

int redactor_apply(Redactor *r, const char *text, size_t len, StrBuf *out) {
        size_t i = 0;
        while (i < len) {
                /* Not inside a run of hex pairs either: "21:ff:..." of a longer id starts no MAC. */
                bool word_start = i == 0 ||
                        (!is_word(text[i - 1]) &&
                         !(i >= 2 && (text[i - 1] == ':' || text[i - 1] == '-') && is_hex(text[i - 2])));
                Secret *hit = NULL;
                if (word_start && !is_utf8_continuation(text[i]))
                        for (size_t k = 0; k < r->n && !hit; k++) {
                                Secret *s = &r->secrets[k];
                                if (s->len <= len - i && memcmp(text + i, s->value, s->len) == 0 &&
                                    !(i + s->len < len && is_utf8_continuation(text[i + s->len])) &&
                                    (i + s->len == len || !is_word(text[i + s->len]) ||
                                     /* "host.example.com" names the host "host" too */
                                     (text[i + s->len] == '.' && s->kind == REDACT_HOST)))
                                        hit = s;
                        }
                RedactKind kind;
                size_t n;
                /* A shape may follow a word joined by '-' or '.' ("libvirt-UUID"), not a letter or digit. */
                bool shape_start = i == 0 ||
                        ((unsigned char) text[i - 1] < 0x80 && !isalnum(text[i - 1]) &&
                         !(i >= 2 && (text[i - 1] == ':' || text[i - 1] == '-') && is_hex(text[i - 2])));
                if (!hit && shape_start && (n = shaped_at(text, len, i, &kind)) > 0) {
                        hit = secret_get(r, kind, text + i, n);
                        if (!hit)
                                return -ENOMEM;
                }
                if (hit) {
                        put_token(r, hit, out);
                        i += hit->len;
                        continue;
                }
                strbuf_putc(out, text[i++]);
        }
        return strbuf_failed(out) ? -ENOMEM : 0;
}

size_t redactor_count(const Redactor *r, RedactKind kind) {
        return kind < _REDACT_KIND_MAX ? r->next[kind] : 0;
}
