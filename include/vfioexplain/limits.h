/* SPDX-License-Identifier: MIT */
#pragma once

/* Every limit vfioexplain enforces on untrusted input, in one place (curl's STRPARSE discipline).
 * Input beyond a limit is cut and marked or refused with a message, never read unbounded. */

/* A log line longer than this is cut here; the rest of the line is skipped and the cut is marked. */
#define VX_LINE_MAX (64u * 1024u)

/* Bytes read from a file or pipe per read(2). */
#define VX_READ_CHUNK (256u * 1024u)

/* A decoded journal JSON MESSAGE longer than this is cut. */
#define VX_MESSAGE_MAX VX_LINE_MAX

/* Rule files. */
#define VX_RULE_LINE_MAX 4096u
#define VX_RULE_FILE_MAX (4u * 1024u * 1024u)
#define VX_RULE_FILES_MAX 256u
#define VX_RULES_MAX 4096u
#define VX_CAUSES_MAX 512u
#define VX_ID_MAX 64u
#define VX_PATTERN_MAX 2048u
#define VX_CONTENTS_PER_RULE_MAX 8u
#define VX_FIXES_MAX 8u
#define VX_LIST_ITEMS_MAX 32u

/* PCRE2: no pattern may backtrack without bound on a crafted line. */
#define VX_PCRE2_MATCH_LIMIT 100000u
#define VX_PCRE2_DEPTH_LIMIT 5000u

/* A captured value longer than this is cut (it only ever names an address, a path, an errno ...). */
#define VX_CAPTURE_MAX 256u
#define VX_CAPTURES_MAX 8u

/* Analysis memory stays bounded whatever the input size. */
#define VX_FINDINGS_MAX 256u
#define VX_EVIDENCE_PER_FINDING_MAX 16u
#define VX_EVIDENCE_TEXT_MAX 1024u
#define VX_SYMPTOMS_MAX 1024u
#define VX_GROUP_MAP_MAX 1024u
#define VX_FACTS_MAX 64u
#define VX_INPUTS_MAX 256u

/* A snapshot file (the probed state of one host, as JSON). */
#define VX_SNAPSHOT_MAX (64u * 1024u * 1024u)

/* Host files read by probes. */
#define VX_PROBE_FILE_MAX (64u * 1024u)
