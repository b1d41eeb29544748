/* SPDX-License-Identifier: MIT */
#pragma once

/* The names rules may capture and templates may use (docs/rule-format.md). */

#include <stddef.h>

typedef enum Var {
        VAR_ADDRESS,
        VAR_GROUP,
        VAR_ERRNO,
        VAR_PATH,
        VAR_DRIVER,
        VAR_USER,
        VAR_VENDOR,
        VAR_DEVICE,
        VAR_BAR,
        VAR_DOMAIN,
        VAR_MODULE,
        VAR_PARAM,
        VAR_VALUE,
        VAR_SIZE,
        VAR_IOVA,
        VAR_PID,
        VAR_NODE,
        VAR_LABEL,
        VAR_ALIAS, /* a QEMU device id, libvirt's <alias name=...> */
        _VAR_CAPTURE_MAX, /* the ones above may be captured; the ones below are built in */
        VAR_UPDATE_BOOTLOADER = _VAR_CAPTURE_MAX,
        VAR_UPDATE_INITRAMFS,
        VAR_RELEASE_FRAMEBUFFER, /* the kernel parameters that keep the boot framebuffer off the GPU */
        VAR_MMIO64_MB, /* an OVMF 64-bit MMIO window (X-PciMmio64Mb, MiB) that holds the BAR of {size} */
        _VAR_MAX,
} Var;

const char *var_to_string(Var v);
/* Returns the Var, or -EINVAL. */
int var_from_string(const char *s, size_t len);
