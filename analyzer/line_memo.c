/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfioexplain/limits.h"
#include "vfioexplain/line_memo.h"

#define WAYS 4u

typedef struct Slot {
        uint8_t key_len;
        uint8_t payload_len;
        unsigned char key[VX_LINE_MEMO_KEY_MAX];
        unsigned char payload[VX_LINE_MEMO_PAYLOAD_MAX];
} Slot;

/* WAYS slots per set: a key that lands on a full set evicts the one least recently used, so a few messages
 * that share a set do not keep evicting each other. A set's hashes and clocks lie together, so that a
 * look-up reads one cache line before it reads the slot that holds its key. */
struct LineMemo {
        uint32_t clock;
        uint32_t cleared;
        uint64_t hash[VX_LINE_MEMO_SLOTS];
        uint32_t used[VX_LINE_MEMO_SLOTS]; /* when last stored or found (clock); below cleared: empty */
        Slot slots[VX_LINE_MEMO_SLOTS];
};

_Static_assert((VX_LINE_MEMO_SLOTS & (VX_LINE_MEMO_SLOTS - 1)) == 0 && VX_LINE_MEMO_SLOTS >= WAYS,
               "sets of WAYS slots, a power of two of them");
_Static_assert(VX_LINE_MEMO_KEY_MAX <= UINT8_MAX && VX_LINE_MEMO_PAYLOAD_MAX <= UINT8_MAX, "lengths fit");

int line_memo_new(LineMemo **ret) {
        /* calloc of this size maps zero pages: a slot costs memory once something is stored in it. */
        LineMemo *m = calloc(1, sizeof(LineMemo));
        if (!m)
                return -ENOMEM;
        m->clock = m->cleared = 1;
        *ret = m;
        return 0;
}

LineMemo *line_memo_free(LineMemo *m) {
        free(m);
        return NULL;
}

/* The clock restarts, slots and all, before it wraps (after 2^32 look-ups). */
static void tick(LineMemo *m) {
        if (++m->clock == 0) {
                memset(m->used, 0, sizeof(m->used));
                m->clock = m->cleared = 1;
        }
}

void line_memo_clear(LineMemo *m) {
        tick(m);
        m->cleared = m->clock;
}

static size_t set_of(uint64_t hash) {
        return (size_t) (hash & (VX_LINE_MEMO_SLOTS / WAYS - 1)) * WAYS;
}

const void *line_memo_get(LineMemo *m, uint64_t hash, const void *key, size_t key_len, size_t *ret_len) {
        for (size_t i = set_of(hash), end = i + WAYS; i < end; i++) {
                const Slot *s = &m->slots[i];
                if (m->hash[i] != hash || m->used[i] < m->cleared || s->key_len != key_len ||
                    memcmp(s->key, key, key_len) != 0)
                        continue;
                tick(m);
                if (m->used[i] != 0) /* the clock did not restart */
                        m->used[i] = m->clock;
                *ret_len = s->payload_len;
                return s->payload;
        }
        return NULL;
}

int line_memo_put(LineMemo *m, uint64_t hash, const void *key, size_t key_len, const void *payload,
                  size_t payload_len) {
        if (key_len > VX_LINE_MEMO_KEY_MAX || payload_len > VX_LINE_MEMO_PAYLOAD_MAX)
                return -E2BIG;
        tick(m);
        size_t victim = set_of(hash);
        for (size_t i = victim + 1, end = victim + WAYS; i < end; i++)
                if (m->used[i] < m->used[victim])
                        victim = i;
        Slot *s = &m->slots[victim];
        m->hash[victim] = hash;
        m->used[victim] = m->clock;
        s->key_len = (uint8_t) key_len;
        s->payload_len = (uint8_t) payload_len;
        memcpy(s->key, key, key_len);
        memcpy(s->payload, payload, payload_len);
        return 0;
}
