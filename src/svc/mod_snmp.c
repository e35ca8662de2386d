/* mod_snmp.c — SNMPv3 engine discovery (see mod_snmp.h). */
#include "svc/mod_snmp.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNMP_NUM_FILE "/usr/share/nmap/nselib/data/enterprise_numbers.txt"

size_t sv_snmp_discovery(uint8_t *out, size_t cap, uint16_t msgid)
{
    const uint8_t msg[] = {
        0x30,           0x3a, 0x02, 0x01, 0x03,                         /* SEQUENCE, version 3 */
        0x30,           0x0f, 0x02, 0x02, (uint8_t)(msgid >> 8 & 0x7f), /* msgGlobalData, msgID */
        (uint8_t)msgid, 0x02, 0x03, 0x00, 0xff,
        0xe3, /* msgMaxSize 65507 */
        0x04,           0x01, 0x04, 0x02, 0x01,
        0x03, /* flags reportable, USM */
        0x04,           0x10, 0x30, 0x0e, 0x04,
        0x00,           0x02, 0x01, 0x00, /* empty USM parameters */
        0x02,           0x01, 0x00, 0x04, 0x00,
        0x04,           0x00, 0x04, 0x00, /* */
        0x30,           0x12, 0x04, 0x00, 0x04,
        0x00, /* scoped PDU, no context */
        0xa0,           0x0c, 0x02, 0x02, 0x50,
        0x52,           0x02, 0x01, 0x00,        /* GetRequest */
        0x02,           0x01, 0x00, 0x30, 0x00}; /* no varbinds */
    if (cap < sizeof msg)
        return 0;
    memcpy(out, msg, sizeof msg);
    return sizeof msg;
}

/* One BER element at *p (< end): its tag, and its content [*c, *c + *clen). */
static int ber(const uint8_t *buf, size_t end, size_t *p, uint8_t tag, size_t *c, size_t *clen,
               const char *what, char *err, size_t errlen)
{
    size_t at = *p;
    if (end - at < 2 || buf[at] != tag) {
        snprintf(err, errlen, "%s: want tag 0x%02x at byte %zu", what, tag, at);
        return -1;
    }
    size_t len = buf[at + 1], q = at + 2;
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        if (nb == 0 || nb > 3 || end - q < nb) {
            snprintf(err, errlen, "%s: bad length at byte %zu", what, at + 1);
            return -1;
        }
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = len << 8 | buf[q++];
    }
    if (len > end - q) {
        snprintf(err, errlen, "%s: %zu bytes at byte %zu run past byte %zu", what, len, at, end);
        return -1;
    }
    *c = q, *clen = len, *p = q + len;
    return 0;
}

static int ber_uint(const uint8_t *buf, size_t end, size_t *p, uint32_t *v, const char *what,
                    char *err, size_t errlen)
{
    size_t c, n;
    if (ber(buf, end, p, 0x02, &c, &n, what, err, errlen) < 0)
        return -1;
    if (n == 0 || n > 5) {
        snprintf(err, errlen, "%s: integer of %zu bytes at byte %zu", what, n, c);
        return -1;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | buf[c + i];
    *v = (uint32_t)x;
    return 0;
}

int sv_snmp_parse(const uint8_t *buf, size_t len, uint16_t msgid, uint8_t *eid, size_t *eidlen,
                  char *err, size_t errlen)
{
    size_t p = 0, c, n, end;
    uint32_t v;
    if (ber(buf, len, &p, 0x30, &c, &n, "message", err, errlen) < 0)
        return -1;
    p = c, end = c + n;
    if (ber_uint(buf, end, &p, &v, "version", err, errlen) < 0)
        return -1;
    if (v != 3) {
        snprintf(err, errlen, "SNMP version field %u, not 3 (SNMPv3), at byte %zu", v, c);
        return -1;
    }
    size_t g, gn;
    if (ber(buf, end, &p, 0x30, &g, &gn, "msgGlobalData", err, errlen) < 0)
        return -1;
    size_t q = g, gend = g + gn;
    uint32_t id, maxsz, model;
    size_t fc, fn;
    if (ber_uint(buf, gend, &q, &id, "msgID", err, errlen) < 0 ||
        ber_uint(buf, gend, &q, &maxsz, "msgMaxSize", err, errlen) < 0 ||
        ber(buf, gend, &q, 0x04, &fc, &fn, "msgFlags", err, errlen) < 0 ||
        ber_uint(buf, gend, &q, &model, "msgSecurityModel", err, errlen) < 0)
        return -1;
    if (id != msgid) {
        snprintf(err, errlen, "msgID %u at byte %zu is not ours (%u)", id, g, msgid);
        return -1;
    }
    if (model != 3) {
        snprintf(err, errlen, "security model %u, not USM", model);
        return -1;
    }
    size_t sp, spn;
    if (ber(buf, end, &p, 0x04, &sp, &spn, "msgSecurityParameters", err, errlen) < 0)
        return -1;
    size_t u = sp, uc, un, ec, en;
    if (ber(buf, sp + spn, &u, 0x30, &uc, &un, "UsmSecurityParameters", err, errlen) < 0)
        return -1;
    u = uc;
    if (ber(buf, uc + un, &u, 0x04, &ec, &en, "msgAuthoritativeEngineID", err, errlen) < 0)
        return -1;
    if (en < 4 || en > SV_SNMP_EID_MAX) {
        snprintf(err, errlen, "engine ID of %zu bytes at byte %zu", en, ec);
        return -1;
    }
    memcpy(eid, buf + ec, en);
    *eidlen = en;
    return 0;
}

void sv_snmp_enterprise(const uint8_t *eid, size_t eidlen, const char *numfile, char *out,
                        size_t cap)
{
    uint32_t ent = 0;
    if (eidlen >= 4)
        ent = (uint32_t)eid[0] << 24 | (uint32_t)eid[1] << 16 | (uint32_t)eid[2] << 8 | eid[3];
    if (ent > 0x80000000u)
        ent -= 0x80000000u;
    snprintf(out, cap, "%u", ent);
    FILE *f = fopen(numfile ? numfile : SNMP_NUM_FILE, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t'), *e;
        unsigned long num = strtoul(line, &e, 10);
        if (tab && e == tab && e > line && num == ent) {
            tab[strcspn(tab, "\r\n")] = 0;
            snprintf(out, cap, "%s", tab + 1);
            break;
        }
    }
    fclose(f);
}

void sv_snmp_apply(struct svc_info *si, const char *enterprise)
{
    char buf[256];
    if (si->product && strcmp(si->product, "SNMPv3 server"))
        snprintf(buf, sizeof buf, "%s; %s SNMPv3 server", si->product, enterprise);
    else
        snprintf(buf, sizeof buf, "%s SNMPv3 server", enterprise);
    free(si->product);
    si->product = pr_strdup(buf);
    free(si->name);
    si->name = pr_strdup("snmp");
}
