/* SPDX-License-Identifier: MIT */
#pragma once

/* What a command keeps of root's privileges, and dropping the rest. Once the command is known, a run as
 * root becomes the unprivileged user nobody (VX_UNPRIVILEGED_UID) holding only the capabilities its reads
 * need: root's files are read through cap_dac_read_search, which reads and searches but never writes, so
 * a parser bug that a log or a file exploits finds a process that cannot write, create or remove a file of
 * root's, signal root's processes or load anything. What each kept capability is for:
 *
 *   cap_dac_read_search  files of other users and of root: the journal, logs named, ACPI tables, tracefs
 *   cap_syslog           /dev/kmsg under kernel.dmesg_restrict=1 (checked when it is opened)
 *   cap_sys_admin        PCI config space past 64 bytes (ACS, in the extended capabilities) and the
 *                        addresses of /proc/iomem (both decided by the opener's credentials)
 *   cap_sys_ptrace       /proc of another user's QEMU when /proc is mounted with hidepid=
 *   cap_kill             run: passing Ctrl-C on to its command, which runs as root
 *
 * Two runs keep the uid 0: snapshot -o FILE until it has forked the writer of FILE (cli/writer.c), which
 * stays root with cap_dac_override alone and parses nothing, while the process that probes becomes nobody
 * at once; and watch --trace throughout (it writes tracefs to set up its instance and removes the instance
 * when it ends). VFIOEXPLAIN_PRIVILEGES=keep leaves everything as it is (and says so); =debug says what was
 * kept. */

#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

#define PRIV_CAP(c) (UINT64_C(1) << (c))
/* What live probing of / needs beyond reading: dropped once a one-shot command has probed. */
#define PRIV_PROBE (PRIV_CAP(CAP_SYS_ADMIN) | PRIV_CAP(CAP_SYS_PTRACE))
/* What snapshot -o FILE holds until it has forked its writer: creating FILE where root may not own the
 * directory (the writer keeps it), and becoming nobody afterwards (the producer uses them, then drops them).
 */
#define PRIV_WRITER_FORK (PRIV_CAP(CAP_DAC_OVERRIDE) | PRIV_CAP(CAP_SETUID) | PRIV_CAP(CAP_SETGID))
/* The user a reduced run becomes: the kernel's overflow uid and gid, "nobody" on every distribution. */
#define VX_UNPRIVILEGED_UID 65534u
#define VX_UNPRIVILEGED_GID 65534u

typedef enum PrivUid {
        PRIV_UID_DROP, /* become nobody at once */
        PRIV_UID_DROP_AFTER_FORK, /* snapshot -o FILE: root until the writer of FILE is forked */
        PRIV_UID_KEEP, /* watch --trace: tracefs is written and cleaned up as root */
} PrivUid;

typedef struct Privileges {
        uint64_t now; /* the capabilities the command starts with */
        uint64_t probed; /* what is left once it has probed; the bounding set from the start */
        PrivUid uid;
} Privileges;

/* What command (a command word: "explain", "check", ...) needs with these options. */
Privileges privileges_for(const Options *o, const char *command);
/* Sets no_new_privs; keeps only p->now (p->probed once probed is true) in the effective and permitted
 * sets and p->probed in the bounding set while cap_setpcap allows; clears the inheritable and ambient sets;
 * becomes nobody unless p->uid says not yet. Called again with probed, it only drops. Never fails the
 * command: where the environment does not allow a step, it is left out (said under
 * VFIOEXPLAIN_PRIVILEGES=debug). */
void privileges_reduce(const Privileges *p, bool probed);
/* The reduction once the command has probed (or will not probe): privileges_reduce(&for(o, command), true).
 */
void privileges_reduce_probed(const Options *o, const char *command);
/* snapshot -o FILE, in the process that probes once the writer is forked: nobody with what probing needs,
 * PRIV_WRITER_FORK given up. */
void privileges_reduce_producer(const Options *o, const char *command);
