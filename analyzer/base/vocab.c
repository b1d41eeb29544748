/* SPDX-License-Identifier: MIT */
/* The names of the values rules capture and templates use. */
#include "vocab.h"
#include "string_table.h"

static const char *const var_table[_VAR_MAX] = {
        [VAR_ADDRESS] = "address",
        [VAR_GROUP] = "group",
        [VAR_ERRNO] = "errno",
        [VAR_PATH] = "path",
        [VAR_DRIVER] = "driver",
        [VAR_USER] = "user",
        [VAR_VENDOR] = "vendor",
        [VAR_DEVICE] = "device",
        [VAR_BAR] = "bar",
        [VAR_DOMAIN] = "domain",
        [VAR_MODULE] = "module",
        [VAR_PARAM] = "param",
        [VAR_VALUE] = "value",
        [VAR_SIZE] = "size",
        [VAR_IOVA] = "iova",
        [VAR_PID] = "pid",
        [VAR_NODE] = "node",
        [VAR_LABEL] = "label",
        [VAR_ALIAS] = "alias",
        [VAR_QEMU_DEVICE] = "qemu_device",
        [VAR_UPDATE_BOOTLOADER] = "update_bootloader",
        [VAR_UPDATE_INITRAMFS] = "update_initramfs",
        [VAR_RELEASE_FRAMEBUFFER] = "release_framebuffer",
        [VAR_CMDLINE_FILE] = "cmdline_file",
        [VAR_CMDLINE_ANCHOR] = "cmdline_anchor",
        [VAR_MMIO64_MB] = "mmio64_mb",
        [VAR_KERNEL] = "kernel",
        [VAR_FIXED_RELEASE] = "fixed_release",
        [VAR_LAST_GOOD] = "last_good",
        [VAR_UPDATE_KERNEL] = "update_kernel",
        [VAR_PIN_KERNEL] = "pin_kernel",
        [VAR_PIN_KERNEL_HOW] = "pin_kernel_how",
};

DEFINE_STRING_TABLE_LOOKUP(var, Var)
