/* SPDX-License-Identifier: MIT */
#pragma once

/* A PCI address from a log or a user builds paths and commands only in the form this checks. */

#include <stddef.h>

#include "vfioexplain/pci_address.h"

/* Normalises a PCI address (dddd:bb:dd.f or bb:dd.f, hex) to "0000:01:00.0" form. Returns 0 or -EINVAL;
 * ret is untouched on failure. */
int pci_address_normalize(const char *s, size_t len, char ret[static PCI_ADDRESS_SIZE]);
