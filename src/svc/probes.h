/* probes.h — nmap-service-probes: the parsed probe database of version detection.
 *
 * Reads /usr/share/nmap/nmap-service-probes (Debian package nmap-common) or a user file
 * (--versiondb) at run time: Exclude, Probe (TCP/UDP, escaped payload, no-payload),
 * match/softmatch (any delimiter, i/s flags, p/v/i/h/o/d/ and cpe:/.../ templates),
 * ports, sslports, rarity, fallback, totalwaitms, tcpwrappedms. Every regex is compiled
 * with PCRE2 at load, so a bad one is reported with its line. The database is read-only
 * after loading and owned by the caller (sv_probes_free). Used by svc/match.c and the
 * engine in svc/version.c. */
#ifndef PR_SVC_PROBES_H
#define PR_SVC_PROBES_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define SV_DEFAULT_PROBES "/usr/share/nmap/nmap-service-probes"
#define SV_DEFAULT_WAITMS 5000    /* a probe's totalwaitms when the file gives none */
#define SV_DEFAULT_WRAPPEDMS 2000 /* tcpwrappedms when the file gives none */
#define SV_MAX_LINE 65536         /* longer lines are an error */
#define SV_MAX_PAYLOAD 65536      /* probe payload bytes */
#define SV_MAX_FALLBACKS 20
#define SV_MAX_CPES 8 /* cpe:/.../ per match */

/* Version fields of a match line, in nmap's letters p v i h o d. */
enum sv_field { SVF_PRODUCT, SVF_VERSION, SVF_INFO, SVF_HOST, SVF_OS, SVF_DEVICE, SVF_COUNT };

struct sv_range {
    uint16_t lo, hi;
    uint8_t proto; /* enum pr_proto; for `ports`/`sslports` the probe's */
};

struct sv_match {
    char *service;          /* "ssh", "ssl/http" */
    int soft;               /* softmatch */
    void *re;               /* pcre2_code *, NULL when not compiled (parse-only load) */
    char *tmpl[SVF_COUNT];  /* templates, NULL when absent */
    char *cpe[SV_MAX_CPES]; /* templates after "cpe:/", e.g. "a:openbsd:openssh:$2" */
    size_t ncpe;
    unsigned line;
};

struct sv_probe {
    char *name;
    uint8_t proto; /* PR_TCP or PR_UDP */
    uint8_t *payload;
    size_t len;
    int no_payload; /* "no-payload": nmap sends nothing for it in version scans */
    int rarity;     /* 1..9; 0 when the file gives none (NULL probe) */
    unsigned totalwaitms, tcpwrappedms;
    struct sv_range *ports, *sslports;
    size_t nports, nsslports;
    char *fallback_names[SV_MAX_FALLBACKS];
    size_t nfallback;
    int fallback[SV_MAX_FALLBACKS]; /* indices into db->probes, resolved at load */
    struct sv_match *matches;
    size_t nmatches;
    unsigned line;
};

struct sv_probedb {
    struct sv_probe *probes;
    size_t nprobes;
    struct sv_range *exclude;
    size_t nexclude;
    int null_probe; /* index of TCP NULL, -1 when absent */
};

/* Load flags. */
#define SV_LOAD_NOCOMPILE 1 /* parse only, leave regexes uncompiled (fuzzing, counting) */

/* Parses text (len bytes, need not be NUL-terminated); `name` names the input in errors
 * ("FILE line N: ..."). Returns a new db, or NULL with e filled at the first bad line. */
struct sv_probedb *sv_probes_parse(const char *text, size_t len, const char *name, int flags,
                                   struct pr_error *e);
/* Reads and parses a file (NULL: SV_DEFAULT_PROBES). */
struct sv_probedb *sv_probes_load(const char *path, int flags, struct pr_error *e);
void sv_probes_free(struct sv_probedb *db);

/* Whether port is in the ranges. */
int sv_in_ranges(const struct sv_range *r, size_t n, unsigned proto, uint16_t port);
/* Probe index by protocol and name, -1 when absent. */
int sv_probe_find(const struct sv_probedb *db, unsigned proto, const char *name);
/* Whether the probe (or its fallbacks) has a match line for service `svc` (softmatch
 * narrowing: nmap tries only probes that could still name the softmatched service). */
int sv_probe_can_name(const struct sv_probedb *db, const struct sv_probe *p, const char *svc);

#endif
