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

        def run_qemu(self, device_opts, user=None, memlock=None, keep=False):
                """The machine's own QEMU, nested (TCG): it only has to reach device setup. With
                -daemonize its parent exits once the machine is set up, 0 if every device was."""
                pidfile = f"/tmp/qemu-{self.name}-{len(self.qemu)}.pid"
                argv = NESTED_QEMU + ["-device", device_opts, "-daemonize", "-pidfile", pidfile]
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

        @staticmethod
        def names(expect):
                """How a fix can name each expected device: its address, its group's node or directory."""
                names = {}
                for e in expect.values():
                        if e and e[1] and os.path.exists(dev(e[1], "iommu_group")):
                                g = group_of(e[1])
                                names[e[1]] = [e[1], f"/dev/vfio/{g}", f"/sys/kernel/iommu_groups/{g}/"]
                return names

        def explain(self, expect_piped, expect_live, env=(), check=None):
                """Writes the captured logs, runs vfioexplain both ways, records what must come first."""
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
                with open(os.path.join(self.dir, "expect.json"), "w") as f:
                        json.dump(dict(expect, env=list(env), names=self.names(expect),
                                       seconds=round(time.time() - self.t0, 1)), f)
                for pid in self.qemu_pids:
                        stop(pid)
                log(self.name, "done in", round(time.time() - self.t0, 1), "s")


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


def full():
        s = Scenario("bridge-root-port")
        s.sh(f"echo vfio-pci > {dev(ROOT_PORT, 'driver_override')}")
        s.sh(f"echo {ROOT_PORT} > {dev(ROOT_PORT, 'driver/unbind')}")
        s.sh(f"echo {ROOT_PORT} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.run_qemu(f"vfio-pci,host={ROOT_PORT}")
        s.explain(["device-is-bridge", ROOT_PORT], ["device-is-bridge", ROOT_PORT], ENV)
        restore(ROOT_PORT)

        s = Scenario("bridge-pci-bridge")
        s.sh(f"echo vfio-pci > {dev(PCI_BRIDGE, 'driver_override')}")
        s.sh(f"echo {PCI_BRIDGE} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.explain(["device-is-bridge", PCI_BRIDGE], ["device-is-bridge", PCI_BRIDGE], ENV)
        restore(PCI_BRIDGE)

        s = Scenario("bind-busy")
        s.sh(f"echo vfio-pci > {dev(NIC, 'driver_override')}")
        s.sh(f"echo {NIC} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.explain(None, None, ENV, check=(NIC, ["not-bound-to-vfio", NIC]))
        restore(NIC)

        s = Scenario("bind-absent")
        s.sh(f"echo {ABSENT} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.explain(None, None, ENV, check=(ABSENT, ["wrong-host-address", ABSENT]))

        s = Scenario("bind-no-override")
        s.sh(f"echo {NIC} > {dev(NIC, 'driver/unbind')}")
        s.sh(f"echo {NIC} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.explain(None, None, ENV, check=(NIC, ["not-bound-to-vfio", NIC]))
        restore(NIC)

        s = Scenario("qemu-not-bound")
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain(["not-bound-to-vfio", NIC], None, ENV)

        s = Scenario("group-shared-bridge")
        to_vfio(BRIDGED_NIC)
        s.run_qemu(f"vfio-pci,host={BRIDGED_NIC}")
        s.explain(["group-shared-no-acs", BRIDGED_NIC], None, ENV,
                  check=(BRIDGED_NIC, ["group-shared-no-acs", BRIDGED_NIC]))
        restore(BRIDGED_NIC)

        s = Scenario("group-multifunction")
        to_vfio(HDA)
        s.run_qemu(f"vfio-pci,host={HDA}")
        s.explain(["group-companion-unbound", HDA], None, ENV, check=(HDA, ["group-companion-unbound", HDA]))
        restore(HDA)

        to_vfio(NIC)
        node = f"/dev/vfio/{group_of(NIC)}"
        s = Scenario("permission-group-node")
        s.run_qemu(f"vfio-pci,host={NIC}", user=LAB_UID)
        s.explain(["vfio-permission-denied", NIC], None, ENV)

        s = Scenario("permission-container")
        os.chown(node, LAB_UID, LAB_UID)
        os.chmod("/dev/vfio/vfio", 0o600)
        s.run_qemu(f"vfio-pci,host={NIC}", user=LAB_UID)
        s.explain(["vfio-permission-denied", NIC], None, ENV)
        os.chmod("/dev/vfio/vfio", 0o666)

        s = Scenario("memlock-user")
        s.run_qemu(f"vfio-pci,host={NIC}", user=LAB_UID, memlock=1 << 20)
        s.explain(["memlock-limit", None], ["memlock-limit", None], ENV)
        os.chown(node, 0, 0)

        s = Scenario("memlock-root-healthy")
        s.run_qemu(f"vfio-pci,host={NIC}", memlock=1 << 20, keep=True)
        s.explain(None, None, ENV)

        s = Scenario("group-busy")
        s.run_qemu(f"vfio-pci,host={NIC}", keep=True)
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain(["group-busy", NIC], None, ENV)

        s = Scenario("wrong-address-full")
        s.run_qemu(f"vfio-pci,host={ABSENT}")
        s.explain(["wrong-host-address", ABSENT], None, ENV)

        s = Scenario("wrong-address-short")
        s.run_qemu(f"vfio-pci,host={ABSENT[5:]}")
        s.explain(["wrong-host-address", ABSENT], None, ENV)

        s = Scenario("no-type1")
        subprocess.run(["rmmod", "vfio_iommu_type1"], check=True)
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain(["vfio-driver-missing", None], ["vfio-driver-missing", None], ENV)
        subprocess.run(["modprobe", "vfio_iommu_type1"], check=True)

        s = Scenario("healthy")
        s.run_qemu(f"vfio-pci,host={NIC}", keep=True)
        s.explain(None, None, ENV)
        restore(NIC)


def no_groups(name, cause):
        s = Scenario(name)
        s.sh(f"echo vfio-pci > {dev(NIC, 'driver_override')}")
        s.sh(f"echo {NIC} > {dev(NIC, 'driver/unbind')}")
        s.sh(f"echo {NIC} > /sys/bus/pci/drivers/vfio-pci/bind")
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain([cause, None], [cause, None], ENV)


def nointremap():
        s = Scenario("no-interrupt-remapping")
        to_vfio(NIC)
        s.run_qemu(f"vfio-pci,host={NIC}")
        s.explain(["interrupt-remapping-missing", None], ["interrupt-remapping-missing", None], ENV)


VARIANTS = {
        "full": full,
        "noiommu": lambda: no_groups("no-iommu-device", "iommu-off-firmware"),
        "iommuoff": lambda: no_groups("intel-iommu-off", "iommu-off-kernel"),
        "nointremap": nointremap,
}

if __name__ == "__main__":
        variant = sys.argv[1]
        t0 = time.time()
        try:
                VARIANTS[variant]()
                status = "ok"
        except Exception as e:  # recorded for the host: a scenario that could not be provoked fails the lab
                status = f"error: {type(e).__name__}: {e}"
                log(status)
        with open(os.path.join(OUT, "guest.json"), "w") as f:
                json.dump({"variant": variant, "status": status, "seconds": round(time.time() - t0, 1)}, f)
