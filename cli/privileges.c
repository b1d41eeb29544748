/* SPDX-License-Identifier: MIT */
/* Run as root, a command becomes nobody with only the capabilities its reads need: a log crafted to exploit
 * a parser bug then finds a process that cannot write a file of root's, signal root's processes, load
 * modules or gain anything by executing a program. Which capability each read needs is said in
 * privileges.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "privileges.h"

/* not-a-limit: the highest capability number a 64-bit mask can hold; the kernel's own last one is found by
 * asking. */
#define CAP_NUMBER_MAX 63

typedef struct CapSets {
        uint64_t effective, permitted, inheritable;
} CapSets;

static int caps_get(CapSets *ret) {
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};
        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        *ret = (CapSets){
                .effective = (uint64_t) d[1].effective << 32 | d[0].effective,
                .permitted = (uint64_t) d[1].permitted << 32 | d[0].permitted,
                .inheritable = (uint64_t) d[1].inheritable << 32 | d[0].inheritable,
        };
        return 0;
}

static int caps_set(const CapSets *s) {
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
                {(uint32_t) s->effective, (uint32_t) s->permitted, (uint32_t) s->inheritable},
                {(uint32_t) (s->effective >> 32), (uint32_t) (s->permitted >> 32),
                 (uint32_t) (s->inheritable >> 32)},
        };
        return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

static const char *cap_name(int cap) {
        switch (cap) {
        case CAP_DAC_OVERRIDE:
                return "cap_dac_override";
        case CAP_DAC_READ_SEARCH:
                return "cap_dac_read_search";
        case CAP_KILL:
                return "cap_kill";
        case CAP_SETGID:
                return "cap_setgid";
        case CAP_SETUID:
                return "cap_setuid";
        case CAP_SYS_PTRACE:
                return "cap_sys_ptrace";
        case CAP_SYS_ADMIN:
                return "cap_sys_admin";
        case CAP_SYSLOG:
                return "cap_syslog";
        default:
                return NULL;
        }
}

static void describe(StrBuf *b, uint64_t caps) {
        bool first = true;
        if (__builtin_popcountll(caps) > 8) {
                strbuf_printf(b, "%d capabilities", __builtin_popcountll(caps));
                return;
        }
        for (int c = 0; c <= CAP_NUMBER_MAX; c++) {
                if (!(caps & PRIV_CAP(c)))
                        continue;
                const char *n = cap_name(c);
                if (n)
                        strbuf_printf(b, "%s%s", first ? "" : ",", n);
                else
                        strbuf_printf(b, "%scap_%d", first ? "" : ",", c);
                first = false;
        }
        if (first)
                strbuf_puts(b, "none");
}

static bool debug_wanted(void) {
        const char *e = getenv("VFIOEXPLAIN_PRIVILEGES");
        return e && strcmp(e, "debug") == 0;
}

Privileges privileges_for(const Options *o, const char *command) {
        const Command *c = command_find(command);
        Privileges p = {.now = PRIV_CAP(CAP_DAC_READ_SEARCH), .uid = PRIV_UID_DROP};

        /* help, and any word that is no command, reads nothing of the host's. */
        if (!c) {
                p.probed = p.now;
                return p;
        }
        if (c->probes && !o->no_probe && !o->snapshot)
                p.now |= PRIV_PROBE;
        p.now |= c->caps;
        /* watch and run probe again while they follow: they keep what probing needs. */
        p.probed = c->follows ? p.now : p.now & ~PRIV_PROBE;
        /* snapshot -o FILE forks a writer that creates FILE as root, in a directory root may not own; the
         * producer becomes nobody then (privileges_reduce_producer()). */
        if (strcmp(c->name, "snapshot") == 0 && o->output && strcmp(o->output, "-") != 0) {
                p.now |= PRIV_WRITER_FORK;
                p.uid = PRIV_UID_DROP_AFTER_FORK;
        }
        if (strcmp(c->name, "watch") == 0 && o->trace)
                p.uid = PRIV_UID_KEEP;
        return p;
}

void privileges_reduce_probed(const Options *o, const char *command) {
        Privileges p = privileges_for(o, command);
        privileges_reduce(&p, true);
}

void privileges_reduce_producer(const Options *o, const char *command) {
        Privileges p = privileges_for(o, command);
        p.now &= ~PRIV_WRITER_FORK;
        p.uid = PRIV_UID_DROP;
        privileges_reduce(&p, false);
}

/* Becomes nobody, keeping the permitted set (PR_SET_KEEPCAPS): the effective set is cleared on the way and
 * set again by the caller. Groups first, while cap_setgid is still there. */
static int become_nobody(void) {
        if (geteuid() == VX_UNPRIVILEGED_UID)
                return 0;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return -errno;
        int r = 0;
        if (setgroups(0, NULL) < 0 ||
            setresgid(VX_UNPRIVILEGED_GID, VX_UNPRIVILEGED_GID, VX_UNPRIVILEGED_GID) < 0 ||
            setresuid(VX_UNPRIVILEGED_UID, VX_UNPRIVILEGED_UID, VX_UNPRIVILEGED_UID) < 0)
                r = -errno;
        (void) prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
        return r;
}

void privileges_reduce(const Privileges *p, bool probed) {
        const char *e = getenv("VFIOEXPLAIN_PRIVILEGES");
        bool debug = debug_wanted();
        _cleanup_(strbuf_done) StrBuf note = {0};
        uint64_t keep = probed ? p->probed : p->now;
        CapSets s = {};
        int r;

        if (e && strcmp(e, "keep") == 0) {
                static bool said;
                if (!said)
                        errorf("privileges: not reduced (VFIOEXPLAIN_PRIVILEGES=keep)");
                said = true;
                return;
        }
        /* The user who ran us, for the probes that judge what that user may open (/dev/vfio). */
        host_self_credentials_save();
        /* Nothing is executed with more than we have now (run forks its command before this). */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                strbuf_printf(&note, "; no_new_privs not set: %s", strerror(errno));
        if ((r = caps_get(&s)) < 0) {
                errorf("privileges: capabilities not reduced: capget: %s", strerror(-r));
                return;
        }
        /* The bounding set only limits what an execve() could gain, which no_new_privs already rules out:
         * it is cut to what is left at the end at once, while cap_setpcap is still there. Without it (an
         * unprivileged run, a container that withholds it) the bounding set stays as it is: reduced
         * hardening, not an error. */
        if (s.effective & PRIV_CAP(CAP_SETPCAP))
                for (int c = 0; c <= CAP_NUMBER_MAX && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
                        if (!(p->probed & PRIV_CAP(c)))
                                (void) prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
        uint64_t bounding = 0;
        for (int c = 0; c <= CAP_NUMBER_MAX; c++) {
                int in = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
                if (in < 0)
                        break; /* past the kernel's last capability */
                if (in == 1)
                        bounding |= PRIV_CAP(c);
        }
        if (bounding & ~p->probed) {
                strbuf_puts(&note, "; the bounding set still holds ");
                describe(&note, bounding & ~p->probed);
        }
        /* Older kernels have no ambient set: nothing to clear there. */
        (void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        /* Root becomes nobody: the uid no longer owns root's files and processes. An unprivileged run stays
         * who it is; a container without cap_setuid or cap_setgid keeps the uid (said with debug). */
        bool drop_uid = p->uid == PRIV_UID_DROP || (p->uid == PRIV_UID_DROP_AFTER_FORK && probed);
        if (drop_uid && geteuid() == 0 && (r = become_nobody()) < 0)
                strbuf_printf(&note, "; the uid stays %u: %s", (unsigned) geteuid(), strerror(-r));
        CapSets want = {
                .effective = s.permitted & keep,
                .permitted = s.permitted & keep,
                .inheritable = 0,
        };
        if ((r = caps_set(&want)) < 0)
                strbuf_printf(&note, "; capset: %s", strerror(-r));
        if (debug || r < 0) {
                _cleanup_(strbuf_done) StrBuf kept = {0};
                describe(&kept, r < 0 ? s.permitted : want.permitted);
                errorf("privileges: kept %s as uid %u%s", strbuf_str(&kept), (unsigned) geteuid(),
                       note.len ? strbuf_str(&note) : "");
        }
}
