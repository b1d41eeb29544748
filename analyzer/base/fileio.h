/* SPDX-License-Identifier: MIT */
#pragma once

/* Opening and reading files: the one place vfioexplain opens one (tests/checksrc.py fails the suite on
 * an open() anywhere else). A file the user named is opened as asked, a FIFO or a terminal included. A
 * file found rather than named (under --sysroot, in a rule directory, a domain's log, a journal under the
 * root, a ROM file) is read only if it is a regular file: a FIFO would block the open, and a device node's
 * driver acts when it is opened (a watchdog arms). So its path is first opened O_PATH, which opens
 * nothing, its type checked on that fd, and only then the file itself opened through /proc/self/fd, the
 * same inode. */

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>

typedef enum FileFlags {
        /* dirfd is a root: every symlink, "..", absolute link resolves inside it (openat2 RESOLVE_IN_ROOT,
         * no magic links); kernels before 5.6 have no openat2, and there the last component may not be a
         * symlink. */
        FILE_IN_ROOT = 1 << 0,
        /* The last component may not be a symlink (a sysfs attribute of a device directory). */
        FILE_NOFOLLOW = 1 << 1,
        /* Named by the user (a log, a snapshot, a ROM file, /dev/stdin, <(cmd)): opened as it is, a FIFO
         * waiting for its writer; only a directory is refused. */
        FILE_NAMED = 1 << 2,
        /* A character device is what is asked for (/dev/kmsg), and nothing else: opened O_NONBLOCK. */
        FILE_CHAR_DEVICE = 1 << 3,
        /* The fd stays O_NONBLOCK (tracefs pipes, a log followed as it grows). */
        FILE_NONBLOCK = 1 << 4,
        /* file_open_path(): a directory is asked for (O_DIRECTORY). */
        FILE_DIRECTORY = 1 << 5,
} FileFlags;

/* Opens path (relative to dirfd, or absolute) read-only. Returns the fd or a negative errno: -EISDIR for a
 * directory, -EINVAL for a file of another type than asked (file_strerror() says it). */
int file_open(int dirfd, const char *path, FileFlags flags);
/* An O_PATH fd for path, which opens nothing: to stat it, or to open what is below it. ret_st (may be
 * NULL) receives its stat. */
int file_open_path(int dirfd, const char *path, FileFlags flags, struct stat *ret_st);
/* A directory, for readdir(); NULL with errno set if path is none. */
DIR *file_opendir(int dirfd, const char *path, FileFlags flags);
/* file_open(), then the whole file within max: -EFBIG past it, before anything is read when its size
 * says so. *ret is NUL-terminated, untouched on failure. */
int file_read(int dirfd, const char *path, FileFlags flags, size_t max, char **ret, size_t *ret_len);
/* Creates (or truncates) path for writing, 0644, never through a symlink: snapshot -o FILE. */
int file_create(const char *path);
/* What an error of these functions means: "not a regular file" for -EINVAL, else strerror(). */
const char *file_strerror(int r);

/* Reads an open fd to EOF into a NUL-terminated buffer; -EFBIG past max. Does not close fd.
 * *ret untouched on failure. */
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len);
/* Writes buf[0..len) to fd, again after a short write or EINTR. Returns 0 or -errno. */
int write_all_fd(int fd, const void *buf, size_t len);
