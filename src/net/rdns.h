/* rdns.h — reverse DNS (PTR names) for many addresses at once, through c-ares.
 *
 * A resolver is opened before the privilege drop (it reads /etc/resolv.conf and
 * /etc/hosts then); afterwards it only needs UDP/TCP sockets to its servers. A batch of
 * addresses is resolved with up to RDNS_INFLIGHT_MAX queries in flight (a window that
 * grows with answers and halves on losses, as a server drops bursts), each try bounded
 * by a timeout and the whole batch by a deadline (RDNS_BATCH_MS without a reply, and
 * RDNS_BATCH_MS + RDNS_ADDR_US per address in all), so that a silent server costs one
 * bounded wait: after a batch in which no server answered at all, the resolver gives up
 * (rdns_dead) and later batches return at once. Names from the wire are hostile: they
 * pass rdns_name_clean before anyone sees them. */
#ifndef PR_NET_RDNS_H
#define PR_NET_RDNS_H

#include "core/addr.h"
#include "core/error.h"

#include <signal.h>
#include <stddef.h>

#define RDNS_NAME_MAX 255      /* longest name kept (a DNS name's limit in text) */
#define RDNS_INFLIGHT_MAX 4096 /* queries in flight at once, at most */
#define RDNS_WINDOW_START 64   /* ... at first: the window grows with answers (rdns.c) */
#define RDNS_WINDOW_MIN 16
#define RDNS_TRY_MS 1000    /* first try's timeout (c-ares doubles it for later rounds) */
#define RDNS_TRIES 2        /* tries per server */
#define RDNS_BATCH_MS 4000  /* a batch ends after this long without a reply, */
#define RDNS_ADDR_US 500    /* and at the latest after RDNS_BATCH_MS + this per address */
#define RDNS_LINE_MAX 1024  /* longest /etc/hosts line read */
#define RDNS_HOSTS_MAX 4096 /* /etc/hosts entries kept */

struct rdns;

/* Opens a resolver. servers: "addr[,addr...]" (IPv4 or IPv6, optional :port as c-ares
 * takes it), or NULL for the servers of /etc/resolv.conf. /etc/hosts is read once here
 * (its names answer first, as nmap does); loopback addresses are named from it only and
 * never asked of a server. Returns 0 with *out set, or -1 with e naming the bad input. */
int rdns_open(const char *servers, struct rdns **out, struct pr_error *e);

/* Resolves addr[0..n-1]: names[i] becomes a cleaned PTR name (malloc'd, the caller frees)
 * or stays NULL (no name, no answer, a refused name, or after a stop). Returns the number
 * of names found. Never blocks beyond RDNS_BATCH_MS + n * RDNS_ADDR_US (nor RDNS_BATCH_MS
 * without a reply); returns within 0.1 s of *stop being set. */
size_t rdns_resolve(struct rdns *r, const struct pr_addr *addr, size_t n, char **names,
                    volatile sig_atomic_t *stop);

/* 1 once a batch got no answer from any server (later batches resolve from /etc/hosts only). */
int rdns_dead(const struct rdns *r);

/* Closes the resolver and its sockets. NULL is fine. */
void rdns_close(struct rdns *r);

/* One /etc/hosts line (len bytes, no NUL needed; at most RDNS_LINE_MAX): "ADDR NAME
 * [ALIAS...] [# comment]". Returns the length of NAME cleaned into name (namelen >
 * RDNS_NAME_MAX) with *addr set, or 0 for a comment, a blank or bad line, a bad address,
 * or a name rdns_name_clean refuses. */
size_t rdns_hosts_line(const char *line, size_t len, struct pr_addr *addr, char *name,
                       size_t namelen);

/* Cleans a name from the wire into out (outlen > RDNS_NAME_MAX): a trailing '.' is dropped,
 * and every byte but letters, digits and ".-+=:_~*" becomes '*' (as nmap). Returns the
 * length written, or 0 (out "") for a name that is empty or longer than RDNS_NAME_MAX. */
size_t rdns_name_clean(const char *in, char *out, size_t outlen);

#endif
