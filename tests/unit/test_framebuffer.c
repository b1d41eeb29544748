/* SPDX-License-Identifier: MIT */
/* The boot framebuffer's kernel parameter: the holder decides, the kernel release where it is unknown. */
#include <stdio.h>
#include <string.h>

#include "framebuffer.h"
#include "test_common.h"

#define FBDEV "video=efifb:off video=vesafb:off"
#define SYSFB "initcall_blacklist=sysfb_init"

static void test_names(void **state) {
        assert_int_equal(boot_framebuffer_from_name("efifb"), BOOT_FB_FBDEV);
        assert_int_equal(boot_framebuffer_from_name("vesafb"), BOOT_FB_FBDEV);
        assert_int_equal(boot_framebuffer_from_name("BOOTFB"), BOOT_FB_SYSFB);
        assert_int_equal(boot_framebuffer_from_name("simpledrm"), BOOT_FB_SYSFB);
        assert_int_equal(boot_framebuffer_from_name("simple-framebuffer"), BOOT_FB_SYSFB);
        assert_int_equal(boot_framebuffer_from_name("bootfb"), BOOT_FB_UNKNOWN);
        assert_int_equal(boot_framebuffer_from_name("0000:01:00.0"), BOOT_FB_UNKNOWN);
}

static void test_param(void **state) {
        /* The holder decides whatever the kernel. */
        assert_string_equal(boot_framebuffer_param(BOOT_FB_FBDEV, "6.8.0-45-generic"), FBDEV);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_SYSFB, "5.10.0-30-amd64"), SYSFB);
        /* Unknown holder: sysfb for 5.15 and later, efifb before, sysfb when the release is unknown. */
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, "5.10.0-30-amd64"), FBDEV);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, "5.14.21-150500.55.39-default"), FBDEV);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, "4.19.0-27-amd64"), FBDEV);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, "5.15.0-122-generic"), SYSFB);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, "6.1.0-25-amd64"), SYSFB);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, "10.0"), SYSFB);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, ""), SYSFB);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, NULL), SYSFB);
        assert_string_equal(boot_framebuffer_param(BOOT_FB_UNKNOWN, "garbage"), SYSFB);
}

static void test_given(void **state) {
        assert_true(boot_framebuffer_param_given(BOOT_FB_FBDEV, "ro quiet video=efifb:off"));
        assert_false(boot_framebuffer_param_given(BOOT_FB_SYSFB, "ro quiet video=efifb:off"));
        assert_false(boot_framebuffer_param_given(BOOT_FB_SYSFB, "ro video=efifb:off video=simplefb:off"));
        assert_true(boot_framebuffer_param_given(BOOT_FB_SYSFB, "ro initcall_blacklist=sysfb_init quiet"));
        assert_true(boot_framebuffer_param_given(BOOT_FB_FBDEV, "initcall_blacklist=foo_init,sysfb_init"));
        assert_true(boot_framebuffer_param_given(BOOT_FB_SYSFB, "initcall_blacklist=sysfb_init,foo_init"));
        assert_false(boot_framebuffer_param_given(BOOT_FB_SYSFB, "initcall_blacklist=sysfb_initx"));
        assert_false(boot_framebuffer_param_given(BOOT_FB_SYSFB, "xinitcall_blacklist=sysfb_init"));
        assert_false(boot_framebuffer_param_given(BOOT_FB_SYSFB, "initcall_blacklist="));
        assert_false(boot_framebuffer_param_given(BOOT_FB_SYSFB, NULL));
}

static void test_host(void **state) {
        HostFacts f = {.root = "/"};
        snprintf(f.kernel_release, sizeof(f.kernel_release), "5.10.0-30-amd64");
        assert_int_equal(host_boot_framebuffer(&f, NULL), BOOT_FB_UNKNOWN);
        assert_string_equal(host_boot_framebuffer_param(&f), FBDEV);
        f.framebuffers[f.n_framebuffers++] =
                (FramebufferHold){.name = "BOOTFB", .driver = "simpledrm", .device = "0000:0c:00.0"};
        assert_int_equal(host_boot_framebuffer(&f, "0000:0c:00.0"), BOOT_FB_SYSFB);
        assert_int_equal(host_boot_framebuffer(&f, "0000:01:00.0"), BOOT_FB_UNKNOWN);
        assert_string_equal(host_boot_framebuffer_param(&f), SYSFB);
        /* Nothing probed: the parameter that works on every kernel. */
        assert_string_equal(host_boot_framebuffer_param(NULL), SYSFB);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_param),
                cmocka_unit_test(test_given),
                cmocka_unit_test(test_host),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
