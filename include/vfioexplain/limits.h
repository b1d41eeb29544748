/* SPDX-License-Identifier: MIT */
#pragma once

/* Every limit vfioexplain enforces on untrusted input, in one place (curl's STRPARSE discipline).
 * Input beyond a limit is cut and marked or refused with a message, never read unbounded. */

/* A log line longer than this is cut here; the rest of the line is skipped and the cut is marked. */
#define VX_LINE_MAX (64u * 1024u)

/* Bytes read from a file or pipe per read(2). */
#define VX_READ_CHUNK (256u * 1024u)

/* Bytes of input the literal prefilter scans with its own automaton before it compiles a Hyperscan database
 * (about 10 ms for the shipped rules) for the rest: a short log is answered sooner without it. */
#define VX_SCAN_ACCEL_AFTER (2u * 1024u * 1024u)

/* Compressed logs (gzip, xz, zstd: analyzer/input/decompress.c), decoded as they are read. Compressed bytes
 * read per read(2), after the reader's first read (up to VX_READ_CHUNK), which the decoder takes whole. */
#define VX_DECOMPRESS_IN_CHUNK (64u * 1024u)
/* The decoder's own memory: an xz dictionary (liblzma's memlimit) or a zstd window larger than this is
 * refused, not allocated. xz -6, the default, needs 9 MiB and zstd -19 an 8 MiB window; xz -9 (65 MiB) and
 * zstd --long are refused with a one-line error that says to decompress first. */
#define VX_DECOMPRESS_MEMORY_MAX (16u * 1024u * 1024u)
/* log2 of VX_DECOMPRESS_MEMORY_MAX, as ZSTD_d_windowLogMax takes it. */
#define VX_DECOMPRESS_WINDOW_LOG_MAX 24
/* A decompression bomb: past the first VX_DECOMPRESS_FREE_BYTES of text, the text may be at most this many
 * times the compressed bytes read so far. gzip cannot pass 1032 (deflate's own limit), and logs compress
 * 5 to 50 times; the bytes a bomb would make are counted, never held. */
#define VX_DECOMPRESS_RATIO_MAX 1024u
#define VX_DECOMPRESS_FREE_BYTES (64ull * 1024u * 1024u)

/* A decoded journal JSON MESSAGE longer than this is cut. */
#define VX_MESSAGE_MAX VX_LINE_MAX

/* A journal field other than MESSAGE (identifier, unit, hostname ...) longer than this is cut. */
#define VX_JOURNAL_FIELD_MAX 256u
/* Boots told apart for --boot OFFSET. */
#define VX_JOURNAL_BOOTS_MAX 4096u
/* Journal files read under a --sysroot (each held open while it is read; a host keeps tens). */
#define VX_JOURNAL_FILES_MAX 512u
/* openat2() RESOLVE_IN_ROOT tried this many times while it fails with EAGAIN (a rename somewhere on the
 * system during a ".." of the path): a bound on the retries, not a wait. */
#define VX_OPENAT2_TRIES 64u
/* --unit given this many times at most. */
#define VX_UNITS_MAX 32u

/* The read(2) buffer for one /dev/kmsg record (the kernel refuses a buffer too small for it). */
#define VX_KMSG_RECORD_MAX (16u * 1024u)
/* /dev/kmsg opened at its end: records read (and dropped) to get there before seeking instead. */
#define VX_KMSG_SKIP_MAX 1000000u

/* Rule files. */
#define VX_RULE_LINE_MAX 4096u
#define VX_RULE_FILE_MAX (4u * 1024u * 1024u)
#define VX_RULE_FILES_MAX 256u
/* The longest path of a rule file whose definitions the build's tables of the shipped set can point at
 * (analyzer/engine/rule_tables.h): the shipped files found at a longer path are parsed instead. */
#define VX_RULE_TABLES_PATH_MAX 4096u
/* Every rule file of a set together, and every pattern of it: what the loader keeps (examples, texts,
 * compiled patterns) grows with them, and 256 drop-ins of VX_RULE_FILE_MAX once took gigabytes (63 MB of
 * examples: 75 MB). The shipped set is about 1 MB, its patterns 120 KB. */
#define VX_RULE_SET_BYTES_MAX (4u * 1024u * 1024u)
#define VX_RULE_SET_PATTERN_BYTES_MAX (512u * 1024u)
#define VX_RULES_MAX 4096u
#define VX_CAUSES_MAX 512u
#define VX_ID_MAX 64u
#define VX_PATTERN_MAX 2048u
#define VX_CONTENTS_PER_RULE_MAX 8u
#define VX_FIXES_MAX 8u
#define VX_LIST_ITEMS_MAX 32u
/* Names of one template placeholder, "{address|value}" (a pattern's branches capture one each). */
#define VX_TEMPLATE_ALTERNATIVES_MAX 4u
/* Conditions (when, unless): terms of one, alternatives of a term; whens of a symptom (a bit each, in the
 * analysis), lines of one given or miss log of a when, and such logs of one when. */
#define VX_COND_TERMS_MAX 8u
#define VX_COND_VALUES_MAX 8u
#define VX_WHENS_MAX 32u
#define VX_WHEN_LOG_LINES_MAX 32u
#define VX_WHEN_LOGS_MAX 16u
#define VX_FIX_UNLESS_MAX 4u

/* The message inventory (the .tsv files of rules/inventory, docs/inventory.md): a row (its example is one
 * whole log line, its note a sentence), the rows of one file, the files read, and a file's bytes. */
#define VX_INVENTORY_ROW_MAX 8192u
#define VX_INVENTORY_ROWS_MAX 16384u
#define VX_INVENTORY_FILES_MAX 256u
#define VX_INVENTORY_FILE_MAX VX_RULE_FILE_MAX

/* PCRE2: no pattern may backtrack without bound on a crafted line. */
#define VX_PCRE2_MATCH_LIMIT 100000u
#define VX_PCRE2_DEPTH_LIMIT 5000u
/* The interpreter's backtracking frames live on the heap: at most this many KiB per match
 * (pcre2_set_heap_limit; JIT code uses its stack instead, below). */
#define VX_PCRE2_HEAP_LIMIT_KIB 2048u
/* JIT code ignores the depth limit (pcre2jit(3)): it backtracks on a JIT stack that grows from 32 KB to at
 * most this, past which the match fails with PCRE2_ERROR_JIT_STACKLIMIT. */
#define VX_PCRE2_JIT_STACK_MAX (512u * 1024u)

/* A captured value longer than this is cut (it only ever names an address, a path, an errno ...). */
#define VX_CAPTURE_MAX 256u
#define VX_CAPTURES_MAX 8u

/* Analysis memory stays bounded whatever the input size. */
#define VX_FINDINGS_MAX 256u
#define VX_EVIDENCE_PER_FINDING_MAX 16u
#define VX_EVIDENCE_TEXT_MAX 1024u
#define VX_SYMPTOMS_MAX 1024u
#define VX_GROUP_MAP_MAX 1024u
/* Facts (fact, device, boot) kept for refutation: a journal of many boots of a host with hundreds of PCI
 * functions, each named in a fact or two per boot (a driver's "enabling device" line names every function
 * it takes). 40 bytes each with their index, touched as they fill, and a line memo slot each: filled, 16384
 * of them took cli/memory's peak past its 16 MB; 8192 hold 40 boots of 200 functions. */
#define VX_FACTS_MAX 8192u
#define VX_INPUTS_MAX 256u
/* What an analysis notes of the host the input comes from (analyzer/analysis/context.c): the boots it tells
 * apart (a journal of more boots keeps notes of the first ones only), the PCI devices it names, its host
 * names. */
#define VX_EPOCHS_TRACKED 4096u
#define VX_DEVICE_NOTES_MAX 512u
/* Devices the input shows handed to vfio or a VMM, once per input and boot (condition assigned=): a host
 * passes a handful; a journal of many hosts keeps these for each host's analysis (40 bytes each), so the
 * bound is small. A device past it is not known assigned: its IOMMU faults are possible, not likely. */
#define VX_ASSIGNED_NOTES_MAX 64u
#define VX_INPUT_HOSTNAMES_MAX 8u
/* Members of pasted IOMMU group listings ("IOMMU Group 1 01:00.0 VGA ..."): a desktop has a few dozen. */
#define VX_LISTED_MEMBERS_MAX 512u
/* Devices of pasted lspci listings (a desktop lists a few dozen), vfio-pci ids= settings pasted (a
 * modprobe.d line, a command line), the ids one of them lists (vfio-pci takes a few), and the text of such a
 * line kept to be shown as evidence. */
#define VX_PASTED_DEVICES_MAX 256u
#define VX_PASTED_IDS_SETTINGS_MAX 8u
#define VX_PASTED_IDS_MAX 16u
#define VX_PASTED_TEXT_MAX 512u
/* A pasted `lsmod | grep vfio`: its output is read up to this many lines after the command's line (kmod's
 * lsmod prints a module a line, and a grep for vfio leaves a handful), and this many such listings are kept.
 */
#define VX_LSMOD_GREP_LINES 16u
#define VX_PASTED_LSMOD_MAX 4u
/* pasted `ulimit -l` replies read (analysis/context.c note_ulimit_l()) */
#define VX_PASTED_ULIMIT_MAX 4u
/* Inputs (and boots) whose pasted lspci listing is a guest's, kept to ignore the rest of it. */
#define VX_GUEST_LISTINGS_MAX 8u
/* Facts a pasted listing stated, with where (the first line of each fact, device and boot): a listing states
 * a few per device. */
#define VX_PASTED_FACTS_MAX 64u /* < UINT16_MAX: RuledOut keeps an index of one */
/* Causes a symptom suggested that a fact ruled out, kept to be shown as such. */
#define VX_RULED_OUT_MAX 64u
/* The line memo (analyzer/analysis/line_memo.c): what a message did, for the lines that say it again. Sized
 * for the distinct messages of a large server's boot (a line or two for each of a thousand or more PCI
 * functions): a message whose key and payload do not fit a slot together is always matched. A slot is one
 * cache line, and costs memory only once something is stored in it: 1 MB when full, which a CPU's L2 cache
 * can hold most of. 8 ways, where 4 lost one message in seven of a log that says 8000 in turn (a set that
 * more messages fell in than it holds). */
#define VX_LINE_MEMO_SLOTS 16384u
#define VX_LINE_MEMO_WAYS 8u
#define VX_LINE_MEMO_ENTRY_MAX 62u /* key and payload bytes of a slot */
/* Marked lines a block's reader hands the analysis at once (analysis_feed_marked_lines()): enough for
 * their memo look-ups' cache misses to overlap. */
#define VX_FEED_BATCH 16u
/* The pasted-text stage (analyzer/input/paste): wrappers peeled off one line, at most; the lines (pieces)
 * one line may hold (escaped newlines, logfmt and JSON message fields). */
#define VX_PASTE_DEPTH_MAX 8u
#define VX_PASTE_PIECES_MAX 16u
/* A line hard-wrapped into indented continuation lines is read once more joined: at most this many of them,
 * and this many bytes. */
#define VX_JOIN_LINES_MAX 8u
#define VX_JOIN_BYTES_MAX 2048u
/* containerd's and CRI-O's log (the CRI format): a line the container wrote longer than a part is written
 * in parts ("P" records up to an "F"); containerd's parts are max_container_log_line_size long, 16 KiB by
 * default (CRI-O's conmon writes at most 8 KiB at once). A record's time, stream and tag before its text:
 * an RFC 3339 time of at most VX_CRI_STAMP_MAX bytes (35 with nanoseconds and a zone), " stderr P ". A part
 * up to VX_CRI_PART_MAX is joined with the records that go on with it, however many: the join holds
 * VX_JOIN_LINES_MAX of them and at most VX_LINE_MAX of their text (four whole parts of containerd's, eight
 * of CRI-O's): of a longer line the first part and the last ones, those between let go as more come, so that
 * where it starts and its end, where its error is, are read whole. The join holds that text after the first
 * record's prefix, the records as read, and one record copied. */
#define VX_CRI_PART_MAX (16u * 1024u)
#define VX_CRI_STAMP_MAX 40u
#define VX_CRI_PREFIX_MAX (VX_CRI_STAMP_MAX + 10u)
#define VX_JOIN_CRI_TEXT_MAX VX_LINE_MAX
#define VX_JOIN_CRI_BYTES_MAX (VX_JOIN_CRI_TEXT_MAX + VX_JOIN_LINES_MAX * (VX_CRI_PREFIX_MAX + 1u))
/* A line continues the one before it without an indent (a message a mail client, a forum's editor or a
 * terminal's copy broke at a fixed width) only where its first word did not fit on that line at this width,
 * the narrowest such a wrap uses. */
#define VX_WRAP_WIDTH_MIN 60u
/* A terminal's width: a line of exactly this many bytes was cut there, inside a word if no blank is at
 * either side of the cut (the next line goes on without one). */
#define VX_WRAP_TERMINAL_COLUMNS 80u
/* A terminal's wrap copied as blanks (a console that pads each row to its own width): a run of at least this
 * many blanks inside a line, after a row of at least VX_WRAP_WIDTH_MIN bytes, is where the row ended. */
#define VX_WRAP_PADDING_MIN 32u
/* How many lines after a shell command its reply may come (tee echoes its input first). */
#define VX_SHELL_REPLY_LINES 4u
/* Allocations from this size up are mapped, never from the heap (cli/main.c says why): glibc's default,
 * fixed. */
#define VX_MALLOC_MMAP_THRESHOLD (128 * 1024)
/* Hosts told apart in one journal directory (systemd-journal-remote keeps one file per host). */
#define VX_HOSTS_MAX 64u

/* watch and run: the lines that matched a rule, kept to judge again as more arrive (oldest dropped), and the
 * bytes they may hold together: a line may be 64 KiB, and 4096 of those were 256 MB that any local user
 * could make watch hold (logger, or a VM's output under run). 2 MiB is thousands of ordinary lines. */
#define VX_WATCH_KEPT_MAX 4096u
#define VX_WATCH_KEPT_BYTES_MAX (2u * 1024u * 1024u)
/* watch and run: the last lines that matched nothing, kept until the next line that matches (then kept with
 * it) as the context it may need: a shell command its reply answers, the lines of a message pasted wrapped,
 * a listing's heading. As many as a shell transcript or a kubectl describe event puts before its line. */
#define VX_WATCH_RECENT_MAX 16u
#define VX_WATCH_RECENT_BYTES_MAX (256u * 1024u)
/* watch and run: the host is probed again at most this often (microseconds). */
#define VX_WATCH_REPROBE_USEC 1000000u
/* watch: poll(2) wakes at least this often (milliseconds) when no journal is followed. */
#define VX_WATCH_POLL_MS 1000
/* watch and run: how often the journal is read again without waiting for its inotify event (ms).
 * journald writes an entry into the mapped file at once but announces the change to readers only
 * every 250 ms or so (journalctl -f sees lines ~480 ms late here); reading the file again this often
 * sees them within a few ms of the tick, for about 0.4% of a CPU. */
#define VX_WATCH_JOURNAL_POLL_MS 20
/* run: how often the domain log is looked at while the command runs (milliseconds), and how long the
 * kernel and the journal get, once it has exited, to report what its failure caused. */
#define VX_RUN_TICK_MS 50
#define VX_RUN_GRACE_MS 300u

/* A snapshot file (the probed state of one host, as JSON): a real one of 4096 PCI functions, the most a
 * snapshot holds, is 2.4 MB. It is read token by token into the facts (probes/snapshot.c), never into a
 * tree, so no more memory than the facts it fills goes to it whatever it holds. */
#define VX_SNAPSHOT_MAX (8u * 1024u * 1024u)

/* A host's facts as probed or replayed (include/vfioexplain/facts.h): PCI functions (a host has up to a few
 * hundred; 4096 is every function of 16 buses), /dev/vfio group nodes, this process and the running QEMUs
 * whose memlock limits are read, framebuffers of /proc/fb, virtual consoles, and the login users of
 * etc/passwd (names to redact). */
#define FACTS_DEVICES_MAX 4096
#define FACTS_GROUP_NODES_MAX 1024
#define FACTS_MEMLOCK_MAX 16
#define FACTS_FRAMEBUFFER_MAX 8
#define FACTS_CONSOLES_MAX 8
#define FACTS_USERS_MAX 16

/* Diagnostics collected for the caller to print (a bad rule line, an unreadable file); more are only
 * counted. */
#define VX_DIAG_MAX 1000u

/* Host files read by probes. */
#define VX_PROBE_FILE_MAX (64u * 1024u)
/* pci.ids, for device names: the real one (pciutils, hwdata) is about 1.3 MB; a larger one is not read. */
#define VX_PCI_IDS_MAX (4u * 1024u * 1024u)
/* The start of proc/cpuinfo read for the first processor's fields (its flags line alone is ~1.5 KB). */
#define VX_CPUINFO_HEAD_MAX (8u * 1024u)
/* dpkg's status database, for reports: read a line at a time in a buffer of VX_DPKG_LINE_MAX (a longer
 * line, a Description's, is none of the fields looked for and is skipped), at most VX_DPKG_STATUS_MAX of
 * it (a desktop's is 2 to 4 MB): memory does not grow with it, the time to read it does. */
#define VX_DPKG_LINE_MAX (64u * 1024u)
#define VX_DPKG_STATUS_MAX (64u * 1024u * 1024u)

/* A libvirt domain (--domain): its XML file, the PCI devices it may assign, the values taken from it.
 * libvirt stores NAME.xml and NAME.log, so a name must leave room for ".xml" in a file name (255). */
#define VX_DOMAIN_XML_MAX (4u * 1024u * 1024u)
#define VX_DOMAIN_HOSTDEVS_MAX 256u
#define VX_DOMAIN_NAME_MAX 251u
/* vfio-pci devices recorded per running QEMU process (its command line's host= options). */
#define VX_QEMU_DEVICES_MAX 16u
/* A machine type or driver name ("pc-q35-8.2", "vfio"). */
#define VX_DOMAIN_WORD_MAX 63u
/* A rom file path (PATH_MAX), and the directories on its way that are looked at. */
#define VX_DOMAIN_PATH_MAX 4095u
#define VX_DOMAIN_ROM_DEPTH_MAX 32u

/* A Proxmox VE VM (--pve-vm ID, probes/pve.c). pmxcfs keeps no file larger than 1 MiB (memdb.h
 * MEMDB_MAX_FILE_SIZE), which bounds the VM configs and the mapping file; qemu-server assigns at most 16
 * hostpciN (PCI.pm $MAX_HOSTPCI_DEVICES). A VMID is 100 to 999999999 (pve-common JSONSchema pve-vmid). The
 * host= list and a mapping's path= list are bounded here (qemu-server has no bound: a card has 8
 * functions), as are the maps of one mapping, the other VMs' configs read for the same device, a config
 * value kept as text, and the task index lines and task logs looked at for the last failed start. */
#define VX_PVE_FILE_MAX (1024u * 1024u)
#define VX_PVE_HOSTPCI_MAX 16u
#define VX_PVE_HOST_IDS_MAX 16u
#define VX_PVE_MAPS_MAX 64u
#define VX_PVE_VMS_MAX 1024u
#define VX_PVE_VALUE_MAX 512u
#define VX_PVE_NAME_MAX 63u
#define VX_PVE_TASK_INDEX_MAX (1024u * 1024u)
#define VX_PVE_TASK_CANDIDATES_MAX 8u
#define VX_PVE_TASK_LOG_TAIL 4096u

/* An incus instance (--incus NAME, probes/incus.c): its backup.yaml, `incus config show --expanded` output
 * or generated qemu.conf, the devices kept, and a name (incus: a hostname, at most 63 bytes, with a
 * "project_" prefix outside the default project). */
#define VX_INCUS_FILE_MAX (4u * 1024u * 1024u)
#define VX_INCUS_DEVICES_MAX 64u
#define VX_INCUS_NAME_MAX 127u
/* A gpu's mdev= type as the kernel names a directory of mdev_supported_types ("nvidia-63",
 * "i915-GVTg_V5_4"), and the types of a card said in a line when the one asked for is not among them. */
#define VX_INCUS_MDEV_TYPE_MAX 63u
#define VX_INCUS_MDEV_TYPES_SAID 4u
/* The virtual functions of one SR-IOV GPU looked at for a free one (PCIe: at most 65535; GPUs: up to 63). */
#define VX_INCUS_VFS_MAX 256u

/* Kernel trace events (sources/trace.c). A decoded line longer than this is cut and counted: the kernel
 * prints a trace line into one trace_seq of a page, so none of its own lines is longer. */
#define VX_TRACE_LINE_MAX 4096u
/* comm, system, event and buffer names passed on from the trace.dat decoder process. */
#define VX_TRACE_NAME_MAX 256u
/* Events a caller may ask for, and buffer instances read from one trace.dat (trace-cmd record -B). */
#define VX_TRACE_EVENTS_MAX 64u
#define VX_TRACE_DAT_BUFFERS_MAX 64u
/* Heap of the trace.dat decoder process (RLIMIT_DATA): a crafted size field makes it fail, not the host
 * swap. */
#define VX_TRACE_DAT_MEMORY_MAX (2ull * 1024u * 1024u * 1024u)
/* The decoder process reports progress at least this often while it reads records, and is ended when
 * nothing came from it for the longer time (a crafted file on which libtracecmd loops). Milliseconds. */
#define VX_TRACE_DAT_BEAT_MS 1000u
#define VX_TRACE_DAT_STALL_MS 10000u
/* Events delivered per trace_live_read(), so that a fault storm cannot starve the caller's loop; the rest
 * stay pending and the fd readable. */
#define VX_TRACE_READ_EVENTS_MAX 1024u
/* Per-CPU ring buffers read live, and the largest sub-buffer (buffer_subbuf_size_kb) read in one go. */
#define VX_TRACE_CPUS_MAX 4096u
#define VX_TRACE_SUBBUF_MAX (1024u * 1024u)
/* Ring buffer of the private instance, per CPU: IOMMU events are rare, and a storm overwrites the oldest. */
#define VX_TRACE_BUFFER_KB 256u
/* The saved_cmdlines file read to name the tasks of live events. */
#define VX_TRACE_CMDLINES_MAX (2u * 1024u * 1024u)

/* PCI option ROM files (vfioexplain rom, romfile=, <rom file=>): the largest file read (VBIOS images
 * are 64 KiB to 2 MiB; 16 MiB covers the largest ROM BAR of any card, padding included), the images
 * followed in one file, the PCI 3.0 device-list entries kept per image, one finding's text, and the
 * romfile= paths that logs name and that are read. */
#define VX_ROM_FILE_MAX (16u * 1024u * 1024u)
#define VX_ROM_IMAGES_MAX 16u
#define VX_ROM_DEVICE_LIST_MAX 64u
#define VX_ROM_TEXT_MAX 256u
#define VX_ROMFILE_REFS_MAX 16u
/* A QEMU device id as -set reads it (system/vl.c qemu_set_option(): "%63[^.]"). */
#define VX_QEMU_ID_MAX 63u

/* report --redact: distinct secret values remembered per report, and the longest one. */
#define VX_REDACT_VALUES_MAX 4096u
#define VX_REDACT_VALUE_MAX 256u
/* Output that would be megabytes whole (the report of many hosts, a redacted document) is written out in
 * pieces of about this size. */
#define VX_OUTPUT_PIECE_BYTES (64u * 1024u)
/* report: a host snapshot up to this size is embedded in the Markdown (GitHub takes 65536 characters
 * in an issue's body); a larger one is to be attached as a file. */
#define VX_REPORT_SNAPSHOT_EMBED_MAX (40u * 1024u)
/* vfioexplain plan: addresses named, devices and IOMMU-group blockers in one plan, steps and the
 * commands of one step. */
#define VX_PLAN_ADDRESSES_MAX 16u
#define VX_PLAN_DEVICES_MAX 32u
#define VX_PLAN_STEPS_MAX 16u
#define VX_PLAN_COMMANDS_MAX 12u
#define VX_PLAN_NOTES_MAX 32u
/* Progress of a long read on a terminal's stderr: shown after this long, rewritten at most this often. */
#define VX_PROGRESS_AFTER_USEC 1000000u
#define VX_PROGRESS_EVERY_USEC 250000u

/* --guest: the largest guest log from a pipe, which is held to be read twice (a file is read twice, a line
 * at a time: for its lspci -nnk listing, then as a log), the PCI devices kept from it, the longest driver or
 * module list kept of one device, and the largest modules.alias read (a distribution kernel's is 1 to 2
 * MiB). */
#define VX_GUEST_FILE_MAX (64u * 1024u * 1024u)
#define VX_GUEST_DEVICES_MAX 256u
#define VX_LSPCI_NAME_MAX 127u
#define VX_MODULES_ALIAS_MAX (16u * 1024u * 1024u)

/* Functions resolved from one library by dlopen_many_sym() (libtraceevent's 34 are the most). */
#define VX_DLSYM_MAX 64u

/* The smallest 64-bit MMIO window (MiB) vfioexplain proposes for OVMF's X-PciMmio64Mb: 64 GiB, twice the
 * 32 GiB that OVMF and QEMU's q35 pci-hole64-size give by default. A larger BAR gets twice its size. */
#define VX_MMIO64_WINDOW_MIN_MB 65536u
/* A 64-bit BAR this large (4 GiB) is one a guest's default 64-bit window may not hold: the probes report
 * it (with its Resizable BAR sizes) for the devices that matter. */
#define VX_LARGE_BAR_MIN (4ull << 30)

/* Literal occurrences prefilter_mark() lists for one read buffer (8 bytes each); an input with more
 * (a buffer of nothing but literals) has its marked lines scanned one by one instead. */
#define VX_PREFILTER_HITS_MAX 32768u

/* Kernel releases (analyzer/base/kernel_release.c): the longest release string read (uname -r prints at
 * most 64 bytes, __NEW_UTS_LEN); [regression ID] sections, and the affected ranges and fixed releases of
 * one; the boots whose kernel an analysis remembers (one per banner or libvirt start line). */
#define VX_KERNEL_RELEASE_MAX 64u
#define VX_REGRESSIONS_MAX 256u
#define VX_REGRESSION_RANGES_MAX 32u
#define VX_BOOT_KERNELS_MAX 64u

/* Text for a person is wrapped to the terminal's width (or $COLUMNS) when it lies within these; a
 * narrower or wider claim is taken for a mistake and 80 is used. */
#define VX_TEXT_WIDTH_MIN 20u
#define VX_TEXT_WIDTH_MAX 1000u
/* Text: the evidence lines shown of the first cause without --full (the rest are counted). */
#define VX_TEXT_EVIDENCE_SHOWN 4u

/* A stdin that is no terminal, with no file named: what comes within the first wait is a log; after it,
 * a pipe that a command of our own pipeline holds is waited on for as long as that takes, and any other
 * (ssh host vfioexplain, a service's socket) until VX_STDIN_SILENT_MS, after which this boot's journal is
 * read instead. */
#define VX_STDIN_FIRST_WAIT_MS 100
#define VX_STDIN_SILENT_MS 2000

/* How far the probes follow a block device's slaves (dm, md) or an interface's lower devices (bridge, bond,
 * VLAN) down to the PCI device below. */
#define VX_HOST_USE_DEPTH 4u
