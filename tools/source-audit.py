#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The source-coverage audit of the message inventory (issue 20): which error- and warning-level format strings
of pinned releases of the kernel, QEMU and libvirt the inventory (rules/inventory/*.tsv) lists.

  tools/source-audit.py extract SOURCE GITDIR REV RELEASE   lists the format strings of SOURCE's audited files
                                                     at REV (the release RELEASE, e.g. 6.14) of the git
                                                     directory GITDIR into tests/data/source-audit/
                                                     SOURCE-RELEASE.tsv; REV "-": GITDIR is a plain directory
  tools/source-audit.py check [--write]              compares every listed format with the inventory's rows and
                                                     prints the figures per source and the formats not listed;
                                                     exit 1 when a list's "# Covered:" line (or README's table)
                                                     is not what it finds (--write rewrites them)

The lists hold what the sources say (file, function, the call that prints, the format string as written); the
check needs no source tree, so the suite runs it (tests/CMakeLists.txt, rules/source-audit). What "error level"
means per source, and which files are read, is SOURCES below; docs/inventory.md says how to read the figures.
"""
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUDIT_DIR = os.path.join(TOP, "tests", "data", "source-audit")
INVENTORY_DIR = os.path.join(TOP, "rules", "inventory")
README = os.path.join(TOP, "README.md")

LINUX_LEVELS = r"(?:pr_(?:err|warn|warning|crit|alert|emerg)(?:_once|_ratelimited)?|" \
        r"(?:dev|pci)_(?:err|warn|crit|alert|emerg)(?:_once|_ratelimited)?|dev_err_probe|" \
        r"(?:dev_|pci_)?WARN(?:_ONCE|_RATELIMIT)?|kvm_err|xenbus_dev_(?:fatal|error)|" \
        r"printk(?=\s*\(\s*KERN_(?:ERR|WARNING|CRIT|ALERT|EMERG)\b))"
QEMU_LEVELS = r"(?:error_report(?:_once)?|warn_report(?:_once)?|error_setg(?:_errno)?|error_prepend|" \
        r"error_propagate_prepend|hw_error|fprintf(?=\s*\(\s*stderr\b))"
LIBVIRT_LEVELS = r"(?:virReportError|virReportSystemError|VIR_ERROR|VIR_WARN|vah_error|vah_warning)"  # vah_: virt-aa-helper
DPDK_LEVELS = r"(?:RTE_LOG|EAL_LOG)(?=\s*\(\s*(?:ERR|WARNING|CRIT|ALERT|EMERG)\b)"

# program: the inventory's program column; files: paths (a directory: its *.c files, not recursive).
SOURCES = {
        "linux": dict(program="linux", levels=LINUX_LEVELS, files=[
                "drivers/vfio/vfio.c", "drivers/vfio/vfio_main.c", "drivers/vfio/group.c", "drivers/vfio/container.c",
                "drivers/vfio/iommufd.c", "drivers/vfio/device_cdev.c", "drivers/vfio/virqfd.c",
                "drivers/vfio/vfio_iommu_type1.c", "drivers/vfio/pci/vfio_pci.c",
                "drivers/vfio/pci/vfio_pci_core.c", "drivers/vfio/pci/vfio_pci_config.c",
                "drivers/vfio/pci/vfio_pci_intrs.c", "drivers/vfio/pci/vfio_pci_rdwr.c",
                "drivers/vfio/pci/vfio_pci_igd.c", "drivers/iommu/iommu.c",
                "drivers/iommu/iommufd/",  # but its selftest.c (CONFIG_IOMMUFD_TEST)
                "drivers/iommu/intel/dmar.c", "drivers/iommu/intel/iommu.c", "drivers/iommu/dmar.c",
                "drivers/iommu/intel-iommu.c", "drivers/iommu/intel_irq_remapping.c", "drivers/iommu/amd_iommu_init.c",
                "drivers/iommu/amd_iommu.c",
                "drivers/iommu/intel/irq_remapping.c", "drivers/iommu/intel/cap_audit.c",
                "drivers/iommu/amd/init.c", "drivers/iommu/amd/iommu.c", "drivers/pci/pci.c",
                "drivers/pci/probe.c", "drivers/pci/setup-res.c", "drivers/pci/setup-bus.c", "drivers/pci/rom.c",
                "drivers/pci/quirks.c", "arch/x86/kvm/x86.c", "arch/x86/kvm/vmx/vmx.c", "arch/x86/kvm/svm/svm.c",
                "arch/x86/kvm/vmx.c", "arch/x86/kvm/svm.c",
                "virt/kvm/kvm_main.c", "drivers/xen/xen-pciback/"]),
        "qemu": dict(program="qemu", levels=QEMU_LEVELS, files=[
                "hw/vfio/pci.c", "hw/vfio/pci-quirks.c", "hw/vfio/igd.c", "hw/vfio/display.c",
                "hw/vfio/container.c", "hw/vfio/container-legacy.c", "hw/vfio/container-base.c",
                "hw/vfio/iommufd.c", "hw/vfio/device.c", "hw/vfio/helpers.c", "hw/vfio/region.c",
                "hw/vfio/listener.c", "hw/vfio/common.c", "hw/misc/vfio.c", "accel/kvm/kvm-all.c", "kvm-all.c", "hw/i386/intel_iommu.c",
                "hw/virtio/virtio-iommu.c", "backends/iommufd.c", "util/vfio-helpers.c"]),
        "dpdk": dict(program="dpdk", levels=DPDK_LEVELS, files=[
                "lib/eal/linux/eal_vfio.c", "lib/librte_eal/linux/eal_vfio.c", "lib/librte_eal/linux/eal/eal_vfio.c",
                "lib/librte_eal/linuxapp/eal/eal_vfio.c"]),
        "libvirt": dict(program="libvirt", levels=LIBVIRT_LEVELS, files=[
                "src/util/virpci.c", "src/util/virhostdev.c", "src/hypervisor/virhostdev.c",
                "src/qemu/qemu_hostdev.c", "src/qemu/qemu_domain_address.c", "src/qemu/qemu_process.c",
                "src/qemu/qemu_command.c", "src/qemu/qemu_validate.c", "src/security/security_dac.c",
                "src/security/security_selinux.c", "src/security/security_apparmor.c",
                "src/security/virt-aa-helper.c"]),
}

# The other programs of a passthrough transcript (issue 20), each read at one release (a program without releases:
# its commit's date, YYYY.MM.DD). lang: how its files are read: "c" as above (levels: the calls), "perl" (die and
# warn with a literal), "rust" (thiserror's #[error("...")] on an enum variant, and the error! and warn! macros), "go"
# (fmt.Errorf and errors.New).
PROGRAM_SOURCES = {
        "kmod": dict(program="kmod", lang="c", levels=r"(?:ERR|WRN|CRIT|LOG)", files=[
                "tools/modprobe.c", "tools/rmmod.c", "tools/insmod.c"]),
        "vendor-reset": dict(program="vendor-reset", lang="c", levels=LINUX_LEVELS[:-1] + r"|vr_err|vr_warn)", files=[
                "src/", "src/amd/", "src/amd/amdgpu/common_baco.c"]),
        "libxl": dict(program="libxl", lang="c",
                      levels=r"LOG(?:E|EV|D|ED|EVD)?(?=\s*\(\s*(?:ERROR|WARN|CRITICAL)\b)", files=[
                "tools/libs/light/libxl_pci.c", "tools/libxl/libxl_pci.c"]),
        "qemu-server": dict(program="qemu-server", lang="perl", files=[
                "src/PVE/QemuServer/PCI.pm", "PVE/QemuServer/PCI.pm", "src/PVE/QemuServer.pm", "PVE/QemuServer.pm"]),
        "cloud-hypervisor": dict(program="cloud-hypervisor", lang="rust", files=[
                "vmm/src/device_manager.rs", "pci/src/vfio.rs"]),
        "crosvm": dict(program="crosvm", lang="rust", files=["devices/src/vfio.rs", "devices/src/pci/vfio_pci.rs"]),
        "incus": dict(program="incus", lang="go", files=[
                "internal/server/device/pci.go", "internal/server/device/gpu_physical.go",
                "internal/server/device/pci/pci.go"]),
}
SOURCES.update(PROGRAM_SOURCES)

STRING = r'"(?:[^"\\\n]|\\.)*"'
TOKEN = re.compile(r'\s*(?:(' + STRING + r')|([A-Za-z_]\w*)|(\()|(\))|(,)|(.))', re.S)


def git(gitdir, *args):
        return subprocess.run(["git", "--git-dir", gitdir, *args], check=True, capture_output=True,
                              text=True, errors="replace").stdout


MACRO = re.compile(r"PRI\w+|\w+_PRI\w*|[A-Z][A-Z0-9_]*")


def call_format(text, start):
        """The format of the call whose '(' is at start: the first run of adjacent string literals (and the macros
        between them, written <NAME>) among its arguments, or the second where the first is a bare "%s" (libvirt's
        virReportError(code, "%s", _("text"))); None when it has none."""
        depth, pos, runs, parts, macros = 0, start, [], [], 0  # macros: how many of parts' last are <NAME>
        while pos < len(text):
                m = TOKEN.match(text, pos)
                if not m:
                        break
                pos = m.end()
                lit, ident, opening, closing, comma, _ = m.groups()
                if opening:
                        depth += 1
                elif closing:
                        depth -= 1
                if lit is not None:
                        parts.append(lit[1:-1])
                        macros = 0
                        continue
                if ident and re.fullmatch(r"KERN_[A-Z]+", ident):
                        continue
                if ident and parts and MACRO.fullmatch(ident):
                        parts.append("<" + ident + ">")
                        macros += 1
                        continue
                if opening and not parts:
                        continue
                if parts:
                        runs.append("".join(parts[:len(parts) - macros]))  # a literal may start with "<" too
                        parts, macros = [], 0
                        if len(runs) == 2 or runs[0] != "%s":
                                break
                if depth <= 0:
                        break
        if not runs or runs == ["%s"]:
                return None  # "%s" of a message built elsewhere: no literal to check
        return runs[1] if runs[0] == "%s" and len(runs) > 1 else runs[0]


FUNCTION = re.compile(r"^(?!(?:if|for|while|switch|return|else|do)\b)(?:[A-Za-z_][\w \t\*]*?[ \t\*])?([A-Za-z_]\w*)\s*\(",
                      re.M)


def extract(source, gitdir, rev):
        spec = SOURCES[source]
        call = re.compile(r"\b(" + spec.get("levels", "$^") + r")\s*\(")

        def listing(path):
                if rev == "-":
                        full = os.path.join(gitdir, path)
                        if path.endswith("/"):
                                return [path + n for n in sorted(os.listdir(full))] if os.path.isdir(full) else []
                        return [path] if os.path.isfile(full) else []
                return git(gitdir, "ls-tree", "--name-only", rev, path).split()

        def read(path):
                if rev == "-":
                        with open(os.path.join(gitdir, path), encoding="utf-8", errors="replace") as f:
                                return f.read()
                return git(gitdir, "show", f"{rev}:{path}")

        paths = []
        for path in spec["files"]:
                if path.endswith("/"):
                        paths += [p for p in listing(path) if p.endswith(".c") and not p.endswith("/selftest.c")]
                elif listing(path):
                        paths.append(path)
        rows = []
        for path in paths:
                text = read(path)
                if spec.get("lang", "c") != "c":
                        rows += EXTRACTORS[spec["lang"]](path, text)
                        continue
                text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.S)
                functions = [(m.start(), m.group(1)) for m in FUNCTION.finditer(text)]
                for m in call.finditer(text):
                        line_start = text.rfind("\n", 0, m.start()) + 1
                        if text[line_start:m.start()].lstrip().startswith(("#", "//")):
                                continue
                        fmt = call_format(text, m.end() - 1)
                        if fmt is None:
                                continue
                        function = "-"
                        for at, name in functions:
                                if at > m.start():
                                        break
                                function = name + "()"
                        rows.append((path, function, m.group(1), fmt))
        seen, unique = set(), []
        for row in rows:
                if row not in seen:
                        seen.add(row)
                        unique.append(row)
        return paths, unique


def blank(text, pattern, flags=0):
        """text with what pattern matches (comments) made blanks, lines kept."""
        return re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=flags)


def enclosing(marks, at):
        """The last of marks ((offset, name), in order) before at, or "-"."""
        name = "-"
        for where, n in marks:
                if where > at:
                        break
                name = n
        return name


PERL_STRING = r'"(?:[^"\\]|\\.)*"|' + r"'(?:[^'\\]|\\.)*'"


def extract_perl(path, text):
        """die and warn with a literal message (its adjacent ". literal" parts joined), in the sub they are in."""
        text = blank(text, r"^=\w.*?^=cut\b.*?$", re.S | re.M)  # POD
        text = blank(text, r"(?m)^\s*#.*$")
        subs = [(m.start(), m.group(1) + "()") for m in re.finditer(r"(?m)^sub\s+(\w+)", text)]
        rows = []
        for m in re.finditer(r"\b(die|warn)\b\s*\(?\s*((?:" + PERL_STRING + r")(?:\s*\.\s*(?:" + PERL_STRING + r"))*)",
                             text):
                parts = re.findall(PERL_STRING, m.group(2))
                rows.append((path, enclosing(subs, m.start()), m.group(1), "".join(p[1:-1] for p in parts)))
        return rows


RUST_STRING = r'"(?:[^"\\]|\\.)*"'


def rust_literal(lit):
        return re.sub(r"\\\n\s*", "", lit[1:-1]).replace("\n", "\\n")


def extract_rust(path, text):
        """thiserror's #[error("...")] (function: ENUM::VARIANT) and error!/warn! with a literal (function: the fn, with
        its impl's type)."""
        text = blank(text, r"/\*.*?\*/", re.S)
        text = blank(text, r"//[^\n]*")
        enums = [(m.start(), m.group(1)) for m in re.finditer(r"\benum\s+(\w+)", text)]
        impls = [(m.start(), m.group(1)) for m in
                 re.finditer(r"(?m)^impl\b(?:<[^{]*?>)?\s+(?:[\w:]+(?:<[^{]*?>)?\s+for\s+)?(\w+)", text)]
        ends = [m.start() for m in re.finditer(r"(?m)^\}", text)]
        fns = [(m.start(), m.group(1)) for m in re.finditer(r"\bfn\s+(\w+)", text)]
        found = []
        for m in re.finditer(r"#\[error\(\s*(" + RUST_STRING + r")\s*[,)][^\]]*\]\s*(?:#\[[^\]]*\]\s*)*(\w+)", text, re.S):
                found.append((m.start(), (path, enclosing(enums, m.start()) + "::" + m.group(2), "#[error]",
                                          rust_literal(m.group(1)))))
        for m in re.finditer(r"\b((?:log::)?(?:error|warn))!\s*\(\s*(" + RUST_STRING + r")", text, re.S):
                fn = enclosing(fns, m.start())
                at = max((at for at, _ in fns if at < m.start()), default=0)
                impl = [(a, n) for a, n in impls if a < at]
                if impl and not any(impl[-1][0] < e < at for e in ends):
                        fn = impl[-1][1] + "::" + fn
                found.append((m.start(), (path, fn + "()" if fn != "-" else fn, m.group(1) + "!",
                                          rust_literal(m.group(2)))))
        return [row for _, row in sorted(found)]


def extract_go(path, text):
        """fmt.Errorf and errors.New with a literal, in the func (TYPE.METHOD for a method) they are in."""
        text = blank(text, r"/\*.*?\*/", re.S)
        text = blank(text, r"//[^\n]*")
        funcs = [(m.start(), (m.group(1) + "." if m.group(1) else "") + m.group(2) + "()") for m in
                 re.finditer(r"(?m)^func\s+(?:\(\s*\w*\s*\*?(\w+)\s*\)\s*)?(\w+)", text)]
        rows = []
        for m in re.finditer(r"\b(fmt\.Errorf|errors\.New)\(\s*(" + RUST_STRING + r"|`[^`]*`)", text):
                rows.append((path, enclosing(funcs, m.start()), m.group(1), m.group(2)[1:-1]))
        return rows


EXTRACTORS = {"perl": extract_perl, "rust": extract_rust, "go": extract_go}


SPEC = re.compile(r"%(?:\d+\$)?[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|L|q|j|z|Z|t)?"
                  r"(?:p[A-Za-z]+\d*|[diouxXeEfFgGaAcspnm%])")


PERL_VARIABLE = re.compile(r"(?<!\\)(?:\$@|[$@](?:\{\w+\}|\w+(?:::\w+)*)(?:(?:->)?(?:\{[^{}]*\}|\[[^\[\]]*\]))*"
                           r"(?:->[@%]\*)?)")
GO_VERB = re.compile(r"%[-+# 0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[vTtbcdoOqxXUeEfFgGspw]")


def native(fmt, lang):
        """A format of another language with its placeholders written as C's %s: Rust's {...}, Perl's interpolated
        variables, Go's verbs; in C, a macro between two literals as the inventory writes it ("PCI_BDF", "PRIx64")."""
        if lang == "rust":
                return re.sub(r"\{\{|\}\}|\{[^{}]*\}", lambda m: {"{{": "{", "}}": "}"}.get(m.group(), "%s"), fmt)
        if lang == "perl":
                return PERL_VARIABLE.sub("%s", fmt).replace("\\$", "$").replace("\\@", "@")
        if lang == "go":
                return GO_VERB.sub("%s", fmt)
        fmt = re.sub(r'(?<!\\)"[ \t]*[A-Za-z_]\w*$', "", fmt)  # a macro ending the format: the extraction drops it too
        return re.sub(r'(?<!\\)"[ \t]*[A-Za-z_]\w*[ \t]*"', "%s", fmt)


def normalize(fmt, lang="c"):
        """A format as a comparable text: no leading macro (the inventory writes {FW_BUG}, the extraction drops it), no
        trailing newline, each other conversion and macro one '%', blanks folded."""
        fmt = native(fmt, lang)
        fmt = re.sub(r"^(?:\s*(?:\{[A-Za-z_]\w*\}|<[A-Za-z_]\w*>))+", "", fmt)  # FW_BUG, KERN_ERR, PFX ...
        fmt = re.sub(r"<[A-Za-z_]\w*>", "%s", fmt.replace("\\\"", "\"").replace("\\'", "'"))  # %s: "% f" would read as a conversion
        fmt = SPEC.sub("%", fmt)
        fmt = re.sub(r"(?:\\n)+$", "", fmt.strip())
        fmt = re.sub(r"\s+", " ", fmt).strip()
        return fmt.casefold()


DISPOSITION = {}  # "FILE.tsv:LINE" of an inventory row: its disposition


def inventory_formats(program, lang="c"):
        formats = []
        for name in sorted(os.listdir(INVENTORY_DIR)):
                if not name.endswith(".tsv"):
                        continue
                with open(os.path.join(INVENTORY_DIR, name), encoding="utf-8") as f:
                        for number, line in enumerate(f, 1):
                                cols = line.rstrip("\n").split("\t")
                                if line.startswith("#") or len(cols) != 9 or cols[0] != program:
                                        continue
                                formats.append((normalize(cols[4], lang), f"{name}:{number}", area(cols[1])))
                                DISPOSITION[f"{name}:{number}"] = cols[6]
        return formats


def area(path):
        """The part of a source tree a file is in (drivers/iommu, hw/vfio, src/util): files move inside it."""
        return "/".join(path.split("/")[:2])


def covering_row(fmt, path, formats, lang="c"):
        """The inventory row that lists this format, or None. A format with "\\n" inside prints one line per part:
        it is listed when every part with words is. A row of the same area of the tree may give the format with the
        prefix its program puts before it ("DMAR: ", "{fw_bug}"), or end earlier or later than it (a part of a
        message printed in pieces): where the shorter text has 16 characters or more, that counts too."""
        norm = normalize(fmt, lang)
        exact = {f: where for f, where, _ in formats}
        if norm in exact:
                return exact[norm]
        parts = [p for p in (normalize(p, lang) for p in re.split(r"\\n", fmt)) if re.search(r"[a-z]{3}", p)]
        if len(parts) > 1 and all(p in exact for p in parts):
                return exact[parts[0]]
        for f, where, row_area in formats:
                if row_area != area(path):
                        continue
                if (len(norm) >= 16 and f.endswith(norm)) or (len(min(f, norm, key=len)) >= 16 and
                                                               (f.startswith(norm) or norm.startswith(f))):
                        return where
        return None


def audit_lists():
        """(source, release, path) of every list, by source and release."""
        lists = []
        for name in os.listdir(AUDIT_DIR):
                m = re.fullmatch(r"([a-z][a-z-]*?)-([0-9][0-9.]*)\.tsv", name)
                if m and m.group(1) in SOURCES:
                        lists.append((m.group(1), m.group(2), os.path.join(AUDIT_DIR, name)))
        order = list(SOURCES)
        return sorted(lists, key=lambda t: (order.index(t[0]), [-int(n) for n in t[1].split(".")]))


def load_list(path):
        header, rows = [], []
        with open(path, encoding="utf-8") as f:
                for line in f:
                        if line.startswith("#"):
                                header.append(line)
                        elif line.strip():
                                rows.append(tuple(line.rstrip("\n").split("\t")))
        return header, rows


KINDS = ("cause", "symptom", "fact", "benign")


def covered_line(found, wordless, outside, audited, covered, kinds):
        share = 100.0 * covered / audited if audited else 0.0
        return (f"# Covered: {covered} of {audited} ({share:.1f}%) have an inventory row (" +
                ", ".join(f"{k} {n}" for k, n in zip(KINDS, kinds)) + f"); {found} format strings found, {wordless} "
                f"prefixes or without words, {outside} outside a passthrough path (scope.tsv).\n")


def load_scope():
        """tests/data/source-audit/scope.tsv: the functions of the audited files that are not on a passthrough path
        (source; a regular expression the whole file name matches, and one the whole function name matches; why),
        as the inventory's headers say under "Not listed"."""
        scope = []
        with open(os.path.join(AUDIT_DIR, "scope.tsv"), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                        if line.startswith("#") or not line.strip():
                                continue
                        cols = line.rstrip("\n").split("\t")
                        if len(cols) != 4 or not cols[3].strip():
                                raise SystemExit(f"scope.tsv:{number}: want source, file, function, reason")
                        scope.append((cols[0], re.compile(cols[1]), re.compile(cols[2]), f"scope.tsv:{number}"))
        return scope


def out_of_scope(source, row, scope):
        function = row[1][:-2] if row[1].endswith("()") else row[1]
        for s, path, pattern, where in scope:
                if s == source and path.fullmatch(row[0]) and pattern.fullmatch(function):
                        return where
        return None


def check(write):
        failures, table = 0, []
        scope = load_scope()
        lists = audit_lists()
        for source in SOURCES:
                if not any(t[0] == source for t in lists):
                        print(f"FAIL: no list of {source}: run tools/source-audit.py extract {source} GITDIR REV RELEASE")
                        failures += 1
        for source, release, path in lists:
                spec = SOURCES[source]
                header, rows = load_list(path)
                lang = spec.get("lang", "c")
                formats = inventory_formats(spec["program"], lang)
                wordless = [r for r in rows if not re.search(r"[A-Za-z]{3}", SPEC.sub("", native(r[3], lang))) or
                            (r[2] in ("error_prepend", "error_propagate_prepend") and r[3].endswith(": "))]
                outside = [r for r in rows if r not in wordless and out_of_scope(source, r, scope)]
                audited = [r for r in rows if r not in wordless and r not in outside]
                rows_of = {r: covering_row(r[3], r[0], formats, lang) for r in audited}
                missing = [r for r in audited if rows_of[r] is None]
                kinds = [sum(1 for w in rows_of.values() if w and DISPOSITION[w] == k) for k in KINDS]
                per_file = {}
                for r in audited:
                        f = per_file.setdefault(r[0], [0, 0])
                        f[0] += 1
                        f[1] += r not in missing
                covered = len(audited) - len(missing)
                want = covered_line(len(rows), len(wordless), len(outside), len(audited), covered, kinds)
                table.append((source, release, len(rows), len(outside) + len(wordless), len(audited), covered, *kinds))
                print(f"{source} {release}: {want[len('# Covered: '):].strip()}")
                for name, (n, c) in sorted(per_file.items()):
                        print(f"  {name}: {c} of {n}")
                for r in missing:
                        print(f"  not listed: {r[0]} {r[1]} {r[2]}: {r[3]}")
                old = [h for h in header if h.startswith("# Covered: ")]
                if old != [want]:
                        if write:
                                header = [h if not h.startswith("# Covered: ") else want for h in header]
                                with open(path, "w", encoding="utf-8") as f:
                                        f.writelines(header)
                                        f.writelines("\t".join(r) + "\n" for r in rows)
                        else:
                                print(f"FAIL: {path}: its figures line should read:\n{want.rstrip()}")
                                failures += 1
        lines = ["| source | release | format strings | not audited | audited | with an inventory row | share | "
                 "cause | symptom | fact | benign |\n", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"]
        # Issue 20's figure is of the kernel, QEMU and libvirt: their subtotal, and the other programs', before "all".
        groups = {"linux, qemu, libvirt": ("linux", "qemu", "libvirt"), "the other programs": tuple(PROGRAM_SOURCES),
                  "all": tuple(SOURCES)}
        for source in list(SOURCES) + list(groups):
                mine = [t for t in table if t[0] == source]
                if source in groups:
                        part = [t for t in table if t[0] in groups[source]]
                        mine = [(source, "-", *(sum(t[i] for t in part) for i in range(2, 10)))]
                for _, release, found, skipped, n, c, *kinds in mine:
                        lines.append(f"| {source} | {release} | {found} | {skipped} | {n} | {c} | "
                                     f"{100.0 * c / n if n else 0:.1f}% | " + " | ".join(map(str, kinds)) + " |\n")
        with open(README, encoding="utf-8") as f:
                readme = f.readlines()
        try:
                begin = next(i for i, l in enumerate(readme) if l.startswith("<!-- source audit figures:"))
                end = next(i for i, l in enumerate(readme) if l.startswith("<!-- end of source audit figures"))
        except StopIteration:
                print("FAIL: README.md has no source audit figures between their markers")
                return 1
        if readme[begin + 1:end] != lines:
                if write:
                        readme[begin + 1:end] = lines
                        with open(README, "w", encoding="utf-8") as f:
                                f.writelines(readme)
                else:
                        print("FAIL: README.md's source audit figures are stale: run tools/source-audit.py check --write")
                        failures += 1
        return 1 if failures else 0


def main(argv):
        if len(argv) == 5 and argv[0] == "extract" and argv[1] in SOURCES and re.fullmatch(r"[0-9][0-9.]*", argv[4]):
                source, gitdir, rev, release = argv[1:]
                commit = git(gitdir, "rev-parse", rev + "^{commit}").strip() if rev != "-" else None
                paths, rows = extract(source, gitdir, commit or "-")
                name = f"{source}-{release}.tsv"
                where = f"commit {commit}" if commit else f"the files of {os.path.basename(gitdir.rstrip('/'))}"
                with open(os.path.join(AUDIT_DIR, name), "w", encoding="utf-8") as f:
                        f.write(f"# {name}: the error- and warning-level format strings of {source} {release} ({where}), "
                                f"written by tools/source-audit.py extract; docs/inventory.md.\n")
                        f.write(f"# Files: {' '.join(paths)}\n")
                        f.write("# Covered: -\n")
                        f.write("# file\tfunction\tcall\tformat\n")
                        f.writelines("\t".join(r) + "\n" for r in rows)
                return 0
        if argv in (["check"], ["check", "--write"]):
                return check(len(argv) == 2)
        print(__doc__.strip(), file=sys.stderr)
        return 2


if __name__ == "__main__":
        sys.exit(main(sys.argv[1:]))
