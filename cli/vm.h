/* SPDX-License-Identifier: MIT */
#pragma once

/* The VM a command is about, whichever layer manages it: a libvirt domain (--domain NAME), a Proxmox VE VM
 * (--pve-vm ID), an incus VM (--incus NAME). Its passthrough devices are judged against the host as one
 * DomainConfig, and the logs its layer keeps of it (the domain log, the task log of the last failed start)
 * are read as inputs. */

#include "cli.h"
#include "domain.h"
#include "incus.h"
#include "pve.h"

typedef struct VmTarget {
        GuestLayer layer;
        DomainConfig domain; /* --domain */
        PveState *pve; /* --pve-vm */
        IncusState *incus; /* --incus */
        const DomainConfig *config; /* the guest's devices, whichever layer; NULL when no VM is named */
        char log_names[2][600];
} VmTarget;

/* Whether the options name a VM. */
bool vm_target_named(const Options *o);
/* Reads the VM the options name (nothing when they name none), with the host's devices at hand (a
 * Proxmox VE host= without a function means its functions). Returns 0, or a negative errno after saying
 * what is wrong on stderr. */
int vm_target_load(const Options *o, const HostFacts *host, VmTarget *t);
/* Opens the VM's own logs under the root (those that exist) as more inputs, at most max in all. One that
 * is not a regular file is an error, said on stderr. */
int vm_target_open_logs(const Options *o, VmTarget *t, Input *inputs, size_t *n_inputs, size_t max);
void vm_target_done(VmTarget *t);
