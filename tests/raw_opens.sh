#!/usr/bin/env bash
# Every file vfioexplain reads is opened by analyzer/base/fileio.c (issue 24): found files only when they
# are regular, never a FIFO that blocks or a device node whose driver acts on open, and each read bounded.
# This fails the suite on any other open in the production code (analyzer/, cli/, probes/, sources/): a
# libc open, or a library call that opens a path itself. A line that must (a library given a path that was
# checked, a file the user named for a library that takes only a path) says why in a comment holding
# "raw-open:", on that line or in the comment just above the statement.
#   tests/raw_opens.sh SRC [FILE...]   (FILE...: check these instead, for the check's own test)
src=$1
shift
cd "$src" || exit 1
if [ $# -gt 0 ]; then
        files=("$@")
else
        mapfile -t files < <(find analyzer cli probes sources -name '*.[ch]' ! -path analyzer/base/fileio.c | sort)
fi
calls='open|open64|openat|openat2|creat|fopen|fopen64|freopen|fdopen|opendir|fdopendir|scandir|scandirat|name_to_handle_at|open_by_handle_at'
libs='sd_journal_open|sd_journal_open_directory|sd_journal_open_files|sd_journal_open_namespace|tracecmd_open|tracecmd_open_head|tracecmd_open_flags|xmlReadFile|xmlCtxtReadFile|xmlParseFile|pci_set_name_list_path'
awk -v re="(^|[^A-Za-z0-9_.>])(sym_)?($calls|$libs)[ \t]*\\\\(|SYS_openat2?" '
        FNR == 1 { marker = 0 }
        {
                if ($0 ~ /raw-open:/)
                        marker = 1
                # A comment line: it may carry the marker for the code below it, and calls nothing.
                if ($0 ~ /^[ \t]*(\/\*|\*|\/\/)/)
                        next
                line = $0
                gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
                sub(/\/\*.*/, "", line)
                sub(/\/\/.*/, "", line)
                if (line ~ re && !marker) {
                        printf "%s:%d: opens a file outside analyzer/base/fileio.c: %s\n", FILENAME, FNR, $0
                        bad++
                }
                # The marker covers the statement below it, to its end.
                if (line ~ /[;{}]/)
                        marker = 0
        }
        END { exit bad > 0 }' "${files[@]}"
status=$?
[ $status -eq 0 ] && echo "ok: no file is opened outside analyzer/base/fileio.c (${#files[@]} files)"
exit $status
