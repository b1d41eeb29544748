/* SPDX-License-Identifier: MIT */
#pragma once

/* `vfioexplain rules test` and `rules list`: the rule set checked against its own examples, and
 * described for users. Results go to a buffer; the CLI prints them. */

#include <stddef.h>

#include "diag.h"
#include "inventory.h"
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

typedef struct InventoryTestResult {
        size_t rows; /* well-formed rows */
        size_t hold; /* rows whose example, alone, gives what the row says */
        size_t failures;
} InventoryTestResult;

/* The message inventory (docs/inventory.md) against the rules: parsed is what inventory_parse() reported
 * while reading inv; then every row is checked against its rule (inventory_check_rules()), its example is
 * classified and matched, and analysed alone as `vfioexplain --no-probe` would (a guest rule's example as
 * the guest's): a cause row must yield its rule's cause, a symptom row one of the causes its symptom
 * suggests, and the rule must match it; a fact row's rule must match it; a fact or benign row must yield no
 * cause. Each file's "# Rows: " header line must state its figures. One line in report per failure. */
int rules_test_inventory(const RuleSet *rs, Inventory *inv, size_t n, const Diag *parsed, StrBuf *report,
                         InventoryTestResult *ret);

/* The inventory's coverage: messages per program and disposition, per cause, per file, and how many rows
 * hold. Markdown is the per-program table the README carries. */
int rules_list_inventory(const RuleSet *rs, Inventory *inv, size_t n, OutputFormat format, StrBuf *out);
