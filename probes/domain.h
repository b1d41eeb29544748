/* SPDX-License-Identifier: MIT */
#pragma once

/* A libvirt domain's PCI passthrough, read from the XML libvirt itself keeps: the persistent definition
 * (/etc/libvirt/qemu/NAME.xml, what `virsh dumpxml --inactive` prints) or, while the domain runs, its
 * status file (/run/libvirt/qemu/NAME.xml, <domstatus> around the live <domain>). Every <hostdev> it
 * assigns is then judged against the probed host and said as probe lines (docs/probe-lines.md) that
 * rules/domain.rules reads. The XML is untrusted input: it is parsed without network, DTD or entity
 * expansion, within the limits of limits.h, and nothing here prints (messages go to the Diag). */

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "optionrom.h"
#include "probe_lines.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"

/* The management layer a guest belongs to: the terms its probe lines (and the rules' fixes) use, and what
 * that layer does to the devices at start. A Proxmox VE VM (probes/pve.h) and an incus instance
 * (probes/incus.h) are read into a DomainConfig too, so that one set of checks judges them all. */
typedef enum GuestLayer {
        GUEST_LIBVIRT, /* "domain NAME: hostdev ADDR ..."; managed='yes' hostdevs are detached at start */
        GUEST_PVE, /* "pve-vm ID: hostpciN ADDR ..."; qemu-server binds the device's whole IOMMU group to
                    * vfio-pci at start (pve-common SysFSTools.pm pci_dev_group_bind_to_vfio()), and runs
                    * QEMU as root */
        GUEST_INCUS, /* "incus NAME: device DEV ADDR ..."; incus binds the device itself to vfio-pci
                      * (driver_override, internal/server/device/pci/pci.go DeviceDriverOverride()) */
} GuestLayer;

typedef enum DomainFirmware {
        DOMAIN_FIRMWARE_BIOS, /* SeaBIOS: no <os firmware='efi'> and no OVMF/edk2 <loader> */
        DOMAIN_FIRMWARE_EFI,
} DomainFirmware;

/* An on/off (or yes/no) attribute that may be left out, when libvirt's default applies. */
typedef enum DomainSwitch {
        DOMAIN_SWITCH_DEFAULT,
        DOMAIN_SWITCH_ON,
        DOMAIN_SWITCH_OFF,
} DomainSwitch;

/* A directory on the way to a rom file: QEMU needs search permission on each. */
typedef struct DomainRomDir {
        size_t len; /* the directory is rom_file[0..len) */
        unsigned uid, gid, mode;
} DomainRomDir;

typedef struct DomainHostdev {
        PciAddress address; /* the host device, normalised: "0000:01:00.0" */
        char id[VX_DOMAIN_WORD_MAX +
                1]; /* the layer's name of it: "hostpci0", incus's "gpu0"; "" for libvirt */
        /* its <address type='pci'> in the guest, "" if libvirt has not placed it */
        PciAddress guest_address;
        bool managed; /* the layer moves it to vfio-pci at start: libvirt's managed='yes' (its default is
                       * no), a hostpci without driver=keep, an incus device's own address */
        bool interface; /* an <interface type='hostdev'> (an SR-IOV VF as a NIC), not a <hostdev> */
        char driver[VX_DOMAIN_WORD_MAX + 1]; /* <driver name='vfio'/>, "" if not given */
        DomainSwitch rom_bar; /* <rom bar='on|off'> */
        DomainSwitch rom_enabled; /* <rom enabled='yes|no'> */
        char *rom_file; /* <rom file='...'>, NULL if none (or file='', which disables the ROM) */
        unsigned line; /* where the element starts in the XML, for messages */

        /* The rom file as domain_load() found it under the root (stat only). Not probed for a relative
         * name (QEMU looks it up in its own data directories) or when it could not be looked at. */
        Known rom_exists;
        Known rom_regular;
        Known rom_readable; /* others may read it and search every directory on the way to it */
        unsigned rom_type; /* st_mode & S_IFMT */
        unsigned long long rom_size;
        unsigned rom_uid, rom_gid, rom_mode;
        DomainRomDir rom_dirs[VX_DOMAIN_ROM_DEPTH_MAX];
        size_t n_rom_dirs;
        bool rom_dirs_complete; /* every directory on the way is in rom_dirs */
        RomInfo *rom_info; /* what the file holds, when it could be read under the root; NULL otherwise */
} DomainHostdev;

/* incus: a gpu device that names no address, whose vendorid=/productid= match no display device of the
 * host, or more than one (incus refuses a VM's device that matches several). */
typedef struct DomainUnmatched {
        char id[VX_DOMAIN_WORD_MAX + 1]; /* the device's name */
        char selector[48]; /* "vendorid=10de productid=2206", as the configuration has it */
        size_t n_matches;
        PciAddress matches[2]; /* the first two */
} DomainUnmatched;

typedef struct DomainConfig {
        GuestLayer layer;
        char name[VX_DOMAIN_NAME_MAX + 1]; /* the domain's name, the VMID, the incus instance's name */
        char uuid[37]; /* canonical 8-4-4-4-12, lower case; "" if the XML has none */
        char machine[VX_DOMAIN_WORD_MAX + 1]; /* <os><type machine='pc-q35-8.2'>, "" if not given */
        DomainFirmware firmware;
        /* An emulated display: a <video> whose model is not 'none', or <graphics> without any <video>
         * (libvirt then adds its default one). Without one, a passed GPU is the guest's only display. */
        bool emulated_display;
        bool live; /* read from the status file: the domain runs */
        char xml_path[VX_DOMAIN_NAME_MAX + 32]; /* "/etc/libvirt/qemu/NAME.xml" (as on the host), or "" */
        char log_path[VX_DOMAIN_NAME_MAX + 32]; /* "var/log/libvirt/qemu/NAME.log", relative to the root */
        DomainHostdev *hostdevs; /* the PCI ones only, in document order */
        size_t n_hostdevs;
        DomainUnmatched *unmatched; /* incus */
        size_t n_unmatched;
        /* What the layer's loader judged itself, as whole probe lines (incus: a gpu of gputype mdev or
         * sriov, whose card is not what is passed): said with the host's lines, as they are. */
        char **layer_lines;
        size_t n_layer_lines;
} DomainConfig;

/* Whether name can be a libvirt domain name: not empty, no '/' and no newline (libvirt's own rules), no
 * other control character, at most VX_DOMAIN_NAME_MAX bytes. Returns 0 or -EINVAL with a Diag line. */
int domain_name_check(const char *name, Diag *d);

/* Parses domain XML (<domain>, or the <domstatus> of a running domain) from buf[0..len); no I/O. Returns 0,
 * -EINVAL for input that is not such XML or holds a value libvirt would refuse, -EFBIG past
 * VX_DOMAIN_XML_MAX, -E2BIG past VX_DOMAIN_HOSTDEVS_MAX PCI hostdevs, or -ENOMEM; each failure adds a
 * Diag line that says what and where. *ret is untouched on failure; free it with domain_config_done(). */
int domain_parse_xml(const char *buf, size_t len, DomainConfig *ret, Diag *d);

/* Reads domain name under the root sysroot: run/libvirt/qemu/NAME.xml (the domain runs), else
 * etc/libvirt/qemu/NAME.xml, and looks at each rom file under the root. Returns 0, -EINVAL for a bad
 * name or XML, -ENOENT when neither file exists, or the error reading one; every failure adds a Diag
 * line. *ret is untouched on failure. */
int domain_load(const char *sysroot, const char *name, DomainConfig *ret, Diag *d);

void domain_config_done(DomainConfig *dc);

/* Appends *h to dc's hostdevs (bounded by VX_DOMAIN_HOSTDEVS_MAX), which then own its rom_file and rom_info:
 * 0, or -E2BIG or -ENOMEM with dc and *h untouched. */
int domain_config_add_hostdev(DomainConfig *dc, const DomainHostdev *h);

/* Looks at h->rom_file (absolute, as the host names it) under the root rootfd: stat only, of the file and
 * of every directory on its way, and what the file holds when it can be read (rom_read_under()). */
void domain_hostdev_stat_rom(int rootfd, DomainHostdev *h);

/* The host addresses of the domain's PCI hostdevs, each once, for the probes to look at. */
size_t domain_hostdev_addresses(const DomainConfig *dc, PciAddress *out, size_t max);

/* What cannot work in the guest's devices on this host, as probe lines in its layer's terms: an address
 * the host does not have, another member of a device's IOMMU group that the guest does not take and the
 * host drives (libvirt and incus: the group is not viable; Proxmox VE: qemu-server takes it from the
 * host), a device the layer does not bind that is not on vfio-pci (libvirt's unmanaged hostdev, a
 * hostpci with driver=keep, an incus GPU's other functions), a rom file absent, empty, not a file or not
 * readable by QEMU's user, or one whose contents do not fit the device or the guest's firmware
 * (rom_probe.h). Host lines need the PCI probe (host->pci present); rom lines need a look at the file
 * (domain_hostdev_stat_rom()). Stops at and returns the first negative return of fn. */
int domain_probe_lines(const DomainConfig *dc, const HostFacts *host, probe_line_fn fn, void *userdata);

/* Whether a line of probe_lines() says only what the domain's managed hostdevs make expected while it is
 * not running: libvirt moves a managed='yes' hostdev from its host driver to vfio-pci when the domain
 * starts, so "group N of A ...: member M ... blocks the group" with A and M both hostdevs (M managed), and
 * the "device A: id=..." line of a managed hostdev on a host driver (when nothing else in it is news),
 * are no fault of the domain. The caller drops such lines instead of feeding them. */
bool domain_explains_probe_line(const DomainConfig *dc, const HostFacts *host, const char *line, size_t len);
