/* SPDX-License-Identifier: MIT */
#pragma once

/* Reading whole small files within a limit, and writing a buffer whole. */

#include <stddef.h>

/* Reads an open fd to EOF into a NUL-terminated buffer; -EFBIG past max. Does not close fd.
 * *ret untouched on failure. */
int read_fd_bounded(int fd, size_t max, char **ret, size_t *ret_len);
/* The same for path relative to dirfd; -EISDIR for a directory. */
int read_file_bounded(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
/* Writes buf[0..len) to fd, again after a short write or EINTR. Returns 0 or -errno. */
int write_all_fd(int fd, const void *buf, size_t len);
