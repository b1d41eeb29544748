/* SPDX-License-Identifier: MIT */
/* PCI option ROM files built here, byte by byte, from the PCI Firmware Specification's layout (never a
 * vendor's ROM): each shape a user meets (legacy only, legacy + EFI, for another device, cut short, a bad
 * checksum, a dumper's header, a shadow copy, not a ROM at all) gets its exact verdict; the romfile=
 * references of real QEMU and libvirt lines are found, and hostile ones are not kept. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optionrom.h"
#include "test_common.h"
#include "vfioexplain/romfile_refs.h"

typedef struct Spec {
        uint8_t code_type;
        uint16_t vendor, device;
        size_t blocks; /* 512-byte units */
        bool not_last; /* clear the last-image bit even on the final image */
        bool bad_checksum;
        const uint16_t *device_list; /* 0-terminated; PCIR revision 3 */
        uint16_t efi_machine, efi_subsystem;
        bool no_efi_signature;
} Spec;

typedef struct Rom {
        uint8_t *p;
        size_t len;
} Rom;

static void put16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
}

/* One image: header, PCIR at 0x40, the device list after it, filler where code would be; an x86 image's
 * last byte makes the sum 0. */
static void add_image(Rom *r, const Spec *s, bool last) {
        size_t size = s->blocks * 512;
        r->p = realloc(r->p, r->len + size);
        assert_non_null(r->p);
        uint8_t *b = r->p + r->len, *pcir = b + 0x40;
        memset(b, 0xcc, size);
        b[0] = 0x55;
        b[1] = 0xAA;
        if (s->code_type == ROM_CODE_EFI) {
                put16(b + 2, (uint16_t) s->blocks);
                put16(b + 4, s->no_efi_signature ? 0 : ROM_EFI_SIGNATURE);
                put16(b + 6, 0);
                put16(b + 8, s->efi_subsystem ? s->efi_subsystem : ROM_EFI_SUBSYSTEM_BOOT_DRIVER);
                put16(b + 0x0A, s->efi_machine ? s->efi_machine : ROM_EFI_MACHINE_X64);
                put16(b + 0x0C, 0);
        } else
                b[2] = (uint8_t) s->blocks;
        put16(b + 0x18, 0x40);
        memcpy(pcir, "PCIR", 4);
        put16(pcir + 4, s->vendor);
        put16(pcir + 6, s->device);
        put16(pcir + 8, s->device_list ? 0x1C : 0);
        put16(pcir + 0x0A, 0x1C);
        pcir[0x0C] = 3;
        pcir[0x0D] = 0x00;
        pcir[0x0E] = 0x00;
        pcir[0x0F] = 0x03;
        put16(pcir + 0x10, (uint16_t) s->blocks);
        put16(pcir + 0x12, 1);
        pcir[0x14] = s->code_type;
        pcir[0x15] = last && !s->not_last ? 0x80 : 0;
        put16(pcir + 0x16, 0);
        for (size_t i = 0; s->device_list && (i == 0 || s->device_list[i - 1]); i++)
                put16(pcir + 0x1C + 2 * i, s->device_list[i]);
        if (s->code_type == ROM_CODE_X86) {
                uint8_t sum = 0;
                b[size - 1] = 0;
                for (size_t i = 0; i < size; i++)
                        sum = (uint8_t) (sum + b[i]);
                b[size - 1] = (uint8_t) (0x100 - sum);
                if (s->bad_checksum)
                        b[size - 1] = (uint8_t) (b[size - 1] + 0x5A);
        }
        r->len += size;
}

static Rom build(const Spec *specs, size_t n, size_t header) {
        Rom r = {.p = malloc(header + 1), .len = header};
        assert_non_null(r.p);
        /* A dumper's header: NVIDIA's starts "NVGI"; what follows is not read. */
        for (size_t i = 0; i < header; i++)
                r.p[i] = i < 4 ? (uint8_t) "NVGI"[i] : (uint8_t) i;
        for (size_t i = 0; i < n; i++)
                add_image(&r, &specs[i], i == n - 1);
        return r;
}

static const Spec legacy_1080 = {.code_type = ROM_CODE_X86, .vendor = 0x10de, .device = 0x1b80, .blocks = 8};
static const Spec efi_1080 = {.code_type = ROM_CODE_EFI, .vendor = 0x10de, .device = 0x1b80, .blocks = 16};

static RomVerdict judge(const Rom *r, bool has_device, uint16_t vendor, uint16_t device, RomFirmware fw,
                        RomInfo *info) {
        RomVerdict v;
        assert_int_equal(rom_parse(r->p, r->len, info), 0);
        rom_judge(info, has_device, vendor, device, fw, &v);
        return v;
}

static void assert_findings(const RomVerdict *v, const char *const *want) {
        size_t n = 0;
        while (want[n])
                n++;
        for (size_t i = 0; i < v->n_findings; i++)
                print_message("finding: %s\n", v->findings[i].text);
        assert_int_equal(v->n_findings, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(v->findings[i].text, want[i]);
}

static void test_legacy_only(void **state) {
        Rom r = build(&legacy_1080, 1, 0);
        RomInfo info;
        RomVerdict v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(info.layout, ROM_LAYOUT_OK);
        assert_int_equal(info.n_images, 1);
        assert_int_equal(info.start, 0);
        assert_int_equal(info.end, ROM_END_LAST);
        assert_int_equal(info.images[0].code_type, ROM_CODE_X86);
        assert_int_equal(info.images[0].length, 4096);
        assert_int_equal(info.images[0].class_code, 0x030000);
        assert_true(info.images[0].checksum_known);
        assert_int_equal(info.images[0].checksum, 0);
        assert_true(v.matches && v.legacy && !v.efi);
        assert_findings(&v, (const char *const[]){NULL});

        /* Under OVMF it lacks the image that firmware runs; under SeaBIOS it is fine. */
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &info);
        assert_findings(
                &v, (const char *const[]){"no EFI image (only x86), and the guest firmware is UEFI", NULL});
        assert_int_equal(v.findings[0].problem, ROM_PROBLEM_NO_EFI);
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_BIOS, &info);
        assert_findings(&v, (const char *const[]){NULL});
        free(r.p);
}

static void test_legacy_and_efi(void **state) {
        Spec s[] = {legacy_1080, efi_1080};
        Rom r = build(s, 2, 0);
        RomInfo info;
        RomVerdict v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &info);
        assert_int_equal(info.n_images, 2);
        assert_false(info.images[0].last);
        assert_true(info.images[1].last);
        assert_int_equal(info.images[1].offset, 4096);
        assert_true(info.images[1].efi_signature);
        assert_int_equal(info.images[1].efi_machine, ROM_EFI_MACHINE_X64);
        assert_true(v.matches && v.legacy && v.efi);
        assert_findings(&v, (const char *const[]){NULL});

        /* An EFI image for another machine, or an application, is one x86_64 OVMF does not start. */
        s[1].efi_machine = ROM_EFI_MACHINE_AARCH64;
        free(r.p);
        r = build(s, 2, 0);
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &info);
        assert_false(v.efi);
        assert_findings(&v,
                        (const char *const[]){"no EFI image that x86_64 OVMF runs (wrong machine type or an "
                                              "application), and the guest firmware is UEFI",
                                              NULL});
        /* EBC byte code runs on OVMF's interpreter. */
        s[1].efi_machine = ROM_EFI_MACHINE_EBC;
        free(r.p);
        r = build(s, 2, 0);
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &info);
        assert_true(v.efi);
        free(r.p);

        /* An EFI-only ROM under SeaBIOS. */
        r = build(&efi_1080, 1, 0);
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_BIOS, &info);
        assert_findings(&v,
                        (const char *const[]){
                                "no x86 legacy image (only efi), and the guest firmware is SeaBIOS", NULL});
        free(r.p);
}

static void test_wrong_device(void **state) {
        Spec s[] = {legacy_1080, efi_1080};
        s[0].device = s[1].device = 0x1b81;
        Rom r = build(s, 2, 0);
        RomInfo info;
        RomVerdict v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_false(v.matches);
        assert_false(v.legacy); /* SeaBIOS compares the ids */
        assert_findings(&v,
                        (const char *const[]){"made for 10de:1b81, not for this device (10de:1b80)", NULL});
        assert_int_equal(v.findings[0].problem, ROM_PROBLEM_WRONG_DEVICE);
        /* With no device given, nothing to compare. */
        v = judge(&r, false, 0, 0, ROM_FIRMWARE_UNKNOWN, &info);
        assert_findings(&v, (const char *const[]){NULL});
        free(r.p);

        /* A PCI 3.0 device list naming the device: made for it too (SeaBIOS still wants the PCIR id). */
        static const uint16_t list[] = {0x1b82, 0x1b80, 0};
        s[0].device_list = list;
        r = build(s, 2, 0);
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(info.images[0].n_device_list, 2);
        assert_int_equal(info.images[0].device_list[1], 0x1b80);
        assert_true(v.matches);
        assert_false(v.legacy);
        assert_findings(&v, (const char *const[]){NULL});
        free(r.p);

        /* Another vendor with the same device id is another device. */
        Spec amd = legacy_1080;
        amd.vendor = 0x1002;
        r = build(&amd, 1, 0);
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_findings(&v,
                        (const char *const[]){"made for 1002:1b80, not for this device (10de:1b80)", NULL});
        free(r.p);
}

static void test_truncated(void **state) {
        Spec s[] = {legacy_1080, efi_1080};
        Rom r = build(s, 2, 0);
        RomInfo info;
        RomVerdict v;

        /* Cut inside the EFI image. */
        v = judge(&(Rom){r.p, 6000}, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(info.end, ROM_END_TRUNCATED);
        assert_true(info.images[1].truncated);
        assert_true(v.legacy);
        assert_false(v.efi);
        assert_findings(
                &v,
                (const char *const[]){"truncated: image 1 (efi) needs 8192 bytes from offset 4096, the "
                                      "file has 1904",
                                      NULL});
        /* Cut inside the x86 image: its checksum cannot be had either. */
        v = judge(&(Rom){r.p, 1000}, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_findings(
                &v,
                (const char *const[]){"truncated: image 0 (x86) needs 4096 bytes from offset 0, the file "
                                      "has 1000",
                                      NULL});
        /* Cut exactly after an image that says more follow: the shadow copy of a boot GPU. */
        v = judge(&(Rom){r.p, 4096}, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(info.end, ROM_END_FILE);
        assert_findings(
                &v,
                (const char *const[]){"truncated: image 0 (x86) is not marked last and the file ends "
                                      "after it (a shadow copy or a cut dump)",
                                      NULL});
        /* So short that no image header fits: not a ROM. */
        v = judge(&(Rom){r.p, 20}, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(info.layout, ROM_LAYOUT_NOT_A_ROM);
        assert_findings(
                &v,
                (const char *const[]){"not an option ROM: no 0x55AA signature with a PCI data structure "
                                      "(it starts 55 aa 08 cc)",
                                      NULL});
        free(r.p);
}

static void test_bad_checksum(void **state) {
        Spec s = legacy_1080;
        s.bad_checksum = true;
        Rom r = build(&s, 1, 0);
        RomInfo info;
        RomVerdict v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(info.images[0].checksum, 0x5A);
        assert_false(v.legacy);
        assert_findings(&v,
                        (const char *const[]){
                                "bad checksum: image 0 (x86) sums to 0x5a, not 0 (SeaBIOS skips it)", NULL});
        free(r.p);

        /* EFI images carry no checksum of that kind: flipping a byte there changes nothing. */
        Spec e[] = {legacy_1080, efi_1080};
        r = build(e, 2, 0);
        r.p[4096 + 0x100] ^= 0xff;
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &info);
        assert_findings(&v, (const char *const[]){NULL});
        free(r.p);
}

static void test_dumper_header(void **state) {
        Spec s[] = {legacy_1080, efi_1080};
        Rom r = build(s, 2, 1536);
        RomInfo info;
        RomVerdict v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &info);
        assert_int_equal(info.start, 1536);
        assert_int_equal(info.n_images, 2);
        assert_int_equal(info.images[1].offset, 1536 + 4096);
        assert_true(v.legacy && v.efi && v.matches);
        assert_findings(&v,
                        (const char *const[]){
                                "a header of 1536 bytes before the ROM (0x55AA at offset 1536)", NULL});
        assert_int_equal(v.findings[0].problem, ROM_PROBLEM_HEADER);
        assert_int_equal(v.findings[0].offset, 1536);
        free(r.p);

        /* A stray 0x55 0xAA inside the header whose pointer leads nowhere is not the ROM. */
        r = build(s, 2, 600);
        r.p[100] = 0x55;
        r.p[101] = 0xAA;
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &info);
        assert_int_equal(info.start, 600);
        free(r.p);
}

static void test_corrupt(void **state) {
        Spec s[] = {legacy_1080, efi_1080};
        Rom r = build(s, 2, 0);
        RomInfo info;
        RomVerdict v;

        /* The second image's PCIR pointer leads past its signature. */
        put16(r.p + 4096 + 0x18, 0xffff);
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(info.end, ROM_END_BAD_PCIR);
        assert_int_equal(info.n_images, 1);
        assert_findings(
                &v,
                (const char *const[]){
                        "corrupt: image 1 at offset 4096 has no PCI data structure (pointer 0xffff)", NULL});
        free(r.p);

        /* An EFI image without 0x0EF1. */
        s[1].no_efi_signature = true;
        r = build(s, 2, 0);
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &info);
        assert_false(v.efi);
        assert_findings(&v,
                        (const char *const[]){"corrupt: image 1 (efi) has no 0x0EF1 EFI signature", NULL});
        free(r.p);

        /* An image of length 0 would loop forever in a careless reader. The changed bytes break its sum too.
         */
        r = build(&legacy_1080, 1, 0);
        put16(r.p + 0x40 + 0x10, 0);
        r.p[0x40 + 0x15] = 0;
        v = judge(&r, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(info.end, ROM_END_ZERO_LENGTH);
        assert_findings(
                &v,
                (const char *const[]){"bad checksum: image 0 (x86) sums to 0x78, not 0 (SeaBIOS skips it)",
                                      "corrupt: image 0 at offset 0 has length 0", NULL});
        free(r.p);
}

static void test_not_a_rom(void **state) {
        uint8_t ff[4096], html[] = "<!DOCTYPE html><html><body>403 Forbidden</body></html>";
        RomInfo info;
        RomVerdict v;

        memset(ff, 0xff, sizeof(ff));
        v = judge(&(Rom){ff, sizeof(ff)}, true, 0x10de, 0x1b80, ROM_FIRMWARE_UNKNOWN, &info);
        assert_findings(
                &v,
                (const char *const[]){"not an option ROM: no 0x55AA signature with a PCI data structure "
                                      "(it starts ff ff ff ff)",
                                      NULL});
        v = judge(&(Rom){html, sizeof(html) - 1}, false, 0, 0, ROM_FIRMWARE_UNKNOWN, &info);
        assert_int_equal(v.findings[0].problem, ROM_PROBLEM_NOT_A_ROM);
        v = judge(&(Rom){ff, 0}, false, 0, 0, ROM_FIRMWARE_UNKNOWN, &info);
        assert_findings(&v, (const char *const[]){"empty", NULL});
}

static void test_chain_end(void **state) {
        RomInfo info;
        Spec s[] = {legacy_1080, efi_1080};
        Rom r = build(s, 2, 0);

        /* NVIDIA's own images after the last PCI one, and padding: no problem, the firmware stops before. */
        r.p = realloc(r.p, r.len + 1024);
        memset(r.p + r.len, 0xff, 1024);
        r.p[r.len] = 0x56;
        r.p[r.len + 1] = 0x4E;
        r.len += 1024;
        assert_int_equal(rom_parse(r.p, r.len, &info), 0);
        assert_int_equal(info.end, ROM_END_LAST);
        assert_int_equal(info.end_offset, 12288);
        r.p[0x40 + 0x15 + 4096] = 0; /* the EFI image not last: the NVIDIA data follows */
        assert_int_equal(rom_parse(r.p, r.len, &info), 0);
        assert_int_equal(info.end, ROM_END_VENDOR);
        free(r.p);

        /* More images than the limit: the rest is not read, and nothing loops. */
        Spec many[VX_ROM_IMAGES_MAX + 2];
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = (Spec){.code_type = 0x42, .vendor = 0x8086, .device = 0x1234, .blocks = 1};
        r = build(many, ELEMENTSOF(many), 0);
        assert_int_equal(rom_parse(r.p, r.len, &info), 0);
        assert_int_equal(info.n_images, VX_ROM_IMAGES_MAX);
        assert_int_equal(info.end, ROM_END_TOO_MANY);
        free(r.p);

        /* Past the size limit nothing is parsed. */
        RomInfo untouched = {.size = 7};
        assert_int_equal(rom_parse((const uint8_t *) "", (size_t) VX_ROM_FILE_MAX + 1, &untouched), -EFBIG);
        assert_int_equal(untouched.size, 7);
}

/* Every prefix of a ROM, and every byte of it flipped, parses without reading past the buffer (ASan). */
static void test_every_cut_and_flip(void **state) {
        Spec s[] = {legacy_1080, efi_1080};
        Rom r = build(s, 2, 64);
        RomInfo info;
        RomVerdict v;
        for (size_t n = 0; n <= r.len; n += 7) {
                uint8_t *copy = malloc(n + 1);
                memcpy(copy, r.p, n);
                assert_int_equal(rom_parse(copy, n, &info), 0);
                rom_judge(&info, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &v);
                assert_true(n == r.len || v.n_findings > 0);
                free(copy);
        }
        for (size_t i = 0; i < 0x80; i++) {
                r.p[64 + 4096 + i] ^= 0xff;
                assert_int_equal(rom_parse(r.p, r.len, &info), 0);
                rom_judge(&info, true, 0x10de, 0x1b80, ROM_FIRMWARE_UEFI, &v);
                r.p[64 + 4096 + i] ^= 0xff;
        }
        free(r.p);
}

static void scan(RomfileRefs *r, const char *line) {
        romfile_refs_scan(r, line, strlen(line));
}

static void test_romfile_refs(void **state) {
        RomfileRefs r = {0};

        /* QEMU's error location (util/qemu-error.c error_print_loc()) before a warning of hw/vfio/pci.c. */
        scan(&r,
             "qemu-system-x86_64: -device vfio-pci,host=01:00.0,x-vga=on,multifunction=on,"
             "romfile=/var/lib/libvirt/vbios/gtx1070.rom: warning: vfio 0000:01:00.0: Could not enable "
             "error "
             "recovery for the device");
        assert_int_equal(r.n, 1);
        assert_string_equal(r.refs[0].address, "0000:01:00.0");
        assert_string_equal(r.refs[0].path, "/var/lib/libvirt/vbios/gtx1070.rom");
        /* The same again is kept once. */
        scan(&r,
             "qemu-system-x86_64: -device vfio-pci,host=01:00.0,x-vga=on,multifunction=on,"
             "romfile=/var/lib/libvirt/vbios/gtx1070.rom: warning: vfio 0000:01:00.0: Could not enable "
             "error "
             "recovery for the device");
        assert_int_equal(r.n, 1);
        /* libvirt's command line in the domain log, one argument per line, the JSON form. */
        scan(&r,
             "-device "
             "'{\"driver\":\"vfio-pci\",\"host\":\"0000:0c:00.0\",\"id\":\"hostdev0\",\"bus\":\"pci.5\","
             "\"addr\":\"0x0\",\"romfile\":\"/usr/share/vgabios/rx6800.rom\"}' \\");
        assert_int_equal(r.n, 2);
        assert_string_equal(r.refs[1].address, "0000:0c:00.0");
        assert_string_equal(r.refs[1].path, "/usr/share/vgabios/rx6800.rom");
        /* The key=value form with sysfsdev= and a ",," comma inside a value. */
        scan(&r,
             "-device "
             "vfio-pci,sysfsdev=/sys/bus/pci/devices/0000:05:00.0,romfile=/roms/a,,b.rom,id=hostdev1 \\");
        assert_int_equal(r.n, 3);
        assert_string_equal(r.refs[2].address, "0000:05:00.0");
        assert_string_equal(r.refs[2].path, "/roms/a,b.rom");
        assert_false(r.uefi);
        /* OVMF as libvirt and as a hand-written command line give it. */
        scan(&r,
             "-blockdev "
             "'{\"driver\":\"file\",\"filename\":\"/usr/share/OVMF/OVMF_CODE_4M.ms.fd\",\"node-name\":"
             "\"libvirt-pflash0-storage\",\"auto-read-only\":true,\"discard\":\"unmap\"}' \\");
        assert_true(r.uefi);

        RomfileRefs h = {0};
        /* No device named, a relative name (QEMU's data directories), a path that climbs out, shell
         * metacharacters, a quote escaped in JSON: none is kept. */
        scan(&h, "qemu-system-x86_64: -device vfio-pci,romfile=/x.rom: vfio: ...");
        scan(&h,
             "qemu-system-x86_64: -device vfio-pci,host=01:00.0,romfile=GK104.rom: pci_add_option_rom: "
             "failed");
        scan(&h, "-device vfio-pci,host=01:00.0,romfile=/var/../../etc/shadow");
        scan(&h, "-device vfio-pci,host=01:00.0,romfile=/tmp/$(reboot).rom");
        scan(&h,
             "-device '{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"romfile\":\"/a\\\"b.rom\"}'");
        scan(&h, "kernel: romfile=/x.rom host=01:00.0 vfio-pci");
        assert_int_equal(h.n, 0);
        assert_false(h.uefi);
        /* The limit holds. */
        for (unsigned i = 0; i < VX_ROMFILE_REFS_MAX + 3; i++) {
                char line[128];
                snprintf(line, sizeof(line), "-device vfio-pci,host=01:00.0,romfile=/r%u.rom", i);
                scan(&h, line);
        }
        assert_int_equal(h.n, VX_ROMFILE_REFS_MAX);
        assert_int_equal(h.dropped, 3);
}

/* x-vga=on added by a -set after the -device (what a <qemu:commandline> pair of arguments gives): QEMU
 * applies it to a key=value -device of that id, never to one given as JSON. libvirt's domain log has one
 * argument a line. */
static void test_romfile_refs_set(void **state) {
        RomfileRefs r = {0};

        scan(&r, "-device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.0,addr=0x5 \\");
        scan(&r, "-device vfio-pci,host=0000:01:00.1,id=hostdev1,bus=pci.0,addr=0x6 \\");
        assert_int_equal(r.n_ids, 2);
        assert_int_equal(r.n_vga, 0);
        scan(&r, "-set device.hostdev0.x-vga=on \\");
        assert_int_equal(r.n_vga, 1);
        assert_string_equal(r.vga[0], "0000:01:00.0");
        /* Off, another property, an id never given, an id with a prefix of a known one: nothing more. */
        scan(&r, "-set device.hostdev1.x-vga=off \\");
        scan(&r, "-set device.hostdev1.rombar=0 \\");
        scan(&r, "-set device.hostdev7.x-vga=on \\");
        scan(&r, "-set device.hostdev.x-vga=on \\");
        assert_int_equal(r.n_vga, 1);
        /* As the location of a QEMU error, and a later -device of the same id that wins. */
        scan(&r, "-device vfio-pci,host=0000:02:00.0,id=hostdev1 \\");
        scan(&r,
             "qemu-system-x86_64: -set device.hostdev1.x-vga=on: vfio 0000:02:00.0: failed getting region "
             "info "
             "for VGA region index 8: Invalid argument");
        assert_int_equal(r.n_vga, 2);
        assert_string_equal(r.vga[1], "0000:02:00.0");

        /* A JSON -device: -set cannot reach it (QEMU says there is no such device). */
        RomfileRefs j = {0};
        scan(&j,
             "-device "
             "'{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\",\"bus\":\"pci.5\","
             "\"addr\":\"0x0\"}' \\");
        scan(&j, "-set device.hostdev0.x-vga=on \\");
        assert_int_equal(j.n_vga, 0);
        /* An id QEMU would refuse is not kept; the table has a bound. */
        scan(&j, "-device vfio-pci,host=0000:01:00.0,id=0bad \\");
        scan(&j, "-device vfio-pci,host=0000:01:00.0,id=a$(reboot) \\");
        assert_int_equal(j.n_ids, 0);
        for (unsigned i = 0; i < VX_ROMFILE_REFS_MAX + 2; i++) {
                char line[128];
                snprintf(line, sizeof(line), "-device vfio-pci,host=0000:01:00.0,id=gpu%u", i);
                scan(&j, line);
        }
        assert_int_equal(j.n_ids, VX_ROMFILE_REFS_MAX);
        assert_int_equal(j.dropped, 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_legacy_only),  cmocka_unit_test(test_legacy_and_efi),
                cmocka_unit_test(test_wrong_device), cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_bad_checksum), cmocka_unit_test(test_dumper_header),
                cmocka_unit_test(test_corrupt),      cmocka_unit_test(test_not_a_rom),
                cmocka_unit_test(test_chain_end),    cmocka_unit_test(test_every_cut_and_flip),
                cmocka_unit_test(test_romfile_refs), cmocka_unit_test(test_romfile_refs_set),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
