/* SPDX-License-Identifier: MIT */
/* vfioexplain rules check|test|list: the rule files themselves. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "rules_cmd.h"

int cmd_rules(const Options *o, int argc, char **argv) {
        RuleSet *rs = NULL;
        RuleSources sources = {0};
        StrBuf out = {0};
        int r, ret;

        if (argc != 1) {
                errorf("usage: vfioexplain rules check|test|list");
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
                if (r < 0) {
                        fprintf(stderr, "rules check: %s: invalid\n",
                                o->rules_dir ? o->rules_dir : "rule files");
                        return EXIT_CAUSE;
                }
                size_t masked = 0;
                for (size_t i = 0; i < src.n; i++)
                        masked += src.items[i].masked;
                printf("rules check: %zu files (%zu masked), %zu causes, %zu symptoms, %zu facts, %zu rules (%zu patterns compiled at build time): valid\n",
                       rs->n_files, masked, rs->n_causes, rs->n_symptoms, rs->n_facts, rs->n_rules,
                       rs->n_precompiled);
                rule_sources_done(&src);
                ruleset_free(rs);
                return EXIT_NO_CAUSE;
        }
        if (strcmp(verb, "test") != 0 && strcmp(verb, "list") != 0) {
                errorf("unknown rules command '%s' (check, test or list)", verb);
                return EXIT_USAGE;
        }
        if (load_rules_sources(o, &sources, &rs) < 0)
                return EXIT_USAGE;
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
        if (r >= 0)
                (void) write_all(strbuf_str(&out), out.len);
        strbuf_done(&out);
        rule_sources_done(&sources);
        ruleset_free(rs);
        return ret;
}
