/* SPDX-License-Identifier: MIT */
/* vfioexplain rom [--address ADDR] [FILE]: what a VBIOS / option ROM file holds and whether it can work
 * for the device; with no FILE, how to dump the ROM of this host's cards (as text; nothing is run). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pci_address.h"
#include "privileges.h"
#include "string_table.h"
#include <json-c/json.h>

#include "escape.h"
#include "fileio.h"
#include "optionrom.h"
#include "rom_probe.h"

/* A word as a POSIX shell reads it back unchanged: bare when it holds only safe characters, else in
 * single quotes. */
static void shell_word(StrBuf *b, const char *s) {
        bool plain = s[0] != 0;
        for (const char *c = s; *c && plain; c++)
                plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                        strchr("/._-+:@,%=", *c);
        if (plain) {
                strbuf_puts(b, s);
                return;
        }
        strbuf_putc(b, '\'');
        for (const char *c = s; *c; c++)
                strbuf_puts(b, *c == '\'' ? "'\\''" : (char[]){*c, 0});
        strbuf_putc(b, '\'');
}

typedef struct RomFix {
        char *command;
        char *why;
} RomFix;

typedef struct RomFixes {
        RomFix items[8];
        size_t n;
} RomFixes;

static void fixes_done(RomFixes *f) {
        for (size_t i = 0; i < f->n; i++) {
                free(f->items[i].command);
                free(f->items[i].why);
        }
        f->n = 0;
}

static void fix_add(RomFixes *f, StrBuf *command, const char *why) {
        if (f->n < ELEMENTSOF(f->items) && !strbuf_failed(command)) {
                f->items[f->n].command = strdup(strbuf_str(command));
                f->items[f->n].why = strdup(why);
                f->n++;
        }
        strbuf_done(command);
}

/* The sysfs rom attribute (drivers/pci/pci-sysfs.c pci_write_rom()/pci_read_rom()): writing 1 enables
 * reading it, reading it maps the ROM (the shadow copy at 0xC0000 for the boot GPU), 0 disables it. */
static void dump_command(StrBuf *b, const char *address, const char *out) {
        strbuf_printf(b, "sudo sh -c 'cd /sys/bus/pci/devices/%s && echo 1 > rom && cat rom > ", address);
        strbuf_puts(b, out);
        strbuf_puts(b, "; echo 0 > rom'");
}

static void add_dump_fix(RomFixes *f, const char *address, const char *why) {
        StrBuf c = {0};
        char out[64];
        snprintf(out, sizeof(out), "/var/lib/libvirt/vbios/%s.rom", address);
        strbuf_puts(&c, "sudo mkdir -p /var/lib/libvirt/vbios && ");
        dump_command(&c, address, out);
        fix_add(f, &c, why);
}

static void make_fixes(const RomVerdict *v, const char *file, const char *address, RomFixes *f) {
        const char *dev = address[0] ? address : "ADDR";
        for (size_t i = 0; i < v->n_findings; i++) {
                const RomFinding *x = &v->findings[i];
                StrBuf c = {0};
                switch (x->problem) {
                case ROM_PROBLEM_HEADER:
                        strbuf_puts(&c, "dd if=");
                        shell_word(&c, file);
                        strbuf_puts(&c, " of=");
                        char *stripped = NULL;
                        if (asprintf(&stripped, "%s.nohdr", file) < 0)
                                stripped = NULL;
                        shell_word(&c, stripped ? stripped : "rom.nohdr");
                        free(stripped);
                        strbuf_printf(&c, " bs=1 skip=%zu", x->offset);
                        fix_add(f, &c,
                                "Writes the ROM without the dumper's header (everything before the 0x55AA signature); give QEMU the .nohdr copy as romfile (libvirt <rom file=...>).");
                        break;
                case ROM_PROBLEM_WRONG_DEVICE:
                        add_dump_fix(
                                f, dev,
                                "Dumps the ROM of the device itself, which is made for it; a file from another card (even of the same model from another vendor) can hang the guest firmware or the driver. Do it with the card idle (on vfio-pci, no VM running).");
                        break;
                case ROM_PROBLEM_EMPTY:
                case ROM_PROBLEM_NOT_A_ROM:
                case ROM_PROBLEM_CORRUPT:
                case ROM_PROBLEM_TRUNCATED:
                case ROM_PROBLEM_CHECKSUM:
                        add_dump_fix(
                                f, dev,
                                "Dumps the ROM again. Do it with the card idle (on vfio-pci, no VM running) and, for a GPU, while the host booted from another GPU: the boot GPU's ROM reads as its shadow copy, often only the legacy image, altered at boot.");
                        break;
                case ROM_PROBLEM_NO_EFI:
                        strbuf_puts(&c,
                                    "virsh edit VM   # <os firmware='bios'>, or a ROM with an EFI image");
                        fix_add(f, &c,
                                "OVMF runs only an EFI (GOP) image: use the card's UEFI ROM (dumped from a card that has one, or the card vendor's UEFI update), or boot the guest with SeaBIOS, which runs the x86 image.");
                        break;
                case ROM_PROBLEM_NO_LEGACY:
                        strbuf_puts(&c, "virsh edit VM   # <os firmware='efi'>");
                        fix_add(f, &c,
                                "SeaBIOS runs only an x86 image and this ROM has none: boot the guest with UEFI firmware (OVMF), which runs its EFI image.");
                        break;
                default:
                        strbuf_done(&c);
                        break;
                }
        }
}

static const char *end_note(const RomInfo *info, char *buf, size_t size) {
        size_t after = info->size - MIN(info->end_offset, info->size);
        switch (info->end) {
        case ROM_END_LAST:
                if (after == 0)
                        return NULL;
                snprintf(buf, size,
                         "after the last image: %zu bytes (padding or vendor data; firmware ignores them)",
                         after);
                return buf;
        case ROM_END_VENDOR:
                snprintf(buf, size, "at offset %zu: NVIDIA's own images (%zu bytes; firmware ignores them)",
                         info->end_offset, after);
                return buf;
        case ROM_END_NO_SIGNATURE:
                snprintf(
                        buf, size,
                        "at offset %zu: no 0x55AA where the next image should start (%zu bytes; firmware stops there)",
                        info->end_offset, after);
                return buf;
        case ROM_END_TOO_MANY:
                snprintf(buf, size, "more than %u images: the rest is not read", VX_ROM_IMAGES_MAX);
                return buf;
        default:
                return NULL;
        }
}

static const char *const rom_end_table[] = {
        [ROM_END_LAST] = "last",
        [ROM_END_FILE] = "file-ends",
        [ROM_END_TRUNCATED] = "truncated",
        [ROM_END_VENDOR] = "vendor-data",
        [ROM_END_NO_SIGNATURE] = "no-signature",
        [ROM_END_BAD_PCIR] = "bad-pcir",
        [ROM_END_ZERO_LENGTH] = "zero-length",
        [ROM_END_TOO_MANY] = "too-many",
};

DEFINE_PRIVATE_STRING_TABLE_LOOKUP_TO_STRING(rom_end, RomChainEnd)

static const char *subsystem_name(uint16_t s) {
        switch (s) {
        case ROM_EFI_SUBSYSTEM_APPLICATION:
                return "application";
        case ROM_EFI_SUBSYSTEM_BOOT_DRIVER:
                return "boot-service-driver";
        case ROM_EFI_SUBSYSTEM_RUNTIME_DRIVER:
                return "runtime-driver";
        default:
                return NULL;
        }
}

static void image_text(StrBuf *b, size_t i, const RomImage *im) {
        const char *type = rom_code_type_to_string(im->code_type);
        strbuf_printf(b, "  image %zu at 0x%05zx: ", i, im->offset);
        if (type)
                strbuf_puts(b, type);
        else
                strbuf_printf(b, "code type 0x%02x", im->code_type);
        strbuf_printf(b, " %04x:%04x class %06x, %zu bytes", im->vendor, im->device, im->class_code,
                      im->length);
        if (im->n_device_list > 0) {
                strbuf_puts(b, ", also for devices");
                for (size_t k = 0; k < im->n_device_list; k++)
                        strbuf_printf(b, " %04x", im->device_list[k]);
        }
        if (im->code_type == ROM_CODE_X86 && im->checksum_known)
                strbuf_printf(b, im->checksum ? ", checksum bad (sum 0x%02x)" : ", checksum ok",
                              im->checksum);
        if (im->code_type == ROM_CODE_EFI) {
                const char *m = rom_efi_machine_to_string(im->efi_machine);
                const char *s = subsystem_name(im->efi_subsystem);
                if (!im->efi_signature)
                        strbuf_puts(b, ", no EFI signature");
                else {
                        if (m)
                                strbuf_printf(b, ", %s", m);
                        else
                                strbuf_printf(b, ", machine 0x%04x", im->efi_machine);
                        if (s)
                                strbuf_printf(b, " %s", s);
                        else
                                strbuf_printf(b, " subsystem %u", im->efi_subsystem);
                        if (im->efi_compression)
                                strbuf_puts(b, ", compressed");
                }
        }
        if (im->truncated)
                strbuf_puts(b, ", cut short");
        if (im->last)
                strbuf_puts(b, ", last");
        strbuf_putc(b, '\n');
}

static void render_text(StrBuf *b, const char *file, const RomInfo *info, const char *address,
                        uint16_t vendor, uint16_t device, const RomVerdict *v, const RomFixes *fixes) {
        char note[160];
        escape_append(b, file, strlen(file));
        strbuf_printf(b, ": %zu bytes%s\n", info->size,
                      info->layout == ROM_LAYOUT_OK ? ", a PCI option ROM" : "");
        for (size_t i = 0; i < info->n_images; i++)
                image_text(b, i, &info->images[i]);
        if (info->layout == ROM_LAYOUT_OK && end_note(info, note, sizeof(note)))
                strbuf_printf(b, "  %s\n", note);
        if (info->layout == ROM_LAYOUT_OK) {
                if (v->has_device)
                        strbuf_printf(b, "device %s [%04x:%04x]: %s\n", address, vendor, device,
                                      v->matches ? "the ROM is made for it"
                                                 : "the ROM is made for another device");
                else
                        strbuf_puts(
                                b,
                                "device: not given (--address ADDR compares the ROM with a device of this host)\n");
                strbuf_printf(b, "SeaBIOS (legacy BIOS): %s\n",
                              v->legacy ? "usable (intact x86 image)"
                                      : v->has_device
                                      ? "not usable (no intact x86 image with this device's ids)"
                                      : "not usable (no intact x86 image)");
                strbuf_printf(b, "OVMF (UEFI, x86_64): %s\n",
                              v->efi ? "usable (EFI driver image for x64)"
                                     : "not usable (no intact EFI image for x64)");
        }
        if (v->n_findings == 0) {
                strbuf_puts(b, "verdict: usable\n");
                return;
        }
        strbuf_printf(b, "verdict: %zu problem%s\n", v->n_findings, v->n_findings > 1 ? "s" : "");
        for (size_t i = 0; i < v->n_findings; i++)
                strbuf_printf(b, "  %s\n", v->findings[i].text);
        if (fixes->n)
                strbuf_puts(b, "fix:\n");
        for (size_t i = 0; i < fixes->n; i++) {
                strbuf_puts(b, "  $ ");
                escape_append(b, fixes->items[i].command, strlen(fixes->items[i].command));
                strbuf_printf(b, "\n    # %s\n", fixes->items[i].why);
        }
}

static struct json_object *hex(unsigned v, int width) {
        char s[16];
        snprintf(s, sizeof(s), "%0*x", width, v);
        return json_object_new_string(s);
}

static struct json_object *render_json(const char *file, const RomInfo *info, const char *address,
                                       uint16_t vendor, uint16_t device, const RomVerdict *v,
                                       const RomFixes *fixes) {
        struct json_object *root = json_object_new_object(), *images = json_object_new_array();
        struct json_object *problems = json_object_new_array(), *fix = json_object_new_array();
        bool ok = info->layout == ROM_LAYOUT_OK;

        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "file", json_text(file));
        json_object_object_add(root, "size", json_object_new_uint64(info->size));
        json_object_object_add(root, "rom_offset", ok ? json_object_new_uint64(info->start) : NULL);
        json_object_object_add(root, "images", images);
        for (size_t i = 0; i < info->n_images; i++) {
                const RomImage *im = &info->images[i];
                struct json_object *j = json_object_new_object(), *list = json_object_new_array();
                const char *type = rom_code_type_to_string(im->code_type);
                json_object_object_add(j, "offset", json_object_new_uint64(im->offset));
                json_object_object_add(j, "length", json_object_new_uint64(im->length));
                json_object_object_add(j, "code_type", json_object_new_int(im->code_type));
                json_object_object_add(j, "kind", type ? json_object_new_string(type) : NULL);
                json_object_object_add(j, "vendor", hex(im->vendor, 4));
                json_object_object_add(j, "device", hex(im->device, 4));
                json_object_object_add(j, "class", hex(im->class_code, 6));
                for (size_t k = 0; k < im->n_device_list; k++)
                        json_object_array_add(list, hex(im->device_list[k], 4));
                json_object_object_add(j, "device_list", list);
                json_object_object_add(j, "last", json_object_new_boolean(im->last));
                json_object_object_add(j, "truncated", json_object_new_boolean(im->truncated));
                json_object_object_add(j, "checksum_ok",
                                       im->code_type == ROM_CODE_X86 && im->checksum_known
                                               ? json_object_new_boolean(im->checksum == 0)
                                               : NULL);
                if (im->code_type == ROM_CODE_EFI) {
                        const char *m = rom_efi_machine_to_string(im->efi_machine);
                        const char *s = subsystem_name(im->efi_subsystem);
                        json_object_object_add(j, "efi_signature",
                                               json_object_new_boolean(im->efi_signature));
                        json_object_object_add(j, "efi_machine",
                                               m ? json_object_new_string(m) : hex(im->efi_machine, 4));
                        json_object_object_add(j, "efi_subsystem",
                                               s ? json_object_new_string(s)
                                                 : json_object_new_int(im->efi_subsystem));
                        json_object_object_add(j, "efi_compressed",
                                               json_object_new_boolean(im->efi_compression != 0));
                }
                json_object_array_add(images, j);
        }
        json_object_object_add(root, "end",
                               ok ? json_object_new_string(rom_end_to_string(info->end)) : NULL);
        if (v->has_device) {
                struct json_object *d = json_object_new_object();
                json_object_object_add(d, "address", json_object_new_string(address));
                json_object_object_add(d, "vendor", hex(vendor, 4));
                json_object_object_add(d, "device", hex(device, 4));
                json_object_object_add(root, "device", d);
                json_object_object_add(root, "matches", json_object_new_boolean(v->matches));
        } else {
                json_object_object_add(root, "device", NULL);
                json_object_object_add(root, "matches", NULL);
        }
        json_object_object_add(root, "seabios", json_object_new_boolean(v->legacy));
        json_object_object_add(root, "ovmf", json_object_new_boolean(v->efi));
        json_object_object_add(root, "verdict",
                               json_object_new_string(v->n_findings ? "problems" : "usable"));
        for (size_t i = 0; i < v->n_findings; i++) {
                struct json_object *p = json_object_new_object();
                json_object_object_add(
                        p, "id", json_object_new_string(rom_problem_to_string(v->findings[i].problem)));
                json_object_object_add(p, "text", json_object_new_string(v->findings[i].text));
                json_object_array_add(problems, p);
        }
        json_object_object_add(root, "problems", problems);
        for (size_t i = 0; i < fixes->n; i++) {
                struct json_object *x = json_object_new_object();
                json_object_object_add(x, "command", json_text(fixes->items[i].command));
                json_object_object_add(x, "why", json_object_new_string(fixes->items[i].why));
                json_object_array_add(fix, x);
        }
        json_object_object_add(root, "fix", fix);
        return root;
}

/* With no FILE: how to dump a ROM on this host, as commands to run by hand. */
static int dump_help(const Options *o, const char *address) {
        HostFacts host = {0};
        StrBuf b = {0};
        size_t shown = 0;
        bool probed = !o->no_probe && get_facts(o, &host) >= 0;
        privileges_reduce_probed(o, "rom");

        strbuf_puts(&b, "No ROM file given. To dump a card's option ROM (VBIOS) on this host, as root:\n\n");
        for (size_t i = 0; probed && i < host.n_devices; i++) {
                const PciDevice *d = &host.devices[i];
                /* The cards a ROM is wanted for: the one named, else every display controller. */
                if (address[0] ? strcmp(d->address, address) != 0 : (d->class_code >> 16) != 0x03)
                        continue;
                char out[64];
                snprintf(out, sizeof(out), "/var/lib/libvirt/vbios/%s.rom", d->address);
                strbuf_printf(&b, "# %s [%04x:%04x]", d->address, d->vendor, d->device);
                if (d->name[0]) {
                        strbuf_putc(&b, ' ');
                        escape_append(&b, d->name, strlen(d->name));
                }
                strbuf_puts(&b, ", driver ");
                const char *drv = d->driver == KNOWN_PRESENT ? d->driver_name : "none";
                escape_append(&b, drv, strlen(drv));
                if (d->driver == KNOWN_PRESENT && strcmp(drv, "vfio-pci") != 0 &&
                    strcmp(drv, "pci-stub") != 0)
                        strbuf_puts(&b, ": in use by the host, move it to vfio-pci (no VM running) first");
                if (d->boot_vga == 1)
                        strbuf_puts(
                                &b,
                                ", the boot GPU: its rom reads as the shadow copy the firmware left, often only the legacy image; dump it while another GPU is primary");
                strbuf_puts(&b, "\nsudo mkdir -p /var/lib/libvirt/vbios\n");
                dump_command(&b, d->address, out);
                strbuf_printf(&b, "\nvfioexplain rom --address %s %s\n\n", d->address, out);
                shown++;
        }
        if (shown == 0) {
                strbuf_puts(&b, "sudo mkdir -p /var/lib/libvirt/vbios\n");
                dump_command(&b, address[0] ? address : "ADDR", "/var/lib/libvirt/vbios/card.rom");
                strbuf_printf(&b, "\nvfioexplain rom --address %s /var/lib/libvirt/vbios/card.rom\n\n",
                              address[0] ? address : "ADDR");
                if (address[0] && probed)
                        strbuf_printf(&b, "(no PCI device %s under %s)\n\n", address, o->sysroot);
        }
        strbuf_puts(
                &b,
                "vfioexplain runs none of this. The card must not be in use: no host driver using it (bound to vfio-pci\nor to none) and no VM running with it; reading the ROM of a card a driver or guest is using can\nhang it. The GPU the host booted from gives the shadow copy the firmware left (often incomplete\nor modified): dump that card while another GPU is primary, or take its ROM from the card vendor.\n");
        host_facts_done(&host);
        return print_output(&b) < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
}

int cmd_rom(const Options *o, int argc, char **argv) {
        PciAddress address = "";
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        RomInfo *info = NULL;
        HostFacts host = {0};
        RomFixes fixes = {0};
        StrBuf out = {0};
        uint16_t vendor = 0, device = 0;
        bool has_device = false;
        int ret = EXIT_USAGE, r;

        if (argc > 1) {
                errorf("usage: vfioexplain rom [--address ADDR] [FILE]");
                return EXIT_USAGE;
        }
        if (o->address && pci_address_normalize(o->address, strlen(o->address), address) < 0) {
                errorf("--address: '%s' is not a PCI address (expected 0000:01:00.0 or 01:00.0)",
                       o->address);
                return EXIT_USAGE;
        }
        if (argc == 0)
                return dump_help(o, address);

        /* The device first, while probing may need root; the file is untrusted: read and parsed only once
         * the process is reduced. */
        if (address[0]) {
                if ((r = probe_or_fail(o, "rom", &host)) < 0) {
                        ret = exit_status_of(r);
                        goto out;
                }
                has_device = rom_device_ids(&host, address, &vendor, &device);
                if (!has_device) {
                        errorf("--address %s: no such PCI device under %s, or its ids cannot be read",
                               address, o->snapshot ? o->snapshot : o->sysroot);
                        goto out;
                }
        } else
                privileges_reduce_probed(o, "rom");
        const char *file = argv[0];
        int fd = strcmp(file, "-") == 0 ? STDIN_FILENO : file_open(AT_FDCWD, file, FILE_NAMED);
        if (fd < 0) {
                errorf("%s: %s", file, fd == -EISDIR ? "is a directory" : strerror(-fd));
                goto out;
        }
        r = read_fd_bounded(fd, VX_ROM_FILE_MAX, &buf, &len);
        if (fd != STDIN_FILENO)
                close(fd);
        if (r < 0) {
                errorf("%s: %s", file,
                       r == -EFBIG ? "larger than 16 MiB, more than any option ROM" : strerror(-r));
                ret = r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
                goto out;
        }
        info = malloc(sizeof(*info));
        if (!info || rom_parse((const uint8_t *) buf, len, info) < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        RomVerdict v;
        rom_judge(info, has_device, vendor, device, ROM_FIRMWARE_UNKNOWN, &v);
        make_fixes(&v, file, address, &fixes);
        if (o->format == OUTPUT_JSON) {
                struct json_object *j = render_json(file, info, address, vendor, device, &v, &fixes);
                r = j ? output_put_json(&out, j, true) : -ENOMEM;
                json_object_put(j);
        } else
                render_text(&out, file, info, address, vendor, device, &v, &fixes);
        if (print_output(&out) < 0) {
                ret = EXIT_INTERNAL;
                goto out;
        }
        ret = v.n_findings > 0 ? EXIT_CAUSE : EXIT_NO_CAUSE;
out:
        fixes_done(&fixes);
        free(info);
        host_facts_done(&host);
        return ret;
}
