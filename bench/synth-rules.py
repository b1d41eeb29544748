#!/usr/bin/env python3
"""A rule directory of N rules for the rule-count scaling of the benchmark:

    synth-rules.py N OUTDIR

One rule is the shipped iommu-active fact for "Adding to iommu group" (so every set does the same matching
work on the benchmark log, which holds many such lines); the other N-1 are distinct kernel device messages
built from real driver names and wordings, each with its own literal, pattern, example and counter. They
are data for timing, not diagnoses, and never ship.
"""
import itertools
import os
import sys

n, out = int(sys.argv[1]), sys.argv[2]
drivers = ["vfio-pci", "pcieport", "nvme", "xhci_hcd", "ahci", "igb", "ixgbe", "mlx5_core", "amdgpu", "nouveau",
           "i915", "snd_hda_intel", "iwlwifi", "r8169", "e1000e", "megaraid_sas", "mpt3sas", "qla2xxx", "bnxt_en",
           "ice", "i40e", "virtio-pci", "ehci-pci", "nvidia"]
actions = ["cannot enable", "failed to map", "failed to reset", "cannot claim", "failed to request",
           "cannot restore", "failed to allocate", "cannot assign", "failed to save", "cannot release"]
objects = ["BAR 0", "BAR 2", "BAR 4", "MSI-X vector table", "INTx line", "expansion ROM", "DMA mask",
           "config space", "PASID table", "ATS capability", "PRI queue", "SR-IOV VF region"]

with_group = """[rule bench-iommu-group]
source = kernel
fact = bench-iommu-active
content = Adding to iommu group
pattern = ^(?:[\\w.:-]+) (?<address>[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]): Adding to iommu group (?<group>\\d+)$
origin = linux drivers/iommu/iommu.c iommu_group_add_device()
example = [    1.123456] pci 0000:04:00.0: Adding to iommu group 17
counter = [    1.123456] pci 0000:04:00.0: Failed to add to iommu group 17: -22

"""
head = """[cause bench-synthetic]
title = A synthetic device message of the benchmark
means = Generated for the rule-count scaling of bench/run.sh.
scope = device

"""
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "bench.rules"), "w", encoding="utf-8") as f:
    f.write(head + with_group)
    for i, (drv, act, obj) in enumerate(itertools.islice(itertools.product(drivers, actions, objects), n - 1)):
        literal = f"{act} {obj} for {drv}"
        f.write(f"""[rule bench-{i}]
source = kernel
cause = bench-synthetic
content = {literal}
pattern = ^(?:[\\w.:-]+) (?<address>[0-9a-f]{{4}}:[0-9a-f]{{2}}:[0-9a-f]{{2}}\\.[0-7]): {literal} \\(error (?<errno>-\\d+)\\)$
origin = linux drivers/pci/pci.c pci_enable_device()
example = [    2.000001] pci 0000:0{i % 10}:00.0: {literal} (error -22)
counter = [    2.000001] pci 0000:0{i % 10}:00.0: {literal}
counter = [    2.000001] pci 0000:0{i % 10}:00.0: {literal} (no error)

""")
