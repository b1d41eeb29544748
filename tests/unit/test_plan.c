/* SPDX-License-Identifier: MIT */
/* plan_build() on hosts built in memory: the decisions the fixtures do not all reach (a built-in host
 * driver, intel_iommu=off, AMD with IVRS but no IOMMU, a blocked group with bridges in it, a PCI domain
 * above 0xffff), and the <hostdev> form. */
#include "test_common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

static PciDevice dev(const char *address, unsigned vendor, unsigned device, unsigned class_code,
                     const char *driver, int group) {
        PciDevice d = {.vendor = vendor, .device = device, .class_code = class_code, .boot_vga = -1};
        snprintf(d.address, sizeof(d.address), "%s", address);
        d.bridge = (class_code >> 8) == 0x0604;
        if (driver) {
                d.driver = KNOWN_PRESENT;
                snprintf(d.driver_name, sizeof(d.driver_name), "%s", driver);
                snprintf(d.driver_module, sizeof(d.driver_module), "%s", driver);
                d.driver_module_state = KNOWN_PRESENT;
        } else
                d.driver = KNOWN_ABSENT;
        if (group >= 0) {
                d.group = KNOWN_PRESENT;
                d.group_id = (unsigned) group;
        } else
                d.group = KNOWN_ABSENT;
        return d;
}

static HostFacts host(PciDevice *devices, size_t n) {
        HostFacts f = {.root = "/", .pci = KNOWN_PRESENT, .devices = devices, .n_devices = n};
        f.distro = DISTRO_DEBIAN;
        f.cpu_vendor = CPU_VENDOR_INTEL;
        f.cmdline = KNOWN_PRESENT;
        f.grub_default = KNOWN_PRESENT;
        f.acpi_dmar = KNOWN_PRESENT;
        f.acpi_ivrs = KNOWN_ABSENT;
        f.iommu_class = KNOWN_PRESENT;
        f.modules[MODULE_VFIO_PCI].state = KNOWN_PRESENT;
        return f;
}

static const PlanStep *find_step(const Plan *p, const char *prefix) {
        for (size_t i = 0; i < p->n_steps; i++)
                if (strncmp(p->steps[i].title, prefix, strlen(prefix)) == 0)
                        return &p->steps[i];
        return NULL;
}

static bool step_has(const PlanStep *s, const char *command) {
        for (size_t i = 0; s && i < s->n_commands; i++)
                if (strcmp(s->commands[i], command) == 0)
                        return true;
        return false;
}

static void test_hostdev_xml(void **state) {
        char *x = NULL;
        assert_int_equal(plan_hostdev_xml("0000:0a:1f.7", &x), 0);
        assert_string_equal(x,
                            "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
                            "  <source>\n"
                            "    <address domain='0x0000' bus='0x0a' slot='0x1f' function='0x7'/>\n"
                            "  </source>\n"
                            "</hostdev>\n");
        free(x);
        /* Intel VMD puts devices in domains above 0xffff. */
        assert_int_equal(plan_hostdev_xml("10000:e1:00.0", &x), 0);
        assert_non_null(strstr(x, "domain='0x10000' bus='0xe1' slot='0x00' function='0x0'"));
        free(x);
        x = NULL;
        assert_int_equal(plan_hostdev_xml("0000:01:20.0", &x), -EINVAL); /* slot > 0x1f */
        assert_int_equal(plan_hostdev_xml("0000:01:00.8", &x), -EINVAL);
        assert_int_equal(plan_hostdev_xml("01:00.0", &x), -EINVAL);
        assert_int_equal(plan_hostdev_xml("0000:01:00.0 ", &x), -EINVAL);
        assert_null(x);
}

/* A host driver built into the kernel: no softdep can order it, so the binding is by address. */
static void test_builtin_host_driver(void **state) {
        PciDevice d[] = {dev("0000:03:00.0", 0x1912, 0x0015, 0x0c0330, "xhci_hcd", 15)};
        snprintf(d[0].driver_module, sizeof(d[0].driver_module), "xhci_pci");
        d[0].driver_module_builtin = true;
        HostFacts f = host(d, 1);
        PciAddress a[] = {"0000:03:00.0"};
        Plan p;
        assert_int_equal(plan_build(&f, a, 1, NULL, &p), 0);
        const PlanStep *s = find_step(&p, "Give the devices to vfio-pci by address");
        assert_non_null(s);
        assert_true(step_has(s, "sudo driverctl set-override 0000:03:00.0 vfio-pci"));
        assert_non_null(strstr(s->why, "xhci_pci is built into the kernel"));
        assert_null(find_step(&p, "Apply the boot configuration"));
        plan_done(&p);
}

/* intel_iommu=off on the command line: removed first, and intel_iommu=on added. */
static void test_iommu_turned_off(void **state) {
        PciDevice d[] = {dev("0000:01:00.0", 0x10de, 0x2484, 0x030000, "nvidia", -1)};
        HostFacts f = host(d, 1);
        f.iommu_class = KNOWN_ABSENT;
        snprintf(f.cmdline_text, sizeof(f.cmdline_text),
                 "BOOT_IMAGE=/boot/vmlinuz ro quiet intel_iommu=off");
        snprintf(f.grub_cmdline, sizeof(f.grub_cmdline), "quiet intel_iommu=off");
        PciAddress a[] = {"0000:01:00.0"};
        Plan p;
        assert_int_equal(plan_build(&f, a, 1, NULL, &p), 0);
        assert_false(p.iommu_on);
        assert_string_equal(p.steps[0].title, "Stop turning the IOMMU off on the kernel command line");
        assert_true(step_has(&p.steps[0],
                             "sudo sed -i -E 's/ ?(intel_iommu|amd_iommu|iommu)=off//g' /etc/default/grub"));
        assert_string_equal(p.steps[1].title,
                            "Turn on the IOMMU on the kernel command line: intel_iommu=on");
        assert_true(step_has(find_step(&p, "Apply the boot"), "sudo update-grub"));
        plan_done(&p);
}

/* AMD with an IVRS table and no IOMMU: nothing to add (amd_iommu=on is no option), find out why. */
static void test_amd_no_parameter(void **state) {
        PciDevice d[] = {dev("0000:0b:00.0", 0x10de, 0x2206, 0x030000, "nouveau", -1)};
        HostFacts f = host(d, 1);
        f.cpu_vendor = CPU_VENDOR_AMD;
        f.acpi_dmar = KNOWN_ABSENT;
        f.acpi_ivrs = KNOWN_PRESENT;
        f.iommu_class = KNOWN_ABSENT;
        PciAddress a[] = {"0000:0b:00.0"};
        Plan p;
        assert_int_equal(plan_build(&f, a, 1, NULL, &p), 0);
        assert_string_equal(p.steps[0].title, "Find out why the kernel left AMD-Vi off");
        for (size_t i = 0; i < p.n_steps; i++)
                for (size_t j = 0; j < p.steps[i].n_commands; j++)
                        assert_null(strstr(p.steps[i].commands[j], "amd_iommu=on"));
        plan_done(&p);
}

/* A group shared with the host's SATA controller and a bridge: the controller blocks, the bridge does
 * not, an unbound member neither; the card's other function goes along. */
static void test_blocked_group(void **state) {
        PciDevice d[] = {
                dev("0000:00:01.0", 0x8086, 0x1901, 0x060400, "pcieport", 2),
                dev("0000:00:17.0", 0x8086, 0xa352, 0x010601, "ahci", 2),
                dev("0000:00:1f.3", 0x8086, 0xa348, 0x040300, NULL, 2),
                dev("0000:01:00.0", 0x10de, 0x1b80, 0x030000, "nouveau", 2),
                dev("0000:01:00.1", 0x10de, 0x10f0, 0x040300, "snd_hda_intel", 2),
        };
        HostFacts f = host(d, ELEMENTSOF(d));
        PciAddress a[] = {"0000:01:00.0"};
        Plan p;
        assert_int_equal(plan_build(&f, a, 1, "win11", &p), 0);
        assert_int_equal(p.n_devices, 2);
        assert_string_equal(p.devices[1].pci->address, "0000:01:00.1");
        assert_int_equal(p.devices[1].role, PLAN_SAME_CARD);
        assert_int_equal(p.n_blockers, 1);
        assert_string_equal(p.blockers[0]->address, "0000:00:17.0");
        assert_string_equal(p.steps[0].title, "IOMMU group 2 is not viable: it holds devices the host uses");
        assert_true(step_has(find_step(&p, "Give the devices to the VM"), "sudo virsh edit win11"));
        plan_done(&p);
}

static void test_refusals(void **state) {
        PciDevice d[] = {
                dev("0000:00:01.0", 0x8086, 0x1901, 0x060400, "pcieport", 2),
                dev("0000:01:00.0", 0x144d, 0xa808, 0x010802, "vfio-pci", 12),
        };
        HostFacts f = host(d, ELEMENTSOF(d));
        Plan p;
        PciAddress bridge[] = {"0000:00:01.0"}, missing[] = {"0000:05:00.0"}, bound[] = {"0000:01:00.0"};
        assert_int_equal(plan_build(&f, bridge, 1, NULL, &p), -EINVAL);
        assert_int_equal(p.error, PLAN_BRIDGE);
        plan_done(&p);
        assert_int_equal(plan_build(&f, missing, 1, NULL, &p), -EINVAL);
        assert_int_equal(p.error, PLAN_NO_DEVICE);
        assert_string_equal(p.error_address, "0000:05:00.0");
        plan_done(&p);
        /* On vfio-pci already: no binding, no boot configuration, what remains (the check, the VM's XML);
         * with no --domain, a variable the user sets, never a placeholder a shell would misread. */
        assert_int_equal(plan_build(&f, bound, 1, NULL, &p), 0);
        assert_true(p.all_vfio);
        assert_int_equal(p.n_steps, 2);
        assert_string_equal(p.steps[0].title, "Check the result");
        assert_string_equal(p.steps[1].title, "Give the devices to the VM (libvirt)");
        assert_true(step_has(&p.steps[1], "sudo virsh edit \"$DOMAIN\""));
        assert_true(strncmp(p.steps[1].commands[0], "DOMAIN=your-vm   # ", 19) == 0);
        assert_non_null(strstr(p.hostdev_xml, "bus='0x01'"));
        plan_done(&p);
        f.pci = KNOWN_NOT_PROBED;
        assert_int_equal(plan_build(&f, bound, 1, NULL, &p), -EINVAL);
        assert_int_equal(p.error, PLAN_NO_PCI);
        plan_done(&p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hostdev_xml),      cmocka_unit_test(test_builtin_host_driver),
                cmocka_unit_test(test_iommu_turned_off), cmocka_unit_test(test_amd_no_parameter),
                cmocka_unit_test(test_blocked_group),    cmocka_unit_test(test_refusals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
