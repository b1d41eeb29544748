/* SPDX-License-Identifier: MIT */
#pragma once

/* The steps that pass PCI devices through on this host, built from its probed facts alone: the
 * IOMMU, the IOMMU group and the devices that must go along, binding to vfio-pci at boot, the boot
 * configuration to regenerate, the libvirt <hostdev> XML and the QEMU arguments. Nothing is run;
 * every value put in a command has passed a strict grammar. */

#include <stdbool.h>
#include <stddef.h>

#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"

typedef enum PlanRole {
        PLAN_NAMED, /* named on the command line */
        PLAN_SAME_CARD, /* another function of a named device's card, in its IOMMU group */
} PlanRole;

typedef struct PlanDevice {
        const PciDevice *pci;
        PlanRole role;
} PlanDevice;

typedef struct PlanStep {
        char *title;
        char *commands[VX_PLAN_COMMANDS_MAX];
        size_t n_commands;
        char *why;
} PlanStep;

/* Why no plan could be made for the addresses. */
typedef enum PlanError {
        PLAN_OK,
        PLAN_NO_PCI, /* the host's PCI devices could not be read */
        PLAN_NO_DEVICE, /* error_address is not a device of this host */
        PLAN_BRIDGE, /* error_address is a bridge: only endpoints can be assigned */
        PLAN_TOO_MANY,
} PlanError;

typedef struct Plan {
        PlanError error;
        PciAddress error_address;
        PlanDevice devices[VX_PLAN_DEVICES_MAX];
        size_t n_devices;
        /* Group members the host still drives (not on the card): while they are, the group is not
         * viable. */
        const PciDevice *blockers[VX_PLAN_DEVICES_MAX];
        size_t n_blockers;
        /* Devices outside the plan with the ids of one inside: vfio-pci ids= would take them too. */
        const PciDevice *twins[VX_PLAN_DEVICES_MAX];
        size_t n_twins;
        bool iommu_on; /* the kernel has IOMMU groups: the groups (and blockers) are known */
        bool all_vfio; /* every device of the plan is on vfio-pci already: no binding step */
        CpuVendor vendor; /* from proc/cpuinfo, else from the firmware's table (DMAR or IVRS) */
        PlanStep steps[VX_PLAN_STEPS_MAX];
        size_t n_steps;
        char *notes[VX_PLAN_NOTES_MAX];
        size_t n_notes;
        char *hostdev_xml; /* one <hostdev> per device, as libvirt writes it */
        char *qemu_args[VX_PLAN_DEVICES_MAX];
        size_t n_qemu_args;
        bool pve; /* the devices go to a Proxmox VE VM: its step says how, not libvirt's XML */
} Plan;

/* A Proxmox VE VM the devices go to: its config (NULL when it has none yet) and its VMID. */
struct PveVm;
typedef struct PlanVm {
        const struct PveVm *pve;
        unsigned vmid;
} PlanVm;

/* Builds the plan for addresses (normalised) on host f; domain names the libvirt domain in commands
 * (NULL: a DOMAIN variable that the step sets first). Returns 0; -EINVAL with p->error set when no plan can
 * be made for them; -ENOMEM. p must be released with plan_done() in every case. */
int plan_build(const HostFacts *f, PciAddress *addresses, size_t n, const char *domain, Plan *p);
/* The same for a Proxmox VE VM (vm not NULL): its step is the qm set commands that add the devices. */
int plan_build_for(const HostFacts *f, PciAddress *addresses, size_t n, const char *domain, const PlanVm *vm,
                   Plan *p);
void plan_done(Plan *p);

/* The <hostdev> element of one PCI address, as libvirt formats it (virsh dumpxml). -EINVAL for an
 * address outside the grammar. */
int plan_hostdev_xml(const char *address, char **ret);

const char *plan_role_to_string(PlanRole r);
