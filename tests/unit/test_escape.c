/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "escape.h"
#include "template.h"
#include "test_common.h"

static void assert_escape(const char *in, size_t len, const char *want) {
        StrBuf b = {0};
        escape_append(&b, in, len);
        assert_string_equal(strbuf_str(&b), want);
        strbuf_done(&b);
}

static void test_escape(void **state) {
        assert_escape("plain text", 10, "plain text");
        assert_escape("tab\there", 8, "tab\there");
        assert_escape("\x1b[2J", 4, "\\x1b[2J");
        assert_escape("a\0b", 3, "a\\x00b");
        assert_escape("del\x7f", 4, "del\\x7f");
        assert_escape("caf\xc3\xa9", 5, "caf\xc3\xa9"); /* valid UTF-8 stays */
        assert_escape("\xc2\x9b"
                      "31m",
                      5, "\\xc2\\x9b31m"); /* C1 CSI as UTF-8 */
        assert_escape("\x9b", 1, "\\x9b"); /* raw C1 */
        assert_escape("\xff\xfe", 2, "\\xff\\xfe");
        assert_escape("\xe2\x80\xae"
                      "abc",
                      6, "\\xe2\\x80\\xaeabc"); /* RIGHT-TO-LEFT OVERRIDE */
        /* Invisible and bidirectional code points (issue 24, #9): each escaped byte by byte. */
        static const char *const invisible[][2] = {
                {"\xe2\x80\x8b", "\\xe2\\x80\\x8b"}, /* U+200B ZERO WIDTH SPACE */
                {"\xe2\x80\x8c", "\\xe2\\x80\\x8c"}, /* U+200C ZERO WIDTH NON-JOINER */
                {"\xe2\x80\x8d", "\\xe2\\x80\\x8d"}, /* U+200D ZERO WIDTH JOINER */
                {"\xe2\x80\x8e", "\\xe2\\x80\\x8e"}, /* U+200E LEFT-TO-RIGHT MARK */
                {"\xe2\x80\x8f", "\\xe2\\x80\\x8f"}, /* U+200F RIGHT-TO-LEFT MARK */
                {"\xd8\x9c", "\\xd8\\x9c"}, /* U+061C ARABIC LETTER MARK */
                {"\xe2\x80\xa8", "\\xe2\\x80\\xa8"}, /* U+2028 LINE SEPARATOR */
                {"\xe2\x80\xa9", "\\xe2\\x80\\xa9"}, /* U+2029 PARAGRAPH SEPARATOR */
                {"\xef\xbb\xbf", "\\xef\\xbb\\xbf"}, /* U+FEFF BYTE ORDER MARK */
                {"\xe2\x80\xaa", "\\xe2\\x80\\xaa"}, /* U+202A LEFT-TO-RIGHT EMBEDDING */
                {"\xe2\x81\xa6", "\\xe2\\x81\\xa6"}, /* U+2066 LEFT-TO-RIGHT ISOLATE */
                {"\xe2\x81\xa9", "\\xe2\\x81\\xa9"}, /* U+2069 POP DIRECTIONAL ISOLATE */
                {"\xe2\x81\xa0", "\\xe2\\x81\\xa0"}, /* U+2060 WORD JOINER */
                {"\xe1\xa0\x8e", "\\xe1\\xa0\\x8e"}, /* U+180E MONGOLIAN VOWEL SEPARATOR */
                {"\xc2\x85", "\\xc2\\x85"}, /* U+0085 NEXT LINE (C1) */
        };
        for (size_t i = 0; i < ELEMENTSOF(invisible); i++)
                assert_escape(invisible[i][0], strlen(invisible[i][0]), invisible[i][1]);
        assert_escape("\xe2\x80\x90", 3, "\xe2\x80\x90"); /* U+2010 HYPHEN is shown */
        assert_escape("\xc3", 1, "\\xc3"); /* truncated sequence */
        assert_escape("\xed\xa0\x80", 3, "\\xed\\xa0\\x80"); /* a UTF-16 surrogate */
        assert_escape("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"); /* emoji */
        assert_int_equal(escape_longest_backtick_run("a``b```c`", 9), 3);
        assert_true(utf8_is_valid("caf\xc3\xa9 \x1b", 7));
        assert_false(utf8_is_valid("caf\xc3", 4));
        assert_false(utf8_is_valid("\xed\xa0\x80", 3));
        assert_false(utf8_is_valid("ok \xff", 4));
}

static void assert_capture(Var v, const char *in, const char *want) {
        char out[VX_CAPTURE_MAX + 1] = "untouched";
        int r = capture_normalize(v, in, strlen(in), out);
        if (!want) {
                assert_int_equal(r, -EINVAL);
                assert_string_equal(out, "untouched");
        } else {
                assert_int_equal(r, 0);
                assert_string_equal(out, want);
        }
}

static void test_capture_grammars(void **state) {
        assert_capture(VAR_ADDRESS, "01:00.0", "0000:01:00.0");
        assert_capture(VAR_ADDRESS, "../../etc/passwd", NULL);
        assert_capture(VAR_GROUP, "15", "15");
        assert_capture(VAR_GROUP, "15; rm -rf /", NULL);
        assert_capture(VAR_GROUP, "12345678901", NULL);
        assert_capture(VAR_VENDOR, "10DE", "10de");
        assert_capture(VAR_VENDOR, "10de1", NULL);
        assert_capture(VAR_DRIVER, "snd_hda_intel", "snd_hda_intel");
        assert_capture(VAR_DRIVER, "nvidia$(reboot)", NULL);
        assert_capture(VAR_PATH, "/dev/vfio/12", "/dev/vfio/12");
        assert_capture(VAR_PATH, "/dev/../etc/shadow", NULL);
        assert_capture(VAR_PATH, "/dev/vfio/..", NULL);
        assert_capture(VAR_PATH, "relative/path", NULL);
        assert_capture(VAR_PATH, "/tmp/a b", NULL);
        assert_capture(VAR_USER, "libvirt-qemu", "libvirt-qemu");
        assert_capture(VAR_USER, "-rf", NULL);
        assert_capture(VAR_ERRNO, "-22", "-22");
        assert_capture(VAR_ERRNO, "Permission denied", "Permission denied");
        assert_capture(VAR_ERRNO, "x`id`", NULL);
        assert_capture(VAR_LABEL, "system_u:system_r:svirt_t:s0:c1,c2",
                       "system_u:system_r:svirt_t:s0:c1,c2");
        assert_capture(VAR_LABEL, "a'b", NULL);
        assert_capture(VAR_VALUE, "-12", "-12");
        assert_capture(VAR_ALIAS, "hostdev0", "hostdev0");
        assert_capture(VAR_ALIAS, "ua-gpu.vga_0", "ua-gpu.vga_0");
        assert_capture(VAR_ALIAS, "0hostdev", NULL);
        assert_capture(VAR_ALIAS, "-hostdev0", NULL);
        assert_capture(VAR_ALIAS, "hostdev0'", NULL);
        /* Domain names and values are pasted into fix commands unquoted. */
        assert_capture(VAR_DOMAIN, "win11-gpu.test", "win11-gpu.test");
        assert_capture(VAR_DOMAIN, "win11`reboot`", NULL);
        assert_capture(VAR_DOMAIN, "win 11", NULL);
        assert_capture(VAR_DOMAIN, "-c", NULL);
        assert_capture(VAR_VALUE, "0x100000000", "0x100000000");
        assert_capture(VAR_VALUE, "1;reboot", NULL);
        assert_capture(VAR_SIZE, "-x", NULL);
        assert_capture(VAR_IOVA, "0xfee00000$(id)", NULL);

        /* As long as the limit, and one more. */
        char path[VX_CAPTURE_MAX + 2];
        path[0] = '/';
        memset(path + 1, 'a', VX_CAPTURE_MAX);
        path[VX_CAPTURE_MAX] = 0;
        assert_capture(VAR_PATH, path, path);
        path[VX_CAPTURE_MAX] = 'a';
        path[VX_CAPTURE_MAX + 1] = 0;
        assert_capture(VAR_PATH, path, NULL);

        /* A NUL inside the captured bytes would cut the value short where it is used. */
        char out[VX_CAPTURE_MAX + 1];
        assert_int_equal(capture_normalize(VAR_PATH, "/dev/vfio/1\0;x", 14, out), -EINVAL);
        assert_int_equal(capture_normalize(VAR_DOMAIN, "vm\0", 3, out), -EINVAL);
}

static void test_template(void **state) {
        size_t col;
        const char *err;
        assert_int_equal(template_validate("echo {address} {{literal}}", &col, &err), 0);
        assert_int_equal(template_validate("echo {nope}", &col, &err), -EINVAL);
        assert_int_equal(col, 6);
        assert_int_equal(template_validate("echo {address", &col, &err), -EINVAL);
        assert_int_equal(template_validate("echo }", &col, &err), -EINVAL);

        TemplateVars v = {0};
        v.v[VAR_ADDRESS] = "0000:01:00.0";
        StrBuf b = {0};
        assert_int_equal(template_render("bind {address} in {group} {{x}}", &v, &b), 0);
        assert_string_equal(strbuf_str(&b), "bind 0000:01:00.0 in <group> {x}");
        strbuf_done(&b);

        /* Alternatives: the first known stands; none known, the first is named. */
        assert_int_equal(template_validate("entry {address|value}", &col, &err), 0);
        assert_int_equal(template_validate("entry {address|nope}", &col, &err), -EINVAL);
        assert_int_equal(col, 15);
        assert_int_equal(template_validate("{a|b|c|d|e}", &col, &err), -EINVAL);
        assert_int_equal(template_validate("{address|}", &col, &err), -EINVAL);
        TemplateVars alt = {0};
        alt.v[VAR_VALUE] = "09:00";
        assert_int_equal(template_render("entry {address|value}.", &alt, &b), 0);
        assert_string_equal(strbuf_str(&b), "entry 09:00.");
        strbuf_done(&b);
        alt.v[VAR_ADDRESS] = "0000:09:00.0";
        assert_int_equal(template_render("entry {address|value}.", &alt, &b), 0);
        assert_string_equal(strbuf_str(&b), "entry 0000:09:00.0.");
        strbuf_done(&b);
        assert_int_equal(template_render("entry {value|address}.", &(TemplateVars){0}, &b), 0);
        assert_string_equal(strbuf_str(&b), "entry <value>.");
        strbuf_done(&b);
        uint64_t unknown = 0;
        assert_int_equal(
                template_render_command("lspci -s {address|value}", &(TemplateVars){0}, &b, &unknown), 0);
        assert_string_equal(strbuf_str(&b), "lspci -s \"$ADDRESS\"");
        assert_true(unknown == UINT64_C(1) << VAR_ADDRESS);
        strbuf_done(&b);

        /* What an explanation would print as "<name>" for a match without that capture of its pattern. */
        uint64_t address = UINT64_C(1) << VAR_ADDRESS, value = UINT64_C(1) << VAR_VALUE,
                 group = UINT64_C(1) << VAR_GROUP;
        assert_int_equal(template_unfilled("{address}{value}", value, address | value), VAR_ADDRESS);
        assert_int_equal(template_unfilled("{address}{value}", address, address | value), VAR_VALUE);
        assert_int_equal(template_unfilled("{address|value}", value, address | value), -ENOENT);
        assert_int_equal(template_unfilled("{{address}} {value|address}", 0, address), VAR_VALUE);
        /* a value the pattern does not capture is another line's to give ("<group>" stays a fair answer) */
        assert_int_equal(template_unfilled("in {group}", address, address), -ENOENT);
        assert_int_equal(template_unfilled("in {group}", address, address | group), VAR_GROUP);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_capture_grammars),
                cmocka_unit_test(test_template),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
