#!/usr/bin/env bash
# 'cmake --install' into a temporary prefix, and the installed vfioexplain run from there: it loads the
# installed rules, drop-ins in PREFIX/etc/vfioexplain/rules.d and the runtime directory replace and mask
# them as systemd's drop-ins do (--rules and --sysroot do not see them), and the man page, the bash
# completion, the hook example and the documentation are where distributions look for them.
cmake=$1 src=$2
. "$(dirname "$0")/lib.sh"
p="$tmp/prefix"
# the boot log with the kernel command line and the QEMU error: iommu-off-kernel, confirmed by both
log=("$src/corpus/iommu-off-kernel-2-amd-iommu-off/journal.log" "$src/corpus/iommu-off-kernel-2-amd-iommu-off/libvirt.log")
# QEMU's "group N is not viable" here is a symptom (rules/symptoms.rules): masking that file leaves no cause.
case="$src/corpus/group-companion-unbound-3-rtx2070-usbc-iommufd"
sym=("$case/journal.log" "$case/qemu.log")

gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
"$cmake" -S "$src" -B "$tmp/build" "${gen[@]}" -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX="$p" \
        -DVX_DROPIN_RULES_DIR="$p/etc/vfioexplain/rules.d" -DVX_RUNTIME_RULES_DIR="$p/run/vfioexplain/rules.d" \
        >"$tmp/configure.log" 2>&1 || { echo "FAIL: configure"; cat "$tmp/configure.log"; exit 1; }
"$cmake" --build "$tmp/build" --target vfioexplain >"$tmp/build.log" 2>&1 || { echo "FAIL: build"; cat "$tmp/build.log"; exit 1; }
# A build configured with the default prefix (/usr/local) reads the administrator's drop-ins from /etc, as
# systemd does and README and the man page say, not from /usr/local/etc.
"$cmake" -S "$src" -B "$tmp/build-default" "${gen[@]}" -DBUILD_TESTING=OFF >"$tmp/configure-default.log" 2>&1 ||
        { echo "FAIL: configure with the default prefix"; cat "$tmp/configure-default.log"; exit 1; }
grep -Eq 'VX_DROPIN_RULES_DIR=[\\"]*/etc/vfioexplain/rules\.d[\\"]' "$tmp/build-default/compile_commands.json" &&
        echo "ok: the default prefix reads drop-ins from /etc/vfioexplain/rules.d" ||
        { echo "FAIL: the default prefix reads drop-ins from $(grep -o 'VX_DROPIN_RULES_DIR=[^ ]*' "$tmp/build-default/compile_commands.json" | head -1)"; fails=$((fails + 1)); }
"$cmake" --install "$tmp/build" >"$tmp/install.log" 2>&1 || { echo "FAIL: install"; cat "$tmp/install.log"; exit 1; }
bin="$p/bin/vfioexplain"
vendor="$p/share/vfioexplain/rules" etc="$p/etc/vfioexplain/rules.d" run="$p/run/vfioexplain/rules.d"

for f in "$bin" "$vendor/iommu.rules" "$vendor/symptoms.rules" "$p/share/man/man1/vfioexplain.1" \
        "$p/share/bash-completion/completions/vfioexplain" "$p/share/doc/vfioexplain/examples/libvirt-hook-qemu" \
        "$p/share/doc/vfioexplain/README.md" "$p/share/doc/vfioexplain/rule-format.md"; do
        [ -f "$f" ] || { echo "FAIL: not installed: $f"; fails=$((fails + 1)); }
done
[ -d "$etc" ] || { echo "FAIL: no $etc"; fails=$((fails + 1)); }
[ -x "$p/share/doc/vfioexplain/examples/libvirt-hook-qemu" ] || { echo "FAIL: the hook is not executable"; fails=$((fails + 1)); }
[ "$(ls "$vendor" | wc -l)" -eq "$(ls "$src"/rules/*.rules | wc -l)" ] || { echo "FAIL: not every rule file installed"; fails=$((fails + 1)); }
expect 0 '' -- "$bin" --version

# The man page is found through the prefix's MANPATH and renders; the completion registers itself.
[ "$(MANPATH="$p/share/man" man -w vfioexplain)" = "$p/share/man/man1/vfioexplain.1" ] || { echo "FAIL: man -w"; fails=$((fails + 1)); }
MANPATH="$p/share/man" MANWIDTH=80 man vfioexplain 2>"$tmp/manerr" | grep -q 'rules\.d' && [ ! -s "$tmp/manerr" ] ||
        { echo "FAIL: man vfioexplain"; cat "$tmp/manerr"; fails=$((fails + 1)); }
bash -c ". '$p/share/bash-completion/completions/vfioexplain' && complete -p vfioexplain" | grep -q _vfioexplain ||
        { echo "FAIL: the installed completion"; fails=$((fails + 1)); }

# The installed rules, not the source tree's.
expect 0 '' -- "$bin" rules list --format json
grep -Eq "\"path\": ?\"$vendor/iommu.rules\"" "$tmp/out" && ! grep -qF "$(cd "$src" && pwd)/rules/" "$tmp/out" ||
        { echo "FAIL: rules list does not show the installed rules"; grep '"path"' "$tmp/out"; fails=$((fails + 1)); }
expect 1 '' -- "$bin" --no-probe "${log[@]}"
grep -q '^1\. iommu-off-kernel' "$tmp/out" || { echo "FAIL: the installed answer"; cat "$tmp/out"; fails=$((fails + 1)); }

# An empty drop-in masks the vendor file.
expect 1 '' -- "$bin" --no-probe "${sym[@]}"
grep -q '^1\. group-companion-unbound' "$tmp/out" || { echo "FAIL: the installed answer"; cat "$tmp/out"; fails=$((fails + 1)); }
: >"$etc/symptoms.rules"
# cloud-hypervisor.rules reads the iommufd symptoms QEMU and cloud-hypervisor share, dpdk.rules QEMU's DMA-map and
# container symptoms: a mask that leaves a rule without its symptom is the administrator's to see, named by file
# and line, not a silent smaller rule set.
expect 2 "cloud-hypervisor\.rules:[0-9]+:[0-9]+: unknown symptom: qemu-" -- "$bin" --no-probe "${sym[@]}"
: >"$etc/cloud-hypervisor.rules"
expect 2 "dpdk\.rules:[0-9]+:[0-9]+: unknown symptom: qemu-" -- "$bin" --no-probe "${sym[@]}"
: >"$etc/dpdk.rules"
expect 0 '' -- "$bin" --no-probe "${sym[@]}"
grep -q 'no passthrough failure cause found' "$tmp/out" || { echo "FAIL: masked by an empty file"; cat "$tmp/out"; fails=$((fails + 1)); }
expect 0 '' -- "$bin" rules list
grep -Eq "^  symptoms\.rules +masked by $etc/symptoms\.rules \(masks $vendor/symptoms\.rules\)$" "$tmp/out" ||
        { echo "FAIL: rules list does not show the mask"; tail -12 "$tmp/out"; fails=$((fails + 1)); }
rm "$etc/cloud-hypervisor.rules" "$etc/dpdk.rules"
# --rules DIR is that directory alone; --sysroot moves the probes, not the rules.
expect 1 '' -- "$bin" --no-probe --rules "$vendor" "${sym[@]}"
mkdir -p "$tmp/sysroot$etc"
rm "$etc/symptoms.rules"
: >"$tmp/sysroot$etc/symptoms.rules"
expect 1 '' -- "$bin" --sysroot "$tmp/sysroot" "${sym[@]}"
grep -q 'group-companion-unbound' "$tmp/out" || { echo "FAIL: --sysroot moved the rules"; fails=$((fails + 1)); }

# /run masks with a link to /dev/null; /etc outranks /run.
mkdir -p "$run"
ln -s /dev/null "$run/symptoms.rules"
ln -s /dev/null "$run/cloud-hypervisor.rules"
ln -s /dev/null "$run/dpdk.rules"
expect 0 '' -- "$bin" --no-probe "${sym[@]}"
cp "$vendor/symptoms.rules" "$etc/symptoms.rules"
expect 1 '' -- "$bin" --no-probe "${sym[@]}"
expect 0 '' -- "$bin" rules list --format json
python3 - "$tmp/out" "$etc" "$run" "$vendor" <<'PY' || fails=$((fails + 1))
import json, sys
files = {f["name"]: f for f in json.load(open(sys.argv[1]))["files"]}
etc, run, vendor = sys.argv[2:5]
s = files["symptoms.rules"]
want = {"name": "symptoms.rules", "path": etc + "/symptoms.rules", "masked": False,
        "shadows": [run + "/symptoms.rules", vendor + "/symptoms.rules"]}
if s != want:
    sys.exit(f"FAIL: rules list --format json: {s}, want {want}")
if files["iommu.rules"] != {"name": "iommu.rules", "path": vendor + "/iommu.rules", "masked": False, "shadows": []}:
    sys.exit(f"FAIL: iommu.rules: {files['iommu.rules']}")
print("ok: rules list --format json shows the drop-in, what it shadows, and the vendor files")
PY
rm "$etc/symptoms.rules" "$run/symptoms.rules" "$run/cloud-hypervisor.rules" "$run/dpdk.rules"

# A drop-in of the same name replaces the file: its own title is the one printed.
sed 's/^title = The firmware has an IOMMU but the running kernel does not use it$/title = LOCAL OVERRIDE of iommu-off-kernel/' \
        "$vendor/iommu.rules" >"$etc/iommu.rules"
expect 1 '' -- "$bin" --no-probe "${log[@]}"
grep -q '^1\. iommu-off-kernel \[.*\] LOCAL OVERRIDE of iommu-off-kernel' "$tmp/out" ||
        { echo "FAIL: the replacing drop-in"; head -3 "$tmp/out"; fails=$((fails + 1)); }
# A broken drop-in is named with its real path, line and column.
printf '[cause broken]\ntitle = T\nmeans = M\nscope = everywhere\n' >"$etc/zz-local.rules"
expect 2 "^vfioexplain: $etc/zz-local\\.rules:4:9: scope is .host. or .device." -- "$bin" --no-probe "${log[@]}"
"$bin" rules check >/dev/null 2>"$tmp/check"
[ $? -eq 1 ] && grep -q "^$etc/zz-local.rules:4:9:" "$tmp/check" || { echo "FAIL: rules check of a drop-in"; cat "$tmp/check"; fails=$((fails + 1)); }
finish
