/* SPDX-License-Identifier: MIT */
/* A guest's lspci text (probes/lspci.c: pciutils -n/-nn/-k and toybox's one-line formats) and the
 * modules.alias lookup of each device it finds, with the input itself as the alias text. Every name must
 * be NUL-terminated within its field, every address normalised, and a driver either shown or unknown. */
#include <string.h>

#include "fuzz.h"
#include "lspci.h"
#include "pci_address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        LspciDevice d[16];
        char modalias[64], modules[VX_LSPCI_NAME_MAX + 1];

        size_t n = lspci_parse(buf, size, d, 16);
        FUZZ_CHECK(n <= 16);
        for (size_t i = 0; i < n; i++) {
                FUZZ_CHECK(memchr(d[i].address, '\0', sizeof(d[i].address)));
                /* 0000:01:00.0, or a longer domain (VMD's 10000:e1:00.0): normalised, so it reads back as
                 * itself. */
                PciAddress again;
                size_t alen = strlen(d[i].address);
                FUZZ_CHECK(alen >= 12 && alen <= 15);
                FUZZ_CHECK(pci_address_normalize(d[i].address, alen, again) == 0 &&
                           strcmp(again, d[i].address) == 0);
                FUZZ_CHECK(memchr(d[i].driver, '\0', sizeof(d[i].driver)));
                FUZZ_CHECK(memchr(d[i].modules, '\0', sizeof(d[i].modules)));
                FUZZ_CHECK(!(d[i].driver[0] && d[i].driver_unknown));
                FUZZ_CHECK(!(d[i].toybox && d[i].pciutils));
                FUZZ_CHECK(d[i].line >= 1);
                lspci_modalias(&d[i], modalias);
                FUZZ_CHECK(strlen(modalias) == 53);
                modules_alias_match(buf, size, modalias, d[i].prog_if_unknown, modules, sizeof(modules));
                FUZZ_CHECK(memchr(modules, '\0', sizeof(modules)));
        }
        return 0;
}
