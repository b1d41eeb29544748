#!/usr/bin/env bash
# vfioexplain rom: option ROM files built here (tests/cli/romgen.py, from the PCI Firmware Specification's
# layout; no vendor's ROM) get their exact verdict, exit status and fix; with no file it prints how to
# dump a ROM and runs nothing; bad input is one line and exit 2. Then the automatic part: a QEMU log or a
# libvirt domain log naming romfile= of a ROM made for another device, on a fixture host
# (tests/fixtures/build.sh) whose 0000:01:00.0 is 10de:1b80, is explained as romfile-wrong-device, a
# legacy-only ROM under OVMF as romfile-firmware-mismatch, and a libvirt <rom file=> the same way.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
gen() { python3 "$src/tests/cli/romgen.py" "$@" || { echo "FAIL: romgen.py $*"; exit 1; }; }
build_fixtures
host="$tmp/host"
cp -a "$fx/healthy-vfio" "$host"
vb="$host/var/lib/libvirt/vbios"
mkdir -p "$vb"

# verdict NAME STATUS JSON_CHECK [rom options...]: `rom --format json` exits STATUS and the Python
# expression JSON_CHECK holds of its output (j), and the text form exits the same.
verdict() {
        local name=$1 want=$2 check=$3
        shift 3
        "$bin" --sysroot "$host" rom "$@" --format json >"$tmp/out.json" 2>"$tmp/err" </dev/null
        local got=$?
        "$bin" --sysroot "$host" rom "$@" >"$tmp/out.txt" 2>>"$tmp/err" </dev/null
        local got_text=$?
        local res
        res=$(python3 - "$tmp/out.json" "$check" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"no JSON ({e})"); sys.exit(0)
try:
    assert eval(sys.argv[2])
    print("ok")
except Exception as e:
    print(f"{sys.argv[2]!r} does not hold: problems={j.get('problems')} images={len(j.get('images', []))}")
PY
)
        if [ "$got" -ne "$want" ] || [ "$got_text" -ne "$want" ] || [ "$res" != ok ] || [ -s "$tmp/err" ]; then
                echo "FAIL: rom $name: exit $got/$got_text (want $want): $res"; sed 's/^/  /' "$tmp/err" "$tmp/out.txt"
                fails=$((fails + 1))
        else
                echo "ok: rom $name -> $got"
        fi
}

P='[p["id"] for p in j["problems"]]'
T='[p["text"] for p in j["problems"]]'
gen "$tmp/legacy.rom" x86:10de:1b80
verdict legacy-only 0 "$P == [] and j['seabios'] and not j['ovmf'] and j['images'][0]['kind'] == 'x86' \
        and j['images'][0]['checksum_ok'] and j['matches'] is None and j['verdict'] == 'usable'" "$tmp/legacy.rom"
gen "$tmp/both.rom" x86:10de:1b80 efi:10de:1b80:16
verdict legacy-and-efi 0 "$P == [] and j['seabios'] and j['ovmf'] and j['matches'] is True \
        and [i['kind'] for i in j['images']] == ['x86', 'efi'] and j['images'][1]['efi_machine'] == 'x64' \
        and j['device'] == {'address': '0000:01:00.0', 'vendor': '10de', 'device': '1b80'}" \
        --address 01:00.0 "$tmp/both.rom"
gen "$tmp/wrong.rom" x86:10de:1b81 efi:10de:1b81:16
verdict wrong-device 1 "$T == ['made for 10de:1b81, not for this device (10de:1b80)'] and j['matches'] is False \
        and not j['seabios'] and '/sys/bus/pci/devices/0000:01:00.0' in j['fix'][0]['command']" \
        --address 0000:01:00.0 "$tmp/wrong.rom"
verdict wrong-device-not-asked 0 "$P == []" "$tmp/wrong.rom"
gen "$tmp/cut.rom" x86:10de:1b80 efi:10de:1b80:16 --cut 6000
verdict truncated 1 "$T == ['truncated: image 1 (efi) needs 8192 bytes from offset 4096, the file has 1904'] \
        and j['seabios'] and not j['ovmf'] and j['end'] == 'truncated'" --address 01:00.0 "$tmp/cut.rom"
gen "$tmp/shadow.rom" x86:10de:1b80 efi:10de:1b80:16 --cut 4096
verdict shadow-copy 1 "$P == ['truncated'] and 'shadow copy' in $T[0]" "$tmp/shadow.rom"
gen "$tmp/sum.rom" x86:10de:1b80 --bad-checksum
verdict bad-checksum 1 "$T == ['bad checksum: image 0 (x86) sums to 0x5a, not 0 (SeaBIOS skips it)'] \
        and j['images'][0]['checksum_ok'] is False" "$tmp/sum.rom"
gen "$tmp/nvflash.rom" x86:10de:1b80 efi:10de:1b80:16 --header 1536
verdict dumper-header 1 "$T == ['a header of 1536 bytes before the ROM (0x55AA at offset 1536)'] \
        and j['rom_offset'] == 1536 and j['fix'][0]['command'].endswith(' bs=1 skip=1536')" \
        --address 01:00.0 "$tmp/nvflash.rom"
# The fix it prints, run as printed, gives a ROM with no problem.
fix=$("$bin" rom --format json "$tmp/nvflash.rom" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fix"][0]["command"])')
(cd "$tmp" && eval "$fix") 2>/dev/null
verdict dumper-header-stripped 0 "$P == [] and j['rom_offset'] == 0 and j['ovmf']" --address 01:00.0 "$tmp/nvflash.rom.nohdr"
head -c 70000 /dev/zero | tr '\0' '\377' >"$tmp/ff.rom"
verdict all-ff 1 "$T == ['not an option ROM: no 0x55AA signature with a PCI data structure (it starts ff ff ff ff)']" \
        "$tmp/ff.rom"
: >"$tmp/empty.rom"
verdict empty 1 "$T == ['empty']" "$tmp/empty.rom"
gen "$tmp/efionly.rom" efi:10de:1b80:16
verdict efi-only 0 "$P == [] and not j['seabios'] and j['ovmf']" "$tmp/efionly.rom"
# A name with shell metacharacters is quoted in the fix, and never reaches the terminal raw.
cp "$tmp/nvflash.rom" "$tmp/it's \$(x).rom"
verdict quoted-name 1 "j['fix'][0]['command'].startswith(\"dd if='\")" "$tmp/it's \$(x).rom"

# Bad input: one line, exit 2.
expect 2 'no-such\.rom: No such file or directory' -- "$bin" rom "$tmp/no-such.rom"
expect 2 'is a directory' -- "$bin" rom "$tmp"
expect 2 'usage: vfioexplain rom' -- "$bin" rom "$tmp/legacy.rom" "$tmp/both.rom"
expect 2 "--address: 'zz:00.0' is not a PCI address" -- "$bin" rom --address zz:00.0 "$tmp/legacy.rom"
expect 2 '--address 0000:42:00.0: no such PCI device' -- "$bin" --sysroot "$host" rom --address 42:00.0 "$tmp/legacy.rom"
expect 2 'no-probe' -- "$bin" --no-probe rom --address 01:00.0 "$tmp/legacy.rom"
truncate -s $((16 * 1024 * 1024 + 1)) "$tmp/huge.rom"
expect 2 'larger than 16 MiB' -- "$bin" rom "$tmp/huge.rom"

# No FILE: the commands to dump the fixture's GPU, as text; nothing under the root changes.
before=$(find "$host" -newer "$tmp/legacy.rom" | wc -l)
expect 0 '' -- "$bin" --sysroot "$host" rom
if grep -q "cd /sys/bus/pci/devices/0000:01:00.0 && echo 1 > rom && cat rom > " "$tmp/out" &&
        grep -q "echo 0 > rom" "$tmp/out" && grep -q "must not be in use" "$tmp/out" &&
        grep -q "shadow copy" "$tmp/out" && ! grep -q "0000:01:00.1" "$tmp/out"; then
        echo "ok: rom with no file prints the dump commands for the display controller"
else
        echo "FAIL: rom with no file:"; sed 's/^/  /' "$tmp/out"; fails=$((fails + 1))
fi
[ "$(find "$host" -newer "$tmp/legacy.rom" | wc -l)" -eq "$before" ] || { echo "FAIL: rom changed the root"; fails=$((fails + 1)); }

# explain LOG WANT [CHECK]: explaining LOG on the fixture host gives WANT ("ID DEVICE") as first cause.
explain() {
        local log=$1 want=$2 check=${3:-True}
        shift 3
        "$bin" --sysroot "$host" "$@" --format json "$log" >"$tmp/out.json" 2>"$tmp/err" </dev/null
        local got
        got=$(python3 - "$tmp/out.json" "$check" <<'PY'
import json, sys
try:
    c = json.load(open(sys.argv[1]))["causes"]
except Exception as e:
    print(f"no JSON ({e})"); sys.exit(0)
first = f'{c[0]["id"]} {c[0]["device"] or "-"}' if c else "none"
try:
    assert eval(sys.argv[2])
except Exception as e:
    first += f" (but {sys.argv[2]!r} does not hold)"
print(first)
PY
)
        if [ "$got" != "$want" ]; then
                echo "FAIL: explain ${log##*/}: first cause '$got', want '$want'"; sed 's/^/  /' "$tmp/err"; fails=$((fails + 1))
        else
                echo "ok: explain ${log##*/}: $got"
        fi
}

cp "$tmp/wrong.rom" "$vb/gtx1070.rom"
cp "$tmp/legacy.rom" "$vb/gtx1080-legacy.rom"
# QEMU's stderr: hw/vfio/pci.c vfio_register_err_notifier() warns with the -device option as location
# (util/qemu-error.c error_print_loc()), which carries romfile=.
printf '%s\n' 'qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,x-vga=on,multifunction=on,romfile=/var/lib/libvirt/vbios/gtx1070.rom: warning: vfio 0000:01:00.0: Could not enable error recovery for the device' >"$tmp/qemu.log"
explain "$tmp/qemu.log" "romfile-wrong-device 0000:01:00.0" \
        "'made for 10de:1b81, not for this device (10de:1b80)' in c[0]['evidence'][0]['text'] and c[0]['evidence'][0]['source'] == 'probe'"
# Logs from another machine: the file is not this host's to read.
explain "$tmp/qemu.log" "none" True --no-probe

# A libvirt domain log: the command line libvirt writes (one argument per line, -device as JSON), an
# OVMF pflash drive, and a legacy-only ROM made for the device.
{
        printf '%s\n' '2024-10-01 09:12:01.804+0000: starting up libvirt version: 9.0.0, package: 9.0.0-4+deb12u1 (Debian), qemu version: 7.2.0Debian 1:7.2+dfsg-7+deb12u7, kernel: 6.1.0-26-amd64, hostname: pve' \
                'LC_ALL=C \' 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \' \
                'HOME=/var/lib/libvirt/qemu/domain-1-win11 \' '/usr/bin/qemu-system-x86_64 \' \
                '-name guest=win11,debug-threads=on \' '-S \' \
                "-blockdev '{\"driver\":\"file\",\"filename\":\"/usr/share/OVMF/OVMF_CODE_4M.ms.fd\",\"node-name\":\"libvirt-pflash0-storage\",\"auto-read-only\":true,\"discard\":\"unmap\"}' \\" \
                '-machine pc-q35-7.2,usb=off,vmport=off,smm=on,dump-guest-core=off,memory-backend=pc.ram,pflash0=libvirt-pflash0-format,pflash1=libvirt-pflash1-format,hpet=off,acpi=on \' \
                "-device '{\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\",\"bus\":\"pci.5\",\"addr\":\"0x0\",\"romfile\":\"/var/lib/libvirt/vbios/gtx1080-legacy.rom\"}' \\" \
                '-msg timestamp=on'
} >"$tmp/win11.log"
explain "$tmp/win11.log" "romfile-firmware-mismatch 0000:01:00.0" \
        "'no EFI image (only x86), and the guest firmware is UEFI' in c[0]['evidence'][0]['text']"

# A libvirt domain whose <rom file=> is the ROM of another card.
mkdir -p "$host/etc/libvirt/qemu"
cat >"$host/etc/libvirt/qemu/gaming.xml" <<'EOF'
<domain type='kvm'>
  <name>gaming</name>
  <memory unit='KiB'>8388608</memory>
  <os>
    <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>
  </os>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </source>
      <rom file='/var/lib/libvirt/vbios/gtx1070.rom'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>
      </source>
    </hostdev>
  </devices>
</domain>
EOF
"$bin" --sysroot "$host" --domain gaming --format json </dev/null >"$tmp/out.json" 2>"$tmp/err"
if python3 - "$tmp/out.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["causes"]
assert c[0]["id"] == "romfile-wrong-device" and c[0]["device"] == "0000:01:00.0", c
assert c[0]["evidence"][0]["text"] == "domain gaming: hostdev 0000:01:00.0 rom file /var/lib/libvirt/vbios/gtx1070.rom: made for 10de:1b81, not for this device (10de:1b80)", c[0]["evidence"]
PY
then echo "ok: --domain gaming: romfile-wrong-device 0000:01:00.0"; else echo "FAIL: --domain gaming"; cat "$tmp/err"; fails=$((fails + 1)); fi

finish
