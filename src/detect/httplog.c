/* httplog.c — see httplog.h. */
#include "detect/httplog.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_ITEMS 64

/* ---------------------------------------------------------------- helpers */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits at s[*i]; -1 when they are not there. */
static int digits(const char *s, size_t len, size_t *i, unsigned n, int *out)
{
    int v = 0;
    for (unsigned k = 0; k < n; k++, (*i)++) {
        if (*i >= len || !is_digit(s[*i]))
            return -1;
        v = v * 10 + (s[*i] - '0');
    }
    *out = v;
    return 0;
}

static int month_of(const char *s, size_t len, size_t i)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (i + 3 > len)
        return -1;
    for (int m = 0; m < 12; m++)
        if (!strncmp(names + 3 * m, s + i, 3))
            return m;
    return -1;
}

/* Optional ".digits" (microseconds) at s[*i]. */
static uint64_t fraction(const char *s, size_t len, size_t *i)
{
    uint64_t us = 0, scale = 100000;
    if (*i < len && s[*i] == '.') {
        (*i)++;
        while (*i < len && is_digit(s[*i])) {
            us += (uint64_t)(s[*i] - '0') * scale;
            scale /= 10;
            (*i)++;
        }
    }
    return us;
}

/* Optional zone "Z", "+hh:mm" or "+hhmm" at s[*i]: seconds east of UTC in *off. */
static int zone(const char *s, size_t len, size_t *i, long *off)
{
    *off = 0;
    if (*i < len && s[*i] == ' ')
        (*i)++;
    if (*i >= len)
        return 0;
    if (s[*i] == 'Z') {
        (*i)++;
        return 0;
    }
    if (s[*i] != '+' && s[*i] != '-')
        return 0;
    int sign = s[*i] == '-' ? -1 : 1, h, m;
    (*i)++;
    if (digits(s, len, i, 2, &h) < 0)
        return -1;
    if (*i < len && s[*i] == ':')
        (*i)++;
    if (digits(s, len, i, 2, &m) < 0)
        return -1;
    *off = sign * (h * 3600L + m * 60L);
    return 0;
}

static int make_time(struct tm *tm, long off, uint64_t us, uint64_t *ts_us)
{
    if (tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 || tm->tm_mday > 31 ||
        tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60 || tm->tm_year < 70 ||
        tm->tm_year > 1100)
        return -1;
    time_t t = timegm(tm);
    if (t < 0 || (long long)t - off < 0)
        return -1;
    *ts_us = (uint64_t)((long long)t - off) * 1000000u + us;
    return 0;
}

int det_http_time(const char *s, size_t len, uint64_t *ts_us)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    size_t i = 0;
    long off = 0;
    int y, mo, d, h, mi, se;
    while (len && (s[len - 1] == ' ' || s[len - 1] == ']'))
        len--;
    if (len && s[0] == '[')
        i++;
    if (len >= i + 11 && is_digit(s[i]) && s[i + 2] == '/') { /* CLF */
        if (digits(s, len, &i, 2, &d) < 0 || s[i++] != '/' || (mo = month_of(s, len, i)) < 0)
            return -1;
        i += 3;
        if (i >= len || s[i++] != '/' || digits(s, len, &i, 4, &y) < 0 || i >= len ||
            s[i++] != ':' || digits(s, len, &i, 2, &h) < 0 || i >= len || s[i++] != ':' ||
            digits(s, len, &i, 2, &mi) < 0 || i >= len || s[i++] != ':' ||
            digits(s, len, &i, 2, &se) < 0)
            return -1;
    } else if (len >= i + 19 && is_digit(s[i]) && s[i + 4] == '-') { /* ISO 8601 */
        if (digits(s, len, &i, 4, &y) < 0 || s[i++] != '-' || digits(s, len, &i, 2, &mo) < 0 ||
            s[i++] != '-' || digits(s, len, &i, 2, &d) < 0 || (s[i] != 'T' && s[i] != ' '))
            return -1;
        i++;
        if (digits(s, len, &i, 2, &h) < 0 || i >= len || s[i++] != ':' ||
            digits(s, len, &i, 2, &mi) < 0 || i >= len || s[i++] != ':' ||
            digits(s, len, &i, 2, &se) < 0)
            return -1;
        mo--;
    } else if (len >= i + 24 && s[i + 3] == ' ' && s[i + 7] == ' ') { /* ctime */
        if ((mo = month_of(s, len, i + 4)) < 0)
            return -1;
        i += 8;
        if (s[i] == ' ')
            i++;
        if (digits(s, len, &i, (i < len - 1 && is_digit(s[i + 1])) ? 2 : 1, &d) < 0 || i >= len ||
            s[i++] != ' ' || digits(s, len, &i, 2, &h) < 0 || i >= len || s[i++] != ':' ||
            digits(s, len, &i, 2, &mi) < 0 || i >= len || s[i++] != ':' ||
            digits(s, len, &i, 2, &se) < 0 || i >= len || s[i++] != ' ' ||
            digits(s, len, &i, 4, &y) < 0)
            return -1;
    } else if (len > i && is_digit(s[i])) { /* epoch seconds */
        uint64_t sec = 0;
        while (i < len && is_digit(s[i]) && sec < 100000000000ull)
            sec = sec * 10 + (uint64_t)(s[i++] - '0');
        uint64_t us = fraction(s, len, &i);
        if (i != len || sec >= 100000000000ull)
            return -1;
        *ts_us = sec * 1000000u + us;
        return 0;
    } else {
        return -1;
    }
    uint64_t us = fraction(s, len, &i);
    if (zone(s, len, &i, &off) < 0 || i != len)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return make_time(&tm, off, us, ts_us);
}

/* Copies at most cap-1 bytes, replacing control and non-ASCII bytes by '?' (so that the
 * text is safe in alert lines and valid UTF-8 in JSON). */
static void copy_clean(char *dst, size_t cap, const char *s, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    dst[n] = 0;
}

static int parse_addr(const char *s, size_t len, struct pr_addr *a)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    int r;
    if (buf[0] == '[' && len > 2 && buf[len - 1] == ']') { /* [v6] */
        buf[len - 1] = 0;
        r = addr_parse(buf + 1, a);
    } else {
        r = addr_parse(buf, a);
    }
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (r == 0 && a->family == AF_INET6 && !memcmp(a->a, mapped, 12)) {
        /* ::ffff:a.b.c.d (a dual-stack socket's IPv4 client) is the IPv4 address */
        memmove(a->a, a->a + 12, 4);
        memset(a->a + 4, 0, 12);
        a->family = AF_INET;
    }
    return r;
}

static int parse_status(const char *s, size_t len, uint16_t *st)
{
    if (len != 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || s[0] == '0')
        return -1;
    *st = (uint16_t)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
    return 0;
}

static int is_token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_';
}

/* "METHOD TARGET [HTTP/x.y]" → method, path, proto; anything else is a bad request
 * (nmap's binary probes, TLS hellos to a plain port, empty lines) with the raw text as
 * its path. */
static void split_request(const char *s, size_t len, struct det_http_req *r)
{
    size_t m = 0;
    while (m < len && m < sizeof r->method - 1 && is_token_char(s[m]))
        m++;
    if (m > 0 && m < len && s[m] == ' ') {
        size_t p = m + 1, q = p;
        while (q < len && s[q] != ' ')
            q++;
        size_t rest = q < len ? len - q - 1 : 0;
        if (q > p && rest < sizeof r->proto && (q == len || rest > 0)) {
            copy_clean(r->method, sizeof r->method, s, m);
            copy_clean(r->path, sizeof r->path, s + p, q - p);
            copy_clean(r->proto, sizeof r->proto, s + q + (q < len), rest);
            return;
        }
    }
    r->bad_request = 1;
    r->method[0] = 0;
    r->proto[0] = 0;
    copy_clean(r->path, sizeof r->path, s, len);
}

/* ---------------------------------------------------------------- log_format */

enum var {
    V_IGNORE = 0,
    V_ADDR,
    V_TIME,
    V_REQUEST,
    V_METHOD,
    V_URI,
    V_PROTO,
    V_STATUS,
    V_UA,
};

static const struct {
    const char *name;
    enum var v;
} vars[] = {
    {"remote_addr", V_ADDR},
    {"realip_remote_addr", V_ADDR},
    {"time_local", V_TIME},
    {"time_iso8601", V_TIME},
    {"msec", V_TIME},
    {"request", V_REQUEST},
    {"request_method", V_METHOD},
    {"request_uri", V_URI},
    {"uri", V_URI},
    {"server_protocol", V_PROTO},
    {"status", V_STATUS},
    {"http_user_agent", V_UA},
};

struct item {
    uint8_t is_var;
    uint8_t var;
    uint16_t off, len; /* literal: text in the format string */
};

struct fmt {
    char text[1024];
    struct item it[MAX_ITEMS];
    unsigned n;
    int has_addr;
};

/* Compiles nginx log_format text ("$var" or "${var}" and literal text). */
static int fmt_compile(struct fmt *f, const char *text, struct pr_error *e)
{
    memset(f, 0, sizeof *f);
    size_t len = strlen(text);
    if (len >= sizeof f->text)
        return pr_errf(e, "log format: longer than %zu bytes", sizeof f->text - 1);
    memcpy(f->text, text, len + 1);
    size_t i = 0;
    while (i < len) {
        if (f->n >= MAX_ITEMS)
            return pr_errf(e, "log format: more than %d items at column %zu", MAX_ITEMS, i + 1);
        struct item *it = &f->it[f->n];
        if (text[i] == '$') {
            size_t s = i + 1, br = s < len && text[s] == '{';
            s += br;
            size_t q = s;
            while (q < len && (is_token_char(text[q]) && text[q] != '-'))
                q++;
            if (q == s || (br && (q >= len || text[q] != '}')))
                return pr_errf(e, "log format: bad variable name at column %zu", i + 1);
            if (f->n && f->it[f->n - 1].is_var)
                return pr_errf(e,
                               "log format: two variables without text between them at "
                               "column %zu",
                               i + 1);
            it->is_var = 1;
            for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++)
                if (strlen(vars[k].name) == q - s && !strncmp(vars[k].name, text + s, q - s))
                    it->var = (uint8_t)vars[k].v;
            f->has_addr |= it->var == V_ADDR;
            i = q + br;
        } else {
            size_t q = i;
            while (q < len && text[q] != '$')
                q++;
            it->off = (uint16_t)i;
            it->len = (uint16_t)(q - i);
            i = q;
        }
        f->n++;
    }
    if (!f->has_addr)
        return pr_errf(e, "log format: no $remote_addr (the source of each request)");
    return 0;
}

/* Where the literal lit[0..n) next occurs in s[from..len), skipping backslash escapes
 * (Apache writes \" inside quoted fields). */
static long find_lit(const char *s, size_t len, size_t from, const char *lit, size_t n)
{
    for (size_t i = from; i + n <= len; i++) {
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == lit[0] && !memcmp(s + i, lit, n))
            return (long)i;
    }
    return -1;
}

static int fmt_parse(const struct fmt *f, const char *s, size_t len, struct det_http_req *r,
                     struct pr_error *e)
{
    size_t pos = 0;
    int have_addr = 0;
    const char *meth = NULL, *uri = NULL, *proto = NULL;
    size_t mlen = 0, ulen = 0, plen = 0;
    for (unsigned k = 0; k < f->n; k++) {
        const struct item *it = &f->it[k];
        if (!it->is_var) {
            if (pos + it->len > len || memcmp(s + pos, f->text + it->off, it->len))
                return pr_errf(e, "expected \"%.*s\" at column %zu", (int)it->len,
                               f->text + it->off, pos + 1);
            pos += it->len;
            continue;
        }
        size_t end = len;
        if (k + 1 < f->n) {
            const struct item *nx = &f->it[k + 1];
            long at = find_lit(s, len, pos, f->text + nx->off, nx->len);
            if (at < 0)
                return pr_errf(e, "expected \"%.*s\" after the field at column %zu", (int)nx->len,
                               f->text + nx->off, pos + 1);
            end = (size_t)at;
        }
        const char *v = s + pos;
        size_t vl = end - pos;
        switch ((enum var)it->var) {
        case V_ADDR:
            if (parse_addr(v, vl, &r->src) < 0)
                return pr_errf(e, "bad client address at column %zu", pos + 1);
            have_addr = 1;
            break;
        case V_TIME:
            if (det_http_time(v, vl, &r->ts_us) < 0)
                return pr_errf(e, "bad time at column %zu", pos + 1);
            break;
        case V_REQUEST:
            split_request(v, vl, r);
            break;
        case V_METHOD:
            meth = v, mlen = vl;
            break;
        case V_URI:
            uri = v, ulen = vl;
            break;
        case V_PROTO:
            proto = v, plen = vl;
            break;
        case V_STATUS:
            if (parse_status(v, vl, &r->status) < 0)
                return pr_errf(e, "bad status at column %zu", pos + 1);
            break;
        case V_UA:
            copy_clean(r->ua, sizeof r->ua, v, vl);
            break;
        case V_IGNORE:
            break;
        }
        pos = end;
    }
    if (pos != len)
        return pr_errf(e, "unexpected text at column %zu", pos + 1);
    if (!have_addr)
        return pr_errf(e, "no client address");
    if (uri) {
        copy_clean(r->path, sizeof r->path, uri, ulen);
        if (meth)
            copy_clean(r->method, sizeof r->method, meth, mlen);
        if (proto)
            copy_clean(r->proto, sizeof r->proto, proto, plen);
        r->bad_request = 0;
    }
    return 1;
}

/* A ModSecurity message of severity ERROR or worse ([severity "CRITICAL"]); CRS marks
 * protocol oddities (a numeric Host header, a missing Accept) WARNING or NOTICE, and
 * those are not counted. */
static int waf_severe(const char *m, size_t len)
{
    static const char key[] = "[severity \"";
    static const char *const bad[] = {"EMERGENCY", "ALERT", "CRITICAL", "ERROR", NULL};
    const char *p = memmem(m, len, key, sizeof key - 1);
    if (!p)
        return 0;
    p += sizeof key - 1;
    size_t rest = len - (size_t)(p - m);
    for (const char *const *b = bad; *b; b++)
        if (rest > strlen(*b) && !strncmp(p, *b, strlen(*b)) && p[strlen(*b)] == '"')
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- JSON helpers */

static const char *jstr(json_t *o, const char *const *keys, size_t *len)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(o, *keys);
        if (json_is_string(v)) {
            *len = json_string_length(v);
            return json_string_value(v);
        }
        if (json_is_array(v) && json_is_string(json_array_get(v, 0))) { /* Caddy headers */
            *len = json_string_length(json_array_get(v, 0));
            return json_string_value(json_array_get(v, 0));
        }
    }
    return NULL;
}

/* A header in a JSON object of headers, name compared without case. */
static const char *jheader(json_t *h, const char *name, size_t *len)
{
    const char *k;
    json_t *v;
    if (!json_is_object(h))
        return NULL;
    json_object_foreach(h, k, v)
    {
        if (strcasecmp(k, name))
            continue;
        if (json_is_array(v))
            v = json_array_get(v, 0);
        if (json_is_string(v)) {
            *len = json_string_length(v);
            return json_string_value(v);
        }
    }
    return NULL;
}

static int jstatus(json_t *o, const char *const *keys, uint16_t *st)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(o, *keys);
        if (json_is_integer(v) && json_integer_value(v) >= 100 && json_integer_value(v) <= 999) {
            *st = (uint16_t)json_integer_value(v);
            return 0;
        }
        if (json_is_string(v))
            return parse_status(json_string_value(v), json_string_length(v), st);
    }
    return -1;
}

static int jtime(json_t *o, const char *const *keys, uint64_t *ts)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(o, *keys);
        if (json_is_string(v))
            return det_http_time(json_string_value(v), json_string_length(v), ts);
        if (json_is_number(v)) {
            double x = json_number_value(v);
            if (x > 1e12) /* milliseconds */
                x /= 1000;
            if (!(x >= 0 && x < 1e11))
                return -1;
            *ts = (uint64_t)(x * 1e6);
            return 0;
        }
    }
    return 0;
}

static json_t *load_object(const char *s, size_t len, struct pr_error *e)
{
    json_error_t je;
    /* nginx's escape=json passes bytes above 0x7f through, which need not be UTF-8:
     * they become '?' (only ASCII is kept of any field anyway) */
    char *copy = pr_calloc(1, len + 1);
    for (size_t i = 0; i < len; i++)
        copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    json_t *o = json_loadb(copy, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    free(copy);
    if (!o) {
        pr_errf(e, "bad JSON (%.80s) at column %d", je.text, je.column > 0 ? je.column : 1);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        pr_errf(e, "JSON value is not an object at column 1");
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------- parsers */

struct det_httplog {
    const struct parser *fmt; /* NULL while auto-detecting */
    struct fmt lf;            /* log_format interpreter (combined, common, custom) */
    /* ModSecurity serial state */
    char id[32];
    char part;
    int have_a, first_in_part;
    struct det_http_req cur;
};

struct parser {
    const char *name;
    const char *logformat; /* for the log_format family; NULL otherwise */
    int (*parse)(struct det_httplog *p, const char *s, size_t len, struct det_http_req *r,
                 struct pr_error *e);
};

static int parse_lf(struct det_httplog *p, const char *s, size_t len, struct det_http_req *r,
                    struct pr_error *e)
{
    if (len == 0)
        return 0;
    return fmt_parse(&p->lf, s, len, r, e);
}

static int parse_json(struct det_httplog *p, const char *s, size_t len, struct det_http_req *r,
                      struct pr_error *e)
{
    (void)p;
    if (len == 0)
        return 0;
    json_t *o = load_object(s, len, e);
    if (!o)
        return -1;
    static const char *const k_addr[] = {"remote_addr", "client_ip", "remote_ip",  "clientip",
                                         "client",      "ip",        "ClientAddr", NULL};
    static const char *const k_time[] = {"time_iso8601", "time_local", "time", "timestamp",
                                         "@timestamp",   "ts",         "msec", NULL};
    static const char *const k_meth[] = {"request_method", "method", "RequestMethod", NULL};
    static const char *const k_uri[] = {"request_uri", "uri", "path", "RequestPath", NULL};
    static const char *const k_proto[] = {"server_protocol", "proto", "protocol", NULL};
    static const char *const k_status[] = {"status", "status_code", "DownstreamStatus", NULL};
    static const char *const k_ua[] = {"http_user_agent", "user_agent", "User-Agent",
                                       "request_User-Agent", NULL};
    json_t *req = json_object_get(o, "request"); /* Caddy: request is an object */
    json_t *ro = json_is_object(req) ? req : o;
    size_t n = 0;
    const char *v = jstr(ro, k_addr, &n);
    if (!v)
        v = jstr(o, k_addr, &n);
    int rc = -1;
    if (v && parse_addr(v, n, &r->src) < 0) { /* Caddy/Traefik write "addr:port" */
        const char *c = memrchr(v, ':', n);
        if (!c || parse_addr(v, (size_t)(c - v), &r->src) < 0)
            v = NULL;
    }
    if (!v) {
        pr_errf(e, "no client address in the JSON object at column 1");
        goto out;
    }
    if (jtime(o, k_time, &r->ts_us) < 0) {
        pr_errf(e, "bad time in the JSON object at column 1");
        goto out;
    }
    const char *rl = json_is_string(req) ? json_string_value(req) : NULL;
    if (rl) {
        split_request(rl, json_string_length(req), r);
    } else if ((v = jstr(ro, k_uri, &n))) {
        copy_clean(r->path, sizeof r->path, v, n);
        if ((v = jstr(ro, k_meth, &n)))
            copy_clean(r->method, sizeof r->method, v, n);
        if ((v = jstr(ro, k_proto, &n)))
            copy_clean(r->proto, sizeof r->proto, v, n);
    } else {
        pr_errf(e, "no request in the JSON object at column 1");
        goto out;
    }
    if (jstatus(o, k_status, &r->status) < 0) {
        pr_errf(e, "bad status in the JSON object at column 1");
        goto out;
    }
    if ((v = jstr(o, k_ua, &n)) || (v = jheader(json_object_get(ro, "headers"), "User-Agent", &n)))
        copy_clean(r->ua, sizeof r->ua, v, n);
    rc = 1;
out:
    json_decref(o);
    return rc;
}

/* ModSecurity 2 (SecAuditLogFormat JSON) and 3 (JSON) audit records, one per line. */
static int parse_modsec_json(struct det_httplog *p, const char *s, size_t len,
                             struct det_http_req *r, struct pr_error *e)
{
    (void)p;
    if (len == 0)
        return 0;
    json_t *o = load_object(s, len, e);
    if (!o)
        return -1;
    int rc = -1;
    json_t *tr = json_object_get(o, "transaction");
    if (!json_is_object(tr)) {
        pr_errf(e, "no \"transaction\" object at column 1");
        goto out;
    }
    static const char *const k_addr[] = {"remote_address", "client_ip", NULL};
    static const char *const k_time[] = {"time", "time_stamp", NULL};
    size_t n;
    const char *v = jstr(tr, k_addr, &n);
    if (!v || parse_addr(v, n, &r->src) < 0) {
        pr_errf(e, "no client address in the audit record at column 1");
        goto out;
    }
    if (jtime(tr, k_time, &r->ts_us) < 0) {
        pr_errf(e, "bad time in the audit record at column 1");
        goto out;
    }
    json_t *rq = json_object_get(o, "request"); /* v2 */
    json_t *rs = json_object_get(o, "response");
    json_t *msgs = json_object_get(json_object_get(o, "audit_data"), "messages");
    if (!json_is_object(rq)) { /* v3: inside the transaction */
        rq = json_object_get(tr, "request");
        rs = json_object_get(tr, "response");
        msgs = json_object_get(tr, "messages");
    }
    if (!json_is_object(rq)) {
        pr_errf(e, "no request in the audit record at column 1");
        goto out;
    }
    json_t *line = json_object_get(rq, "request_line");
    if (json_is_string(line)) {
        split_request(json_string_value(line), json_string_length(line), r);
    } else {
        json_t *m = json_object_get(rq, "method"), *u = json_object_get(rq, "uri");
        if (!json_is_string(u)) {
            pr_errf(e, "no request line in the audit record at column 1");
            goto out;
        }
        copy_clean(r->path, sizeof r->path, json_string_value(u), json_string_length(u));
        if (json_is_string(m))
            copy_clean(r->method, sizeof r->method, json_string_value(m), json_string_length(m));
        snprintf(r->proto, sizeof r->proto, "HTTP");
    }
    if ((v = jheader(json_object_get(rq, "headers"), "User-Agent", &n)))
        copy_clean(r->ua, sizeof r->ua, v, n);
    static const char *const k_status[] = {"status", "http_code", NULL};
    if (json_is_object(rs))
        jstatus(rs, k_status, &r->status);
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m)
    {
        json_t *sev = json_object_get(json_object_get(m, "details"), "severity"); /* v3 */
        int severe = json_is_string(m)     ? waf_severe(json_string_value(m), json_string_length(m))
                     : json_is_string(sev) ? (atoi(json_string_value(sev)) <= 3)
                                           : json_is_integer(sev) && json_integer_value(sev) <= 3;
        if (severe && r->waf_rules < 65535)
            r->waf_rules++;
    }
    rc = 1;
out:
    json_decref(o);
    return rc;
}

/* "--0a1b2c3d-A--": the boundary of part A..Z of audit record 0a1b2c3d. */
static int modsec_boundary(const char *s, size_t len, char *id, size_t idcap, char *part)
{
    if (len < 8 || len > 40 || s[0] != '-' || s[1] != '-' || s[len - 1] != '-' ||
        s[len - 2] != '-' || s[len - 4] != '-')
        return 0;
    size_t n = len - 6;
    if (n == 0 || n >= idcap)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_token_char(s[2 + i]) || s[2 + i] == '-')
            return 0;
    char c = s[len - 3];
    if (c < 'A' || c > 'Z')
        return 0;
    memcpy(id, s + 2, n);
    id[n] = 0;
    *part = c;
    return 1;
}

/* The serial audit log: parts A (time, client), B (request line and headers), F
 * (response status line), H (messages), Z (end of the record). */
static int parse_modsec(struct det_httplog *p, const char *s, size_t len, struct det_http_req *r,
                        struct pr_error *e)
{
    char id[32], part;
    if (modsec_boundary(s, len, id, sizeof id, &part)) {
        if (part == 'A') {
            int lost = p->have_a || p->part;
            memset(&p->cur, 0, sizeof p->cur);
            snprintf(p->id, sizeof p->id, "%s", id);
            p->part = 'A';
            p->have_a = 0;
            p->first_in_part = 1;
            if (lost)
                return pr_errf(e, "audit record before %s ended without part Z at column 1", id);
            return 0;
        }
        if (!p->part || strcmp(id, p->id)) {
            p->part = 0;
            return pr_errf(e, "part %c of record %s without its part A at column 3", part, id);
        }
        p->part = part;
        p->first_in_part = 1;
        if (part == 'Z') {
            p->part = 0;
            if (!p->have_a)
                return pr_errf(e, "record %s without a valid part A at column 1", id);
            p->have_a = 0;
            *r = p->cur;
            return 1;
        }
        return 0;
    }
    if (!p->part) {
        if (len == 0)
            return 0;
        return pr_errf(e, "text outside an audit record at column 1");
    }
    int first = p->first_in_part;
    p->first_in_part = 0;
    if (p->part == 'A' && first) {
        /* [03/Dec/2026:10:00:00.123456 +0000] UNIQUE_ID 198.18.0.1 41234 198.18.0.2 80 */
        const char *rb = len && s[0] == '[' ? memchr(s, ']', len) : NULL;
        if (!rb)
            return pr_errf(e, "part A: expected [time] at column 1");
        if (det_http_time(s, (size_t)(rb - s) + 1, &p->cur.ts_us) < 0)
            return pr_errf(e, "part A: bad time at column 2");
        size_t i = (size_t)(rb - s) + 1;
        for (int f = 0; f < 2; f++) { /* skip "] " and the unique id */
            while (i < len && s[i] == ' ')
                i++;
            if (f == 0)
                while (i < len && s[i] != ' ')
                    i++;
        }
        size_t q = i;
        while (q < len && s[q] != ' ')
            q++;
        if (parse_addr(s + i, q - i, &p->cur.src) < 0)
            return pr_errf(e, "part A: bad client address at column %zu", i + 1);
        p->have_a = 1;
    } else if (p->part == 'B' && first) {
        split_request(s, len, &p->cur);
    } else if (p->part == 'B') {
        if (len > 11 && !strncasecmp(s, "User-Agent:", 11)) {
            size_t i = 11;
            while (i < len && s[i] == ' ')
                i++;
            copy_clean(p->cur.ua, sizeof p->cur.ua, s + i, len - i);
        }
    } else if (p->part == 'F' && first) {
        const char *sp = memchr(s, ' ', len);
        if (!sp || (size_t)(s + len - sp) < 4 || parse_status(sp + 1, 3, &p->cur.status) < 0)
            return pr_errf(e, "part F: bad status line at column 1");
    } else if (p->part == 'H') {
        if (len > 8 && !strncmp(s, "Message:", 8) && waf_severe(s, len) && p->cur.waf_rules < 65535)
            p->cur.waf_rules++;
    }
    return 0;
}

#define COMBINED                                                                                   \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "             \
    "\"$http_referer\" \"$http_user_agent\""

static const struct parser parsers[] = {
    {"vhost_combined",
     "$host:$server_port $remote_addr $ident $remote_user [$time_local] \"$request\" $status "
     "$bytes_sent \"$http_referer\" \"$http_user_agent\"",
     parse_lf},
    {"combined", COMBINED, parse_lf},
    {"common", "$remote_addr $ident $remote_user [$time_local] \"$request\" $status $bytes_sent",
     parse_lf},
    {"json", NULL, parse_json},
    {"modsec", NULL, parse_modsec},
    {"modsec-json", NULL, parse_modsec_json},
    {"format", NULL, parse_lf},
};
#define NPARSERS (sizeof parsers / sizeof parsers[0])

static const struct parser *parser_named(const char *name)
{
    for (size_t i = 0; i < NPARSERS; i++)
        if (!strcmp(parsers[i].name, name))
            return &parsers[i];
    return NULL;
}

static int use(struct det_httplog *p, const struct parser *f, struct pr_error *e)
{
    if (f->logformat && fmt_compile(&p->lf, f->logformat, e) < 0)
        return -1;
    p->fmt = f;
    return 0;
}

int det_httplog_new(const char *format, const char *custom, struct det_httplog **out,
                    struct pr_error *e)
{
    *out = NULL;
    struct det_httplog *p = pr_calloc(1, sizeof *p);
    if (custom && (!format || !strcmp(format, "auto")))
        format = "format";
    if (format && strcmp(format, "auto")) {
        const struct parser *f = parser_named(format);
        if (!f) {
            free(p);
            return pr_errf(e,
                           "unknown HTTP log format '%s' (combined, common, vhost_combined, "
                           "format, json, modsec, modsec-json or auto)",
                           format);
        }
        if (f->parse == parse_lf && !f->logformat) {
            if (!custom) {
                free(p);
                return pr_errf(e, "HTTP log format 'format' needs --http-log-format TEXT");
            }
            if (fmt_compile(&p->lf, custom, e) < 0) {
                free(p);
                return -1;
            }
            p->fmt = f;
        } else if (use(p, f, e) < 0) {
            free(p);
            return -1;
        }
    }
    *out = p;
    return 0;
}

void det_httplog_free(struct det_httplog *p)
{
    free(p);
}

const char *det_httplog_format(const struct det_httplog *p)
{
    return p->fmt ? p->fmt->name : "auto";
}

/* Recognises the format from a record line: JSON objects (a "transaction" object makes
 * it a ModSecurity record), audit log boundaries, then the fixed log_formats in order. */
static int sniff(struct det_httplog *p, const char *s, size_t len, struct det_http_req *r,
                 struct pr_error *e)
{
    char id[32], part;
    const struct parser *f = NULL;
    if (len && s[0] == '{') {
        json_t *o = load_object(s, len, e);
        if (!o)
            return -1;
        f = parser_named(json_is_object(json_object_get(o, "transaction")) ? "modsec-json"
                                                                           : "json");
        json_decref(o);
    } else if (modsec_boundary(s, len, id, sizeof id, &part)) {
        f = parser_named("modsec");
    }
    if (f) {
        use(p, f, e);
        return f->parse(p, s, len, r, e);
    }
    for (size_t i = 0; i < NPARSERS; i++) {
        if (!parsers[i].logformat)
            continue;
        struct det_http_req t;
        memset(&t, 0, sizeof t);
        struct fmt lf;
        fmt_compile(&lf, parsers[i].logformat, NULL);
        if (fmt_parse(&lf, s, len, &t, NULL) == 1) {
            p->lf = lf;
            p->fmt = &parsers[i];
            *r = t;
            return 1;
        }
    }
    return pr_errf(e, "not a known access or audit log line at column 1");
}

int det_httplog_feed(struct det_httplog *p, const char *line, size_t len, struct det_http_req *out,
                     struct pr_error *e)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    memset(out, 0, sizeof *out);
    if (!p->fmt) {
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            return 0;
        return sniff(p, line, len, out, e);
    }
    return p->fmt->parse(p, line, len, out, e);
}
