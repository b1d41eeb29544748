/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"
#include "strbuf.h"
#include "test_common.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* Parses text as one rule file and returns the first diagnostic ("" when it loads). */
static char first_error[512];

static int parse(const char *text) {
        RuleSet *rs = calloc(1, sizeof(*rs));
        Diag d = {0};
        int r = ruleset_parse_buffer(rs, "t.rules", text, strlen(text), &d);
        snprintf(first_error, sizeof(first_error), "%s", d.n ? d.lines[0] : "");
        diag_done(&d);
        ruleset_free(rs);
        return r;
}

#define CAUSE "[cause c1]\ntitle = T\nmeans = M\nscope = host\n"
#define RULE_HEAD "[rule r1]\nsource = kernel\ncause = c1\ncontent = abc\n"
#define RULE_TAIL "origin = linux x.c f()\nexample = [    1.000000] abc\ncounter = [    1.000000] xyz\n"

static void test_valid(void **state) {
        assert_int_equal(parse(CAUSE RULE_HEAD "pattern = ^abc$\n" RULE_TAIL), 0);
        assert_string_equal(first_error, "");
        assert_int_equal(parse(CAUSE "possible-unless = assigned=yes\npossible-unless = errno=EBUSY "
                                     "assigned=yes\ndoubt = D\n" RULE_HEAD "pattern = ^abc$\n" RULE_TAIL),
                         0);
        assert_string_equal(first_error, "");
}

static void assert_error(const char *text, const char *want) {
        assert_int_equal(parse(text), -EINVAL);
        if (strcmp(first_error, want) != 0)
                fail_msg("got  '%s'\nwant '%s'", first_error, want);
}

static void test_errors(void **state) {
        assert_error("title = x\n", "t.rules:1:1: key outside a section");
        assert_error("[thing x]\n",
                     "t.rules:1:2: expected [cause ID], [symptom ID], [rule ID] or [regression ID]");
        assert_error("[cause Bad_Id]\n",
                     "t.rules:1:8: invalid id (lower-case letters, digits and '-', at most 64)");
        assert_error("[cause c1\n", "t.rules:1:10: expected ']' at the end of a section header");
        assert_error(CAUSE "bogus = 1\n", "t.rules:5:1: unknown key: bogus");
        assert_error(CAUSE RULE_HEAD "pasted = maybe\npattern = ^abc$\n" RULE_TAIL,
                     "t.rules:9:10: pasted is 'yes' or 'no'");
        assert_error(CAUSE "pasted = yes\n", "t.rules:5:1: key not allowed in this kind of section: pasted");
        assert_error(CAUSE "title = again\n", "t.rules:5:1: key given twice: title");
        assert_error(CAUSE "scope =\n", "t.rules:5:8: empty value");
        assert_error(CAUSE "  what\n", "t.rules:5:7: expected 'key = value'");
        assert_error("[cause c1]\ntitle = T\nscope = host\n",
                     "t.rules:1:1: section lacks required key: means");
        assert_error(CAUSE "fix = ls\n", "t.rules:5:1: fix without a following 'why'");
        assert_error(CAUSE "why = x\n", "t.rules:5:1: 'why' must follow a 'fix'");
        assert_error(CAUSE "fix = ls {adress}\nwhy = w\n",
                     "t.rules:5:11: unknown variable (the vocabulary is in docs/rule-format.md): adress");
        assert_error(CAUSE "fix = awk '{print $2}'\nwhy = w\n",
                     "t.rules:5:13: unknown variable (the vocabulary is in docs/rule-format.md): print $2");
        assert_error(CAUSE "[cause c1]\ntitle = T\nmeans = M\nscope = host\n",
                     "t.rules:5:8: duplicate id: c1");
        assert_error(CAUSE RULE_HEAD "pattern = ^abc(\n" RULE_TAIL,
                     "t.rules:9:16: pattern: missing closing parenthesis");
        assert_error(CAUSE RULE_HEAD "pattern = ^(?<bogus>abc)$\n" RULE_TAIL,
                     "t.rules:9:11: pattern: capture name outside the vocabulary: bogus");
        assert_error(CAUSE
                     "[rule r1]\nsource = kernel\ncause = nope\ncontent = abc\npattern = abc\n" RULE_TAIL,
                     "t.rules:7:9: unknown cause: nope");
        assert_error(CAUSE "[rule r1]\nsource = dmesg\ncause = c1\ncontent = abc\npattern = abc\n" RULE_TAIL,
                     "t.rules:6:10: unknown source (kernel, qemu, libvirt, trace, journal, guest or probe)");
        assert_error(
                CAUSE RULE_HEAD "pattern = abc\nversions = linux 6.2\n" RULE_TAIL,
                "t.rules:10:12: versions: expected 'linux|qemu|libvirt >=|< N.N[, ...]', e.g. 'linux >= 6.2'");
        /* an inventory's releases may name any program; a rule's versions only the three it can compare */
        assert_error(
                CAUSE RULE_HEAD "pattern = abc\nversions = crosvm >= 1.0\n" RULE_TAIL,
                "t.rules:10:12: versions: expected 'linux|qemu|libvirt >=|< N.N[, ...]', e.g. 'linux >= 6.2'");
        assert_error(
                CAUSE RULE_HEAD "pattern = abc\nversions = linuxx >= 1.0\n" RULE_TAIL,
                "t.rules:10:12: versions: expected 'linux|qemu|libvirt >=|< N.N[, ...]', e.g. 'linux >= 6.2'");
        assert_error(CAUSE RULE_HEAD "pattern = abc\nstrength = sure\n" RULE_TAIL,
                     "t.rules:10:12: strength is confirmed, likely or possible");
        assert_error(CAUSE "[rule r1]\nsource = kernel\ncontent = abc\npattern = abc\n" RULE_TAIL,
                     "t.rules:5:1: a rule needs exactly one of cause, symptom or fact");
        assert_error(CAUSE "refuted-by = nothing\n" RULE_HEAD "pattern = abc\n" RULE_TAIL,
                     "t.rules:5:14: no rule produces this fact: nothing");
        assert_error(CAUSE "[rule r1]\nsource = kernel\ncause = c1\ncontent = ab\npattern = abc\n" RULE_TAIL,
                     "t.rules:8:11: content too short to prefilter (3 bytes at least)");
        assert_error(CAUSE "title\x1b = x\n", "t.rules:5:6: control character");
        assert_error(CAUSE "means = \xff\n", "t.rules:5:9: invalid UTF-8");
        /* What output would escape (issue 24, #9): a C1 control, a bidirectional override, a zero-width
         * space. */
        assert_error(CAUSE "title = a \xc2\x9b"
                           "31m\n",
                     "t.rules:5:11: control or invisible character");
        assert_error(CAUSE "title = a \xe2\x80\xae\n", "t.rules:5:11: control or invisible character");
        assert_error(CAUSE "title = a\xe2\x80\x8b"
                           "b\n",
                     "t.rules:5:10: control or invisible character");
        assert_error(CAUSE "possible-unless = assigned=no\n", "t.rules:5:28: assigned: yes");
        assert_error(CAUSE "possible-unless = via=docker\n",
                     "t.rules:5:23: via: compose, kubectl, events, cri, json, logfmt, prompt or manager");
        assert_error(
                CAUSE "possible-unless = assigned!=yes\n",
                "t.rules:5:27: assigned!= is not a condition: a device no line shows assigned may still be");
        assert_error(CAUSE "possible-unless = fact=nothing\ndoubt = D\n" RULE_HEAD
                           "pattern = abc\n" RULE_TAIL,
                     "t.rules:5:19: no rule produces this fact: nothing");
        /* a cause shown in doubt says why in words */
        assert_error(
                CAUSE "possible-unless = assigned=yes\n" RULE_HEAD "pattern = abc\n" RULE_TAIL,
                "t.rules:1:1: possible-unless needs a 'doubt' saying why a finding is in doubt without it");
        assert_error(CAUSE "doubt = D\n" RULE_HEAD "pattern = abc\n" RULE_TAIL,
                     "t.rules:1:1: doubt without a possible-unless");
        assert_error(CAUSE RULE_HEAD "possible-unless = assigned=yes\npattern = abc\n" RULE_TAIL,
                     "t.rules:9:1: key not allowed in this kind of section: possible-unless");
        assert_error(CAUSE "expect = address=1\n",
                     "t.rules:5:1: key not allowed in this kind of section: expect");
        assert_error(CAUSE RULE_HEAD "pattern = abc\nexpect = address=1\n" RULE_TAIL,
                     "t.rules:10:1: 'expect' must follow an 'example'");
}

/* Issue 24, #4: a '.' repetition the matcher can restart is refused where it is written; one that ends the
 * match, or the one of an anchored pattern, is not. */
static void test_pattern_lint(void **state) {
        static const char *const valid[] = {
                "abc.*$",     "abc(?: .+)?$",     "abc(?<value>.+)$", "abc.*",
                "abc.+|abd$", "^(?!.*x)abc.*def", "^abc.*x",          "^a(?:b.+|c)$",
                "^abc.{2,}x", "abc.{1,80}x",      "abc\\.*x",         "abc[.]*x",
        };
        for (size_t i = 0; i < ELEMENTSOF(valid); i++) {
                char text[512];
                snprintf(text, sizeof(text), "%s%spattern = %s\n%s", CAUSE, RULE_HEAD, valid[i], RULE_TAIL);
                if (parse(text) != 0)
                        fail_msg("%s: %s", valid[i], first_error);
        }
        assert_error(
                CAUSE RULE_HEAD "pattern = abc.*x\n" RULE_TAIL,
                "t.rules:9:14: '.*' or '.+' before the end of a pattern not anchored with '^' restarts at "
                "every position");
        assert_error(
                CAUSE RULE_HEAD "pattern = ^a.*b|c\n" RULE_TAIL,
                "t.rules:9:13: '.*' or '.+' before the end of a pattern not anchored with '^' restarts at "
                "every position");
        assert_error(
                CAUSE RULE_HEAD "pattern = abc\\N+?x\n" RULE_TAIL,
                "t.rules:9:14: '.*' or '.+' before the end of a pattern not anchored with '^' restarts at "
                "every position");
        assert_error(
                CAUSE RULE_HEAD "pattern = ^a.*b.+c\n" RULE_TAIL,
                "t.rules:9:16: a second '.*' or '.+' restarts for every length the first one gives back");
        assert_error(
                CAUSE RULE_HEAD "pattern = ^a(?=.*b)c\n" RULE_TAIL,
                "t.rules:9:16: '.*' or '.+' in a lookaround not right after the leading '^' runs at every "
                "position");
        /* The shipped pattern of issue 24's reproduction, as it was. */
        assert_error(
                CAUSE RULE_HEAD
                "pattern = (?<!warning: )vfio_[a-z_]+: possibly running out of DMA mappings\\. "
                ".*Maximum possible DMA mappings: (?<value>[0-9]+),\n" RULE_TAIL,
                "t.rules:9:78: '.*' or '.+' before the end of a pattern not anchored with '^' restarts at "
                "every position");
}

/* A pattern longer than VX_PATTERN_MAX, and more than VX_RULES_MAX rules, are refused (one byte or one
 * rule less is not). */
static void test_limits(void **state) {
        StrBuf b = {0};
        strbuf_puts(&b, CAUSE RULE_HEAD "pattern = ");
        for (size_t i = 0; i < VX_PATTERN_MAX; i++)
                strbuf_putc(&b, 'a');
        strbuf_puts(&b, "\n" RULE_TAIL);
        assert_false(strbuf_failed(&b));
        assert_int_equal(parse(strbuf_str(&b)), 0);
        strbuf_reset(&b);
        strbuf_puts(&b, CAUSE RULE_HEAD "pattern = ");
        for (size_t i = 0; i < VX_PATTERN_MAX + 1; i++)
                strbuf_putc(&b, 'a');
        strbuf_puts(&b, "\n" RULE_TAIL);
        assert_int_equal(parse(strbuf_str(&b)), -EINVAL);

        for (unsigned n = VX_RULES_MAX; n <= VX_RULES_MAX + 1; n++) {
                strbuf_reset(&b);
                strbuf_puts(&b, CAUSE);
                for (unsigned i = 0; i < n; i++)
                        strbuf_printf(
                                &b,
                                "[rule r%u]\nsource = kernel\ncause = c1\ncontent = abc\npattern = ^abc$\n" RULE_TAIL,
                                i);
                assert_false(strbuf_failed(&b));
                int r = parse(strbuf_str(&b));
                if (r != (n == VX_RULES_MAX ? 0 : -EINVAL))
                        fail_msg("%u rules: %d, %s", n, r, first_error);
        }

        /* The patterns of a set together: exactly VX_RULE_SET_PATTERN_BYTES_MAX, then one byte more. */
        for (size_t extra = 0; extra <= 1; extra++) {
                size_t left = VX_RULE_SET_PATTERN_BYTES_MAX + extra;
                strbuf_reset(&b);
                strbuf_puts(&b, CAUSE);
                for (unsigned i = 0; left > 0; i++) {
                        size_t n = MIN(left, (size_t) VX_PATTERN_MAX);
                        strbuf_printf(
                                &b, "[rule r%u]\nsource = kernel\ncause = c1\ncontent = abc\npattern = ", i);
                        for (size_t k = 0; k < n; k++)
                                strbuf_putc(&b, 'a');
                        strbuf_puts(&b, "\n" RULE_TAIL);
                        left -= n;
                }
                assert_false(strbuf_failed(&b));
                int r = parse(strbuf_str(&b));
                if (r != (extra ? -EINVAL : 0) || (extra && !strstr(first_error, "patterns together")))
                        fail_msg("%zu pattern bytes: %d, %s", VX_RULE_SET_PATTERN_BYTES_MAX + extra, r,
                                 first_error);
        }
        strbuf_done(&b);
}

static void test_broken_header_is_one_error(void **state) {
        /* The keys of a section whose header failed are not reported again. */
        Diag d = {0};
        RuleSet *rs = calloc(1, sizeof(*rs));
        const char *text = CAUSE "[cause c1]\ntitle = T\nmeans = M\nscope = host\n";
        assert_int_equal(ruleset_parse_buffer(rs, "t.rules", text, strlen(text), &d), -EINVAL);
        assert_int_equal(d.n, 1);
        diag_done(&d);
        ruleset_free(rs);
}

static void test_unit_rules_load(void **state) {
        RuleSet *rs = load_unit_rules();
        assert_int_equal(rs->n_causes, 13);
        assert_int_equal(rs->n_symptoms, 7);
        assert_int_equal(rs->n_facts, 2);
        assert_int_equal(rs->n_rules, 23);
        ruleset_free(rs);
}

/* docs/rule-format.md lists, in the table of each kind of section, exactly the keys the parser takes there
 * (rule_keys[] of rulefile.c): a key added to one and not the other fails here. */
#define REGRESSION_CAUSE "[cause host-kernel-regression]\ntitle = T\nmeans = M\nscope = host\n"
#define REGRESSION_HEAD "[regression g1]\ntitle = T\nmeans = M\n"
#define REGRESSION_TAIL                                                                                        \
        "fixed-in = 6.12.25\nevidence = r1\nintroduced = 479380efe162 (\"PCI: x\")\nfixed-by = bc0b828ef6e5\n" \
        "report = https://bugzilla.kernel.org/show_bug.cgi?id=220010\n"
#define REGRESSION_RULE                                                                                        \
        "[symptom s1]\ntitle = T\nsuggests = host-kernel-regression\n[rule r1]\nsource = qemu\nsymptom = s1\n" \
        "content = abc\npattern = abc\n" RULE_TAIL

/* A [regression] is validated as it loads: its ranges, releases, commits and URLs, each error at its
 * file:line:column; the rules its evidence names exist and are log rules; its cause exists and no rule names
 * it. */
static void test_regressions(void **state) {
        assert_int_equal(
                parse(REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                      "affected = 6.12.23..6.12.25\naffected = 6.15-rc1..6.15-rc3\n" REGRESSION_TAIL),
                0);
        assert_error(REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                     "affected = 6.12.25..6.12.23\n" REGRESSION_TAIL,
                     "t.rules:19:12: affected: the range is empty (FROM must come before TO)");
        assert_error(
                REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                "affected = 6.12.23-6.12.25\n" REGRESSION_TAIL,
                "t.rules:19:12: affected: expected 'FROM..TO', two releases such as 6.12.23, 6.15 or 6.15-rc3: the first release with the regression and the first after it without");
        assert_error(
                REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                "affected = 6.12.23..6.12.x\n" REGRESSION_TAIL,
                "t.rules:19:12: affected: expected 'FROM..TO', two releases such as 6.12.23, 6.15 or 6.15-rc3: the first release with the regression and the first after it without");
        assert_error(REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                     "affected = 6.12.20..6.12.25\naffected = 6.12.23..6.13\n" REGRESSION_TAIL,
                     "t.rules:20:12: affected: the range overlaps an earlier one");
        assert_error(REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                     "affected = 6.12.23..6.12.26\n" REGRESSION_TAIL,
                     "t.rules:16:1: fixed-in names a release an affected range holds: 6.12.25");
        assert_error(REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                     "affected = 6.12.23..6.12.25\nfixed-in = 6.12.25 6.12.x\n",
                     "t.rules:20:20: fixed-in: not a release such as 6.12.25 or 6.15-rc3");
        assert_error(
                REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                "affected = 6.12.23..6.12.25\nfixed-in = 6.12.25\nevidence = r1\nintroduced = 479380e\n"
                "fixed-by = bc0b828ef6e5\nreport = https://x\n",
                "t.rules:22:14: expected a commit as 'SHA (\"subject\")', 12 to 40 lower-case hex digits first");
        assert_error(
                REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                "affected = 6.12.23..6.12.25\nfixed-in = 6.12.25\nevidence = r1\nintroduced = 479380efe162\n"
                "fixed-by = bc0b828ef6e5\nreport = bugzilla 220010\n",
                "t.rules:24:10: report: expected an https:// URL");
        assert_error(
                REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD
                "affected = 6.12.23..6.12.25\nfixed-in = 6.12.25\nevidence = r2\nintroduced = 479380efe162\n"
                "fixed-by = bc0b828ef6e5\nreport = https://x\n",
                "t.rules:21:12: unknown rule: r2");
        assert_error(REGRESSION_CAUSE REGRESSION_RULE REGRESSION_HEAD "affected = 6.12.23..6.12.25\n",
                     "t.rules:16:1: section lacks required key: fixed-in");
        /* without its cause */
        assert_error("[symptom s1]\ntitle = T\nsuggests = c1\n" CAUSE
                     "[rule r1]\nsource = qemu\nsymptom = s1\n"
                     "content = abc\npattern = abc\n" RULE_TAIL REGRESSION_HEAD
                     "affected = 6.12.23..6.12.25\n" REGRESSION_TAIL,
                     "t.rules:16:1: a [regression] needs the cause host-kernel-regression");
        /* a rule that names the cause itself */
        assert_error(
                REGRESSION_CAUSE
                "[rule r1]\nsource = qemu\ncause = host-kernel-regression\ncontent = abc\npattern = abc\n" RULE_TAIL
                        REGRESSION_HEAD "affected = 6.12.23..6.12.25\n" REGRESSION_TAIL,
                "t.rules:5:1: no rule names the cause host-kernel-regression: a [regression] section does, for the releases it names");
}

static void test_documented_keys(void **state) {
        static const char *const sections[] = {"cause", "symptom", "rule", "regression"};
        char line[4096], heading[64];
        bool documented[ELEMENTSOF(sections)][64] = {};
        int in = -1;
        FILE *f = fopen(VX_TEST_DATA "/../../docs/rule-format.md", "re");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f)) {
                if (strncmp(line, "#", 1) == 0) {
                        in = -1;
                        for (size_t k = 0; k < ELEMENTSOF(sections); k++) {
                                snprintf(heading, sizeof(heading), "## `[%s ID]`", sections[k]);
                                if (strncmp(line, heading, strlen(heading)) == 0)
                                        in = (int) k;
                        }
                        continue;
                }
                if (in < 0 || strncmp(line, "| `", 3) != 0)
                        continue;
                /* The first cell names one key or several: `cause` / `symptom` / `fact`, `fix` + `why`. */
                char *end = strchr(line + 1, '|');
                assert_non_null(end);
                *end = 0;
                for (char *k = strchr(line, '`'); k; k = strchr(k, '`')) {
                        char *close = strchr(k + 1, '`');
                        assert_non_null(close);
                        *close = 0;
                        size_t i = 0;
                        while (rulefile_key_name(i) && strcmp(rulefile_key_name(i), k + 1) != 0)
                                i++;
                        if (!rulefile_key_name(i) || !rulefile_key_allowed(i, sections[in]))
                                fail_msg(
                                        "docs/rule-format.md: [%s] documents '%s', which the parser does not take there",
                                        sections[in], k + 1);
                        documented[in][i] = true;
                        k = close + 1;
                }
        }
        fclose(f);
        for (size_t s = 0; s < ELEMENTSOF(sections); s++)
                for (size_t i = 0; rulefile_key_name(i); i++)
                        if (rulefile_key_allowed(i, sections[s]) && !documented[s][i])
                                fail_msg(
                                        "rulefile.c: [%s] takes '%s', which docs/rule-format.md does not list",
                                        sections[s], rulefile_key_name(i));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_pattern_lint),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_broken_header_is_one_error),
                cmocka_unit_test(test_unit_rules_load),
                cmocka_unit_test(test_documented_keys),
                cmocka_unit_test(test_regressions),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
