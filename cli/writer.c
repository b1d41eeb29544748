/* SPDX-License-Identifier: MIT */
/* snapshot -o FILE: FILE written only once the document is whole, by a root process that parses nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "privileges.h"
#include "writer.h"

/* The writer's side: the document from the pipe, then FILE, only if the producer ended well. */
static int write_when_whole(const char *path, int in, pid_t producer) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        bool too_big = false;
        int status, r = 0;

        for (;;) {
                if (len == cap && !too_big) {
                        if (cap > VX_SNAPSHOT_MAX) {
                                too_big = true;
                        } else {
                                char *b = realloc(buf, cap ? cap * 2 : 64 * 1024);
                                if (!b) {
                                        r = -ENOMEM;
                                        too_big = true;
                                } else {
                                        buf = b;
                                        cap = cap ? cap * 2 : 64 * 1024;
                                }
                        }
                }
                char sink[4096];
                ssize_t n = too_big ? read(in, sink, sizeof(sink)) : read(in, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (!too_big)
                        len += (size_t) n;
        }
        close(in);
        while (waitpid(producer, &status, 0) < 0)
                if (errno != EINTR)
                        return EXIT_INTERNAL;
        /* The producer said what went wrong, if anything did: its status is ours, and FILE is untouched. */
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_NO_CAUSE)
                return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_INTERNAL;
        if (r == -ENOMEM) {
                errorf("out of memory; %s not written", path);
                return EXIT_INTERNAL;
        }
        if (too_big) {
                errorf("%s: the snapshot is larger than a snapshot can be read back (%u MiB); nothing written",
                       path, VX_SNAPSHOT_MAX >> 20);
                return EXIT_INTERNAL;
        }
        int fd = file_create(path);
        if (fd < 0) {
                errorf("%s: %s", path, strerror(-fd));
                return EXIT_USAGE;
        }
        r = write_all_fd(fd, buf, len);
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r < 0) {
                errorf("%s: %s", path, strerror(-r));
                return EXIT_INTERNAL;
        }
        return EXIT_NO_CAUSE;
}

int output_file_when_whole(const char *path, int *ret_status) {
        /* Refused now, before the probes, if FILE cannot be where it is asked for. */
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        if (!dir_exists(dirname(copy)))
                return -ENOENT;

        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int e = -errno;
                close(p[0]);
                close(p[1]);
                return e;
        }
        if (pid == 0) {
                close(p[0]);
                return p[1];
        }
        close(p[1]);
        /* Nothing here parses anything: it copies bytes into one file, as root (root's file, in a directory
         * root may not own). Everything else it held is given up now. */
        Privileges keep = {.now = PRIV_CAP(CAP_DAC_OVERRIDE),
                           .probed = PRIV_CAP(CAP_DAC_OVERRIDE),
                           .uid = PRIV_UID_KEEP};
        privileges_reduce(&keep, false);
        /* Ctrl-C reaches both; the producer's end is ours to report. */
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        *ret_status = write_when_whole(path, p[0], pid);
        return OUTPUT_WRITTEN_BY_US;
}
