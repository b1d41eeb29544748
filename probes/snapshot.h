/* SPDX-License-Identifier: MIT */
#pragma once

/* The probed host state as one JSON document: what `snapshot -o FILE` writes, what `--snapshot
 * FILE` replays every command against, and the "facts" of the JSON output. Both come from one table of
 * fields (snapshot.c). Reading treats the file as untrusted: it is read token by token into the facts,
 * no tree built; an unknown, repeated or missing key, a value outside its grammar or range, a list
 * longer than its bound is refused as it is read. */

#include <stddef.h>

#include "diag.h"
#include "strbuf.h"
#include "vfioexplain/facts.h"

struct json_object;

/* A new JSON object describing f (version 1). NULL on allocation failure. */
struct json_object *facts_to_json(const HostFacts *f);

/* The same object appended to out as json-c pretty-prints facts_to_json() (no newline after it), its
 * lines after the first indented by indent more spaces, built a member and a list entry at a time: the
 * tree of a host of 4096 devices took 30 MB. -EFBIG once more than max bytes would be appended (out then
 * holds a part of it), -ENOMEM. flush, if not NULL, is called after each list entry with out, and may write
 * out what it holds and empty it (its error ends the writing); max is then SIZE_MAX, as what was written
 * out is not counted. */
int facts_put_json(const HostFacts *f, size_t indent, size_t max, int (*flush)(StrBuf *out), StrBuf *out);

/* Parses a snapshot of at most VX_SNAPSHOT_MAX bytes (-EFBIG past it). On success fills *ret
 * (host_facts_done() frees it) with ret->root = label and returns 0; on a malformed file returns -EINVAL
 * with one line in diag (-ENOMEM if memory ran out). */
int facts_from_json(const char *buf, size_t len, const char *label, HostFacts *ret, Diag *diag);
