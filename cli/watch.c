/* SPDX-License-Identifier: MIT */
/* vfioexplain watch: follow the journal, /dev/kmsg and (--trace) kernel trace events, and explain
 * each failure as it happens. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "kmsg.h"
#include "live.h"
#include "watch.h"

int signalfd_for_stop(sigset_t *old) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, old) < 0)
                return -errno;
        int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        return fd < 0 ? -errno : fd;
}

int flush_out(StrBuf *out) {
        int r = out->len ? write_all(strbuf_str(out), out->len) : 0;
        strbuf_reset(out);
        return r;
}

int sources_open(Sources *s, const Options *o, bool quiet) {
        bool local = !o->journal.directory && o->journal.n_files == 0 && strcmp(o->sysroot, "/") == 0;
        Diag d = {0};
        int r;

        *s = (Sources){0};
        if (local && (r = kmsg_open("/dev/kmsg", true, &s->kmsg)) < 0 && !quiet)
                errorf("warning: /dev/kmsg: %s; kernel messages come from the journal only", strerror(-r));
        JournalQuery q = o->journal;
        q.tail = !q.since_usec;
        r = journal_open(&q, &s->journal, &d);
        if (r < 0 && !quiet)
                errorf("warning: %s", d.n ? d.lines[0] : strerror(-r));
        diag_done(&d);
        if (o->trace) {
                Diag td = {0};
                r = trace_live_open(NULL, &s->trace, &td);
                if (r < 0) {
                        errorf("--trace: %s", td.n ? td.lines[0] : strerror(-r));
                        diag_done(&td);
                        sources_close(s);
                        return r;
                }
                diag_done(&td);
        }
        if (!s->kmsg && !s->journal) {
                errorf("nothing to watch: neither the journal nor /dev/kmsg can be read");
                return -ENOENT;
        }
        return 0;
}

void sources_close(Sources *s) {
        int r = trace_live_close(s->trace);
        if (r < 0)
                errorf("warning: could not remove the tracefs instance %s: %s",
                       trace_live_instance_dir(s->trace), strerror(-r));
        trace_live_free(s->trace);
        kmsg_free(s->kmsg);
        journal_free(s->journal);
        *s = (Sources){0};
}

size_t sources_pollfds(Sources *s, struct pollfd *p) {
        size_t n = 0;
        if (s->kmsg)
                p[n++] = (struct pollfd){.fd = kmsg_fd(s->kmsg), .events = POLLIN};
        if (s->trace)
                p[n++] = (struct pollfd){.fd = trace_live_fd(s->trace), .events = POLLIN};
        if (s->journal) {
                int fd = journal_fd(s->journal), ev = journal_events(s->journal);
                if (fd >= 0 && ev >= 0)
                        p[n++] = (struct pollfd){.fd = fd, .events = (short) ev};
        }
        return n;
}

int sources_poll_timeout(const Sources *s) {
        return s->journal ? VX_WATCH_JOURNAL_POLL_MS : VX_WATCH_POLL_MS;
}

typedef struct TraceFeed {
        Live *l;
        unsigned long *n;
} TraceFeed;

static int follow_trace_line(const char *line, size_t len, const TraceEventMeta *m, void *userdata) {
        TraceFeed *t = userdata;
        return live_feed_line(t->l, "trace", ++*t->n, line, len);
}

int sources_drain(Sources *s, Live *l) {
        KmsgRecord rec;
        JournalEntry e;
        int r;

        while (s->kmsg && (r = kmsg_next(s->kmsg, &rec)) > 0) {
                if (rec.lost_uncounted)
                        errorf("warning: /dev/kmsg: kernel messages were overwritten before they could be read");
                else if (rec.lost)
                        errorf("warning: /dev/kmsg: %llu kernel messages were overwritten before they could be read",
                               (unsigned long long) rec.lost);
                if ((r = live_feed_line(l, "/dev/kmsg", (unsigned long) rec.seq, rec.text, rec.len)) < 0)
                        return r;
        }
        if (s->kmsg && r < 0)
                return r;
        if (s->trace) {
                TraceFeed tf = {.l = l, .n = &s->trace_events};
                while ((r = trace_live_read(s->trace, follow_trace_line, &tf)) > 0)
                        ;
                if (r < 0)
                        return r;
        }
        if (!s->journal)
                return 0;
        if ((r = journal_process(s->journal)) < 0)
                return r;
        while ((r = journal_next(s->journal, &e)) > 0) {
                /* /dev/kmsg brought the kernel's lines first; the journal's copies would count twice. */
                if (s->kmsg && e.fields.kernel_transport)
                        continue;
                if ((r = live_feed_entry(l, s->journal, &e)) < 0)
                        return r;
        }
        return r;
}

int cmd_watch(const Options *o, int argc, char **argv) {
        Live live;
        Sources src;
        StrBuf out = {0};
        sigset_t old;
        int sfd, ret = EXIT_USAGE, r;

        if (argc != 0) {
                errorf("usage: vfioexplain watch [--trace] [--format text|json] [journal options]");
                return EXIT_USAGE;
        }
        if (o->format == OUTPUT_MARKDOWN) {
                errorf("watch: --format text or json (JSON lines, one object per update)");
                return EXIT_USAGE;
        }
        if ((r = live_init(&live, o)) < 0)
                return exit_status_of(r);
        if ((sfd = signalfd_for_stop(&old)) < 0) {
                errorf("signalfd: %s", strerror(-sfd));
                goto out_live;
        }
        if (sources_open(&src, o, false) < 0)
                goto out_sig;
        errorf("watching %s%s%s%s; Ctrl-C ends with a summary", src.journal ? "the journal" : "",
               src.journal && src.kmsg ? " and " : "", src.kmsg ? "/dev/kmsg" : "",
               src.trace ? " and IOMMU trace events" : "");

        for (;;) {
                struct pollfd p[4];
                size_t n = sources_pollfds(&src, p);
                p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
                r = poll(p, n, sources_poll_timeout(&src));
                if (r < 0 && errno != EINTR) {
                        errorf("poll: %s", strerror(errno));
                        ret = EXIT_INTERNAL;
                        goto out_src;
                }
                if (p[n - 1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        /* Taken, so that it is not delivered (and fatal) when the mask is restored. */
                        (void) read(sfd, &si, sizeof(si));
                        break;
                }
                if ((r = sources_drain(&src, &live)) < 0 || (r = live_update(&live, &out)) < 0) {
                        errorf("%s", r == -ENOMEM ? "out of memory" : strerror(-r));
                        ret = EXIT_INTERNAL;
                        goto out_src;
                }
                if ((r = flush_out(&out)) == -EPIPE)
                        break;
                if (r < 0) {
                        (void) output_result(r);
                        ret = EXIT_INTERNAL;
                        goto out_src;
                }
        }
        /* The lines that came with the signal still count. */
        (void) sources_drain(&src, &live);
        errorf("stopped after %llu lines; summary:", (unsigned long long) live.lines);
        if (live_summary(&live, &out) < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out_src;
        }
        if (output_result(flush_out(&out)) < 0) {
                ret = EXIT_INTERNAL;
                goto out_src;
        }
        ret = live_causes(&live) > 0 ? EXIT_CAUSE : EXIT_NO_CAUSE;
out_src:
        sources_close(&src);
out_sig:
        close(sfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
out_live:
        strbuf_done(&out);
        live_done(&live);
        return ret;
}
