/* mod_ldap.c — the LDAP rootDSE search and its product/version evidence (see mod_ldap.h). */
#include "svc/mod_ldap.h"

#include "svc/modtext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LDAP_MSGID 1

size_t sv_ldap_request(uint8_t *out, size_t cap)
{
    static const uint8_t req[] = {
        0x30, 43, 0x02, 1,    LDAP_MSGID,                     /* LDAPMessage, messageID */
        0x63, 38, 0x04, 0,                                    /* SearchRequest, baseObject "" */
        0x0a, 1,  0,    0x0a, 1,          0,                  /* scope base, derefAliases never */
        0x02, 1,  0,    0x02, 1,          0,    0x01, 1,   0, /* sizeLimit, timeLimit, typesOnly */
        0x87, 11, 'o',  'b',  'j',        'e',  'c',  't', 'C', 'l', 'a', 's', 's', /* present */
        0x30, 6,  0x04, 1,    '*',        0x04, 1,    '+'};                         /* attributes */
    if (cap < sizeof req)
        return 0;
    memcpy(out, req, sizeof req);
    return sizeof req;
}

/* One BER element at *p (< end): single-byte tag, definite length of up to 4 bytes.
 * Returns 0 with *tag and content [*c, *c + *clen) (and *p past it), 1 when it runs past
 * end, -1 when it is not DER-like BER (long-form tag, indefinite or over-long length). */
static int tlv(const uint8_t *buf, size_t end, size_t *p, uint8_t *tag, size_t *c, size_t *clen)
{
    size_t at = *p;
    if (end - at < 2)
        return 1;
    if ((buf[at] & 0x1f) == 0x1f)
        return -1;
    size_t len = buf[at + 1], q = at + 2;
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        if (nb == 0 || nb > 4)
            return -1;
        if (end - q < nb)
            return 1;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = len << 8 | buf[q++];
    }
    if (len > end - q)
        return 1;
    *tag = buf[at], *c = q, *clen = len, *p = q + len;
    return 0;
}

int sv_ldap_complete(const uint8_t *buf, size_t len)
{
    size_t p = 0;
    while (p < len) {
        uint8_t tag, op;
        size_t c, n, q, oc, on;
        int r = tlv(buf, len, &p, &tag, &c, &n);
        if (r)
            return r < 0;
        q = c;
        if (tag != 0x30 || tlv(buf, c + n, &q, &tag, &oc, &on) || /* messageID */
            tlv(buf, c + n, &q, &op, &oc, &on))
            return 1; /* whole but not LDAP: the parser says why */
        if (op == 0x65)
            return 1;
    }
    return 0;
}

static int eq(const uint8_t *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && !strncasecmp((const char *)s, lit, l);
}

/* Records one value v[0..vn) of attribute type t[0..tn). */
static void note_value(struct sv_ldap_info *info, const uint8_t *t, size_t tn, const uint8_t *v,
                       size_t vn)
{
    if ((eq(t, tn, "structuralObjectClass") || eq(t, tn, "objectClass")) &&
        eq(v, vn, "OpenLDAProotDSE"))
        info->openldap = 1;
    else if (eq(t, tn, "supportedExtension") && eq(v, vn, "1.3.6.1.1.21.1"))
        info->txn = 1;
    else if (eq(t, tn, "domainFunctionality") ||
             (eq(t, tn, "supportedCapabilities") && eq(v, vn, "1.2.840.113556.1.4.800")))
        info->ad = 1;
    else if (eq(t, tn, "supportedLDAPVersion") && eq(v, vn, "3"))
        info->ldapv3 = 1;
    else if (eq(t, tn, "vendorName"))
        sv_text_copy(info->vendor, sizeof info->vendor, v, vn, 0);
    else if (eq(t, tn, "vendorVersion"))
        sv_text_copy(info->vendor_version, sizeof info->vendor_version, v, vn, 0);
    else if (eq(t, tn, "defaultNamingContext") || (eq(t, tn, "namingContexts") && !info->naming[0]))
        sv_text_copy(info->naming, sizeof info->naming, v, vn, 0);
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

/* Reads the PartialAttributeList of an entry in [p, end). */
static int parse_attrs(const uint8_t *buf, size_t p, size_t end, struct sv_ldap_info *info,
                       char *err, size_t errlen)
{
    while (p < end) {
        size_t at = p, c, n, tc, tn, vc, vn;
        uint8_t tag;
        if (tlv(buf, end, &p, &tag, &c, &n) || tag != 0x30)
            FAIL("attribute: want a SEQUENCE inside its list at byte %zu", at);
        size_t q = c, ae = c + n;
        if (tlv(buf, ae, &q, &tag, &tc, &tn) || tag != 0x04)
            FAIL("attribute type: want an OCTET STRING inside its attribute at byte %zu", c);
        size_t sat = q, sc, sn;
        if (tlv(buf, ae, &q, &tag, &sc, &sn) || tag != 0x31)
            FAIL("attribute values: want a SET inside its attribute at byte %zu", sat);
        info->nattrs++;
        for (size_t v = sc; v < sc + sn;) {
            size_t vat = v;
            int r = tlv(buf, sc + sn, &v, &tag, &vc, &vn);
            if (r > 0)
                FAIL("attribute value at byte %zu runs past its set (which ends at byte %zu)", vat,
                     sc + sn);
            if (r < 0 || tag != 0x04)
                FAIL("attribute value: want an OCTET STRING inside its set at byte %zu", vat);
            note_value(info, buf + tc, tn, buf + vc, vn);
        }
    }
    return 0;
}

int sv_ldap_parse(const uint8_t *buf, size_t len, struct sv_ldap_info *info, char *err,
                  size_t errlen)
{
    memset(info, 0, sizeof *info);
    size_t p = 0;
    int entry = 0;
    while (p < len) {
        size_t at = p, c, n, q, ic, in, oc, on;
        uint8_t tag, op;
        int r = tlv(buf, len, &p, &tag, &c, &n);
        if (r > 0)
            FAIL("LDAPMessage at byte %zu runs past the %zu bytes read", at, len);
        if (r < 0 || tag != 0x30)
            FAIL("want an LDAPMessage SEQUENCE at byte %zu", at);
        q = c;
        if (tlv(buf, c + n, &q, &tag, &ic, &in) || tag != 0x02 || in != 1 || buf[ic] != LDAP_MSGID)
            FAIL("want messageID %d inside the message at byte %zu", LDAP_MSGID, c);
        size_t opat = q;
        if (tlv(buf, c + n, &q, &op, &oc, &on))
            FAIL("protocolOp runs past its message at byte %zu", opat);
        if (op == 0x64) { /* SearchResultEntry: objectName, attributes */
            size_t e = oc, dc, dn, lc, ln;
            if (tlv(buf, oc + on, &e, &tag, &dc, &dn) || tag != 0x04)
                FAIL("entry name: want an OCTET STRING at byte %zu", oc);
            size_t lat = e;
            if (tlv(buf, oc + on, &e, &tag, &lc, &ln) || tag != 0x30)
                FAIL("entry attributes: want a SEQUENCE inside the entry at byte %zu", lat);
            if (dn == 0) {
                if (parse_attrs(buf, lc, lc + ln, info, err, errlen) < 0)
                    return -1;
                entry = 1;
            }
        } else if (op == 0x65) { /* SearchResultDone: resultCode first */
            size_t e = oc, rc, rn;
            if (tlv(buf, oc + on, &e, &tag, &rc, &rn) || tag != 0x0a || rn < 1 || rn > 4)
                FAIL("result code: want an ENUMERATED at byte %zu", oc);
            if (!entry)
                FAIL("search done (result code %u) without a root DSE entry, at byte %zu",
                     buf[rc + rn - 1], at);
            return 0;
        } else if (op != 0x73) { /* other than a SearchResultReference */
            FAIL("protocolOp 0x%02x is not a search answer, at byte %zu", op, opat);
        }
    }
    if (!entry)
        FAIL("no root DSE entry in the %zu bytes read", len);
    return 0;
}

/* Replaces *slot with a copy of s (NULL or "" clears it). */
void sv_ldap_apply(struct svc_info *si, const struct sv_ldap_info *info)
{
    char buf[2 * SV_LDAP_FIELD];
    if (info->openldap) {
        sv_text_set(&si->product, "OpenLDAP");
        if (info->txn)
            sv_text_set(&si->version, "2.5.X - 2.6.X");
    } else if (info->ad) {
        sv_text_set(&si->product, "Microsoft Windows Active Directory LDAP");
        sv_text_set(&si->version, NULL);
        /* defaultNamingContext DC=corp,DC=example,DC=com -> corp.example.com */
        size_t k = 0;
        buf[0] = 0;
        for (const char *s = info->naming; *s && k + 1 < sizeof buf;) {
            if (!strncasecmp(s, "DC=", 3)) {
                if (k && k + 1 < sizeof buf)
                    buf[k++] = '.';
                for (s += 3; *s && *s != ',' && k + 1 < sizeof buf; s++)
                    buf[k++] = *s;
                buf[k] = 0;
            }
            while (*s && *s++ != ',')
                ;
        }
        if (buf[0]) {
            char ex[sizeof buf + 16];
            snprintf(ex, sizeof ex, "Domain: %s", buf);
            sv_text_set(&si->extrainfo, ex);
        }
    } else if (strstr(info->vendor, "389 Project")) {
        sv_text_set(&si->product, "389 Directory Server");
        const char *v = strchr(info->vendor_version, '/');
        snprintf(buf, sizeof buf, "%s", v ? v + 1 : "");
        buf[strcspn(buf, " ")] = 0;
        sv_text_set(&si->version, buf);
    } else if (info->vendor[0]) {
        sv_text_set(&si->product, info->vendor);
        sv_text_set(&si->version, info->vendor_version);
    } else {
        return;
    }
    sv_text_set(&si->name, "ldap");
}
