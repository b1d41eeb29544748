"""Judges what the lab guest recorded (tests/lab/guest.py): for every scenario, vfioexplain's first
cause, piped the captured output and with no input, is the expected one and names the real device.
Asserts on cause ids and PCI addresses only, never on pids, pointers or timestamps."""
import json
import os
import sys


def causes(path, env):
        with open(path) as f:
                report = json.load(f)
        found = [(c["id"], c["device"], c) for c in report["causes"]]
        missing_env = [e for e in env if e not in [i for i, _, _ in found]]
        return [x for x in found if x[0] not in env], missing_env


def judge(sdir, run, expect, env, names):
        exit_path = os.path.join(sdir, run + ".exit")
        code = int(open(exit_path).read())
        if code not in (0, 1):
                return f"exit status {code}: {open(os.path.join(sdir, run + '.stderr')).read().strip()}"
        found, missing_env = causes(os.path.join(sdir, run + ".json"), env)
        if missing_env:
                return f"the lab guest's own {', '.join(missing_env)} was not reported"
        if expect is None:
                if found:
                        return "expected no cause, got " + ", ".join(f"{i} {d}" for i, d, _ in found)
                return None
        want_id, want_dev = expect
        if not found:
                return f"expected {want_id} {want_dev}, got no cause"
        got_id, got_dev, cause = found[0]
        if (got_id, got_dev) != (want_id, want_dev):
                return f"expected {want_id} {want_dev} first, got {got_id} {got_dev}"
        # A device that exists must be named by a fix: its address, or its group's node or directory.
        if want_dev in names and not any(n in f["command"] for f in cause["fix"] for n in names[want_dev]):
                return f"no fix of {want_id} names {want_dev} or its group"
        return None


def fmt(found):
        return found[0] if found else "-"


def main():
        out, variants = sys.argv[1], sys.argv[2:]
        failures = 0
        rows = []
        for v in variants:
                vdir = os.path.join(out, v)
                status_path = os.path.join(vdir, "guest.json")
                if not os.path.exists(status_path):
                        print(f"LAB FAILED: variant {v}: the guest recorded nothing (see {vdir}/console.log)")
                        failures += 1
                        continue
                status = json.load(open(status_path))
                if status["status"] != "ok":
                        print(f"LAB FAILED: variant {v}: {status['status']} (see {vdir}/console.log)")
                        failures += 1
                for name in sorted(os.listdir(vdir), key=lambda n: os.path.getmtime(os.path.join(vdir, n))):
                        sdir = os.path.join(vdir, name)
                        exp_path = os.path.join(sdir, "expect.json")
                        if not os.path.isfile(exp_path):
                                continue
                        exp = json.load(open(exp_path))
                        for run in [r for r in ("piped", "live", "check") if r in exp]:
                                want = " ".join(str(x) for x in exp[run]) if exp[run] else "no cause"
                                if exp[run] and exp[run][0] in exp.get("undefined", []):
                                        # A cause id is never removed: one the lab expects and the rules no
                                        # longer define is a failure, said as such.
                                        err = "these rules do not define " + exp[run][0]
                                else:
                                        err = judge(sdir, run, exp[run], exp["env"], exp["names"])
                                rows.append((v, name, run, want, "ok" if err is None else "FAIL: " + err))
                                failures += err is not None
        width = max(len(r[1]) for r in rows) if rows else 10
        for v, name, run, want, verdict in rows:
                print(f"{v:<10} {name:<{width}} {run:<5} {want:<44} {verdict}")
        print(f"lab: {len(rows)} checks, {failures} failed")
        return 1 if failures else 0


if __name__ == "__main__":
        sys.exit(main())
