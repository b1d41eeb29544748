/* SPDX-License-Identifier: MIT */
/* The floor under vfioexplain's throughput: its own reading of the input (the line reader's blocks) and its
 * literal pass over them with the shipped rules' literals (prefilter_mark), doing nothing with the lines the
 * pass marks. What vfioexplain takes beyond this is the work on the marked lines and the per-byte checks.
 *
 *   floor RULES_DIR FILE     (prints the seconds and the lines marked)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "prefilter.h"
#include "reader.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/rules.h"

int main(int argc, char **argv) {
        Diag d = {0};
        RuleSet *rs;
        LineReader rd;
        ReadBlock b;
        PrefilterHits hits = {0};
        struct timespec t0, t1;
        uint64_t *ends = calloc((VX_LINE_MAX + VX_READ_CHUNK + 63) / 64, sizeof(uint64_t));
        size_t n_hits = 0;
        int fd, r;

        if (argc != 3 || !ends)
                return 2;
        if (ruleset_load_dir(argv[1], &d, &rs) < 0) {
                fprintf(stderr, "floor: cannot load the rules of %s\n", argv[1]);
                return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if ((fd = open(argv[2], O_RDONLY | O_CLOEXEC)) < 0 || line_reader_init(&rd, fd) < 0) {
                perror(argv[2]);
                return 1;
        }
        while ((r = line_reader_next_block(&rd, &b)) > 0) {
                prefilter_mark(rs->prefilter, b.text, b.len, ends, &hits);
                n_hits += hits.n;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%.3f s, %zu literal occurrences, %s\n",
               (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9, n_hits,
               prefilter_engine(rs->prefilter));
        return r < 0;
}
