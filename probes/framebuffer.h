/* SPDX-License-Identifier: MIT */
#pragma once

/* The firmware's boot framebuffer and the kernel parameter that keeps it off a GPU that is to be passed
 * through. One place decides it, for the fixes of framebuffer-owns-bar and for `vfioexplain plan`.
 *
 * What the kernel does with the framebuffer the firmware left (linux sources):
 *  - drivers/firmware/sysfb.c sysfb_init() (arch/x86/kernel/sysfb.c before 5.15), a device_initcall,
 *    registers a platform device for it: "simple-framebuffer" with a "BOOTFB" memory resource
 *    (sysfb_simplefb.c sysfb_create_simplefb()) when CONFIG_SYSFB_SIMPLEFB (CONFIG_X86_SYSFB before
 *    5.15) is set and the mode fits, else "efi-framebuffer" / "vesa-framebuffer" without one.
 *  - efifb / vesafb (drivers/video/fbdev) bind the legacy devices and request the region as "efifb" /
 *    "vesafb"; efifb_probe() gives up when fb_get_options("efifb") says off, i.e. video=efifb:off.
 *  - simpledrm (drivers/gpu/drm/tiny, later drivers/gpu/drm/sysfb) and simplefb bind
 *    "simple-framebuffer" and request the region inside BOOTFB as "simpledrm" / "simplefb". simpledrm
 *    reads no video= option at all; video=simplefb:off stops only simplefb, and neither removes BOOTFB,
 *    which alone makes vfio-pci's request of the BAR fail.
 *  - initcall_blacklist=sysfb_init (init/main.c, linux 4.0 and later) skips sysfb_init(): no platform
 *    device, no BOOTFB, nothing for efifb, vesafb, simplefb or simpledrm to bind. nomodeset does not
 *    help: it stops the real GPU drivers and leaves the firmware framebuffer drivers running. */

#include <stdbool.h>

#include "vfioexplain/facts.h"

typedef enum BootFramebuffer {
        BOOT_FB_UNKNOWN,
        BOOT_FB_FBDEV, /* efifb or vesafb on sysfb's legacy platform device */
        BOOT_FB_SYSFB, /* sysfb's simple-framebuffer: BOOTFB, driven by simpledrm or simplefb */
        _BOOT_FB_MAX,
} BootFramebuffer;

/* What an /proc/iomem name ("efifb", "BOOTFB", "simpledrm", ...) says; BOOT_FB_UNKNOWN for other names. */
BootFramebuffer boot_framebuffer_from_name(const char *name);

/* Whether name is one of the resource names a boot framebuffer has in /proc/iomem. */
bool boot_framebuffer_name(const char *name);

/* The kernel parameters that keep kind off the GPU on a kernel of release ("6.1.0-25-amd64", "" when
 * unknown): video=efifb:off video=vesafb:off for efifb/vesafb, initcall_blacklist=sysfb_init for sysfb.
 * Where the kind is not known, the release decides: sysfb for 5.15 and later (where distributions turned
 * on CONFIG_SYSFB_SIMPLEFB and simpledrm), efifb before; with neither known, sysfb, which stops both. */
const char *boot_framebuffer_param(BootFramebuffer kind, const char *release);

/* Whether a kernel command line already carries what boot_framebuffer_param() asks for kind
 * (initcall_blacklist may name several functions, separated by commas). */
bool boot_framebuffer_param_given(BootFramebuffer kind, const char *cmdline);

/* The kind that holds memory inside a BAR of address (NULL: of any device) on this host, from its
 * framebuffer holds; the sysfb kind wins when both are seen. */
BootFramebuffer host_boot_framebuffer(const HostFacts *f, const char *address);

/* boot_framebuffer_param() for this host: its holds and its running kernel; f may be NULL. */
const char *host_boot_framebuffer_param(const HostFacts *f);
