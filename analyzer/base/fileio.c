/* SPDX-License-Identifier: MIT */
/* The one place files are opened (fileio.h): found files only when regular, without opening anything
 * else; named files as the user asked; every read bounded; a buffer written whole. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* openat() as flags ask: inside a root with openat2(), or relative to dirfd. */
static int open_resolved(int dirfd, const char *path, int oflags, FileFlags flags) {
        if (flags & FILE_NOFOLLOW)
                oflags |= O_NOFOLLOW;
        oflags |= O_CLOEXEC;
        if (!(oflags & O_PATH))
                oflags |= O_NOCTTY;
        if (flags & FILE_IN_ROOT) {
                struct open_how how = {
                        .flags = (unsigned long long) oflags,
                        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
                };
                while (*path == '/')
                        path++;
                /* EAGAIN: a rename anywhere on the system while a ".." was resolved, and the kernel could
                 * not tell it stayed inside (openat2(2)); busy machines see it. Tried again, a bounded
                 * number of times. */
                long fd;
                unsigned tries = 0;
                do
                        fd = syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof(how));
                while (fd < 0 && errno == EAGAIN && ++tries < VX_OPENAT2_TRIES);
                if (fd >= 0)
                        return (int) fd;
                if (errno != ENOSYS)
                        return -errno;
                /* Kernels before 5.6: no symlink at the end rather than one followed out of the root. */
                oflags |= O_NOFOLLOW;
        }
        int fd = openat(dirfd, path, oflags);
        return fd < 0 ? -errno : fd;
}

int file_open_path(int dirfd, const char *path, FileFlags flags, struct stat *ret_st) {
        struct stat st;
        int fd = open_resolved(dirfd, path, O_PATH | ((flags & FILE_DIRECTORY) ? O_DIRECTORY : 0), flags);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        /* O_PATH|O_NOFOLLOW opens a symlink itself: what O_NOFOLLOW refuses otherwise. */
        if ((flags & FILE_NOFOLLOW) && S_ISLNK(st.st_mode)) {
                close(fd);
                return -ELOOP;
        }
        if (ret_st)
                *ret_st = st;
        return fd;
}

/* The file an O_PATH fd refers to, opened for reading: the same inode, whatever is at its name now. */
static int reopen(int pathfd, const struct stat *st, int dirfd, const char *path, FileFlags flags,
                  int oflags) {
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
        int fd = open(proc, oflags | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0 || errno != ENOENT)
                return fd < 0 ? -errno : fd;
        /* No /proc (a chroot, an early container): by name again, and it must still be that inode. The
         * open is O_NONBLOCK so that a FIFO put there meanwhile cannot block it. */
        struct stat now;
        fd = open_resolved(dirfd, path, oflags | O_NONBLOCK, flags);
        if (fd < 0)
                return fd;
        if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
                close(fd);
                return -ESTALE;
        }
        if (!(oflags & O_NONBLOCK))
                (void) fcntl(fd, F_SETFL, oflags & ~O_ACCMODE);
        return fd;
}

int file_open(int dirfd, const char *path, FileFlags flags) {
        struct stat st;
        int r;

        if (flags & FILE_NAMED) {
                /* What the user named: a FIFO waits for its writer, as the shell's own redirections do. */
                int fd = open_resolved(dirfd, path, O_RDONLY, flags);
                if (fd < 0)
                        return fd;
                r = fstat(fd, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : 0;
                if (r < 0) {
                        close(fd);
                        return r;
                }
                return fd;
        }
        int pathfd = file_open_path(dirfd, path, flags & ~FILE_DIRECTORY, &st);
        if (pathfd < 0)
                return pathfd;
        bool wanted = (flags & FILE_CHAR_DEVICE) ? S_ISCHR(st.st_mode) : S_ISREG(st.st_mode);
        if (!wanted)
                r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        else
                r = reopen(pathfd, &st, dirfd, path, flags,
                           O_RDONLY | ((flags & (FILE_NONBLOCK | FILE_CHAR_DEVICE)) ? O_NONBLOCK : 0));
        close(pathfd);
        return r;
}

DIR *file_opendir(int dirfd, const char *path, FileFlags flags) {
        /* O_DIRECTORY is checked before anything is opened: a FIFO or a device gives ENOTDIR. */
        int fd = open_resolved(dirfd, path, O_RDONLY | O_DIRECTORY, flags);
        if (fd < 0) {
                errno = -fd;
                return NULL;
        }
        DIR *d = fdopendir(fd);
        if (!d) {
                int e = errno;
                close(fd);
                errno = e;
        }
        return d;
}

int file_read(int dirfd, const char *path, FileFlags flags, size_t max, char **ret, size_t *ret_len) {
        struct stat st;
        int r, fd = file_open(dirfd, path, flags);
        if (fd < 0)
                return fd;
        /* sysfs and procfs give a size of 0 or 4096 whatever they hold: only a regular file's size counts.
         */
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (S_ISREG(st.st_mode) && st.st_size > 0 && (unsigned long long) st.st_size > max)
                r = -EFBIG;
        else
                r = read_fd_bounded(fd, max, ret, ret_len);
        close(fd);
        return r;
}

int file_create(const char *path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0644);
        return fd < 0 ? -errno : fd;
}

const char *file_strerror(int r) {
        return r == -EINVAL ? "not a regular file (a FIFO, socket or device node)" : strerror(-r);
}

int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len) {
        /* sysfs and procfs report a size of 4096 or 0 whatever they hold: read until EOF. */
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap > max)
                                return -EFBIG;
                        cap *= 2;
                        char *b = realloc(buf, cap + 1);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max)
                        return -EFBIG;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int write_all_fd(int fd, const void *buf, size_t len) {
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}
