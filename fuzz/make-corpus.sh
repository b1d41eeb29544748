#!/usr/bin/env bash
# Writes the seed corpora of fuzz/corpus/HARNESS/ from the project's own real-format data: the log lines of
# corpus/*/ (each shaped as the kernel, QEMU, libvirt and journald print them, with sources cited there), the
# shipped rule files, snapshots of the host fixtures (tests/fixtures/), Proxmox VE files (tests/data/pve/), domain XML and logs as
# tests/cli/domain.sh writes them, option ROMs from tests/cli/romgen.py, and trace records laid out by the
# event formats fuzz_trace_record.c carries. Seeds are small and named by their SHA-1, as libFuzzer names
# what it adds; inputs kept as regressions (crash-*, named for what they found) are left alone.
#
# usage: fuzz/make-corpus.sh VFIOEXPLAIN-BINARY   (the binary writes the snapshots)
set -euo pipefail
bin=$(realpath "$1")
src=$(cd "$(dirname "$0")/.." && pwd)
out=$src/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Seeds are regenerated whole; regression inputs stay.
find "$out" -type f ! -name 'crash-*' ! -name 'regress-*' -delete 2>/dev/null || true

"$src/tests/fixtures/build.sh" "$tmp/fx" >/dev/null
for fx in "$tmp"/fx/*/; do
        name=$(basename "$fx")
        "$bin" --sysroot "$fx" snapshot -o "$tmp/snap-$name.json" >/dev/null
done

# The domain XML and log writers of tests/cli/domain.sh, taken as they are.
eval "$(sed -n '/^domain_xml() {/,/^}/p; /^domain_log() {/,/^}/p' "$src/tests/cli/domain.sh")"
domain_xml "$tmp/dom" etc/libvirt/qemu win11 0000:01:00.0 0000:01:00.1,managed=no,rom=/var/lib/libvirt/vbios/gp104.rom
domain_xml "$tmp/dom" etc/libvirt/qemu nas 0000:03:00.0,rom=gp104.rom
domain_log "$tmp/dom" win11 \
        "2024-10-01T09:12:02.101938Z qemu-system-x86_64: -device {\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\",\"romfile\":\"/var/lib/libvirt/vbios/gp104.rom\",\"bus\":\"pci.5\",\"addr\":\"0x0\"}: Failed to mmap 0000:01:00.0 BAR 1. Performance may be slow"

python3 - "$src" "$out" "$tmp" <<'PY'
import glob, hashlib, os, re, struct, subprocess, sys

src, out, tmp = sys.argv[1:4]


def seed(harness, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


logs = sorted(p for p in glob.glob(os.path.join(src, "corpus", "*", "*")) if not p.endswith("/case"))
logs += sorted(glob.glob(os.path.join(tmp, "dom", "var", "log", "libvirt", "qemu", "*.log")))
lines = []
for p in logs:
    with open(p, "rb") as f:
        lines.extend(l for l in f.read().split(b"\n") if l.strip())


def shape(l):
    """A line's prefix with digits and letters folded: one seed per shape of line."""
    return re.sub(rb"[a-zA-Z]+", b"a", re.sub(rb"[0-9]+", b"0", l[:40]))


shapes = {}
for l in lines:
    shapes.setdefault(shape(l), l)
for l in shapes.values():
    seed("line_classify", l)
for l in lines:
    if re.match(rb"^[0-9]+,[0-9]+,[0-9]+,", l) or (l.startswith(b"{") and b"MESSAGE" in l):
        seed("kmsg_record" if l[0:1] != b"{" else "journal_json", l)
for s in [b"6,1234,5678901,-;vfio-pci 0000:01:00.0: enabling device (0000 -> 0003)",
          b"3,9000,123456789,c;DMAR: DRHD: handling fault status reg 2",
          b"4,18446744073709551615,0,-;x", b"6,,1,-;", b"12,1,2,+;continued"]:
    seed("kmsg_record", s)
# journalctl -o json lines as journald's JSON export writes them (systemd src/shared/logs-show.c
# output_json(): every value a string, a MESSAGE that is not valid UTF-8 an array of byte values).
journal = [
    '{"__CURSOR":"s=5c1e2f6f0a8a4b0b9b1f0c0f1e2d3c4b;i=1a2b;b=8f0e3d2c1b0a49e8a7b6c5d4e3f2a1b0;m=2f5d1c;t=6235a1b2c3d4e;x=1f2e3d4c5b6a7988",'
    '"__REALTIME_TIMESTAMP":"1727773921339214","__MONOTONIC_TIMESTAMP":"3104028","_BOOT_ID":"8f0e3d2c1b0a49e8a7b6c5d4e3f2a1b0",'
    '"_TRANSPORT":"kernel","PRIORITY":"3","SYSLOG_FACILITY":"0","SYSLOG_IDENTIFIER":"kernel","_HOSTNAME":"desk",'
    '"MESSAGE":"vfio-pci 0000:01:00.0: BAR 1: can\u0027t reserve [mem 0xe0000000-0xefffffff 64bit pref]"}',
    '{"__REALTIME_TIMESTAMP":"1727773922101938","_TRANSPORT":"syslog","PRIORITY":"3","SYSLOG_IDENTIFIER":"virtqemud",'
    '"_COMM":"virtqemud","_HOSTNAME":"desk","MESSAGE":"internal error: qemu unexpectedly closed the monitor: '
    '2024-10-01T09:12:02.101938Z qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.5,addr=0x0: '
    'vfio 0000:01:00.0: group 1 is not viable"}',
    '{"_TRANSPORT":"kernel","PRIORITY":"4","MESSAGE":[65,66,255,67]}',
    '{"_TRANSPORT":"stdout","_COMM":"qemu-system-x86","MESSAGE":"qemu-system-x86_64: vfio: Cannot reset device 0000:01:00.1, no available reset mechanism."}',
]
for j in journal:
    seed("journal_json", j)
    seed("line_classify", j)
for l in lines:
    if b"romfile" in l or b"romfile" in l.lower():
        seed("romfile_refs", l)
seed("romfile_refs", "-device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.5,addr=0x0,romfile=/usr/share/vgabios/gp104.rom")
# A -set of a key=value -device's id (x-vga=on from a <qemu:commandline>), and one QEMU refuses for a JSON -device.
seed("romfile_refs", "-device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.0,addr=0x5 \\\n"
     "-set device.hostdev0.x-vga=on \\\n"
     "-device '{\"driver\":\"vfio-pci\",\"host\":\"0000:02:00.0\",\"id\":\"hostdev1\"}' \\\n"
     "qemu-system-x86_64: -set device.hostdev1.x-vga=on: there is no device \"hostdev1\" defined")

# A guest's lspci: the corpus' listings (pciutils -nnk, toybox -nk) whole, and toybox's other shapes as
# toys/other/lsusb.c list_pci() (-nnk with no pci.ids, -enk, -D) and toys/other/lspci.c (before 2022) print them.
for p in logs:
    if os.path.basename(p).startswith("lspci"):
        with open(p, "rb") as f:
            seed("lspci", f.read())
seed("lspci", "00:01.0  [0300]:   [1002:73bf] (rev c1) amdgpu\n00:02.0  [0c03]:   [1b21:2142]\n"
     "0000:00:02.0 0c0330: 1b21:2142 \n0001:00:03.0 0200: 1af4:1000  virtio-pci\n"
     "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n")
seed("lspci", "00:01.0 Class 0300: 1002:73bf amdgpu\n00:02.0 Class 0c0330: 1b21:2142\n")

# Whole logs, for the end-to-end harness: every case's input (they are small).
for p in logs:
    with open(p, "rb") as f:
        seed("analysis", f.read()[:65536])

# Each file alone (most name causes of other files, so they stop at validation), and the shipped set as one
# file, which loads and runs its examples.
shipped = b""
# Hostile text inside real-format lines that rules match: a terminal escape, backticks that would end a
# Markdown fence, a table pipe, HTML, invalid UTF-8, a bidi override, a C1 control (tests/unit/test_output.c).
seed("analysis", b"qemu-system-x86_64: -device vfio-pci,host=01:00.0,x=\x1b[31m````|<b>\xff: vfio 0000:01:00.0: "
     b"failed to open /dev/vfio/15: No such file or directory\n"
     b"```\n[    0.000000] DMAR: IOMMU disabled \xe2\x80\xae```` |x| <script>\xc2\x9b\n"
     b"2024-10-01T09:12:02.101938Z qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0,"
     b"romfile=/tmp/``` evil|<i>: vfio 0000:01:00.0: group 1 is not viable\n")

for p in sorted(glob.glob(os.path.join(src, "rules", "*.rules"))) + [os.path.join(src, "tests", "data", "unit.rules")]:
    with open(p, "rb") as f:
        seed("rulefile", f.read())
    if "/rules/" in p:
        with open(p, "rb") as f:
            shipped += f.read() + b"\n"
seed("rulefile", shipped)

for p in sorted(glob.glob(os.path.join(tmp, "snap-*.json"))):
    with open(p, "rb") as f:
        # The fixture root as written: the same seed whatever temporary directory built it.
        seed("snapshot", f.read().replace(tmp.encode() + b"/fx/", b"/srv/fixtures/"))

for p in sorted(glob.glob(os.path.join(tmp, "dom", "etc", "libvirt", "qemu", "*.xml"))):
    with open(p) as f:
        xml = f.read()
    seed("domain_xml", xml)
    # The status file of the running domain (/run/libvirt/qemu/NAME.xml): the live <domain> in <domstatus>.
    head, dom = xml.split("<domain type='kvm'>", 1)
    seed("domain_xml", "<domstatus state='running' reason='booted' pid='4242'>\n  <monitor path='/var/lib/libvirt/qemu/domain-1-win11/monitor.sock' type='unix'/>\n"
         "  <domain type='kvm' id='1'>" + dom.rstrip("\n") + "\n</domstatus>\n")
    # An SR-IOV VF given as a NIC: <interface type='hostdev'> (libvirt formatdomain, "PCI Passthrough").
    seed("domain_xml", xml.replace("  </devices>", "    <interface type='hostdev' managed='yes'>\n      <mac address='52:54:00:6d:90:02'/>\n"
                                   "      <source>\n        <address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='0x1'/>\n"
                                   "      </source>\n    </interface>\n  </devices>", 1))

romgen = os.path.join(src, "tests", "cli", "romgen.py")
for args in (["x86:10de:1b80:2"], ["efi:10de:1b80:2"], ["x86:10de:1b80:2", "efi:10de:1b80:2"],
             ["--header", "512", "x86:1002:73bf:2"], ["--cut", "700", "x86:10de:1b80:2", "efi:10de:1b80:2"],
             ["--bad-checksum", "x86:8086:1533:1"], ["--not-last", "x86:10de:1b80:1"],
             ["--devlist", "1b81,1b82", "x86:10de:1b80:1"]):
    rom = os.path.join(tmp, "seed.rom")
    subprocess.run(["python3", romgen, rom] + args, check=True)
    with open(rom, "rb") as f:
        seed("optionrom", f.read())

# Trace records: the selector byte (the event's index in fuzz_trace_record.c), then the record from
# common_type on, laid out by the event's format; __data_loc is (length << 16 | offset).
def record(size, strings, fields):
    rec = bytearray(size)
    struct.pack_into("<HBBi", rec, 0, 0, 0, 0, 135)
    for off, fmt, v in fields:
        struct.pack_into(fmt, rec, off, v)
    for off, s in strings:
        b = s.encode() + b"\0"
        struct.pack_into("<I", rec, off, (len(b) << 16) | len(rec))
        rec += b
    return bytes(rec)


seed("trace_record", b"\0" + record(28, [(8, "0000:0b:00.0"), (12, "vfio-pci")], [(16, "<Q", 0xfedcb000), (24, "<i", 0x20)]))
seed("trace_record", b"\1" + record(16, [(12, "0000:01:00.0")], [(8, "<i", 14)]))
seed("trace_record", b"\2" + record(16, [(12, "0000:01:00.0")], [(8, "<i", 14)]))
seed("trace_record", b"\3" + record(12, [(8, "0000:01:00.0")], []))
seed("trace_record", b"\4" + record(60, [(48, "dmar1"), (52, "0000:00:02.0"), (56, "")],
                                    [(8, "<Q", 0x0000000500100001), (16, "<Q", 0x7f1234000 | 0x3 | (3 << 3)), (40, "<Q", 1)]))

secrets = "desk\nalice\n00:1b:21:3a:4f:5e\nS4EWNX0N123456\n"
report = ("hostname: desk\nPATH /home/alice/vm/win11.qcow2\nSerial Number: S4EWNX0N123456\n"
          "52:54:00:6d:90:02 00:1B:21:3A:4F:5E\nboot 3f2a9c1e8b7d4a6f9e0c1b2a3d4e5f60\n"
          "uuid 4dea24b3-1d52-d8f3-2516-782e98a23fa0 on desk.example.org\n")
seed("redact", secrets + "\0" + report)
seed("redact", report)
seed("redact", "x\0" + "\u00e9t\u00e9 desk\u2028alice \u202e")

for s in [b"plain text", b"\x1b[31mred\x1b[0m \x1b]0;title\x07", b"\xc2\x85 \xc2\x9b \x7f \t tab", b"\xff\xfe \xc3( \xe2\x82 \xf0\x9f\x98",
          "\u202eevil\u202c \u2066x\u2069 ok \u00e9".encode(), b"```code``` |pipe| <b>html</b>", b"\xed\xa0\x80 surrogate"]:
    seed("escape", s)
# Proxmox VE: VM configs, the PCI mapping file and task list lines, as tests/data/pve/ holds them.
for p in sorted(glob.glob(os.path.join(src, "tests", "data", "pve", "*"))):
    with open(p, "rb") as f:
        seed("pve_config", f.read())
# incus: backup.yaml and `incus config show` output, as tests/data/incus/ holds them.
for p in sorted(glob.glob(os.path.join(src, "tests", "data", "incus", "*"))):
    with open(p, "rb") as f:
        seed("incus_config", f.read())
PY
for h in "$out"/*/; do printf '%s %s\n' "$(basename "$h")" "$(find "$h" -type f | wc -l)"; done
du -sh "$out"
