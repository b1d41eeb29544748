/* SPDX-License-Identifier: MIT */
#pragma once

/* Progress of a long read on stderr, only when stderr is a terminal: one line rewritten in place,
 * shown once a read has taken a second, at most four times a second, and erased when done. */

#include <stdbool.h>
#include <stdint.h>

typedef struct Progress {
        bool on; /* stderr is a terminal */
        const char *what; /* the input's name, as the user gave it */
        uint64_t start_usec, last_usec;
        int width; /* of the line on screen, 0 when none is */
} Progress;

void progress_init(Progress *p, const char *what);
/* count units ("MB", "entries") of the input are read so far. */
void progress_update(Progress *p, double count, const char *units);
void progress_done(Progress *p);
