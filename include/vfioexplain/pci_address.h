/* SPDX-License-Identifier: MIT */
#pragma once

/* A PCI address as text, normalised as the kernel names it ("0000:01:00.0"; a domain of up to 7 hex digits
 * on hosts with VMD-style segments), or "" where there is none. Every layer holds addresses in this type, so
 * that a buffer too small for one cannot be declared and a grep finds them all; pci_address_normalize()
 * (analyzer/base/pci_address.h) is the one way text becomes one. */
#define PCI_ADDRESS_SIZE 16

typedef char PciAddress[PCI_ADDRESS_SIZE];
