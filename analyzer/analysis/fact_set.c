/* SPDX-License-Identifier: MIT */
/* The facts log lines proved, each kept once per fact, device and boot, for refutation to look up. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vfioexplain/pci_address.h"

#include "fact_set.h"
#include "hash.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

typedef struct Fact {
        size_t fact;
        unsigned epoch;
        PciAddress device;
} Fact;

/* Open addressing over positions in the list (1 + position, 0 empty), twice as many slots as facts. Both
 * start small and double as the list fills: the analyses of many hosts each have one, and a table made whole
 * is touched all over by the hash however few facts it holds. */
struct FactSet {
        Fact *facts;
        size_t n, cap;
        uint32_t *slots;
        size_t mask;
};

#define FACTS_FIRST 32u

_Static_assert(VX_FACTS_MAX < UINT32_MAX / 2, "positions fit the slots");
_Static_assert(FACTS_FIRST <= VX_FACTS_MAX, "the first list is within the bound");

int fact_set_new(FactSet **ret) {
        FactSet *s = calloc(1, sizeof(FactSet));

        if (!s)
                return -ENOMEM;
        s->facts = calloc(FACTS_FIRST, sizeof(Fact));
        s->slots = calloc(2 * FACTS_FIRST, sizeof(uint32_t));
        s->cap = FACTS_FIRST;
        s->mask = 2 * FACTS_FIRST - 1;
        if (!s->facts || !s->slots) {
                fact_set_free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

FactSet *fact_set_free(FactSet *s) {
        if (!s)
                return NULL;
        free(s->facts);
        free(s->slots);
        free(s);
        return NULL;
}

static size_t slot_of(size_t fact, const char *device, unsigned epoch) {
        uint64_t h = (FNV1A_INIT ^ fact) * UINT64_C(0x9e3779b97f4a7c15) + epoch;
        return hash_slot(fnv1a_str(h, device));
}

static bool is(const Fact *f, size_t fact, const char *device, unsigned epoch) {
        return f->fact == fact && f->epoch == epoch && strcmp(f->device, device) == 0;
}

/* The slot that holds the fact, or the empty one where it would go. */
static size_t find(const FactSet *s, size_t fact, const char *device, unsigned epoch) {
        size_t i = slot_of(fact, device, epoch) & s->mask;
        while (s->slots[i] != 0 && !is(&s->facts[s->slots[i] - 1], fact, device, epoch))
                i = (i + 1) & s->mask;
        return i;
}

/* Twice the room; the set is as it was when that fails. */
static int grow_table(FactSet *s) {
        size_t cap = MIN(2 * s->cap, (size_t) VX_FACTS_MAX), mask = 2 * cap - 1;
        Fact *facts = realloc(s->facts, cap * sizeof(Fact));
        if (!facts)
                return -ENOMEM;
        s->facts = facts;
        uint32_t *slots = calloc(2 * cap, sizeof(uint32_t));
        if (!slots)
                return -ENOMEM;
        free(s->slots);
        s->slots = slots;
        s->mask = mask;
        s->cap = cap;
        for (size_t k = 0; k < s->n; k++) {
                size_t i = find(s, s->facts[k].fact, s->facts[k].device, s->facts[k].epoch);
                s->slots[i] = (uint32_t) k + 1;
        }
        return 0;
}

int fact_set_add(FactSet *s, size_t fact, const char *device, unsigned epoch, bool room) {
        if (strlen(device) >= sizeof(((Fact *) 0)->device))
                return -EINVAL;
        size_t i = find(s, fact, device, epoch);
        if (s->slots[i] != 0)
                return 0;
        if (s->n >= VX_FACTS_MAX || !room)
                return -ENOSPC;
        if (s->n == s->cap) {
                int r = grow_table(s);
                if (r < 0)
                        return r;
                i = find(s, fact, device, epoch);
        }
        Fact *f = &s->facts[s->n++];
        *f = (Fact){.fact = fact, .epoch = epoch};
        strcpy(f->device, device);
        s->slots[i] = (uint32_t) s->n;
        return 1;
}

bool fact_set_holds(const FactSet *s, size_t fact, unsigned epoch, const char *device) {
        if (device)
                return s->slots[find(s, fact, "", epoch)] != 0 ||
                        (device[0] && s->slots[find(s, fact, device, epoch)] != 0);
        /* Asked once per finding, at the end: a scan is enough. */
        for (size_t i = 0; i < s->n; i++)
                if (s->facts[i].fact == fact && s->facts[i].epoch == epoch)
                        return true;
        return false;
}

bool fact_set_holds_anywhere(const FactSet *s, size_t fact) {
        for (size_t i = 0; i < s->n; i++)
                if (s->facts[i].fact == fact)
                        return true;
        return false;
}
