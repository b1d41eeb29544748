/* SPDX-License-Identifier: MIT */
#pragma once

/* FNV-1a, the one string hash of the project's hash tables (hits, group links, the pattern cache). */

#include <stddef.h>
#include <stdint.h>

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
