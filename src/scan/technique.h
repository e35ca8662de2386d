/* technique.h — the table of raw scan techniques.
 *
 * Each technique is a const struct of data and functions: how to build its probe,
 * and how to turn a validated reply (or the lack of one) into nmap's port state and
 * reason. Adding a technique is one entry in the table in technique.c. The engine
 * (engine.c) owns addresses, cookies, timing and retransmission. */
#ifndef PR_SCAN_TECHNIQUE_H
#define PR_SCAN_TECHNIQUE_H

#include "core/services.h"
#include "net/packet.h"
#include "output/result.h"

#include <stdint.h>

struct technique {
    const char *name;  /* our name and nmap's <scaninfo type>: "syn", "fin", ... */
    const char *flag;  /* command-line flag: "-sS" */
    uint8_t proto;     /* PR_TCP or PR_UDP */
    uint8_t tcp_flags; /* flags of the TCP probe */
    /* 1 when the states differ between "ICMP error" and "no answer", so ICMP rate
     * limiting at the target must be paced around (FIN/NULL/Xmas/Maimon, UDP). */
    uint8_t icmp_matters;
    /* State of a port whose probes all went unanswered. */
    uint8_t state_on_timeout;
    /* Classifies a TCP reply (flags, window) or a UDP reply; returns 0 when the
     * reply says nothing about the port (ignore it). */
    int (*classify)(const struct technique *t, const struct pkt_info *reply,
                    struct port_result *out);
};

/* Looks a technique up by name; NULL when unknown. */
const struct technique *tech_find(const char *name);
/* State and reason for an ICMP/ICMPv6 error quoting one of our probes (any technique). */
int tech_classify_icmp(uint8_t proto, uint8_t family, uint8_t type, uint8_t code,
                       struct port_result *out);

#endif
