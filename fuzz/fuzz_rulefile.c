/* SPDX-License-Identifier: MIT */
/* A rule file (analyzer/engine/rulefile.c, docs/rule-format.md) parsed, validated and compiled as the loader
 * does (ruleset_parse_buffer: the same parser, from a buffer). A file that loads then has its own examples
 * and counter-examples fed through an analysis, so that its patterns run against lines it chose: the PCRE2
 * match and depth limits must keep a crafted pattern on a crafted line from running away (-timeout). */
#include <stdlib.h>

#include "fuzz.h"
#include "output.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/rules.h"

static void run_examples(const RuleSet *rs) {
        Analysis *a = NULL;
        HostFacts host;
        StrBuf out = {0};
        unsigned long n = 0;

        if (analysis_new(rs, &a) < 0)
                abort();
        for (size_t i = 0; i < rs->n_rules; i++) {
                const RuleDef *r = &rs->rules[i];
                for (size_t e = 0; e < r->n_examples; e++)
                        (void) analysis_feed(a, "examples", ++n, r->examples[e].line,
                                             strlen(r->examples[e].line));
                for (size_t e = 0; e < r->n_counters; e++)
                        (void) analysis_feed(a, "counters", ++n, r->counters[e].line,
                                             strlen(r->counters[e].line));
        }
        if (analysis_finish(a) == 0) {
                host_facts_init_unprobed(&host);
                OutputOptions o = {.format = OUTPUT_JSON, .host = &host};
                (void) output_render(a, &o, &out);
                host_facts_done(&host);
        }
        strbuf_done(&out);
        analysis_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RuleSet *rs = calloc(1, sizeof(*rs));
        Diag d = {0};

        if (!rs)
                abort();
        if (ruleset_parse_buffer(rs, "fuzz.rules", (const char *) data, size, &d) == 0 && rs->n_rules > 0)
                run_examples(rs);
        else
                FUZZ_CHECK(d.n > 0 || rs->n_rules == 0); /* a refusal says why */
        diag_done(&d);
        ruleset_free(rs);
        return 0;
}
