/* SPDX-License-Identifier: MIT */
#pragma once

/* A bounded table from a byte string (a line's message, as the rules see it) to what feeding it did: a log
 * says the same things over and over (every boot names every device and group again), and a message that
 * was matched once need not be matched again. A new key may take the slot of an older one. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct LineMemo LineMemo;

int line_memo_new(LineMemo **ret);
LineMemo *line_memo_free(LineMemo *m);

/* Forgets every key, in constant time. */
void line_memo_clear(LineMemo *m);

/* A look-up reads two cache lines that are seldom in the cache: its set, then the slot its tag names. A
 * caller with several keys to look up fetches all their sets, then all their slots, then looks them up:
 * the fetches then overlap, where each look-up alone waits for its own. Neither changes what a look-up
 * finds. */
void line_memo_prefetch_set(const LineMemo *m, uint64_t hash);
void line_memo_prefetch_slots(const LineMemo *m, uint64_t hash);

/* The payload stored for key (hash from hash_bytes() of it), NULL if none; *ret_len is its length. */
const void *line_memo_get(LineMemo *m, uint64_t hash, const void *key, size_t key_len, size_t *ret_len);

/* Stores payload for key, replacing what its slot held. Returns 0, or -E2BIG (nothing stored) when the two
 * together are longer than VX_LINE_MEMO_ENTRY_MAX. The payload is not aligned. */
int line_memo_put(LineMemo *m, uint64_t hash, const void *key, size_t key_len, const void *payload,
                  size_t payload_len);
