#!/usr/bin/env python3
"""Nothing from a log, a journal, a snapshot, the host or a rule file reaches the output raw (issue 24, #3,
#9, #14). One hostile text (terminal escapes, C0 and C1 controls, zero-width and bidirectional controls, line
and paragraph separators, a byte-order mark, HTML, a Markdown link, an autolink, an @mention, backticks and a
table bar) is put in every field each input can carry:

- every string of a snapshot (of two fixture hosts), those the reader accepts all at once;
- a journal of two hosts (systemd-journal-remote): _HOSTNAME, SYSLOG_IDENTIFIER, _SYSTEMD_UNIT, MESSAGE;
- a host tree: its host name, os-release, a QEMU's comm and -name, the CPU model, qemu.conf's user;
- a log line of a rule's message, its file name, a guest's lspci names;
- a drop-in rule's title and explanation;

and every command that reads it is run in every format it has. Every byte of stdout and stderr must be valid
UTF-8 without a control (but newline and tab) or an invisible or bidirectional code point; in JSON, every
string as decoded as well; in Markdown, the document rendered by cmark-gfm (GitHub's renderer, with its
autolink and table extensions, raw HTML kept) must show the hostile text only inside code: no tag, link,
autolink or mention of it outside <code> and <pre>. A hostile host name is shown escaped, and marked as not
a host name.

usage: hostile_output.py BINARY SOURCE_DIR"""
import json, os, re, shutil, struct, subprocess, sys, tempfile
from html.parser import HTMLParser

BIN, SRC = sys.argv[1], sys.argv[2]
RULES = os.path.join(SRC, "rules")
fails = 0
runs = 0

HOSTILE = ("\x1b]0;pwned\x07\x1b[2J\x1b[31m\u0085\u009b\u0090\u200b\u200e\u200f\u061c\u2028\u2029\ufeff"
           "\u202e\u2066\x7f<script>alert(1)</script><img src=x onerror=alert(2)>[x](https://evil.example/l) "
           "@octocat https://evil.example/a www.evil.example ``| *b* _i_ ~~s~~ &amp;")
# Markers of the hostile text that must never be live Markdown.
MARKERS = ("pwned", "alert(", "evil.example", "octocat", "onerror")

FORBIDDEN = set(range(0x00, 0x20)) - {0x0a, 0x09}
FORBIDDEN |= set(range(0x7f, 0xa0))
FORBIDDEN |= {0x061c, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x2060, 0x2061, 0x2062,
              0x2063, 0x2064, 0xfeff}
FORBIDDEN |= set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a))


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


def raw_controls(data):
    """The forbidden code points of data (bytes), or an error for invalid UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"invalid UTF-8 at byte {e.start}: {data[max(0, e.start - 20):e.start + 20]!r}"]
    return [f"U+{ord(c):04X} in {text[max(0, i - 30):i + 10]!r}" for i, c in enumerate(text)
            if ord(c) in FORBIDDEN][:3]


def json_strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for k, v in o.items():
            yield k
            yield from json_strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from json_strings(v)


class Live(HTMLParser):
    """The text and attributes of rendered Markdown outside <code> and <pre>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.outside = []

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "pre"):
            self.depth += 1
        elif self.depth == 0:
            # A tag the document does not make is the hostile text's own, live.
            if tag not in ("p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "table", "thead",
                           "tbody", "tr", "th", "td", "details", "summary", "blockquote", "hr", "br"):
                self.outside.append(f"<{tag}>")
            for k, v in attrs:
                self.outside.append(f"{k}={v}")

    def handle_endtag(self, tag):
        if tag in ("code", "pre"):
            self.depth -= 1

    def handle_data(self, data):
        if self.depth == 0:
            self.outside.append(data)


def markdown_live(doc, prose=False):
    html = subprocess.run(["cmark-gfm", "--unsafe", "-e", "autolink", "-e", "table", "-e", "strikethrough"],
                          input=doc, capture_output=True).stdout.decode("utf-8", "replace")
    p = Live()
    p.feed(html)
    out = "\n".join(p.outside)
    # Text from logs and the host must be in code; a rule's words (prose) may show the markers as text,
    # never as a tag or a link.
    bad = [] if prose else [m for m in MARKERS if m in out]
    bad += [t for t in p.outside if t.startswith("<") or t.startswith("href=") or t.startswith("src=")]
    return bad


def check(args, fmt, what, env=None, want_status=None, prose=False):
    """Runs the command; checks stdout and stderr as said above."""
    global runs
    runs += 1
    full = [BIN] + (["--format", fmt] if fmt else []) + args
    # Strict: a byte the last step of output has to escape is a step before it that did not (abort).
    env = dict(env or os.environ, VFIOEXPLAIN_STRICT_OUTPUT="1")
    r = subprocess.run(full, capture_output=True, stdin=subprocess.DEVNULL, env=env, timeout=120)
    label = f"{what}: {' '.join(a for a in args if len(a) < 80)} ({fmt or 'text'})"
    if r.returncode < 0 or r.returncode > 3:
        fail(f"{label}: exit {r.returncode} {r.stderr[-300:]!r}")
    if want_status is not None and r.returncode not in want_status:
        fail(f"{label}: exit {r.returncode}, want {want_status}: {r.stderr[:300]!r}")
    for name, data in (("stdout", r.stdout), ("stderr", r.stderr)):
        bad = raw_controls(data)
        if bad:
            fail(f"{label}: {name} carries {bad}")
    if fmt == "json" and r.stdout:
        try:
            # watch prints JSON lines; the rest one document.
            docs = [json.loads(r.stdout)] if r.stdout.lstrip().startswith(b"{\n") or b"\n{" not in r.stdout \
                else [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        except json.JSONDecodeError as e:
            fail(f"{label}: not JSON: {e}")
            docs = []
        for d in docs:
            for s in json_strings(d):
                bad = raw_controls(s.encode("utf-8", "surrogatepass"))
                if bad:
                    fail(f"{label}: a JSON string decodes to {bad}")
                    break
    if fmt == "markdown" and r.stdout:
        bad = markdown_live(r.stdout, prose)
        if bad:
            fail(f"{label}: live outside code in the rendered Markdown: {bad[:4]}")
    return r


tmp = tempfile.mkdtemp()
try:
    # VX_FIXTURES: a tree tests/fixtures/build.sh wrote already (it takes a minute on a busy machine).
    fx = os.environ.get("VX_FIXTURES") or os.path.join(tmp, "fx")
    if not os.environ.get("VX_FIXTURES"):
        subprocess.run(["bash", os.path.join(SRC, "tests/fixtures/build.sh"), fx], check=True,
                       stdout=subprocess.DEVNULL)
    R = ["--rules", RULES]

    # A log that names each fixture's device, so that device rows, VMs and fixes are shown.
    def log_for(addr, name="qemu.log", extra=""):
        p = os.path.join(tmp, name)
        with open(p, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(f"qemu-system-x86_64: -device vfio-pci,host={addr}: vfio {addr}: group 1 is not viable\n"
                    f"qemu-system-x86_64: -device vfio-pci,host={addr}: vfio {addr}: failed to setup container "
                    f"for group 1: Failed to set iommu for container: Operation not permitted\n"
                    f"vfio-pci {addr}: BAR 1: can't reserve [mem 0xe0000000-0xefffffff 64bit pref]\n{extra}")
        return p

    # --- snapshots ------------------------------------------------------------------------------------
    for host, addr in (("memlock-64k", "0000:01:00.0"), ("gpu-on-nvidia", "0000:0b:00.0")):
        snap = os.path.join(tmp, f"{host}.json")
        subprocess.run([BIN, *R, "--sysroot", os.path.join(fx, host), "snapshot", "-o", snap], check=True)
        base = json.load(open(snap))
        paths = []

        def walk(o, p):
            if isinstance(o, dict):
                for k, v in o.items():
                    walk(v, p + [k])
            elif isinstance(o, list):
                for i, v in enumerate(o):
                    walk(v, p + [i])
            elif isinstance(o, str):
                paths.append(p)

        walk(base, [])

        # A reader that refuses C0 controls may still take the rest: each string gets the hostile text, or
        # else the hostile text without its C0 controls and DEL.
        # Fields held in small buffers take a short one.
        soft = "".join(c for c in HOSTILE if ord(c) >= 0x20 and c != "\x7f")
        short = "\x1b[2J\u0085\u202e<i>pwned</i>@octocat`|"
        short_soft = short.replace("\x1b", "")

        def with_hostile(ps):
            d = json.loads(json.dumps(base))
            for p, text in ps:
                o = d
                for k in p[:-1]:
                    o = o[k]
                o[p[-1]] = o[p[-1]] + text
            return d

        hostile = os.path.join(tmp, f"{host}-hostile.json")
        accepted = []
        for p in paths:
            for text in (HOSTILE, soft, short, short_soft):
                json.dump(with_hostile([(p, text)]), open(hostile, "w"))
                r = check([*R, "--snapshot", hostile, "groups"], None,
                          f"snapshot {host} .{'.'.join(map(str, p))}")
                if r.returncode == 0:
                    accepted.append((p, text))
                    break
        json.dump(with_hostile(accepted), open(hostile, "w"))
        print(f"snapshot {host}: {len(accepted)} of {len(paths)} strings accepted with the hostile text: "
              + ", ".join(".".join(map(str, p)) + ("" if t == HOSTILE else " (no C0)" if t == soft else " (short)" if t == short else " (short, no C0)") for p, t in accepted))
        log = log_for(addr)
        S = [*R, "--snapshot", hostile]
        for fmt in ("text", "markdown", "json"):
            check([*S, "check"], fmt, f"snapshot {host}")
            check([*S, log], fmt, f"snapshot {host}")
        for fmt in ("text", "json"):
            check([*S, "groups"], fmt, f"snapshot {host}")
        for fmt in ("markdown", "json"):
            check([*S, "report", log], fmt, f"snapshot {host}")
            check([*S, "report", "--redact", log], fmt, f"snapshot {host}")
        check([*S, "snapshot", "-o", "-"], None, f"snapshot {host}")
        if host == "gpu-on-nvidia":
            for fmt in ("text", "markdown", "json"):
                check([*S, "plan", addr], fmt, f"snapshot {host}")

    # --- a host tree ----------------------------------------------------------------------------------
    tree = os.path.join(tmp, "tree")
    shutil.copytree(os.path.join(fx, "memlock-64k"), tree, symlinks=True)
    H = HOSTILE.encode()

    def write(rel, data):
        p = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)

    def sub(rel, old, new):
        p = os.path.join(tree, rel)
        data = open(p, "rb").read()
        assert old in data, (rel, old)
        write(rel, data.replace(old, new))

    write("proc/sys/kernel/hostname", b"host" + H + b"\n")
    sub("etc/os-release", b'PRETTY_NAME="', b'PRETTY_NAME="' + H.replace(b'"', b"") + b" ")
    write("proc/4242/comm", b"qemu" + H[:8] + b"\n")
    sub("proc/4242/cmdline", b"-name\0win10", b"-name\0guest=win10" + H.replace(b",", b"") + b",debug-threads=on")
    sub("proc/cpuinfo", b"model name\t: ", b"model name\t: " + H)
    log = log_for("0000:01:00.0")
    T = [*R, "--sysroot", tree]
    for fmt in ("text", "markdown", "json"):
        check([*T, "check"], fmt, "host tree")
        check([*T, log], fmt, "host tree")
    for fmt in ("text", "json"):
        check([*T, "groups"], fmt, "host tree")
    for fmt in ("markdown", "json"):
        check([*T, "report", log], fmt, "host tree")
        check([*T, "report", "--redact", log], fmt, "host tree")
    check([*T, "snapshot", "-o", "-"], None, "host tree")

    # --- a journal of two hosts -----------------------------------------------------------------------
    jr = next((p for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote")
               if os.access(p, os.X_OK)), None)
    if not jr:
        fail("systemd-journal-remote is not installed (tests/deps.sh installs it)")
    else:
        def field(k, v):
            v = v if isinstance(v, bytes) else v.encode()
            if b"\n" in v or any(c < 0x20 for c in v):
                return k.encode() + b"\n" + struct.pack("<Q", len(v)) + v + b"\n"
            return k.encode() + b"=" + v + b"\n"

        export = b""
        t = 1726131073512087
        msgs = ["vfio-pci 0000:01:00.0: BAR 1: can't reserve [mem 0xe0000000-0xefffffff 64bit pref]",
                "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: group 1 is not "
                "viable" + HOSTILE]
        for mid, hostname in (("e5ff7c12dfb84adc9c9d05b58bf837f1", b"host" + H),
                              ("a2c9d1e0f3b24c5d8e7f6a5b4c3d2e1f", b"<b>[h](https://evil.example)</b>`")):
            for i, m in enumerate(msgs):
                t += 1000
                export += (field("__REALTIME_TIMESTAMP", str(t)) + field("__MONOTONIC_TIMESTAMP", str(t % 10**7))
                           + field("_BOOT_ID", "4572f93d2ed446a3a7ff6bb628f28329")
                           + field("_TRANSPORT", "kernel" if i == 0 else "stdout")
                           + field("SYSLOG_IDENTIFIER", "kernel" if i == 0 else "qemu" + HOSTILE)
                           + field("_SYSTEMD_UNIT", "unit" + HOSTILE + ".service")
                           + field("PRIORITY", "3") + field("MESSAGE", m) + field("_MACHINE_ID", mid)
                           + field("_HOSTNAME", hostname) + b"\n")
        jdir = os.path.join(tmp, "journal")
        os.makedirs(jdir)
        b = subprocess.run([jr, "--split-mode=none", "--seal=no", f"--output={jdir}/remote.journal", "-"],
                           input=export, capture_output=True)
        if b.returncode != 0:
            fail(f"systemd-journal-remote: {b.stderr[-500:]!r}")
        J = [*R, "--no-probe", "--directory", jdir]
        for fmt in ("text", "markdown", "json"):
            check(J, fmt, "journal")
        for fmt in ("markdown", "json"):
            check([*J, "report"], fmt, "journal")
            check([*J, "report", "--redact"], fmt, "journal")
        # A hostile host name is shown escaped and said not to be one.
        r = subprocess.run([BIN, *J, "--format", "markdown", "report"], capture_output=True)
        if b"not a valid host name" not in r.stdout:
            fail("journal: a hostile _HOSTNAME is not marked as not a valid host name")

    # --- log lines, file names, a guest's lspci -----------------------------------------------------------
    name = "log" + HOSTILE.replace("/", "").replace("\x00", "") + ".log"
    # An SELinux context is captured as a value (label: letters, digits and _-.:,/+@), and an audit line is
    # any local user's to write: it may be a link and a mention.
    avc = ("[  645.118204] audit: type=1400 audit(1714557603.456:312): avc:  denied  { read write } for  "
           "pid=5120 comm=\"qemu-kvm\" name=\"12\" dev=\"devtmpfs\" ino=1043 "
           "scontext=https://evil.example/@octocat,www.evil.example tcontext=system_u:object_r:vfio_device_t:s0 "
           "tclass=chr_file permissive=0\n")
    log = log_for("0000:01:00.0", name=name, extra=f"qemu-system-x86_64: {HOSTILE}: vfio 0000:01:00.0: group 1 "
                  f"is not viable {HOSTILE}\n" + avc)
    guest = os.path.join(tmp, "guest.txt")
    with open(guest, "w") as f:
        f.write(f"00:05.0 VGA compatible controller [0300]: NVIDIA {HOSTILE} [10de:1b80] (rev a1)\n"
                f"\tSubsystem: {HOSTILE} [1458:3702]\n\tKernel modules: nouveau{HOSTILE}\n")
    for fmt in ("text", "markdown", "json"):
        check([*R, "--no-probe", log], fmt, "log")
        check([*R, "--no-probe", "--guest", guest, log], fmt, "log and guest")
    for fmt in ("markdown", "json"):
        check([*R, "--no-probe", "report", log], fmt, "log")
        check([*R, "--no-probe", "report", "--redact", log], fmt, "log")

    # --- drop-in rules ----------------------------------------------------------------------------------
    # A title with controls or invisible code points is refused where it is written (file:line:column);
    # one with markup only is taken, and shown as text.
    def dropin(name, title):
        rd = os.path.join(tmp, name)
        shutil.copytree(RULES, rd)
        p = os.path.join(rd, "binding.rules")
        text = open(p, encoding="utf-8").read()
        text, n = re.subn(r"(\[cause group-companion-unbound\][^\[]*?\ntitle = )", lambda m: m.group(1) + title, text,
                          count=1)
        assert n == 1
        open(p, "w", encoding="utf-8").write(text)
        return ["--rules", rd]

    soft = "".join(c for c in HOSTILE if ord(c) >= 0x20 and c != "\x7f")
    for name, title in (("c0", HOSTILE.replace("\n", "")), ("c1", soft)):
        D = dropin(name, title)
        r = check([*D, "rules", "check"], None, f"drop-in rule ({name})", want_status=(1,))
        if not re.search(rb"binding\.rules:[0-9]+:[0-9]+: [a-z -]*(control|invisible)", r.stderr):
            fail(f"drop-in rule ({name}): refused without saying where and why: {r.stderr[:300]!r}")
    # A rule's words are its author's (root's): markup in them is shown as text, links are not made; an
    # @mention in them would be the author's own (no escape keeps GitHub from reading one in text).
    markup = "<script>alert(1)</script>[x](https://evil.example/l) www.evil.example ``|*b*"
    D = dropin("markup", markup)
    check([*D, "rules", "check"], None, "drop-in rule (markup)", want_status=(0,))
    for fmt in ("text", "json"):
        check([*D, "rules", "list"], fmt, "drop-in rule (markup)")
    for fmt in ("text", "markdown", "json"):
        check([*D, "--no-probe", log_for("0000:01:00.0")], fmt, "drop-in rule (markup)", want_status=(1,),
              prose=True)
finally:
    shutil.rmtree(tmp, True)

print(f"{runs} runs")
if fails:
    print(f"{fails} check(s) failed")
    sys.exit(1)
print("all checks passed")
