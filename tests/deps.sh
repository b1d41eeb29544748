#!/usr/bin/env bash
# Installs what vfioexplain needs to build and test on Debian 12 (as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Hyperscan (x86-64 only in Debian 12) speeds up the literal prefilter on large inputs; without it the build
# uses the portable automaton, and the tests run both.
hyperscan=
[ "$(dpkg --print-architecture)" = amd64 ] && hyperscan=libhyperscan-dev
apt-get install -y -qq --no-install-recommends build-essential cmake ninja-build pkg-config \
        libpcre2-dev libpci-dev pci.ids libsystemd-dev libtraceevent-dev libtracefs-dev libtracecmd-dev trace-cmd libxml2-dev libxml2-utils zlib1g-dev liblzma-dev libzstd-dev gzip xz-utils zstd systemd-journal-remote libjson-c-dev libcmocka-dev libvirt-clients util-linux clang-format python3 \
        groff-base man-db bash-completion $hyperscan >/dev/null
# The fuzz harnesses (tests/fuzz-run.sh): clang with its libFuzzer and sanitizer runtimes, llvm's symbolizer.
apt-get install -y -qq --no-install-recommends clang libclang-rt-dev llvm >/dev/null
# tests/cli/hostile_output.py renders the Markdown documents as GitHub does (cmark-gfm).
apt-get install -y -qq --no-install-recommends cmark-gfm >/dev/null
# The read-only proof (tests/cli/readonly.sh) watches every command's system calls; the privileges test
# (tests/cli/privileges.sh) tries calls from inside the reduced process with gdb; tests/cli/memory.py reads
# peak RSS through GNU time.
apt-get install -y -qq --no-install-recommends strace gdb time >/dev/null
# The real-kernel lab (tests/lab/run.sh): QEMU, a static busybox for its initramfs, kmod for depmod.
apt-get install -y -qq --no-install-recommends qemu-system-x86 busybox-static cpio kmod >/dev/null
