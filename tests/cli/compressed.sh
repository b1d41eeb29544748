#!/usr/bin/env bash
# Compressed logs (issue 22): a rotated libvirt log (NAME.log.1.gz), a journal export someone xz'ed or
# zstd'ed, read as the text they hold, named or piped; corrupt, cut short, a bomb, or a decoder too large:
# one line on stderr, exit 2, nothing on stdout. Every file is made here with the real gzip, xz and zstd.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
for t in gzip xz zstd; do
        command -v $t >/dev/null || { echo "FAIL: $t is not installed (tests/deps.sh installs it)"; exit 1; }
done
run() { "$bin" --rules "$rules" --no-probe --format json "$@"; }

# A libvirt domain log as libvirtd writes it, and a kernel line that explains it.
log=$tmp/win11.log
cat >"$log" <<'EOF'
2024-10-01 09:12:01.936+0000: starting up libvirt version: 9.0.0, package: 9.0.0-4 (Debian), qemu version: 7.2.0Debian 1:7.2+dfsg-7, kernel: 6.1.0-26-amd64, hostname: pve
2024-10-01T09:12:02.101938Z qemu-system-x86_64: -device {"driver":"vfio-pci","host":"0000:01:00.0","id":"hostdev0","bus":"pci.5","addr":"0x0"}: vfio 0000:01:00.0: group 1 is not viable
2024-10-01T09:12:02.101962Z qemu-system-x86_64: -device {"driver":"vfio-pci","host":"0000:01:00.0","id":"hostdev0","bus":"pci.5","addr":"0x0"}: vfio 0000:01:00.0: Please ensure all devices within the iommu_group are bound to their vfio bus driver.
2024-10-01 09:12:02.178+0000: shutting down, reason=failed
EOF
run "$log" >"$tmp/plain.json" 2>"$tmp/plain.err"
[ $? -eq 1 ] && grep -q '"id": "group-' "$tmp/plain.json" || { echo "FAIL: the plain log gives no cause"; cat "$tmp/plain.err"; exit 1; }
# same_as_plain INPUT JSON: the plain log's report, but for the input's name.
same_as_plain() {
        sed "s|\"input\": \"$1\"|\"input\": \"$log\"|g" "$2" | diff -q - "$tmp/plain.json" >/dev/null
}

cp "$log" "$tmp/win11.log.1" && gzip -9 "$tmp/win11.log.1"
xz -k -c "$log" >"$tmp/export.xz"
zstd -q -19 -c "$log" >"$tmp/export.zst"
for f in "$tmp/win11.log.1.gz" "$tmp/export.xz" "$tmp/export.zst"; do
        run "$f" >"$tmp/out.json" 2>"$tmp/err"
        st=$?
        if [ $st -eq 1 ] && [ ! -s "$tmp/err" ] && same_as_plain "$f" "$tmp/out.json"; then
                echo "ok: $(basename "$f"): read as the text it holds, the same report"
        else
                echo "FAIL: $(basename "$f"): exit $st"; cat "$tmp/err"; diff "$tmp/out.json" "$tmp/plain.json" | head; fails=$((fails + 1))
        fi
done
# Piped, a few bytes at a time (the magic number split over reads), and gzip members one after another.
{ head -c 1 "$tmp/export.xz"; sleep 0.2; tail -c +2 "$tmp/export.xz"; } | run - >"$tmp/out.json" 2>"$tmp/err"
[ $? -eq 1 ] && same_as_plain "-" "$tmp/out.json" && echo "ok: xz piped, its magic number over two reads" ||
        { echo "FAIL: piped xz"; cat "$tmp/err"; fails=$((fails + 1)); }
head -n 2 "$log" | gzip >"$tmp/two.gz" && tail -n +3 "$log" | gzip >>"$tmp/two.gz"
run "$tmp/two.gz" >"$tmp/out.json" 2>"$tmp/err"
[ $? -eq 1 ] && same_as_plain "$tmp/two.gz" "$tmp/out.json" && echo "ok: two gzip members, read as one text" ||
        { echo "FAIL: two gzip members"; cat "$tmp/err"; fails=$((fails + 1)); }
# Text that merely starts like a magic number is text.
printf '\037 not gzip\n' >"$tmp/short"
expect 0 '' -- "$bin" --rules "$rules" --no-probe "$tmp/short"

# A large log compressed well (1000 times its lines) is read whole: the bomb bound is not a size bound.
yes "$(cat "$log")" | head -n 400000 | gzip -c >"$tmp/big.gz"
run "$tmp/big.gz" >"$tmp/out.json" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q '"lines": 400000,' "$tmp/out.json" && echo "ok: a large compressed log is read whole" ||
        { echo "FAIL: big.gz: $(grep -o '"lines": [0-9]*' "$tmp/out.json")"; cat "$tmp/err"; fails=$((fails + 1)); }

# What cannot be read: one line, exit 2, no report.
refused() {
        local name=$1 re=$2
        expect 2 "$re" -- "$bin" --rules "$rules" --no-probe "$tmp/$name"
        [ ! -s "$tmp/out" ] || { echo "FAIL: $name: a report was printed"; fails=$((fails + 1)); }
}
for f in win11.log.1.gz export.xz export.zst; do
        size=$(stat -c %s "$tmp/$f")
        head -c $((size / 2)) "$tmp/$f" >"$tmp/cut-$f"
        refused "cut-$f" "^vfioexplain: .*cut-$f: corrupt (gzip|xz|zstd) data: .*cut short"
done
cp "$tmp/win11.log.1.gz" "$tmp/flipped.gz"
printf '\377\377\377\377' | dd of="$tmp/flipped.gz" bs=1 seek=40 conv=notrunc 2>/dev/null
refused flipped.gz '^vfioexplain: .*flipped.gz: corrupt gzip data: '
# A bomb: 200 MB of newlines is 200 KB of gzip (deflate's 1030:1), 30 KB of xz and 7 KB of zstd; refused past
# 64 MiB, fast.
for t in gzip xz zstd; do head -c 200M /dev/zero | tr '\0' '\n' | $t -q -c >"$tmp/bomb.$t"; done
start=$(date +%s)
for t in gzip xz zstd; do
        refused bomb.$t "^vfioexplain: .*bomb.$t: $t data refused past 64 MiB of text: it expands more than 1024 times"
done
[ $(($(date +%s) - start)) -lt 60 ] || { echo "FAIL: refusing the bombs took $(($(date +%s) - start)) s"; fails=$((fails + 1)); }
# A decoder larger than the bound: refused before it is allocated, with what to do instead.
xz -9 -c "$log" >"$tmp/nine.xz"
refused nine.xz '^vfioexplain: .*nine.xz: xz data that needs more than 16 MiB of memory to decompress .*xz -dc$'
# Piped in, its size unknown, zstd --long writes a 128 MiB window into the frame whatever it holds.
zstd -q --long=27 -c <"$log" >"$tmp/long.zst"
refused long.zst '^vfioexplain: .*long.zst: zstd data that needs more than 16 MiB of memory to decompress .*zstd -dc$'
finish
