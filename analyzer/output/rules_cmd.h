/* SPDX-License-Identifier: MIT */
#pragma once

/* `vfioexplain rules test` and `rules list`: the rule set checked against its own examples, and
 * described for users. Results go to a buffer; the CLI prints them. */

#include <stddef.h>

#include "output.h"
#include "strbuf.h"
#include "vfioexplain/rules.h"

typedef struct RulesTestResult {
        size_t examples, counters, failures;
} RulesTestResult;

/* Runs every example and counter of every rule; also fails a cause that no rule can produce.
 * Each failure is one line in report ("file:line: rule ID: what"). */
int rules_test(const RuleSet *rs, StrBuf *report, RulesTestResult *ret);

/* Every cause, and where each rule file came from (sources: what rule_sources_collect found). */
int rules_list(const RuleSet *rs, const RuleSources *sources, OutputFormat format, StrBuf *out);
