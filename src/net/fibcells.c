/* fibcells.c — see fibcells.h.
 *
 * The prefixes live in one open-addressing hash table keyed by (address, length); a
 * lookup tries the lengths present, longest first, so it costs at most 33 probes and
 * usually a handful. */
#include "net/fibcells.h"

#include "net/netlink.h"

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DUMP_MAX_RECV (1 << 16) /* bound on datagrams per dump (about 64 routes each) */

static uint32_t mask_of(unsigned len)
{
    return len ? ~0u << (32 - len) : 0;
}

static uint32_t slot_of(const struct fib_cells *fc, uint32_t net, unsigned len)
{
    uint64_t h = ((uint64_t)net << 6 | len) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> 32) & (fc->cap - 1);
}

/* The slot holding (net, len), or the free slot where it would go. */
static uint32_t find(const struct fib_cells *fc, uint32_t net, unsigned len)
{
    uint32_t i = slot_of(fc, net, len);
    while (fc->len[i] && (fc->len[i] != len + 1 || fc->net[i] != net))
        i = (i + 1) & (fc->cap - 1);
    return i;
}

static void grow(struct fib_cells *fc)
{
    struct fib_cells g = *fc;
    g.cap = fc->cap ? fc->cap * 2 : 1024;
    g.net = pr_calloc(g.cap, sizeof *g.net);
    g.len = pr_calloc(g.cap, 1);
    for (uint32_t i = 0; i < fc->cap; i++)
        if (fc->len[i]) {
            uint32_t k = find(&g, fc->net[i], fc->len[i] - 1u);
            g.net[k] = fc->net[i];
            g.len[k] = fc->len[i];
        }
    free(fc->net);
    free(fc->len);
    *fc = g;
}

/* Adds net/len (host order; host bits are cleared). Returns 0, or 2 past the limit. */
static int add(struct fib_cells *fc, uint32_t net, unsigned len)
{
    net &= mask_of(len);
    if (fc->cap && fc->len[find(fc, net, len)])
        return 0;
    if (fc->n >= fc->limit)
        return 2;
    if (2 * (fc->n + 1) > fc->cap)
        grow(fc);
    uint32_t k = find(fc, net, len);
    fc->net[k] = net;
    fc->len[k] = (uint8_t)(len + 1);
    fc->n++;
    fc->lens |= 1ull << len;
    return 0;
}

/* The prefix of one RTM_NEWROUTE (rtmsg) or RTM_NEWRULE (fib_rule_hdr) payload: both
 * headers start with family and dst_len, and RTA_DST and FRA_DST are both type 1. Sets
 * *multi for a route with several paths or a nexthop object. Returns 0 (also for other
 * families), -1 when malformed, else as add(). */
static int add_message(struct fib_cells *fc, const uint8_t *body, size_t plen, int is_rule)
{
    size_t hlen = is_rule ? sizeof(struct fib_rule_hdr) : sizeof(struct rtmsg);
    if (plen < hlen)
        return -1;
    if (body[0] != AF_INET)
        return 0;
    unsigned len = body[1];
    if (len > 32)
        return -1;
    uint32_t net = 0;
    int have_dst = 0, arc;
    size_t aoff = NLMSG_ALIGN(hlen), vlen;
    uint16_t type;
    const uint8_t *val;
    while ((arc = rta_next(body, plen, &aoff, &type, &val, &vlen)) > 0) {
        if (type == (is_rule ? FRA_DST : RTA_DST)) {
            if (vlen != 4)
                return -1;
            memcpy(&net, val, 4);
            net = ntohl(net);
            have_dst = 1;
        } else if (!is_rule && (type == RTA_MULTIPATH || type == RTA_NH_ID)) {
            fc->multipath = 1;
        }
    }
    if (arc < 0 || (len && !have_dst))
        return -1;
    return add(fc, net, len);
}

int fibcells_parse(struct fib_cells *fc, const uint8_t *buf, size_t len, uint32_t seq,
                   struct pr_error *e)
{
    size_t off = 0, plen;
    struct nlmsghdr nh;
    const uint8_t *body;
    int rc;
    while ((rc = nl_next(buf, len, &off, &nh, &body, &plen)) > 0) {
        if (nh.nlmsg_seq != seq)
            continue;
        if (nh.nlmsg_type == NLMSG_DONE) {
            int err = plen >= sizeof(int) ? nl_errno(body, plen) : 0;
            if (err > 0)
                return pr_errf(e, "rtnetlink dump failed: %s", strerror(err));
            return 1;
        }
        if (nh.nlmsg_type == NLMSG_ERROR) {
            int err = nl_errno(body, plen);
            if (err < 0)
                return pr_errf(e, "rtnetlink dump: truncated error message");
            if (err)
                return pr_errf(e, "rtnetlink dump refused: %s", strerror(err));
            continue;
        }
        if (nh.nlmsg_type != RTM_NEWROUTE && nh.nlmsg_type != RTM_NEWRULE)
            continue;
        int arc = add_message(fc, body, plen, nh.nlmsg_type == RTM_NEWRULE);
        if (arc == 2)
            return 2;
        if (arc < 0)
            return pr_errf(e, "rtnetlink dump: malformed %s message at byte %zu",
                           nh.nlmsg_type == RTM_NEWRULE ? "rule" : "route",
                           (size_t)(body - buf) - NLMSG_HDRLEN);
    }
    return rc < 0 ? pr_errf(e, "rtnetlink dump: malformed message header") : 0;
}

/* One dump request of `type` for AF_INET; its answers go through fibcells_parse. */
static int dump(struct fib_cells *fc, struct nl_sock *s, uint16_t type, uint32_t seq,
                struct pr_error *e)
{
    struct {
        struct nlmsghdr h;
        struct rtmsg rt; /* struct fib_rule_hdr has the same size and leading fields */
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.rt);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = seq;
    req.rt.rtm_family = AF_INET;
    if (nl_request(s, &req, req.h.nlmsg_len, e) < 0)
        return -1;
    for (int i = 0; i < DUMP_MAX_RECV; i++) {
        ssize_t n = nl_recv(s, e);
        if (n < 0)
            return -1;
        int rc = fibcells_parse(fc, s->buf, (size_t)n, seq, e);
        if (rc != 0)
            return rc == 1 ? 0 : rc;
    }
    return pr_errf(e, "rtnetlink dump: no end after %d reads", DUMP_MAX_RECV);
}

int fibcells_load(struct fib_cells *fc, uint32_t limit, struct pr_error *e)
{
    memset(fc, 0, sizeof *fc);
    fc->limit = limit < FIBCELLS_MAX ? limit : FIBCELLS_MAX;
    struct nl_sock s;
    if (nl_open(&s, e) < 0)
        return -1;
    /* Without strict checking, Linux 5.3 and later dump the cached exceptions along with
     * the routes; older kernels show them to no one (a redirected destination then keeps
     * its route's gateway, which still forwards). */
    int rc = dump(fc, &s, RTM_GETROUTE, s.seq, e);
    if (rc == 0)
        rc = dump(fc, &s, RTM_GETRULE, s.seq + 1, e);
    nl_close(&s);
    if (rc < 0)
        return -1;
    if (rc == 2)
        pr_errf(e, "more than %u routes", fc->limit);
    else if (fc->multipath)
        pr_errf(e, "multipath routes");
    return rc == 2 || fc->multipath;
}

uint32_t fibcells_cell(const struct fib_cells *fc, const struct pr_addr *a)
{
    if (!fc->n)
        return 0;
    uint32_t v = addr_v4(a);
    for (int len = 32; len >= 0; len--) {
        if (!(fc->lens >> len & 1))
            continue;
        uint32_t k = find(fc, v & mask_of((unsigned)len), (unsigned)len);
        if (fc->len[k])
            return k + 1;
    }
    return 0; /* no prefix holds it */
}

uint32_t fibcells_ncells(const struct fib_cells *fc)
{
    return fc->cap + 1;
}

void fibcells_free(struct fib_cells *fc)
{
    free(fc->net);
    free(fc->len);
    memset(fc, 0, sizeof *fc);
}
