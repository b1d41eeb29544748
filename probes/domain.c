/* SPDX-License-Identifier: MIT */
/* A libvirt domain's PCI passthrough (probes/domain.h): its XML as libvirt writes it, what
 * the rom files it names look like under the root, and what of it cannot work on the probed host. The
 * element and attribute meanings are libvirt's docs/formatdomain.rst ("Host device assignment", "Operating
 * system booting"); how each value is read follows the libvirt source named where it is read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "dlopen.h"
#include "domain.h"
#include "escape.h"
#include "fileio.h"
#include "pci_address.h"
#include "rom_probe.h"
#include "rootfs.h"
#include "strbuf.h"
#include "vfioexplain/line.h"
#include "vfioexplain/macro.h"

static void *libxml2;
DLSYM_PROTOTYPE(xmlCtxtGetLastError);
DLSYM_PROTOTYPE(xmlCtxtReadMemory);
DLSYM_PROTOTYPE(xmlDocGetRootElement);
DLSYM_PROTOTYPE(xmlFreeDoc);
DLSYM_PROTOTYPE(xmlFreeParserCtxt);
DLSYM_PROTOTYPE(xmlGetLineNo);
DLSYM_PROTOTYPE(xmlGetNoNsProp);
DLSYM_PROTOTYPE(xmlNewParserCtxt);
DLSYM_PROTOTYPE(xmlNodeGetContent);
DLSYM_PROTOTYPE(xmlStrEqual);
/* A variable, not a function: sym_xmlFree points to libxml2's xmlFree, the deallocator it was set up with.
 */
DLSYM_PROTOTYPE(xmlFree);

static int dlopen_libxml2(const char **error) {
        return dlopen_many_sym(&libxml2, VX_SONAME_LIBXML2, error, DLSYM_ARG(xmlCtxtGetLastError),
                               DLSYM_ARG(xmlCtxtReadMemory), DLSYM_ARG(xmlDocGetRootElement),
                               DLSYM_ARG(xmlFreeDoc), DLSYM_ARG(xmlFreeParserCtxt), DLSYM_ARG(xmlGetLineNo),
                               DLSYM_ARG(xmlGetNoNsProp), DLSYM_ARG(xmlNewParserCtxt),
                               DLSYM_ARG(xmlNodeGetContent), DLSYM_ARG(xmlStrEqual), DLSYM_ARG(xmlFree),
                               NULL);
}

static void xml_free_docp(xmlDocPtr *p) {
        if (*p)
                sym_xmlFreeDoc(*p);
}

static void xml_free_parser_ctxtp(xmlParserCtxtPtr *p) {
        if (*p)
                sym_xmlFreeParserCtxt(*p);
}

static void xml_freep(xmlChar **p) {
        if (*p)
                (*sym_xmlFree)(*p);
}

static void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

/* A value from the XML, as a message may show it: escaped, and cut at 48 bytes. */
static const char *shown(const char *s, char buf[static 256]) {
        StrBuf b = {0};
        size_t n = strlen(s);
        escape_append(&b, s, MIN(n, (size_t) 48));
        snprintf(buf, 256, "%s%s", strbuf_failed(&b) ? "?" : strbuf_str(&b), n > 48 ? "..." : "");
        strbuf_done(&b);
        return buf;
}

int domain_name_check(const char *name, Diag *d) {
        char q[256];
        size_t n = strlen(name);

        /* libvirt: an empty <name> is VIR_ERR_NO_NAME; '/' is refused by src/conf/domain_postparse.c
         * virDomainDefPostParseCheckFeatures() unless the driver declares VIR_DOMAIN_DEF_FEATURE_NAME_SLASH
         * (QEMU's does not), and '\n' by virXMLCheckIllegalChars("name", def->name, "\n") in the drivers'
         * DefineXML (src/lxc/lxc_driver.c lxcDomainDefineXMLFlags() and the others). Other control
         * characters libvirt lets pass; they are refused here so that no name can break a probe line or a
         * message. */
        if (n == 0) {
                diag_addf(d, "domain name: empty");
                return -EINVAL;
        }
        if (n > VX_DOMAIN_NAME_MAX) {
                diag_addf(d, "domain name '%s': %zu bytes, more than %u (NAME.xml must fit a file name)",
                          shown(name, q), n, VX_DOMAIN_NAME_MAX);
                return -EINVAL;
        }
        if (strchr(name, '/')) {
                diag_addf(d, "domain name '%s': holds '/', which libvirt refuses in a name", shown(name, q));
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f) {
                        diag_addf(d, "domain name '%s': holds a control character", shown(name, q));
                        return -EINVAL;
                }
        return 0;
}

int domain_config_add_hostdev(DomainConfig *dc, const DomainHostdev *h) {
        if (dc->n_hostdevs >= VX_DOMAIN_HOSTDEVS_MAX)
                return -E2BIG;
        DomainHostdev *a = realloc(dc->hostdevs, (dc->n_hostdevs + 1) * sizeof(*a));
        if (!a)
                return -ENOMEM;
        dc->hostdevs = a;
        dc->hostdevs[dc->n_hostdevs++] = *h;
        return 0;
}

void domain_config_done(DomainConfig *dc) {
        for (size_t i = 0; i < dc->n_hostdevs; i++) {
                free(dc->hostdevs[i].rom_file);
                free(dc->hostdevs[i].rom_info);
        }
        free(dc->hostdevs);
        free(dc->unmatched);
        for (size_t i = 0; i < dc->n_layer_lines; i++)
                free(dc->layer_lines[i]);
        free(dc->layer_lines);
        *dc = (DomainConfig){0};
}

/* ---------------------------------------------------------------------------------------------------- */
/* Parsing */

typedef struct Parser {
        const char *origin; /* names the XML in messages: its path, or "domain XML" */
        Diag *d;
} Parser;

static int xml_fail(const Parser *p, xmlNodePtr n, int r, const char *fmt, ...) _printf_(4, 5);
static int xml_fail(const Parser *p, xmlNodePtr n, int r, const char *fmt, ...) {
        char msg[768];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (n)
                diag_addf(p->d, "%s:%ld: %s", p->origin, sym_xmlGetLineNo(n), msg);
        else
                diag_addf(p->d, "%s: %s", p->origin, msg);
        return r;
}

/* The first child element called name. libvirt's XPath ("./os", "./devices") sees only elements of no
 * namespace: <qemu:commandline> and its like are not its elements. */
static xmlNodePtr xml_child(xmlNodePtr n, const char *name) {
        for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && !c->ns && sym_xmlStrEqual(c->name, BAD_CAST name))
                        return c;
        return NULL;
}

static const char *str(const xmlChar *s) {
        return (const char *) s;
}

static bool is_xml_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* libvirt reads the attributes of a PCI <address> with virXMLPropUInt(node, ..., base 0, ...) (src/conf/
 * device_conf.c virPCIDeviceAddressParseXML()), that is virStrToLong_uip() (src/util/virstring.c):
 * g_ascii_strtoull(base 0) after optional blanks and sign, so "0x01" is hex, "01" octal and "1" decimal;
 * no '-' at all, the whole value consumed, and it must fit 32 bits. An attribute left out is 0. */
static int parse_uint_base0(const char *s, uint32_t *ret) {
        Span sp = span_from_str(s);
        uint64_t v = 0;
        unsigned base = 10;
        size_t digits = 0;

        while (sp.len > 0 && is_xml_blank(sp.p[0]))
                span_advance(&sp, 1);
        (void) span_eat_char(&sp, '+');
        if (sp.len >= 2 && sp.p[0] == '0' && (sp.p[1] == 'x' || sp.p[1] == 'X')) {
                base = 16;
                span_advance(&sp, 2);
        } else if (sp.len >= 1 && sp.p[0] == '0')
                base = 8;
        for (; sp.len > 0; span_advance(&sp, 1), digits++) {
                int dv = span_xdigit_value(sp.p[0]);
                if (dv < 0 || (unsigned) dv >= base)
                        break;
                v = v * base + (unsigned) dv;
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        if (digits == 0 || sp.len != 0)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

/* <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>, normalised. The bounds are libvirt's
 * virPCIDeviceAddressIsValid() (src/util/virpci.c): the domain is 32 bits (VMD domains reach 0x10000),
 * bus <= 0xff, slot <= 0x1f, function <= 7. */
static int parse_pci_address(const Parser *p, xmlNodePtr n, const char *what,
                             char ret[static PCI_ADDRESS_SIZE]) {
        static const struct {
                const char *attr;
                uint32_t max;
        } fields[] = {{"domain", UINT32_MAX}, {"bus", 0xff}, {"slot", 0x1f}, {"function", 7}};
        uint32_t v[ELEMENTSOF(fields)] = {0};
        char q[256], text[32];

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                _cleanup_(xml_freep) xmlChar *s = sym_xmlGetNoNsProp(n, BAD_CAST fields[i].attr);
                if (!s)
                        continue;
                int r = parse_uint_base0(str(s), &v[i]);
                if (r < 0)
                        return xml_fail(p, n, -EINVAL, "%s <address %s='%s'>: %s", what, fields[i].attr,
                                        shown(str(s), q),
                                        r == -ERANGE
                                                ? "does not fit 32 bits"
                                                : "not a number (libvirt takes 0x hex, 0 octal or decimal)");
                if (v[i] > fields[i].max)
                        return xml_fail(p, n, -EINVAL, "%s <address %s='%s'>: out of range (at most 0x%x)",
                                        what, fields[i].attr, shown(str(s), q), fields[i].max);
        }
        int len = snprintf(text, sizeof(text), "%04x:%02x:%02x.%x", v[0], v[1], v[2], v[3]);
        if (pci_address_normalize(text, (size_t) len, ret) < 0)
                return xml_fail(p, n, -EINVAL, "%s <address>: %s is not a PCI address", what, text);
        return 0;
}

/* yes/no (virTristateBool) or on/off (virTristateSwitch) attributes: any other value libvirt refuses. */
static int parse_switch(const Parser *p, xmlNodePtr n, const char *attr, const char *on, const char *off,
                        DomainSwitch *ret) {
        _cleanup_(xml_freep) xmlChar *s = sym_xmlGetNoNsProp(n, BAD_CAST attr);
        char q[256];
        if (!s)
                *ret = DOMAIN_SWITCH_DEFAULT;
        else if (sym_xmlStrEqual(s, BAD_CAST on))
                *ret = DOMAIN_SWITCH_ON;
        else if (sym_xmlStrEqual(s, BAD_CAST off))
                *ret = DOMAIN_SWITCH_OFF;
        else
                return xml_fail(p, n, -EINVAL, "<%s %s='%s'>: neither '%s' nor '%s'", str(n->name), attr,
                                shown(str(s), q), on, off);
        return 0;
}

/* A short word (a machine type, a driver name): bounded, and of the characters such names have. */
static int take_word(const Parser *p, xmlNodePtr n, const char *what, const xmlChar *s, char *out,
                     size_t size) {
        char q[256];
        size_t len = strlen(str(s));
        if (len >= size)
                return xml_fail(p, n, -EINVAL, "%s '%s': %zu bytes, more than %zu", what, shown(str(s), q),
                                len, size - 1);
        for (size_t i = 0; i < len; i++) {
                char c = str(s)[i];
                if (!span_is_digit(c) && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
                    !strchr("._+-", c))
                        return xml_fail(p, n, -EINVAL, "%s '%s': holds a character such names do not have",
                                        what, shown(str(s), q));
        }
        memcpy(out, s, len + 1);
        return 0;
}

/* libvirt's virUUIDParse() (src/util/viruuid.c): 32 hex digits, '-' allowed between them, blanks around. */
static int parse_uuid(const Parser *p, xmlNodePtr n, const char *s, char ret[static 37]) {
        char hex[33], q[256];
        size_t nh = 0, len = strlen(s);
        while (len > 0 && is_xml_blank(s[len - 1]))
                len--;
        for (size_t i = 0; i < len; i++) {
                if (is_xml_blank(s[i]) && nh == 0)
                        continue;
                if (s[i] == '-' && nh > 0 && nh < 32)
                        continue;
                if (!span_is_xdigit(s[i]) || nh == 32)
                        return xml_fail(p, n, -EINVAL, "<uuid>%s</uuid>: not a UUID", shown(s, q));
                hex[nh++] = (char) (s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
        }
        if (nh != 32)
                return xml_fail(p, n, -EINVAL, "<uuid>%s</uuid>: not a UUID", shown(s, q));
        snprintf(ret, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
        return 0;
}

/* <os firmware='efi'> (libvirt >= 5.2 picks the firmware itself), or a <loader> that names an EDK2 build
 * (OVMF for x86, AAVMF for Arm; distributions install them under .../OVMF, .../edk2 or qemu's edk2-*). */
static DomainFirmware parse_firmware(xmlNodePtr os) {
        _cleanup_(xml_freep) xmlChar *fw = os ? sym_xmlGetNoNsProp(os, BAD_CAST "firmware") : NULL;
        if (fw)
                return sym_xmlStrEqual(fw, BAD_CAST "efi") ? DOMAIN_FIRMWARE_EFI : DOMAIN_FIRMWARE_BIOS;
        xmlNodePtr loader = xml_child(os, "loader");
        _cleanup_(xml_freep) xmlChar *path = loader ? sym_xmlNodeGetContent(loader) : NULL;
        if (path &&
            (strcasestr(str(path), "ovmf") || strcasestr(str(path), "edk2") ||
             strcasestr(str(path), "aavmf")))
                return DOMAIN_FIRMWARE_EFI;
        return DOMAIN_FIRMWARE_BIOS;
}

/* <rom bar='on|off' file='/path' enabled='yes|no'/> (formatdomain.rst "Host device assignment"). */
static int parse_rom(const Parser *p, xmlNodePtr rom, DomainHostdev *h) {
        char q[256];
        int r;

        if ((r = parse_switch(p, rom, "bar", "on", "off", &h->rom_bar)) < 0 ||
            (r = parse_switch(p, rom, "enabled", "yes", "no", &h->rom_enabled)) < 0)
                return r;
        _cleanup_(xml_freep) xmlChar *file = sym_xmlGetNoNsProp(rom, BAD_CAST "file");
        if (!file || !file[0])
                return 0; /* file='' gives QEMU romfile="", which means no ROM at all */
        size_t len = strlen(str(file));
        if (len > VX_DOMAIN_PATH_MAX)
                return xml_fail(p, rom, -EINVAL, "<rom file='%s'>: %zu bytes, longer than a path can be",
                                shown(str(file), q), len);
        for (size_t i = 0; i < len; i++)
                if (file[i] < 0x20 || file[i] == 0x7f)
                        return xml_fail(p, rom, -EINVAL, "<rom file='%s'>: holds a control character",
                                        shown(str(file), q));
        h->rom_file = strdup(str(file));
        return h->rom_file ? 0 : -ENOMEM;
}

/* One PCI device the domain assigns: a <hostdev mode='subsystem' type='pci'>, or an <interface
 * type='hostdev'> whose <source><address type='pci'>. managed is a yes/no attribute of the element
 * itself; formatdomain.rst ("Host device assignment"): when it is omitted or "no", the user must detach
 * the device (virsh nodedev-detach) before the guest starts, so libvirt's default is unmanaged.
 * Returns 1 when it is a PCI device, 0 when not, or an error. */
static int parse_hostdev(const Parser *p, xmlNodePtr n, bool interface, DomainHostdev *h) {
        const char *what = interface ? "<interface type='hostdev'> <source>" : "<hostdev> <source>";
        char q[256];
        int r;

        *h = (DomainHostdev){.line = (unsigned) MAX(sym_xmlGetLineNo(n), 0L), .interface = interface};
        xmlNodePtr source = xml_child(n, "source");
        xmlNodePtr addr = xml_child(source, "address");
        if (!addr)
                return xml_fail(p, n, -EINVAL, "%s: no <source><address> names the host device",
                                interface ? "<interface type='hostdev'>" : "<hostdev type='pci'>");
        _cleanup_(xml_freep) xmlChar *type = sym_xmlGetNoNsProp(addr, BAD_CAST "type");
        if (type && !sym_xmlStrEqual(type, BAD_CAST "pci"))
                return 0; /* a USB device given to an <interface type='hostdev'> is no PCI device */
        if ((r = parse_pci_address(p, addr, what, h->address)) < 0)
                return r;

        _cleanup_(xml_freep) xmlChar *managed = sym_xmlGetNoNsProp(n, BAD_CAST "managed");
        if (managed && !sym_xmlStrEqual(managed, BAD_CAST "yes") && !sym_xmlStrEqual(managed, BAD_CAST "no"))
                return xml_fail(p, n, -EINVAL, "<%s managed='%s'>: neither 'yes' nor 'no'", str(n->name),
                                shown(str(managed), q));
        h->managed = managed && sym_xmlStrEqual(managed, BAD_CAST "yes");

        xmlNodePtr driver = xml_child(n, "driver");
        _cleanup_(xml_freep) xmlChar *dname = driver ? sym_xmlGetNoNsProp(driver, BAD_CAST "name") : NULL;
        if (dname && (r = take_word(p, driver, "<driver name>", dname, h->driver, sizeof(h->driver))) < 0)
                return r;

        xmlNodePtr guest = xml_child(n, "address");
        _cleanup_(xml_freep) xmlChar *gtype = guest ? sym_xmlGetNoNsProp(guest, BAD_CAST "type") : NULL;
        if (gtype && sym_xmlStrEqual(gtype, BAD_CAST "pci") &&
            (r = parse_pci_address(p, guest, "guest", h->guest_address)) < 0)
                return r;

        xmlNodePtr rom = xml_child(n, "rom");
        if (rom && (r = parse_rom(p, rom, h)) < 0)
                return r;
        return 1;
}

static int add_hostdev(const Parser *p, xmlNodePtr n, bool interface, DomainConfig *dc) {
        DomainHostdev h;
        int r = parse_hostdev(p, n, interface, &h);
        if (r <= 0) {
                free(h.rom_file);
                return r;
        }
        r = domain_config_add_hostdev(dc, &h);
        if (r < 0) {
                free(h.rom_file);
                if (r == -E2BIG)
                        return xml_fail(p, n, r, "more than %u PCI hostdevs", VX_DOMAIN_HOSTDEVS_MAX);
        }
        return r;
}

static int parse_domain(const Parser *p, xmlNodePtr dom, DomainConfig *dc) {
        char q[256];
        int r;

        /* virDomainDefParseXML(): string(./name[1]), refused when empty. */
        xmlNodePtr name = xml_child(dom, "name");
        _cleanup_(xml_freep) xmlChar *text = name ? sym_xmlNodeGetContent(name) : NULL;
        if (!text || !text[0])
                return xml_fail(p, name ? name : dom, -EINVAL, "<domain> has no <name>");
        Diag nd = {0};
        if (domain_name_check(str(text), &nd) < 0) {
                /* The check's reason, after its "domain name '...': ". */
                const char *why = nd.n > 0 ? strstr(nd.lines[0], "': ") : NULL;
                r = xml_fail(p, name, -EINVAL, "<name>%s</name>: %s", shown(str(text), q),
                             why ? why + 3 : "not a name libvirt accepts");
                diag_done(&nd);
                return r;
        }
        snprintf(dc->name, sizeof(dc->name), "%s", str(text));

        xmlNodePtr uuid = xml_child(dom, "uuid");
        _cleanup_(xml_freep) xmlChar *utext = uuid ? sym_xmlNodeGetContent(uuid) : NULL;
        if (utext && (r = parse_uuid(p, uuid, str(utext), dc->uuid)) < 0)
                return r;

        xmlNodePtr os = xml_child(dom, "os");
        xmlNodePtr type = xml_child(os, "type");
        _cleanup_(xml_freep) xmlChar *machine = type ? sym_xmlGetNoNsProp(type, BAD_CAST "machine") : NULL;
        if (machine &&
            (r = take_word(p, type, "<type machine>", machine, dc->machine, sizeof(dc->machine))) < 0)
                return r;
        dc->firmware = parse_firmware(os);

        bool any_video = false, any_graphics = false;
        for (xmlNodePtr c = xml_child(dom, "devices") ? xml_child(dom, "devices")->children : NULL; c;
             c = c->next) {
                if (c->type != XML_ELEMENT_NODE || c->ns)
                        continue;
                _cleanup_(xml_freep) xmlChar *ctype = sym_xmlGetNoNsProp(c, BAD_CAST "type");
                if (sym_xmlStrEqual(c->name, BAD_CAST "video")) {
                        xmlNodePtr model = xml_child(c, "model");
                        _cleanup_(xml_freep) xmlChar *mtype =
                                model ? sym_xmlGetNoNsProp(model, BAD_CAST "type") : NULL;
                        any_video = true;
                        if (!mtype || !sym_xmlStrEqual(mtype, BAD_CAST "none"))
                                dc->emulated_display = true;
                } else if (sym_xmlStrEqual(c->name, BAD_CAST "graphics"))
                        any_graphics = true;
                else if (sym_xmlStrEqual(c->name, BAD_CAST "hostdev")) {
                        /* mode defaults to subsystem (virDomainHostdevDefParseXML()); "capabilities" is
                         * LXC's. */
                        _cleanup_(xml_freep) xmlChar *mode = sym_xmlGetNoNsProp(c, BAD_CAST "mode");
                        if ((!mode || sym_xmlStrEqual(mode, BAD_CAST "subsystem")) && ctype &&
                            sym_xmlStrEqual(ctype, BAD_CAST "pci") && (r = add_hostdev(p, c, false, dc)) < 0)
                                return r;
                } else if (sym_xmlStrEqual(c->name, BAD_CAST "interface") && ctype &&
                           sym_xmlStrEqual(ctype, BAD_CAST "hostdev") &&
                           (r = add_hostdev(p, c, true, dc)) < 0)
                        return r;
        }
        /* virDomainDefAddImplicitVideo(): graphics without a <video> get the default one. */
        if (!any_video && any_graphics)
                dc->emulated_display = true;
        return 0;
}

/* The encoding an XML declaration names ("<?xml version='1.0' encoding='NAME'?>"), into name (cut), or ""
 * when there is no declaration or it names none. */
static void declared_encoding(const char *buf, size_t len, char name[static 32]) {
        name[0] = 0;
        if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
                buf += 3, len -= 3;
        if (len < 5 || memcmp(buf, "<?xml", 5) != 0)
                return;
        const char *end = memmem(buf, len, "?>", 2);
        const char *e = end ? memmem(buf, (size_t) (end - buf), "encoding", 8) : NULL;
        if (!e)
                return;
        for (e += 8; e < end && (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n' || *e == '='); e++)
                ;
        if (e >= end || (*e != '"' && *e != '\''))
                return;
        char q = *e++;
        size_t n = 0;
        for (; e < end && *e != q && n < 31; e++)
                name[n++] = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:", *e)
                        ? *e
                        : '?';
        name[n] = 0;
}

static int parse_xml(const Parser *p, const char *buf, size_t len, DomainConfig *ret) {
        _cleanup_(domain_config_done) DomainConfig dc = {0};
        const char *nul;
        int r;

        if (len > VX_DOMAIN_XML_MAX)
                return xml_fail(p, NULL, -EFBIG, "%zu bytes, more than %u", len, VX_DOMAIN_XML_MAX);
        if (len == 0)
                return xml_fail(p, NULL, -EINVAL, "empty");
        /* libvirt writes UTF-8 (virXMLSaveFile()). libxml2 would decode EBCDIC, UTF-16 or whatever a
         * declaration names, and in those the <!DOCTYPE check below finds nothing: only UTF-8 reaches
         * libxml2, read as UTF-8 whatever it declares. */
        if (!utf8_is_valid(buf, len))
                return xml_fail(p, NULL, -EINVAL, "not UTF-8 text (libvirt writes UTF-8)");
        if ((nul = memchr(buf, 0, len)))
                return xml_fail(p, NULL, -EINVAL, "a NUL byte at offset %zu: %s", (size_t) (nul - buf),
                                nul - buf < 4 ? "UTF-16 or UTF-32, not UTF-8 (libvirt writes UTF-8)"
                                              : "not XML");
        char encoding[32];
        declared_encoding(buf, len, encoding);
        if (encoding[0] && strcasecmp(encoding, "UTF-8") != 0 && strcasecmp(encoding, "UTF8") != 0 &&
            strcasecmp(encoding, "US-ASCII") != 0 && strcasecmp(encoding, "ASCII") != 0)
                return xml_fail(p, NULL, -EINVAL,
                                "declares the encoding %s: only UTF-8 is read (libvirt writes UTF-8)",
                                encoding);
        /* libvirt never writes a DTD. One could declare entities (external files, URLs, or the billion
         * laughs); refusing it outright means none is ever loaded or expanded, whatever the libxml2. */
        if (memmem(buf, len, "<!DOCTYPE", 9))
                return xml_fail(
                        p, NULL, -EINVAL,
                        "holds a document type declaration (<!DOCTYPE>), which libvirt never writes");

        const char *error = NULL;
        if ((r = dlopen_libxml2(&error)) < 0)
                return xml_fail(p, NULL, r, "cannot be read without libxml2: %s", error);

        _cleanup_(xml_free_parser_ctxtp) xmlParserCtxtPtr ctxt = sym_xmlNewParserCtxt();
        if (!ctxt)
                return -ENOMEM;
        /* No XML_PARSE_NOENT (entities stay unexpanded), no DTDLOAD/DTDATTR/DTDVALID, no XML_PARSE_HUGE
         * (libxml2 keeps its depth and size limits); NONET forbids any network access. */
        _cleanup_(xml_free_docp) xmlDocPtr doc =
                sym_xmlCtxtReadMemory(ctxt, buf, (int) len, NULL, "UTF-8",
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                              XML_PARSE_BIG_LINES | XML_PARSE_IGNORE_ENC);
        if (!doc) {
                const xmlError *e = sym_xmlCtxtGetLastError(ctxt);
                char msg[256] = "not well-formed XML";
                if (e && e->message) {
                        /* libxml2's own words, which may quote names from the input. */
                        snprintf(msg, sizeof(msg), "%s", e->message);
                        for (char *c = msg; *c; c++)
                                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                                        *c = *c == '\n' && !c[1] ? 0 : ' ';
                }
                if (e && e->line > 0)
                        return xml_fail(p, NULL, -EINVAL, "line %d: not XML: %s", e->line, msg);
                return xml_fail(p, NULL, -EINVAL, "not XML: %s", msg);
        }

        xmlNodePtr root = sym_xmlDocGetRootElement(doc), dom = root;
        if (root && sym_xmlStrEqual(root->name, BAD_CAST "domstatus")) {
                /* The status file of a running domain (src/conf/domain_conf.c virDomainObjFormat()). */
                dom = xml_child(root, "domain");
                dc.live = true;
        }
        if (!dom || !sym_xmlStrEqual(dom->name, BAD_CAST "domain") || dom->ns)
                return xml_fail(p, root, -EINVAL,
                                "the root element is <%s>, not <domain> or <domstatus><domain>",
                                root ? str(root->name) : "");
        if ((r = parse_domain(p, dom, &dc)) < 0)
                return r;
        *ret = dc;
        dc = (DomainConfig){0};
        return 0;
}

int domain_parse_xml(const char *buf, size_t len, DomainConfig *ret, Diag *d) {
        Parser p = {.origin = "domain XML", .d = d};
        return parse_xml(&p, buf, len, ret);
}

/* ---------------------------------------------------------------------------------------------------- */
/* The rom files, under the root: stat only (O_PATH opens nothing for reading or writing). */

void domain_hostdev_stat_rom(int rootfd, DomainHostdev *h) {
        struct stat st;
        char dir[VX_DOMAIN_PATH_MAX + 1];
        const char *path = h->rom_file;

        /* QEMU, an unprivileged user, must search every directory on the way: /home/alex (0700) hides a
         * rom file as well as a missing one. "/" itself is left out: a host's root is searchable. */
        h->rom_dirs_complete = true;
        for (const char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
                size_t len = (size_t) (s - path);
                if (s[-1] == '/')
                        continue;
                if (h->n_rom_dirs >= VX_DOMAIN_ROM_DEPTH_MAX) {
                        h->rom_dirs_complete = false;
                        break;
                }
                memcpy(dir, path, len);
                dir[len] = 0;
                _cleanup_(closep) int fd = rootfs_open_dir(rootfd, dir);
                if (fd < 0 || fstat(fd, &st) < 0) {
                        h->rom_dirs_complete = false;
                        break;
                }
                h->rom_dirs[h->n_rom_dirs++] = (DomainRomDir){
                        .len = len, .uid = st.st_uid, .gid = st.st_gid, .mode = st.st_mode & 07777};
        }

        _cleanup_(closep) int fd = rootfs_open_path(rootfd, path, &st);
        if (fd < 0) {
                /* Only "no such file" is known; not being allowed to look (not root) says nothing. */
                h->rom_exists = fd == -ENOENT || fd == -ENOTDIR ? KNOWN_ABSENT : KNOWN_NOT_PROBED;
                return;
        }
        h->rom_exists = KNOWN_PRESENT;
        h->rom_type = st.st_mode & S_IFMT;
        h->rom_regular = S_ISREG(st.st_mode) ? KNOWN_PRESENT : KNOWN_ABSENT;
        h->rom_size = (unsigned long long) st.st_size;
        h->rom_uid = st.st_uid;
        h->rom_gid = st.st_gid;
        h->rom_mode = st.st_mode & 07777;
        if (h->rom_dirs_complete) {
                bool ok = h->rom_mode & S_IROTH;
                for (size_t i = 0; i < h->n_rom_dirs; i++)
                        ok = ok && (h->rom_dirs[i].mode & S_IXOTH);
                h->rom_readable = ok ? KNOWN_PRESENT : KNOWN_ABSENT;
        }
        /* What it holds: read only, never run; a file we may not read is judged by its mode alone. */
        if (S_ISREG(st.st_mode) && st.st_size > 0) {
                RomInfo *info = malloc(sizeof(*info));
                if (info && rom_read_under(rootfd, path, info) >= 0)
                        h->rom_info = TAKE_PTR(info);
                free(info);
        }
}

int domain_load(const char *sysroot, const char *name, DomainConfig *ret, Diag *d) {
        static const char *const dirs[] = {"run/libvirt/qemu", "etc/libvirt/qemu"};
        _cleanup_(domain_config_done) DomainConfig dc = {0};
        char path[VX_DOMAIN_NAME_MAX + 32], shown_name[256];
        int r;

        if ((r = domain_name_check(name, d)) < 0)
                return r;
        shown(name, shown_name);
        _cleanup_(closep) int rootfd = rootfs_open(sysroot);
        if (rootfd < 0) {
                diag_addf(d, "%s: cannot open as the system root: %s", sysroot, strerror(-rootfd));
                return rootfd;
        }
        r = -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(dirs) && r == -ENOENT; i++) {
                _cleanup_free_ char *buf = NULL;
                size_t len = 0;
                snprintf(path, sizeof(path), "/%s/%s.xml", dirs[i], name);
                /* Larger than the limit is -EFBIG before a byte is parsed. */
                r = rootfs_read_file(rootfd, path + 1, VX_DOMAIN_XML_MAX, &buf, &len);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        diag_addf(d, "%s: %s%s", path,
                                  r == -EFBIG ? "larger than the limit" : file_strerror(r),
                                  r == -EACCES ? " (libvirt keeps it readable by root only)" : "");
                        return r;
                }
                Parser p = {.origin = path, .d = d};
                if ((r = parse_xml(&p, buf, len, &dc)) < 0)
                        return r;
        }
        if (r == -ENOENT) {
                diag_addf(
                        d,
                        "no domain '%s': neither /run/libvirt/qemu/%s.xml nor /etc/libvirt/qemu/%s.xml exists",
                        shown_name, shown_name, shown_name);
                return r;
        }
        /* libvirt names the file after the domain; another name inside means the file is not libvirt's. */
        if (strcmp(dc.name, name) != 0) {
                char q[256];
                diag_addf(d, "%s: holds domain '%s', not '%s'", path, shown(dc.name, q), shown_name);
                return -EINVAL;
        }
        snprintf(dc.xml_path, sizeof(dc.xml_path), "%s", path);
        snprintf(dc.log_path, sizeof(dc.log_path), "var/log/libvirt/qemu/%s.log", name);
        for (size_t i = 0; i < dc.n_hostdevs; i++) {
                DomainHostdev *h = &dc.hostdevs[i];
                if (h->rom_file && h->rom_file[0] == '/' && h->rom_enabled != DOMAIN_SWITCH_OFF)
                        domain_hostdev_stat_rom(rootfd, h);
        }
        *ret = dc;
        dc = (DomainConfig){0};
        return 0;
}

size_t domain_hostdev_addresses(const DomainConfig *dc, PciAddress *out, size_t max) {
        size_t n = 0;
        for (size_t i = 0; i < dc->n_hostdevs && n < max; i++) {
                bool seen = false;
                for (size_t j = 0; j < n && !seen; j++)
                        seen = strcmp(out[j], dc->hostdevs[i].address) == 0;
                if (!seen)
                        snprintf(out[n++], 16, "%s", dc->hostdevs[i].address);
        }
        return n;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Judging the hostdevs against the host */

typedef struct Emitter {
        probe_line_fn fn;
        void *userdata;
        const DomainConfig *dc;
        int r;
} Emitter;

/* Every line starts with the guest and the device in its layer's terms (docs/probe-lines.md): "domain NAME:
 * hostdev ADDR", "pve-vm ID: hostpciN ADDR", "incus NAME: device DEV ADDR". */
static void hostdev_emit(Emitter *e, const DomainHostdev *h, const char *fmt, ...) _printf_(3, 4);
static void hostdev_emit(Emitter *e, const DomainHostdev *h, const char *fmt, ...) {
        char buf[VX_DOMAIN_PATH_MAX * 2 + 1024];
        va_list ap;
        int n;
        if (e->r < 0)
                return;
        switch (e->dc->layer) {
        case GUEST_PVE:
                n = snprintf(buf, sizeof(buf), "pve-vm %s: %s %s", e->dc->name, h->id, h->address);
                break;
        case GUEST_INCUS:
                n = snprintf(buf, sizeof(buf), "incus %s: device %s %s", e->dc->name, h->id, h->address);
                break;
        default:
                n = snprintf(buf, sizeof(buf), "domain %s: hostdev %s", e->dc->name, h->address);
        }
        if (n < 0 || (size_t) n >= sizeof(buf))
                return;
        va_start(ap, fmt);
        int m = vsnprintf(buf + n, sizeof(buf) - (size_t) n, fmt, ap);
        va_end(ap);
        if (m < 0)
                return;
        e->r = e->fn(buf, MIN((size_t) n + (size_t) m, sizeof(buf) - 1), e->userdata);
}

static bool in_domain(const DomainConfig *dc, const char *address) {
        for (size_t i = 0; i < dc->n_hostdevs; i++)
                if (strcmp(dc->hostdevs[i].address, address) == 0)
                        return true;
        return false;
}

/* Another function of the same card: the same domain, bus and slot. */
static bool same_slot(const char *a, const char *b) {
        const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
        return da && db && da - a == db - b && strncmp(a, b, (size_t) (da - a)) == 0;
}

/* A normalised address ("0000:01:00.1", up to 8 domain digits) as its domain, bus, slot and function. */
static bool split_address(const char *a, uint64_t v[static 4]) {
        Span s = span_from_str(a);
        size_t nd = strcspn(a, ":");
        return span_eat_xdigits(&s, nd, &v[0]) && span_eat_char(&s, ':') && span_eat_xdigits(&s, 2, &v[1]) &&
                span_eat_char(&s, ':') && span_eat_xdigits(&s, 2, &v[2]) && span_eat_char(&s, '.') &&
                span_eat_xdigits(&s, 1, &v[3]) && s.len == 0;
}

/* Who QEMU runs as: qemu.conf's user, or (not known) a user who is neither owner nor group of anything. */
typedef struct Reader {
        const char *name;
        bool known;
        bool root; /* with CAP_DAC_OVERRIDE: every mode allows it */
        unsigned uid, gid;
} Reader;

/* DAC only, and without capabilities: libvirt starts QEMU with none (qemu.conf
 * clear_emulator_capabilities = 1), so even a QEMU of uid 0 gets only what the mode bits give it. */
static bool dac_allows(const Reader *who, unsigned uid, unsigned gid, unsigned mode, unsigned bits) {
        if (who->root)
                return true;
        if (who->known && uid == who->uid)
                return mode & (bits << 6);
        if (who->known && gid == who->gid)
                return mode & (bits << 3);
        return mode & bits;
}

static const char *file_type(unsigned type) {
        switch (type) {
        case S_IFDIR:
                return "directory";
        case S_IFCHR:
                return "character device";
        case S_IFBLK:
                return "block device";
        case S_IFIFO:
                return "fifo";
        case S_IFSOCK:
                return "socket";
        default:
                return "not a file";
        }
}

/* What the rom file holds, against the device and the firmware the domain boots. */
static void emit_rom_contents(Emitter *e, const DomainConfig *dc, const DomainHostdev *h,
                              const HostFacts *host) {
        uint16_t vendor = 0, device = 0;
        RomVerdict v;

        if (!h->rom_info)
                return;
        bool known = rom_device_ids(host, h->address, &vendor, &device);
        rom_judge(h->rom_info, known, vendor, device,
                  dc->firmware == DOMAIN_FIRMWARE_EFI ? ROM_FIRMWARE_UEFI : ROM_FIRMWARE_BIOS, &v);
        for (size_t i = 0; i < v.n_findings; i++)
                hostdev_emit(e, h, " rom file %s: %s", h->rom_file, v.findings[i].text);
}

static void emit_rom(Emitter *e, const DomainConfig *dc, const DomainHostdev *h, const Reader *who,
                     const HostFacts *host) {
        if (!h->rom_file || h->rom_exists == KNOWN_NOT_PROBED)
                return;
        if (h->rom_exists == KNOWN_ABSENT) {
                hostdev_emit(e, h, " rom file %s: absent", h->rom_file);
                return;
        }
        if (h->rom_regular == KNOWN_ABSENT) {
                hostdev_emit(e, h, " rom file %s: not a regular file (%s)", h->rom_file,
                             file_type(h->rom_type));
                return;
        }
        if (h->rom_size == 0) {
                hostdev_emit(e, h, " rom file %s: empty", h->rom_file);
                return;
        }
        for (size_t i = 0; i < h->n_rom_dirs; i++) {
                const DomainRomDir *dir = &h->rom_dirs[i];
                if (!dac_allows(who, dir->uid, dir->gid, dir->mode, 1)) {
                        hostdev_emit(
                                e, h,
                                " rom file %s: directory %.*s not searchable by %s (owner %u:%u mode %04o)",
                                h->rom_file, (int) dir->len, h->rom_file, who->name, dir->uid, dir->gid,
                                dir->mode);
                        return;
                }
        }
        if (!dac_allows(who, h->rom_uid, h->rom_gid, h->rom_mode, 4))
                hostdev_emit(e, h, " rom file %s: not readable by %s (owner %u:%u mode %04o)", h->rom_file,
                             who->name, h->rom_uid, h->rom_gid, h->rom_mode);
        emit_rom_contents(e, dc, h, host);
}

/* A VGA card that is the display of a SeaBIOS guest runs its own option ROM there unless a <rom file>
 * replaces it: SeaBIOS needs the ROM's x86 legacy image. Whether the card's ROM has one is not probed:
 * reading it means writing 1 to the device's sysfs rom file. */
static void emit_seabios_display(Emitter *e, const DomainConfig *dc, const DomainHostdev *h,
                                 const PciDevice *d) {
        if (dc->firmware != DOMAIN_FIRMWARE_BIOS || dc->emulated_display || h->rom_file ||
            h->rom_bar == DOMAIN_SWITCH_OFF || h->rom_enabled == DOMAIN_SWITCH_OFF ||
            (d->class_code >> 8) != 0x0300)
                return;
        hostdev_emit(
                e, h,
                ": VGA display of a SeaBIOS guest (no emulated display), no <rom file>: the card's own ROM must hold an x86 legacy image (not probed: reading it writes to the device's rom file)");
}

/* The device is not on the host: in the layer's terms, so that the line finds the place to change. */
static void emit_absent(Emitter *e, const DomainConfig *dc, const DomainHostdev *h) {
        uint64_t v[4];
        if (dc->layer != GUEST_LIBVIRT) {
                hostdev_emit(e, h, ": absent");
                return;
        }
        /* The address as libvirt writes it back (virPCIDeviceAddressFormat()), to find it in the XML. */
        char xml[128] = "";
        if (split_address(h->address, v))
                snprintf(xml, sizeof(xml),
                         " (<address domain='0x%04llx' bus='0x%02llx' slot='0x%02llx' function='0x%llx'/>)",
                         (unsigned long long) v[0], (unsigned long long) v[1], (unsigned long long) v[2],
                         (unsigned long long) v[3]);
        hostdev_emit(e, h, ": absent%s", xml);
}

/* A device the layer does not move to vfio-pci, still on a host driver: QEMU cannot open it. */
static void emit_unbound(Emitter *e, const DomainConfig *dc, const DomainHostdev *h, const PciDevice *d) {
        const char *own = d->driver == KNOWN_PRESENT ? d->driver_name : "none";
        if (h->managed || d->driver == KNOWN_NOT_PROBED || strcmp(own, "vfio-pci") == 0)
                return;
        switch (dc->layer) {
        case GUEST_PVE:
                /* driver=keep: qemu-server leaves the device on the driver it has (PCI.pm
                 * prepare_pci_device()). */
                hostdev_emit(e, h, " driver=keep: on %s, not vfio-pci", own);
                break;
        case GUEST_INCUS:
                /* Never: incus binds every device it passes (probes/incus.c makes each managed). */
                break;
        default: {
                /* libvirt refuses to start a domain whose unmanaged PCI hostdev is not on vfio-pci
                 * ("Unmanaged PCI device ... must be manually detached from the host",
                 * src/hypervisor/virhostdev.c). */
                char nodedev[32];
                if (h->driver[0] && strcmp(h->driver, "vfio") != 0)
                        return;
                snprintf(nodedev, sizeof(nodedev), "pci_%s", d->address);
                for (char *c = nodedev; *c; c++)
                        if (*c == ':' || *c == '.')
                                *c = '_';
                hostdev_emit(e, h, " managed=no: on %s, not vfio-pci (node device %s)", own, nodedev);
        }
        }
}

/* A member of the device's IOMMU group that the guest does not take and the host drives. libvirt and
 * incus leave it where it is, so vfio refuses the group; qemu-server binds the whole group to vfio-pci
 * at start, so the host loses the member instead. */
static void emit_group_member(Emitter *e, const DomainConfig *dc, const DomainHostdev *h, const PciDevice *d,
                              const PciDevice *m) {
        const char *where = same_slot(m->address, d->address) ? "same card" : "another device";
        switch (dc->layer) {
        case GUEST_PVE:
                hostdev_emit(
                        e, h,
                        " group %u: member %s [%04x:%04x] class=%06x on %s is not in the VM, and qemu-server moves it to vfio-pci at start (%s)",
                        d->group_id, m->address, m->vendor, m->device, m->class_code, m->driver_name, where);
                break;
        case GUEST_INCUS:
                hostdev_emit(e, h,
                             " group %u: member %s [%04x:%04x] class=%06x on %s is not in the instance (%s)",
                             d->group_id, m->address, m->vendor, m->device, m->class_code, m->driver_name,
                             where);
                break;
        default:
                hostdev_emit(
                        e, h, " group %u: member %s [%04x:%04x] class=%06x on %s is not in the domain (%s)",
                        d->group_id, m->address, m->vendor, m->device, m->class_code, m->driver_name, where);
        }
}

/* An incus gpu chosen by vendorid=/productid= that picks no GPU of this host, or several: incus stops the
 * start with "Failed to detect requested GPU device" or "VMs cannot match multiple GPUs per device"
 * (internal/server/device/gpu_physical.go startVM()). */
static void emit_unmatched(Emitter *e, const DomainConfig *dc, const DomainUnmatched *u) {
        char buf[VX_DOMAIN_NAME_MAX + VX_DOMAIN_WORD_MAX + 160];
        int n;
        if (e->r < 0)
                return;
        if (u->n_matches == 0)
                n = snprintf(buf, sizeof(buf), "incus %s: device %s: no GPU of the host matches %s",
                             dc->name, u->id, u->selector);
        else
                n = snprintf(buf, sizeof(buf), "incus %s: device %s: %zu GPUs of the host match %s: %s %s%s",
                             dc->name, u->id, u->n_matches, u->selector, u->matches[0], u->matches[1],
                             u->n_matches > 2 ? " ..." : "");
        if (n > 0 && (size_t) n < sizeof(buf))
                e->r = e->fn(buf, (size_t) n, e->userdata);
}

static void emit_hostdev(Emitter *e, const DomainConfig *dc, const DomainHostdev *h, const HostFacts *host) {
        const PciDevice *d = host_find_device(host, h->address);
        if (!d) {
                emit_absent(e, dc, h);
                return;
        }
        emit_unbound(e, dc, h, d);
        if (dc->layer == GUEST_LIBVIRT)
                emit_seabios_display(e, dc, h, d);
        if (d->group != KNOWN_PRESENT)
                return;
        for (size_t i = 0; i < host->n_devices; i++) {
                const PciDevice *m = &host->devices[i];
                if (m == d || m->group != KNOWN_PRESENT || m->group_id != d->group_id ||
                    in_domain(dc, m->address) || !pci_device_blocks_group(m))
                        continue;
                emit_group_member(e, dc, h, d, m);
        }
}

/* Functions of one host card that the domain places in different guest slots: the guest sees a GPU and its
 * HDMI audio as two cards, which the GPU vendors' guest drivers do not expect. Said once, for the lowest
 * function that sits apart from function 0's slot. */
static void emit_split_card(Emitter *e, const DomainConfig *dc, const DomainHostdev *h) {
        uint64_t host[4], guest[4];
        if (!h->guest_address[0] || !split_address(h->address, host) || host[3] == 0)
                return;
        for (size_t i = 0; i < dc->n_hostdevs; i++) {
                const DomainHostdev *f0 = &dc->hostdevs[i];
                uint64_t fh[4];
                if (f0 == h || !f0->guest_address[0] || !same_slot(f0->address, h->address) ||
                    !split_address(f0->address, fh) || fh[3] != 0 ||
                    !split_address(f0->guest_address, guest))
                        continue;
                if (same_slot(f0->guest_address, h->guest_address))
                        return;
                hostdev_emit(
                        e, h,
                        " guest %s: function %u of the card is in another guest slot than function 0 (guest %s); multifunction='on' at <address domain='0x%04llx' bus='0x%02llx' slot='0x%02llx' function='0x0'/> and function='0x%x' for this one",
                        h->guest_address, (unsigned) host[3], f0->guest_address,
                        (unsigned long long) guest[0], (unsigned long long) guest[1],
                        (unsigned long long) guest[2], (unsigned) host[3]);
                return;
        }
}

static const DomainHostdev *find_hostdev(const DomainConfig *dc, Span address) {
        for (size_t i = 0; i < dc->n_hostdevs; i++)
                if (strlen(dc->hostdevs[i].address) == address.len &&
                    memcmp(dc->hostdevs[i].address, address.p, address.len) == 0)
                        return &dc->hostdevs[i];
        return NULL;
}

/* A device in the IOMMU group of a hostpci that qemu-server moves to vfio-pci at start. */
static const DomainHostdev *bound_with_group(const DomainConfig *dc, const HostFacts *host,
                                             const PciDevice *d) {
        for (size_t i = 0; d && d->group == KNOWN_PRESENT && i < dc->n_hostdevs; i++) {
                const PciDevice *h = host_find_device(host, dc->hostdevs[i].address);
                if (dc->hostdevs[i].managed && h && h->group == KNOWN_PRESENT && h->group_id == d->group_id)
                        return &dc->hostdevs[i];
        }
        return NULL;
}

static bool pve_explains_device_line(const DomainConfig *dc, const HostFacts *host, Span a) {
        PciAddress address;
        if (a.len >= sizeof(address))
                return false;
        memcpy(address, a.p, a.len);
        address[a.len] = 0;
        const PciDevice *d = host_find_device(host, address);
        return d && !d->bridge && bound_with_group(dc, host, d) && strcmp(d->power_state, "D3cold") != 0 &&
                d->reset_method[0];
}
bool domain_explains_probe_line(const DomainConfig *dc, const HostFacts *host, const char *line,
                                size_t len) {
        Span s = span_make(line, len), a, m, skipped;
        uint64_t group;

        /* Once the domain runs, libvirt has detached its managed hostdevs: a host driver is news then. */
        if (dc->live || !host)
                return false;
        /* "group N of ADDR (on DRIVER): member M [...] ... blocks the group (...)": M is detached at start.
         */
        if (span_eat_literal(&s, "group ") && span_eat_digits(&s, 1, 10, &group) &&
            span_eat_literal(&s, " of ") && span_eat_until(&s, ' ', &a) &&
            span_eat_until_literal(&s, "): member ", &skipped) && span_eat_literal(&s, "): member ") &&
            span_eat_until(&s, ' ', &m)) {
                const DomainHostdev *member = find_hostdev(dc, m), *owner = find_hostdev(dc, a);
                /* qemu-server binds the whole group of a hostpci at start, and incus's line on a member
                 * says more than this one (the same is said once, in the layer's terms). */
                if (owner && dc->layer == GUEST_PVE)
                        return owner->managed;
                if (owner && dc->layer == GUEST_INCUS)
                        return true;
                return owner && member && member->managed;
        }
        /* "device ADDR: id=... type=endpoint driver=X group=N power=P reset=R" of a managed hostdev: X is
         * expected before the start. Only when nothing else in the line is news (a bridge, no group,
         * D3cold, no reset method), so that no other rule loses its line. */
        s = span_make(line, len);
        if (span_eat_literal(&s, "device ") && span_eat_until_literal(&s, ": id=", &a)) {
                /* qemu-server binds every device of a hostpci's group, the VM's or not: the host driver of
                 * each is expected before the start (what the group takes from the host is said with the
                 * hostpci). */
                if (dc->layer == GUEST_PVE)
                        return pve_explains_device_line(dc, host, a);
                const DomainHostdev *h = find_hostdev(dc, a);
                PciAddress address;
                if (!h || !h->managed || a.len >= sizeof(address))
                        return false;
                memcpy(address, a.p, a.len);
                address[a.len] = 0;
                const PciDevice *d = host_find_device(host, address);
                return d && !d->bridge && d->group == KNOWN_PRESENT &&
                        strcmp(d->power_state, "D3cold") != 0 && d->reset_method[0];
        }
        return false;
}

int domain_probe_lines(const DomainConfig *dc, const HostFacts *host, probe_line_fn fn, void *userdata) {
        Emitter e = {.fn = fn, .userdata = userdata, .dc = dc};
        Reader who = {.name = "others"};

        if (dc->layer == GUEST_PVE)
                /* qemu-server runs QEMU as root, with its capabilities: it reads any file. */
                who = (Reader){.name = "root", .root = true};
        else if (host && host->qemu_ids == KNOWN_PRESENT && host->qemu_user[0])
                who = (Reader){.name = host->qemu_user,
                               .known = true,
                               .uid = host->qemu_uid,
                               .gid = host->qemu_gid};
        for (size_t i = 0; i < dc->n_hostdevs && e.r >= 0; i++) {
                const DomainHostdev *h = &dc->hostdevs[i];
                if (host && host->root && host->pci == KNOWN_PRESENT)
                        emit_hostdev(&e, dc, h, host);
                if (h->rom_enabled != DOMAIN_SWITCH_OFF)
                        emit_rom(&e, dc, h, &who, host);
                if (dc->layer == GUEST_LIBVIRT)
                        emit_split_card(&e, dc, h);
        }
        for (size_t i = 0; i < dc->n_unmatched && e.r >= 0 && host && host->pci == KNOWN_PRESENT; i++)
                emit_unmatched(&e, dc, &dc->unmatched[i]);
        for (size_t i = 0; i < dc->n_layer_lines && e.r >= 0 && host && host->pci == KNOWN_PRESENT; i++)
                e.r = fn(dc->layer_lines[i], strlen(dc->layer_lines[i]), userdata);
        return e.r;
}
