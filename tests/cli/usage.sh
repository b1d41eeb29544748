#!/usr/bin/env bash
# The product's face: pipes, '-', several files, the formats and the exit statuses of DESIGN.md.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
v() { "$bin" --no-probe --rules "$rules" "$@"; }

healthy="$tmp/healthy.log"
printf '[    0.512345] pci 0000:01:00.0: Adding to iommu group 15\n[    1.000000] e1000e 0000:00:1f.6 eth0: NIC Link is Up\n' >"$healthy"
printf '[    0.000000] DMAR: IOMMU disabled\n' >"$tmp/off.log"

# A pipe on stdin, '-', and a file: all read.
if v <"$tmp/off.log" >"$tmp/o1"; then echo "FAIL: a cause must exit 1"; fails=$((fails + 1)); fi
grep -q '^1\. iommu-off-kernel' "$tmp/o1" || { echo "FAIL: piped input"; cat "$tmp/o1"; fails=$((fails + 1)); }
cat "$tmp/off.log" | v - "$healthy" >"$tmp/o2"
[ $? -eq 1 ] && grep -q 'iommu-off-kernel' "$tmp/o2" || { echo "FAIL: '-' with a file"; fails=$((fails + 1)); }
expect 0 '' -- v "$healthy"
grep -q 'no passthrough failure cause found' "$tmp/out" || { echo "FAIL: healthy text"; fails=$((fails + 1)); }

# Formats.
v --format json "$tmp/off.log" >"$tmp/j"
grep -q '"version": 1' "$tmp/j" && grep -q '"id": "iommu-off-kernel"' "$tmp/j" || { echo "FAIL: json"; fails=$((fails + 1)); }
v --format markdown "$tmp/off.log" >"$tmp/m"
grep -q '^### 1. `iommu-off-kernel`' "$tmp/m" || { echo "FAIL: markdown"; fails=$((fails + 1)); }
# No colour into a pipe, and none with NO_COLOR even when asked for auto.
if grep -q $'\x1b' "$tmp/o1"; then echo "FAIL: colour into a pipe"; fails=$((fails + 1)); fi
NO_COLOR=1 script -qec "$bin --no-probe --rules $rules $tmp/off.log" /dev/null >"$tmp/tty"
if grep -q $'\x1b\[' "$tmp/tty"; then echo "FAIL: colour despite NO_COLOR"; fails=$((fails + 1)); fi
script -qec "$bin --no-probe --rules $rules $tmp/off.log" /dev/null >"$tmp/tty2"
grep -q $'\x1b\[1m' "$tmp/tty2" || { echo "FAIL: no colour on a terminal"; fails=$((fails + 1)); }

# With probes of a fixture root, the distribution's own commands are named.
mkdir -p "$tmp/root/etc"
printf 'ID=fedora\nPRETTY_NAME="Fedora Linux 40"\n' >"$tmp/root/etc/os-release"
"$bin" --sysroot "$tmp/root" --rules "$rules" "$tmp/off.log" >"$tmp/f"
grep -q 'grub2-mkconfig' "$tmp/f" && ! grep -q 'update-grub' "$tmp/f" || { echo "FAIL: distribution commands"; cat "$tmp/f"; fails=$((fails + 1)); }

expect 0 '' -- "$bin" --help
expect 0 '' -- "$bin" --version
expect 2 "usage: vfioexplain plan" -- "$bin" plan
finish
