/* SPDX-License-Identifier: MIT */
/* Redaction of reports (see redact.h). Known values are looked up by hash at each word start, longest
 * first, so that a host name that contains a user name is replaced as a whole: the cost of a word start is
 * the length of the longest value, not the number of values (4000 of them, each compared at every word
 * start and the list sorted again on each insertion, took 39 s). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "hash.h"
#include "redact.h"
#include "string_table.h"
#include "strparse.h"
#include "vfioexplain/limits.h"

typedef struct Secret {
        RedactKind kind;
        char *value;
        size_t len;
        uint64_t hash;
        unsigned token; /* 0 until first replaced */
} Secret;

/* Open addressing, at most half full: a slot holds a secret's index + 1, 0 when empty. */
#define REDACT_SLOTS (2u * VX_REDACT_VALUES_MAX)

struct Redactor {
        Secret *secrets;
        size_t n, cap;
        uint32_t slots[REDACT_SLOTS];
        /* The hash's start, from the kernel's random bytes for this process (AT_RANDOM): the values come
         * from logs, and values made to share a slot would make every look-up walk them all. */
        uint64_t seed;
        size_t max_len;
        bool has_len[VX_REDACT_VALUE_MAX + 1];
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
        r->seed = FNV1A_INIT;
        const unsigned char *random = (const unsigned char *) getauxval(AT_RANDOM);
        if (random)
                r->seed = fnv1a(r->seed, random, 16);
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

static uint64_t secret_hash_step(uint64_t h, char c) {
        return fnv1a(h, &c, 1);
}

static Secret *find_secret(Redactor *r, const char *value, size_t len, uint64_t h) {
        for (size_t s = hash_slot(h) & (REDACT_SLOTS - 1); r->slots[s] != 0;
             s = (s + 1) & (REDACT_SLOTS - 1)) {
                Secret *x = &r->secrets[r->slots[s] - 1];
                if (x->hash == h && x->len == len && memcmp(x->value, value, len) == 0)
                        return x;
        }
        return NULL;
}

/* Adds (or finds) a value: -E2BIG past VX_REDACT_VALUES_MAX distinct ones. */
static int secret_get(Redactor *r, RedactKind kind, const char *value, size_t len, Secret **ret) {
        uint64_t h = r->seed;
        for (size_t i = 0; i < len; i++)
                h = secret_hash_step(h, value[i]);
        Secret *s = find_secret(r, value, len, h);
        if (s) {
                *ret = s;
                return 0;
        }
        if (r->n >= VX_REDACT_VALUES_MAX)
                return -E2BIG;
        if (r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 16;
                Secret *n = realloc(r->secrets, cap * sizeof(Secret));
                if (!n)
                        return -ENOMEM;
                r->secrets = n;
                r->cap = cap;
        }
        char *v = strndup(value, len);
        if (!v)
                return -ENOMEM;
        size_t slot = hash_slot(h) & (REDACT_SLOTS - 1);
        while (r->slots[slot] != 0)
                slot = (slot + 1) & (REDACT_SLOTS - 1);
        r->secrets[r->n] = (Secret){.kind = kind, .value = v, .len = len, .hash = h};
        r->slots[slot] = (uint32_t) ++r->n;
        r->has_len[len] = true;
        r->max_len = MAX(r->max_len, len);
        *ret = &r->secrets[r->n - 1];
        return 0;
}

int redactor_add(Redactor *r, RedactKind kind, const char *value, size_t len) {
        if (kind >= _REDACT_KIND_MAX || len < 2 || len > VX_REDACT_VALUE_MAX || memchr(value, '\n', len))
                return 0;
        Secret *s;
        return secret_get(r, kind, value, len, &s);
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
                        int k = n >= 2 ? redactor_add(r, REDACT_USER, p + 6, n) : 0;
                        if (k < 0)
                                return k;
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
                        int e = n >= 2 ? redactor_add(r, REDACT_SERIAL, p + kl, n) : 0;
                        if (e < 0)
                                return e;
                }
        }
        return 0;
}

/* The longest known value at text[i] (a word start) that ends where a word does, or NULL. */
static Secret *known_at(Redactor *r, const char *text, size_t len, size_t i) {
        size_t ends[VX_REDACT_VALUE_MAX];
        uint64_t hashes[VX_REDACT_VALUE_MAX];
        size_t n = 0, max = MIN(r->max_len, len - i);
        uint64_t h = r->seed;
        for (size_t l = 1; l <= max; l++) {
                h = secret_hash_step(h, text[i + l - 1]);
                size_t e = i + l;
                /* A value ends at the end, before a byte no word holds, or before '.' (a host's domain). */
                if (r->has_len[l] &&
                    (e == len || (!is_word(text[e]) && !is_utf8_continuation(text[e])) || text[e] == '.')) {
                        ends[n] = l;
                        hashes[n++] = h;
                }
        }
        while (n > 0) {
                n--;
                size_t l = ends[n], e = i + l;
                Secret *s = find_secret(r, text + i, l, hashes[n]);
                /* "host.example.com" names the host "host" too */
                if (s && (e == len || text[e] != '.' || s->kind == REDACT_HOST))
                        return s;
        }
        return NULL;
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
                        hit = known_at(r, text, len, i);
                RedactKind kind;
                size_t n;
                /* A shape may follow a word joined by '-' or '.' ("libvirt-UUID"), not a letter or digit. */
                bool shape_start = i == 0 ||
                        ((unsigned char) text[i - 1] < 0x80 && !isalnum(text[i - 1]) &&
                         !(i >= 2 && (text[i - 1] == ':' || text[i - 1] == '-') && is_hex(text[i - 2])));
                if (!hit && shape_start && (n = shaped_at(text, len, i, &kind)) > 0) {
                        int k = secret_get(r, kind, text + i, n, &hit);
                        if (k < 0)
                                return k;
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
