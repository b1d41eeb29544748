/* SPDX-License-Identifier: MIT */
#pragma once

/* The literal prefilter: an Aho-Corasick automaton over the rules' fast contents, so that one pass
 * over a message finds the few rules that could match it before any regex runs. */

#include <stddef.h>

typedef struct Prefilter Prefilter;

/* Pattern i gets id i. Returns 0 or -ENOMEM/-EINVAL (an empty pattern). */
int prefilter_new(const char *const *patterns, size_t n, Prefilter **ret);
Prefilter *prefilter_free(Prefilter *p);

typedef void (*prefilter_hit_fn)(size_t id, void *userdata);
/* Calls hit for every occurrence of every pattern in text (an id may be reported more than once). */
void prefilter_scan(const Prefilter *p, const char *text, size_t len, prefilter_hit_fn hit, void *userdata);
