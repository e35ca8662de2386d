/* audit_cli.c — `portreeve audit`, `portreeve history` and `portreeve diff`.
 *
 * audit: reads the policy (audit/policy.h), builds the scan from the scan options the user
 * gave (shared parser, cli/scan_share.h) plus the policy's hosts and ports, runs it, judges
 * it (audit/audit.h), compares it with the previous run of the same policy (audit/diff.h),
 * stores it (audit/history.h) and reports on the terminal, -oX/-oJ and --html.
 * Exit codes: 0 compliant, 1 violations, 2 errors (usage, policy, database, scan). */
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/scan_share.h"

#include "audit/audit.h"
#include "audit/diff.h"
#include "audit/finding.h"
#include "audit/history.h"
#include "audit/passive.h"
#include "audit/policy.h"
#include "audit/report.h"
#include "audit/snapshot.h"
#include "output/out_util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_ERR 2
#define CHART_RUNS 40

static volatile sig_atomic_t audit_stop;

static void on_signal(int sig)
{
    (void)sig;
    audit_stop = 1;
}

static void audit_usage(FILE *f)
{
    fputs("usage: portreeve audit --policy FILE [--db PATH|postgresql://...] [--no-db]\n"
          "                       [--passive] [--run ID [--partial]]\n"
          "                       [--html FILE] [--json FILE] [--sarif FILE]\n"
          "                       [--fail-on critical|high|medium|low|info] [scan options]\n"
          "Scans the hosts of the policy (its allowed ports plus -p, the policy's 'ports', or\n"
          "the scan's default ports), reports unexpected open ports and allowed ports that\n"
          "are closed, shows what changed since the previous run of the same policy and\n"
          "stores the run in the history (default: ~/.local/share/portreeve/history.sqlite).\n"
          "Scan options are those of 'portreeve scan' (-sS -sU -p -T4 -Pn -sV --cve-feed\n"
          "-oX -oJ ...). Every finding gets a risk level and a fix (portreeve-audit(1),\n"
          "RISK LEVELS); --json writes them as JSON lines, --sarif as a SARIF 2.1.0 log.\n"
          "--passive judges what 'portreeve detect --db' saw instead of scanning: the\n"
          "services home hosts answered on that the policy does not allow.\n"
          "--run ID judges a stored scan instead of scanning: a history run id, or the name\n"
          "given with `scan --run-id`; a sharded run is the union of its shards, and an\n"
          "incomplete one is refused unless --partial.\n"
          "Exit: 0 compliant, 1 violations (with --fail-on: a finding at or above that\n"
          "risk), 2 errors.\n",
          f);
}

struct audit_opts {
    const char *policy, *db, *html, *json, *sarif, *fail_on, *run;
    int no_db, passive, partial;
};

/* Takes the audit's own options out of argv; the rest goes to the scan parser. */
static int split_args(int argc, char **argv, struct audit_opts *o, char **rest, int *nrest)
{
    *nrest = 0;
    rest[(*nrest)++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--policy")    ? &o->policy
                            : !strcmp(a, "--db")      ? &o->db
                            : !strcmp(a, "--html")    ? &o->html
                            : !strcmp(a, "--json")    ? &o->json
                            : !strcmp(a, "--sarif")   ? &o->sarif
                            : !strcmp(a, "--fail-on") ? &o->fail_on
                            : !strcmp(a, "--run")     ? &o->run
                                                      : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "portreeve audit: option '%s' needs a value\n", a);
                return -1;
            }
            *slot = argv[++i];
        } else if (!strcmp(a, "--no-db")) {
            o->no_db = 1;
        } else if (!strcmp(a, "--passive")) {
            o->passive = 1;
        } else if (!strcmp(a, "--partial")) {
            o->partial = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            return 1;
        } else {
            rest[(*nrest)++] = argv[i];
        }
    }
    if (!o->policy) {
        fprintf(stderr, "portreeve audit: --policy FILE is required (see 'portreeve audit "
                        "--help')\n");
        return -1;
    }
    if (o->fail_on && risk_from_name(o->fail_on) < 0) {
        fprintf(stderr,
                "portreeve audit: --fail-on '%s': not a risk level (critical, high, medium, "
                "low, info)\n",
                o->fail_on);
        return -1;
    }
    return 0;
}

/* Opens an output file before the scan, so a bad path costs no scan; in append mode, so
 * that the previous report stays whole until this run has one to write (start_output). */
static FILE *open_output(const char *opt, const char *path)
{
    if (!path)
        return NULL;
    FILE *f = !strcmp(path, "-") ? stdout : fopen(path, "a");
    if (!f)
        fprintf(stderr, "portreeve audit: %s: cannot write '%s': %s\n", opt, path, strerror(errno));
    return f;
}

/* Empties an output opened by open_output before its report is written: 0 or -1. */
static int start_output(FILE *f)
{
    return f == stdout || ftruncate(fileno(f), 0) == 0 ? 0 : -1;
}

static int close_output(const char *opt, const char *path, FILE *f, int rc)
{
    if (!f)
        return 0;
    if ((f == stdout ? fflush(f) : fclose(f)) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "portreeve audit: %s: writing '%s' failed\n", opt, path);
    return rc;
}

/* The diagnosis on the terminal: counts by risk, then each finding with its fix. */
static void print_findings(const struct finding *f, size_t n)
{
    size_t by[RISK_COUNT] = {0};
    for (size_t i = 0; i < n; i++)
        by[f[i].risk]++;
    printf("\nDiagnosis: %zu finding%s (", n, n == 1 ? "" : "s");
    for (int r = RISK_CRITICAL; r >= RISK_INFO; r--)
        printf("%zu %s%s", by[r], risk_name(r), r > RISK_INFO ? ", " : ")\n");
    for (size_t i = 0; i < n; i++) {
        char where[PR_ADDRSTRLEN + 16];
        if (f[i].port)
            snprintf(where, sizeof where, "%s %u/%s", f[i].addr, f[i].port,
                     f[i].proto == PR_UDP ? "udp" : "tcp");
        else
            snprintf(where, sizeof where, "%s", f[i].addr);
        printf("  %-8s %s %s%s%s%s\n", risk_name(f[i].risk), finding_kind_name(f[i].kind), where,
               f[i].service[0] ? " (" : "", f[i].service, f[i].service[0] ? ")" : "");
        printf("           why: %s\n           fix: %s\n", f[i].reasons, f[i].remediation);
    }
}

static bool has_port_option(char **rest, int n)
{
    for (int i = 1; i < n; i++)
        if (!strncmp(rest[i], "-p", 2) || !strcmp(rest[i], "-F") || !strcmp(rest[i], "--top-ports"))
            return true;
    return false;
}

/* Adds every allowed port of the policy to the scanned lists of the protocols scanned. */
static void merge_policy_ports(struct scan_config *cfg, const struct policy *p)
{
    bool scanned[PR_NPROTO] = {false, false};
    for (size_t i = 0; i < cfg->ntech; i++)
        scanned[!strcmp(cfg->techniques[i], "udp") ? PR_UDP : PR_TCP] = true;
    uint8_t *bits = pr_calloc(65536 / 8, 1);
    for (int pr = 0; pr < PR_NPROTO; pr++) {
        if (!scanned[pr] || cfg->ping_only)
            continue;
        memset(bits, 0, 65536 / 8);
        for (size_t i = 0; i < cfg->ports.n[pr]; i++)
            bits[cfg->ports.p[pr][i] >> 3] |= (uint8_t)(1u << (cfg->ports.p[pr][i] & 7));
        for (size_t s = 0; s < p->nsec; s++)
            for (size_t b = 0; b < 65536 / 8; b++)
                bits[b] |= p->sec[s].allow.bits[pr][b];
        size_t n = 0;
        for (unsigned port = 1; port < 65536; port++)
            n += (bits[port >> 3] >> (port & 7)) & 1u;
        uint16_t *list = pr_calloc(n ? n : 1, sizeof *list);
        n = 0;
        for (unsigned port = 1; port < 65536; port++)
            if ((bits[port >> 3] >> (port & 7)) & 1u)
                list[n++] = (uint16_t)port;
        free(cfg->ports.p[pr]);
        cfg->ports.p[pr] = list;
        cfg->ports.n[pr] = n;
    }
    bool udp_allowed = false;
    for (size_t s = 0; s < p->nsec && !udp_allowed; s++)
        for (size_t b = 0; b < 65536 / 8 && !udp_allowed; b++)
            udp_allowed = p->sec[s].allow.bits[PR_UDP][b] != 0;
    if (udp_allowed && !scanned[PR_UDP])
        fprintf(stderr, "portreeve audit: notice: the policy allows UDP ports but no UDP scan "
                        "(-sU) was asked for; UDP is not audited\n");
    free(bits);
}

/* The violations, one line each (none: nothing). */
static void print_violations(const struct violation *v, size_t nv, size_t counted)
{
    if (!nv)
        return;
    printf("\nViolations (%zu, and %zu warnings):\n", counted, nv - counted);
    for (size_t i = 0; i < nv; i++) {
        char line[1024];
        audit_describe(&v[i], line, sizeof line);
        printf("  %s\n", line);
    }
}

static void print_report(const char *policy, const struct hist_run *run, const struct violation *v,
                         size_t nv, size_t counted, const char *prev_label,
                         const struct diff_change *ch, size_t nch, const char *stored_in)
{
    printf("portreeve audit of %s: %d of %d hosts up, %d open ports\n", policy, run->hosts_up,
           run->nhosts, run->open_ports);
    print_violations(v, nv, counted);
    if (prev_label) {
        printf("\nChanges since %s:%s\n", prev_label, nch ? "" : " none");
        for (size_t i = 0; i < nch; i++) {
            char line[512];
            diff_describe(&ch[i], line, sizeof line);
            printf("  %s\n", line);
        }
    } else {
        printf("\nNo earlier run of this policy to compare with.\n");
    }
    printf("\n%s: %zu violation%s", counted ? "NOT COMPLIANT" : "COMPLIANT", counted,
           counted == 1 ? "" : "s");
    if (run->id)
        printf(" (stored as run %lld in %s)", (long long)run->id, stored_in);
    printf("\n");
    fflush(stdout);
}

static int write_html(const char *path, const struct report_input *in)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "portreeve audit: --html: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    int rc = report_html(f, in);
    if (fclose(f) != 0 || rc < 0) {
        fprintf(stderr, "portreeve audit: --html: writing '%s' failed\n", path);
        return -1;
    }
    return 0;
}

/* What changed since the previous audit of policy_abs (*ch, *nch; prev_label "run N", or ""
 * when there is none), then run stored with its snapshot and violations. Returns 0, or 1
 * after printing a database error. */
static int compare_and_store(struct hist_db *db, const char *policy_abs, struct hist_run *run,
                             const struct snapshot *snap, const struct violation *v, size_t nv,
                             struct diff_change **ch, size_t *nch, char *prev_label, size_t len)
{
    struct pr_error e = {{0}};
    int64_t prev_id;
    struct snapshot prev;
    struct hist_run prev_run;
    prev_label[0] = '\0';
    int pr = hist_previous(db, policy_abs, 0, &prev_id, &e);
    if (pr == 0)
        pr = hist_load(db, prev_id, &prev_run, &prev, &e);
    if (pr == 0) {
        diff_snapshots(&prev, snap, ch, nch);
        snprintf(prev_label, len, "run %lld", (long long)prev_id);
        snap_free(&prev);
    } else if (pr < 0) {
        fprintf(stderr, "portreeve audit: reading the history: %s\n", e.msg);
        return 1;
    }
    if (hist_store(db, run, snap, v, nv, &e) < 0) {
        fprintf(stderr, "portreeve audit: storing the run: %s\n", e.msg);
        return 1;
    }
    return 0;
}

/* For the audits that read the history instead of scanning (--passive, --run: `mode`):
 * refuses --no-db and --html, opens --json and --sarif. 0, or -1 after printing why. */
static int open_store_outputs(const struct audit_opts *o, const char *mode, FILE **json_out,
                              FILE **sarif_out)
{
    *json_out = *sarif_out = NULL;
    if (o->no_db || o->html) {
        fprintf(stderr,
                "portreeve audit: %s reads the history store: no --no-db or --html with "
                "it\n",
                mode);
        return -1;
    }
    if ((o->json && !(*json_out = open_output("--json", o->json))) ||
        (o->sarif && !(*sarif_out = open_output("--sarif", o->sarif)))) {
        close_output("--json", o->json, *json_out, 0);
        return -1;
    }
    return 0;
}

/* Writes the findings to --json and --sarif (each closed; NULL: not asked). 0 or -1. */
static int write_store_outputs(const struct audit_opts *o, const struct policy *pol,
                               const struct finding *fnd, size_t nfnd, FILE *json_out,
                               FILE *sarif_out)
{
    int rc = 0;
    if (json_out &&
        close_output("--json", o->json, json_out,
                     start_output(json_out) < 0 ? -1 : findings_write_json(json_out, fnd, nfnd)) <
            0)
        rc = -1;
    if (sarif_out && close_output("--sarif", o->sarif, sarif_out,
                                  start_output(sarif_out) < 0
                                      ? -1
                                      : findings_write_sarif(sarif_out, fnd, nfnd, o->policy, pol,
                                                             PR_VERSION)) < 0)
        rc = -1;
    return rc;
}

/* audit --passive: the inventory detect kept in the history store, judged without a scan;
 * nothing is stored. Returns the exit code. */
static int audit_passive(const struct audit_opts *o, const struct policy *pol)
{
    struct pr_error e = {{0}};
    FILE *json_out, *sarif_out;
    if (open_store_outputs(o, "--passive", &json_out, &sarif_out) < 0)
        return AUDIT_ERR;
    struct hist_db *db = hist_open(o->db, &e);
    struct pas_result pr;
    if (!db || pas_load_result(db, &pr, &e) < 0) {
        fprintf(stderr, "portreeve audit: %s\n", e.msg);
        hist_close(db);
        close_output("--json", o->json, json_out, 0);
        close_output("--sarif", o->sarif, sarif_out, 0);
        return AUDIT_ERR;
    }
    hist_close(db);
    struct violation *v = NULL;
    size_t nv = 0, counted = audit_eval(pol, &pr.r, &v, &nv);
    size_t nports = 0;
    for (size_t i = 0; i < pr.r.nhosts; i++)
        nports += pr.r.hosts[i].nports;
    printf("portreeve audit of %s from what detect saw (passive, no scan): %zu hosts, %zu "
           "services\n",
           o->policy, pr.r.nhosts, nports);
    print_violations(v, nv, counted);
    printf("\n%s: %zu violation%s\n", counted ? "NOT COMPLIANT" : "COMPLIANT", counted,
           counted == 1 ? "" : "s");
    struct finding *fnd = NULL;
    size_t nfnd = 0;
    findings_build(pol, o->policy, &pr.r, v, nv, NULL, 0, &fnd, &nfnd);
    findings_first_seen(fnd, nfnd, NULL, NULL, time(NULL), &e);
    print_findings(fnd, nfnd);
    fflush(stdout);
    int io_err = write_store_outputs(o, pol, fnd, nfnd, json_out, sarif_out) < 0;
    int fail = o->fail_on ? findings_worst(fnd, nfnd) >= risk_from_name(o->fail_on) : counted > 0;
    free(fnd);
    free(v);
    pas_result_free(&pr);
    return io_err ? AUDIT_ERR : fail ? PR_EXIT_FINDINGS : PR_EXIT_OK;
}

/* Refuses an incomplete sharded run unless `partial`: 0, or -1 after printing why. */
static int check_complete(const char *cmd, const struct hist_run *run, int partial)
{
    if (!HIST_INCOMPLETE(run))
        return 0;
    if (partial) {
        fprintf(stderr,
                "portreeve %s: notice: run %lld ('%s') is incomplete: shard%s %s of %d "
                "missing; --partial: using the shards that arrived\n",
                cmd, (long long)run->id, run->run_key, strchr(run->missing, ',') ? "s" : "",
                run->missing, run->shard_total);
        return 0;
    }
    fprintf(stderr,
            "portreeve %s: run %lld ('%s') is incomplete: shard%s %s of %d missing; give "
            "--partial to use the shards that arrived\n",
            cmd, (long long)run->id, run->run_key, strchr(run->missing, ',') ? "s" : "",
            run->missing, run->shard_total);
    return -1;
}

/* audit --run ID: a stored scan run (a sharded one as the union of its shards) judged
 * like a scan, compared with the previous audit of the policy and stored as an audit.
 * Returns the exit code. */
static int audit_stored(const struct audit_opts *o, const struct policy *pol)
{
    struct pr_error e = {{0}};
    FILE *json_out, *sarif_out;
    if (open_store_outputs(o, "--run", &json_out, &sarif_out) < 0)
        return AUDIT_ERR;
    int exit_code = AUDIT_ERR;
    struct hist_db *db = hist_open(o->db, &e);
    struct hist_run src;
    struct snapshot snap;
    struct scan_result r;
    memset(&snap, 0, sizeof snap);
    memset(&r, 0, sizeof r);
    int64_t id;
    int rc = db ? hist_find(db, o->run, &id, &e) : -1;
    if (rc == 1)
        pr_errf(&e, "--run '%s': no such run in the history", o->run);
    if (rc == 0 && (rc = hist_load(db, id, &src, &snap, &e)) == 1)
        pr_errf(&e, "--run '%s': no such run in the history", o->run);
    if (rc == 0 && strcmp(src.kind, "scan")) {
        pr_errf(&e, "--run '%s': run %lld is an %s, not a scan", o->run, (long long)id, src.kind);
        rc = -1;
    }
    if (rc != 0 || snap_to_result(&snap, &r, &e) < 0) {
        fprintf(stderr, "portreeve audit: %s\n", e.msg);
        goto out;
    }
    if (check_complete("audit", &src, o->partial) < 0)
        goto out;
    char policy_abs[PATH_MAX];
    if (!realpath(o->policy, policy_abs))
        snprintf(policy_abs, sizeof policy_abs, "%s", o->policy);
    struct violation *v = NULL;
    size_t nv = 0, counted = audit_eval(pol, &r, &v, &nv);
    struct hist_run run = {0};
    run.started = src.started;
    run.ended = time(NULL);
    snprintf(run.kind, sizeof run.kind, "audit");
    snprintf(run.policy, sizeof run.policy, "%s", policy_abs);
    snprintf(run.args, sizeof run.args, "portreeve audit --run %s (scan run %lld%s%s%s)", o->run,
             (long long)id, src.run_key[0] ? " '" : "", src.run_key, src.run_key[0] ? "'" : "");
    run.status = counted ? PR_EXIT_FINDINGS : PR_EXIT_OK;
    run.violations = (int)counted;
    run.hosts_up = src.hosts_up;
    run.nhosts = src.nhosts;
    run.open_ports = src.open_ports;
    struct diff_change *ch = NULL;
    size_t nch = 0;
    char prev_label[64] = "";
    int io_err = compare_and_store(db, policy_abs, &run, &snap, v, nv, &ch, &nch, prev_label,
                                   sizeof prev_label);
    printf("(judging stored scan run %lld%s%s%s, %s)\n", (long long)id, src.run_key[0] ? " '" : "",
           src.run_key, src.run_key[0] ? "'" : "",
           HIST_INCOMPLETE(&src) ? "incomplete: --partial" : "no scan sent");
    print_report(o->policy, &run, v, nv, counted, prev_label[0] ? prev_label : NULL, ch, nch,
                 "the history");
    struct finding *fnd = NULL;
    size_t nfnd = 0;
    findings_build(pol, o->policy, &r, v, nv, ch, nch, &fnd, &nfnd);
    if (findings_first_seen(fnd, nfnd, io_err ? NULL : db, policy_abs, run.started, &e) < 0)
        io_err = 1;
    print_findings(fnd, nfnd);
    fflush(stdout);
    if (write_store_outputs(o, pol, fnd, nfnd, json_out, sarif_out) < 0)
        io_err = 1;
    json_out = sarif_out = NULL;
    int fail = o->fail_on ? findings_worst(fnd, nfnd) >= risk_from_name(o->fail_on) : counted > 0;
    exit_code = io_err ? AUDIT_ERR : fail ? PR_EXIT_FINDINGS : PR_EXIT_OK;
    free(fnd);
    free(ch);
    free(v);
out:
    close_output("--json", o->json, json_out, 0);
    close_output("--sarif", o->sarif, sarif_out, 0);
    result_free(&r);
    snap_free(&snap);
    hist_close(db);
    return exit_code;
}

static int audit_main(int argc, char **argv)
{
    struct audit_opts o = {0};
    size_t cap = (size_t)argc + 4096;
    char **rest = pr_calloc(cap, sizeof *rest);
    int nrest = 0, rc = split_args(argc, argv, &o, rest, &nrest);
    if (rc) {
        free(rest);
        if (rc == 1)
            audit_usage(stdout);
        return rc == 1 ? PR_EXIT_OK : AUDIT_ERR;
    }
    int family = AF_INET;
    for (int i = 1; i < nrest; i++)
        if (!strcmp(rest[i], "-6"))
            family = AF_INET6;

    struct pr_error e = {{0}};
    struct svc_db *svc = svc_load(NULL, &e);
    struct policy pol;
    memset(&pol, 0, sizeof pol);
    if (!svc || policy_load(&pol, o.policy, family, svc, &e) < 0) {
        fprintf(stderr, "portreeve audit: %s\n", e.msg);
        svc_free(svc);
        free(rest);
        return AUDIT_ERR;
    }
    svc_free(svc);
    if (o.run || o.partial) {
        rc = o.passive || !o.run || nrest > 1
                 ? (fprintf(stderr, "portreeve audit: --run ID judges a stored scan: no "
                                    "--passive or scan options with it, --partial only with "
                                    "it\n"),
                    AUDIT_ERR)
                 : audit_stored(&o, &pol);
        free(rest);
        policy_free(&pol);
        return rc;
    }
    if (o.passive) {
        rc = nrest > 1 ? (fprintf(stderr,
                                  "portreeve audit: --passive scans nothing: no scan "
                                  "options with it ('%s')\n",
                                  rest[1]),
                          AUDIT_ERR)
                       : audit_passive(&o, &pol);
        free(rest);
        policy_free(&pol);
        return rc;
    }

    /* The scan: user options, the policy's port list unless -p is given, its hosts. */
    char **owned = pr_calloc(cap, sizeof *owned);
    size_t nowned = 0;
    if (pol.scan_ports && !has_port_option(rest, nrest)) {
        rest[nrest++] = "-p";
        rest[nrest++] = pol.scan_ports;
    }
    for (size_t s = 0; s < pol.nsec; s++) {
        char *copy = pr_strdup(pol.sec[s].hosts), *save = NULL;
        owned[nowned++] = copy;
        for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
            if ((size_t)nrest + 1 >= cap) {
                fprintf(stderr, "portreeve audit: the policy names too many host specs\n");
                goto usage_err;
            }
            rest[nrest++] = t;
        }
    }
    int status;
    struct scan_cli *sc = scan_cli_parse(nrest, rest, &status);
    if (!sc)
        goto usage_err;
    struct scan_config *cfg = scan_cli_config(sc);
    cfg->stay_root = 1; /* the history and the reports are written after the scan */
    merge_policy_ports(cfg, &pol);

    char policy_abs[PATH_MAX];
    if (!realpath(o.policy, policy_abs))
        snprintf(policy_abs, sizeof policy_abs, "%s", o.policy);

    /* every output file is checked (or opened) before the history and the scan */
    FILE *json_out = NULL, *sarif_out = NULL;
    if (scan_cli_outputs_check(sc) < 0 || (o.json && !(json_out = open_output("--json", o.json))) ||
        (o.sarif && !(sarif_out = open_output("--sarif", o.sarif)))) {
        close_output("--json", o.json, json_out, 0);
        scan_cli_free(sc);
        goto usage_err;
    }

    struct hist_db *db = NULL;
    char db_where[PATH_MAX] = "";
    if (!o.no_db) {
        if (o.db)
            snprintf(db_where, sizeof db_where, "%s", o.db);
        else if (hist_default_path(db_where, sizeof db_where, &e) < 0)
            goto db_err;
        if (!strncmp(db_where, "postgres", 8)) /* never print a password */
            snprintf(db_where, sizeof db_where, "the PostgreSQL history");
        db = hist_open(o.db, &e);
        if (!db)
            goto db_err;
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct scan_result r;
    memset(&r, 0, sizeof r);
    int exit_code = AUDIT_ERR;
    struct timeval t0;
    gettimeofday(&t0, NULL);
    if (scan_run(cfg, &r, &audit_stop, &e) < 0) {
        fprintf(stderr, "portreeve audit: scan failed: %s\n", e.msg);
        goto out;
    }
    if (audit_stop) {
        fprintf(stderr, "portreeve audit: interrupted; nothing stored, no verdict\n");
        goto out;
    }
    if (cfg->dry_run) { /* the plan was printed; nothing was scanned */
        fprintf(stderr, "portreeve audit: --dry-run: nothing stored, no verdict\n");
        exit_code = PR_EXIT_OK;
        goto out;
    }

    struct violation *v = NULL;
    size_t nv = 0, counted = audit_eval(&pol, &r, &v, &nv);
    struct snapshot snap;
    snap_from_result(&snap, &r);
    struct hist_run run = {0};
    run.started = r.start.tv_sec ? r.start.tv_sec : t0.tv_sec;
    run.ended = time(NULL);
    snprintf(run.kind, sizeof run.kind, "audit");
    snprintf(run.policy, sizeof run.policy, "%s", policy_abs);
    snprintf(run.args, sizeof run.args, "%s", cfg->args ? cfg->args : "");
    run.status = counted ? PR_EXIT_FINDINGS : PR_EXIT_OK;
    run.violations = (int)counted;
    run.hosts_up = (int)r.hosts_up;
    run.nhosts = (int)r.nhosts;
    run.open_ports = (int)snap_open_ports(&snap);

    /* What changed since the previous run of this policy. */
    struct diff_change *ch = NULL;
    size_t nch = 0;
    char prev_label[64] = "";
    int have_prev = 0;
    int io_err = 0;
    if (db) {
        io_err = compare_and_store(db, policy_abs, &run, &snap, v, nv, &ch, &nch, prev_label,
                                   sizeof prev_label);
        have_prev = prev_label[0] != '\0';
    }

    print_report(o.policy, &run, v, nv, counted, have_prev ? prev_label : NULL, ch, nch, db_where);
    struct finding *fnd = NULL;
    size_t nfnd = 0;
    findings_build(&pol, o.policy, &r, v, nv, ch, nch, &fnd, &nfnd);
    if (findings_first_seen(fnd, nfnd, io_err ? NULL : db, policy_abs, run.started, &e) < 0) {
        fprintf(stderr, "portreeve audit: reading the history: %s\n", e.msg);
        io_err = 1;
    }
    print_findings(fnd, nfnd);
    fflush(stdout);
    if (json_out &&
        close_output("--json", o.json, json_out,
                     start_output(json_out) < 0 ? -1 : findings_write_json(json_out, fnd, nfnd)) <
            0)
        io_err = 1;
    json_out = NULL;
    if (sarif_out && close_output("--sarif", o.sarif, sarif_out,
                                  start_output(sarif_out) < 0
                                      ? -1
                                      : findings_write_sarif(sarif_out, fnd, nfnd, o.policy, &pol,
                                                             PR_VERSION)) < 0)
        io_err = 1;
    sarif_out = NULL;
    if (scan_cli_write(sc, &r, 0) < 0)
        io_err = 1;
    if (o.html) {
        struct hist_run *runs = NULL;
        size_t nruns = 0;
        if (db && run.id && hist_list(db, policy_abs, CHART_RUNS, &runs, &nruns, &e) < 0) {
            fprintf(stderr, "portreeve audit: reading the history: %s\n", e.msg);
            runs = NULL;
            nruns = 0;
        }
        if (!nruns) {
            free(runs);
            runs = pr_calloc(1, sizeof *runs);
            runs[0] = run;
            nruns = 1;
        }
        struct report_input in = {.policy_path = o.policy,
                                  .policy = &pol,
                                  .run = &run,
                                  .snap = &snap,
                                  .viol = v,
                                  .nviol = nv,
                                  .findings = fnd,
                                  .nfindings = nfnd,
                                  .changes = ch,
                                  .nchanges = nch,
                                  .prev_label = have_prev ? prev_label : NULL,
                                  .runs = runs,
                                  .nruns = nruns};
        if (write_html(o.html, &in) < 0)
            io_err = 1;
        free(runs);
    }
    int fail = o.fail_on ? findings_worst(fnd, nfnd) >= risk_from_name(o.fail_on) : counted > 0;
    exit_code = io_err ? AUDIT_ERR : fail ? PR_EXIT_FINDINGS : PR_EXIT_OK;
    free(fnd);
    free(ch);
    free(v);
    snap_free(&snap);
out:
    close_output("--json", o.json, json_out, 0);
    close_output("--sarif", o.sarif, sarif_out, 0);
    result_free(&r);
    hist_close(db);
    scan_cli_free(sc);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(rest);
    policy_free(&pol);
    return exit_code;

db_err:
    fprintf(stderr, "portreeve audit: %s\n", e.msg);
    close_output("--json", o.json, json_out, 0);
    close_output("--sarif", o.sarif, sarif_out, 0);
    scan_cli_free(sc);
usage_err:
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(rest);
    policy_free(&pol);
    return AUDIT_ERR;
}

/* ---- history ---- */

static int get_db_opt(int argc, char **argv, int *i, const char **db)
{
    if (strcmp(argv[*i], "--db"))
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "portreeve: option '--db' needs a value\n");
        return -1;
    }
    *db = argv[++*i];
    return 1;
}

/* "[run nightly: 3 shards]", "[run nightly: shard 2 of 3 missing]", "[run nightly]" or "". */
static void shard_label(const struct hist_run *r, char *buf, size_t len)
{
    if (!r->run_key[0] && !r->shard_total)
        buf[0] = '\0';
    else if (!r->shard_total)
        snprintf(buf, len, "[run %s] ", r->run_key);
    else if (HIST_INCOMPLETE(r))
        snprintf(buf, len, "[run %s: INCOMPLETE, shard%s %s of %d missing] ", r->run_key,
                 strchr(r->missing, ',') ? "s" : "", r->missing, r->shard_total);
    else
        snprintf(buf, len, "[run %s: %d shard%s] ", r->run_key, r->shard_total,
                 r->shard_total == 1 ? "" : "s");
}

/* One run as a JSON line: its fields and, for a sharded run, each shard. */
static int history_json(struct hist_db *db, const struct hist_run *r, struct pr_error *e)
{
    printf("{\"id\":%lld,\"kind\":\"%s\",\"started\":%lld,\"ended\":%lld,\"run_id\":",
           (long long)r->id, r->kind, (long long)r->started, (long long)r->ended);
    out_put_json(stdout, r->run_key);
    printf(",\"policy\":");
    out_put_json(stdout, r->policy);
    printf(",\"args\":");
    out_put_json(stdout, r->args);
    printf(",\"violations\":%d,\"hosts_up\":%d,\"hosts\":%d,\"open_ports\":%d,"
           "\"complete\":%s",
           r->violations, r->hosts_up, r->nhosts, r->open_ports,
           HIST_INCOMPLETE(r) ? "false" : "true");
    if (r->shard_total) {
        struct hist_shard *sh = NULL;
        size_t n = 0;
        if (hist_shards(db, r->id, &sh, &n, e) < 0)
            return -1;
        printf(",\"shards\":{\"total\":%d,\"finished\":%d,\"missing\":[", r->shard_total,
               r->shards_done);
        for (int k = 1, first = 1, j = 0; k <= r->shard_total; k++) {
            while ((size_t)j < n && sh[j].index < k)
                j++;
            if ((size_t)j < n && sh[j].index == k && sh[j].ended > 0)
                continue;
            printf("%s%d", first ? "" : ",", k);
            first = 0;
        }
        printf("],\"parts\":[");
        for (size_t i = 0; i < n; i++) {
            printf("%s{\"shard\":%d,\"host\":", i ? "," : "", sh[i].index);
            out_put_json(stdout, sh[i].host);
            printf(",\"started\":%lld,\"ended\":%lld,\"finished\":%s}", (long long)sh[i].started,
                   (long long)sh[i].ended, sh[i].ended > 0 ? "true" : "false");
        }
        printf("]}");
        free(sh);
    }
    printf("}\n");
    return 0;
}

int cmd_history(int argc, char **argv)
{
    const char *dbu = NULL, *policy = NULL;
    long last = 0;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        int g = get_db_opt(argc, argv, &i, &dbu);
        if (g < 0)
            return AUDIT_ERR;
        if (g)
            continue;
        if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
            policy = argv[++i];
        } else if (!strcmp(argv[i], "--last") && i + 1 < argc) {
            char *end;
            last = strtol(argv[++i], &end, 10);
            if (*end || last < 1 || last > 1000000) {
                fprintf(stderr,
                        "portreeve history: --last: '%s' is not a number from 1 to "
                        "1000000\n",
                        argv[i]);
                return AUDIT_ERR;
            }
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: portreeve history [--db PATH|postgresql://...] [--policy FILE] "
                 "[--last N] [--json]\nLists the stored scans and audits, oldest first. A "
                 "sharded run\n(`scan --shard I/N --run-id ID`) is one line, naming the "
                 "shards that have not\nfinished. --json: one JSON object per run, with its "
                 "shards.");
            return PR_EXIT_OK;
        } else {
            fprintf(stderr, "portreeve history: unknown argument '%s'\n", argv[i]);
            return AUDIT_ERR;
        }
    }
    struct pr_error e = {{0}};
    char abs[PATH_MAX];
    if (policy && !realpath(policy, abs))
        snprintf(abs, sizeof abs, "%s", policy);
    struct hist_db *db = hist_open(dbu, &e);
    struct hist_run *runs = NULL;
    size_t n = 0;
    if (!db || hist_list(db, policy ? abs : NULL, (size_t)last, &runs, &n, &e) < 0) {
        fprintf(stderr, "portreeve history: %s\n", e.msg);
        hist_close(db);
        return AUDIT_ERR;
    }
    if (json) {
        int rc = PR_EXIT_OK;
        for (size_t i = 0; i < n && rc == PR_EXIT_OK; i++)
            if (history_json(db, &runs[i], &e) < 0) {
                fprintf(stderr, "portreeve history: %s\n", e.msg);
                rc = AUDIT_ERR;
            }
        free(runs);
        hist_close(db);
        return fflush(stdout) == 0 ? rc : AUDIT_ERR;
    }
    printf("%-6s %-19s %-5s %-13s %-8s %-5s %s\n", "ID", "STARTED", "KIND", "RESULT", "HOSTS",
           "OPEN", "POLICY / COMMAND");
    for (size_t i = 0; i < n; i++) {
        char t[32], res[24], hosts[24];
        time_t tt = (time_t)runs[i].started;
        struct tm tm;
        if (!localtime_r(&tt, &tm) || !strftime(t, sizeof t, "%Y-%m-%d %H:%M:%S", &tm))
            snprintf(t, sizeof t, "?");
        if (!strcmp(runs[i].kind, "audit"))
            snprintf(res, sizeof res, "%d violation%s", runs[i].violations,
                     runs[i].violations == 1 ? "" : "s");
        else
            snprintf(res, sizeof res, "-");
        snprintf(hosts, sizeof hosts, "%d/%d", runs[i].hosts_up, runs[i].nhosts);
        char shards[HIST_KEY + 320];
        shard_label(&runs[i], shards, sizeof shards);
        printf("%-6lld %-19s %-5s %-13s %-8s %-5d %s%s\n", (long long)runs[i].id, t, runs[i].kind,
               res, hosts, runs[i].open_ports, shards,
               runs[i].policy[0] ? runs[i].policy : runs[i].args);
    }
    if (!n)
        printf("(no runs stored yet)\n");
    free(runs);
    hist_close(db);
    return PR_EXIT_OK;
}

/* ---- diff ---- */

static bool is_run_id(const char *s, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < 1 || access(s, F_OK) == 0)
        return false;
    *id = v;
    return true;
}

/* A --run-id name: no file of that name, and only a name's characters (no '/'). */
static bool is_run_name(const char *s)
{
    size_t n = strlen(s);
    return n && n < HIST_KEY && access(s, F_OK) != 0 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+-") == n &&
           !(n > 4 && !strcmp(s + n - 4, ".xml"));
}

/* One side of a diff: an XML file, a run id or a --run-id name. 0, -1 with e, or -2 when
 * the run is an incomplete sharded one and !partial (message printed). */
static int load_side(struct hist_db **db, const char *dbu, const char *arg, int partial,
                     struct snapshot *s, struct pr_error *e)
{
    int64_t id;
    bool number = is_run_id(arg, &id);
    if (!number && !is_run_name(arg))
        return snap_from_xml(s, arg, e);
    if (!*db && !(*db = hist_open(dbu, e)))
        return -1;
    int rc = number ? 0 : hist_find(*db, arg, &id, e);
    if (rc == 1) /* neither a stored name nor a file */
        return snap_from_xml(s, arg, e);
    struct hist_run run;
    if (rc == 0)
        rc = hist_load(*db, id, &run, s, e);
    if (rc == 1)
        return pr_errf(e, "no run %lld in the history", (long long)id);
    if (rc == 0 && check_complete("diff", &run, partial) < 0)
        return -2;
    return rc;
}

int cmd_diff(int argc, char **argv)
{
    const char *dbu = NULL, *sides[2] = {NULL, NULL};
    int nsides = 0, partial = 0;
    for (int i = 1; i < argc; i++) {
        int g = get_db_opt(argc, argv, &i, &dbu);
        if (g < 0)
            return AUDIT_ERR;
        if (g)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: portreeve diff [--db PATH|postgresql://...] [--partial] A B\n"
                 "A and B are history run ids, run names (`scan --run-id`) or nmap XML files.\n"
                 "A sharded run is the union of its shards; an incomplete one is refused\n"
                 "unless --partial.\n"
                 "Exit: 0 same, 1 changed, 2 error.");
            return PR_EXIT_OK;
        }
        if (!strcmp(argv[i], "--partial")) {
            partial = 1;
            continue;
        }
        if (nsides >= 2) {
            fprintf(stderr, "portreeve diff: give exactly two runs or XML files\n");
            return AUDIT_ERR;
        }
        sides[nsides++] = argv[i];
    }
    if (nsides != 2) {
        fprintf(stderr, "portreeve diff: give exactly two runs or XML files (see --help)\n");
        return AUDIT_ERR;
    }
    struct hist_db *db = NULL;
    struct snapshot a, b;
    struct pr_error e = {{0}};
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    int rc = load_side(&db, dbu, sides[0], partial, &a, &e);
    if (rc == 0)
        rc = load_side(&db, dbu, sides[1], partial, &b, &e);
    if (rc < 0) {
        if (rc == -1)
            fprintf(stderr, "portreeve diff: %s\n", e.msg);
        snap_free(&a);
        hist_close(db);
        return AUDIT_ERR;
    }
    struct diff_change *c;
    size_t n;
    diff_snapshots(&a, &b, &c, &n);
    rc = diff_print(stdout, &a, &b, c, n) < 0 ? AUDIT_ERR : n ? 1 : 0;
    free(c);
    snap_free(&a);
    snap_free(&b);
    hist_close(db);
    return rc;
}

/* The audit's options and the scan's, as typed: prefixes and --name=value (cli/opts.h). */
int cmd_audit(int argc, char **argv)
{
    static const struct cli_opt own[] = {{"--policy", 1}, {"--html", 1},    {"--json", 1},
                                         {"--sarif", 1},  {"--fail-on", 1}, {"--no-db", 0},
                                         {"--run", 1},    {"--partial", 0}};
    size_t nscan, n = sizeof own / sizeof own[0];
    const struct cli_opt *scan = scan_cli_opts(&nscan);
    struct cli_opt *all = pr_calloc(n + nscan, sizeof *all);
    memcpy(all, own, sizeof own);
    memcpy(all + n, scan, nscan * sizeof *scan);
    struct cli_argv xa;
    int rc = cli_expand("portreeve audit", all, n + nscan, argc, argv, &xa) < 0
                 ? AUDIT_ERR
                 : audit_main(xa.argc, xa.argv);
    cli_argv_free(&xa);
    free(all);
    return rc;
}
