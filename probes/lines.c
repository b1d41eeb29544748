/* SPDX-License-Identifier: MIT */
/* Renders facts as probe lines (docs/probe-lines.md). Only what was really seen becomes a line: an
 * unknown fact gives no line, so no rule can read "unknown" as "no". */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "framebuffer.h"
#include "probe_lines.h"
#include "strparse.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

void probe_line_emit(ProbeLineEmitter *e, const char *fmt, ...) {
        char buf[1024];
        va_list ap;
        if (e->r < 0)
                return;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        e->r = e->fn(buf, MIN((size_t) n, sizeof(buf) - 1), e->userdata);
}

const char *probe_display_class_name(unsigned class_code) {
        switch (class_code >> 8) {
        case 0x0301:
                return "XGA controller";
        case 0x0302:
                return "3D controller";
        case 0x0380:
                return "display controller";
        default:
                return (class_code >> 16) == 0x03 ? "display controller" : "not a display device";
        }
}

static void emit_node(ProbeLineEmitter *e, const FileNode *n) {
        if (n->state == KNOWN_ABSENT)
                probe_line_emit(e, "node %s: absent", n->path);
        else if (n->state == KNOWN_PRESENT)
                probe_line_emit(e, "node %s: owner=%s group=%s mode=%04o", n->path,
                                n->owner[0] ? n->owner : "?", n->group_name[0] ? n->group_name : "?",
                                n->mode);
}

/* DAC only: whether uid/gid (and root) may open the node read-write. */
static bool may_open(const FileNode *n, unsigned uid, unsigned gid, const unsigned *groups,
                     size_t n_groups) {
        if (uid == 0)
                return true;
        if (n->uid == uid)
                return (n->mode & 0600) == 0600;
        bool in_group = n->gid == gid;
        for (size_t i = 0; i < n_groups; i++)
                in_group = in_group || n->gid == groups[i];
        if (in_group)
                return (n->mode & 0060) == 0060;
        return (n->mode & 0006) == 0006;
}

/* modprobe.d already makes driver wait for vfio-pci. Module names use - and _ interchangeably. */
static bool has_softdep(const HostFacts *f, const char *driver) {
        for (size_t i = 0; i < f->n_softdep_drivers; i++) {
                const char *a = f->softdep_drivers[i], *b = driver;
                while (*a && *b && (*a == *b || ((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))) {
                        a++;
                        b++;
                }
                if (!*a && !*b)
                        return true;
        }
        return false;
}

/* Each word of words (a command line a file holds) that the running kernel did not get. sdboot_grub: words
 * is /etc/default/grub on a host that boots systemd-boot, and a word /etc/kernel/cmdline has is not missing.
 */
static void emit_unapplied(ProbeLineEmitter *e, const HostFacts *f, const char *words, const char *file,
                           bool sdboot_grub) {
        char word[256];
        for (const char *p = words; *p;) {
                size_t n = strcspn(p, " ");
                if (n > 0 && n < sizeof(word)) {
                        snprintf(word, sizeof(word), "%.*s", (int) n, p);
                        bool missing = !words_contain(f->cmdline_text, word);
                        if (missing && !sdboot_grub)
                                probe_line_emit(
                                        e,
                                        "boot-config: %s is in %s but not on the running kernel's command line",
                                        word, file);
                        else if (missing && !words_contain(f->kernel_cmdline_file, word))
                                probe_line_emit(
                                        e,
                                        "boot-config: %s is in /etc/default/grub, which this systemd-boot host does not read, not in /etc/kernel/cmdline",
                                        word);
                }
                p += n;
                while (*p == ' ')
                        p++;
        }
}

/* Parameters the boot configuration asks for that the running kernel did not get: the boot loader
 * configuration was not regenerated, or the host not rebooted since. A Proxmox VE node booting systemd-boot
 * takes its command line from /etc/kernel/cmdline (proxmox-boot-tool refresh writes it into the loader
 * entries); /etc/default/grub is read by nobody there, though the guides people follow edit it. */
static void emit_boot_config(ProbeLineEmitter *e, const HostFacts *f) {
        bool sdboot = f->proxmox_systemd_boot == KNOWN_PRESENT;
        if (f->cmdline == KNOWN_PRESENT && sdboot)
                emit_unapplied(e, f, f->kernel_cmdline_file, "/etc/kernel/cmdline", false);
        if (f->cmdline == KNOWN_PRESENT && f->grub_default == KNOWN_PRESENT)
                emit_unapplied(e, f, f->grub_cmdline, "/etc/default/grub", sdboot);
        if (f->initramfs == KNOWN_PRESENT && f->vfio_conf_path[0] && f->initramfs_mtime < f->vfio_conf_mtime)
                probe_line_emit(e, "boot-config: %s is older than %s", f->initramfs_path, f->vfio_conf_path);
}

static void emit_host(ProbeLineEmitter *e, const HostFacts *f) {
        if (f->acpi_dmar != KNOWN_NOT_PROBED && f->iommu_class != KNOWN_NOT_PROBED)
                probe_line_emit(e, "iommu: acpi-tables=%s units=%zu",
                                f->acpi_dmar == KNOWN_PRESENT           ? "DMAR"
                                        : f->acpi_ivrs == KNOWN_PRESENT ? "IVRS"
                                                                        : "none",
                                f->n_iommus);
        if (f->cmdline == KNOWN_PRESENT)
                probe_line_emit(e, "kernel-cmdline: %s", f->cmdline_text);
        if (f->irq_remapping != KNOWN_NOT_PROBED)
                probe_line_emit(e, "interrupt-remapping: %s allow_unsafe_interrupts=%s",
                                f->irq_remapping == KNOWN_PRESENT ? "enabled" : "disabled",
                                f->allow_unsafe_interrupts[0] ? f->allow_unsafe_interrupts : "?");
        for (ModuleId m = 0; m < _MODULE_MAX; m++)
                if (f->modules[m].state != KNOWN_NOT_PROBED)
                        probe_line_emit(e, "module %s: %s", module_id_to_string(m),
                                        f->modules[m].state == KNOWN_ABSENT ? "absent"
                                                : f->modules[m].builtin     ? "builtin"
                                                                            : "loaded");
        if (f->noiommu_mode[0])
                probe_line_emit(e, "module-param vfio.enable_unsafe_noiommu_mode: %s", f->noiommu_mode);
        emit_node(e, &f->vfio_container);
        emit_node(e, &f->kvm);
        emit_boot_config(e, f);
        if (f->hugepages == KNOWN_PRESENT)
                probe_line_emit(e, "hugepages: total=%llu free=%llu size=%llukB", f->hugepages_total,
                                f->hugepages_free, f->hugepage_kb);
        for (size_t i = 0; i < f->n_udev_vfio_rules; i++)
                probe_line_emit(e, "udev-rule %s", f->udev_vfio_rules[i]);
        if (f->qemu_conf == KNOWN_PRESENT && f->qemu_user[0])
                probe_line_emit(e, "qemu-user: %s group=%s", f->qemu_user,
                                f->qemu_group[0] ? f->qemu_group : "?");
        for (size_t i = 0; i < f->n_memlock; i++) {
                const MemlockFact *m = &f->memlock[i];
                char value[32];
                if (m->unlimited)
                        snprintf(value, sizeof(value), "unlimited");
                else
                        snprintf(value, sizeof(value), "%llu", m->soft);
                if (m->pid == 0)
                        probe_line_emit(e, "memlock self: soft=%s", value);
                else
                        probe_line_emit(e, "memlock qemu %d (%s) device=%s: soft=%s%s", m->pid, m->comm,
                                        m->n_devices ? m->devices[0] : "none", value,
                                        m->ipc_lock == KNOWN_PRESENT ? " cap_ipc_lock" : "");
        }
}

static const FileNode *group_node(const HostFacts *f, unsigned group) {
        char path[64];
        snprintf(path, sizeof(path), "/dev/vfio/%u", group);
        for (size_t i = 0; i < f->n_group_nodes; i++)
                if (strcmp(f->group_nodes[i].path, path) == 0)
                        return &f->group_nodes[i];
        return NULL;
}

/* A 64-bit BAR large enough that a guest's default 64-bit MMIO window may not hold it, with the sizes a
 * Resizable BAR could take instead. */
static void emit_large_bars(ProbeLineEmitter *e, const PciDevice *d) {
        for (int i = 0; i < 6; i++) {
                unsigned long long size =
                        d->bar_end[i] > d->bar_start[i] ? d->bar_end[i] - d->bar_start[i] + 1 : 0;
                if (size < VX_LARGE_BAR_MIN)
                        continue;
                char resize[64] = "";
                if (d->rebar_sizes[i])
                        snprintf(resize, sizeof(resize), "; resource%d_resize=%016llx", i,
                                 d->rebar_sizes[i]);
                probe_line_emit(e, "large-bar %s: BAR %d size=0x%llx (%llu MiB)%s", d->address, i, size,
                                size >> 20, resize);
        }
}

/* The platform device of a firmware framebuffer (sysfb, efifb, vesafb): its pixels are the boot
 * framebuffer, wherever that lies. */
static bool boot_framebuffer_device(const char *name) {
        static const char *const prefixes[] = {"efi-framebuffer.", "simple-framebuffer.",
                                               "vesa-framebuffer."};
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return false;
}

/* fbcon bound while a framebuffer of the device (its own driver's, or the boot framebuffer inside its BAR)
 * exists: the console keeps the device busy. */
static void emit_console(ProbeLineEmitter *e, const HostFacts *f, const PciDevice *d) {
        const VtConsole *c = host_fbcon_bound(f);
        if (!c)
                return;
        for (size_t i = 0; i < f->n_fbs; i++) {
                const FbDevice *fb = &f->fbs[i];
                if (strcmp(fb->device, d->address) == 0) {
                        probe_line_emit(e, "console vtcon%u (%s) bound: fb%u (%s) of %s", c->index, c->name,
                                        fb->index, fb->name, d->address);
                        continue;
                }
                if (!boot_framebuffer_device(fb->device))
                        continue;
                for (size_t k = 0; k < f->n_framebuffers; k++)
                        if (strcmp(f->framebuffers[k].device, d->address) == 0) {
                                probe_line_emit(
                                        e, "console vtcon%u (%s) bound: fb%u (%s) of %s inside BAR %d of %s",
                                        c->index, c->name, fb->index, fb->name, fb->device,
                                        f->framebuffers[k].bar, d->address);
                                break;
                        }
        }
}

static bool bridge_like(const PciDevice *m) {
        unsigned base = m->class_code >> 16, sub = (m->class_code >> 8) & 0xff;
        return m->bridge || (base == 0x06 && (sub == 0x04 || sub == 0x09));
}

/* What group N holds besides d: the other functions of d's card and bridges only (the card's own port), or
 * also other devices, each said. Whatever their drivers: it is the group's make-up that an ACS problem is.
 */
static void emit_group_composition(ProbeLineEmitter *e, const HostFacts *f, const PciDevice *d) {
        size_t members = 0;
        bool other = false;
        for (size_t i = 0; i < f->n_devices; i++) {
                const PciDevice *m = &f->devices[i];
                if (m->group != KNOWN_PRESENT || m->group_id != d->group_id)
                        continue;
                members++;
                if (m == d || bridge_like(m) || pci_same_card(m->address, d->address))
                        continue;
                other = true;
                probe_line_emit(e, "group %u of %s: also holds %s [%04x:%04x] class=%06x (another device)",
                                d->group_id, d->address, m->address, m->vendor, m->device, m->class_code);
        }
        if (!other)
                probe_line_emit(
                        e, "group %u of %s: holds only the functions of its card and bridges (%zu member%s)",
                        d->group_id, d->address, members, members == 1 ? "" : "s");
}

/* Whether a device with no reset of its own is still reset by a bus reset: it sits behind a bridge and every
 * other device on its bus is in its IOMMU group, so they go to one VM together and vfio resets the bus (the
 * kernel's vfio_pci_dev_set_try_reset(), QEMU's hot reset). reset_method is no guide here: the kernel offers
 * "bus" to the first device found on a bus and not to those found after it. */
static bool reset_by_bus_with_group(const HostFacts *f, const PciDevice *d) {
        if (!d->upstream[0] || d->group != KNOWN_PRESENT || !host_find_device(f, d->upstream))
                return false;
        for (size_t i = 0; i < f->n_devices; i++) {
                const PciDevice *m = &f->devices[i];
                if (m != d && strcmp(m->upstream, d->upstream) == 0 &&
                    (m->group != KNOWN_PRESENT || m->group_id != d->group_id))
                        return false;
        }
        return true;
}

static void emit_device(ProbeLineEmitter *e, const HostFacts *f, const char *address) {
        const PciDevice *d = host_find_device(f, address);
        if (!d) {
                if (f->pci == KNOWN_PRESENT)
                        probe_line_emit(e, "device %s: absent", address);
                return;
        }
        char group[16];
        if (d->group == KNOWN_PRESENT)
                snprintf(group, sizeof(group), "%u", d->group_id);
        else
                snprintf(group, sizeof(group), "none");
        probe_line_emit(e, "device %s: id=%04x:%04x class=%06x type=%s driver=%s group=%s power=%s reset=%s",
                        d->address, d->vendor, d->device, d->class_code, d->bridge ? "bridge" : "endpoint",
                        d->driver == KNOWN_PRESENT ? d->driver_name : "none", group,
                        d->power_state[0] ? d->power_state : "?",
                        d->reset_method[0]                      ? d->reset_method
                                : reset_by_bus_with_group(f, d) ? "none (its bus is reset with its group)"
                                                                : "none");
        if (d->driver_override[0])
                probe_line_emit(e, "device %s: driver_override=%s", d->address, d->driver_override);
        if (d->boot_vga == 1)
                probe_line_emit(e, "boot-vga %s: boot_vga=1", d->address);
        emit_large_bars(e, d);
        emit_console(e, f, d);
        bool on_vfio = d->driver == KNOWN_PRESENT && strcmp(d->driver_name, "vfio-pci") == 0;
        for (size_t i = 0; i < f->n_vfio_ids && !on_vfio && d->driver == KNOWN_PRESENT; i++)
                if (f->vfio_ids[i].vendor == d->vendor && f->vfio_ids[i].device == d->device) {
                        probe_line_emit(
                                e,
                                "device %s: id %04x:%04x is in vfio-pci ids= of %s but the device is on %s (softdep: %s)",
                                d->address, d->vendor, d->device, f->vfio_ids[i].source, d->driver_name,
                                has_softdep(f, d->driver_name) ? "yes" : "no");
                        break;
                }
        const char *own = d->driver == KNOWN_PRESENT ? d->driver_name : "none";

        const PciDevice *up = d->upstream[0] ? host_find_device(f, d->upstream) : NULL;
        if (up && up->acs != KNOWN_NOT_PROBED) {
                char flags[32] = "";
                static const char *const names[] = {"SV", "TB", "RR", "CR", "UF"};
                for (unsigned b = 0; b < 5; b++)
                        if (up->acs_ctrl & (1u << b))
                                snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags), "%s%s",
                                         flags[0] ? "," : "", names[b]);
                probe_line_emit(e, "upstream %s: bridge %s [%04x:%04x] acs=%s", d->address, up->address,
                                up->vendor, up->device,
                                up->acs == KNOWN_ABSENT ? "none"
                                        : flags[0]      ? flags
                                                        : "off");
        }
        if (d->group == KNOWN_PRESENT) {
                for (size_t i = 0; i < f->n_devices; i++) {
                        const PciDevice *m = &f->devices[i];
                        if (m == d || m->group != KNOWN_PRESENT || m->group_id != d->group_id ||
                            !pci_device_blocks_group(m))
                                continue;
                        probe_line_emit(
                                e,
                                "group %u of %s (on %s): member %s [%04x:%04x] class=%06x on %s blocks the group (%s)",
                                d->group_id, d->address, own, m->address, m->vendor, m->device,
                                m->class_code, m->driver_name,
                                pci_same_card(m->address, d->address) ? "same card" : "another device");
                }
                emit_group_composition(e, f, d);
                const FileNode *n = group_node(f, d->group_id);
                if (n && n->state == KNOWN_PRESENT && f->qemu_ids == KNOWN_PRESENT &&
                    !may_open(n, f->qemu_uid, f->qemu_gid, NULL, 0))
                        probe_line_emit(e, "group-node %s: %s not openable by %s (owner %s:%s mode %04o)",
                                        d->address, n->path, f->qemu_user, n->owner[0] ? n->owner : "?",
                                        n->group_name[0] ? n->group_name : "?", n->mode);
        }
        if (d->group == KNOWN_PRESENT && f->self_ids == KNOWN_PRESENT) {
                const FileNode *n = group_node(f, d->group_id);
                if (n && n->state == KNOWN_PRESENT &&
                    !may_open(n, f->self_uid, f->self_gid, f->self_groups, f->n_self_groups))
                        probe_line_emit(
                                e, "group-node %s: %s not openable by you (uid %u; owner %s:%s mode %04o)",
                                d->address, n->path, f->self_uid, n->owner[0] ? n->owner : "?",
                                n->group_name[0] ? n->group_name : "?", n->mode);
        }
        /* The running QEMU that has this device: can its own credentials open the group node? */
        const MemlockFact *m = host_qemu_holding(f, d->address);
        const FileNode *n = d->group == KNOWN_PRESENT ? group_node(f, d->group_id) : NULL;
        if (m && m->ids == KNOWN_PRESENT && n && n->state == KNOWN_PRESENT &&
            !may_open(n, m->uid, m->gid, m->groups, m->n_groups))
                probe_line_emit(
                        e,
                        "group-node %s: %s not openable by %u (owner %s:%s mode %04o) as QEMU pid %d runs",
                        d->address, n->path, m->uid, n->owner[0] ? n->owner : "?",
                        n->group_name[0] ? n->group_name : "?", n->mode, m->pid);
        for (size_t i = 0; i < f->n_framebuffers; i++) {
                const FramebufferHold *h = &f->framebuffers[i];
                if (strcmp(h->device, d->address) != 0)
                        continue;
                BootFramebuffer kind = boot_framebuffer_from_name(h->name);
                if (kind == BOOT_FB_UNKNOWN)
                        kind = boot_framebuffer_from_name(h->driver);
                char driver[40] = "";
                if (h->driver[0])
                        snprintf(driver, sizeof(driver), " (%s)", h->driver);
                probe_line_emit(
                        e,
                        "framebuffer %s%s: [mem 0x%llx-0x%llx] inside BAR %d of %s%s; released by %s on linux %s",
                        h->name, driver, h->start, h->end, h->bar, d->address,
                        d->boot_vga == 1 ? " (boot_vga=1)" : "",
                        boot_framebuffer_param(kind, f->kernel_release),
                        f->kernel_release[0] ? f->kernel_release : "?");
        }
}

static bool meant_for_vfio(const PciDevice *d) {
        return (d->driver == KNOWN_PRESENT && strcmp(d->driver_name, "vfio-pci") == 0) ||
                strcmp(d->driver_override, "vfio-pci") == 0;
}

int probe_lines(const HostFacts *f, PciAddress *devices, size_t n_devices, probe_line_fn fn,
                void *userdata) {
        ProbeLineEmitter e = {.fn = fn, .userdata = userdata};
        if (!f->root)
                return 0;
        emit_host(&e, f);
        /* A guest's logs name no host device: the large BARs of what vfio-pci has are the ones a guest's
         * window must hold. */
        for (size_t i = 0; i < f->n_devices; i++)
                if (meant_for_vfio(&f->devices[i]))
                        emit_large_bars(&e, &f->devices[i]);
        for (size_t i = 0; i < n_devices; i++)
                emit_device(&e, f, devices[i]);
        return e.r;
}

size_t probe_vfio_devices(const HostFacts *f, PciAddress *out, size_t max) {
        size_t n = 0;
        for (size_t i = 0; i < f->n_devices && n < max; i++) {
                const PciDevice *d = &f->devices[i];
                /* Bridges (class 06) and the IOMMU's own PCI function (class 0806) are never candidates. */
                bool candidate =
                        !d->bridge && (d->class_code >> 16) != 0x06 && (d->class_code >> 8) != 0x0806;
                bool unused = d->driver == KNOWN_ABSENT && candidate;
                if (unused ||
                    (d->driver == KNOWN_PRESENT &&
                     (strcmp(d->driver_name, "vfio-pci") == 0 || strcmp(d->driver_name, "pci-stub") == 0)) ||
                    strcmp(d->driver_override, "vfio-pci") == 0)
                        snprintf(out[n++], 16, "%s", d->address);
        }
        return n;
}
