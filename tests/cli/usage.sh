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

expect 0 '' -- "$bin" --version
grep -Eq '^vfioexplain [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || { echo "FAIL: --version"; cat "$tmp/out"; fails=$((fails + 1)); }

# --help: the global one lists every command; each command's names its options, on stdout, exit 0.
expect 0 '' -- "$bin" --help
cp "$tmp/out" "$tmp/help"
commands="explain check groups plan watch run report snapshot rom rules"
for c in $commands; do
        grep -Eq "^  $c " "$tmp/help" || { echo "FAIL: --help does not list '$c'"; fails=$((fails + 1)); }
done
declare -A opts=(
        [explain]="--boot --since --until --unit --file --directory --domain --format --color --no-probe --sysroot --snapshot --rules --help"
        [check]="--format --color --sysroot --snapshot --rules --help"
        [groups]="--format --sysroot --snapshot --help"
        [plan]="--format --sysroot --snapshot --rules --help"
        [watch]="--trace --unit --file --directory --format --color --no-probe --sysroot --rules --help"
        [run]="--format --color --no-probe --sysroot --rules --help"
        [report]="--redact --format --boot --domain --no-probe --sysroot --snapshot --rules --help"
        [snapshot]="--output --sysroot --help"
        [rom]="--address --format --sysroot --help"
        [rules]="--rules --format --help"
)
for c in $commands; do
        expect 0 '' -- "$bin" "$c" --help
        head -1 "$tmp/out" | grep -q "^Usage: vfioexplain .*$c\|^Usage: vfioexplain \[$c\]" ||
                { echo "FAIL: $c --help: no usage line"; head -1 "$tmp/out"; fails=$((fails + 1)); }
        grep -q '^Exit status' "$tmp/out" || { echo "FAIL: $c --help: no exit status"; fails=$((fails + 1)); }
        for opt in ${opts[$c]}; do
                grep -q -- "$opt\b" "$tmp/out" || { echo "FAIL: $c --help does not name $opt"; fails=$((fails + 1)); }
        done
        cp "$tmp/out" "$tmp/cmdhelp"
        # The same text through 'help COMMAND' and with --help before the command.
        expect 0 '' -- "$bin" help "$c"
        cmp -s "$tmp/out" "$tmp/cmdhelp" || { echo "FAIL: 'help $c' differs from '$c --help'"; fails=$((fails + 1)); }
        expect 0 '' -- "$bin" --help "$c"
        cmp -s "$tmp/out" "$tmp/cmdhelp" || { echo "FAIL: '--help $c' differs from '$c --help'"; fails=$((fails + 1)); }
done
# A subcommand's --help is the command's; a file operand does not turn --help into its help.
expect 0 '' -- "$bin" rules list --help
grep -q '^Usage: vfioexplain rules' "$tmp/out" || { echo "FAIL: rules list --help"; fails=$((fails + 1)); }
expect 0 '' -- "$bin" --help "$healthy"
cmp -s "$tmp/out" "$tmp/help" || { echo "FAIL: --help FILE is not the global help"; fails=$((fails + 1)); }
expect 0 '' -- "$bin" help
cmp -s "$tmp/out" "$tmp/help" || { echo "FAIL: 'help' is not the global help"; fails=$((fails + 1)); }
# 'explain' names the default command explicitly.
expect 1 '' -- "$bin" --no-probe --rules "$rules" explain "$tmp/off.log"
grep -q '^1\. iommu-off-kernel' "$tmp/out" || { echo "FAIL: explain FILE"; fails=$((fails + 1)); }

# Unknown options and commands: exit 2 and one line.
expect 2 'unknown option' -- "$bin" --frobnicate
expect 2 'unknown option' -- "$bin" check --frobnicate
# An option error names the option as it was typed, long or short, abbreviated or not.
expect 2 '^vfioexplain: --format: needs a value; see --help$' -- "$bin" --format
expect 2 '^vfioexplain: --form: needs a value; see --help$' -- "$bin" check --form
expect 2 '^vfioexplain: -o: needs a value; see --help$' -- "$bin" snapshot -o
expect 2 '^vfioexplain: --no-probe: takes no value; see --help$' -- "$bin" --no-probe=yes
expect 2 '^vfioexplain: --s: ambiguous, could be --sysroot, --snapshot, --since; see --help$' -- "$bin" --s x
expect 2 '^vfioexplain: -x: unknown option; see --help$' -- "$bin" -x
# --since and --until take what journalctl takes (the grammar itself: unit/timestamp).
mkdir -p "$tmp/emptyroot"
for t in yesterday today now tomorrow -2h +5min '2 hours ago' '1h 30min left' '2026-11-23 10:00' '10:00' \
        '2026-11-23T10:00:00Z' '2026-11-23 10:00 UTC' @1732089488.5; do
        # Taken: the tree's journal is what is looked for next (and it has none).
        expect 2 '/emptyroot: no journal files in var/log/journal or run/log/journal$' -- \
                "$bin" --no-probe --rules "$rules" --sysroot "$tmp/emptyroot" --since "$t" --until tomorrow
done
expect 2 "^vfioexplain: --until: expected a time as journalctl takes it .*, not 'soon'$" -- "$bin" --until soon
expect 2 'no command .frobnicate.' -- "$bin" help frobnicate
expect 2 'usage: vfioexplain help' -- "$bin" help check groups
# A word that names no file is taken for a mistyped command, and said to be one with the commands there
# are; a word that names a file is read, and a name with a dot or a slash is a file, there or not.
expect 2 "^vfioexplain: unknown command 'frobnicate' \(commands: explain, check, .*, rules\); to read a file of that name use \./frobnicate$" -- "$bin" --no-probe --rules "$rules" frobnicate
expect 2 'frobnicate\.log: No such file or directory' -- "$bin" --no-probe --rules "$rules" frobnicate.log
expect 2 'no/frobnicate: No such file or directory' -- "$bin" --no-probe --rules "$rules" no/frobnicate
expect 2 'Frobnicate: No such file or directory' -- "$bin" --no-probe --rules "$rules" Frobnicate
mkdir "$tmp/words"
cp "$tmp/off.log" "$tmp/words/frobnicate"
cd "$tmp/words"
expect 1 '' -- "$bin" --no-probe --rules "$rules" frobnicate
grep -q '^1\. iommu-off-kernel' "$tmp/out" || { echo "FAIL: a file named like a word is not read"; fails=$((fails + 1)); }
expect 1 '' -- "$bin" --no-probe --rules "$rules" ./frobnicate
cd - >/dev/null

expect 2 "usage: vfioexplain plan" -- "$bin" plan

# Progress on stderr for a long read, only on a terminal (script(1) gives it one), erased when done: a
# QEMU log that takes over a second to arrive through a FIFO.
mkfifo "$tmp/slow"
slow() { { printf '%s\n' 'qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: failed to open /dev/vfio/12: Permission denied'; sleep 1.6; echo 'more'; } >"$tmp/slow" & }
slow
script -qec "$bin --no-probe --rules $rules $tmp/slow" /dev/null >"$tmp/pty" 2>&1
grep -q "reading $tmp/slow: 0.0 MB, [12] s" "$tmp/pty" && grep -q "$(printf '\r *\r')vfioexplain: 1 root cause" "$tmp/pty" ||
        { echo "FAIL: no progress on a terminal, or not erased"; cat -A "$tmp/pty" | head -3; fails=$((fails + 1)); }
slow
"$bin" --no-probe --rules "$rules" "$tmp/slow" >/dev/null 2>"$tmp/nopty"
if grep -q reading "$tmp/nopty"; then echo "FAIL: progress without a terminal"; cat "$tmp/nopty"; fails=$((fails + 1)); fi
echo "ok: progress on a terminal only"
finish
