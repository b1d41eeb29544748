#!/usr/bin/env python3
"""The measuring half of bench/run.sh (which prepares the inputs); prints the Markdown report."""
import json
import os
import statistics
import subprocess
import sys
import time

cfg = json.load(open(sys.argv[1]))
vx, log, size = cfg["bin"], cfg["log"], os.path.getsize(cfg["log"])
RUNS = cfg["runs"]


def load():
    return open("/proc/loadavg").read().split()[0]


def run(argv, out=subprocess.PIPE, env=None):
    """Wall seconds, CPU seconds, peak RSS (KB) and stdout of one run."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=env)
    data = p.stdout.read() if out == subprocess.PIPE else b""
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, data


def wait_for_quiet(limit=1.0, patience=45):
    """Other work on this machine skews every figure: wait (a while) for the 1-minute load to drop."""
    deadline = time.time() + patience
    while float(load()) > limit and time.time() < deadline:
        time.sleep(5)


def warm(path):
    """Reads the file once untimed: a host that reclaims cold page cache (this benchmark's VM pages out
    file pages unused for a minute or two, DAMON's pageout scheme) would otherwise time the disk."""
    run(["cat", path], subprocess.DEVNULL)


wait_for_quiet()
warm(log)
load_before = load()
tools = [
    ("cat file > /dev/null (ceiling)", ["cat", log], subprocess.DEVNULL),
    ("vfioexplain --no-probe", [vx, "--no-probe", "--format", "json", log], subprocess.PIPE),
    ("its reading and literal pass alone (bench/floor.c)", [cfg["floor"], "rules", log], subprocess.DEVNULL),
    (f"rg -j1 -c -f ({cfg['n_rg']} regexes)", ["rg", "-j1", "-c", "-f", cfg["rg"], log], subprocess.PIPE),
    (f"grep -c -E -f ({cfg['n_ere']} regexes)", ["grep", "-c", "-E", "-f", cfg["ere"], log], subprocess.PIPE),
    ("rg -j1 -c -f (as written, ^ kept)", ["rg", "-j1", "-c", "-f", cfg["rg_asis"], log], subprocess.PIPE),
]
times = {name: [] for name, _, _ in tools}
outputs = {}
for _ in range(RUNS):  # interleaved, so that a burst of other load hits every tool alike
    for name, argv, out in tools:
        wall, cpu, maxrss, data = run(argv, out)
        times[name].append(wall)
        outputs[name] = data
load_after = load()

matched = json.loads(outputs["vfioexplain --no-probe"])["stats"]["matched_lines"]
vx_t = statistics.median(times["vfioexplain --no-probe"])
print(f"Input: {size / 1e9:.2f} GB from bench/gen-log.sh ({cfg['lines']} lines); {RUNS} runs each, interleaved, "
      f"median wall time; output to a pipe (cat: /dev/null). Load average (1 min) {load_before} before, "
      f"{load_after} after.\n")
print("| command | seconds | GB/s | vfioexplain's throughput is | lines counted |")
print("|---|---|---|---|---|")
for name, _, _ in tools:
    t = statistics.median(times[name])
    ratio = "" if name.startswith("vfioexplain") else f"{t / vx_t:.2f}x this"
    counted = outputs[name].decode().strip() if name.startswith(("rg", "grep")) else (
        str(matched) if name.startswith("vfioexplain") else "")
    print(f"| {name} | {t:.3f} | {size / t / 1e9:.2f} | {ratio} | {counted} |")
print()

def cold(argv, runs=cfg["cold_runs"]):
    """Median, p10, p90 (ms) and peak RSS (KB) of runs of argv, timed by bench/coldstart.c."""
    out = subprocess.run([cfg["coldstart"], str(runs)] + argv, capture_output=True, text=True,
                         check=True).stdout.split()
    return [float(x) for x in out]


# Memory: the peak on the large input and on the small one.
rss = int(cold([vx, "--no-probe", log], 1)[3])
rss_small = int(cold([vx, "--no-probe", cfg["small"]], 5)[3])
print(f"Peak RSS (getrusage ru_maxrss): {rss} KB on {size / 1e9:.2f} GB, {rss_small} KB on the 20-line log.\n")

# Cold start.

wait_for_quiet()
c = cold([vx, "--no-probe", cfg["small"]])
v = cold([vx, "--version"])
t = cold(["/bin/true"])
print(f"Cold start, exec to answer, 20-line QEMU failure (bench/qemu-failure.log), --no-probe, {cfg['cold_runs']} "
      f"runs: median {c[0]:.2f} ms (p10 {c[1]:.2f}, p90 {c[2]:.2f}). For scale: `vfioexplain --version` "
      f"{v[0]:.2f} ms (loading its shared libraries), `/bin/true` {t[0]:.2f} ms. Load {load()}.\n")

# Scaling with input size.
print("| input | seconds | GB/s |")
print("|---|---|---|")
for path in cfg["sizes"]:
    wait_for_quiet()
    warm(path)
    s = os.path.getsize(path)
    ts = [run([vx, "--no-probe", "--format", "json", path])[0] for _ in range(RUNS)]
    print(f"| {s / 1e6:.0f} MB | {statistics.median(ts):.3f} | {s / statistics.median(ts) / 1e9:.2f} |")
print()

# Scaling with the number of rules, on the second-largest input.
path = cfg["sizes"][-2]
print(f"| rules (on {os.path.getsize(path) / 1e6:.0f} MB) | seconds | GB/s |")
print("|---|---|---|")
for n, rules in cfg["rule_sets"]:
    wait_for_quiet()
    warm(path)
    ts = [run([vx, "--no-probe", "--rules", rules, "--format", "json", path])[0] for _ in range(RUNS)]
    print(f"| {n} | {statistics.median(ts):.3f} | {os.path.getsize(path) / statistics.median(ts) / 1e9:.2f} |")
print()

# The portable path (no Hyperscan), for hosts built without it.
warm(path)
ts = [run([vx, "--no-probe", "--format", "json", path], env=dict(os.environ, VFIOEXPLAIN_SCAN="portable"))[0]
      for _ in range(RUNS)]
print(f"Portable prefilter only (VFIOEXPLAIN_SCAN=portable), {os.path.getsize(path) / 1e6:.0f} MB: "
      f"{statistics.median(ts):.3f} s, {os.path.getsize(path) / statistics.median(ts) / 1e9:.2f} GB/s. "
      f"Load {load()}.")
