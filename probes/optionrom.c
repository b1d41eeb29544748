/* SPDX-License-Identifier: MIT */
/* PCI option ROM files: their images, and whether they can work for a device (include/vfioexplain/
 * optionrom.h names the sources each fact is checked against). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "optionrom.h"
#include "string_table.h"
#include "vfioexplain/macro.h"

/* The image header: 0x55 0xAA, then (x86) the size in 512-byte units at 2, the PCIR pointer at 0x18. */
#define ROM_HEADER_SIZE 0x1Au
/* A PCI data structure up to and including its indicator and reserved word (PCI 2.x length; 3.0 adds
 * fields after it that are not read here). */
#define PCIR_MIN_SIZE 0x18u

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Whether an image can start at off: 0x55 0xAA, and its pointer leads to "PCIR" inside the buffer. */
static bool image_at(const uint8_t *buf, size_t len, size_t off) {
        if (len - off < ROM_HEADER_SIZE || buf[off] != 0x55 || buf[off + 1] != 0xAA)
                return false;
        size_t p = off + le16(buf + off + 0x18);
        return p + PCIR_MIN_SIZE <= len && memcmp(buf + p, "PCIR", 4) == 0;
}

static void read_device_list(const uint8_t *buf, size_t len, RomImage *im) {
        uint16_t ptr = le16(buf + im->pcir + 0x08);
        size_t end = MIN(len, im->offset + im->length);

        /* The pointer is from the start of the PCIR (PCI Firmware Spec 3.0); revision 3 only: in 2.x the
         * word at +8 is the vital product data pointer. */
        if (im->pcir_revision < 3 || ptr == 0)
                return;
        for (size_t p = im->pcir + ptr; p + 2 <= end && im->n_device_list < VX_ROM_DEVICE_LIST_MAX; p += 2) {
                uint16_t id = le16(buf + p);
                if (id == 0)
                        break;
                im->device_list[im->n_device_list++] = id;
        }
}

static void read_image(const uint8_t *buf, size_t len, RomImage *im) {
        const uint8_t *h = buf + im->offset, *p = buf + im->pcir;

        im->vendor = le16(p + 0x04);
        im->device = le16(p + 0x06);
        im->pcir_revision = p[0x0C];
        im->class_code = (uint32_t) p[0x0F] << 16 | (uint32_t) p[0x0E] << 8 | p[0x0D];
        im->length = (size_t) le16(p + 0x10) * 512u;
        im->code_revision = le16(p + 0x12);
        im->code_type = p[0x14];
        im->last = p[0x15] & 0x80;
        im->truncated = im->length > len - im->offset;
        read_device_list(buf, len, im);
        if (im->code_type == ROM_CODE_X86) {
                im->init_size = (size_t) h[2] * 512u;
                if (im->init_size > 0 && im->init_size <= len - im->offset) {
                        uint8_t sum = 0;
                        for (size_t i = 0; i < im->init_size; i++)
                                sum = (uint8_t) (sum + h[i]);
                        im->checksum_known = true;
                        im->checksum = sum;
                }
        } else if (im->code_type == ROM_CODE_EFI) {
                im->efi_signature = le32(h + 0x04) == ROM_EFI_SIGNATURE;
                im->efi_subsystem = le16(h + 0x08);
                im->efi_machine = le16(h + 0x0A);
                im->efi_compression = le16(h + 0x0C);
        }
}

int rom_parse(const uint8_t *buf, size_t len, RomInfo *ret) {
        RomInfo info = {.size = len, .layout = ROM_LAYOUT_NOT_A_ROM};
        size_t off;

        if (len > VX_ROM_FILE_MAX)
                return -EFBIG;
        memcpy(info.head, buf, MIN(len, sizeof(info.head)));
        if (len == 0) {
                info.layout = ROM_LAYOUT_EMPTY;
                *ret = info;
                return 0;
        }
        /* Some dumpers (NVIDIA's nvflash, vendor update packages) put their own header before the ROM, of
         * no fixed size: the ROM starts at the first signature whose pointer leads to a PCIR. */
        for (off = 0; off + ROM_HEADER_SIZE <= len; off++)
                if (image_at(buf, len, off))
                        break;
        if (off + ROM_HEADER_SIZE > len) {
                *ret = info;
                return 0;
        }
        info.layout = ROM_LAYOUT_OK;
        info.start = off;
        for (;;) {
                if (off == len) {
                        info.end = ROM_END_FILE;
                        break;
                }
                if (len - off < 2 || buf[off] != 0x55 || buf[off + 1] != 0xAA) {
                        /* nouveau nvbios_imagen(): NVIDIA's images after the PCI ones start 0xbb77 or "VN".
                         */
                        bool vendor = len - off >= 2 &&
                                ((buf[off] == 0x77 && buf[off + 1] == 0xBB) ||
                                 (buf[off] == 0x56 && buf[off + 1] == 0x4E));
                        info.end = len - off < 2 ? ROM_END_FILE
                                : vendor         ? ROM_END_VENDOR
                                                 : ROM_END_NO_SIGNATURE;
                        break;
                }
                if (!image_at(buf, len, off)) {
                        info.end = ROM_END_BAD_PCIR;
                        info.bad_pointer = len - off >= ROM_HEADER_SIZE ? le16(buf + off + 0x18) : 0;
                        break;
                }
                if (info.n_images >= VX_ROM_IMAGES_MAX) {
                        info.end = ROM_END_TOO_MANY;
                        break;
                }
                RomImage *im = &info.images[info.n_images++];
                *im = (RomImage){.offset = off, .pcir = off + le16(buf + off + 0x18)};
                read_image(buf, len, im);
                if (im->length == 0) {
                        info.end = ROM_END_ZERO_LENGTH;
                        break;
                }
                if (im->truncated) {
                        info.end = ROM_END_TRUNCATED;
                        break;
                }
                off += im->length;
                if (im->last) {
                        info.end = ROM_END_LAST;
                        break;
                }
        }
        info.end_offset = off;
        *ret = info;
        return 0;
}

const char *rom_code_type_to_string(uint8_t code_type) {
        switch (code_type) {
        case ROM_CODE_X86:
                return "x86";
        case ROM_CODE_OPEN_FIRMWARE:
                return "open-firmware";
        case ROM_CODE_PA_RISC:
                return "pa-risc";
        case ROM_CODE_EFI:
                return "efi";
        case ROM_CODE_NVIDIA:
                return "nvidia";
        default:
                return NULL;
        }
}

const char *rom_efi_machine_to_string(uint16_t machine) {
        switch (machine) {
        case ROM_EFI_MACHINE_X64:
                return "x64";
        case ROM_EFI_MACHINE_IA32:
                return "ia32";
        case ROM_EFI_MACHINE_EBC:
                return "ebc";
        case ROM_EFI_MACHINE_AARCH64:
                return "aarch64";
        default:
                return NULL;
        }
}

static const char *const rom_problem_table[_ROM_PROBLEM_MAX] = {
        [ROM_PROBLEM_EMPTY] = "empty",
        [ROM_PROBLEM_NOT_A_ROM] = "not-a-rom",
        [ROM_PROBLEM_HEADER] = "header",
        [ROM_PROBLEM_CORRUPT] = "corrupt",
        [ROM_PROBLEM_TRUNCATED] = "truncated",
        [ROM_PROBLEM_CHECKSUM] = "checksum",
        [ROM_PROBLEM_WRONG_DEVICE] = "wrong-device",
        [ROM_PROBLEM_NO_EFI] = "no-efi",
        [ROM_PROBLEM_NO_LEGACY] = "no-legacy",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(rom_problem, RomProblem)

const RomImage *rom_main_image(const RomInfo *info) {
        for (size_t i = 0; i < info->n_images; i++)
                if (info->images[i].code_type == ROM_CODE_X86)
                        return &info->images[i];
        return info->n_images > 0 ? &info->images[0] : NULL;
}

/* "x86", "x86+efi", "code type 0x42": the kinds of image in the file. */
static void image_kinds(const RomInfo *info, char *buf, size_t size) {
        size_t n = 0;
        buf[0] = 0;
        for (size_t i = 0; i < info->n_images; i++) {
                const char *t = rom_code_type_to_string(info->images[i].code_type);
                char other[24];
                if (!t) {
                        snprintf(other, sizeof(other), "code type 0x%02x", info->images[i].code_type);
                        t = other;
                }
                if (strstr(buf, t))
                        continue;
                int k = snprintf(buf + n, size - n, "%s%s", n ? "+" : "", t);
                if (k < 0 || (size_t) k >= size - n)
                        break;
                n += (size_t) k;
        }
}

static const char *kind_of(const RomImage *im, char buf[static 24]) {
        const char *t = rom_code_type_to_string(im->code_type);
        if (t)
                return t;
        snprintf(buf, 24, "code type 0x%02x", im->code_type);
        return buf;
}

static RomFinding *add(RomVerdict *v, RomProblem p) {
        for (size_t i = 0; i < v->n_findings; i++)
                if (v->findings[i].problem == p)
                        return NULL; /* the first of each kind says it */
        RomFinding *f = &v->findings[v->n_findings++];
        *f = (RomFinding){.problem = p};
        return f;
}

#define SAY(v, p, ...)                                                     \
        do {                                                               \
                RomFinding *_f = add(v, p);                                \
                if (_f)                                                    \
                        snprintf(_f->text, sizeof(_f->text), __VA_ARGS__); \
        } while (0)

static bool image_matches(const RomImage *im, uint16_t vendor, uint16_t device) {
        if (im->vendor != vendor)
                return false;
        if (im->device == device)
                return true;
        for (size_t i = 0; i < im->n_device_list; i++)
                if (im->device_list[i] == device)
                        return true;
        return false;
}

static bool efi_runs_on_ovmf(const RomImage *im) {
        return im->code_type == ROM_CODE_EFI && !im->truncated && im->efi_signature &&
                (im->efi_machine == ROM_EFI_MACHINE_X64 || im->efi_machine == ROM_EFI_MACHINE_EBC) &&
                im->efi_subsystem != ROM_EFI_SUBSYSTEM_APPLICATION;
}

static void judge_images(const RomInfo *info, RomVerdict *v) {
        char k[24];

        for (size_t i = 0; i < info->n_images; i++) {
                const RomImage *im = &info->images[i];
                if (im->code_type == ROM_CODE_X86 && !im->truncated) {
                        if (im->init_size == 0)
                                SAY(v, ROM_PROBLEM_CORRUPT,
                                    "corrupt: image %zu (x86) has size 0 in its header (byte 2)", i);
                        else if (!im->checksum_known)
                                SAY(v, ROM_PROBLEM_TRUNCATED,
                                    "truncated: image %zu (x86) needs %zu bytes from offset %zu, the file has %zu",
                                    i, im->init_size, im->offset, info->size - im->offset);
                        else if (im->checksum != 0)
                                SAY(v, ROM_PROBLEM_CHECKSUM,
                                    "bad checksum: image %zu (x86) sums to 0x%02x, not 0 (SeaBIOS skips it)",
                                    i, im->checksum);
                        else if (!v->has_device || (im->vendor == v->vendor && im->device == v->device))
                                /* SeaBIOS compares the PCIR ids alone, never the device list. */
                                v->legacy = true;
                }
                if (im->code_type == ROM_CODE_EFI && !im->truncated && !im->efi_signature)
                        SAY(v, ROM_PROBLEM_CORRUPT, "corrupt: image %zu (efi) has no 0x0EF1 EFI signature",
                            i);
                v->efi = v->efi || efi_runs_on_ovmf(im);
        }
        switch (info->end) {
        case ROM_END_TRUNCATED: {
                const RomImage *im = &info->images[info->n_images - 1];
                SAY(v, ROM_PROBLEM_TRUNCATED,
                    "truncated: image %zu (%s) needs %zu bytes from offset %zu, the file has %zu",
                    info->n_images - 1, kind_of(im, k), im->length, im->offset, info->size - im->offset);
                break;
        }
        case ROM_END_FILE:
                SAY(v, ROM_PROBLEM_TRUNCATED,
                    "truncated: image %zu (%s) is not marked last and the file ends after it (a shadow copy or a cut dump)",
                    info->n_images - 1, kind_of(&info->images[info->n_images - 1], k));
                break;
        case ROM_END_BAD_PCIR:
                SAY(v, ROM_PROBLEM_CORRUPT,
                    "corrupt: image %zu at offset %zu has no PCI data structure (pointer 0x%04x)",
                    info->n_images, info->end_offset, info->bad_pointer);
                break;
        case ROM_END_ZERO_LENGTH:
                SAY(v, ROM_PROBLEM_CORRUPT, "corrupt: image %zu at offset %zu has length 0",
                    info->n_images - 1, info->images[info->n_images - 1].offset);
                break;
        default:
                break;
        }
}

void rom_judge(const RomInfo *info, bool has_device, uint16_t vendor, uint16_t device, RomFirmware firmware,
               RomVerdict *ret) {
        RomVerdict v = {.has_device = has_device, .vendor = vendor, .device = device};
        char kinds[96];

        if (info->layout == ROM_LAYOUT_EMPTY) {
                SAY(&v, ROM_PROBLEM_EMPTY, "empty");
                *ret = v;
                return;
        }
        if (info->layout == ROM_LAYOUT_NOT_A_ROM && info->unquoted) {
                SAY(&v, ROM_PROBLEM_NOT_A_ROM,
                    "not an option ROM: no 0x55AA signature with a PCI data structure");
                *ret = v;
                return;
        }
        if (info->layout == ROM_LAYOUT_NOT_A_ROM) {
                char head[16] = "";
                size_t n = 0;
                for (size_t i = 0; i < MIN(info->size, sizeof(info->head)); i++)
                        n += (size_t) snprintf(head + n, sizeof(head) - n, "%s%02x", i ? " " : "",
                                               info->head[i]);
                SAY(&v, ROM_PROBLEM_NOT_A_ROM,
                    "not an option ROM: no 0x55AA signature with a PCI data structure (it starts %s)", head);
                *ret = v;
                return;
        }
        if (info->start > 0) {
                SAY(&v, ROM_PROBLEM_HEADER, "a header of %zu bytes before the ROM (0x55AA at offset %zu)",
                    info->start, info->start);
                v.findings[v.n_findings - 1].offset = info->start;
        }
        judge_images(info, &v);
        if (has_device) {
                for (size_t i = 0; i < info->n_images && !v.matches; i++)
                        v.matches = image_matches(&info->images[i], vendor, device);
                const RomImage *m = rom_main_image(info);
                if (!v.matches && m)
                        SAY(&v, ROM_PROBLEM_WRONG_DEVICE,
                            "made for %04x:%04x, not for this device (%04x:%04x)", m->vendor, m->device,
                            vendor, device);
        }
        image_kinds(info, kinds, sizeof(kinds));
        if (firmware == ROM_FIRMWARE_UEFI && !v.efi) {
                bool any_efi = false;
                for (size_t i = 0; i < info->n_images; i++)
                        any_efi = any_efi || info->images[i].code_type == ROM_CODE_EFI;
                /* A damaged EFI image is said by its own finding. */
                if (!any_efi)
                        SAY(&v, ROM_PROBLEM_NO_EFI, "no EFI image (only %s), and the guest firmware is UEFI",
                            kinds);
                else if (!v.n_findings)
                        SAY(&v, ROM_PROBLEM_NO_EFI,
                            "no EFI image that x86_64 OVMF runs (wrong machine type or an application), and the guest firmware is UEFI");
        }
        if (firmware == ROM_FIRMWARE_BIOS) {
                bool any_x86 = false;
                for (size_t i = 0; i < info->n_images; i++)
                        any_x86 = any_x86 || info->images[i].code_type == ROM_CODE_X86;
                if (!any_x86)
                        SAY(&v, ROM_PROBLEM_NO_LEGACY,
                            "no x86 legacy image (only %s), and the guest firmware is SeaBIOS", kinds);
        }
        *ret = v;
}
