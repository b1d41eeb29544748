#!/usr/bin/env bash
# Privileges as root (issues 6 and 24): each command, caught while it waits on a FIFO or follows the logs,
# runs as nobody and holds exactly the capabilities cli/privileges.h gives it (effective, permitted,
# bounding; none inheritable or ambient) and has no_new_privs; run's command keeps what we had. What the
# reduced process can do is tried from inside it (gdb calls open(), mkdir() and kill() in it): it cannot
# append to a root-owned 0600 file, create a file in a directory of root's or signal root's processes,
# which the same calls in an unreduced process do. And the host seen with the reduced set is the host seen
# without reducing it, where dropping everything would lose facts.
# Needs root: where it cannot run it says why and fails (CI runs as root; a silent skip would hide a
# broken drop).
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"

if [ "$(id -u)" -ne 0 ]; then
        echo "FAIL: tests/cli/privileges.sh needs root: the capabilities of a root run are what it tests"
        exit 1
fi
unset VFIOEXPLAIN_PRIVILEGES
# gdb's calls into a process allocate their string arguments there with malloc (and never free them):
# LeakSanitizer would end the sanitizer build's process for it. The leak check is every other test's
# business.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
own_prm=$((16#$(status_field $$ CapPrm)))
own_nnp=$(status_field $$ NoNewPrivs)
# Bits of <linux/capability.h>.
DAC_OVERRIDE=$((1 << 1)) READ=$((1 << 2)) KILL=$((1 << 5)) PROBE=$(((1 << 19) | (1 << 21))) SYSLOG=$((1 << 34))
if [ $((own_prm & (READ | PROBE | SYSLOG | (1 << 8)))) -ne $((READ | PROBE | SYSLOG | (1 << 8))) ]; then
        echo "FAIL: this root lacks cap_dac_read_search, cap_sys_ptrace, cap_sys_admin, cap_syslog or cap_setpcap ($(status_field $$ CapPrm)): nothing to test"
        exit 1
fi

# child_of PID NAME: the pid of PID's child NAME, once it is there.
child_of() {
        local i pid
        for i in $(seq 100); do
                pid=$(pgrep -P "$1" -x "$2") && { echo "$pid"; return 0; }
                sleep 0.05
        done
        return 1
}

# assert_caps NAME PID EFF BND [UID]: the sets of PID once its command has reduced them (it may still be
# starting: wait for the effective set to settle), and its uids and gids (all of them: real, effective,
# saved, file system) and groups: nobody's, or UID's.
assert_caps() {
        local name=$1 pid=$2 eff=$(($3 & own_prm)) bnd=$4 uid=${5:-65534} i got
        for i in $(seq 100); do
                got=$((16#$(status_field "$pid" CapEff)))
                [ "$got" -eq "$eff" ] && break
                sleep 0.05
        done
        local e p b inh amb nnp
        e=$((16#$(status_field "$pid" CapEff))) p=$((16#$(status_field "$pid" CapPrm)))
        b=$((16#$(status_field "$pid" CapBnd))) inh=$((16#$(status_field "$pid" CapInh)))
        amb=$((16#$(status_field "$pid" CapAmb))) nnp=$(status_field "$pid" NoNewPrivs)
        local uids gids groups want_ids="$uid $uid $uid $uid"
        uids=$(status_field "$pid" Uid | tr -s '\t ' ' ') gids=$(status_field "$pid" Gid | tr -s '\t ' ' ')
        groups=$(status_field "$pid" Groups | tr -d ' ')
        [ "$uid" -eq 0 ] && want_ids="0 0 0 0"
        if [ "$e" -ne "$eff" ] || [ "$p" -ne "$eff" ] || [ "$b" -ne "$bnd" ] || [ "$inh" -ne 0 ] ||
                [ "$amb" -ne 0 ] || [ "$nnp" != 1 ] || [ "$uids" != "$want_ids" ] ||
                { [ "$uid" -ne 0 ] && { [ "$gids" != "$want_ids" ] || [ -n "$groups" ]; }; }; then
                printf 'FAIL: %s: CapEff %x CapPrm %x CapBnd %x CapInh %x CapAmb %x NoNewPrivs %s Uid %s Gid %s Groups %s; want %x %x %x 0 0 1, ids %s, no groups\n' \
                        "$name" "$e" "$p" "$b" "$inh" "$amb" "$nnp" "$uids" "$gids" "$groups" "$eff" "$eff" "$bnd" "$want_ids"
                fails=$((fails + 1))
        else
                printf 'ok: %s: uid %s, effective = permitted = %x, bounding %x, no_new_privs\n' "$name" "$uid" "$e" "$b"
        fi
}

# What a process can do to root, tried from inside it: gdb calls, in PID, open() for appending to a
# root-owned 0600 file, mkdir() in a root-owned 0700 directory and kill(0) of a root process, and prints
# their results (-1 each: refused).
command -v gdb >/dev/null || { echo "FAIL: gdb is not installed (tests/deps.sh installs it): cannot try what the reduced process may do"; exit 1; }
rootfile=$tmp/root-only
rootdir=$tmp/root-dir
echo secret >"$rootfile"
chmod 600 "$rootfile"
mkdir -m 700 "$rootdir"
sleep 600 &
rootproc=$!
trap 'kill $rootproc 2>/dev/null; rm -rf "$tmp"' EXIT
try_as() {
        timeout 120 gdb -q -batch -nx -p "$1" \
                -ex "call (int)open(\"$rootfile\", 02001)" -ex "call (int)mkdir(\"$rootdir/made-by-$1\", 0700)" \
                -ex "call (int)kill($rootproc, 0)" 2>/dev/null | sed -n 's/^\$[0-9]* = //p' | tr '\n' ' '
}
# assert_powerless NAME PID: none of the three succeeds in PID.
assert_powerless() {
        local got
        got=$(try_as "$2")
        if [ "$got" != "-1 -1 -1 " ] || [ -e "$rootdir/made-by-$2" ]; then
                echo "FAIL: $1: open(O_APPEND) of root's 0600 file, mkdir in root's directory, kill(root's process) gave: $got (want -1 -1 -1)"
                fails=$((fails + 1))
        else
                echo "ok: $1: cannot append to root's file, create in root's directory or signal root's process"
        fi
}

fifo=$tmp/fifo
mkfifo "$fifo"

# explain, probing this host, then reading a log that is slow to come: the probe's capabilities are
# gone before the first line is read; the bounding set is the one it started with.
"$bin" --rules "$rules" explain --full "$fifo" >"$tmp/explain.out" 2>&1 &
pid=$!
exec 3>"$fifo"
assert_caps "explain (after probing, reading the log)" "$pid" $((READ | SYSLOG)) $(((READ | SYSLOG) & own_prm))
assert_powerless "explain" "$pid"
printf '[    0.000000] DMAR: IOMMU disabled\n' >&3
exec 3>&-
wait "$pid"
[ $? -eq 1 ] && grep -q iommu-off-kernel "$tmp/explain.out" || { echo "FAIL: explain after the drop"; cat "$tmp/explain.out"; fails=$((fails + 1)); }

# The proof above can fail: the same calls in a process that keeps root's privileges succeed.
VFIOEXPLAIN_PRIVILEGES=keep "$bin" --rules "$rules" --no-probe explain "$fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$fifo"
for i in $(seq 100); do [ "$(status_field "$pid" State | cut -c1)" = S ] && break; sleep 0.05; done
got=$(try_as "$pid")
case $got in
"-1 "*) echo "FAIL: with VFIOEXPLAIN_PRIVILEGES=keep the calls fail as well ($got): the proof proves nothing"; fails=$((fails + 1)) ;;
*) echo "ok: with VFIOEXPLAIN_PRIVILEGES=keep the same calls succeed ($got)" ;;
esac
exec 3>&-
wait "$pid"
rm -rf "$rootdir"/made-by-*

# The same with --no-probe: nothing of probing is ever held.
"$bin" --rules "$rules" --no-probe explain "$fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$fifo"
assert_caps "explain --no-probe" "$pid" $((READ | SYSLOG)) $(((READ | SYSLOG) & own_prm))
exec 3>&-
wait "$pid"

# check replaying a snapshot: no probing, no kernel log: reading files is all.
"$bin" --rules "$rules" --snapshot "$fifo" check >/dev/null 2>&1 &
pid=$!
exec 3>"$fifo"
assert_caps "check --snapshot" "$pid" "$READ" $((READ & own_prm))
exec 3>&-
wait "$pid"

# rom parses an untrusted file: only after the reduction, with nothing of probing held, with or without
# a device to compare it with.
"$bin" rom "$fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$fifo"
assert_caps "rom FILE" "$pid" "$READ" $((READ & own_prm))
assert_powerless "rom FILE" "$pid"
exec 3>&-
wait "$pid"
addr=$(ls /sys/bus/pci/devices | head -1)
"$bin" rom --address "$addr" "$fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$fifo"
assert_caps "rom --address ADDR FILE" "$pid" "$READ" $((READ & own_prm))
exec 3>&-
wait "$pid"

# snapshot -o FILE: a writer of root's that parses nothing creates FILE, holding cap_dac_override alone;
# the process that probes and builds the document is nobody before it reads anything (it once stayed root:
# the first reduction had dropped the cap_setuid it needed later). Both caught while the producer hands
# the document over (strace holds each write 3 s), and what the producer held while probing said under
# VFIOEXPLAIN_PRIVILEGES=debug.
command -v strace >/dev/null || { echo "FAIL: strace is not installed (tests/deps.sh installs it): cannot catch snapshot's producer"; exit 1; }
strace -f -qq -o /dev/null -e trace=write -e inject=write:delay_enter=3000000 \
        "$bin" snapshot -o "$tmp/owned.json" 2>"$tmp/err" &
spid=$!
if wpid=$(child_of "$spid" vfioexplain) && ppid=$(child_of "$wpid" vfioexplain); then
        assert_caps "snapshot -o FILE: the writer" "$wpid" "$DAC_OVERRIDE" $((READ & own_prm)) 0
        assert_caps "snapshot -o FILE: the producer (probed, writing to the writer)" "$ppid" "$READ" $((READ & own_prm))
else
        echo "FAIL: snapshot -o FILE: no writer and producer to look at"; fails=$((fails + 1))
fi
wait "$spid" || { echo "FAIL: snapshot -o"; cat "$tmp/err"; fails=$((fails + 1)); }
[ "$(stat -c %u "$tmp/owned.json")" = 0 ] && echo "ok: snapshot -o FILE is root's" ||
        { echo "FAIL: snapshot -o FILE is owned by $(stat -c %u "$tmp/owned.json")"; fails=$((fails + 1)); }
VFIOEXPLAIN_PRIVILEGES=debug "$bin" snapshot -o "$tmp/debug.json" 2>"$tmp/err"
if grep -q 'kept cap_dac_read_search,cap_sys_ptrace,cap_sys_admin as uid 65534$' "$tmp/err" &&
        grep -q 'kept cap_dac_override as uid 0' "$tmp/err" && ! grep -q 'uid stays' "$tmp/err"; then
        echo "ok: snapshot -o FILE probes as nobody with cap_dac_read_search,cap_sys_ptrace,cap_sys_admin"
else
        echo "FAIL: snapshot -o FILE: what its processes kept:"; cat "$tmp/err"; fails=$((fails + 1))
fi

# watch probes again while it follows: it keeps the probe's capabilities and cap_syslog.
"$bin" --rules "$rules" --format json watch >/dev/null 2>"$tmp/watch.err" &
wpid=$!
assert_caps "watch" "$wpid" $((READ | SYSLOG | PROBE)) $(((READ | SYSLOG | PROBE) & own_prm))
assert_powerless "watch" "$wpid"
# SIGTERM ends it with a summary once it follows (before that, it is not yet caught).
for i in $(seq 100); do grep -q watching "$tmp/watch.err" && break; sleep 0.05; done
kill -TERM "$wpid"
wait "$wpid"
grep -q 'stopped after' "$tmp/watch.err" || { echo "FAIL: watch did not end with its summary"; cat "$tmp/watch.err"; fails=$((fails + 1)); }

# run: its command is started with everything we have, and no no_new_privs of ours; then vfioexplain
# itself keeps what following it needs, and cap_kill to pass a signal on.
"$bin" --rules "$rules" run -- sleep 30 >/dev/null 2>&1 &
rpid=$!
cpid=$(child_of "$rpid" sleep) || { echo "FAIL: run did not start its command"; exit 1; }
assert_caps "run (vfioexplain)" "$rpid" $((READ | SYSLOG | PROBE | KILL)) $(((READ | SYSLOG | PROBE | KILL) & own_prm))
ce=$(status_field "$cpid" CapEff) cb=$(status_field "$cpid" CapBnd) cn=$(status_field "$cpid" NoNewPrivs)
cu=$(status_field "$cpid" Uid | tr -s '\t ' ' ')
if [ "$ce" != "$(status_field $$ CapEff)" ] || [ "$cb" != "$(status_field $$ CapBnd)" ] || [ "$cn" != "$own_nnp" ] ||
        [ "$cu" != "0 0 0 0" ]; then
        echo "FAIL: run's command: CapEff $ce CapBnd $cb NoNewPrivs $cn Uid $cu; want ours: $(status_field $$ CapEff) $(status_field $$ CapBnd) $own_nnp 0 0 0 0"
        fails=$((fails + 1))
else
        echo "ok: run's command runs as root and keeps every capability we have ($ce) and no_new_privs $cn"
fi
kill -TERM "$rpid"
wait "$rpid"

# The host as seen with the reduced set is the host seen with everything, and it holds facts that only
# a privileged reader sees (the addresses of /proc/iomem, config space past 64 bytes): dropping all
# capabilities loses them, which proves the comparison can fail.
"$bin" snapshot -o "$tmp/reduced.json" 2>"$tmp/err" || { echo "FAIL: snapshot"; cat "$tmp/err"; fails=$((fails + 1)); }
VFIOEXPLAIN_PRIVILEGES=keep "$bin" snapshot -o "$tmp/kept.json" 2>"$tmp/keep.err"
grep -q 'not reduced (VFIOEXPLAIN_PRIVILEGES=keep)' "$tmp/keep.err" || { echo "FAIL: VFIOEXPLAIN_PRIVILEGES=keep did not say so"; cat "$tmp/keep.err"; fails=$((fails + 1)); }
setpriv --bounding-set=-all --inh-caps=-all -- "$bin" snapshot -o "$tmp/none.json" 2>/dev/null
# Processes come and go between the runs; the QEMUs seen are not what is compared.
facts() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("memlock",None); print(json.dumps(d,sort_keys=True,indent=1))' "$1"; }
if ! diff <(facts "$tmp/kept.json") <(facts "$tmp/reduced.json") >"$tmp/diff"; then
        echo "FAIL: the host probed with reduced capabilities differs from the host probed with all:"; cat "$tmp/diff"; fails=$((fails + 1))
else
        echo "ok: snapshot with reduced capabilities = snapshot with all"
fi
if diff <(facts "$tmp/kept.json") <(facts "$tmp/none.json") >/dev/null; then
        echo "FAIL: with no capabilities at all the snapshot is the same: this host shows no privileged fact, the comparison proves nothing"
        fails=$((fails + 1))
else
        echo "ok: without capabilities the snapshot loses facts ($(diff <(facts "$tmp/kept.json") <(facts "$tmp/none.json") | grep -c '^<') lines differ)"
fi
for cmd in check groups; do
        "$bin" --rules "$rules" --format json $cmd >"$tmp/$cmd.reduced" 2>/dev/null
        r1=$?
        VFIOEXPLAIN_PRIVILEGES=keep "$bin" --rules "$rules" --format json $cmd >"$tmp/$cmd.kept" 2>/dev/null
        r2=$?
        if [ $r1 -ne $r2 ] || ! diff <(grep -v '"pid"' "$tmp/$cmd.kept") <(grep -v '"pid"' "$tmp/$cmd.reduced") >/dev/null; then
                echo "FAIL: $cmd: exit $r1 with reduced capabilities, $r2 with all, or different output"
                diff "$tmp/$cmd.kept" "$tmp/$cmd.reduced" | head -20
                fails=$((fails + 1))
        else
                echo "ok: $cmd --format json is the same with reduced capabilities (exit $r1)"
        fi
done

# An unusual environment (no cap_setpcap: the bounding set cannot be reduced) is reduced hardening, not
# an error, and VFIOEXPLAIN_PRIVILEGES=debug says so.
setpriv --inh-caps=-all --bounding-set=-setpcap -- env VFIOEXPLAIN_PRIVILEGES=debug \
        "$bin" --rules "$rules" --no-probe "$src/corpus/README.md" >/dev/null 2>"$tmp/nosetpcap.err"
r=$?
if [ $r -gt 1 ] || ! grep -q 'privileges: kept cap_dac_read_search,cap_syslog as uid 65534; the bounding set still holds' "$tmp/nosetpcap.err"; then
        echo "FAIL: without cap_setpcap: exit $r"; cat "$tmp/nosetpcap.err"; fails=$((fails + 1))
else
        echo "ok: without cap_setpcap: exit $r, $(head -1 "$tmp/nosetpcap.err")"
fi
finish
