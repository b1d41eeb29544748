/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reader.h"
#include "strparse.h"
#include "test_common.h"
#include "vfioexplain/limits.h"

static int tmp_with(const char *data, size_t len) {
        char path[] = "/tmp/vx-reader-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        unlink(path);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

static void test_lines(void **state) {
        int fd = tmp_with("one\ntwo\n\nlast", 14);
        LineReader r;
        ReadLine l;
        assert_int_equal(line_reader_init(&r, fd), 0);
        assert_int_equal(line_reader_next(&r, &l), 1);
        assert_int_equal(l.len, 3);
        assert_memory_equal(l.text, "one", 3);
        assert_int_equal(l.offset, 0);
        assert_int_equal(line_reader_next(&r, &l), 1);
        assert_int_equal(l.lineno, 2);
        assert_int_equal(l.offset, 4);
        assert_int_equal(line_reader_next(&r, &l), 1);
        assert_int_equal(l.len, 0);
        assert_int_equal(line_reader_next(&r, &l), 1);
        assert_memory_equal(l.text, "last", 4);
        assert_int_equal(line_reader_next(&r, &l), 0);
        line_reader_done(&r);
        close(fd);
}

static void test_long_line_is_cut(void **state) {
        size_t big = 3 * VX_LINE_MAX + 17;
        char *data = malloc(big + 8);
        memset(data, 'x', big);
        memcpy(data + big, "\nafter\n", 7);
        int fd = tmp_with(data, big + 7);
        free(data);
        LineReader r;
        ReadLine l;
        assert_int_equal(line_reader_init(&r, fd), 0);
        assert_int_equal(line_reader_next(&r, &l), 1);
        assert_true(l.cut);
        assert_int_equal(l.len, VX_LINE_MAX);
        assert_int_equal(line_reader_next(&r, &l), 1);
        assert_false(l.cut);
        assert_int_equal(l.lineno, 2);
        assert_memory_equal(l.text, "after", 5);
        assert_int_equal(line_reader_next(&r, &l), 0);
        line_reader_done(&r);
        close(fd);
}

static void test_many_chunks(void **state) {
        /* Lines that straddle every read boundary come out whole. */
        size_t n = 200000;
        char *data = malloc(n * 12 + 1);
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
                len += (size_t) sprintf(data + len, "line %06zu\n", i);
        int fd = tmp_with(data, len);
        free(data);
        LineReader r;
        ReadLine l;
        size_t count = 0;
        assert_int_equal(line_reader_init(&r, fd), 0);
        while (line_reader_next(&r, &l) == 1) {
                char want[16];
                snprintf(want, sizeof(want), "line %06zu", count);
                assert_int_equal(l.len, 11);
                assert_memory_equal(l.text, want, 11);
                count++;
        }
        assert_int_equal(count, n);
        line_reader_done(&r);
        close(fd);
}

/* Reading by blocks gives the lines reading by lines gives, with the same cuts, whatever their lengths. */
static size_t newlines_one_by_one(const char *buf, size_t len) {
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
                n += buf[i] == '\n';
        return n;
}

static void test_blocks_are_the_lines(void **state) {
        size_t cap = 8 * VX_LINE_MAX, len = 0;
        char *data = malloc(cap);
        unsigned seed = 1;
        while (len < cap - 3 * VX_LINE_MAX) {
                seed = seed * 1103515245u + 12345u;
                /* Mostly short lines, now and then one at, just over or far over the limit. */
                size_t n = (seed >> 8) % 97 == 0 ? VX_LINE_MAX + (seed >> 20) % 3 - 1
                        : (seed >> 8) % 89 == 0  ? 2 * VX_LINE_MAX + 5
                                                 : (seed >> 16) % 200;
                memset(data + len, 'a' + (char) (seed % 26), n);
                len += n;
                data[len++] = '\n';
        }
        memcpy(data + len, "tail", 4);
        len += 4;

        int fd1 = tmp_with(data, len), fd2 = tmp_with(data, len);
        free(data);
        LineReader lines, blocks;
        ReadLine l;
        ReadBlock b;
        size_t n_lines = 0, n_from_blocks = 0, n_cut = 0;
        assert_int_equal(line_reader_init(&lines, fd1), 0);
        assert_int_equal(line_reader_init(&blocks, fd2), 0);
        while (line_reader_next_block(&blocks, &b) == 1) {
                Span rest = span_make(b.text, b.len), one;
                if (b.single) {
                        rest = span_make(NULL, 0);
                        one = span_make(b.text, b.len);
                }
                assert_true(b.single || (b.len > 0 && b.text[b.len - 1] == '\n'));
                size_t before = n_from_blocks;
                while (b.single || span_next_line(&rest, &one)) {
                        assert_int_equal(line_reader_next(&lines, &l), 1);
                        assert_int_equal(l.len, one.len);
                        assert_memory_equal(l.text, one.p, one.len);
                        assert_int_equal(l.cut, b.single && b.cut);
                        n_cut += l.cut;
                        n_from_blocks++;
                        if (b.single)
                                break;
                }
                if (!b.single)
                        assert_int_equal(newlines_one_by_one(b.text, b.len), n_from_blocks - before);
                n_lines = l.lineno;
        }
        assert_int_equal(line_reader_next(&lines, &l), 0);
        assert_int_equal(n_from_blocks, n_lines);
        assert_true(n_cut > 0);
        line_reader_done(&lines);
        line_reader_done(&blocks);
        close(fd1);
        close(fd2);
}

/* decimal_eat(), the checked strtoul() of the probes: blanks before, digits only, saturating, and nothing
 * moved when no digit follows. */
static void test_decimal_eat(void **state) {
        uint64_t v = 7;
        const char *p = "\t1000\t1001\n", *q;
        assert_true(decimal_eat(&p, &v));
        assert_int_equal(v, 1000);
        assert_true(decimal_eat(&p, &v));
        assert_int_equal(v, 1001);
        assert_string_equal(p, "\n");
        q = p;
        assert_false(decimal_eat(&p, &v));
        assert_ptr_equal(p, q);
        assert_int_equal(v, 1001);
        p = "-1";
        assert_false(decimal_eat(&p, &v));
        p = "+1";
        assert_false(decimal_eat(&p, &v));
        p = "99999999999999999999999:";
        assert_true(decimal_eat(&p, &v));
        assert_true(v == UINT64_MAX);
        assert_string_equal(p, ":");
}

/* An input whose pieces arrive one read at a time (a pipe), each written after the one before is read. */
static int pipe_of(const char *const *pieces, size_t n) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                for (size_t i = 0; i < n; i++) {
                        if (write(p[1], pieces[i], strlen(pieces[i])) < 0)
                                _exit(1);
                        usleep(20000);
                }
                _exit(0);
        }
        close(p[1]);
        return p[0];
}

/* The lines of pieces as the line reader and the block reader give them, each joined by '|'. */
static void assert_lines(const char *const *pieces, size_t n, const char *want) {
        for (int blocks = 0; blocks < 2; blocks++) {
                int fd = pipe_of(pieces, n);
                LineReader r;
                char got[256] = "";
                assert_int_equal(line_reader_init(&r, fd), 0);
                if (!blocks) {
                        ReadLine l;
                        while (line_reader_next(&r, &l) > 0)
                                snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%.*s",
                                         got[0] ? "|" : "", (int) l.len, l.text);
                } else {
                        ReadBlock b;
                        while (line_reader_next_block(&r, &b) > 0) {
                                size_t len = b.len && b.text[b.len - 1] == '\n' ? b.len - 1 : b.len;
                                snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%.*s",
                                         got[0] ? "|" : "", (int) len, b.text);
                        }
                        for (char *c = got; *c; c++)
                                if (*c == '\n')
                                        *c = '|';
                }
                line_reader_done(&r);
                close(fd);
                while (wait(NULL) > 0)
                        ;
                assert_string_equal(got, want);
        }
}

/* Issue 24 #13: lone '\r' ends lines when it is the input's first line end, also where a read ends
 * between a '\r' and what follows; "\r\n" stays one line end (the '\r' kept, as the classifier drops it);
 * an input whose first line end is '\n' keeps its other '\r's inside lines. */
static void test_line_ends(void **state) {
        assert_lines((const char *const[]){"one\rtwo\rthree"}, 1, "one|two|three");
        assert_lines((const char *const[]){"one\r", "two\r", "three\r"}, 3, "one|two|three");
        assert_lines((const char *const[]){"one", "\r", "two\r\n", "three"}, 4, "one|two\r|three");
        assert_lines((const char *const[]){"one\r", "\ntwo\r\n"}, 2, "one\r|two\r");
        assert_lines((const char *const[]){"one\r\n", "two\rstill two\n"}, 2, "one\r|two\rstill two");
        assert_lines((const char *const[]){"one\n", "two\rstill two\n"}, 2, "one|two\rstill two");
        assert_lines((const char *const[]){"one\rtwo\r\nthree\r"}, 1, "one|two\r|three");
        assert_lines((const char *const[]){"\r"}, 1, "");
}

/* span_nth_word(), the fields of a /proc table ("36 35 259:2 / / rw - ext4 /dev/nvme0n1p2 rw"): blanks of
 * any run length between, none counted before the first, and false past the last. */
static void test_nth_word(void **state) {
        Span s = span_from_str("  eno1\t00000000  0102A8C0 0003"), w;
        assert_true(span_nth_word(s, 0, &w));
        assert_true(span_equals(w, "eno1"));
        assert_true(span_nth_word(s, 1, &w));
        assert_true(span_equals(w, "00000000"));
        assert_true(span_nth_word(s, 3, &w));
        assert_true(span_equals(w, "0003"));
        assert_false(span_nth_word(s, 4, &w));
        s = span_from_str(" \t ");
        assert_false(span_eat_word(&s, &w));
        assert_int_equal(s.len, 3);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lines),       cmocka_unit_test(test_long_line_is_cut),
                cmocka_unit_test(test_many_chunks), cmocka_unit_test(test_blocks_are_the_lines),
                cmocka_unit_test(test_decimal_eat), cmocka_unit_test(test_line_ends),
                cmocka_unit_test(test_nth_word),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
