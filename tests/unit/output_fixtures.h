/* output_fixtures.h — builders shared by the output unit tests (test_output.c,
 * test_output_stream.c, test_svc_output.c): a small service-name table, a port appended to
 * a host, and a -sV result. Everything is allocated; result_free releases it. */
#ifndef PR_TESTS_OUTPUT_FIXTURES_H
#define PR_TESTS_OUTPUT_FIXTURES_H

#include "output/output.h"
#include "output/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* A scan built by the test file's build() with a service table, in TZ=UTC. */
struct out_fixture {
    struct svc_db *db;
    struct scan_result r;
};

static inline int fx_setup(void **state,
                           void (*build)(struct scan_result *r, const struct svc_db *db))
{
    struct out_fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->db = mkdb();
    build(&fx->r, fx->db);
    setenv("TZ", "UTC", 1);
    tzset();
    *state = fx;
    return 0;
}

static inline int fx_teardown(void **state)
{
    struct out_fixture *fx = *state;
    result_free(&fx->r);
    free(fx->db);
    free(fx);
    return 0;
}

static inline int have_tool(const char *path)
{
    return access(path, X_OK) == 0;
}

static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Runs a shell command made like printf; its exit status, or -1. */
static inline int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs one whole-result writer (out_normal, out_xml, ...) into memory; the caller frees. */
static inline char *fx_run(int (*fn)(FILE *, const struct scan_result *, const struct out_opts *),
                           const struct scan_result *r, const struct out_opts *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(fn(f, r, o), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

#define has(text, needle)                                                                          \
    do {                                                                                           \
        if (!strstr((text), (needle)))                                                             \
            fail_msg("missing \"%s\" in:\n%s", (needle), (text));                                  \
    } while (0)
#define hasnt(text, needle)                                                                        \
    do {                                                                                           \
        if (strstr((text), (needle)))                                                              \
            fail_msg("unexpected \"%s\" in:\n%s", (needle), (text));                               \
    } while (0)

#endif
