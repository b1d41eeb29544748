#!/usr/bin/env bash
# completions/vfioexplain: sourced into bash and called as bash calls it (COMP_WORDS, COMP_CWORD), on a
# fixture root for PCI addresses and libvirt domains. No bash-completion package needed.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
. "$src/completions/vfioexplain"

complete -p vfioexplain | grep -q -- '-F _vfioexplain vfioexplain' || { echo "FAIL: not registered"; exit 1; }

root="$tmp/root"
mkdir -p "$root/sys/bus/pci/devices" "$root/etc/libvirt/qemu" "$root/run/libvirt/qemu" "$tmp/files"
for a in 0000:00:02.0 0000:01:00.0 0000:01:00.1 0001:00:00.0; do mkdir "$root/sys/bus/pci/devices/$a"; done
touch "$root/etc/libvirt/qemu/win11.xml" "$root/etc/libvirt/qemu/work vm.xml" "$root/run/libvirt/qemu/win11.xml" \
        "$root/run/libvirt/qemu/transient.xml" "$tmp/files/dmesg.log" "$tmp/files/qemu.log"
# pmxcfs's /etc/pve/qemu-server is a link to this node's directory.
mkdir -p "$root/etc/pve/nodes/pve/qemu-server" && ln -s nodes/pve/qemu-server "$root/etc/pve/qemu-server"
touch "$root/etc/pve/nodes/pve/qemu-server/100.conf" "$root/etc/pve/nodes/pve/qemu-server/101.conf" \
        "$root/etc/pve/nodes/pve/qemu-server/200.conf"

# complete WANT WORD...: the line is the words, the cursor on the last; WANT the sorted candidates, one per
# line joined by '|'.
complete_is() {
        local want=$1
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _vfioexplain vfioexplain "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        local got
        got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd'|')
        if [ "$got" != "$want" ]; then
                echo "FAIL: [$*]: got '$got', want '$want'"
                fails=$((fails + 1))
        else
                echo "ok: [$*] -> $got"
        fi
}

cd "$tmp/files" || exit 1
# Commands, then files (the default command reads them).
complete_is 'check' vfioexplain ch
complete_is 'report|rom|rules|run' vfioexplain r
complete_is 'dmesg.log' vfioexplain dm
complete_is 'check|explain|groups|help|plan|report|rom|rules|run|snapshot|watch' vfioexplain help ''
complete_is 'check|list|test' vfioexplain rules ''
complete_is '' vfioexplain rules list ''
complete_is '--inventory' vfioexplain rules test --inv
# Options: the common ones and the command's own.
complete_is '--rules' vfioexplain --rul
complete_is '--redact|--rules' vfioexplain report --r
complete_is '--trace' vfioexplain watch --tr
complete_is '--full' vfioexplain --fu
complete_is '--full' vfioexplain check --fu
complete_is '--no-pager|--no-probe' vfioexplain groups --no-p
complete_is '--domain' vfioexplain plan --dom
complete_is '--redact|--rules' vfioexplain snapshot --r
complete_is '--address' vfioexplain rom --ad
complete_is '--directory|--domain' vfioexplain --d
complete_is '--domain' vfioexplain check --dom
complete_is '--pve-vm' vfioexplain plan --pv
# Values.
complete_is 'json|markdown|text' vfioexplain --format ''
complete_is 'json' vfioexplain --format j
complete_is 'json' vfioexplain --format = j
complete_is 'json|text' vfioexplain groups --format ''
complete_is 'json|markdown' vfioexplain report --format ''
complete_is 'always|auto|never' vfioexplain --color ''
# PCI addresses from sysfs under --sysroot, in both spellings.
complete_is '0000:00:02.0|0000:01:00.0|0000:01:00.1|0001:00:00.0' vfioexplain --sysroot "$root" check ''
complete_is '0000:01:00.0|0000:01:00.1' vfioexplain --sysroot "$root" check 0000:01
complete_is '01:00.0|01:00.1' vfioexplain --sysroot "$root" plan 01:
complete_is '0000:01:00.0|0000:01:00.1' vfioexplain --sysroot "$root" rom --address 0000:01
complete_is '' vfioexplain --sysroot "$root" check 05
# Domain names from the XML files' names, persistent and running, once each.
complete_is 'transient|win11|work vm' vfioexplain --sysroot "$root" --domain ''
complete_is 'win11|work vm' vfioexplain --sysroot="$root" --domain w
complete_is 'win11|work vm' vfioexplain --sysroot = "$root" --domain w
# VMIDs from the names of qemu-server's config files.
complete_is '100|101|200' vfioexplain --sysroot "$root" --pve-vm ''
complete_is '100|101' vfioexplain --sysroot "$root" check --pve-vm 10
# incus VMs from the directories that hold a backup.yaml (a project's with its prefix).
mkdir -p "$root/var/lib/incus/virtual-machines/win11" "$root/var/lib/incus/virtual-machines/lab_gpu" \
        "$root/var/lib/incus/virtual-machines/empty"
touch "$root/var/lib/incus/virtual-machines/win11/backup.yaml" "$root/var/lib/incus/virtual-machines/lab_gpu/backup.yaml"
complete_is 'lab_gpu|win11' vfioexplain --sysroot "$root" --incus ''
complete_is 'win11' vfioexplain --sysroot "$root" check --incus w
complete_is '--incus|--incus-config' vfioexplain check --inc
complete_is 'dmesg.log' vfioexplain --incus win11 --incus-config dm
# Files where files are read.
complete_is 'dmesg.log' vfioexplain --no-probe dm
complete_is 'qemu.log' vfioexplain report q
complete_is 'qemu.log' vfioexplain --snapshot q
# run: '--', then a command, then its arguments.
complete_is '--' vfioexplain run ''
# (compgen -c names a command once per PATH directory that has it.)
COMP_WORDS=(vfioexplain run -- bashb) COMP_CWORD=3 COMPREPLY=()
_vfioexplain vfioexplain bashb --
[ "$(printf '%s\n' "${COMPREPLY[@]}" | sort -u)" = bashbug ] || { echo "FAIL: run -- bashb: ${COMPREPLY[*]}"; fails=$((fails + 1)); }
complete_is 'qemu.log' vfioexplain run -- virsh q
finish
