/* SPDX-License-Identifier: MIT */
/* HostFacts <-> JSON. The writer and the reader walk the same fields in the same order. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "escape.h"
#include "pci_address.h"
#include "snapshot.h"
#include "vfioexplain/limits.h"

#define SNAPSHOT_VERSION 1

/* ---- writing ---- */

/* Every string as output writes it (escape.h): a snapshot is read by people too. */
static void put_str(struct json_object *o, const char *k, const char *v) {
        json_object_object_add(o, k, json_text(v));
}
static void put_int(struct json_object *o, const char *k, long long v) {
        json_object_object_add(o, k, json_object_new_int64(v));
}
static void put_known(struct json_object *o, const char *k, Known v) {
        put_str(o, k, known_to_string(v));
}

static struct json_object *node_json(const FileNode *n) {
        struct json_object *o = json_object_new_object();
        put_str(o, "path", n->path);
        put_known(o, "state", n->state);
        put_int(o, "uid", n->uid);
        put_int(o, "gid", n->gid);
        put_int(o, "mode", n->mode);
        put_str(o, "owner", n->owner);
        put_str(o, "group", n->group_name);
        return o;
}

static struct json_object *device_json(const PciDevice *d) {
        struct json_object *o = json_object_new_object(), *bars = json_object_new_array();
        put_str(o, "address", d->address);
        put_int(o, "vendor", d->vendor);
        put_int(o, "device", d->device);
        put_int(o, "subsystem_vendor", d->subsystem_vendor);
        put_int(o, "subsystem_device", d->subsystem_device);
        put_int(o, "class", d->class_code);
        put_known(o, "header", d->header);
        json_object_object_add(o, "bridge", json_object_new_boolean(d->bridge));
        json_object_object_add(o, "multifunction", json_object_new_boolean(d->multifunction));
        put_known(o, "driver_state", d->driver);
        put_str(o, "driver", d->driver_name);
        put_str(o, "driver_override", d->driver_override);
        put_known(o, "driver_module_state", d->driver_module_state);
        put_str(o, "driver_module", d->driver_module);
        json_object_object_add(o, "driver_module_builtin",
                               json_object_new_boolean(d->driver_module_builtin));
        put_known(o, "group_state", d->group);
        put_int(o, "group", d->group_id);
        put_int(o, "boot_vga", d->boot_vga);
        put_str(o, "reset_method", d->reset_method);
        put_str(o, "power_state", d->power_state);
        put_int(o, "sriov_numvfs", d->sriov_numvfs);
        put_str(o, "physfn", d->physfn);
        put_str(o, "name", d->name);
        put_str(o, "upstream", d->upstream);
        put_known(o, "acs", d->acs);
        put_int(o, "acs_ctrl", d->acs_ctrl);
        for (int i = 0; i < 6; i++) {
                struct json_object *b = json_object_new_array();
                json_object_array_add(b, json_object_new_uint64(d->bar_start[i]));
                json_object_array_add(b, json_object_new_uint64(d->bar_end[i]));
                json_object_array_add(bars, b);
        }
        json_object_object_add(o, "bars", bars);
        /* Only a device with a Resizable BAR has the key: most have none. */
        bool rebar_any = false;
        for (int i = 0; i < 6; i++)
                rebar_any = rebar_any || d->rebar_sizes[i];
        if (rebar_any) {
                struct json_object *rebar = json_object_new_array();
                for (int i = 0; i < 6; i++)
                        json_object_array_add(rebar, json_object_new_uint64(d->rebar_sizes[i]));
                json_object_object_add(o, "rebar_sizes", rebar);
        }
        return o;
}

struct json_object *facts_to_json(const HostFacts *f) {
        struct json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        put_int(o, "version", SNAPSHOT_VERSION);
        json_object_object_add(o, "probed", json_object_new_boolean(f->root != NULL));
        if (!f->root)
                return o;
        put_str(o, "root", f->root);
        put_known(o, "os_release", f->os_release);
        put_str(o, "os_id", f->os_id);
        put_str(o, "os_pretty", f->os_pretty);
        put_str(o, "machine_id", f->machine_id);
        put_str(o, "distro", distro_to_string(f->distro));
        put_str(o, "cpu_vendor", cpu_vendor_to_string(f->cpu_vendor));
        put_known(o, "cmdline_state", f->cmdline);
        put_str(o, "cmdline", f->cmdline_text);
        put_known(o, "iommu_class", f->iommu_class);
        put_int(o, "iommu_units", (long long) f->n_iommus);
        put_known(o, "acpi_dmar", f->acpi_dmar);
        put_known(o, "acpi_ivrs", f->acpi_ivrs);
        put_known(o, "irq_remapping", f->irq_remapping);
        struct json_object *mods = json_object_new_object();
        for (ModuleId m = 0; m < _MODULE_MAX; m++) {
                struct json_object *mo = json_object_new_object();
                put_known(mo, "state", f->modules[m].state);
                json_object_object_add(mo, "builtin", json_object_new_boolean(f->modules[m].builtin));
                json_object_object_add(mods, module_id_to_string(m), mo);
        }
        json_object_object_add(o, "modules", mods);
        put_str(o, "allow_unsafe_interrupts", f->allow_unsafe_interrupts);
        put_str(o, "noiommu_mode", f->noiommu_mode);
        put_known(o, "pci", f->pci);
        struct json_object *devs = json_object_new_array();
        for (size_t i = 0; i < f->n_devices; i++)
                json_object_array_add(devs, device_json(&f->devices[i]));
        json_object_object_add(o, "devices", devs);
        json_object_object_add(o, "vfio_container", node_json(&f->vfio_container));
        json_object_object_add(o, "kvm", node_json(&f->kvm));
        struct json_object *nodes = json_object_new_array();
        for (size_t i = 0; i < f->n_group_nodes; i++)
                json_object_array_add(nodes, node_json(&f->group_nodes[i]));
        json_object_object_add(o, "group_nodes", nodes);
        struct json_object *ids = json_object_new_array();
        for (size_t i = 0; i < f->n_vfio_ids; i++) {
                struct json_object *io = json_object_new_object();
                put_int(io, "vendor", f->vfio_ids[i].vendor);
                put_int(io, "device", f->vfio_ids[i].device);
                put_str(io, "source", f->vfio_ids[i].source);
                json_object_array_add(ids, io);
        }
        json_object_object_add(o, "vfio_ids", ids);
        struct json_object *sd = json_object_new_array();
        for (size_t i = 0; i < f->n_softdep_drivers; i++)
                json_object_array_add(sd, json_text(f->softdep_drivers[i]));
        json_object_object_add(o, "softdep_before_vfio", sd);
        put_known(o, "grub_default", f->grub_default);
        /* Only a Proxmox VE host has it: the snapshots of other hosts read as before. */
        if (f->distro == DISTRO_PROXMOX) {
                put_known(o, "proxmox_systemd_boot", f->proxmox_systemd_boot);
                put_str(o, "kernel_cmdline_file", f->kernel_cmdline_file);
        }
        put_str(o, "grub_cmdline", f->grub_cmdline);
        put_known(o, "initramfs", f->initramfs);
        put_str(o, "initramfs_path", f->initramfs_path);
        put_int(o, "initramfs_mtime", f->initramfs_mtime);
        put_str(o, "vfio_conf_path", f->vfio_conf_path);
        put_int(o, "vfio_conf_mtime", f->vfio_conf_mtime);
        put_known(o, "self_ids", f->self_ids);
        put_int(o, "self_uid", f->self_uid);
        put_int(o, "self_gid", f->self_gid);
        put_known(o, "qemu_conf", f->qemu_conf);
        put_str(o, "qemu_user", f->qemu_user);
        put_str(o, "qemu_group", f->qemu_group);
        put_int(o, "qemu_uid", f->qemu_uid);
        put_int(o, "qemu_gid", f->qemu_gid);
        put_known(o, "qemu_ids", f->qemu_ids);
        struct json_object *ml = json_object_new_array();
        for (size_t i = 0; i < f->n_memlock; i++) {
                struct json_object *mo = json_object_new_object();
                put_int(mo, "pid", f->memlock[i].pid);
                put_str(mo, "comm", f->memlock[i].comm);
                /* "device" (the first) is what version 1 snapshots carried; "devices" and "vm" came later.
                 */
                put_str(mo, "device", f->memlock[i].n_devices ? f->memlock[i].devices[0] : "");
                struct json_object *dl = json_object_new_array();
                for (size_t k = 0; k < f->memlock[i].n_devices; k++)
                        json_object_array_add(dl, json_text(f->memlock[i].devices[k]));
                json_object_object_add(mo, "devices", dl);
                put_str(mo, "vm", f->memlock[i].vm);
                json_object_object_add(mo, "unlimited", json_object_new_boolean(f->memlock[i].unlimited));
                json_object_object_add(mo, "soft", json_object_new_uint64(f->memlock[i].soft));
                put_known(mo, "ids", f->memlock[i].ids);
                put_int(mo, "uid", f->memlock[i].uid);
                put_int(mo, "gid", f->memlock[i].gid);
                put_known(mo, "ipc_lock", f->memlock[i].ipc_lock);
                struct json_object *gl = json_object_new_array();
                for (size_t k = 0; k < f->memlock[i].n_groups; k++)
                        json_object_array_add(gl, json_object_new_int64(f->memlock[i].groups[k]));
                json_object_object_add(mo, "groups", gl);
                json_object_array_add(ml, mo);
        }
        json_object_object_add(o, "memlock", ml);
        put_known(o, "hugepages", f->hugepages);
        json_object_object_add(o, "hugepages_total", json_object_new_uint64(f->hugepages_total));
        json_object_object_add(o, "hugepages_free", json_object_new_uint64(f->hugepages_free));
        json_object_object_add(o, "hugepage_kb", json_object_new_uint64(f->hugepage_kb));
        struct json_object *udev = json_object_new_array();
        for (size_t i = 0; i < f->n_udev_vfio_rules; i++)
                json_object_array_add(udev, json_text(f->udev_vfio_rules[i]));
        json_object_object_add(o, "udev_vfio_rules", udev);
        put_known(o, "iomem", f->iomem);
        /* Added after version 1 was fixed: optional when read, as one object. */
        struct json_object *sys = json_object_new_object();
        put_str(sys, "kernel_release", f->kernel_release);
        put_str(sys, "hostname", f->hostname);
        put_known(sys, "cpu", f->cpu);
        put_str(sys, "cpu_model", f->cpu_model);
        json_object_object_add(sys, "cpu_vmx", json_object_new_boolean(f->cpu_vmx));
        json_object_object_add(sys, "cpu_svm", json_object_new_boolean(f->cpu_svm));
        struct json_object *ul = json_object_new_array();
        for (size_t i = 0; i < f->n_users; i++)
                json_object_array_add(ul, json_text(f->users[i]));
        json_object_object_add(sys, "users", ul);
        put_known(sys, "packages", f->packages);
        put_str(sys, "qemu_version", f->qemu_version);
        put_str(sys, "libvirt_version", f->libvirt_version);
        json_object_object_add(o, "system", sys);
        struct json_object *fbs = json_object_new_array();
        for (size_t i = 0; i < f->n_framebuffers; i++) {
                struct json_object *fo = json_object_new_object();
                put_str(fo, "name", f->framebuffers[i].name);
                if (f->framebuffers[i].driver[0])
                        put_str(fo, "driver", f->framebuffers[i].driver);
                json_object_object_add(fo, "start", json_object_new_uint64(f->framebuffers[i].start));
                json_object_object_add(fo, "end", json_object_new_uint64(f->framebuffers[i].end));
                put_str(fo, "device", f->framebuffers[i].device);
                put_int(fo, "bar", f->framebuffers[i].bar);
                json_object_array_add(fbs, fo);
        }
        json_object_object_add(o, "framebuffers", fbs);
        /* The console facts only where they were read: most snapshots of headless hosts have none. */
        if (f->n_vtconsoles > 0) {
                struct json_object *cs = json_object_new_array();
                for (size_t i = 0; i < f->n_vtconsoles; i++) {
                        struct json_object *co = json_object_new_object();
                        put_int(co, "index", f->vtconsoles[i].index);
                        put_str(co, "name", f->vtconsoles[i].name);
                        json_object_object_add(co, "bound", json_object_new_boolean(f->vtconsoles[i].bound));
                        json_object_array_add(cs, co);
                }
                json_object_object_add(o, "vtconsoles", cs);
        }
        if (f->n_fbs > 0) {
                struct json_object *list = json_object_new_array();
                for (size_t i = 0; i < f->n_fbs; i++) {
                        struct json_object *fo = json_object_new_object();
                        put_int(fo, "index", f->fbs[i].index);
                        put_str(fo, "name", f->fbs[i].name);
                        put_str(fo, "device", f->fbs[i].device);
                        json_object_array_add(list, fo);
                }
                json_object_object_add(o, "fbs", list);
        }
        return o;
}

/* ---- reading ---- */

typedef struct Reader {
        Diag *diag;
        bool failed;
} Reader;

static void bad(Reader *r, const char *what, const char *key) {
        if (!r->failed)
                diag_addf(r->diag, "snapshot: %s: %s", key, what);
        r->failed = true;
}

static struct json_object *json_field(Reader *r, struct json_object *o, const char *k, json_type t) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, t)) {
                bad(r, "missing or of the wrong type", k);
                return NULL;
        }
        return v;
}

/* Printable text that fits; control bytes would end up on a terminal or in a probe line. */
static void get_str(Reader *r, struct json_object *o, const char *k, char *out, size_t size) {
        struct json_object *v = json_field(r, o, k, json_type_string);
        if (!v)
                return;
        const char *s = json_object_get_string(v);
        size_t n = (size_t) json_object_get_string_len(v);
        if (n >= size) {
                bad(r, "too long", k);
                return;
        }
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
                        bad(r, "holds a control character", k);
                        return;
                }
        memcpy(out, s, n);
        out[n] = 0;
}

static long long get_int(Reader *r, struct json_object *o, const char *k, long long min, long long max) {
        struct json_object *v = json_field(r, o, k, json_type_int);
        if (!v)
                return min;
        errno = 0;
        long long x = json_object_get_int64(v);
        if (errno != 0 || x < min || x > max) {
                bad(r, "out of range", k);
                return min;
        }
        return x;
}

static unsigned long long get_u64(Reader *r, struct json_object *o, const char *k) {
        struct json_object *v = json_field(r, o, k, json_type_int);
        return v ? json_object_get_uint64(v) : 0;
}

static bool get_bool(Reader *r, struct json_object *o, const char *k) {
        struct json_object *v = json_field(r, o, k, json_type_boolean);
        return v && json_object_get_boolean(v);
}

static int get_enum(Reader *r, struct json_object *o, const char *k,
                    int (*from_string)(const char *, size_t)) {
        char buf[32] = "";
        get_str(r, o, k, buf, sizeof(buf));
        int v = from_string(buf, strlen(buf));
        if (v < 0) {
                bad(r, "not one of the known values", k);
                return 0;
        }
        return v;
}

static Known get_known(Reader *r, struct json_object *o, const char *k) {
        return (Known) get_enum(r, o, k, known_from_string);
}

static struct json_object *get_array(Reader *r, struct json_object *o, const char *k, size_t max) {
        struct json_object *v = json_field(r, o, k, json_type_array);
        if (v && json_object_array_length(v) > max) {
                bad(r, "too many entries", k);
                return NULL;
        }
        return v;
}

/* An address builds paths and fix commands: only the strict grammar passes. */
static void check_address(Reader *r, const char *s, const char *k, PciAddress out) {
        if (pci_address_normalize(s, strlen(s), out) < 0 || strcmp(out, s) != 0)
                bad(r, "not a PCI address", k);
}

static void get_address(Reader *r, struct json_object *o, const char *k, PciAddress out, bool may_be_empty) {
        char buf[32] = "";
        get_str(r, o, k, buf, sizeof(buf));
        if (may_be_empty && !buf[0]) {
                out[0] = 0;
                return;
        }
        check_address(r, buf, k, out);
}

static void get_node(Reader *r, struct json_object *o, FileNode *n) {
        if (!o || !json_object_is_type(o, json_type_object)) {
                bad(r, "not an object", "node");
                return;
        }
        get_str(r, o, "path", n->path, sizeof(n->path));
        if (strncmp(n->path, "/dev/", 5) != 0 || strstr(n->path, "/.."))
                bad(r, "not a /dev path", "node.path");
        n->state = get_known(r, o, "state");
        n->uid = (unsigned) get_int(r, o, "uid", 0, UINT_MAX);
        n->gid = (unsigned) get_int(r, o, "gid", 0, UINT_MAX);
        n->mode = (unsigned) get_int(r, o, "mode", 0, 07777);
        get_str(r, o, "owner", n->owner, sizeof(n->owner));
        get_str(r, o, "group", n->group_name, sizeof(n->group_name));
}

static void get_device(Reader *r, struct json_object *o, PciDevice *d) {
        if (!json_object_is_type(o, json_type_object)) {
                bad(r, "not an object", "devices[]");
                return;
        }
        get_address(r, o, "address", d->address, false);
        d->vendor = (unsigned) get_int(r, o, "vendor", 0, 0xffff);
        d->device = (unsigned) get_int(r, o, "device", 0, 0xffff);
        d->subsystem_vendor = (unsigned) get_int(r, o, "subsystem_vendor", 0, 0xffff);
        d->subsystem_device = (unsigned) get_int(r, o, "subsystem_device", 0, 0xffff);
        d->class_code = (unsigned) get_int(r, o, "class", 0, 0xffffff);
        d->header = get_known(r, o, "header");
        d->bridge = get_bool(r, o, "bridge");
        d->multifunction = get_bool(r, o, "multifunction");
        d->driver = get_known(r, o, "driver_state");
        get_str(r, o, "driver", d->driver_name, sizeof(d->driver_name));
        get_str(r, o, "driver_override", d->driver_override, sizeof(d->driver_override));
        /* Snapshots older than 'plan' do not have the driver's module. */
        if (json_object_object_get_ex(o, "driver_module_state", NULL)) {
                d->driver_module_state = get_known(r, o, "driver_module_state");
                get_str(r, o, "driver_module", d->driver_module, sizeof(d->driver_module));
                d->driver_module_builtin = get_bool(r, o, "driver_module_builtin");
        }
        d->group = get_known(r, o, "group_state");
        d->group_id = (unsigned) get_int(r, o, "group", 0, UINT_MAX);
        d->boot_vga = (int) get_int(r, o, "boot_vga", -1, 1);
        get_str(r, o, "reset_method", d->reset_method, sizeof(d->reset_method));
        get_str(r, o, "power_state", d->power_state, sizeof(d->power_state));
        d->sriov_numvfs = (int) get_int(r, o, "sriov_numvfs", -1, 65535);
        get_address(r, o, "physfn", d->physfn, true);
        get_str(r, o, "name", d->name, sizeof(d->name));
        get_address(r, o, "upstream", d->upstream, true);
        d->acs = get_known(r, o, "acs");
        d->acs_ctrl = (unsigned) get_int(r, o, "acs_ctrl", 0, 0xffff);
        struct json_object *bars = get_array(r, o, "bars", 6);
        for (size_t i = 0; bars && i < json_object_array_length(bars); i++) {
                struct json_object *b = json_object_array_get_idx(bars, i);
                if (!json_object_is_type(b, json_type_array) || json_object_array_length(b) != 2) {
                        bad(r, "expected [start, end]", "bars[]");
                        return;
                }
                d->bar_start[i] = json_object_get_uint64(json_object_array_get_idx(b, 0));
                d->bar_end[i] = json_object_get_uint64(json_object_array_get_idx(b, 1));
        }
        /* Devices without a Resizable BAR, and snapshots older than its probe, do not have it. */
        if (json_object_object_get_ex(o, "rebar_sizes", NULL)) {
                struct json_object *rebar = get_array(r, o, "rebar_sizes", 6);
                for (size_t i = 0; rebar && i < json_object_array_length(rebar); i++)
                        d->rebar_sizes[i] = json_object_get_uint64(json_object_array_get_idx(rebar, i));
        }
}

int facts_from_json(const char *buf, size_t len, const char *label, HostFacts *ret, Diag *diag) {
        Reader r = {.diag = diag};
        HostFacts f = {.root = label};
        struct json_tokener *tok;
        struct json_object *o, *a;

        if (len > INT_MAX)
                return -EINVAL;
        tok = json_tokener_new_ex(32);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, buf, (int) len);
        enum json_tokener_error err = json_tokener_get_error(tok);
        json_tokener_free(tok);
        if (!o || err != json_tokener_success || !json_object_is_type(o, json_type_object)) {
                diag_addf(diag, "snapshot: not a JSON object (%s)", json_tokener_error_desc(err));
                json_object_put(o);
                return -EINVAL;
        }
        if (get_int(&r, o, "version", 0, INT_MAX) != SNAPSHOT_VERSION || !get_bool(&r, o, "probed")) {
                bad(&r, "not a version 1 snapshot of a probed host", "version");
                goto out;
        }
        f.os_release = get_known(&r, o, "os_release");
        get_str(&r, o, "os_id", f.os_id, sizeof(f.os_id));
        get_str(&r, o, "os_pretty", f.os_pretty, sizeof(f.os_pretty));
        /* Snapshots older than journal support have none. */
        if (json_object_object_get_ex(o, "machine_id", NULL))
                get_str(&r, o, "machine_id", f.machine_id, sizeof(f.machine_id));
        f.distro = (Distro) get_enum(&r, o, "distro", distro_from_string);
        if (json_object_object_get_ex(o, "cpu_vendor", NULL))
                f.cpu_vendor = (CpuVendor) get_enum(&r, o, "cpu_vendor", cpu_vendor_from_string);
        f.cmdline = get_known(&r, o, "cmdline_state");
        get_str(&r, o, "cmdline", f.cmdline_text, sizeof(f.cmdline_text));
        f.iommu_class = get_known(&r, o, "iommu_class");
        f.n_iommus = (size_t) get_int(&r, o, "iommu_units", 0, 4096);
        f.acpi_dmar = get_known(&r, o, "acpi_dmar");
        f.acpi_ivrs = get_known(&r, o, "acpi_ivrs");
        f.irq_remapping = get_known(&r, o, "irq_remapping");
        struct json_object *mods = json_field(&r, o, "modules", json_type_object);
        for (ModuleId m = 0; mods && m < _MODULE_MAX; m++) {
                struct json_object *mo = json_field(&r, mods, module_id_to_string(m), json_type_object);
                if (!mo)
                        break;
                f.modules[m].state = get_known(&r, mo, "state");
                f.modules[m].builtin = get_bool(&r, mo, "builtin");
        }
        get_str(&r, o, "allow_unsafe_interrupts", f.allow_unsafe_interrupts,
                sizeof(f.allow_unsafe_interrupts));
        get_str(&r, o, "noiommu_mode", f.noiommu_mode, sizeof(f.noiommu_mode));
        f.pci = get_known(&r, o, "pci");
        if ((a = get_array(&r, o, "devices", 4096)) && json_object_array_length(a) > 0) {
                f.n_devices = json_object_array_length(a);
                f.devices = calloc(f.n_devices, sizeof(PciDevice));
                if (!f.devices) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < f.n_devices && !r.failed; i++)
                        get_device(&r, json_object_array_get_idx(a, i), &f.devices[i]);
        }
        get_node(&r, json_field(&r, o, "vfio_container", json_type_object), &f.vfio_container);
        get_node(&r, json_field(&r, o, "kvm", json_type_object), &f.kvm);
        if ((a = get_array(&r, o, "group_nodes", 1024)) && json_object_array_length(a) > 0) {
                f.n_group_nodes = json_object_array_length(a);
                f.group_nodes = calloc(f.n_group_nodes, sizeof(FileNode));
                if (!f.group_nodes) {
                        host_facts_done(&f);
                        json_object_put(o);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < f.n_group_nodes && !r.failed; i++)
                        get_node(&r, json_object_array_get_idx(a, i), &f.group_nodes[i]);
        }
        if ((a = get_array(&r, o, "vfio_ids", ELEMENTSOF(f.vfio_ids))))
                for (size_t i = 0; i < json_object_array_length(a) && !r.failed; i++) {
                        struct json_object *io = json_object_array_get_idx(a, i);
                        f.vfio_ids[i].vendor = (unsigned) get_int(&r, io, "vendor", 0, 0xffff);
                        f.vfio_ids[i].device = (unsigned) get_int(&r, io, "device", 0, 0xffff);
                        get_str(&r, io, "source", f.vfio_ids[i].source, sizeof(f.vfio_ids[i].source));
                        f.n_vfio_ids++;
                }
        if ((a = get_array(&r, o, "softdep_before_vfio", ELEMENTSOF(f.softdep_drivers))))
                for (size_t i = 0; i < json_object_array_length(a) && !r.failed; i++) {
                        struct json_object *u = json_object_array_get_idx(a, i);
                        char drv[VX_CAPTURE_MAX + 1];
                        if (!json_object_is_type(u, json_type_string) ||
                            (size_t) json_object_get_string_len(u) >= sizeof(f.softdep_drivers[0]) ||
                            capture_normalize(VAR_DRIVER, json_object_get_string(u),
                                              (size_t) json_object_get_string_len(u), drv) < 0) {
                                bad(&r, "not a driver name", "softdep_before_vfio[]");
                                break;
                        }
                        snprintf(f.softdep_drivers[f.n_softdep_drivers++], sizeof(f.softdep_drivers[0]),
                                 "%.31s", drv);
                }
        f.grub_default = get_known(&r, o, "grub_default");
        if (json_object_object_get_ex(o, "proxmox_systemd_boot", NULL)) {
                f.proxmox_systemd_boot = get_known(&r, o, "proxmox_systemd_boot");
                get_str(&r, o, "kernel_cmdline_file", f.kernel_cmdline_file, sizeof(f.kernel_cmdline_file));
        }
        get_str(&r, o, "grub_cmdline", f.grub_cmdline, sizeof(f.grub_cmdline));
        f.initramfs = get_known(&r, o, "initramfs");
        get_str(&r, o, "initramfs_path", f.initramfs_path, sizeof(f.initramfs_path));
        f.initramfs_mtime = get_int(&r, o, "initramfs_mtime", LLONG_MIN, LLONG_MAX);
        get_str(&r, o, "vfio_conf_path", f.vfio_conf_path, sizeof(f.vfio_conf_path));
        f.vfio_conf_mtime = get_int(&r, o, "vfio_conf_mtime", LLONG_MIN, LLONG_MAX);
        /* The replaying user is not the one who took the snapshot: its groups are not carried. */
        f.self_ids = get_known(&r, o, "self_ids");
        f.self_uid = (unsigned) get_int(&r, o, "self_uid", 0, UINT_MAX);
        f.self_gid = (unsigned) get_int(&r, o, "self_gid", 0, UINT_MAX);
        f.qemu_conf = get_known(&r, o, "qemu_conf");
        get_str(&r, o, "qemu_user", f.qemu_user, sizeof(f.qemu_user));
        get_str(&r, o, "qemu_group", f.qemu_group, sizeof(f.qemu_group));
        f.qemu_uid = (unsigned) get_int(&r, o, "qemu_uid", 0, UINT_MAX);
        f.qemu_gid = (unsigned) get_int(&r, o, "qemu_gid", 0, UINT_MAX);
        f.qemu_ids = get_known(&r, o, "qemu_ids");
        if ((a = get_array(&r, o, "memlock", FACTS_MEMLOCK_MAX)))
                for (size_t i = 0; i < json_object_array_length(a) && !r.failed; i++) {
                        struct json_object *mo = json_object_array_get_idx(a, i);
                        MemlockFact *m = &f.memlock[f.n_memlock++];
                        m->pid = (int) get_int(&r, mo, "pid", 0, INT_MAX);
                        get_str(&r, mo, "comm", m->comm, sizeof(m->comm));
                        struct json_object *dl = NULL;
                        if (json_object_object_get_ex(mo, "devices", NULL))
                                dl = get_array(&r, mo, "devices", ELEMENTSOF(m->devices));
                        for (size_t k = 0; dl && k < json_object_array_length(dl) && !r.failed; k++) {
                                struct json_object *dv = json_object_array_get_idx(dl, k);
                                if (!json_object_is_type(dv, json_type_string)) {
                                        bad(&r, "not a PCI address", "memlock[].devices[]");
                                        break;
                                }
                                check_address(&r, json_object_get_string(dv), "memlock[].devices[]",
                                              m->devices[m->n_devices++]);
                        }
                        if (!dl) {
                                get_address(&r, mo, "device", m->devices[0], true);
                                m->n_devices = m->devices[0][0] ? 1 : 0;
                        }
                        if (json_object_object_get_ex(mo, "vm", NULL))
                                get_str(&r, mo, "vm", m->vm, sizeof(m->vm));
                        m->unlimited = get_bool(&r, mo, "unlimited");
                        m->soft = get_u64(&r, mo, "soft");
                        m->ids = get_known(&r, mo, "ids");
                        m->uid = (unsigned) get_int(&r, mo, "uid", 0, UINT_MAX);
                        m->gid = (unsigned) get_int(&r, mo, "gid", 0, UINT_MAX);
                        /* Snapshots made before it was probed do not have it: not probed. */
                        if (json_object_object_get_ex(mo, "ipc_lock", NULL))
                                m->ipc_lock = get_known(&r, mo, "ipc_lock");
                        struct json_object *gl = get_array(&r, mo, "groups", ELEMENTSOF(m->groups));
                        for (size_t k = 0; gl && k < json_object_array_length(gl); k++) {
                                struct json_object *gv = json_object_array_get_idx(gl, k);
                                int64_t v = json_object_get_int64(gv);
                                if (!json_object_is_type(gv, json_type_int) || v < 0 || v > UINT_MAX) {
                                        bad(&r, "not a group id", "memlock[].groups[]");
                                        break;
                                }
                                m->groups[m->n_groups++] = (unsigned) v;
                        }
                }
        f.hugepages = get_known(&r, o, "hugepages");
        f.hugepages_total = get_u64(&r, o, "hugepages_total");
        f.hugepages_free = get_u64(&r, o, "hugepages_free");
        f.hugepage_kb = get_u64(&r, o, "hugepage_kb");
        if ((a = get_array(&r, o, "udev_vfio_rules", ELEMENTSOF(f.udev_vfio_rules))))
                for (size_t i = 0; i < json_object_array_length(a) && !r.failed; i++) {
                        struct json_object *u = json_object_array_get_idx(a, i);
                        if (!json_object_is_type(u, json_type_string)) {
                                bad(&r, "not a string", "udev_vfio_rules[]");
                                break;
                        }
                        struct json_object *wrap = json_object_new_object();
                        json_object_object_add(wrap, "rule", json_object_get(u));
                        get_str(&r, wrap, "rule", f.udev_vfio_rules[i], sizeof(f.udev_vfio_rules[i]));
                        json_object_put(wrap);
                        f.n_udev_vfio_rules++;
                }
        f.iomem = get_known(&r, o, "iomem");
        struct json_object *sys;
        if (json_object_object_get_ex(o, "system", &sys)) {
                get_str(&r, sys, "kernel_release", f.kernel_release, sizeof(f.kernel_release));
                get_str(&r, sys, "hostname", f.hostname, sizeof(f.hostname));
                f.cpu = get_known(&r, sys, "cpu");
                get_str(&r, sys, "cpu_model", f.cpu_model, sizeof(f.cpu_model));
                f.cpu_vmx = get_bool(&r, sys, "cpu_vmx");
                f.cpu_svm = get_bool(&r, sys, "cpu_svm");
                if ((a = get_array(&r, sys, "users", ELEMENTSOF(f.users))))
                        for (size_t i = 0; i < json_object_array_length(a) && !r.failed; i++) {
                                struct json_object *u = json_object_array_get_idx(a, i);
                                const char *name = json_object_get_string(u);
                                if (!json_object_is_type(u, json_type_string) || !name[0] ||
                                    strlen(name) >= sizeof(f.users[0]) || strpbrk(name, ":/\n")) {
                                        bad(&r, "not a user name", "system.users[]");
                                        break;
                                }
                                memcpy(f.users[f.n_users++], name, strlen(name) + 1);
                        }
                f.packages = get_known(&r, sys, "packages");
                get_str(&r, sys, "qemu_version", f.qemu_version, sizeof(f.qemu_version));
                get_str(&r, sys, "libvirt_version", f.libvirt_version, sizeof(f.libvirt_version));
        }
        if ((a = get_array(&r, o, "framebuffers", FACTS_FRAMEBUFFER_MAX)))
                for (size_t i = 0; i < json_object_array_length(a) && !r.failed; i++) {
                        struct json_object *fo = json_object_array_get_idx(a, i);
                        FramebufferHold *h = &f.framebuffers[f.n_framebuffers++];
                        get_str(&r, fo, "name", h->name, sizeof(h->name));
                        if (json_object_object_get_ex(fo, "driver", NULL))
                                get_str(&r, fo, "driver", h->driver, sizeof(h->driver));
                        h->start = get_u64(&r, fo, "start");
                        h->end = get_u64(&r, fo, "end");
                        get_address(&r, fo, "device", h->device, false);
                        h->bar = (int) get_int(&r, fo, "bar", 0, 5);
                }
        if (json_object_object_get_ex(o, "vtconsoles", NULL) &&
            (a = get_array(&r, o, "vtconsoles", FACTS_CONSOLES_MAX)))
                for (size_t i = 0; i < json_object_array_length(a) && !r.failed; i++) {
                        struct json_object *co = json_object_array_get_idx(a, i);
                        VtConsole *c = &f.vtconsoles[f.n_vtconsoles++];
                        c->index = (unsigned) get_int(&r, co, "index", 0, 999);
                        get_str(&r, co, "name", c->name, sizeof(c->name));
                        c->bound = get_bool(&r, co, "bound");
                }
        if (json_object_object_get_ex(o, "fbs", NULL) &&
            (a = get_array(&r, o, "fbs", FACTS_FRAMEBUFFER_MAX)))
                for (size_t i = 0; i < json_object_array_length(a) && !r.failed; i++) {
                        struct json_object *fo = json_object_array_get_idx(a, i);
                        FbDevice *fb = &f.fbs[f.n_fbs++];
                        fb->index = (unsigned) get_int(&r, fo, "index", 0, 999);
                        get_str(&r, fo, "name", fb->name, sizeof(fb->name));
                        get_str(&r, fo, "device", fb->device, sizeof(fb->device));
                        if (!r.failed && !fb_device_name_valid(fb->device))
                                bad(&r, "not a device name", "fbs[].device");
                }
out:
        json_object_put(o);
        if (r.failed) {
                host_facts_done(&f);
                return -EINVAL;
        }
        *ret = f;
        return 0;
}
