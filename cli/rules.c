/* SPDX-License-Identifier: MIT */
/* vfioexplain rules check|test|list: the rule files themselves. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "fileio.h"
#include "prefilter.h"
#include "rules_cmd.h"

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void names_free(char **names, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* The *.tsv files of dir, in name order, each parsed (what is malformed goes to d). Errors are reported;
 * returns 0 or a negative errno. */
static int inventory_load(const char *dir, Diag *d, Inventory **ret, size_t *ret_n) {
        char **names = NULL;
        size_t n = 0;
        int r = 0;

        DIR *dp = file_opendir(AT_FDCWD, dir, 0);
        if (!dp) {
                r = -errno;
                errorf("%s: %s (name the inventory's directory: rules test --inventory DIR)", dir,
                       strerror(-r));
                return r;
        }
        names = calloc(VX_INVENTORY_FILES_MAX, sizeof(char *));
        for (struct dirent *de; names && (de = readdir(dp));) {
                size_t len = strlen(de->d_name);
                if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".tsv") != 0)
                        continue;
                if (n >= VX_INVENTORY_FILES_MAX) {
                        errorf("%s: more than %u inventory files", dir, VX_INVENTORY_FILES_MAX);
                        r = -E2BIG;
                        break;
                }
                if (!(names[n++] = strdup(de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (!names)
                r = -ENOMEM;
        if (r >= 0 && n == 0) {
                errorf("%s: no *.tsv inventory files", dir);
                r = -ENOENT;
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        errorf("out of memory reading the inventory");
                names_free(names, n);
                closedir(dp);
                return r;
        }
        qsort(names, n, sizeof(char *), cmp_names);
        Inventory *inv = calloc(n, sizeof(Inventory));
        size_t done = 0;
        for (; inv && done < n; done++) {
                _cleanup_free_ char *buf = NULL, *path = NULL;
                size_t len = 0;
                if (asprintf(&path, "%s/%s", dir, names[done]) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                        break;
                }
                /* Found in a directory: a regular file or nothing (a FIFO named *.tsv would block). */
                r = file_read(dirfd(dp), names[done], FILE_NOFOLLOW, VX_INVENTORY_FILE_MAX, &buf, &len);
                if (r < 0) {
                        errorf("%s: %s", path, file_strerror(r));
                        break;
                }
                if ((r = inventory_parse(path, buf, len, d, &inv[done])) < 0)
                        break;
        }
        if (!inv)
                r = -ENOMEM;
        if (r == -ENOMEM)
                errorf("out of memory reading the inventory");
        names_free(names, n);
        closedir(dp);
        if (r < 0) {
                for (size_t i = 0; inv && i < done; i++)
                        inventory_done(&inv[i]);
                free(inv);
                return r;
        }
        *ret = inv;
        *ret_n = n;
        return 0;
}

static int cmd_inventory(const Options *o, const RuleSet *rs, const char *verb, const char *dir) {
        _cleanup_free_ char *fallback = NULL;
        Inventory *inv = NULL;
        size_t n = 0;
        Diag d = {0};
        StrBuf out = {0};
        int r, ret;

        if (!dir) {
                if (asprintf(&fallback, "%s/inventory", o->rules_dir ? o->rules_dir : VX_SOURCE_RULES_DIR) <
                    0)
                        return EXIT_INTERNAL;
                dir = fallback;
        }
        if ((r = inventory_load(dir, &d, &inv, &n)) < 0) {
                diag_done(&d);
                return r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
        }
        if (strcmp(verb, "list") == 0) {
                r = rules_list_inventory(rs, inv, n, o->format, &out);
                ret = r < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
                /* A malformed row is not listed: say so, or the figures would look whole. */
                for (size_t i = 0; i < d.n; i++)
                        errorf("%s", d.lines[i]);
        } else {
                InventoryTestResult res;
                r = rules_test_inventory(rs, inv, n, &d, &out, &res);
                if (r >= 0)
                        strbuf_printf(
                                &out,
                                "rules test --inventory: %zu files, %zu rows: %zu hold, %zu failures\n", n,
                                res.rows, res.hold, res.failures);
                ret = r < 0 ? EXIT_INTERNAL : res.failures ? EXIT_CAUSE : EXIT_NO_CAUSE;
        }
        if (r < 0)
                errorf("out of memory testing the inventory");
        else if (print_output(&out) < 0)
                ret = EXIT_INTERNAL;
        strbuf_done(&out);
        diag_done(&d);
        for (size_t i = 0; i < n; i++)
                inventory_done(&inv[i]);
        free(inv);
        return ret;
}

int cmd_rules(const Options *o, int argc, char **argv) {
        RuleSet *rs = NULL;
        RuleSources sources = {0};
        StrBuf out = {0};
        int r, ret;

        if (argc != 1 && !(o->inventory && argc == 2)) {
                errorf("usage: vfioexplain rules check|test|list, rules test|list --inventory [DIR]");
                return EXIT_USAGE;
        }
        if (o->inventory && strcmp(argv[0], "test") != 0 && strcmp(argv[0], "list") != 0) {
                errorf("--inventory is an option of 'vfioexplain rules test' and 'rules list'");
                return EXIT_USAGE;
        }
        const char *verb = argv[0];
        if (strcmp(verb, "check") == 0) {
                Diag d = {0};
                RuleSources src = {0};
                r = rules_load(o, &d, &src, &rs);
                for (size_t i = 0; i < d.n; i++) {
                        StrBuf b = {0};
                        escape_append(&b, d.lines[i], strlen(d.lines[i]));
                        fprintf(stderr, "%s\n", strbuf_str(&b));
                        strbuf_done(&b);
                }
                if (d.dropped)
                        fprintf(stderr, "... and %zu more errors\n", d.dropped);
                diag_done(&d);
                if (r == -ENOMEM) {
                        errorf("out of memory loading rules");
                        return EXIT_INTERNAL;
                }
                if (r < 0) {
                        fprintf(stderr, "rules check: %s: invalid\n",
                                o->rules_dir ? o->rules_dir : "rule files");
                        return EXIT_CAUSE;
                }
                size_t masked = 0;
                for (size_t i = 0; i < src.n; i++)
                        masked += src.items[i].masked;
                printf("rules check: %zu files (%zu masked), %zu causes, %zu symptoms, %zu facts, %zu rules (%zu patterns compiled at build time%s): valid\n",
                       rs->n_files, masked, rs->n_causes, rs->n_symptoms, rs->n_facts, rs->n_rules,
                       rs->n_precompiled,
                       prefilter_literal_db_fits(rs->prefilter) ? ", their literals' Hyperscan database too"
                                                                : "");
                rule_sources_done(&src);
                ruleset_free(rs);
                return flush_stdout() < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
        }
        if (strcmp(verb, "test") != 0 && strcmp(verb, "list") != 0) {
                errorf("unknown rules command '%s' (check, test or list)", verb);
                return EXIT_USAGE;
        }
        if ((r = load_rules_sources(o, &sources, &rs)) < 0)
                return exit_status_of(r);
        if (o->inventory) {
                ret = cmd_inventory(o, rs, verb, argc == 2 ? argv[1] : NULL);
                rule_sources_done(&sources);
                ruleset_free(rs);
                return ret;
        }
        if (strcmp(verb, "list") == 0) {
                r = rules_list(rs, &sources, o->format, &out);
                ret = r < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
        } else {
                RulesTestResult res;
                r = rules_test(rs, &out, &res);
                if (r >= 0)
                        strbuf_printf(
                                &out,
                                "rules test: %zu examples, %zu counter-examples: %zu passed, %zu failed\n",
                                res.examples, res.counters, res.examples + res.counters - res.failures,
                                res.failures);
                ret = r < 0 ? EXIT_INTERNAL : res.failures ? EXIT_CAUSE : EXIT_NO_CAUSE;
        }
        if (r < 0)
                errorf("out of memory");
        else if (print_output(&out) < 0)
                ret = EXIT_INTERNAL;
        strbuf_done(&out);
        rule_sources_done(&sources);
        ruleset_free(rs);
        return ret;
}
