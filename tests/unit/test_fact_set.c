/* SPDX-License-Identifier: MIT */
/* The facts refutation asks for: a fact about the host holds for every device, one about a device for that
 * device only, each within its boot; it is kept once however often it is said, and a full set says so. */
#include <errno.h>
#include <stdio.h>

#include "fact_set.h"
#include "test_common.h"
#include "vfioexplain/limits.h"

static void test_scope_and_boot(void **state) {
        FactSet *s;
        assert_int_equal(fact_set_new(&s), 0);
        assert_int_equal(fact_set_add(s, 3, "0000:41:00.0", 1, true), 1);
        assert_int_equal(fact_set_add(s, 3, "0000:41:00.0", 1, true), 0);
        assert_true(fact_set_holds(s, 3, 1, "0000:41:00.0"));
        assert_false(fact_set_holds(s, 3, 1, "0000:42:00.0"));
        assert_false(fact_set_holds(s, 3, 1, "")); /* a deviceless finding: only a host fact */
        assert_false(fact_set_holds(s, 3, 2, "0000:41:00.0"));
        assert_false(fact_set_holds(s, 4, 1, "0000:41:00.0"));
        assert_true(fact_set_holds(s, 3, 1, NULL));
        assert_false(fact_set_holds(s, 3, 0, NULL));
        assert_int_equal(fact_set_add(s, 5, "", 1, true), 1);
        assert_true(fact_set_holds(s, 5, 1, "0000:42:00.0"));
        assert_true(fact_set_holds(s, 5, 1, ""));
        assert_true(fact_set_holds(s, 5, 1, NULL));
        assert_int_equal(fact_set_add(s, 5, "0000:0000:00:00.0-too-long", 1, true), -EINVAL);
        fact_set_free(s);
}

/* Far more facts than the 64 once kept, each still found after the set grew past it; then the bound. */
static void test_full(void **state) {
        FactSet *s;
        PciAddress dev;
        assert_int_equal(fact_set_new(&s), 0);
        for (unsigned i = 0; i < VX_FACTS_MAX; i++) {
                snprintf(dev, sizeof(dev), "%04x:%02x:00.0", i >> 8, i & 0xff);
                assert_int_equal(fact_set_add(s, 1, dev, 0, true), 1);
        }
        for (unsigned i = 0; i < VX_FACTS_MAX; i++) {
                snprintf(dev, sizeof(dev), "%04x:%02x:00.0", i >> 8, i & 0xff);
                assert_true(fact_set_holds(s, 1, 0, dev));
                assert_false(fact_set_holds(s, 2, 0, dev));
        }
        assert_int_equal(fact_set_add(s, 1, dev, 0, true), 0);
        assert_int_equal(fact_set_add(s, 1, "ffff:ff:00.0", 0, true), -ENOSPC);
        assert_false(fact_set_holds(s, 1, 0, "ffff:ff:00.0"));
        fact_set_free(s);
}

/* Without room (a bound the analyses of many hosts share is reached), what is known is still known and
 * nothing new is taken. */
static void test_no_room(void **state) {
        FactSet *s;
        (void) state;
        assert_int_equal(fact_set_new(&s), 0);
        assert_int_equal(fact_set_add(s, 3, "0000:41:00.0", 1, true), 1);
        assert_int_equal(fact_set_add(s, 3, "0000:41:00.0", 1, false), 0);
        assert_int_equal(fact_set_add(s, 3, "0000:42:00.0", 1, false), -ENOSPC);
        assert_false(fact_set_holds(s, 3, 1, "0000:42:00.0"));
        fact_set_free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_scope_and_boot),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_no_room),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
