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
        VAR_QEMU_DEVICE, /* the QEMU device model a -device option names: vfio-pci, ide-hd */
        _VAR_CAPTURE_MAX, /* the ones above may be captured; the ones below are built in */
        VAR_UPDATE_BOOTLOADER = _VAR_CAPTURE_MAX,
        VAR_UPDATE_INITRAMFS,
        VAR_RELEASE_FRAMEBUFFER, /* the kernel parameters that keep the boot framebuffer off the GPU */
        VAR_CMDLINE_FILE, /* the file the boot loader takes the kernel command line from */
        VAR_CMDLINE_ANCHOR, /* the sed address in it where a parameter is added ("s/ANCHOR/&param /") */
        VAR_MMIO64_MB, /* an OVMF 64-bit MMIO window (X-PciMmio64Mb, MiB) that holds the BAR of {size} */
        /* a known kernel regression found (rules/regressions.rules): */
        VAR_KERNEL, /* the boot's kernel release, as the log or the host names it */
        VAR_FIXED_RELEASE, /* the kernel.org release with the fix that suits it */
        VAR_LAST_GOOD, /* the last release before the regression in its series */
        VAR_UPDATE_KERNEL, /* the distribution's command that installs its newest kernel */
        VAR_PIN_KERNEL, /* the distribution's command that lists the installed kernels */
        VAR_PIN_KERNEL_HOW, /* how the distribution keeps booting one of them */
        _VAR_MAX,
} Var;

const char *var_to_string(Var v);
/* Returns the Var, or -EINVAL. */
int var_from_string(const char *s, size_t len);
