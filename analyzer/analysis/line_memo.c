/* SPDX-License-Identifier: MIT */
/* The line memo: what matching a message did, so that the same message later is not matched again. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "hash.h"
#include "line_memo.h"
#include "vfioexplain/limits.h"

#define WAYS VX_LINE_MEMO_WAYS
/* One new key in this many is stored as the most recently used of its set, the others as the least. */
#define MRU_INSERT_EVERY 16u

#define CACHE_LINE 64u

/* A key and what it did, side by side in one cache line. */
typedef struct Slot {
        _Alignas(CACHE_LINE) uint8_t key_len;
        uint8_t payload_len;
        unsigned char data[VX_LINE_MEMO_ENTRY_MAX]; /* the key, then the payload */
} Slot;

/* What a look-up reads of a set before it reads a slot: a tag (16 bits of the hash that the set's index does
 * not use) and a clock for each way, in one cache line. */
typedef struct Set {
        _Alignas(CACHE_LINE) uint16_t tag[WAYS];
        uint32_t used[WAYS]; /* when last stored or found (clock); below cleared: empty */
} Set;

#define N_SETS (VX_LINE_MEMO_SLOTS / WAYS)

/* WAYS slots per set: a key that lands on a full set evicts the one least recently used, so a few messages
 * that share a set do not keep evicting each other. A new key comes in as the least recently used but now
 * and then (bimodal insertion, Qureshi et al., ISCA 2007): a log that cycles through more messages of a set
 * than it holds then keeps WAYS - 1 of them, where plain LRU evicted each just before it came again, and a
 * key not looked up again still ages out. A look-up that finds its key reads two cache lines (the set, the
 * slot). */
struct LineMemo {
        uint32_t clock;
        uint32_t cleared;
        uint32_t inserts;
        void *mem; /* sets and slots, as allocated */
        Set *sets;
        Slot *slots;
};

_Static_assert((VX_LINE_MEMO_SLOTS & (VX_LINE_MEMO_SLOTS - 1)) == 0 && VX_LINE_MEMO_SLOTS >= WAYS &&
                       (WAYS & (WAYS - 1)) == 0,
               "sets of WAYS slots, a power of two of them");
_Static_assert(sizeof(Set) == CACHE_LINE, "a set's tags and clocks in one cache line");
_Static_assert(N_SETS <= (UINT64_C(1) << 48), "the tag is hash bits the set index does not use");
_Static_assert(sizeof(Slot) == CACHE_LINE, "a slot is one cache line");
_Static_assert(sizeof(((Set *) 0)->tag) == 16 && WAYS <= 16,
               "ways_tagged() compares a set's tags in one vector");

int line_memo_new(LineMemo **ret) {
        LineMemo *m = calloc(1, sizeof(LineMemo));
        if (!m)
                return -ENOMEM;
        /* calloc of this size maps zero pages: a slot costs memory once something is stored in it. It
         * guarantees less alignment than a cache line: the arrays start at the first line boundary. */
        m->mem = calloc(1, N_SETS * sizeof(Set) + VX_LINE_MEMO_SLOTS * sizeof(Slot) + CACHE_LINE);
        if (!m->mem) {
                free(m);
                return -ENOMEM;
        }
        m->sets = (Set *) (((uintptr_t) m->mem + CACHE_LINE - 1) & ~(uintptr_t) (CACHE_LINE - 1));
        m->slots = (Slot *) (m->sets + N_SETS);
        m->clock = m->cleared = 1;
        *ret = m;
        return 0;
}

LineMemo *line_memo_free(LineMemo *m) {
        if (m)
                free(m->mem);
        free(m);
        return NULL;
}

/* The clock restarts, slots and all, before it wraps (after 2^32 look-ups). */
static void tick(LineMemo *m) {
        if (++m->clock == 0) {
                for (size_t i = 0; i < N_SETS; i++)
                        memset(m->sets[i].used, 0, sizeof(m->sets[i].used));
                m->clock = m->cleared = 1;
        }
}

void line_memo_clear(LineMemo *m) {
        tick(m);
        m->cleared = m->clock;
}

static Set *set_of(const LineMemo *m, uint64_t hash) {
        return &m->sets[hash & (N_SETS - 1)];
}

static uint16_t tag_of(uint64_t hash) {
        return (uint16_t) (hash >> 48);
}

void line_memo_prefetch_set(const LineMemo *m, uint64_t hash) {
        __builtin_prefetch(set_of(m, hash));
}

/* The ways of set whose tag is tag, as bit 2 * way of the result (none is 0): one compare of all eight
 * tags, where a loop over the ways mispredicted a branch on most look-ups. */
static unsigned ways_tagged(const Set *set, uint16_t tag) {
#ifdef __SSE2__
        __m128i tags = _mm_load_si128((const __m128i *) set->tag);
        return (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi16(tags, _mm_set1_epi16((short) tag))) & 0x5555u;
#else
        unsigned ways = 0;
        for (unsigned w = 0; w < WAYS; w++)
                ways |= (unsigned) (set->tag[w] == tag) << (2 * w);
        return ways;
#endif
}

/* Whether the len bytes at a and b are the same, a word at a time (the last word may overlap the one
 * before): keys are tens of bytes, where a call to memcmp() costs more than the compare. */
static bool keys_equal(const unsigned char *a, const unsigned char *b, size_t len) {
        if (len < 8)
                return memcmp(a, b, len) == 0;
        uint64_t diff = hash_load64(a + len - 8) ^ hash_load64(b + len - 8);
        for (size_t i = 0; i + 8 < len; i += 8)
                diff |= hash_load64(a + i) ^ hash_load64(b + i);
        return diff == 0;
}

void line_memo_prefetch_slots(const LineMemo *m, uint64_t hash) {
        const Set *set = set_of(m, hash);

        for (unsigned ways = ways_tagged(set, tag_of(hash)); ways; ways &= ways - 1) {
                size_t w = (size_t) __builtin_ctz(ways) / 2;
                if (set->used[w] >= m->cleared)
                        __builtin_prefetch(&m->slots[(size_t) (set - m->sets) * WAYS + w]);
        }
}

const void *line_memo_get(LineMemo *m, uint64_t hash, const void *key, size_t key_len, size_t *ret_len) {
        Set *set = set_of(m, hash);

        for (unsigned ways = ways_tagged(set, tag_of(hash)); ways; ways &= ways - 1) {
                size_t w = (size_t) __builtin_ctz(ways) / 2;
                if (set->used[w] < m->cleared)
                        continue;
                const Slot *s = &m->slots[(size_t) (set - m->sets) * WAYS + w];
                if (s->key_len != key_len || !keys_equal(s->data, key, key_len))
                        continue;
                tick(m);
                if (set->used[w] != 0) /* the clock did not restart */
                        set->used[w] = m->clock;
                *ret_len = s->payload_len;
                return s->data + s->key_len;
        }
        return NULL;
}

int line_memo_put(LineMemo *m, uint64_t hash, const void *key, size_t key_len, const void *payload,
                  size_t payload_len) {
        if (key_len > VX_LINE_MEMO_ENTRY_MAX || payload_len > VX_LINE_MEMO_ENTRY_MAX - key_len)
                return -E2BIG;
        tick(m);
        Set *set = set_of(m, hash);
        size_t victim = 0;
        for (size_t w = 1; w < WAYS; w++)
                if (set->used[w] < set->used[victim])
                        victim = w;
        Slot *s = &m->slots[(size_t) (set - m->sets) * WAYS + victim];
        set->tag[victim] = tag_of(hash);
        /* An empty slot's clock is below cleared; a key stored in it counts as the set's oldest. */
        if (m->inserts++ % MRU_INSERT_EVERY == 0)
                set->used[victim] = m->clock;
        else if (set->used[victim] < m->cleared)
                set->used[victim] = m->cleared;
        s->key_len = (uint8_t) key_len;
        s->payload_len = (uint8_t) payload_len;
        memcpy(s->data, key, key_len);
        memcpy(s->data + key_len, payload, payload_len);
        return 0;
}
