/* mod_murmur.c — Murmur's UDP ping and TLS Version message (see mod_murmur.h). */
#include "svc/mod_murmur.h"

#include "svc/modtext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t sv_murmur_ping(uint8_t *out, size_t cap)
{
    if (cap < 12)
        return 0;
    memset(out, 0, 4);
    memcpy(out + 4, SV_MURMUR_IDENT, 8);
    return 12;
}

int sv_murmur_parse_ping(const uint8_t *buf, size_t len, struct sv_murmur_info *info, char *err,
                         size_t errlen)
{
    if (len != 24)
        FAIL("ping answer of %zu bytes, not 24, at byte 0", len);
    if (buf[0] != 0)
        FAIL("ping answer's version starts with %u, not 0, at byte 0", buf[0]);
    if (memcmp(buf + 4, SV_MURMUR_IDENT, 8))
        FAIL("ping answer does not echo the ident at byte 4");
    info->ping = 1;
    info->major = buf[1], info->minor = buf[2], info->patch = buf[3];
    info->users = be32(buf + 12), info->max_users = be32(buf + 16);
    info->bandwidth = be32(buf + 20);
    return 0;
}

int sv_murmur_control_complete(const uint8_t *buf, size_t len)
{
    return len >= 6 && be32(buf + 2) <= len - 6;
}

/* A protobuf varint at *p (< end) into *v. Returns 0, or -1 when cut or over 10 bytes. */
static int varint(const uint8_t *buf, size_t end, size_t *p, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (*p >= end)
            return -1;
        uint8_t b = buf[(*p)++];
        if (shift < 64)
            *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

int sv_murmur_parse_control(const uint8_t *buf, size_t len, struct sv_murmur_info *out, char *err,
                            size_t errlen)
{
    struct sv_murmur_info copy = *out, *info = &copy; /* out changes only on success */
    if (len < 6)
        FAIL("control message header cut at byte %zu", len);
    unsigned type = (unsigned)buf[0] << 8 | buf[1];
    uint32_t plen = be32(buf + 2);
    if (type != 0)
        FAIL("first control message is type %u, not Version, at byte 0", type);
    if (plen > len - 6)
        FAIL("Version message of %u bytes runs past the %zu bytes read, at byte 2", plen, len);
    size_t p = 6, end = 6 + (size_t)plen;
    while (p < end) {
        size_t at = p;
        uint64_t key, v;
        if (varint(buf, end, &p, &key) < 0)
            FAIL("field key cut or too long at byte %zu", at);
        unsigned field = (unsigned)(key >> 3), wt = (unsigned)(key & 7);
        if (wt == 0) {
            if (varint(buf, end, &p, &v) < 0)
                FAIL("varint of field %u cut at byte %zu", field, at);
            if (field == 1 && !info->ping) {
                info->major = (unsigned)(v >> 16 & 0xffff);
                info->minor = (unsigned)(v >> 8 & 0xff), info->patch = (unsigned)(v & 0xff);
            }
        } else if (wt == 2) {
            if (varint(buf, end, &p, &v) < 0 || v > end - p)
                FAIL("field %u's length runs past the message at byte %zu", field, at);
            char *dst = field == 2   ? info->release
                        : field == 3 ? info->os
                        : field == 4 ? info->os_version
                                     : NULL;
            if (dst)
                sv_text_copy(dst, SV_MURMUR_FIELD, buf + p, (size_t)v, 0);
            p += (size_t)v;
        } else if (wt == 5 || wt == 1) {
            size_t n = wt == 5 ? 4 : 8;
            if (end - p < n)
                FAIL("fixed field %u cut at byte %zu", field, at);
            p += n;
        } else {
            FAIL("field %u has wire type %u, not one Version uses, at byte %zu", field, wt, at);
        }
    }
    info->control = 1;
    *out = copy;
    return 0;
}

void sv_murmur_apply(struct svc_info *si, const struct sv_murmur_info *info, int tcp)
{
    if (!info->ping && !info->control)
        return;
    char buf[512];
    size_t k = (size_t)snprintf(buf, sizeof buf, "%s port", tcp ? "control" : "voice");
    if (info->ping)
        k += (size_t)snprintf(buf + k, sizeof buf - k,
                              "; users: %u; max. users: %u; bandwidth: %u b/s", info->users,
                              info->max_users, info->bandwidth);
    if (info->release[0] && k < sizeof buf)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "; release: %s", info->release);
    if (info->os_version[0] && k < sizeof buf)
        snprintf(buf + k, sizeof buf - k, "; os: %s", info->os_version);
    sv_text_set(&si->name, "murmur");
    sv_text_set(&si->product, "Murmur");
    char ver[48];
    snprintf(ver, sizeof ver, "%u.%u.%u", info->major, info->minor, info->patch);
    sv_text_set(&si->version, ver);
    sv_text_set(&si->extrainfo, buf);
    si->probed = 1;
    if (info->control)
        si->tunnel_ssl = 1;
    si->conf = 10;
}
