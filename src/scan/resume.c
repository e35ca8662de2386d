/* resume.c — see resume.h.
 *
 *   portreeve-resume 1
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

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int resume_save(const char *path, int argc, char **argv, const struct sip_key *key,
                const struct scan_progress *p, struct pr_error *e)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return pr_errf(e, "resume file name '%s' is too long", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return pr_errf(e, "cannot write resume file '%s': %s", tmp, strerror(errno));
    fprintf(f, "portreeve-resume 1\nkey %016" PRIx64 " %016" PRIx64 "\n", key->k0, key->k1);
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
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return pr_errf(e, "cannot write resume file '%s': %s", path, strerror(errno));
    return 0;
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

int resume_parse(FILE *f, const char *path, struct resume_file *rf, struct pr_error *e)
{
    memset(rf, 0, sizeof *rf);
    char line[8192];
    unsigned lineno = 0;
    int have_key = 0, ended = 0;
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
            if (strcmp(line, "portreeve-resume 1"))
                goto bad;
            continue;
        }
        if (sscanf(line, "%15s", word) != 1)
            goto bad;
        if (!strcmp(word, "key")) {
            if (sscanf(line, "key %16" SCNx64 " %16" SCNx64, &rf->key.k0, &rf->key.k1) != 2)
                goto bad;
            have_key = 1;
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
            if (sscanf(line, "tech %zu", &rf->progress.tech) != 1 || rf->progress.tech > 3)
                goto bad;
        } else if (!strcmp(word, "group")) {
            if (sscanf(line, "group %zu", &rf->progress.group) != 1)
                goto bad;
        } else if (!strcmp(word, "position")) {
            if (sscanf(line, "position %" SCNu64, &rf->progress.position) != 1)
                goto bad;
        } else if (!strcmp(word, "discovered")) {
            if (sscanf(line, "discovered %" SCNu64, &rf->progress.discovered) != 1)
                goto bad;
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
                reason >= RS_COUNT || ttl > 255)
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
    if (lineno == 0 || !have_key || !ended) {
        resume_free(rf);
        return pr_errf(e, "--resume file '%s': incomplete (no %s)", path,
                       !have_key ? "key" : "end line");
    }
    rf->progress.valid = 1;
    return 0;
bad_len:
    resume_free(rf);
    return pr_errf(e, "--resume file '%s' line %u: line too long", path, lineno);
bad:
    resume_free(rf);
    return pr_errf(e, "--resume file '%s' line %u: not understood", path, lineno);
}
