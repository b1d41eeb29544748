#!/usr/bin/env python3
"""Builds PCI option ROM files for the tests, from the layout of the PCI Firmware Specification 3.0
(image header 0x55 0xAA, the PCIR pointer at 0x18, PCIR: vendor +4, device +6, device list +8, length
+0x0A, revision +0x0C, class +0x0D, image length +0x10 in 512-byte units, code type +0x14, indicator
+0x15; EFI images: 0x0EF1 at +4, subsystem +8, machine +0x0A). The code areas are filler bytes: these
files are never run, only read.

usage: romgen.py OUT SPEC...   SPEC is one image, KIND:VENDOR:DEVICE[:BLOCKS] with KIND x86 or efi
  --header N     N bytes of a dumper's header before the ROM
  --cut N        keep only the first N bytes of the result
  --bad-checksum leave the x86 image's checksum wrong
  --not-last     clear the last-image bit of the final image
  --devlist IDS  PCI 3.0 device list (comma-separated hex ids) in the first image"""
import struct
import sys


def image(kind, vendor, device, blocks, last, devlist, bad_checksum):
    size = blocks * 512
    b = bytearray(b"\xcc" * size)  # filler where code would be
    b[0:2] = b"\x55\xaa"
    pcir = 0x40
    if kind == "x86":
        b[2] = blocks
    else:
        struct.pack_into("<HIHHH", b, 2, blocks, 0x0EF1, 11, 0x8664, 0)  # boot service driver, x64
    struct.pack_into("<H", b, 0x18, pcir)
    dl = 0
    if devlist:
        dl = 0x1C
        for i, d in enumerate(devlist + [0]):
            struct.pack_into("<H", b, pcir + dl + 2 * i, d)
    struct.pack_into("<4sHHHHB3sHHBBH", b, pcir, b"PCIR", vendor, device, dl, 0x1C, 3,
                     bytes([0x00, 0x00, 0x03]), blocks, 1, 0 if kind == "x86" else 3, 0x80 if last else 0, 0)
    if kind == "x86":
        b[size - 1] = 0
        s = sum(b) & 0xFF
        b[size - 1] = (256 - s) & 0xFF
        if bad_checksum:
            b[size - 1] = (b[size - 1] + 0x5A) & 0xFF
    return bytes(b)


def main(argv):
    out, args = argv[1], argv[2:]
    header = cut = None
    bad_checksum = not_last = False
    devlist = []
    specs = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--header":
            header, i = int(args[i + 1]), i + 2
        elif a == "--cut":
            cut, i = int(args[i + 1]), i + 2
        elif a == "--bad-checksum":
            bad_checksum, i = True, i + 1
        elif a == "--not-last":
            not_last, i = True, i + 1
        elif a == "--devlist":
            devlist, i = [int(x, 16) for x in args[i + 1].split(",")], i + 2
        else:
            specs.append(a)
            i += 1
    data = bytearray()
    if header:
        data += (b"NVGI" + bytes(range(256)) * (header // 256 + 1))[:header]
    for n, s in enumerate(specs):
        f = s.split(":")
        blocks = int(f[3]) if len(f) > 3 else 8
        last = n == len(specs) - 1 and not not_last
        data += image(f[0], int(f[1], 16), int(f[2], 16), blocks, last, devlist if n == 0 else [], bad_checksum)
    if cut is not None:
        data = data[:cut]
    with open(out, "wb") as fh:
        fh.write(data)


main(sys.argv)
