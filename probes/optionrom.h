/* SPDX-License-Identifier: MIT */
#pragma once

/* A PCI option ROM (a GPU's VBIOS, a NIC's boot ROM) as a file holds it, and whether it can work for a
 * given device and guest firmware. The layout is the PCI Firmware Specification's, as the software that
 * reads ROMs applies it: Linux drivers/pci/rom.c pci_get_rom_size() (0x55 0xAA, the PCI data structure
 * "PCIR" at the 16-bit pointer at 0x18, image length at PCIR+0x10 in 512-byte units, last-image bit 7
 * of PCIR+0x15), SeaBIOS src/optionroms.c (runs only a code type 0 image whose PCIR vendor and device
 * equal the device's, and only when its bytes over header byte 2 x 512 sum to 0), edk2 PciBusDxe
 * PciOptionRomSupport.c (OVMF starts code type 3 images whose header carries 0x0EF1 at +4, a machine
 * type it runs at +0x0A and a subsystem that is no application at +8; it does not compare ids), nouveau
 * nvkm/subdev/bios (NVIDIA's own images after the last PCI one). Parsing takes a buffer and does no I/O. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfioexplain/limits.h"

/* PCIR code types (PCI Firmware Specification 3.0, "PCI Data Structure Format"). */
enum {
        ROM_CODE_X86 = 0x00, /* Intel x86, PC-AT compatible: the legacy BIOS (SeaBIOS) image */
        ROM_CODE_OPEN_FIRMWARE = 0x01,
        ROM_CODE_PA_RISC = 0x02,
        ROM_CODE_EFI = 0x03,
        ROM_CODE_NVIDIA = 0x70, /* NVIDIA's own data image (nouveau nvbios_imagen()) */
};

/* EFI image header fields (PCI Firmware Specification 3.0, "EFI Expansion ROM header"). */
enum {
        ROM_EFI_SIGNATURE = 0x0EF1,
        ROM_EFI_SUBSYSTEM_APPLICATION = 10, /* OVMF skips these */
        ROM_EFI_SUBSYSTEM_BOOT_DRIVER = 11,
        ROM_EFI_SUBSYSTEM_RUNTIME_DRIVER = 12,
        ROM_EFI_MACHINE_IA32 = 0x014C,
        ROM_EFI_MACHINE_X64 = 0x8664,
        ROM_EFI_MACHINE_EBC = 0x0EBC, /* byte code: x86_64 OVMF runs it too */
        ROM_EFI_MACHINE_AARCH64 = 0xAA64,
};

typedef struct RomImage {
        size_t offset; /* from the start of the file */
        size_t length; /* PCIR image length, bytes */
        size_t pcir; /* offset of its PCI data structure in the file */
        uint16_t vendor, device;
        uint32_t class_code;
        uint8_t pcir_revision;
        uint16_t code_revision;
        uint8_t code_type;
        bool last; /* indicator bit 7 */
        bool truncated; /* the file ends inside it */
        /* PCI 3.0 device list (PCIR revision 3, pointer at PCIR+8): more device ids it is made for */
        uint16_t device_list[VX_ROM_DEVICE_LIST_MAX];
        size_t n_device_list;
        /* code type 0: header byte 2 x 512, and whether those bytes sum to 0 (mod 256) */
        size_t init_size;
        bool checksum_known; /* false when init_size is 0 or runs past the file */
        uint8_t checksum; /* the sum */
        /* code type 3 */
        bool efi_signature; /* 0x0EF1 at +4 */
        uint16_t efi_subsystem, efi_machine, efi_compression;
} RomImage;

typedef enum RomLayout {
        ROM_LAYOUT_EMPTY, /* 0 bytes */
        ROM_LAYOUT_NOT_A_ROM, /* no 0x55 0xAA followed by a valid PCIR pointer anywhere */
        ROM_LAYOUT_OK, /* images parsed (check the images and the fields below) */
} RomLayout;

typedef enum RomChainEnd {
        ROM_END_LAST, /* an image marked last */
        ROM_END_FILE, /* the file ended where the next image should start: images are missing */
        ROM_END_TRUNCATED, /* the file ends inside an image */
        ROM_END_VENDOR, /* NVIDIA data (0xbb77 or "VN" signature) where the next image would start */
        ROM_END_NO_SIGNATURE, /* other bytes where the next image should start */
        ROM_END_BAD_PCIR, /* an image whose PCIR pointer or signature is wrong */
        ROM_END_ZERO_LENGTH, /* an image of length 0 */
        ROM_END_TOO_MANY, /* more than VX_ROM_IMAGES_MAX images */
} RomChainEnd;

typedef struct RomInfo {
        size_t size; /* bytes given */
        RomLayout layout;
        uint8_t head[4]; /* the first bytes, for messages */
        /* Read on a log's or a domain's word (rom_read_under()), not named by the user: no byte of it
         * goes into a message. */
        bool unquoted;
        size_t start; /* the first 0x55 0xAA with a valid PCIR; > 0 means a header precedes the ROM */
        RomImage images[VX_ROM_IMAGES_MAX];
        size_t n_images;
        RomChainEnd end;
        size_t end_offset; /* where the chain stopped */
        uint16_t bad_pointer; /* ROM_END_BAD_PCIR: the pointer read */
} RomInfo;

/* Parses buf[0..len); no I/O. Returns 0, or -EFBIG past VX_ROM_FILE_MAX (ret untouched). A buffer that
 * is no ROM at all parses too: ret->layout says so. */
int rom_parse(const uint8_t *buf, size_t len, RomInfo *ret);

/* The guest firmware, when known: it decides which image is run. */
typedef enum RomFirmware {
        ROM_FIRMWARE_UNKNOWN,
        ROM_FIRMWARE_BIOS, /* SeaBIOS: runs the x86 image */
        ROM_FIRMWARE_UEFI, /* OVMF (x86_64): runs an x64 or EBC EFI driver image */
} RomFirmware;

/* What is wrong with a ROM for a device, each a stable id (rom.rules and the JSON of `rom` key on it). */
typedef enum RomProblem {
        ROM_PROBLEM_EMPTY,
        ROM_PROBLEM_NOT_A_ROM,
        ROM_PROBLEM_HEADER, /* a dumper's header before the ROM: strip it */
        ROM_PROBLEM_CORRUPT, /* a PCIR that is not one, an image of length 0, an EFI image without 0x0EF1 */
        ROM_PROBLEM_TRUNCATED, /* the file ends inside an image, or before the image after one not last */
        ROM_PROBLEM_CHECKSUM, /* an x86 image whose bytes do not sum to 0 */
        ROM_PROBLEM_WRONG_DEVICE,
        ROM_PROBLEM_NO_EFI, /* UEFI firmware, and no image it runs */
        ROM_PROBLEM_NO_LEGACY, /* SeaBIOS, and no x86 image for the device */
        _ROM_PROBLEM_MAX,
} RomProblem;

typedef struct RomFinding {
        RomProblem problem;
        char text[VX_ROM_TEXT_MAX]; /* one line, stable: the rules match it */
        size_t offset; /* ROM_PROBLEM_HEADER: the bytes to skip */
} RomFinding;

typedef struct RomVerdict {
        bool has_device; /* a device to compare with was given */
        uint16_t vendor, device; /* its ids */
        bool matches; /* has_device: an image names its vendor:device (or lists the device) */
        bool legacy; /* an x86 image, intact, whose ids are the device's when one is given: SeaBIOS runs it
                      */
        bool efi; /* an EFI driver image x86_64 OVMF runs, intact */
        RomFinding findings[_ROM_PROBLEM_MAX];
        size_t n_findings;
} RomVerdict;

/* Judges a parsed ROM for the device vendor:device (when has_device) and the firmware; no I/O. */
void rom_judge(const RomInfo *info, bool has_device, uint16_t vendor, uint16_t device, RomFirmware firmware,
               RomVerdict *ret);

const char *rom_problem_to_string(RomProblem p);
/* "x86", "efi", "open-firmware", "pa-risc", "nvidia", or NULL for other code types. */
const char *rom_code_type_to_string(uint8_t code_type);
/* "x64", "ia32", "ebc", "aarch64", or NULL. */
const char *rom_efi_machine_to_string(uint16_t machine);
/* The vendor and device an image is made for, most useful first: an x86 image, else the first. NULL when
 * there is no image. */
const RomImage *rom_main_image(const RomInfo *info);
