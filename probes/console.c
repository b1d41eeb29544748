/* SPDX-License-Identifier: MIT */
/* The text console on the framebuffers: which virtual console drivers are bound (/sys/class/vtconsole)
 * and which framebuffer devices exist (/proc/fb) on which device (/sys/class/graphics/fbN/device). fbcon
 * bound to a framebuffer of the GPU to be passed keeps that GPU, or the boot framebuffer in its BAR, busy.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* "vtcon12" -> 12; false for anything else. */
static bool parse_indexed(const char *name, const char *prefix, unsigned *ret) {
        Span s = span_from_str(name);
        uint64_t n;
        if (!span_eat_literal(&s, prefix) || !span_eat_digits(&s, 1, 3, &n) || s.len != 0)
                return false;
        *ret = (unsigned) n;
        return true;
}

static void probe_vtconsoles(int rootfd, HostFacts *f) {
        DIR *dir = rootfs_opendir(rootfd, "sys/class/vtconsole");
        if (!dir)
                return;
        struct dirent *de;
        while ((de = readdir(dir)) && f->n_vtconsoles < FACTS_CONSOLES_MAX) {
                char path[64], bind[8];
                unsigned index;
                if (!parse_indexed(de->d_name, "vtcon", &index))
                        continue;
                snprintf(path, sizeof(path), "sys/class/vtconsole/vtcon%u", index);
                int dfd = rootfs_open_dir(rootfd, path);
                if (dfd < 0)
                        continue;
                VtConsole c = {.index = index};
                /* Only a console whose name and binding were both read becomes a fact. */
                if (rootfs_read_attr(dfd, "name", c.name, sizeof(c.name)) >= 0 &&
                    rootfs_read_attr(dfd, "bind", bind, sizeof(bind)) >= 0 &&
                    (bind[0] == '0' || bind[0] == '1') && bind[1] == 0) {
                        c.bound = bind[0] == '1';
                        f->vtconsoles[f->n_vtconsoles++] = c;
                }
                close(dfd);
        }
        closedir(dir);
}

/* /proc/fb: "%d %s\n" per framebuffer (drivers/video/fbdev/core/fbmem.c, fb_procfs.c since 6.4). */
static void probe_fbs(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (rootfs_read_file(rootfd, "proc/fb", VX_PROBE_FILE_MAX, &text, &len) < 0)
                return;
        Span s = span_make(text, len), line;
        while (span_next_line(&s, &line) && f->n_fbs < FACTS_FRAMEBUFFER_MAX) {
                uint64_t index;
                if (!span_eat_digits(&line, 1, 3, &index) || !span_eat_char(&line, ' '))
                        continue;
                span_trim(&line);
                if (line.len == 0 || line.len >= sizeof(((FbDevice *) 0)->name))
                        continue;
                FbDevice *fb = &f->fbs[f->n_fbs++];
                *fb = (FbDevice){.index = (unsigned) index};
                memcpy(fb->name, line.p, line.len);
                char path[64];
                snprintf(path, sizeof(path), "sys/class/graphics/fb%u", fb->index);
                int dfd = rootfs_open_dir(rootfd, path);
                if (dfd < 0)
                        continue;
                if (rootfs_readlink_base(dfd, "device", fb->device, sizeof(fb->device)) < 0 ||
                    !fb_device_name_valid(fb->device))
                        fb->device[0] = 0;
                close(dfd);
        }
}

void probe_console(int rootfd, HostFacts *f) {
        probe_vtconsoles(rootfd, f);
        probe_fbs(rootfd, f);
}

const VtConsole *host_fbcon_bound(const HostFacts *f) {
        for (size_t i = 0; i < f->n_vtconsoles; i++) {
                const VtConsole *c = &f->vtconsoles[i];
                size_t n = strlen(c->name);
                /* fbcon registers as "frame buffer device" (drivers/video/fbdev/core/fbcon.c
                 * fbcon_startup()). */
                if (c->bound && n > 4 && strcmp(c->name + 4, "frame buffer device") == 0)
                        return c;
        }
        return NULL;
}

bool fb_device_name_valid(const char *s) {
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      strchr("._:-", *s)))
                        return false;
        return true;
}
