/* The SMB, LDAP and Murmur version modules on hand-made wire bytes: the requests they
 * send (lengths, alignment of SMB 3.1.1's contexts), the answers of OpenLDAP 2.4 and 2.5,
 * 389 Directory Server and Active Directory root DSEs, Murmur's ping and Version message,
 * SMB2 NEGOTIATE and SESSION_SETUP answers with an NTLMSSP CHALLENGE (Samba's build-0
 * version and Windows'), SMB1's refusal and NativeLanMan; and hostile forms of each (cut,
 * lengths past their container, long-form tags, wrong idents) that must fail with the
 * byte offset and leave the result untouched. */
#include "svc/mod_ldap.h"
#include "svc/mod_murmur.h"
#include "svc/mod_smb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* ---- LDAP ---- */

/* Appends tag, length and body[0..n) at out; returns the bytes written. */
static size_t tlv(uint8_t *out, uint8_t tag, const void *body, size_t n)
{
    size_t k = 0;
    out[k++] = tag;
    if (n < 128) {
        out[k++] = (uint8_t)n;
    } else {
        out[k++] = 0x82, out[k++] = (uint8_t)(n >> 8), out[k++] = (uint8_t)n;
    }
    memmove(out + k, body, n);
    return k + n;
}

/* One attribute "type: v1 [v2]" as a PartialAttribute. */
static size_t attr(uint8_t *out, const char *type, const char *v1, const char *v2)
{
    uint8_t vals[256], a[512];
    size_t nv = tlv(vals, 0x04, v1, strlen(v1));
    if (v2)
        nv += tlv(vals + nv, 0x04, v2, strlen(v2));
    uint8_t set[300];
    size_t ns = tlv(set, 0x31, vals, nv);
    size_t na = tlv(a, 0x04, type, strlen(type));
    memcpy(a + na, set, ns);
    return tlv(out, 0x30, a, na + ns);
}

/* An entry with DN "" holding attrs[0..n) and a SearchResultDone, messageID 1. */
static size_t ldap_answer(uint8_t *out, const uint8_t *attrs, size_t n)
{
    uint8_t list[2048], entry[2100], msg[2200];
    size_t nl = tlv(list, 0x30, attrs, n);
    size_t ne = tlv(entry, 0x04, "", 0);
    memcpy(entry + ne, list, nl);
    uint8_t op[2150];
    size_t no = tlv(op, 0x64, entry, ne + nl);
    memcpy(msg, "\x02\x01\x01", 3);
    memcpy(msg + 3, op, no);
    size_t k = tlv(out, 0x30, msg, 3 + no);
    static const uint8_t done[] = {0x30, 12, 0x02, 1, 1, 0x65, 7, 0x0a, 1, 0, 4, 0, 4, 0};
    memcpy(out + k, done, sizeof done);
    return k + sizeof done;
}

static void test_ldap_request(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = sv_ldap_request(b, sizeof b);
    assert_int_equal(n, 45);
    assert_int_equal(b[1], n - 2); /* LDAPMessage length */
    assert_int_equal(b[5], 0x63);  /* SearchRequest */
    assert_int_equal(b[6], n - 7);
    assert_memory_equal(b + n - 6, "\x04\x01*\x04\x01+", 6);
    assert_int_equal(sv_ldap_request(b, 10), 0);
}

static void test_ldap_openldap(void **state)
{
    (void)state;
    uint8_t attrs[1024], buf[2300];
    size_t n = attr(attrs, "objectClass", "top", "OpenLDAProotDSE");
    n += attr(attrs + n, "namingContexts", "dc=prlab,dc=test", NULL);
    n += attr(attrs + n, "supportedExtension", "1.3.6.1.1.8", "1.3.6.1.1.21.1");
    n += attr(attrs + n, "supportedLDAPVersion", "3", NULL);
    size_t len = ldap_answer(buf, attrs, n);
    assert_int_equal(sv_ldap_complete(buf, len), 1);
    assert_int_equal(sv_ldap_complete(buf, len - 1), 0); /* SearchResultDone cut */
    struct sv_ldap_info li;
    char err[160];
    assert_int_equal(sv_ldap_parse(buf, len, &li, err, sizeof err), 0);
    assert_true(li.openldap && li.txn && li.ldapv3);
    assert_string_equal(li.naming, "dc=prlab,dc=test");
    struct svc_info si = {0};
    si.name = strdup("ldap"), si.product = strdup("OpenLDAP"), si.version = strdup("2.2.X - 2.3.X");
    sv_ldap_apply(&si, &li);
    assert_string_equal(si.product, "OpenLDAP");
    assert_string_equal(si.version, "2.5.X - 2.6.X");

    /* OpenLDAP 2.4: only the experimental transaction OID (if any): the version stays. */
    n = attr(attrs, "structuralObjectClass", "OpenLDAProotDSE", NULL);
    n += attr(attrs + n, "supportedExtension", "1.3.6.1.4.1.4203.666.11.7.1", NULL);
    len = ldap_answer(buf, attrs, n);
    assert_int_equal(sv_ldap_parse(buf, len, &li, err, sizeof err), 0);
    assert_true(li.openldap && !li.txn);
    free(si.version);
    si.version = strdup("2.2.X - 2.3.X");
    sv_ldap_apply(&si, &li);
    assert_string_equal(si.version, "2.2.X - 2.3.X");
    free(si.name), free(si.product), free(si.version);
}

static void test_ldap_vendors(void **state)
{
    (void)state;
    uint8_t attrs[1024], buf[2300];
    struct sv_ldap_info li;
    char err[160];
    size_t n = attr(attrs, "vendorName", "389 Project", NULL);
    n += attr(attrs + n, "vendorVersion", "389-Directory/2.3.1 B2023.010.0000", NULL);
    size_t len = ldap_answer(buf, attrs, n);
    assert_int_equal(sv_ldap_parse(buf, len, &li, err, sizeof err), 0);
    struct svc_info si = {0};
    sv_ldap_apply(&si, &li);
    assert_string_equal(si.name, "ldap");
    assert_string_equal(si.product, "389 Directory Server");
    assert_string_equal(si.version, "2.3.1");
    free(si.name), free(si.product), free(si.version);

    memset(&si, 0, sizeof si);
    n = attr(attrs, "domainFunctionality", "7", NULL);
    n += attr(attrs + n, "defaultNamingContext", "DC=corp,DC=example,DC=com", NULL);
    len = ldap_answer(buf, attrs, n);
    assert_int_equal(sv_ldap_parse(buf, len, &li, err, sizeof err), 0);
    sv_ldap_apply(&si, &li);
    assert_string_equal(si.product, "Microsoft Windows Active Directory LDAP");
    assert_string_equal(si.extrainfo, "Domain: corp.example.com");
    free(si.name), free(si.product), free(si.extrainfo);

    /* An entry with nothing to name: nothing changes. */
    memset(&si, 0, sizeof si);
    n = attr(attrs, "supportedLDAPVersion", "3", NULL);
    len = ldap_answer(buf, attrs, n);
    assert_int_equal(sv_ldap_parse(buf, len, &li, err, sizeof err), 0);
    sv_ldap_apply(&si, &li);
    assert_null(si.name);
    assert_null(si.product);
}

static void test_ldap_hostile(void **state)
{
    (void)state;
    uint8_t attrs[1024], buf[2300];
    struct sv_ldap_info li;
    char err[160];
    size_t n = attr(attrs, "objectClass", "OpenLDAProotDSE", NULL);
    size_t len = ldap_answer(buf, attrs, n);
    /* the value "OpenLDAProotDSE" claims 0x7f bytes */
    uint8_t *v = memmem(buf, len, "\x04\x0fOpenLDAP", 10);
    assert_non_null(v);
    v[1] = 0x7f;
    assert_int_equal(sv_ldap_parse(buf, len, &li, err, sizeof err), -1);
    assert_non_null(strstr(err, "at byte"));
    v[1] = 0x0f;
    /* a long-form tag, a 5-byte length, a message past the bytes read */
    uint8_t bad[] = {0x3f, 0x01, 0x00};
    assert_int_equal(sv_ldap_parse(bad, sizeof bad, &li, err, sizeof err), -1);
    uint8_t big[] = {0x30, 0x85, 1, 0, 0, 0, 0};
    assert_int_equal(sv_ldap_parse(big, sizeof big, &li, err, sizeof err), -1);
    assert_int_equal(sv_ldap_complete(big, sizeof big), 1); /* not LDAP: stop reading */
    assert_int_equal(sv_ldap_parse(buf, len - 20, &li, err, sizeof err), -1);
    assert_non_null(strstr(err, "runs past"));
    /* a SearchResultDone alone (an anonymous search refused) */
    assert_int_equal(sv_ldap_parse(buf + len - 14, 14, &li, err, sizeof err), -1);
    assert_non_null(strstr(err, "without a root DSE"));
    /* another message ID */
    buf[4] = 2;
    assert_int_equal(sv_ldap_parse(buf, len, &li, err, sizeof err), -1);
}

/* ---- Murmur ---- */

static const uint8_t murmur_version[] = {
    0,   0,   0,   0,   0,   50,   0x08, 0x84, 0x86, 0x04, 0x12, 7,   '1', '.',
    '3', '.', '4', '-', '4', 0x1a, 3,    'X',  '1',  '1',  0x22, 30,  'D', 'e',
    'b', 'i', 'a', 'n', ' ', 'G',  'N',  'U',  '/',  'L',  'i',  'n', 'u', 'x',
    ' ', '1', '2', ' ', '(', 'b',  'o',  'o',  'k',  'w',  'o',  'r', 'm', ')'};

static void test_murmur(void **state)
{
    (void)state;
    uint8_t ping[16];
    assert_int_equal(sv_murmur_ping(ping, sizeof ping), 12);
    uint8_t ans[24] = {0, 1, 3, 4};
    memcpy(ans + 4, ping + 4, 8);
    ans[15] = 2, ans[18] = 0x03, ans[19] = 0xe8, ans[21] = 0x01, ans[22] = 0x19, ans[23] = 0x40;
    struct sv_murmur_info mi = {0};
    char err[160];
    assert_int_equal(sv_murmur_parse_ping(ans, sizeof ans, &mi, err, sizeof err), 0);
    assert_int_equal(mi.users, 2);
    assert_int_equal(mi.max_users, 1000);
    assert_int_equal(mi.bandwidth, 72000);
    assert_int_equal(sv_murmur_control_complete(murmur_version, sizeof murmur_version), 1);
    assert_int_equal(sv_murmur_control_complete(murmur_version, sizeof murmur_version - 1), 0);
    assert_int_equal(
        sv_murmur_parse_control(murmur_version, sizeof murmur_version, &mi, err, sizeof err), 0);
    assert_string_equal(mi.release, "1.3.4-4");
    assert_string_equal(mi.os_version, "Debian GNU/Linux 12 (bookworm)");
    struct svc_info si = {0};
    sv_murmur_apply(&si, &mi, 1);
    assert_string_equal(si.name, "murmur");
    assert_string_equal(si.version, "1.3.4");
    assert_string_equal(si.extrainfo, "control port; users: 2; max. users: 1000; bandwidth: "
                                      "72000 b/s; release: 1.3.4-4; os: Debian GNU/Linux 12 "
                                      "(bookworm)");
    assert_int_equal(si.tunnel_ssl, 1);
    struct sv_murmur_info udp = {0};
    assert_int_equal(sv_murmur_parse_ping(ans, sizeof ans, &udp, err, sizeof err), 0);
    sv_murmur_apply(&si, &udp, 0);
    assert_string_equal(si.extrainfo,
                        "voice port; users: 2; max. users: 1000; bandwidth: 72000 b/s");
    free(si.name), free(si.product), free(si.version), free(si.extrainfo);

    /* Only the control message: the version from its field 1. */
    struct sv_murmur_info ctl = {0};
    assert_int_equal(
        sv_murmur_parse_control(murmur_version, sizeof murmur_version, &ctl, err, sizeof err), 0);
    assert_int_equal(ctl.major * 100 + ctl.minor * 10 + ctl.patch, 134);
}

static void test_murmur_hostile(void **state)
{
    (void)state;
    struct sv_murmur_info mi = {0};
    char err[160];
    uint8_t ans[24] = {0, 1, 3, 4, 'N', 'O', 'T', 'Y', 'O', 'U', 'R', 'S'};
    assert_int_equal(sv_murmur_parse_ping(ans, sizeof ans, &mi, err, sizeof err), -1);
    assert_non_null(strstr(err, "ident"));
    assert_int_equal(sv_murmur_parse_ping(ans, 23, &mi, err, sizeof err), -1);
    uint8_t m[sizeof murmur_version];
    memcpy(m, murmur_version, sizeof m);
    m[11] = 0x7f; /* release claims 127 bytes */
    assert_int_equal(sv_murmur_parse_control(m, sizeof m, &mi, err, sizeof err), -1);
    assert_non_null(strstr(err, "byte 10"));
    assert_string_equal(mi.release, ""); /* untouched on failure */
    memcpy(m, murmur_version, sizeof m);
    m[1] = 5; /* not Version */
    assert_int_equal(sv_murmur_parse_control(m, sizeof m, &mi, err, sizeof err), -1);
    static const uint8_t endless[] = {0,    0,    0,    0,    0,    12,   0x08, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(sv_murmur_parse_control(endless, sizeof endless, &mi, err, sizeof err), -1);
    static const uint8_t group[] = {0, 0, 0, 0, 0, 2, 0x0b, 0x00}; /* wire type 3 */
    assert_int_equal(sv_murmur_parse_control(group, sizeof group, &mi, err, sizeof err), -1);
    sv_murmur_apply(NULL, &mi, 1); /* nothing answered: si is not touched */
}

/* ---- SMB ---- */

static void le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

/* NetBIOS header and SMB2 header for command cmd with status st; returns 68. */
static size_t smb2_head(uint8_t *b, unsigned cmd, uint32_t st)
{
    memset(b, 0, 68);
    memcpy(b + 4, "\xfeSMB", 4);
    le16(b + 8, 64);
    le16(b + 12, st & 0xffff), le16(b + 14, st >> 16);
    le16(b + 16, cmd);
    return 68;
}

static void frame(uint8_t *b, size_t n)
{
    b[1] = 0, b[2] = (uint8_t)((n - 4) >> 8), b[3] = (uint8_t)(n - 4);
}

/* An NTLMSSP CHALLENGE with version major.minor.build and NetBIOS names. */
static size_t challenge(uint8_t *c, unsigned build)
{
    memset(c, 0, 56);
    memcpy(c, "NTLMSSP\0\x02\0\0\0", 12);
    c[20] = 0x15, c[21] = 0x82, c[22] = 0x8a, c[23] = 0x62; /* ..., version */
    c[48] = 6, c[49] = 1;
    le16(c + 50, build);
    c[55] = 15;
    size_t p = 56;
    static const char *names[] = {"PRLAB1", "PRLAB1", "vm", ""};
    for (unsigned id = 1; id <= 4; id++) {
        size_t l = strlen(names[id - 1]);
        le16(c + p, id), le16(c + p + 2, (unsigned)(2 * l));
        for (size_t i = 0; i < l; i++)
            c[p + 4 + 2 * i] = (uint8_t)names[id - 1][i], c[p + 5 + 2 * i] = 0;
        p += 4 + 2 * l;
    }
    le16(c + p, 0), le16(c + p + 2, 0);
    p += 4;
    le16(c + 40, (unsigned)(p - 56)), le16(c + 42, (unsigned)(p - 56));
    c[44] = 56;
    return p;
}

static void test_smb_requests(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = sv_smb2_negotiate(b, sizeof b, 1);
    assert_int_equal(n, 178);
    assert_int_equal(b[3], n - 4);
    assert_int_equal(b[4 + 64 + 2], 5); /* DialectCount */
    size_t ctx = (size_t)b[4 + 64 + 28] | (size_t)b[4 + 64 + 29] << 8;
    assert_int_equal(ctx % 8, 0);
    assert_int_equal(b[4 + ctx], 1);      /* preauth integrity */
    assert_int_equal(b[4 + ctx + 48], 2); /* encryption, 8-aligned */
    n = sv_smb2_negotiate(b, sizeof b, 0);
    assert_int_equal(n, 4 + 64 + 36 + 2);
    n = sv_smb2_session_setup(b, sizeof b);
    assert_non_null(memmem(b, n, "NTLMSSP\0\x01\0\0\0", 12));
    n = sv_smb_nbss_request(b, sizeof b);
    assert_int_equal(n, 72);
    assert_int_equal(b[0], 0x81);
    assert_memory_equal(b + 4,
                        "\x20"
                        "CKFDENECFDEFFCFGEFFCCACACACACACA",
                        33); /* *SMBSERVER */
    n = sv_smb1_negotiate(b, sizeof b);
    assert_memory_equal(b + 4, "\xffSMBr", 5);
    n = sv_smb1_session_setup(b, sizeof b);
    assert_int_equal(b[4 + 32], 12);
    assert_int_equal(sv_smb2_negotiate(b, 100, 1), 0);
}

static void test_smb2(void **state)
{
    (void)state;
    uint8_t b[1024];
    size_t n = smb2_head(b, 0, 0);
    memset(b + n, 0, 64);
    le16(b + n, 65);
    b[n + 2] = 1; /* signing enabled */
    le16(b + n + 4, 0x0311);
    n += 64;
    frame(b, n);
    struct sv_smb_info info = {0};
    char err[160];
    assert_int_equal(sv_smb_complete(b, n), 1);
    assert_int_equal(sv_smb_complete(b, n - 1), 0);
    assert_int_equal(sv_smb2_parse_negotiate(b, n, &info, 1, err, sizeof err), 0);
    assert_int_equal(info.dialect_max, 0x0311);
    assert_true(info.sign_enabled && !info.sign_required);
    le16(b + 72, 0x0202);
    assert_int_equal(sv_smb2_parse_negotiate(b, n, &info, 0, err, sizeof err), 0);
    assert_int_equal(info.dialect_min, 0x0202);
    le16(b + 72, 0x0299); /* not offered */
    assert_int_equal(sv_smb2_parse_negotiate(b, n, &info, 1, err, sizeof err), -1);

    /* SESSION_SETUP: MORE_PROCESSING_REQUIRED, the challenge in the security buffer. */
    n = smb2_head(b, 1, 0xc0000016u);
    memset(b + n, 0, 8);
    le16(b + n, 9);
    le16(b + n + 4, 64 + 8);
    size_t cl = challenge(b + n + 8, 0);
    le16(b + n + 6, (unsigned)cl);
    n += 8 + cl;
    frame(b, n);
    assert_int_equal(sv_smb2_parse_session(b, n, &info, err, sizeof err), 0);
    assert_string_equal(info.nb_name, "PRLAB1");
    assert_string_equal(info.dns_name, "vm");
    assert_true(info.ntlm_ver && info.ver_build == 0);

    struct svc_info si = {0};
    si.name = strdup("netbios-ssn"), si.product = strdup("Samba smbd");
    si.version = strdup("4.6.2");
    si.cpes[0] = strdup("cpe:/a:samba:samba:4.6.2"), si.ncpes = 1;
    info.smb1 = -1;
    sv_smb_apply(&si, &info);
    assert_string_equal(si.version, "4.3.X - 4.X");
    assert_string_equal(si.cpes[0], "cpe:/a:samba:samba"); /* no CVEs of 4.6.2 */
    assert_string_equal(si.hostname, "PRLAB1");
    assert_string_equal(si.extrainfo, "SMB 2.0.2 - 3.1.1, SMB1 refused; signing enabled, not "
                                      "required; NetBIOS domain: PRLAB1; DNS name: vm");

    assert_int_equal(si.probed, 1); /* a table name confirmed by the protocol */
    /* Windows' build: no Samba version claimed. */
    struct sv_smb_info win = {0};
    win.dialect_max = 0x0311;
    challenge(b + 68 + 8, 20348); /* same length, Windows Server 2022's build */
    assert_int_equal(sv_smb2_parse_session(b, n, &win, err, sizeof err), 0);
    assert_int_equal(win.ver_build, 20348);
    free(si.version);
    si.version = strdup("4.6.2");
    sv_smb_apply(&si, &win);
    assert_string_equal(si.version, "4.6.2");
    free(si.name), free(si.product), free(si.version), free(si.extrainfo), free(si.hostname);
    free(si.cpes[0]);
}

static void test_smb_hostile(void **state)
{
    (void)state;
    uint8_t b[1024];
    struct sv_smb_info info = {0};
    char err[160];
    size_t n = smb2_head(b, 1, 0xc0000016u);
    memset(b + n, 0, 8);
    le16(b + n, 9);
    le16(b + n + 4, 64 + 8);
    size_t cl = challenge(b + n + 8, 0);
    le16(b + n + 6, (unsigned)cl);
    uint8_t *c = b + n + 8;
    n += 8 + cl;
    frame(b, n);
    le16(c + 40, 0xffff); /* target info past the challenge */
    assert_int_equal(sv_smb2_parse_session(b, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "target info"));
    assert_int_equal(info.ntlm_ver, 0); /* untouched on failure */
    le16(c + 40, (unsigned)(cl - 56));
    le16(c + 58, 0x7fff); /* first AV pair past the target info */
    assert_int_equal(sv_smb2_parse_session(b, n, &info, err, sizeof err), -1);
    assert_string_equal(info.nb_name, "");
    le16(b + 4 + 64 + 6, 0xffff); /* security buffer past the message */
    assert_int_equal(sv_smb2_parse_session(b, n, &info, err, sizeof err), -1);
    b[3] = (uint8_t)(b[3] + 1); /* NetBIOS length past the bytes read */
    assert_int_equal(sv_smb2_parse_session(b, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "NetBIOS length"));
    assert_int_equal(sv_smb2_parse_negotiate(b, 3, &info, 1, err, sizeof err), -1);

    /* SMB1: Samba's refusal (dialect 0xffff), then a NativeLanMan. */
    static const uint8_t refused[] = {
        0, 0, 0, 37, 0xff, 'S', 'M', 'B',  'r',  0, 0, 0, 0, 0x88, 0x03, 0xc0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0,  0,    0,   0,   0xff, 0xfe, 0, 0, 0, 0, 1,    0xff, 0xff, 0, 0};
    assert_int_equal(sv_smb1_parse_negotiate(refused, sizeof refused, &info, err, sizeof err), -1);
    assert_int_equal(info.smb1, -1);
    n = 4 + 32;
    memset(b, 0, sizeof b);
    memcpy(b + 4, "\xffSMBs", 5);
    b[5 + 4] = 0x16, b[6 + 4] = 0, b[7 + 4] = 0, b[8 + 4] = 0xc0; /* MORE_PROCESSING */
    b[n] = 4;
    size_t cl1 = challenge(b + n + 11, 0);
    le16(b + n + 7, (unsigned)cl1);
    size_t p = n + 11 + cl1;
    if ((p - 4) & 1)
        p++;
    static const char *strs[] = {"Windows 6.1", "Samba 4.17.12-Debian"};
    for (int s = 0; s < 2; s++) {
        for (const char *q = strs[s]; *q; q++)
            b[p] = (uint8_t)*q, b[p + 1] = 0, p += 2;
        p += 2;
    }
    le16(b + n + 9, (unsigned)(p - (n + 11)));
    frame(b, p);
    struct sv_smb_info s1 = {0};
    assert_int_equal(sv_smb1_parse_session(b, p, &s1, err, sizeof err), 0);
    assert_string_equal(s1.native_os, "Windows 6.1");
    assert_string_equal(s1.lanman, "Samba 4.17.12-Debian");
    s1.smb1 = 1;
    struct svc_info si = {0};
    si.product = strdup("Samba smbd"), si.extrainfo = strdup("workgroup: PRLAB");
    si.cpes[0] = strdup("cpe:/a:samba:samba"), si.ncpes = 1;
    sv_smb_apply(&si, &s1);
    assert_string_equal(si.version, "4.17.12-Debian");
    assert_string_equal(si.cpes[0], "cpe:/a:samba:samba:4.17.12");
    assert_string_equal(si.extrainfo, "workgroup: PRLAB; SMB1 (NT LM 0.12) accepted; NetBIOS "
                                      "domain: PRLAB1; DNS name: vm");
    le16(b + n + 9, 0xfff0); /* byte count past the message */
    assert_int_equal(sv_smb1_parse_session(b, p, &s1, err, sizeof err), -1);
    free(si.product), free(si.version), free(si.extrainfo), free(si.hostname), free(si.cpes[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ldap_request), cmocka_unit_test(test_ldap_openldap),
        cmocka_unit_test(test_ldap_vendors), cmocka_unit_test(test_ldap_hostile),
        cmocka_unit_test(test_murmur),       cmocka_unit_test(test_murmur_hostile),
        cmocka_unit_test(test_smb_requests), cmocka_unit_test(test_smb2),
        cmocka_unit_test(test_smb_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
