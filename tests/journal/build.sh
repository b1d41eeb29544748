#!/usr/bin/env bash
# Builds real systemd journal files from the journal export format sources next to this script,
# with systemd-journal-remote, and checks that they read back entry for entry.
#
#   tests/journal/build.sh OUTDIR
#
# writes (README.md says what each holds, expect what vfioexplain must find in it):
#   OUTDIR/single/system.journal                  one host (pve1), two boots
#   OUTDIR/remote/remote-host{A,B,C}.journal      three hosts, one file each, named the way
#                                                 journal-remote --split-mode=host names its files
#   OUTDIR/mixed/remote.journal                   the same three hosts in one file, interleaved
# Only those three directories of OUTDIR are replaced. No network, no root needed (CI runs it as
# root on Debian 12). The entries are deterministic; the files are not byte-identical from run to
# run (journal files carry a random file id and sequence number id, and the machine id of the
# host that writes them in their header).
set -euo pipefail

die() {
        echo "build.sh: $*" >&2
        exit 1
}

if [ $# -ne 1 ] || [ -z "$1" ]; then
        die "usage: build.sh OUTDIR"
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$1

jr=
for c in "${SYSTEMD_JOURNAL_REMOTE:-}" /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
        if [ -n "$c" ] && [ -x "$c" ]; then
                jr=$c
                break
        fi
done
[ -n "$jr" ] || die "systemd-journal-remote is not installed (Debian/Ubuntu: apt-get install systemd-journal-remote; Fedora: dnf install systemd-journal-remote)"
command -v journalctl >/dev/null || die "journalctl is not installed (package systemd)"
command -v perl >/dev/null || die "perl is not installed (package perl-base)"

export TZ=UTC LC_ALL=C SYSTEMD_PAGER=cat SYSTEMD_COLORS=0

# Reading and writing the export format (systemd docs/JOURNAL_EXPORT_FORMATS.md): "FIELD=value"
# lines, or for a value with a newline or other binary data "FIELD\n", its size as 64-bit
# little endian, the bytes and "\n"; a blank line ends an entry.
#   count FILE...      number of entries
#   merge FILE...      all entries, stably sorted by __REALTIME_TIMESTAMP (one stream, as one
#                      journal-remote receiving from several hosts writes them)
#   canon [DROP,...]   stdin to one entry a paragraph, its fields sorted and escaped, without the
#                      fields named in DROP (what journalctl adds on export: __CURSOR, __SEQNUM...)
# shellcheck disable=SC2016
export_pl='
use strict; use warnings;
binmode STDOUT;
sub entries {
        my ($fh) = @_; binmode $fh;
        my (@all, @f, $raw);
        $raw = "";
        while (defined(my $l = <$fh>)) {
                if ($l eq "\n") { push @all, [ $raw, [@f] ] if @f; @f = (); $raw = ""; next; }
                $raw .= $l; chomp $l;
                my ($k, $v);
                if ($l =~ /^([^=]*)=(.*)\z/s) { ($k, $v) = ($1, $2); }
                else {
                        $k = $l;
                        read($fh, my $n, 8) == 8 or die "$k: binary field without its size\n";
                        my $len = unpack("Q<", $n);
                        read($fh, $v, $len) == $len or die "$k: binary field shorter than its size\n";
                        my $nl = "";
                        read($fh, $nl, 1);
                        $nl eq "\n" or die "$k: binary field not ended by a newline\n";
                        $raw .= $n . $v . $nl;
                }
                push @f, [ $k, $v ];
        }
        push @all, [ $raw, [@f] ] if @f;
        return @all;
}
sub field { my ($e, $name) = @_; for (@{ $e->[1] }) { return $_->[1] if $_->[0] eq $name; } return undef; }
my $mode = shift @ARGV;
if ($mode eq "count") {
        my $n = 0;
        for (@ARGV) { open(my $fh, "<", $_) or die "$_: $!\n"; $n += scalar(entries($fh)); }
        print "$n\n";
} elsif ($mode eq "merge") {
        my @all;
        for (@ARGV) { open(my $fh, "<", $_) or die "$_: $!\n"; push @all, entries($fh); }
        my $i = 0;
        my @keyed = map { [ field($_, "__REALTIME_TIMESTAMP") // die("entry without __REALTIME_TIMESTAMP\n"), $i++, $_ ] } @all;
        print $_->[2][0], "\n" for sort { $a->[0] <=> $b->[0] || $a->[1] <=> $b->[1] } @keyed;
} elsif ($mode eq "canon") {
        my %drop = map { $_ => 1 } split /,/, (shift(@ARGV) // "");
        for my $e (entries(\*STDIN)) {
                my @f = map { my $v = $_->[1]; $v =~ s/([\\\x00-\x1f\x7f])/sprintf("\\x%02x", ord $1)/ge; "$_->[0]=$v" }
                        grep { !$drop{ $_->[0] } } @{ $e->[1] };
                print join("\n", sort @f), "\n\n";
        }
} else { die "unknown mode $mode\n"; }
'
pl() {
        perl -e "$export_pl" "$@"
}

DROP=__CURSOR,__SEQNUM,__SEQNUM_ID

# journal-remote FILE|- OUTPUT: one journal file from one export stream. --split-mode=none is the
# only mode journal-remote accepts for file or stdin input (it names --split-mode=host files after
# the network peer, never after _HOSTNAME); the explicit options keep a local
# journal-remote.conf (SplitMode=, Seal=) out of the result.
journal_remote() {
        local src=$1 dst=$2 log
        log=$(mktemp)
        if ! "$jr" --split-mode=none --seal=no --compress=yes --output="$dst" "$src" 2>"$log"; then
                cat "$log" >&2
                rm -f "$log"
                die "systemd-journal-remote failed to write $dst"
        fi
        grep -q '^Finishing after writing [0-9]* entries' "$log" || {
                cat "$log" >&2
                rm -f "$log"
                die "systemd-journal-remote did not report the entries it wrote to $dst"
        }
        sed -n 's/^Finishing after writing \([0-9]*\) entries.*/\1/p' "$log"
        rm -f "$log"
}

# expect_entries SOURCE... -- N WHAT: journal-remote wrote as many entries as the sources hold
expect_entries() {
        local srcs=() want
        while [ "$1" != -- ]; do
                srcs+=("$1")
                shift
        done
        want=$(pl count "${srcs[@]}")
        [ "$want" = "$2" ] || die "$3: systemd-journal-remote wrote $2 entries, the source has $want"
}

same() {
        local what=$1 a=$2 b=$3
        if ! cmp -s "$a" "$b"; then
                diff -u "$a" "$b" | head -40 >&2 || true
                die "$what: the journal does not read back as its source (diff above: source, journal)"
        fi
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/single" "$out/remote" "$out/mixed"
mkdir -p "$out/single" "$out/remote" "$out/mixed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- build ---------------------------------------------------------------------------------
n=$(journal_remote - "$out/single/system.journal" <"$here/single.export")
expect_entries "$here/single.export" -- "$n" single/system.journal

hosts="hostA hostB hostC"
remote_src=()
for h in $hosts; do
        remote_src+=("$here/remote-$h.export")
        n=$(journal_remote "$here/remote-$h.export" "$out/remote/remote-$h.journal")
        expect_entries "$here/remote-$h.export" -- "$n" "remote/remote-$h.journal"
done

pl merge "${remote_src[@]}" >"$tmp/mixed.export"
n=$(journal_remote - "$out/mixed/remote.journal" <"$tmp/mixed.export")
expect_entries "$tmp/mixed.export" -- "$n" mixed/remote.journal

# --- round trip: every entry comes back with exactly its fields ------------------------------
pl canon <"$here/single.export" >"$tmp/a"
journalctl --file "$out/single/system.journal" -o export | pl canon "$DROP" >"$tmp/b"
same single/system.journal "$tmp/a" "$tmp/b"

for h in $hosts; do
        pl canon <"$here/remote-$h.export" >"$tmp/a"
        journalctl --file "$out/remote/remote-$h.journal" -o export | pl canon "$DROP" >"$tmp/b"
        same "remote/remote-$h.journal" "$tmp/a" "$tmp/b"
done

# the directory reads as one journal, its three files interleaved by time; so does the mixed file
pl canon <"$tmp/mixed.export" >"$tmp/a"
journalctl --directory "$out/remote" -o export | pl canon "$DROP" >"$tmp/b"
same "remote/ (journalctl --directory)" "$tmp/a" "$tmp/b"
journalctl --file "$out/mixed/remote.journal" -o export | pl canon "$DROP" >"$tmp/b"
same mixed/remote.journal "$tmp/a" "$tmp/b"

# the text views a user pastes carry the failures
journalctl --directory "$out/remote" --no-pager -o short-precise >"$tmp/short"
for line in \
        'hostA kernel: vfio_pin_pages_remote: RLIMIT_MEMLOCK (65536) exceeded' \
        'hostA qemu-system-x86_64[1702]: qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: VFIO_MAP_DMA failed: Cannot allocate memory' \
        "hostB virtqemud[2611]: internal error: QEMU unexpectedly closed the monitor (vm='win10'): " \
        'hostC kernel: vfio-pci 0000:01:00.0: enabling device (0000 -> 0003)'; do
        grep -qF "$line" "$tmp/short" || die "journalctl --directory $out/remote -o short-precise lacks: $line"
done
# one line per entry, plus a "-- Boot ID --" line each time the interleaved hosts change boot
n=$(pl count "${remote_src[@]}")
[ "$(grep -vc '^-- Boot [0-9a-f]\{32\} --$' "$tmp/short")" -eq "$n" ] ||
        die "journalctl --directory $out/remote -o short-precise: not one line per entry"
journalctl --file "$out/single/system.journal" --no-pager -o short-precise >"$tmp/short"
grep -q '^Nov 20 08:02:10\.891552 pve1 qemu-system-x86_64\[1533\]: .*no iommu_group found' "$tmp/short" ||
        die "single: the QEMU line of boot -1 is missing from the short output"
grep -q '^ *Please ensure all devices within the iommu_group are bound to their vfio bus driver\.$' "$tmp/short" ||
        die "single: the second line of libvirtd's two-line message is missing from the short output"

# --- expect: its sets, hosts and boots are what the journals hold ---------------------------
set_args() {
        local s
        s=$(awk -v set="$1" '$1 == "set" && $2 == set { print $4 }' "$here/expect")
        case $s in
        file=*) echo "--file=$out/${s#file=}" ;;
        directory=*) echo "--directory=$out/${s#directory=}" ;;
        *) die "expect: no set record for $1" ;;
        esac
}

while read -r kind set host rest; do
        args=$(set_args "$set")
        case $kind in
        host)
                machine=${rest#machine=}
                got=$(journalctl "$args" -o export "_HOSTNAME=$host" | sed -n 's/^_MACHINE_ID=//p' | sort -u)
                [ "$got" = "$machine" ] || die "expect: $set $host: _MACHINE_ID is '$got', expect says $machine"
                ;;
        boot)
                read -r b id first last _ <<<"$rest"
                b=${b#boot=} id=${id#id=} first=${first#first=} last=${last#last=}
                journalctl "$args" -o export "_BOOT_ID=$id" >"$tmp/boot"
                [ "$(sed -n 's/^_HOSTNAME=//p' "$tmp/boot" | sort -u)" = "$host" ] ||
                        die "expect: $set $host boot $id: not (only) that host's entries"
                got=$(sed -n 's/^__REALTIME_TIMESTAMP=//p' "$tmp/boot" | sed -n '1p;$p' | tr '\n' ' ')
                [ "$got" = "$first $last " ] || die "expect: $set $host boot $id: first/last are $got, expect says $first $last"
                # journalctl -b N counts the boots of the whole journal: meaningful on one host only
                if [ "$set" = single ]; then
                        got=$(journalctl "$args" -b "$b" -o export | sed -n 's/^_BOOT_ID=//p' | sort -u)
                        [ "$got" = "$id" ] || die "expect: $set $host: journalctl -b $b is boot '$got', expect says $id"
                fi
                ;;
        esac
done < <(grep -E '^(host|boot) ' "$here/expect")

echo "build.sh: wrote and verified $out/single, $out/remote and $out/mixed"
