#!/usr/bin/env bash
# Read-only proof (issue 6): every command, run against a host tree mounted read-only, writes nothing
# anywhere: strace sees every system call that could change a file system (an open for writing or
# creating, mkdir, unlink, rename, link, chmod, chown, truncate, utimes, mknod, xattrs, mount) and none
# may happen but the one output file asked for (snapshot -o FILE). The tree is also compared before and
# after. The checker is proven first on a command that does write.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"

# LeakSanitizer cannot run under ptrace and aborts the sanitizer build's process at exit; the leak check
# is every other test's business.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
command -v strace >/dev/null || { echo "FAIL: strace is not installed (tests/deps.sh installs it): cannot prove anything"; exit 1; }

# The host: a fixture with a libvirt domain (its XML and log, a ROM file it names) and a pasted log.
bash "$src/tests/fixtures/build.sh" "$tmp/fx" >"$tmp/build.log" 2>&1 || { echo "FAIL: fixtures/build.sh"; cat "$tmp/build.log"; exit 1; }
host=$tmp/fx/gpu-audio-companion
eval "$(sed -n '/^domain_xml() {/,/^}/p; /^domain_log() {/,/^}/p' "$src/tests/cli/domain.sh")"
domain_xml "$host" etc/libvirt/qemu win11 0000:01:00.0 0000:01:00.1,rom=/var/lib/libvirt/vbios/gp104.rom
domain_log "$host" win11 "2024-10-01T09:12:02.101938Z qemu-system-x86_64: -device {\"driver\":\"vfio-pci\",\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\",\"bus\":\"pci.5\",\"addr\":\"0x0\"}: vfio 0000:01:00.0: group 1 is not viable"
mkdir -p "$host/var/lib/libvirt/vbios"
python3 "$src/tests/cli/romgen.py" "$host/var/lib/libvirt/vbios/gp104.rom" x86:10de:1b80:2 efi:10de:1b80:2
log=$host/var/log/libvirt/qemu/win11.log
rom=$host/var/lib/libvirt/vbios/gp104.rom

# Read-only for real where we can: a read-only bind mount in a mount namespace of our own (root);
# otherwise the tree's write permissions are taken away, which root would ignore.
ro=$tmp/ro
mkdir -p "$ro"
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
        how=mount
else
        echo "NOTE: not root (or no mount namespace): the tree is made read-only by permissions, not a read-only mount"
        how=chmod
        cp -a "$host/." "$ro/"
        chmod -R a-w "$ro"
fi
listing() { (cd "$1" && find . -printf '%p %m %s %T@\n' | sort); }
listing "$host" >"$tmp/before"

# run NAME ALLOWED-OUTPUT CMD...: CMD under strace inside the read-only view; any change it attempts fails.
n=0
run() {
        local name=$1 allowed=$2
        shift 2
        n=$((n + 1))
        local trace=$tmp/strace.$n
        local calls='open,openat,openat2,creat,mkdir,mkdirat,unlink,unlinkat,rmdir,rename,renameat,renameat2,link,linkat,symlink,symlinkat,chmod,fchmod,fchmodat,chown,fchown,lchown,fchownat,truncate,ftruncate,utime,utimes,utimensat,futimesat,mknod,mknodat,setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr,mount,umount2'
        if [ "$how" = mount ]; then
                unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" && shift 2 && exec "$@"' \
                        sh "$host" "$ro" strace -f -qq -e signal=none -e trace="$calls" -o "$trace" "$@" >"$tmp/out.$n" 2>&1 </dev/null
        else
                strace -f -qq -e signal=none -e trace="$calls" -o "$trace" "$@" >"$tmp/out.$n" 2>&1 </dev/null
        fi
        local status=$?
        # timeout's 124: it had to end watch, as meant.
        if [ "$status" -ge 3 ] && [ "$status" -ne 124 ] && [ "$name" != "writer" ]; then
                echo "FAIL: $name: exit $status"; sed 's/^/  /' "$tmp/out.$n" | head -5; fails=$((fails + 1))
        fi
        # Opens for reading are fine; anything else in the list is a write unless it is the output file. With
        # -f, a call that another process interrupts is printed in two: its name and flags on the
        # "<unfinished ...>" line (judged like any), its result alone on the "<... NAME resumed>" line (left out).
        grep -vE '^[0-9]+ +(open|openat|openat2)\([^)]*O_RDONLY[^)]*\)' "$trace" | grep -vE '^[0-9]+ +(\+\+\+|---)' |
                grep -vE '^[0-9]+ +<\.\.\. [a-z0-9_]+ resumed>' |
                { if [ -n "$allowed" ]; then grep -vF "\"$allowed\""; else cat; fi; } | grep -vE 'O_RDONLY' >"$trace.writes"
        # An open with O_RDONLY that still creates or truncates (O_RDONLY|O_CREAT) is a write too.
        grep -E 'O_CREAT|O_TRUNC' "$trace" | { if [ -n "$allowed" ]; then grep -vF "\"$allowed\""; else cat; fi; } >>"$trace.writes"
        if [ "$name" = writer ]; then
                [ -s "$trace.writes" ] || { echo "FAIL: the checker did not see a command that writes"; fails=$((fails + 1)); }
                return
        fi
        if [ -s "$trace.writes" ]; then
                echo "FAIL: $name wrote or tried to:"; sed 's/^/  /' "$trace.writes" | head -20; fails=$((fails + 1))
        else
                echo "ok: $name: $(wc -l <"$trace") file-system calls, none writes"
        fi
}

# The checker itself: a command that writes one file must be caught.
run writer "" sh -c "echo x >$tmp/written"

run explain "" "$bin" --rules "$rules" --sysroot "$ro" "$ro/var/log/libvirt/qemu/win11.log"
run explain-stdin "" sh -c "exec \"\$0\" --rules \"\$1\" --sysroot \"\$2\" --format json - <\"\$3\"" "$bin" "$rules" "$ro" "$log"
run explain-markdown "" "$bin" --rules "$rules" --sysroot "$ro" --format markdown "$ro/var/log/libvirt/qemu/win11.log"
run explain-domain "" "$bin" --rules "$rules" --sysroot "$ro" --domain win11
run check "" "$bin" --rules "$rules" --sysroot "$ro" check
# The probes did read the host through the read-only view: they found its cause.
grep -q group-companion-unbound "$tmp/out.$n" || { echo "FAIL: check on the read-only tree:"; head -5 "$tmp/out.$n"; fails=$((fails + 1)); }
run check-device "" "$bin" --rules "$rules" --sysroot "$ro" --format json check 0000:01:00.0
run groups "" "$bin" --sysroot "$ro" groups
run plan "" "$bin" --rules "$rules" --sysroot "$ro" plan 0000:01:00.0
run plan-json "" "$bin" --rules "$rules" --sysroot "$ro" --format json plan 0000:01:00.0
run report "" "$bin" --rules "$rules" --sysroot "$ro" report "$ro/var/log/libvirt/qemu/win11.log"
run report-redact "" "$bin" --rules "$rules" --sysroot "$ro" report --redact --format json --domain win11
run snapshot "$tmp/host.snap" "$bin" --sysroot "$ro" snapshot -o "$tmp/host.snap"
run replay "" "$bin" --rules "$rules" --snapshot "$tmp/host.snap" check
run rom "" "$bin" --rules "$rules" --sysroot "$ro" rom "$ro/var/lib/libvirt/vbios/gp104.rom"
run rom-howto "" "$bin" --rules "$rules" --sysroot "$ro" rom
run rules-check "" "$bin" rules check --rules "$rules"
run rules-test "" "$bin" rules test --rules "$rules"
run rules-list "" "$bin" rules list --rules "$rules"
# watch follows the journal and /dev/kmsg until told to stop; run starts the user's command, which is
# traced too (/bin/true writes nothing).
run watch "" timeout -s INT 2 "$bin" --rules "$rules" --sysroot "$ro" watch
run run "" "$bin" --rules "$rules" --sysroot "$ro" run -- /bin/true

listing "$host" >"$tmp/after"
diff "$tmp/before" "$tmp/after" >"$tmp/diff" || { echo "FAIL: the tree changed:"; head -20 "$tmp/diff"; fails=$((fails + 1)); }
[ -s "$tmp/host.snap" ] || { echo "FAIL: snapshot -o wrote nothing"; fails=$((fails + 1)); }
[ "$how" = chmod ] && chmod -R u+w "$ro"
finish
