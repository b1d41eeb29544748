/* SPDX-License-Identifier: MIT */
/* dlopen_many_sym(): all of a library's functions or none, and a message that says what was missing. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <string.h>

#include "dlopen.h"
#include "test_common.h"

DLSYM_PROTOTYPE(cos);
DLSYM_PROTOTYPE(sqrt);

static void resolves_every_function(void **state) {
        void *dl = NULL;
        const char *error = NULL;
        assert_int_equal(dlopen_many_sym(&dl, "libm.so.6", &error, DLSYM_ARG(cos), DLSYM_ARG(sqrt), NULL),
                         0);
        assert_non_null(dl);
        assert_null(error);
        assert_true(sym_sqrt(16.0) == 4.0);
        assert_true(sym_cos(0.0) == 1.0);
        /* Once open, a second call changes nothing and succeeds. */
        void *again = dl;
        assert_int_equal(dlopen_many_sym(&dl, "libm.so.6", &error, DLSYM_ARG(cos), NULL), 0);
        assert_ptr_equal(dl, again);
}

static void missing_library_is_eopnotsupp(void **state) {
        void *dl = NULL;
        const char *error = NULL;
        sym_cos = NULL;
        assert_int_equal(dlopen_many_sym(&dl, "libvfioexplain-none.so.9", &error, DLSYM_ARG(cos), NULL),
                         -EOPNOTSUPP);
        assert_null(dl);
        assert_null(sym_cos);
        assert_non_null(error);
        assert_non_null(strstr(error, "libvfioexplain-none.so.9"));
}

static void missing_symbol_resolves_nothing(void **state) {
        void *dl = NULL;
        const char *error = NULL;
        double (*sym_vx_nothing)(double) = NULL;
        sym_cos = NULL;
        assert_int_equal(dlopen_many_sym(&dl, "libm.so.6", &error, DLSYM_ARG(cos), (void **) &sym_vx_nothing,
                                         "vx_no_such_function", NULL),
                         -EOPNOTSUPP);
        assert_null(dl);
        /* cos was found before the missing one, and is still not handed out. */
        assert_null(sym_cos);
        assert_null(sym_vx_nothing);
        assert_non_null(strstr(error, "vx_no_such_function"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(resolves_every_function),
                cmocka_unit_test(missing_library_is_eopnotsupp),
                cmocka_unit_test(missing_symbol_resolves_nothing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
