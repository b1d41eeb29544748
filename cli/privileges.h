/* SPDX-License-Identifier: MIT */
#pragma once

/* What a command keeps of root's capabilities, and dropping the rest. The uid stays 0: files owned by
 * root (the journal of the system, tracefs, /sys/firmware/acpi/tables, libvirt's logs) are read through
 * their owner bits, which no capability governs. What each kept capability is for:
 *
 *   cap_dac_read_search  files of other users: their journals, a QEMU's /proc entries, logs named
 *   cap_syslog           /dev/kmsg under kernel.dmesg_restrict=1 (checked when it is opened)
 *   cap_sys_admin        PCI config space past 64 bytes (ACS, in the extended capabilities) and the
 *                        addresses of /proc/iomem (both decided by the opener's credentials)
 *   cap_sys_ptrace       /proc of another user's QEMU when /proc is mounted with hidepid=
 *   cap_dac_override     snapshot -o FILE in a directory root does not own
 *   cap_kill             run: forwarding Ctrl-C to a command that changed its uid (QEMU -run-with user=)
 *
 * VFIOEXPLAIN_PRIVILEGES=keep leaves everything as it is (and says so); =debug says what was kept. */

#include <linux/capability.h>
#include <stdint.h>

#include "cli.h"

#define PRIV_CAP(c) (UINT64_C(1) << (c))
/* What live probing of / needs beyond reading: dropped once a one-shot command has probed. */
#define PRIV_PROBE (PRIV_CAP(CAP_SYS_ADMIN) | PRIV_CAP(CAP_SYS_PTRACE))

/* The capabilities command (a command word: "explain", "check", ...) needs with these options. */
uint64_t privileges_for(const Options *o, const char *command);
/* Sets no_new_privs and keeps only keep in the effective and permitted sets, and in the bounding set
 * while cap_setpcap allows; clears the inheritable and ambient sets. Never fails the command: where the
 * environment does not allow a step, it is left out (said under VFIOEXPLAIN_PRIVILEGES=debug). */
void privileges_reduce(uint64_t keep);
