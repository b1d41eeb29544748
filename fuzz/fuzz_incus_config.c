/* SPDX-License-Identifier: MIT */
/* An incus instance's backup.yaml or `incus config show` output (probes/incus.c incus_parse_config()): what
 * is accepted stays within its limits, each device's address is a normalised PCI address or none, each name
 * is one incus would accept, an mdev type is a name that stays below mdev_supported_types, and the lines
 * said of it against a host not probed carry no control byte. */
#include <string.h>

#include "fuzz.h"
#include "incus.h"

static int check_line(const char *line, size_t len, void *userdata) {
        FUZZ_CHECK(fuzz_terminal_safe(line, len));
        FUZZ_CHECK(!memchr(line, '\n', len));
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        IncusInstance *inst = calloc(1, sizeof(*inst));
        Diag d = {0};

        FUZZ_CHECK(inst);
        if (incus_parse_config((const char *) data, size, "backup.yaml", inst, &d) < 0)
                FUZZ_CHECK(d.n >= 1);
        else {
                FUZZ_CHECK(inst->n_devices <= VX_INCUS_DEVICES_MAX);
                for (size_t i = 0; i < inst->n_devices; i++) {
                        const IncusDevice *dev = &inst->devices[i];
                        FUZZ_CHECK(dev->address[0] == 0 ||
                                   strlen(dev->address) >= 12); /* a domain of 4 to 7 digits */
                        FUZZ_CHECK(
                                dev->name[0] &&
                                strspn(dev->name,
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                                        strlen(dev->name));
                        FUZZ_CHECK(fuzz_terminal_safe(dev->gputype, strlen(dev->gputype)));
                        /* mdev= names a directory below mdev_supported_types: never one that leaves it */
                        FUZZ_CHECK(
                                strspn(dev->mdev,
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                                        strlen(dev->mdev) &&
                                dev->mdev[0] != '.');
                        FUZZ_CHECK(strcmp(dev->gputype, "mdev") != 0 || dev->type != INCUS_DEVICE_GPU ||
                                   dev->mdev[0]);
                }
                DomainConfig g = {.layer = GUEST_INCUS, .name = "win11"};
                HostFacts host;
                host_facts_init_unprobed(&host);
                (void) domain_probe_lines(&g, &host, check_line, NULL);
                host_facts_done(&host);
        }
        diag_done(&d);
        free(inst);
        return 0;
}
