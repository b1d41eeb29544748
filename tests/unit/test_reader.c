/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_common.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/reader.h"

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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lines),
                cmocka_unit_test(test_long_line_is_cut),
                cmocka_unit_test(test_many_chunks),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
