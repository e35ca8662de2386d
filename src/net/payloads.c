/* payloads.c — parser and lookup table for the UDP payload database; see payloads.h.
 *
 * Parsing is a small tokenizer (newline, quoted string, bare word; blanks and #
 * comments skipped) driven by a four-state machine. Each entry's bytes go into one
 * arena; each port range becomes a (lo, hi, entry) record. The lookup table is then
 * built by a sweep over the range boundaries: the ports between two consecutive
 * boundaries share one list of payloads, so the table has one segment per boundary and
 * a lookup is a binary search, whatever the width of the ranges (32768-65535 in the
 * real file). */
#include "net/payloads.h"

#include "core/text.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bound on the port/payload pairs stored in the table (a hostile file could otherwise
 * ask for 65536 ports x 255 payloads). The real file needs a few hundred. */
#define PAYLOAD_MAX_PAIRS (1u << 20)
#define PORT_END 65536u

struct entry {
    size_t off, len; /* bytes in the arena */
    unsigned line;   /* where its "udp" keyword is */
};

struct range {
    uint32_t lo, hi; /* inclusive */
    uint32_t ent;
};

struct segment {
    uint32_t start; /* first port of the segment; it runs to the next segment's start */
    uint32_t off;   /* index of its first payload in flat */
    uint32_t cnt;
};

struct payload_db {
    uint8_t *arena;
    size_t nentries;
    struct payload *flat; /* the segments' payload lists, back to back */
    size_t nflat;
    struct segment *segs; /* ascending start, segs[0].start == 0 */
    size_t nsegs;
};

enum tok { T_EOF, T_NL, T_STRING, T_WORD, T_ERR };

struct parser {
    const char *buf;
    size_t len, pos;
    unsigned line;
    const char *name;
    struct pr_error *e;
    /* the current word (T_WORD): buf[wstart .. wstart+wlen) */
    size_t wstart, wlen;
    uint8_t *arena;
    size_t arena_len, arena_cap;
    struct entry *ents;
    size_t nents, ents_cap;
    struct range *ranges;
    size_t nranges, ranges_cap;
};

static int perr(struct parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports "FILE line N: what" and returns -1. */
static int perr(struct parser *p, unsigned line, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pr_errf(p->e, "%s line %u: %s", p->name, line, what);
}

/* A printable, bounded copy of the current word for error messages. */
static const char *word_text(const struct parser *p, char *out, size_t cap)
{
    size_t n = p->wlen < cap - 4 ? p->wlen : cap - 4;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p->buf[p->wstart + i];
        out[i] = isprint(c) ? (char)c : '?';
    }
    if (n < p->wlen) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

static int arena_put(struct parser *p, uint8_t byte)
{
    if (p->arena_len == p->arena_cap) {
        size_t ncap = p->arena_cap ? p->arena_cap * 2 : 1024;
        p->arena = pr_reallocarray(p->arena, ncap, 1);
        p->arena_cap = ncap;
    }
    p->arena[p->arena_len++] = byte;
    struct entry *en = &p->ents[p->nents - 1];
    en->len++;
    if (en->len > PAYLOAD_MAX_LEN) {
        return perr(p, p->line, "payload longer than %d bytes", PAYLOAD_MAX_LEN);
    }
    return 0;
}

/* Reads a quoted string starting at the opening quote, appending its bytes to the
 * current entry. A string ends on the line where it starts. */
static int read_string(struct parser *p)
{
    p->pos++; /* opening quote */
    for (;;) {
        if (p->pos >= p->len || p->buf[p->pos] == '\n')
            return perr(p, p->line, "unterminated string");
        char c = p->buf[p->pos++];
        if (c == '"')
            return 0;
        if (c != '\\') {
            if (arena_put(p, (uint8_t)c) < 0)
                return -1;
            continue;
        }
        if (p->pos >= p->len || p->buf[p->pos] == '\n')
            return perr(p, p->line, "unterminated string (backslash at end of line)");
        char x = p->buf[p->pos++];
        int v;
        switch (x) {
        case '0':
            v = 0;
            break;
        case 'a':
            v = '\a';
            break;
        case 'b':
            v = '\b';
            break;
        case 'f':
            v = '\f';
            break;
        case 'n':
            v = '\n';
            break;
        case 'r':
            v = '\r';
            break;
        case 't':
            v = '\t';
            break;
        case 'v':
            v = '\v';
            break;
        case '\\':
            v = '\\';
            break;
        case '"':
            v = '"';
            break;
        case '\'':
            v = '\'';
            break;
        case 'x': {
            int hi = p->pos < p->len ? pr_hexval(p->buf[p->pos]) : -1;
            int lo = p->pos + 1 < p->len ? pr_hexval(p->buf[p->pos + 1]) : -1;
            if (hi < 0 || lo < 0)
                return perr(p, p->line, "bad escape '\\x' (two hex digits expected)");
            v = hi << 4 | lo;
            p->pos += 2;
            break;
        }
        default: {
            char s[2] = {isprint((unsigned char)x) ? x : '?', '\0'};
            return perr(p, p->line, "bad escape '\\%s'", s);
        }
        }
        if (arena_put(p, (uint8_t)v) < 0)
            return -1;
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Next token. Strings are left for read_string (pos stays on the quote). */
static enum tok next_token(struct parser *p)
{
    for (;;) {
        while (p->pos < p->len && is_blank(p->buf[p->pos]))
            p->pos++;
        if (p->pos >= p->len)
            return T_EOF;
        char c = p->buf[p->pos];
        if (c == '#') {
            while (p->pos < p->len && p->buf[p->pos] != '\n')
                p->pos++;
            continue;
        }
        if (c == '\n') {
            p->pos++;
            p->line++;
            return T_NL;
        }
        if (c == '"')
            return T_STRING;
        p->wstart = p->pos;
        while (p->pos < p->len) {
            c = p->buf[p->pos];
            if (is_blank(c) || c == '\n' || c == '"' || c == '#')
                break;
            p->pos++;
        }
        p->wlen = p->pos - p->wstart;
        return T_WORD;
    }
}

static void skip_line(struct parser *p)
{
    while (p->pos < p->len && p->buf[p->pos] != '\n')
        p->pos++;
}

static int word_is(const struct parser *p, const char *kw)
{
    size_t n = strlen(kw);
    return p->wlen == n && memcmp(p->buf + p->wstart, kw, n) == 0;
}

static int add_range(struct parser *p, uint32_t lo, uint32_t hi)
{
    if (p->nranges == p->ranges_cap) {
        size_t ncap = p->ranges_cap ? p->ranges_cap * 2 : 64;
        p->ranges = pr_reallocarray(p->ranges, ncap, sizeof *p->ranges);
        p->ranges_cap = ncap;
    }
    p->ranges[p->nranges++] = (struct range){lo, hi, (uint32_t)(p->nents - 1)};
    return 0;
}

/* Parses one port number at s[*i..n); returns it or -1. */
static long parse_port(const char *s, size_t n, size_t *i)
{
    long v = 0;
    size_t start = *i;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (s[*i] - '0');
        if (v > 65535)
            return -1;
        (*i)++;
    }
    return *i == start ? -1 : v;
}

/* The current word as a port list: "53,69,1025-1199". */
static int parse_portlist(struct parser *p)
{
    const char *s = p->buf + p->wstart;
    size_t n = p->wlen, i = 0;
    char w[64];
    for (;;) {
        long lo = parse_port(s, n, &i), hi = lo;
        if (lo < 0)
            return perr(p, p->line, "bad port list '%s'", word_text(p, w, sizeof w));
        if (i < n && s[i] == '-') {
            i++;
            hi = parse_port(s, n, &i);
            if (hi < 0)
                return perr(p, p->line, "bad port list '%s'", word_text(p, w, sizeof w));
            if (hi < lo)
                return perr(p, p->line, "reversed port range in '%s'", word_text(p, w, sizeof w));
        }
        add_range(p, (uint32_t)lo, (uint32_t)hi);
        if (i == n)
            return 0;
        if (s[i] != ',' || i + 1 == n)
            return perr(p, p->line, "bad port list '%s'", word_text(p, w, sizeof w));
        i++;
    }
}

static void new_entry(struct parser *p)
{
    if (p->nents == p->ents_cap) {
        size_t ncap = p->ents_cap ? p->ents_cap * 2 : 64;
        p->ents = pr_reallocarray(p->ents, ncap, sizeof *p->ents);
        p->ents_cap = ncap;
    }
    p->ents[p->nents++] = (struct entry){p->arena_len, 0, p->line};
}

enum state { S_TOP, S_PORTS, S_FIRST_STRING, S_ENTRY };

static int parse(struct parser *p)
{
    enum state st = S_TOP;
    char w[64];
    for (;;) {
        enum tok t = next_token(p);
        if (t == T_NL)
            continue;
        switch (st) {
        case S_PORTS:
            if (t != T_WORD)
                return perr(p, p->line, "expected a port list after 'udp'");
            if (parse_portlist(p) < 0)
                return -1;
            st = S_FIRST_STRING;
            continue;
        case S_FIRST_STRING:
            if (t != T_STRING)
                return perr(p, p->line, "expected a quoted payload after the port list");
            if (read_string(p) < 0)
                return -1;
            st = S_ENTRY;
            continue;
        case S_TOP:
        case S_ENTRY:
            break;
        }
        if (t == T_EOF)
            return 0;
        if (t == T_STRING) {
            if (st != S_ENTRY)
                return perr(p, p->line, "quoted string outside a 'udp' entry");
            if (read_string(p) < 0)
                return -1;
            continue;
        }
        /* T_WORD */
        if (word_is(p, "udp")) {
            new_entry(p);
            st = S_PORTS;
        } else if (isalpha((unsigned char)p->buf[p->wstart])) {
            skip_line(p); /* a keyword ("source 500"): ignored with its line */
            st = S_TOP;
        } else {
            return perr(p, p->line, "expected 'udp' or a keyword, found '%s'",
                        word_text(p, w, sizeof w));
        }
    }
}

/* ---- lookup table ------------------------------------------------------------------- */

struct event {
    uint32_t pos;
    uint32_t start; /* 0: a range ends before pos; 1: a range starts at pos */
    uint32_t ent;
};

static int event_cmp(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1; /* ends first */
    if (x->ent != y->ent)
        return x->ent < y->ent ? -1 : 1;
    return 0;
}

/* Entries covering the sweep position, ascending, with how many ranges cover each. */
struct active {
    uint32_t ent[PAYLOAD_MAX_PER_PORT];
    uint32_t refs[PAYLOAD_MAX_PER_PORT];
    size_t n;
};

static size_t active_find(const struct active *a, uint32_t ent)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->ent[mid] < ent)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct builder {
    struct payload_db *db;
    size_t segs_cap, flat_cap;
    const struct entry *ents;
};

static struct payload entry_payload(const struct builder *b, uint32_t ent)
{
    const struct entry *en = &b->ents[ent];
    return (struct payload){en->len ? b->db->arena + en->off : NULL, en->len};
}

static int payload_eq(const struct payload *x, struct payload y)
{
    return x->data == y.data && x->len == y.len;
}

/* Records that ports from pos on get the active list (unless that changes nothing). */
static int emit_segment(struct builder *b, uint32_t pos, const struct active *a, struct parser *p)
{
    struct payload_db *db = b->db;
    if (db->nsegs && db->segs[db->nsegs - 1].start == pos) {
        db->nflat = db->segs[db->nsegs - 1].off; /* replaced before any port used it */
        db->nsegs--;
    }
    if (db->nsegs) {
        const struct segment *prev = &db->segs[db->nsegs - 1];
        size_t i = 0;
        while (prev->cnt == a->n && i < a->n &&
               payload_eq(&db->flat[prev->off + i], entry_payload(b, a->ent[i])))
            i++;
        if (prev->cnt == a->n && i == a->n)
            return 0;
    }
    if (db->nflat + a->n > PAYLOAD_MAX_PAIRS)
        return pr_errf(p->e, "%s: too many port/payload combinations (more than %u)", p->name,
                       PAYLOAD_MAX_PAIRS);
    if (db->nsegs == b->segs_cap) {
        b->segs_cap = b->segs_cap ? b->segs_cap * 2 : 64;
        db->segs = pr_reallocarray(db->segs, b->segs_cap, sizeof *db->segs);
    }
    if (db->nflat + a->n > b->flat_cap) {
        while (db->nflat + a->n > b->flat_cap)
            b->flat_cap = b->flat_cap ? b->flat_cap * 2 : 256;
        db->flat = pr_reallocarray(db->flat, b->flat_cap, sizeof *db->flat);
    }
    db->segs[db->nsegs++] = (struct segment){pos, (uint32_t)db->nflat, (uint32_t)a->n};
    for (size_t i = 0; i < a->n; i++)
        db->flat[db->nflat++] = entry_payload(b, a->ent[i]);
    return 0;
}

static int build_table(struct parser *p, struct payload_db *db)
{
    size_t nev = p->nranges * 2;
    struct event *ev = nev ? pr_calloc(nev, sizeof *ev) : NULL;
    struct active *a = pr_calloc(1, sizeof *a);
    struct builder b = {db, 0, 0, p->ents};
    int rc = 0;

    for (size_t i = 0; i < p->nranges; i++) {
        ev[2 * i] = (struct event){p->ranges[i].lo, 1, p->ranges[i].ent};
        ev[2 * i + 1] = (struct event){p->ranges[i].hi + 1, 0, p->ranges[i].ent};
    }
    if (nev)
        qsort(ev, nev, sizeof *ev, event_cmp);
    rc = emit_segment(&b, 0, a, p);
    for (size_t i = 0; i < nev && rc == 0;) {
        uint32_t pos = ev[i].pos;
        for (; i < nev && ev[i].pos == pos; i++) {
            size_t k = active_find(a, ev[i].ent);
            int found = k < a->n && a->ent[k] == ev[i].ent;
            if (!ev[i].start) {
                if (found && --a->refs[k] == 0) { /* always found: ends follow starts */
                    memmove(a->ent + k, a->ent + k + 1, (a->n - k - 1) * sizeof a->ent[0]);
                    memmove(a->refs + k, a->refs + k + 1, (a->n - k - 1) * sizeof a->refs[0]);
                    a->n--;
                }
            } else if (found) {
                a->refs[k]++;
            } else if (a->n == PAYLOAD_MAX_PER_PORT) {
                rc = pr_errf(p->e, "%s line %u: more than %d payloads for port %u", p->name,
                             p->ents[ev[i].ent].line, PAYLOAD_MAX_PER_PORT, (unsigned)pos);
                break;
            } else {
                memmove(a->ent + k + 1, a->ent + k, (a->n - k) * sizeof a->ent[0]);
                memmove(a->refs + k + 1, a->refs + k, (a->n - k) * sizeof a->refs[0]);
                a->ent[k] = ev[i].ent;
                a->refs[k] = 1;
                a->n++;
            }
        }
        if (rc == 0 && pos < PORT_END)
            rc = emit_segment(&b, pos, a, p);
    }
    free(a);
    free(ev);
    return rc;
}

/* ---- public API --------------------------------------------------------------------- */

struct payload_db *payload_load_mem(const char *buf, size_t len, const char *name,
                                    struct pr_error *e)
{
    struct parser p = {.buf = buf, .len = buf ? len : 0, .line = 1, .name = name, .e = e};
    if (!p.name)
        p.name = "payloads";
    if (p.len > PAYLOAD_MAX_FILE) {
        pr_errf(e, "%s: larger than %u bytes", p.name, PAYLOAD_MAX_FILE);
        return NULL;
    }
    struct payload_db *db = pr_calloc(1, sizeof *db);
    int rc = parse(&p);
    db->arena = p.arena;
    db->nentries = p.nents;
    if (rc == 0)
        rc = build_table(&p, db);
    free(p.ents);
    free(p.ranges);
    if (rc < 0) {
        payload_free(db);
        return NULL;
    }
    return db;
}

struct payload_db *payload_load(const char *path, struct pr_error *e)
{
    const char *name = path ? path : PAYLOAD_DEFAULT_PATH;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (!path && errno == ENOENT)
            return payload_load_mem("", 0, name, e);
        pr_errf(e, "%s: cannot open: %s", name, strerror(errno));
        return NULL;
    }
    size_t cap = 64 * 1024, len = 0;
    char *buf = pr_calloc(cap, 1);
    for (;;) {
        if (len == cap) {
            if (cap > PAYLOAD_MAX_FILE) {
                pr_errf(e, "%s: larger than %u bytes", name, PAYLOAD_MAX_FILE);
                goto fail;
            }
            cap *= 2;
            buf = pr_reallocarray(buf, cap, 1);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            pr_errf(e, "%s: read error: %s", name, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    struct payload_db *db = payload_load_mem(buf, len, name, e);
    free(buf);
    return db;
fail:
    close(fd);
    free(buf);
    return NULL;
}

size_t payload_get(const struct payload_db *db, uint16_t port, const struct payload **list)
{
    *list = NULL;
    if (!db || db->nsegs == 0)
        return 0;
    size_t lo = 0, hi = db->nsegs; /* find the last segment with start <= port */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->segs[mid].start <= port)
            lo = mid;
        else
            hi = mid;
    }
    const struct segment *s = &db->segs[lo];
    if (s->cnt == 0)
        return 0;
    *list = db->flat + s->off;
    return s->cnt;
}

size_t payload_count(const struct payload_db *db)
{
    return db ? db->nentries : 0;
}

void payload_free(struct payload_db *db)
{
    if (!db)
        return;
    free(db->arena);
    free(db->flat);
    free(db->segs);
    free(db);
}
