/* ptrace.h — nmap's --packet-trace lines: one line per raw packet sent or received
 * ("SENT (0.0405s) TCP 198.18.0.1:61000 > 198.18.0.2:80 S ttl=64 id=1234 iplen=44  seq=...
 * win=1024 <mss 1460>"), per ARP request and reply, and per connect() (CONN).
 *
 * The formatter reads the datagram byte-wise and never past len (a fragment, a header
 * cut short: the fields it has, "??" for the rest, as nmap). Each line is written with
 * one stdio call, so lines of the send and the receive thread do not interleave. The
 * caller decides whether tracing is on: nothing here runs when it is off. */
#ifndef PR_OUTPUT_PTRACE_H
#define PR_OUTPUT_PTRACE_H

#include "core/addr.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where the lines go and the time they count from (now_us() at the program's start). */
struct ptrace {
    FILE *f;
    uint64_t t0_us;
};

/* Writes the description of an IPv4/IPv6 datagram (what follows "SENT (t) ") into
 * out[0..cap) and returns out; never fails (an unreadable datagram is described so). */
const char *ptrace_describe(char *out, size_t cap, const uint8_t *pkt, size_t len);
/* One line: dir is "SENT" or "RCVD"; now_us the time of the packet. */
void ptrace_ip(const struct ptrace *pt, const char *dir, uint64_t now_us, const uint8_t *pkt,
               size_t len);
/* "SENT (t) ARP who-has 198.18.0.2 tell 198.18.0.1" (reply 0) or
 * "RCVD (t) ARP reply 198.18.0.2 is-at 02:00:00:00:00:02" (reply 1, mac given). */
void ptrace_arp(const struct ptrace *pt, uint64_t now_us, int reply, const struct pr_addr *target,
                const struct pr_addr *sender, const uint8_t *mac);
/* "CONN (t) TCP localhost > 198.18.0.2:80 => Connection refused" (result: strerror text,
 * "Operation now in progress" or "Connected"). */
void ptrace_conn(const struct ptrace *pt, uint64_t now_us, const struct pr_addr *dst, uint16_t port,
                 const char *result);

#endif
