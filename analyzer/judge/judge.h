/* SPDX-License-Identifier: MIT */
#pragma once

/* The one judging step of every command: an analysis of logs correlated with the facts of the host they are
 * judged against (its probes, a VM's configuration, the romfile= files and x-vga= the logs name, the host's
 * architecture, CPU and device classes for the rules' conditions), then ranked. explain, report, check,
 * watch and run all judge through judge_analysis(), so that the same evidence gets the same diagnosis
 * whichever command read it. */

#include <stddef.h>

#include "domain.h"
#include "pve.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/facts.h"

typedef struct JudgeHost {
        /* The host as probed or replayed from a snapshot; NULL or unprobed (no root): the input alone. */
        const HostFacts *facts;
        const DomainConfig *domain; /* --domain, --pve-vm, --incus: its hostdevs judged too; may be NULL */
        const PveState *pve; /* --pve-vm: what only Proxmox VE makes wrong; may be NULL */
        const PciAddress *devices; /* judged beside those the input names (check's) */
        size_t n_devices;
        /* The input is this host's own (its journal, its kernel's ring buffer, journal entries with its
         * _MACHINE_ID): not looked at for another machine's marks. */
        bool own_input;
        /* Journal entries of another machine (this _MACHINE_ID, not this host's); NULL if not so. */
        const char *other_machine_id;
} JudgeHost;

/* Whether the input a holds is another machine's than the host h->facts describes, so that this host's facts
 * must take no part in judging it: the journal said so (h->other_machine_id); or the devices the input shows
 * with their vendor:device ids are more often absent here (or another device at that address) than here;
 * or, when its devices do not tell, every host name the input shows differs from this host's (the first
 * label, whatever its case; localhost, a redacting placeholder such as "host", IP addresses and the names in
 * an input that holds a VM's own kernel log tell nothing). An input that shows neither, or whose one device
 * with ids is here, is this host's. *ret says why (zeroed and counted either way). */
bool judge_other_host(const Analysis *a, const JudgeHost *h, OtherHost *ret);

/* Correlates a (fed, not yet finished) with the host h describes, then ranks it (analysis_finish()). An
 * input judge_other_host() finds another machine's is ranked from itself alone, and marked so
 * (analysis_stats()'s other_host).
 * Returns 0 or -ENOMEM; on failure a is to be freed, nothing of it reported. */
int judge_analysis(Analysis *a, const JudgeHost *h);
