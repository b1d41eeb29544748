"""The lab guest: provokes each passthrough failure for real, captures what the kernel, QEMU and the
shell printed, and runs vfioexplain live on this guest (piped the captured output, and with no
input). Runs as root in the guest's chroot (tests/lab/init); writes every artifact under /out,
which tests/lab/check.py judges on the host."""
import json
import os
import pty
import signal
import subprocess
import sys
import time

os.environ["PATH"] = "/usr/sbin:/usr/bin"
VX = ["/vxbin/vfioexplain", "--rules", "/src/rules", "--format", "json"]
OUT = "/out"
LAB_UID = 1000
NESTED_QEMU = ["qemu-system-x86_64", "-nodefaults", "-display", "none", "-machine", "q35",
               "-accel", "tcg,tb-size=16", "-m", "64", "-S", "-monitor", "none"]

# The guest's devices (tests/lab/run.sh): addresses as the guest kernel numbers them.
NIC = "0000:00:03.0"          # e1000e alone in its group
ROOT_PORT = "0000:00:04.0"    # pcie-root-port
PCI_BRIDGE = "0000:00:05.0"   # pci-bridge: its two e1000 share one group with it
BRIDGED_NIC = "0000:02:01.0"
BRIDGED_NIC2 = "0000:02:02.0"
HDA = "0000:00:1b.0"          # ich9-intel-hda, function 0 of a multifunction slot
HDA_COMPANION = "0000:00:1b.1"  # qemu-xhci, function 1 of that slot
ABSENT = "0000:00:09.0"


def log(*a):
        print("lab-guest:", *a, flush=True)


def dev(addr, attr):
        return f"/sys/bus/pci/devices/{addr}/{attr}"


def driver_of(addr):
        p = dev(addr, "driver")
        return os.path.basename(os.readlink(p)) if os.path.exists(p) else None


def group_of(addr):
        return os.path.basename(os.readlink(dev(addr, "iommu_group")))


class Scenario:
        def __init__(self, name):
                self.name = name
                self.dir = os.path.join(OUT, name)
                os.makedirs(self.dir, exist_ok=True)
                self.shell = []
                self.qemu = []
                self.qemu_pids = []
                # A fresh kernel log per scenario: `dmesg -C` moves the clear mark, which dmesg and
                # vfioexplain's /dev/kmsg reader both start from.
                subprocess.run(["dmesg", "-C"], check=True)
                self.t0 = time.time()

        def sh(self, command, user=None):
                """A sysfs write as a user types it; its error as bash prints it is evidence."""
                argv = ["bash", "-c", command]
                if user is not None:
                        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] + argv
                r = subprocess.run(argv, capture_output=True, text=True)
                self.shell.append(f"# {command}\n{r.stderr}")
                return r.returncode

        def run_qemu(self, device_opts, user=None, memlock=None, keep=False, before=()):
                """The machine's own QEMU, nested (TCG): it only has to reach device setup. With
                -daemonize its parent exits once the machine is set up, 0 if every device was.
                device_opts: one -device or a list of them; before: arguments ahead of them."""
                pidfile = f"/tmp/qemu-{self.name}-{len(self.qemu)}.pid"
                devices = [device_opts] if isinstance(device_opts, str) else device_opts
                argv = NESTED_QEMU + list(before) + [a for d in devices for a in ("-device", d)]
                argv += ["-daemonize", "-pidfile", pidfile]
                if user is not None:
                        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] + argv
                if memlock is not None:
                        argv = ["prlimit", f"--memlock={memlock}:{memlock}"] + argv
                r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
                self.qemu.append(r.stderr)
                if r.returncode == 0:
                        pid = int(open(pidfile).read())
                        if keep:
                                self.qemu_pids.append(pid)
                        else:
                                stop(pid)
                return r.returncode

        def hold_device(self, device_opts):
                """QEMU in the foreground, so its stderr is kept for as long as it runs, returned once
                it holds the vfio device open (an fd on the anonymous [vfio-device] inode)."""
                err = open(f"/tmp/qemu-{self.name}-held.stderr", "w+")
                p = subprocess.Popen(NESTED_QEMU + ["-device", device_opts], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=err)
                deadline = time.time() + 120
                while time.time() < deadline and p.poll() is None:
                        fds = f"/proc/{p.pid}/fd"
                        try:
                                if any(os.readlink(os.path.join(fds, fd)) == "anon_inode:[vfio-device]"
                                       for fd in os.listdir(fds)):
                                        return p, err
                        except OSError:
                                pass
                        time.sleep(0.5)
                raise RuntimeError(f"QEMU did not open {device_opts} (exit {p.poll()})")

        def release(self, held):
                """Kills a QEMU from hold_device and keeps what it printed."""
                p, err = held
                p.kill()
                p.wait()
                err.seek(0)
                self.qemu.append(err.read())
                err.close()

        @staticmethod
        def names(expect):
                """How a fix can name each expected device: its address, its group's node or directory."""
                names = {}
                for e in expect.values():
                        if e and e[1] and os.path.exists(dev(e[1], "iommu_group")):
                                g = group_of(e[1])
                                names[e[1]] = [e[1], f"/dev/vfio/{g}", f"/sys/kernel/iommu_groups/{g}/"]
                return names

        def explain(self, expect_piped, expect_live, env=(), check=None, fix_names=()):
                """Writes the captured logs, runs vfioexplain both ways, records what must come first.
                fix_names: what else a fix may name instead of the device (the romfile's path)."""
                kernel = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
                files = {"kernel.log": kernel, "shell.log": "".join(self.shell), "qemu.log": "".join(self.qemu)}
                for n, text in files.items():
                        with open(os.path.join(self.dir, n), "w") as f:
                                f.write(text)
                captured = "".join(files.values()).encode()
                piped = subprocess.run(VX, input=captured, capture_output=True)
                # No input: stdin a terminal, so vfioexplain reads this boot itself (here /dev/kmsg).
                master, slave = pty.openpty()
                live = subprocess.run(VX, stdin=slave, capture_output=True)
                os.close(slave)
                os.close(master)
                runs = [("piped", piped), ("live", live)]
                expect = {"piped": expect_piped, "live": expect_live}
                if check:
                        # What `check` says of the device the failure was about, for failures whose
                        # messages name no device.
                        addr, expect["check"] = check
                        runs.append(("check", subprocess.run(VX[:1] + ["check", addr] + VX[1:], capture_output=True)))
                for n, r in runs:
                        with open(os.path.join(self.dir, n + ".json"), "wb") as f:
                                f.write(r.stdout)
                        with open(os.path.join(self.dir, n + ".stderr"), "wb") as f:
                                f.write(r.stderr)
                        with open(os.path.join(self.dir, n + ".exit"), "w") as f:
                                f.write(f"{r.returncode}\n")
                names = self.names(expect)
                for addr in names:
                        names[addr] += list(fix_names)
                # An expected cause these rules do not define fails in check.py, with that said.
                wanted = {e[0] for e in expect.values() if e}
                with open(os.path.join(self.dir, "expect.json"), "w") as f:
                        json.dump(dict(expect, env=list(env), names=names, undefined=sorted(wanted - defined_causes()),
                                       seconds=round(time.time() - self.t0, 1)), f)
                for pid in self.qemu_pids:
                        stop(pid)
                log(self.name, "done in", round(time.time() - self.t0, 1), "s")


_defined = None


def defined_causes():
        """The cause ids the rules under test define."""
        global _defined
        if _defined is None:
                r = subprocess.run(VX[:1] + ["rules", "list"] + VX[1:], capture_output=True, check=True)
                _defined = {c["id"] for c in json.loads(r.stdout)["causes"]}
        return _defined


def stop(pid):
        try:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
                return
        for _ in range(200):
                if not os.path.exists(f"/proc/{pid}"):
                        return
                time.sleep(0.05)


def write(path, value):
        with open(path, "w") as f:
                f.write(value)


def to_vfio(addr):
        write(dev(addr, "driver_override"), "vfio-pci")
        if driver_of(addr):
                write(dev(addr, "driver/unbind"), addr)
        write("/sys/bus/pci/drivers_probe", addr)
        assert driver_of(addr) == "vfio-pci", f"{addr} is not on vfio-pci"


def restore(addr):
        """Back to its own driver, so no scenario sees what an earlier one left behind."""
        write(dev(addr, "driver_override"), "\n")
        if driver_of(addr):
                write(dev(addr, "driver/unbind"), addr)
        try:
                write("/sys/bus/pci/drivers_probe", addr)
        except OSError:
                pass


# What the lab guest itself lacks, true in every scenario: it runs under TCG, so it has no KVM.
ENV = () if os.path.exists("/dev/kvm") else ("kvm-unavailable",)

# Every scenario by variant, in the order they run. Each is self-contained: it sets up what it needs
# and puts the devices back, so any subset can run alone (VX_LAB_ONLY, tests/lab/run.sh).
SCENARIOS = {}


def scenario(variant, name, vfio=()):
        """vfio: devices put on vfio-pci before the scenario's kernel log starts, and back after it."""
        def register(fn):
                SCENARIOS.setdefault(variant, []).append((name, fn, vfio))
                return fn
        return register


@scenario("full", "bridge-root-port")
def bridge_root_port(s):
        s.sh(f"echo vfio-pci > {dev(ROOT_PORT, 'driver_override')}")
        s.sh(f"echo {ROOT_PORT} > {dev(ROOT_PORT, 'driver/unbind')}")
        s.sh(f"echo {ROOT_PORT} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.run_qemu(f"vfio-pci,host={ROOT_PORT}")
        s.explain(["device-is-bridge", ROOT_PORT], ["device-is-bridge", ROOT_PORT], ENV)
        restore(ROOT_PORT)


@scenario("full", "bridge-pci-bridge")
def bridge_pci_bridge(s):
        s.sh(f"echo vfio-pci > {dev(PCI_BRIDGE, 'driver_override')}")
        s.sh(f"echo {PCI_BRIDGE} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.explain(["device-is-bridge", PCI_BRIDGE], ["device-is-bridge", PCI_BRIDGE], ENV)
        restore(PCI_BRIDGE)


@scenario("full", "bind-busy")
def bind_busy(s):
        s.sh(f"echo vfio-pci > {dev(NIC, 'driver_override')}")
        s.sh(f"echo {NIC} > /sys/bus/pci/drivers/vfio-pci/bind")
        # the kernel logs nothing; the shell's "write error: Device or resource busy" after the command is the
        # evidence (a sysfs-write event, rules/shell.rules)
        s.explain(["not-bound-to-vfio", NIC], None, ENV, check=(NIC, ["not-bound-to-vfio", NIC]))
        restore(NIC)


@scenario("full", "bind-absent")
def bind_absent(s):
        s.sh(f"echo {ABSENT} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.explain(["wrong-host-address", ABSENT], None, ENV, check=(ABSENT, ["wrong-host-address", ABSENT]))


@scenario("full", "bind-no-override")
def bind_no_override(s):
        s.sh(f"echo {NIC} > {dev(NIC, 'driver/unbind')}")
        s.sh(f"echo {NIC} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.explain(["not-bound-to-vfio", NIC], None, ENV, check=(NIC, ["not-bound-to-vfio", NIC]))
        restore(NIC)


@scenario("full", "qemu-not-bound")
def qemu_not_bound(s):
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain(["not-bound-to-vfio", NIC], None, ENV)


@scenario("full", "group-shared-bridge")
def group_shared_bridge(s):
        to_vfio(BRIDGED_NIC)
        s.run_qemu(f"vfio-pci,host={BRIDGED_NIC}")
        s.explain(["group-shared-no-acs", BRIDGED_NIC], None, ENV,
                  check=(BRIDGED_NIC, ["group-shared-no-acs", BRIDGED_NIC]))
        restore(BRIDGED_NIC)


@scenario("full", "group-multifunction")
def group_multifunction(s):
        to_vfio(HDA)
        s.run_qemu(f"vfio-pci,host={HDA}")
        s.explain(["group-companion-unbound", HDA], None, ENV, check=(HDA, ["group-companion-unbound", HDA]))
        restore(HDA)


@scenario("full", "permission-group-node", vfio=[NIC])
def permission_group_node(s):
        s.run_qemu(f"vfio-pci,host={NIC}", user=LAB_UID)
        s.explain(["vfio-permission-denied", NIC], None, ENV)


@scenario("full", "permission-container", vfio=[NIC])
def permission_container(s):
        node = f"/dev/vfio/{group_of(NIC)}"
        os.chown(node, LAB_UID, LAB_UID)
        os.chmod("/dev/vfio/vfio", 0o600)
        s.run_qemu(f"vfio-pci,host={NIC}", user=LAB_UID)
        s.explain(["vfio-permission-denied", NIC], None, ENV)
        os.chmod("/dev/vfio/vfio", 0o666)


@scenario("full", "memlock-user", vfio=[NIC])
def memlock_user(s):
        node = f"/dev/vfio/{group_of(NIC)}"
        os.chown(node, LAB_UID, LAB_UID)
        s.run_qemu(f"vfio-pci,host={NIC}", user=LAB_UID, memlock=1 << 20)
        s.explain(["memlock-limit", None], ["memlock-limit", None], ENV)
        os.chown(node, 0, 0)


@scenario("full", "memlock-root-healthy", vfio=[NIC])
def memlock_root_healthy(s):
        s.run_qemu(f"vfio-pci,host={NIC}", memlock=1 << 20, keep=True)
        s.explain(None, None, ENV)


@scenario("full", "group-busy", vfio=[NIC])
def group_busy(s):
        s.run_qemu(f"vfio-pci,host={NIC}", keep=True)
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain(["group-busy", NIC], None, ENV)


@scenario("full", "wrong-address-full")
def wrong_address_full(s):
        s.run_qemu(f"vfio-pci,host={ABSENT}")
        s.explain(["wrong-host-address", ABSENT], None, ENV)


@scenario("full", "wrong-address-short")
def wrong_address_short(s):
        s.run_qemu(f"vfio-pci,host={ABSENT[5:]}")
        s.explain(["wrong-host-address", ABSENT], None, ENV)


@scenario("full", "no-type1", vfio=[NIC])
def no_type1(s):
        subprocess.run(["rmmod", "vfio_iommu_type1"], check=True)
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain(["vfio-driver-missing", None], ["vfio-driver-missing", None], ENV)
        subprocess.run(["modprobe", "vfio_iommu_type1"], check=True)


@scenario("full", "healthy", vfio=[NIC])
def healthy(s):
        s.run_qemu(f"vfio-pci,host={NIC}", keep=True)
        s.explain(None, None, ENV)


@scenario("full", "unbind-held", vfio=[NIC])
def unbind_held(s):
        """Unbinding a device QEMU holds: vfio_pci_core_request() relays the request to QEMU every 10 s
        and the write blocks until QEMU lets go; the user interrupts it after 12 s, then stops QEMU."""
        held = s.hold_device(f"vfio-pci,host={NIC}")
        command = f"echo {NIC} > {dev(NIC, 'driver/unbind')}"
        unbind = subprocess.Popen(["bash", "-c", command], stderr=subprocess.PIPE, text=True)
        time.sleep(12)
        unbind.send_signal(signal.SIGINT)
        time.sleep(2)
        s.release(held)
        _, err = unbind.communicate(timeout=60)
        s.shell.append(f"# {command}\n{err}")
        assert driver_of(NIC) is None, f"{NIC} is still on {driver_of(NIC)} after QEMU released it"
        s.explain(["vfio-device-held-by-user", NIC], ["vfio-device-held-by-user", NIC], ENV)


@scenario("full", "viommu-no-caching-mode", vfio=[NIC])
def viommu_no_caching_mode(s):
        """QEMU's own vIOMMU without caching-mode=on: its error comes when the machine is done, with no
        option location, so nothing names the device."""
        s.run_qemu(f"vfio-pci,host={NIC}", before=["-device", "intel-iommu"])
        s.explain(["viommu-caching-mode", None], None, ENV)


@scenario("full", "x-vga-not-vga", vfio=[NIC])
def x_vga_not_vga(s):
        s.run_qemu(f"vfio-pci,host={NIC},x-vga=on")
        s.explain(["x-vga-unsupported", NIC], None, ENV)


@scenario("full", "romfile-missing", vfio=[NIC])
def romfile_missing(s):
        s.run_qemu(f"vfio-pci,host={NIC},romfile=/nonexistent.rom")
        s.explain(["romfile-unreadable", NIC], None, ENV, fix_names=["/nonexistent.rom"])


@scenario("full", "same-device-twice", vfio=[NIC])
def same_device_twice(s):
        s.run_qemu([f"vfio-pci,host={NIC}", f"vfio-pci,host={NIC}"])
        s.explain(["device-assigned-twice", NIC], None, ENV)


@scenario("full", "healthy-shared-group", vfio=[BRIDGED_NIC, BRIDGED_NIC2])
def healthy_shared_group(s):
        """A shared group is viable once every endpoint in it is on vfio-pci, and QEMU is given all."""
        s.run_qemu([f"vfio-pci,host={BRIDGED_NIC}", f"vfio-pci,host={BRIDGED_NIC2}"], keep=True)
        s.explain(None, None, ENV, check=(BRIDGED_NIC, None))


def no_groups(s, cause):
        s.sh(f"echo vfio-pci > {dev(NIC, 'driver_override')}")
        s.sh(f"echo {NIC} > {dev(NIC, 'driver/unbind')}")
        s.sh(f"echo {NIC} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain([cause, None], [cause, None], ENV)


scenario("noiommu", "no-iommu-device")(lambda s: no_groups(s, "iommu-off-firmware"))
scenario("iommuoff", "intel-iommu-off")(lambda s: no_groups(s, "iommu-off-kernel"))


@scenario("nointremap", "no-interrupt-remapping")
def no_interrupt_remapping(s):
        to_vfio(NIC)
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain(["interrupt-remapping-missing", None], ["interrupt-remapping-missing", None], ENV)
        restore(NIC)


@scenario("nointremap", "unsafe-interrupts-allowed", vfio=[NIC])
def unsafe_interrupts_allowed(s):
        """allow_unsafe_interrupts=1, set before the container is used: vfio attaches the group
        without interrupt remapping and QEMU starts."""
        s.sh("echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts")
        rc = s.run_qemu(f"vfio-pci,host={NIC}", keep=True)
        assert rc == 0, f"QEMU failed with allow_unsafe_interrupts=1: {s.qemu[-1]}"
        s.explain(None, None, ENV)
        s.sh("echo 0 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts")


if __name__ == "__main__":
        variant = sys.argv[1]
        if len(sys.argv) > 2:
                os.environ["VX_LAB_ONLY"] = sys.argv[2]
        t0 = time.time()
        try:
                only = [n for n in os.environ.get("VX_LAB_ONLY", "").split(",") if n]
                known = {name for runs in SCENARIOS.values() for name, _, _ in runs}
                if set(only) - known:
                        raise ValueError(f"VX_LAB_ONLY names no scenario: {', '.join(sorted(set(only) - known))}")
                for name, fn, vfio in SCENARIOS[variant]:
                        if only and name not in only:
                                continue
                        for addr in vfio:
                                to_vfio(addr)
                        fn(Scenario(name))
                        for addr in vfio:
                                restore(addr)
                status = "ok"
        except Exception as e:  # recorded for the host: a scenario that could not be provoked fails the lab
                status = f"error: {type(e).__name__}: {e}"
                log(status)
        with open(os.path.join(OUT, "guest.json"), "w") as f:
                json.dump({"variant": variant, "status": status, "seconds": round(time.time() - t0, 1)}, f)
