/* SPDX-License-Identifier: MIT */
#pragma once

/* The pasted-text stage, between reading a line and classifying it: what a user pasted (through a web page,
 * a terminal, a container runtime, a management layer) turned back into the messages the rules expect, with
 * what was peeled off kept as the line's context. Buffer and length in, no I/O; the pieces point into the
 * line or into the stage's scratch, valid until the next call. */

#include <stdbool.h>
#include <stddef.h>

#include "vfioexplain/pci_address.h"

#include "strparse.h"
#include "vfioexplain/limits.h"

/* What was peeled off a line, outermost first. */
typedef enum PasteLayerKind {
        PASTE_TYPOGRAPHY, /* typographic quotes, dashes, ellipsis, odd spaces, full-width forms */
        PASTE_QUOTE, /* a markdown quote: "> ", ">> " */
        PASTE_CODE, /* backticks or ** around the line */
        PASTE_BULLET, /* a list bullet: "- ", "* ", "+ " before a log line, "• ", "1. " */
        PASTE_PANE, /* the borders of a terminal pane (k9s, tmux): "│ ... │" */
        PASTE_COMPOSE, /* docker compose: "service-1  | " */
        PASTE_KUBECTL, /* kubectl logs --prefix: "[pod/NAME/CONTAINER] " */
        PASTE_EVENTS, /* a row of kubectl describe's Events table: the Message column */
        PASTE_LOGFMT, /* logfmt or logrus: a msg=, error= or err= value */
        PASTE_JSON, /* a JSON log line that is not journald's: msg, message, error, reason, log */
        PASTE_PROMPT, /* a shell prompt: "root@host:~# ", "$ ", "virsh # " */
        PASTE_XTRACE, /* set -x: "+ " */
        PASTE_MONITOR, /* QEMU's monitor prompt: "(qemu) " */
        PASTE_MANAGER, /* a prefix that quotes a VMM's or libvirt's error: "TASK ERROR: start failed: " */
        PASTE_SPLIT, /* one of the lines a literal \n (or a real newline in a decoded value) separated */
        PASTE_COLOUR, /* a terminal's colours and other escape sequences: "ESC[1;31m" */
        PASTE_CRI, /* the CRI log prefix of containerd and CRI-O: "2024-05-01T10:00:00.1Z stderr F " */
        PASTE_RESIDUE, /* the end of a quote opened on an earlier line: "')\"" of a message broken over lines
                        */
        PASTE_OUTPUT, /* a program's output shown by the program that ran it: stderr: "..." */
        PASTE_TERMINAL, /* a terminal's wrap copied as a run of blanks where each row ended */
        PASTE_SENTENCE, /* a message quoted inside a sentence: `...` inline code, "(vfio: ...)", "\"vfio:
                           ...\"" */
        PASTE_RUNTIME_SUFFIX, /* what a container engine appends to an error it passes on: ": OCI runtime
                                 error", ": unknown" */
        PASTE_PYTHON_ERRNO, /* Python's OSError as str() shows it: "[Errno 16] Device or resource busy:
                               'PATH'", its class ("OSError: ") before it */
        PASTE_COLUMNS, /* the columns a program's own log puts before its message, drawn with a box-drawing
                          bar: "08:10:12 │ ERROR  │ " */
        _PASTE_LAYER_MAX,
} PasteLayerKind;

typedef struct PasteLayer {
        PasteLayerKind kind;
        Span what; /* what it was: the service, the pod, the prefix peeled, the JSON key; may be empty */
} PasteLayer;

typedef struct PastePiece {
        Span text; /* the message as the classifier and the rules see it */
        PasteLayer layers[VX_PASTE_DEPTH_MAX];
        size_t n_layers;
        bool command; /* a shell command (after a prompt, a "+ ", or pasted bare) */
        bool root_prompt; /* its prompt was root's ("#") */
        bool user_prompt; /* its prompt was a user's ("$", "%") */
        bool redacted; /* a device address was redacted: PASTE_REDACTED_ADDRESS stands in for it */
        bool cut; /* the message was cut off at the end (a pane's edge, an ellipsis) */
} PastePiece;

/* A redacted PCI address ("0000:XX:00.Y", "<addr>") becomes this, which every rule's address pattern takes;
 * a capture of it is dropped, never reported as a device. */
#define PASTE_REDACTED_ADDRESS "ffff:ff:1f.7"

typedef struct Paste Paste;

int paste_new(Paste **ret);
Paste *paste_free(Paste *p);

/* The pieces of buf[0..len) (one line, no newline), at least one, at most VX_PASTE_PIECES_MAX. A line with
 * nothing to peel or normalise is one piece with no layer whose text is buf itself (trailing blanks, CR and
 * a UTF-8 BOM left out, and a "^M" that cat -v shows for a CR). Valid until the next call. */
size_t paste_unwrap(Paste *p, const char *buf, size_t len, const PastePiece **ret);

/* The message a management layer's or libvirt's own prefix quotes ("Failed to reset PCI device: internal
 * error: ..." after libvirt's log prefix): *ret the message inside, and how many prefixes were peeled (0:
 * none, *ret is text). */
size_t paste_unquote(Span text, Span *ret);

/* Whether a message a log format carries (after a journal line's "ident[pid]: ") is a logfmt or JSON record
 * of its own, whose message fields paste_unwrap() takes out. */
bool paste_is_structured(Span text);

/* A layer for a person: "markdown quote", "docker compose service \"libvirt\"". Appends to out (size
 * cap, always NUL terminated) the layers of pc joined by ", "; returns the length written. */
size_t paste_context(const PastePiece *pc, char *out, size_t cap);

/* Whether next continues head without an indent: a message hard-wrapped at a fixed width (a mail client, a
 * forum's editor, a terminal's copy, its author): next starts with a small letter or a '(' (an errno's
 * "(Cannot allocate memory)", not a prompt's "(qemu) "), its first word would not have fitted after head at
 * VX_WRAP_WIDTH_MIN, and it is shaped like no message's start ("program: ", "ident[pid]: ", "driver ADDR: "
 * whose ADDR holds a digit, "key=value", "user@host"). After a head that ends with a colon, where no message
 * ends, next may start with any letter or a digit and the head be of any length ("... /dev/vfio/12:" then
 * "Permission denied"), unless next starts as a line does (a stamp, a date, a time, a listing's address).
 * Both are lines as read, without their newline. */
bool paste_wrap_continues(Span head, Span next);

/* Whether the wrap after head cut a word (a terminal's width, nothing blank at either side): the lines are
 * then joined without a blank. */
bool paste_wrap_in_word(Span head, Span next);

/* Whether next goes on with a JSON record that head, a line of it, leaves between two of its tokens: a
 * record (a virt-launcher's, a Go program's) broken by hand where its keys start, after a key's colon or a
 * member's comma (next starts with the '"' of a key or a value), or before a comma or the closing brace.
 * Only the two lines are looked at: whether head's record is still open is the caller's to know. Both are
 * lines as read, without their newline. */
bool paste_json_continues(Span head, Span next);

/* A line of containerd's or CRI-O's log (the CRI format: "2024-05-01T10:00:00.1Z stderr P text"): its
 * stream, whether it is a part of a line the container wrote ("P", which the records after it continue up
 * to an "F"), and what the container wrote. */
typedef struct CriRecord {
        bool from_stderr;
        bool partial;
        Span content;
} CriRecord;

bool paste_cri_record(Span line, CriRecord *ret);

/* Whether a line holds a terminal's wrap copied as blanks (VX_WRAP_PADDING_MIN), which paste_unwrap() takes
 * out: the rows joined again, with a blank where one row was shorter than the widest (it ended in one) or
 * ended with a ':', ',' or ';' before a word. */
bool paste_has_wrap_padding(const char *buf, size_t len);

/* Whether a line with a byte >= 0x80 holds something paste_unwrap() normalises (so a literal may hide
 * behind it); whether a line holds an escape a JSON or logfmt value or a quoted message uses (\" \n \u). */
bool paste_needs_normalising(const char *buf, size_t len);
bool paste_has_escape(const char *buf, size_t len);

/* The sysfs operations of the manual binding steps. */
typedef enum SysfsOp {
        SYSFS_BIND,
        SYSFS_UNBIND,
        SYSFS_NEW_ID,
        SYSFS_REMOVE_ID,
        SYSFS_DRIVER_OVERRIDE,
        SYSFS_DRIVERS_PROBE,
        SYSFS_RESET,
        SYSFS_RESET_METHOD,
        SYSFS_REMOVE,
        SYSFS_RESCAN,
        SYSFS_SRIOV_NUMVFS,
        SYSFS_POWER_CONTROL,
        _SYSFS_OP_MAX,
} SysfsOp;

const char *sysfs_op_to_string(SysfsOp op);

/* Who opened the sysfs file: root (a root prompt, "sudo tee", "sudo sh -c"), a user ("$" prompt, or "sudo
 * echo X > FILE", where the user's shell opens the file before sudo runs), or not known. */
typedef enum SysfsWriter {
        WRITER_UNKNOWN,
        WRITER_ROOT,
        WRITER_USER,
        _WRITER_MAX,
} SysfsWriter;

/* A command that writes a PCI sysfs file: echo/printf with a redirection, "| [sudo] tee", "sh -c '...'",
 * driverctl set-override. Fields not known are "". */
typedef struct SysfsWrite {
        SysfsOp op;
        SysfsWriter writer;
        PciAddress device; /* normalised address: from the path, else from the value written */
        char driver[32];
        char path[128];
        char value[48];
} SysfsWrite;

/* Parses one command piece (cwd: the directory its prompt showed, for a relative path; may be empty).
 * Returns true for a write of a PCI sysfs file. */
bool sysfs_write_parse(const PastePiece *command, Span cwd, SysfsWrite *ret);

/* The operation and device of a PCI sysfs path alone (a reply that names its file). */
bool sysfs_path_parse(Span path, SysfsWrite *ret);

/* A shell's or a tool's answer to a failed write or open: bash's "bash: echo: write error: ERR" (also
 * "-bash:", "line N:", "SCRIPT: line N:"), busybox's "sh: write error: ERR", "-bash: PATH: ERR", "zsh: ERR:
 * PATH", coreutils' "tee: PATH: ERR", Go's "write PATH: err" and "open PATH: err". */
typedef struct ShellReply {
        const char *errno_name; /* "ENODEV", ... */
        const char *strerror; /* glibc's wording of it */
        Span path; /* the file it names, empty if it names none */
} ShellReply;

bool shell_reply_parse(Span text, ShellReply *ret);

/* A piece of the stage as such a reply: shell_reply_parse() of its text, or Python's OSError without a file
 * name ("OSError: [Errno 19] No such device", after a write of its own), whose errno's text the stage left.
 */
bool paste_reply_parse(const PastePiece *pc, ShellReply *ret);

/* The errno a message names by its strerror() text, in glibc's, musl's or Go's wording (any case): its name
 * ("EBUSY") and glibc's text, or false. */
bool errno_from_text(Span text, const char **name, const char **glibc);

/* The event a failed sysfs write makes, the line rules of source "shell" see (docs/rule-format.md):
 * "sysfs-write op=bind device=0000:03:00.0 driver=vfio-pci errno=ENODEV writer=root path=/sys/...
 * value=...",
 * "-" for what is not known; the value written last, as echo joined its words. w: the command, or NULL to
 * take the operation from the path the reply names. Returns the length written (out always NUL terminated),
 * 0 when neither says which operation failed. */
size_t shell_event_format(const SysfsWrite *w, const ShellReply *r, char *out, size_t cap);

/* The event of a transcript written as one line, the command and its reply joined by a literal "\n" (as a
 * rule's example of source shell is written). Returns its length, 0 if the text makes none. */
size_t shell_event_of_transcript(Paste *p, const char *text, size_t len, char *out, size_t cap);
