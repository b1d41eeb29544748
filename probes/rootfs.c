/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vfioexplain/fileio.h"
#include "vfioexplain/rootfs.h"

int rootfs_open(const char *root) {
        int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int rootfs_openat(int rootfd, const char *relpath, int flags) {
        struct open_how how = {
                .flags = (unsigned long long) (flags | O_CLOEXEC | O_NOCTTY),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        while (*relpath == '/')
                relpath++;
        long fd = syscall(SYS_openat2, rootfd, relpath, &how, sizeof(how));
        if (fd >= 0)
                return (int) fd;
        if (errno != ENOSYS)
                return -errno;
        /* Kernels before 5.6: refuse every symlink rather than follow one out of the root. */
        int f = openat(rootfd, relpath, flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
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
        return r;
}
