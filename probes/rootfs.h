/* SPDX-License-Identifier: MIT */
#pragma once

/* Opening files under a root directory (the host's "/", a fixture tree or a snapshot) without ever
 * leaving it: symlinks resolve inside the root (openat2 RESOLVE_IN_ROOT), "..", absolute links and
 * magic links cannot escape. Every file is read through fileio.h: only a regular file is opened, never a
 * FIFO or a device node a hostile tree puts in its place. */

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Returns an O_PATH directory fd for root, or a negative errno. */
int rootfs_open(const char *root);
/* Whether a read under a root failed for want of memory since the last call (and forgets it). */
bool rootfs_take_out_of_memory(void);
/* An O_PATH fd of the directory relpath under the root (to open what is below it), or a negative errno. */
int rootfs_open_dir(int rootfd, const char *relpath);
/* An O_PATH fd of relpath under the root, which opens nothing, with its stat (may be NULL). */
int rootfs_open_path(int rootfd, const char *relpath, struct stat *ret_st);
/* The regular file relpath under the root, opened for reading; -EINVAL for any other type. */
int rootfs_open_file(int rootfd, const char *relpath);
/* Opens the directory relpath under the root for readdir(); NULL (errno set) if it cannot. */
DIR *rootfs_opendir(int rootfd, const char *relpath);
/* The modification time of relpath under the root, -1 if it cannot be had. */
long long rootfs_mtime(int rootfd, const char *relpath);
/* Reads a regular file under the root, bounded by max (-EFBIG past it). */
int rootfs_read_file(int rootfd, const char *relpath, size_t max, char **ret, size_t *ret_len);

/* A one-line sysfs/procfs attribute of the directory dirfd (no symlink followed, a regular file): its
 * first line, NUL-terminated, cut to size. Returns 0 or a negative errno; buf untouched on failure. */
int rootfs_read_attr(int dirfd, const char *name, char *buf, size_t size);
/* The last path component of the symlink dirfd/name (a driver, an iommu_group). */
int rootfs_readlink_base(int dirfd, const char *name, char *buf, size_t size);
