/* SPDX-License-Identifier: MIT */
/* Reading whole small files within a limit, and writing a buffer whole. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "vfioexplain/macro.h"

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

int read_file_bounded(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len) {
        struct stat st;
        int r, fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (S_ISDIR(st.st_mode))
                r = -EISDIR;
        else
                r = read_fd_bounded(fd, max, ret, ret_len);
        close(fd);
        return r;
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
