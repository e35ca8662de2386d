/* mod_smb.c — SMB2/3 negotiate, NTLMSSP challenge and SMB1 NativeLanMan (see mod_smb.h). */
#include "svc/mod_smb.h"

#include "svc/modtext.h"

#include <stdio.h>
#include <string.h>

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

#define ST_MORE_PROCESSING 0xc0000016u
#define NB_HDR 4    /* NetBIOS session message header */
#define SMB2_HDR 64 /* SMB2 sync header */
#define SMB1_HDR 32

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff), put16(p + 2, v >> 16);
}
static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* SPNEGO NegTokenInit carrying an NTLMSSP NEGOTIATE with a version field (74 bytes). */
static const uint8_t spnego_ntlm[] = {
    0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,          /* GSS-API, SPNEGO */
    0xa0, 0x3e, 0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b,    /* mechTypes: */
    0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,                /* NTLMSSP */
    0xa2, 0x2a, 0x04, 0x28,                                              /* mechToken */
    'N',  'T',  'L',  'M',  'S',  'S',  'P',  0,    1,    0,    0,    0, /* NEGOTIATE */
    0x07, 0x82, 0x08, 0xe2, /* unicode, oem, target, NTLM, sign, ESS, version, 128, kex, 56 */
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,                           /* no domain, no workstation */
    6,    1,    0,    0,    0,    0,    0,    15}; /* version 6.1.0, NTLM revision 15 */

/* Fills the NetBIOS header of a message whose total length (with the header) is n. */
static size_t nb_frame(uint8_t *out, size_t n)
{
    out[0] = 0, out[1] = (uint8_t)((n - NB_HDR) >> 16);
    out[2] = (uint8_t)((n - NB_HDR) >> 8), out[3] = (uint8_t)(n - NB_HDR);
    return n;
}

/* One NetBIOS name in first-level encoding: length 32, the encoded 16 bytes, 0. */
static void nb_name(uint8_t *out, const char *name, uint8_t suffix)
{
    out[0] = 32;
    for (size_t i = 0; i < 16; i++) {
        size_t l = strlen(name);
        uint8_t c = i < 15 ? (i < l ? (uint8_t)name[i] : ' ') : suffix;
        out[1 + 2 * i] = (uint8_t)('A' + (c >> 4)), out[2 + 2 * i] = (uint8_t)('A' + (c & 15));
    }
    out[33] = 0;
}

size_t sv_smb_nbss_request(uint8_t *out, size_t cap)
{
    if (cap < 72)
        return 0;
    out[0] = 0x81, out[1] = 0, out[2] = 0, out[3] = 68;
    nb_name(out + 4, "*SMBSERVER", 0x20);
    nb_name(out + 38, "PORTREEVE", 0x00);
    return 72;
}

int sv_smb_nbss_ok(const uint8_t *buf, size_t len)
{
    return len >= 4 && buf[0] == 0x82;
}

static void smb2_header(uint8_t *h, unsigned cmd, unsigned msgid)
{
    memset(h, 0, SMB2_HDR);
    memcpy(h, "\xfeSMB", 4);
    put16(h + 4, SMB2_HDR);
    put16(h + 12, cmd);
    put16(h + 14, 31); /* credits requested */
    put32(h + 24, msgid);
}

size_t sv_smb2_negotiate(uint8_t *out, size_t cap, int all)
{
    static const uint16_t dialects[] = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};
    size_t nd = all ? 5 : 1, n = NB_HDR + SMB2_HDR + 36 + 2 * nd;
    if (cap < 256)
        return 0;
    uint8_t *h = out + NB_HDR, *b = h + SMB2_HDR;
    smb2_header(h, 0, 0);
    memset(b, 0, 36);
    put16(b, 36);
    put16(b + 2, (unsigned)nd);
    put16(b + 4, 1);                        /* signing enabled */
    memcpy(b + 12, "portreeve-smb2\0", 16); /* client GUID */
    for (size_t i = 0; i < nd; i++)
        put16(b + 36 + 2 * i, dialects[i]);
    if (!all)
        return nb_frame(out, n);
    /* 3.1.1's negotiate contexts, 8-byte aligned from the SMB2 header. */
    size_t ctx = (n - NB_HDR + 7) & ~(size_t)7;
    memset(out + n, 0, NB_HDR + ctx - n);
    put32(b + 28, (uint32_t)ctx);
    put16(b + 32, 2);
    uint8_t *c = h + ctx;
    memset(c, 0, 48 + 14);
    put16(c, 1); /* PREAUTH_INTEGRITY_CAPABILITIES: SHA-512, a 32-byte salt */
    put16(c + 2, 38);
    put16(c + 8, 1);
    put16(c + 10, 32);
    put16(c + 12, 1);
    memcpy(c + 14, "portreeve preauth salt, 32 bytes", 32);
    c += 48;     /* 8 + 38, padded to 8 */
    put16(c, 2); /* ENCRYPTION_CAPABILITIES: AES-128-GCM, AES-128-CCM */
    put16(c + 2, 6);
    put16(c + 8, 2);
    put16(c + 10, 2);
    put16(c + 12, 1);
    return nb_frame(out, NB_HDR + ctx + 48 + 14);
}

size_t sv_smb2_session_setup(uint8_t *out, size_t cap)
{
    size_t n = NB_HDR + SMB2_HDR + 24 + sizeof spnego_ntlm;
    if (cap < n)
        return 0;
    uint8_t *h = out + NB_HDR, *b = h + SMB2_HDR;
    smb2_header(h, 1, 1);
    memset(b, 0, 24);
    put16(b, 25);
    b[3] = 1; /* signing enabled */
    put16(b + 12, SMB2_HDR + 24);
    put16(b + 14, sizeof spnego_ntlm);
    memcpy(b + 24, spnego_ntlm, sizeof spnego_ntlm);
    return nb_frame(out, n);
}

static void smb1_header(uint8_t *h, uint8_t cmd)
{
    memset(h, 0, SMB1_HDR);
    memcpy(h, "\xffSMB", 4);
    h[4] = cmd;
    h[9] = 0x18;           /* case-insensitive, canonical paths */
    put16(h + 10, 0xc801); /* unicode, NT status, extended security, long names */
    put16(h + 26, 0xfeff); /* PID */
}

size_t sv_smb1_negotiate(uint8_t *out, size_t cap)
{
    static const char dialect[] = "\x02NT LM 0.12"; /* with its NUL: 12 bytes */
    size_t n = NB_HDR + SMB1_HDR + 3 + sizeof dialect;
    if (cap < n)
        return 0;
    uint8_t *h = out + NB_HDR;
    smb1_header(h, 0x72);
    h[SMB1_HDR] = 0; /* WordCount */
    put16(h + SMB1_HDR + 1, sizeof dialect);
    memcpy(h + SMB1_HDR + 3, dialect, sizeof dialect);
    return nb_frame(out, n);
}

size_t sv_smb1_session_setup(uint8_t *out, size_t cap)
{
    /* 12 words, ByteCount, the blob, a pad to even, empty NativeOS and NativeLanMan */
    size_t bytes = sizeof spnego_ntlm + 1 + 4, n = NB_HDR + SMB1_HDR + 1 + 24 + 2 + bytes;
    if (cap < n)
        return 0;
    uint8_t *h = out + NB_HDR, *w = h + SMB1_HDR + 1;
    smb1_header(h, 0x73);
    h[SMB1_HDR] = 12;
    memset(w, 0, 24 + 2 + bytes);
    w[0] = 0xff;          /* no AndX command */
    put16(w + 4, 0xffff); /* MaxBufferSize */
    put16(w + 6, 2);      /* MaxMpxCount */
    put16(w + 8, 1);      /* VcNumber */
    put16(w + 14, sizeof spnego_ntlm);
    put32(w + 20, 0x800000dcu); /* extended security, NT status, unicode, large files */
    put16(w + 24, (unsigned)bytes);
    memcpy(w + 26, spnego_ntlm, sizeof spnego_ntlm);
    return nb_frame(out, n);
}

int sv_smb_complete(const uint8_t *buf, size_t len)
{
    if (len < NB_HDR)
        return 0;
    size_t n = (size_t)(buf[1] & 1) << 16 | (size_t)buf[2] << 8 | buf[3];
    return buf[0] != 0 || n <= len - NB_HDR;
}

/* Checks the NetBIOS frame of buf: a session message whose length fits. Sets *end. */
static int frame(const uint8_t *buf, size_t len, size_t *end, char *err, size_t errlen)
{
    if (len < NB_HDR)
        FAIL("answer of %zu bytes has no NetBIOS header, at byte 0", len);
    if (buf[0] != 0)
        FAIL("NetBIOS message type 0x%02x, not a session message, at byte 0", buf[0]);
    size_t n = (size_t)(buf[1] & 1) << 16 | (size_t)buf[2] << 8 | buf[3];
    if (n > len - NB_HDR)
        FAIL("NetBIOS length %zu runs past the %zu bytes read, at byte 1", n, len);
    *end = NB_HDR + n;
    return 0;
}

/* Checks the SMB2 header of a framed answer to command cmd; sets *status. */
static int smb2_check(const uint8_t *buf, size_t end, unsigned cmd, uint32_t *status, char *err,
                      size_t errlen)
{
    if (end < NB_HDR + SMB2_HDR)
        FAIL("SMB2 header cut at byte %zu", end);
    if (memcmp(buf + NB_HDR, "\xfeSMB", 4))
        FAIL("no SMB2 protocol id at byte %d", NB_HDR);
    if (get16(buf + NB_HDR + 12) != cmd)
        FAIL("SMB2 command %u, not %u, at byte %d", get16(buf + NB_HDR + 12), cmd, NB_HDR + 12);
    *status = get32(buf + NB_HDR + 8);
    return 0;
}

int sv_smb2_parse_negotiate(const uint8_t *buf, size_t len, struct sv_smb_info *info, int all,
                            char *err, size_t errlen)
{
    size_t end;
    uint32_t st;
    if (frame(buf, len, &end, err, errlen) < 0 || smb2_check(buf, end, 0, &st, err, errlen) < 0)
        return -1;
    if (st)
        FAIL("NEGOTIATE refused, status 0x%08x at byte %d", st, NB_HDR + 8);
    const uint8_t *b = buf + NB_HDR + SMB2_HDR;
    if (end < NB_HDR + SMB2_HDR + 64)
        FAIL("NEGOTIATE response body cut at byte %zu", end);
    if (get16(b) != 65)
        FAIL("NEGOTIATE response structure size %u, not 65, at byte %d", get16(b),
             NB_HDR + SMB2_HDR);
    unsigned d = get16(b + 4);
    if (d != 0x0202 && d != 0x0210 && d != 0x0300 && d != 0x0302 && d != 0x0311)
        FAIL("dialect 0x%04x was not offered, at byte %d", d, NB_HDR + SMB2_HDR + 4);
    if (all) {
        info->dialect_max = (uint16_t)d;
        info->sign_enabled = (b[2] & 1) != 0;
        info->sign_required = (b[2] & 2) != 0;
    } else {
        info->dialect_min = (uint16_t)d;
    }
    return 0;
}

/* Parses the NTLMSSP CHALLENGE in blob[0..n) (offsets are relative to its start). */
static int ntlm_challenge(const uint8_t *blob, size_t n, size_t base, struct sv_smb_info *out,
                          char *err, size_t errlen)
{
    struct sv_smb_info copy = *out, *info = &copy; /* out changes only on success */
    size_t s = 0;
    while (s + 12 <= n && (memcmp(blob + s, "NTLMSSP\0", 8) || get32(blob + s + 8) != 2))
        s++;
    if (s + 12 > n)
        FAIL("no NTLMSSP CHALLENGE in the %zu-byte security blob at byte %zu", n, base);
    const uint8_t *c = blob + s;
    size_t cn = n - s;
    if (cn < 48)
        FAIL("NTLMSSP CHALLENGE of %zu bytes is cut, at byte %zu", cn, base + s);
    uint32_t flags = get32(c + 20);
    if ((flags & 0x02000000u) && cn >= 56) {
        info->ntlm_ver = 1;
        info->ver_major = c[48], info->ver_minor = c[49], info->ver_build = (uint16_t)get16(c + 50);
    }
    size_t tl = get16(c + 40), to = get32(c + 44);
    if (to > cn || tl > cn - to)
        FAIL("NTLMSSP target info (%zu bytes at %zu) runs past the challenge, at byte %zu", tl, to,
             base + s + 40);
    for (size_t p = to; p < to + tl;) {
        if (to + tl - p < 4)
            FAIL("NTLMSSP AV pair cut at byte %zu", base + s + p);
        unsigned id = get16(c + p), al = get16(c + p + 2);
        if (al > to + tl - p - 4)
            FAIL("NTLMSSP AV pair %u of %u bytes runs past the target info, at byte %zu", id, al,
                 base + s + p);
        char *dst = id == 1   ? info->nb_name
                    : id == 2 ? info->nb_domain
                    : id == 3 ? info->dns_name
                    : id == 4 ? info->dns_domain
                              : NULL;
        if (dst)
            sv_text_copy(dst, SV_SMB_FIELD, c + p + 4, al, 1);
        if (id == 0)
            break;
        p += 4 + al;
    }
    info->ntlm = 1;
    *out = copy;
    return 0;
}

int sv_smb2_parse_session(const uint8_t *buf, size_t len, struct sv_smb_info *info, char *err,
                          size_t errlen)
{
    size_t end;
    uint32_t st;
    if (frame(buf, len, &end, err, errlen) < 0 || smb2_check(buf, end, 1, &st, err, errlen) < 0)
        return -1;
    if (st != ST_MORE_PROCESSING)
        FAIL("SESSION_SETUP status 0x%08x, not MORE_PROCESSING_REQUIRED, at byte %d", st,
             NB_HDR + 8);
    if (end < NB_HDR + SMB2_HDR + 8)
        FAIL("SESSION_SETUP response body cut at byte %zu", end);
    const uint8_t *b = buf + NB_HDR + SMB2_HDR;
    size_t off = get16(b + 4), n = get16(b + 6);
    if (off < SMB2_HDR + 8 || off > end - NB_HDR || n > end - NB_HDR - off)
        FAIL("security buffer (%zu bytes at %zu) runs past the message, at byte %d", n, off,
             NB_HDR + SMB2_HDR + 4);
    return ntlm_challenge(buf + NB_HDR + off, n, NB_HDR + off, info, err, errlen);
}

/* Checks the SMB1 header of a framed answer to command cmd; sets *status. */
static int smb1_check(const uint8_t *buf, size_t end, uint8_t cmd, uint32_t *status, char *err,
                      size_t errlen)
{
    if (end < NB_HDR + SMB1_HDR + 3)
        FAIL("SMB1 answer cut at byte %zu", end);
    if (memcmp(buf + NB_HDR, "\xffSMB", 4))
        FAIL("no SMB1 protocol id at byte %d (the server answered SMB1 with %s)", NB_HDR,
             !memcmp(buf + NB_HDR, "\xfeSMB", 4) ? "SMB2" : "something else");
    if (buf[NB_HDR + 4] != cmd)
        FAIL("SMB1 command 0x%02x, not 0x%02x, at byte %d", buf[NB_HDR + 4], cmd, NB_HDR + 4);
    *status = get32(buf + NB_HDR + 5);
    return 0;
}

int sv_smb1_parse_negotiate(const uint8_t *buf, size_t len, struct sv_smb_info *info, char *err,
                            size_t errlen)
{
    size_t end;
    uint32_t st;
    if (frame(buf, len, &end, err, errlen) < 0 || smb1_check(buf, end, 0x72, &st, err, errlen) < 0)
        return -1;
    const uint8_t *w = buf + NB_HDR + SMB1_HDR;
    if (st || w[0] != 17 || get16(w + 1) != 0) {
        info->smb1 = -1; /* an SMB1 answer that declines */
        FAIL("NT LM 0.12 not chosen (status 0x%08x, word count %u, dialect %u) at byte %d", st,
             w[0], get16(w + 1), NB_HDR + 5);
    }
    info->smb1 = 1;
    return 0;
}

/* Reads a NUL-terminated UTF-16LE string at *p (< end) into out; moves *p past it. */
static void utf16z(const uint8_t *buf, size_t end, size_t *p, char *out, size_t cap)
{
    size_t q = *p;
    while (q + 2 <= end && (buf[q] || buf[q + 1]))
        q += 2;
    sv_text_copy(out, cap, buf + *p, q - *p, 1);
    *p = q + 2 <= end ? q + 2 : end;
}

int sv_smb1_parse_session(const uint8_t *buf, size_t len, struct sv_smb_info *info, char *err,
                          size_t errlen)
{
    size_t end;
    uint32_t st;
    if (frame(buf, len, &end, err, errlen) < 0 || smb1_check(buf, end, 0x73, &st, err, errlen) < 0)
        return -1;
    if (st != ST_MORE_PROCESSING && st != 0)
        FAIL("SESSION_SETUP_ANDX status 0x%08x at byte %d", st, NB_HDR + 5);
    size_t w = NB_HDR + SMB1_HDR;
    if (buf[w] != 4 || end - w < 1 + 8 + 2)
        FAIL("SESSION_SETUP_ANDX word count %u, not 4, at byte %zu", buf[w], w);
    size_t bloblen = get16(buf + w + 7), bc = get16(buf + w + 9), p = w + 11;
    if (bc > end - p || bloblen > bc)
        FAIL("byte count %zu (blob %zu) runs past the message at byte %zu", bc, bloblen, w + 9);
    size_t bend = p + bc;
    if (ntlm_challenge(buf + p, bloblen, p, info, err, errlen) < 0)
        return -1;
    p += bloblen;
    if ((p - NB_HDR) & 1) /* unicode strings are 2-aligned from the SMB header */
        p++;
    if (p > bend)
        p = bend;
    utf16z(buf, bend, &p, info->native_os, sizeof info->native_os);
    utf16z(buf, bend, &p, info->lanman, sizeof info->lanman);
    return 0;
}

static const char *dialect_name(unsigned d)
{
    switch (d) {
    case 0x0202:
        return "2.0.2";
    case 0x0210:
        return "2.1";
    case 0x0300:
        return "3.0";
    case 0x0302:
        return "3.0.2";
    default:
        return "3.1.1";
    }
}

void sv_smb_apply(struct svc_info *si, const struct sv_smb_info *info)
{
    if (!info->dialect_max && info->smb1 <= 0)
        return;
    char ex[512], ver[SV_SMB_FIELD];
    size_t k = 0;
    ex[0] = 0;
    if (si->extrainfo)
        k += (size_t)snprintf(ex, sizeof ex, "%s; ", si->extrainfo);
    if (info->dialect_max && k < sizeof ex) {
        if (info->dialect_min && info->dialect_min != info->dialect_max)
            k += (size_t)snprintf(ex + k, sizeof ex - k, "SMB %s - %s",
                                  dialect_name(info->dialect_min), dialect_name(info->dialect_max));
        else
            k += (size_t)snprintf(ex + k, sizeof ex - k, "SMB %s", dialect_name(info->dialect_max));
    }
    if (info->smb1 && k < sizeof ex)
        k += (size_t)snprintf(ex + k, sizeof ex - k, "%s%s", k && ex[k - 1] != ' ' ? ", " : "",
                              info->smb1 > 0 ? "SMB1 (NT LM 0.12) accepted" : "SMB1 refused");
    if (info->dialect_max && k < sizeof ex)
        k += (size_t)snprintf(ex + k, sizeof ex - k, "; signing %s",
                              info->sign_required  ? "required"
                              : info->sign_enabled ? "enabled, not required"
                                                   : "disabled");
    if (info->nb_domain[0] && k < sizeof ex)
        k += (size_t)snprintf(ex + k, sizeof ex - k, "; NetBIOS domain: %s", info->nb_domain);
    if (info->dns_name[0] && k < sizeof ex)
        snprintf(ex + k, sizeof ex - k, "; DNS name: %s", info->dns_name);
    sv_text_set(&si->extrainfo, ex);
    if (!si->probed) { /* only the port table named it: now the protocol did */
        si->probed = 1;
        si->conf = 10;
    }
    if (info->nb_name[0])
        sv_text_set(&si->hostname, info->nb_name);
    int samba = si->product && !strncmp(si->product, "Samba", 5);
    if (!strncmp(info->lanman, "Samba ", 6)) { /* "Samba 4.17.12-Debian" */
        snprintf(ver, sizeof ver, "%s", info->lanman + 6);
        sv_text_set(&si->product, "Samba smbd");
        sv_text_set(&si->version, ver);
        ver[strcspn(ver, "-")] = 0; /* the upstream version */
        sv_text_cpe_version(si, "cpe:/a:samba:samba", ver);
    } else if (samba && info->ntlm_ver && info->ver_build == 0) {
        sv_text_set(&si->version, info->dialect_max == 0x0311 ? "4.3.X - 4.X" : "3.X - 4.X");
        sv_text_cpe_version(si, "cpe:/a:samba:samba", NULL);
    }
}
