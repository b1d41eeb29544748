/* SPDX-License-Identifier: MIT */
/* romfile= references in QEMU command lines and libvirt domain logs (analyzer/analysis/romfile_refs.c): each
 * input line is scanned into one RomfileRefs, as the analysis scans a log. What is kept must be a normalised
 * address and an absolute path with no control byte, an id QEMU would take, and no more than
 * VX_ROMFILE_REFS_MAX of each. */
#include <string.h>

#include "capture.h"
#include "fuzz.h"
#include "vfioexplain/romfile_refs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RomfileRefs refs = {0};
        const char *p = (const char *) data, *end = p + size;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                romfile_refs_scan(&refs, p, len);
                p += len + (nl ? 1 : 0);
        }
        FUZZ_CHECK(refs.n <= VX_ROMFILE_REFS_MAX && refs.n_vga <= VX_ROMFILE_REFS_MAX &&
                   refs.n_ids <= VX_ROMFILE_REFS_MAX);
        for (size_t i = 0; i < refs.n_ids; i++) {
                char norm[VX_CAPTURE_MAX + 1];
                size_t len = strnlen(refs.ids[i].id, sizeof(refs.ids[i].id));
                FUZZ_CHECK(len < sizeof(refs.ids[i].id));
                FUZZ_CHECK(capture_normalize(VAR_ALIAS, refs.ids[i].id, len, norm) == 0);
                FUZZ_CHECK(strlen(refs.ids[i].address) >= 12);
        }
        for (size_t i = 0; i < refs.n_vga; i++)
                FUZZ_CHECK(strlen(refs.vga[i]) >= 12);
        for (size_t i = 0; i < refs.n; i++) {
                FUZZ_CHECK(strlen(refs.refs[i].address) >= 12);
                size_t len = strnlen(refs.refs[i].path, sizeof(refs.refs[i].path));
                FUZZ_CHECK(len > 0 && len < sizeof(refs.refs[i].path));
                FUZZ_CHECK(refs.refs[i].path[0] == '/');
                FUZZ_CHECK(fuzz_terminal_safe(refs.refs[i].path, len));
                FUZZ_CHECK(!memchr(refs.refs[i].path, '\n', len));
        }
        return 0;
}
