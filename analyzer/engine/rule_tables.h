/* SPDX-License-Identifier: MIT */
#pragma once

/* The shipped rule set, parsed, validated and resolved when vfioexplain is built (tools/emit_tables.c) and
 * kept in the binary as C tables, so that a run does not parse 1 MB of rule text to answer a 20-line log.
 * They are taken only when the rule files found at run time are exactly the files they were built from,
 * byte for byte (the tables hold those bytes to compare with); any other set (a drop-in, a masked file, an
 * edited file, --rules DIR) is parsed and validated as before. The tables leave out what only `rules test`
 * and `rules list` read (the examples, counter-examples and a when's given and miss logs): those commands
 * always parse. */

#include "vfioexplain/limits.h"
#include "vfioexplain/rules.h"

typedef struct RuleTables {
        /* The files they were built from, in load order: their names (without a directory) and bytes. */
        const char *const *names;
        const char *const *texts;
        const size_t *sizes;
        size_t n_files;
        /* Where each file's definitions say they are (their Origin.file): filled with the path each file was
         * found at when the tables are taken. files[i] == paths[i]. */
        char (*paths)[VX_RULE_TABLES_PATH_MAX];
        char **files;
        CauseDef *causes;
        size_t n_causes;
        SymptomDef *symptoms;
        size_t n_symptoms;
        char **facts;
        size_t n_facts;
        RuleDef *rules; /* code NULL, jit_tried false: set by a run, reset when its rule set is freed */
        size_t n_rules;
        RegressionDef *regressions;
        size_t n_regressions;
        size_t regression_cause;
        /* The prefilters as built (prefilter_image_load()) and their patterns' rules. */
        const uint8_t *prefilter_image, *probe_prefilter_image;
        size_t prefilter_image_size, probe_prefilter_image_size;
        PatternRules prefilter_rules, probe_prefilter_rules;
        /* Each rule's compiled pattern alone, PCRE2's serialization (NULL for none), decoded on its rule's
         * first candidate line (ruleset_rule_code()); and max_groups for them all. */
        const uint8_t *const *codes;
        const size_t *code_sizes;
        uint32_t max_groups;
} RuleTables;
