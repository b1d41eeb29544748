/* SPDX-License-Identifier: MIT */
#pragma once

/* The probed host state as one JSON document: what `snapshot -o FILE` writes, what `--snapshot
 * FILE` replays every command against, and the "facts" of the JSON output. Reading treats the file
 * as untrusted: every value is checked against its grammar and limits. */

#include <stddef.h>

#include "diag.h"
#include "vfioexplain/facts.h"

struct json_object;

/* A new JSON object describing f (version 1). NULL on allocation failure. */
struct json_object *facts_to_json(const HostFacts *f);

/* Parses a snapshot. On success fills *ret (host_facts_done() frees it) with ret->root = label and
 * returns 0; on a malformed file returns -EINVAL with one line in diag. */
int facts_from_json(const char *buf, size_t len, const char *label, HostFacts *ret, Diag *diag);
