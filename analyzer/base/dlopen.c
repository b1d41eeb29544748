/* SPDX-License-Identifier: MIT */
/* Loading the library of one feature when that feature is first used. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "dlopen.h"
#include "vfioexplain/limits.h"

int dlopen_many_sym(void **handle, const char *soname, const char **error, ...) {
        static char message[256];
        va_list ap;
        void *dl;

        if (*handle)
                return 0;
        /* RTLD_NODELETE: pointers resolved here stay valid for the life of the process. */
        dl = dlopen(soname, RTLD_NOW | RTLD_NODELETE);
        if (!dl) {
                const char *e = dlerror();
                snprintf(message, sizeof(message), "%s", e ? e : soname);
                if (error)
                        *error = message;
                return -EOPNOTSUPP;
        }

        /* All or nothing: resolve into a scratch list first, so that a missing symbol leaves no pointer
         * set to a library that is closed again. */
        void **slots[VX_DLSYM_MAX];
        void *found[VX_DLSYM_MAX];
        size_t n = 0;
        va_start(ap, error);
        for (;;) {
                void **slot = va_arg(ap, void **);
                if (!slot)
                        break;
                const char *name = va_arg(ap, const char *);
                void *f = n < VX_DLSYM_MAX ? dlsym(dl, name) : NULL;
                if (!f) {
                        va_end(ap);
                        const char *e = n < VX_DLSYM_MAX ? dlerror() : NULL;
                        if (e)
                                snprintf(message, sizeof(message), "%s", e);
                        else
                                snprintf(message, sizeof(message), "%s: %s", soname,
                                         n < VX_DLSYM_MAX ? "a function is missing" : "too many functions");
                        dlclose(dl);
                        if (error)
                                *error = message;
                        return -EOPNOTSUPP;
                }
                slots[n] = slot;
                found[n++] = f;
        }
        va_end(ap);
        for (size_t i = 0; i < n; i++)
                *slots[i] = found[i];
        *handle = dl;
        return 0;
}
