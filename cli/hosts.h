/* SPDX-License-Identifier: MIT */
#pragma once

/* One analysis per host: a journal directory written by systemd-journal-remote holds many machines,
 * and one machine's failure says nothing about another's. Text inputs and this host's own journal
 * entries go to the local host, the only one the probes describe. */

#include "cli.h"
#include "domain.h"
#include "journal.h"
#include "pve.h"
#include "vfioexplain/limits.h"

typedef struct HostSlot {
        char machine_id[33];
        char hostname[65];
        bool hostname_valid; /* RFC 1123, as read: shown escaped and marked otherwise */
        bool local;
        bool own; /* an entry of it carries this host's _MACHINE_ID: the input is this host's for sure */
        Analysis *a;
} HostSlot;

typedef struct HostSet {
        const RuleSet *rs;
        const HostFacts *facts; /* this host as probed, or unprobed */
        const DomainConfig *domain; /* --domain, --pve-vm, --incus: its devices are probed and checked too */
        const PveState *pve; /* --pve-vm: what only Proxmox VE makes wrong, checked too */
        bool own_input; /* the input is this host's own journal or kernel ring buffer */
        HostSlot slots[VX_HOSTS_MAX];
        size_t n;
        AnalysisBudget budget; /* the hosts' analyses together keep what one may */
        unsigned long entries;
} HostSet;

int hostset_init(HostSet *s, const RuleSet *rs, const HostFacts *facts);
void hostset_done(HostSet *s);
/* The local host's analysis (created on first use); NULL on OOM. */
Analysis *hostset_local(HostSet *s);
/* Feeds a journal entry to its host's analysis. */
int hostset_feed_entry(HostSet *s, Journal *j, const JournalEntry *e, const char *input);
/* The facts a slot's analysis is rendered with: this host's for the local host's input, unprobed for
 * another machine's (a journal's other _MACHINE_ID, or an input judge_analysis() found another's). */
const HostFacts *hostset_facts_of(const HostSet *s, const HostSlot *h, const HostFacts *unprobed);
/* Probes the local host (unless o->no_probe), ranks every host, prints; returns the exit status. */
int hostset_report(HostSet *s, const Options *o);
