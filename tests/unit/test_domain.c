/* SPDX-License-Identifier: MIT */
/* libvirt domain XML: real shapes parse, libvirt's number forms are read as libvirt reads them, hostile
 * input is refused with a message and leaves the output untouched, rom files are looked at inside the
 * root only, and the probe lines say what cannot work and lead the rules to the right causes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "output.h"
#include "test_common.h"
#include "vfioexplain/analysis.h"

/* As libvirt saves it (src/conf/domain_conf.c virDomainDefFormat(), virXMLSaveFile() adds the warning):
 * a q35 + OVMF guest made by virt-manager, with a GTX 1080 and its HDMI audio and a VBIOS rom file. */
static const char win11_xml[] =
        "<!--\n"
        "WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
        "OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n"
        "  virsh edit win11\n"
        "or other application using the libvirt API.\n"
        "-->\n"
        "\n"
        "<domain type='kvm'>\n"
        "  <name>win11</name>\n"
        "  <uuid>4DEA24B3-1D52-D8F3-2516-782E98A23FA0</uuid>\n"
        "  <metadata>\n"
        "    <libosinfo:libosinfo xmlns:libosinfo=\"http://libosinfo.org/xmlns/libvirt/domain/1.0\">\n"
        "      <libosinfo:os id=\"http://microsoft.com/win/11\"/>\n"
        "    </libosinfo:libosinfo>\n"
        "  </metadata>\n"
        "  <memory unit='KiB'>16777216</memory>\n"
        "  <currentMemory unit='KiB'>16777216</currentMemory>\n"
        "  <vcpu placement='static'>8</vcpu>\n"
        "  <os firmware='efi'>\n"
        "    <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>\n"
        "    <firmware>\n"
        "      <feature enabled='yes' name='enrolled-keys'/>\n"
        "      <feature enabled='yes' name='secure-boot'/>\n"
        "    </firmware>\n"
        "    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>\n"
        "    <nvram "
        "template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/win11_VARS.fd</nvram>\n"
        "    <boot dev='hd'/>\n"
        "  </os>\n"
        "  <features>\n"
        "    <acpi/>\n"
        "    <apic/>\n"
        "    <hyperv mode='custom'>\n"
        "      <relaxed state='on'/>\n"
        "      <vapic state='on'/>\n"
        "      <spinlocks state='on' retries='8191'/>\n"
        "    </hyperv>\n"
        "    <vmport state='off'/>\n"
        "    <smm state='on'/>\n"
        "  </features>\n"
        "  <cpu mode='host-passthrough' check='none' migratable='on'/>\n"
        "  <clock offset='localtime'>\n"
        "    <timer name='rtc' tickpolicy='catchup'/>\n"
        "    <timer name='pit' tickpolicy='delay'/>\n"
        "    <timer name='hpet' present='no'/>\n"
        "    <timer name='hypervclock' present='yes'/>\n"
        "  </clock>\n"
        "  <on_poweroff>destroy</on_poweroff>\n"
        "  <on_reboot>restart</on_reboot>\n"
        "  <on_crash>destroy</on_crash>\n"
        "  <pm>\n"
        "    <suspend-to-mem enabled='no'/>\n"
        "    <suspend-to-disk enabled='no'/>\n"
        "  </pm>\n"
        "  <devices>\n"
        "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
        "    <disk type='file' device='disk'>\n"
        "      <driver name='qemu' type='qcow2' discard='unmap'/>\n"
        "      <source file='/var/lib/libvirt/images/win11.qcow2'/>\n"
        "      <target dev='sda' bus='sata'/>\n"
        "      <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n"
        "    </disk>\n"
        "    <controller type='pci' index='0' model='pcie-root'/>\n"
        "    <controller type='pci' index='1' model='pcie-root-port'>\n"
        "      <model name='pcie-root-port'/>\n"
        "      <target chassis='1' port='0x10'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' "
        "multifunction='on'/>\n"
        "    </controller>\n"
        "    <interface type='network'>\n"
        "      <mac address='52:54:00:6b:3c:58'/>\n"
        "      <source network='default'/>\n"
        "      <model type='e1000e'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
        "    </interface>\n"
        "    <input type='tablet' bus='usb'>\n"
        "      <address type='usb' bus='0' port='1'/>\n"
        "    </input>\n"
        "    <hostdev mode='subsystem' type='usb' managed='yes'>\n"
        "      <source>\n"
        "        <vendor id='0x046d'/>\n"
        "        <product id='0xc52b'/>\n"
        "      </source>\n"
        "      <address type='usb' bus='0' port='2'/>\n"
        "    </hostdev>\n"
        "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
        "      <source>\n"
        "        <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
        "      </source>\n"
        "      <rom file='/var/lib/libvirt/vbios/gtx1080.rom'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0' "
        "multifunction='on'/>\n"
        "    </hostdev>\n"
        "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
        "      <driver name='vfio'/>\n"
        "      <source>\n"
        "        <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>\n"
        "      </source>\n"
        "      <rom bar='off'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x1'/>\n"
        "    </hostdev>\n"
        "    <tpm model='tpm-crb'>\n"
        "      <backend type='emulator' version='2.0'/>\n"
        "    </tpm>\n"
        "    <memballoon model='virtio'>\n"
        "      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>\n"
        "    </memballoon>\n"
        "  </devices>\n"
        "</domain>\n";

/* /run/libvirt/qemu/NAME.xml of a running domain (virDomainObjFormat(), with the QEMU driver's private
 * data): state first, then the live <domain>. Its own <devices> lists aliases, not devices. */
static const char win11_status_xml[] =
        "<!--\n"
        "WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
        "OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n"
        "  virsh edit win11\n"
        "or other application using the libvirt API.\n"
        "-->\n"
        "\n"
        "<domstatus state='running' reason='booted' pid='4242'>\n"
        "  <taint flag='high-privileges'/>\n"
        "  <monitor path='/var/lib/libvirt/qemu/domain-3-win11/monitor.sock' type='unix'/>\n"
        "  <namespaces>\n"
        "    <mount/>\n"
        "  </namespaces>\n"
        "  <vcpus>\n"
        "    <vcpu id='0' pid='4260'/>\n"
        "  </vcpus>\n"
        "  <qemuCaps>\n"
        "    <flag name='kvm'/>\n"
        "    <flag name='vfio-pci'/>\n"
        "  </qemuCaps>\n"
        "  <devices>\n"
        "    <device alias='hostdev0'/>\n"
        "    <device alias='hostdev1'/>\n"
        "  </devices>\n"
        "  <libDir path='/var/lib/libvirt/qemu/domain-3-win11'/>\n"
        "  <channelTargetDir path='/var/lib/libvirt/qemu/channel/target/domain-3-win11'/>\n"
        "  <chardevStdioLogd/>\n"
        "  <allowReboot value='yes'/>\n"
        "  <blockjobs active='no'/>\n"
        "  <agentTimeout>-2</agentTimeout>\n"
        "  <domain type='kvm' id='3'>\n"
        "    <name>win11</name>\n"
        "    <uuid>4dea24b3-1d52-d8f3-2516-782e98a23fa0</uuid>\n"
        "    <memory unit='KiB'>16777216</memory>\n"
        "    <os>\n"
        "      <type arch='x86_64' machine='pc-q35-8.2'>hvm</type>\n"
        "      <loader readonly='yes' type='pflash'>/usr/share/edk2/ovmf/OVMF_CODE.fd</loader>\n"
        "      <nvram>/var/lib/libvirt/qemu/nvram/win11_VARS.fd</nvram>\n"
        "    </os>\n"
        "    <devices>\n"
        "      <hostdev mode='subsystem' type='pci' managed='yes'>\n"
        "        <driver name='vfio'/>\n"
        "        <source>\n"
        "          <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
        "        </source>\n"
        "        <alias name='hostdev0'/>\n"
        "        <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>\n"
        "      </hostdev>\n"
        "      <interface type='hostdev' managed='yes'>\n"
        "        <mac address='52:54:00:1c:9e:12'/>\n"
        "        <driver name='vfio'/>\n"
        "        <source>\n"
        "          <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x2'/>\n"
        "        </source>\n"
        "        <alias name='hostdev1'/>\n"
        "        <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>\n"
        "      </interface>\n"
        "    </devices>\n"
        "  </domain>\n"
        "</domstatus>\n";

static void assert_diag_has(const Diag *d, const char *needle) {
        for (size_t i = 0; i < d->n; i++)
                if (strstr(d->lines[i], needle))
                        return;
        for (size_t i = 0; i < d->n; i++)
                print_error("diag: %s\n", d->lines[i]);
        fail_msg("no diagnostic holds '%s'", needle);
}

static int parse(const char *xml, DomainConfig *dc, Diag *d) {
        return domain_parse_xml(xml, strlen(xml), dc, d);
}

static void test_parse_virt_manager(void **state) {
        DomainConfig dc = {0};
        Diag d = {0};

        assert_int_equal(parse(win11_xml, &dc, &d), 0);
        assert_int_equal(d.n, 0);
        assert_string_equal(dc.name, "win11");
        assert_string_equal(dc.uuid, "4dea24b3-1d52-d8f3-2516-782e98a23fa0");
        assert_string_equal(dc.machine, "pc-q35-8.2");
        assert_int_equal(dc.firmware, DOMAIN_FIRMWARE_EFI);
        assert_false(dc.live);
        /* The USB hostdev is no PCI device. */
        assert_int_equal(dc.n_hostdevs, 2);
        assert_string_equal(dc.hostdevs[0].address, "0000:01:00.0");
        assert_string_equal(dc.hostdevs[0].guest_address, "0000:05:00.0");
        assert_true(dc.hostdevs[0].managed);
        assert_false(dc.hostdevs[0].interface);
        assert_string_equal(dc.hostdevs[0].rom_file, "/var/lib/libvirt/vbios/gtx1080.rom");
        assert_int_equal(dc.hostdevs[0].rom_bar, DOMAIN_SWITCH_DEFAULT);
        assert_string_equal(dc.hostdevs[0].driver, "");
        assert_int_equal(dc.hostdevs[0].line, 84);
        assert_int_equal(dc.hostdevs[0].rom_exists, KNOWN_NOT_PROBED); /* parsing does no I/O */
        assert_string_equal(dc.hostdevs[1].address, "0000:01:00.1");
        assert_string_equal(dc.hostdevs[1].guest_address, "0000:05:00.1");
        assert_string_equal(dc.hostdevs[1].driver, "vfio");
        assert_null(dc.hostdevs[1].rom_file);
        assert_int_equal(dc.hostdevs[1].rom_bar, DOMAIN_SWITCH_OFF);

        PciAddress addrs[4];
        assert_int_equal(domain_hostdev_addresses(&dc, addrs, 4), 2);
        assert_string_equal(addrs[1], "0000:01:00.1");
        domain_config_done(&dc);
        diag_done(&d);
}

static void test_parse_domstatus(void **state) {
        DomainConfig dc = {0};
        Diag d = {0};

        assert_int_equal(parse(win11_status_xml, &dc, &d), 0);
        assert_true(dc.live);
        assert_string_equal(dc.name, "win11");
        assert_int_equal(dc.firmware, DOMAIN_FIRMWARE_EFI); /* from the edk2 OVMF <loader> */
        assert_int_equal(dc.n_hostdevs, 2);
        assert_string_equal(dc.hostdevs[0].address, "0000:01:00.0");
        assert_true(dc.hostdevs[1].interface);
        assert_true(dc.hostdevs[1].managed);
        assert_string_equal(dc.hostdevs[1].address, "0000:03:10.2");
        domain_config_done(&dc);
        diag_done(&d);

        /* Neither firmware='efi' nor an EDK2 loader: SeaBIOS. No managed attribute: libvirt's no. */
        assert_int_equal(
                parse("<domain type='kvm'><name>old</name><os><type machine='pc-i440fx-7.2'>hvm</type>"
                      "</os><devices><hostdev mode='subsystem' type='pci'><source><address "
                      "domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></source></hostdev>"
                      "</devices></domain>",
                      &dc, &d),
                0);
        assert_int_equal(dc.firmware, DOMAIN_FIRMWARE_BIOS);
        assert_false(dc.hostdevs[0].managed);
        domain_config_done(&dc);
        diag_done(&d);
}

/* The guest's display: an emulated one unless every <video> is model 'none'; <graphics> without <video>
 * gets libvirt's default video. */
static void test_emulated_display(void **state) {
        static const struct {
                const char *devices;
                bool emulated;
        } cases[] = {
                {"", false},
                {"<video><model type='none'/></video>", false},
                {"<graphics type='spice' autoport='yes'/><video><model type='none'/></video>", false},
                {"<graphics type='vnc' port='-1'/>", true},
                {"<video><model type='qxl' ram='65536' vram='65536' heads='1' primary='yes'/></video>",
                 true},
                {"<video><model type='none'/></video><video><model type='virtio' heads='1'/></video>", true},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                DomainConfig dc = {0};
                Diag d = {0};
                char xml[1024];
                snprintf(xml, sizeof(xml), "<domain type='kvm'><name>t</name><devices>%s</devices></domain>",
                         cases[i].devices);
                assert_int_equal(parse(xml, &dc, &d), 0);
                assert_int_equal(dc.emulated_display, cases[i].emulated);
                domain_config_done(&dc);
                diag_done(&d);
        }
}

/* One hostdev whose <source><address> has the given attributes. */
static int parse_address(const char *attrs, DomainConfig *dc, Diag *d) {
        char xml[1024];
        snprintf(xml, sizeof(xml),
                 "<domain type='kvm'>\n<name>t</name>\n<devices>\n<hostdev mode='subsystem' type='pci' "
                 "managed='yes'>\n<source>\n<address %s/>\n</source>\n</hostdev>\n</devices>\n</domain>\n",
                 attrs);
        return parse(xml, dc, d);
}

static void test_address_forms(void **state) {
        /* libvirt reads each attribute as strtoull(base 0) does: hex with 0x, octal with a leading 0. */
        static const struct {
                const char *attrs, *want;
        } ok[] = {
                {"domain='0x0000' bus='0x01' slot='0x00' function='0x0'", "0000:01:00.0"},
                {"bus='1' slot='0' function='1'", "0000:01:00.1"},
                {"bus='010' slot='0x1f' function='7'", "0000:08:1f.7"},
                {"domain='0' bus='0x0A' slot='0x1F' function='0x7'", "0000:0a:1f.7"},
                {"domain='65536' bus='0x3b'", "10000:3b:00.0"},
                {"bus=' 0x02' slot='+3'", "0000:02:03.0"},
                {"bus='255'", "0000:ff:00.0"},
        };
        static const char *const bad[] = {
                "bus='0x100'", "slot='0x20'", "function='8'", "bus='-1'",    "bus='-0'",         "bus='0x'",
                "bus='1a'",    "bus='08'",    "bus=''",       "bus='0x01 '", "bus='4294967296'",
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                DomainConfig dc = {0};
                Diag d = {0};
                assert_int_equal(parse_address(ok[i].attrs, &dc, &d), 0);
                assert_string_equal(dc.hostdevs[0].address, ok[i].want);
                domain_config_done(&dc);
                diag_done(&d);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                DomainConfig dc = {.name = "untouched"};
                Diag d = {0};
                assert_int_equal(parse_address(bad[i], &dc, &d), -EINVAL);
                assert_string_equal(dc.name, "untouched");
                assert_null(dc.hostdevs);
                assert_int_equal(d.n, 1);
                /* What and where: the element's line, the attribute as written. */
                assert_non_null(strstr(d.lines[0], "domain XML:6: <hostdev> <source> <address "));
                diag_done(&d);
        }
        Diag d = {0};
        DomainConfig dc = {0};
        assert_int_equal(parse_address("bus='0x100'", &dc, &d), -EINVAL);
        assert_string_equal(d.lines[0],
                            "domain XML:6: <hostdev> <source> <address bus='0x100'>: out of range "
                            "(at most 0xff)");
        diag_done(&d);
}

static void assert_refused(const char *xml, size_t len, int want, const char *needle) {
        DomainConfig dc = {.name = "untouched"};
        Diag d = {0};
        assert_int_equal(domain_parse_xml(xml, len, &dc, &d), want);
        assert_string_equal(dc.name, "untouched");
        assert_int_equal(dc.n_hostdevs, 0);
        assert_diag_has(&d, needle);
        for (size_t i = 0; i < d.n; i++)
                assert_true(strlen(d.lines[i]) < 1200);
        diag_done(&d);
}

static void refused(const char *xml, int want, const char *needle) {
        assert_refused(xml, strlen(xml), want, needle);
}

static char *repeat(char c, size_t n) {
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, c, n);
        s[n] = 0;
        return s;
}

static void test_hostile(void **state) {
        char buf[4096];

        refused("this is not XML\n", -EINVAL, "not XML");
        refused("", -EINVAL, "empty");
        refused("<domain><name>a</name>", -EINVAL, "not XML");
        refused("<network><name>default</name></network>", -EINVAL, "root element is <network>");
        refused("<domain type='kvm'><uuid>x</uuid></domain>", -EINVAL, "has no <name>");

        /* An external entity: the DTD is refused before libxml2 sees it, so the file is never read. */
        char secret[] = "/tmp/vx-domain-secret-XXXXXX";
        int fd = mkstemp(secret);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "TOPSECRET\n", 10), 10);
        close(fd);
        int n = snprintf(buf, sizeof(buf),
                         "<?xml version='1.0'?>\n<!DOCTYPE domain [\n<!ENTITY xxe SYSTEM 'file://%s'>\n]>\n"
                         "<domain type='kvm'><name>&xxe;</name></domain>\n",
                         secret);
        DomainConfig dc = {0};
        Diag d = {0};
        assert_int_equal(domain_parse_xml(buf, (size_t) n, &dc, &d), -EINVAL);
        assert_diag_has(&d, "<!DOCTYPE>");
        for (size_t i = 0; i < d.n; i++)
                assert_null(strstr(d.lines[i], "TOPSECRET"));
        diag_done(&d);
        unlink(secret);
        /* The billion laughs, and an entity nothing declares. */
        refused("<!DOCTYPE d [<!ENTITY a 'aaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
                "<domain><name>&b;</name></domain>",
                -EINVAL, "<!DOCTYPE>");
        refused("<domain><name>&xxe;</name></domain>", -EINVAL, "not XML");

        /* XInclude is not processed: nothing is fetched, the element is just unknown. */
        static const char xinclude[] = "<domain xmlns:xi='http://www.w3.org/2001/XInclude'><name>a</name>"
                                       "<xi:include href='file:///etc/passwd' parse='text'/></domain>";
        assert_int_equal(parse(xinclude, &dc, &d), 0);
        assert_string_equal(dc.name, "a");
        assert_int_equal(dc.n_hostdevs, 0);
        domain_config_done(&dc);
        diag_done(&d);

        /* NUL bytes. */
        static const char nul[] = "<domain><name>a\0b</name></domain>";
        assert_refused(nul, sizeof(nul) - 1, -EINVAL, "a NUL byte at offset 15");

        /* A huge attribute: refused by its bound, and the message stays short. */
        _cleanup_free_ char *big = repeat('q', 1u << 20);
        _cleanup_free_ char *xml = NULL;
        assert_true(asprintf(&xml, "<domain><name>a</name><os><type machine='%s'>hvm</type></os></domain>",
                             big) > 0);
        assert_refused(xml, strlen(xml), -EINVAL, "<type machine> 'qqqq");
        free(xml);
        _cleanup_free_ char *path = repeat('p', VX_DOMAIN_PATH_MAX + 1);
        assert_true(asprintf(&xml,
                             "<domain><name>a</name><devices><hostdev mode='subsystem' type='pci'><source>"
                             "<address bus='1'/></source><rom file='/%s'/></hostdev></devices></domain>",
                             path) > 0);
        assert_refused(xml, strlen(xml), -EINVAL, "longer than a path can be");
        free(xml);
        xml = NULL;

        /* Names libvirt refuses, and values it refuses. */
        refused("<domain><name>a/b</name></domain>", -EINVAL,
                "domain XML:1: <name>a/b</name>: holds '/', which libvirt refuses");
        refused("<domain><name>a&#10;b</name></domain>", -EINVAL,
                "<name>a\\x0ab</name>: holds a control character");
        refused("<domain><name>a</name><uuid>zz</uuid></domain>", -EINVAL, "not a UUID");
        refused("<domain><name>a</name><devices><hostdev type='pci' managed='maybe'><source><address "
                "bus='1'/></source></hostdev></devices></domain>",
                -EINVAL, "managed='maybe'>: neither 'yes' nor 'no'");
        refused("<domain><name>a</name><devices><hostdev type='pci'><source><address bus='1'/>"
                "</source><rom bar='of'/></hostdev></devices></domain>",
                -EINVAL, "<rom bar='of'>: neither 'on' nor 'off'");
        refused("<domain><name>a</name><devices><hostdev type='pci'><source/></hostdev></devices></domain>",
                -EINVAL, "no <source><address>");
        refused("<domain><name>a</name><devices><hostdev type='pci'><source><address bus='1'/>"
                "</source><rom file='/x&#127;y'/></hostdev></devices></domain>",
                -EINVAL, "control character");

        /* Too deep to be a domain: libxml2's own limit. */
        StrBuf deep = {0};
        for (int i = 0; i < 5000; i++)
                strbuf_puts(&deep, "<a>");
        assert_refused(strbuf_str(&deep), deep.len, -EINVAL, "not XML");
        strbuf_done(&deep);

        /* Past the size limit, and past the hostdev cap. */
        _cleanup_free_ char *huge = repeat(' ', VX_DOMAIN_XML_MAX + 1);
        assert_refused(huge, VX_DOMAIN_XML_MAX + 1, -EFBIG, "more than");
        StrBuf many = {0};
        strbuf_puts(&many, "<domain><name>many</name><devices>");
        for (unsigned i = 0; i <= VX_DOMAIN_HOSTDEVS_MAX; i++)
                strbuf_printf(&many,
                              "<hostdev mode='subsystem' type='pci'><source><address bus='%u' slot='%u'/>"
                              "</source></hostdev>",
                              i / 32, i % 32);
        strbuf_puts(&many, "</devices></domain>");
        assert_refused(strbuf_str(&many), many.len, -E2BIG, "more than 256 PCI hostdevs");
        strbuf_done(&many);
}

static void test_name_check(void **state) {
        Diag d = {0};
        assert_int_equal(domain_name_check("win11", &d), 0);
        assert_int_equal(domain_name_check("Windows 11: gaming (GPU)", &d), 0);
        assert_int_equal(d.n, 0);
        assert_int_equal(domain_name_check("", &d), -EINVAL);
        assert_int_equal(domain_name_check("../../etc/passwd", &d), -EINVAL);
        assert_diag_has(&d, "holds '/'");
        assert_int_equal(domain_name_check("a\nb", &d), -EINVAL);
        assert_int_equal(domain_name_check("a\x1b[2Jb", &d), -EINVAL);
        assert_diag_has(&d, "a\\x1b[2Jb");
        _cleanup_free_ char *longname = repeat('n', VX_DOMAIN_NAME_MAX + 1);
        assert_int_equal(domain_name_check(longname, &d), -EINVAL);
        assert_diag_has(&d, "252 bytes, more than 251");
        longname[VX_DOMAIN_NAME_MAX] = 0;
        assert_int_equal(domain_name_check(longname, &d), 0);
        diag_done(&d);
}

/* ---- a root directory to load from */

static void write_at(const char *root, const char *rel, const char *text, mode_t mode) {
        char path[4096], dir[4096];
        snprintf(path, sizeof(path), "%s/%s", root, rel);
        for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
                snprintf(dir, sizeof(dir), "%.*s", (int) (s - path), path);
                (void) mkdir(dir, 0755);
        }
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
}

static void rm_rf(const char *root) {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "chmod -R u+rwX '%s' && rm -rf '%s'", root, root);
        assert_int_equal(system(cmd), 0);
}

/* A domain "NAME" whose hostdev 01:00.0 has the rom file ROM. */
static void write_domain(const char *root, const char *dir, const char *name, const char *rom) {
        char rel[512], xml[2048];
        snprintf(rel, sizeof(rel), "%s/%s.xml", dir, name);
        snprintf(
                xml, sizeof(xml),
                "<domain type='kvm'>\n  <name>%s</name>\n  <devices>\n"
                "    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n"
                "        <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n      </source>\n"
                "      <rom file='%s'/>\n    </hostdev>\n  </devices>\n</domain>\n",
                name, rom);
        write_at(root, rel, xml, 0600);
}

static const DomainHostdev *load_one(const char *root, const char *name, DomainConfig *dc) {
        Diag d = {0};
        int r = domain_load(root, name, dc, &d);
        for (size_t i = 0; i < d.n; i++)
                print_error("diag: %s\n", d.lines[i]);
        assert_int_equal(r, 0);
        diag_done(&d);
        assert_int_equal(dc->n_hostdevs, 1);
        return &dc->hostdevs[0];
}

static void test_load(void **state) {
        char root[] = "/tmp/vx-domain-root-XXXXXX";
        assert_non_null(mkdtemp(root));
        DomainConfig dc = {0};
        Diag d = {0};
        const DomainHostdev *h;

        write_at(root, "var/lib/libvirt/vbios/gtx1080.rom", "U\xaa rom image", 0644);
        write_at(root, "var/lib/libvirt/vbios/empty.rom", "", 0644);
        write_at(root, "home/alex/vbios.rom", "U\xaa", 0644);
        char home[256];
        snprintf(home, sizeof(home), "%s/home/alex", root);
        assert_int_equal(chmod(home, 0700), 0);
        /* A symlink that points at the host's own /etc/os-release resolves inside the root, where there
         * is no such file. */
        char link[256];
        snprintf(link, sizeof(link), "%s/var/lib/libvirt/vbios/host.rom", root);
        assert_int_equal(symlink("/etc/os-release", link), 0);

        write_domain(root, "etc/libvirt/qemu", "win11", "/var/lib/libvirt/vbios/gtx1080.rom");
        h = load_one(root, "win11", &dc);
        assert_false(dc.live);
        assert_string_equal(dc.xml_path, "/etc/libvirt/qemu/win11.xml");
        assert_string_equal(dc.log_path, "var/log/libvirt/qemu/win11.log");
        assert_int_equal(h->rom_exists, KNOWN_PRESENT);
        assert_int_equal(h->rom_regular, KNOWN_PRESENT);
        assert_int_equal(h->rom_readable, KNOWN_PRESENT);
        assert_int_equal(h->rom_size, 12);
        assert_int_equal(h->n_rom_dirs, 4); /* /var /var/lib /var/lib/libvirt /var/lib/libvirt/vbios */
        assert_int_equal(h->rom_dirs[3].len, strlen("/var/lib/libvirt/vbios"));
        domain_config_done(&dc);

        static const struct {
                const char *rom;
                Known exists, regular, readable;
        } cases[] = {
                {"/var/lib/libvirt/vbios/missing.rom", KNOWN_ABSENT, KNOWN_NOT_PROBED, KNOWN_NOT_PROBED},
                {"/var/lib/libvirt/vbios", KNOWN_PRESENT, KNOWN_ABSENT, KNOWN_PRESENT},
                {"/var/lib/libvirt/vbios/empty.rom", KNOWN_PRESENT, KNOWN_PRESENT, KNOWN_PRESENT},
                {"/home/alex/vbios.rom", KNOWN_PRESENT, KNOWN_PRESENT, KNOWN_ABSENT},
                {"/var/lib/libvirt/vbios/host.rom", KNOWN_ABSENT, KNOWN_NOT_PROBED, KNOWN_NOT_PROBED},
                {"/var/lib/libvirt/vbios/gtx1080.rom/x", KNOWN_ABSENT, KNOWN_NOT_PROBED, KNOWN_NOT_PROBED},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                write_domain(root, "etc/libvirt/qemu", "case", cases[i].rom);
                h = load_one(root, "case", &dc);
                assert_int_equal(h->rom_exists, cases[i].exists);
                assert_int_equal(h->rom_regular, cases[i].regular);
                assert_int_equal(h->rom_readable, cases[i].readable);
                domain_config_done(&dc);
        }
        /* A name QEMU looks up in its own data directories is not looked at. */
        write_domain(root, "etc/libvirt/qemu", "case", "vgabios-stdvga.bin");
        h = load_one(root, "case", &dc);
        assert_int_equal(h->rom_exists, KNOWN_NOT_PROBED);
        domain_config_done(&dc);

        /* A running domain: its status file wins over the definition. */
        write_at(root, "run/libvirt/qemu/win11.xml", win11_status_xml, 0600);
        assert_int_equal(domain_load(root, "win11", &dc, &d), 0);
        assert_true(dc.live);
        assert_string_equal(dc.xml_path, "/run/libvirt/qemu/win11.xml");
        assert_int_equal(dc.n_hostdevs, 2);
        domain_config_done(&dc);

        /* Refusals: untouched output, one line each. */
        dc = (DomainConfig){.name = "untouched"};
        assert_int_equal(domain_load(root, "nosuch", &dc, &d), -ENOENT);
        assert_diag_has(&d, "no domain 'nosuch': neither /run/libvirt/qemu/nosuch.xml nor");
        assert_int_equal(domain_load(root, "../../etc/passwd", &dc, &d), -EINVAL);
        write_domain(root, "etc/libvirt/qemu", "other", "/x.rom");
        char rel[64] = "etc/libvirt/qemu/renamed.xml", from[512], to[512];
        snprintf(from, sizeof(from), "%s/etc/libvirt/qemu/other.xml", root);
        snprintf(to, sizeof(to), "%s/%s", root, rel);
        assert_int_equal(rename(from, to), 0);
        assert_int_equal(domain_load(root, "renamed", &dc, &d), -EINVAL);
        assert_diag_has(&d, "/etc/libvirt/qemu/renamed.xml: holds domain 'other', not 'renamed'");
        write_at(root, "etc/libvirt/qemu/broken.xml", "<domain><name>broken</name><devices>", 0600);
        assert_int_equal(domain_load(root, "broken", &dc, &d), -EINVAL);
        assert_diag_has(&d, "/etc/libvirt/qemu/broken.xml: line 1: not XML");
        assert_int_equal(domain_load("/nonexistent-root", "win11", &dc, &d), -ENOENT);
        assert_string_equal(dc.name, "untouched");
        diag_done(&d);
        rm_rf(root);
}

/* ---- probe lines */

typedef struct Lines {
        char text[16][1024];
        size_t n;
} Lines;

static int collect(const char *line, size_t len, void *userdata) {
        Lines *l = userdata;
        assert_true(l->n < ELEMENTSOF(l->text));
        snprintf(l->text[l->n++], sizeof(l->text[0]), "%.*s", (int) len, line);
        return 0;
}

static PciDevice dev(const char *address, unsigned vendor, unsigned device, unsigned class_code, bool bridge,
                     const char *driver, unsigned group) {
        PciDevice d = {.vendor = vendor,
                       .device = device,
                       .class_code = class_code,
                       .bridge = bridge,
                       .driver = driver ? KNOWN_PRESENT : KNOWN_ABSENT,
                       .group = KNOWN_PRESENT,
                       .group_id = group};
        snprintf(d.address, sizeof(d.address), "%s", address);
        snprintf(d.driver_name, sizeof(d.driver_name), "%s", driver ? driver : "");
        return d;
}

/* The host of the gpu-audio-companion fixture: the GPU on vfio-pci, its audio on snd_hda_intel, a USB
 * controller of another card in the same group, the root port above them. */
static void companion_host(HostFacts *f, PciDevice devices[static 5]) {
        host_facts_init_unprobed(f);
        devices[0] = dev("0000:00:01.0", 0x8086, 0x1901, 0x060400, true, "pcieport", 1);
        devices[1] = dev("0000:01:00.0", 0x10de, 0x1b80, 0x030000, false, "vfio-pci", 1);
        devices[2] = dev("0000:01:00.1", 0x10de, 0x10f0, 0x040300, false, "snd_hda_intel", 1);
        devices[3] = dev("0000:02:00.0", 0x1b21, 0x2142, 0x0c0330, false, "xhci_hcd", 1);
        devices[4] = dev("0000:03:00.0", 0x144d, 0xa808, 0x010802, false, NULL, 2);
        f->root = "/fixture";
        f->pci = KNOWN_PRESENT;
        f->devices = devices;
        f->n_devices = 5;
}

/* A domain with hostdevs "ADDR[:no]" (":no" for managed='no'). */
static void domain_with(DomainConfig *dc, const char *const *hostdevs, size_t n) {
        StrBuf b = {0};
        Diag d = {0};
        strbuf_puts(&b, "<domain type='kvm'><name>win11</name><devices>");
        for (size_t i = 0; i < n; i++) {
                /* "0000:BB:SS.F" */
                unsigned long bus = strtoul(hostdevs[i] + 5, NULL, 16),
                              slot = strtoul(hostdevs[i] + 8, NULL, 16),
                              fn = strtoul(hostdevs[i] + 11, NULL, 16);
                strbuf_printf(
                        &b,
                        "<hostdev mode='subsystem' type='pci' managed='%s'><source><address "
                        "domain='0x0000' bus='0x%02lx' slot='0x%02lx' function='0x%lx'/></source></hostdev>",
                        strstr(hostdevs[i], ":no") ? "no" : "yes", bus, slot, fn);
        }
        strbuf_puts(&b, "</devices></domain>");
        assert_int_equal(domain_parse_xml(strbuf_str(&b), b.len, dc, &d), 0);
        strbuf_done(&b);
        diag_done(&d);
}

static void assert_lines(const DomainConfig *dc, const HostFacts *f, const char *const *want, size_t n) {
        Lines l = {0};
        assert_int_equal(domain_probe_lines(dc, f, collect, &l), 0);
        for (size_t i = 0; i < l.n; i++)
                print_message("line: %s\n", l.text[i]);
        assert_int_equal(l.n, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(l.text[i], want[i]);
}

static void test_probe_lines_host(void **state) {
        HostFacts f;
        PciDevice devices[5];
        DomainConfig dc = {0};
        companion_host(&f, devices);

        /* The GPU alone: its audio and the other card's USB controller block the group; the bridge does not.
         * A domain without <os firmware='efi'> and without any display boots SeaBIOS on the GPU's own ROM.
         */
        domain_with(&dc, (const char *const[]){"0000:01:00.0"}, 1);
        assert_lines(
                &dc, &f,
                (const char *const[]){
                        "domain win11: hostdev 0000:01:00.0: VGA display of a SeaBIOS guest (no emulated "
                        "display), no <rom "
                        "file>: the card's own ROM must hold an x86 legacy image (not probed: reading it "
                        "writes to the device's rom file)",
                        "domain win11: hostdev 0000:01:00.0 group 1: member 0000:01:00.1 [10de:10f0] "
                        "class=040300 on snd_hda_intel is not in the domain (same card)",
                        "domain win11: hostdev 0000:01:00.0 group 1: member 0000:02:00.0 [1b21:2142] "
                        "class=0c0330 on xhci_hcd is not in the domain (another device)",
                },
                3);
        domain_config_done(&dc);

        /* Every member managed: libvirt detaches them all; nothing to say but the display. */
        domain_with(&dc, (const char *const[]){"0000:01:00.0", "0000:01:00.1", "0000:02:00.0"}, 3);
        assert_lines(
                &dc, &f,
                (const char *const[]){
                        "domain win11: hostdev 0000:01:00.0: VGA display of a SeaBIOS guest (no emulated "
                        "display), no <rom "
                        "file>: the card's own ROM must hold an x86 legacy image (not probed: reading it "
                        "writes to the device's rom file)"},
                1);
        domain_config_done(&dc);

        /* The audio unmanaged while on its host driver; an NVMe drive on no driver, unmanaged; an address
         * this host does not have. */
        domain_with(&dc,
                    (const char *const[]){"0000:01:00.0", "0000:01:00.1:no", "0000:02:00.0",
                                          "0000:03:00.0:no", "0000:09:00.0"},
                    5);
        assert_lines(
                &dc, &f,
                (const char *const[]){
                        "domain win11: hostdev 0000:01:00.0: VGA display of a SeaBIOS guest (no emulated "
                        "display), no <rom "
                        "file>: the card's own ROM must hold an x86 legacy image (not probed: reading it "
                        "writes to the device's rom file)",
                        "domain win11: hostdev 0000:01:00.1 managed=no: on snd_hda_intel, not vfio-pci "
                        "(node device pci_0000_01_00_1)",
                        "domain win11: hostdev 0000:03:00.0 managed=no: on none, not vfio-pci (node device "
                        "pci_0000_03_00_0)",
                        "domain win11: hostdev 0000:09:00.0: absent (<address domain='0x0000' bus='0x09' "
                        "slot='0x00' function='0x0'/>)",
                },
                4);

        /* Nothing probed (--no-probe, or no PCI): no host line at all. */
        f.pci = KNOWN_NOT_PROBED;
        assert_lines(&dc, &f, NULL, 0);
        f.pci = KNOWN_PRESENT;
        assert_lines(&dc, NULL, NULL, 0);
        domain_config_done(&dc);
}

static bool explains(const DomainConfig *dc, const HostFacts *f, const char *line) {
        return domain_explains_probe_line(dc, f, line, strlen(line));
}

static void test_explains_probe_line(void **state) {
        static const char group_line[] =
                "group 1 of 0000:01:00.0 (on vfio-pci): member 0000:01:00.1 [10de:10f0] "
                "class=040300 on snd_hda_intel blocks the group (same card)";
        static const char usb_line[] =
                "group 1 of 0000:01:00.0 (on vfio-pci): member 0000:02:00.0 [1b21:2142] "
                "class=0c0330 on xhci_hcd blocks the group (another device)";
        static const char device_line[] = "device 0000:01:00.1: id=10de:10f0 class=040300 type=endpoint "
                                          "driver=snd_hda_intel group=1 power=D0 reset=bus";
        HostFacts f;
        PciDevice devices[5];
        DomainConfig dc = {0};
        companion_host(&f, devices);
        for (size_t i = 0; i < 5; i++)
                snprintf(devices[i].reset_method, sizeof(devices[i].reset_method), "bus");

        /* Both functions managed, the domain not running: libvirt detaches the audio at start. */
        domain_with(&dc, (const char *const[]){"0000:01:00.0", "0000:01:00.1"}, 2);
        assert_true(explains(&dc, &f, group_line));
        assert_true(explains(&dc, &f, device_line));
        /* Not in the domain: still in the way. */
        assert_false(explains(&dc, &f, usb_line));
        /* Other lines of the same devices are never dropped. */
        assert_false(explains(&dc, &f, "device 0000:01:00.1: driver_override=vfio-pci"));
        assert_false(explains(&dc, &f,
                              "device 0000:01:00.1: id 10de:10f0 is in vfio-pci ids= of "
                              "/etc/modprobe.d/vfio.conf but the device is on snd_hda_intel (softdep: no)"));
        assert_false(explains(&dc, &f, "device 0000:01:00.1: absent"));
        assert_false(explains(&dc, &f, "group 1 of"));
        assert_false(explains(&dc, &f, ""));
        /* The device line says more than its driver: no reset method, so it stays. */
        devices[2].reset_method[0] = 0;
        assert_false(explains(&dc, &f, device_line));
        devices[2].reset_method[0] = 'b';
        /* Running: a host driver is news. */
        dc.live = true;
        assert_false(explains(&dc, &f, group_line));
        assert_false(explains(&dc, &f, device_line));
        domain_config_done(&dc);

        /* The audio unmanaged: nobody will detach it. */
        domain_with(&dc, (const char *const[]){"0000:01:00.0", "0000:01:00.1:no"}, 2);
        assert_false(explains(&dc, &f, group_line));
        assert_false(explains(&dc, &f, device_line));
        assert_false(explains(&dc, NULL, device_line));
        domain_config_done(&dc);
}

static int stop(const char *line, size_t len, void *userdata) {
        (*(int *) userdata)++;
        return -ENOMEM;
}

static void test_probe_lines_rom(void **state) {
        HostFacts f;
        PciDevice devices[5];
        DomainConfig dc = {0};
        companion_host(&f, devices);
        domain_with(&dc, (const char *const[]){"0000:01:00.0", "0000:01:00.1", "0000:02:00.0"}, 3);
        DomainHostdev *h = &dc.hostdevs[0];
        h->rom_file = strdup("/home/alex/vbios/gtx1080.rom");
        assert_non_null(h->rom_file);

        h->rom_exists = KNOWN_ABSENT;
        assert_lines(
                &dc, &f,
                (const char *const[]){
                        "domain win11: hostdev 0000:01:00.0 rom file /home/alex/vbios/gtx1080.rom: absent"},
                1);
        h->rom_exists = KNOWN_PRESENT;
        h->rom_regular = KNOWN_ABSENT;
        h->rom_type = S_IFDIR;
        assert_lines(&dc, &f,
                     (const char *const[]){"domain win11: hostdev 0000:01:00.0 rom file "
                                           "/home/alex/vbios/gtx1080.rom: not a regular file (directory)"},
                     1);
        h->rom_regular = KNOWN_PRESENT;
        h->rom_size = 0;
        assert_lines(
                &dc, &f,
                (const char *const[]){
                        "domain win11: hostdev 0000:01:00.0 rom file /home/alex/vbios/gtx1080.rom: empty"},
                1);

        /* /home/alex 0700 of alex, the file 0640 of alex: QEMU's user unknown, then libvirt-qemu. */
        h->rom_size = 262144;
        h->rom_uid = h->rom_gid = 1000;
        h->rom_mode = 0640;
        h->rom_dirs[0] = (DomainRomDir){.len = 5, .uid = 0, .gid = 0, .mode = 0755};
        h->rom_dirs[1] = (DomainRomDir){.len = 10, .uid = 1000, .gid = 1000, .mode = 0700};
        h->rom_dirs[2] = (DomainRomDir){.len = 16, .uid = 1000, .gid = 1000, .mode = 0755};
        h->n_rom_dirs = 3;
        assert_lines(&dc, &f,
                     (const char *const[]){
                             "domain win11: hostdev 0000:01:00.0 rom file /home/alex/vbios/gtx1080.rom: "
                             "directory /home/alex not searchable by others (owner 1000:1000 mode 0700)"},
                     1);
        h->rom_dirs[1].mode = 0711;
        assert_lines(&dc, &f,
                     (const char *const[]){
                             "domain win11: hostdev 0000:01:00.0 rom file /home/alex/vbios/gtx1080.rom: "
                             "not readable by others (owner 1000:1000 mode 0640)"},
                     1);
        f.qemu_ids = KNOWN_PRESENT;
        snprintf(f.qemu_user, sizeof(f.qemu_user), "libvirt-qemu");
        f.qemu_uid = 64055;
        f.qemu_gid = 1000; /* in the file's group: 0640 lets it read */
        assert_lines(&dc, &f, NULL, 0);
        f.qemu_gid = 993;
        assert_lines(&dc, &f,
                     (const char *const[]){
                             "domain win11: hostdev 0000:01:00.0 rom file /home/alex/vbios/gtx1080.rom: "
                             "not readable by libvirt-qemu (owner 1000:1000 mode 0640)"},
                     1);
        h->rom_mode = 0644;
        assert_lines(&dc, &f, NULL, 0);
        /* <rom enabled='no'>: QEMU loads no ROM at all. */
        h->rom_mode = 0600;
        h->rom_enabled = DOMAIN_SWITCH_OFF;
        assert_lines(&dc, &f, NULL, 0);

        /* The callback's error stops the lines and is returned. */
        h->rom_enabled = DOMAIN_SWITCH_DEFAULT;
        h->rom_exists = KNOWN_ABSENT;
        dc.hostdevs[1].rom_file = strdup("/also/missing.rom");
        dc.hostdevs[1].rom_exists = KNOWN_ABSENT;
        int calls = 0;
        assert_int_equal(domain_probe_lines(&dc, &f, stop, &calls), -ENOMEM);
        assert_int_equal(calls, 1);
        domain_config_done(&dc);
}

/* ---- the shipped rules read these lines as the causes a person would name */

static int feed(const char *line, size_t len, void *userdata) {
        return analysis_feed_probe(userdata, line, len);
}

static void assert_first_cause(const RuleSet *rs, const DomainConfig *dc, const HostFacts *f, const char *id,
                               const char *device, const char *fix) {
        Analysis *a = NULL;
        size_t n;
        assert_int_equal(analysis_new(rs, &a), 0);
        assert_int_equal(domain_probe_lines(dc, f, feed, a), 0);
        assert_int_equal(analysis_finish(a), 0);
        const Finding *const *fs = analysis_findings(a, &n);
        assert_true(n >= 1);
        assert_string_equal(rs->causes[fs[0]->cause].id, id);
        assert_string_equal(fs[0]->device, device);
        assert_int_equal(fs[0]->confidence, STRENGTH_CONFIRMED);
        if (fix) {
                RenderedFix *fixes = NULL;
                size_t nf = 0;
                bool found = false;
                assert_int_equal(finding_render_fixes(a, fs[0], f, GUEST_LIBVIRT, true, &fixes, &nf), 0);
                for (size_t i = 0; i < nf; i++) {
                        print_message("fix: %s\n", fixes[i].command);
                        found = found || strstr(fixes[i].command, fix);
                }
                rendered_fixes_free(fixes, nf);
                assert_true(found);
        }
        analysis_free(a);
}

static void test_rules(void **state) {
        RuleSet *rs = NULL;
        Diag d = {0};
        HostFacts f;
        PciDevice devices[5];
        DomainConfig dc = {0};

        assert_int_equal(ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rs), 0);
        diag_done(&d);
        companion_host(&f, devices);
        devices[3].group_id = 3; /* the USB controller in a group of its own: only the audio is in the way */

        domain_with(&dc, (const char *const[]){"0000:01:00.0"}, 1);
        assert_first_cause(rs, &dc, &f, "group-companion-unbound", "0000:01:00.0",
                           "sudo virsh attach-device win11 /tmp/hostdev-0000:01:00.1.xml --config");
        domain_config_done(&dc);

        domain_with(&dc, (const char *const[]){"0000:09:00.0"}, 1);
        assert_first_cause(rs, &dc, &f, "wrong-host-address", "0000:09:00.0", "virsh edit win11");
        domain_config_done(&dc);

        domain_with(&dc, (const char *const[]){"0000:01:00.0", "0000:01:00.1:no", "0000:02:00.0"}, 3);
        assert_first_cause(rs, &dc, &f, "not-bound-to-vfio", "0000:01:00.1",
                           "sudo virsh nodedev-detach pci_0000_01_00_1");
        domain_config_done(&dc);

        domain_with(&dc, (const char *const[]){"0000:01:00.0", "0000:01:00.1", "0000:02:00.0"}, 3);
        dc.hostdevs[0].rom_file = strdup("/var/lib/libvirt/vbios/gtx1080.rom");
        dc.hostdevs[0].rom_exists = KNOWN_ABSENT;
        assert_first_cause(rs, &dc, &f, "romfile-unreadable", "0000:01:00.0",
                           "ls -l $(dirname /var/lib/libvirt/vbios/gtx1080.rom)");
        domain_config_done(&dc);
        ruleset_free(rs);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_virt_manager),
                cmocka_unit_test(test_parse_domstatus),
                cmocka_unit_test(test_emulated_display),
                cmocka_unit_test(test_address_forms),
                cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_name_check),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_probe_lines_host),
                cmocka_unit_test(test_probe_lines_rom),
                cmocka_unit_test(test_explains_probe_line),
                cmocka_unit_test(test_rules),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
