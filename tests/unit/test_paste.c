/* SPDX-License-Identifier: MIT */
/* The pasted-text stage: each wrapper and each normalisation on a shape people paste, and what must stay as
 * it is (a kernel line holding " | ", a QEMU option string holding "msg=", a path with ">" that is no
 * redirection). */
#include <string.h>

#include "paste.h"
#include "test_common.h"

static Paste *stage;

static int setup(void **state) {
        assert_int_equal(paste_new(&stage), 0);
        return 0;
}

static int teardown(void **state) {
        stage = paste_free(stage);
        return 0;
}

static const PastePiece *unwrap(const char *line, size_t *n) {
        const PastePiece *pc;
        *n = paste_unwrap(stage, line, strlen(line), &pc);
        assert_true(*n >= 1);
        return pc;
}

/* The line as one piece whose text is want, with the context want_context. */
static void check_one(const char *line, const char *want, const char *want_context) {
        size_t n;
        const PastePiece *pc = unwrap(line, &n);
        char ctx[512];
        assert_int_equal(n, 1);
        assert_int_equal(pc[0].text.len, strlen(want));
        assert_memory_equal(pc[0].text.p, want, strlen(want));
        paste_context(&pc[0], ctx, sizeof(ctx));
        /* "...*": the context starts so */
        size_t wl = strlen(want_context);
        if (wl > 0 && want_context[wl - 1] == '*')
                assert_memory_equal(ctx, want_context, wl - 1);
        else
                assert_string_equal(ctx, want_context);
}

static void test_colours_and_cri(void **state) {
        /* colours a program kept in a file, an OSC hyperlink, a lone ESC */
        check_one("\x1b[0;31m[    0.000000] DMAR: IOMMU disabled\x1b[0m",
                  "[    0.000000] DMAR: IOMMU disabled", "terminal colours");
        check_one("\x1b[1m\x1b[38;5;196merror:\x1b[0m Failed to detach device",
                  "error: Failed to detach device", "terminal colours");
        check_one("see \x1b]8;;https://x/y\x07the bug\x1b]8;;\x1b\\ here", "see the bug here",
                  "terminal colours");
        check_one("a \x1b", "a", "terminal colours");
        /* script(1)'s typescript: bracketed paste's mode switch, then a carriage return and the output */
        check_one("\x1b[?2004l\rbash: echo: write error: No such device\r",
                  "bash: echo: write error: No such device", "terminal colours");
        check_one("\x1b]0;root@h: ~\x07\x1b[01;32mroot@h\x1b[00m:\x1b[01;34m~\x1b[00m# lspci", "lspci",
                  "terminal colours*");
        /* containerd's and CRI-O's line, then what the container wrote */
        check_one(
                "2024-05-01T10:00:00.123456789Z stderr F qemu-system-x86_64: vfio 0000:01:00.0: group 1 is "
                "not viable",
                "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable", "container runtime log");
        check_one(
                "2024-05-01T12:00:00.5+02:00 stdout P {\"level\":\"error\",\"msg\":\"x: Permission denied\"}",
                "x: Permission denied", "container runtime log, JSON log msg");
        /* not a CRI line: libvirt's QEMU log time, a journal's ISO time */
        check_one("2024-05-01T10:00:00.123456Z qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable",
                  "2024-05-01T10:00:00.123456Z qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable",
                  "");
        check_one("2024-05-01T10:00:00+0000 host kernel: stderr F x",
                  "2024-05-01T10:00:00+0000 host kernel: stderr F x", "");
}

/* Colours in caret notation, as cat -v, vim or a pager shows a log written with colours: "^[" for ESC, "^M"
 * for a carriage return. */
static void test_caret_colours(void **state) {
        check_one("^[[0;31m[    0.000000] DMAR: IOMMU disabled^[[0m", "[    0.000000] DMAR: IOMMU disabled",
                  "terminal colours");
        check_one("^[[1m^[[38;5;196merror:^[[0m Failed to detach device", "error: Failed to detach device",
                  "terminal colours");
        check_one("^[[1;31mvfio^[[0m-pci: x", "vfio-pci: x", "terminal colours");
        /* a typescript read with cat -v: bracketed paste's mode switch, "^M", the output */
        check_one("^[[?2004l^Mbash: echo: write error: No such device^M",
                  "bash: echo: write error: No such device", "terminal colours");
        /* a CRLF line shown by cat -v */
        check_one("qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable^M",
                  "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable", "");
        /* not caret notation: a regular expression, a "^" elsewhere, a "^M" inside a line without colours */
        check_one("grep -E '^[a-z]+' x", "grep -E '^[a-z]+' x", "");
        check_one("pci 0000:00:01.0: x ^ y", "pci 0000:00:01.0: x ^ y", "");
        check_one("a ^M b", "a ^M b", "");
        assert_true(paste_has_escape("x ^[[0m", 7));
        assert_false(paste_has_escape("x ^[a", 5));
}

static void test_plain_line_is_itself(void **state) {
        const char *line =
                "[    1.234567] vfio-pci 0000:01:00.0: BAR 3: can't reserve [mem 0xc0000000-0xcfffffff]";
        size_t n;
        const PastePiece *pc = unwrap(line, &n);
        assert_int_equal(n, 1);
        assert_ptr_equal(pc[0].text.p, line); /* no copy */
        assert_int_equal(pc[0].n_layers, 0);
}

static void test_trailing_blanks_crlf_bom(void **state) {
        check_one("\xef\xbb\xbfqemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable \r",
                  "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable", "");
}

static void test_typography(void **state) {
        /* ’ “ ” – — … NBSP ZWSP full-width colon */
        check_one("vfio-pci 0000:01:00.0: BAR 3: can\xe2\x80\x99t reserve",
                  "vfio-pci 0000:01:00.0: BAR 3: can't reserve", "typographic characters");
        check_one("failed to find romfile \xe2\x80\x9c/root/gpu.rom\xe2\x80\x9d",
                  "failed to find romfile \"/root/gpu.rom\"", "typographic characters");
        check_one("qemu-system-x86_64: \xe2\x80\x93"
                  "device vfio-pci,host=01:00.0\xc2\xa0: x\xe2\x80\x8b"
                  "y",
                  "qemu-system-x86_64: -device vfio-pci,host=01:00.0 : xy", "typographic characters");
        check_one("group 1 is not viable\xef\xbc\x9a ok", "group 1 is not viable: ok",
                  "typographic characters");
        /* colours inside a word (block_scan() flags each ESC: reading by blocks sees behind them) */
        check_one("\033[1;31mvfio\033[0m-pci: x", "vfio-pci: x", "terminal colours");
        /* a character it does not know stays */
        check_one("caf\xc3\xa9: ok", "caf\xc3\xa9: ok", "");
}

static void test_markdown(void **state) {
        check_one("> qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable",
                  "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable", "markdown quote");
        check_one(">> > `vfio-pci 0000:01:00.0: x`", "vfio-pci 0000:01:00.0: x",
                  "markdown quote, code span");
        check_one("**DMAR: IOMMU disabled**", "DMAR: IOMMU disabled", "code span");
        check_one("- [  214.123456] vfio-pci 0000:03:00.0: x", "[  214.123456] vfio-pci 0000:03:00.0: x",
                  "list bullet");
        check_one("  \xe2\x80\xa2 DMAR: IOMMU enabled", "DMAR: IOMMU enabled", "list bullet");
        check_one("3. DMAR: IOMMU enabled", "DMAR: IOMMU enabled", "list bullet");
        /* a fence is no message, and "-device" no bullet */
        check_one("```", "```", "");
        check_one("-device vfio-pci,host=01:00.0: x", "-device vfio-pci,host=01:00.0: x", "");
}

static void test_containers(void **state) {
        check_one("libvirtd-1  | error: Failed to start domain 'win11'",
                  "error: Failed to start domain 'win11'", "docker compose service \"libvirtd-1\"");
        check_one("[pod/virt-launcher-win-x7k2p/compute] qemu-kvm: -device x: vfio 0000:01:00.0: y",
                  "qemu-kvm: -device x: vfio 0000:01:00.0: y",
                  "kubectl logs \"pod/virt-launcher-win-x7k2p/compute\"");
        check_one("\xe2\x94\x82 DMAR: IOMMU disabled            \xe2\x94\x82", "DMAR: IOMMU disabled",
                  "terminal pane");
        /* the text runs to the pane's edge: cut off */
        size_t n;
        const PastePiece *pc = unwrap("\xe2\x94\x82 vfio 0000:01:00.0: group 1 is not via\xe2\x94\x82", &n);
        assert_true(pc[0].cut);
        /* a kernel line that holds " | " is no compose line */
        check_one("[    0.000000] ACPI: PM-Timer IO Port: 0x408 | x",
                  "[    0.000000] ACPI: PM-Timer IO Port: 0x408 | x", "");
        check_one("pci 0000:00:01.0: PME# supported | x", "pci 0000:00:01.0: PME# supported | x", "");
        check_one("a || b", "a || b", "");
}

static void test_logfmt(void **state) {
        size_t n;
        const PastePiece *pc = unwrap("time=\"2024-12-06T09:04:28Z\" level=error msg=\"failed to hotplug "
                                      "VFIO device\" error=\"QMP command "
                                      "failed: vfio 0000:01:00.1: group 1 used in multiple address spaces\" "
                                      "name=containerd-shim-v2",
                                      &n);
        assert_int_equal(n, 2);
        assert_memory_equal(pc[0].text.p, "failed to hotplug VFIO device", pc[0].text.len);
        assert_int_equal(pc[1].text.len,
                         strlen("vfio 0000:01:00.1: group 1 used in multiple address spaces"));
        assert_memory_equal(pc[1].text.p, "vfio 0000:01:00.1: group 1 used in multiple address spaces",
                            pc[1].text.len);
        char ctx[256];
        paste_context(&pc[1], ctx, sizeof(ctx));
        assert_string_equal(ctx, "logfmt error, quoted by \"QMP command failed:\"");
        /* \" inside the value */
        check_one("level=error msg=\"failed to find romfile \\\"/x.rom\\\"\"",
                  "failed to find romfile \"/x.rom\"", "logfmt msg");
        /* a QEMU option string holding msg= is no logfmt */
        check_one("qemu-system-x86_64: -msg timestamp=on -device vfio-pci,host=01:00.0",
                  "qemu-system-x86_64: -msg timestamp=on -device vfio-pci,host=01:00.0", "");
        check_one("LC_ALL=C QEMU_AUDIO_DRV=none /usr/bin/qemu-system-x86_64 -msg timestamp=on",
                  "LC_ALL=C QEMU_AUDIO_DRV=none /usr/bin/qemu-system-x86_64 -msg timestamp=on", "");
}

static void test_json_and_escaped_lines(void **state) {
        size_t n;
        const PastePiece *pc = unwrap(
                "{\"component\":\"virt-launcher\",\"level\":\"error\",\"msg\":\"internal error: qemu "
                "unexpectedly "
                "closed the monitor: qemu-kvm: vfio 0000:01:00.0: group 1 is not viable\\nPlease ensure all "
                "devices within the iommu_group are bound to their vfio bus driver.\",\"pos\":\"x\"}",
                &n);
        assert_int_equal(n, 2);
        assert_true(pc[0].text.len > 0 && pc[0].text.p[pc[0].text.len - 1] == 'e');
        assert_memory_equal(pc[1].text.p, "Please ensure", 13);
        /* journald's own JSON is the classifier's */
        check_one("{\"MESSAGE\":\"x\",\"__CURSOR\":\"s=1\"}", "{\"MESSAGE\":\"x\",\"__CURSOR\":\"s=1\"}",
                  "");
        /* a record copied out of a stream with the ',' after it, in inline code; one cut after a field */
        check_one("```{\"level\":\"error\",\"msg\":\"vfio 0000:01:00.0: group 1 is not viable\"},```",
                  "vfio 0000:01:00.0: group 1 is not viable", "code span, JSON log msg");
        pc = unwrap("{\"level\":\"error\",\"msg\":\"Failed to sync vmi\",\"reason\":\"virError(Code=38, "
                    "Domain=0, Message='Failed to open config space file "
                    "'/sys/bus/pci/devices/0000:3d:06.2/config': Permission denied')\",",
                    &n);
        assert_int_equal(n, 2);
        static const char config[] =
                "Failed to open config space file '/sys/bus/pci/devices/0000:3d:06.2/config': Permission denied";
        assert_int_equal(pc[1].text.len, strlen(config));
        assert_memory_equal(pc[1].text.p, config, pc[1].text.len);
        /* what is no record: a '{' line that is not JSON, a record cut inside a value */
        check_one("{ x },", "{ x },", "");
        check_one("{\"msg\":\"a\", \"x\":\"b,", "{\"msg\":\"a\", \"x\":\"b,", "");
        /* a literal \n in a virsh line */
        pc = unwrap("error: internal error: qemu unexpectedly closed the monitor: a: b\\nc: d", &n);
        assert_int_equal(n, 2);
        assert_memory_equal(pc[1].text.p, "c: d", 4);
}

static void test_managers(void **state) {
        check_one("TASK ERROR: start failed: QEMU exited with code 1", "QEMU exited with code 1",
                  "quoted by \"TASK ERROR:\", quoted by \"start failed:\"");
        check_one("Error: Failed to start device \"gpu0\": x: y", "x: y",
                  "quoted by \"Error:\", quoted by \"Failed to start device \"gpu0\":\"");
        check_one("GenericError: vfio 0000:c6:00.0: group 10 is not viable",
                  "vfio 0000:c6:00.0: group 10 is not viable", "quoted by \"GenericError:\"");
        check_one("Unable to complete install: 'internal error: x'", "internal error: x",
                  "quoted by \"Unable to complete install:\"");
        check_one("libvirt.libvirtError: internal error: x", "internal error: x",
                  "quoted by \"libvirt.libvirtError:\"");
        /* Qubes OS's qvm-start: its tail pointing at libxl's log goes with the prefix */
        check_one("Start failed: internal error: libxenlight failed to create new domain 'sys-net', see "
                  "/var/log/libvirt/libxl/libxl-driver.log for details",
                  "internal error: libxenlight failed to create new domain 'sys-net'",
                  "quoted by \"Start failed:\"");
        /* KubeVirt's record of a libvirt error, as its Go binding spelled it before LibvirtError */
        check_one(
                "virError(Code=38, Domain=0, Message='Failed to open config space file "
                "'/sys/bus/pci/devices/0000:3d:06.2/config': Permission denied')",
                "Failed to open config space file '/sys/bus/pci/devices/0000:3d:06.2/config': Permission denied",
                "quoted by \"virError(Code=38, Domain=0, Message='\"");
        /* a subprocess's output as the program that ran it shows it */
        check_one(
                "stderr: \"Start failed: internal error: x, see /var/log/libvirt/libxl/libxl-driver.log for "
                "details\"",
                "internal error: x", "output quoted as \"stderr\", quoted by \"Start failed:\"");
        check_one("stdout: \"\"", "", "output quoted as \"stdout\"");
        /* the end of KubeVirt's Message='...' on a line of its own: a message broken over lines */
        check_one("    2021-11-04T10:57:09.827813Z qemu-kvm: -device vfio-pci,host=0000:af:04.7: vfio "
                  "0000:af:04.7: failed to setup container for group 106: failed to open /dev/vfio/vfio: "
                  "Permission denied')\"",
                  "2021-11-04T10:57:09.827813Z qemu-kvm: -device vfio-pci,host=0000:af:04.7: vfio "
                  "0000:af:04.7: failed to setup container for group 106: failed to open /dev/vfio/vfio: "
                  "Permission denied",
                  "end of a quote from an earlier line \"')\"\"");
        /* a quote the line opens itself stays */
        check_one("vfio: Cannot reset device 0000:01:00.0, depends on group 2 (name 'x')",
                  "vfio: Cannot reset device 0000:01:00.0, depends on group 2 (name 'x')", "");
        check_one("(qemu) qemu-system-x86_64: vfio 0000:01:00.0: x",
                  "qemu-system-x86_64: vfio 0000:01:00.0: x", "QEMU monitor");
        check_one("Hook script execution failed: internal error: Child process (LC_ALL=C "
                  "/etc/libvirt/hooks/qemu win "
                  "prepare begin -) unexpected exit status 1: modprobe: FATAL: Module nvidia is in use.",
                  "modprobe: FATAL: Module nvidia is in use.",
                  "quoted by \"Hook script execution failed: *");
}

/* A container engine's prefixes and suffixes around a runtime's error (kata's QMP errors through them). */
static void test_container_engines(void **state) {
        /* podman: "%s: %w" with define.ErrOCIRuntimePermissionDenied */
        check_one("Error: QMP command failed: vfio 0000:03:10.4: failed to open /dev/vfio/72: Operation not "
                  "permitted: OCI runtime permission denied error",
                  "vfio 0000:03:10.4: failed to open /dev/vfio/72: Operation not permitted",
                  "quoted by \"Error:\", quoted by \"QMP command failed:\", container engine's suffix \"OCI "
                  "runtime permission denied error\"");
        /* its older wording, on a line no prefix quotes */
        check_one(
                "vfio 0000:03:10.4: failed to open /dev/vfio/72: Operation not permitted: OCI permission denied",
                "vfio 0000:03:10.4: failed to open /dev/vfio/72: Operation not permitted",
                "container engine's suffix \"OCI permission denied\"");
        /* containerd's ctr and docker's CLI: the gRPC status after a quoted error, docker's with a period */
        check_one("ctr: failed to create shim task: QMP command failed: vfio 0000:01:00.1: group 1 used in "
                  "multiple address spaces: unknown",
                  "vfio 0000:01:00.1: group 1 used in multiple address spaces",
                  "quoted by \"ctr:\", quoted by \"failed to create shim task:\", quoted by \"QMP command "
                  "failed:\", container engine's suffix \"unknown\"");
        check_one(
                "docker: Error response from daemon: OCI runtime create failed: QMP command failed: vfio "
                "0000:01:00.0: failed to open /dev/vfio/1: No such file or directory: unknown.",
                "vfio 0000:01:00.0: failed to open /dev/vfio/1: No such file or directory",
                "quoted by \"docker:\", quoted by \"Error response from daemon:\", quoted by \"OCI runtime "
                "create failed:\", quoted by \"QMP command failed:\", container engine's suffix \"unknown.\"");
        /* ": unknown" after an errno's text, unquoted */
        check_one("vfio 0000:03:10.4: failed to open /dev/vfio/72: Operation not permitted: unknown",
                  "vfio 0000:03:10.4: failed to open /dev/vfio/72: Operation not permitted",
                  "container engine's suffix \"unknown\"");
        /* a message's own "unknown", quoted by nothing, stays */
        check_one("vfio-pci 0000:01:00.0: reset method: unknown",
                  "vfio-pci 0000:01:00.0: reset method: unknown", "");
}

static void test_prompts(void **state) {
        size_t n;
        const PastePiece *pc =
                unwrap("root@tupac:~# echo \"0000:03:00.0\" > /sys/bus/pci/drivers/vfio-pci/bind ", &n);
        assert_true(pc[0].command);
        assert_true(pc[0].root_prompt);
        pc = unwrap("user@host:~$ sudo tee /sys/x", &n);
        assert_true(pc[0].command && pc[0].user_prompt);
        pc = unwrap("[root@h /]# lspci", &n);
        assert_true(pc[0].command && pc[0].root_prompt);
        pc = unwrap("#lspci -nnk", &n);
        assert_true(pc[0].command && pc[0].root_prompt);
        assert_memory_equal(pc[0].text.p, "lspci -nnk", 10);
        pc = unwrap("+ echo 0000:01:00.0", &n);
        assert_true(pc[0].command);
        pc = unwrap("echo 1 > /sys/bus/pci/rescan", &n); /* pasted without its prompt */
        assert_true(pc[0].command);
        /* a dmesg line is no prompt, nor is a kernel line that names a user */
        pc = unwrap("[    5.1] usb 1-1: Manufacturer: a@b", &n);
        assert_false(pc[0].command);
}

static void test_redacted_and_cut(void **state) {
        size_t n;
        const PastePiece *pc =
                unwrap("vfio-pci 0000:XX:00.0: BAR 3: can't reserve [mem 0x1-0x2 64bit pref]", &n);
        assert_true(pc[0].redacted);
        assert_non_null(span_find(pc[0].text, PASTE_REDACTED_ADDRESS ": BAR 3"));
        pc = unwrap("qemu-system-x86_64: vfio <addr>: group 1 is not viable", &n);
        assert_true(pc[0].redacted);
        /* a real address is no redaction, nor a version or a time */
        pc = unwrap("vfio-pci 0000:0a:00.0: x 10:00:00.1", &n);
        assert_false(pc[0].redacted);
        pc = unwrap("qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not vi\xe2\x80\xa6", &n);
        assert_true(pc[0].cut);
        assert_int_equal(pc[0].text.p[pc[0].text.len - 1], 'i');
}

static void test_depth_bound(void **state) {
        char line[4096] = "";
        for (int i = 0; i < 200; i++)
                strcat(line, "> ");
        strcat(line, "DMAR: IOMMU disabled");
        size_t n;
        const PastePiece *pc = unwrap(line, &n);
        assert_int_equal(n, 1);
        assert_true(pc[0].n_layers <= VX_PASTE_DEPTH_MAX);
        /* many escaped lines: at most VX_PASTE_PIECES_MAX pieces */
        char many[8192] = "error: ";
        for (int i = 0; i < 100; i++)
                strcat(many, "a\\n");
        pc = unwrap(many, &n);
        assert_true(n <= VX_PASTE_PIECES_MAX);
}

/* The command of a transcript line, parsed: false if it writes no PCI sysfs file. */
static bool parse_command(const char *line, Span cwd, SysfsWrite *w) {
        size_t n;
        const PastePiece *pc = unwrap(line, &n);
        return n == 1 && sysfs_write_parse(&pc[0], cwd, w);
}

static void check_write(const char *command, SysfsOp op, const char *device, const char *driver) {
        SysfsWrite w;
        assert_true(parse_command(command, (Span){0}, &w));
        assert_int_equal(w.op, op);
        assert_string_equal(w.device, device);
        assert_string_equal(w.driver, driver);
}

static void test_sysfs_writes(void **state) {
        check_write("echo \"0000:03:00.0\" > /sys/bus/pci/drivers/vfio-pci/bind", SYSFS_BIND, "0000:03:00.0",
                    "vfio-pci");
        check_write("echo 0000:01:00.0 | sudo tee /sys/bus/pci/devices/0000:01:00.0/driver/unbind",
                    SYSFS_UNBIND, "0000:01:00.0", "");
        check_write("echo vfio-pci > /sys/bus/pci/devices/0000\\:01\\:00.0/driver_override",
                    SYSFS_DRIVER_OVERRIDE, "0000:01:00.0", "vfio-pci");
        check_write("sudo sh -c 'echo 1 > /sys/bus/pci/devices/0000:0b:00.0/reset'", SYSFS_RESET,
                    "0000:0b:00.0", "");
        check_write("echo bus > /sys/bus/pci/devices/0000\\:0b\\:00.0/reset_method", SYSFS_RESET_METHOD,
                    "0000:0b:00.0", "");
        check_write("echo device_specific | sudo tee /sys/bus/pci/devices/0000\\:0b\\:00.0/reset_method",
                    SYSFS_RESET_METHOD, "0000:0b:00.0", "");
        check_write("printf '%s' 0000:01:00.0 > /sys/bus/pci/drivers_probe", SYSFS_DRIVERS_PROBE,
                    "0000:01:00.0", "");
        check_write("echo 10de 1b80 > /sys/bus/pci/drivers/vfio-pci/new_id", SYSFS_NEW_ID, "", "vfio-pci");
        check_write("driverctl set-override 0000:01:00.0 vfio-pci", SYSFS_DRIVER_OVERRIDE, "0000:01:00.0",
                    "vfio-pci");
        check_write("echo 4 > /sys/devices/pci0000:00/0000:00:03.0/0000:3b:00.0/sriov_numvfs",
                    SYSFS_SRIOV_NUMVFS, "0000:3b:00.0", "");
        /* through a network interface's link to its PCI device */
        check_write("echo 7 > /sys/class/net/eno1/device/sriov_numvfs", SYSFS_SRIOV_NUMVFS, "", "");
        SysfsWrite w;
        /* a relative path, from the prompt's directory */
        assert_true(parse_command("echo 1 > reset", span_from_str("/sys/bus/pci/devices/0000:02:00.0"), &w));
        assert_int_equal(w.op, SYSFS_RESET);
        assert_string_equal(w.device, "0000:02:00.0");
        /* not a write of PCI sysfs: a read, a ">" inside quotes, a platform device, an ls listing */
        assert_false(parse_command("cat /sys/bus/pci/devices/0000:01:00.0/reset", (Span){0}, &w));
        assert_false(parse_command("cat /sys/bus/pci/devices/0000\\:01\\:00.0/reset_method", (Span){0}, &w));
        /* a backslash inside single quotes is the word's own: no PCI path */
        assert_false(parse_command("echo bus > '/sys/bus/pci/devices/0000\\:01\\:00.0/reset_method'",
                                   (Span){0}, &w) &&
                     strcmp(w.device, "0000:01:00.0") == 0);
        assert_false(
                parse_command("echo '0000:01:00.0 > /sys/bus/pci/drivers/vfio-pci/bind'", (Span){0}, &w));
        assert_false(parse_command("echo sunxi_emac.0 > /sys/bus/platform/drivers/sunxi_emac/bind",
                                   (Span){0}, &w));
        assert_false(parse_command("ls -l /sys/bus/pci/devices/0000:01:00.0/ -> x", (Span){0}, &w));
        /* an interface's own attribute, not its device's */
        assert_false(parse_command("echo 1 > /sys/class/net/eno1/sriov_numvfs", (Span){0}, &w));
}

static void check_reply(const char *line, const char *errno_name, const char *path) {
        ShellReply r;
        assert_true(shell_reply_parse(span_from_str(line), &r));
        assert_string_equal(r.errno_name, errno_name);
        assert_int_equal(r.path.len, strlen(path));
        assert_memory_equal(r.path.p, path, r.path.len);
}

static void test_shell_replies(void **state) {
        check_reply("bash: echo: write error: No such device", "ENODEV", "");
        check_reply("-bash: echo: write error: Device or resource busy", "EBUSY", "");
        check_reply("bash: line 1: echo: write error: Invalid argument", "EINVAL", "");
        check_reply("/bin/vfio-startup.sh: line 123: echo: write error: No such device", "ENODEV", "");
        check_reply("sh: write error: Resource busy", "EBUSY", ""); /* busybox on musl */
        check_reply("-sh: echo: write error: No such device", "ENODEV", "");
        check_reply("tee: /sys/bus/pci/drivers/vfio-pci/new_id: File exists", "EEXIST",
                    "/sys/bus/pci/drivers/vfio-pci/new_id");
        check_reply("-bash: /sys/bus/pci/drivers/vfio-pci/bind: Permission denied", "EACCES",
                    "/sys/bus/pci/drivers/vfio-pci/bind");
        check_reply("write /sys/bus/pci/drivers/vfio-pci/bind: no such device", "ENODEV",
                    "/sys/bus/pci/drivers/vfio-pci/bind");
        check_reply("open /sys/bus/pci/devices/0000:01:00.0/driver_override: permission denied", "EACCES",
                    "/sys/bus/pci/devices/0000:01:00.0/driver_override");
        check_reply("sh: write error: Inappropriate ioctl for device", "ENOTTY", "");
        check_reply("bash: echo: write error: NO SUCH DEVICE", "ENODEV", "");
        /* a script run by a relative name: bash's "line N: " after $0 */
        check_reply(
                "./script/nicctl.sh: line 63: /sys/bus/pci/devices/0000:00:1f.6/sriov_numvfs: Permission denied",
                "EACCES", "/sys/bus/pci/devices/0000:00:1f.6/sriov_numvfs");
        /* dash's redirection errors, its own text for ENOENT among them */
        check_reply(
                "sh: 6: cannot create /sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs: Permission denied",
                "EACCES", "/sys/devices/pci0000:00/0000:00:02.0/sriov_numvfs");
        check_reply("sh: 1: cannot create /sys/bus/pci/drivers/vfio-pci/new_id: Directory nonexistent",
                    "ENOENT", "/sys/bus/pci/drivers/vfio-pci/new_id");
        ShellReply r;
        /* an errno text no C library prints, and other programs' lines */
        assert_false(shell_reply_parse(span_from_str("bash: echo: write error: No such thing"), &r));
        assert_false(shell_reply_parse(span_from_str("vfio-pci 0000:01:00.0: write error: x"), &r));
        assert_false(shell_reply_parse(span_from_str("modprobe: FATAL: Module nvidia is in use."), &r));
        /* a program's name without bash's "line N: " is no script's */
        assert_false(shell_reply_parse(
                span_from_str("start.sh: /sys/bus/pci/drivers/vfio-pci/bind: Permission denied"), &r));
}

static void check_writer(const char *line, SysfsWriter writer) {
        SysfsWrite w;
        assert_true(parse_command(line, (Span){0}, &w));
        assert_int_equal(w.writer, writer);
}

static void test_writers(void **state) {
        check_writer("root@pve:~# echo 0000:01:00.0 > /sys/bus/pci/drivers/vfio-pci/bind", WRITER_ROOT);
        check_writer("user@h:~$ echo 0000:01:00.0 | sudo tee /sys/bus/pci/drivers/vfio-pci/bind",
                     WRITER_ROOT);
        check_writer("sudo sh -c 'echo 1 > /sys/bus/pci/devices/0000:01:00.0/reset'", WRITER_ROOT);
        /* sudo runs echo; the user's shell opens the file */
        check_writer("sudo echo \"10de 11e1\" > \"/sys/bus/pci/drivers/vfio-pci/new_id\"", WRITER_USER);
        check_writer("user@h:~$ echo 1 > /sys/bus/pci/rescan", WRITER_USER);
        check_writer("echo 1 > /sys/bus/pci/rescan", WRITER_UNKNOWN);
}

static void check_event(const char *transcript, const char *want) {
        char out[512];
        size_t n = shell_event_of_transcript(stage, transcript, strlen(transcript), out, sizeof(out));
        assert_string_equal(out, want);
        assert_int_equal(n, strlen(want));
}

static void test_events(void **state) {
        check_event("root@tupac:~# echo \"0000:03:00.0\" > /sys/bus/pci/drivers/vfio-pci/bind \\nbash: "
                    "echo: write "
                    "error: No such device",
                    "sysfs-write op=bind device=0000:03:00.0 driver=vfio-pci errno=ENODEV writer=root "
                    "path=/sys/bus/pci/drivers/vfio-pci/bind value=0000:03:00.0");
        /* the reply alone names its file */
        check_event("x\\ntee: /sys/bus/pci/devices/0000:01:00.0/driver/unbind: No such device",
                    "sysfs-write op=unbind device=0000:01:00.0 driver=- errno=ENODEV writer=- "
                    "path=/sys/bus/pci/devices/0000:01:00.0/driver/unbind value=-");
        /* a path tab completion escaped, and the escaped address written: the same event as unescaped */
        static const char reset_method[] =
                "sysfs-write op=reset_method device=0000:0f:00.0 driver=- errno=EINVAL writer=root "
                "path=/sys/bus/pci/devices/0000:0f:00.0/reset_method value=device_specific";
        check_event("root@pve:~# echo device_specific > /sys/bus/pci/devices/0000\\:0f\\:00.0/reset_method"
                    "\\nbash: echo: write error: Invalid argument",
                    reset_method);
        check_event("root@pve:~# echo device_specific > /sys/bus/pci/devices/0000:0f:00.0/reset_method"
                    "\\nbash: echo: write error: Invalid argument",
                    reset_method);
        check_event("root@pve:~# echo 0000\\:01\\:00.0 > /sys/bus/pci/devices/0000\\:01\\:00.0/driver/unbind"
                    "\\nbash: echo: write error: No such device",
                    "sysfs-write op=unbind device=0000:01:00.0 driver=- errno=ENODEV writer=root "
                    "path=/sys/bus/pci/devices/0000:01:00.0/driver/unbind value=0000:01:00.0");
        /* the value's words as echo joins them */
        check_event(
                "# echo \"10de  1b80\" > /sys/bus/pci/drivers/vfio-pci/new_id\\n-bash: echo: write error: "
                "File exists",
                "sysfs-write op=new_id device=- driver=vfio-pci errno=EEXIST writer=root "
                "path=/sys/bus/pci/drivers/vfio-pci/new_id value=10de  1b80");
        /* no command and a reply that names no file: no event */
        check_event("ls\\nbash: echo: write error: No such device", "");
        check_event("no separator", "");
}

/* Python's OSError (PCILeechFWGenerator#79, #560; a traceback's last line): back to the C library's shape,
 * the file named once; the number must be the text's errno. A program's log columns drawn with a box bar go.
 */
static void test_python_errno(void **state) {
        check_one("Failed to open /dev/vfio/20: [Errno 16] Device or resource busy: '/dev/vfio/20'",
                  "Failed to open /dev/vfio/20: Device or resource busy", "Python's OSError");
        check_one("PermissionError: [Errno 13] Permission denied: '/sys/bus/pci/drivers/vfio-pci/bind'",
                  "/sys/bus/pci/drivers/vfio-pci/bind: Permission denied",
                  "Python's OSError \"PermissionError\"");
        check_one("OSError: [Errno 19] No such device", "No such device", "Python's OSError \"OSError\"");
        check_one("IOError: [Errno 16] Device or resource busy", "Device or resource busy",
                  "Python's OSError \"IOError\"");
        check_one(
                "Failed to open /dev/vfio/14: [Errno 16] Device or resource busy: '/dev/vfio/14'. Proceeding "
                "with warning.",
                "Failed to open /dev/vfio/14: Device or resource busy. Proceeding with warning.",
                "Python's OSError");
        check_one(
                "08:10:12 ERROR   08:10:12 \xe2\x94\x82 ERROR  \xe2\x94\x82 Failed to open /dev/vfio/20: [Errno 16] "
                "Device or resource busy: '/dev/vfio/20'",
                "Failed to open /dev/vfio/20: Device or resource busy",
                "log columns \"08:10:12 ERROR   08:10:12 \xe2\x94\x82 ERROR\", Python's "
                "OSError");
        /* not changed: a number that is not the text's errno, no number, an errno text no table has, Rust's
         * "(os error 16)", a pane's borders */
        static const char *const same[] = {
                "OSError: [Errno 16] No such device",
                "OSError: [Errno x] No such device",
                "OSError: [Errno 16] Device or resource bus",
                "failed to open /dev/vfio/12 group: Device or resource busy (os error 16)",
                "\xe2\x94\x82 vfio 0000:01:00.0: group 1 is not viable \xe2\x94\x82",
        };
        for (size_t i = 0; i < ELEMENTSOF(same); i++) {
                size_t n;
                const PastePiece *pc = unwrap(same[i], &n);
                for (size_t k = 0; k < pc[0].n_layers; k++)
                        assert_int_not_equal(pc[0].layers[k].kind, PASTE_PYTHON_ERRNO);
                for (size_t k = 0; k < pc[0].n_layers; k++)
                        assert_int_not_equal(pc[0].layers[k].kind, PASTE_COLUMNS);
        }
        /* Python's write and its OSError as a transcript's event */
        check_event(
                "root@h:~# python3 -c \"open('/sys/bus/pci/drivers/vfio-pci/bind','w').write('0000:01:00.0')\""
                "\\nOSError: [Errno 16] Device or resource busy",
                "sysfs-write op=bind device=0000:01:00.0 driver=vfio-pci errno=EBUSY writer=root "
                "path=/sys/bus/pci/drivers/vfio-pci/bind value=0000:01:00.0");
        check_event(
                "x\\nPermissionError: [Errno 13] Permission denied: '/sys/bus/pci/drivers/vfio-pci/bind'",
                "sysfs-write op=bind device=- driver=vfio-pci errno=EACCES writer=- "
                "path=/sys/bus/pci/drivers/vfio-pci/bind value=-");
        /* a read is no write */
        SysfsWrite w;
        assert_false(parse_command(
                "python3 -c \"print(open('/sys/bus/pci/devices/0000:01:00.0/reset_method').read())\"",
                (Span){0}, &w));
}

/* A management layer's prefix retyped without its blank, and a sentence's comma after Qubes OS's tail
 * (QubesOS/qubes-issues#4818). */
static void test_manager_retyped(void **state) {
        check_one(
                "Start failed:internal error: Unable to reset PCI device 0000:03:00.1: internal error: Active "
                "0000:03:00.0 devices on bus with 0000:03:00.1, not doing bus reset, see "
                "/var/log/libvirt/libxl/libxl-driver.log for details,",
                "internal error: Unable to reset PCI device 0000:03:00.1: internal error: Active 0000:03:00.0 "
                "devices on bus with 0000:03:00.1, not doing bus reset",
                "quoted by \"Start failed:\"");
        /* a word that goes on after the colon is no prefix */
        size_t n;
        const PastePiece *pc = unwrap("Errors:none found", &n);
        assert_int_equal(pc[0].n_layers, 0);
}

/* The pieces of line after the first (the line itself) are want[], each with the context want_context. */
static void check_quoted(const char *line, const char *const *want, size_t n_want,
                         const char *want_context) {
        size_t n;
        const PastePiece *pc = unwrap(line, &n);
        char ctx[512];
        assert_int_equal(n, 1 + n_want);
        for (size_t i = 0; i < n_want; i++) {
                assert_int_equal(pc[1 + i].text.len, strlen(want[i]));
                assert_memory_equal(pc[1 + i].text.p, want[i], strlen(want[i]));
                paste_context(&pc[1 + i], ctx, sizeof(ctx));
                assert_string_equal(ctx, want_context);
        }
}

/* A message quoted inside a prose sentence: each inline code span, each message in parentheses or double
 * quotes a piece of its own; the sentence stays the first piece. What is no quoted message stays one piece.
 */
static void test_quoted_in_sentence(void **state) {
        static const char *const probe[] = {
                "vfio-pci 0001:01:00.0: probe with driver vfio-pci failed with error -22",
                "-EINVAL (Invalid "
                "argument)"};
        check_quoted(
                "But attaching a PCIe device to the vfio-pci driver fails with `vfio-pci 0001:01:00.0: probe "
                "with driver vfio-pci failed with error -22`. Error `-22` means `-EINVAL (Invalid argument)`.",
                probe, 2, "quoted in a sentence");
        static const char *const d3[] = {"vfio: Unable to power on device, stuck in D3"};
        check_quoted(
                "I created a new vm and I got this error (vfio: Unable to power on device, stuck in D3), "
                "after r",
                d3, 1, "quoted in a sentence");
        static const char *const viable[] = {"vfio 0000:c6:00.0: group 10 is not viable"};
        check_quoted("results in an error like `GenericError: vfio 0000:c6:00.0: group 10 is not viable`.",
                     viable, 1, "quoted in a sentence, quoted by \"GenericError:\"");
        /* typographic quotes, double backticks holding a backtick, inside a markdown quote */
        static const char *const viable1[] = {"vfio 0000:01:00.0: group 1 is not viable"};
        check_quoted("QEMU says \xe2\x80\x9cvfio 0000:01:00.0: group 1 is not viable\xe2\x80\x9d here",
                     viable1, 1, "typographic characters, quoted in a sentence");
        static const char *const tick[] = {"a `b` c"};
        check_quoted("> see ``a `b` c`` here", tick, 1, "markdown quote, quoted in a sentence");
        /* KubeVirt's virt-launcher quoting libvirt inside its own sentence (kubevirt#15952), after the
         * JSON record's "msg" is decoded */
        static const char *const memlock[] = {
                "cannot limit locked memory of process 96 to 5368709120: Operation not permitted"};
        check_quoted(
                "failed to hot-plug host-devices: failed to attach host-device <hostdev type=\"pci\" "
                "managed=\"no\"></hostdev>, err: virError(Code=38, Domain=0, Message='cannot limit locked "
                "memory of process 96 to 5368709120: Operation not permitted')",
                memlock, 1, "quoted in a sentence");
        /* a command and its reply, each in inline code: a transcript */
        size_t n;
        const PastePiece *pc =
                unwrap("I ran `echo 0000:01:00.0 > /sys/bus/pci/drivers/vfio-pci/bind` and got `bash: echo: "
                       "write error: No such device`",
                       &n);
        assert_int_equal(n, 3);
        assert_true(pc[1].command);
        assert_false(pc[2].command);

        /* what is no quoted message: one piece, the line itself */
        static const char *const none[] = {
                "pci 0000:00:02.0: [8086:3e92] type 00 class 0x030000 (rev 02)",
                "vfio-pci 0000:01:00.0: can't reset (Device or resource busy)",
                "level=error msg=\"vfio: x: y\" component=virt-handler",
                "qemu-system-x86_64: -device {\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\"}: vfio x",
                "set `CONFIG_VFIO_PCI=m` and `-22` (see below)",
                "an unclosed `vfio: x: y and (vfio: a: b",
                "```vfio: a: b``` and ```c: d```",
                "libvirt: error : Failed to start device \"gpu0\": x",
                "err: virError(Code=38, Domain=0, Message='')",
                "err: virError(Code=38, Domain=0, Message='cut",
                "x, err: someError(Code=1, Message='no colon here')",
        };
        for (size_t i = 0; i < ELEMENTSOF(none); i++) {
                pc = unwrap(none[i], &n);
                if (n != 1)
                        print_error("%s: %zu pieces\n", none[i], n);
                assert_int_equal(n, 1);
        }
        /* code spans at both ends: around the line, and a sentence of spans */
        pc = unwrap("`vfio: a b` and `kvm: c d`", &n);
        assert_int_equal(n, 3);
        assert_memory_equal(pc[0].text.p, "vfio: a b` and `kvm: c d", pc[0].text.len);
        assert_memory_equal(pc[1].text.p, "vfio: a b", pc[1].text.len);
        assert_memory_equal(pc[2].text.p, "kvm: c d", pc[2].text.len);
        /* a span at one end only is no wrapper around the line */
        check_one("it fails with `x`", "it fails with `x`", "");
        check_one("`x` it fails", "`x` it fails", "");
}

static bool wraps(const char *head, const char *next) {
        return paste_wrap_continues(span_from_str(head), span_from_str(next));
}

/* A message hard-wrapped without an indent: the line after a long one, shaped like no message's start. */
static void test_wrapped_lines(void **state) {
        static const char head[] =
                "qemu-system-x86_64: -device vfio-pci,host=0000:0b:00.0,x-vga=on: vfio 0000:0b:00.0: failed";
        assert_true(wraps(head, "to open /dev/vfio/11: Permission denied"));
        assert_true(wraps(head, "setup container for group 11: Failed to set iommu for container"));
        assert_true(wraps(head, "pref]"));
        /* a word too long for the line before: a mail client's wrap at 72 */
        assert_true(wraps("2024-03-02T18:22:41.108245Z qemu-system-x86_64: -device",
                          "vfio-pci,host=0000:0b:00.0,id=hostdev0,bus=pci.0,addr=0x6: vfio"));
        /* a line whose next word would have fitted at any width a wrap uses, a line that starts otherwise
         * than with a small letter */
        assert_false(wraps("vfio 0000:0b:00.0: failed", "to open /dev/vfio/11: Permission denied"));
        assert_false(wraps("qemu-system-x86_64: terminating on signal 15 from pid 1",
                           "char device redirected to /dev/pts/3 (label charserial0)"));
        assert_false(wraps(head, "Permission denied"));
        assert_false(wraps(head, "0000:0b:00.0: x"));
        assert_false(wraps(head, "  indented"));
        /* the start of another message: a program's, a device's, a record, a prompt */
        assert_false(wraps(head, "kvm: -device vfio-pci,host=0000:0b:00.0: x"));
        assert_false(wraps(head, "libvirtd[812]: internal error: x"));
        assert_false(wraps(head, "x86/fpu: Supporting XSAVE feature 0x001"));
        assert_false(wraps(head, "usb 1-1: new high-speed USB device number 2 using xhci_hcd"));
        assert_false(wraps(head, "vfio-pci 0000:0b:00.0: enabling device (0000 -> 0003)"));
        assert_false(wraps(head, "level=error msg=\"x\""));
        assert_false(wraps(head, "root@pve:~# dmesg"));
        /* a message's own words before a colon are no device's prefix: QEMU's error wrapped by its reporter
         * mid-phrase (kubevirt/kubevirt#18915), libvirt's nested error after a colon (QubesOS#4706) */
        assert_true(wraps("vfio 0000:xx:00.0: failed to setup container for group N: memory listener",
                          "initialization failed: Region ram-node0: vfio_container_dma_map(...) = -12"));
        assert_true(wraps("Start failed: internal error: Unable to reset PCI device 0000:01:00.0:",
                          "internal error: Active 0000:01:00.1 devices on bus with 0000:01:00.0, not"));
        assert_true(wraps("initialization failed: Region ram-node0: vfio_container_dma_map(...) = -12",
                          "(Cannot allocate memory)"));
        /* A wrap just before a word with a colon: the start of another message in every real paste seen
         * (virsh's "error: Failed to attach device from X" then its "error: internal error: ...", field3 row
         * 31; DPDK's "EAL: " lines one after another, field4 row 16; "kvm: -device ..." after QEMU's line,
         * field4 row 10), so a line that starts so is a head; except where the line before ends with the
         * first word of one of libvirt's error classes, whose second word it is: "... internal" then
         * "error: ..." is libvirt's "internal error: " broken in two. */
        assert_false(
                wraps("error: Failed to attach device from /tmp/tmp2qzpbpgy.xml and the domain stays off",
                      "error: internal error: unable to execute QEMU command 'device_add'"));
        assert_false(wraps("EAL: Cannot open /dev/vfio/9: Permission denied and then the app went on with",
                           "error: Failed to open VFIO group 9"));
        assert_true(wraps(
                "TASK ERROR: Start failed: internal error: Unable to reset PCI device 0000:01:00.0: internal",
                "error: Active 0000:01:00.1 devices on bus with 0000:01:00.0, not doing bus reset"));
        assert_true(
                wraps("error: Failed to start domain 'win11' because of this: Requested operation is not",
                      "valid: Unmanaged PCI device 0000:01:00.1 must be manually detached from the host"));
        assert_false(wraps(
                "TASK ERROR: Start failed: internal error: Unable to reset PCI device 0000:01:00.0: external",
                "error: Active 0000:01:00.1 devices on bus with 0000:01:00.0, not doing bus reset"));
        assert_false(wraps(head, "(qemu) info pci"));
        assert_false(wraps("vfio 0000:0b:00.0: failed = -12", "(Cannot allocate memory)"));
        assert_false(wraps(head, "snd_hda_intel card0: x"));
        assert_false(wraps(head, "r8169 eth0: Link is Down"));
        /* a terminal's cut inside a word: 80 bytes, nothing blank at the cut */
        static const char cut80[] =
                "qemu-system-x86_64: -device vfio-pci,host=0000:0b:00.0,id=hostdev0,bus=pci.0,add";
        assert_int_equal(strlen(cut80), VX_WRAP_TERMINAL_COLUMNS);
        assert_true(wraps(cut80, "r=0x6: vfio 0000:0b:00.0: group 11 is not viable"));
        assert_true(paste_wrap_in_word(span_from_str(cut80), span_from_str("r=0x6: vfio")));
        assert_false(paste_wrap_in_word(span_from_str(head), span_from_str("to open")));
        assert_false(paste_wrap_in_word(span_from_str(cut80), span_from_str(" r=0x6")));

        /* After a colon, where no message ends, the text goes on whatever its first letter, however short
         * the line before: an errno, a retyped capital, a number */
        static const char colon[] = "vfio 0000:0b:00.0: failed to open /dev/vfio/12:";
        assert_true(wraps(colon, "Permission denied"));
        assert_true(wraps("qemu-system-x86_64: -device vfio-pci,host=0000:0b:00.0: vfio 0000:0b:00.0: ",
                          "Group 11 is not viable"));
        assert_true(wraps("vfio 0000:0b:00.0:", "group 11 is not viable"));
        assert_true(
                wraps("internal error: process exited while connecting to monitor:\r", "2 devices failed"));
        /* ... but not a line that starts as a line does, nor a capital after a line that ends otherwise */
        assert_false(wraps(colon, "Nov 23 10:00:01 host kernel: x"));
        assert_false(wraps(colon, "2024-05-01T10:00:00.123456Z qemu-system-x86_64: x"));
        assert_false(wraps(colon, "01:00.0 VGA compatible controller: NVIDIA Corporation"));
        assert_false(wraps(colon, "0000:0b:00.0 Ethernet controller"));
        assert_false(wraps(colon, "10:00:01 x"));
        assert_false(wraps(colon, "DMAR: IOMMU enabled"));
        assert_false(wraps(colon, "Error: Failed to start device \"gpu0\": x"));
        assert_false(wraps(colon, "QEMU[812]: x"));
        assert_false(wraps(colon, "12: Permission denied"));
        assert_false(wraps(colon, "[    1.234567] x"));
        assert_false(wraps(colon, "root@pve:~# dmesg"));
        assert_false(wraps(head, "Permission denied"));
        assert_false(wraps("vfio 0000:0b:00.0: failed to open /dev/vfio/12", "Permission denied"));
        /* a colon at a terminal's edge had its blank on the next row */
        static const char colon80[] =
                "qemu-system-x86_64: -device vfio-pci,host=0000:0b:00.0: vfio 0000:0b:00.0: xxxx:";
        assert_int_equal(strlen(colon80), VX_WRAP_TERMINAL_COLUMNS);
        assert_false(paste_wrap_in_word(span_from_str(colon80), span_from_str("Permission denied")));
}

/* A terminal's wrap copied as a run of blanks (a console that pads each row): the rows joined again, a blank
 * kept where the text had one at a row's end or start. */
static void test_terminal_padding(void **state) {
        static char line[2048];
        size_t n;
        const PastePiece *pc;
        /* dmrub/nvidia-dev-ctl#1 as posted: rows of 80 padded to 168, two runs (the first row ended in a
         * blank, the second inside "Input/output") */
        static const char virsh[] =
                "error: internal error: unable to execute QEMU command 'device_add': vfio error: "
                "11f13de7-96f5-4833-a47d-111e11294c45: error getting device from group 149: Input/output error";
        check_one(pad_rows(virsh, 80, 168, line, sizeof(line)), virsh, "terminal wrap");
        /* a blank at the start of a row (in the run with the padding) and a word cut at the end of another
         */
        static const char qemu[] =
                "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: failed "
                "to setup container for group 15: Could not open '/dev/vfio/vfio': No such file or "
                "directory";
        check_one(pad_rows(qemu, 80, 168, line, sizeof(line)), qemu, "terminal wrap");
        /* one run says nothing of the width: the other reading is a piece too (the row-31 prompt line) */
        pc = unwrap(
                pad_rows("root@baremetal01:/home/s4nfs/gpubinder# ./nvidia-dev-ctl.py attach-mdev --hotplug "
                         "11f13de7-96f5-4833-a47d-111e11294c45 Win2019",
                         79, 167, line, sizeof(line)),
                &n);
        assert_int_equal(n, 2);
        assert_memory_equal(pc[0].text.p, "./nvidia-dev-ctl.py attach-mdev --hotplug 11f13de7-", 51);
        assert_memory_equal(pc[1].text.p, "./nvidia-dev-ctl.py attach-mdev --hotpl ug 11f13de7-", 52);
        /* not a wrap: a column of a table after a short row, a run of 31, blanks at the end, indentation */
        static const char *const kept[] = {
                "CONTAINER ID   IMAGE                                           COMMAND   CREATED",
                ("qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: x                "
                 "               y"),
                "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: x",
                "                                                                   indented text",
        };
        for (size_t i = 0; i < ELEMENTSOF(kept); i++) {
                Span t = span_from_str(kept[i]);
                assert_false(paste_has_wrap_padding(t.p, t.len));
                pc = unwrap(kept[i], &n);
                for (size_t k = 0; k < pc[0].n_layers; k++)
                        assert_int_not_equal(pc[0].layers[k].kind, PASTE_TERMINAL);
        }
        assert_true(paste_has_wrap_padding(line, strlen(line)));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain_line_is_itself),
                cmocka_unit_test(test_trailing_blanks_crlf_bom),
                cmocka_unit_test(test_colours_and_cri),
                cmocka_unit_test(test_caret_colours),
                cmocka_unit_test(test_typography),
                cmocka_unit_test(test_markdown),
                cmocka_unit_test(test_containers),
                cmocka_unit_test(test_logfmt),
                cmocka_unit_test(test_json_and_escaped_lines),
                cmocka_unit_test(test_managers),
                cmocka_unit_test(test_container_engines),
                cmocka_unit_test(test_prompts),
                cmocka_unit_test(test_redacted_and_cut),
                cmocka_unit_test(test_depth_bound),
                cmocka_unit_test(test_sysfs_writes),
                cmocka_unit_test(test_shell_replies),
                cmocka_unit_test(test_writers),
                cmocka_unit_test(test_events),
                cmocka_unit_test(test_python_errno),
                cmocka_unit_test(test_manager_retyped),
                cmocka_unit_test(test_wrapped_lines),
                cmocka_unit_test(test_terminal_padding),
                cmocka_unit_test(test_quoted_in_sentence),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
