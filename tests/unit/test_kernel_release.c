/* SPDX-License-Identifier: MIT */
/* Kernel release strings of kernel.org and the distributions, their order, and ranges of them. */
#include <errno.h>
#include <string.h>

#include "kernel_release.h"
#include "test_common.h"

static KernelRelease parse(const char *s) {
        KernelRelease r;
        assert_int_equal(kernel_release_parse(s, strlen(s), &r), 0);
        return r;
}

static KernelRelease plain(const char *s) {
        KernelRelease r;
        assert_int_equal(kernel_release_parse_plain(s, strlen(s), &r), 0);
        return r;
}

static void assert_release(const char *s, const char *formatted, bool stable_known, KernelVendor vendor) {
        KernelRelease r = parse(s);
        char out[32];
        kernel_release_format(&r, out, sizeof(out));
        assert_string_equal(out, formatted);
        assert_int_equal(r.stable_known, stable_known);
        assert_int_equal(r.vendor, vendor);
}

static void test_distribution_strings(void **state) {
        /* kernel.org and builds of it */
        assert_release("6.12.23", "6.12.23", true, KERNEL_VENDOR_UPSTREAM);
        assert_release("6.15.0", "6.15", true, KERNEL_VENDOR_UPSTREAM);
        assert_release("6.15.0-rc3", "6.15-rc3", true, KERNEL_VENDOR_UPSTREAM);
        assert_release("6.15.0-rc3+", "6.15-rc3", true, KERNEL_VENDOR_UPSTREAM);
        assert_release("5.5.0-07987-gf458d039db7e", "5.5", false,
                       KERNEL_VENDOR_UPSTREAM); /* a bisect step */
        assert_release("4.19.0", "4.19", true, KERNEL_VENDOR_UPSTREAM);
        assert_release("7.2.6-zen2-1-zen", "7.2.6", true, KERNEL_VENDOR_ARCH);
        /* Arch: the stable update is the third number */
        assert_release("6.12.23-1-lts", "6.12.23", true, KERNEL_VENDOR_ARCH);
        assert_release("6.14.2-zen1-1-zen", "6.14.2", true, KERNEL_VENDOR_ARCH);
        assert_release("6.14.2-arch1-1", "6.14.2", true, KERNEL_VENDOR_ARCH);
        /* Fedora */
        assert_release("6.14.5-200.fc41.x86_64", "6.14.5", true, KERNEL_VENDOR_FEDORA);
        /* Proxmox: Ubuntu's kernel rebased on the stable update it names */
        assert_release("6.8.12-4-pve", "6.8.12", true, KERNEL_VENDOR_PROXMOX);
        assert_release("5.15.149-1-pve", "5.15.149", true, KERNEL_VENDOR_PROXMOX);
        /* Debian and Ubuntu: x.y.0 and an ABI number say nothing of the stable update */
        assert_release("6.1.0-18-amd64", "6.1", false, KERNEL_VENDOR_DEBIAN);
        assert_release("6.1.0-kali9-amd64", "6.1", false, KERNEL_VENDOR_DEBIAN);
        assert_release("6.8.0-45-generic", "6.8", false, KERNEL_VENDOR_UBUNTU);
        assert_release("6.8.0-1007-gcp", "6.8", false, KERNEL_VENDOR_UBUNTU);
        assert_release("5.15.0-91-lowlatency", "5.15", false, KERNEL_VENDOR_UBUNTU);
        /* enterprise kernels keep x.y.0 and backport */
        assert_release("5.14.0-427.13.1.el9_4.x86_64", "5.14", false, KERNEL_VENDOR_ENTERPRISE);
        assert_release("6.4.0-150600.23.7-default", "6.4", false, KERNEL_VENDOR_ENTERPRISE);

        KernelRelease r = {.major = 99};
        const char *bad[] = {
                "",          "6",
                "6.",        "linux",
                "6.1.0 -18", "6.1/../x",
                "0.1",       "6.12.23-rc1",
                "6.12rc1",   "12345678901234567890123456789012345678901234567890123456789012345"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(kernel_release_parse(bad[i], strlen(bad[i]), &r), -EINVAL);
                assert_int_equal(r.major, 99); /* untouched */
        }
}

static KernelRelease version(const char *s, size_t *len) {
        KernelRelease r;
        assert_int_equal(kernel_release_parse_version(s, strlen(s), &r, len), 0);
        return r;
}

static void test_banner_tails(void **state) {
        size_t len;
        char out[32];
        /* Ubuntu's banner names the stable update its ABI is built from */
        KernelRelease r = version(
                "6.8.0-50-lowlatency (buildd@lcy02-amd64-026) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #51.1-Ubuntu SMP PREEMPT_DYNAMIC Thu Nov 21 12:44:17 UTC 2024 (Ubuntu 6.8.0-50.51.1-lowlatency 6.8.12)",
                &len);
        assert_int_equal(len, strlen("6.8.0-50-lowlatency"));
        kernel_release_format(&r, out, sizeof(out));
        assert_string_equal(out, "6.8.12");
        assert_true(r.stable_known);
        assert_int_equal(r.vendor, KERNEL_VENDOR_UBUNTU);
        /* Debian's too; the compiler's "(Debian 12.2.0-14)" is not it */
        r = version(
                "6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
                &len);
        kernel_release_format(&r, out, sizeof(out));
        assert_string_equal(out, "6.1.76");
        assert_int_equal(r.vendor, KERNEL_VENDOR_DEBIAN);
        r = version(
                "6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP",
                &len);
        assert_false(r.stable_known);
        /* Proxmox's repeats its release */
        r = version(
                "6.8.12-4-pve (build@proxmox) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z)",
                &len);
        kernel_release_format(&r, out, sizeof(out));
        assert_string_equal(out, "6.8.12");
        /* a tail of another series is not this kernel's */
        r = version("6.8.0-45-generic (buildd@x) #45-Ubuntu SMP (Ubuntu 6.8.0-45.45-generic 6.9.12)", &len);
        assert_false(r.stable_known);
        /* the release alone, as /proc/sys/kernel/osrelease gives it */
        r = version("6.12.23-1-lts", &len);
        assert_int_equal(len, strlen("6.12.23-1-lts"));
        assert_int_equal(r.stable, 23);
}

static void test_order(void **state) {
        const char *ascending[] = {"4.19",    "4.19.1",   "5.5.13",   "5.6-rc1",  "5.6-rc7",  "5.6",
                                   "5.6.13",  "5.8.16",   "5.8.17",   "5.9",      "5.10-rc1", "6.1.134",
                                   "6.12",    "6.12.9",   "6.12.10",  "6.13-rc1", "6.13-rc7", "6.13",
                                   "6.13.12", "6.14-rc1", "6.15-rc1", "6.15-rc3", "6.15",     "6.15.1",
                                   "7.0-rc1", "7.0"};
        for (size_t i = 0; i + 1 < sizeof(ascending) / sizeof(ascending[0]); i++) {
                KernelRelease a = plain(ascending[i]), b = plain(ascending[i + 1]);
                assert_int_equal(kernel_release_cmp(&a, &b), -1);
                assert_int_equal(kernel_release_cmp(&b, &a), 1);
                assert_int_equal(kernel_release_cmp(&a, &a), 0);
        }
        KernelRelease a = plain("6.15"), b = plain("6.15.0");
        assert_int_equal(kernel_release_cmp(&a, &b), 0);
        KernelRelease r;
        assert_int_equal(kernel_release_parse_plain("6.15.1-rc1", 10, &r), -EINVAL);
        assert_int_equal(kernel_release_parse_plain("6.15-lts", 8, &r), -EINVAL);
        assert_int_equal(kernel_release_parse_plain("6.15-rc0", 8, &r), -EINVAL);
}

static KernelInRange in_range(const char *release, const char *from, const char *to) {
        KernelRelease r = parse(release), f = plain(from), t = plain(to);
        return kernel_release_in_range(&r, &f, &t);
}

static void test_ranges(void **state) {
        /* half-open: the first affected release in, the first fixed one out */
        assert_int_equal(in_range("6.12.23-1-lts", "6.12.23", "6.12.25"), KERNEL_IN_RANGE_YES);
        assert_int_equal(in_range("6.12.24", "6.12.23", "6.12.25"), KERNEL_IN_RANGE_YES);
        assert_int_equal(in_range("6.12.22-1-lts", "6.12.23", "6.12.25"), KERNEL_IN_RANGE_NO);
        assert_int_equal(in_range("6.12.25", "6.12.23", "6.12.25"), KERNEL_IN_RANGE_NO);
        /* a range over several series: 5.6-rc1 up to 5.8's fixed update */
        assert_int_equal(in_range("5.6.0-rc1", "5.6-rc1", "5.8.17"), KERNEL_IN_RANGE_YES);
        assert_int_equal(in_range("5.7.19", "5.6-rc1", "5.8.17"), KERNEL_IN_RANGE_YES);
        assert_int_equal(in_range("5.5.13", "5.6-rc1", "5.8.17"), KERNEL_IN_RANGE_NO);
        /* release candidates */
        assert_int_equal(in_range("6.15.0-rc2", "6.15-rc1", "6.15-rc3"), KERNEL_IN_RANGE_YES);
        assert_int_equal(in_range("6.15.0-rc3", "6.15-rc1", "6.15-rc3"), KERNEL_IN_RANGE_NO);
        assert_int_equal(in_range("6.15.0", "6.15-rc1", "6.15-rc3"), KERNEL_IN_RANGE_NO);
        /* an end-of-life series never fixed: every later update of it */
        assert_int_equal(in_range("6.13.12", "6.13.11", "6.14-rc1"), KERNEL_IN_RANGE_YES);
        assert_int_equal(in_range("6.14.1", "6.13.11", "6.14-rc1"), KERNEL_IN_RANGE_NO);
        /* a stable update not known (Ubuntu's ABI, no banner): only a range over all of x.y decides */
        assert_int_equal(in_range("6.12.0-7-generic", "6.12.23", "6.12.25"), KERNEL_IN_RANGE_UNKNOWN);
        assert_int_equal(in_range("5.7.0-1-generic", "5.6-rc1", "5.8.17"), KERNEL_IN_RANGE_YES);
        assert_int_equal(in_range("6.1.0-18-amd64", "6.12.23", "6.12.25"), KERNEL_IN_RANGE_NO);
        assert_int_equal(in_range("6.14.0-15-generic", "6.13.11", "6.14-rc1"), KERNEL_IN_RANGE_NO);
        assert_int_equal(in_range("5.8.0-63-generic", "5.6-rc1", "5.8.17"), KERNEL_IN_RANGE_UNKNOWN);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_distribution_strings),
                cmocka_unit_test(test_banner_tails),
                cmocka_unit_test(test_order),
                cmocka_unit_test(test_ranges),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
