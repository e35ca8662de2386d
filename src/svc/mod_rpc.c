/* mod_rpc.c — ONC RPC program listing through the portmapper (see mod_rpc.h). */
#include "svc/mod_rpc.h"

#include "core/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RPC_NMAP_FILE "/usr/share/nmap/nmap-rpc"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t sv_rpc_dump_call(uint8_t *out, size_t cap, int tcp, uint32_t xid)
{
    /* xid, CALL, rpcvers 2, prog 100000, vers 2, proc 4 DUMP, AUTH_NULL cred and verf. */
    const uint32_t w[] = {xid, 0, 2, 100000, 2, 4, 0, 0, 0, 0};
    size_t body = sizeof w / sizeof w[0] * 4, off = tcp ? 4 : 0;
    if (cap < off + body)
        return 0;
    if (tcp)
        put32(out, 0x80000000u | (uint32_t)body);
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        put32(out + off + 4 * i, w[i]);
    return off + body;
}

int sv_rpc_tcp_complete(const uint8_t *buf, size_t len)
{
    size_t off = 0;
    while (off + 4 <= len) {
        uint32_t mark = get32(buf + off);
        size_t flen = mark & 0x7fffffffu;
        if (flen > len - off - 4)
            return 0;
        off += 4 + flen;
        if (mark & 0x80000000u)
            return 1;
    }
    return 0;
}

int sv_rpc_parse_dump(const uint8_t *buf, size_t len, int tcp, uint32_t xid, struct sv_rpc_map *m,
                      char *err, size_t errlen)
{
    uint8_t *msg = pr_calloc(len ? len : 1, 1);
    size_t mlen = 0, off = 0;
    int rc = -1;
    m->n = 0;
    if (tcp) { /* join the record's fragments */
        for (;;) {
            if (len - off < 4) {
                snprintf(err, errlen, "record mark cut at byte %zu", off);
                goto out;
            }
            uint32_t mark = get32(buf + off);
            size_t flen = mark & 0x7fffffffu;
            if (flen > len - off - 4) {
                snprintf(err, errlen, "fragment of %zu bytes at byte %zu runs past the %zu read",
                         flen, off, len);
                goto out;
            }
            memcpy(msg + mlen, buf + off + 4, flen);
            mlen += flen;
            off += 4 + flen;
            if (mark & 0x80000000u)
                break;
        }
    } else {
        memcpy(msg, buf, len);
        mlen = len;
    }
    size_t p = 0;
#define NEED(n, what)                                                                              \
    do {                                                                                           \
        if (mlen - p < (n)) {                                                                      \
            snprintf(err, errlen, "reply cut in %s at byte %zu of %zu", what, p, mlen);            \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)
    NEED(24, "header");
    if (get32(msg) != xid || get32(msg + 4) != 1) {
        snprintf(err, errlen, "not a reply to our call (xid or message type at byte 0)");
        goto out;
    }
    if (get32(msg + 8) != 0) {
        snprintf(err, errlen, "call denied (reply_stat %u at byte 8)", get32(msg + 8));
        goto out;
    }
    uint32_t vlen = get32(msg + 16);
    p = 20;
    if (vlen > 400) {
        snprintf(err, errlen, "verifier of %u bytes at byte 16", vlen);
        goto out;
    }
    NEED((vlen + 3) / 4 * 4 + 4, "verifier");
    p += (vlen + 3) / 4 * 4;
    if (get32(msg + p) != 0) {
        snprintf(err, errlen, "call not accepted (accept_stat %u at byte %zu)", get32(msg + p), p);
        goto out;
    }
    p += 4;
    for (;;) {
        NEED(4, "list");
        uint32_t more = get32(msg + p);
        p += 4;
        if (more == 0)
            break;
        if (more != 1) {
            snprintf(err, errlen, "bad list marker %u at byte %zu", more, p - 4);
            goto out;
        }
        NEED(16, "mapping");
        uint32_t port = get32(msg + p + 12);
        if (port > 65535) {
            snprintf(err, errlen, "port %u at byte %zu", port, p + 12);
            goto out;
        }
        if (m->n < SV_RPC_MAX)
            m->e[m->n++] = (struct sv_rpc_entry){.prog = get32(msg + p),
                                                 .vers = get32(msg + p + 4),
                                                 .prot = get32(msg + p + 8),
                                                 .port = (uint16_t)port};
        p += 16;
    }
#undef NEED
    rc = 0;
out:
    free(msg);
    return rc;
}

/* The name of program prog in nmap-rpc ("name number aliases... # comment"). */
static void prog_name(const char *rpcfile, uint32_t prog, char *out, size_t cap)
{
    snprintf(out, cap, "%u", prog);
    FILE *f = fopen(rpcfile ? rpcfile : RPC_NMAP_FILE, "r");
    if (!f)
        return;
    char line[512], name[128];
    unsigned long num;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#' && sscanf(line, "%127s %lu", name, &num) == 2 && num == prog) {
            snprintf(out, cap, "%s", name);
            break;
        }
    fclose(f);
}

void sv_rpc_apply(struct host_result *h, const struct sv_rpc_map *m, const char *rpcfile)
{
    for (size_t i = 0; i < h->nports; i++) {
        struct port_result *pr = &h->ports[i];
        uint32_t prot = pr->proto == PR_TCP ? 6 : pr->proto == PR_UDP ? 17 : 0;
        if (!prot || (pr->state != PS_OPEN && pr->state != PS_OPEN_FILTERED))
            continue;
        /* The highest program number on the port (nfs_acl over nfs on 2049, as nmap
         * usually shows), its lowest and highest version. */
        int have = 0;
        uint32_t prog = 0, lo = 0, hi = 0;
        for (size_t k = 0; k < m->n; k++) {
            const struct sv_rpc_entry *e = &m->e[k];
            if (e->prot != prot || e->port != pr->port)
                continue;
            if (!have || e->prog > prog) {
                have = 1, prog = e->prog, lo = hi = e->vers;
            } else if (e->prog == prog) {
                lo = e->vers < lo ? e->vers : lo;
                hi = e->vers > hi ? e->vers : hi;
            }
        }
        if (!have)
            continue;
        if (!pr->svc) {
            pr->svc = pr_calloc(1, sizeof *pr->svc);
            pr->svc->probed = 1;
            pr->svc->conf = 10;
        }
        struct svc_info *si = pr->svc;
        char name[128], buf[64];
        prog_name(rpcfile, prog, name, sizeof name);
        free(si->name);
        si->name = pr_strdup(name);
        if (lo == hi)
            snprintf(buf, sizeof buf, "%u", lo);
        else
            snprintf(buf, sizeof buf, "%u-%u", lo, hi);
        free(si->version);
        si->version = pr_strdup(buf);
        snprintf(buf, sizeof buf, "RPC #%u", prog);
        free(si->extrainfo);
        si->extrainfo = pr_strdup(buf);
    }
}
