/* SPDX-License-Identifier: MIT */
#pragma once

/* One pass over every byte of a block of lines (analyzer/analysis/feed.c): what the literal pass alone
 * cannot deal with, and where the lines end, as a bitmap that finds a marked line's bounds and number in a
 * few word operations. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct BlockScan {
        bool nul; /* a NUL byte */
        bool brace; /* a '{' (journal JSON starts its lines with one) */
        bool high; /* a byte >= 0x80 (only such a line can be invalid UTF-8) */
        bool escape; /* a '\\', an ESC or a '^': an escaped value or a colour (also in caret notation), which
                      * the pasted-text stage undoes */
        bool indent; /* a line may start with a blank, a tab or a small letter, or be blank (block_scan.c
                      * CONTINUES()), or end with a colon: a continuation */
        bool padded; /* 8 blanks at a multiple of 8 bytes from the block's start, as a run of 15 or more
                      * has: maybe a terminal's wrap copied as blanks (paste_has_wrap_padding()) */
        size_t newlines;
} BlockScan;

/* Where the '\n' of a block are: bit i % 64 of bits[i / 64] for byte i, and before[w] the newlines of the
 * words before word w. The caller's arrays hold BLOCK_SCAN_WORDS(len) words. */
typedef struct NewlineMap {
        uint64_t *bits;
        uint32_t *before;
} NewlineMap;

#define BLOCK_SCAN_WORDS(len) (((len) + 63) / 64)

/* Scans text[0..len) (len below 2^32), filling map's first BLOCK_SCAN_WORDS(len) words (the bits past len
 * clear), with the widest implementation this CPU runs. */
void block_scan(const char *text, size_t len, const NewlineMap *map, BlockScan *ret);

/* The implementations, for the test that holds each to a byte loop. */
typedef void (*block_scan_fn)(const char *text, size_t len, const NewlineMap *map, BlockScan *ret);
void block_scan_portable(const char *text, size_t len, const NewlineMap *map, BlockScan *ret);
#if defined(__x86_64__)
void block_scan_sse2(const char *text, size_t len, const NewlineMap *map, BlockScan *ret);
#if !defined(VX_NO_SIMD_CLONES)
#define BLOCK_SCAN_AVX2 1
void block_scan_avx2(const char *text, size_t len, const NewlineMap *map, BlockScan *ret);
#endif
#endif
/* Whether this CPU runs block_scan_avx2(). */
bool block_scan_have_avx2(void);

/* A word's set bits, a word at a time: the baseline x86-64 has no popcnt (GCC calls libgcc for it). */
static inline unsigned bits_popcount(uint64_t x) {
        x -= (x >> 1) & UINT64_C(0x5555555555555555);
        x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
        x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
        return (unsigned) ((x * UINT64_C(0x0101010101010101)) >> 56);
}

/* The newlines of the block before byte pos. */
static inline size_t newline_map_count_before(const NewlineMap *m, size_t pos) {
        uint64_t below = (UINT64_C(1) << (pos % 64)) - 1;
        return m->before[pos / 64] + bits_popcount(m->bits[pos / 64] & below);
}

/* The first byte of the line that holds byte at: after the last newline in [from, at), or from. */
static inline size_t newline_map_line_start(const NewlineMap *m, size_t from, size_t at) {
        while (at > from) {
                size_t w = (at - 1) / 64;
                uint64_t word = m->bits[w] & (~UINT64_C(0) >> (63 - (at - 1) % 64));
                if (word) {
                        size_t nl = w * 64 + 63 - (size_t) __builtin_clzll(word);
                        return nl >= from ? nl + 1 : from;
                }
                at = w * 64;
        }
        return from;
}

/* The newline that ends the line holding byte at (the block ends in one). */
static inline size_t newline_map_line_end(const NewlineMap *m, size_t at) {
        size_t w = at / 64;
        uint64_t word = m->bits[w] & (~UINT64_C(0) << (at % 64));
        while (!word)
                word = m->bits[++w];
        return w * 64 + (size_t) __builtin_ctzll(word);
}
