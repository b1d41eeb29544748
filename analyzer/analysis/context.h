/* SPDX-License-Identifier: MIT */
#pragma once

/* What the input tells of the host it comes from, beside the rules' findings: its architecture and CPU
 * vendor, whether a boot's kernel log shows the IOMMU, the kernel and QEMU versions, its host names, and the
 * PCI devices it names with their ids and classes, and the IOMMU group listings pasted in it. Conditions of
 * rule files are evaluated against it. */

#include <stdbool.h>
#include <stddef.h>

#include "condition.h"
#include "vfioexplain/analysis.h"
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
} HostContext;

void context_done(HostContext *c);
/* Notes what a line fed at epoch tells (its views as classified; joined: the number of indented lines joined
 * to it). Never fails: what finds no room is not noted. */
void context_note_line(HostContext *c, unsigned epoch, const Line *line, unsigned joined);
const EpochInfo *context_epoch(const HostContext *c, unsigned epoch);
/* The device's note, NULL if none. */
const DeviceNote *context_device(const HostContext *c, const char *address);
/* Adds or completes a device's note (values < 0 unknown); returns -ENOMEM, or 0 (also when full). */
int context_note_device(HostContext *c, const DeviceNote *d);
/* The class bits (1 << DeviceClass) known of a device: its class code, gpu-audio beside a display
 * function of its card, vf. */
unsigned context_device_classes(const HostContext *c, const char *address);
/* What the listing of member i's group (the same group and epoch) holds beside it. */
ListedGroup context_listed_group(const HostContext *c, size_t i);
