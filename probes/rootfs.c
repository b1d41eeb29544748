/* SPDX-License-Identifier: MIT */
/* Opening files under the probe root without leaving it, whatever its symlinks say. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
        int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int rootfs_openat(int rootfd, const char *relpath, int flags) {
        /* openat2() refuses O_PATH with any flag but O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC. */
        if (!(flags & O_PATH))
                flags |= O_NOCTTY;
        struct open_how how = {
                .flags = (unsigned long long) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        while (*relpath == '/')
                relpath++;
        long fd = syscall(SYS_openat2, rootfd, relpath, &how, sizeof(how));
        if (fd >= 0)
                return (int) fd;
        if (errno != ENOSYS)
                return note_errno(-errno);
        /* Kernels before 5.6: refuse every symlink rather than follow one out of the root. */
        int f = openat(rootfd, relpath, flags | O_CLOEXEC | O_NOFOLLOW);
        return f < 0 ? -errno : f;
}

int rootfs_read_file(int rootfd, const char *relpath, size_t max, char **ret, size_t *ret_len) {
        struct stat st;
        int r, fd = rootfs_openat(rootfd, relpath, O_RDONLY | O_NONBLOCK);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        else
                r = read_fd_bounded(fd, max, ret, ret_len);
        close(fd);
        return note_errno(r);
}

int rootfs_read_attr(int dirfd, const char *name, char *buf, size_t size) {
        char tmp[512];
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
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
        int fd = rootfs_openat(rootfd, relpath, O_RDONLY | O_DIRECTORY);
        if (fd < 0) {
                errno = -fd;
                return NULL;
        }
        DIR *d = fdopendir(fd);
        if (!d) {
                (void) note_errno(-errno);
                close(fd);
        }
        return d;
}

long long rootfs_mtime(int rootfd, const char *relpath) {
        struct stat st;
        int fd = rootfs_openat(rootfd, relpath, O_PATH);
        if (fd < 0)
                return -1;
        int r = fstat(fd, &st);
        close(fd);
        return r < 0 ? -1 : (long long) st.st_mtime;
}
