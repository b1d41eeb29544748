/* SPDX-License-Identifier: MIT */
/* Every fix template of every rule file that exists (the shipped rules/, whatever other rules are added
 * to it), filled as a person would paste it: once with every value unknown (the fix sets a shell
 * variable first), once with every value known. Each must be valid bash (bash -n) and hold nothing a
 * shell misreads: no placeholder such as <domain>, which bash takes as a redirection from a file. */
#include "test_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "template.h"

static const char *const known[_VAR_CAPTURE_MAX] = {
        [VAR_ADDRESS] = "0000:01:00.0",
        [VAR_GROUP] = "12",
        [VAR_ERRNO] = "-22",
        [VAR_PATH] = "/var/lib/libvirt/vbios/gtx1080.rom",
        [VAR_DRIVER] = "snd_hda_intel",
        [VAR_USER] = "libvirt-qemu",
        [VAR_VENDOR] = "10de",
        [VAR_DEVICE] = "1b80",
        [VAR_BAR] = "3",
        [VAR_DOMAIN] = "win11",
        [VAR_MODULE] = "vfio_pci",
        [VAR_PARAM] = "intel_iommu",
        [VAR_VALUE] = "on",
        [VAR_SIZE] = "0x400000000",
        [VAR_IOVA] = "0xfee00000",
        [VAR_PID] = "4242",
        [VAR_NODE] = "/dev/vfio/12",
        [VAR_LABEL] = "libvirt-3f1c2a4e-8d6b-4b8e-9c1a-2f6d5e7a9b10",
        [VAR_ALIAS] = "hostdev0",
};

/* An unquoted '<' that bash would take as a redirection from a file whose name is a word: "<domain>",
 * "<host address of the GPU>". A here-document or here-string (<<), process substitution <( ), a
 * duplication (<&) and a redirection from a path, a variable or a quoted name are what a fix may mean. */
static const char *misread_redirection(const char *s) {
        char q = 0;
        for (const char *p = s; *p; p++) {
                if (*p == '\\' && q != '\'' && p[1]) {
                        p++;
                        continue;
                }
                if (q) {
                        if (*p == q)
                                q = 0;
                        continue;
                }
                if (*p == '\'' || *p == '"') {
                        q = *p;
                        continue;
                }
                if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\n')) {
                        /* A comment runs to the end of its line. */
                        while (p[1] && p[1] != '\n')
                                p++;
                        continue;
                }
                if (*p != '<')
                        continue;
                if (p[1] == '<' || p[1] == '(' || p[1] == '&' || (p > s && p[-1] == '<'))
                        continue;
                const char *w = p + 1;
                while (*w == ' ')
                        w++;
                if (*w == '/' || *w == '$' || *w == '"' || *w == '\'')
                        continue;
                return p;
        }
        return NULL;
}

/* bash -n on the text: 0 when bash reads it as a valid script. */
static int bash_check(const char *script) {
        int fd[2];
        assert_int_equal(pipe(fd), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fd[0], STDIN_FILENO);
                close(fd[0]);
                close(fd[1]);
                execlp("bash", "bash", "-n", (char *) NULL);
                _exit(127);
        }
        close(fd[0]);
        size_t len = strlen(script);
        for (size_t done = 0; done < len;) {
                ssize_t k = write(fd[1], script + done, len - done);
                assert_true(k > 0);
                done += (size_t) k;
        }
        close(fd[1]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_not_equal(WEXITSTATUS(status), 127); /* no bash: this test cannot be run */
        return WEXITSTATUS(status);
}

typedef struct Counts {
        size_t templates, with_setup;
        size_t why_vars; /* whys that name a variable their command sets */
} Counts;

static void check_template(const char *owner, const Fix *fix, Counts *c) {
        HostFacts unknown_host = {0};
        for (int filled = 0; filled <= 1; filled++) {
                TemplateVars v = {0};
                if (filled)
                        for (Var k = 0; k < _VAR_CAPTURE_MAX; k++)
                                v.v[k] = known[k];
                v.v[VAR_UPDATE_BOOTLOADER] = host_update_bootloader(&unknown_host);
                v.v[VAR_UPDATE_INITRAMFS] = host_update_initramfs(&unknown_host);
                v.v[VAR_CMDLINE_FILE] = host_cmdline_file(&unknown_host);
                v.v[VAR_CMDLINE_ANCHOR] = host_cmdline_anchor(&unknown_host);
                v.v[VAR_RELEASE_FRAMEBUFFER] = "initcall_blacklist=sysfb_init";
                snprintf(v.mmio64_mb, sizeof(v.mmio64_mb), "65536");
                v.v[VAR_MMIO64_MB] = v.mmio64_mb;
                /* A [regression]'s values: its data and the host's distribution give them all, always. */
                v.v[VAR_KERNEL] = "6.15.1";
                v.v[VAR_FIXED_RELEASE] = "6.15.3";
                v.v[VAR_LAST_GOOD] = "6.14.11";
                v.v[VAR_UPDATE_KERNEL] = host_update_kernel(&unknown_host, KERNEL_VENDOR_UPSTREAM);
                v.v[VAR_PIN_KERNEL] = host_pin_kernel(&unknown_host, KERNEL_VENDOR_UPSTREAM);
                v.v[VAR_PIN_KERNEL_HOW] = host_pin_kernel_how(&unknown_host, KERNEL_VENDOR_UPSTREAM);
                char *cmd = NULL;
                size_t setup_len = 0;
                assert_int_equal(fix_render_command(fix->command, &v, &cmd, &setup_len), 0);
                const char *bad = misread_redirection(cmd);
                if (bad)
                        fail_msg("%s: a shell misreads '%.30s' in the fix (%s):\n%s", owner, bad,
                                 filled ? "values known" : "values unknown", cmd);
                if (strstr(cmd, "{") && strstr(fix->command, "{") && !strstr(fix->command, "{{") &&
                    !strstr(cmd, "${"))
                        fail_msg("%s: a template variable is left in the fix:\n%s", owner, cmd);
                if (filled && setup_len)
                        fail_msg("%s: every value known, yet the fix sets a variable:\n%s", owner, cmd);
                if (bash_check(cmd) != 0)
                        fail_msg("%s: bash -n refuses the fix (%s):\n%s", owner,
                                 filled ? "values known" : "values unknown", cmd);
                c->with_setup += setup_len > 0;
                free(cmd);
                /* Its why names an unknown value by the variable the command sets, and no variable it does
                 * not set: "$ADDRESS" above a command that never reads it means nothing to the reader. */
                StrBuf body = {0}, why = {0};
                uint64_t set = 0;
                assert_int_equal(template_render_command(fix->command, &v, &body, &set), 0);
                assert_int_equal(template_render_why(fix->why, &v, set, &why), 0);
                for (Var k = 0; k < _VAR_CAPTURE_MAX; k++) {
                        char ref[40];
                        const char *name = template_shell_var_name(k);
                        snprintf(ref, sizeof(ref), "$%s", name);
                        const char *at = strstr(strbuf_str(&why), ref);
                        bool word_end = at &&
                                !(at[strlen(ref)] == '_' ||
                                  (at[strlen(ref)] >= 'A' && at[strlen(ref)] <= 'Z'));
                        if (word_end && !(set & (UINT64_C(1) << k)) && !strstr(fix->why, ref))
                                fail_msg("%s: the why names $%s, which its command does not set:\n%s", owner,
                                         name, strbuf_str(&why));
                        c->why_vars += word_end && (set & (UINT64_C(1) << k));
                }
                strbuf_done(&body);
                strbuf_done(&why);
        }
        c->templates++;
}

static void test_every_fix_pastes(void **state) {
        Diag d = {0};
        RuleSet *rs = NULL;
        Counts c = {0};
        assert_int_equal(ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rs), 0);
        for (size_t i = 0; i < rs->n_causes; i++)
                for (size_t k = 0; k < rs->causes[i].n_fixes; k++)
                        check_template(rs->causes[i].id, &rs->causes[i].fixes[k], &c);
        for (size_t i = 0; i < rs->n_rules; i++)
                for (size_t k = 0; k < rs->rules[i].n_fixes; k++)
                        check_template(rs->rules[i].id, &rs->rules[i].fixes[k], &c);
        print_message("%zu fix templates, %zu set a variable when their values are unknown\n", c.templates,
                      c.with_setup);
        /* The shipped rules have fixes, and some of them name values only a log can give. */
        assert_true(c.templates > 100);
        assert_true(c.with_setup > 10);
        /* and some whys name such a variable, which is kept */
        assert_true(c.why_vars > 0);
        ruleset_free(rs);
        diag_done(&d);
}

static void render_on(const HostFacts *host, const char *template, char **ret) {
        TemplateVars v = {0};
        size_t setup = 0;
        v.v[VAR_UPDATE_BOOTLOADER] = host_update_bootloader(host);
        v.v[VAR_CMDLINE_FILE] = host_cmdline_file(host);
        v.v[VAR_CMDLINE_ANCHOR] = host_cmdline_anchor(host);
        v.v[VAR_RELEASE_FRAMEBUFFER] = "initcall_blacklist=sysfb_init";
        assert_int_equal(fix_render_command(template, &v, ret, &setup), 0);
        /* what the shell runs: not the comment of {update_bootloader}, which names GRUB's file */
        char *comment = strstr(*ret, "  # ");
        if (comment)
                *comment = 0;
}

/* A Proxmox VE node booting systemd-boot never reads /etc/default/grub: no fix of the host edits it there,
 * each edits /etc/kernel/cmdline and runs proxmox-boot-tool refresh. A guest's fix is the guest's GRUB. */
static void test_systemd_boot_node(void **state) {
        Diag d = {0};
        RuleSet *rs = NULL;
        HostFacts sdboot = {.distro = DISTRO_PROXMOX, .proxmox_systemd_boot = KNOWN_PRESENT};
        HostFacts grub = {.distro = DISTRO_DEBIAN};
        size_t edits = 0;
        char *cmd = NULL;

        assert_int_equal(ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rs), 0);
        for (size_t i = 0; i < rs->n_rules; i++)
                for (size_t k = 0; k < rs->rules[i].n_fixes; k++) {
                        if (rs->rules[i].source_mask & (1u << SOURCE_GUEST))
                                continue;
                        render_on(&sdboot, rs->rules[i].fixes[k].command, &cmd);
                        if (strstr(cmd, "/etc/default/grub") && strstr(cmd, "sed -i"))
                                fail_msg("%s: edits /etc/default/grub on a systemd-boot node:\n%s",
                                         rs->rules[i].id, cmd);
                        if (strstr(cmd, "sed -i") && strstr(cmd, "/etc/kernel/cmdline")) {
                                edits++;
                                assert_non_null(strstr(cmd, "proxmox-boot-tool refresh"));
                        }
                        free(cmd);
                }
        for (size_t i = 0; i < rs->n_causes; i++)
                for (size_t k = 0; k < rs->causes[i].n_fixes; k++) {
                        render_on(&sdboot, rs->causes[i].fixes[k].command, &cmd);
                        if (strstr(cmd, "/etc/default/grub") && strstr(cmd, "sed -i"))
                                fail_msg("%s: edits /etc/default/grub on a systemd-boot node:\n%s",
                                         rs->causes[i].id, cmd);
                        edits += strstr(cmd, "sed -i") && strstr(cmd, "/etc/kernel/cmdline");
                        free(cmd);
                }
        /* intel_iommu=on, iommu=off removed, pci=realloc, the framebuffer, the ACS override ... */
        assert_true(edits >= 8);

        const char *add =
                "sudo sed -i 's/{cmdline_anchor}/&intel_iommu=on /' {cmdline_file} && {update_bootloader}";
        render_on(&grub, add, &cmd);
        assert_string_equal(
                cmd,
                "sudo sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT=\"/&intel_iommu=on /' /etc/default/grub && sudo update-grub");
        free(cmd);
        render_on(&sdboot, add, &cmd);
        assert_true(
                strncmp(cmd,
                        "sudo sed -i 's/^/&intel_iommu=on /' /etc/kernel/cmdline && sudo proxmox-boot-tool refresh",
                        strlen("sudo sed -i 's/^/&intel_iommu=on /' /etc/kernel/cmdline && sudo proxmox-boot-tool refresh")) ==
                0);
        assert_int_equal(bash_check(cmd), 0);
        free(cmd);
        ruleset_free(rs);
        diag_done(&d);
}

/* The variable is written as the shell reads it where it stands, and set first. */
static void test_quoting(void **state) {
        TemplateVars v = {0};
        char *cmd = NULL;
        size_t setup = 0;
        assert_int_equal(fix_render_command("virsh edit {domain}", &v, &cmd, &setup), 0);
        assert_string_equal(cmd,
                            "DOMAIN=your-vm   # the libvirt domain that failed (virsh list --all)\n"
                            "virsh edit \"$DOMAIN\"");
        assert_int_equal(setup, strlen(cmd) - strlen("virsh edit \"$DOMAIN\""));
        free(cmd);
        assert_int_equal(fix_render_command("grep -e 'host={address}' x", &v, &cmd, &setup), 0);
        assert_non_null(strstr(cmd, "\ngrep -e 'host='\"$ADDRESS\"'' x"));
        free(cmd);
        assert_int_equal(fix_render_command("echo \"in {path}\" \\'{user}", &v, &cmd, &setup), 0);
        assert_non_null(strstr(cmd, "\necho \"in ${FILE_PATH}\" \\'\"$QEMU_USER\""));
        free(cmd);
        /* A known address gives the group from sysfs, not a made-up number. */
        v.v[VAR_ADDRESS] = "0000:01:00.0";
        assert_int_equal(fix_render_command("ls -l /dev/vfio/{group}", &v, &cmd, &setup), 0);
        assert_string_equal(
                cmd,
                "GROUP=$(basename \"$(readlink /sys/bus/pci/devices/0000:01:00.0/iommu_group)\")   # "
                "the IOMMU group of 0000:01:00.0\nls -l /dev/vfio/\"$GROUP\"");
        free(cmd);
        /* Why bash -n alone would not do: it reads this as "< domain > hostdev.xml". */
        assert_int_equal(bash_check("virsh attach-device <domain> hostdev.xml"), 0);
        assert_non_null(misread_redirection("virsh attach-device <domain> hostdev.xml"));
        assert_null(
                misread_redirection("cat <<EOF\nx\nEOF\ndiff <(a) <(b) 0</dev/null 'a<b' \"<x>\" # <c>"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quoting),
                cmocka_unit_test(test_every_fix_pastes),
                cmocka_unit_test(test_systemd_boot_node),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
