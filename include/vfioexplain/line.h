/* SPDX-License-Identifier: MIT */
#pragma once

/* One log line, classified: which software printed it, in which format, its prefix fields and the
 * message the rules see. All spans point into the caller's buffer or the classifier's scratch. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfioexplain/pci_address.h"

#include "strparse.h"

typedef enum Source {
        SOURCE_KERNEL,
        SOURCE_QEMU,
        SOURCE_LIBVIRT,
        SOURCE_TRACE,
        SOURCE_JOURNAL,
        SOURCE_GUEST, /* what a VM's own system printed: its kernel (--guest), Android's logcat */
        SOURCE_SHELL, /* the event of a failed sysfs write in a shell transcript: never a line as read */
        SOURCE_PROBE, /* the host state as probes saw it: never from a log */
        SOURCE_UNKNOWN, /* a bare message with no prefix: any rule but a probe rule may match it */
        _SOURCE_MAX,
} Source;

#define SOURCE_MASK_ALL ((1u << SOURCE_UNKNOWN) - 1u)

typedef enum LineFormat {
        FORMAT_BARE,
        FORMAT_DMESG, /* [    1.234567] msg */
        FORMAT_DMESG_CTIME, /* dmesg -T: [Mon Nov 23 19:49:55 2026] msg */
        FORMAT_DMESG_DECODE, /* dmesg -x: kern  :err   : [    1.234567] msg */
        FORMAT_DMESG_RAW, /* dmesg -r: <3>[    1.234567] msg */
        FORMAT_KMSG, /* /dev/kmsg record: 3,1234,5678901,-;msg */
        FORMAT_JOURNAL_SHORT, /* journalctl short / short-precise / short-iso / short-monotonic, syslog files
                               */
        FORMAT_JOURNAL_JSON, /* journalctl -o json */
        FORMAT_AUDIT, /* audit.log: type=AVC msg=audit(...): ... */
        FORMAT_QEMU, /* qemu-system-x86_64: msg, with optional -msg timestamp=on */
        FORMAT_LIBVIRT_LOG, /* 2024-05-01 10:00:00.123+0000: ... */
        FORMAT_VIRSH, /* error: msg */
        FORMAT_QEMU_TRACE, /* 1234@1700000000.123456:vfio_region_mmap ... */
        FORMAT_KERNEL_TRACE, /* qemu-1234 [001] ..... 123.456: io_page_fault: ... */
        FORMAT_JOURNAL_ENTRY, /* an entry read from the journal itself (sd-journal) */
        FORMAT_LOGCAT, /* adb logcat threadtime, time or brief: 11-23 10:00:01.234  1234  1250 E tag     :
                          msg */
        FORMAT_QMP, /* QEMU's QMP error reply: {"error": {"class": "GenericError", "desc": "msg"}} */
        _FORMAT_MAX,
} LineFormat;

typedef struct LineView {
        Source source;
        Span text;
} LineView;

typedef struct Line {
        LineFormat format;
        int priority; /* syslog level 0..7, -1 when the format does not say */
        Span stamp; /* the timestamp exactly as printed, empty if none */
        double mono; /* kernel seconds since boot, < 0 unknown */
        Span host; /* journal hostname */
        Span ident; /* journal identifier, libvirt function, QEMU program name */
        Span location; /* QEMU option location: -device vfio-pci,host=01:00.0 */
        PciAddress location_address; /* normalised host= of the location, "" if none */
        LineView views[4];
        size_t n_views;
        bool cut; /* the message was cut off at its end: a pattern may end past it */
} Line;

/* The fields of a journal entry that say who wrote it (journalctl -o json, or sd-journal). */
typedef struct LineFields {
        Span message;
        Span identifier; /* SYSLOG_IDENTIFIER, else _COMM */
        Span hostname;
        Span realtime; /* __REALTIME_TIMESTAMP as printed, may be empty */
        int priority; /* PRIORITY, -1 if absent */
        bool kernel_transport; /* _TRANSPORT=kernel or audit */
} LineFields;
