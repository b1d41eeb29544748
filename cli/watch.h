/* SPDX-License-Identifier: MIT */
#pragma once

/* The live sources watch and run follow: /dev/kmsg and the journal (and, with --trace, trace events). */

#include <poll.h>
#include <signal.h>

#include "journal.h"
#include "kmsg.h"
#include "live.h"
#include "trace.h"

typedef struct Sources {
        Kmsg *kmsg;
        Journal *journal;
        TraceLive *trace; /* --trace: a private tracefs instance, removed on close */
        unsigned long trace_events;
} Sources;

/* Opens what can be followed from now on; fails only when nothing can. */
int sources_open(Sources *s, const Options *o, bool quiet);
void sources_close(Sources *s);
/* Fills p (room for 4) with the fds to poll. */
size_t sources_pollfds(Sources *s, struct pollfd *p);
/* How long poll(2) may wait before the sources must be read again, in milliseconds. */
int sources_poll_timeout(const Sources *s);
/* Feeds everything available now. */
int sources_drain(Sources *s, Live *l);

/* SIGINT, SIGTERM and SIGHUP blocked and delivered to the returned fd. */
int signalfd_for_stop(sigset_t *old);
int flush_out(StrBuf *out);
