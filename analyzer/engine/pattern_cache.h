/* SPDX-License-Identifier: MIT */
#pragma once

/* The shipped rules' patterns, compiled when vfioexplain is built (tools/precompile_rules.c) and kept in
 * the binary, so that loading the rules does not compile them again: compiling was a third of a 20-line
 * log's cold start. A pattern is taken from the cache only if its text is exactly the text compiled, so
 * an edited or added rule (a drop-in in /etc, --rules DIR) is compiled as before. The codes are PCRE2's
 * own serialization (pcre2serialize(3)), which a libpcre2 of another version refuses: then every pattern
 * is compiled.
 *
 * The blob: "VXPC0001", a little-endian u32 count N, N times (u32 length, the pattern's bytes), then a
 * u64 length and that many bytes of pcre2_serialize_encode() output holding the N codes in order. */

#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "vfioexplain/macro.h"

typedef struct PatternCache PatternCache;

/* The blob for n patterns and their compiled codes; *ret is malloc()ed. -ENOMEM, -EINVAL. */
int pattern_cache_encode(char *const *patterns, pcre2_code *const *codes, size_t n, uint8_t **ret,
                         size_t *ret_size);
/* Reads a blob (it must outlive the cache). -EBADMSG: not a well-formed blob; -EPROTO: PCRE2 refused the
 * codes (another version or build of the library); -ENOMEM. *ret untouched on failure. */
int pattern_cache_decode(const uint8_t *blob, size_t size, PatternCache **ret);
/* The code compiled from exactly this pattern text, handed to the caller (who frees it), or NULL when
 * the cache has none (or gave it away already). */
pcre2_code *pattern_cache_take(PatternCache *c, const char *pattern);
size_t pattern_cache_size(const PatternCache *c);
PatternCache *pattern_cache_free(PatternCache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(PatternCache *, pattern_cache_free);
