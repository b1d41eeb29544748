/* SPDX-License-Identifier: MIT */
#pragma once

/* Kernel trace events of the IOMMU layer, decoded with libtraceevent into the very text the kernel's own
 * trace file prints for them, so that the rules written for pasted trace text (FORMAT_KERNEL_TRACE,
 * source trace) match them unchanged. Two sources: a trace.dat recorded by `trace-cmd record`
 * (libtracecmd), and a private tracefs instance read live (libtracefs).
 *
 * A line looks like the kernel's (kernel/trace/trace_output.c trace_print_context() and
 * trace_print_lat_fmt(), Linux 6.13 and later):
 *
 *     irq/27-AMD-Vi-135     [004] .....  5123.456789: io_page_fault: IOMMU:vfio-pci 0000:0b:00.0 iova=0x...
 *
 * "%16s-%-7d [%03d] " comm and pid, cpu, five irq-info columns, " %5lu.%06lu: " seconds since boot rounded
 * to the microsecond, the event name, ": " and the event's print format as libtraceevent renders it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "vfioexplain/macro.h"

typedef struct TraceEventMeta {
        uint64_t ts_ns; /* the ring buffer's timestamp in its trace clock ("local" by default: ns since boot)
                         */
        int cpu;
        int pid;
        const char *system; /* "iommu" */
        const char *name; /* "io_page_fault" */
        const char *comm; /* as printed: "<...>" when the trace did not record it */
        const char *buffer; /* trace.dat buffer instance (trace-cmd record -B), "" for the top buffer */
} TraceEventMeta;

/* One decoded event. line is NUL-terminated at len, has no newline and stays valid during the call only.
 * Returning < 0 stops the reader, which then returns that value. */
typedef int (*trace_line_fn)(const char *line, size_t len, const TraceEventMeta *m, void *userdata);

typedef struct TraceStats {
        uint64_t delivered; /* events handed to the callback */
        uint64_t skipped; /* records of other events, or of types without a format */
        uint64_t lost; /* events the ring buffer dropped, as it reported them */
        uint64_t cut; /* lines cut at VX_TRACE_LINE_MAX */
        uint64_t malformed; /* records shorter than their format says: not decoded */
} TraceStats;

/* The events vfioexplain watches, "system:event", NULL-terminated: iommu:io_page_fault,
 * add_device_to_group, remove_device_from_group, attach_device_to_domain, detach_device_from_domain
 * (include/trace/events/iommu.h; the last is gone from newer kernels) and intel_iommu:prq_report
 * (drivers/iommu/intel/trace.h: VT-d page requests, the one fault report of an upstream IOMMU driver that is
 * a trace event; AMD-Vi and SMMU faults reach the trace only as iommu:io_page_fault, through
 * report_iommu_fault()). Those a kernel or a recording lacks are left out silently. */
const char *const *trace_default_events(void);

/* Offline: a trace.dat written by trace-cmd record (file versions 6 and 7, any buffer instances), read
 * with libtracecmd in a child process, since a damaged file must not crash vfioexplain and the parsers of
 * libtracecmd and libtraceevent trust the file (they overrun buffers and crash on some damaged ones). The
 * callback runs in the calling process. Events of every buffer are delivered merged in time order; other
 * events are skipped and counted. Returns the number of events delivered (saturated at INT_MAX), or a
 * negative errno with at least one line in d, the first one saying what is wrong: -EBADMSG for a file that
 * is not a trace.dat, is cut short or is damaged, -ESPIPE for a FIFO or device (libtracecmd seeks),
 * -ENOENT, -EISDIR, -EACCES as open() says; or the callback's value if it stopped, with no line. */
int trace_read_dat(const char *path, trace_line_fn fn, void *userdata, Diag *d);
/* The same for other events (NULL: trace_default_events()); ret_stats may be NULL. */
int trace_read_dat_events(const char *path, const char *const *events, trace_line_fn fn, void *userdata,
                          TraceStats *ret_stats, Diag *d);

typedef struct TraceLive TraceLive;

/* Live: a private tracefs instance "vfioexplain-PID" under tracefs_dir (NULL: the mounted tracefs, which is
 * never mounted as a side effect) with only the events of interest this kernel has enabled, a small ring
 * buffer (VX_TRACE_BUFFER_KB per CPU) and buffer_percent 0 (so that poll() wakes at the first event, not
 * when half the buffer is full). The instance and its own files are all that is written, and only when
 * asked to. Returns 0, or a negative errno with a line in d (nothing is left behind): -ENOENT when tracefs
 * is not mounted or the kernel has none of the events, -EEXIST when an instance of that name is left over
 * (from a vfioexplain killed with SIGKILL: the line says how to remove it), -EACCES/-EPERM without root. */
int trace_live_open(const char *tracefs_dir, TraceLive **ret, Diag *d);
/* The same with other events (NULL: trace_default_events()); at least one must exist. */
int trace_live_open_events(const char *tracefs_dir, const char *const *events, TraceLive **ret, Diag *d);

/* An epoll fd (the per-CPU trace_pipe_raw files and an eventfd) for poll()/epoll: readable while records
 * wait, in the ring buffers or already taken from them and not yet delivered. Level-triggered: when it is
 * readable, call trace_live_read(); whatever one call leaves keeps it readable. -EBADF once closed. */
int trace_live_fd(TraceLive *t);
/* Decodes what is available now, merged in time order across CPUs, at most VX_TRACE_READ_EVENTS_MAX records;
 * never blocks. Returns the number delivered (0 when nothing of interest was there), the callback's value
 * if it stopped, -EBADF once closed, or a negative errno. */
int trace_live_read(TraceLive *t, trace_line_fn fn, void *userdata);
TraceStats trace_live_stats(const TraceLive *t);
/* The instance directory, e.g. /sys/kernel/tracing/instances/vfioexplain-1234. */
const char *trace_live_instance_dir(const TraceLive *t);
/* Disables the events, closes every file of the instance and removes it. Returns 0, or a negative errno if
 * the directory could not be removed (it is then named by trace_live_instance_dir()). Idempotent. */
int trace_live_close(TraceLive *t);
/* trace_live_close(), then frees. NULL is accepted; returns NULL. */
TraceLive *trace_live_free(TraceLive *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(TraceLive *, trace_live_free);

/* The decoder both readers use: events parsed from format files, records decoded into lines. Exposed so
 * that a record can be decoded against a format read from anywhere (tests build records for the running
 * kernel's formats). */
typedef struct TraceDecoder TraceDecoder;

/* events: as for trace_live_open_events(). The decoder assumes the host's byte order and long size. */
int trace_decoder_new(const char *const *events, TraceDecoder **ret);
TraceDecoder *trace_decoder_free(TraceDecoder *dec);
DEFINE_TRIVIAL_CLEANUP_FUNC(TraceDecoder *, trace_decoder_free);
/* Parses one events/SYSTEM/EVENT/format file. Returns 0, -EINVAL if libtraceevent rejects it, -ENOMEM. */
int trace_decoder_parse_format(TraceDecoder *dec, const char *system, const char *format, size_t len);
/* The comm printed for pid, as saved_cmdlines would give it. */
int trace_decoder_set_comm(TraceDecoder *dec, int pid, const char *comm);
/* Decodes one ring-buffer record (the event's bytes from common_type on). Returns 1 if delivered, 0 if
 * skipped (another event, an unknown type or a record shorter than its format), or the callback's
 * negative value. */
int trace_decoder_decode(TraceDecoder *dec, const void *data, size_t size, uint64_t ts_ns, int cpu,
                         trace_line_fn fn, void *userdata);
TraceStats trace_decoder_stats(const TraceDecoder *dec);
