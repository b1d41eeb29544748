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
        free(c->pasted_devices);
        free(c->pasted_ids);
        free(c->assigned);
        free(c->pasted_lsmod);
        free(c->pasted_ulimit);
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
        const DeviceNote *n = address && address[0] ? find_device(c, address) : NULL;
        return n && !n->guest ? n : NULL;
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
                n->listed_input = d->listed_input;
                n->listed_epoch = d->listed_epoch;
        } else if (n->guest) {
                /* a guest's listing said nothing of the host: what says something replaces it */
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
                const DeviceNote *f0 = context_device(c, zero);
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

void context_note_prompt(HostContext *c, Span prompt) {
        const char *at = memchr(prompt.p, '@', prompt.len);
        if (!at)
                return;
        Span host = span_make(at + 1, prompt.len - (size_t) (at + 1 - prompt.p));
        size_t n = 0;
        while (n < host.len && host.p[n] != ':' && host.p[n] != ' ' && host.p[n] != ']')
                n++;
        /* "user@host:dir# ", "[user@host dir]# ", "user@host dir $ "; not "user@host" alone */
        if (n == 0 || n == host.len)
                return;
        note_hostname(c, span_make(host.p, n));
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

static bool first_ids(Span t, int *vendor, int *device);

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
                Span member = {t.p + starts[m], starts[m + 1] - starts[m]};
                l.bridge = listed_bridge(member);
                /* -nns: the member's ids, which tell whose host the listing is */
                DeviceNote note = {.vendor = -1, .device = -1, .class_code = -1, .host_class = -1};
                memcpy(note.address, l.address, sizeof(PciAddress));
                if (first_ids(member, &note.vendor, &note.device))
                        (void) context_note_device(c, &note);
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

/* pciutils lib/names.c pci_lookup_name() class names (pci.ids) of the classes conditions name, for a listing
 * without -nn: lspci -k's header "01:00.0 VGA compatible controller: NVIDIA ..." */
static int class_of_name(Span name) {
        static const struct {
                const char *name;
                int code;
        } names[] = {
                {"PCI bridge", 0x060400},         {"VGA compatible controller", 0x030000},
                {"3D controller", 0x030200},      {"Display controller", 0x038000},
                {"Audio device", 0x040300},       {"Multimedia audio controller", 0x040100},
                {"USB controller", 0x0c0300},     {"Non-Volatile memory controller", 0x010800},
                {"SATA controller", 0x010600},    {"Ethernet controller", 0x020000},
                {"Network controller", 0x028000},
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (name.len == strlen(names[i].name) && memcmp(name.p, names[i].name, name.len) == 0)
                        return names[i].code;
        return -1;
}

/* The first "[vvvv:dddd]" of t: lspci -nn's ids after the device's name (its subsystem's come later). */
static bool first_ids(Span t, int *vendor, int *device) {
        for (size_t i = 0; i + 11 <= t.len; i++) {
                Span s = span_make(t.p + i, t.len - i);
                uint64_t v, d;
                if (span_eat_char(&s, '[') && span_eat_xdigits(&s, 4, &v) && span_eat_char(&s, ':') &&
                    span_eat_xdigits(&s, 4, &d) && span_eat_char(&s, ']')) {
                        *vendor = (int) v;
                        *device = (int) d;
                        return true;
                }
        }
        return false;
}

/* QEMU's own devices, which a host does not have: Red Hat's vendor ids (pci.ids "1af4 Red Hat, Inc.":
 * virtio; "1b36 Red Hat, Inc.": QEMU's PCI bridges, PCIe root ports, XHCI ...) and QEMU's standard VGA
 * (1234:1111, hw/display vga-pci.c). An lspci -nn listing that holds one is a guest's. */
static bool qemu_device_ids(int vendor, int device) {
        return vendor == 0x1af4 || vendor == 0x1b36 || (vendor == 0x1234 && device == 0x1111);
}

static bool guest_listing(const HostContext *c, const char *input, unsigned epoch) {
        for (size_t i = 0; i < c->n_guest_listings; i++)
                if (c->guest_listings[i].input == input && c->guest_listings[i].epoch == epoch)
                        return true;
        return false;
}

/* The lspci listing pasted in input at epoch is a guest's: what it noted of devices is no host's. */
static void note_guest_listing(HostContext *c, const char *input, unsigned epoch) {
        if (guest_listing(c, input, epoch) || c->n_guest_listings >= VX_GUEST_LISTINGS_MAX)
                return;
        c->guest_listings[c->n_guest_listings].input = input;
        c->guest_listings[c->n_guest_listings++].epoch = epoch;
        for (size_t i = 0; i < c->n_devices; i++)
                if (c->devices[i].listed_input == input && c->devices[i].listed_epoch == epoch)
                        c->devices[i].guest = true;
        for (size_t i = 0; i < c->n_pasted_devices; i++)
                if (c->pasted_devices[i].input == input && c->pasted_devices[i].epoch == epoch)
                        c->pasted_devices[i].guest = true;
}

/* A pasted lspci header (pciutils lspci.c show_device(): "%s %s [%04x]: %s [%04x:%04x]" with -nn, "%s %s:
 * %s" without), joined with its TAB-indented lines under -k (ls-kernel.c show_kernel(): "Kernel driver in
 * use: %s", "Kernel modules: %s"): the device's class and ids for conditions, and its driver. */
static void note_lspci_header(HostContext *c, unsigned epoch, Span text, unsigned joined,
                              const ContextWhere *where) {
        const char *input = where ? where->input : NULL;
        size_t end = address_token(text.p, 0, text.len);
        /* An address alone on its line (a grep'd listing cut after it) has no class or name to read. */
        if (!end || end + 1 >= text.len)
                return;
        PastedDevice p = {.epoch = epoch, .vendor = -1, .device = -1};
        DeviceNote n = {.vendor = -1, .device = -1, .class_code = -1, .host_class = -1};
        if (pci_address_normalize(text.p, end, p.address) < 0)
                return;
        Span t = span_make(text.p + end + 1, text.len - end - 1), name;
        const char *colon = span_find(t, ": ");
        if (!colon)
                return;
        name = span_make(t.p, (size_t) (colon - t.p));
        uint64_t cls;
        /* -nn: "VGA compatible controller [0300]" */
        if (name.len > 7 && name.p[name.len - 1] == ']' && name.p[name.len - 6] == '[' &&
            name.p[name.len - 7] == ' ') {
                Span code = span_make(name.p + name.len - 5, 4);
                if (!span_eat_xdigits(&code, 4, &cls))
                        return;
                n.class_code = (int) (cls << 8);
                Span rest = span_make(colon + 2, text.len - (size_t) (colon + 2 - text.p));
                (void) first_ids(rest, &p.vendor, &p.device);
        } else
                n.class_code = class_of_name(name);
        /* Told by the ids of -nn, whose header holds a literal of the prefilter's (PREFILTER_EXACT_LITERALS'
         * class names), or by pci.ids' vendor name of both ids, "Red Hat, Inc.", in a header joined with its
         * -k or -v lines (reading by blocks lets it through with them): so reading by blocks tells it where
         * reading every line does. */
        Span vendor_name = span_make(colon + 2, text.len - (size_t) (colon + 2 - text.p));
        if (input &&
            (qemu_device_ids(p.vendor, p.device) ||
             (joined > 0 && span_starts_with(vendor_name, "Red Hat, Inc. "))))
                note_guest_listing(c, input, epoch);
        if (input && guest_listing(c, input, epoch))
                return;
        p.input = input;
        n.listed_input = input;
        n.listed_epoch = epoch;
        snprintf(n.address, sizeof(n.address), "%s", p.address);
        n.vendor = p.vendor;
        n.device = p.device;
        if (n.class_code >= 0 || n.vendor >= 0)
                (void) context_note_device(c, &n);
        if (joined == 0)
                return;
        const char *drv = span_find(text, " Kernel driver in use: ");
        const char *mods = span_find(text, " Kernel modules: ");
        if (!drv && !mods)
                return;
        p.kernel_lines = true;
        if (drv) {
                Span d = span_make(drv + 23, text.len - (size_t) (drv + 23 - text.p)), word;
                if (!span_eat_until(&d, ' ', &word))
                        word = d;
                snprintf(p.driver, sizeof(p.driver), "%.*s", (int) MIN(word.len, sizeof(p.driver) - 1),
                         word.p);
        }
        for (size_t i = 0; i < c->n_pasted_devices; i++)
                if (c->pasted_devices[i].epoch == epoch &&
                    strcmp(c->pasted_devices[i].address, p.address) == 0) {
                        c->pasted_devices[i] = p;
                        return;
                }
        if (c->n_pasted_devices >= VX_PASTED_DEVICES_MAX)
                return;
        if (c->n_pasted_devices % 16 == 0) {
                PastedDevice *a =
                        realloc(c->pasted_devices, (c->n_pasted_devices + 16) * sizeof(PastedDevice));
                if (!a)
                        return;
                c->pasted_devices = a;
        }
        c->pasted_devices[c->n_pasted_devices++] = p;
}

/* "10de:1b80,10de:10f0" (vfio-pci's ids= takes "vendor:device[:subvendor[:subdevice[:class[:mask]]]]", comma
 * separated: drivers/vfio/pci/vfio_pci.c vfio_pci_fill_ids()) */
static void parse_ids(PastedIds *p, Span t) {
        while (t.len > 0 && p->n_ids < ELEMENTSOF(p->ids)) {
                uint64_t v, d;
                if (!span_eat_xdigits(&t, 4, &v) || !span_eat_char(&t, ':') || !span_eat_xdigits(&t, 4, &d))
                        return;
                p->ids[p->n_ids++] = (uint32_t) (v << 16 | d);
                while (t.len > 0 && t.p[0] != ',' && t.p[0] != ' ' && t.p[0] != '"')
                        span_advance(&t, 1);
                if (!span_eat_char(&t, ','))
                        return;
        }
}

/* A vfio-pci ids= setting pasted: kmod's modprobe.d(5) "options vfio-pci ids=..." (the module's name with
 * '-' or '_'), as cat prints it or grep -r with "FILE:" before it; "vfio-pci.ids=" on a pasted /proc/cmdline
 * (the kernel's own parameter syntax, kernel/params.c). And modprobe.d's "softdep DRIVER pre: vfio-pci". */
static void note_vfio_settings(HostContext *c, unsigned epoch, Span text, const ContextWhere *where) {
        Span t = text, file = {0};
        const char *cut = span_find(t, ".conf:");
        if (span_starts_with(t, "/etc/modprobe.d/") && cut) {
                file = span_make(t.p, (size_t) (cut + 5 - t.p));
                span_advance(&t, file.len + 1);
        }
        /* modprobe.d(5): a '#' starts a comment, which the paste stage reads as a root prompt */
        if (where && where->raw) {
                const char *hash = memchr(where->raw, '#', where->len);
                Span raw = span_make(where->raw, where->len);
                const char *word = span_find(raw, "options ");
                if (!word)
                        word = span_find(raw, "softdep ");
                if (hash && word && hash < word)
                        return;
        }
        if (span_eat_literal(&t, "softdep ")) {
                if (span_find(t, " pre: vfio-pci") || span_find(t, " pre: vfio_pci"))
                        c->pasted_softdep = true;
                return;
        }
        const char *ids = NULL;
        bool cmdline = false;
        if (span_eat_literal(&t, "options vfio-pci ") || span_eat_literal(&t, "options vfio_pci ")) {
                ids = span_find(t, "ids=");
                if (ids && ids > t.p && ids[-1] != ' ')
                        ids = NULL;
        } else if (span_starts_with(t, "BOOT_IMAGE=") || span_starts_with(t, "initrd=")) {
                ids = span_find(t, " vfio-pci.ids=");
                if (!ids)
                        ids = span_find(t, " vfio_pci.ids=");
                ids = ids ? ids + 10 : NULL;
                cmdline = true;
        }
        if (!ids || c->n_pasted_ids >= VX_PASTED_IDS_SETTINGS_MAX || !where)
                return;
        if (!c->pasted_ids && !(c->pasted_ids = calloc(VX_PASTED_IDS_SETTINGS_MAX, sizeof(PastedIds))))
                return;
        PastedIds *p = &c->pasted_ids[c->n_pasted_ids];
        *p = (PastedIds){.epoch = epoch, .input = where->input, .line = where->line};
        parse_ids(p, span_make(ids + 4, t.len - (size_t) (ids + 4 - t.p)));
        if (p->n_ids == 0)
                return;
        snprintf(p->text, sizeof(p->text), "%.*s", (int) MIN(where->len, sizeof(p->text) - 1), where->raw);
        if (cmdline)
                snprintf(p->where, sizeof(p->where), "/proc/cmdline");
        else if (file.len > 0)
                snprintf(p->where, sizeof(p->where), "%.*s", (int) MIN(file.len, sizeof(p->where) - 1),
                         file.p);
        else
                snprintf(p->where, sizeof(p->where), "/etc/modprobe.d/");
        c->n_pasted_ids++;
}

const PastedIds *context_pasted_ids_of(const HostContext *c, unsigned epoch, int vendor, int device) {
        if (vendor < 0 || device < 0)
                return NULL;
        uint32_t id = (uint32_t) vendor << 16 | (uint32_t) device;
        for (size_t i = 0; i < c->n_pasted_ids; i++)
                if (c->pasted_ids[i].epoch == epoch)
                        for (size_t k = 0; k < c->pasted_ids[i].n_ids; k++)
                                if (c->pasted_ids[i].ids[k] == id)
                                        return &c->pasted_ids[i];
        return NULL;
}

/* The PCI address t starts with, up to the colon that ends a dev_printk or QEMU prefix. */
static bool leading_address(Span t, PciAddress ret) {
        size_t k = 0;
        while (k < t.len && k < PCI_ADDRESS_SIZE &&
               (span_is_xdigit(t.p[k]) || t.p[k] == ':' || t.p[k] == '.'))
                k++;
        if (k > 0 && t.p[k - 1] == ':')
                k--;
        return k >= 7 && pci_address_normalize(t.p, k, ret) == 0;
}

static void note_assigned(HostContext *c, unsigned epoch, const char *address, const ContextWhere *where) {
        const char *input = where ? where->input : NULL;
        for (size_t i = 0; i < c->n_assigned; i++)
                if (c->assigned[i].input == input && c->assigned[i].epoch == epoch &&
                    strcmp(c->assigned[i].address, address) == 0)
                        return;
        if (c->n_assigned >= VX_ASSIGNED_NOTES_MAX)
                return;
        if (c->n_assigned % 16 == 0) {
                AssignedNote *a = realloc(c->assigned, (c->n_assigned + 16) * sizeof(AssignedNote));
                if (!a)
                        return;
                c->assigned = a;
        }
        AssignedNote *n = &c->assigned[c->n_assigned++];
        *n = (AssignedNote){.input = input, .epoch = epoch, .line = where ? where->line : 0};
        snprintf(n->address, sizeof(n->address), "%s", address);
}

/* A line that shows a device handed to vfio or a VMM: the kernel's vfio-pci naming it ("vfio-pci
 * 0000:01:00.0: ...", its dev_printk prefix), QEMU's vfio-pci option (-device vfio-pci,host=) or message
 * prefix ("vfio 0000:01:00.0: "), the iommu trace event of a device on vfio-pci, libvirt's "PCI device
 * ADDR". */
static void note_assigned_line(HostContext *c, unsigned epoch, const Line *line, Source source, Span text,
                               const ContextWhere *where) {
        PciAddress addr;
        Span t = text;
        const char *at;
        bool found = false;

        switch (source) {
        case SOURCE_KERNEL:
                found = (span_eat_literal(&t, "vfio-pci ") || span_eat_literal(&t, "vfio_pci ")) &&
                        leading_address(t, addr);
                break;
        case SOURCE_QEMU:
                if (line->location_address[0]) {
                        snprintf(addr, sizeof(addr), "%s", line->location_address);
                        found = true;
                } else
                        found = span_eat_literal(&t, "vfio ") && leading_address(t, addr);
                break;
        case SOURCE_TRACE:
                if ((at = span_find(text, "IOMMU:vfio-pci "))) {
                        span_advance(&t, (size_t) (at - text.p) + strlen("IOMMU:vfio-pci "));
                        found = leading_address(t, addr);
                }
                break;
        case SOURCE_LIBVIRT:
                if ((at = span_find(text, "PCI device "))) {
                        span_advance(&t, (size_t) (at - text.p) + strlen("PCI device "));
                        found = leading_address(t, addr);
                }
                break;
        default:
                break;
        }
        if (found)
                note_assigned(c, epoch, addr, where);
}

void context_note_probe(HostContext *c, Span text) {
        PciAddress addr;
        Span t = text;
        if (span_eat_literal(&t, "device ") && leading_address(t, addr) &&
            span_find(text, " driver=vfio-pci "))
                note_assigned(c, 0, addr, NULL);
}

bool context_assigned(const HostContext *c, const char *address, const char *input, unsigned epoch,
                      unsigned long line) {
        if (!address || !address[0])
                return false;
        for (size_t i = 0; i < c->n_assigned; i++) {
                const AssignedNote *n = &c->assigned[i];
                if (strcmp(n->address, address) != 0)
                        continue;
                /* within one input, a line before the device reached vfio was not about its assignment */
                if (!input || !n->input || strcmp(n->input, input) != 0 || n->line == 0 ||
                    (n->epoch == epoch && n->line <= line))
                        return true;
        }
        for (size_t i = 0; i < c->n_pasted_devices; i++)
                if (!c->pasted_devices[i].guest && strcmp(c->pasted_devices[i].address, address) == 0 &&
                    strcmp(c->pasted_devices[i].driver, "vfio-pci") == 0)
                        return true;
        return false;
}

/* The next word of a command line: a run of bytes up to a blank or '|', quotes ('...', "...") taken away; a
 * '|' alone is a word. False at the end, or where a quote is not closed. */
static bool command_word(Span *t, char *buf, size_t size, Span *ret) {
        size_t n = 0;
        span_eat_blanks(t);
        if (t->len == 0)
                return false;
        if (t->p[0] == '|') {
                span_advance(t, 1);
                *ret = span_make("|", 1);
                return true;
        }
        while (t->len > 0 && t->p[0] != ' ' && t->p[0] != '\t' && t->p[0] != '|') {
                char q = t->p[0];
                if (q == '\'' || q == '"') {
                        const char *end = memchr(t->p + 1, q, t->len - 1);
                        if (!end)
                                return false;
                        for (const char *p = t->p + 1; p < end; p++)
                                if (n + 1 < size)
                                        buf[n++] = *p;
                        span_advance(t, (size_t) (end + 1 - t->p));
                        continue;
                }
                if (n + 1 < size)
                        buf[n++] = q;
                span_advance(t, 1);
        }
        buf[n] = 0;
        *ret = span_make(buf, n);
        return true;
}

/* Whether one of the alternatives of grep's pattern (split at '|' for -E, at "\|" for GNU's basic syntax)
 * surely matches kmod's lsmod line of vfio_pci: a plain word that "vfio_pci" holds (that it starts with,
 * after
 * '^'). An alternative of other syntax may match more lines, never fewer: it is not needed. */
static bool pattern_shows_vfio_pci(Span pattern, bool extended, bool icase) {
        static const char module[] = "vfio_pci";
        while (pattern.len > 0) {
                Span alt = pattern;
                const char *bar = extended ? memchr(pattern.p, '|', pattern.len) : span_find(pattern, "\\|");
                if (bar) {
                        alt.len = (size_t) (bar - pattern.p);
                        span_advance(&pattern, alt.len + (extended ? 1 : 2));
                } else
                        pattern.len = 0;
                bool anchored = span_eat_char(&alt, '^'), plain = alt.len > 0;
                for (size_t i = 0; i < alt.len && plain; i++)
                        plain = (alt.p[i] >= 'a' && alt.p[i] <= 'z') ||
                                (alt.p[i] >= 'A' && alt.p[i] <= 'Z') || span_is_digit(alt.p[i]) ||
                                alt.p[i] == '_';
                if (!plain || alt.len > strlen(module))
                        continue;
                for (size_t at = 0; at + alt.len <= strlen(module) && (at == 0 || !anchored); at++)
                        if (icase ? strncasecmp(module + at, alt.p, alt.len) == 0
                                  : strncmp(module + at, alt.p, alt.len) == 0)
                                return true;
        }
        return false;
}

/* Whether a command is `lsmod | grep PATTERN` (sudo before lsmod, egrep, -i, -E, -F, -s, -e, --color
 * allowed) whose output holds kmod's line of vfio_pci where the module is loaded. Any other option (-v, -w,
 * -o, -c, -n
 * ...), a file, or a further pipe (| head) might hide the line: not such a command. */
static bool command_greps_lsmod_for_vfio_pci(Span command) {
        char buf[128], kept[4][128];
        Span t = command, w;
        bool extended = false, icase = false, fixed = false, by_e = false, want_pattern = false;
        size_t n = 0;

        if (command_word(&t, buf, sizeof(buf), &w) && span_equals(w, "sudo") &&
            !command_word(&t, buf, sizeof(buf), &w))
                return false;
        if (!span_equals(w, "lsmod") || !command_word(&t, buf, sizeof(buf), &w) || !span_equals(w, "|") ||
            !command_word(&t, buf, sizeof(buf), &w))
                return false;
        if (span_equals(w, "egrep"))
                extended = true;
        else if (!span_equals(w, "grep"))
                return false;
        while (command_word(&t, buf, sizeof(buf), &w)) {
                bool option = !want_pattern && w.len >= 2 && w.p[0] == '-';
                if (!option) {
                        /* a word after the pattern, or beside -e patterns, is a file (or a pipe) */
                        if ((!want_pattern && (by_e || n > 0)) || n >= ELEMENTSOF(kept))
                                return false;
                        by_e = by_e || want_pattern;
                        want_pattern = false;
                        memcpy(kept[n++], w.p, w.len + 1);
                        continue;
                }
                if (span_starts_with(w, "--colo"))
                        continue;
                for (size_t i = 1; i < w.len; i++)
                        switch (w.p[i]) {
                        case 'i':
                                icase = true;
                                break;
                        case 'E':
                                extended = true;
                                break;
                        case 'F':
                                fixed = true;
                                break;
                        case 's':
                                break;
                        case 'e':
                                if (i + 1 != w.len)
                                        return false;
                                want_pattern = true;
                                break;
                        default:
                                return false;
                        }
        }
        if (want_pattern)
                return false;
        for (size_t i = 0; i < n; i++)
                if (pattern_shows_vfio_pci(span_from_str(kept[i]), extended && !fixed, icase))
                        return true;
        return false;
}

/* kmod tools/lsmod.c do_lsmod(): printf("%-19s %8ld  %d", name, size, use_count), then the holders, " %s"
 * the first and ",%s" each other. The module's name and its holders ("" for none). */
static bool lsmod_line(Span t, Span *name, Span *holders) {
        Span rest;
        if (!span_eat_word(&t, name) || name->len == 0)
                return false;
        for (size_t i = 0; i < name->len; i++)
                if (!((name->p[i] >= 'a' && name->p[i] <= 'z') || span_is_digit(name->p[i]) ||
                      name->p[i] == '_'))
                        return false;
        if (span_eat_blanks(&t) == 0 || !span_eat_digits(&t, 1, 20, NULL) || span_eat_blanks(&t) == 0)
                return false;
        (void) span_eat_char(&t, '-');
        if (!span_eat_digits(&t, 1, 10, NULL))
                return false;
        *holders = (Span){0};
        if (span_eat_blanks(&t) > 0 && t.len > 0) {
                rest = t;
                if (!span_eat_word(&rest, holders))
                        return false;
                span_eat_blanks(&rest);
                if (rest.len > 0)
                        return false;
                return true;
        }
        return t.len == 0;
}

/* Whether the holders ("vfio_pci_core,vfio_iommu_type1,vfio_pci") name module. */
static bool holders_name(Span holders, const char *module) {
        Span h;
        while (holders.len > 0) {
                if (!span_eat_until(&holders, ',', &h)) {
                        h = holders;
                        holders.len = 0;
                } else
                        span_advance(&holders, 1);
                if (span_equals(h, module))
                        return true;
        }
        return false;
}

/* A pasted `lsmod | grep vfio` (docs: README "How vfioexplain decides"): the command, then in the
 * VX_LSMOD_GREP_LINES lines after it the line of vfio and any line of vfio_pci (its own, or it as a holder).
 * Only lines that hold one of the prefilter's literals for it ("lsmod", LSMOD_VFIO_LINE, "vfio_pci") change
 * this, so that reading by blocks, which reads only those, and reading every line agree. */
static void note_lsmod_grep(HostContext *c, unsigned epoch, const Line *line, const ContextWhere *where) {
        Span raw = span_make(where->raw, where->len), name, holders;
        if (where->command.len > 0) {
                if (!span_find(raw, "lsmod"))
                        return;
                c->lsmod_grep.input = command_greps_lsmod_for_vfio_pci(where->command) ? where->input : NULL;
                c->lsmod_grep.epoch = epoch;
                c->lsmod_grep.line = where->line;
                c->lsmod_grep.vfio_pci = false;
                c->lsmod_grep.listing = SIZE_MAX;
                return;
        }
        if (!c->lsmod_grep.input || c->lsmod_grep.input != where->input || c->lsmod_grep.epoch != epoch ||
            where->line <= c->lsmod_grep.line || where->line - c->lsmod_grep.line > VX_LSMOD_GREP_LINES)
                return;
        bool vfio_line = span_find(raw, LSMOD_VFIO_LINE), vfio_pci = span_find(raw, "vfio_pci");
        if (!vfio_line && !vfio_pci)
                return;
        for (size_t v = 0; v < line->n_views; v++) {
                if (!lsmod_line(line->views[v].text, &name, &holders))
                        continue;
                if (vfio_pci && (span_equals(name, "vfio_pci") || holders_name(holders, "vfio_pci"))) {
                        c->lsmod_grep.vfio_pci = true;
                        if (c->lsmod_grep.listing != SIZE_MAX)
                                c->pasted_lsmod[c->lsmod_grep.listing].vfio_pci = true;
                }
                if (!vfio_line || !span_equals(name, "vfio") || c->lsmod_grep.listing != SIZE_MAX)
                        return;
                if (c->n_pasted_lsmod >= VX_PASTED_LSMOD_MAX)
                        return;
                if (!c->pasted_lsmod &&
                    !(c->pasted_lsmod = calloc(VX_PASTED_LSMOD_MAX, sizeof(PastedLsmod))))
                        return;
                PastedLsmod *l = &c->pasted_lsmod[c->n_pasted_lsmod];
                *l = (PastedLsmod){.epoch = epoch,
                                   .input = where->input,
                                   .line = where->line,
                                   .vfio_pci = c->lsmod_grep.vfio_pci};
                snprintf(l->text, sizeof(l->text), "%.*s", (int) MIN(where->len, sizeof(l->text) - 1),
                         where->raw);
                c->lsmod_grep.listing = c->n_pasted_lsmod++;
                return;
        }
}

/* Whether a command is bash's `ulimit -l` and nothing else: the soft locked-memory limit, printed alone on
 * the next line. */
static bool command_is_ulimit_l(Span command) {
        char buf[32];
        Span t = command, w;
        return command_word(&t, buf, sizeof(buf), &w) && span_equals(w, "ulimit") &&
                command_word(&t, buf, sizeof(buf), &w) && span_equals(w, "-l") &&
                !command_word(&t, buf, sizeof(buf), &w);
}

/* bash builtins/ulimit.def printone() without -a: print_rlimtype(curlim / 1024, 1) ("%lld\n") or
 * "unlimited". The reply is what the line is and nothing else. */
static bool ulimit_reply(Span t, Span *value) {
        span_trim(&t);
        if (span_equals(t, "unlimited")) {
                *value = t;
                return true;
        }
        Span digits = t;
        if (!span_eat_digits(&digits, 1, 15, NULL) || digits.len > 0)
                return false;
        *value = t;
        return true;
}

/* bash's ulimit -a line of the locked-memory limit when it is "unlimited" (builtins/ulimit.def printone():
 * printf("%-20s %20s", "max locked memory", "(kbytes, -l) ") then "unlimited"); a number is
 * rules/listings.rules' list-ulimit-memlock-low. */
static bool ulimit_a_unlimited(Span t, Span *value) {
        span_trim(&t);
        if (!span_eat_literal(&t, "max locked memory") || span_eat_blanks(&t) == 0 ||
            !span_eat_literal(&t, "(kbytes, -l)") || span_eat_blanks(&t) == 0 ||
            !span_equals(t, "unlimited"))
                return false;
        *value = t;
        return true;
}

/* A pasted `ulimit -l` (README "How vfioexplain decides"): the command on a prompt's line, its reply the
 * very next line of the same input and boot; any other line between, or a number without the command before
 * it, says nothing; ulimit -a's line of an unlimited limit says the same. feed.c reads the line after a
 * marked one that holds the command, so that reading by blocks reads the reply as reading every line does.
 */
static void note_ulimit_l(HostContext *c, unsigned epoch, const ContextWhere *where) {
        Span raw = span_make(where->raw, where->len), value;
        if (where->command.len > 0) {
                bool is = span_find(raw, ULIMIT_L_COMMAND) && command_is_ulimit_l(where->command);
                c->ulimit_l.input = is ? where->input : NULL;
                c->ulimit_l.epoch = epoch;
                c->ulimit_l.line = where->line;
                return;
        }
        bool reply = c->ulimit_l.input && c->ulimit_l.input == where->input && c->ulimit_l.epoch == epoch &&
                where->line == c->ulimit_l.line + 1;
        c->ulimit_l.input = NULL;
        if (reply ? !ulimit_reply(raw, &value) : !ulimit_a_unlimited(raw, &value))
                return;
        if (c->n_pasted_ulimit >= VX_PASTED_ULIMIT_MAX ||
            (!c->pasted_ulimit && !(c->pasted_ulimit = calloc(VX_PASTED_ULIMIT_MAX, sizeof(PastedUlimit)))))
                return;
        PastedUlimit *u = &c->pasted_ulimit[c->n_pasted_ulimit++];
        *u = (PastedUlimit){.epoch = epoch, .input = where->input, .line = where->line};
        snprintf(u->text, sizeof(u->text), "%.*s", (int) MIN(where->len, sizeof(u->text) - 1), where->raw);
        snprintf(u->value, sizeof(u->value), "%.*s", (int) value.len, value.p);
}

/* What a line that is no program's message may be: a listing pasted with the logs. */
static void note_pasted(HostContext *c, unsigned epoch, Span text, unsigned joined,
                        const ContextWhere *where) {
        if (span_starts_with(text, "IOMMU "))
                note_group_listing(c, epoch, text, joined);
        else if (span_is_xdigit(text.p[0]) && address_token(text.p, 0, text.len))
                note_lspci_header(c, epoch, text, joined, where);
        else if (text.p[0] == 'o' || text.p[0] == 's' || text.p[0] == '/' || text.p[0] == 'B' ||
                 text.p[0] == 'i')
                note_vfio_settings(c, epoch, text, where);
}

void context_note_line(HostContext *c, unsigned epoch, const Line *line, unsigned joined,
                       const ContextWhere *where) {
        EpochInfo *e = epoch_info(c, epoch);
        if (line->host.len)
                note_hostname(c, line->host);
        if (where && where->raw) {
                note_lsmod_grep(c, epoch, line, where);
                note_ulimit_l(c, epoch, where);
        }
        for (size_t v = 0; v < line->n_views; v++) {
                Span text = line->views[v].text;
                if (text.len == 0)
                        continue;
                note_assigned_line(c, epoch, line, line->views[v].source, text, where);
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
                        else
                                note_pasted(c, epoch, text, joined, where);
                        break;
                case SOURCE_UNKNOWN:
                        note_pasted(c, epoch, text, joined, where);
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
