/* SPDX-License-Identifier: MIT */
#pragma once

/* An incus instance's PCI passthrough (--incus NAME), read without driving the daemon. incus keeps an
 * instance's configuration in its database; what a reader may open is the copy incus writes beside the
 * instance, /var/lib/incus/virtual-machines/NAME/backup.yaml (PROJECT_NAME outside the default project;
 * internal/server/storage/backend.go UpdateInstanceBackupFile(), rewritten at every configuration change
 * and just before each start, its "container:" an api.Instance with expanded_devices), or the output of
 * `incus config show --expanded NAME` that the user saved to a file (cmd/incus/config.go: the instance's
 * writable part, its devices with its profiles'). Either is untrusted input, parsed from buffer and length
 * without I/O: a YAML subset (block mappings, plain and quoted scalars), within the bounds of limits.h.
 *
 * The devices judged are those incus passes to a VM as PCI devices: type gpu with gputype physical (the
 * default), chosen by pci= or by vendorid=/productid= among the host's display devices
 * (internal/server/device/gpu.go gpuSelected(), gpu_physical.go startVM(), which also binds and passes
 * every function of the card in its IOMMU group), and type pci (address=, that function alone,
 * internal/server/device/pci.go). They become a DomainConfig of layer GUEST_INCUS, judged by
 * domain_probe_lines() as a libvirt domain's hostdevs are. A gpu may also be chosen by id= (the card's DRM
 * number). What incus needs of the host for the other gputypes of a VM is judged here and said as the
 * guest's layer lines (docs/probe-lines.md): mdev, a type of that name under the card's (or its VFs')
 * mdev_supported_types with an instance available (gpu_mdev.go startVM()); sriov, a VF of a chosen card
 * that no driver holds (gpu_sriov.go getVF()), which incus binds to vfio-pci and passes: judged as a pci
 * device. A gpu of gputype mig is for containers: incus skips it in a VM's expanded devices
 * (instance/drivers/driver_qemu.go start(): ErrUnsupportedDevType). */

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "domain.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"

typedef enum IncusDeviceType {
        INCUS_DEVICE_GPU,
        INCUS_DEVICE_PCI,
} IncusDeviceType;

typedef struct IncusDevice {
        char name[VX_DOMAIN_WORD_MAX + 1]; /* its key under devices: "gpu0" */
        IncusDeviceType type;
        char gputype[16]; /* "physical" (also when not given), "mdev", "mig", "sriov" */
        PciAddress address; /* pci= (gpu) or address= (pci), normalised as incus does; "" if not given */
        unsigned vendor, product; /* vendorid=, productid= (4 hex digits) */
        bool have_vendor, have_product;
        bool have_card_id; /* id=: a DRM card number (/sys/bus/pci/devices/ADDR/drm/cardN) */
        unsigned card_id;
        char mdev[VX_INCUS_MDEV_TYPE_MAX + 1]; /* mdev=: the mediated device type (gputype mdev) */
        unsigned line;
} IncusDevice;

typedef struct IncusInstance {
        bool backup; /* read from backup.yaml ("container:"), not from `incus config show` */
        bool expanded; /* the devices include the profiles': backup.yaml's expanded_devices */
        bool container; /* backup.yaml says type: container */
        IncusDevice devices[VX_INCUS_DEVICES_MAX]; /* of type gpu and pci, in the file's order */
        size_t n_devices;
} IncusInstance;

/* Whether name can be an instance's name as incus keeps it on disk: letters, digits and '-' (a hostname),
 * after "PROJECT_" outside the default project, at most VX_INCUS_NAME_MAX bytes. */
bool incus_name_check(const char *name);

/* Parses backup.yaml or `incus config show [--expanded]` output from buf[0..len) (no I/O); origin names it
 * in messages. Returns 0, or -EINVAL (with a Diag line) for input that is neither or holds a value incus
 * would refuse (an address that is none, a vendorid that is not 4 hex digits), -EFBIG past
 * VX_INCUS_FILE_MAX, -E2BIG past VX_INCUS_DEVICES_MAX devices of type gpu or pci. *ret is untouched on
 * failure. */
int incus_parse_config(const char *buf, size_t len, const char *origin, IncusInstance *ret, Diag *d);

/* What --incus loads: the instance, and its devices as a guest. */
typedef struct IncusState {
        IncusInstance inst;
        DomainConfig guest;
        char config_path[512]; /* what was read, as the host (or the user) names it */
        char log_dir[VX_INCUS_NAME_MAX + 32]; /* "var/log/incus/NAME", relative to the root */
} IncusState;

/* Reads instance name: config_file when not NULL (a file the user names: `incus config show --expanded
 * NAME` output), else var/lib/incus/virtual-machines/NAME/backup.yaml under the root sysroot. host (may be
 * NULL) resolves a gpu chosen by vendorid/productid and adds the other functions of a GPU's card in its
 * IOMMU group. Returns 0, -EINVAL for a bad name or file, -ENOENT when there is none (the Diag line says
 * how to give one), or the error reading it. *ret is untouched on failure; release with
 * incus_state_done(). */
int incus_load(const char *sysroot, const char *name, const char *config_file, const HostFacts *host,
               IncusState *ret, Diag *d);
void incus_state_done(IncusState *s);
