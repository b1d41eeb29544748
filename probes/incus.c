/* SPDX-License-Identifier: MIT */
/* An incus instance's PCI passthrough (probes/incus.h): its devices as backup.yaml or `incus config show`
 * has them, as the VM's devices on this host. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "fileio.h"
#include "incus.h"
#include "pci_address.h"
#include "rootfs.h"
#include "strbuf.h"
#include "strparse.h"
#include "vfioexplain/macro.h"

bool incus_name_check(const char *name) {
        size_t n = strlen(name);
        bool project = false;
        if (n == 0 || n > VX_INCUS_NAME_MAX || !isalnum((unsigned char) name[0]))
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                /* one '_': the project's separator (internal/server/project project.Instance()) */
                if (c == '_' && !project && i + 1 < n) {
                        project = true;
                        continue;
                }
                if (!isalnum((unsigned char) c) && c != '-')
                        return false;
        }
        return true;
}

/* One line of the YAML subset: its indentation, and a key with its value where it has one. */
typedef struct YamlLine {
        unsigned no;
        size_t indent;
        bool has_key;
        Span key, value; /* value: the raw text after ": ", trimmed */
} YamlLine;

/* A scalar as YAML reads it: plain (to a " #" comment), 'single' ('' is a quote) or "double" (\" and
 * \\ only: incus writes no other escape in the values read here). Into out (size bytes); -EINVAL for one
 * that does not end, or does not fit. */
static int yaml_scalar(Span v, char *out, size_t size) {
        size_t n = 0;
        if (v.len > 0 && (v.p[0] == '"' || v.p[0] == '\'')) {
                char q = v.p[0];
                size_t i = 1;
                for (;; i++) {
                        if (i >= v.len)
                                return -EINVAL;
                        char c = v.p[i];
                        if (c == q && q == '\'' && i + 1 < v.len && v.p[i + 1] == '\'')
                                i++;
                        else if (c == q)
                                break;
                        else if (c == '\\' && q == '"') {
                                if (i + 1 >= v.len || (v.p[i + 1] != '"' && v.p[i + 1] != '\\'))
                                        return -EINVAL;
                                c = v.p[++i];
                        }
                        if (n + 1 >= size)
                                return -EINVAL;
                        out[n++] = c;
                }
                for (i++; i < v.len; i++)
                        if (v.p[i] == '#')
                                break;
                        else if (v.p[i] != ' ')
                                return -EINVAL;
                out[n] = 0;
                return 0;
        }
        for (size_t i = 0; i < v.len; i++) {
                if (v.p[i] == '#' && i > 0 && v.p[i - 1] == ' ')
                        break;
                if (n + 1 >= size)
                        return -EINVAL;
                out[n++] = v.p[i];
        }
        while (n > 0 && out[n - 1] == ' ')
                n--;
        out[n] = 0;
        return 0;
}

/* Splits one line; -EINVAL for a tab in the indentation or a control byte (a NUL). */
static int yaml_line(Span line, unsigned no, YamlLine *ret) {
        YamlLine l = {.no = no};
        while (line.len > 0 && line.p[line.len - 1] == '\r')
                line.len--;
        for (size_t i = 0; i < line.len; i++)
                if ((unsigned char) line.p[i] < 0x20 && line.p[i] != '\t')
                        return -EINVAL;
        while (l.indent < line.len && line.p[l.indent] == ' ')
                l.indent++;
        if (l.indent < line.len && line.p[l.indent] == '\t')
                return -EINVAL;
        Span t = span_make(line.p + l.indent, line.len - l.indent);
        if (t.len == 0 || t.p[0] == '#' || span_equals(t, "---") || t.p[0] == '-') {
                *ret = l; /* no key: blank, a comment, a document marker, a sequence's item */
                return 0;
        }
        /* a key: plain, up to ":" at the end or ": " */
        for (size_t i = 0; i < t.len; i++)
                if (t.p[i] == ':' && (i + 1 == t.len || t.p[i + 1] == ' ')) {
                        l.has_key = true;
                        l.key = span_make(t.p, i);
                        Span v = span_make(t.p + i + 1, t.len - i - 1);
                        while (v.len > 0 && v.p[0] == ' ')
                                span_advance(&v, 1);
                        while (v.len > 0 && v.p[v.len - 1] == ' ')
                                v.len--;
                        l.value = v;
                        break;
                }
        *ret = l;
        return 0;
}

static int refuse(Diag *d, const char *origin, unsigned line, int r, const char *what) {
        diag_addf(d, "%s:%u: %s", origin, line, what);
        return r;
}

/* A directory name of mdev_supported_types: the parent driver's name, '-', the type ("nvidia-63",
 * "i915-GVTg_V5_4", "mtty-2"). */
static bool mdev_type_name_ok(const char *t) {
        size_t n = strlen(t);
        if (n == 0 || n > VX_INCUS_MDEV_TYPE_MAX || t[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) t[i]) && !strchr("._-", t[i]))
                        return false;
        return true;
}

/* The keys of a gpu or pci device that say which host device it is. */
static int device_property(IncusDevice *dev, Span key, Span value, bool *is_passthrough, const char *origin,
                           unsigned no, Diag *d) {
        char v[64];
        if (!span_equals(key, "type") && !span_equals(key, "gputype") && !span_equals(key, "pci") &&
            !span_equals(key, "address") && !span_equals(key, "vendorid") &&
            !span_equals(key, "productid") && !span_equals(key, "id") && !span_equals(key, "mdev"))
                return 0;
        if (yaml_scalar(value, v, sizeof(v)) < 0)
                return refuse(d, origin, no, -EINVAL, "a device's value incus would not have written");
        if (span_equals(key, "type")) {
                *is_passthrough = strcmp(v, "gpu") == 0 || strcmp(v, "pci") == 0;
                dev->type = strcmp(v, "pci") == 0 ? INCUS_DEVICE_PCI : INCUS_DEVICE_GPU;
        } else if (span_equals(key, "gputype")) {
                /* incus accepts no other gputype (its gpu device validation), so no other can be in its
                 * files. */
                if (strcmp(v, "physical") != 0 && strcmp(v, "mdev") != 0 && strcmp(v, "mig") != 0 &&
                    strcmp(v, "sriov") != 0)
                        return refuse(d, origin, no, -EINVAL,
                                      "gputype is none of physical, mdev, mig, sriov");
                strcpy(dev->gputype, v);
        } else if (span_equals(key, "pci") || span_equals(key, "address")) {
                /* internal/server/device/pci/pci.go NormaliseAddress(): "01:00.0" gets 0000:, lower case */
                for (char *c = v; *c; c++)
                        *c = (char) tolower((unsigned char) *c);
                if (v[0] && pci_address_normalize(v, strlen(v), dev->address) < 0)
                        return refuse(d, origin, no, -EINVAL,
                                      "a PCI address that is none (pci= or address=)");
        } else if (span_equals(key, "vendorid") || span_equals(key, "productid")) {
                /* shared/validate IsDeviceID(): four hex digits */
                unsigned x = 0;
                if (strlen(v) != 4)
                        return refuse(d, origin, no, -EINVAL,
                                      "vendorid or productid is not four hex digits");
                for (size_t i = 0; i < 4; i++) {
                        if (!isxdigit((unsigned char) v[i]))
                                return refuse(d, origin, no, -EINVAL,
                                              "vendorid or productid is not four hex digits");
                        x = x * 16 +
                                (unsigned) (isdigit((unsigned char) v[i])
                                                    ? v[i] - '0'
                                                    : tolower((unsigned char) v[i]) - 'a' + 10);
                }
                if (span_equals(key, "vendorid")) {
                        dev->vendor = x;
                        dev->have_vendor = true;
                } else {
                        dev->product = x;
                        dev->have_product = true;
                }
        } else if (span_equals(key, "mdev")) {
                /* the name of a directory of mdev_supported_types: incus writes the type's create file
                 * below it, so no other name can start a VM */
                if (!mdev_type_name_ok(v))
                        return refuse(d, origin, no, -EINVAL, "an mdev type no kernel names");
                strcpy(dev->mdev, v);
        } else if (v[0]) {
                /* id=: matched against the card's DRM number as incus prints it (gpu.go gpuSelected():
                 * "%d"), so only a decimal number without leading zeros can pick a card */
                uint64_t n;
                const char *q = v;
                if (!isdigit((unsigned char) v[0]) || !decimal_eat(&q, &n) || *q || (v[0] == '0' && v[1]) ||
                    n > UINT_MAX)
                        return refuse(d, origin, no, -EINVAL, "id= is not a DRM card number");
                dev->have_card_id = true;
                dev->card_id = (unsigned) n;
        }
        return 0;
}

static bool device_name_ok(Span name) {
        if (name.len == 0 || name.len > VX_DOMAIN_WORD_MAX)
                return false;
        for (size_t i = 0; i < name.len; i++)
                if (!isalnum((unsigned char) name.p[i]) && !strchr("._-", name.p[i]))
                        return false;
        return true;
}

/* The devices section being read: where it is, and the device open in it. */
typedef struct DevicesReader {
        bool active, expanded;
        size_t indent; /* of the "devices:" key */
        size_t name_indent, prop_indent; /* 0 until the first of each */
        bool open, passthrough;
        IncusDevice dev;
} DevicesReader;

static int close_device(DevicesReader *r, IncusInstance *inst, IncusDevice *plain, size_t *n_plain,
                        const char *origin, Diag *d) {
        if (!r->open)
                return 0;
        r->open = false;
        if (!r->passthrough)
                return 0;
        if (!r->dev.gputype[0])
                strcpy(r->dev.gputype, "physical");
        /* incus requires mdev= of gputype mdev (gpu_mdev.go validateConfig()) */
        if (r->dev.type == INCUS_DEVICE_GPU && strcmp(r->dev.gputype, "mdev") == 0 && !r->dev.mdev[0])
                return refuse(d, origin, r->dev.line, -EINVAL,
                              "gputype mdev without mdev=, which incus requires");
        IncusDevice *list = r->expanded ? inst->devices : plain;
        size_t *n = r->expanded ? &inst->n_devices : n_plain;
        if (*n >= VX_INCUS_DEVICES_MAX) {
                diag_addf(d, "%s: more than %u devices of type gpu or pci", origin, VX_INCUS_DEVICES_MAX);
                return -E2BIG;
        }
        list[(*n)++] = r->dev;
        return 0;
}

int incus_parse_config(const char *buf, size_t len, const char *origin, IncusInstance *ret, Diag *d) {
        if (len > VX_INCUS_FILE_MAX) {
                diag_addf(d, "%s: %zu bytes, more than %u", origin, len, VX_INCUS_FILE_MAX);
                return -EFBIG;
        }
        _cleanup_free_ IncusInstance *inst = calloc(1, sizeof(*inst));
        _cleanup_free_ IncusDevice *plain = calloc(VX_INCUS_DEVICES_MAX, sizeof(*plain));
        size_t n_plain = 0, container_indent = 0, skip_deeper = SIZE_MAX;
        bool in_container = false, seen_devices = false, seen_expanded = false;
        DevicesReader dr = {0};
        unsigned no = 0;
        int r;

        if (!inst || !plain)
                return -ENOMEM;
        for (Span rest = span_make(buf, len); rest.len > 0 || no == 0;) {
                Span line = rest;
                const char *nl = memchr(rest.p, '\n', rest.len);
                if (nl) {
                        line.len = (size_t) (nl - rest.p);
                        span_advance(&rest, line.len + 1);
                } else
                        rest.len = 0;
                no++;
                YamlLine l;
                if (yaml_line(line, no, &l) < 0)
                        return refuse(d, origin, no, -EINVAL,
                                      "not YAML as incus writes it (a tab, a control byte)");
                if (!l.has_key)
                        continue;
                /* the lines of a block scalar (raw.qemu.conf: |) are its text, not keys */
                if (l.indent > skip_deeper)
                        continue;
                skip_deeper = SIZE_MAX;
                if (l.value.len > 0 && (l.value.p[0] == '|' || l.value.p[0] == '>'))
                        skip_deeper = l.indent;

                if (dr.active && l.indent <= dr.indent) {
                        if ((r = close_device(&dr, inst, plain, &n_plain, origin, d)) < 0)
                                return r;
                        dr.active = false;
                }
                if (dr.active) {
                        if (!dr.name_indent)
                                dr.name_indent = l.indent;
                        if (l.indent == dr.name_indent) {
                                if ((r = close_device(&dr, inst, plain, &n_plain, origin, d)) < 0)
                                        return r;
                                if (!device_name_ok(l.key))
                                        return refuse(d, origin, no, -EINVAL,
                                                      "a device name incus would refuse");
                                dr.open = true;
                                dr.passthrough = false;
                                dr.dev = (IncusDevice){.line = no};
                                memcpy(dr.dev.name, l.key.p, l.key.len);
                                dr.prop_indent = 0;
                        } else if (dr.open && l.indent > dr.name_indent) {
                                if (!dr.prop_indent)
                                        dr.prop_indent = l.indent;
                                if (l.indent == dr.prop_indent &&
                                    (r = device_property(&dr.dev, l.key, l.value, &dr.passthrough, origin,
                                                         no, d)) < 0)
                                        return r;
                        } else
                                return refuse(d, origin, no, -EINVAL, "a devices section out of line");
                        continue;
                }
                if (l.indent == 0) {
                        in_container = span_equals(l.key, "container");
                        container_indent = 0;
                        if (in_container)
                                inst->backup = true;
                        if (span_equals(l.key, "devices") && !inst->backup) {
                                dr = (DevicesReader){.active = true};
                                seen_devices = true;
                        }
                        continue;
                }
                if (!in_container)
                        continue;
                if (!container_indent)
                        container_indent = l.indent;
                if (l.indent != container_indent)
                        continue;
                if (span_equals(l.key, "type"))
                        inst->container = span_equals(l.value, "container");
                if (span_equals(l.key, "devices") || span_equals(l.key, "expanded_devices")) {
                        dr = (DevicesReader){.active = true,
                                             .expanded = span_equals(l.key, "expanded_devices"),
                                             .indent = l.indent};
                        seen_expanded |= dr.expanded;
                        seen_devices = true;
                }
        }
        if (dr.active && (r = close_device(&dr, inst, plain, &n_plain, origin, d)) < 0)
                return r;
        if (!seen_devices) {
                diag_addf(d, "%s: no devices: neither incus's backup.yaml nor `incus config show` output",
                          origin);
                return -EINVAL;
        }
        /* without expanded_devices (`incus config show` without --expanded), the instance's own devices */
        if (!seen_expanded) {
                memcpy(inst->devices, plain, n_plain * sizeof(*plain));
                inst->n_devices = n_plain;
        }
        inst->expanded = seen_expanded;
        *ret = *inst;
        return 0;
}

static int guest_add(DomainConfig *g, const char *address, const char *id) {
        for (size_t i = 0; i < g->n_hostdevs; i++)
                if (strcmp(g->hostdevs[i].address, address) == 0)
                        return 0;
        /* incus moves each device it passes to vfio-pci itself (driver_override), before QEMU starts. */
        DomainHostdev h = {.managed = true};
        snprintf(h.address, sizeof(h.address), "%s", address);
        snprintf(h.id, sizeof(h.id), "%s", id);
        return domain_config_add_hostdev(g, &h);
}

/* A physical GPU: the card's function named, and the other functions of its card in its IOMMU group, which
 * incus binds to vfio-pci and passes beside it (gpu_physical.go pciDeviceDriverOverrideIOMMU(),
 * driver_qemu.go addGPUDevConfig()). */
static int add_gpu(DomainConfig *g, const HostFacts *host, const char *address, const char *id) {
        int r = guest_add(g, address, id);
        const PciDevice *d = host ? host_find_device(host, address) : NULL;
        if (r < 0 || !d || d->group != KNOWN_PRESENT)
                return r;
        for (size_t i = 0; i < host->n_devices && r >= 0; i++) {
                const PciDevice *m = &host->devices[i];
                if (m != d && m->group == KNOWN_PRESENT && m->group_id == d->group_id &&
                    pci_same_card(m->address, d->address))
                        r = guest_add(g, m->address, id);
        }
        return r;
}

/* The DRM card number of the device at address (its drm/cardN, as incus's resources.GetGPU() reads it), or
 * -1 without one. */
static long drm_card_id(int rootfd, const char *address) {
        char rel[PCI_ADDRESS_SIZE + 32];
        long id = -1;
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/drm", address);
        DIR *dir = rootfs_opendir(rootfd, rel);
        if (!dir)
                return -1;
        for (struct dirent *e; id < 0 && (e = readdir(dir));) {
                uint64_t n;
                const char *q = e->d_name + 4;
                if (strncmp(e->d_name, "card", 4) == 0 && isdigit((unsigned char) *q) &&
                    decimal_eat(&q, &n) && !*q && n <= UINT_MAX)
                        id = (long) n;
        }
        closedir(dir);
        return id;
}

/* The host's GPU cards that incus's gpuSelected() picks for dev (internal/server/device/gpu.go): display
 * devices (class 03) that are no VF (resources.GetGPU() lists a VF under its parent), matching each of
 * pci=, vendorid=, productid= and id= that is given. The first max into out; returns how many. */
static size_t select_cards(const HostFacts *host, int rootfd, const IncusDevice *dev, const PciDevice **out,
                           size_t max) {
        size_t n = 0;
        for (size_t i = 0; i < host->n_devices; i++) {
                const PciDevice *m = &host->devices[i];
                if ((m->class_code >> 16) != 0x03 || m->physfn[0] ||
                    (dev->address[0] && strcmp(m->address, dev->address) != 0) ||
                    (dev->have_vendor && m->vendor != dev->vendor) ||
                    (dev->have_product && m->device != dev->product) ||
                    (dev->have_card_id &&
                     (rootfd < 0 || drm_card_id(rootfd, m->address) != (long) dev->card_id)))
                        continue;
                if (n < max)
                        out[n] = m;
                n++;
        }
        return n;
}

/* A gpu whose selection picks no card of the host, or several where one is needed: incus stops the start
 * with "Failed to detect requested GPU device" or "VMs cannot match multiple GPUs per device". */
static int add_unmatched(DomainConfig *g, const IncusDevice *dev, const PciDevice *const *cards, size_t n) {
        DomainUnmatched u = {.n_matches = n};
        snprintf(u.id, sizeof(u.id), "%s", dev->name);
        if (dev->address[0])
                snprintf(u.selector, sizeof(u.selector), "pci=%s", dev->address);
        else if (dev->have_card_id)
                snprintf(u.selector, sizeof(u.selector), "id=%u", dev->card_id);
        else if (dev->have_vendor && dev->have_product)
                snprintf(u.selector, sizeof(u.selector), "vendorid=%04x productid=%04x", dev->vendor,
                         dev->product);
        else if (dev->have_vendor)
                snprintf(u.selector, sizeof(u.selector), "vendorid=%04x", dev->vendor);
        else if (dev->have_product)
                snprintf(u.selector, sizeof(u.selector), "productid=%04x", dev->product);
        else
                snprintf(u.selector, sizeof(u.selector), "any GPU");
        for (size_t i = 0; i < MIN(n, ELEMENTSOF(u.matches)); i++)
                memcpy(u.matches[i], cards[i]->address, sizeof(u.matches[0]));
        DomainUnmatched *a = realloc(g->unmatched, (g->n_unmatched + 1) * sizeof(*a));
        if (!a)
                return -ENOMEM;
        g->unmatched = a;
        g->unmatched[g->n_unmatched++] = u;
        return 0;
}

static int add_line(DomainConfig *g, const StrBuf *line) {
        if (strbuf_failed(line))
                return -ENOMEM;
        char **a = realloc(g->layer_lines, (g->n_layer_lines + 1) * sizeof(*a));
        if (!a)
                return -ENOMEM;
        g->layer_lines = a;
        if (!(a[g->n_layer_lines] = strdup(strbuf_str(line))))
                return -ENOMEM;
        g->n_layer_lines++;
        return 0;
}

static void line_start(StrBuf *b, const DomainConfig *g, const IncusDevice *dev, const char *address) {
        strbuf_reset(b);
        strbuf_printf(b, "incus %s: device %s %s", g->name, dev->name, address);
}

static int mdev_type_cmp(const void *a, const void *b) {
        return strcmp(a, b);
}

/* The mdev types the device at address offers (its mdev_supported_types), sorted, the first max into
 * types; returns how many there are. */
static size_t mdev_types(int rootfd, const char *address, char (*types)[VX_INCUS_MDEV_TYPE_MAX + 1],
                         size_t max) {
        char rel[PCI_ADDRESS_SIZE + 48];
        size_t n = 0;
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/mdev_supported_types", address);
        DIR *dir = rootfs_opendir(rootfd, rel);
        if (!dir)
                return 0;
        /* all of them, to say the first in order */
        char all[64][VX_INCUS_MDEV_TYPE_MAX + 1];
        for (struct dirent *e; (e = readdir(dir));) {
                if (!mdev_type_name_ok(e->d_name))
                        continue;
                if (n < ELEMENTSOF(all))
                        memcpy(all[n], e->d_name, strlen(e->d_name) + 1); /* fits: mdev_type_name_ok() */
                n++;
        }
        closedir(dir);
        qsort(all, MIN(n, ELEMENTSOF(all)), sizeof(all[0]), mdev_type_cmp);
        for (size_t i = 0; i < MIN(n, max); i++)
                memcpy(types[i], all[i], sizeof(all[i]));
        return n;
}

/* Whether the device at address offers mdev type `type`, and the available_instances it says (incus reads
 * one that is not there as 0). */
static bool mdev_offered(int rootfd, const char *address, const char *type, uint64_t *available) {
        char rel[PCI_ADDRESS_SIZE + VX_INCUS_MDEV_TYPE_MAX + 48], buf[32];
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/mdev_supported_types/%s", address, type);
        int dfd = rootfs_open_dir(rootfd, rel);
        if (dfd < 0)
                return false;
        const char *q = buf;
        *available = 0;
        if (rootfs_read_attr(dfd, "available_instances", buf, sizeof(buf)) >= 0 &&
            !decimal_eat(&q, available))
                *available = 0;
        close(dfd);
        return true;
}

/* The VFs of an SR-IOV card that incus lists as its VFs: display functions whose physfn is the card. */
static size_t card_vfs(const HostFacts *host, const PciDevice *card, const PciDevice **out, size_t max) {
        size_t n = 0;
        for (size_t i = 0; i < host->n_devices && n < max; i++) {
                const PciDevice *m = &host->devices[i];
                if ((m->class_code >> 16) == 0x03 && strcmp(m->physfn, card->address) == 0)
                        out[n++] = m;
        }
        return n;
}

/* gputype mdev: one card, offering the type with an instance available, on itself or else on one of its
 * VFs (gpu_mdev.go startVM(): "Invalid mdev profile %q", "No available mdev for profile %q"). incus then
 * creates the mediated device on it: the card itself stays with its host driver and is not passed. */
static int judge_mdev(DomainConfig *g, const HostFacts *host, int rootfd, const IncusDevice *dev) {
        const PciDevice *cards[2];
        size_t n = select_cards(host, rootfd, dev, cards, ELEMENTSOF(cards));
        if (n != 1)
                return add_unmatched(g, dev, cards, n);
        const PciDevice *card = cards[0];
        _cleanup_free_ const PciDevice **vfs = calloc(VX_INCUS_VFS_MAX, sizeof(*vfs));
        _cleanup_(strbuf_done) StrBuf line = {0};
        uint64_t available = 0, a;
        bool found = mdev_offered(rootfd, card->address, dev->mdev, &available);
        if (!vfs)
                return -ENOMEM;
        size_t n_vfs = found ? 0 : card_vfs(host, card, vfs, VX_INCUS_VFS_MAX);
        for (size_t i = 0; i < n_vfs && available == 0; i++)
                if (mdev_offered(rootfd, vfs[i]->address, dev->mdev, &a)) {
                        found = true;
                        available = a;
                }
        line_start(&line, g, dev, card->address);
        if (!found) {
                char types[VX_INCUS_MDEV_TYPES_SAID][VX_INCUS_MDEV_TYPE_MAX + 1];
                size_t nt = mdev_types(rootfd, card->address, types, ELEMENTSOF(types));
                for (size_t i = 0; i < n_vfs && nt == 0; i++)
                        nt = mdev_types(rootfd, vfs[i]->address, types, ELEMENTSOF(types));
                strbuf_printf(&line, ": mdev type %s: not offered", dev->mdev);
                if (nt == 0)
                        strbuf_puts(&line, " (the card offers no mdev type)");
                else {
                        strbuf_puts(&line, " (offered:");
                        for (size_t i = 0; i < MIN(nt, ELEMENTSOF(types)); i++)
                                strbuf_printf(&line, " %s", types[i]);
                        strbuf_puts(&line, nt > ELEMENTSOF(types) ? " ...)" : ")");
                }
        } else if (available == 0)
                strbuf_printf(&line, ": mdev type %s: no instance available (available_instances 0)",
                              dev->mdev);
        else
                return 0;
        return add_line(g, &line);
}

/* gputype sriov: a VF that no driver holds, of the chosen card with the most free (gpu_sriov.go getVF():
 * "Couldn't find a matching GPU with available VFs"). incus binds that VF to vfio-pci and passes it alone:
 * judged as a device of type pci. Without one, a line for each chosen card says why it has none. */
static int judge_sriov(DomainConfig *g, const HostFacts *host, int rootfd, const IncusDevice *dev) {
        const PciDevice *cards[8];
        size_t n = select_cards(host, rootfd, dev, cards, ELEMENTSOF(cards));
        if (n == 0)
                return add_unmatched(g, dev, cards, n);
        _cleanup_free_ const PciDevice **vfs = calloc(VX_INCUS_VFS_MAX, sizeof(*vfs));
        if (!vfs)
                return -ENOMEM;
        const PciDevice *best = NULL;
        double best_ratio = -1;
        for (size_t c = 0; c < MIN(n, ELEMENTSOF(cards)); c++) {
                size_t n_vfs = card_vfs(host, cards[c], vfs, VX_INCUS_VFS_MAX), n_free = 0;
                const PciDevice *first_free = NULL;
                for (size_t i = 0; i < n_vfs; i++)
                        if (vfs[i]->driver == KNOWN_ABSENT) {
                                if (!first_free || strcmp(vfs[i]->address, first_free->address) < 0)
                                        first_free = vfs[i];
                                n_free++;
                        }
                double ratio = cards[c]->sriov_numvfs > 0 ? (double) n_free / cards[c]->sriov_numvfs : 0;
                if (first_free && ratio > best_ratio) {
                        best = first_free;
                        best_ratio = ratio;
                }
        }
        if (best)
                return guest_add(g, best->address, dev->name);
        _cleanup_(strbuf_done) StrBuf line = {0};
        int r = 0;
        for (size_t c = 0; c < MIN(n, ELEMENTSOF(cards)) && r >= 0; c++) {
                const PciDevice *card = cards[c];
                line_start(&line, g, dev, card->address);
                if (card->sriov_numvfs < 0)
                        strbuf_puts(&line, ": gputype sriov: the card has no SR-IOV (no sriov_numvfs)");
                else if (card->sriov_numvfs == 0)
                        strbuf_puts(&line, ": gputype sriov: no VF enabled (sriov_numvfs 0)");
                else {
                        size_t n_vfs = card_vfs(host, card, vfs, VX_INCUS_VFS_MAX);
                        strbuf_printf(&line, ": gputype sriov: every VF is on a host driver (%d enabled):",
                                      card->sriov_numvfs);
                        for (size_t i = 0; i < MIN(n_vfs, 2u); i++)
                                strbuf_printf(&line, " %s on %s", vfs[i]->address,
                                              vfs[i]->driver == KNOWN_PRESENT ? vfs[i]->driver_name : "?");
                        if (n_vfs > 2)
                                strbuf_puts(&line, " ...");
                }
                r = add_line(g, &line);
        }
        return r;
}

/* A gpu absent where pci= names it: incus refuses the device before it looks at the cards
 * (device_utils_generic.go validatePCIDevice(): "Invalid PCI address (no device found): %s"). */
static bool gpu_address_absent(DomainConfig *g, const HostFacts *host, const IncusDevice *dev, int *r) {
        if (!dev->address[0] || host_find_device(host, dev->address))
                return false;
        _cleanup_(strbuf_done) StrBuf line = {0};
        line_start(&line, g, dev, dev->address);
        strbuf_puts(&line, ": absent");
        *r = add_line(g, &line);
        return true;
}

static int guest_of(IncusState *st, const char *name, const HostFacts *host, int rootfd) {
        DomainConfig *g = &st->guest;
        bool probed = host && host->pci == KNOWN_PRESENT;
        int r = 0;
        g->layer = GUEST_INCUS;
        snprintf(g->name, sizeof(g->name), "%s", name);
        for (size_t i = 0; i < st->inst.n_devices && r >= 0; i++) {
                const IncusDevice *dev = &st->inst.devices[i];
                const PciDevice *cards[2];
                size_t n;
                if (dev->type == INCUS_DEVICE_PCI) {
                        if (dev->address[0])
                                r = guest_add(g, dev->address, dev->name);
                } else if (strcmp(dev->gputype, "mig") == 0) {
                        /* gpu_mig.go validateConfig(): ErrUnsupportedDevType for a VM, which starts without
                         * it (a profile's device is skipped; a local one was refused when it was set) */
                        _cleanup_(strbuf_done) StrBuf line = {0};
                        strbuf_printf(
                                &line,
                                "incus %s: device %s: gputype mig: for containers only, skipped at a VM's start",
                                g->name, dev->name);
                        r = add_line(g, &line);
                } else if (strcmp(dev->gputype, "physical") == 0) {
                        if (dev->address[0])
                                r = add_gpu(g, probed ? host : NULL, dev->address, dev->name);
                        else if (!probed || (dev->have_card_id && rootfd < 0))
                                continue;
                        else if ((n = select_cards(host, rootfd, dev, cards, ELEMENTSOF(cards))) == 1)
                                r = add_gpu(g, host, cards[0]->address, dev->name);
                        else
                                r = add_unmatched(g, dev, cards, n);
                } else if (!probed || rootfd < 0 || gpu_address_absent(g, host, dev, &r))
                        continue;
                else if (strcmp(dev->gputype, "mdev") == 0)
                        r = judge_mdev(g, host, rootfd, dev);
                else if (strcmp(dev->gputype, "sriov") == 0)
                        r = judge_sriov(g, host, rootfd, dev);
        }
        return r;
}

int incus_load(const char *sysroot, const char *name, const char *config_file, const HostFacts *host,
               IncusState *ret, Diag *d) {
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ IncusState *st = NULL;
        size_t len;
        int r;

        if (!incus_name_check(name)) {
                diag_addf(
                        d,
                        "--incus: not an instance name (letters, digits, '-'; PROJECT_NAME outside the default project)");
                return -EINVAL;
        }
        if (!(st = calloc(1, sizeof(*st))))
                return -ENOMEM;
        snprintf(st->log_dir, sizeof(st->log_dir), "var/log/incus/%s", name);
        if (config_file) {
                snprintf(st->config_path, sizeof(st->config_path), "%s", config_file);
                r = file_read(AT_FDCWD, config_file, FILE_NAMED, VX_INCUS_FILE_MAX, &text, &len);
        } else {
                char rel[VX_INCUS_NAME_MAX + 64];
                snprintf(rel, sizeof(rel), "var/lib/incus/virtual-machines/%s/backup.yaml", name);
                snprintf(st->config_path, sizeof(st->config_path), "/%s", rel);
                int rootfd = rootfs_open(sysroot);
                if (rootfd < 0) {
                        diag_addf(d, "%s: cannot open as the system root: %s", sysroot, strerror(-rootfd));
                        return rootfd;
                }
                r = rootfs_read_file(rootfd, rel, VX_INCUS_FILE_MAX, &text, &len);
                close(rootfd);
        }
        if (r == -ENOENT && !config_file) {
                /* A stopped VM's volume is mounted only while incus works on it (zfs, lvm, ceph): the file
                 * is there on a dir or btrfs pool, or while the VM runs. */
                diag_addf(
                        d,
                        "no %s: give the instance's configuration as a file: incus config show --expanded %s >%s.yaml, then --incus %s --incus-config %s.yaml",
                        st->config_path, name, name, name, name);
                return r;
        }
        if (r < 0) {
                diag_addf(d, "%s: %s", st->config_path,
                          r == -EFBIG ? "larger than the limit" : file_strerror(r));
                return r;
        }
        if ((r = incus_parse_config(text, len, st->config_path, &st->inst, d)) < 0)
                return r;
        if (st->inst.container) {
                diag_addf(d, "%s: %s is a container: incus passes no PCI device to one", st->config_path,
                          name);
                return -EINVAL;
        }
        /* What a gpu of gputype mdev or chosen by id= needs is read from the same root as the host's facts
         * (not under a snapshot's facts, which hold neither). */
        int sysfd = host && host->root && sysroot && strcmp(host->root, sysroot) == 0 ? rootfs_open(sysroot)
                                                                                      : -EBADF;
        r = guest_of(st, name, host, sysfd);
        if (sysfd >= 0)
                close(sysfd);
        if (r < 0) {
                domain_config_done(&st->guest);
                if (r == -E2BIG)
                        diag_addf(d, "%s: more than %u devices to pass", st->config_path,
                                  VX_DOMAIN_HOSTDEVS_MAX);
                return r;
        }
        *ret = *st;
        return 0;
}

void incus_state_done(IncusState *s) {
        domain_config_done(&s->guest);
        *s = (IncusState){0};
}
