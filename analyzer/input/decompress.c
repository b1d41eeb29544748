/* SPDX-License-Identifier: MIT */
/* Reading a gzip, xz or zstd compressed log as its text, a chunk at a time, within the bounds of limits.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "decompress.h"
#include "dlopen.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

DLSYM_PROTOTYPE(inflateInit2_);
DLSYM_PROTOTYPE(inflate);
DLSYM_PROTOTYPE(inflateReset);
DLSYM_PROTOTYPE(inflateEnd);

DLSYM_PROTOTYPE(lzma_stream_decoder);
DLSYM_PROTOTYPE(lzma_code);
DLSYM_PROTOTYPE(lzma_end);
DLSYM_PROTOTYPE(lzma_memusage);

DLSYM_PROTOTYPE(ZSTD_createDCtx);
DLSYM_PROTOTYPE(ZSTD_freeDCtx);
DLSYM_PROTOTYPE(ZSTD_DCtx_setParameter);
DLSYM_PROTOTYPE(ZSTD_decompressStream);
DLSYM_PROTOTYPE(ZSTD_isError);
DLSYM_PROTOTYPE(ZSTD_getErrorCode);
DLSYM_PROTOTYPE(ZSTD_getErrorName);

static const struct {
        const char *name;
        uint8_t magic[COMPRESSION_MAGIC_MAX];
        size_t magic_len;
} formats[] = {
        [COMPRESSION_GZIP] = {"gzip", {0x1f, 0x8b}, 2},
        [COMPRESSION_XZ] = {"xz", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6},
        [COMPRESSION_ZSTD] = {"zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4},
};

struct Decompressor {
        Compression c;
        int fd;
        uint8_t *in;
        size_t in_cap, in_pos, in_len;
        bool in_eof;
        bool stream_end; /* the last step ended a stream (a gzip member, a zstd frame, xz's whole input) */
        bool done;
        int failed; /* the errno of the first error, returned again on every later call */
        const char *error;
        uint64_t in_total, out_total;
        union {
                z_stream z;
                lzma_stream x;
                ZSTD_DCtx *zstd;
        };
        bool initialized;
};

Compression compression_detect(const void *head, size_t len) {
        for (size_t c = COMPRESSION_GZIP; c < ELEMENTSOF(formats); c++)
                if (len >= formats[c].magic_len && memcmp(head, formats[c].magic, formats[c].magic_len) == 0)
                        return (Compression) c;
        return COMPRESSION_NONE;
}

bool compression_prefix(const void *head, size_t len) {
        for (size_t c = COMPRESSION_GZIP; c < ELEMENTSOF(formats); c++)
                if (memcmp(head, formats[c].magic, MIN(len, formats[c].magic_len)) == 0)
                        return true;
        return false;
}

const char *compression_name(Compression c) {
        return c > COMPRESSION_NONE && (size_t) c < ELEMENTSOF(formats) ? formats[c].name : NULL;
}

static int load(Compression c, const char **error) {
        static void *zlib, *liblzma, *libzstd;
        switch (c) {
        case COMPRESSION_GZIP:
                return dlopen_many_sym(&zlib, VX_SONAME_ZLIB, error, DLSYM_ARG(inflateInit2_),
                                       DLSYM_ARG(inflate), DLSYM_ARG(inflateReset), DLSYM_ARG(inflateEnd),
                                       NULL);
        case COMPRESSION_XZ:
                return dlopen_many_sym(&liblzma, VX_SONAME_LZMA, error, DLSYM_ARG(lzma_stream_decoder),
                                       DLSYM_ARG(lzma_code), DLSYM_ARG(lzma_end), DLSYM_ARG(lzma_memusage),
                                       NULL);
        case COMPRESSION_ZSTD:
                return dlopen_many_sym(&libzstd, VX_SONAME_ZSTD, error, DLSYM_ARG(ZSTD_createDCtx),
                                       DLSYM_ARG(ZSTD_freeDCtx), DLSYM_ARG(ZSTD_DCtx_setParameter),
                                       DLSYM_ARG(ZSTD_decompressStream), DLSYM_ARG(ZSTD_isError),
                                       DLSYM_ARG(ZSTD_getErrorCode), DLSYM_ARG(ZSTD_getErrorName), NULL);
        default:
                return -EINVAL;
        }
}

/* Sets the decoder up for the next stream: the first, or a gzip member after another. */
static int start(Decompressor *d) {
        switch (d->c) {
        case COMPRESSION_GZIP:
                if (d->initialized)
                        return sym_inflateReset(&d->z) == Z_OK ? 0 : -ENOMEM;
                d->z = (z_stream){0};
                /* 16 + the largest window: gzip's framing, whose trailer (CRC-32, length) inflate() checks.
                 */
                if (sym_inflateInit2_(&d->z, 16 + MAX_WBITS, ZLIB_VERSION, (int) sizeof(z_stream)) != Z_OK)
                        return -ENOMEM;
                break;
        case COMPRESSION_XZ:
                d->x = (lzma_stream) LZMA_STREAM_INIT;
                /* Concatenated streams as xz -d reads them; the decoder's memory bounded (the dictionary of
                 * xz -6, the default, needs 9 MiB). */
                if (sym_lzma_stream_decoder(&d->x, VX_DECOMPRESS_MEMORY_MAX, LZMA_CONCATENATED) != LZMA_OK)
                        return -ENOMEM;
                break;
        case COMPRESSION_ZSTD:
                d->zstd = sym_ZSTD_createDCtx();
                if (!d->zstd)
                        return -ENOMEM;
                /* A frame whose window is larger is refused (frameParameter_windowTooLarge) rather than
                 * allocated: zstd -19 uses 8 MiB, --long 128 MiB. */
                if (sym_ZSTD_isError(sym_ZSTD_DCtx_setParameter(d->zstd, ZSTD_d_windowLogMax,
                                                                VX_DECOMPRESS_WINDOW_LOG_MAX))) {
                        sym_ZSTD_freeDCtx(d->zstd);
                        d->zstd = NULL;
                        return -ENOMEM;
                }
                break;
        default:
                return -EINVAL;
        }
        d->initialized = true;
        return 0;
}

int decompressor_new(Compression c, int fd, const void *head, size_t len, Decompressor **ret) {
        const char *error = NULL;
        if (c == COMPRESSION_NONE || (size_t) c >= ELEMENTSOF(formats))
                return -EINVAL;
        Decompressor *d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        /* The head may be a whole first read of the caller's: it is decoded from where it lies. */
        *d = (Decompressor){
                .c = c, .fd = fd, .in_cap = MAX(len, (size_t) VX_DECOMPRESS_IN_CHUNK), .in_len = len};
        int r = load(c, &error);
        if (r < 0) {
                d->failed = r;
                d->error = error;
                *ret = d; /* for decompressor_error(): the caller frees it */
                return r;
        }
        d->in = malloc(d->in_cap);
        if (!d->in || (r = start(d)) < 0) {
                decompressor_free(d);
                return r < 0 ? r : -ENOMEM;
        }
        memcpy(d->in, head, len);
        *ret = d;
        return 0;
}

void decompressor_free(Decompressor *d) {
        if (!d)
                return;
        if (d->initialized)
                switch (d->c) {
                case COMPRESSION_GZIP:
                        sym_inflateEnd(&d->z);
                        break;
                case COMPRESSION_XZ:
                        sym_lzma_end(&d->x);
                        break;
                case COMPRESSION_ZSTD:
                        sym_ZSTD_freeDCtx(d->zstd);
                        break;
                default:
                        break;
                }
        free(d->in);
        free(d);
}

static ssize_t decode_failed(Decompressor *d, int r, const char *error) {
        d->failed = r;
        d->error = error;
        return r;
}

/* More compressed bytes, once those held are used up: 0, or read(2)'s error. At the end, in_eof. */
static int refill(Decompressor *d) {
        for (;;) {
                ssize_t n = read(d->fd, d->in, d->in_cap);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                d->in_pos = 0;
                d->in_len = (size_t) n;
                d->in_eof = n == 0;
                return 0;
        }
}

/* One call of the library: decodes what it can of in[in_pos..in_len) into out. */
static int decode_step(Decompressor *d, uint8_t *out, size_t len, size_t *produced) {
        size_t avail = d->in_len - d->in_pos;
        size_t left_in = avail, left_out = len;
        d->stream_end = false;

        switch (d->c) {
        case COMPRESSION_GZIP: {
                d->z.next_in = d->in + d->in_pos;
                d->z.avail_in = (uInt) avail;
                d->z.next_out = out;
                d->z.avail_out = (uInt) len;
                int zr = sym_inflate(&d->z, Z_NO_FLUSH);
                left_in = d->z.avail_in;
                left_out = d->z.avail_out;
                if (zr == Z_STREAM_END)
                        d->stream_end = true;
                else if (zr == Z_MEM_ERROR)
                        return decode_failed(d, -ENOMEM, "out of memory");
                else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT || zr == Z_STREAM_ERROR)
                        return decode_failed(d, -EBADMSG, d->z.msg ? d->z.msg : "corrupt data");
                break; /* Z_OK, or Z_BUF_ERROR: no progress without more input */
        }
        case COMPRESSION_XZ: {
                d->x.next_in = d->in + d->in_pos;
                d->x.avail_in = avail;
                d->x.next_out = out;
                d->x.avail_out = len;
                lzma_ret xr = sym_lzma_code(&d->x, d->in_eof ? LZMA_FINISH : LZMA_RUN);
                left_in = d->x.avail_in;
                left_out = d->x.avail_out;
                switch (xr) {
                case LZMA_OK:
                        break;
                case LZMA_STREAM_END:
                        d->stream_end = true;
                        break;
                case LZMA_MEMLIMIT_ERROR:
                        return decode_failed(d, -E2BIG, "an xz dictionary larger than xz -6 makes");
                case LZMA_MEM_ERROR:
                        return decode_failed(d, -ENOMEM, "out of memory");
                case LZMA_FORMAT_ERROR:
                        return decode_failed(d, -EBADMSG, "not an xz stream");
                case LZMA_OPTIONS_ERROR:
                        return decode_failed(d, -EBADMSG, "options this xz does not support");
                case LZMA_BUF_ERROR:
                        return decode_failed(d, -EBADMSG, "it ends before its stream does (cut short)");
                default:
                        return decode_failed(d, -EBADMSG, "corrupt data");
                }
                break;
        }
        case COMPRESSION_ZSTD: {
                ZSTD_inBuffer i = {.src = d->in + d->in_pos, .size = avail};
                ZSTD_outBuffer o = {.dst = out, .size = len};
                size_t zr = sym_ZSTD_decompressStream(d->zstd, &o, &i);
                if (sym_ZSTD_isError(zr)) {
                        ZSTD_ErrorCode e = sym_ZSTD_getErrorCode(zr);
                        if (e == ZSTD_error_frameParameter_windowTooLarge)
                                return decode_failed(d, -E2BIG, "a zstd window larger than zstd -19 makes");
                        if (e == ZSTD_error_memory_allocation)
                                return decode_failed(d, -ENOMEM, "out of memory");
                        return decode_failed(d, -EBADMSG, sym_ZSTD_getErrorName(zr));
                }
                left_in = i.size - i.pos;
                left_out = o.size - o.pos;
                /* 0: a frame is decoded and flushed whole. */
                d->stream_end = zr == 0;
                break;
        }
        default:
                return -EINVAL;
        }
        d->in_pos += avail - left_in;
        d->in_total += avail - left_in;
        *produced = len - left_out;
        return 0;
}

/* At the end of a stream: 1 when another follows (a gzip member after another, as in cat a.gz b.gz; zstd's
 * next frame), 0 at the end of the input. What follows a gzip member that is not one (the zeros some tools
 * pad with) is ignored, as gzip -d does; xz reads its concatenated streams itself (LZMA_CONCATENATED). */
static int next_stream(Decompressor *d) {
        if (d->c == COMPRESSION_XZ)
                return 0;
        if (d->in_pos == d->in_len && !d->in_eof) {
                int r = refill(d);
                if (r < 0)
                        return r;
        }
        if (d->in_pos == d->in_len)
                return 0;
        if (d->c != COMPRESSION_GZIP)
                return 1;
        if (d->in[d->in_pos] != formats[COMPRESSION_GZIP].magic[0])
                return 0;
        int r = start(d);
        return r < 0 ? r : 1;
}

ssize_t decompressor_read(Decompressor *d, void *buf, size_t len) {
        if (d->failed)
                return d->failed;
        if (d->done || len == 0)
                return 0;
        for (;;) {
                if (d->stream_end) {
                        int more = next_stream(d);
                        if (more < 0)
                                return decode_failed(d, more,
                                                     more == -ENOMEM ? "out of memory" : "read error");
                        if (more == 0) {
                                d->done = true;
                                return 0;
                        }
                        d->stream_end = false;
                }
                if (d->in_pos == d->in_len && !d->in_eof) {
                        int r = refill(d);
                        if (r < 0)
                                return decode_failed(d, r, "read error");
                }
                bool had_input = d->in_pos < d->in_len;
                size_t produced = 0;
                int r = decode_step(d, buf, len, &produced);
                if (r < 0)
                        return r;
                if (produced > 0) {
                        d->out_total += produced;
                        if (d->out_total > VX_DECOMPRESS_FREE_BYTES &&
                            d->out_total / VX_DECOMPRESS_RATIO_MAX > d->in_total)
                                return decode_failed(d, -EFBIG, "a decompression bomb");
                        return (ssize_t) produced;
                }
                if (d->stream_end)
                        continue;
                /* Nothing came out, and no stream ended: more input is needed, and there is none. */
                if (!had_input && d->in_eof)
                        return decode_failed(d, -EBADMSG, "it ends before its stream does (cut short)");
        }
}

const char *decompressor_error(const Decompressor *d) {
        return d->error;
}

uint64_t decompressor_bytes_in(const Decompressor *d) {
        return d->in_total;
}

uint64_t decompressor_bytes_out(const Decompressor *d) {
        return d->out_total;
}
