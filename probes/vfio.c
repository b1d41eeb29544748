/* SPDX-License-Identifier: MIT */
/* The VFIO side of the host: modules and their parameters, /dev/vfio nodes and who may open them,
 * the user libvirt runs QEMU as, /dev/kvm. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

static void probe_modules(int rootfd, HostFacts *f) {
        int sys = rootfs_open_dir(rootfd, "sys/module");
        if (sys < 0)
                return;
        for (ModuleId m = 0; m < _MODULE_MAX; m++) {
                int mfd = file_open_path(sys, module_id_to_string(m), FILE_NOFOLLOW | FILE_DIRECTORY, NULL);
                if (mfd < 0) {
                        f->modules[m].state = KNOWN_ABSENT;
                        continue;
                }
                char buf[16];
                f->modules[m].state = KNOWN_PRESENT;
                /* A loadable module has an initstate; a built-in one does not. */
                f->modules[m].builtin = rootfs_read_attr(mfd, "initstate", buf, sizeof(buf)) < 0;
                if (m == MODULE_VFIO_IOMMU_TYPE1 || m == MODULE_VFIO) {
                        int pfd = file_open_path(mfd, "parameters", FILE_NOFOLLOW | FILE_DIRECTORY, NULL);
                        if (pfd >= 0) {
                                if (m == MODULE_VFIO_IOMMU_TYPE1)
                                        (void) rootfs_read_attr(pfd, "allow_unsafe_interrupts",
                                                                f->allow_unsafe_interrupts,
                                                                sizeof(f->allow_unsafe_interrupts));
                                else
                                        (void) rootfs_read_attr(pfd, "enable_unsafe_noiommu_mode",
                                                                f->noiommu_mode, sizeof(f->noiommu_mode));
                                close(pfd);
                        }
                }
                close(mfd);
        }
        close(sys);
}

/* The name of id in an etc/passwd or etc/group text ("name:x:id:..."). */
static bool name_of_id(const char *text, unsigned id, char *out, size_t size) {
        for (const char *line = text; line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                const char *c1 = strchr(line, ':'), *nl = strchr(line, '\n');
                if (!c1 || (nl && c1 > nl))
                        continue;
                const char *c2 = strchr(c1 + 1, ':');
                if (!c2 || (nl && c2 > nl))
                        continue;
                const char *end = c2 + 1;
                uint64_t v;
                if (!decimal_eat(&end, &v) || *end != ':' || v != id)
                        continue;
                snprintf(out, size, "%.*s", (int) MIN((size_t) (c1 - line), size - 1), line);
                return true;
        }
        return false;
}

/* The id of name, and for etc/group whether user is a member. */
static bool id_of_name(const char *text, const char *name, unsigned *ret) {
        size_t n = strlen(name);
        for (const char *line = text; line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (strncmp(line, name, n) != 0 || line[n] != ':')
                        continue;
                const char *c2 = strchr(line + n + 1, ':');
                if (!c2)
                        return false;
                const char *end = c2 + 1;
                uint64_t v;
                if (!decimal_eat(&end, &v) || *end != ':')
                        return false;
                *ret = (unsigned) v;
                return true;
        }
        return false;
}

static void stat_node(int rootfd, const char *path, const char *passwd, const char *group, FileNode *n) {
        struct stat st;
        snprintf(n->path, sizeof(n->path), "%s", path);
        int fd = rootfs_open_path(rootfd, path + 1, &st);
        if (fd < 0) {
                n->state = fd == -ENOENT ? KNOWN_ABSENT : KNOWN_NOT_PROBED;
                return;
        }
        close(fd);
        /* Fixture trees hold regular files where a host has character devices. */
        n->state = S_ISCHR(st.st_mode) || S_ISREG(st.st_mode) ? KNOWN_PRESENT : KNOWN_ABSENT;
        n->uid = st.st_uid;
        n->gid = st.st_gid;
        n->mode = st.st_mode & 07777;
        if (passwd)
                (void) name_of_id(passwd, n->uid, n->owner, sizeof(n->owner));
        if (group)
                (void) name_of_id(group, n->gid, n->group_name, sizeof(n->group_name));
}

/* qemu.conf: 'user = "libvirt-qemu"' and 'group = "kvm"', uncommented. */
static void conf_value(const char *text, const char *key, char *out, size_t size) {
        size_t n = strlen(key);
        for (const char *line = text; line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                const char *p = line;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (strncmp(p, key, n) != 0)
                        continue;
                p += n;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p++ != '=')
                        continue;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p++ != '"')
                        continue;
                const char *q = strchr(p, '"');
                const char *nl = strchr(p, '\n');
                if (!q || (nl && q > nl))
                        continue;
                snprintf(out, size, "%.*s", (int) MIN((size_t) (q - p), size - 1), p);
        }
}

static int cmp_node(const void *a, const void *b) {
        const FileNode *x = a, *y = b;
        size_t lx = strlen(x->path), ly = strlen(y->path);
        return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->path, y->path);
}

/* "10de:2206,10de:1aef" (ids= of vfio-pci) into f->vfio_ids. */
static void add_ids(HostFacts *f, const char *list, size_t len, const char *source) {
        Span s = span_make(list, len);
        while (s.len > 0 && f->n_vfio_ids < ELEMENTSOF(f->vfio_ids)) {
                uint64_t v, d;
                if (!span_eat_xdigits(&s, 4, &v) || !span_eat_char(&s, ':') || !span_eat_xdigits(&s, 4, &d))
                        return;
                f->vfio_ids[f->n_vfio_ids].vendor = (unsigned) v;
                f->vfio_ids[f->n_vfio_ids].device = (unsigned) d;
                snprintf(f->vfio_ids[f->n_vfio_ids].source, sizeof(f->vfio_ids[0].source), "%s", source);
                f->n_vfio_ids++;
                /* ids may carry subsystem ids and class (":ffffffff:ffffffff"): skip to the next comma. */
                const char *comma = memchr(s.p, ',', s.len);
                if (!comma)
                        return;
                span_advance(&s, (size_t) (comma - s.p) + 1);
        }
}

/* "softdep nvidia pre: vfio-pci" (after "softdep "): nvidia waits for vfio-pci. */
static void add_softdep(HostFacts *f, const char *rest) {
        size_t n = strcspn(rest, " \t\n");
        const char *eol = strchr(rest, '\n');
        size_t len = eol ? (size_t) (eol - rest) : strlen(rest);
        const char *pre = memmem(rest, len, "pre:", 4);
        if (n == 0 || n >= sizeof(f->softdep_drivers[0]) || !pre ||
            f->n_softdep_drivers >= ELEMENTSOF(f->softdep_drivers))
                return;
        const char *post = memmem(rest, len, "post:", 5);
        size_t pre_len = post && post > pre ? (size_t) (post - pre) : len - (size_t) (pre - rest);
        if (!memmem(pre, pre_len, "vfio-pci", 8) && !memmem(pre, pre_len, "vfio_pci", 8))
                return;
        snprintf(f->softdep_drivers[f->n_softdep_drivers++], sizeof(f->softdep_drivers[0]), "%.*s", (int) n,
                 rest);
}

/* "options vfio-pci ids=..." in the .conf files of etc/modprobe.d, and vfio-pci.ids= on the command line. */
static void probe_vfio_ids(int rootfd, HostFacts *f) {
        static const char *const keys[] = {"vfio-pci.ids=", "vfio_pci.ids="};
        for (size_t k = 0; k < ELEMENTSOF(keys) && f->cmdline == KNOWN_PRESENT; k++) {
                const char *p = strstr(f->cmdline_text, keys[k]);
                if (p)
                        add_ids(f, p + strlen(keys[k]), strcspn(p + strlen(keys[k]), " "),
                                "kernel command line");
        }
        DIR *dir = rootfs_opendir(rootfd, "etc/modprobe.d");
        if (!dir)
                return;
        struct dirent *de;
        while ((de = readdir(dir))) {
                size_t n = strlen(de->d_name);
                if (n < 6 || strcmp(de->d_name + n - 5, ".conf") != 0 || n > 48)
                        continue;
                char path[80], source[96];
                snprintf(path, sizeof(path), "etc/modprobe.d/%.48s", de->d_name);
                snprintf(source, sizeof(source), "/%s", path);
                _cleanup_free_ char *text = NULL;
                size_t len;
                if (rootfs_read_file(rootfd, path, VX_PROBE_FILE_MAX, &text, &len) < 0)
                        continue;
                /* The newest file that configures vfio-pci: an initramfs older than it is stale. */
                long long mtime = rootfs_mtime(rootfd, path);
                if ((strstr(text, "vfio-pci") || strstr(text, "vfio_pci")) && mtime > f->vfio_conf_mtime) {
                        f->vfio_conf_mtime = mtime;
                        snprintf(f->vfio_conf_path, sizeof(f->vfio_conf_path), "/%s", path);
                }
                for (char *line = text; line && *line;
                     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                        char *p = line;
                        while (*p == ' ' || *p == '\t')
                                p++;
                        if (strncmp(p, "softdep ", 8) == 0) {
                                add_softdep(f, p + 8);
                                continue;
                        }
                        if (strncmp(p, "options vfio-pci ", 17) != 0 &&
                            strncmp(p, "options vfio_pci ", 17) != 0)
                                continue;
                        char *eol = strchr(p, '\n');
                        size_t l = eol ? (size_t) (eol - p) : strlen(p);
                        char *ids = memmem(p, l, "ids=", 4);
                        if (ids)
                                add_ids(f, ids + 4, strcspn(ids + 4, " \t\n"), source);
                }
        }
        closedir(dir);
}

/* udev rules that name vfio (the usual way /dev/vfio/N gets its owner and mode). */
static void probe_udev(int rootfd, HostFacts *f) {
        static const char *const dirs[] = {"etc/udev/rules.d", "usr/lib/udev/rules.d", "lib/udev/rules.d"};
        for (size_t k = 0; k < ELEMENTSOF(dirs); k++) {
                DIR *dir = rootfs_opendir(rootfd, dirs[k]);
                if (!dir)
                        continue;
                struct dirent *de;
                while ((de = readdir(dir)) && f->n_udev_vfio_rules < ELEMENTSOF(f->udev_vfio_rules)) {
                        size_t n = strlen(de->d_name);
                        if (n < 7 || n > 64 || strcmp(de->d_name + n - 6, ".rules") != 0)
                                continue;
                        char path[96];
                        snprintf(path, sizeof(path), "%s/%.64s", dirs[k], de->d_name);
                        _cleanup_free_ char *text = NULL;
                        size_t len;
                        if (rootfs_read_file(rootfd, path, VX_PROBE_FILE_MAX, &text, &len) < 0)
                                continue;
                        Span s = span_make(text, len), line;
                        while (span_next_line(&s, &line) &&
                               f->n_udev_vfio_rules < ELEMENTSOF(f->udev_vfio_rules)) {
                                span_trim(&line);
                                if (line.len == 0 || line.p[0] == '#' || !span_find(line, "vfio"))
                                        continue;
                                char *out = f->udev_vfio_rules[f->n_udev_vfio_rules++];
                                int m = snprintf(out, sizeof(f->udev_vfio_rules[0]), "/%s: %.*s", path,
                                                 (int) line.len, line.p);
                                /* A rule file is the host's text: no control byte goes further. */
                                for (int i = 0; i < m && out[i]; i++)
                                        if ((unsigned char) out[i] < 0x20 || out[i] == 0x7f)
                                                out[i] = '?';
                        }
                }
                closedir(dir);
        }
}

void probe_vfio(int rootfd, HostFacts *f) {
        _cleanup_free_ char *passwd = NULL, *group = NULL, *conf = NULL;
        size_t len;

        probe_modules(rootfd, f);
        probe_vfio_ids(rootfd, f);
        probe_udev(rootfd, f);
        (void) rootfs_read_file(rootfd, "etc/passwd", VX_PROBE_FILE_MAX * 16, &passwd, &len);
        (void) rootfs_read_file(rootfd, "etc/group", VX_PROBE_FILE_MAX * 16, &group, &len);

        stat_node(rootfd, "/dev/vfio/vfio", passwd, group, &f->vfio_container);
        stat_node(rootfd, "/dev/kvm", passwd, group, &f->kvm);

        DIR *dir = rootfs_opendir(rootfd, "dev/vfio");
        if (dir) {
                struct dirent *de;
                while ((de = readdir(dir))) {
                        /* Group nodes are numbers, or noiommu-N. */
                        const char *num =
                                strncmp(de->d_name, "noiommu-", 8) == 0 ? de->d_name + 8 : de->d_name;
                        if (!*num || strspn(num, "0123456789") != strlen(num) || strlen(num) > 10)
                                continue;
                        if (f->n_group_nodes >= FACTS_GROUP_NODES_MAX)
                                break;
                        FileNode *a = realloc(f->group_nodes, (f->n_group_nodes + 1) * sizeof(FileNode));
                        if (!a)
                                break;
                        f->group_nodes = a;
                        char path[64];
                        snprintf(path, sizeof(path), "/dev/vfio/%.20s", de->d_name);
                        f->group_nodes[f->n_group_nodes] = (FileNode){0};
                        stat_node(rootfd, path, passwd, group, &f->group_nodes[f->n_group_nodes++]);
                }
                closedir(dir);
                if (f->n_group_nodes > 0)
                        qsort(f->group_nodes, f->n_group_nodes, sizeof(FileNode), cmp_node);
        }

        if (rootfs_read_file(rootfd, "etc/libvirt/qemu.conf", VX_PROBE_FILE_MAX * 16, &conf, &len) >= 0) {
                f->qemu_conf = KNOWN_PRESENT;
                conf_value(conf, "user", f->qemu_user, sizeof(f->qemu_user));
                conf_value(conf, "group", f->qemu_group, sizeof(f->qemu_group));
                /* Without both names the access check below would guess: leave it unknown. */
                if (f->qemu_user[0] && f->qemu_group[0] && passwd && group &&
                    id_of_name(passwd, f->qemu_user, &f->qemu_uid) &&
                    id_of_name(group, f->qemu_group, &f->qemu_gid))
                        f->qemu_ids = KNOWN_PRESENT;
        } else
                f->qemu_conf = KNOWN_ABSENT;
}
