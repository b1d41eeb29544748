#!/usr/bin/env bash
# Hostile files (issue 24): what a log line, a crafted --sysroot tree, a rule directory, a snapshot or a
# domain can make vfioexplain open, read and spend; each section is one defect of the issue, by its number.
# Every run is under a timeout: a hang is a failure, not a stuck CI. VX_ONLY=fifo,pci,... runs only those
# sections.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
command -v strace >/dev/null || { echo "FAIL: strace is not installed (tests/deps.sh installs it)"; exit 1; }
build_fixtures
eval "$(sed -n '/^domain_xml() {/,/^}/p; /^domain_log() {/,/^}/p' "$src/tests/cli/domain.sh")"
gen() { python3 "$src/tests/cli/romgen.py" "$@" || { echo "FAIL: romgen.py $*"; exit 1; }; }
want() { case ",${VX_ONLY:-all}," in *,all,* | *,"$1",*) return 0 ;; esac; return 1; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# check NAME PYTHON -- CMD...: runs CMD (30 s at most) and evaluates PYTHON with rc (its exit status), out
# and err (its stdout and stderr) and j (stdout as JSON, None if it is not).
check() {
        local name=$1 cond=$2
        shift 3
        timeout 30 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
        local rc=$? res
        res=$(python3 - "$rc" "$tmp/out" "$tmp/err" "$cond" <<'PY'
import json, sys
rc = int(sys.argv[1])
out = open(sys.argv[2], errors="replace").read()
err = open(sys.argv[3], errors="replace").read()
try:
    j = json.loads(out)
except Exception:
    j = None
def causes():
    return [c["id"] for c in (j or {}).get("causes", [])]
def evidence():
    return [e["text"] for c in (j or {}).get("causes", []) for e in c["evidence"]]
try:
    print("ok" if eval(sys.argv[4]) else "no")
except Exception as e:
    print(f"no ({e!r})")
PY
)
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
                fail "$name: hung (killed after 30 s)"
        elif [ "$res" != ok ]; then
                fail "$name: exit $rc, $(head -c 300 "$tmp/err" | tr '\n' ' ') [$cond: $res]"
        else
                echo "ok: $name (exit $rc)"
        fi
}

# opened_for_reading TRACE NAME: the strace log holds an open of NAME (by name, or through its fd) that
# is not O_PATH: the file itself was opened, with whatever its driver does on open.
opened_for_reading() { grep -F "$2" "$1" | grep -v 'O_PATH' | grep -Eq 'open(at|at2)?\(.* = [0-9]'; }

# ---------------------------------------------------------------------------------------------------
# 1. No path from a log is opened: a romfile= is judged by its name and read only under the ROM
#    directories (RESOLVE_IN_ROOT there), as a regular file, its bytes never quoted.
if want romfile; then
        h=$tmp/romhost
        cp -a "$fx/healthy-vfio" "$h"
        vga=$h/usr/share/vgabios
        mkdir -p "$vga" "$h/root"
        gen "$vga/gtx1070.rom" x86:10de:1b81 efi:10de:1b81:16
        gen "$h/root/secret.rom" x86:10de:1b81 efi:10de:1b81:16
        chmod 600 "$h/root/secret.rom"
        ln -s /root/secret.rom "$vga/escape.rom"
        head -c 4096 /dev/zero | tr '\0' '\377' >"$vga/ff.rom"
        mkfifo "$vga/fifo.rom"
        mknod "$vga/zero.rom" c 1 5
        # QEMU's warning with the -device option as its location (util/qemu-error.c error_print_loc()).
        qline() { printf 'qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,romfile=%s: warning: vfio 0000:01:00.0: Could not enable error recovery for the device\n' "$1" >"$tmp/q.log"; }
        rom_evidence='[t for t in evidence() if " romfile " in t and t.startswith("vfio-pci ")]'

        # The issue's own line, on this host: /etc/shadow is not even looked at, no byte of it is shown.
        printf '%s\n' 'qemu-system-x86_64: -device vfio-pci,host=0000:00:01.0,romfile=/etc/shadow: vfio 0000:00:01.0: failed to find romfile "/etc/shadow"' >"$tmp/shadow.log"
        check "romfile=/etc/shadow: judged by its name" \
                "rc in (0, 1) and j is not None and 'romfile-invalid' not in causes() and 'it starts' not in out" \
                -- strace -f -qq -e trace=%file -o "$tmp/shadow.trace" "$bin" --rules "$rules" --format json "$tmp/shadow.log"
        if grep -qF 'etc/shadow' "$tmp/shadow.trace"; then
                fail "romfile=/etc/shadow: a system call named it: $(grep -m1 -F 'etc/shadow' "$tmp/shadow.trace")"
        else
                echo "ok: romfile=/etc/shadow: no system call names it"
        fi

        qline /usr/share/vgabios/gtx1070.rom
        check "a ROM under /usr/share/vgabios is judged" "causes()[:1] == ['romfile-wrong-device'] and $rom_evidence" \
                -- "$bin" --rules "$rules" --sysroot "$h" --format json "$tmp/q.log"
        qline /root/secret.rom
        check "a ROM outside the ROM directories is not read" "not $rom_evidence and 'romfile-wrong-device' not in causes()" \
                -- "$bin" --rules "$rules" --sysroot "$h" --format json "$tmp/q.log"
        qline /usr/share/vgabios/escape.rom
        check "a symlink out of the ROM directory is not followed" "not $rom_evidence" \
                -- "$bin" --rules "$rules" --sysroot "$h" --format json "$tmp/q.log"
        qline /usr/share/vgabios/../../../root/secret.rom
        check "'..' out of the ROM directory is not followed" "not $rom_evidence" \
                -- "$bin" --rules "$rules" --sysroot "$h" --format json "$tmp/q.log"
        qline /usr/share/vgabios/ff.rom
        check "no byte of a ROM file is quoted" \
                "causes()[:1] == ['romfile-invalid'] and $rom_evidence and not any('it starts' in t or 'ff ff' in t for t in evidence())" \
                -- "$bin" --rules "$rules" --sysroot "$h" --format json "$tmp/q.log"
        qline /usr/share/vgabios/fifo.rom
        check "a FIFO named as romfile= is not opened" "rc in (0, 1) and not $rom_evidence" \
                -- "$bin" --rules "$rules" --sysroot "$h" --format json "$tmp/q.log"
        qline /usr/share/vgabios/zero.rom
        check "a device node named as romfile= gives nothing" "rc in (0, 1) and not $rom_evidence" \
                -- strace -f -qq -y -e trace=open,openat,openat2 -o "$tmp/zero.trace" "$bin" --rules "$rules" --sysroot "$h" --format json "$tmp/q.log"
        if opened_for_reading "$tmp/zero.trace" zero.rom; then
                fail "romfile= a device node: opened: $(grep -F zero.rom "$tmp/zero.trace" | grep -v O_PATH | head -1)"
        else
                echo "ok: romfile= a device node: never opened for reading"
        fi

        # A domain's <rom file=> outside the ROM directories: its mode is judged (QEMU's user cannot read
        # it), its bytes are not read.
        domain_xml "$h" etc/libvirt/qemu win11 0000:01:00.0,rom=/root/secret.rom 0000:01:00.1
        check "<rom file=/root/secret.rom>: its mode, not its bytes" \
                "causes()[:1] == ['romfile-unreadable'] and not any('made for' in t for t in evidence())" \
                -- "$bin" --rules "$rules" --sysroot "$h" --domain win11 --format json
fi

# ---------------------------------------------------------------------------------------------------
# 2. An untrusted snapshot: bounded in size, unknown keys refused, no tree larger than its bounds built.
if want snapshot; then
        "$bin" --sysroot "$fx/healthy-vfio" snapshot -o "$tmp/base.json" 2>"$tmp/err" || fail "snapshot of healthy-vfio: $(cat "$tmp/err")"
        check "the snapshot replays" "rc == 0 and '0000:01:00.0' in out" -- "$bin" --snapshot "$tmp/base.json" groups
        # mutate NAME PYTHON: base.json as d, changed by PYTHON, written to NAME.json.
        mutate() {
                python3 - "$tmp/base.json" "$tmp/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
if isinstance(d, str):
    open(sys.argv[2], "w").write(d)
else:
    json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
        }
        refused() { check "$1" "rc == 2 and err.count(chr(10)) == 1 and $2" -- "$bin" --snapshot "$tmp/$3.json" groups; }
        mutate extra 'd["extra"] = {}'
        refused "an unknown key" "'extra: unknown key' in err" extra
        mutate extrastr 'd["extra"] = "a string"'
        refused "an unknown key of a string" "'extra: unknown key' in err" extrastr
        mutate devextra 'd["devices"][0]["x-unknown"] = 1'
        refused "an unknown key in a device" "'x-unknown: unknown key' in err" devextra
        mutate dup 'd = json.dumps(d, indent=1).replace("\"pci\": ", "\"pci\": \"present\", \"pci\": ", 1)'
        refused "a key given twice" "'pci: given twice' in err" dup
        mutate big 'd = json.dumps(d, indent=1) + " " * (9 * 1024 * 1024)'
        refused "a snapshot of 9 MB" "'larger' in err" big
        mutate deep 'd = json.dumps(d)[:-1] + ", \"extra\": " + "[" * 1000000 + "]" * 1000000 + "}"'
        refused "nesting a million deep" "True" deep
        # As many real devices as the bound allows, and one more: refused at that one.
        mutate devmax 'd["devices"] = [d["devices"][0]] * 4096'
        check "4096 devices" "rc == 0" -- "$bin" --snapshot "$tmp/devmax.json" groups
        mutate devmore 'd["devices"] = [d["devices"][0]] * 4097'
        refused "4097 devices" "'too many' in err" devmore
        for shape in '{}' '1' '[]' '""'; do
                n=$((3 * 1024 * 1024 / (${#shape} + 1)))
                mutate many "d = json.dumps(d).replace('\"devices\": [', '\"devices\": [' + '$shape,' * $n, 1)"
                python3 - "$bin" "$tmp/many.json" "$shape" <<'PY' || fails=$((fails + 1))
import resource, subprocess, sys
r = subprocess.run([sys.argv[1], "--snapshot", sys.argv[2], "groups"], capture_output=True, text=True, timeout=60)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
# 14 MB in a release build, 24 MB under ASan; the json-c tree took 95 to 816 MB.
ok = r.returncode == 2 and r.stderr.count("\n") == 1 and peak < 32 * 1024
print(("ok" if ok else "FAIL") + f": 3 MB of {sys.argv[3]} as devices: exit {r.returncode}, peak {peak} KB: {r.stderr.strip()}")
sys.exit(0 if ok else 1)
PY
        done
fi

# ---------------------------------------------------------------------------------------------------
# 5. FIFOs and device nodes: never opened for reading, never waited on, wherever they are.
if want fifo; then
        # special ROOT PATH fifo|zero: PATH under ROOT replaced by a FIFO or by a node of /dev/zero's numbers.
        special() {
                rm -f "$1/$2"
                mkdir -p "$(dirname "$1/$2")"
                if [ "$3" = fifo ]; then mkfifo "$1/$2"; else mknod "$1/$2" c 1 5; fi
        }
        dev=sys/bus/pci/devices/0000:01:00.0
        for kind in fifo zero; do
                for p in $dev/config $dev/resource $dev/vendor proc/cpuinfo usr/share/misc/pci.ids proc/iomem \
                        proc/interrupts etc/os-release etc/modprobe.d/vfio.conf var/lib/dpkg/status; do
                        h=$tmp/$kind-host
                        rm -rf "$h"
                        cp -a "$fx/healthy-vfio" "$h"
                        special "$h" "$p" "$kind"
                        check "$kind in place of $p: report" "rc in (0, 1) and j is not None" \
                                -- strace -f -qq -y -e trace=open,openat,openat2 -o "$tmp/special.trace" \
                                "$bin" --rules "$rules" --sysroot "$h" --format json report "$src/corpus/README.md"
                        # strace -y names an fd by its path as the kernel resolved it (sysfs's device links).
                        real=$(readlink -f "$h/$p")
                        if opened_for_reading "$tmp/special.trace" "$real"; then
                                fail "$kind in place of $p: opened for reading: $(grep -F "$real" "$tmp/special.trace" | grep -v O_PATH | head -1)"
                        fi
                done
        done
        # What a device node of config space gave before: bytes read as if they were config space.
        h=$tmp/zero-host
        rm -rf "$h"
        cp -a "$fx/healthy-vfio" "$h"
        special "$h" $dev/config zero
        check "a device node as config space: not probed" \
                "[d['header'] for d in j['devices'] if d['address'] == '0000:01:00.0'] == ['not-probed']" \
                -- "$bin" --sysroot "$h" snapshot -o -

        # dpkg's status as a FIFO, or past VX_DPKG_STATUS_MAX (sparse): the report says it was not read, and why.
        h=$tmp/dpkg-host
        rm -rf "$h"
        cp -a "$fx/healthy-vfio" "$h"
        special "$h" var/lib/dpkg/status fifo
        check "a FIFO as dpkg's status: the report says it was not read" \
                "rc in (0, 1) and '| QEMU | \` unknown (the dpkg database not read: not a regular file' in out" \
                -- "$bin" --rules "$rules" --sysroot "$h" report "$src/corpus/README.md"
        rm -f "$h/var/lib/dpkg/status"
        truncate -s $((64 * 1024 * 1024 + 1)) "$h/var/lib/dpkg/status"
        check "dpkg's status past its bound: the report says it was not read" \
                "rc in (0, 1) and '| libvirt | \` unknown (the dpkg database is larger than 64 MiB: not read)' in out" \
                -- "$bin" --rules "$rules" --sysroot "$h" report "$src/corpus/README.md"

        # A domain's log and XML: refused, one line, exit 2.
        for kind in fifo zero; do
                h=$tmp/dom-$kind
                rm -rf "$h"
                cp -a "$fx/healthy-vfio" "$h"
                domain_xml "$h" etc/libvirt/qemu win11 0000:01:00.0 0000:01:00.1
                domain_log "$h" win11
                special "$h" var/log/libvirt/qemu/win11.log "$kind"
                check "$kind as the domain's log" "rc == 2 and err.count(chr(10)) == 1 and 'not a regular file' in err" \
                        -- "$bin" --rules "$rules" --sysroot "$h" --domain win11 --format json
                rm -f "$h/var/log/libvirt/qemu/win11.log"
                domain_log "$h" win11
                special "$h" etc/libvirt/qemu/win11.xml "$kind"
                check "$kind as the domain's XML" "rc == 2 and err.count(chr(10)) == 1 and 'not a regular file' in err" \
                        -- "$bin" --rules "$rules" --sysroot "$h" --domain win11 --format json
        done

        # A rule file that is a FIFO: every command refuses the set with one line; rules check says where.
        for kind in fifo zero; do
                d=$tmp/rules-$kind
                rm -rf "$d"
                cp -r "$rules" "$d"
                special "$d" zz.rules "$kind"
                check "$kind as a rule file: explain" "rc == 2 and err.count(chr(10)) == 1 and 'zz.rules' in err and 'not a regular file' in err" \
                        -- "$bin" --no-probe --rules "$d" "$src/corpus/README.md"
                check "$kind as a rule file: rules check" "rc == 1 and 'zz.rules' in err + out and 'not a regular file' in err + out" \
                        -- "$bin" rules check --rules "$d"
                check "$kind as a rule file: rules list" "rc == 2 and 'zz.rules' in err" -- "$bin" rules list --rules "$d"
                check "$kind as a rule file: groups" "rc == 2 and 'zz.rules' in err" -- "$bin" --rules "$d" --sysroot "$fx/healthy-vfio" check
        done

        # What the user names is the user's choice: a FIFO given as the log is read (<(...), mkfifo).
        mkfifo "$tmp/named.fifo"
        (printf '[    0.000000] DMAR: IOMMU disabled\n' >"$tmp/named.fifo") &
        check "a FIFO named on the command line is read" "rc == 1 and causes()[:1] == ['iommu-off-kernel']" \
                -- "$bin" --rules "$rules" --no-probe --format json "$tmp/named.fifo"
        wait
fi

# ---------------------------------------------------------------------------------------------------
# 8. The journal under --sysroot: symlinks resolve inside the root, journal files are regular files.
if want journal; then
        bash "$src/tests/journal/build.sh" "$tmp/j" >"$tmp/jbuild.log" 2>&1 || { fail "tests/journal/build.sh"; cat "$tmp/jbuild.log"; }
        mid=9a1883fb876248bfbd76f98a67737041
        # The control: the journal of the tree, read.
        mkdir -p "$tmp/sr-in/var/log/journal/$mid"
        cp "$tmp/j/single/system.journal" "$tmp/sr-in/var/log/journal/$mid/"
        check "the tree's own journal" "'iommu-off-kernel' in causes()" \
                -- "$bin" --rules "$rules" --no-probe --sysroot "$tmp/sr-in" --since @1 --format json
        # A symlink within the tree is followed within it.
        mkdir -p "$tmp/sr-rel/store/$mid" "$tmp/sr-rel/var/log"
        cp "$tmp/j/single/system.journal" "$tmp/sr-rel/store/$mid/"
        ln -s ../../store "$tmp/sr-rel/var/log/journal"
        check "a journal directory linked within the tree" "'iommu-off-kernel' in causes()" \
                -- "$bin" --rules "$rules" --no-probe --sysroot "$tmp/sr-rel" --since @1 --format json
        # Links out of the tree: the directory, the machine's directory, one file.
        mkdir -p "$tmp/outside/journal/$mid"
        cp "$tmp/j/single/system.journal" "$tmp/outside/journal/$mid/"
        mkdir -p "$tmp/sr-out1/run/log" "$tmp/sr-out2/var/log/journal" "$tmp/sr-out3/var/log/journal/$mid"
        ln -s "$tmp/outside/journal" "$tmp/sr-out1/run/log/journal"
        ln -s "$tmp/outside/journal/$mid" "$tmp/sr-out2/var/log/journal/$mid"
        ln -s "$tmp/outside/journal/$mid/system.journal" "$tmp/sr-out3/var/log/journal/$mid/system.journal"
        for n in 1 2 3; do
                check "a journal linked out of the tree ($n)" "rc in (0, 2) and causes() == []" \
                        -- "$bin" --rules "$rules" --no-probe --sysroot "$tmp/sr-out$n" --since @1 --format json
        done
        # A FIFO where a journal file would be.
        mkdir -p "$tmp/sr-fifo/var/log/journal/$mid"
        mkfifo "$tmp/sr-fifo/var/log/journal/$mid/system.journal"
        check "a FIFO as a journal file" "rc in (0, 2) and causes() == []" \
                -- "$bin" --rules "$rules" --no-probe --sysroot "$tmp/sr-fifo" --since @1 --format json
fi

# ---------------------------------------------------------------------------------------------------
# 10. pci.ids is read within its bound (the real one is about 1.3 MB).
if want pciids; then
        h=$tmp/ids-host
        cp -a "$fx/healthy-vfio" "$h"
        mkdir -p "$h/usr/share/misc"
        printf '10de  NVIDIA Corporation\n\t1b80  GP104 [GeForce GTX 1080]\n' >"$h/usr/share/misc/pci.ids"
        check "a pci.ids of real size names the devices" "'GP104' in out" -- "$bin" --sysroot "$h" groups
        python3 - "$tmp/big.ids" "$h/usr/share/misc/pci.ids" <<'PY'
import sys
head = open(sys.argv[2]).read()
pad = "# " + "x" * 77 + "\n"
with open(sys.argv[1], "w") as f:
    f.write(head)
    f.write(pad * (24 * 1024 * 1024 // len(pad)))
PY
        mv "$tmp/big.ids" "$h/usr/share/misc/pci.ids"
        check "a 24 MB pci.ids is not read" "rc == 0 and 'GP104' not in out and '0000:01:00.0' in out" \
                -- "$bin" --sysroot "$h" groups
fi

# ---------------------------------------------------------------------------------------------------
# 16. A PCI tree that cannot be read is not an empty one.
if want pci; then
        h=$tmp/pci-host
        cp -a "$fx/healthy-vfio" "$h"
        # As root, nobody runs it (a tree of root's, mode 0700); as an ordinary user, the tree is mode 0.
        if [ "$(id -u)" -eq 0 ]; then
                chmod 755 "$tmp"
                chmod 700 "$h/sys/bus/pci/devices"
                asuser=(setpriv --reuid=65534 --regid=65534 --clear-groups)
        else
                chmod 000 "$h/sys/bus/pci/devices"
                asuser=(env)
        fi
        for cmd in groups check "plan 0000:01:00.0"; do
                check "$cmd on an unreadable PCI tree" "rc == 2 and err.count(chr(10)) == 1 and 'not probed' in err and 'No PCI devices' not in out" \
                        -- "${asuser[@]}" "$bin" --rules "$rules" --sysroot "$h" $cmd
        done
        check "snapshot of an unreadable PCI tree says not probed" "j['pci'] == 'not-probed'" \
                -- "${asuser[@]}" "$bin" --sysroot "$h" snapshot -o -
        chmod 755 "$h/sys/bus/pci/devices"
        check "groups on a readable PCI tree" "rc == 0 and '0000:01:00.0' in out" -- "${asuser[@]}" "$bin" --sysroot "$h" groups
        rm -rf "$h/sys/bus/pci"
        check "groups on a host without PCI" "rc == 0 and 'No PCI devices found' in out" -- "${asuser[@]}" "$bin" --sysroot "$h" groups
fi

# ---------------------------------------------------------------------------------------------------
# 17. A domain XML in another encoding than UTF-8 is refused before libxml2 sees it.
if want encoding; then
        h=$tmp/enc-host
        cp -a "$fx/healthy-vfio" "$h"
        domain_xml "$h" etc/libvirt/qemu win11 0000:01:00.0 0000:01:00.1
        x=$h/etc/libvirt/qemu/win11.xml
        { printf '<?xml version="1.0" encoding="UTF-8"?>\n'; cat "$x"; } >"$tmp/utf8.xml"
        cp "$tmp/utf8.xml" "$x"
        check "a UTF-8 declaration" "rc in (0, 1) and j is not None" -- "$bin" --rules "$rules" --sysroot "$h" --domain win11 --format json
        { printf '<?xml version="1.0" encoding="IBM037"?>\n<!DOCTYPE domain [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'; cat "$tmp/utf8.xml" | sed 1d; } |
                iconv -f UTF-8 -t IBM037 >"$x"
        check "an EBCDIC domain XML with a DOCTYPE" "rc == 2 and err.count(chr(10)) == 1 and 'UTF-8' in err" \
                -- "$bin" --rules "$rules" --sysroot "$h" --domain win11 --format json
        { printf '<?xml version="1.0" encoding="UTF-16"?>\n'; sed 1d "$tmp/utf8.xml"; } | iconv -f UTF-8 -t UTF-16 >"$x"
        check "a UTF-16 domain XML" "rc == 2 and err.count(chr(10)) == 1 and 'UTF-8' in err" \
                -- "$bin" --rules "$rules" --sysroot "$h" --domain win11 --format json
        { printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n'; sed 1d "$tmp/utf8.xml"; } >"$x"
        check "a Latin-1 declaration" "rc == 2 and err.count(chr(10)) == 1 and 'UTF-8' in err" \
                -- "$bin" --rules "$rules" --sysroot "$h" --domain win11 --format json
fi

finish
