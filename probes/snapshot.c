/* SPDX-License-Identifier: MIT */
/* HostFacts <-> JSON from one table of fields, which writes the snapshot and reads it back token by token.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "escape.h"
#include "pci_address.h"
#include "snapshot.h"
#include "strbuf.h"
#include "strparse.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

#define SNAPSHOT_VERSION 1

/* The enums' names are their string tables' (probes/host.c), through an int. */
static const char *snapshot_distro_name(int v) {
        return distro_to_string((Distro) v);
}
static const char *snapshot_cpu_vendor_name(int v) {
        return cpu_vendor_to_string((CpuVendor) v);
}

/* ---- the fields ---- */

typedef enum Kind {
        K_VERSION, /* "version": SNAPSHOT_VERSION, and nothing else is read */
        K_PROBED, /* "probed": true (a snapshot of a host that was not probed is of no use) */
        K_IGNORED, /* a string written and, when read, checked and dropped ("root": the replay names its own)
                    */
        K_STR, /* char[size], no control character, check() may refuse or rewrite it */
        K_INT, /* int, min..max */
        K_UINT, /* unsigned, min..max */
        K_LLONG, /* long long, min..max */
        K_SIZE, /* size_t, min..max */
        K_U64, /* unsigned long long */
        K_BOOL,
        K_KNOWN, /* Known, by its name */
        K_ENUM, /* an enum, by its name (to_string, from_string) */
        K_OBJECT, /* an object whose fields (sub) lie in the same struct from offset on */
        K_ARRAY, /* objects of sub, elem bytes each: inline at offset, or (HEAP) a pointer there */
        K_STRS, /* char[max][size] strings */
        K_UINTS, /* unsigned[max], min..max each */
        K_U64S, /* unsigned long long[max] without a count: written whole */
        K_BARS, /* a device's six [start, end] pairs */
        K_FIRST_DEVICE, /* memlock "device": the first of "devices", which older snapshots had alone */
} Kind;

enum {
        OPTIONAL = 1 << 0, /* may be missing when read (snapshots older than the field) */
        OMIT_EMPTY = 1 << 1, /* not written when empty ("", no entries, all zero) */
        HEAP = 1 << 2, /* K_ARRAY: allocated, sized as read */
};

#define NO_COUNT SIZE_MAX

typedef struct Reader Reader;
typedef struct Table Table;

/* A string's grammar: false refuses it; it may rewrite out (at most size bytes with the NUL). */
typedef bool (*Check)(char *s, size_t size);

typedef struct Field {
        const char *key;
        Kind kind;
        unsigned flags;
        size_t offset;
        size_t size; /* K_STR, K_STRS: the char array; K_ARRAY: an element */
        long long min, max; /* integers: the range read; arrays: max is the most entries */
        size_t count; /* arrays: the offset of their size_t count, or NO_COUNT */
        const Table *sub;
        const char *(*to_string)(int v); /* K_ENUM */
        int (*from_string)(const char *s, size_t len);
        Check check;
        const char *what; /* what check() wants, for the error */
        /* Written only for the hosts this says so (give it OPTIONAL: the others' snapshots lack it). */
        bool (*written)(const HostFacts *host);
} Field;

struct Table {
        const Field *fields;
        size_t n;
};

#define TABLE(a) \
        { a, ELEMENTSOF(a) }
#define AT(type, m) offsetof(type, m)
/* A member of the elements of an array of anonymous structs, relative to an element. */
#define IN(type, arr, m) (offsetof(type, arr[0].m) - offsetof(type, arr[0]))
#define STR(k, type, m, ...) \
        { .key = k, .kind = K_STR, .offset = AT(type, m), .size = sizeof(((type *) 0)->m), __VA_ARGS__ }
#define INTF(k, kd, type, m, lo, hi, ...) \
        { .key = k, .kind = kd, .offset = AT(type, m), .min = lo, .max = hi, __VA_ARGS__ }
#define U64(k, type, m, ...) \
        { .key = k, .kind = K_U64, .offset = AT(type, m), __VA_ARGS__ }
#define BOOL(k, type, m, ...) \
        { .key = k, .kind = K_BOOL, .offset = AT(type, m), __VA_ARGS__ }
#define KNOWN(k, type, m, ...) \
        { .key = k, .kind = K_KNOWN, .offset = AT(type, m), __VA_ARGS__ }

static bool check_address(char *s, size_t size) {
        char out[16];
        return pci_address_normalize(s, strlen(s), out) >= 0 && strcmp(out, s) == 0;
}

/* An address, or "" for none (a device without a bridge above it, a PF without VFs). */
static bool check_address_or_empty(char *s, size_t size) {
        return !s[0] || check_address(s, size);
}

/* Device nodes are looked at in the replay's output only, and must name /dev. */
static bool check_dev_path(char *s, size_t size) {
        return strncmp(s, "/dev/", 5) == 0 && !strstr(s, "/..");
}

/* A driver name goes into modprobe.d lines of a plan: its grammar, normalised. */
static bool check_driver(char *s, size_t size) {
        char drv[VX_CAPTURE_MAX + 1];
        if (!s[0] || capture_normalize(VAR_DRIVER, s, strlen(s), drv) < 0)
                return false;
        snprintf(s, size, "%.31s", drv);
        return true;
}

static bool check_user(char *s, size_t size) {
        return s[0] && !strpbrk(s, ":/\n");
}

static bool check_fb_device(char *s, size_t size) {
        return fb_device_name_valid(s);
}

static const Field node_fields[] = {
        STR("path", FileNode, path, .check = check_dev_path, .what = "not a /dev path"),
        KNOWN("state", FileNode, state),
        INTF("uid", K_UINT, FileNode, uid, 0, UINT_MAX),
        INTF("gid", K_UINT, FileNode, gid, 0, UINT_MAX),
        INTF("mode", K_UINT, FileNode, mode, 0, 07777),
        STR("owner", FileNode, owner),
        STR("group", FileNode, group_name),
};
static const Table node_table = TABLE(node_fields);

static const Field device_fields[] = {
        STR("address", PciDevice, address, .check = check_address, .what = "not a PCI address"),
        INTF("vendor", K_UINT, PciDevice, vendor, 0, 0xffff),
        INTF("device", K_UINT, PciDevice, device, 0, 0xffff),
        INTF("subsystem_vendor", K_UINT, PciDevice, subsystem_vendor, 0, 0xffff),
        INTF("subsystem_device", K_UINT, PciDevice, subsystem_device, 0, 0xffff),
        INTF("class", K_UINT, PciDevice, class_code, 0, 0xffffff),
        KNOWN("header", PciDevice, header),
        BOOL("bridge", PciDevice, bridge),
        BOOL("multifunction", PciDevice, multifunction),
        KNOWN("driver_state", PciDevice, driver),
        STR("driver", PciDevice, driver_name),
        STR("driver_override", PciDevice, driver_override),
        /* Snapshots older than 'plan' do not have the driver's module. */
        KNOWN("driver_module_state", PciDevice, driver_module_state, .flags = OPTIONAL),
        STR("driver_module", PciDevice, driver_module, .flags = OPTIONAL),
        BOOL("driver_module_builtin", PciDevice, driver_module_builtin, .flags = OPTIONAL),
        KNOWN("group_state", PciDevice, group),
        INTF("group", K_UINT, PciDevice, group_id, 0, UINT_MAX),
        INTF("boot_vga", K_INT, PciDevice, boot_vga, -1, 1),
        STR("reset_method", PciDevice, reset_method),
        STR("power_state", PciDevice, power_state),
        INTF("sriov_numvfs", K_INT, PciDevice, sriov_numvfs, -1, 65535),
        STR("physfn", PciDevice, physfn, .check = check_address_or_empty, .what = "not a PCI address"),
        STR("name", PciDevice, name),
        /* Snapshots older than the names lspci -nnk shows do not have these. */
        STR("class_name", PciDevice, class_name, .flags = OPTIONAL),
        KNOWN("modules_state", PciDevice, modules_state, .flags = OPTIONAL | OMIT_EMPTY),
        STR("modules", PciDevice, modules, .flags = OPTIONAL | OMIT_EMPTY),
        INTF("host_use", K_UINT, PciDevice, host_use, 0,
             HOST_USE_FILESYSTEM | HOST_USE_ROUTE | HOST_USE_DISPLAY, .flags = OPTIONAL | OMIT_EMPTY),
        STR("host_use_what", PciDevice, host_use_what, .flags = OPTIONAL | OMIT_EMPTY),
        STR("upstream", PciDevice, upstream, .check = check_address_or_empty, .what = "not a PCI address"),
        KNOWN("acs", PciDevice, acs),
        INTF("acs_ctrl", K_UINT, PciDevice, acs_ctrl, 0, 0xffff),
        {.key = "bars", .kind = K_BARS},
        /* Only a device with a Resizable BAR has it (and snapshots older than its probe do not). */
        {.key = "rebar_sizes",
         .kind = K_U64S,
         .flags = OPTIONAL | OMIT_EMPTY,
         .offset = AT(PciDevice, rebar_sizes),
         .max = 6,
         .count = NO_COUNT},
};
static const Table device_table = TABLE(device_fields);

static const Field module_fields[] = {
        KNOWN("state", ModuleState, state),
        BOOL("builtin", ModuleState, builtin),
};
static const Table module_table = TABLE(module_fields);

#define MODULE(k, m) \
        { .key = k, .kind = K_OBJECT, .offset = AT(HostFacts, modules[m]), .sub = &module_table }
static const Field modules_fields[] = {
        MODULE("vfio", MODULE_VFIO),
        MODULE("vfio_iommu_type1", MODULE_VFIO_IOMMU_TYPE1),
        MODULE("vfio_pci", MODULE_VFIO_PCI),
        MODULE("kvm", MODULE_KVM),
};
static const Table modules_table = TABLE(modules_fields);

static const Field vfio_id_fields[] = {
        {.key = "vendor", .kind = K_UINT, .offset = IN(HostFacts, vfio_ids, vendor), .max = 0xffff},
        {.key = "device", .kind = K_UINT, .offset = IN(HostFacts, vfio_ids, device), .max = 0xffff},
        {.key = "source",
         .kind = K_STR,
         .offset = IN(HostFacts, vfio_ids, source),
         .size = sizeof(((HostFacts *) 0)->vfio_ids[0].source)},
};
static const Table vfio_id_table = TABLE(vfio_id_fields);

static const Field memlock_fields[] = {
        INTF("pid", K_INT, MemlockFact, pid, 0, INT_MAX),
        STR("comm", MemlockFact, comm),
        /* "device" (the first) is what version 1 snapshots carried; "devices" and "vm" came later. */
        {.key = "device", .kind = K_FIRST_DEVICE, .flags = OPTIONAL},
        {.key = "devices",
         .kind = K_STRS,
         .flags = OPTIONAL,
         .offset = AT(MemlockFact, devices),
         .size = sizeof(((MemlockFact *) 0)->devices[0]),
         .max = VX_QEMU_DEVICES_MAX,
         .count = AT(MemlockFact, n_devices),
         .check = check_address,
         .what = "not a PCI address"},
        STR("vm", MemlockFact, vm, .flags = OPTIONAL),
        BOOL("unlimited", MemlockFact, unlimited),
        U64("soft", MemlockFact, soft),
        KNOWN("ids", MemlockFact, ids),
        INTF("uid", K_UINT, MemlockFact, uid, 0, UINT_MAX),
        INTF("gid", K_UINT, MemlockFact, gid, 0, UINT_MAX),
        /* Snapshots made before it was probed do not have it: not probed. */
        KNOWN("ipc_lock", MemlockFact, ipc_lock, .flags = OPTIONAL),
        {.key = "groups",
         .kind = K_UINTS,
         .offset = AT(MemlockFact, groups),
         .max = 16,
         .count = AT(MemlockFact, n_groups)},
};
static const Table memlock_table = TABLE(memlock_fields);

/* Added after version 1 was fixed: optional when read, as one object. */
static const Field system_fields[] = {
        STR("kernel_release", HostFacts, kernel_release),
        STR("hostname", HostFacts, hostname),
        KNOWN("cpu", HostFacts, cpu),
        STR("cpu_model", HostFacts, cpu_model),
        BOOL("cpu_vmx", HostFacts, cpu_vmx),
        BOOL("cpu_svm", HostFacts, cpu_svm),
        {.key = "users",
         .kind = K_STRS,
         .offset = AT(HostFacts, users),
         .size = sizeof(((HostFacts *) 0)->users[0]),
         .max = FACTS_USERS_MAX,
         .count = AT(HostFacts, n_users),
         .check = check_user,
         .what = "not a user name"},
        KNOWN("packages", HostFacts, packages),
        STR("qemu_version", HostFacts, qemu_version),
        STR("libvirt_version", HostFacts, libvirt_version),
};
static const Table system_table = TABLE(system_fields);

static const Field framebuffer_fields[] = {
        STR("name", FramebufferHold, name),
        STR("driver", FramebufferHold, driver, .flags = OPTIONAL | OMIT_EMPTY),
        U64("start", FramebufferHold, start),
        U64("end", FramebufferHold, end),
        STR("device", FramebufferHold, device, .check = check_address, .what = "not a PCI address"),
        INTF("bar", K_INT, FramebufferHold, bar, 0, 5),
};
static const Table framebuffer_table = TABLE(framebuffer_fields);

static const Field vtconsole_fields[] = {
        INTF("index", K_UINT, VtConsole, index, 0, 999),
        STR("name", VtConsole, name),
        BOOL("bound", VtConsole, bound),
};
static const Table vtconsole_table = TABLE(vtconsole_fields);

static const Field fb_fields[] = {
        INTF("index", K_UINT, FbDevice, index, 0, 999),
        STR("name", FbDevice, name),
        STR("device", FbDevice, device, .check = check_fb_device, .what = "not a device name"),
};
static const Table fb_table = TABLE(fb_fields);

#define ARRAY(k, m, n, tbl, mx, ...)                                                                        \
        {                                                                                                   \
                .key = k, .kind = K_ARRAY, .offset = AT(HostFacts, m),                                      \
                .size = sizeof(((HostFacts *) 0)->m[0]), .count = AT(HostFacts, n), .sub = &tbl, .max = mx, \
                __VA_ARGS__                                                                                 \
        }

/* Only a Proxmox VE host has its boot facts: the snapshots of other hosts read as before. */
static bool is_proxmox(const HostFacts *host) {
        return host->distro == DISTRO_PROXMOX;
}

/* Every field of a snapshot, in the order it is written. */
static const Field host_fields[] = {
        {.key = "version", .kind = K_VERSION},
        {.key = "probed", .kind = K_PROBED},
        {.key = "root", .kind = K_IGNORED, .size = PATH_MAX},
        KNOWN("os_release", HostFacts, os_release),
        STR("os_id", HostFacts, os_id),
        STR("os_pretty", HostFacts, os_pretty),
        /* Snapshots older than journal support have none. */
        STR("machine_id", HostFacts, machine_id, .flags = OPTIONAL),
        {.key = "distro",
         .kind = K_ENUM,
         .offset = AT(HostFacts, distro),
         .to_string = snapshot_distro_name,
         .from_string = distro_from_string},
        {.key = "cpu_vendor",
         .kind = K_ENUM,
         .flags = OPTIONAL,
         .offset = AT(HostFacts, cpu_vendor),
         .to_string = snapshot_cpu_vendor_name,
         .from_string = cpu_vendor_from_string},
        KNOWN("cmdline_state", HostFacts, cmdline),
        STR("cmdline", HostFacts, cmdline_text),
        KNOWN("iommu_class", HostFacts, iommu_class),
        INTF("iommu_units", K_SIZE, HostFacts, n_iommus, 0, 4096),
        KNOWN("acpi_dmar", HostFacts, acpi_dmar),
        KNOWN("acpi_ivrs", HostFacts, acpi_ivrs),
        KNOWN("irq_remapping", HostFacts, irq_remapping),
        {.key = "modules", .kind = K_OBJECT, .sub = &modules_table},
        STR("allow_unsafe_interrupts", HostFacts, allow_unsafe_interrupts),
        STR("noiommu_mode", HostFacts, noiommu_mode),
        KNOWN("pci", HostFacts, pci),
        ARRAY("devices", devices, n_devices, device_table, FACTS_DEVICES_MAX, .flags = HEAP),
        {.key = "vfio_container",
         .kind = K_OBJECT,
         .offset = AT(HostFacts, vfio_container),
         .sub = &node_table},
        {.key = "kvm", .kind = K_OBJECT, .offset = AT(HostFacts, kvm), .sub = &node_table},
        ARRAY("group_nodes", group_nodes, n_group_nodes, node_table, FACTS_GROUP_NODES_MAX, .flags = HEAP),
        ARRAY("vfio_ids", vfio_ids, n_vfio_ids, vfio_id_table, ELEMENTSOF(((HostFacts *) 0)->vfio_ids)),
        {.key = "softdep_before_vfio",
         .kind = K_STRS,
         .offset = AT(HostFacts, softdep_drivers),
         .size = sizeof(((HostFacts *) 0)->softdep_drivers[0]),
         .max = ELEMENTSOF(((HostFacts *) 0)->softdep_drivers),
         .count = AT(HostFacts, n_softdep_drivers),
         .check = check_driver,
         .what = "not a driver name"},
        KNOWN("grub_default", HostFacts, grub_default),
        KNOWN("proxmox_systemd_boot", HostFacts, proxmox_systemd_boot, .flags = OPTIONAL,
              .written = is_proxmox),
        STR("kernel_cmdline_file", HostFacts, kernel_cmdline_file, .flags = OPTIONAL, .written = is_proxmox),
        STR("grub_cmdline", HostFacts, grub_cmdline),
        KNOWN("initramfs", HostFacts, initramfs),
        STR("initramfs_path", HostFacts, initramfs_path),
        INTF("initramfs_mtime", K_LLONG, HostFacts, initramfs_mtime, LLONG_MIN, LLONG_MAX),
        STR("vfio_conf_path", HostFacts, vfio_conf_path),
        INTF("vfio_conf_mtime", K_LLONG, HostFacts, vfio_conf_mtime, LLONG_MIN, LLONG_MAX),
        /* The replaying user is not the one who took the snapshot: its groups are not carried. */
        KNOWN("self_ids", HostFacts, self_ids),
        INTF("self_uid", K_UINT, HostFacts, self_uid, 0, UINT_MAX),
        INTF("self_gid", K_UINT, HostFacts, self_gid, 0, UINT_MAX),
        KNOWN("qemu_conf", HostFacts, qemu_conf),
        STR("qemu_user", HostFacts, qemu_user),
        STR("qemu_group", HostFacts, qemu_group),
        INTF("qemu_uid", K_UINT, HostFacts, qemu_uid, 0, UINT_MAX),
        INTF("qemu_gid", K_UINT, HostFacts, qemu_gid, 0, UINT_MAX),
        KNOWN("qemu_ids", HostFacts, qemu_ids),
        ARRAY("memlock", memlock, n_memlock, memlock_table, FACTS_MEMLOCK_MAX),
        KNOWN("hugepages", HostFacts, hugepages),
        U64("hugepages_total", HostFacts, hugepages_total),
        U64("hugepages_free", HostFacts, hugepages_free),
        U64("hugepage_kb", HostFacts, hugepage_kb),
        {.key = "udev_vfio_rules",
         .kind = K_STRS,
         .offset = AT(HostFacts, udev_vfio_rules),
         .size = sizeof(((HostFacts *) 0)->udev_vfio_rules[0]),
         .max = ELEMENTSOF(((HostFacts *) 0)->udev_vfio_rules),
         .count = AT(HostFacts, n_udev_vfio_rules)},
        KNOWN("iomem", HostFacts, iomem),
        {.key = "system", .kind = K_OBJECT, .flags = OPTIONAL, .sub = &system_table},
        ARRAY("framebuffers", framebuffers, n_framebuffers, framebuffer_table, FACTS_FRAMEBUFFER_MAX),
        /* The console facts only where they were read: most snapshots of headless hosts have none. */
        ARRAY("vtconsoles", vtconsoles, n_vtconsoles, vtconsole_table, FACTS_CONSOLES_MAX,
              .flags = OPTIONAL | OMIT_EMPTY),
        ARRAY("fbs", fbs, n_fbs, fb_table, FACTS_FRAMEBUFFER_MAX, .flags = OPTIONAL | OMIT_EMPTY),
};
static const Table host_table = TABLE(host_fields);

/* ---- writing ---- */

#define MEMBER(type, base, f) ((type *) ((char *) (base) + (f)->offset))
#define CMEMBER(type, base, f) ((const type *) ((const char *) (base) + (f)->offset))

static size_t count_of(const void *base, const Field *f) {
        return *(const size_t *) ((const char *) base + f->count);
}

static struct json_object *object_json(const Table *t, const void *base, const HostFacts *host);

/* The value of f in the struct at base, NULL when it is not written (OMIT_EMPTY and empty). Every string
 * as output writes it (escape.h json_text()): a snapshot is read by people too. */
static struct json_object *field_json(const Field *f, const void *base, const HostFacts *host) {
        struct json_object *a;
        switch (f->kind) {
        case K_VERSION:
                return json_object_new_int64(SNAPSHOT_VERSION);
        case K_PROBED:
                return json_object_new_boolean(host->root != NULL);
        case K_IGNORED:
                return json_text(host->root);
        case K_STR: {
                const char *s = CMEMBER(char, base, f);
                return (f->flags & OMIT_EMPTY) && !s[0] ? NULL : json_text(s);
        }
        case K_INT:
                return json_object_new_int64(*CMEMBER(int, base, f));
        case K_UINT: {
                unsigned v = *CMEMBER(unsigned, base, f);
                return (f->flags & OMIT_EMPTY) && v == 0 ? NULL : json_object_new_int64(v);
        }
        case K_LLONG:
                return json_object_new_int64(*CMEMBER(long long, base, f));
        case K_SIZE:
                return json_object_new_int64((long long) *CMEMBER(size_t, base, f));
        case K_U64:
                return json_object_new_uint64(*CMEMBER(unsigned long long, base, f));
        case K_BOOL:
                return json_object_new_boolean(*CMEMBER(bool, base, f));
        case K_KNOWN: {
                Known v = *CMEMBER(Known, base, f);
                return (f->flags & OMIT_EMPTY) && v == KNOWN_NOT_PROBED ? NULL
                                                                        : json_text(known_to_string(v));
        }
        case K_ENUM:
                return json_text(f->to_string(*CMEMBER(int, base, f)));
        case K_OBJECT:
                return object_json(f->sub, (const char *) base + f->offset, host);
        case K_ARRAY: {
                size_t n = count_of(base, f);
                const char *elems = (f->flags & HEAP) ? *CMEMBER(char *, base, f) : CMEMBER(char, base, f);
                if ((f->flags & OMIT_EMPTY) && n == 0)
                        return NULL;
                a = json_object_new_array();
                for (size_t i = 0; i < n; i++)
                        json_object_array_add(a, object_json(f->sub, elems + i * f->size, host));
                return a;
        }
        case K_STRS:
                a = json_object_new_array();
                for (size_t i = 0; i < count_of(base, f); i++)
                        json_object_array_add(a, json_text(CMEMBER(char, base, f) + i * f->size));
                return a;
        case K_UINTS:
                a = json_object_new_array();
                for (size_t i = 0; i < count_of(base, f); i++)
                        json_object_array_add(a, json_object_new_int64(CMEMBER(unsigned, base, f)[i]));
                return a;
        case K_U64S: {
                const unsigned long long *v = CMEMBER(unsigned long long, base, f);
                bool any = false;
                for (long long i = 0; i < f->max; i++)
                        any = any || v[i];
                if ((f->flags & OMIT_EMPTY) && !any)
                        return NULL;
                a = json_object_new_array();
                for (long long i = 0; i < f->max; i++)
                        json_object_array_add(a, json_object_new_uint64(v[i]));
                return a;
        }
        case K_BARS: {
                const PciDevice *d = base;
                a = json_object_new_array();
                for (int i = 0; i < 6; i++) {
                        struct json_object *b = json_object_new_array();
                        json_object_array_add(b, json_object_new_uint64(d->bar_start[i]));
                        json_object_array_add(b, json_object_new_uint64(d->bar_end[i]));
                        json_object_array_add(a, b);
                }
                return a;
        }
        case K_FIRST_DEVICE: {
                const MemlockFact *m = base;
                return json_text(m->n_devices ? m->devices[0] : "");
        }
        }
        return NULL;
}

static struct json_object *object_json(const Table *t, const void *base, const HostFacts *host) {
        struct json_object *o = json_object_new_object();
        for (size_t i = 0; o && i < t->n; i++) {
                /* A host that was not probed is its version and that alone. */
                if (t == &host_table && !host->root && t->fields[i].kind != K_VERSION &&
                    t->fields[i].kind != K_PROBED)
                        break;
                if (t->fields[i].written && !t->fields[i].written(host))
                        continue;
                struct json_object *v = field_json(&t->fields[i], base, host);
                if (v)
                        json_object_object_add(o, t->fields[i].key, v);
        }
        return o;
}

struct json_object *facts_to_json(const HostFacts *f) {
        return object_json(&host_table, f, f);
}

/* As output writes pretty JSON (output_json.c JSON_FLAGS). */
#define PRETTY (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* v as json-c pretty-prints it at a depth of indent spaces (a JSON string holds no raw newline, so each
 * one starts a line: json-c's indentation is relative), after sep, a line break and indent spaces. Takes v.
 */
static int put_pretty(StrBuf *out, const char *sep, size_t indent, const char *key, struct json_object *v) {
        static const char spaces[] = "                ";
        size_t len;
        const char *s = v ? json_object_to_json_string_length(v, PRETTY, &len) : NULL;
        int r = 0;

        assert(indent <= sizeof(spaces) - 1);
        if (!s) {
                r = -ENOMEM;
                goto out;
        }
        strbuf_puts(out, sep);
        strbuf_putc(out, '\n');
        strbuf_append(out, spaces, indent);
        if (key)
                strbuf_printf(out, "\"%s\": ", key);
        strbuf_append_indented(out, s, len, indent);
out:
        json_object_put(v);
        return r;
}

int facts_put_json(const HostFacts *f, size_t indent, size_t max, int (*flush)(StrBuf *out), StrBuf *out) {
        static const char spaces[] = "                ";
        const Table *t = &host_table;
        size_t start = out->len;
        const char *sep = "";
        int r;

        assert(indent + 4 <= sizeof(spaces) - 1);
        assert(!flush || max == SIZE_MAX);
        strbuf_putc(out, '{');
        for (size_t i = 0; i < t->n; i++) {
                const Field *fl = &t->fields[i];
                /* The members of object_json(), in its order and with its omissions. */
                if (!f->root && fl->kind != K_VERSION && fl->kind != K_PROBED)
                        break;
                if (fl->written && !fl->written(f))
                        continue;
                if (fl->kind != K_ARRAY) {
                        struct json_object *v = field_json(fl, f, f);
                        if (v && (r = put_pretty(out, sep, indent + 2, fl->key, v)) < 0)
                                return r;
                        sep = v ? "," : sep;
                } else {
                        /* A list (4096 devices) an entry at a time. */
                        size_t n = count_of(f, fl);
                        const char *elems =
                                (fl->flags & HEAP) ? *CMEMBER(char *, f, fl) : CMEMBER(char, f, fl);
                        if ((fl->flags & OMIT_EMPTY) && n == 0)
                                continue;
                        strbuf_printf(out, "%s\n%.*s\"%s\": [", sep, (int) indent + 2, spaces, fl->key);
                        for (size_t k = 0; k < n; k++) {
                                if ((r = put_pretty(out, k ? "," : "", indent + 4, NULL,
                                                    object_json(fl->sub, elems + k * fl->size, f))) < 0)
                                        return r;
                                if (flush && (r = flush(out)) < 0)
                                        return r;
                                start = MIN(start, out->len);
                                if (out->len - start > max)
                                        return -EFBIG;
                        }
                        /* json-c breaks the line before the bracket of an empty list too. */
                        strbuf_printf(out, "\n%.*s]", (int) indent + 2, spaces);
                        sep = ",";
                }
                if (out->len - start > max)
                        return -EFBIG;
        }
        strbuf_printf(out, "\n%.*s}", (int) indent, spaces);
        if (strbuf_failed(out))
                return -ENOMEM;
        return out->len - start > max ? -EFBIG : 0;
}

/* ---- reading: one pass over the text, each value checked as its token is read, nothing kept but the
 * facts. No tree is built, so what a crafted file costs is the HostFacts it fills, at most. ---- */

struct Reader {
        const char *p, *start, *end;
        Diag *diag;
        bool failed, oom;
        char path[128]; /* where we are: "devices[].vendor" */
        size_t path_len;
};

static void bad(Reader *r, const char *what) {
        r->oom = r->oom || (!r->failed && strcmp(what, "out of memory") == 0);
        if (!r->failed)
                diag_addf(r->diag, "snapshot: %s%s%s", r->path, r->path_len ? ": " : "", what);
        r->failed = true;
}

static void syntax(Reader *r, const char *what) {
        if (!r->failed)
                diag_addf(r->diag, "snapshot: not JSON at byte %zu: %s", (size_t) (r->p - r->start), what);
        r->failed = true;
}

static size_t path_push(Reader *r, const char *key, bool element) {
        size_t old = r->path_len;
        int n = snprintf(r->path + old, sizeof(r->path) - old, "%s%s%s", old && !element ? "." : "", key,
                         element ? "[]" : "");
        r->path_len = n < 0 ? old : MIN(old + (size_t) n, sizeof(r->path) - 1);
        return old;
}

static void path_pop(Reader *r, size_t old) {
        r->path_len = old;
        r->path[old] = 0;
}

static void ws(Reader *r) {
        while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
                r->p++;
}

/* Skips blanks and takes c, if it is next. */
static bool take(Reader *r, char c) {
        ws(r);
        if (r->p < r->end && *r->p == c) {
                r->p++;
                return true;
        }
        return false;
}

static bool expect(Reader *r, char c, const char *what) {
        if (take(r, c))
                return true;
        syntax(r, what);
        return false;
}

static int hex4(const char *p) {
        Span s = span_make(p, 4);
        uint64_t v;
        return span_eat_xdigits(&s, 4, &v) ? (int) v : -1;
}

/* A JSON string, decoded into out (at most size - 1 bytes and a NUL): false, said, if it is not one or
 * does not fit. Control characters (escaped or not) are refused: they would reach a terminal. */
static bool read_string(Reader *r, char *out, size_t size, bool is_key) {
        size_t n = 0;
        if (!take(r, '"')) {
                if (is_key)
                        syntax(r, "a key expected");
                else
                        bad(r, "not a string");
                return false;
        }
        for (;;) {
                if (r->p >= r->end) {
                        syntax(r, "a string without its end");
                        return false;
                }
                unsigned char c = (unsigned char) *r->p++;
                uint32_t cp;
                if (c == '"')
                        break;
                if (c < 0x20) {
                        syntax(r, "a control character in a string");
                        return false;
                }
                if (c != '\\') {
                        if (c == 0x7f) {
                                bad(r, "holds a control character");
                                return false;
                        }
                        if (n + 1 >= size) {
                                bad(r, is_key ? "unknown key" : "too long");
                                return false;
                        }
                        out[n++] = (char) c;
                        continue;
                }
                if (r->p >= r->end) {
                        syntax(r, "a string without its end");
                        return false;
                }
                c = (unsigned char) *r->p++;
                switch (c) {
                case '"':
                case '\\':
                case '/':
                        cp = c;
                        break;
                case 'u': {
                        int v = r->end - r->p >= 4 ? hex4(r->p) : -1;
                        if (v < 0) {
                                syntax(r, "a bad \\u escape");
                                return false;
                        }
                        r->p += 4;
                        cp = (uint32_t) v;
                        if (cp >= 0xd800 && cp <= 0xdbff) {
                                int lo = r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u'
                                        ? hex4(r->p + 2)
                                        : -1;
                                if (lo < 0xdc00 || lo > 0xdfff) {
                                        syntax(r, "a lone surrogate");
                                        return false;
                                }
                                r->p += 6;
                                cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t) lo - 0xdc00);
                        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                                syntax(r, "a lone surrogate");
                                return false;
                        }
                        break;
                }
                case 'b':
                case 'f':
                case 'n':
                case 'r':
                case 't':
                        cp = 0x1f; /* a control character, refused below */
                        break;
                default:
                        syntax(r, "a bad escape");
                        return false;
                }
                if (cp < 0x20 || cp == 0x7f) {
                        bad(r, "holds a control character");
                        return false;
                }
                char u[4];
                size_t k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                if (k == 1)
                        u[0] = (char) cp;
                else if (k == 2)
                        u[0] = (char) (0xc0 | cp >> 6), u[1] = (char) (0x80 | (cp & 0x3f));
                else if (k == 3)
                        u[0] = (char) (0xe0 | cp >> 12), u[1] = (char) (0x80 | (cp >> 6 & 0x3f)),
                        u[2] = (char) (0x80 | (cp & 0x3f));
                else
                        u[0] = (char) (0xf0 | cp >> 18), u[1] = (char) (0x80 | (cp >> 12 & 0x3f)),
                        u[2] = (char) (0x80 | (cp >> 6 & 0x3f)), u[3] = (char) (0x80 | (cp & 0x3f));
                if (n + k >= size) {
                        bad(r, is_key ? "unknown key" : "too long");
                        return false;
                }
                memcpy(out + n, u, k);
                n += k;
        }
        /* What the writer would escape (bytes that are not UTF-8, C1 controls, invisible code points) no
         * snapshot it wrote holds: refused, so that what is read writes out as it was read. */
        if (escape_needed(out, n)) {
                bad(r, "holds bytes that are not UTF-8 or a control character");
                return false;
        }
        out[n] = 0;
        return true;
}

/* A JSON integer (no fraction, no exponent: json-c writes none for these fields). */
static bool read_integer(Reader *r, bool *negative, unsigned long long *magnitude) {
        ws(r);
        *negative = r->p < r->end && *r->p == '-';
        if (*negative)
                r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') {
                bad(r, "not an integer");
                return false;
        }
        unsigned long long v = 0;
        const char *digits = r->p;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
                unsigned d = (unsigned) (*r->p++ - '0');
                if (v > (ULLONG_MAX - d) / 10) {
                        bad(r, "out of range");
                        return false;
                }
                v = v * 10 + d;
        }
        if ((r->p - digits > 1 && *digits == '0') ||
            (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))) {
                bad(r, "not an integer");
                return false;
        }
        *magnitude = v;
        return true;
}

static bool read_ll(Reader *r, long long min, long long max, long long *ret) {
        bool neg;
        unsigned long long m;
        if (!read_integer(r, &neg, &m))
                return false;
        if ((!neg && m > (unsigned long long) LLONG_MAX) ||
            (neg && m > (unsigned long long) LLONG_MAX + 1)) {
                bad(r, "out of range");
                return false;
        }
        long long v = neg ? (long long) (0 - m) : (long long) m;
        if (v < min || v > max) {
                bad(r, "out of range");
                return false;
        }
        *ret = v;
        return true;
}

static bool read_u64(Reader *r, unsigned long long *ret) {
        bool neg;
        unsigned long long m;
        if (!read_integer(r, &neg, &m))
                return false;
        if (neg && m > 0) {
                bad(r, "out of range");
                return false;
        }
        *ret = m;
        return true;
}

static bool read_literal(Reader *r, const char *lit) {
        size_t n = strlen(lit);
        if ((size_t) (r->end - r->p) >= n && memcmp(r->p, lit, n) == 0) {
                r->p += n;
                return true;
        }
        return false;
}

static bool read_bool(Reader *r, bool *ret) {
        ws(r);
        if (read_literal(r, "true"))
                *ret = true;
        else if (read_literal(r, "false"))
                *ret = false;
        else {
                bad(r, "not true or false");
                return false;
        }
        return true;
}

/* A string that is a name from_string() knows. */
static bool read_name(Reader *r, int (*from_string)(const char *s, size_t len), int *ret) {
        char buf[32];
        if (!read_string(r, buf, sizeof(buf), false))
                return false;
        int v = from_string(buf, strlen(buf));
        if (v < 0) {
                bad(r, "not one of the known values");
                return false;
        }
        *ret = v;
        return true;
}

static bool read_checked_string(Reader *r, const Field *f, char *out) {
        if (!read_string(r, out, f->size, false))
                return false;
        if (f->check && !f->check(out, f->size)) {
                bad(r, f->what);
                return false;
        }
        return true;
}

static bool read_object(Reader *r, const Table *t, void *base);

/* "[" VALUE, ... "]", calling one(i) for each value: refused past max entries, before it is read. */
#define READ_ARRAY(r, max, i, one)                                  \
        do {                                                        \
                if (!take(r, '[')) {                                \
                        bad(r, "not an array");                     \
                        return false;                               \
                }                                                   \
                if (take(r, ']'))                                   \
                        break;                                      \
                size_t old_ = path_push(r, "", true);               \
                for (size_t i = 0;; i++) {                          \
                        if (i >= (size_t) (max)) {                  \
                                bad(r, "too many entries");         \
                                return false;                       \
                        }                                           \
                        if (!(one))                                 \
                                return false;                       \
                        if (take(r, ']'))                           \
                                break;                              \
                        if (!expect(r, ',', "',' or ']' expected")) \
                                return false;                       \
                }                                                   \
                path_pop(r, old_);                                  \
        } while (0)

static bool read_element(Reader *r, const Field *f, void *base, size_t i, size_t *capacity) {
        char *elems;
        if (f->flags & HEAP) {
                char **p = MEMBER(char *, base, f);
                if (i == *capacity) {
                        size_t cap = MIN(MAX(*capacity * 2, (size_t) 16), (size_t) f->max);
                        char *a = realloc(*p, cap * f->size);
                        if (!a) {
                                bad(r, "out of memory");
                                return false;
                        }
                        *p = a;
                        *capacity = cap;
                }
                elems = *p;
        } else
                elems = MEMBER(char, base, f);
        memset(elems + i * f->size, 0, f->size);
        *(size_t *) ((char *) base + f->count) = i + 1;
        return read_object(r, f->sub, elems + i * f->size);
}

static bool read_string_entry(Reader *r, const Field *f, void *base, size_t i) {
        *(size_t *) ((char *) base + f->count) = i + 1;
        return read_checked_string(r, f, MEMBER(char, base, f) + i * f->size);
}

static bool read_uint_entry(Reader *r, const Field *f, void *base, size_t i) {
        long long v;
        *(size_t *) ((char *) base + f->count) = i + 1;
        if (!read_ll(r, 0, UINT_MAX, &v))
                return false;
        MEMBER(unsigned, base, f)[i] = (unsigned) v;
        return true;
}

/* "[start, end]", one BAR's. */
static bool read_bar(Reader *r, PciDevice *d, size_t i) {
        if (take(r, '[') && read_u64(r, &d->bar_start[i]) && take(r, ',') && read_u64(r, &d->bar_end[i]) &&
            take(r, ']'))
                return true;
        bad(r, "expected [start, end]");
        return false;
}

static bool read_value(Reader *r, const Field *f, void *base) {
        long long v;
        int e;
        switch (f->kind) {
        case K_VERSION:
                if (!read_ll(r, 0, INT_MAX, &v))
                        return false;
                if (v != SNAPSHOT_VERSION) {
                        bad(r, "not a version 1 snapshot");
                        return false;
                }
                return true;
        case K_PROBED: {
                bool probed;
                if (!read_bool(r, &probed))
                        return false;
                if (!probed)
                        bad(r, "a snapshot of a host that was not probed");
                return probed;
        }
        case K_IGNORED: {
                _cleanup_free_ char *s = malloc(f->size);
                if (!s) {
                        bad(r, "out of memory");
                        return false;
                }
                return read_string(r, s, f->size, false);
        }
        case K_STR:
                return read_checked_string(r, f, MEMBER(char, base, f));
        case K_INT:
                if (!read_ll(r, f->min, f->max, &v))
                        return false;
                *MEMBER(int, base, f) = (int) v;
                return true;
        case K_UINT:
                if (!read_ll(r, f->min, f->max, &v))
                        return false;
                *MEMBER(unsigned, base, f) = (unsigned) v;
                return true;
        case K_LLONG:
                if (!read_ll(r, f->min, f->max, &v))
                        return false;
                *MEMBER(long long, base, f) = v;
                return true;
        case K_SIZE:
                if (!read_ll(r, f->min, f->max, &v))
                        return false;
                *MEMBER(size_t, base, f) = (size_t) v;
                return true;
        case K_U64:
                return read_u64(r, MEMBER(unsigned long long, base, f));
        case K_BOOL:
                return read_bool(r, MEMBER(bool, base, f));
        case K_KNOWN:
                if (!read_name(r, known_from_string, &e))
                        return false;
                *MEMBER(Known, base, f) = (Known) e;
                return true;
        case K_ENUM:
                if (!read_name(r, f->from_string, &e))
                        return false;
                *MEMBER(int, base, f) = e;
                return true;
        case K_OBJECT:
                return read_object(r, f->sub, (char *) base + f->offset);
        case K_ARRAY: {
                size_t capacity = 0;
                *(size_t *) ((char *) base + f->count) = 0;
                READ_ARRAY(r, f->max, i, read_element(r, f, base, i, &capacity));
                return true;
        }
        case K_STRS:
                *(size_t *) ((char *) base + f->count) = 0;
                READ_ARRAY(r, f->max, i, read_string_entry(r, f, base, i));
                return true;
        case K_UINTS:
                *(size_t *) ((char *) base + f->count) = 0;
                READ_ARRAY(r, f->max, i, read_uint_entry(r, f, base, i));
                return true;
        case K_U64S:
                READ_ARRAY(r, f->max, i, read_u64(r, MEMBER(unsigned long long, base, f) + i));
                return true;
        case K_BARS:
                READ_ARRAY(r, 6, i, read_bar(r, base, i));
                return true;
        case K_FIRST_DEVICE: {
                /* Read either way; kept only where "devices" is not given (seen after it, or not at all). */
                MemlockFact *m = base;
                char dev[sizeof(m->devices[0])];
                static const Field address = {
                        .size = sizeof(dev), .check = check_address_or_empty, .what = "not a PCI address"};
                if (!read_checked_string(r, &address, dev))
                        return false;
                if (m->n_devices == 0 && dev[0]) {
                        memcpy(m->devices[0], dev, sizeof(dev));
                        m->n_devices = 1;
                }
                return true;
        }
        }
        return false;
}

/* "{" KEY: VALUE, ... "}" with the fields of t: an unknown key, one given twice or a missing one is
 * refused. */
_Static_assert(ELEMENTSOF(host_fields) <= 96, "read_object()'s seen[] holds every field of a table");

static bool read_object(Reader *r, const Table *t, void *base) {
        bool seen[96] = {};
        char key[64];

        if (!take(r, '{')) {
                bad(r, "not an object");
                return false;
        }
        if (!take(r, '}'))
                for (;;) {
                        size_t old = r->path_len;
                        if (!read_string(r, key, sizeof(key), true)) {
                                if (r->failed)
                                        return false;
                        }
                        size_t k = 0;
                        while (k < t->n && strcmp(t->fields[k].key, key) != 0)
                                k++;
                        path_push(r, key, false);
                        if (k == t->n) {
                                bad(r, "unknown key");
                                return false;
                        }
                        if (seen[k]) {
                                bad(r, "given twice");
                                return false;
                        }
                        seen[k] = true;
                        if (!expect(r, ':', "':' expected"))
                                return false;
                        const Field *f = &t->fields[k];
                        if (!read_value(r, f, base))
                                return false;
                        path_pop(r, old);
                        if (take(r, '}'))
                                break;
                        if (!expect(r, ',', "',' or '}' expected"))
                                return false;
                }
        for (size_t k = 0; k < t->n; k++)
                if (!seen[k] && !(t->fields[k].flags & OPTIONAL)) {
                        size_t old = path_push(r, t->fields[k].key, false);
                        bad(r, "missing");
                        path_pop(r, old);
                        return false;
                }
        return true;
}

int facts_from_json(const char *buf, size_t len, const char *label, HostFacts *ret, Diag *diag) {
        Reader r = {.p = buf, .start = buf, .end = buf + len, .diag = diag};
        HostFacts f = {.root = label};

        if (len > VX_SNAPSHOT_MAX) {
                diag_addf(diag, "snapshot: %zu bytes, more than a snapshot can be (%u)", len,
                          VX_SNAPSHOT_MAX);
                return -EFBIG;
        }
        ws(&r);
        bool ok = r.p < r.end && *r.p == '{';
        if (!ok)
                bad(&r, "not a JSON object");
        ok = ok && read_object(&r, &host_table, &f);
        if (ok) {
                ws(&r);
                if (r.p != r.end)
                        syntax(&r, "more after the snapshot's object");
        }
        if (r.failed || !ok) {
                host_facts_done(&f);
                return r.oom ? -ENOMEM : -EINVAL;
        }
        *ret = f;
        return 0;
}
