/* SPDX-License-Identifier: MIT */
/* Exec to answer: runs a command N times (stdout to /dev/null) and prints the median, 10th and 90th
 * percentile of the time from fork to its exit, in milliseconds, and the largest peak RSS of the runs in KB
 * (measured here rather than from Python, whose own image a forked child starts with).
 * Usage: coldstart N CMD [ARG...] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
        if (argc < 3)
                return 2;
        int n = atoi(argv[1]);
        double *t = calloc((size_t) n, sizeof(double));
        if (n <= 0 || !t)
                return 2;
        long maxrss = 0;
        for (int i = 0; i < n; i++) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                pid_t pid = fork();
                if (pid == 0) {
                        int null = open("/dev/null", O_WRONLY);
                        dup2(null, STDOUT_FILENO);
                        execv(argv[2], argv + 2);
                        _exit(127);
                }
                int status;
                struct rusage ru;
                wait4(pid, &status, 0, &ru);
                if (ru.ru_maxrss > maxrss)
                        maxrss = ru.ru_maxrss;
                clock_gettime(CLOCK_MONOTONIC, &b);
                if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
                        return 3;
                t[i] = (double) (b.tv_sec - a.tv_sec) * 1e3 + (double) (b.tv_nsec - a.tv_nsec) / 1e6;
        }
        qsort(t, (size_t) n, sizeof(double), cmp_double);
        printf("%.3f %.3f %.3f %ld\n", t[n / 2], t[n / 10], t[n * 9 / 10], maxrss);
        free(t);
        return 0;
}
