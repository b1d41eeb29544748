/* SPDX-License-Identifier: MIT */
/* What lines tell of the host they come from: architecture, CPU vendor, IOMMU lines of a boot, versions,
 * host names and the PCI devices with their ids, for conditions and for telling another machine's input. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "pci_address.h"
#include "strparse.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

void context_done(HostContext *c) {
        free(c->epochs);
        free(c->devices);
        free(c->listed);
        *c = (HostContext){0};
}

static EpochInfo *epoch_info(HostContext *c, unsigned epoch) {
        if (epoch >= VX_EPOCHS_TRACKED)
                return NULL;
        if (epoch >= c->n_epochs) {
                size_t n = MAX((size_t) epoch + 1, c->n_epochs * 2);
                n = MIN(MAX(n, (size_t) 4), (size_t) VX_EPOCHS_TRACKED);
                EpochInfo *e = realloc(c->epochs, n * sizeof(EpochInfo));
                if (!e)
                        return NULL;
                memset(e + c->n_epochs, 0, (n - c->n_epochs) * sizeof(EpochInfo));
                c->epochs = e;
                c->n_epochs = n;
        }
        return &c->epochs[epoch];
}

const EpochInfo *context_epoch(const HostContext *c, unsigned epoch) {
        return epoch < c->n_epochs ? &c->epochs[epoch] : NULL;
}

static DeviceNote *find_device(const HostContext *c, const char *address) {
        for (size_t i = 0; i < c->n_devices; i++)
                if (strcmp(c->devices[i].address, address) == 0)
                        return &c->devices[i];
        return NULL;
}

const DeviceNote *context_device(const HostContext *c, const char *address) {
        return address && address[0] ? find_device(c, address) : NULL;
}

int context_note_device(HostContext *c, const DeviceNote *d) {
        DeviceNote *n = find_device(c, d->address);
        if (!n) {
                if (c->n_devices >= VX_DEVICE_NOTES_MAX)
                        return 0;
                if (c->n_devices % 16 == 0) {
                        DeviceNote *a = realloc(c->devices, (c->n_devices + 16) * sizeof(DeviceNote));
                        if (!a)
                                return -ENOMEM;
                        c->devices = a;
                }
                n = &c->devices[c->n_devices++];
                *n = (DeviceNote){.vendor = -1, .device = -1, .class_code = -1, .host_class = -1};
                snprintf(n->address, sizeof(n->address), "%s", d->address);
        }
        /* the first that says it */
        if (n->vendor < 0 && d->vendor >= 0) {
                n->vendor = d->vendor;
                n->device = d->device;
                n->line = d->line;
        }
        if (n->class_code < 0 && d->class_code >= 0)
                n->class_code = d->class_code;
        if (n->host_class < 0 && d->host_class >= 0)
                n->host_class = d->host_class;
        n->vf = n->vf || d->vf;
        return 0;
}

static int device_class_code(const DeviceNote *n) {
        return n->class_code >= 0 ? n->class_code : n->host_class;
}

unsigned context_device_classes(const HostContext *c, const char *address) {
        const DeviceNote *n = context_device(c, address);
        if (!n)
                return 0;
        int code = device_class_code(n);
        unsigned bits = code >= 0 ? device_class_bits((unsigned) code) : 0;
        if (n->vf)
                bits |= 1u << DEVICE_CLASS_VF;
        /* An audio function of a card whose function 0 is a display controller: a GPU's HDMI/DP audio. */
        const char *dot = strrchr(n->address, '.');
        if ((bits & (1u << DEVICE_CLASS_AUDIO)) && dot && dot[1] != '0') {
                char zero[16];
                snprintf(zero, sizeof(zero), "%.*s.0", (int) (dot - n->address), n->address);
                const DeviceNote *f0 = find_device(c, zero);
                int c0 = f0 ? device_class_code(f0) : -1;
                if (c0 >= 0 && (device_class_bits((unsigned) c0) & (1u << DEVICE_CLASS_DISPLAY)))
                        bits |= 1u << DEVICE_CLASS_GPU_AUDIO;
        }
        return bits;
}

static void note_arch(HostContext *c, const char *s, size_t len) {
        int a = arch_family_of(s, len);
        if (a >= 0)
                c->arch_mask |= 1u << a;
}

/* "Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org) (x86_64-linux-gnu-gcc-12 ...) #1 SMP ...":
 * the release, and the architecture where the release or the compiler names it. */
static void note_banner(HostContext *c, EpochInfo *e, Span text) {
        Span t = text, release;
        if (!span_eat_literal(&t, "Linux version ") || !span_eat_until(&t, ' ', &release))
                return;
        if (e) {
                e->boot_start = true;
                e->linux_known = version_parse(release.p, release.len, e->linux_version) == 0;
        }
        static const char *const arch_words[] = {"amd64", "x86_64", "arm64",   "aarch64",
                                                 "ppc64", "s390x",  "riscv64", "loongarch64"};
        for (size_t i = 0; i < ELEMENTSOF(arch_words); i++) {
                const char *w = span_find(text, arch_words[i]);
                if (w)
                        note_arch(c, w, strlen(arch_words[i]));
        }
}

/* "pci 0000:01:00.0: [10de:1b80] type 00 class 0x030000" (drivers/pci/probe.c pci_setup_device(); 6.8 on add
 * " PCIe Legacy Endpoint" and the like) */
static void note_enumeration(HostContext *c, Span text) {
        Span t = text, addr;
        uint64_t v, d, cls;
        DeviceNote n = {.vendor = -1, .device = -1, .class_code = -1, .host_class = -1};
        if (!span_eat_literal(&t, "pci ") || !span_eat_until(&t, ':', &addr))
                return;
        /* the address holds colons: take it up to ": [" */
        t = text;
        span_advance(&t, 4);
        const char *end = span_find(t, ": [");
        if (!end || pci_address_normalize(t.p, (size_t) (end - t.p), n.address) < 0)
                return;
        span_advance(&t, (size_t) (end - t.p) + 3);
        if (!span_eat_xdigits(&t, 4, &v) || !span_eat_char(&t, ':') || !span_eat_xdigits(&t, 4, &d) ||
            !span_eat_literal(&t, "] type ") || !span_eat_xdigits(&t, 2, NULL) ||
            !span_eat_literal(&t, " class 0x") || !span_eat_xdigits(&t, 6, &cls))
                return;
        n.vendor = (int) v;
        n.device = (int) d;
        n.class_code = (int) cls;
        (void) context_note_device(c, &n);
}

static void note_hostname(HostContext *c, Span host) {
        if (host.len == 0 || host.len > 64)
                return;
        for (size_t i = 0; i < c->n_hostnames; i++)
                if (strlen(c->hostnames[i]) == host.len && memcmp(c->hostnames[i], host.p, host.len) == 0)
                        return;
        if (c->n_hostnames >= VX_INPUT_HOSTNAMES_MAX)
                return;
        for (size_t i = 0; i < host.len; i++)
                if ((unsigned char) host.p[i] <= ' ' || host.p[i] == 0x7f)
                        return;
        memcpy(c->hostnames[c->n_hostnames], host.p, host.len);
        c->hostnames[c->n_hostnames++][host.len] = 0;
}

/* libvirt's first line of a domain's log at each start (src/qemu/qemu_process.c qemuProcessLogCommandLine(),
 * qemuLogOperation()): "starting up libvirt version: 9.0.0, package: 9.0.0-4 (Debian), qemu version:
 * 7.2.9Debian 1:7.2+dfsg-7+deb12u5, kernel: 6.1.0-21-amd64, hostname: pve" */
static void note_libvirt_start(HostContext *c, EpochInfo *e, Span text) {
        const char *q = span_find(text, "qemu version: ");
        if (!q)
                return;
        Span t = span_make(q + 14, text.len - (size_t) (q + 14 - text.p));
        c->qemu_known = version_parse(t.p, t.len, c->qemu_version) == 0;
        const char *k = span_find(t, ", kernel: ");
        if (k && e && !e->linux_known) {
                Span kr = span_make(k + 10, t.len - (size_t) (k + 10 - t.p));
                e->linux_known = version_parse(kr.p, kr.len, e->linux_version) == 0;
        }
        const char *h = span_find(t, ", hostname: ");
        if (h) {
                Span host = span_make(h + 12, t.len - (size_t) (h + 12 - t.p));
                span_trim(&host);
                note_hostname(c, host);
        }
}

/* The end of a PCI address token at s[i..len) ("01:00.0", "0000:01:00.0", a blank or the end after it), 0 if
 * none is there. */
static size_t address_token(const char *s, size_t i, size_t len) {
        size_t k = i;
        while (k < len && (span_is_xdigit(s[k]) || s[k] == ':' || s[k] == '.'))
                k++;
        if (k - i < 7 || k - i >= PCI_ADDRESS_SIZE || (k < len && s[k] != ' ' && s[k] != '\t') ||
            s[k - 2] != '.')
                return 0;
        PciAddress a;
        return pci_address_normalize(s + i, k - i, a) == 0 ? k : 0;
}

static bool listed_bridge(Span member) {
        /* -nn: the class in brackets after its name; without -nn the name alone */
        return span_find(member, " [0604]: ") || span_find(member, " [0609]: ") ||
                (!span_find(member, "]: ") && span_find(member, " PCI bridge"));
}

/* "IOMMU Group 1 01:00.0 VGA compatible controller [0300]: ..." (a loop over
 * /sys/kernel/iommu_groups/N/devices printing lspci -nns of each, one line a member), or the heading
 * "IOMMU Group 1:" joined with its TAB-indented member lines (the Arch wiki's loop). */
static void note_group_listing(HostContext *c, unsigned epoch, Span text, unsigned joined) {
        Span t = text;
        uint64_t group;
        if (!span_eat_literal(&t, "IOMMU ") ||
            !(span_eat_literal(&t, "Group ") || span_eat_literal(&t, "group ")) ||
            !span_eat_digits(&t, 1, 10, &group) || group > UINT32_MAX)
                return;
        size_t starts[VX_JOIN_LINES_MAX + 2], n = 0;
        for (size_t i = 0; i < t.len && n < ELEMENTSOF(starts) - 1; i++)
                if ((i == 0 || t.p[i - 1] == ' ' || t.p[i - 1] == '\t') && address_token(t.p, i, t.len))
                        starts[n++] = i;
        bool whole = joined > 0 && joined < VX_JOIN_LINES_MAX && n == joined,
             cut = joined >= VX_JOIN_LINES_MAX;
        starts[n] = t.len;
        for (size_t m = 0; m < n; m++) {
                if (c->n_listed >= VX_LISTED_MEMBERS_MAX)
                        return;
                size_t end = address_token(t.p, starts[m], t.len);
                ListedMember l = {.group = (unsigned) group, .epoch = epoch, .whole = whole, .cut = cut};
                (void) pci_address_normalize(t.p + starts[m], end - starts[m], l.address);
                l.bridge = listed_bridge((Span){t.p + starts[m], starts[m + 1] - starts[m]});
                bool seen = false;
                for (size_t k = 0; k < c->n_listed && !seen; k++)
                        if (c->listed[k].group == l.group && c->listed[k].epoch == epoch &&
                            strcmp(c->listed[k].address, l.address) == 0) {
                                c->listed[k].whole = c->listed[k].whole || whole;
                                c->listed[k].cut = c->listed[k].cut || cut;
                                seen = true;
                        }
                if (seen)
                        continue;
                if (c->n_listed % 32 == 0) {
                        ListedMember *a = realloc(c->listed, (c->n_listed + 32) * sizeof(ListedMember));
                        if (!a)
                                return;
                        c->listed = a;
                }
                c->listed[c->n_listed++] = l;
        }
}

static bool listed_same_card(const char *a, const char *b) {
        const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
        return da && db && da - a == db - b && strncmp(a, b, (size_t) (da - a)) == 0;
}

ListedGroup context_listed_group(const HostContext *c, size_t i) {
        const ListedMember *d = &c->listed[i];
        bool other = false, whole = false, cut = false, other_groups = false;
        for (size_t k = 0; k < c->n_listed; k++) {
                const ListedMember *m = &c->listed[k];
                if (m->epoch != d->epoch)
                        continue;
                if (m->group != d->group) {
                        other_groups = true;
                        continue;
                }
                whole = whole || m->whole;
                cut = cut || m->cut;
                if (k != i && !m->bridge && !listed_same_card(m->address, d->address))
                        other = true;
        }
        if (other)
                return LISTED_OTHERS;
        /* A listing of one group, one line a member, may be a grep for the card's lines: not its whole
         * group; one of several groups is the loop's whole output. */
        return !cut && (whole || other_groups) ? LISTED_CARD_ONLY : LISTED_NONE;
}

void context_note_line(HostContext *c, unsigned epoch, const Line *line, unsigned joined) {
        EpochInfo *e = epoch_info(c, epoch);
        if (line->host.len)
                note_hostname(c, line->host);
        for (size_t v = 0; v < line->n_views; v++) {
                Span text = line->views[v].text;
                if (text.len == 0)
                        continue;
                switch (line->views[v].source) {
                case SOURCE_KERNEL:
                        if (text.p[0] == 'L') {
                                note_banner(c, e, text);
                                break;
                        }
                        if (span_starts_with(text, "DMAR")) {
                                c->cpu_mask |= 1u << ANALYSIS_CPU_INTEL;
                                c->arch_mask |= 1u << ARCH_X86;
                                if (e)
                                        e->iommu_lines = true;
                        } else if (span_starts_with(text, "AMD-Vi")) {
                                c->cpu_mask |= 1u << ANALYSIS_CPU_AMD;
                                c->arch_mask |= 1u << ARCH_X86;
                                if (e)
                                        e->iommu_lines = true;
                        } else if (span_find(text, "smmu")) {
                                c->arch_mask |= 1u << ARCH_ARM;
                                if (e)
                                        e->iommu_lines = true;
                        } else if (span_find(text, ": Adding to iommu group ")) {
                                if (e)
                                        e->iommu_lines = true;
                        } else if (span_starts_with(text, "pci "))
                                note_enumeration(c, text);
                        else if (span_starts_with(text, "IOMMU "))
                                note_group_listing(c, epoch, text, joined);
                        break;
                case SOURCE_UNKNOWN:
                        if (span_starts_with(text, "IOMMU "))
                                note_group_listing(c, epoch, text, joined);
                        break;
                case SOURCE_QEMU:
                        /* qemu-system-aarch64, not qemu-kvm (RHEL's, any architecture) */
                        if (line->ident.len > 12 && memcmp(line->ident.p, "qemu-system-", 12) == 0)
                                note_arch(c, line->ident.p + 12, line->ident.len - 12);
                        break;
                case SOURCE_LIBVIRT:
                        if (span_find(text, "starting up libvirt version: "))
                                note_libvirt_start(c, e, text);
                        break;
                default:
                        break;
                }
        }
}
