/* services.c — nmap-services (or /etc/services) into per-protocol name and frequency tables.
 *
 * Line format: "name port/proto [freq] [aliases...] [# comment]". A third field that is
 * a number in 0..1 is nmap's open frequency; otherwise (as in /etc/services) it is an
 * alias and the frequency is 0. Protocols other than tcp and udp are ignored; lines
 * that do not parse are skipped: the file is not ours. See services.h. */
#include "core/services.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SVC_NAME_MAX 64

/* Parses "port/proto"; returns the protocol index, -2 for another protocol, -1 if malformed. */
static int parse_port_proto(const char *s, uint16_t *port)
{
    unsigned v = 0;
    size_t nd = 0;
    while (isdigit((unsigned char)s[nd]) && nd < 6) {
        v = v * 10 + (unsigned)(s[nd] - '0');
        nd++;
    }
    if (nd == 0 || v > 65535 || s[nd] != '/')
        return -1;
    *port = (uint16_t)v;
    const char *proto = s + nd + 1;
    if (strcmp(proto, "tcp") == 0)
        return PR_TCP;
    if (strcmp(proto, "udp") == 0)
        return PR_UDP;
    return *proto ? -2 : -1;
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SVC_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)s[i]))
            return false;
    return true;
}

/* Parses one line into db; returns 1 when an entry was stored, 0 when the line is
 * blank, a comment, another protocol or a repeat, -1 when malformed. */
static int parse_line(struct svc_db *db, char *line, bool *had_freq)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *save = NULL;
    const char *sep = " \t\r\n\v\f";
    char *name = strtok_r(line, sep, &save);
    if (!name)
        return 0;
    char *pp = strtok_r(NULL, sep, &save);
    char *third = strtok_r(NULL, sep, &save);
    if (!pp || !name_ok(name))
        return -1;
    uint16_t port = 0;
    int proto = parse_port_proto(pp, &port);
    if (proto == -1)
        return -1;
    if (proto < 0)
        return 0;
    double freq = 0;
    if (third) {
        char *end = NULL;
        errno = 0;
        double f = strtod(third, &end);
        if (end != third && *end == '\0' && errno == 0 && isfinite(f) && f >= 0 && f <= 1) {
            freq = f;
            *had_freq = true;
        }
    }
    if (db->name[proto][port])
        return 0;
    db->name[proto][port] = pr_strdup(name);
    db->freq[proto][port] = freq;
    return 1;
}

/* Reads one file into a new db; NULL with e filled on failure or when it held nothing. */
static struct svc_db *load_one(const char *path, struct pr_error *e)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        pr_errf(e, "services file '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct svc_db *db = pr_calloc(1, sizeof *db);
    char *line = NULL;
    size_t cap = 0, stored = 0;
    ssize_t got;
    bool had_freq = false;
    while ((got = getline(&line, &cap, f)) >= 0) {
        if (memchr(line, '\0', (size_t)got))
            continue; /* binary junk: malformed */
        if (parse_line(db, line, &had_freq) > 0)
            stored++;
    }
    bool bad = ferror(f);
    int err = errno;
    free(line);
    fclose(f);
    if (bad) {
        pr_errf(e, "services file '%s': read error: %s", path, strerror(err));
        svc_free(db);
        return NULL;
    }
    if (stored == 0) {
        pr_errf(e, "services file '%s': no service entries", path);
        svc_free(db);
        return NULL;
    }
    db->have_freq = had_freq;
    return db;
}

struct svc_db *svc_load_paths(const char *primary, const char *fallback, struct pr_error *e)
{
    struct pr_error first = {{0}};
    struct svc_db *db = load_one(primary, &first);
    if (db || !fallback) {
        if (!db && e)
            *e = first;
        return db;
    }
    struct pr_error second = {{0}};
    db = load_one(fallback, &second);
    if (!db)
        pr_errf(e, "%s; fallback %s", first.msg, second.msg);
    return db;
}

struct svc_db *svc_load(const char *path, struct pr_error *e)
{
    if (path)
        return svc_load_paths(path, NULL, e);
    return svc_load_paths(SVC_DEFAULT_PATH, SVC_FALLBACK_PATH, e);
}

void svc_free(struct svc_db *db)
{
    if (!db)
        return;
    for (int p = 0; p < PR_NPROTO; p++)
        for (size_t i = 0; i < 65536; i++)
            free(db->name[p][i]);
    free(db);
}

const char *svc_name(const struct svc_db *db, enum pr_proto proto, uint16_t port)
{
    if (!db || proto < 0 || proto >= PR_NPROTO)
        return NULL;
    return db->name[proto][port];
}

struct ranked {
    double freq;
    uint16_t port;
};

static int cmp_rank(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->freq != y->freq)
        return x->freq > y->freq ? -1 : 1;
    return (x->port > y->port) - (x->port < y->port);
}

static int cmp_port(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

size_t svc_top_ports(const struct svc_db *db, enum pr_proto proto, size_t n, uint16_t *out)
{
    if (!db || proto < 0 || proto >= PR_NPROTO || n == 0)
        return 0;
    /* Candidates are the ports the file lists (like nmap), never port 0. */
    struct ranked *c = pr_calloc(65535, sizeof *c);
    size_t nc = 0;
    for (unsigned port = 1; port < 65536; port++)
        if (db->name[proto][port])
            c[nc++] = (struct ranked){db->freq[proto][port], (uint16_t)port};
    qsort(c, nc, sizeof *c, cmp_rank);
    size_t k = n < nc ? n : nc;
    for (size_t i = 0; i < k; i++)
        out[i] = c[i].port;
    free(c);
    qsort(out, k, sizeof *out, cmp_port);
    return k;
}
