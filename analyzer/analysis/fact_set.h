/* SPDX-License-Identifier: MIT */
#pragma once

/* The facts log lines proved, as refutation asks for them: which fact (a RuleDef.target), about which
 * device ("" for the host), in which boot. Each is kept once however often a log says it, so a host that
 * names hundreds of devices in every boot of a journal keeps them all (VX_FACTS_MAX). */

#include <stdbool.h>
#include <stddef.h>

typedef struct FactSet FactSet;

int fact_set_new(FactSet **ret);
FactSet *fact_set_free(FactSet *s);

/* Returns 1 when added, 0 when known already, -ENOSPC when the set is full or room is false (a bound shared
 * with other sets is reached), -ENOMEM, or -EINVAL for a device name longer than an address. */
int fact_set_add(FactSet *s, size_t fact, const char *device, unsigned epoch, bool room);

/* Whether fact holds in epoch for device: a fact about the host, or about that device. device NULL: about
 * the host or any device. */
bool fact_set_holds(const FactSet *s, size_t fact, unsigned epoch, const char *device);
/* Whether fact holds anywhere: in some boot, for the host or some device. */
bool fact_set_holds_anywhere(const FactSet *s, size_t fact);
