/* resume.c — see resume.h.
 *
 *   portreeve-resume 2        the format version (RESUME_VERSION)
 *   plan H                    resume_plan() of the scan, 16 hex digits
 *   key K0 K1                 the SipHash key, 16 hex digits each
 *   arg TEXT                  one per argument, with \\ and \n escaped
 *   group G                   host group that was running (earlier ones are finished)
 *   tech K                    index of the technique that was running
 *   position P                first-pass permutation positions [0, P) were sent
 *   discovered N              targets [0, N) went through discovery (absent: all)
 *   up ADDR                   a host that discovery found up
 *   item ADDR tcp|udp PORT STATE REASON TTL   an answer (numbers of result.h's enums)
 *   rest ADDR tcp|udp STATE REASON TTL        the answer of every other probed port of
 *                                             ADDR in a finished (group, technique)
 *   end
 */
#include "scan/resume.h"

#include "scan/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

int resume_write(FILE *f, const char *path, int argc, char **argv, const struct sip_key *key,
                 uint64_t plan, const struct scan_progress *p, struct pr_error *e)
{
    fprintf(f, "portreeve-resume %d\nplan %016" PRIx64 "\nkey %016" PRIx64 " %016" PRIx64 "\n",
            RESUME_VERSION, plan, key->k0, key->k1);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--resume")) { /* a resumed run saves the original command */
            i++;
            continue;
        }
        fputs("arg ", f);
        put_escaped(f, argv[i]);
        fputc('\n', f);
    }
    fprintf(f, "group %zu\ntech %zu\nposition %" PRIu64 "\n", p->group, p->tech, p->position);
    fprintf(f, "discovered %" PRIu64 "\n", p->discovered);
    char a[PR_ADDRSTRLEN];
    for (size_t i = 0; i < p->nup; i++)
        fprintf(f, "up %s\n", addr_str(&p->up[i], a, sizeof a));
    for (size_t i = 0; i < p->n; i++) {
        const struct progress_item *it = &p->items[i];
        const char *pn = it->proto == PR_UDP ? "udp" : "tcp";
        if (it->rest)
            fprintf(f, "rest %s %s %u %u %u\n", addr_str(&it->addr, a, sizeof a), pn, it->state,
                    it->reason, it->ttl);
        else
            fprintf(f, "item %s %s %u %u %u %u\n", addr_str(&it->addr, a, sizeof a), pn, it->port,
                    it->state, it->reason, it->ttl);
    }
    fputs("end\n", f);
    if (fflush(f) != 0 || ferror(f))
        return pr_errf(e, "cannot write resume file '%s': %s", path, strerror(errno));
    return 0;
}

int resume_save(const char *path, int argc, char **argv, const struct sip_key *key, uint64_t plan,
                const struct scan_progress *p, struct pr_error *e)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return pr_errf(e, "resume file name '%s' is too long", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return pr_errf(e, "cannot write resume file '%s': %s", tmp, strerror(errno));
    int rc = resume_write(f, tmp, argc, argv, key, plan, p, e);
    if (fclose(f) != 0 && rc == 0)
        rc = pr_errf(e, "cannot write resume file '%s': %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = pr_errf(e, "cannot write resume file '%s': %s", path, strerror(errno));
    return rc;
}

/* The child of resume_out_open: keeps the rights to remove the new file after the scan
 * dropped them. Removes it unless the scan says "k" before it closes the pipe. */
_Noreturn static void keeper_main(int rd, const char *path)
{
    signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the whole process group */
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    if (rd != 3 && dup2(rd, 3) < 0)
        _exit(1);
    for (int fd = 0; fd < 3; fd++)
        close(fd);
    (void)syscall(SYS_close_range, 4u, ~0u, 0u); /* no output file stays open here */
    char c = 0;
    ssize_t n;
    do
        n = read(3, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1 || c != 'k')
        (void)unlink(path);
    _exit(0);
}

void resume_out_open(struct resume_out *o, const char *path, int create, int keeper)
{
    memset(o, 0, sizeof *o);
    o->keeper = -1;
    snprintf(o->path, sizeof o->path, "%s", path);
    o->fd = open(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0600);
    if (o->fd < 0) {
        snprintf(o->err, sizeof o->err, "%s", strerror(errno));
        return;
    }
    o->created = create;
    int p[2];
    if (!create || !keeper || pipe2(p, O_CLOEXEC) < 0)
        return;
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        keeper_main(p[0], path);
    }
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        return;
    }
    o->keeper = p[1];
}

int resume_out_save(struct resume_out *o, int argc, char **argv, const struct sip_key *key,
                    uint64_t plan, const struct scan_progress *p, struct pr_error *e)
{
    if (o->fd < 0)
        return pr_errf(e, "cannot write resume file '%s': %s", o->path, o->err);
    int fd = dup(o->fd);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return pr_errf(e, "cannot write resume file '%s': %s", o->path, strerror(errno));
    }
    int rc = ftruncate(o->fd, 0) < 0
                 ? pr_errf(e, "cannot write resume file '%s': %s", o->path, strerror(errno))
                 : resume_write(f, o->path, argc, argv, key, plan, p, e);
    if (fclose(f) != 0 && rc == 0)
        rc = pr_errf(e, "cannot write resume file '%s': %s", o->path, strerror(errno));
    if (rc == 0) {
        o->created = 0; /* kept */
        if (o->keeper >= 0 && write(o->keeper, "k", 1) != 1)
            rc = pr_errf(e, "resume file '%s': %s", o->path, strerror(errno));
    }
    return rc;
}

void resume_out_close(struct resume_out *o)
{
    if (o->fd >= 0)
        close(o->fd);
    if (o->keeper >= 0)
        close(o->keeper); /* the child removes the file unless it was kept */
    else if (o->created)
        (void)unlink(o->path);
    o->fd = o->keeper = -1;
    o->created = 0;
}

static int unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        r++;
        if (*r == '\\')
            *w++ = '\\';
        else if (*r == 'n')
            *w++ = '\n';
        else
            return -1;
    }
    *w = 0;
    return 0;
}

void resume_free(struct resume_file *rf)
{
    for (int i = 0; i < rf->argc; i++)
        free(rf->argv[i]);
    progress_free(&rf->progress);
    memset(rf, 0, sizeof *rf);
}

int resume_load(const char *path, struct resume_file *rf, struct pr_error *e)
{
    memset(rf, 0, sizeof *rf);
    FILE *f = fopen(path, "r");
    if (!f)
        return pr_errf(e, "--resume file '%s': %s", path, strerror(errno));
    int rc = resume_parse(f, path, rf, e);
    fclose(f);
    return rc;
}

/* A whole number of at most max, digits only (no sign, no space, no overflow). */
static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (*s < '0' || *s > '9' || d > max || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Limits of the fields before the plan is known (resume_check knows better). */
#define MAX_GROUP TGT_MAX_HOSTS
#define MAX_POSITION (UINT64_C(1) << 48)

int resume_parse(FILE *f, const char *path, struct resume_file *rf, struct pr_error *e)
{
    memset(rf, 0, sizeof *rf);
    char line[8192];
    unsigned lineno = 0;
    int have_key = 0, have_plan = 0, ended = 0;
    const char *field = NULL; /* the field a numeric error is about */
    uint64_t max = 0;
    rf->argv[rf->argc++] = pr_strdup("scan");
    rf->progress.discovered = UINT64_MAX; /* files without the line: discovery was done */
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        else if (!feof(f))
            goto bad_len;
        char word[16], a[PR_ADDRSTRLEN + 1], proto[4];
        unsigned port, state, reason, ttl;
        struct progress_item it = {0};
        if (lineno == 1) {
            unsigned v;
            char extra;
            if (!strncmp(line, "# Nmap ", 7) || !strncmp(line, "Starting Nmap", 13) ||
                !strncmp(line, "<?xml", 5) || !strncmp(line, "# portreeve ", 12)) {
                resume_free(rf);
                return pr_errf(e,
                               "--resume file '%s': not a portreeve resume file (nmap resume "
                               "files are not supported)",
                               path);
            }
            if (sscanf(line, "portreeve-resume %u%c", &v, &extra) != 1) {
                resume_free(rf);
                return pr_errf(e, "--resume file '%s' line 1: not a portreeve resume file", path);
            }
            if (v != RESUME_VERSION) {
                resume_free(rf);
                return pr_errf(e,
                               "--resume file '%s' line 1: format version %u is not supported "
                               "(this portreeve reads version %d)",
                               path, v, RESUME_VERSION);
            }
            continue;
        }
        if (sscanf(line, "%15s", word) != 1)
            goto bad;
        const char *val = line + strlen(word) + (line[strlen(word)] == ' ');
        if (!strcmp(word, "key")) {
            if (sscanf(line, "key %16" SCNx64 " %16" SCNx64, &rf->key.k0, &rf->key.k1) != 2)
                goto bad;
            have_key = 1;
        } else if (!strcmp(word, "plan")) {
            if (strlen(val) != 16 || strspn(val, "0123456789abcdef") != 16 ||
                sscanf(val, "%16" SCNx64, &rf->plan) != 1) {
                field = "plan";
                goto bad_field;
            }
            have_plan = 1;
            rf->line_plan = lineno;
        } else if (!strcmp(word, "arg")) {
            if (len < 4 || rf->argc >= RESUME_MAX_ARGS)
                goto bad;
            char *v = pr_strdup(line + 4);
            if (unescape(v) < 0) {
                free(v);
                goto bad;
            }
            rf->argv[rf->argc++] = v;
        } else if (!strcmp(word, "tech")) {
            /* 3 = every technique of the group done (stopped in -sV) */
            uint64_t v;
            field = "tech", max = 3;
            if (parse_num(val, max, &v) < 0)
                goto bad_num;
            rf->progress.tech = (size_t)v;
            rf->line_tech = lineno;
        } else if (!strcmp(word, "group")) {
            uint64_t v;
            field = "group", max = MAX_GROUP;
            if (parse_num(val, max, &v) < 0)
                goto bad_num;
            rf->progress.group = (size_t)v;
            rf->line_group = lineno;
        } else if (!strcmp(word, "position")) {
            field = "position", max = MAX_POSITION;
            if (parse_num(val, max, &rf->progress.position) < 0)
                goto bad_num;
            rf->line_position = lineno;
        } else if (!strcmp(word, "discovered")) {
            field = "discovered", max = TGT_MAX_HOSTS;
            if (parse_num(val, max, &rf->progress.discovered) < 0)
                goto bad_num;
        } else if (!strcmp(word, "up")) {
            struct pr_addr ad;
            if (sscanf(line, "up %46s", a) != 1 || addr_parse(a, &ad) < 0)
                goto bad;
            rf->progress.up =
                pr_reallocarray(rf->progress.up, rf->progress.nup + 1, sizeof *rf->progress.up);
            rf->progress.up[rf->progress.nup++] = ad;
        } else if (!strcmp(word, "item") || !strcmp(word, "rest")) {
            it.rest = word[0] == 'r';
            port = 1; /* a rest item names no port */
            if ((it.rest ? sscanf(line, "rest %46s %3s %u %u %u", a, proto, &state, &reason, &ttl)
                         : sscanf(line, "item %46s %3s %u %u %u %u", a, proto, &port, &state,
                                  &reason, &ttl)) != 6 - it.rest ||
                addr_parse(a, &it.addr) < 0 || (strcmp(proto, "tcp") && strcmp(proto, "udp")) ||
                port < 1 || port > 65535 || state == PS_UNKNOWN || state >= PS_COUNT ||
                reason >= RS_COUNT || ttl > 255 || strchr(line, '-'))
                goto bad;
            it.proto = strcmp(proto, "udp") ? PR_TCP : PR_UDP;
            it.port = it.rest ? 0 : (uint16_t)port;
            it.state = (uint8_t)state;
            it.reason = (uint8_t)reason;
            it.ttl = (uint8_t)ttl;
            progress_add(&rf->progress, &it);
        } else if (!strcmp(word, "end")) {
            ended = 1;
            break;
        } else {
            goto bad;
        }
    }
    if (lineno == 0 || !have_key || !have_plan || !ended) {
        resume_free(rf);
        return pr_errf(e, "--resume file '%s': incomplete (no %s)", path,
                       lineno == 0  ? "content"
                       : !have_key  ? "key"
                       : !have_plan ? "plan"
                                    : "end line");
    }
    rf->progress.valid = 1;
    return 0;
bad_len:
    resume_free(rf);
    return pr_errf(e, "--resume file '%s' line %u: line too long", path, lineno);
bad_num:
    resume_free(rf);
    return pr_errf(e,
                   "--resume file '%s' line %u: %s: '%.40s' is not a whole number from 0 to %llu",
                   path, lineno, field, line + strlen(field) + 1, (unsigned long long)max);
bad_field:
    resume_free(rf);
    return pr_errf(e, "--resume file '%s' line %u: %s: not understood", path, lineno, field);
bad:
    resume_free(rf);
    return pr_errf(e, "--resume file '%s' line %u: not understood", path, lineno);
}

/* Appends len bytes to a growing buffer. */
static void put(uint8_t **b, size_t *n, size_t *cap, const void *d, size_t len)
{
    if (*n + len > *cap) {
        *cap = (*n + len) * 2;
        *b = pr_reallocarray(*b, *cap, 1);
    }
    memcpy(*b + *n, d, len);
    *n += len;
}

uint64_t resume_plan(const struct scan_config *cfg)
{
    enum { SAMPLES = 4096 };
    uint8_t *b = NULL;
    size_t n = 0, cap = 0;
    uint64_t count = tgt_count(&cfg->targets);
    put(&b, &n, &cap, &cfg->family, sizeof cfg->family);
    put(&b, &n, &cap, &count, sizeof count);
    for (uint64_t i = 0; i <= SAMPLES && count; i++) {
        struct pr_addr a;
        const char *name;
        tgt_get(&cfg->targets, count > SAMPLES ? (count - 1) / SAMPLES * i : i % count, &a, &name);
        put(&b, &n, &cap, a.a, sizeof a.a);
    }
    for (int p = 0; p < PR_NPROTO; p++) {
        uint64_t np = cfg->ports.n[p];
        put(&b, &n, &cap, &np, sizeof np);
        for (size_t i = 0; i < cfg->ports.n[p]; i++)
            put(&b, &n, &cap, &cfg->ports.p[p][i], sizeof cfg->ports.p[p][i]);
    }
    for (size_t i = 0; i < cfg->ntech; i++)
        put(&b, &n, &cap, cfg->techniques[i], strlen(cfg->techniques[i]) + 1);
    uint64_t more[] = {cfg->key.k0, cfg->key.k1, cfg->shard_index, cfg->shard_count,
                       cfg->max_hostgroup};
    put(&b, &n, &cap, more, sizeof more);
    static const struct sip_key plan_key = {0x706f72747265657eULL, 0x706c616e2d763200ULL};
    uint64_t h = siphash24(&plan_key, b, n);
    free(b);
    return h;
}

int resume_check(const struct resume_file *rf, const char *path, const struct scan_config *cfg,
                 struct pr_error *e)
{
    const struct scan_progress *p = &rf->progress;
    if (rf->plan != resume_plan(cfg))
        return pr_errf(e,
                       "--resume file '%s' line %u: plan: the scan it describes differs from "
                       "this one (targets, ports, techniques or seed changed, e.g. an -iL file "
                       "or nmap-services); start a new scan",
                       path, rf->line_plan);
    /* The groups: within one window they are made of the hosts found up (every target with
     * -Pn), so their number and sizes are exact; over several windows the plan's count when
     * every target is up is the bound. */
    struct scan_plan plan;
    scan_plan_make(cfg, 0, &plan);
    size_t gsize = plan.group_hosts;
    int one_window = plan.targets <= plan.window;
    uint64_t hosts = cfg->no_ping || !p->nup ? plan.targets : p->nup;
    uint64_t ngroups = one_window ? (hosts + gsize - 1) / gsize : plan.groups;
    if (!ngroups)
        ngroups = 1;
    if (p->group >= ngroups)
        return pr_errf(e,
                       "--resume file '%s' line %u: group: %zu is past the last host group "
                       "(%" PRIu64 ")",
                       path, rf->line_group, p->group, ngroups - 1);
    if (p->tech > cfg->ntech)
        return pr_errf(e, "--resume file '%s' line %u: tech: %zu is past the last technique (%zu)",
                       path, rf->line_tech, p->tech, cfg->ntech);
    uint64_t pairs = 0;
    if (p->tech < cfg->ntech) {
        uint64_t in_group = gsize; /* the last group of a window may be smaller */
        if (one_window && hosts - (uint64_t)p->group * gsize < gsize)
            in_group = hosts - (uint64_t)p->group * gsize;
        int proto = strcmp(cfg->techniques[p->tech], "udp") ? PR_TCP : PR_UDP;
        pairs = in_group * cfg->ports.n[proto];
    }
    if (p->position > pairs)
        return pr_errf(e,
                       "--resume file '%s' line %u: position: %" PRIu64
                       " is past the end of the interrupted pass (%" PRIu64 " probes)",
                       path, rf->line_position, p->position, pairs);
    return 0;
}

void resume_default_name(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    char when[32] = "0";
    if (localtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "portreeve-%s-%ld.resume", when, (long)getpid());
}
