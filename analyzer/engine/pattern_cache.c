/* SPDX-License-Identifier: MIT */
/* The shipped rules' patterns compiled at build time, taken instead of compiling them again. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "hash.h"
#include "pattern_cache.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

#define MAGIC "VXPC0001"

struct PatternCache {
        const char **text; /* into the blob, not NUL-terminated */
        uint32_t *len;
        pcre2_code **codes;
        uint32_t n;
        uint32_t *slots; /* open addressing by text: index + 1, 0 for empty */
        uint32_t mask;
};

int pattern_cache_encode(char *const *patterns, pcre2_code *const *codes, size_t n, uint8_t **ret,
                         size_t *ret_size) {
        uint8_t *ser = NULL;
        PCRE2_SIZE ser_size = 0;
        size_t size = 8 + 4;

        if (n == 0 || n > VX_RULES_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(patterns[i]);
                if (len > UINT32_MAX)
                        return -EINVAL;
                size += 4 + len;
        }
        int32_t r = pcre2_serialize_encode((const pcre2_code **) codes, (int32_t) n, &ser, &ser_size, NULL);
        if (r < 0)
                return r == PCRE2_ERROR_NOMEMORY ? -ENOMEM : -EINVAL;
        size += 8 + ser_size;

        uint8_t *out = malloc(size), *p = out;
        if (!out) {
                pcre2_serialize_free(ser);
                return -ENOMEM;
        }
        memcpy(p, MAGIC, 8);
        put_le(p + 8, n, 4);
        p += 12;
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(patterns[i]);
                put_le(p, len, 4);
                memcpy(p + 4, patterns[i], len);
                p += 4 + len;
        }
        put_le(p, ser_size, 8);
        memcpy(p + 8, ser, ser_size);
        pcre2_serialize_free(ser);
        *ret = out;
        *ret_size = size;
        return 0;
}

PatternCache *pattern_cache_free(PatternCache *c) {
        if (!c)
                return NULL;
        for (uint32_t i = 0; c->codes && i < c->n; i++)
                pcre2_code_free(c->codes[i]);
        free(c->codes);
        free(c->text);
        free(c->len);
        free(c->slots);
        free(c);
        return NULL;
}

int pattern_cache_decode(const uint8_t *blob, size_t size, PatternCache **ret) {
        _cleanup_(pattern_cache_freep) PatternCache *c = calloc(1, sizeof(*c));
        size_t at = 12;

        if (!c)
                return -ENOMEM;
        if (!blob || size < 12 || memcmp(blob, MAGIC, 8) != 0)
                return -EBADMSG;
        uint64_t n = get_le(blob + 8, 4);
        if (n == 0 || n > VX_RULES_MAX)
                return -EBADMSG;
        c->text = calloc(n, sizeof(char *));
        c->len = calloc(n, sizeof(uint32_t));
        c->codes = calloc(n, sizeof(pcre2_code *));
        if (!c->text || !c->len || !c->codes)
                return -ENOMEM;
        for (uint64_t i = 0; i < n; i++) {
                if (size - at < 4)
                        return -EBADMSG;
                uint64_t len = get_le(blob + at, 4);
                if (size - at - 4 < len)
                        return -EBADMSG;
                c->text[i] = (const char *) blob + at + 4;
                c->len[i] = (uint32_t) len;
                at += 4 + len;
        }
        if (size - at < 8 || size - at - 8 != get_le(blob + at, 8))
                return -EBADMSG;
        /* The count the codes say they are must be ours, before PCRE2 decodes that many. */
        int32_t stored = pcre2_serialize_get_number_of_codes(blob + at + 8);
        if (stored < 0)
                return -EPROTO;
        if ((uint64_t) stored != n)
                return -EBADMSG;
        int32_t r = pcre2_serialize_decode(c->codes, (int32_t) n, blob + at + 8, NULL);
        if (r < 0) {
                memset(c->codes, 0, n * sizeof(pcre2_code *));
                return r == PCRE2_ERROR_NOMEMORY ? -ENOMEM : -EPROTO;
        }
        c->n = (uint32_t) n;

        uint32_t slots = 16;
        while (slots < 2 * n)
                slots *= 2;
        c->slots = calloc(slots, sizeof(uint32_t));
        if (!c->slots)
                return -ENOMEM;
        c->mask = slots - 1;
        for (uint32_t i = 0; i < c->n; i++) {
                uint32_t s = (uint32_t) hash_slot(fnv1a(FNV1A_INIT, c->text[i], c->len[i])) & c->mask;
                while (c->slots[s] != 0)
                        s = (s + 1) & c->mask;
                c->slots[s] = i + 1;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

pcre2_code *pattern_cache_take(PatternCache *c, const char *pattern) {
        if (!c || !pattern)
                return NULL;
        size_t len = strlen(pattern);
        for (uint32_t s = (uint32_t) hash_slot(fnv1a(FNV1A_INIT, pattern, len)) & c->mask; c->slots[s] != 0;
             s = (s + 1) & c->mask) {
                uint32_t i = c->slots[s] - 1;
                if (c->len[i] == len && memcmp(c->text[i], pattern, len) == 0 && c->codes[i])
                        return TAKE_PTR(c->codes[i]);
        }
        return NULL;
}

size_t pattern_cache_size(const PatternCache *c) {
        return c ? c->n : 0;
}
