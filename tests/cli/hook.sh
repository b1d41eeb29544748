#!/usr/bin/env bash
# contrib/libvirt-hook-qemu, called as libvirt calls /etc/libvirt/hooks/qemu (NAME OPERATION SUB-OP EXTRA,
# the domain XML on stdin): a report beside the domain log after a failed start, nothing after a normal
# stop or on any other operation, stdin never read, and the hook back at once however long vfioexplain
# takes. First with a stand-in vfioexplain that records how it was called, then with the real one.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
hook="$src/contrib/libvirt-hook-qemu"
logs="$tmp/root/var/log/libvirt/qemu"
mkdir -p "$logs" "$tmp/bin" "$tmp/root/etc/libvirt/qemu"
export VFIOEXPLAIN_LOG_DIR="$logs"

# The stand-in: records its arguments, prints a report; FAKE_SLEEP makes it slow, FAKE_NO_DOMAIN makes
# --domain fail as it does for a transient domain whose definition is gone.
cat >"$tmp/bin/vfioexplain" <<'FAKE'
#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_CALLS"
[ -n "$FAKE_SLEEP" ] && sleep "$FAKE_SLEEP"
case " $* " in *" --domain "*) [ -n "$FAKE_NO_DOMAIN" ] && { echo "vfioexplain: no domain" >&2; exit 2; } ;; esac
printf '## vfioexplain\n\nfake report for: %s\n' "$*"
exit 1
FAKE
chmod +x "$tmp/bin/vfioexplain"
export PATH="$tmp/bin:$PATH" FAKE_CALLS="$tmp/calls"

# A domain log as libvirt leaves it (src/qemu/qemu_process.c: qemuProcessLaunch() writes "starting up",
# QEMU its error, qemuProcessStop() "shutting down, reason=%s").
domain_log() {
        {
                printf '2024-11-23 10:04:12.301+0000: starting up libvirt version: 10.9.0, qemu version: 9.1.1, kernel: 6.12.1-arch1-1, hostname: gamer\n'
                printf '2024-11-23T10:04:12.688414Z qemu-system-x86_64: -device {"driver":"vfio-pci","host":"0000:0b:00.0","id":"hostdev0","bus":"pci.5","addr":"0x0"}: vfio 0000:0b:00.0: no iommu_group found: No such file or directory\n'
                printf '2024-11-23 10:04:12.721+0000: shutting down, reason=%s\n' "$2"
        } >"$logs/$1.log"
}
xml() { printf "<domain type='kvm' id='1'>\n  <name>%s</name>\n</domain>\n" "$1"; }

# run_hook NAME OP: runs the hook with the XML on stdin, and fails if it takes a second or more.
run_hook() {
        local start end
        start=$(date +%s%N)
        xml "$1" | timeout 10 "$hook" "$1" "$2" "${3:-end}" - >"$tmp/hook.out" 2>&1
        local st=$?
        end=$(date +%s%N)
        [ "$st" -eq 0 ] || { echo "FAIL: hook $1 $2 exited $st"; cat "$tmp/hook.out"; fails=$((fails + 1)); }
        [ -s "$tmp/hook.out" ] && { echo "FAIL: hook $1 $2 printed:"; cat "$tmp/hook.out"; fails=$((fails + 1)); }
        local ms=$(((end - start) / 1000000))
        [ "$ms" -lt 1000 ] || { echo "FAIL: hook $1 $2 took $ms ms"; fails=$((fails + 1)); }
        echo "ok: hook $1 $2 returned 0 in $ms ms"
}

# wait_report NAME: the report appears within 10 s.
wait_report() {
        local i
        for i in $(seq 100); do
                [ -e "$logs/$1.vfioexplain.md" ] && return 0
                sleep 0.1
        done
        echo "FAIL: no report for $1"
        fails=$((fails + 1))
        return 1
}

# A failed start: the report, from 'vfioexplain --domain NAME --format markdown', beside the log.
domain_log win11 failed
run_hook win11 stopped
wait_report win11 && grep -qx 'fake report for: --domain win11 --format markdown' "$logs/win11.vfioexplain.md" ||
        { echo "FAIL: report of a failed start"; cat "$logs/win11.vfioexplain.md"; fails=$((fails + 1)); }
[ "$(stat -c %a "$logs/win11.vfioexplain.md")" = 600 ] || { echo "FAIL: report mode"; fails=$((fails + 1)); }
ls -A "$logs" | grep -q '^\.' && { echo "FAIL: temporary files left:"; ls -A "$logs"; fails=$((fails + 1)); }

# Every other operation, and a normal stop, leaves nothing and runs nothing.
rm -f "$tmp/calls" "$logs/win11.vfioexplain.md"
for op in prepare start started release migrate restore reconnect attach; do run_hook win11 "$op" begin; done
for reason in shutdown destroyed crashed migrated saved daemon; do
        domain_log win11 "$reason"
        run_hook win11 stopped
done
domain_log "ghost" failed
rm "$logs/ghost.log"
run_hook ghost stopped
run_hook ../etc stopped
sleep 1
[ -e "$tmp/calls" ] && { echo "FAIL: vfioexplain ran without a failed start:"; cat "$tmp/calls"; fails=$((fails + 1)); }
[ -e "$logs/win11.vfioexplain.md" ] && { echo "FAIL: a report without a failed start"; fails=$((fails + 1)); }

# VFIOEXPLAIN_REASONS widens what is explained.
domain_log win11 crashed
VFIOEXPLAIN_REASONS="failed crashed" run_hook win11 stopped
wait_report win11 && rm "$logs/win11.vfioexplain.md"

# stdin is never read: a hook that read it would wait on this pipe, whose writer never closes it.
domain_log win11 failed
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
start=$(date +%s%N)
timeout 5 "$hook" win11 stopped end - <&3 >/dev/null 2>&1
st=$?
ms=$((($(date +%s%N) - start) / 1000000))
exec 3>&-
[ "$st" -eq 0 ] && [ "$ms" -lt 1000 ] || { echo "FAIL: hook with an open stdin: exit $st after $ms ms"; fails=$((fails + 1)); }
wait_report win11 && rm "$logs/win11.vfioexplain.md"

# A slow vfioexplain keeps nobody waiting, and its timeout is reported in the file.
FAKE_SLEEP=30 VFIOEXPLAIN_TIMEOUT=1 run_hook win11 stopped
wait_report win11 && grep -q 'took longer than 1 seconds' "$logs/win11.vfioexplain.md" ||
        { echo "FAIL: timeout report"; cat "$logs/win11.vfioexplain.md"; fails=$((fails + 1)); }
rm -f "$logs/win11.vfioexplain.md"

# No definition left (a transient domain): the log alone is explained.
rm -f "$tmp/calls"
FAKE_NO_DOMAIN=1 run_hook win11 stopped
wait_report win11 && grep -qx "fake report for: --format markdown $logs/win11.log" "$logs/win11.vfioexplain.md" ||
        { echo "FAIL: fallback to the log"; cat "$logs/win11.vfioexplain.md" "$tmp/calls"; fails=$((fails + 1)); }

# The real vfioexplain on a fixture root: the domain's definition and log judged, the cause in Markdown.
cat >"$tmp/bin/vfioexplain" <<REAL
#!/bin/sh
exec "$bin" --no-probe --sysroot "$tmp/root" --rules "$src/rules" "\$@"
REAL
cat >"$tmp/root/etc/libvirt/qemu/gamer.xml" <<'X'
<domain type='kvm'>
  <name>gamer</name>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x0b' slot='0x00' function='0x0'/>
      </source>
    </hostdev>
  </devices>
</domain>
X
domain_log gamer failed
run_hook gamer stopped
wait_report gamer && grep -q '^### [1-3]\. `iommu-off-kernel` .*tied' "$logs/gamer.vfioexplain.md" &&
        grep -q '/var/log/libvirt/qemu/gamer.log:2 \[qemu\]' "$logs/gamer.vfioexplain.md" ||
        { echo "FAIL: real report"; cat "$logs/gamer.vfioexplain.md"; fails=$((fails + 1)); }
finish
