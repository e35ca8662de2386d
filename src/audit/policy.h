/* policy.h — the audit policy: which hosts may have which TCP and UDP ports open.
 *
 * Read from an INI file by `portreeve audit --policy FILE` (cli/audit_cli.c) and checked
 * against a scan by audit/audit.c. Syntax (one `key = value` per line, `#` or `;` starts a
 * comment line, blank lines ignored):
 *
 *   [defaults]            optional, first; applies to every other section
 *   tcp = 22              allowed everywhere (added to each section's lists)
 *   udp =
 *   ports = 1-1024        ports to scan besides the allowed ones (nmap -p syntax; default:
 *                         the scan's default, or -p given on the command line)
 *   missing = violation   allowed-but-closed ports: violation | warn | ignore
 *   [web]                 any other name: a group of hosts
 *   hosts = 198.18.0.10-12, web.example.org     (required, not empty; nmap target syntax)
 *   tcp = 22, 80, 443, 8000-8010                (numbers, ranges, service names)
 *   udp = 53
 *   missing = warn
 *
 * A host in several sections may have the union of their ports open. Every error names
 * the file and line ("policy.ini:7: unknown key 'tpc' in [web]"). No globals; one parse
 * is single-threaded, the result read-only afterwards. */
#ifndef PR_AUDIT_POLICY_H
#define PR_AUDIT_POLICY_H

#include "core/addr.h"
#include "core/error.h"
#include "core/services.h"
#include "core/targets.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POL_MAX_FILE (1u << 20) /* bytes */
#define POL_MAX_LINE 4096       /* bytes, without the newline */
#define POL_MAX_SECTIONS 256
#define POL_MAX_NAME 64

enum pol_missing {
    POL_MISSING_INHERIT = -1,
    POL_MISSING_VIOLATION = 0,
    POL_MISSING_WARN,
    POL_MISSING_IGNORE
};

struct pol_ports {
    uint8_t bits[PR_NPROTO][65536 / 8];
};

struct pol_section {
    char name[POL_MAX_NAME];
    unsigned line;          /* of the [name] header */
    char *hosts;            /* the hosts value as written, owned */
    unsigned hosts_line;    /* 0 when the key is missing */
    struct pol_ports allow; /* own ports plus [defaults] */
    int missing;            /* enum pol_missing, resolved (never INHERIT after parsing) */
    struct target_list tl;  /* the hosts, finished */
};

struct policy {
    char *path; /* as given, owned */
    struct pol_section *sec;
    size_t nsec;
    char *scan_ports; /* [defaults] ports, owned; NULL when not set */
};

/* Parses a policy held in memory; `name` is used in messages. `family` (AF_INET or
 * AF_INET6) is the family of the host lists; `resolve` 0 refuses host names instead of
 * resolving them (tests, fuzzing). `svc` resolves service names in port lists (may be
 * NULL: then names are refused). Returns 0, or -1 with e filled and p left empty. */
int policy_parse(struct policy *p, const char *name, const char *buf, size_t len, int family,
                 int resolve, const struct svc_db *svc, struct pr_error *e);
/* The same from a file. */
int policy_load(struct policy *p, const char *path, int family, const struct svc_db *svc,
                struct pr_error *e);
void policy_free(struct policy *p);

bool pol_ports_has(const struct pol_ports *pp, int proto, uint16_t port);
/* Whether the section's host list holds addr. */
bool pol_section_has(const struct pol_section *s, const struct pr_addr *addr);
/* Whether any section holding addr allows proto/port; *in_any set when some section holds
 * addr at all (hosts outside every section are not judged). */
bool policy_allows(const struct policy *p, const struct pr_addr *addr, int proto, uint16_t port,
                   bool *in_any);
/* Writes every allowed port of every section as an nmap port spec "T:22,80,U:53" into buf;
 * returns 0, or -1 when it does not fit. Empty string when no port is allowed. */
int policy_port_spec(const struct policy *p, char *buf, size_t len);

#endif
