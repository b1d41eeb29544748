/* SPDX-License-Identifier: MIT */
/* What tests/checksrc.py must refuse as a bound defined outside limits.h (lines marked so) and let pass. */
#define LINES_KEPT_MAX 4096u // banned
/* The devices a listing may name. */
#define LISTED_DEVICES_MAX 256u // banned
#define SAID_MAX 16u /* not-a-limit: the width of a mask */
/* not-a-limit: room for a count of each key the format has, asserted
 * where the keys are listed. */
#define KEYS_MAX 40
#define PER_SEC_MAX_NOT_A_NAME_END 1
#define MAX_LINES 8
