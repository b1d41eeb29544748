/* SPDX-License-Identifier: MIT */
/* Telling an input of another machine from this host's (judge_other_host()), and judging it from itself
 * alone: its host names and the devices it shows with their ids against this host's. */
#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "test_common.h"
#include "vfioexplain/analysis.h"

static PciDevice dev(const char *address, unsigned vendor, unsigned device) {
        PciDevice d = {.vendor = vendor, .device = device, .class_code = 0x030000, .group = KNOWN_ABSENT};
        snprintf(d.address, sizeof(d.address), "%s", address);
        return d;
}

/* A probed host named name with a GTX 1080 and its audio at 01:00.x and the onboard NIC. */
static void host(HostFacts *f, PciDevice devices[static 3], const char *name) {
        host_facts_init_unprobed(f);
        devices[0] = dev("0000:01:00.0", 0x10de, 0x1b80);
        devices[1] = dev("0000:01:00.1", 0x10de, 0x10f0);
        devices[2] = dev("0000:00:1f.6", 0x8086, 0x15bc);
        f->root = "/fixture";
        f->pci = KNOWN_PRESENT;
        f->devices = devices;
        f->n_devices = 3;
        snprintf(f->hostname, sizeof(f->hostname), "%s", name);
}

/* The shipped rules: what a line tells of its host (a VM's kernel log, a listing) is theirs to say. */
static RuleSet *rules;

static int load_rules(void **state) {
        (void) state;
        Diag d = {0};
        int r = ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rules);
        diag_done(&d);
        return r;
}

static int free_rules(void **state) {
        (void) state;
        ruleset_free(rules);
        return 0;
}

static Analysis *fed(const char *const *lines) {
        Analysis *a = NULL;
        assert_int_equal(analysis_new(rules, &a), 0);
        for (unsigned long i = 0; lines[i]; i++)
                assert_int_equal(analysis_feed(a, "forum.log", i + 1, lines[i], strlen(lines[i])), 0);
        return a;
}

static void done(Analysis *a) {
        analysis_free(a);
}

/* Whether the lines, judged against a host named name, are another machine's; *o says why. */
static bool other(const char *name, const char *const *lines, OtherHost *o) {
        HostFacts f;
        PciDevice d[3];
        host(&f, d, name);
        Analysis *a = fed(lines);
        bool r = judge_other_host(a, &(JudgeHost){.facts = &f}, o);
        done(a);
        return r;
}

static const char *const syslog_pve[] = {
        "Dec 07 10:02:11 pve QEMU[2211]: kvm: -device vfio-pci,host=0000:0b:00.0: vfio 0000:0b:00.0: group 16 is not viable",
        NULL};

static void test_no_marks_is_local(void **state) {
        (void) state;
        OtherHost o;
        /* no host name, no device with ids: judged as now */
        assert_false(other(
                "gpu-box",
                (const char *const[]){"qemu-system-x86_64: vfio 0000:0b:00.0: group 16 is not viable",
                                      "[    0.401201] pci 0000:0c:00.0: Adding to iommu group 27", NULL},
                &o));
        assert_int_equal(o.devices_here + o.devices_not_here, 0);
}

static void test_other_hostname(void **state) {
        (void) state;
        OtherHost o;
        assert_true(other("gpu-box", syslog_pve, &o));
        assert_string_equal(o.hostname, "pve");
        assert_string_equal(o.host_hostname, "gpu-box");
        assert_string_equal(o.machine_id, "");
        /* the same machine, its name as the kernel and hostname -s give it, whatever the case */
        assert_false(other("PVE.example.org", syslog_pve, &o));
        assert_false(other("pve", syslog_pve, &o));
        /* a host whose own name is unknown or says nothing cannot be told apart by names */
        assert_false(other("", syslog_pve, &o));
        assert_false(other("localhost", syslog_pve, &o));
        /* nor by a name that names every machine, or a relay's address for the sender */
        assert_false(other(
                "gpu-box",
                (const char *const[]){
                        "Dec 07 10:02:11 localhost QEMU[2211]: kvm: vfio 0000:0b:00.0: group 16 is not viable",
                        NULL},
                &o));
        assert_false(other(
                "gpu-box",
                (const char *const[]){
                        "Dec 07 10:02:11 192.168.1.20 QEMU[2211]: kvm: vfio 0000:0b:00.0: group 16 is not viable",
                        NULL},
                &o));
        /* a name put in place of the real one when a paste was redacted names no machine */
        assert_false(other("gpu-box",
                           (const char *const[]){
                                   "[root@host ~]# echo 1 > /sys/bus/pci/devices/0000:0b:00.0/reset", NULL},
                           &o));
        /* a VM's own kernel log names the VM, which may run on this host */
        assert_false(other(
                "gpu-box",
                (const char *const[]){
                        "Jul 21 10:14:02 ubuntu-vm kernel: DMI: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 2024.02-2 03/11/2024",
                        "Jul 21 10:14:09 ubuntu-vm kernel: NVRM: BAR1 is 0M @ 0x0 (PCI:0000:01:00.0)", NULL},
                &o));
        /* one of the names is this host's: a log of several machines, this one among them */
        assert_false(
                other("gpu-box",
                      (const char *const[]){syslog_pve[0],
                                            "Dec 07 10:02:12 gpu-box kernel: DMAR: IOMMU enabled", NULL},
                      &o));
}

/* The kernel's enumeration lines of the log's host: absent here, or another device at the address. */
static void test_other_devices(void **state) {
        (void) state;
        OtherHost o;
        const char *const enumeration[] = {
                "[    0.312000] pci 0000:0b:00.0: [10de:2206] type 00 class 0x030000",
                "[    0.312010] pci 0000:0b:00.1: [10de:1aef] type 00 class 0x040300",
                "[    0.313000] pci 0000:01:00.0: [1002:73bf] type 00 class 0x030000", NULL};
        assert_true(other("gpu-box", enumeration, &o));
        assert_int_equal(o.devices_not_here, 3);
        assert_int_equal(o.devices_here, 0);
        assert_string_equal(o.device, "0000:0b:00.0");
        assert_int_equal(o.vendor, 0x10de);
        assert_int_equal(o.device_id, 0x2206);
        assert_string_equal(o.hostname, "");
        /* the devices tell even where the names agree: "pve" is every Proxmox VE host's name */
        const char *const pve_devices[] = {
                "Dec 07 09:58:01 pve kernel: pci 0000:0b:00.0: [10de:2206] type 00 class 0x030000",
                syslog_pve[0], NULL};
        assert_true(other("pve", pve_devices, &o));
        assert_int_equal(o.devices_not_here, 1);
}

/* A device of the log that is here with its ids is this host's mark: one is enough where nothing else
 * disagrees, and it outweighs a name; more of them outweigh one device not here (a card since replaced). */
static void test_matching_device_is_local(void **state) {
        (void) state;
        OtherHost o;
        assert_false(
                other("gpu-box",
                      (const char *const[]){
                              "[    0.312000] pci 0000:01:00.0: [10de:1b80] type 00 class 0x030000", NULL},
                      &o));
        assert_int_equal(o.devices_here, 1);
        assert_false(other(
                "gpu-box",
                (const char *const[]){
                        "Dec 07 09:58:01 pve kernel: pci 0000:01:00.0: [10de:1b80] type 00 class 0x030000",
                        syslog_pve[0], NULL},
                &o));
        assert_false(other(
                "gpu-box",
                (const char *const[]){"[    0.312000] pci 0000:01:00.0: [10de:1b80] type 00 class 0x030000",
                                      "[    0.312010] pci 0000:01:00.1: [10de:10f0] type 00 class 0x040300",
                                      "[    0.313000] pci 0000:02:00.0: [144d:a808] type 00 class 0x010802",
                                      NULL},
                &o));
        assert_int_equal(o.devices_here, 2);
        assert_int_equal(o.devices_not_here, 1);
        /* as many here as not: the names decide */
        assert_true(other(
                "gpu-box",
                (const char *const[]){
                        "Dec 07 09:58:01 pve kernel: pci 0000:01:00.0: [10de:1b80] type 00 class 0x030000",
                        "Dec 07 09:58:01 pve kernel: pci 0000:02:00.0: [144d:a808] type 00 class 0x010802",
                        NULL},
                &o));
        assert_string_equal(o.hostname, "pve");
}

/* A pasted lspci -nn shows the devices of the host it was run on. */
static void test_pasted_lspci(void **state) {
        (void) state;
        OtherHost o;
        assert_true(other(
                "gpu-box",
                (const char *const[]){
                        "0b:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX 3080] [10de:2206] (rev a1)",
                        "0b:00.1 Audio device [0403]: NVIDIA Corporation GA102 High Definition Audio Controller [10de:1aef] (rev a1)",
                        NULL},
                &o));
        assert_int_equal(o.devices_not_here, 2);
        assert_false(other(
                "gpu-box",
                (const char *const[]){
                        "01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [GeForce GTX 1080] [10de:1b80] (rev a1)",
                        NULL},
                &o));
}

/* Issue 21: an lspci -nn pasted from inside the VM lists QEMU's devices (its root ports, virtio, its VGA)
 * and the GPU at the guest's address: the guest's listing, no sign of another host. */
static void test_pasted_guest_lspci(void **state) {
        (void) state;
        OtherHost o;
        assert_false(other(
                "gpu-box",
                (const char *const[]){
                        /* lspci -nns 06:00.0 first, then the rest: the GPU is noted before the listing tells
                         */
                        "06:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX 3080] [10de:2206] (rev a1)",
                        "00:01.0 VGA compatible controller [0300]: Device [1234:1111] (rev 02)",
                        "00:02.0 PCI bridge [0604]: Red Hat, Inc. QEMU PCIe Root port [1b36:000c]",
                        "00:03.0 Ethernet controller [0200]: Red Hat, Inc. Virtio 1.0 network device [1af4:1041] (rev 01)",
                        "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: group 1 is not viable",
                        NULL},
                &o));
        assert_int_equal(o.devices_not_here, 0);
}

/* The loop every guide gives (lspci -nns of each member of /sys/kernel/iommu_groups/N/devices), one line a
 * member, and the Arch wiki's heading with its members indented: their ids. */
static void test_group_listing(void **state) {
        (void) state;
        OtherHost o;
        assert_true(other(
                "gpu-box",
                (const char *const[]){
                        "IOMMU Group 16 0b:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX 3080] [10de:2206] (rev a1)",
                        "IOMMU Group 16 0b:00.1 Audio device [0403]: NVIDIA Corporation GA102 High Definition Audio Controller [10de:1aef] (rev a1)",
                        NULL},
                &o));
        assert_int_equal(o.devices_not_here, 2);
        assert_string_equal(o.device, "0000:0b:00.0");
        assert_int_equal(o.device_id, 0x2206);
        assert_false(other(
                "gpu-box",
                (const char *const[]){
                        "IOMMU Group 1:",
                        "\t01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [GeForce GTX 1080] [10de:1b80] (rev a1)",
                        "\t01:00.1 Audio device [0403]: NVIDIA Corporation GP104 High Definition Audio Controller [10de:10f0] (rev a1)",
                        NULL},
                &o));
        assert_int_equal(o.devices_here, 2);
}

/* A shell prompt pasted with its command shows the host it was typed on. */
static void test_prompt(void **state) {
        (void) state;
        OtherHost o;
        const char *const pasted[] = {"root@pve:~# echo 0000:0b:00.0 > /sys/bus/pci/drivers/vfio-pci/bind",
                                      "-bash: echo: write error: No such device", NULL};
        assert_true(other("gpu-box", pasted, &o));
        assert_string_equal(o.hostname, "pve");
        assert_false(other("pve", pasted, &o));
        assert_true(other(
                "gpu-box",
                (const char *const[]){
                        "[root@fedora-ws ~]# echo 0000:0b:00.0 > /sys/bus/pci/drivers/vfio-pci/bind", NULL},
                &o));
        assert_string_equal(o.hostname, "fedora-ws");
        /* a prompt without a host name */
        assert_false(other("gpu-box",
                           (const char *const[]){"# echo 0000:0b:00.0 > /sys/bus/pci/drivers/vfio-pci/bind",
                                                 "$ echo 0000:0b:00.0 > /sys/bus/pci/drivers/vfio-pci/bind",
                                                 NULL},
                           &o));
}

/* A host whose PCI devices could not be read says nothing of the log's devices. */
static void test_host_without_devices(void **state) {
        (void) state;
        HostFacts f;
        PciDevice d[3];
        OtherHost o;
        host(&f, d, "gpu-box");
        f.pci = KNOWN_NOT_PROBED;
        f.n_devices = 0;
        Analysis *a = fed((const char *const[]){
                "[    0.312000] pci 0000:0b:00.0: [10de:2206] type 00 class 0x030000", NULL});
        assert_false(judge_other_host(a, &(JudgeHost){.facts = &f}, &o));
        assert_int_equal(o.devices_not_here, 0);
        done(a);
}

/* The journal tells: another _MACHINE_ID is another machine whatever its lines show; this host's own input
 * is not looked at. */
static void test_journal_says(void **state) {
        (void) state;
        HostFacts f;
        PciDevice d[3];
        OtherHost o;
        host(&f, d, "gpu-box");
        Analysis *a = fed((const char *const[]){
                "[    0.312000] pci 0000:01:00.0: [10de:1b80] type 00 class 0x030000", NULL});
        assert_true(judge_other_host(
                a, &(JudgeHost){.facts = &f, .other_machine_id = "0123456789abcdef0123456789abcdef"}, &o));
        assert_string_equal(o.machine_id, "0123456789abcdef0123456789abcdef");
        done(a);
        a = fed(syslog_pve);
        assert_false(judge_other_host(a, &(JudgeHost){.facts = &f, .own_input = true}, &o));
        done(a);
}

/* A journal entry's _HOSTNAME is the machine's name. */
static void test_journal_hostname(void **state) {
        (void) state;
        HostFacts f;
        PciDevice d[3];
        OtherHost o;
        host(&f, d, "gpu-box");
        Analysis *a = fed((const char *const[]){NULL});
        const char *msg = "vfio 0000:0b:00.0: group 16 is not viable";
        LineFields lf = {.message = span_make(msg, strlen(msg)),
                         .identifier = span_from_str("qemu-system-x86_64"),
                         .hostname = span_from_str("pve"),
                         .priority = 3};
        EntryMeta m = {0};
        assert_int_equal(analysis_feed_entry(a, "journal", 1, &lf, msg, strlen(msg), &m), 0);
        assert_true(judge_other_host(a, &(JudgeHost){.facts = &f}, &o));
        assert_string_equal(o.hostname, "pve");
        done(a);
}

/* judge_analysis(): another machine's input gets none of this host's probe lines and is marked; this host's
 * is judged with them. */
static void test_judge_uses_no_probes(void **state) {
        (void) state;
        HostFacts f;
        PciDevice d[3];
        host(&f, d, "gpu-box");
        Analysis *a = fed(syslog_pve);
        assert_int_equal(judge_analysis(a, &(JudgeHost){.facts = &f}), 0);
        AnalysisStats st = analysis_stats(a);
        assert_non_null(st.other_host);
        assert_string_equal(st.other_host->hostname, "pve");
        assert_int_equal(st.probe_lines, 0);
        done(a);

        host(&f, d, "pve");
        a = fed(syslog_pve);
        assert_int_equal(judge_analysis(a, &(JudgeHost){.facts = &f}), 0);
        st = analysis_stats(a);
        assert_null(st.other_host);
        assert_true(st.probe_lines > 0);
        done(a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_marks_is_local),    cmocka_unit_test(test_other_hostname),
                cmocka_unit_test(test_other_devices),        cmocka_unit_test(test_matching_device_is_local),
                cmocka_unit_test(test_pasted_lspci),         cmocka_unit_test(test_pasted_guest_lspci),
                cmocka_unit_test(test_host_without_devices), cmocka_unit_test(test_journal_says),
                cmocka_unit_test(test_journal_hostname),     cmocka_unit_test(test_judge_uses_no_probes),
                cmocka_unit_test(test_group_listing),        cmocka_unit_test(test_prompt),
        };
        return cmocka_run_group_tests(tests, load_rules, free_rules);
}
