/* SPDX-License-Identifier: MIT */
/* The message inventory: rows parsed and refused, checked against rules, and what each example gives alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inventory.h"
#include "rules_cmd.h"
#include "test_common.h"

/* Rules made for the checks below: c-one explains c-two, so a line both name gives c-one alone; f-one's
 * rule also reads a line that r-one reads. */
static const char rules_text[] =
        "[cause c-one]\ntitle = One\nmeans = M\nscope = host\nexplains = c-two\n\n[cause c-two]\ntitle = Two\nmeans = M\nscope = host\n\n[symptom s-one]\ntitle = S\nsuggests = c-two\n\n[rule r-one]\nsource = kernel\ncause = c-one\nstrength = confirmed\ncontent = one two\npattern = ^one two$\norigin = linux x.c f()\nexample = [    1.000000] one two\ncounter = [    1.000000] one three\n\n[rule r-two]\nsource = kernel\ncause = c-two\ncontent = two\npattern = two$\norigin = linux x.c g()\nexample = [    1.000000] just two\nexample = [    1.000000] one two\ncounter = [    1.000000] two one\n\n[rule r-sym]\nsource = qemu\nsymptom = s-one\ncontent = went wrong\npattern = ^it went wrong$\norigin = qemu y.c h()\nexample = qemu-system-x86_64: it went wrong\ncounter = qemu-system-x86_64: it went right\n\n[rule r-fact]\nsource = kernel\nfact = f-one\ncontent = one\npattern = ^(?:alive one|one two)$\norigin = linux x.c i()\nexample = [    1.000000] alive one\nexample = [    1.000000] one two\ncounter = [    1.000000] dead one\n";

static RuleSet *rs;

static int setup(void **state) {
        char path[] = "/tmp/test_inventory.XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, rules_text, strlen(rules_text)), (ssize_t) strlen(rules_text));
        close(fd);
        char *paths[] = {path};
        Diag d = {0};
        int r = ruleset_load_files(paths, 1, &d, &rs);
        for (size_t i = 0; i < d.n; i++)
                print_error("%s\n", d.lines[i]);
        diag_done(&d);
        unlink(path);
        return r;
}

static int teardown(void **state) {
        ruleset_free(rs);
        return 0;
}

/* Runs rules_test_inventory() on one file's text; returns its report, *failures the count. */
static char *run(const char *text, size_t *failures, size_t *hold) {
        Inventory inv;
        Diag d = {0};
        StrBuf report = {0};
        InventoryTestResult res;
        assert_int_equal(inventory_parse("t.tsv", text, strlen(text), &d, &inv), 0);
        assert_int_equal(rules_test_inventory(rs, &inv, 1, &d, &report, &res), 0);
        inventory_done(&inv);
        diag_done(&d);
        *failures = res.failures;
        if (hold)
                *hold = res.hold;
        return strbuf_steal(&report);
}

static void assert_holds(const char *text) {
        size_t failures, hold;
        _cleanup_free_ char *report = run(text, &failures, &hold);
        if (failures != 0)
                fail_msg("%s", report);
        assert_int_equal(hold, 1);
}

/* text fails with exactly want as its report's first line. */
static void assert_fails(const char *text, const char *want) {
        size_t failures;
        _cleanup_free_ char *report = run(text, &failures, NULL);
        assert_true(failures > 0);
        size_t n = strcspn(report, "\n");
        if (strlen(want) != n || strncmp(report, want, n) != 0)
                fail_msg("got  '%.*s'\nwant '%s'", (int) n, report, want);
}

#define ROW(program, releases, format, example, disposition, rule, note) \
        program "\tx.c\tf()\t" releases "\t" format "\t" example "\t" disposition "\t" rule "\t" note "\n"
#define CAUSE_ROW ROW("linux", "all", "one two", "[    1.000000] one two", "cause", "r-one", "-")

static void test_rows_that_hold(void **state) {
        assert_holds(
                "# a comment\n# Rows: 1 (cause 1, symptom 0, fact 0, benign 0); 1 of 1 examples give their disposition alone.\n" CAUSE_ROW);
        assert_holds(
                "# Rows: 1 (cause 0, symptom 1, fact 0, benign 0); 1 of 1 examples give their disposition alone.\n" ROW(
                        "qemu", "qemu >= 2.12, qemu < 8.2", "it went wrong",
                        "qemu-system-x86_64: it went wrong", "symptom", "r-sym", "-"));
        assert_holds(
                "# Rows: 1 (cause 0, symptom 0, fact 1, benign 0); 1 of 1 examples give their disposition alone.\n" ROW(
                        "linux", "linux >= 6.2", "alive one", "[    1.000000] alive one", "fact", "r-fact",
                        "-"));
        assert_holds(
                "# Rows: 1 (cause 0, symptom 0, fact 0, benign 1); 1 of 1 examples give their disposition alone.\n" ROW(
                        "linux", "all", "fine", "[    1.000000] all is fine", "benign", "-",
                        "it says nothing is wrong"));
}

static void test_rows_that_do_not(void **state) {
        /* The analysis: a cause folded into another, a fact and a benign line that give a cause. */
        assert_fails(ROW("linux", "all", "one two", "[    1.000000] one two", "cause", "r-two", "-"),
                     "t.tsv:1: alone, the example does not yield cause c-two: it yields c-one (rule r-one)");
        assert_fails(ROW("linux", "all", "one two", "[    1.000000] one two", "fact", "r-fact", "-"),
                     "t.tsv:1: a fact row's example, alone, yields c-one (rule r-one)");
        assert_fails(ROW("linux", "all", "just two", "[    1.000000] just two", "benign", "-", "harmless"),
                     "t.tsv:1: a benign row's example, alone, yields c-two (rule r-two)");
        /* The rules: unknown, of another kind, an example the rule does not list. */
        assert_fails(ROW("linux", "all", "one two", "[    1.000000] one two", "cause", "r-none", "-"),
                     "t.tsv:1: no such rule: r-none");
        assert_fails(ROW("linux", "all", "one two", "[    1.000000] one two", "symptom", "r-one", "-"),
                     "t.tsv:1: a symptom row names r-one, a cause rule");
        assert_fails(ROW("linux", "all", "one two", "[    2.000000] one two", "cause", "r-one", "-"),
                     "t.tsv:1: the example is not among the examples of rule r-one");
        /* The same message twice, in releases both rows name; the header's figures. */
        assert_fails(
                ROW("linux", "linux >= 5.4", "one two", "[    1.000000] one two", "cause", "r-one", "-")
                        ROW("linux", "linux >= 4.19, linux < 5.10", "one two", "[    1.000000] one two",
                            "cause", "r-one", "-"),
                "t.tsv:2: the same message as t.tsv:1 (program, file, function, format and example, in releases both rows name)");
        assert_fails(
                CAUSE_ROW,
                "t.tsv: the header has no figures; it should say: # Rows: 1 (cause 1, symptom 0, fact 0, benign 0); 1 of 1 examples give their disposition alone.");
        assert_fails(
                "# Rows: 2 (cause 1, symptom 0, fact 0, benign 0); 1 of 1 examples give their disposition alone.\n" CAUSE_ROW,
                "t.tsv:1: the header's figures are not the rows'; it should say: # Rows: 1 (cause 1, symptom 0, fact 0, benign 0); 1 of 1 examples give their disposition alone.");
}

static void test_releases_apart_are_two_messages(void **state) {
        size_t failures;
        _cleanup_free_ char *report = run(
                "# Rows: 2 (cause 2, symptom 0, fact 0, benign 0); 2 of 2 examples give their disposition alone.\n" ROW(
                        "linux", "linux >= 2.6, linux < 4.16", "one two", "[    1.000000] one two", "cause",
                        "r-one", "-") ROW("linux", "linux >= 5.4.1", "one two", "[    1.000000] one two",
                                          "cause", "r-one", "before 5.4.1 the other"),
                &failures, NULL);
        if (failures != 0)
                fail_msg("%s", report);
}

/* A row's example is the rule's example as a rule file holds it: trimmed of blanks at both ends. */
static void test_example_trimmed(void **state) {
        static const struct {
                const char *example;
                size_t failures;
        } cases[] = {
                {"  [    1.000000] one two", 0},
                {"[    1.000000] one two  ", 0},
                {"  [    1.000000] one  two", 1},
                {"  [    1.000000] one tw", 1},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char text[256];
                snprintf(text, sizeof(text), "linux\tx.c\tf()\tall\tone two\t%s\tcause\tr-one\t-\n",
                         cases[i].example);
                Inventory inv;
                Diag d = {0};
                assert_int_equal(inventory_parse("t.tsv", text, strlen(text), &d, &inv), 0);
                assert_int_equal(inv.n_rows, 1);
                assert_int_equal(inventory_check_rules(&inv, 1, rs, &d), cases[i].failures);
                diag_done(&d);
                inventory_done(&inv);
        }
}

static void test_malformed(void **state) {
        static const struct {
                const char *row, *want;
        } cases[] = {
                {"linux\tx.c\tf()\tall\tone two\t[    1.000000] one two\tcause\tr-one\n",
                 "t.tsv:1: fewer than nine columns"},
                {"linux\tx.c\tf()\tall\tone two\t[    1.000000] one two\tcause\tr-one\t-\textra\n",
                 "t.tsv:1: more than nine columns"},
                {"linux\tx.c\t\tall\tone two\t[    1.000000] one two\tcause\tr-one\t-\n",
                 "t.tsv:1: empty column (write - for none): function"},
                {"linux\tx.c\tf()\tall\tone two\t[    1.000000] one two\tcause\tr-one\t\n",
                 "t.tsv:1: empty column (write - for none): note"},
                {ROW("Linux", "all", "one two", "[    1.000000] one two", "cause", "r-one", "-"),
                 "t.tsv:1: program: lower-case letters, digits and '-': Linux"},
                {ROW("linux", "linux 5.4", "one two", "[    1.000000] one two", "cause", "r-one", "-"),
                 "t.tsv:1: releases: expected 'all' or 'PROGRAM >=|< N.N[, ...]': linux 5.4"},
                {ROW("linux", "linux >= 5.4,linux < 6", "one two", "[    1.000000] one two", "cause",
                     "r-one", "-"),
                 "t.tsv:1: releases: expected 'all' or 'PROGRAM >=|< N.N[, ...]': linux >= 5.4,linux < 6"},
                {ROW("linux", "all", "one two", "[    1.000000] one two", "error", "r-one", "-"),
                 "t.tsv:1: disposition: expected cause, symptom, fact or benign: error"},
                {ROW("linux", "all", "one two", "[    1.000000] one two", "benign", "r-one", "harmless"),
                 "t.tsv:1: a benign row names no rule: r-one"},
                {ROW("linux", "all", "one two", "[    1.000000] all is well", "benign", "-", "-"),
                 "t.tsv:1: a benign row says in its note why it is not a failure"},
                {ROW("linux", "all", "one two", "[    1.000000] one two", "cause", "-", "-"),
                 "t.tsv:1: rule: expected the id of the rule that recognises it: -"},
                {ROW("linux", "all", "one two", "-", "cause", "r-one", "-"),
                 "t.tsv:1: example: one whole line as the program prints it"},
                {ROW("linux", "all", "one two", "[    1.000000] one\x01two", "cause", "r-one", "-"),
                 "t.tsv:1: control character in column example"},
                {ROW("linux", "all", "one two", "[    1.000000] one \xff two", "cause", "r-one", "-"),
                 "t.tsv:1: not UTF-8"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Inventory inv;
                Diag d = {0};
                assert_int_equal(inventory_parse("t.tsv", cases[i].row, strlen(cases[i].row), &d, &inv), 0);
                assert_int_equal(inv.n_rows, 0);
                assert_int_equal(inv.malformed, 1);
                assert_int_equal(d.n, 1);
                if (strcmp(d.lines[0], cases[i].want) != 0)
                        fail_msg("case %zu: got  '%s'\nwant '%s'", i, d.lines[0], cases[i].want);
                diag_done(&d);
                inventory_done(&inv);
        }
        /* A malformed row fails the test, and the rows around it are still read. */
        size_t failures;
        _cleanup_free_ char *report = run(
                "# Rows: 1 (cause 1, symptom 0, fact 0, benign 0); 1 of 1 examples give their disposition alone.\nlinux\tshort\n" CAUSE_ROW,
                &failures, NULL);
        assert_int_equal(failures, 1);
        assert_string_equal(report, "t.tsv:2: fewer than nine columns\n");
}

static void test_long_row(void **state) {
        size_t len = VX_INVENTORY_ROW_MAX + 1;
        _cleanup_free_ char *row = malloc(len + 1);
        assert_non_null(row);
        memset(row, 'a', len);
        row[len] = 0;
        Inventory inv;
        Diag d = {0};
        assert_int_equal(inventory_parse("t.tsv", row, len, &d, &inv), 0);
        assert_int_equal(inv.malformed, 1);
        assert_string_equal(d.lines[0], "t.tsv:1: row longer than the limit");
        diag_done(&d);
        inventory_done(&inv);
}

static void test_list(void **state) {
        const char *text =
                "# Rows: 2 (cause 1, symptom 1, fact 0, benign 0); 2 of 2 examples give their disposition alone.\n" CAUSE_ROW
                        ROW("qemu", "all", "it went wrong", "qemu-system-x86_64: it went wrong", "symptom",
                            "r-sym", "-");
        Inventory inv;
        Diag d = {0};
        StrBuf out = {0};
        assert_int_equal(inventory_parse("t.tsv", text, strlen(text), &d, &inv), 0);
        assert_int_equal(rules_list_inventory(rs, &inv, 1, OUTPUT_MARKDOWN, &out), 0);
        assert_string_equal(
                strbuf_str(&out),
                "| program | messages | cause | symptom | fact | benign | example gives it alone |\n|---|---:|---:|---:|---:|---:|---:|\n| linux | 1 | 1 | 0 | 0 | 0 | 1 |\n| qemu | 1 | 0 | 1 | 0 | 0 | 1 |\n| all | 2 | 1 | 1 | 0 | 0 | 2 |\n");
        strbuf_reset(&out);
        assert_int_equal(rules_list_inventory(rs, &inv, 1, OUTPUT_TEXT, &out), 0);
        /* c-two: named by no cause row, suggested by the symptom row. */
        assert_non_null(
                strstr(strbuf_str(&out), "\nc-two                                 0            1      1\n"));
        assert_non_null(
                strstr(strbuf_str(&out), "\nc-one                                 1            0      1\n"));
        strbuf_done(&out);
        inventory_done(&inv);
        diag_done(&d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rows_that_hold),
                cmocka_unit_test(test_rows_that_do_not),
                cmocka_unit_test(test_releases_apart_are_two_messages),
                cmocka_unit_test(test_example_trimmed),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_long_row),
                cmocka_unit_test(test_list),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
