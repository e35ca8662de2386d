/* neigh.c — see neigh.h. Messages and sockets: net/netlink.h. */
#include "net/neigh.h"

#include "net/netlink.h"

#include <errno.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NL_MAX_RECV 4096 /* bound on recvmsg calls per request */
#define NEIGH_MIN_CAP 64 /* first table size (slots) */

/* ---- the hash table ---- */

static size_t slot_of(const struct neigh_table *t, const struct pr_addr *a)
{
    size_t alen = a->family == AF_INET6 ? 16 : 4;
    uint8_t k[17];
    k[0] = a->family;
    memcpy(k + 1, a->a, alen);
    return (size_t)siphash24(&t->key, k, 1 + alen) & (t->cap - 1);
}

static struct neigh_entry *find(const struct neigh_table *t, const struct pr_addr *a)
{
    if (!t->slots)
        return NULL;
    size_t i = slot_of(t, a);
    for (size_t probes = 0; probes < t->cap; probes++, i = (i + 1) & (t->cap - 1)) {
        struct neigh_entry *s = &t->slots[i];
        if (!s->used)
            return NULL;
        if (addr_eq(&s->addr, a))
            return s;
    }
    return NULL;
}

static void grow(struct neigh_table *t, size_t cap)
{
    struct neigh_entry *old = t->slots;
    size_t oldcap = t->cap;
    t->slots = pr_calloc(cap, sizeof *t->slots);
    t->cap = cap;
    t->n = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].used)
            neigh_put(t, &old[i].addr, old[i].mac, old[i].state);
    free(old);
}

int neigh_put(struct neigh_table *t, const struct pr_addr *a, const uint8_t mac[NEIGH_MAC_LEN],
              uint16_t state)
{
    if (a->family != AF_INET && a->family != AF_INET6)
        return -1;
    if (!t->slots) {
        sip_key_init(&t->key, 0, 0);
        t->slots = pr_calloc(NEIGH_MIN_CAP, sizeof *t->slots);
        t->cap = NEIGH_MIN_CAP;
        t->n = 0;
    }
    struct neigh_entry *s = find(t, a);
    if (!s) {
        if (t->n >= NEIGH_MAX_ENTRIES)
            return -1;
        if ((t->n + 1) * 2 > t->cap) /* keep the load at most one half */
            grow(t, t->cap * 2);
        size_t i = slot_of(t, a);
        while (t->slots[i].used)
            i = (i + 1) & (t->cap - 1);
        s = &t->slots[i];
        memset(s, 0, sizeof *s);
        s->used = 1;
        s->addr.family = a->family;
        memcpy(s->addr.a, a->a, a->family == AF_INET6 ? 16 : 4);
        t->n++;
    }
    memcpy(s->mac, mac, NEIGH_MAC_LEN);
    s->state = state;
    return 0;
}

const uint8_t *neigh_lookup(const struct neigh_table *t, const struct pr_addr *a)
{
    const struct neigh_entry *s = find(t, a);
    if (!s)
        return NULL;
    const uint16_t usable =
        NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;
    return (s->state & usable) && !(s->state & (NUD_INCOMPLETE | NUD_FAILED)) ? s->mac : NULL;
}

const uint8_t *neigh_confirmed(const struct neigh_table *t, const struct pr_addr *a)
{
    const struct neigh_entry *s = find(t, a);
    return s && (s->state & (NUD_REACHABLE | NUD_PERMANENT)) ? s->mac : NULL;
}

void neigh_free(struct neigh_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}

/* ---- netlink parsing ---- */

/* NLMSG_ERROR: -1 with the kernel's errno in e, or 1 for an acknowledgement. */
static int nl_error(const uint8_t *payload, size_t plen, const char *what, struct pr_error *e)
{
    int code = nl_errno(payload, plen);
    if (code < 0)
        return pr_errf(e, "netlink %s: truncated error message", what);
    return code == 0 ? 1 : pr_errf(e, "netlink %s: %s", what, strerror(code));
}

int neigh_parse(struct neigh_table *t, const uint8_t *buf, size_t len, uint32_t seq,
                struct pr_error *e)
{
    size_t off = 0;
    struct nlmsghdr h;
    const uint8_t *p;
    size_t plen;
    int rc;
    while ((rc = nl_next(buf, len, &off, &h, &p, &plen)) > 0) {
        if (seq && h.nlmsg_seq != seq)
            continue; /* not an answer to our request */
        if (h.nlmsg_type == NLMSG_DONE)
            return 1;
        if (h.nlmsg_type == NLMSG_ERROR)
            return nl_error(p, plen, "neighbour dump", e) < 0 ? -1 : 1;
        if (h.nlmsg_type != RTM_NEWNEIGH)
            continue;
        struct ndmsg nd;
        if (plen < NLMSG_ALIGN(sizeof nd))
            return pr_errf(e, "netlink neighbour dump: truncated message");
        memcpy(&nd, p, sizeof nd);
        if (nd.ndm_ifindex != t->ifindex || (nd.ndm_family != AF_INET && nd.ndm_family != AF_INET6))
            continue;
        size_t alen = nd.ndm_family == AF_INET6 ? 16 : 4;
        const uint8_t *attrs = p + NLMSG_ALIGN(sizeof nd), *d;
        size_t alen_all = plen - NLMSG_ALIGN(sizeof nd), aoff = 0, dlen;
        uint16_t type;
        struct pr_addr a = {.family = nd.ndm_family};
        uint8_t mac[NEIGH_MAC_LEN];
        int have_dst = 0, have_mac = 0, arc;
        while ((arc = rta_next(attrs, alen_all, &aoff, &type, &d, &dlen)) > 0) {
            if (type == NDA_DST && dlen == alen) {
                memcpy(a.a, d, alen);
                have_dst = 1;
            } else if (type == NDA_LLADDR && dlen == NEIGH_MAC_LEN) {
                memcpy(mac, d, NEIGH_MAC_LEN);
                have_mac = 1;
            }
        }
        if (arc < 0)
            return pr_errf(e, "netlink neighbour dump: malformed attribute");
        if (have_dst && have_mac)
            (void)neigh_put(t, &a, mac, nd.ndm_state); /* full: the rest stay unknown */
    }
    if (rc < 0)
        return pr_errf(e, "netlink neighbour dump: malformed message header");
    return 0;
}

int link_parse(struct link_info *li, const uint8_t *buf, size_t len, uint32_t seq,
               struct pr_error *e)
{
    size_t off = 0;
    struct nlmsghdr h;
    const uint8_t *p;
    size_t plen;
    int rc;
    while ((rc = nl_next(buf, len, &off, &h, &p, &plen)) > 0) {
        if (seq && h.nlmsg_seq != seq)
            continue;
        if (h.nlmsg_type == NLMSG_ERROR) {
            if (nl_error(p, plen, "link query", e) < 0)
                return -1;
            continue;
        }
        if (h.nlmsg_type != RTM_NEWLINK)
            continue;
        struct ifinfomsg ifi;
        if (plen < NLMSG_ALIGN(sizeof ifi))
            return pr_errf(e, "netlink link query: truncated message");
        memcpy(&ifi, p, sizeof ifi);
        if (ifi.ifi_index != li->ifindex)
            continue;
        li->type = ifi.ifi_type;
        li->mac_len = 0;
        li->mtu = 0;
        memset(li->mac, 0, sizeof li->mac);
        const uint8_t *attrs = p + NLMSG_ALIGN(sizeof ifi), *d;
        size_t alen_all = plen - NLMSG_ALIGN(sizeof ifi), aoff = 0, dlen;
        uint16_t type;
        int arc;
        while ((arc = rta_next(attrs, alen_all, &aoff, &type, &d, &dlen)) > 0) {
            if (type == IFLA_ADDRESS && dlen > 0 && dlen <= 32) {
                li->mac_len = (uint8_t)dlen;
                memcpy(li->mac, d, dlen < NEIGH_MAC_LEN ? dlen : NEIGH_MAC_LEN);
            } else if (type == IFLA_MTU && dlen == sizeof(uint32_t)) {
                memcpy(&li->mtu, d, sizeof li->mtu);
            }
        }
        if (arc < 0)
            return pr_errf(e, "netlink link query: malformed attribute");
        return 1;
    }
    if (rc < 0)
        return pr_errf(e, "netlink link query: malformed message header");
    return 0;
}

/* ---- netlink I/O ---- */

int link_info(int ifindex, struct link_info *li, struct pr_error *e)
{
    struct {
        struct nlmsghdr h;
        struct ifinfomsg ifi;
    } req;
    struct nl_sock s;
    memset(li, 0, sizeof *li);
    li->ifindex = ifindex;
    if (ifindex <= 0)
        return pr_errf(e, "interface index %d: invalid", ifindex);
    if (nl_open(&s, e) < 0)
        return -1;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.ifi);
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST;
    req.h.nlmsg_seq = s.seq;
    req.ifi.ifi_family = AF_UNSPEC;
    req.ifi.ifi_index = ifindex;
    int rc = nl_request(&s, &req, req.h.nlmsg_len, e);
    for (int i = 0; rc == 0 && i < NL_MAX_RECV; i++) {
        ssize_t n = nl_recv(&s, e);
        rc = n < 0 ? -1 : link_parse(li, s.buf, (size_t)n, s.seq, e);
    }
    nl_close(&s);
    if (rc == 0)
        return pr_errf(e, "netlink link query: no answer for interface %d", ifindex);
    if (rc < 0 && e) { /* name the interface */
        char msg[PR_ERR_MSG];
        memcpy(msg, e->msg, sizeof msg);
        msg[sizeof msg - 1] = 0;
        pr_errf(e, "interface %d: %s", ifindex, msg);
    }
    return rc < 0 ? -1 : 0;
}

int neigh_load(struct neigh_table *t, int ifindex, struct pr_error *e)
{
    struct {
        struct nlmsghdr h;
        struct ndmsg nd;
    } req;
    struct nl_sock s;
    if (nl_open(&s, e) < 0)
        return -1;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.nd);
    req.h.nlmsg_type = RTM_GETNEIGH;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = s.seq;
    req.nd.ndm_family = AF_UNSPEC; /* IPv4 and IPv6 */
    req.nd.ndm_ifindex = ifindex;
    struct neigh_table fresh = {.ifindex = ifindex};
    int rc = nl_request(&s, &req, req.h.nlmsg_len, e);
    for (int i = 0; rc == 0 && i < NL_MAX_RECV; i++) {
        ssize_t n = nl_recv(&s, e);
        rc = n < 0 ? -1 : neigh_parse(&fresh, s.buf, (size_t)n, s.seq, e);
    }
    nl_close(&s);
    if (rc == 0)
        rc = pr_errf(e, "netlink neighbour dump: no end after %d reads", NL_MAX_RECV);
    if (rc < 0) {
        neigh_free(&fresh);
        return -1; /* t keeps what it had */
    }
    neigh_free(t);
    *t = fresh;
    return (int)t->n;
}
