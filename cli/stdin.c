/* SPDX-License-Identifier: MIT */
/* Whether a stdin that is no terminal brings a log: a pipe from a command does; /dev/null, an empty file,
 * a pipe closed at once (cron) and one that nobody writes to (ssh host vfioexplain) do not. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "strparse.h"

/* Data waiting, or the end of it: 1 data, 0 end of input, -EAGAIN neither within timeout_ms (-1: wait). */
static int wait_readable(const struct stat *st, int timeout_ms) {
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        int r;
        while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                ;
        if (r <= 0)
                return r == 0 ? -EAGAIN : 1; /* a poll that fails leaves it to read() to say why */
        if (S_ISSOCK(st->st_mode)) {
                char c;
                ssize_t n = recv(STDIN_FILENO, &c, 1, MSG_PEEK | MSG_DONTWAIT);
                return n == 0 ? 0 : 1;
        }
        int avail = 0;
        if (ioctl(STDIN_FILENO, FIONREAD, &avail) == 0 && avail > 0)
                return 1;
        /* A pipe whose writers are gone and that holds nothing: the end. */
        return (p.revents & POLLHUP) ? 0 : 1;
}

static bool parse_pid(const char *s, pid_t *ret) {
        uint64_t v;
        Span sp = span_from_str(s);
        if (!span_eat_digits(&sp, 1, 10, &v) || sp.len != 0 || v == 0 || v > INT32_MAX)
                return false;
        *ret = (pid_t) v;
        return true;
}

/* The parent of pid from /proc/PID/stat (after the command name, which may hold anything). */
static pid_t parent_of(pid_t pid) {
        char path[64], buf[512];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        int fd = file_open(AT_FDCWD, path, 0);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        /* "PID (COMM) STATE PPID ...": COMM may hold anything, ")" included. */
        const char *p = strrchr(buf, ')');
        Span ppid;
        uint64_t v;
        if (!p || !span_nth_word(span_from_str(p + 1), 1, &ppid) || !span_eat_digits(&ppid, 1, 10, &v) ||
            ppid.len != 0 || v == 0 || v > INT32_MAX)
                return 0;
        return (pid_t) v;
}

static bool is_ancestor(pid_t pid) {
        pid_t p = getppid();
        for (unsigned depth = 0; p > 1 && depth < 64; depth++, p = parent_of(p))
                if (p == pid)
                        return true;
        return pid == 1;
}

/* Whether pid holds the write end of the pipe inode. */
static bool holds_write_end(pid_t pid, const char *pipe_name) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/fd", (int) pid);
        DIR *d = file_opendir(AT_FDCWD, path, 0);
        if (!d)
                return false;
        bool found = false;
        for (struct dirent *e; !found && (e = readdir(d));) {
                char link[300], target[64];
                if (e->d_name[0] == '.')
                        continue;
                snprintf(link, sizeof(link), "/proc/%d/fd/%s", (int) pid, e->d_name);
                ssize_t n = readlink(link, target, sizeof(target) - 1);
                if (n <= 0)
                        continue;
                target[n] = 0;
                if (strcmp(target, pipe_name) != 0)
                        continue;
                /* The two ends of a pipe differ in their access mode only. */
                char info[300], buf[256];
                snprintf(info, sizeof(info), "/proc/%d/fdinfo/%s", (int) pid, e->d_name);
                int ifd = file_open(AT_FDCWD, info, 0);
                if (ifd < 0)
                        continue;
                ssize_t k = read(ifd, buf, sizeof(buf) - 1);
                close(ifd);
                if (k <= 0)
                        continue;
                buf[k] = 0;
                /* "flags:\t0100001": octal. */
                const char *flags = strstr(buf, "flags:");
                Span octal;
                if (!flags || !span_nth_word(span_make(flags + 6, strcspn(flags + 6, "\n")), 0, &octal))
                        continue;
                unsigned long v = 0;
                size_t i = 0;
                for (; i < octal.len && i < 22 && octal.p[i] >= '0' && octal.p[i] <= '7'; i++)
                        v = v << 3 | (unsigned long) (octal.p[i] - '0');
                if (i == octal.len && (v & O_ACCMODE) == O_WRONLY)
                        found = true;
        }
        closedir(d);
        return found;
}

/* A command of the same pipeline writes to our stdin: a process other than our own ancestors (sshd, cron,
 * the shell that started us) holds the pipe's write end. What we may not look at does not count. */
static bool pipeline_writer(const struct stat *st) {
        char pipe_name[64];
        snprintf(pipe_name, sizeof(pipe_name), "pipe:[%llu]", (unsigned long long) st->st_ino);
        DIR *d = file_opendir(AT_FDCWD, "/proc", 0);
        if (!d)
                return false;
        bool found = false;
        pid_t self = getpid();
        for (struct dirent *e; !found && (e = readdir(d));) {
                pid_t pid;
                if (!parse_pid(e->d_name, &pid) || pid == self)
                        continue;
                if (holds_write_end(pid, pipe_name) && !is_ancestor(pid))
                        found = true;
        }
        closedir(d);
        return found;
}

StdinSource stdin_source(void) {
        struct stat st;
        if (isatty(STDIN_FILENO))
                return STDIN_TERMINAL;
        if (fstat(STDIN_FILENO, &st) < 0)
                return STDIN_LOG; /* closed: reading it says so */
        if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
                return STDIN_EMPTY; /* /dev/null */
        if (S_ISREG(st.st_mode))
                return st.st_size == 0 ? STDIN_EMPTY : STDIN_LOG;
        if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
                return STDIN_LOG;
        int r = wait_readable(&st, VX_STDIN_FIRST_WAIT_MS);
        if (r == -EAGAIN && S_ISFIFO(st.st_mode) && pipeline_writer(&st))
                /* A command piped into us that has not spoken yet (a VM still starting): its output is
                 * what to explain, however long it takes. */
                r = wait_readable(&st, -1);
        else if (r == -EAGAIN)
                r = wait_readable(&st, VX_STDIN_SILENT_MS - VX_STDIN_FIRST_WAIT_MS);
        return r > 0 ? STDIN_LOG : r == 0 ? STDIN_EMPTY : STDIN_SILENT;
}
