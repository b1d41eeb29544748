/* SPDX-License-Identifier: MIT */
#pragma once

/* What the input tells of the host it comes from, beside the rules' findings: its architecture and CPU
 * vendor, whether a boot's kernel log shows the IOMMU, the kernel and QEMU versions, its host names, and the
 * PCI devices it names with their ids and classes, and the IOMMU group listings pasted in it. Conditions of
 * rule files are evaluated against it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "condition.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/line.h"

typedef struct EpochInfo {
        bool boot_start; /* its kernel log is read from the boot's first line */
        bool iommu_lines; /* a kernel line of it is the IOMMU driver's (DMAR, AMD-Vi, an SMMU, a group added)
                           */
        bool linux_known;
        unsigned linux_version[3];
} EpochInfo;

/* A device an IOMMU group listing pasted in the input puts in a group. */
typedef struct ListedMember {
        unsigned group, epoch;
        PciAddress address;
        bool bridge; /* a PCI bridge or root port ([0604], [0609]; "PCI bridge" without -nn) */
        bool whole; /* from a heading joined with all of its group's members */
        bool cut; /* from a heading joined with as many lines as a join takes: maybe not all */
} ListedMember;

/* What a listed group holds beside a member. */
typedef enum ListedGroup {
        LISTED_NONE, /* the device is in no listing */
        LISTED_CARD_ONLY, /* only functions of its own card and bridges */
        LISTED_OTHERS, /* another device too */
} ListedGroup;

/* A device of a pasted lspci listing (pciutils lspci.c show_device(); -k: ls-kernel.c show_kernel()). */
typedef struct PastedDevice {
        PciAddress address;
        unsigned epoch;
        int vendor, device; /* -1 where the listing has no ids (no -nn) */
        bool kernel_lines; /* -k: its "Kernel driver in use" / "Kernel modules" lines were joined to it */
        char driver[32]; /* the driver in use, "" for none */
        const char *input; /* the input it was pasted in */
        bool guest; /* its listing is a guest's (QEMU's own devices in it): no fact of a host */
} PastedDevice;

/* A vfio-pci ids= setting pasted: an "options vfio-pci ids=" line of /etc/modprobe.d (cat, or grep's
 * "FILE:" before it), or vfio-pci.ids= on a pasted /proc/cmdline. */
typedef struct PastedIds {
        unsigned epoch;
        const char *input; /* where it was read: the analysis's input name, and its line */
        unsigned long line;
        char text[VX_PASTED_TEXT_MAX + 1]; /* the line as read, for its evidence */
        char where[64]; /* the file grep named, "/etc/modprobe.d/", or "/proc/cmdline" */
        uint32_t ids[VX_PASTED_IDS_MAX]; /* vendor << 16 | device */
        size_t n_ids;
} PastedIds;

/* A device a line shows handed to vfio or a VMM (condition assigned=): the first such line of an input in a
 * boot; line 0 for a listing, which shows the state after the log. */
typedef struct AssignedNote {
        PciAddress address;
        const char *input;
        unsigned epoch;
        unsigned long line;
} AssignedNote;

/* Where the line context_note_line() reads comes from. */
typedef struct ContextWhere {
        const char *input; /* the analysis's own copy of the input name */
        unsigned long line;
        const char *raw; /* the line as read */
        size_t len;
        Span command; /* the command a shell prompt (or "+ ") showed on the line, empty if none */
} ContextWhere;

/* A pasted `lsmod | grep vfio` (kmod tools/lsmod.c) that lists the module vfio: a vfio built as a module,
 * so vfio-pci, which depends on it, is no built-in that lsmod would not list. */
typedef struct PastedLsmod {
        unsigned epoch;
        const char *input; /* the analysis's input name, and the line of vfio */
        unsigned long line;
        char text[VX_PASTED_TEXT_MAX + 1]; /* the line of vfio as read, for its evidence */
        bool vfio_pci; /* a line of the grep's output shows vfio_pci loaded (its own, or as a holder) */
} PastedLsmod;

/* A pasted `ulimit -l` (bash builtins/ulimit.def): the command on a prompt's line, then on the next line the
 * soft locked-memory limit of that shell in KiB, or "unlimited". */
typedef struct PastedUlimit {
        unsigned epoch;
        const char *input; /* the analysis's input name, and the line of the number */
        unsigned long line;
        char text[VX_PASTED_TEXT_MAX + 1]; /* the line of the number as read, for its evidence */
        char value[16]; /* the number, or "unlimited" */
} PastedUlimit;

typedef struct HostContext {
        unsigned arch_mask; /* 1 << ArchFamily */
        unsigned cpu_mask; /* 1 << AnalysisCpu */
        bool qemu_known;
        unsigned qemu_version[3];
        bool host_linux_known; /* the running kernel, as the host the input is judged against shows it */
        unsigned host_linux_version[3];
        EpochInfo *epochs; /* by epoch, up to VX_EPOCHS_TRACKED */
        size_t n_epochs;
        DeviceNote *devices;
        size_t n_devices;
        char hostnames[VX_INPUT_HOSTNAMES_MAX][65];
        size_t n_hostnames;
        ListedMember *listed; /* members of IOMMU group listings pasted in the input */
        size_t n_listed;
        PastedDevice *pasted_devices; /* devices of lspci listings pasted in the input */
        size_t n_pasted_devices;
        PastedIds *pasted_ids; /* allocated at the first: most inputs paste none */
        size_t n_pasted_ids;
        bool pasted_softdep; /* a pasted modprobe.d "softdep DRIVER pre: vfio-pci" */
        AssignedNote *assigned; /* allocated at the first */
        size_t n_assigned;
        /* the last `lsmod | grep PATTERN` command whose grep shows a vfio_pci line: its output is read in
         * the VX_LSMOD_GREP_LINES lines after it */
        struct {
                const char *input; /* NULL: none */
                unsigned epoch;
                unsigned long line;
                bool vfio_pci;
                size_t listing; /* its entry in pasted_lsmod once a line of vfio is read, SIZE_MAX before */
        } lsmod_grep;
        /* inputs and boots whose pasted lspci listing showed QEMU's own devices: a guest's listing */
        struct {
                const char *input;
                unsigned epoch;
        } guest_listings[VX_GUEST_LISTINGS_MAX];
        size_t n_guest_listings;
        PastedLsmod *pasted_lsmod; /* allocated at the first */
        size_t n_pasted_lsmod;
        /* the last `ulimit -l` command: its reply is the next line */
        struct {
                const char *input; /* NULL: none */
                unsigned epoch;
                unsigned long line;
        } ulimit_l;
        PastedUlimit *pasted_ulimit; /* allocated at the first */
        size_t n_pasted_ulimit;
} HostContext;

void context_done(HostContext *c);
/* Notes what a line fed at epoch tells (its views as classified; joined: the number of indented lines joined
 * to it; where: where it was read). Never fails: what finds no room is not noted. */
void context_note_line(HostContext *c, unsigned epoch, const Line *line, unsigned joined,
                       const ContextWhere *where);
/* Notes the host name a shell prompt pasted with a command shows: "root@pve:~# ", "[root@host dir]# ". */
void context_note_prompt(HostContext *c, Span prompt);
/* Whether a pasted vfio-pci ids= setting of the epoch lists vendor:device; returns it, or NULL. */
const PastedIds *context_pasted_ids_of(const HostContext *c, unsigned epoch, int vendor, int device);
const EpochInfo *context_epoch(const HostContext *c, unsigned epoch);
/* The device's note, NULL if none. */
const DeviceNote *context_device(const HostContext *c, const char *address);
/* Adds or completes a device's note (values < 0 unknown); returns -ENOMEM, or 0 (also when full). */
int context_note_device(HostContext *c, const DeviceNote *d);
/* The class bits (1 << DeviceClass) known of a device: its class code, gpu-audio beside a display
 * function of its card, vf. */
unsigned context_device_classes(const HostContext *c, const char *address);
/* Notes what a probe line of the host tells beside the rules (a device on vfio-pci: assigned). */
void context_note_probe(HostContext *c, Span text);
/* Whether the input shows the device handed to vfio or a VMM: a line of another input, or of the same input
 * and boot at or before line (input NULL: anywhere), a pasted lspci listing with vfio-pci in use. */
bool context_assigned(const HostContext *c, const char *address, const char *input, unsigned epoch,
                      unsigned long line);
/* What the listing of member i's group (the same group and epoch) holds beside it. */
ListedGroup context_listed_group(const HostContext *c, size_t i);
