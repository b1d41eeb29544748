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
} JudgeHost;

/* Correlates a (fed, not yet finished) with the host h describes, then ranks it (analysis_finish()).
 * Returns 0 or -ENOMEM; on failure a is to be freed, nothing of it reported. */
int judge_analysis(Analysis *a, const JudgeHost *h);
