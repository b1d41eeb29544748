/* SPDX-License-Identifier: MIT */
/* An incus instance's PCI passthrough (probes/incus.h): its devices as backup.yaml or `incus config show`
 * has them, as the VM's devices on this host. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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

/* The keys of a gpu or pci device that say which host device it is. */
static int device_property(IncusDevice *dev, Span key, Span value, bool *is_passthrough, const char *origin,
                           unsigned no, Diag *d) {
        char v[64];
        if (!span_equals(key, "type") && !span_equals(key, "gputype") && !span_equals(key, "pci") &&
            !span_equals(key, "address") && !span_equals(key, "vendorid") &&
            !span_equals(key, "productid") && !span_equals(key, "id"))
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
        } else
                dev->have_card_id = v[0] != 0;
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
        if (g->n_hostdevs >= VX_DOMAIN_HOSTDEVS_MAX)
                return -E2BIG;
        DomainHostdev *a = realloc(g->hostdevs, (g->n_hostdevs + 1) * sizeof(*a));
        if (!a)
                return -ENOMEM;
        g->hostdevs = a;
        /* incus moves each device it passes to vfio-pci itself (driver_override), before QEMU starts. */
        DomainHostdev *h = &g->hostdevs[g->n_hostdevs++];
        *h = (DomainHostdev){.managed = true};
        snprintf(h->address, sizeof(h->address), "%s", address);
        snprintf(h->id, sizeof(h->id), "%s", id);
        return 0;
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

/* A gpu chosen by vendorid=/productid=: the host's display devices (class 03) that match
 * (internal/server/device/gpu.go gpuSelected()). */
static int resolve_gpu(DomainConfig *g, const HostFacts *host, const IncusDevice *dev) {
        DomainUnmatched u = {0};
        const char *found = NULL;
        snprintf(u.id, sizeof(u.id), "%s", dev->name);
        if (dev->have_vendor && dev->have_product)
                snprintf(u.selector, sizeof(u.selector), "vendorid=%04x productid=%04x", dev->vendor,
                         dev->product);
        else if (dev->have_vendor)
                snprintf(u.selector, sizeof(u.selector), "vendorid=%04x", dev->vendor);
        else if (dev->have_product)
                snprintf(u.selector, sizeof(u.selector), "productid=%04x", dev->product);
        else
                snprintf(u.selector, sizeof(u.selector), "any GPU");
        for (size_t i = 0; i < host->n_devices; i++) {
                const PciDevice *m = &host->devices[i];
                if ((m->class_code >> 16) != 0x03 || (dev->have_vendor && m->vendor != dev->vendor) ||
                    (dev->have_product && m->device != dev->product))
                        continue;
                if (u.n_matches < ELEMENTSOF(u.matches))
                        memcpy(u.matches[u.n_matches], m->address, sizeof(u.matches[0]));
                u.n_matches++;
                found = m->address;
        }
        if (u.n_matches == 1)
                return add_gpu(g, host, found, dev->name);
        DomainUnmatched *a = realloc(g->unmatched, (g->n_unmatched + 1) * sizeof(*a));
        if (!a)
                return -ENOMEM;
        g->unmatched = a;
        g->unmatched[g->n_unmatched++] = u;
        return 0;
}

static int guest_of(IncusState *st, const char *name, const HostFacts *host) {
        DomainConfig *g = &st->guest;
        bool probed = host && host->pci == KNOWN_PRESENT;
        int r = 0;
        g->layer = GUEST_INCUS;
        snprintf(g->name, sizeof(g->name), "%s", name);
        for (size_t i = 0; i < st->inst.n_devices && r >= 0; i++) {
                const IncusDevice *dev = &st->inst.devices[i];
                if (dev->type == INCUS_DEVICE_PCI) {
                        if (dev->address[0])
                                r = guest_add(g, dev->address, dev->name);
                } else if (strcmp(dev->gputype, "physical") != 0)
                        continue; /* a mediated device, a MIG instance or a VF incus picks: not judged */
                else if (dev->address[0])
                        r = add_gpu(g, probed ? host : NULL, dev->address, dev->name);
                else if (probed && !dev->have_card_id)
                        r = resolve_gpu(g, host, dev);
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
        if ((r = guest_of(st, name, host)) < 0) {
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
