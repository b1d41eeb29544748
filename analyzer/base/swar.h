/* SPDX-License-Identifier: MIT */
#pragma once

/* Byte tests on eight bytes at a time (SIMD within a register), for the hot loops that read log text: each
 * returns 0x80 in every byte of the word that passes, exact per byte (no carry or borrow from one byte
 * into the next, so a byte's result never depends on its neighbours). */

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* One bit for each byte that a result of the tests above marks, the first byte in the low bit: each byte's
 * mark, moved to its low bit and multiplied, lands in bit 56 + its index, and no partial product carries
 * into those bits. */
static inline uint64_t swar_marks_to_bits(uint64_t marks) {
        return ((marks >> 7) * UINT64_C(0x0102040810204080)) >> 56;
}
