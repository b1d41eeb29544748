/* SPDX-License-Identifier: MIT */
/* --guest FILE: a VM's own logs (dmesg, logcat, lspci -nnk) explained as the guest's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "lspci.h"
#include "reader.h"

/* Where the modules that would bind a guest's device are looked up: the guest's own modules.alias when
 * given (an Android guest's module set is not the host's), else the host's unless probes are off. */
typedef struct AliasSource {
        bool tried;
        char *text; /* NULL: none could be read */
        size_t len;
        char origin[160];
} AliasSource;

static void alias_source_load(AliasSource *s, const Options *o) {
        if (s->tried)
                return;
        s->tried = true;
        if (o->guest_modules_alias) {
                int r = file_read(AT_FDCWD, o->guest_modules_alias, FILE_NAMED, VX_MODULES_ALIAS_MAX,
                                  &s->text, &s->len);
                if (r < 0)
                        errorf("warning: --guest-modules-alias %s: %s", o->guest_modules_alias,
                               r == -EFBIG ? "too large for a modules.alias" : strerror(-r));
                else
                        snprintf(s->origin, sizeof(s->origin), "of the guest");
                return;
        }
        if (o->no_probe)
                return;
        char release[128];
        if (modules_alias_read_host(o->sysroot, &s->text, &s->len, release) == 0)
                snprintf(s->origin, sizeof(s->origin), "of the host's %s", release);
}

/* The statement the guest rules read for a device that no driver holds in the guest; it names the
 * device, the guest's modules for it and those modules.alias names. */
static int feed_driverless(Analysis *a, const char *name, const LspciDevice *d, AliasSource *alias,
                           const Options *o) {
        char modalias[64], modules[VX_LSPCI_NAME_MAX + 1] = "", text[512];
        const char *found = "unknown";

        alias_source_load(alias, o);
        if (alias->text) {
                lspci_modalias(d, modalias);
                found = modules_alias_match(alias->text, alias->len, modalias, d->prog_if_unknown, modules,
                                            sizeof(modules)) > 0
                        ? modules
                        : "none";
        }
        int n = snprintf(
                text, sizeof(text),
                "lspci -nnk: %s [%04x:%04x] class %02x%02x has no driver in use; kernel modules: %s; modules.alias%s%s: %s",
                d->address, d->vendor, d->device, d->class_base, d->class_sub,
                d->modules[0] ? d->modules : "none", alias->text ? " " : "",
                alias->text ? alias->origin : "", found);
        return analysis_feed(a, name, d->line, text, (size_t) MIN(n, (int) sizeof(text) - 1));
}

/* The whole text again as an fd, for a guest file that was a pipe. */
static int fd_of_text(const char *text, size_t len) {
        int fd = memfd_create("guest", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write_all_fd(fd, text, len);
        if (r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
                close(fd);
                return r < 0 ? r : -errno;
        }
        return fd;
}

/* The lspci devices of a guest file that can be read again, a line at a time: a guest's dmesg of tens of MB
 * is not held (issue 24 #11), only a line. Lines as feed_input() reads them (compressed, lone CRs). */
static int lspci_of_file(const char *name, int fd, LspciDevice *devices, size_t *ret) {
        LspciParser p;
        LineReader rd;
        ReadLine l;
        int r = line_reader_init(&rd, fd);
        if (r < 0)
                return r;
        lspci_parser_init(&p, devices, VX_GUEST_DEVICES_MAX);
        while ((r = line_reader_next(&rd, &l)) > 0)
                lspci_parser_line(&p, l.text, l.len);
        *ret = lspci_parser_finish(&p);
        if (r == -ENOMEM)
                errorf("out of memory");
        else if (line_reader_decompress_error(&rd))
                feed_decompress_error(name, compression_name(rd.compression), r,
                                      line_reader_decompress_error(&rd));
        else if (r < 0)
                errorf("--guest %s: read error: %s", name, strerror(-r));
        line_reader_done(&rd);
        return r < 0 ? r : 0;
}

/* A pipe (--guest <(adb shell dmesg)) is read once: its text is held (at most VX_GUEST_FILE_MAX) for the
 * lspci listing and given to the analysis again as a memfd. Returns that fd, or a negative errno (said). */
static int lspci_of_pipe(const char *name, int fd, LspciDevice *devices, size_t *ret) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_fd_bounded(fd, VX_GUEST_FILE_MAX, &text, &len);
        if (r < 0) {
                errorf("--guest %s: %s", name,
                       r == -EFBIG            ? "larger than a guest log read from a pipe can be"
                               : r == -EISDIR ? "is a directory"
                                              : strerror(-r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        *ret = lspci_parse(text, len, devices, VX_GUEST_DEVICES_MAX);
        r = fd_of_text(text, len);
        if (r < 0)
                errorf("--guest %s: %s", name, strerror(-r));
        return r;
}

static int feed_guest_file(Analysis *a, const Options *o, const char *name, AliasSource *alias) {
        _cleanup_free_ LspciDevice *devices = NULL;
        size_t n = 0;
        int fd, r;

        if (strcmp(name, "-") == 0) {
                errorf("--guest -: name the guest's log as a file (standard input is the host's)");
                return -EINVAL;
        }
        fd = file_open(AT_FDCWD, name, FILE_NAMED);
        if (fd < 0) {
                errorf("--guest %s: %s", name, fd == -EISDIR ? "is a directory" : strerror(-fd));
                return fd == -EISDIR ? -EINVAL : fd;
        }
        devices = calloc(VX_GUEST_DEVICES_MAX, sizeof(LspciDevice));
        if (!devices) {
                close(fd);
                errorf("out of memory");
                return -ENOMEM;
        }
        if (lseek(fd, 0, SEEK_SET) == 0) {
                /* Read twice: for its lspci listing first, then as a log. */
                r = lspci_of_file(name, fd, devices, &n);
                if (r >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
                        r = -errno;
                        errorf("--guest %s: %s", name, strerror(-r));
                }
        } else {
                int copy = lspci_of_pipe(name, fd, devices, &n);
                close(fd);
                fd = copy;
                r = fd < 0 ? fd : 0;
        }
        if (r < 0) {
                if (fd >= 0)
                        close(fd);
                return r;
        }
        analysis_set_guest(a, true);
        for (size_t i = 0; i < n && r >= 0; i++)
                /* Bridges and host bridges have no driver in a VM as a rule. */
                if (!devices[i].driver[0] && !devices[i].driver_unknown && devices[i].class_base != 0x06)
                        r = feed_driverless(a, name, &devices[i], alias, o);
        if (r >= 0)
                r = feed_input(a, &(Input){.name = name, .fd = fd});
        else if (r == -ENOMEM)
                errorf("out of memory");
        analysis_set_guest(a, false);
        close(fd);
        return r;
}

int feed_guest_files(Analysis *a, const Options *o) {
        AliasSource alias = {};
        int r = 0;
        for (size_t i = 0; i < o->n_guest_files && r >= 0; i++)
                r = feed_guest_file(a, o, o->guest_files[i], &alias);
        free(alias.text);
        return r;
}
