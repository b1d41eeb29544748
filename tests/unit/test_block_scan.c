/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block_scan.h"
#include "test_common.h"

#define BUF_MAX 20000u

typedef struct Impl {
        const char *name;
        block_scan_fn fn;
} Impl;

static Impl impls[4];
static size_t n_impls;

static int find_impls(void **state) {
        (void) state;
        impls[n_impls++] = (Impl){"portable", block_scan_portable};
#if defined(__x86_64__)
        impls[n_impls++] = (Impl){"sse2", block_scan_sse2};
#if defined(BLOCK_SCAN_AVX2)
        if (block_scan_have_avx2())
                impls[n_impls++] = (Impl){"avx2", block_scan_avx2};
        else
                fprintf(stderr, "test_block_scan: this CPU has no AVX2: block_scan_avx2 NOT TESTED\n");
#else
        fprintf(stderr, "test_block_scan: built with -DVX_SIMD_CLONES=OFF: no AVX2 variant to test\n");
#endif
#endif
        impls[n_impls++] = (Impl){"block_scan", block_scan};
        return 0;
}

typedef struct Map {
        uint64_t bits[BLOCK_SCAN_WORDS(BUF_MAX)];
        uint32_t before[BLOCK_SCAN_WORDS(BUF_MAX)];
} Map;

/* What each implementation must find, a byte at a time. */
static void scan_bytes(const unsigned char *p, size_t len, Map *m, BlockScan *b) {
        *b = (BlockScan){0};
        memset(m, 0, sizeof(*m));
        for (size_t i = 0; i < len; i++) {
                if (i % 64 == 0)
                        m->before[i / 64] = (uint32_t) b->newlines;
                b->nul |= p[i] == 0;
                b->brace |= p[i] == '{';
                b->high |= p[i] >= 0x80;
                b->escape |= p[i] == '\\' || p[i] == 0x1b || p[i] == '^';
                /* 8 blanks from a multiple of 8 */
                if (i % 8 == 0 && i + 8 <= len) {
                        size_t k = 0;
                        while (k < 8 && p[i + k] == ' ')
                                k++;
                        b->padded |= k == 8;
                }
                /* a blank or a tab, or one of the few bytes a single compare takes with them; a blank line
                 */
                b->indent |= ((p[i] | 0x29) == 0x29 || (p[i] >= 'a' && p[i] <= 'z') || p[i] == '\n' ||
                              p[i] == '\r') &&
                        (i == 0 || p[i - 1] == '\n');
                /* a line that ends with a colon, maybe a blank or a CR after it */
                b->indent |= p[i] == '\n' && ((i >= 1 && p[i - 1] == ':') || (i >= 2 && p[i - 2] == ':'));
                if (p[i] == '\n') {
                        m->bits[i / 64] |= UINT64_C(1) << (i % 64);
                        b->newlines++;
                }
        }
}

static void check(const unsigned char *p, size_t len) {
        static Map want, got;
        BlockScan bw, bg;
        scan_bytes(p, len, &want, &bw);
        for (size_t k = 0; k < n_impls; k++) {
                memset(&got, 0xa5, sizeof(got));
                impls[k].fn((const char *) p, len, &(NewlineMap){got.bits, got.before}, &bg);
                if (bg.nul != bw.nul || bg.brace != bw.brace || bg.high != bw.high ||
                    bg.escape != bw.escape || bg.padded != bw.padded || bg.indent != bw.indent ||
                    bg.newlines != bw.newlines)
                        fail_msg("%s, %zu bytes: nul %d brace %d high %d newlines %zu, want %d %d %d %zu",
                                 impls[k].name, len, bg.nul, bg.brace, bg.high, bg.newlines, bw.nul,
                                 bw.brace, bw.high, bw.newlines);
                for (size_t w = 0; w < BLOCK_SCAN_WORDS(len); w++)
                        if (got.bits[w] != want.bits[w] || got.before[w] != want.before[w])
                                fail_msg("%s, %zu bytes, word %zu: %016llx/%u, want %016llx/%u",
                                         impls[k].name, len, w, (unsigned long long) got.bits[w],
                                         got.before[w], (unsigned long long) want.bits[w], want.before[w]);
        }
}

/* Every length into the vector loops and every tail, at several alignments, with the bytes a vector or
 * word-at-a-time test could take for '\n' (its neighbours, 0x8a with its low seven bits). */
static void test_newline_map(void **state) {
        static const unsigned char fill[] = {'\n', 'x',  0x8a, 0x0b, 0x09, '\n', 0x00, 'y', 0xff, '\n', 0x0b,
                                             '{',  0x7f, 0x80, '\\', 0x1b, ' ',  '\t', 'a', 'z',  '`',  ':'};
        static unsigned char buf[BUF_MAX + 8];
        (void) state;
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = fill[(i * 7 + i / 13) % sizeof(fill)];
        for (size_t len = 0; len <= BUF_MAX; len += len < 300 ? 1 : 131)
                for (size_t start = 0; start < 8; start += 3)
                        check(buf + start, len);
        /* Every byte a newline, and none. */
        memset(buf, '\n', sizeof(buf));
        for (size_t len = 0; len <= BUF_MAX; len += 997)
                check(buf, len);
        memset(buf, 'a', sizeof(buf));
        check(buf, BUF_MAX);
}

/* Each flag from one byte anywhere, in the vector loop or the tail, and not without it. */
static void test_flags_from_one_byte(void **state) {
        static const unsigned char lone[] = {0x00, '{',  0x80, 0xff, 0x8a, 0xfb, '\\', 0x1b,
                                             0x9b, 0xdc, ' ',  '\t', 0xa0, '^',  ':'};
        static const size_t lens[] = {1, 63, 64, 65, 127, 128, 200, 257};
        unsigned char buf[300];
        (void) state;
        for (size_t l = 0; l < ELEMENTSOF(lens); l++)
                for (size_t c = 0; c < ELEMENTSOF(lone); c++)
                        for (size_t at = 0; at < lens[l]; at++) {
                                for (size_t i = 0; i < lens[l]; i++)
                                        buf[i] = "plain text\n\x7f\x01z"[i % 14];
                                check(buf, lens[l]);
                                buf[at] = lone[c];
                                check(buf, lens[l]);
                        }
}

/* A marked line's bounds and number from the map, against a walk over the bytes. */
static void test_line_bounds(void **state) {
        static unsigned char buf[1200];
        static Map m;
        BlockScan b;
        uint32_t seed = 7;
        (void) state;
        for (size_t i = 0; i < sizeof(buf); i++) {
                seed = seed * 1103515245u + 12345u;
                /* Runs of newlines, lines of one byte, lines longer than a word or two. */
                buf[i] = (seed >> 16) % (i < 400 ? 3 : 90) == 0 ? '\n' : 'a';
        }
        buf[sizeof(buf) - 1] = '\n';
        block_scan((const char *) buf, sizeof(buf), &(NewlineMap){m.bits, m.before}, &b);
        const NewlineMap map = {m.bits, m.before};
        for (size_t at = 0; at < sizeof(buf); at++) {
                size_t end = at, before = 0;
                while (buf[end] != '\n')
                        end++;
                for (size_t i = 0; i < at; i++)
                        before += buf[i] == '\n';
                assert_int_equal(newline_map_line_end(&map, at), end);
                assert_int_equal(newline_map_count_before(&map, at), before);
                for (size_t from = 0; from <= at; from += from < 140 ? 1 : 61) {
                        size_t start = at;
                        while (start > from && buf[start - 1] != '\n')
                                start--;
                        assert_int_equal(newline_map_line_start(&map, from, at), start);
                }
        }
}

static void test_popcount(void **state) {
        (void) state;
        assert_int_equal(bits_popcount(0), 0);
        assert_int_equal(bits_popcount(~UINT64_C(0)), 64);
        for (unsigned i = 0; i < 64; i++) {
                assert_int_equal(bits_popcount(UINT64_C(1) << i), 1);
                assert_int_equal(bits_popcount(~(UINT64_C(1) << i)), 63);
                assert_int_equal(bits_popcount((UINT64_C(1) << i) - 1), i);
        }
}

/* The indent flag from a line that ends with a colon (a message whose text went on to the next line), in the
 * vector loop and in the tail; lines that start with a capital and end otherwise leave it clear. */
static void test_colon_line_end(void **state) {
        static unsigned char buf[300];
        static Map m;
        BlockScan b;
        (void) state;
        for (size_t len = 20; len < sizeof(buf); len += 7)
                for (size_t at = 8; at + 4 < len; at += 9) {
                        for (size_t i = 0; i < len; i++)
                                buf[i] = "XY.Z\n"[i % 5];
                        block_scan((const char *) buf, len, &(NewlineMap){m.bits, m.before}, &b);
                        assert_false(b.indent);
                        check(buf, len);
                        buf[at] = ':';
                        buf[at + 1] = 'Q';
                        buf[at + 2] = '.';
                        buf[at + 3] = '\n';
                        if (at + 4 < len)
                                buf[at + 4] = 'X'; /* no blank line after it */
                        block_scan((const char *) buf, len, &(NewlineMap){m.bits, m.before}, &b);
                        assert_false(b.indent);
                        check(buf, len);
                        buf[at + 2] = '\n';
                        buf[at + 1] = at % 2 ? ' ' : '\r';
                        block_scan((const char *) buf, len, &(NewlineMap){m.bits, m.before}, &b);
                        assert_true(b.indent);
                        check(buf, len);
                        buf[at + 1] = '\n';
                        block_scan((const char *) buf, len, &(NewlineMap){m.bits, m.before}, &b);
                        assert_true(b.indent);
                        check(buf, len);
                }
}

/* The indent flag from a blank line (a quoted message may hold one between its lines), empty or a CR alone,
 * in the vector loop and in the tail. */
static void test_blank_line(void **state) {
        static unsigned char buf[300];
        static Map m;
        BlockScan b;
        (void) state;
        for (size_t len = 20; len < sizeof(buf); len += 7)
                for (size_t at = 8; at + 2 < len; at += 9) {
                        for (size_t i = 0; i < len; i++)
                                buf[i] = "XY.Z\n"[i % 5];
                        buf[at] = '\n';
                        buf[at + 1] = at % 2 ? '\n' : '\r';
                        block_scan((const char *) buf, len, &(NewlineMap){m.bits, m.before}, &b);
                        assert_true(b.indent);
                        check(buf, len);
                }
}

/* The padded flag from a run of blanks (a terminal's wrap copied as blanks): every run of 31 or more holds
 * 16 at a multiple of 16, in the vector loop and in the tail, whatever the implementation; a run of 15 none.
 */
static void test_padding(void **state) {
        static unsigned char buf[400];
        static Map m;
        BlockScan b;
        (void) state;
        for (size_t len = 40; len < sizeof(buf); len += 13)
                for (size_t at = 0; at + 31 <= len; at += 5)
                        for (size_t run = 7; run <= 15; run += 8) {
                                for (size_t i = 0; i < len; i++)
                                        buf[i] = "XY.Z-\n"[i % 6];
                                memset(buf + at, ' ', run);
                                block_scan((const char *) buf, len, &(NewlineMap){m.bits, m.before}, &b);
                                assert_int_equal(b.padded, run == 15);
                                check(buf, len);
                        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_newline_map),    cmocka_unit_test(test_flags_from_one_byte),
                cmocka_unit_test(test_colon_line_end), cmocka_unit_test(test_blank_line),
                cmocka_unit_test(test_padding),        cmocka_unit_test(test_line_bounds),
                cmocka_unit_test(test_popcount),
        };
        return cmocka_run_group_tests(tests, find_impls, NULL);
}
