/* technique.c — the raw scan techniques and nmap's port-state rules for replies. */
#include "scan/technique.h"

#include <string.h>
#include <sys/socket.h>

static int set(struct port_result *out, uint8_t state, uint8_t reason)
{
    out->state = state;
    out->reason = reason;
    return 1;
}

static int classify_syn(const struct technique *t, const struct pkt_info *r,
                        struct port_result *out)
{
    (void)t;
    uint8_t f = r->t.flags;
    if ((f & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
        return set(out, PS_OPEN, RS_SYN_ACK);
    if (f & TH_RST)
        return set(out, PS_CLOSED, RS_RESET);
    return 0;
}

/* FIN, NULL, Xmas and Maimon: an RFC 793 stack answers RST on a closed port and
 * drops the probe on an open one. */
static int classify_rst_closed(const struct technique *t, const struct pkt_info *r,
                               struct port_result *out)
{
    (void)t;
    if (r->t.flags & TH_RST)
        return set(out, PS_CLOSED, RS_RESET);
    return 0;
}

static int classify_ack(const struct technique *t, const struct pkt_info *r,
                        struct port_result *out)
{
    (void)t;
    if (r->t.flags & TH_RST)
        return set(out, PS_UNFILTERED, RS_RESET);
    return 0;
}

static int classify_window(const struct technique *t, const struct pkt_info *r,
                           struct port_result *out)
{
    (void)t;
    if (r->t.flags & TH_RST)
        return set(out, r->t.window ? PS_OPEN : PS_CLOSED, RS_RESET);
    return 0;
}

static int classify_udp(const struct technique *t, const struct pkt_info *r,
                        struct port_result *out)
{
    (void)t;
    (void)r;
    return set(out, PS_OPEN, RS_UDP_RESPONSE);
}

static const struct technique techniques[] = {
    {"syn", "-sS", PR_TCP, TH_SYN, 0, PS_FILTERED, classify_syn},
    {"fin", "-sF", PR_TCP, TH_FIN, 1, PS_OPEN_FILTERED, classify_rst_closed},
    {"null", "-sN", PR_TCP, 0, 1, PS_OPEN_FILTERED, classify_rst_closed},
    {"xmas", "-sX", PR_TCP, TH_FIN | TH_PSH | TH_URG, 1, PS_OPEN_FILTERED, classify_rst_closed},
    {"maimon", "-sM", PR_TCP, TH_FIN | TH_ACK, 1, PS_OPEN_FILTERED, classify_rst_closed},
    {"ack", "-sA", PR_TCP, TH_ACK, 0, PS_FILTERED, classify_ack},
    {"window", "-sW", PR_TCP, TH_ACK, 0, PS_FILTERED, classify_window},
    {"udp", "-sU", PR_UDP, 0, 1, PS_OPEN_FILTERED, classify_udp},
};

const struct technique *tech_find(const char *name)
{
    for (size_t i = 0; i < sizeof techniques / sizeof techniques[0]; i++)
        if (!strcmp(techniques[i].name, name))
            return &techniques[i];
    return NULL;
}

/* ICMP destination unreachable (v4 type 3, v6 type 1) codes, with nmap's reasons. */
int tech_classify_icmp(uint8_t proto, uint8_t family, uint8_t type, uint8_t code,
                       struct port_result *out)
{
    if (family == AF_INET6) {
        if (type != 1)
            return 0;
        switch (code) {
        case 4: /* port unreachable */
            return set(out, proto == PR_UDP ? PS_CLOSED : PS_FILTERED, RS_PORT_UNREACH);
        case 1:
            return set(out, PS_FILTERED, RS_ADMIN_PROHIBITED);
        case 0:
            return set(out, PS_FILTERED, RS_NET_UNREACH);
        case 3:
            return set(out, PS_FILTERED, RS_ADDR_UNREACH);
        default:
            return 0;
        }
    }
    if (type != 3)
        return 0;
    switch (code) {
    case 3:
        return set(out, proto == PR_UDP ? PS_CLOSED : PS_FILTERED, RS_PORT_UNREACH);
    case 0:
        return set(out, PS_FILTERED, RS_NET_UNREACH);
    case 1:
        return set(out, PS_FILTERED, RS_HOST_UNREACH);
    case 2:
        return set(out, PS_FILTERED, RS_PROTO_UNREACH);
    case 9:
        return set(out, PS_FILTERED, RS_NET_PROHIBITED);
    case 10:
        return set(out, PS_FILTERED, RS_HOST_PROHIBITED);
    case 13:
        return set(out, PS_FILTERED, RS_ADMIN_PROHIBITED);
    default:
        return 0;
    }
}
