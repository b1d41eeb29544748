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

/* A word at a time: the line memo hashes a message of tens of bytes for every line a literal marked, where
 * FNV-1a's byte loop took as long as the rest of the look-up. Mixes as murmur3's finalizer does. */
static inline uint64_t hash_bytes(const void *data, size_t len) {
        const unsigned char *p = data;
        uint64_t h = FNV1A_INIT ^ ((uint64_t) len * UINT64_C(0x9e3779b97f4a7c15)), w;

        for (; len >= 8; p += 8, len -= 8) {
                memcpy(&w, p, 8);
                h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
                h ^= h >> 32;
        }
        w = 0;
        memcpy(&w, p, len);
        h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
        return h ^ (h >> 33);
}
