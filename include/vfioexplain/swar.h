/* SPDX-License-Identifier: MIT */
#pragma once

/* Byte tests on eight bytes at a time (SIMD within a register), for the hot loops that read log text: each
 * returns 0x80 in every byte of the word that passes, exact per byte (no carry or borrow from one byte
 * into the next, so a byte's result never depends on its neighbours). And the sum of a vector's byte
 * lanes, for the loops that count with them. */

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vfioexplain/macro.h"

#define SWAR_HIGH UINT64_C(0x8080808080808080)
#define SWAR_ONES UINT64_C(0x0101010101010101)

/* The 8 bytes at p, the first in the low byte. */
static inline uint64_t swar_load_le64(const char *p) {
        uint64_t w;
        memcpy(&w, p, sizeof(w));
        return le64toh(w);
}

/* The bytes of w equal to c. */
static inline uint64_t swar_bytes_equal(uint64_t w, unsigned char c) {
        const uint64_t x = w ^ (SWAR_ONES * c), low7 = ~SWAR_HIGH;
        return ~(((x & low7) + low7) | x) & SWAR_HIGH;
}

/* The bytes of w that are ASCII digits: a byte below 0x80 plus 0x50 reaches 0x80 from '0' on, plus 0x46
 * from ':' on, and neither sum carries into the next byte. */
static inline uint64_t swar_digit_bytes(uint64_t w) {
        const uint64_t low7 = w & ~SWAR_HIGH;
        return (low7 + SWAR_ONES * 0x50) & ~(low7 + SWAR_ONES * 0x46) & ~w & SWAR_HIGH;
}

/* How many bytes a result of the tests above marks. */
static inline unsigned swar_count(uint64_t marks) {
        return (unsigned) (((marks >> 7) * SWAR_ONES) >> 56);
}

/* The sum of the 32 byte lanes of *counts (each at most 255), as the vector loops over a block count: the
 * bytes summed in pairs (at most 510), then the four pairs of each 64-bit word by a multiply. (A pointer:
 * a 32-byte vector passed by value has another ABI with AVX than without.) */
static inline size_t bytes32_sum(const VxBytes32 *counts) {
        typedef uint64_t Words4 __attribute__((vector_size(32)));
        const uint64_t even_bytes = UINT64_C(0x00ff00ff00ff00ff);
        Words4 w = (Words4) *counts, pairs = (w & even_bytes) + ((w >> 8) & even_bytes);
        size_t n = 0;
        for (unsigned k = 0; k < 4; k++)
                n += (size_t) ((pairs[k] * UINT64_C(0x0001000100010001)) >> 48);
        return n;
}
