/* SPDX-License-Identifier: MIT */
/* A PCI option ROM file (probes/optionrom.c): any bytes at all, as `vfioexplain rom FILE`, romfile= and
 * <rom file=> hand it over. Parsed, then judged for the device the main image names and for another, under
 * each firmware; every finding is one printable line. */
#include <string.h>

#include "fuzz.h"
#include "optionrom.h"

static void judge(const RomInfo *info, bool has_device, uint16_t vendor, uint16_t device) {
        static const RomFirmware firmwares[] = {ROM_FIRMWARE_UNKNOWN, ROM_FIRMWARE_BIOS, ROM_FIRMWARE_UEFI};
        for (size_t i = 0; i < sizeof(firmwares) / sizeof(firmwares[0]); i++) {
                RomVerdict v;
                rom_judge(info, has_device, vendor, device, firmwares[i], &v);
                FUZZ_CHECK(v.n_findings <= _ROM_PROBLEM_MAX);
                for (size_t k = 0; k < v.n_findings; k++) {
                        size_t len = strnlen(v.findings[k].text, sizeof(v.findings[k].text));
                        FUZZ_CHECK(len < sizeof(v.findings[k].text));
                        FUZZ_CHECK(fuzz_terminal_safe(v.findings[k].text, len));
                        FUZZ_CHECK(!memchr(v.findings[k].text, '\n', len));
                        FUZZ_CHECK(rom_problem_to_string(v.findings[k].problem));
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RomInfo info;

        if (rom_parse(data, size, &info) < 0) {
                FUZZ_CHECK(size > VX_ROM_FILE_MAX);
                return 0;
        }
        FUZZ_CHECK(info.size == size);
        FUZZ_CHECK(info.n_images <= VX_ROM_IMAGES_MAX);
        for (size_t i = 0; i < info.n_images; i++) {
                const RomImage *im = &info.images[i];
                FUZZ_CHECK(im->offset < size);
                FUZZ_CHECK(im->pcir < size);
                FUZZ_CHECK(im->n_device_list <= VX_ROM_DEVICE_LIST_MAX);
                (void) rom_code_type_to_string(im->code_type);
                (void) rom_efi_machine_to_string(im->efi_machine);
        }
        const RomImage *main_image = rom_main_image(&info);
        FUZZ_CHECK(!main_image == (info.n_images == 0));
        judge(&info, false, 0, 0);
        if (main_image) {
                judge(&info, true, main_image->vendor, main_image->device);
                judge(&info, true, main_image->vendor, (uint16_t) (main_image->device + 1));
        }
        return 0;
}
