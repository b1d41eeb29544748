/* SPDX-License-Identifier: MIT */
#pragma once

/* Ownership helpers in the style of systemd's macro.h: a variable declared _cleanup_free_ is freed
 * when it leaves scope; TAKE_PTR() hands its value to the caller and leaves NULL behind. */

#include <stdlib.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define TAKE_PTR(p)                        \
        ({                                 \
                __typeof__(p) _ptr_ = (p); \
                (p) = NULL;                \
                _ptr_;                     \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p) {   \
                if (*p)                         \
                        func(*p);               \
        }

/* A loop over every byte of the input, built for AVX2 and for the baseline: the dynamic loader picks the
 * one the CPU runs (an ifunc), as glibc does for memchr(). */
#if defined(__x86_64__) && defined(__ELF__) && !defined(VX_NO_SIMD_CLONES)
#define VX_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VX_SIMD_CLONES
#endif
/* 32 bytes at any address, in GCC's vector extensions: such loops stay portable C, and an AVX2 clone
 * does each step in one instruction (two SSE2 ones in the baseline). */
typedef unsigned char VxBytes32 __attribute__((vector_size(32), aligned(1)));

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
