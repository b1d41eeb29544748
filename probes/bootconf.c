/* SPDX-License-Identifier: MIT */
/* Boot configuration that did not take effect: kernel parameters written to /etc/default/grub but
 * not on the running kernel's command line (update-grub not run, or no reboot), and an initramfs
 * older than the modprobe.d file that configures vfio-pci (update-initramfs not run). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"
#include "vfioexplain/rootfs.h"
#include "vfioexplain/strparse.h"

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

static long long mtime_of(int rootfd, const char *path) {
        struct stat st;
        int fd = rootfs_openat(rootfd, path, O_PATH);
        if (fd < 0)
                return -1;
        int r = fstat(fd, &st);
        close(fd);
        return r < 0 ? -1 : (long long) st.st_mtime;
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
                long long m = mtime_of(rootfd, path);
                if (m >= 0) {
                        f->initramfs = KNOWN_PRESENT;
                        snprintf(f->initramfs_path, sizeof(f->initramfs_path), "/%s", path);
                        f->initramfs_mtime = m;
                        return;
                }
        }
        f->initramfs = KNOWN_ABSENT;
}

static void probe_vfio_conf(int rootfd, HostFacts *f) {
        int fd = rootfs_openat(rootfd, "etc/modprobe.d", O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return;
        DIR *dir = fdopendir(fd);
        struct dirent *de;
        while (dir && (de = readdir(dir))) {
                size_t n = strlen(de->d_name);
                if (n < 6 || n > 48 || strcmp(de->d_name + n - 5, ".conf") != 0)
                        continue;
                char path[80];
                snprintf(path, sizeof(path), "etc/modprobe.d/%.48s", de->d_name);
                _cleanup_free_ char *text = NULL;
                size_t len;
                if (rootfs_read_file(rootfd, path, VX_PROBE_FILE_MAX, &text, &len) < 0)
                        continue;
                if (!strstr(text, "vfio-pci") && !strstr(text, "vfio_pci"))
                        continue;
                long long m = mtime_of(rootfd, path);
                if (m > f->vfio_conf_mtime) {
                        f->vfio_conf_mtime = m;
                        snprintf(f->vfio_conf_path, sizeof(f->vfio_conf_path), "/%s", path);
                }
        }
        if (dir)
                closedir(dir);
        else
                close(fd);
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
        probe_initramfs(rootfd, f);
        probe_vfio_conf(rootfd, f);
}
