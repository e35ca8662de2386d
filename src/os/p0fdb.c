/* p0fdb.c — reading p0f.fp (see p0fdb.h). */
#include "os/p0fdb.h"

#include "core/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P0F_MAX_LINE 4096
#define P0F_MAX_FILE (16u << 20)

enum section { SEC_NONE, SEC_MTU, SEC_TCP_REQ, SEC_TCP_RESP, SEC_SKIP };

struct parser {
    struct p0f_db *db;
    const char *name;
    unsigned line;
    const char *start; /* of the current line, for columns */
    enum section sec;
    int have_label; /* a label line was seen in this section */
    char classes[8][16];
    size_t nclasses;
    struct pr_error *e;
};

static int fail(struct parser *p, const char *at, const char *what)
{
    pr_errf(p->e, "%s:%u: %s, at column %d", p->name, p->line, what, (int)(at - p->start) + 1);
    return -1;
}

/* Parses a decimal number of at most `max` from [s, end); -1 when it is not one. */
static long number(const char *s, const char *end, long max)
{
    if (s >= end || end - s > 10)
        return -1;
    long v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v <= max ? v : -1;
}

static int is(const char *s, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - s) == n && !memcmp(s, word, n);
}

static int copy_field(char *dst, size_t cap, const char *s, const char *end)
{
    size_t n = (size_t)(end - s);
    if (n == 0 || n >= cap)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static int parse_label(struct parser *p, const char *v, const char *end)
{
    struct p0f_label l = {0};
    const char *f[4];
    const char *fend[4];
    const char *s = v;
    for (int i = 0; i < 4; i++) {
        const char *c = i < 3 ? memchr(s, ':', (size_t)(end - s)) : end;
        if (!c)
            return fail(p, end, "label needs type:class:name:flavor");
        f[i] = s;
        fend[i] = c;
        s = c + 1;
    }
    if (fend[0] - f[0] != 1 || (f[0][0] != 's' && f[0][0] != 'g'))
        return fail(p, f[0], "label type must be 's' or 'g'");
    l.type = f[0][0];
    if (copy_field(l.cls, sizeof l.cls, f[1], fend[1]) < 0)
        return fail(p, f[1], "label class is empty or too long");
    int known = !strcmp(l.cls, "!");
    for (size_t i = 0; i < p->nclasses && !known; i++)
        known = !strcmp(l.cls, p->classes[i]);
    if (!known)
        return fail(p, f[1], "label class not declared by 'classes ='");
    if (copy_field(l.name, sizeof l.name, f[2], fend[2]) < 0)
        return fail(p, f[2], "label name is empty or too long");
    if (fend[3] > f[3] && copy_field(l.flavor, sizeof l.flavor, f[3], fend[3]) < 0)
        return fail(p, f[3], "label flavor is too long");
    p->db->labels = pr_reallocarray(p->db->labels, p->db->nlabels + 1, sizeof l);
    p->db->labels[p->db->nlabels++] = l;
    return 0;
}

static int parse_layout(struct parser *p, struct p0f_tcp_sig *s, const char *v, const char *end)
{
    if (is(v, end, "*"))
        return fail(p, v, "option layout cannot be a wildcard");
    while (v < end) {
        const char *c = memchr(v, ',', (size_t)(end - v));
        const char *te = c ? c : end;
        if (s->nopt >= P0F_MAX_OPTS)
            return fail(p, v, "more than 40 options");
        if (s->nopt && s->opt[s->nopt - 1] == 0)
            return fail(p, v, "option after eol");
        uint8_t kind;
        if (is(v, te, "nop"))
            kind = 1;
        else if (is(v, te, "mss"))
            kind = 2;
        else if (is(v, te, "ws"))
            kind = 3;
        else if (is(v, te, "sok"))
            kind = 4;
        else if (is(v, te, "sack"))
            kind = 5;
        else if (is(v, te, "ts"))
            kind = 8;
        else if (te - v > 4 && !memcmp(v, "eol+", 4)) {
            long pad = number(v + 4, te, 40);
            if (pad < 0)
                return fail(p, v + 4, "bad eol padding");
            kind = 0;
            s->eol_pad = (uint8_t)pad;
        } else if (te - v > 1 && *v == '?') {
            long k = number(v + 1, te, 255);
            if (k < 0)
                return fail(p, v + 1, "bad unknown option number");
            kind = (uint8_t)k;
        } else {
            return fail(p, v, "unknown TCP option name");
        }
        s->opt[s->nopt++] = kind;
        v = c ? c + 1 : end;
        if (c && v == end)
            return fail(p, v, "empty option");
    }
    return 0;
}

static const struct {
    const char *name;
    uint32_t bit;
} quirk_names[] = {
    {"df", P0F_Q_DF},     {"id+", P0F_Q_IDP},     {"id-", P0F_Q_IDN},     {"ecn", P0F_Q_ECN},
    {"0+", P0F_Q_ZERO},   {"flow", P0F_Q_FLOW},   {"seq-", P0F_Q_SEQN},   {"ack+", P0F_Q_ACKP},
    {"ack-", P0F_Q_ACKN}, {"uptr+", P0F_Q_UPTRP}, {"urgf+", P0F_Q_URGFP}, {"pushf+", P0F_Q_PUSHFP},
    {"ts1-", P0F_Q_TS1N}, {"ts2+", P0F_Q_TS2P},   {"opt+", P0F_Q_OPTP},   {"exws", P0F_Q_EXWS},
    {"bad", P0F_Q_BAD},
};

static int parse_quirks(struct parser *p, struct p0f_tcp_sig *s, const char *v, const char *end)
{
    while (v < end) {
        const char *c = memchr(v, ',', (size_t)(end - v));
        const char *te = c ? c : end;
        size_t i;
        for (i = 0; i < sizeof quirk_names / sizeof quirk_names[0]; i++)
            if (is(v, te, quirk_names[i].name))
                break;
        if (i == sizeof quirk_names / sizeof quirk_names[0])
            return fail(p, v, "unknown quirk");
        s->quirks |= quirk_names[i].bit;
        v = c ? c + 1 : end;
    }
    return 0;
}

static int parse_window(struct parser *p, struct p0f_tcp_sig *s, const char *v, const char *end)
{
    long n;
    if (is(v, end, "*")) {
        s->win_type = P0F_WIN_ANY;
        return 0;
    }
    if (end - v > 4 && (!memcmp(v, "mss*", 4) || !memcmp(v, "mtu*", 4))) {
        s->win_type = v[1] == 's' ? P0F_WIN_MSS : P0F_WIN_MTU;
        n = number(v + 4, end, 65535);
        if (n <= 0)
            return fail(p, v + 4, "bad window multiplier");
    } else if (end - v > 1 && *v == '%') {
        s->win_type = P0F_WIN_MOD;
        n = number(v + 1, end, 65535);
        if (n <= 0)
            return fail(p, v + 1, "bad window modulus");
    } else {
        s->win_type = P0F_WIN_FIXED;
        n = number(v, end, 65535);
        if (n < 0)
            return fail(p, v, "bad window size");
    }
    s->win_val = (uint32_t)n;
    return 0;
}

static int parse_tcp_sig(struct parser *p, const char *v, const char *end)
{
    struct p0f_tcp_sig s = {0};
    const char *f[8], *fend[8];
    const char *c = v;
    for (int i = 0; i < 8; i++) {
        const char *colon = i < 7 ? memchr(c, ':', (size_t)(end - c)) : end;
        if (!colon)
            return fail(p, end,
                        "signature needs 8 fields ver:ittl:olen:mss:wsize,scale:olayout:"
                        "quirks:pclass");
        f[i] = c;
        fend[i] = colon;
        c = colon + 1;
    }
    if (memchr(f[7], ':', (size_t)(fend[7] - f[7])))
        return fail(p, f[7], "signature has more than 8 fields");
    s.label = (uint32_t)(p->db->nlabels - 1);
    s.line = p->line;
    if (is(f[0], fend[0], "*"))
        s.ver = -1;
    else if (is(f[0], fend[0], "4") || is(f[0], fend[0], "6"))
        s.ver = (int8_t)(f[0][0] - '0');
    else
        return fail(p, f[0], "version must be 4, 6 or *");
    const char *te = fend[1];
    if (te > f[1] && te[-1] == '-') {
        s.ttl_rand = 1;
        te--;
    }
    long ttl = number(f[1], te, 255);
    if (ttl <= 0)
        return fail(p, f[1], "bad initial TTL");
    s.ittl = (uint8_t)ttl;
    long olen = number(f[2], fend[2], 255);
    if (olen < 0)
        return fail(p, f[2], "bad options length");
    s.olen = (uint8_t)olen;
    if (is(f[3], fend[3], "*"))
        s.mss = -1;
    else if ((s.mss = (int32_t)number(f[3], fend[3], 65535)) < 0)
        return fail(p, f[3], "bad MSS");
    const char *comma = memchr(f[4], ',', (size_t)(fend[4] - f[4]));
    if (!comma)
        return fail(p, f[4], "window needs 'wsize,scale'");
    if (parse_window(p, &s, f[4], comma) < 0)
        return -1;
    if (is(comma + 1, fend[4], "*"))
        s.scale = -1;
    else if ((s.scale = (int16_t)number(comma + 1, fend[4], 255)) < 0)
        return fail(p, comma + 1, "bad window scale");
    if (parse_layout(p, &s, f[5], fend[5]) < 0 || parse_quirks(p, &s, f[6], fend[6]) < 0)
        return -1;
    if (is(f[7], fend[7], "*"))
        s.pclass = -1;
    else if (is(f[7], fend[7], "0"))
        s.pclass = 0;
    else if (is(f[7], fend[7], "+"))
        s.pclass = 1;
    else
        return fail(p, f[7], "payload class must be 0, + or *");
    enum p0f_dir d = p->sec == SEC_TCP_REQ ? P0F_SYN : P0F_SYNACK;
    p->db->sigs[d] = pr_reallocarray(p->db->sigs[d], p->db->nsigs[d] + 1, sizeof s);
    p->db->sigs[d][p->db->nsigs[d]++] = s;
    return 0;
}

static int parse_classes(struct parser *p, const char *v, const char *end)
{
    p->nclasses = 0;
    while (v < end) {
        const char *c = memchr(v, ',', (size_t)(end - v));
        const char *te = c ? c : end;
        if (p->nclasses == sizeof p->classes / sizeof p->classes[0] ||
            copy_field(p->classes[p->nclasses], sizeof p->classes[0], v, te) < 0)
            return fail(p, v, "too many classes, or one empty or too long");
        p->nclasses++;
        v = c ? c + 1 : end;
    }
    return 0;
}

static int parse_line(struct parser *p, const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    if (s == end || *s == ';')
        return 0;
    for (const char *c = s; c < end; c++)
        if ((unsigned char)*c < 0x20 && *c != '\t')
            return fail(p, c, "control character");
    if (*s == '[') {
        if (end[-1] != ']')
            return fail(p, end, "section header without ']'");
        p->have_label = 0;
        p->sec = is(s, end, "[mtu]")            ? SEC_MTU
                 : is(s, end, "[tcp:request]")  ? SEC_TCP_REQ
                 : is(s, end, "[tcp:response]") ? SEC_TCP_RESP
                                                : SEC_SKIP;
        return 0;
    }
    const char *eq = memchr(s, '=', (size_t)(end - s));
    if (!eq)
        return fail(p, s, "expected 'key = value' or '[section]'");
    const char *ke = eq, *v = eq + 1;
    while (ke > s && (ke[-1] == ' ' || ke[-1] == '\t'))
        ke--;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    if (p->sec == SEC_SKIP)
        return 0;
    if (is(s, ke, "classes"))
        return parse_classes(p, v, end);
    if (p->sec == SEC_NONE)
        return fail(p, s, "key outside a section");
    if (is(s, ke, "sys"))
        return 0;
    if (is(s, ke, "label")) {
        p->have_label = 1;
        if (p->sec != SEC_MTU)
            return parse_label(p, v, end);
        p->db->mtu_names =
            pr_reallocarray(p->db->mtu_names, p->db->nmtu_names + 1, sizeof p->db->mtu_names[0]);
        if (copy_field(p->db->mtu_names[p->db->nmtu_names], sizeof p->db->mtu_names[0], v, end) < 0)
            return fail(p, v, "label is empty or too long");
        p->db->nmtu_names++;
        return 0;
    }
    if (!is(s, ke, "sig"))
        return fail(p, s, "unknown key");
    if (!p->have_label)
        return fail(p, s, "sig before any label of its section");
    if (p->sec != SEC_MTU)
        return parse_tcp_sig(p, v, end);
    long mtu = number(v, end, 65535);
    if (mtu <= 0)
        return fail(p, v, "bad MTU");
    p->db->mtus = pr_reallocarray(p->db->mtus, p->db->nmtus + 1, sizeof p->db->mtus[0]);
    p->db->mtus[p->db->nmtus++] =
        (struct p0f_mtu){(uint16_t)mtu, (uint32_t)(p->db->nmtu_names - 1)};
    return 0;
}

int p0f_db_parse(struct p0f_db *db, const char *name, const char *buf, size_t len,
                 struct pr_error *e)
{
    memset(db, 0, sizeof *db);
    struct parser p = {.db = db, .name = name, .e = e};
    const char *s = buf, *end = buf + len;
    while (s < end) {
        p.line++;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        p.start = s;
        if (le - s > P0F_MAX_LINE) {
            fail(&p, s + P0F_MAX_LINE, "line longer than 4096 bytes");
            p0f_db_free(db);
            return -1;
        }
        if (memchr(s, '\0', (size_t)(le - s))) {
            fail(&p, memchr(s, '\0', (size_t)(le - s)), "NUL byte");
            p0f_db_free(db);
            return -1;
        }
        if (parse_line(&p, s, le) < 0) {
            p0f_db_free(db);
            return -1;
        }
        s = nl ? nl + 1 : end;
    }
    if (!db->nsigs[P0F_SYN] && !db->nsigs[P0F_SYNACK]) {
        pr_errf(e, "%s: no TCP signature ([tcp:request] or [tcp:response])", name);
        p0f_db_free(db);
        return -1;
    }
    return 0;
}

int p0f_db_load(struct p0f_db *db, const char *path, struct pr_error *e)
{
    if (!path)
        path = P0F_DEFAULT_PATH;
    memset(db, 0, sizeof *db);
    char *buf;
    size_t n;
    struct pr_error sub;
    if (pr_read_file(path, P0F_MAX_FILE, &buf, &n, &sub) < 0)
        return pr_errf(e, "%s (Debian package p0f)", sub.msg);
    int rc = p0f_db_parse(db, path, buf, n, e);
    free(buf);
    return rc;
}

void p0f_db_free(struct p0f_db *db)
{
    free(db->labels);
    free(db->sigs[0]);
    free(db->sigs[1]);
    free(db->mtus);
    free(db->mtu_names);
    memset(db, 0, sizeof *db);
}
