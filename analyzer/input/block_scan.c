/* SPDX-License-Identifier: MIT */
/* One pass over every byte of a block of lines: NUL, '{' and high bytes, and where each line ends. */
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "block_scan.h"
#include "swar.h"

/* A line that starts so may continue the line before it: indented, or a small letter (a message
 * hard-wrapped without an indent, paste_wrap_continues()), or '(' (an errno's); or it is blank (a newline or
 * a CR at once), which a quoted message may hold. NUL, 0x01, 0x08, '!' and ')' too, which a blank's compare
 * with 0x29 or'ed in took before and only make the reader look at a block's lines for nothing. A table: one
 * load for what took eight compares and branches, on every newline of a block that has no such line. */
static const bool starts_continuation[256] = {
        [0x00] = true, [0x01] = true, [0x08] = true, ['\t'] = true, [' '] = true,         ['!'] = true,
        ['('] = true,  [')'] = true,  ['\n'] = true, ['\r'] = true, ['a' ... 'z'] = true,
};
#define CONTINUES(c) (starts_continuation[(unsigned char) (c)])

/* '\\' (0x5c) and '^' (0x5e) differ in bit 1 alone: one compare with it or'ed in finds both. */
#define BACKSLASH_CARET_BIT 0x02
#define BACKSLASH_OR_CARET 0x5e

/* A line with a colon one or two bytes before its newline text[end] may end with a colon, maybe a blank or
 * a CR after it, and go on on the next line whatever that starts with (paste_wrap_continues(), which tells
 * the other lines apart). */
#define ENDS_WITH_COLON(text, end) \
        ((end) >= 1 && ((text)[(end) -1] == ':' || ((end) >= 2 && (text)[(end) -2] == ':')))

/* Whether a line after one of the newlines of the word at i (bits, one per byte) may continue the line
 * before it: a look at the byte after each newline and the two before it, which costs less than a compare of
 * every byte with the one before it (a line is about a hundred), and none once one such line is found. */
static inline bool indented_after(const char *text, size_t len, size_t i, uint64_t bits) {
        bool any = false;
        for (; bits; bits &= bits - 1) {
                size_t nl = i + (size_t) __builtin_ctzll(bits);
                any |= (nl + 1 < len && CONTINUES(text[nl + 1])) | ENDS_WITH_COLON(text, nl);
        }
        return any;
}

/* Bytes from the last whole word of 64 on, one at a time; word is the first word they fill. */
static void scan_tail(const unsigned char *p, size_t len, size_t from, size_t word, const NewlineMap *map,
                      uint32_t count, BlockScan *b) {
        uint64_t bits = 0;
        unsigned blanks = 0; /* of the 8 bytes from the last multiple of 8 */
        for (size_t i = from; i < len; i++) {
                blanks = (i % 8 == 0 ? 0 : blanks) + (p[i] == ' ');
                b->padded |= blanks == 8;
                b->nul |= p[i] == 0;
                b->brace |= p[i] == '{';
                b->high |= p[i] >= 0x80;
                b->escape |= p[i] == '\\' || p[i] == 0x1b || p[i] == '^';
                b->indent |= (CONTINUES(p[i]) && (i == 0 || p[i - 1] == '\n')) ||
                        (p[i] == '\n' && ENDS_WITH_COLON(p, i));
                bits |= (uint64_t) (p[i] == '\n') << (i - from);
        }
        if (from < len) {
                map->before[word] = count;
                map->bits[word] = bits;
                count += bits_popcount(bits);
        }
        b->newlines = count;
}

void block_scan_portable(const char *text, size_t len, const NewlineMap *map, BlockScan *ret) {
        uint64_t nul = 0, brace = 0, high = 0, escape = 0;
        uint32_t count = 0;
        BlockScan b = {.indent = len > 0 && CONTINUES((unsigned char) text[0])};
        size_t i = 0, w = 0;

        for (; i + 64 <= len; i += 64, w++) {
                uint64_t bits = 0;
                for (unsigned k = 0; k < 8; k++) {
                        uint64_t v = swar_load_le64(text + i + 8 * k);
                        b.padded |= v == SWAR_ONES * ' ';
                        nul |= swar_bytes_equal(v, 0);
                        brace |= swar_bytes_equal(v, '{');
                        high |= v;
                        escape |=
                                swar_bytes_equal(v | (SWAR_ONES * BACKSLASH_CARET_BIT), BACKSLASH_OR_CARET) |
                                swar_bytes_equal(v, 0x1b);
                        bits |= swar_marks_to_bits(swar_bytes_equal(v, '\n')) << (8 * k);
                }
                b.indent |= indented_after(text, len, i, bits);
                map->before[w] = count;
                map->bits[w] = bits;
                count += bits_popcount(bits);
        }
        b.nul = nul != 0;
        b.brace = brace != 0;
        b.high = (high & SWAR_HIGH) != 0;
        b.escape = escape != 0;
        scan_tail((const unsigned char *) text, len, i, w, map, count, &b);
        *ret = b;
}

#if defined(__x86_64__)
/* The x86-64 baseline: four 16-byte vectors to a word of the map. NUL is found as a zero minimum. */
void block_scan_sse2(const char *text, size_t len, const NewlineMap *map, BlockScan *ret) {
        const __m128i nl = _mm_set1_epi8('\n'), br = _mm_set1_epi8('{'),
                      bs = _mm_set1_epi8(BACKSLASH_OR_CARET), bs_bit = _mm_set1_epi8(BACKSLASH_CARET_BIT),
                      esc = _mm_set1_epi8(0x1b), blank = _mm_set1_epi8(' ');
        __m128i least = _mm_set1_epi8((char) 0xff), brace = _mm_setzero_si128(), high = brace,
                escape = brace, padded = brace;
        uint32_t count = 0;
        BlockScan b = {.indent = len > 0 && CONTINUES((unsigned char) text[0])};
        size_t i = 0, w = 0;

        for (; i + 64 <= len; i += 64, w++) {
                uint64_t bits = 0;
                for (unsigned k = 0; k < 4; k++) {
                        __m128i v = _mm_loadu_si128((const __m128i *) (text + i + 16 * k));
                        least = _mm_min_epu8(least, v);
                        brace = _mm_or_si128(brace, _mm_cmpeq_epi8(v, br));
                        escape = _mm_or_si128(escape,
                                              _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(v, bs_bit), bs),
                                                           _mm_cmpeq_epi8(v, esc)));
                        high = _mm_or_si128(high, v);
                        /* a word of 8 blanks: both halves of a 64-bit lane equal to four of them */
                        __m128i halves = _mm_cmpeq_epi32(v, blank);
                        padded =
                                _mm_or_si128(padded, _mm_and_si128(halves, _mm_shuffle_epi32(halves, 0xb1)));
                        bits |= (uint64_t) (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * k);
                }
                if (!b.indent)
                        b.indent = indented_after(text, len, i, bits);
                map->before[w] = count;
                map->bits[w] = bits;
                count += bits_popcount(bits);
        }
        b.nul = _mm_movemask_epi8(_mm_cmpeq_epi8(least, _mm_setzero_si128())) != 0;
        b.brace = _mm_movemask_epi8(brace) != 0;
        b.high = _mm_movemask_epi8(high) != 0;
        b.escape = _mm_movemask_epi8(escape) != 0;
        b.padded = _mm_movemask_epi8(padded) != 0;
        scan_tail((const unsigned char *) text, len, i, w, map, count, &b);
        *ret = b;
}

#if defined(BLOCK_SCAN_AVX2)
/* Two 32-byte vectors to a word of the map, and the count by popcnt (every AVX2 CPU has it). */
__attribute__((target("avx2,popcnt"))) void block_scan_avx2(const char *text, size_t len,
                                                            const NewlineMap *map, BlockScan *ret) {
        const __m256i nl = _mm256_set1_epi8('\n'), br = _mm256_set1_epi8('{'),
                      bs = _mm256_set1_epi8(BACKSLASH_OR_CARET),
                      bs_bit = _mm256_set1_epi8(BACKSLASH_CARET_BIT), esc = _mm256_set1_epi8(0x1b),
                      blank = _mm256_set1_epi8(' ');
        __m256i least = _mm256_set1_epi8((char) 0xff), brace = _mm256_setzero_si256(), high = brace,
                escape = brace, padded = brace;
        uint32_t count = 0;
        BlockScan b = {.indent = len > 0 && CONTINUES((unsigned char) text[0])};
        size_t i = 0, w = 0;

        for (; i + 64 <= len; i += 64, w++) {
                __m256i lo = _mm256_loadu_si256((const __m256i *) (text + i)),
                        hi = _mm256_loadu_si256((const __m256i *) (text + i + 32));
                least = _mm256_min_epu8(least, _mm256_min_epu8(lo, hi));
                brace = _mm256_or_si256(
                        brace, _mm256_or_si256(_mm256_cmpeq_epi8(lo, br), _mm256_cmpeq_epi8(hi, br)));
                high = _mm256_or_si256(high, _mm256_or_si256(lo, hi));
                /* a word of 8 blanks: a 64-bit lane equal to eight of them */
                padded = _mm256_or_si256(
                        padded,
                        _mm256_or_si256(_mm256_cmpeq_epi64(lo, blank), _mm256_cmpeq_epi64(hi, blank)));
                escape =
                        _mm256_or_si256(escape,
                                        _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_or_si256(lo, bs_bit), bs),
                                                        _mm256_cmpeq_epi8(_mm256_or_si256(hi, bs_bit), bs)));
                escape = _mm256_or_si256(
                        escape, _mm256_or_si256(_mm256_cmpeq_epi8(lo, esc), _mm256_cmpeq_epi8(hi, esc)));
                uint64_t bits = (uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, nl)) |
                        (uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, nl)) << 32;
                if (!b.indent)
                        b.indent = indented_after(text, len, i, bits);
                map->before[w] = count;
                map->bits[w] = bits;
                count += (uint32_t) _mm_popcnt_u64(bits);
        }
        b.nul = _mm256_movemask_epi8(_mm256_cmpeq_epi8(least, _mm256_setzero_si256())) != 0;
        b.brace = _mm256_movemask_epi8(brace) != 0;
        b.high = _mm256_movemask_epi8(high) != 0;
        b.escape = _mm256_movemask_epi8(escape) != 0;
        b.padded = _mm256_movemask_epi8(padded) != 0;
        scan_tail((const unsigned char *) text, len, i, w, map, count, &b);
        *ret = b;
}
#endif
#endif

bool block_scan_have_avx2(void) {
#if defined(BLOCK_SCAN_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#else
        return false;
#endif
}

void block_scan(const char *text, size_t len, const NewlineMap *map, BlockScan *ret) {
#if defined(BLOCK_SCAN_AVX2)
        if (block_scan_have_avx2()) {
                block_scan_avx2(text, len, map, ret);
                return;
        }
#endif
#if defined(__x86_64__)
        block_scan_sse2(text, len, map, ret);
#else
        block_scan_portable(text, len, map, ret);
#endif
}
