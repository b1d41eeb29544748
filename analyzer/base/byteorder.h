/* SPDX-License-Identifier: MIT */
#pragma once

/* Little-endian integers of the blobs the build writes into the binary (the pattern cache, the literal
 * database), read and written a byte at a time: the same on every host, at any alignment. */

#include <stddef.h>
#include <stdint.h>

static inline void put_le(uint8_t *p, uint64_t v, size_t bytes) {
        for (size_t i = 0; i < bytes; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static inline uint64_t get_le(const uint8_t *p, size_t bytes) {
        uint64_t v = 0;
        for (size_t i = 0; i < bytes; i++)
                v |= (uint64_t) p[i] << (8 * i);
        return v;
}
