/* SPDX-License-Identifier: MIT */
/* report --redact: every kind of secret is replaced, the same value by the same token, different values
 * by different tokens; what only looks similar (PCI addresses, kernel timestamps, the inside of a longer
 * hex-pair id) stays; values are found as whole words only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vfioexplain/limits.h"

#include "redact.h"
#include "test_common.h"

static char *redact(Redactor *r, const char *text) {
        StrBuf b = {0};
        assert_int_equal(redactor_learn(r, text, strlen(text)), 0);
        assert_int_equal(redactor_apply(r, text, strlen(text), &b), 0);
        return strbuf_steal(&b);
}

static void test_known_values(void **state) {
        (void) state;
        Redactor *r;
        assert_int_equal(redactor_new(&r), 0);
        assert_int_equal(redactor_add(r, REDACT_HOST, "pve1", 4), 0);
        assert_int_equal(redactor_add(r, REDACT_USER, "alice", 5), 0);
        assert_int_equal(redactor_add(r, REDACT_USER, "x", 1), 0); /* too short: ignored */
        char *o =
                redact(r, "Nov 23 10:00:01 pve1 kernel: x pve1.lan alice /home/alice/vm.qcow2 pve10 malice");
        assert_string_equal(o,
                            "Nov 23 10:00:01 [redacted-host-1] kernel: x [redacted-host-1].lan "
                            "[redacted-user-1] /home/[redacted-user-1]/vm.qcow2 pve10 malice");
        free(o);
        assert_int_equal(redactor_count(r, REDACT_HOST), 1);
        assert_int_equal(redactor_count(r, REDACT_USER), 1);
        redactor_free(r);
}

static void test_learned(void **state) {
        (void) state;
        Redactor *r;
        assert_int_equal(redactor_new(&r), 0);
        /* Formats: drivers/usb/core/hub.c announce_device(), lspci -vv "Device Serial Number",
         * libvirt <serial>, QEMU -device ...,serial=. The serial is replaced where it recurs too. */
        char *o = redact(r,
                         "usb 1-4: SerialNumber: 4C530001230919117112\n"
                         "\tCapabilities: [100 v1] Device Serial Number 00-1b-21-ff-ff-a5-4c-10\n"
                         "<serial>S4EWNX0R123456</serial> -drive file=/home/bob/w.img,serial=S4EWNX0R123456 "
                         "4C530001230919117112 serial='Q1W2E3'");
        assert_string_equal(o,
                            "usb 1-4: SerialNumber: [redacted-serial-1]\n"
                            "\tCapabilities: [100 v1] Device Serial Number [redacted-serial-2]\n"
                            "<serial>[redacted-serial-3]</serial> -drive "
                            "file=/home/[redacted-user-1]/w.img,serial=[redacted-serial-3] "
                            "[redacted-serial-1] serial='[redacted-serial-4]'");
        free(o);
        redactor_free(r);
}

static void test_shapes(void **state) {
        (void) state;
        Redactor *r;
        assert_int_equal(redactor_new(&r), 0);
        char *o = redact(
                r,
                "e1000e 0000:00:19.0 eth0: (PCI Express:2.5GT/s:Width x1) 52:54:00:12:34:56 "
                "uuid 4dea24b3-1d52-d8f3-2516-782e98a23fa0 MAC 52-54-00-12-34-56 again 52:54:00:12:34:56 "
                "other 52:54:00:ab:cd:ef boot 0eafba92c0d14a489f0479b054f9596a; "
                "[ 1534.002871] fault addr 0x7f3c2000 dsn 00:1b:21:ff:ff:a5:4c:10 "
                "UUID 4DEA24B3-1D52-D8F3-2516-782E98A23FA0");
        assert_string_equal(o,
                            "e1000e 0000:00:19.0 eth0: (PCI Express:2.5GT/s:Width x1) [redacted-mac-1] "
                            "uuid [redacted-uuid-1] MAC [redacted-mac-2] again [redacted-mac-1] "
                            "other [redacted-mac-3] boot [redacted-id-1]; "
                            "[ 1534.002871] fault addr 0x7f3c2000 dsn [redacted-serial-1] "
                            "UUID [redacted-uuid-2]");
        free(o);
        assert_int_equal(redactor_count(r, REDACT_MAC), 3);
        assert_int_equal(redactor_count(r, REDACT_UUID), 2);
        assert_int_equal(redactor_count(r, REDACT_ID), 1);
        assert_int_equal(redactor_count(r, REDACT_SERIAL), 1);
        redactor_free(r);
}

/* Whatever the bytes, apply() copies or replaces and never reads beyond len. */
static void test_edges(void **state) {
        (void) state;
        Redactor *r;
        StrBuf b = {0};
        static const char *const cuts[] = {"52:54:00:12:34", "4dea24b3-1d52-d8f3-2516",         "/home/",
                                           "serial=",        "0eafba92c0d14a489f0479b054f9596", ""};
        assert_int_equal(redactor_new(&r), 0);
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
                strbuf_reset(&b);
                assert_int_equal(redactor_learn(r, cuts[i], strlen(cuts[i])), 0);
                assert_int_equal(redactor_apply(r, cuts[i], strlen(cuts[i]), &b), 0);
                assert_string_equal(strbuf_str(&b), cuts[i]);
        }
        strbuf_done(&b);
        redactor_free(r);
}

/* A secret is replaced only where it starts and ends between characters: "\xa9tx" inside "\xc3\xa9tx"
 * ("étx") would split the character and leave invalid UTF-8 (found by fuzz_redact). */
static void test_utf8_kept(void **state) {
        (void) state;
        Redactor *r;
        StrBuf b = {0};
        assert_int_equal(redactor_new(&r), 0);
        assert_int_equal(redactor_add(r, REDACT_HOST, "\xa9tx", 3), 0);
        assert_int_equal(redactor_add(r, REDACT_USER, "al\xc3", 3), 0);
        const char *text = "\xc3\xa9tx al\xc3\xa9 \xa9tx";
        assert_int_equal(redactor_apply(r, text, strlen(text), &b), 0);
        assert_string_equal(strbuf_str(&b), text);
        strbuf_done(&b);
        redactor_free(r);
}

/* report --redact writes a document redacted in pieces cut after a newline: a secret ends at a newline as at
 * the end of the text, and one that holds a newline is never taken. Each line below puts a secret against
 * the cut, on one side or the other. */
static void test_by_lines(void **state) {
        (void) state;
        static const char text[] =
                "host pve1\npve1\n52:54:00:12:34:56\n4dea24b3-1d52-d8f3-2516-782e98a23fa0\n"
                "serial=S1234\nS1234 x\n0eafba92c0d14a489f0479b054f95968\nlast pve1\nS1234";
        Redactor *whole, *by_line;
        StrBuf a = {0}, b = {0};
        assert_int_equal(redactor_new(&whole), 0);
        assert_int_equal(redactor_new(&by_line), 0);
        assert_int_equal(redactor_add(whole, REDACT_HOST, "pve1", 4), 0);
        assert_int_equal(redactor_add(by_line, REDACT_HOST, "pve1", 4), 0);
        assert_int_equal(redactor_add(whole, REDACT_USER, "pve1\nS1234", 10), 0); /* ignored */
        assert_int_equal(redactor_add(by_line, REDACT_USER, "pve1\nS1234", 10), 0);
        assert_int_equal(redactor_learn(whole, text, strlen(text)), 0);
        assert_int_equal(redactor_learn(by_line, text, strlen(text)), 0);
        assert_int_equal(redactor_apply(whole, text, strlen(text), &a), 0);
        for (const char *p = text; *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t) (nl - p) + 1 : strlen(p);
                assert_int_equal(redactor_apply(by_line, p, n, &b), 0);
                p += n;
        }
        assert_string_equal(
                strbuf_str(&a),
                "host [redacted-host-1]\n[redacted-host-1]\n[redacted-mac-1]\n[redacted-uuid-1]\n"
                "serial=[redacted-serial-1]\n[redacted-serial-1] x\n[redacted-id-1]\n"
                "last [redacted-host-1]\n[redacted-serial-1]");
        assert_string_equal(strbuf_str(&b), strbuf_str(&a));
        assert_int_equal(redactor_count(whole, REDACT_USER), 0);
        strbuf_done(&a);
        strbuf_done(&b);
        redactor_free(whole);
        redactor_free(by_line);
}

static double cpu_seconds(void) {
        struct timespec t;
        assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t), 0);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* Issue 24 #12: as many values as a redactor holds, in a document of 2 MB that names each of them, cost the
 * length of the longest value per word start, not the number of values (4000 took 39 s when each was
 * compared at every word start and the list was sorted again on every insertion); CPU time, which a busy
 * machine changes less than wall time. One value more is refused, by redactor_add() and by
 * redactor_apply() for a shape it finds, and no token is given for it. */
static void test_many_values(void **state) {
        (void) state;
        Redactor *r;
        char v[32];
        assert_int_equal(redactor_new(&r), 0);
        double start = cpu_seconds();
        for (unsigned i = 0; i < VX_REDACT_VALUES_MAX; i++) {
                int n = snprintf(v, sizeof(v), "user%u", i * 7919u % 100000u);
                assert_int_equal(redactor_add(r, REDACT_USER, v, (size_t) n), 0);
        }
        StrBuf text = {0}, out = {0};
        while (text.len < (2u << 20))
                for (unsigned i = 0; i < VX_REDACT_VALUES_MAX; i += 3)
                        strbuf_printf(&text, "a user%u; ", i * 7919u % 100000u);
        assert_false(strbuf_failed(&text));
        assert_int_equal(redactor_apply(r, strbuf_str(&text), text.len, &out), 0);
        double spent = cpu_seconds() - start;
        assert_int_equal(redactor_count(r, REDACT_USER), (VX_REDACT_VALUES_MAX + 2) / 3);
        assert_null(strstr(strbuf_str(&out), " user"));
        assert_non_null(strstr(strbuf_str(&out), "a [redacted-user-1]; a [redacted-user-2]; "));
        assert_true(spent < 1.0);

        assert_int_equal(redactor_add(r, REDACT_USER, "userX", 5), -E2BIG);
        assert_int_equal(redactor_add(r, REDACT_USER, "user0", 5), 0); /* held already */
        strbuf_reset(&out);
        const char *mac = "link 52:54:00:12:34:56 up";
        assert_int_equal(redactor_apply(r, mac, strlen(mac), &out), -E2BIG);
        assert_int_equal(redactor_count(r, REDACT_MAC), 0);
        strbuf_done(&text);
        strbuf_done(&out);
        redactor_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_known_values), cmocka_unit_test(test_learned),
                cmocka_unit_test(test_shapes),       cmocka_unit_test(test_edges),
                cmocka_unit_test(test_utf8_kept),    cmocka_unit_test(test_by_lines),
                cmocka_unit_test(test_many_values),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
