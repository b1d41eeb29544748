/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "rule_tables.h"

/* Writes rs (loaded from its files, which are read again for their bytes) as C that defines the RuleTables
 * symbol: the definitions of everything the tables point at, then the tables. -ENOMEM, or a file's
 * read error. */
int rule_tables_emit(FILE *out, const RuleSet *rs, const char *symbol);
