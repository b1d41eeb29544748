/* SPDX-License-Identifier: MIT */
/* Which rule files load: the vendor directory with drop-ins replacing and masking files of the same name,
 * in real temporary directories. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_common.h"

#define CAUSE "[cause c%d]\ntitle = T\nmeans = M\nscope = host\n"
#define RULE                                                                         \
        "[rule r%d]\nsource = kernel\ncause = c%d\ncontent = abc\npattern = ^abc$\n" \
        "origin = linux x.c f()\nexample = [    1.000000] abc\ncounter = [    1.000000] xyz\n"

static char root[64];
static char etc[96], run[96], usr[96];

static void write_file(const char *dir, const char *name, const char *text) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* A valid rule file defining cause cN and its rule rN. */
static void write_rules(const char *dir, const char *name, int n) {
        char text[1024];
        snprintf(text, sizeof(text), CAUSE RULE, n, n, n);
        write_file(dir, name, text);
}

static int setup(void **state) {
        snprintf(root, sizeof(root), "/tmp/vx-rulesources-XXXXXX");
        assert_non_null(mkdtemp(root));
        snprintf(etc, sizeof(etc), "%s/etc", root);
        snprintf(run, sizeof(run), "%s/run", root);
        snprintf(usr, sizeof(usr), "%s/usr", root);
        assert_int_equal(mkdir(etc, 0755), 0);
        assert_int_equal(mkdir(run, 0755), 0);
        assert_int_equal(mkdir(usr, 0755), 0);
        return 0;
}

static int teardown(void **state) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
        return 0;
}

static const RuleSource *item(const RuleSources *s, const char *name) {
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->items[i].name, name) == 0)
                        return &s->items[i];
        fail_msg("no source named %s", name);
        return NULL;
}

static void collect(RuleSources *s) {
        const char *dropins[] = {etc, run};
        Diag d = {0};
        int r = rule_sources_collect(usr, dropins, 2, &d, s);
        for (size_t i = 0; i < d.n; i++)
                print_error("%s\n", d.lines[i]);
        diag_done(&d);
        assert_int_equal(r, 0);
}

static void assert_path(const char *got, const char *dir, const char *name) {
        char want[256];
        snprintf(want, sizeof(want), "%s/%s", dir, name);
        assert_string_equal(got, want);
}

static void test_vendor_only_in_name_order(void **state) {
        RuleSources s = {0};
        write_rules(usr, "b.rules", 2);
        write_rules(usr, "a.rules", 1);
        write_file(usr, "README", "not a rule file\n");
        write_file(usr, ".hidden.rules", "");
        write_file(usr, "c.rules.orig", "");
        collect(&s);
        assert_int_equal(s.n, 2);
        assert_string_equal(s.items[0].name, "a.rules");
        assert_string_equal(s.items[1].name, "b.rules");
        assert_path(s.items[0].path, usr, "a.rules");
        assert_false(s.items[0].masked);
        assert_int_equal(s.items[0].n_shadowed, 0);
        rule_sources_done(&s);
}

static void test_dropin_replaces_and_adds(void **state) {
        RuleSources s = {0};
        write_rules(usr, "a.rules", 1);
        write_rules(usr, "b.rules", 2);
        write_rules(run, "b.rules", 3);
        write_rules(etc, "b.rules", 4);
        write_rules(run, "0-local.rules", 5);
        collect(&s);
        assert_int_equal(s.n, 3);
        /* File-name order across directories: the drop-in's own name sorts first. */
        assert_string_equal(s.items[0].name, "0-local.rules");
        assert_path(s.items[0].path, run, "0-local.rules");
        const RuleSource *b = item(&s, "b.rules");
        /* /etc wins over /run, /run over the vendor directory. */
        assert_path(b->path, etc, "b.rules");
        assert_false(b->masked);
        assert_int_equal(b->n_shadowed, 2);
        assert_path(b->shadowed[0], run, "b.rules");
        assert_path(b->shadowed[1], usr, "b.rules");

        /* What loads is the drop-in: cause c4 and c5, not c2 or c3. */
        RuleSet *rs = NULL;
        Diag d = {0};
        assert_int_equal(ruleset_load_sources(&s, &d, &rs), 0);
        diag_done(&d);
        assert_int_equal(rs->n_files, 3);
        assert_true(ruleset_find_cause(rs, "c4") >= 0);
        assert_true(ruleset_find_cause(rs, "c5") >= 0);
        assert_true(ruleset_find_cause(rs, "c1") >= 0);
        assert_int_equal(ruleset_find_cause(rs, "c2"), -ENOENT);
        assert_int_equal(ruleset_find_cause(rs, "c3"), -ENOENT);
        ruleset_free(rs);
        rule_sources_done(&s);
}

static void test_masks(void **state) {
        RuleSources s = {0};
        char link[256];
        write_rules(usr, "a.rules", 1);
        write_rules(usr, "b.rules", 2);
        write_rules(usr, "c.rules", 3);
        write_file(etc, "b.rules", "");
        snprintf(link, sizeof(link), "%s/c.rules", run);
        assert_int_equal(symlink("/dev/null", link), 0);
        collect(&s);
        assert_int_equal(s.n, 3);
        assert_false(item(&s, "a.rules")->masked);
        assert_true(item(&s, "b.rules")->masked);
        assert_path(item(&s, "b.rules")->path, etc, "b.rules");
        assert_path(item(&s, "b.rules")->shadowed[0], usr, "b.rules");
        assert_true(item(&s, "c.rules")->masked);
        assert_path(item(&s, "c.rules")->path, run, "c.rules");

        RuleSet *rs = NULL;
        Diag d = {0};
        assert_int_equal(ruleset_load_sources(&s, &d, &rs), 0);
        diag_done(&d);
        assert_int_equal(rs->n_files, 1);
        assert_int_equal(ruleset_find_cause(rs, "c2"), -ENOENT);
        ruleset_free(rs);
        rule_sources_done(&s);

        /* With every name masked, nothing is left to load: an error, not an empty rule set. */
        write_file(etc, "a.rules", "");
        collect(&s);
        Diag d2 = {0};
        assert_int_equal(ruleset_load_sources(&s, &d2, &rs), -EINVAL);
        assert_int_equal(d2.n, 1);
        assert_string_equal(d2.lines[0], "no *.rules files to load (3 masked)");
        diag_done(&d2);
        rule_sources_done(&s);
}

static void test_missing_and_broken(void **state) {
        RuleSources s = {0}, untouched = {.n = 42};
        Diag d = {0};
        char missing[128];
        snprintf(missing, sizeof(missing), "%s/nothing", root);
        write_rules(usr, "a.rules", 1);

        /* A drop-in directory that does not exist is no error. */
        const char *dropins[] = {missing};
        assert_int_equal(rule_sources_collect(usr, dropins, 1, &d, &s), 0);
        assert_int_equal(s.n, 1);
        rule_sources_done(&s);

        /* The vendor directory must be there. */
        s = untouched;
        assert_int_equal(rule_sources_collect(missing, NULL, 0, &d, &s), -EINVAL);
        assert_int_equal(s.n, 42);
        assert_int_equal(d.n, 1);
        assert_non_null(
                strstr(d.lines[0], "/nothing: cannot read rule directory: No such file or directory"));
        diag_done(&d);

        /* A broken drop-in is reported at its own path, line and column. */
        write_file(etc, "a.rules", "[cause c1]\ntitle = T\nmeans = M\nscope = everywhere\n");
        collect(&s);
        RuleSet *rs = NULL;
        assert_int_equal(ruleset_load_sources(&s, &d, &rs), -EINVAL);
        assert_null(rs);
        char want[256];
        snprintf(want, sizeof(want), "%s/a.rules:4:9: scope is 'host' or 'device'", etc);
        assert_true(d.n >= 1);
        assert_string_equal(d.lines[0], want);
        diag_done(&d);
        rule_sources_done(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_vendor_only_in_name_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dropin_replaces_and_adds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_masks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_and_broken, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
