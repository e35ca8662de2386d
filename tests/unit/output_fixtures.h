/* output_fixtures.h — builders shared by the output unit tests (test_output.c,
 * test_output_stream.c, test_svc_output.c): a small service-name table, a port appended to
 * a host, and a -sV result. Everything is allocated; result_free releases it. */
#ifndef PR_TESTS_OUTPUT_FIXTURES_H
#define PR_TESTS_OUTPUT_FIXTURES_H

#include "output/result.h"

#include <stdlib.h>
#include <string.h>

static inline struct svc_db *mkdb(void)
{
    struct svc_db *db = calloc(1, sizeof *db);
    assert_non_null(db);
    db->name[PR_TCP][22] = "ssh";
    db->name[PR_TCP][23] = "telnet";
    db->name[PR_TCP][80] = "http";
    db->name[PR_TCP][443] = "https";
    db->name[PR_TCP][100] = "newacct";
    db->name[PR_TCP][110] = "pop3";
    db->name[PR_UDP][53] = "domain";
    db->name[PR_UDP][161] = "snmp";
    return db;
}

static inline void add(struct host_result *h, uint8_t proto, uint16_t port, uint8_t st, uint8_t rs,
                       uint8_t ttl)
{
    h->ports = realloc(h->ports, (h->nports + 1) * sizeof *h->ports);
    assert_non_null(h->ports);
    h->ports[h->nports++] = (struct port_result){port, proto, st, rs, ttl, NULL};
}

static inline struct svc_info *mksvc(const char *name, const char *product, const char *version,
                                     const char *extra, int tunnel)
{
    struct svc_info *si = calloc(1, sizeof *si);
    assert_non_null(si);
    si->name = strdup(name);
    si->product = product ? strdup(product) : NULL;
    si->version = version ? strdup(version) : NULL;
    si->extrainfo = extra ? strdup(extra) : NULL;
    si->probed = 1;
    si->conf = 10;
    si->tunnel_ssl = tunnel;
    return si;
}

#endif
