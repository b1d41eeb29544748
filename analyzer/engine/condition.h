/* SPDX-License-Identifier: MIT */
#pragma once

/* The conditions of rule files (when, unless) and the stages of causes: their grammar, and the names
 * their values may take (docs/rule-format.md "Conditions"). */

#include <stdbool.h>
#include <stddef.h>

#include "vfioexplain/rules.h"

/* Parses the blank-separated terms of s[0..len). A fact's name is left as the term's value, for the
 * caller to resolve once every fact is known. Returns 0; -EINVAL with *err_col (within s) and *err set
 * for a term outside the grammar; -ENOMEM. *ret is untouched on failure. */
int condition_parse(const char *s, size_t len, Condition *ret, size_t *err_col, const char **err);
void condition_done(Condition *c);

/* The device classes of class=: each a bit, as the analysis knows them of a device. */
typedef enum DeviceClass {
        DEVICE_CLASS_BRIDGE, /* a PCI-to-PCI bridge or root port (0604, 0609): vfio-pci never takes one */
        DEVICE_CLASS_VGA, /* a VGA-compatible display controller (0300) */
        DEVICE_CLASS_DISPLAY, /* any display controller (03xx) */
        DEVICE_CLASS_AUDIO, /* a multimedia audio device (0401, 0403) */
        DEVICE_CLASS_GPU_AUDIO, /* an audio function beside a display function of the same card */
        DEVICE_CLASS_USB, /* a USB controller (0c03) */
        DEVICE_CLASS_STORAGE, /* a mass storage controller (01xx) */
        DEVICE_CLASS_NVME, /* an NVMe controller (0108) */
        DEVICE_CLASS_NETWORK, /* a network controller (02xx) */
        DEVICE_CLASS_VF, /* an SR-IOV virtual function */
        _DEVICE_CLASS_MAX,
} DeviceClass;

const char *device_class_to_string(DeviceClass c);
/* The bits (1 << DeviceClass) a 24-bit class code alone gives. */
unsigned device_class_bits(unsigned class_code);

/* What a line came through before it reached the rules (via=), each a bit: the pasted-text stage's layers
 * that say where it was logged. */
typedef enum ViaKind {
        VIA_COMPOSE, /* docker compose's "service  | " */
        VIA_KUBECTL, /* kubectl logs --prefix */
        VIA_EVENTS, /* a row of kubectl describe's Events */
        VIA_CRI, /* the CRI log prefix of containerd and CRI-O */
        VIA_JSON, /* a JSON log record */
        VIA_LOGFMT, /* a logfmt or logrus record */
        VIA_PROMPT, /* a shell prompt */
        VIA_MANAGER, /* a management layer's prefix quoting the error ("TASK ERROR: ") */
        _VIA_MAX,
} ViaKind;

const char *via_kind_to_string(ViaKind v);

/* The architecture families of arch= (what an IOMMU is called and how it is switched on differ by family).
 */
typedef enum ArchFamily {
        ARCH_X86,
        ARCH_ARM,
        ARCH_PPC,
        ARCH_S390,
        ARCH_RISCV,
        ARCH_LOONGARCH,
        ARCH_MIPS,
        _ARCH_MAX,
} ArchFamily;

const char *arch_family_to_string(ArchFamily a);
/* The family of a QEMU target or kernel architecture name ("aarch64", "x86_64", "amd64", "arm64",
 * "ppc64le", "s390x", "riscv64" ...) at s[0..len), or -EINVAL. */
int arch_family_of(const char *s, size_t len);

/* Compares dotted versions: <0, 0, >0 (missing parts are 0). */
int version_cmp(const unsigned a[static 3], const unsigned b[static 3]);
/* The first dotted number of s ("6.8.0-45-generic", "8.2.2(Debian ...)"): 0, or -EINVAL with none. */
int version_parse(const char *s, size_t len, unsigned ret[static 3]);
