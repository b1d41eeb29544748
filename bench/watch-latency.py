#!/usr/bin/env python3
"""Watch latency: from a line written to the moment its cause (or the update of it) is printed.

Two paths, measured separately because they are bounded by different things:
  kmsg     a line written to /dev/kmsg as root, read by watch from /dev/kmsg;
  journal  a libvirt error sent to journald (systemd-cat), read by watch through sd-journal.
journald writes an entry into its file at once but announces the change to readers (inotify) only on
a timer; watch reads the journal again on a short tick rather than wait for it. `journalctl -f`, which
waits, is measured alongside as the reference.
Needs root and, for the journal path, a running systemd-journald (started here if none runs).
Usage: bench/watch-latency.py BUILD/vfioexplain [N]
"""
import os, select, signal, statistics, subprocess, sys, time

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 50
RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rules")


def readline(f, timeout):
    end, buf = time.monotonic() + timeout, b""
    while time.monotonic() < end:
        if not select.select([f], [], [], max(0, end - time.monotonic()))[0]:
            break
        c = os.read(f.fileno(), 1)
        if not c:
            break
        buf += c
        if c == b"\n":
            return buf
    return buf


WATCH = [BIN, "--rules", RULES, "--no-probe", "--format", "json", "watch"]


def measure(name, write, cmd=WATCH):
    """Starts cmd, waits until it follows, then times N lines from write() to cmd's next output line."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if cmd is WATCH:
        readline(p.stderr, 5)  # "watching ...": it follows from here on
    else:
        time.sleep(1)
    lat = []
    for i in range(N):
        t0 = time.monotonic()
        write(i)
        if readline(p.stdout, 5).strip():
            lat.append((time.monotonic() - t0) * 1000)
        time.sleep(0.02)
    p.send_signal(signal.SIGTERM)
    p.communicate()
    if not lat:
        print(f"{name:8} no event seen")
        return
    lat.sort()
    print(f"{name:8} n={len(lat):3}  median {statistics.median(lat):7.1f} ms  "
          f"p95 {lat[int(len(lat) * 0.95) - 1]:7.1f} ms  max {lat[-1]:7.1f} ms")


def kmsg(i):
    with open("/dev/kmsg", "w") as f:
        f.write("<4>vfio_pin_pages_remote: RLIMIT_MEMLOCK (67108864) exceeded\n")


def journal(i):
    subprocess.run(["systemd-cat", "-t", "virtqemud", "-p", "err"], check=True,
                   input=b"internal error: Process exited prior to exec: libvirt:  error : cannot limit locked "
                         b"memory to 17179869184: Operation not permitted")


print(f"vfioexplain watch latency, line written -> cause printed ({os.uname().release}, {os.cpu_count()} CPUs)")
measure("kmsg", kmsg)
started = None
if not subprocess.run(["pidof", "systemd-journald"], capture_output=True).stdout.strip():
    os.makedirs("/run/systemd/journal", exist_ok=True)
    started = subprocess.Popen(["/lib/systemd/systemd-journald"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(1)
measure("journal", journal)
# The reference: journalctl -f, reading the same journal the same way (sd-journal, inotify).
measure("journalctl -f (reference)", journal, ["journalctl", "-f", "-n", "0", "-o", "cat", "-t", "virtqemud"])
if started:
    started.terminate()
