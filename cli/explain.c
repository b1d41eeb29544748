/* SPDX-License-Identifier: MIT */
/* vfioexplain [FILE...]: explain the given logs, stdin, or this boot's journal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "hosts.h"
#include "journal.h"
#include "kmsg.h"
#include "privileges.h"
#include "progress.h"
#include "rootfs.h"
#include "trace.h"
#include "vm.h"

/* Reads the journal the options select into the per-host analyses. Returns the number of entries
 * read, or a negative errno (reported). */
static long feed_journal(HostSet *hosts, const JournalQuery *q, bool empty_ok) {
        Journal *j = NULL;
        Diag d = {0};
        JournalEntry e;
        long n = 0;
        int r;

        r = journal_open(q, &j, &d);
        if (r == -ENODATA && empty_ok) {
                diag_done(&d);
                return 0;
        }
        if (r < 0) {
                errorf("%s", d.n ? d.lines[0] : strerror(-r));
                diag_done(&d);
                return r;
        }
        diag_done(&d);
        Progress p;
        progress_init(&p, q->directory ? q->directory : q->n_files ? q->files[0] : "the journal");
        while ((r = journal_next(j, &e)) > 0) {
                if ((r = hostset_feed_entry(hosts, j, &e, "journal")) < 0)
                        break;
                if (++n % 1024 == 0)
                        progress_update(&p, (double) n, "entries");
        }
        progress_done(&p);
        journal_free(j);
        if (r == -E2BIG)
                errorf("the journal holds more than %u hosts; name fewer with --file", VX_HOSTS_MAX);
        else if (r == -ENOMEM)
                errorf("out of memory");
        else if (r < 0)
                errorf("reading the journal: %s", strerror(-r));
        return r < 0 ? r : n;
}

/* Every record the kernel's ring buffer still holds: the fallback on a host without a journal. */
static int feed_kmsg(Analysis *a) {
        Kmsg *k = NULL;
        KmsgRecord rec;
        unsigned long n = 0;
        uint64_t lost = 0;
        int r;

        if ((r = kmsg_open("/dev/kmsg", false, &k)) < 0) {
                errorf("no journal, and /dev/kmsg: %s%s", strerror(-r),
                       r == -EACCES || r == -EPERM ? " (run as root, or pipe dmesg in)" : "");
                return r;
        }
        while ((r = kmsg_next(k, &rec)) > 0) {
                lost += rec.lost;
                if ((r = analysis_feed(a, "/dev/kmsg", ++n, rec.text, rec.len)) < 0)
                        break;
        }
        kmsg_free(k);
        if (r < 0) {
                errorf("/dev/kmsg: %s", strerror(-r));
                return r;
        }
        if (lost)
                errorf("warning: /dev/kmsg: %llu kernel messages were overwritten before they could be read",
                       (unsigned long long) lost);
        return 0;
}

typedef struct TraceFeed {
        Analysis *a;
        const char *name;
        unsigned long n;
} TraceFeed;

static int feed_trace_line(const char *line, size_t len, const TraceEventMeta *m, void *userdata) {
        TraceFeed *t = userdata;
        return analysis_feed(t->a, t->name, ++t->n, line, len);
}

/* trace-cmd record's output starts with these bytes (trace-cmd's Documentation/trace-cmd/trace-cmd.dat). */
static bool is_trace_dat(int fd) {
        static const char magic[] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
        char head[sizeof(magic)];
        return pread(fd, head, sizeof(head), 0) == (ssize_t) sizeof(head) &&
                memcmp(head, magic, sizeof(magic)) == 0;
}

/* A recorded trace.dat: its IOMMU events, decoded into the kernel's own trace text. */
static int feed_trace_dat(Analysis *a, const Input *in) {
        TraceFeed t = {.a = a, .name = in->name};
        Diag d = {0};
        int r = trace_read_dat(in->name, feed_trace_line, &t, &d);
        if (r < 0)
                errorf("%s", d.n ? d.lines[0] : strerror(-r));
        diag_done(&d);
        return r < 0 ? r : 0;
}

static int open_inputs(int argc, char **argv, Input *inputs, size_t *n_inputs) {
        for (int i = 0; i < argc; i++) {
                if (strcmp(argv[i], "-") == 0) {
                        inputs[(*n_inputs)++] = (Input){.name = "-", .fd = STDIN_FILENO};
                        continue;
                }
                /* What the user names is read as it is: <(cmd) and a FIFO are what was asked for. */
                int fd = file_open(AT_FDCWD, argv[i], FILE_NAMED);
                if (fd < 0) {
                        errorf("%s: %s", argv[i], fd == -EISDIR ? "is a directory" : strerror(-fd));
                        return fd == -EISDIR ? -EINVAL : fd;
                }
                inputs[(*n_inputs)++] = (Input){.name = argv[i], .fd = fd, .trace_dat = is_trace_dat(fd)};
        }
        return 0;
}

/* vfioexplain report: explain, written up as a bug-ticket document (Markdown unless JSON is asked). */
int cmd_report(const Options *o, int argc, char **argv) {
        Options ro = *o;
        ro.bug_report = true;
        if (ro.format == OUTPUT_TEXT)
                ro.format = OUTPUT_MARKDOWN;
        return cmd_explain(&ro, argc, argv);
}

int cmd_explain(const Options *o, int argc, char **argv) {
        Input inputs[VX_INPUTS_MAX];
        size_t n_inputs = 0;
        VmTarget vm = {0};
        RuleSet *rs = NULL;
        HostFacts host = {0};
        HostSet hosts;
        bool journal = o->journal_set, own_log = false, stdin_tried = false;
        int ret = EXIT_USAGE, r;

        hostset_init(&hosts, NULL, &host);
        if ((size_t) argc >= VX_INPUTS_MAX) {
                errorf("too many inputs (%d, at most %u)", argc, VX_INPUTS_MAX - 1);
                return EXIT_USAGE;
        }
        if (argc == 0 && !journal && !vm_target_named(o) && o->n_guest_files == 0) {
                /* Nothing named and nothing piped in: this boot of this host. */
                StdinSource src = o->stdin_source >= 0 ? (StdinSource) o->stdin_source : stdin_source();
                if (src == STDIN_LOG)
                        inputs[n_inputs++] = (Input){.name = "-", .fd = STDIN_FILENO};
                else
                        own_log = true;
                stdin_tried = src != STDIN_TERMINAL && src != STDIN_LOG;
                if (src == STDIN_SILENT)
                        errorf("note: nothing came on stdin in %.0f s and no file was named: reading this boot's journal instead (pipe a log in, or name log files)",
                               VX_STDIN_SILENT_MS / 1000.0);
        }
        if (open_inputs(argc, argv, inputs, &n_inputs) < 0)
                goto out;

        if ((r = load_rules(o, &rs)) < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        if (o->no_probe)
                host_facts_init_unprobed(&host);
        else if ((r = get_facts(o, &host)) < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        /* The VM named (--domain, --pve-vm), read with the host's devices at hand, and the logs its layer
         * keeps of it as more inputs. */
        if ((r = vm_target_load(o, &host, &vm)) < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        if (vm_target_open_logs(o, &vm, inputs, &n_inputs, VX_INPUTS_MAX) < 0)
                goto out;
        /* The host is probed: the logs are read with what reading them needs, no more. */
        privileges_reduce_probed(o, o->bug_report ? "report" : "explain");
        hostset_init(&hosts, rs, &host);
        hosts.domain = vm.config;
        hosts.pve = vm.pve;
        hosts.own_input = own_log;

        for (size_t i = 0; i < n_inputs; i++) {
                Analysis *local = hostset_local(&hosts);
                if (!local) {
                        errorf("out of memory");
                        ret = EXIT_INTERNAL;
                        goto out;
                }
                r = inputs[i].trace_dat ? feed_trace_dat(local, &inputs[i]) : feed_input(local, &inputs[i]);
                if (r < 0) {
                        ret = r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
                        goto out;
                }
        }
        if (o->n_guest_files > 0) {
                Analysis *local = hostset_local(&hosts);
                if (!local) {
                        errorf("out of memory");
                        ret = EXIT_INTERNAL;
                        goto out;
                }
                r = feed_guest_files(local, o);
                if (r < 0) {
                        ret = r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
                        goto out;
                }
        }
        if (journal || own_log) {
                JournalQuery q = o->journal;
                if (own_log && !q.boot_set)
                        q.boot_set = true; /* the current boot */
                long n = feed_journal(&hosts, &q, own_log);
                if (n < 0) {
                        ret = n == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
                        goto out;
                }
                /* A host without a journal (or one we may not read) still has its kernel's ring buffer. */
                if (n == 0 && own_log && strcmp(o->sysroot, "/") == 0 && !o->snapshot) {
                        Analysis *local = hostset_local(&hosts);
                        if (!local || feed_kmsg(local) < 0)
                                goto out;
                } else if (n == 0 && own_log && stdin_tried) {
                        /* stdin said "no logs" (</dev/null, a script's empty pipe): the host is judged
                         * alone, as a run before the journal was read in its place. */
                        errorf("note: no journal under %s and nothing on stdin: judging the host alone",
                               o->sysroot);
                } else if (n == 0 && own_log) {
                        errorf("no input: no journal under %s; pipe a log in (qemu-system-x86_64 ... 2>&1 | vfioexplain) or name log files; see --help",
                               o->sysroot);
                        goto out;
                }
        }
        ret = hostset_report(&hosts, o);
out:
        for (size_t i = 0; i < n_inputs; i++)
                if (inputs[i].fd != STDIN_FILENO)
                        close(inputs[i].fd);
        hostset_done(&hosts);
        vm_target_done(&vm);
        ruleset_free(rs);
        host_facts_done(&host);
        return ret;
}
