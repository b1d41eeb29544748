/* SPDX-License-Identifier: MIT */
/* A libvirt domain's XML (probes/domain.c domain_parse_xml): the persistent definition or the <domstatus>
 * of a running domain, parsed without network, DTD or entities. What it accepts must be within its
 * limits, and the probe lines said of it (against a host not probed) must carry no control byte. */
#include <string.h>

#include "domain.h"
#include "fuzz.h"

static int check_line(const char *line, size_t len, void *userdata) {
        FUZZ_CHECK(fuzz_terminal_safe(line, len));
        FUZZ_CHECK(!memchr(line, '\n', len));
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DomainConfig dc = {0};
        HostFacts host;
        Diag d = {0};
        PciAddress addrs[VX_DOMAIN_HOSTDEVS_MAX];

        if (domain_parse_xml((const char *) data, size, &dc, &d) < 0) {
                FUZZ_CHECK(d.n >= 1);
                diag_done(&d);
                return 0;
        }
        FUZZ_CHECK(strlen(dc.name) <= VX_DOMAIN_NAME_MAX);
        FUZZ_CHECK(dc.name[0] == '\0' || domain_name_check(dc.name, &d) == 0);
        FUZZ_CHECK(dc.n_hostdevs <= VX_DOMAIN_HOSTDEVS_MAX);
        for (size_t i = 0; i < dc.n_hostdevs; i++) {
                FUZZ_CHECK(strlen(dc.hostdevs[i].address) >= 12);
                if (dc.hostdevs[i].rom_file)
                        FUZZ_CHECK(strlen(dc.hostdevs[i].rom_file) <= VX_DOMAIN_PATH_MAX);
        }
        size_t n = domain_hostdev_addresses(&dc, addrs, VX_DOMAIN_HOSTDEVS_MAX);
        FUZZ_CHECK(n <= dc.n_hostdevs);
        host_facts_init_unprobed(&host);
        (void) domain_probe_lines(&dc, &host, check_line, NULL);
        host_facts_done(&host);
        domain_config_done(&dc);
        diag_done(&d);
        return 0;
}
