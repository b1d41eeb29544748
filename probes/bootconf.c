/* SPDX-License-Identifier: MIT */
/* Boot configuration that did not take effect: kernel parameters written to /etc/default/grub but
 * not on the running kernel's command line (update-grub not run, or no reboot), and the running
 * kernel's initramfs, whose age lines.c compares with the modprobe.d file vfio.c found. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* Appends the quoted value of KEY="..." lines (uncommented) to out. */
static void grub_value(const char *text, size_t len, const char *key, char *out, size_t size) {
        Span s = span_make(text, len), line;
        while (span_next_line(&s, &line)) {
                span_eat_blanks(&line);
                if (!span_eat_literal(&line, key) || !span_eat_literal(&line, "=\""))
                        continue;
                const char *q = memchr(line.p, '"', line.len);
                if (!q)
                        continue;
                size_t n = strlen(out);
                snprintf(out + n, size - n, "%s%.*s", n ? " " : "", (int) (q - line.p), line.p);
        }
}

/* The running kernel's release from BOOT_IMAGE=/boot/vmlinuz-RELEASE. */
static bool kernel_release(const HostFacts *f, char *out, size_t size) {
        const char *p = strstr(f->cmdline_text, "vmlinuz-");
        if (f->cmdline != KNOWN_PRESENT || !p)
                return false;
        p += strlen("vmlinuz-");
        size_t n = strcspn(p, " ");
        for (size_t i = 0; i < n; i++)
                if (!(span_is_digit(p[i]) || (p[i] >= 'a' && p[i] <= 'z') || p[i] == '.' || p[i] == '-' ||
                      p[i] == '_' || p[i] == '+'))
                        return false;
        if (n == 0 || n >= size)
                return false;
        snprintf(out, size, "%.*s", (int) n, p);
        return true;
}

static void probe_initramfs(int rootfd, HostFacts *f) {
        char release[96];
        if (!kernel_release(f, release, sizeof(release)))
                return;
        /* Debian/Ubuntu name it initrd.img-R; Fedora, openSUSE and dracut initramfs-R.img. */
        static const char *const names[][2] = {
                {"boot/initrd.img-", ""},
                {"boot/initramfs-", ".img"},
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char path[128];
                snprintf(path, sizeof(path), "%s%s%s", names[i][0], release, names[i][1]);
                long long m = rootfs_mtime(rootfd, path);
                if (m >= 0) {
                        f->initramfs = KNOWN_PRESENT;
                        snprintf(f->initramfs_path, sizeof(f->initramfs_path), "/%s", path);
                        f->initramfs_mtime = m;
                        return;
                }
        }
        f->initramfs = KNOWN_ABSENT;
}

/* Whether a Proxmox VE host boots systemd-boot: proxmox-boot-tool keeps its ESPs
 * (/etc/kernel/proxmox-boot-uuids) and, booted by EFI without Secure Boot, installs systemd-boot on them and
 * writes /etc/kernel/cmdline (zz-proxmox-boot update_esp_func(): GRUB only where the ESP holds
 * EFI/proxmox/grubx64.efi, which the installer puts there for Secure Boot; the ESP itself is not mounted to
 * look). */
static void probe_proxmox_systemd_boot(int rootfd, HostFacts *f) {
        _cleanup_free_ char *sb = NULL, *cmdline = NULL;
        size_t len, n = 0;
        int fd;

        f->proxmox_systemd_boot = KNOWN_ABSENT;
        if (rootfs_mtime(rootfd, "etc/kernel/proxmox-boot-uuids") < 0 ||
            rootfs_read_file(rootfd, "etc/kernel/cmdline", VX_PROBE_FILE_MAX, &cmdline, &len) < 0)
                return;
        fd = rootfs_open_dir(rootfd, "sys/firmware/efi");
        if (fd < 0)
                return;
        close(fd);
        /* efivarfs: 4 bytes of attributes, then the variable; SecureBoot is one byte, 1 when enforced. */
        if (rootfs_read_file(rootfd,
                             "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", 64,
                             &sb, &len) >= 0 &&
            len >= 5 && sb[4] == 1)
                return;
        f->proxmox_systemd_boot = KNOWN_PRESENT;
        /* zz-proxmox-boot get_first_line(): the first line is the command line. */
        for (size_t i = 0; i < len && cmdline[i] != '\n' && n + 1 < sizeof(f->kernel_cmdline_file); i++)
                f->kernel_cmdline_file[n++] = (unsigned char) cmdline[i] < 0x20 ? ' ' : cmdline[i];
        f->kernel_cmdline_file[n] = 0;
}

void probe_boot_config(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (rootfs_read_file(rootfd, "etc/default/grub", VX_PROBE_FILE_MAX, &text, &len) >= 0) {
                f->grub_default = KNOWN_PRESENT;
                grub_value(text, len, "GRUB_CMDLINE_LINUX", f->grub_cmdline, sizeof(f->grub_cmdline));
                grub_value(text, len, "GRUB_CMDLINE_LINUX_DEFAULT", f->grub_cmdline,
                           sizeof(f->grub_cmdline));
        } else
                f->grub_default = KNOWN_ABSENT;
        if (f->distro == DISTRO_PROXMOX)
                probe_proxmox_systemd_boot(rootfd, f);
        probe_initramfs(rootfd, f);
}
