/* SPDX-License-Identifier: MIT */
/* Files under a root directory without ever leaving it (rootfs.h), read through fileio.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "rootfs.h"

/* Set when a read of the root failed for want of memory: the probes take such a failure for "unknown" as
 * any other, but the command must not go on as if the host said so (probe_host() fails with -ENOMEM). */
static bool out_of_memory;

static int note_errno(int r) {
        if (r == -ENOMEM)
                out_of_memory = true;
        return r;
}

bool rootfs_take_out_of_memory(void) {
        bool r = out_of_memory;
        out_of_memory = false;
        return r;
}

int rootfs_open(const char *root) {
        return file_open_path(AT_FDCWD, root, FILE_DIRECTORY, NULL);
}

int rootfs_open_dir(int rootfd, const char *relpath) {
        return note_errno(file_open_path(rootfd, relpath, FILE_IN_ROOT | FILE_DIRECTORY, NULL));
}

int rootfs_open_path(int rootfd, const char *relpath, struct stat *ret_st) {
        return note_errno(file_open_path(rootfd, relpath, FILE_IN_ROOT, ret_st));
}

int rootfs_open_file(int rootfd, const char *relpath) {
        return note_errno(file_open(rootfd, relpath, FILE_IN_ROOT));
}

int rootfs_read_file(int rootfd, const char *relpath, size_t max, char **ret, size_t *ret_len) {
        return note_errno(file_read(rootfd, relpath, FILE_IN_ROOT, max, ret, ret_len));
}

int rootfs_read_attr(int dirfd, const char *name, char *buf, size_t size) {
        char tmp[512];
        int fd = file_open(dirfd, name, FILE_NOFOLLOW);
        if (fd < 0)
                return fd;
        ssize_t n = read(fd, tmp, sizeof(tmp) - 1);
        int e = errno;
        close(fd);
        if (n < 0)
                return -e;
        tmp[n] = 0;
        tmp[strcspn(tmp, "\n")] = 0;
        if (size == 0)
                return -ENOBUFS;
        snprintf(buf, size, "%s", tmp);
        return 0;
}

int rootfs_readlink_base(int dirfd, const char *name, char *buf, size_t size) {
        char tmp[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, tmp, sizeof(tmp) - 1);
        if (n < 0)
                return -errno;
        tmp[n] = 0;
        const char *base = strrchr(tmp, '/');
        base = base ? base + 1 : tmp;
        if (!*base || size == 0)
                return -EINVAL;
        snprintf(buf, size, "%s", base);
        return 0;
}

DIR *rootfs_opendir(int rootfd, const char *relpath) {
        DIR *d = file_opendir(rootfd, relpath, FILE_IN_ROOT);
        if (!d) {
                int e = errno;
                (void) note_errno(-e);
                errno = e;
        }
        return d;
}

long long rootfs_mtime(int rootfd, const char *relpath) {
        struct stat st;
        int fd = rootfs_open_path(rootfd, relpath, &st);
        if (fd < 0)
                return -1;
        close(fd);
        return (long long) st.st_mtime;
}
