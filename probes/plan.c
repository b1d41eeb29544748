/* SPDX-License-Identifier: MIT */
/* vfioexplain plan: what to do, in order, to pass PCI devices to a VM on the host the facts describe.
 * Built from the facts alone (no I/O), so a fixture, a snapshot and the live host give the same plan. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "framebuffer.h"
#include "plan.h"
#include "pve.h"
#include "strbuf.h"
#include "string_table.h"
#include "strparse.h"
#include "vfioexplain/line.h"
#include "vfioexplain/macro.h"

static const char *const plan_role_table[] = {
        [PLAN_NAMED] = "named",
        [PLAN_SAME_CARD] = "same-card",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(plan_role, PlanRole)

typedef struct Builder {
        const HostFacts *f;
        Plan *p;
        const char *domain;
        const PlanVm *vm; /* the VM the devices go to, NULL for a libvirt domain */
        bool oom;
        bool grub_edited; /* a step changes /etc/default/grub: the boot loader configuration must follow */
        bool initramfs_edited; /* a step changes what the initramfs carries */
} Builder;

static char *vformat(Builder *b, const char *fmt, va_list ap) _printf_(2, 0);
static char *vformat(Builder *b, const char *fmt, va_list ap) {
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0) {
                b->oom = true;
                return NULL;
        }
        return s;
}

static PlanStep *step_new(Builder *b, const char *title) {
        if (b->p->n_steps >= ELEMENTSOF(b->p->steps)) {
                b->oom = true;
                return NULL;
        }
        PlanStep *s = &b->p->steps[b->p->n_steps];
        *s = (PlanStep){.title = strdup(title)};
        if (!s->title) {
                b->oom = true;
                return NULL;
        }
        b->p->n_steps++;
        return s;
}

static void step_cmd(Builder *b, PlanStep *s, const char *fmt, ...) _printf_(3, 4);
static void step_cmd(Builder *b, PlanStep *s, const char *fmt, ...) {
        va_list ap;
        if (!s || s->n_commands >= ELEMENTSOF(s->commands)) {
                b->oom = true;
                return;
        }
        va_start(ap, fmt);
        char *c = vformat(b, fmt, ap);
        va_end(ap);
        if (c)
                s->commands[s->n_commands++] = c;
}

static void step_why(Builder *b, PlanStep *s, StrBuf *why) {
        if (!s || strbuf_failed(why)) {
                b->oom = true;
                strbuf_done(why);
                return;
        }
        free(s->why);
        s->why = strbuf_steal(why);
        if (!s->why)
                b->oom = true;
}

static void note(Builder *b, const char *fmt, ...) _printf_(2, 3);
static void note(Builder *b, const char *fmt, ...) {
        va_list ap;
        if (b->p->n_notes >= ELEMENTSOF(b->p->notes))
                return;
        va_start(ap, fmt);
        char *n = vformat(b, fmt, ap);
        va_end(ap);
        if (n)
                b->p->notes[b->p->n_notes++] = n;
}

static bool is_bridge(const PciDevice *d) {
        return d->bridge || (d->class_code >> 8) == 0x0604;
}

/* A host driver holds it: not vfio-pci, not pci-stub, not unbound. */
static bool host_driven(const PciDevice *d) {
        return d->driver == KNOWN_PRESENT && !pci_device_on_driver(d, "vfio-pci") &&
                !pci_device_on_driver(d, "pci-stub");
}

static bool in_plan(const Plan *p, const PciDevice *d) {
        for (size_t i = 0; i < p->n_devices; i++)
                if (p->devices[i].pci == d)
                        return true;
        return false;
}

static int plan_add_device(Plan *p, const PciDevice *d, PlanRole role) {
        if (in_plan(p, d))
                return 0;
        if (p->n_devices >= ELEMENTSOF(p->devices))
                return -E2BIG;
        p->devices[p->n_devices++] = (PlanDevice){.pci = d, .role = role};
        return 0;
}

static void add_unique(const PciDevice **list, size_t *n, size_t max, const PciDevice *d) {
        for (size_t i = 0; i < *n; i++)
                if (list[i] == d)
                        return;
        if (*n < max)
                list[(*n)++] = d;
}

/* A word of the kernel command line, or of the GRUB defaults. */
static bool cmdline_has(const char *cmdline, const char *word) {
        return words_contain(cmdline, word);
}

/* The value of KEY= on a command line ("" if absent), into out. */
static bool cmdline_value(const char *cmdline, const char *key, char *out, size_t size) {
        size_t k = strlen(key);
        for (const char *p = cmdline; *p;) {
                size_t n = strcspn(p, " ");
                if (n > k && strncmp(p, key, k) == 0 && p[k] == '=') {
                        snprintf(out, size, "%.*s", (int) (n - k - 1), p + k + 1);
                        return true;
                }
                p += n;
                while (*p == ' ')
                        p++;
        }
        return false;
}

/* The name a modprobe.d softdep takes for the driver of d: its module (xhci_hcd is registered by
 * xhci_pci), checked against the module grammar since it goes into a root shell. */
static bool softdep_module(const PciDevice *d, char out[static VX_CAPTURE_MAX + 1]) {
        const char *m = d->driver_module_state == KNOWN_PRESENT ? d->driver_module : d->driver_name;
        return capture_normalize(VAR_MODULE, m, strlen(m), out) >= 0;
}

static void add_grub_param_cmd(Builder *b, PlanStep *s, const char *param) {
        /* Proxmox VE on systemd-boot: /etc/kernel/cmdline is one line (pve-docs system-booting.adoc). */
        if (b->f->proxmox_systemd_boot == KNOWN_PRESENT)
                step_cmd(b, s, "sudo sed -i '1s/$/ %s/' /etc/kernel/cmdline", param);
        else
                step_cmd(b, s, "sudo sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT=\"/&%s /' /etc/default/grub",
                         param);
        b->grub_edited = true;
}

static const char *no_grub_hint(const HostFacts *f) {
        return f->grub_default == KNOWN_ABSENT
                ? " This host has no /etc/default/grub: put the parameter where its boot loader keeps the kernel command line (systemd-boot: /etc/kernel/cmdline, then sudo kernel-install add-all)."
                : "";
}

static CpuVendor vendor_of(const HostFacts *f) {
        if (f->cpu_vendor != CPU_VENDOR_UNKNOWN)
                return f->cpu_vendor;
        if (f->acpi_dmar == KNOWN_PRESENT)
                return CPU_VENDOR_INTEL;
        if (f->acpi_ivrs == KNOWN_PRESENT)
                return CPU_VENDOR_AMD;
        return CPU_VENDOR_UNKNOWN;
}

static void plan_iommu(Builder *b) {
        const HostFacts *f = b->f;
        Plan *p = b->p;
        if (p->iommu_on)
                return;
        Known table = p->vendor == CPU_VENDOR_INTEL ? f->acpi_dmar
                : p->vendor == CPU_VENDOR_AMD       ? f->acpi_ivrs
                : f->acpi_dmar == KNOWN_PRESENT || f->acpi_ivrs == KNOWN_PRESENT
                ? KNOWN_PRESENT
                : (f->acpi_dmar == KNOWN_ABSENT && f->acpi_ivrs == KNOWN_ABSENT ? KNOWN_ABSENT
                                                                                : KNOWN_NOT_PROBED);
        if (table == KNOWN_ABSENT) {
                StrBuf why = {0};
                PlanStep *s = step_new(b,
                                       p->vendor == CPU_VENDOR_INTEL ? "Turn on VT-d in the firmware setup"
                                               : p->vendor == CPU_VENDOR_AMD
                                               ? "Turn on the IOMMU (AMD-Vi) in the firmware setup"
                                               : "Turn on the IOMMU in the firmware setup");
                step_cmd(b, s, "sudo systemctl reboot --firmware-setup");
                strbuf_printf(
                        &why,
                        "The firmware publishes no %s table, so the kernel cannot see an IOMMU whatever its command line says. Enable it in the firmware setup (%s) and, where there is one, \"Above 4G decoding\". The command reboots into the setup on UEFI machines; otherwise press the setup key at power-on.",
                        p->vendor == CPU_VENDOR_AMD             ? "IVRS"
                                : p->vendor == CPU_VENDOR_INTEL ? "DMAR"
                                                                : "DMAR or IVRS",
                        p->vendor == CPU_VENDOR_AMD ? "\"IOMMU\" or \"AMD-Vi\", often under NBIO or AMD CBS"
                                : p->vendor == CPU_VENDOR_INTEL
                                ? "\"VT-d\" or \"Intel Virtualization Technology for Directed I/O\", often under System Agent or Chipset"
                                : "VT-d on Intel, IOMMU or AMD-Vi on AMD");
                step_why(b, s, &why);
        }

        static const char *const off_words[] = {"intel_iommu=off", "amd_iommu=off", "iommu=off"};
        bool disabled = false;
        for (size_t i = 0; i < ELEMENTSOF(off_words); i++)
                disabled = disabled ||
                        (f->cmdline == KNOWN_PRESENT && cmdline_has(f->cmdline_text, off_words[i])) ||
                        cmdline_has(f->grub_cmdline, off_words[i]);
        if (disabled) {
                StrBuf why = {0};
                PlanStep *s = step_new(b, "Stop turning the IOMMU off on the kernel command line");
                step_cmd(b, s,
                         "sudo sed -i -E 's/ ?(intel_iommu|amd_iommu|iommu)=off//g' /etc/default/grub");
                b->grub_edited = true;
                strbuf_printf(
                        &why,
                        "The kernel is told not to use the IOMMU (intel_iommu=off, amd_iommu=off or iommu=off): without it there are no IOMMU groups and vfio-pci has nothing to bind.%s",
                        no_grub_hint(f));
                step_why(b, s, &why);
        }

        if (p->vendor == CPU_VENDOR_INTEL || p->vendor == CPU_VENDOR_UNKNOWN) {
                bool running = f->cmdline == KNOWN_PRESENT && cmdline_has(f->cmdline_text, "intel_iommu=on");
                bool configured = cmdline_has(f->grub_cmdline, "intel_iommu=on");
                if (!running) {
                        StrBuf why = {0};
                        PlanStep *s =
                                step_new(b, "Turn on the IOMMU on the kernel command line: intel_iommu=on");
                        if (!configured)
                                add_grub_param_cmd(b, s, "intel_iommu=on");
                        else
                                b->grub_edited =
                                        true; /* written, never applied: the boot loader still lacks it */
                        strbuf_printf(
                                &why,
                                "%sIntel kernels built without CONFIG_INTEL_IOMMU_DEFAULT_ON leave VT-d off unless intel_iommu=on is given. iommu=pt is optional: it spares the host's own devices the IOMMU's translation, and so its protection; devices given to a VM are translated either way.%s%s",
                                configured
                                        ? "intel_iommu=on is in /etc/default/grub already but not on the running kernel's command line: the boot loader configuration was not regenerated, or the host not rebooted since. "
                                        : "",
                                p->vendor == CPU_VENDOR_UNKNOWN
                                        ? " The CPU vendor is unknown: on AMD leave this out (AMD-Vi needs no parameter)."
                                        : "",
                                no_grub_hint(f));
                        step_why(b, s, &why);
                }
        } else if (p->vendor == CPU_VENDOR_AMD && table != KNOWN_ABSENT && !disabled) {
                StrBuf why = {0};
                PlanStep *s = step_new(b, "Find out why the kernel left AMD-Vi off");
                step_cmd(b, s, "sudo dmesg | grep -iE 'AMD-Vi|IOMMU|IVRS'");
                strbuf_puts(
                        &why,
                        "AMD kernels turn AMD-Vi on by themselves when the firmware describes it (IVRS): there is no parameter to add (amd_iommu=on is not a kernel option; iommu=pt is optional and only spares the host's own devices the translation). The kernel's AMD-Vi lines say why it did not start (firmware bug, SME on old microcode, a kernel without CONFIG_AMD_IOMMU).");
                step_why(b, s, &why);
        }
}

static void plan_groups(Builder *b) {
        Plan *p = b->p;
        if (!p->iommu_on) {
                note(b,
                     "The IOMMU is off, so the IOMMU groups are not known yet: the functions of the same card are planned together, but other devices may share the group. After the reboot, run 'vfioexplain plan' again.");
                return;
        }
        /* One step per group that devices the host still drives make unusable. */
        for (size_t i = 0; i < p->n_blockers; i++) {
                const PciDevice *first = p->blockers[i];
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen = seen || p->blockers[j]->group_id == first->group_id;
                if (seen)
                        continue;
                StrBuf title = {0}, why = {0};
                strbuf_printf(&title, "IOMMU group %u is not viable: it holds devices the host uses",
                              first->group_id);
                PlanStep *s = step_new(b, strbuf_str(&title));
                strbuf_done(&title);
                step_cmd(b, s, "ls -l /sys/kernel/iommu_groups/%u/devices/", first->group_id);
                step_cmd(b, s, "sudo lspci -vvv | grep -E '^[0-9a-f]{2}:|ACSCap|ACSCtl'");
                size_t count = 0;
                for (size_t j = i; j < p->n_blockers; j++) {
                        const PciDevice *m = p->blockers[j];
                        if (m->group_id != first->group_id)
                                continue;
                        strbuf_printf(&why, "%s [%04x:%04x] %s on %s, ", m->address, m->vendor, m->device,
                                      m->name[0] ? m->name : "(unknown)", m->driver_name);
                        count++;
                }
                strbuf_printf(
                        &why,
                        "share%s group %u with the devices to pass. vfio hands a group to a VM only when every endpoint in it is on vfio-pci or on no driver, so these would have to leave the host as well (all of them into the same VM). The ways out: move the card to a slot whose group holds only the card (usually the x16 slot wired to the CPU), or turn on ACS or IOMMU isolation options in the firmware if it has them (the second command shows which bridges lack ACS). The pcie_acs_override kernel patch only pretends: the guest's device could then reach those host devices by DMA.",
                        count > 1 ? "" : "s", first->group_id);
                step_why(b, s, &why);
        }
}

static void plan_framebuffer(Builder *b) {
        const HostFacts *f = b->f;
        Plan *p = b->p;
        BootFramebuffer kind = BOOT_FB_UNKNOWN;
        const char *where = NULL;
        for (size_t j = 0; j < p->n_devices; j++) {
                BootFramebuffer k = host_boot_framebuffer(f, p->devices[j].pci->address);
                if (k != BOOT_FB_UNKNOWN && k >= kind) {
                        kind = k;
                        where = p->devices[j].pci->address;
                }
        }
        const char *cmdline = f->cmdline == KNOWN_PRESENT ? f->cmdline_text : "";
        if (kind == BOOT_FB_UNKNOWN || boot_framebuffer_param_given(kind, cmdline))
                return;
        const char *param = boot_framebuffer_param(kind, f->kernel_release);
        StrBuf why = {0};
        PlanStep *s = step_new(b, "Keep the boot framebuffer off the GPU");
        if (!boot_framebuffer_param_given(kind, f->grub_cmdline))
                add_grub_param_cmd(b, s, param);
        b->grub_edited = true;
        strbuf_printf(
                &why,
                "The firmware's framebuffer (%s) lies inside a BAR of %s, and the kernel keeps a claim on it that stops vfio-pci from reserving that BAR. %s The host shows no console on that GPU after the boot loader; selecting another GPU as primary display in the firmware avoids it.",
                kind == BOOT_FB_SYSFB ? "sysfb's BOOTFB" : "efifb/vesafb", where,
                kind == BOOT_FB_SYSFB
                        ? "initcall_blacklist=sysfb_init stops sysfb from registering it (video=efifb:off and video=simplefb:off leave BOOTFB in place)."
                        : "video=efifb:off video=vesafb:off stop those drivers from taking it.");
        step_why(b, s, &why);
}

/* "10de:1b80,10de:10f0": the ids of the plan's devices, after those already set in the file that the
 * step rewrites (source), without repeats. */
static void ids_list(const HostFacts *f, const Plan *p, const char *source, StrBuf *out) {
        unsigned seen[64][2];
        size_t n = 0;
        for (size_t i = 0; source && i < f->n_vfio_ids; i++)
                if (strcmp(f->vfio_ids[i].source, source) == 0 && n < ELEMENTSOF(seen)) {
                        seen[n][0] = f->vfio_ids[i].vendor;
                        seen[n++][1] = f->vfio_ids[i].device;
                }
        for (size_t i = 0; i < p->n_devices && n < ELEMENTSOF(seen); i++) {
                bool dup = false;
                for (size_t j = 0; j < n; j++)
                        dup = dup ||
                                (seen[j][0] == p->devices[i].pci->vendor &&
                                 seen[j][1] == p->devices[i].pci->device);
                if (!dup) {
                        seen[n][0] = p->devices[i].pci->vendor;
                        seen[n++][1] = p->devices[i].pci->device;
                }
        }
        for (size_t i = 0; i < n; i++)
                strbuf_printf(out, "%s%04x:%04x", i ? "," : "", seen[i][0], seen[i][1]);
}

static void twins_text(const Plan *p, StrBuf *why) {
        for (size_t i = 0; i < p->n_twins; i++)
                strbuf_printf(why, "%s%s [%04x:%04x]", i ? ", " : "", p->twins[i]->address,
                              p->twins[i]->vendor, p->twins[i]->device);
}

static void plan_bind_by_address(Builder *b, const char *builtin_driver) {
        const HostFacts *f = b->f;
        Plan *p = b->p;
        StrBuf why = {0};
        PlanStep *s = step_new(b, "Give the devices to vfio-pci by address (driverctl)");
        if (distro_info(f->distro)->install_driverctl)
                step_cmd(b, s, "%s", distro_info(f->distro)->install_driverctl);
        for (size_t i = 0; i < p->n_devices; i++)
                if (!pci_device_on_driver(p->devices[i].pci, "vfio-pci"))
                        step_cmd(b, s, "sudo driverctl set-override %s vfio-pci",
                                 p->devices[i].pci->address);
        if (p->n_twins > 0) {
                strbuf_puts(&why, "vfio-pci ids= would also take ");
                twins_text(p, &why);
                strbuf_puts(&why,
                            ": another device with the same vendor:device ids, which the host keeps. ");
        } else
                strbuf_printf(
                        &why,
                        "%s is built into the kernel, so no softdep can make vfio-pci load before it and ids= could lose the race. ",
                        builtin_driver);
        strbuf_printf(
                &why,
                "driverctl binds by address instead: it stores a driver_override for each address that udev applies at every boot, and it moves the device now, so stop using it first (unmount its filesystems, close programs that use it).%s",
                !distro_info(f->distro)->install_driverctl
                        ? " Install driverctl from the distribution's packages first."
                        : "");
        step_why(b, s, &why);
}

static void plan_bind_by_ids(Builder *b) {
        const HostFacts *f = b->f;
        Plan *p = b->p;
        bool vfio_builtin =
                f->modules[MODULE_VFIO_PCI].state == KNOWN_PRESENT && f->modules[MODULE_VFIO_PCI].builtin;
        char old[256] = "";
        bool grub_ids = cmdline_value(f->grub_cmdline, "vfio-pci.ids", old, sizeof(old));
        StrBuf why = {0}, ids = {0};

        if (vfio_builtin) {
                ids_list(f, p, "kernel command line", &ids);
                PlanStep *s = step_new(
                        b, "Give the devices to vfio-pci at boot: vfio-pci.ids= on the kernel command line");
                if (grub_ids)
                        step_cmd(
                                b, s,
                                "sudo sed -i -E 's/vfio-pci\\.ids=[^ \"]*/vfio-pci.ids=%s/' /etc/default/grub",
                                strbuf_str(&ids));
                else {
                        char param[300];
                        snprintf(param, sizeof(param), "vfio-pci.ids=%s", strbuf_str(&ids));
                        add_grub_param_cmd(b, s, param);
                }
                b->grub_edited = true;
                strbuf_printf(
                        &why,
                        "vfio-pci is built into this kernel: options in /etc/modprobe.d never reach it, the kernel command line does. Built in, it registers before any driver module loads and claims every device with these ids first, so no softdep is needed. ids= applies to every device with these ids; no other device on this host has them.%s",
                        no_grub_hint(f));
                step_why(b, s, &why);
                strbuf_done(&ids);
                return;
        }

        ids_list(f, p, "/etc/modprobe.d/vfio.conf", &ids);
        char mods[VX_PLAN_DEVICES_MAX][VX_CAPTURE_MAX + 1];
        size_t n_mods = 0;
        StrBuf conf = {0};
        strbuf_printf(&conf, "options vfio-pci ids=%s\\n", strbuf_str(&ids));
        for (size_t i = 0; i < p->n_devices; i++) {
                const PciDevice *d = p->devices[i].pci;
                char m[VX_CAPTURE_MAX + 1];
                if (!host_driven(d) || !softdep_module(d, m))
                        continue;
                bool dup = false;
                for (size_t j = 0; j < n_mods; j++)
                        dup = dup || strcmp(mods[j], m) == 0;
                if (dup)
                        continue;
                memcpy(mods[n_mods++], m, sizeof(m));
                strbuf_printf(&conf, "softdep %s pre: vfio-pci\\n", m);
        }
        PlanStep *s =
                step_new(b, "Give the devices to vfio-pci at boot: ids and softdeps in /etc/modprobe.d");
        step_cmd(b, s, "printf '%s' | sudo tee /etc/modprobe.d/vfio.conf", strbuf_str(&conf));
        strbuf_done(&conf);
        if (grub_ids) {
                StrBuf all = {0};
                ids_list(f, p, "kernel command line", &all);
                step_cmd(b, s,
                         "sudo sed -i -E 's/vfio-pci\\.ids=[^ \"]*/vfio-pci.ids=%s/' /etc/default/grub",
                         strbuf_str(&all));
                strbuf_done(&all);
                b->grub_edited = true;
        }
        /* The host driver is often in the initramfs (early KMS, the root disk's controller): vfio-pci must
         * be there too, or the softdep finds nothing to load and the host driver wins. */
        if (distro_info(f->distro)->initramfs_add_vfio)
                step_cmd(b, s, "%s", distro_info(f->distro)->initramfs_add_vfio);
        b->initramfs_edited = true;
        strbuf_printf(
                &why,
                "ids= makes vfio-pci claim every device with these vendor:device ids when it loads; no other device on this host has them.");
        if (n_mods > 0) {
                strbuf_printf(&why, " The softdep line%s make%s modprobe load vfio-pci before ",
                              n_mods > 1 ? "s" : "", n_mods > 1 ? "" : "s");
                for (size_t i = 0; i < n_mods; i++)
                        strbuf_printf(&why, "%s%s", i == 0 ? "" : i + 1 == n_mods ? " and " : ", ", mods[i]);
                strbuf_printf(&why, ", which %s the devices now, so vfio-pci takes them first.",
                              n_mods > 1 ? "drive" : "drives");
        }
        if (f->vfio_conf_path[0] && strcmp(f->vfio_conf_path, "/etc/modprobe.d/vfio.conf") == 0)
                strbuf_puts(
                        &why,
                        " This replaces /etc/modprobe.d/vfio.conf: the ids it held are kept above; copy back any other line it had.");
        if (grub_ids)
                strbuf_printf(
                        &why,
                        " /etc/default/grub sets vfio-pci.ids=%s too, and the kernel command line overrides modprobe.d: it gets the same list.",
                        old);
        strbuf_printf(
                &why,
                " The %s loads the vfio modules early, from the initramfs, where the host driver often loads.",
                distro_info(f->distro)->initramfs_add_vfio_what);
        for (size_t i = 0; i < p->n_devices; i++) {
                const PciDevice *d = p->devices[i].pci;
                if (host_driven(d) && d->driver_module_state == KNOWN_PRESENT && d->driver_module_builtin)
                        strbuf_printf(&why, " %s is built into the kernel: a softdep cannot order it.",
                                      d->driver_module);
        }
        step_why(b, s, &why);
        strbuf_done(&ids);
}

static void plan_bind(Builder *b) {
        Plan *p = b->p;
        bool all_vfio = true;
        const char *builtin_driver = NULL;
        for (size_t i = 0; i < p->n_devices; i++) {
                const PciDevice *d = p->devices[i].pci;
                all_vfio = all_vfio && pci_device_on_driver(d, "vfio-pci");
                if (host_driven(d) && d->driver_module_state == KNOWN_PRESENT && d->driver_module_builtin &&
                    !builtin_driver)
                        builtin_driver = d->driver_module;
        }
        if (all_vfio)
                return;
        if (p->n_twins > 0 || builtin_driver)
                plan_bind_by_address(b, builtin_driver);
        else
                plan_bind_by_ids(b);
}

static void plan_apply(Builder *b) {
        const HostFacts *f = b->f;
        if (!b->grub_edited && !b->initramfs_edited)
                return;
        StrBuf why = {0};
        PlanStep *s = step_new(b, "Apply the boot configuration and reboot");
        bool sdboot = f->proxmox_systemd_boot == KNOWN_PRESENT;
        if (b->grub_edited)
                step_cmd(b, s, "%s", sdboot ? "sudo proxmox-boot-tool refresh" : host_update_bootloader(f));
        if (b->initramfs_edited)
                step_cmd(b, s, "%s", host_update_initramfs(f));
        step_cmd(b, s, "sudo systemctl reboot");
        strbuf_printf(
                &why, "%s%s%sNothing above takes effect before the next boot.",
                !b->grub_edited ? ""
                        : sdboot
                        ? "systemd-boot reads the loader entries proxmox-boot-tool wrote on each ESP from /etc/kernel/cmdline: refresh them so the kernel gets the new parameters. "
                        : "The boot loader reads its own configuration, generated from /etc/default/grub: regenerate it so the kernel gets the new parameters. ",
                b->initramfs_edited
                        ? "The initramfs carries its own copy of /etc/modprobe.d and of the modules loaded early: rebuild it. "
                        : "",
                f->distro == DISTRO_UNKNOWN ? "The distribution is unknown: use the line for yours. " : "");
        step_why(b, s, &why);
}

static void plan_verify(Builder *b) {
        Plan *p = b->p;
        StrBuf why = {0}, check = {0};
        PlanStep *s = step_new(b, "Check the result");
        strbuf_puts(&check, "vfioexplain check");
        for (size_t i = 0; i < p->n_devices; i++) {
                step_cmd(b, s, "lspci -nnk -s %s", p->devices[i].pci->address);
                strbuf_printf(&check, " %s", p->devices[i].pci->address);
        }
        step_cmd(b, s, "%s", strbuf_str(&check));
        strbuf_done(&check);
        if (!p->iommu_on) {
                strbuf_puts(&check, "vfioexplain plan");
                for (size_t i = 0; i < p->n_devices; i++)
                        if (p->devices[i].role == PLAN_NAMED)
                                strbuf_printf(&check, " %s", p->devices[i].pci->address);
                step_cmd(b, s, "%s", strbuf_str(&check));
                strbuf_done(&check);
        }
        strbuf_printf(
                &why,
                "Each device must show \"Kernel driver in use: vfio-pci\"; 'vfioexplain check' names anything that still blocks passthrough.%s",
                p->iommu_on ? "" : " With the IOMMU on, the plan sees the real IOMMU groups: run it again.");
        step_why(b, s, &why);
}

static void plan_libvirt(Builder *b) {
        StrBuf why = {0};
        PlanStep *s = step_new(b, "Give the devices to the VM (libvirt)");
        /* Without --domain the name is the user's to fill in: a variable, which a shell takes as it is
         * pasted (a placeholder such as <domain> would be read as a redirection). */
        if (b->domain)
                step_cmd(b, s, "sudo virsh edit %s", b->domain);
        else {
                step_cmd(b, s,
                         "DOMAIN=your-vm   # the libvirt domain to give the devices to (virsh list --all)");
                step_cmd(b, s, "sudo virsh edit \"$DOMAIN\"");
        }
        strbuf_printf(
                &why,
                "Paste the <hostdev> elements below inside <devices>%s. managed='yes' lets libvirt detach each device from its host driver when the VM starts and give it back when it stops; the device's address in the guest is chosen by libvirt.",
                b->domain ? "" : " (set DOMAIN to the domain's name first)");
        step_why(b, s, &why);
}

/* A Proxmox VE VM: one hostpci entry per card, added with qm set (probes/pve.c). Without --pve-vm, on a
 * Proxmox VE node, the VM is the user's to name: a variable set first, as plan_libvirt()'s DOMAIN (a bare
 * VMID in a command would be pasted as it is); its free hostpciN and its machine are unknown. */
static void plan_pve(Builder *b) {
        char *cmds[VX_PVE_HOSTPCI_MAX], vmid[16] = "\"$VMID\"";
        StrBuf why = {0};
        if (b->vm)
                snprintf(vmid, sizeof(vmid), "%u", b->vm->vmid);
        int n = pve_plan_commands(b->f, b->p, b->vm ? b->vm->pve : NULL, vmid, cmds, ELEMENTSOF(cmds));
        if (n < 0) {
                b->oom = true;
                return;
        }
        PlanStep *s = step_new(b, "Give the devices to the VM (Proxmox VE)");
        /* Not a number a VM may have: pasted unchanged, qm refuses it rather than changing another VM. */
        if (!b->vm)
                step_cmd(b, s, "VMID=your-vm-id   # the VM's number (qm list)");
        for (int i = 0; i < n; i++) {
                step_cmd(b, s, "%s", cmds[i]);
                free(cmds[i]);
        }
        bool q35 = b->vm && b->vm->pve && b->vm->pve->q35;
        strbuf_printf(
                &why,
                "Adds each card to VM %s as a hostpci entry, at the first hostpciN it does not use%s: the card's bus:device alone passes every function of it in one guest slot%s. qemu-server moves the devices (and the rest of their IOMMU groups) to vfio-pci itself at every start. In the web UI: VM %s, Hardware, Add, PCI Device, Raw Device, All Functions%s.",
                b->vm ? vmid : "VMID",
                b->vm ? ""
                      : " (set VMID to the VM's number first; qm config \"$VMID\" shows the hostpciN it has: take the next free one)",
                q35 ? ", and pcie=1 puts it on a PCI Express root port of the q35 machine" : "",
                b->vm ? vmid : "VMID", q35 ? ", PCI-Express" : "");
        if (!b->vm)
                strbuf_puts(&why, " On a VM of machine q35, add ,pcie=1 to each entry.");
        else if (!q35)
                strbuf_printf(
                        &why,
                        " The VM's machine is not q35, so there is no pcie=1: a GPU works best on q35 with pcie=1 (qm set %s --machine q35).",
                        vmid);
        step_why(b, s, &why);
}

static bool is_vga(const PciDevice *d) {
        return (d->class_code >> 8) == 0x0300;
}

static void plan_rom(Builder *b) {
        Plan *p = b->p;
        for (size_t i = 0; i < p->n_devices; i++) {
                const PciDevice *d = p->devices[i].pci;
                if ((d->class_code >> 16) != 0x03 || d->boot_vga != 1)
                        continue;
                StrBuf why = {0};
                PlanStep *s = step_new(b, "Optional: a clean copy of the boot GPU's ROM (VBIOS)");
                step_cmd(b, s, "vfioexplain rom");
                if (p->pve) {
                        /* qemu-server takes romfile= as a name under /usr/share/kvm (PCI.pm
                         * print_hostpci_devices()). */
                        char name[32];
                        snprintf(name, sizeof(name), "vbios-%s.rom", d->address);
                        for (char *c = name; *c; c++)
                                if (*c == ':')
                                        *c = '-';
                        step_cmd(b, s, "vfioexplain rom --address %s /usr/share/kvm/%s", d->address, name);
                        strbuf_printf(
                                &why,
                                "The host boots on %s, and the ROM of the boot GPU is often shadowed or cut short. Only if the guest shows a black screen or its driver finds no BIOS: the first command prints how to dump the ROM (with the card on vfio-pci and idle): write it to /usr/share/kvm/%s; the second judges the file. Then add ,romfile=%s to the card's hostpci entry (qemu-server looks for it in /usr/share/kvm).",
                                d->address, name, name);
                        step_why(b, s, &why);
                        continue;
                }
                step_cmd(b, s, "vfioexplain rom --address %s /usr/share/vgabios/%s.rom", d->address,
                         d->address);
                strbuf_printf(
                        &why,
                        "The host boots on %s, and the ROM of the boot GPU is often shadowed or cut short. Only if the guest shows a black screen or its driver finds no BIOS: the first command prints how to dump the ROM (with the card on vfio-pci and idle), the second judges the file. Then add <rom file='/usr/share/vgabios/%s.rom'/> inside its <hostdev> (QEMU: romfile=/usr/share/vgabios/%s.rom).",
                        d->address, d->address, d->address);
                step_why(b, s, &why);
        }
}

int plan_hostdev_xml(const char *address, char **ret) {
        Span s = span_from_str(address);
        uint64_t dom, bus, slot, fn;
        size_t before = s.len;
        if (!span_eat_hex64(&s, &dom) || before - s.len < 4 || before - s.len > 8 ||
            !span_eat_char(&s, ':') || !span_eat_xdigits(&s, 2, &bus) || !span_eat_char(&s, ':') ||
            !span_eat_xdigits(&s, 2, &slot) || slot > 0x1f || !span_eat_char(&s, '.') ||
            !span_eat_digits(&s, 1, 1, &fn) || fn > 7 || s.len != 0)
                return -EINVAL;
        char *x = NULL;
        if (asprintf(&x,
                     "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
                     "  <source>\n"
                     "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
                     "  </source>\n"
                     "</hostdev>\n",
                     (unsigned) dom, (unsigned) bus, (unsigned) slot, (unsigned) fn) < 0)
                return -ENOMEM;
        *ret = x;
        return 0;
}

static void plan_outputs(Builder *b) {
        Plan *p = b->p;
        StrBuf xml = {0};
        bool vga_note = false;
        for (size_t i = 0; i < p->n_devices && !b->oom; i++) {
                const PciDevice *d = p->devices[i].pci;
                _cleanup_free_ char *x = NULL;
                int r = plan_hostdev_xml(d->address, &x);
                if (r == -ENOMEM) {
                        b->oom = true;
                        break;
                }
                if (r < 0)
                        continue;
                strbuf_puts(&xml, x);
                char *arg = NULL;
                if (asprintf(&arg, "-device vfio-pci,host=%s%s", d->address, is_vga(d) ? ",x-vga=on" : "") <
                    0) {
                        b->oom = true;
                        break;
                }
                p->qemu_args[p->n_qemu_args++] = arg;
                if (is_vga(d) && !vga_note) {
                        note(b,
                             "x-vga=on (on %s) gives the guest the card's legacy VGA ranges, for a guest that uses it as its VGA display under SeaBIOS; leave it out with OVMF (UEFI). QEMU refuses it when the host kernel lacks CONFIG_VFIO_PCI_VGA.",
                             d->address);
                        vga_note = true;
                }
        }
        if (strbuf_failed(&xml))
                b->oom = true;
        p->hostdev_xml = strbuf_steal(&xml);
        if (!p->hostdev_xml)
                b->oom = true;
}

/* Address order: a card's function 0 first, as lspci and libvirt list them. */
static int cmp_plan_device(const void *x, const void *y) {
        return strcmp(((const PlanDevice *) x)->pci->address, ((const PlanDevice *) y)->pci->address);
}

static int collect(const HostFacts *f, PciAddress *addresses, size_t n, Plan *p) {
        if (f->pci != KNOWN_PRESENT) {
                p->error = PLAN_NO_PCI;
                return -EINVAL;
        }
        if (n == 0 || n > VX_PLAN_ADDRESSES_MAX) {
                p->error = PLAN_TOO_MANY;
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                const PciDevice *d = host_find_device(f, addresses[i]);
                snprintf(p->error_address, sizeof(p->error_address), "%s", addresses[i]);
                if (!d) {
                        p->error = PLAN_NO_DEVICE;
                        return -EINVAL;
                }
                if (is_bridge(d)) {
                        p->error = PLAN_BRIDGE;
                        return -EINVAL;
                }
                if (plan_add_device(p, d, PLAN_NAMED) < 0) {
                        p->error = PLAN_TOO_MANY;
                        return -EINVAL;
                }
        }
        p->error_address[0] = 0;
        p->iommu_on = f->iommu_class == KNOWN_PRESENT;
        for (size_t i = 0; i < p->n_devices; i++)
                p->iommu_on = p->iommu_on || p->devices[i].pci->group == KNOWN_PRESENT;

        /* The rest of each group: functions of the same card go along, bridges stay, anything else the host
         * drives makes the group unusable. Without groups, the card's functions go along. */
        size_t named = p->n_devices;
        for (size_t i = 0; i < named; i++) {
                const PciDevice *d = p->devices[i].pci;
                for (size_t k = 0; k < f->n_devices; k++) {
                        const PciDevice *m = &f->devices[k];
                        if (m == d || is_bridge(m) || (m->class_code >> 8) == 0x0806)
                                continue;
                        bool same_group = d->group == KNOWN_PRESENT && m->group == KNOWN_PRESENT &&
                                m->group_id == d->group_id;
                        if (p->iommu_on ? !same_group : !pci_same_card(m->address, d->address))
                                continue;
                        if (pci_same_card(m->address, d->address)) {
                                if (plan_add_device(p, m, PLAN_SAME_CARD) < 0) {
                                        p->error = PLAN_TOO_MANY;
                                        return -EINVAL;
                                }
                        } else if (pci_device_blocks_group(m) && !in_plan(p, m))
                                add_unique(p->blockers, &p->n_blockers, ELEMENTSOF(p->blockers), m);
                }
        }
        /* A named device counts as a blocker of no group it shares with another named one. */
        for (size_t i = 0; i < p->n_blockers;)
                if (in_plan(p, p->blockers[i]))
                        p->blockers[i] = p->blockers[--p->n_blockers];
                else
                        i++;

        qsort(p->devices, p->n_devices, sizeof(p->devices[0]), cmp_plan_device);
        /* Devices on vfio-pci already (a guide followed up to the binding) get the steps that remain. */
        p->all_vfio = true;
        for (size_t i = 0; i < p->n_devices; i++)
                p->all_vfio = p->all_vfio && pci_device_on_driver(p->devices[i].pci, "vfio-pci");
        for (size_t k = 0; k < f->n_devices; k++) {
                const PciDevice *m = &f->devices[k];
                if (in_plan(p, m) || is_bridge(m))
                        continue;
                for (size_t i = 0; i < p->n_devices; i++)
                        if (m->vendor == p->devices[i].pci->vendor && m->device == p->devices[i].pci->device)
                                add_unique(p->twins, &p->n_twins, ELEMENTSOF(p->twins), m);
        }
        return 0;
}

static void plan_notes(Builder *b) {
        Plan *p = b->p;
        for (size_t i = 0; i < p->n_devices; i++) {
                const PciDevice *d = p->devices[i].pci;
                if (pci_device_on_driver(d, "vfio-pci"))
                        note(b, "%s is on vfio-pci already.", d->address);
                if (p->devices[i].role == PLAN_SAME_CARD)
                        note(b, "%s goes along: another function of the same card%s.", d->address,
                             p->iommu_on ? ", in the same IOMMU group" : "");
                if ((d->class_code >> 16) == 0x03 && d->boot_vga == 1)
                        note(b,
                             "The host boots on %s: once vfio-pci has it, the host has no console on that screen. If there is another GPU, make it the primary display in the firmware setup.",
                             d->address);
        }
        if (p->n_twins > 0) {
                StrBuf t = {0};
                twins_text(p, &t);
                note(b, "%s %s the same vendor:device ids as a device to pass: binding is by address.",
                     strbuf_str(&t), p->n_twins > 1 ? "have" : "has");
                strbuf_done(&t);
        }
}

int plan_build(const HostFacts *f, PciAddress *addresses, size_t n, const char *domain, Plan *p) {
        return plan_build_for(f, addresses, n, domain, NULL, p);
}

int plan_build_for(const HostFacts *f, PciAddress *addresses, size_t n, const char *domain, const PlanVm *vm,
                   Plan *p) {
        *p = (Plan){0};
        int r = collect(f, addresses, n, p);
        if (r < 0)
                return r;
        Builder b = {.f = f, .p = p, .domain = domain, .vm = vm};
        /* A Proxmox VE node's VMs are qemu-server's: no libvirt domain to edit, unless one was named. */
        bool pve_node = !vm && !domain && f->distro == DISTRO_PROXMOX;
        p->pve = vm != NULL || pve_node;
        p->vendor = vendor_of(f);
        plan_iommu(&b);
        plan_groups(&b);
        plan_framebuffer(&b);
        plan_bind(&b);
        plan_apply(&b);
        plan_verify(&b);
        if (p->pve)
                plan_pve(&b);
        else
                plan_libvirt(&b);
        plan_rom(&b);
        plan_notes(&b);
        plan_outputs(&b);
        return b.oom ? -ENOMEM : 0;
}

void plan_done(Plan *p) {
        for (size_t i = 0; i < p->n_steps; i++) {
                free(p->steps[i].title);
                free(p->steps[i].why);
                for (size_t j = 0; j < p->steps[i].n_commands; j++)
                        free(p->steps[i].commands[j]);
        }
        for (size_t i = 0; i < p->n_notes; i++)
                free(p->notes[i]);
        for (size_t i = 0; i < p->n_qemu_args; i++)
                free(p->qemu_args[i]);
        free(p->hostdev_xml);
        *p = (Plan){0};
}
