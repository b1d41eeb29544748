/* SPDX-License-Identifier: MIT */
/* --since/--until: journal_parse_time() reads what journalctl reads (systemd's parse_timestamp() and
 * parse_sec()), in UTC, in an offset, in a named zone and relative to a fixed now; and refuses what
 * journalctl refuses. */
#include "test_common.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "journal.h"

#define S UINT64_C(1000000)
/* Sat 2024-11-23 15:30:00 UTC */
#define NOW (UINT64_C(1732375800) * S)
/* 2024-11-23 00:00:00 UTC */
#define DAY0 (UINT64_C(1732320000) * S)

static int setup_utc(void **state) {
        setenv("TZ", "UTC", 1);
        tzset();
        return 0;
}

static void expect(const char *s, uint64_t want) {
        uint64_t got = 0;
        int r = journal_parse_time(s, NOW, &got);
        if (r < 0 || got != want)
                fail_msg("'%s': r=%d got %llu want %llu", s, r, (unsigned long long) got,
                         (unsigned long long) want);
}

static void refuse(const char *s) {
        uint64_t got = 0;
        if (journal_parse_time(s, NOW, &got) >= 0)
                fail_msg("'%s' accepted as %llu", s, (unsigned long long) got);
}

static void test_words(void **state) {
        expect("now", NOW);
        expect("today", DAY0);
        expect("yesterday", DAY0 - 86400 * S);
        expect("tomorrow", DAY0 + 86400 * S);
}

static void test_relative(void **state) {
        expect("-2h", NOW - 7200 * S);
        expect("-30min", NOW - 1800 * S);
        expect("-5days", NOW - 5 * 86400 * S);
        expect("+5min", NOW + 300 * S);
        expect("-90", NOW - 90 * S); /* a bare number is seconds */
        expect("2 hours ago", NOW - 7200 * S);
        expect("1h 30min ago", NOW - 5400 * S);
        expect("1.5h ago", NOW - 5400 * S);
        expect("1h 30min left", NOW + 5400 * S);
        expect("-1w", NOW - 7 * 86400 * S);
        expect("-250ms", NOW - 250000);
        expect("-2 weeks 3d", NOW - 17 * 86400 * S);
}

static void test_absolute(void **state) {
        expect("@1732089488", UINT64_C(1732089488) * S);
        expect("@1732089488.843201", UINT64_C(1732089488843201));
        expect("2024-11-23", DAY0);
        expect("24-11-23", DAY0);
        expect("2024-11-23 10:00", DAY0 + 36000 * S);
        expect("2024-11-23 10:00:05", DAY0 + 36005 * S);
        expect("2024-11-23 10:00:05.5", DAY0 + 36005 * S + 500000);
        expect("2024-11-23T10:00:05", DAY0 + 36005 * S);
        expect("2024-11-23T10:00", DAY0 + 36000 * S);
        expect("10:00", DAY0 + 36000 * S);
        expect("10:00:05", DAY0 + 36005 * S);
        expect("Nov 23 10:00:05", DAY0 + 36005 * S); /* journalctl's own short format */
        expect("Sat 2024-11-23 10:00", DAY0 + 36000 * S);
        expect("saturday 2024-11-23", DAY0);
}

static void test_zones(void **state) {
        expect("2024-11-23T10:00:05Z", DAY0 + 36005 * S);
        expect("2024-11-23 10:00 UTC", DAY0 + 36000 * S);
        expect("2024-11-23 12:00 +02:00", DAY0 + 36000 * S);
        expect("2024-11-23 12:00 +0200", DAY0 + 36000 * S);
        expect("2024-11-23T12:00:00+02:00", DAY0 + 36000 * S);
        expect("2024-11-23 05:00 -05", DAY0 + 36000 * S);
        /* Central European Time in November: UTC+1. */
        expect("2024-11-23 11:00 Europe/Berlin", DAY0 + 36000 * S);
        /* The zone is set back: the next local time is UTC again. */
        expect("2024-11-23 10:00", DAY0 + 36000 * S);
        /* And in a local zone other than UTC, a time without a zone is that zone's. */
        setenv("TZ", ":Europe/Berlin", 1);
        tzset();
        expect("2024-11-23 11:00", DAY0 + 36000 * S);
        expect("today", DAY0 - 3600 * S);
        expect("2024-11-23 11:00 CET", DAY0 + 36000 * S);
        setup_utc(NULL);
}

static void test_refused(void **state) {
        refuse("");
        refuse("yesterday-ish");
        refuse("soon");
        refuse("-");
        refuse("-2x");
        refuse("3. ago");
        refuse("2 hours");
        refuse("2024-13-01");
        refuse("2024-11-23 25:00");
        refuse("Mon 2024-11-23"); /* a Saturday */
        refuse("2024-11-23 10:00 Nowhere/Atlantis");
        refuse("2024-11-23 10:00 ../../etc/passwd");
        refuse("@");
        refuse("-99999999999999999999h");
        refuse("+10000y");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_words),    cmocka_unit_test(test_relative),
                cmocka_unit_test(test_absolute), cmocka_unit_test(test_zones),
                cmocka_unit_test(test_refused),
        };
        return cmocka_run_group_tests(tests, setup_utc, NULL);
}
