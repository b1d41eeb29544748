/* SPDX-License-Identifier: MIT */
#pragma once

/* FNV-1a, the one string hash of the project's hash tables (hits, group links, the pattern cache), and
 * hash_bytes() for the keys hashed once per line read. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FNV1A_INIT UINT64_C(14695981039346656037)

static inline uint64_t fnv1a(uint64_t h, const void *data, size_t len) {
        const unsigned char *p = data;
        for (size_t i = 0; i < len; i++)
                h = (h ^ p[i]) * UINT64_C(1099511628211);
        return h;
}

static inline uint64_t fnv1a_str(uint64_t h, const char *s) {
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * UINT64_C(1099511628211);
        return h;
}

/* The high bits folded in, for a table indexed by the low ones. */
static inline size_t hash_slot(uint64_t h) {
        return (size_t) (h ^ (h >> 29));
}

static inline uint64_t hash_load64(const unsigned char *p) {
        uint64_t w;
        memcpy(&w, p, sizeof(w));
        return w;
}

/* 16 bytes a step in two lanes, and the last bytes as whole words that may overlap bytes already read: the
 * line memo hashes a message of tens of bytes for every line a literal marked, where FNV-1a's byte loop, and
 * then one lane with a tail copied byte by byte, took as long as the rest of the look-up. Each lane mixes as
 * murmur3's finalizer does; the length is mixed in first, so two lengths never read the same words alike.
 * The seed stands for bytes that belong to the key but are not beside the others. */
static inline uint64_t hash_bytes_seeded(uint64_t seed, const void *data, size_t len) {
        const uint64_t m1 = UINT64_C(0xff51afd7ed558ccd), m2 = UINT64_C(0xc4ceb9fe1a85ec53);
        const unsigned char *p = data, *end = p + len;
        uint64_t a = seed ^ ((uint64_t) len * UINT64_C(0x9e3779b97f4a7c15)), b = a ^ m2;

        if (len < 8) {
                uint64_t w = 0;
                for (size_t i = 0; i < len; i++)
                        w |= (uint64_t) p[i] << (8 * i);
                a = (a ^ w) * m1;
        } else {
                for (; end - p > 16; p += 16) {
                        a = (a ^ hash_load64(p)) * m1;
                        a ^= a >> 32;
                        b = (b ^ hash_load64(p + 8)) * m2;
                        b ^= b >> 29;
                }
                /* 8 to 16 bytes left: the first and the last 8 of them, or of the last 16. */
                a = (a ^ hash_load64(len >= 16 ? end - 16 : p)) * m1;
                b = (b ^ hash_load64(end - 8)) * m2;
        }
        uint64_t h = (a ^ (a >> 32) ^ (b << 23 | b >> 41)) * m2;
        return h ^ (h >> 33);
}

static inline uint64_t hash_bytes(const void *data, size_t len) {
        return hash_bytes_seeded(FNV1A_INIT, data, len);
}
