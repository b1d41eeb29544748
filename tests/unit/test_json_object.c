/* SPDX-License-Identifier: MIT */
/* One whole JSON object from a line: what is one, and the texts that only start with one. */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "json_object.h"
#include "test_common.h"

static int parse(const char *s, int depth) {
        struct json_object *o = (struct json_object *) 0x1;
        int r = json_object_parse_whole(s, strlen(s), depth, &o);
        if (r < 0)
                assert_ptr_equal(o, (struct json_object *) 0x1); /* untouched on failure */
        else {
                assert_true(json_object_is_type(o, json_type_object));
                json_object_put(o);
        }
        return r;
}

static void test_whole_objects(void **state) {
        assert_int_equal(parse("{}", 8), 0);
        assert_int_equal(parse("{\"level\":\"error\",\"msg\":\"no iommu_group found\"}", 8), 0);
        assert_int_equal(parse("{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}}", 8), 0);
}

static void test_not_one_object(void **state) {
        /* text after the object: a line that only starts with JSON */
        assert_int_equal(parse("{\"msg\":\"x\"} and more", 8), -EINVAL);
        assert_int_equal(parse("{\"msg\":\"x\"}{\"msg\":\"y\"}", 8), -EINVAL);
        /* a record cut short, as a pasted line wrapped or truncated */
        assert_int_equal(parse("{\"msg\":\"x\"", 8), -EINVAL);
        assert_int_equal(parse("{\"msg\":\"x", 8), -EINVAL);
        /* other JSON types */
        assert_int_equal(parse("[{\"msg\":\"x\"}]", 8), -EINVAL);
        assert_int_equal(parse("\"msg\"", 8), -EINVAL);
        assert_int_equal(parse("", 8), -EINVAL);
        /* deeper than allowed */
        assert_int_equal(parse("{\"a\":{\"b\":{\"c\":1}}}", 2), -EINVAL);
        assert_int_equal(parse("{\"a\":{\"b\":{\"c\":1}}}", 8), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_whole_objects),
                cmocka_unit_test(test_not_one_object),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
