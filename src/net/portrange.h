/* portrange.h — the kernel's local (ephemeral) port range of this network namespace.
 *
 * The raw scan engine takes its source ports from 61008-65535, above Linux's default
 * ephemeral range (32768-60999), and counts a reply without its cookie to one of those
 * ports that no probe used as a "stray" (a forger's): that holds only while no local
 * socket may own the port. portrange_read() reads net.ipv4.ip_local_port_range (which
 * IPv6 uses too) from /proc/sys of the caller's network namespace, so the engine can
 * leave the ports local sockets may use out of that count (docs/scan-engine.md,
 * "Stateless validation"). The parser takes a buffer, for the unit tests and the fuzz
 * target. No global state. */
#ifndef PR_NET_PORTRANGE_H
#define PR_NET_PORTRANGE_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define PORTRANGE_PATH "/proc/sys/net/ipv4/ip_local_port_range"

struct port_range {
    uint16_t lo, hi; /* inclusive; lo <= hi */
};

/* Parses the sysctl's text, "LO<blanks>HI" with an optional final newline: two decimal
 * numbers 1..65535 with LO <= HI (the kernel's own rules). buf need not be
 * NUL-terminated. Returns 0 with *r set, or -1 with e naming what is wrong and the byte
 * offset where. */
int portrange_parse(const char *buf, size_t len, struct port_range *r, struct pr_error *e);

/* Reads and parses PORTRANGE_PATH. Returns 0 with *r set, or -1 with e naming the file
 * (unreadable, or its text as portrange_parse says). */
int portrange_read(struct port_range *r, struct pr_error *e);

#endif
