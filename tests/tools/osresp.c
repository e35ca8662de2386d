/* osresp — test tool: a userspace host that answers nmap's OS detection probes with the
 * values of one chosen nmap-os-db fingerprint, so that lab tests can show nmap -O and
 * portreeve scan -O naming a Windows, a BSD or a printer without such a machine.
 *
 * Not installed; tests/lab/t_os_families.sh runs it inside a lab namespace whose kernel is
 * told (nftables) to drop every IPv4 packet in and out, so that only osresp answers; ARP
 * stays with the kernel (the interface carries ADDR). Frames are read and written with an
 * AF_PACKET socket on IFACE, replies go back to the MAC address they came from.
 *
 *   osresp --fp LINE|NAME --iface IF --addr A.B.C.D --port P [--db FILE] [--seconds N]
 *          [--seed N] [-v]
 *
 * FILE (default /usr/share/nmap/nmap-os-db) is read at start; LINE is the line of a
 * "Fingerprint" line, NAME the exact name after "Fingerprint " (the first such entry).
 * Every value is chosen to satisfy the entry's expressions (first alternative; the middle
 * of a range) and turned into behaviour:
 *   - TCP port P is open: a SYN gets a SYN/ACK. The six SEQ probes (told apart by window
 *     and options) get ISNs whose differences have the entry's GCD and whose rates per
 *     second have the ISR mean and SP standard deviation (measured between the arrival
 *     times of the probes), IP IDs of the TI class, TCP timestamps at the TS rate, options
 *     O1-O6 and windows W1-W6, flags/DF/TTL of T1. The ECN probe (SYN+ECE+CWR), a segment
 *     without flags (T2), SYN+FIN+PSH+URG (T3) and an ACK (T4) are answered per ECN, T2-T4.
 *   - Every other TCP port is closed: a SYN per T5, an ACK per T6, anything else per T7
 *     (R=N: silence); IP IDs of the CI class.
 *   - Every UDP port is closed: ICMP port unreachable per U1 (IPL, UN, RIPL, RID, RIPCK,
 *     RUCK, RUD); ICMP echo per IE (DFI, CD), IP IDs of the II class, shared with TCP
 *     when SS=S.
 * The TTL is T (nmap knows the distance, 1, from U1), or TG when T is above 255. Entries
 * nothing can satisfy stay partly unmatched: a T measured hops away, TI a constant (nmap
 * drops SEQ answers whose IP ID repeats). Prints "osresp: line N: NAME (CLASS)" and then
 * "osresp: ready" on stderr, exits after N seconds (default 60, at most 3600) or on
 * SIGTERM/SIGINT, printing how many probes of each kind it answered. Exit status 0, 1 on a run-time
 * error, 2 on bad arguments or a bad/missing database entry (the message names the file and line).
 */
#include "net/packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DB_DEFAULT "/usr/share/nmap/nmap-os-db"
#define LINE_MAX_LEN 8192
#define NAME_LEN 256
#define VAL_LEN 512
#define MAX_ATTRS 192
#define OPT_MAX 40
#define FRAME_MAX 2048
#define SECONDS_MAX 3600

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* ---- the database entry ---------------------------------------------------------- */

enum test_id { TS_SEQ, TS_OPS, TS_WIN, TS_ECN, TS_T1, TS_U1 = TS_T1 + 7, TS_IE, TS_COUNT };
static const char *const test_names[TS_COUNT] = {"SEQ", "OPS", "WIN", "ECN", "T1", "T2", "T3",
                                                 "T4",  "T5",  "T6",  "T7",  "U1", "IE"};

struct attr {
    uint8_t test;
    char name[8];
    char val[VAL_LEN];
};

struct entry {
    unsigned line;
    char name[NAME_LEN];
    char klass[NAME_LEN]; /* the first Class line */
    int has[TS_COUNT];
    struct attr a[MAX_ATTRS];
    size_t na;
};

static void fail_at(char *err, size_t cap, const char *file, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, cap, "%s:%u: %s", file, line, msg);
}

/* Parses "NAME(A=V%B=W...)" into e; 0, or -1 with err set. */
static int parse_test_line(struct entry *e, const char *s, const char *file, unsigned line,
                           char *err, size_t cap)
{
    const char *open = strchr(s, '(');
    size_t len = strlen(s);
    int t;
    if (!open || len < 2 || s[len - 1] != ')') {
        fail_at(err, cap, file, line, "expected TEST(ATTR=VALUE%%...)");
        return -1;
    }
    for (t = 0; t < TS_COUNT; t++)
        if ((size_t)(open - s) == strlen(test_names[t]) &&
            !strncmp(s, test_names[t], (size_t)(open - s)))
            break;
    if (t == TS_COUNT) {
        fail_at(err, cap, file, line, "unknown test '%.*s'", (int)(open - s), s);
        return -1;
    }
    e->has[t] = 1;
    const char *p = open + 1, *end = s + len - 1;
    while (p < end) {
        const char *pct = memchr(p, '%', (size_t)(end - p));
        const char *q = pct ? pct : end;
        const char *eq = memchr(p, '=', (size_t)(q - p));
        if (!eq || eq == p || (size_t)(eq - p) >= sizeof e->a[0].name ||
            (size_t)(q - eq - 1) >= VAL_LEN) {
            fail_at(err, cap, file, line, "bad attribute at column %zu", (size_t)(p - s) + 1);
            return -1;
        }
        if (e->na == MAX_ATTRS) {
            fail_at(err, cap, file, line, "more than %d attributes in one entry", MAX_ATTRS);
            return -1;
        }
        struct attr *a = &e->a[e->na++];
        a->test = (uint8_t)t;
        memcpy(a->name, p, (size_t)(eq - p));
        a->name[eq - p] = 0;
        memcpy(a->val, eq + 1, (size_t)(q - eq - 1));
        a->val[q - eq - 1] = 0;
        p = q + 1;
    }
    return 0;
}

/* Finds the entry by line number (all digits) or exact name and reads its tests. */
static int db_find(const char *file, const char *want, struct entry *e, char *err, size_t cap)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, cap, "%s: %s", file, strerror(errno));
        return -1;
    }
    char *buf = malloc(LINE_MAX_LEN);
    if (!buf) {
        fclose(f);
        snprintf(err, cap, "out of memory");
        return -1;
    }
    char *endp;
    unsigned long want_line = strtoul(want, &endp, 10);
    int by_line = *want && !*endp && want[0] != '-';
    unsigned line = 0;
    int in = 0, rc = -1;
    memset(e, 0, sizeof *e);
    while (fgets(buf, LINE_MAX_LEN, f)) {
        line++;
        size_t len = strlen(buf);
        if (len == LINE_MAX_LEN - 1 && buf[len - 1] != '\n') {
            fail_at(err, cap, file, line, "line longer than %d bytes", LINE_MAX_LEN - 2);
            goto out;
        }
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = 0;
        int is_fp = !strncmp(buf, "Fingerprint ", 12);
        if (in) {
            if (is_fp || len == 0) {
                rc = 0;
                goto out;
            }
            if (buf[0] == '#')
                continue;
            if (!strncmp(buf, "Class ", 6)) {
                if (!e->klass[0])
                    snprintf(e->klass, sizeof e->klass, "%s", buf + 6);
                continue;
            }
            if (!strncmp(buf, "CPE ", 4))
                continue;
            if (parse_test_line(e, buf, file, line, err, cap))
                goto out;
            continue;
        }
        if (by_line ? line == want_line : (is_fp && !strcmp(buf + 12, want))) {
            if (!is_fp) {
                fail_at(err, cap, file, line, "not a Fingerprint line");
                goto out;
            }
            if (len - 12 >= NAME_LEN) {
                fail_at(err, cap, file, line, "name too long");
                goto out;
            }
            snprintf(e->name, sizeof e->name, "%s", buf + 12);
            e->line = line;
            in = 1;
        }
    }
    if (in)
        rc = 0;
    else if (ferror(f))
        snprintf(err, cap, "%s: read error", file);
    else
        snprintf(err, cap, "%s: no fingerprint %s '%s'", file, by_line ? "at line" : "named", want);
out:
    if (rc == 0 && !e->has[TS_SEQ] && !e->has[TS_T1])
        fail_at(err, cap, file, e->line, "entry has neither SEQ nor T1"), rc = -1;
    free(buf);
    fclose(f);
    return rc;
}

static const char *get(const struct entry *e, int test, const char *name)
{
    for (size_t i = 0; i < e->na; i++)
        if (e->a[i].test == test && !strcmp(e->a[i].name, name))
            return e->a[i].val;
    return NULL;
}

/* ---- choosing values that satisfy an expression --------------------------------- */

/* The first top-level alternative of expr ('|' outside [...]) into out. */
static void first_alt(const char *expr, char *out, size_t cap)
{
    size_t n = 0;
    int depth = 0;
    for (; expr[n] && !(expr[n] == '|' && depth == 0); n++) {
        if (expr[n] == '[')
            depth++;
        else if (expr[n] == ']' && depth)
            depth--;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(out, expr, n);
    out[n] = 0;
}

static int parse_hex(const char *s, size_t n, uint32_t *v)
{
    uint64_t x = 0;
    if (n == 0 || n > 8)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (d < 0)
            return -1;
        x = x * 16 + (uint64_t)d;
    }
    *v = (uint32_t)x;
    return 0;
}

enum pick { PICK_MID, PICK_LOW };

/* A number satisfying one alternative: N, A-B (middle or low end), >N, <N. */
static int alt_num(const char *s, size_t n, enum pick how, uint32_t *v)
{
    uint32_t a, b;
    const char *dash = memchr(s, '-', n);
    if (n && s[0] == '>') {
        if (parse_hex(s + 1, n - 1, &a) || a == UINT32_MAX)
            return -1;
        *v = a + 1;
        return 0;
    }
    if (n && s[0] == '<') {
        if (parse_hex(s + 1, n - 1, &a) || a == 0)
            return -1;
        *v = a - 1;
        return 0;
    }
    if (dash) {
        if (parse_hex(s, (size_t)(dash - s), &a) ||
            parse_hex(dash + 1, n - (size_t)(dash - s) - 1, &b) || b < a)
            return -1;
        *v = how == PICK_LOW ? a : a + (b - a) / 2;
        return 0;
    }
    return parse_hex(s, n, v);
}

/* The first numeric alternative of expr, or dflt when expr is NULL or has none. */
static uint32_t pick_num(const char *expr, enum pick how, uint32_t dflt)
{
    if (!expr)
        return dflt;
    const char *p = expr;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        uint32_t v;
        if (alt_num(p, n, how, &v) == 0)
            return v;
        if (!bar)
            return dflt;
        p = bar + 1;
    }
}

/* ---- TCP options ------------------------------------------------------------------ */

struct topts {
    uint8_t b[OPT_MAX];
    size_t len;
    int ts_off;       /* offset of the timestamp option, -1 none */
    int ts_val, ts_e; /* TSval / TSecr non-zero */
};

/* Expands "[expr]" parts of an options expression: M[>500]ST11 -> M501ST11. */
static int expand_nested(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    while (*in) {
        if (*in == '[') {
            const char *close = strchr(in, ']');
            char sub[VAL_LEN];
            if (!close || (size_t)(close - in - 1) >= sizeof sub)
                return -1;
            memcpy(sub, in + 1, (size_t)(close - in - 1));
            sub[close - in - 1] = 0;
            uint32_t v = pick_num(sub, PICK_MID, UINT32_MAX);
            if (v == UINT32_MAX)
                return -1;
            int w = snprintf(out + o, cap - o, "%X", v);
            if (w < 0 || (size_t)w >= cap - o)
                return -1;
            o += (size_t)w;
            in = close + 1;
            continue;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = *in++;
    }
    out[o] = 0;
    return 0;
}

static size_t hex_run(const char *s)
{
    size_t n = 0;
    while ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'A' && s[n] <= 'F'))
        n++;
    return n;
}

/* Compiles an options string (M5B4NW8ST11, L, N, S, T10, ...) into bytes, padded to a
 * multiple of 4 with EOL. NULL expr: no options. */
static int opts_compile(const char *expr, struct topts *o)
{
    char alt[VAL_LEN], s[VAL_LEN];
    memset(o, 0, sizeof *o);
    o->ts_off = -1;
    if (!expr)
        return 0;
    first_alt(expr, alt, sizeof alt);
    if (expand_nested(alt, s, sizeof s))
        return -1;
    for (const char *p = s; *p;) {
        char k = *p++;
        size_t n = hex_run(p);
        uint32_t v = 0;
        if ((k == 'M' || k == 'W') && parse_hex(p, n, &v))
            return -1;
        switch (k) {
        case 'L':
        case 'N':
            if (o->len + 1 > OPT_MAX)
                return -1;
            o->b[o->len++] = k == 'L' ? 0 : 1;
            break;
        case 'M':
            if (o->len + 4 > OPT_MAX || v > 0xffff)
                return -1;
            o->b[o->len] = 2, o->b[o->len + 1] = 4;
            o->b[o->len + 2] = (uint8_t)(v >> 8), o->b[o->len + 3] = (uint8_t)v;
            o->len += 4, p += n;
            break;
        case 'W':
            if (o->len + 3 > OPT_MAX || v > 0xff)
                return -1;
            o->b[o->len] = 3, o->b[o->len + 1] = 3, o->b[o->len + 2] = (uint8_t)v;
            o->len += 3, p += n;
            break;
        case 'S':
            if (o->len + 2 > OPT_MAX)
                return -1;
            o->b[o->len] = 4, o->b[o->len + 1] = 2;
            o->len += 2;
            break;
        case 'T':
            if (o->len + 10 > OPT_MAX || (p[0] != '0' && p[0] != '1') ||
                (p[1] != '0' && p[1] != '1'))
                return -1;
            o->ts_off = (int)o->len;
            o->ts_val = p[0] == '1', o->ts_e = p[1] == '1';
            memset(o->b + o->len, 0, 10);
            o->b[o->len] = 8, o->b[o->len + 1] = 10;
            o->len += 10, p += 2;
            break;
        default:
            return -1;
        }
    }
    while (o->len % 4)
        o->b[o->len++] = 0;
    return 0;
}

/* ---- the response profile compiled from the entry -------------------------------- */

enum ipcls { IPC_RANDOM, IPC_Z, IPC_I, IPC_BI, IPC_RI, IPC_RD, IPC_CONST };

struct tresp {
    int r, df;
    uint8_t ttl;
    uint16_t win;
    char smode, amode; /* S: Z A + O;  A: Z S + O */
    uint8_t flags;
    struct topts opts;
    int q_res, q_urp;
    int has_rd; /* a RST carries 4 bytes of data whose CRC-32 is rd */
    uint32_t rd;
};

struct prof {
    struct tresp t[7]; /* T1..T7 */
    struct tresp ecn;
    struct topts ops[6];
    uint16_t win[6];
    uint32_t gcd;      /* 0: constant ISN */
    double rate, sdev; /* ISN increments per second: mean, standard deviation */
    double pat[5];     /* deviation of each of the 5 intervals, in units of sdev */
    int ts_zero;       /* TS=0 */
    double ts_hz;      /* timestamp clock */
    enum ipcls ti, ci, ii;
    uint16_t ti_c, ci_c, ii_c; /* constant values */
    int ss_shared;
    int u_r, u_df;
    uint8_t u_ttl;
    uint16_t ipl, ripl, rid, ruck;
    uint32_t un;
    int ripl_g, rid_g, ruck_g, rud_g;
    char ripck;
    int ie_r;
    char dfi, cd_mode;
    uint8_t ie_ttl, cd;
};

static uint8_t flags_of(const char *s)
{
    static const char letters[] = "EUAPRSF";
    static const uint8_t bits[] = {TH_ECE, TH_URG, TH_ACK, TH_PSH, TH_RST, TH_SYN, TH_FIN};
    uint8_t f = 0;
    for (; s && *s; s++) {
        const char *c = strchr(letters, *s);
        if (c)
            f |= bits[c - letters];
    }
    return f;
}

static enum ipcls ipcls_of(const char *expr, uint16_t *cval)
{
    char v[VAL_LEN];
    uint32_t x;
    if (!expr)
        return IPC_I;
    first_alt(expr, v, sizeof v);
    if (!strcmp(v, "Z"))
        return IPC_Z;
    if (!strcmp(v, "I"))
        return IPC_I;
    if (!strcmp(v, "BI"))
        return IPC_BI;
    if (!strcmp(v, "RI"))
        return IPC_RI;
    if (!strcmp(v, "RD"))
        return IPC_RD;
    if (alt_num(v, strlen(v), PICK_MID, &x) == 0 && x <= 0xffff) {
        *cval = (uint16_t)x;
        return IPC_CONST;
    }
    return IPC_RANDOM;
}

/* The first alternative of attribute test.name into v, or dflt when the entry lacks it. */
static const char *attr_alt(const struct entry *e, int test, const char *name, const char *dflt,
                            char *v, size_t cap)
{
    const char *x = get(e, test, name);
    first_alt(x ? x : dflt, v, cap);
    return v;
}

static int yes(const struct entry *e, int test, const char *name, const char *dflt)
{
    char v[VAL_LEN];
    return attr_alt(e, test, name, dflt, v, sizeof v)[0] == 'Y';
}

/* T (the initial TTL nmap computes once U1 told it the distance: ours is 1) unless it is
 * out of reach, then TG (what nmap guesses from the TTL without U1). */
static uint8_t ttl_of(const struct entry *e, int test, uint8_t dflt)
{
    uint32_t v = pick_num(get(e, test, "T"), PICK_MID, 0);
    if (v == 0 || v > 255)
        v = pick_num(get(e, test, "TG"), PICK_MID, v > 255 ? 255 : dflt);
    return (uint8_t)(v > 255 ? 255 : v);
}

/* S or A of a test as one letter: Z, A/S, + (A+/S+), O. */
static char mode_of(const struct entry *e, int test, const char *name, const char *dflt)
{
    char v[VAL_LEN];
    attr_alt(e, test, name, dflt, v, sizeof v);
    return v[0] && v[1] == '+' ? '+' : v[0] ? v[0] : 'O';
}

/* Reads test t (T1..T7 or ECN) into r; defaults are those of a plain stack. */
static int tresp_compile(const struct entry *e, int t, uint8_t ttl, struct tresp *r)
{
    int closed = t >= TS_T1 + 4;
    memset(r, 0, sizeof *r);
    int syn = t == TS_ECN || t == TS_T1;
    char v[VAL_LEN];
    r->r = yes(e, t, "R", "Y");
    r->df = yes(e, t, "DF", "N");
    r->ttl = ttl_of(e, t, ttl);
    r->win = (uint16_t)pick_num(get(e, t, "W"), PICK_MID, t == TS_ECN ? 0xffff : 0);
    r->smode = mode_of(e, t, "S", syn ? "O" : closed ? "A" : "Z");
    r->amode = mode_of(e, t, "A", "S+");
    r->flags = flags_of(attr_alt(e, t, "F", syn ? "AS" : "AR", v, sizeof v));
    const char *f = get(e, t, "F");
    if (t == TS_T1 && f && (r->flags & (TH_SYN | TH_ACK)) != (TH_SYN | TH_ACK)) {
        /* an alternative with SYN/ACK, if any, so that port scans find the open port */
        for (const char *bar = strchr(f, '|'); bar; bar = strchr(bar + 1, '|')) {
            first_alt(bar + 1, v, sizeof v);
            if ((flags_of(v) & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
                r->flags = flags_of(v);
                break;
            }
        }
    }
    attr_alt(e, t, "Q", "", v, sizeof v);
    r->q_res = strchr(v, 'R') != NULL;
    r->q_urp = strchr(v, 'U') != NULL;
    r->rd = pick_num(get(e, t, "RD"), PICK_MID, 0);
    r->has_rd = r->rd != 0 && (r->flags & TH_RST);
    return opts_compile(get(e, t, "O"), &r->opts);
}

static int prof_compile(const struct entry *e, struct prof *p, const char *file, char *err,
                        size_t cap)
{
    char v[VAL_LEN];
    uint8_t ttl = 64;
    memset(p, 0, sizeof *p);
    for (int t = TS_ECN; t < TS_COUNT; t++)
        if (ttl_of(e, t, 0)) {
            ttl = ttl_of(e, t, 0);
            break;
        }
    for (int i = 0; i < 7; i++)
        if (tresp_compile(e, TS_T1 + i, ttl, &p->t[i])) {
            fail_at(err, cap, file, e->line, "bad O of T%d", i + 1);
            return -1;
        }
    if (tresp_compile(e, TS_ECN, ttl, &p->ecn)) {
        fail_at(err, cap, file, e->line, "bad O of ECN");
        return -1;
    }
    p->ecn.flags = TH_SYN | TH_ACK;
    attr_alt(e, TS_ECN, "CC", "N", v, sizeof v);
    p->ecn.flags |= v[0] == 'Y' ? TH_ECE : v[0] == 'S' ? TH_ECE | TH_CWR : v[0] == 'O' ? TH_CWR : 0;
    for (int i = 0; i < 6; i++) {
        char name[4] = {'O', (char)('1' + i), 0, 0};
        const char *o = get(e, TS_OPS, name);
        if (opts_compile(o ? o : "M5B4", &p->ops[i])) {
            fail_at(err, cap, file, e->line, "bad OPS %s", name);
            return -1;
        }
        name[0] = 'W';
        p->win[i] = (uint16_t)pick_num(get(e, TS_WIN, name), PICK_MID, 0xffff);
    }
    /* SEQ */
    p->gcd = pick_num(get(e, TS_SEQ, "GCD"), PICK_LOW, 1);
    double isr = pick_num(get(e, TS_SEQ, "ISR"), PICK_MID, 0x108);
    double sp = pick_num(get(e, TS_SEQ, "SP"), PICK_MID, 0x100);
    p->rate = pow(2.0, isr / 8.0);
    p->sdev = sp == 0 ? 0 : pow(2.0, sp / 8.0) * (p->gcd > 9 ? p->gcd : 1);
    static const double sym[5] = {1, -1, 1, -1, 0}, skew[5] = {4, -1, -1, -1, -1};
    if (p->sdev < 0.9 * p->rate) {
        memcpy(p->pat, sym, sizeof sym);
    } else {
        /* one interval far above the mean: stddev = c*sqrt(5) with deviations 4c, -c x4 */
        double c = p->sdev / sqrt(5.0);
        if (c > 0.95 * p->rate)
            c = 0.95 * p->rate;
        for (int i = 0; i < 5; i++)
            p->pat[i] = skew[i] * c / (p->sdev > 0 ? p->sdev : 1);
    }
    attr_alt(e, TS_SEQ, "TS", "7", v, sizeof v);
    uint32_t ts;
    p->ts_zero = !strcmp(v, "0");
    if (alt_num(v, strlen(v), PICK_MID, &ts) || ts == 0)
        ts = 7;
    p->ts_hz = ts == 1 ? 2.5 : ts == 7 ? 100 : ts == 8 ? 200 : pow(2.0, ts > 34 ? 34 : ts);
    p->ti = ipcls_of(get(e, TS_SEQ, "TI"), &p->ti_c);
    p->ci = ipcls_of(get(e, TS_SEQ, "CI"), &p->ci_c);
    p->ii = ipcls_of(get(e, TS_SEQ, "II"), &p->ii_c);
    attr_alt(e, TS_SEQ, "SS", "O", v, sizeof v);
    p->ss_shared = v[0] == 'S';
    /* U1 */
    p->u_r = yes(e, TS_U1, "R", "Y");
    p->u_df = yes(e, TS_U1, "DF", "N");
    p->u_ttl = ttl_of(e, TS_U1, ttl);
    p->ipl = (uint16_t)pick_num(get(e, TS_U1, "IPL"), PICK_MID, 0x164);
    p->un = pick_num(get(e, TS_U1, "UN"), PICK_MID, 0);
    attr_alt(e, TS_U1, "RIPL", "G", v, sizeof v);
    p->ripl_g = !strcmp(v, "G");
    p->ripl = (uint16_t)pick_num(v, PICK_MID, 328);
    attr_alt(e, TS_U1, "RID", "G", v, sizeof v);
    p->rid_g = !strcmp(v, "G");
    p->rid = (uint16_t)pick_num(v, PICK_MID, 0x1042);
    attr_alt(e, TS_U1, "RIPCK", "G", v, sizeof v);
    p->ripck = v[0] ? v[0] : 'G';
    attr_alt(e, TS_U1, "RUCK", "G", v, sizeof v);
    p->ruck_g = !strcmp(v, "G");
    p->ruck = (uint16_t)pick_num(v, PICK_MID, 0);
    attr_alt(e, TS_U1, "RUD", "G", v, sizeof v);
    p->rud_g = v[0] != 'I';
    /* IE */
    p->ie_r = yes(e, TS_IE, "R", "Y");
    attr_alt(e, TS_IE, "DFI", "N", v, sizeof v);
    p->dfi = v[0] ? v[0] : 'N';
    p->ie_ttl = ttl_of(e, TS_IE, ttl);
    attr_alt(e, TS_IE, "CD", "Z", v, sizeof v);
    p->cd_mode = !strcmp(v, "Z") || !strcmp(v, "S") || !strcmp(v, "O") ? v[0] : 'V';
    p->cd = (uint8_t)pick_num(v, PICK_MID, 0);
    return 0;
}

/* ---- run-time state ---------------------------------------------------------------- */

struct ipidgen {
    enum ipcls cls;
    uint16_t cur, cval;
};

struct seqround {
    int active, last_idx, answered[6];
    double last_t;
    uint32_t isn[6], probe_seq[6], last_isn;
    unsigned nint;    /* intervals so far */
    uint64_t first_m; /* multiplier of the first interval */
};

struct resp {
    struct prof p;
    int fd, ifindex;
    uint8_t mac[6];
    uint32_t addr; /* host order */
    uint16_t port;
    uint64_t rng;
    struct ipidgen g_tcp, g_closed, g_icmp;
    struct seqround sr;
    double t0;
    uint32_t ts_base;
    uint32_t crctab[256]; /* CRC-32 (IEEE, as nmap's RD test) */
    int has_seq;          /* the entry has a SEQ test */
    int verbose;
    unsigned long n_seq, n_syn, n_ecn, n_t[7], n_u1, n_ie, n_bad;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t rnd(struct resp *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return (uint32_t)((r->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

static uint16_t ipid_next(struct resp *r, struct ipidgen *g)
{
    uint32_t inc;
    switch (g->cls) {
    case IPC_Z:
        return 0;
    case IPC_CONST:
        return g->cval;
    case IPC_I:
        return ++g->cur;
    case IPC_BI:
        return g->cur = (uint16_t)(g->cur + 256);
    case IPC_RI:
        inc = 1001 + rnd(r) % 800;
        if (inc % 256 == 0)
            inc++;
        return g->cur = (uint16_t)(g->cur + inc);
    case IPC_RD:
        return g->cur = (uint16_t)(g->cur + 20001 + rnd(r) % 25000);
    default:
        return (uint16_t)rnd(r);
    }
}

/* Counters restart low at each SEQ round, so that none wraps within a round (nmap reads a
 * wrap as a random sequence); a separate ICMP counter starts far above the TCP one (SS=O). */
static void ipid_reset(struct resp *r)
{
    r->g_tcp.cur = (uint16_t)(1000 + rnd(r) % 4000);
    r->g_closed.cur = (uint16_t)(r->g_tcp.cur + 100);
    r->g_icmp.cur = (uint16_t)(40000 + rnd(r) % 4000);
}

static struct ipidgen *gen_closed(struct resp *r)
{
    enum ipcls c = r->p.ti;
    return r->p.ci == c && (c == IPC_I || c == IPC_BI || c == IPC_RI) ? &r->g_tcp : &r->g_closed;
}

static struct ipidgen *gen_icmp(struct resp *r)
{
    return r->p.ss_shared ? &r->g_tcp : &r->g_icmp;
}

static uint32_t ts_now(struct resp *r, double t)
{
    double v = r->p.ts_hz * (t - r->t0);
    uint32_t x = r->ts_base + (uint32_t)fmod(v, 4294967296.0);
    return x ? x : 1;
}

/* ---- packets ---------------------------------------------------------------------- */

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)(v >> 16)), wr16(p + 2, (uint16_t)v);
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static void crc_init(uint32_t *tab)
{
    for (uint32_t k = 0; k < 256; k++) {
        uint32_t c = k;
        for (int i = 0; i < 8; i++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        tab[k] = c;
    }
}

/* Four bytes whose CRC-32 is want: the table index of each step is found backwards from
 * the final register (the top bytes of the table entries are all different), then the
 * bytes forwards from the initial register. */
static void crc_forge(const uint32_t *tab, uint32_t want, uint8_t out[4])
{
    uint8_t idx[4];
    uint32_t f = ~want;
    for (int j = 3; j >= 0; j--) {
        int k = 0;
        while (k < 255 && (tab[k] >> 24) != (f >> 24))
            k++;
        idx[j] = (uint8_t)k;
        f = (f ^ tab[k]) << 8;
    }
    uint32_t c = 0xFFFFFFFFu;
    for (int j = 0; j < 4; j++) {
        out[j] = (uint8_t)((c ^ idx[j]) & 0xff);
        c = tab[idx[j]] ^ (c >> 8);
    }
}

/* A received IPv4 datagram for us. */
struct in_pkt {
    const uint8_t *ip, *l4;
    size_t iplen, l4len;
    uint32_t src;
    uint8_t proto, mac[6];
    double t;
};

/* Frames the datagram in out (IP header at out+14, l4len bytes of transport after it)
 * and sends it back to the sender of in. */
static void send_ip(struct resp *r, const struct in_pkt *in, uint8_t *out, size_t l4len,
                    uint8_t proto, uint16_t id, int df, uint8_t ttl)
{
    uint8_t *ip = out + 14;
    size_t tot = 20 + l4len;
    memcpy(out, in->mac, 6);
    memcpy(out + 6, r->mac, 6);
    wr16(out + 12, ETH_P_IP);
    ip[0] = 0x45, ip[1] = 0;
    wr16(ip + 2, (uint16_t)tot);
    wr16(ip + 4, id);
    wr16(ip + 6, df ? 0x4000 : 0);
    ip[8] = ttl, ip[9] = proto;
    wr16(ip + 10, 0);
    wr32(ip + 12, r->addr);
    wr32(ip + 16, in->src);
    wr16(ip + 10, pkt_cksum(ip, 20, 0));
    struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                              .sll_protocol = htons(ETH_P_IP),
                              .sll_ifindex = r->ifindex,
                              .sll_halen = 6};
    memcpy(sll.sll_addr, in->mac, 6);
    if (sendto(r->fd, out, 14 + tot, 0, (struct sockaddr *)&sll, sizeof sll) < 0 && r->verbose)
        fprintf(stderr, "osresp: sendto: %s\n", strerror(errno));
}

static uint32_t pseudo(const struct resp *r, const struct in_pkt *in, uint8_t proto, size_t len)
{
    uint32_t s = (r->addr >> 16) + (r->addr & 0xffff) + (in->src >> 16) + (in->src & 0xffff);
    return s + proto + (uint32_t)len;
}

/* Sends a TCP segment answering in: sequence numbers, flags, window, options of the profile
 * test, IP ID from g. */
static void send_tcp(struct resp *r, const struct in_pkt *in, const struct tresp *tr,
                     const struct topts *opts, uint16_t win, uint32_t seq, uint32_t ack,
                     struct ipidgen *g)
{
    uint8_t out[FRAME_MAX];
    uint8_t *t = out + 34;
    size_t thl = 20 + opts->len, dlen = tr->has_rd ? 4 : 0;
    uint32_t probe_ts = 0;
    /* the probe's TSval, echoed when TSecr is to be non-zero */
    size_t doff = (size_t)(in->l4[12] >> 4) * 4;
    for (size_t i = 20; i < doff;) {
        uint8_t k = in->l4[i];
        if (k == 0)
            break;
        if (k == 1) {
            i++;
            continue;
        }
        if (i + 1 >= doff || in->l4[i + 1] < 2 || i + in->l4[i + 1] > doff)
            break;
        if (k == 8 && in->l4[i + 1] == 10)
            probe_ts = rd32(in->l4 + i + 2);
        i += in->l4[i + 1];
    }
    memset(t, 0, thl);
    wr16(t, rd16(in->l4 + 2));
    wr16(t + 2, rd16(in->l4));
    wr32(t + 4, seq);
    wr32(t + 8, ack);
    t[12] = (uint8_t)((thl / 4) << 4 | (tr->q_res ? 0x4 : 0));
    t[13] = tr->flags;
    wr16(t + 14, win);
    wr16(t + 18, tr->q_urp && !(tr->flags & TH_URG) ? 0xF7F5 : 0);
    memcpy(t + 20, opts->b, opts->len);
    if (opts->ts_off >= 0) {
        uint8_t *o = t + 20 + opts->ts_off;
        wr32(o + 2, opts->ts_val ? (r->p.ts_zero ? 0 : ts_now(r, in->t)) : 0);
        wr32(o + 6, opts->ts_e ? (probe_ts ? probe_ts : 1) : 0);
    }
    if (dlen)
        crc_forge(r->crctab, tr->rd, t + thl);
    wr16(t + 16, pkt_cksum(t, thl + dlen, pseudo(r, in, IPPROTO_TCP, thl + dlen)));
    send_ip(r, in, out, thl + dlen, IPPROTO_TCP, ipid_next(r, g), tr->df, tr->ttl);
}

static uint32_t other_than(struct resp *r, uint32_t a, uint32_t b)
{
    uint32_t x;
    do
        x = rnd(r);
    while (x == 0 || x == a || x == b);
    return x;
}

/* The sequence number a test's S says (Z, A: the probe's ack, A+, O: other). */
static uint32_t seq_of(struct resp *r, char mode, uint32_t pack)
{
    return mode == 'Z'   ? 0
           : mode == 'A' ? pack
           : mode == '+' ? pack + 1
                         : other_than(r, pack, pack + 1);
}

/* The acknowledgment number a test's A says (Z, S: the probe's seq, S+, O: other). */
static uint32_t ack_of(struct resp *r, char mode, uint32_t pseq)
{
    return mode == 'Z'   ? 0
           : mode == 'S' ? pseq
           : mode == '+' ? pseq + 1
                         : other_than(r, pseq, pseq + 1);
}

/* T1-T7 and the ECN answer: S and A from the probe as the test says. */
static void answer_t(struct resp *r, const struct in_pkt *in, const struct tresp *tr,
                     const struct topts *opts, uint16_t win, struct ipidgen *g)
{
    if (tr->r)
        send_tcp(r, in, tr, opts, win, seq_of(r, tr->smode, rd32(in->l4 + 8)),
                 ack_of(r, tr->amode, rd32(in->l4 + 4)), g);
}

static void answer_test(struct resp *r, const struct in_pkt *in, const struct tresp *tr,
                        struct ipidgen *g)
{
    answer_t(r, in, tr, &tr->opts, tr->win, g);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t c = a % b;
        a = b, b = c;
    }
    return a;
}

/* The ISN for SEQ probe idx arriving at time t with sequence number pseq. */
static uint32_t seq_isn(struct resp *r, int idx, uint32_t pseq, double t)
{
    struct seqround *s = &r->sr;
    const struct prof *p = &r->p;
    if (s->active && s->answered[idx] && s->probe_seq[idx] == pseq)
        return s->isn[idx]; /* a retransmission */
    if (!s->active || idx <= s->last_idx || t - s->last_t > 3.0 || s->nint >= 5) {
        memset(s, 0, sizeof *s);
        s->active = 1;
        s->last_isn = other_than(r, 0, 0);
        ipid_reset(r);
    } else if (p->gcd == 0) {
        /* constant ISN */
    } else {
        double dt = t - s->last_t;
        if (dt < 1e-4)
            dt = 1e-4;
        double rate = p->rate + p->sdev * p->pat[s->nint];
        double diff = rate * dt;
        double max = 2147483647.0 - p->gcd;
        if (diff > max)
            diff = max;
        uint64_t m = (uint64_t)llround(diff / p->gcd);
        if (m < 1)
            m = 1;
        if (s->nint == 0)
            s->first_m = m;
        else if (s->nint == 1)
            while (gcd64(m, s->first_m) != 1)
                m++; /* the GCD of all differences is then exactly gcd */
        uint32_t isn = s->last_isn + (uint32_t)(m * p->gcd);
        s->last_isn = isn ? isn : isn + p->gcd;
        s->nint++;
    }
    s->last_idx = idx;
    s->last_t = t;
    s->answered[idx] = 1;
    s->probe_seq[idx] = pseq;
    s->isn[idx] = s->last_isn;
    return s->last_isn;
}

/* Which of the six SEQ probes a SYN is (window, first option), or -1. */
static int seq_index(const struct in_pkt *in)
{
    uint16_t win = rd16(in->l4 + 14);
    size_t doff = (size_t)(in->l4[12] >> 4) * 4;
    uint8_t first = doff > 20 ? in->l4[20] : 0xff;
    switch (win) {
    case 1:
        return 0;
    case 63:
        return 1;
    case 4:
        return first == 8 ? 2 : 3;
    case 16:
        return 4;
    case 512:
        return 5;
    default:
        return -1;
    }
}

static void on_tcp(struct resp *r, const struct in_pkt *in)
{
    if (in->l4len < 20)
        return;
    size_t doff = (size_t)(in->l4[12] >> 4) * 4;
    if (doff < 20 || doff > in->l4len) {
        r->n_bad++;
        return;
    }
    uint8_t f = in->l4[13];
    uint32_t pseq = rd32(in->l4 + 4);
    const struct prof *p = &r->p;
    if (f & TH_RST)
        return;
    if (rd16(in->l4 + 2) != r->port) {
        int ti = f & TH_SYN ? 4 : (f & TH_ACK) ? 5 : 6;
        r->n_t[ti]++;
        answer_test(r, in, &p->t[ti], gen_closed(r));
        return;
    }
    if ((f & (TH_SYN | TH_ECE | TH_CWR)) == (TH_SYN | TH_ECE | TH_CWR) && !(f & TH_FIN)) {
        r->n_ecn++;
        answer_test(r, in, &p->ecn, &r->g_tcp);
    } else if (f == TH_SYN) {
        int idx = seq_index(in);
        const struct tresp *t1 = &p->t[0];
        if (!t1->r)
            return;
        int o = idx < 0 ? 0 : idx; /* the port scan's SYN is answered as the first */
        if (idx >= 0)
            r->n_seq++;
        else
            r->n_syn++;
        if (!r->has_seq && t1->smode != 'O') {
            answer_t(r, in, t1, &p->ops[o], p->win[o], &r->g_tcp);
            return;
        }
        uint32_t isn = idx >= 0 ? seq_isn(r, idx, pseq, in->t) : other_than(r, 0, 0);
        send_tcp(r, in, t1, &p->ops[o], p->win[o], isn, ack_of(r, t1->amode, pseq), &r->g_tcp);
    } else if (f == 0) {
        r->n_t[1]++;
        answer_test(r, in, &p->t[1], &r->g_tcp);
    } else if ((f & TH_SYN) && (f & TH_FIN)) {
        r->n_t[2]++;
        answer_test(r, in, &p->t[2], &r->g_tcp);
    } else if (f & TH_ACK) {
        r->n_t[3]++;
        answer_test(r, in, &p->t[3], &r->g_tcp);
    }
    /* FIN, NULL+PSH, ... to an open port: silence, as RFC 793 hosts do */
}

static void on_udp(struct resp *r, const struct in_pkt *in)
{
    const struct prof *p = &r->p;
    uint8_t out[FRAME_MAX];
    uint8_t *icmp = out + 34;
    if (in->l4len < 8 || !p->u_r)
        return;
    size_t quote = p->ipl > 28 ? (size_t)p->ipl - 28 : 0;
    if (quote > 20 + 8 + 576)
        quote = 20 + 8 + 576;
    if (quote > FRAME_MAX - 34 - 8)
        quote = FRAME_MAX - 34 - 8;
    uint8_t *q = icmp + 8;
    size_t have = in->iplen < quote ? in->iplen : quote;
    memset(icmp, 0, 8 + quote);
    memcpy(q, in->ip, have);
    icmp[0] = 3, icmp[1] = 3;
    wr32(icmp + 4, p->un);
    size_t ihl = (size_t)(in->ip[0] & 0xf) * 4;
    if (quote >= 20) {
        if (!p->ripl_g)
            wr16(q + 2, p->ripl);
        if (!p->rid_g)
            wr16(q + 4, p->rid);
        wr16(q + 10, 0);
        uint16_t ck = pkt_cksum(q, 20, 0);
        wr16(q + 10, p->ripck == 'Z' ? 0 : p->ripck == 'I' ? (uint16_t)(ck ^ 0x5a5a) : ck);
    }
    if (quote >= ihl + 8) {
        if (!p->ruck_g)
            wr16(q + ihl + 6, p->ruck);
        if (!p->rud_g && have > ihl + 8)
            q[ihl + 8] ^= 0xff;
    }
    wr16(icmp + 2, pkt_cksum(icmp, 8 + quote, 0));
    r->n_u1++;
    send_ip(r, in, out, 8 + quote, IPPROTO_ICMP, ipid_next(r, gen_icmp(r)), p->u_df, p->u_ttl);
}

static void on_icmp(struct resp *r, const struct in_pkt *in)
{
    const struct prof *p = &r->p;
    uint8_t out[FRAME_MAX];
    uint8_t *icmp = out + 34;
    if (in->l4len < 8 || in->l4[0] != 8 || !p->ie_r || in->l4len > FRAME_MAX - 34)
        return;
    int probe_df = (rd16(in->ip + 6) & 0x4000) != 0;
    uint8_t code = in->l4[1];
    int df = p->dfi == 'Y' ? 1 : p->dfi == 'S' ? probe_df : p->dfi == 'O' ? !probe_df : 0;
    memcpy(icmp, in->l4, in->l4len);
    icmp[0] = 0;
    icmp[1] = p->cd_mode == 'Z'   ? 0
              : p->cd_mode == 'S' ? code
              : p->cd_mode == 'V' ? p->cd
                                  : code + 1;
    wr16(icmp + 2, 0);
    wr16(icmp + 2, pkt_cksum(icmp, in->l4len, 0));
    r->n_ie++;
    send_ip(r, in, out, in->l4len, IPPROTO_ICMP, ipid_next(r, gen_icmp(r)), df, p->ie_ttl);
}

/* Checks a frame and dispatches an IPv4 datagram for our address. */
static void on_frame(struct resp *r, const uint8_t *f, size_t len, double t)
{
    struct in_pkt in = {.t = t};
    if (len < 14 + 20 || rd16(f + 12) != ETH_P_IP)
        return;
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = rd16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || tot > len - 14) {
        r->n_bad++;
        return;
    }
    if (rd32(ip + 16) != r->addr || (rd16(ip + 6) & 0x3fff))
        return; /* not ours, or a fragment */
    memcpy(in.mac, f + 6, 6);
    in.ip = ip, in.iplen = tot, in.l4 = ip + ihl, in.l4len = tot - ihl;
    in.src = rd32(ip + 12), in.proto = ip[9];
    if (in.proto == IPPROTO_TCP)
        on_tcp(r, &in);
    else if (in.proto == IPPROTO_UDP)
        on_udp(r, &in);
    else if (in.proto == IPPROTO_ICMP)
        on_icmp(r, &in);
}

/* ---- main -------------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: osresp --fp LINE|NAME --iface IF --addr A.B.C.D --port P "
                    "[--db FILE] [--seconds N] [--seed N] [-v]\n");
    return 2;
}

static int open_iface(struct resp *r, const char *ifname)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (strlen(ifname) >= sizeof ifr.ifr_name) {
        fprintf(stderr, "osresp: interface name too long\n");
        return -1;
    }
    r->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    if (r->fd < 0) {
        fprintf(stderr, "osresp: AF_PACKET socket: %s\n", strerror(errno));
        return -1;
    }
    r->ifindex = (int)if_nametoindex(ifname);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    if (!r->ifindex || ioctl(r->fd, SIOCGIFHWADDR, &ifr) < 0) {
        fprintf(stderr, "osresp: interface %s: %s\n", ifname, strerror(errno));
        return -1;
    }
    memcpy(r->mac, ifr.ifr_hwaddr.sa_data, 6);
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = r->ifindex};
    if (bind(r->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        fprintf(stderr, "osresp: bind %s: %s\n", ifname, strerror(errno));
        return -1;
    }
    return 0;
}

static int run(struct resp *r, double seconds)
{
    uint8_t buf[FRAME_MAX];
    double end = now_s() + seconds;
    fprintf(stderr, "osresp: ready\n");
    while (!stop_flag) {
        double left = end - now_s();
        if (left <= 0)
            break;
        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
        int n = poll(&pfd, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "osresp: poll: %s\n", strerror(errno));
            return 1;
        }
        if (n <= 0)
            continue;
        for (int i = 0; i < 64; i++) {
            struct sockaddr_ll from;
            socklen_t fl = sizeof from;
            ssize_t got = recvfrom(r->fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC,
                                   (struct sockaddr *)&from, &fl);
            if (got < 0)
                break;
            if (from.sll_pkttype == PACKET_OUTGOING)
                continue;
            if ((size_t)got > sizeof buf) {
                r->n_bad++;
                continue;
            }
            on_frame(r, buf, (size_t)got, now_s());
        }
    }
    fprintf(stderr,
            "osresp: answered seq=%lu syn=%lu ecn=%lu t2=%lu t3=%lu t4=%lu t5=%lu t6=%lu "
            "t7=%lu u1=%lu ie=%lu bad=%lu\n",
            r->n_seq, r->n_syn, r->n_ecn, r->n_t[1], r->n_t[2], r->n_t[3], r->n_t[4], r->n_t[5],
            r->n_t[6], r->n_u1, r->n_ie, r->n_bad);
    return 0;
}

int main(int argc, char **argv)
{
    const char *db = DB_DEFAULT, *fp = NULL, *ifname = NULL, *addr = NULL;
    unsigned long port = 0, seconds = 60, seed = 0;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-v")) {
            verbose = 1;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        char *end = NULL;
        if (!strcmp(o, "--db"))
            db = v;
        else if (!strcmp(o, "--fp"))
            fp = v;
        else if (!strcmp(o, "--iface"))
            ifname = v;
        else if (!strcmp(o, "--addr"))
            addr = v;
        else if (!strcmp(o, "--port"))
            port = strtoul(v, &end, 10);
        else if (!strcmp(o, "--seconds"))
            seconds = strtoul(v, &end, 10);
        else if (!strcmp(o, "--seed"))
            seed = strtoul(v, &end, 10);
        else
            return usage();
        if (end && (*end || !*v || *v == '-'))
            return usage();
    }
    struct in_addr ia;
    if (!fp || !ifname || !addr || inet_pton(AF_INET, addr, &ia) != 1 || port < 1 || port > 65535 ||
        seconds < 1 || seconds > SECONDS_MAX)
        return usage();

    struct resp *r = calloc(1, sizeof *r);
    struct entry *e = calloc(1, sizeof *e);
    char err[512];
    if (!r || !e) {
        fprintf(stderr, "osresp: out of memory\n");
        return 1;
    }
    if (db_find(db, fp, e, err, sizeof err) || prof_compile(e, &r->p, db, err, sizeof err)) {
        fprintf(stderr, "osresp: %s\n", err);
        return 2;
    }
    fprintf(stderr, "osresp: line %u: %s (%s)\n", e->line, e->name, e->klass);
    r->has_seq = e->has[TS_SEQ];
    free(e);
    r->verbose = verbose;
    r->addr = ntohl(ia.s_addr);
    r->port = (uint16_t)port;
    r->rng = seed ? seed : (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
    r->rng |= 1;
    r->g_tcp.cls = r->p.ti, r->g_tcp.cval = r->p.ti_c;
    r->g_closed.cls = r->p.ci, r->g_closed.cval = r->p.ci_c;
    r->g_icmp.cls = r->p.ii, r->g_icmp.cval = r->p.ii_c;
    ipid_reset(r);
    crc_init(r->crctab);
    r->t0 = now_s();
    /* an uptime of 1 hour to 11 days at the TS rate (nmap prints it as "Uptime guess") */
    r->ts_base = 1 + (uint32_t)fmod(r->p.ts_hz * (3600 + rnd(r) % 950400), 4294967295.0);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (open_iface(r, ifname))
        return 1;
    int rc = run(r, (double)seconds);
    close(r->fd);
    free(r);
    return rc;
}
