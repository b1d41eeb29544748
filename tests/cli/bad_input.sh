#!/usr/bin/env bash
# Bad input of every class gets one clear line on stderr and a nonzero exit, never a crash or a hang.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
v() { timeout 60 "$bin" --no-probe --rules "$rules" "$@"; }

# Unreadable, missing, a directory.
expect 2 'nonexistent.log: No such file or directory' -- v "$tmp/nonexistent.log"
expect 2 'is a directory' -- v "$tmp"
echo "[    1.000000] DMAR: IOMMU disabled" >"$tmp/noperm.log"
chmod 000 "$tmp/noperm.log"
if [ "$(id -u)" -eq 0 ]; then
        # root reads a mode-000 file: drop to nobody to prove the unreadable case for real.
        if command -v setpriv >/dev/null; then
                chmod 755 "$tmp"
                expect 2 'noperm.log: Permission denied' -- setpriv --reuid=65534 --regid=65534 --clear-groups \
                        "$bin" --no-probe --rules "$rules" "$tmp/noperm.log"
        else
                echo "FAIL: running as root without setpriv: cannot prove the unreadable-file case"; fails=$((fails + 1))
        fi
else
        expect 2 'noperm.log: Permission denied' -- v "$tmp/noperm.log"
fi

# Binary junk: NUL bytes at the start; a binary journal file.
head -c 65536 /dev/urandom >"$tmp/junk.bin"
printf '\0\0\0\0' >>"$tmp/junk.bin"
printf '\0ELF\0\0' | cat - "$tmp/junk.bin" >"$tmp/elf.bin"
expect 2 'elf.bin:1: binary data \(NUL bytes\), not a text log' -- v "$tmp/elf.bin"
printf 'LPKSHHRH\0\0\0\0' >"$tmp/system.journal"
expect 2 'system.journal: a binary systemd journal file' -- v "$tmp/system.journal"

# NUL bytes later in a text log (a syslog file cut short by a crash): skipped, and said.
{ for i in $(seq 1 200); do echo "[    1.000000] normal line $i"; done; printf '\0\0\0\0\0\0\n'; echo "[    2.0] after"; } >"$tmp/tail-nul.log"
expect 0 'warning: .*tail-nul.log: 1 line\(s\) with NUL bytes skipped' -- v "$tmp/tail-nul.log"

# A 10 MB line: cut at the limit, said, and the line after it still read.
{ head -c 10485760 /dev/zero | tr '\0' 'a'; echo; echo "[    0.000000] DMAR: IOMMU disabled"; } >"$tmp/long.log"
expect 1 'warning: .*long.log: 1 line\(s\) longer than 65536 bytes were cut there' -- v "$tmp/long.log"
grep -q 'iommu-off-kernel' "$tmp/out" || { echo "FAIL: the line after a 10 MB line was lost"; fails=$((fails + 1)); }

# Invalid UTF-8 and terminal escapes: said, and escaped in the output.
printf '[    0.000000] DMAR: IOMMU disabled\n[    1.0] caf\xff \x1b[2J\n' >"$tmp/utf8.log"
expect 1 'warning: .*utf8.log: 1 line\(s\) are not valid UTF-8' -- v "$tmp/utf8.log"
if grep -q $'\x1b' "$tmp/out"; then echo "FAIL: an escape byte reached the output"; fails=$((fails + 1)); fi

# Broken rule files: file:line:column and what is wrong.
mkdir -p "$tmp/badrules"
printf '[cause c1]\ntitle = T\nmeans = M\nscope = everywhere\n' >"$tmp/badrules/x.rules"
expect 2 'x.rules:4:9: scope is .host. or .device.' -- "$bin" --no-probe --rules "$tmp/badrules" "$tmp/utf8.log"
"$bin" rules check --rules "$tmp/badrules" >/dev/null 2>"$tmp/check"
[ $? -eq 1 ] && grep -q 'x.rules:4:9: scope' "$tmp/check" || { echo "FAIL: rules check on a broken file"; fails=$((fails + 1)); }
printf '[rule r1]\nsource = kernel\nfact = f\ncontent = abc\npattern = a(bc\norigin = x y\nexample = abc\ncounter = x\n' >"$tmp/badrules/x.rules"
expect 2 'x.rules:5:15: pattern: missing closing parenthesis' -- "$bin" --no-probe --rules "$tmp/badrules" "$tmp/utf8.log"
expect 2 'no \*.rules files' -- "$bin" --no-probe --rules "$tmp" "$tmp/utf8.log"

# A log whose lines end in a lone CR (classic Mac OS, some web pastes) is read line by line (issue 24, #13):
# the cause of its two QEMU lines, not "no cause found" of one long line. CRLF too.
cr_log="$src/corpus/bar-mmio-window-1-guest-dmesg/guest-dmesg.log"
tr '\n' '\r' <"$cr_log" >"$tmp/cr.log"
sed 's/$/\r/' "$cr_log" >"$tmp/crlf.log"
for f in cr crlf; do
        "$bin" --rules "$rules" --no-probe --format json "$tmp/$f.log" >"$tmp/$f.json" 2>/dev/null
        got=$?
        if [ "$got" -eq 1 ] && grep -q '"id": "bar-mmio-window"' "$tmp/$f.json" &&
                grep -q "\"lines\": $(wc -l <"$cr_log")," "$tmp/$f.json"; then
                echo "ok: $f line ends: bar-mmio-window, every line read"
        else
                echo "FAIL: $f line ends: exit $got"; head -c 600 "$tmp/$f.json"; fails=$((fails + 1))
        fi
done

# Usage errors.
expect 2 '--format: expected text, markdown or json' -- "$bin" --format yaml
expect 2 'unknown option' -- "$bin" --bogus
# stdin a terminal and no file: this boot's journal; where there is none, a usage error, not a wait for
# typing.
mkdir -p "$tmp/nojournal"
script -qec "$bin --no-probe --sysroot $tmp/nojournal --rules $rules; echo exit=\$?" /dev/null >"$tmp/tty" </dev/null
grep -q 'no input' "$tmp/tty" && grep -q 'exit=2' "$tmp/tty" || { echo "FAIL: no input on a terminal"; cat "$tmp/tty"; fails=$((fails + 1)); }
finish
