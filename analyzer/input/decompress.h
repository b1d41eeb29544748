/* SPDX-License-Identifier: MIT */
#pragma once

/* Compressed logs (a rotated /var/log/libvirt/qemu/NAME.log.1.gz, a journal export someone xz'ed) read as
 * the text they hold, streaming: the compressed bytes are read from the file descriptor a chunk at a time
 * and decoded into the caller's buffer, within the bounds of limits.h (VX_DECOMPRESS_*). zlib, liblzma and
 * libzstd are loaded when a file of theirs is first read (analyzer/base/dlopen.h). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum Compression {
        COMPRESSION_NONE,
        COMPRESSION_GZIP,
        COMPRESSION_XZ,
        COMPRESSION_ZSTD,
} Compression;

/* not-a-limit: bytes of an input's start that tell every format apart (xz's magic is the longest). */
#define COMPRESSION_MAGIC_MAX 6u

/* The format whose magic number head starts with, or COMPRESSION_NONE. */
Compression compression_detect(const void *head, size_t len);
/* Whether head[0..len) is the start of some format's magic number (more bytes could make it one). */
bool compression_prefix(const void *head, size_t len);
/* "gzip", "xz" or "zstd"; NULL for COMPRESSION_NONE. */
const char *compression_name(Compression c);

typedef struct Decompressor Decompressor;

/* A decoder of format c for fd, whose first len bytes were already read into head (they are copied).
 * -EOPNOTSUPP: the library cannot be loaded (decompressor_error() says why); -ENOMEM. */
int decompressor_new(Compression c, int fd, const void *head, size_t len, Decompressor **ret);
void decompressor_free(Decompressor *d);

/* Up to len decoded bytes into buf: their number, 0 once the compressed input has ended where a stream
 * ends, or a negative errno: -EBADMSG corrupt or cut short, -EFBIG the text would be larger than the bounds
 * allow (a decompression bomb), -E2BIG the decoder would need more memory than VX_DECOMPRESS_MEMORY_MAX,
 * -ENOMEM, or read(2)'s error. After an error, decompressor_error() says what it was in a few words. */
ssize_t decompressor_read(Decompressor *d, void *buf, size_t len);
const char *decompressor_error(const Decompressor *d);
/* Compressed bytes consumed, and decoded bytes returned, so far. */
uint64_t decompressor_bytes_in(const Decompressor *d);
uint64_t decompressor_bytes_out(const Decompressor *d);
