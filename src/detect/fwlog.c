/* fwlog.c — see fwlog.h. */
#include "detect/fwlog.h"

#include "core/text.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>

/* A bounded cursor over the line. */
struct cur {
    const char *s;
    size_t len, pos;
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads n digits at p (bounded by end) as an unsigned number; -1 if not digits. */
static long digits(const char *p, const char *end, size_t n)
{
    long v = 0;
    if ((size_t)(end - p) < n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int64_t days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + doe - 719468;
}

static uint64_t civil_us(long y, long mo, long d, long h, long mi, long s, long us, long off_s)
{
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off_s;
    if (t < 0)
        return 0;
    return (uint64_t)t * 1000000u + (uint64_t)us;
}

/* "2026-11-26T10:00:00[.ffffff][Z|+hh:mm|+hhmm]" at the start. Returns chars used or 0. */
static size_t parse_iso(const char *p, const char *end, uint64_t *ts)
{
    long y = digits(p, end, 4), mo, d, h, mi, s;
    if (y < 0 || end - p < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') ||
        p[13] != ':' || p[16] != ':')
        return 0;
    mo = digits(p + 5, end, 2);
    d = digits(p + 8, end, 2);
    h = digits(p + 11, end, 2);
    mi = digits(p + 14, end, 2);
    s = digits(p + 17, end, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
        s > 60)
        return 0;
    const char *q = p + 19;
    long us = 0;
    if (q < end && *q == '.') {
        q++;
        int nd = 0;
        while (q < end && is_digit(*q)) {
            if (nd < 6) {
                us = us * 10 + (*q - '0');
                nd++;
            }
            q++;
        }
        for (; nd < 6; nd++)
            us *= 10;
    }
    long off = 0;
    if (q < end && *q == 'Z') {
        q++;
    } else if (q < end && (*q == '+' || *q == '-')) {
        int neg = *q == '-';
        long oh = digits(q + 1, end, 2), om;
        if (oh < 0)
            return 0;
        q += 3;
        if (q < end && *q == ':')
            q++;
        om = digits(q, end, 2);
        if (om < 0)
            return 0;
        q += 2;
        off = (oh * 3600 + om * 60) * (neg ? -1 : 1);
    }
    *ts = civil_us(y, mo, d, h, mi, s, us, off);
    return (size_t)(q - p);
}

/* "Nov 26 10:00:00" at the start (local time taken as UTC). Returns chars used or 0. */
static size_t parse_bsd(const char *p, const char *end, int year, uint64_t *ts)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (end - p < 15 || p[3] != ' ' || p[9] != ':' || p[12] != ':')
        return 0;
    long mo = 0;
    for (int i = 0; i < 12; i++)
        if (!memcmp(p, months + 3 * i, 3))
            mo = i + 1;
    if (!mo)
        return 0;
    long d = p[4] == ' ' ? digits(p + 5, end, 1) : digits(p + 4, end, 2);
    long h = digits(p + 7, end, 2), mi = digits(p + 10, end, 2), s = digits(p + 13, end, 2);
    if (d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
        return 0;
    *ts = civil_us(year, mo, d, h, mi, s, 0, 0);
    return 15;
}

/* "[ 1234.567890]" anywhere before `stop`: seconds since boot. */
static int parse_uptime(const char *p, const char *stop, uint64_t *ts)
{
    const char *b = memchr(p, '[', (size_t)(stop - p));
    if (!b)
        return 0;
    const char *q = b + 1;
    while (q < stop && *q == ' ')
        q++;
    uint64_t sec = 0, us = 0;
    int nd = 0, nu = 0;
    while (q < stop && is_digit(*q) && nd < 12) {
        sec = sec * 10 + (uint64_t)(*q - '0');
        q++;
        nd++;
    }
    if (!nd || q >= stop || *q != '.')
        return 0;
    q++;
    while (q < stop && is_digit(*q) && nu < 6) {
        us = us * 10 + (uint64_t)(*q - '0');
        q++;
        nu++;
    }
    if (!nu || q >= stop || *q != ']')
        return 0;
    for (; nu < 6; nu++)
        us *= 10;
    *ts = sec * 1000000u + us;
    return 1;
}

/* Finds "IN=" at the start of a word; returns its offset or -1. */
static long find_in(const char *s, size_t len)
{
    for (size_t i = 0; i + 3 <= len; i++)
        if (s[i] == 'I' && s[i + 1] == 'N' && s[i + 2] == '=' && (i == 0 || s[i - 1] == ' '))
            return (long)i;
    return -1;
}

static int parse_uint(const char *v, size_t vl, unsigned long max, unsigned long *out)
{
    unsigned long x = 0;
    if (!vl || vl > 12)
        return -1;
    for (size_t i = 0; i < vl; i++) {
        if (!is_digit(v[i]))
            return -1;
        x = x * 10 + (unsigned long)(v[i] - '0');
    }
    if (x > max)
        return -1;
    *out = x;
    return 0;
}

static int parse_hex(const char *v, size_t vl, unsigned long max, unsigned long *out)
{
    unsigned long x = 0;
    if (vl > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        v += 2;
        vl -= 2;
    }
    if (!vl || vl > 8)
        return -1;
    for (size_t i = 0; i < vl; i++) {
        int h = pr_hexval(v[i]);
        if (h < 0)
            return -1;
        x = x * 16 + (unsigned long)h;
    }
    if (x > max)
        return -1;
    *out = x;
    return 0;
}

static int parse_ip(const char *v, size_t vl, struct pr_addr *a)
{
    char buf[PR_ADDRSTRLEN];
    if (!vl || vl >= sizeof buf)
        return -1;
    memcpy(buf, v, vl);
    buf[vl] = 0;
    return addr_parse(buf, a);
}

static int proto_num(const char *v, size_t vl, uint8_t *out)
{
    /* the names nf_log_syslog prints; every other protocol is logged by its number */
    static const struct {
        const char *n;
        uint8_t p;
    } names[] = {{"TCP", 6},       {"UDP", 17}, {"ICMP", 1}, {"ICMPv6", 58},
                 {"UDPLITE", 136}, {"AH", 51},  {"ESP", 50}, {"SCTP", 132}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].n) == vl && !memcmp(names[i].n, v, vl)) {
            *out = names[i].p;
            return 0;
        }
    unsigned long x;
    if (parse_uint(v, vl, 255, &x) < 0)
        return -1;
    *out = (uint8_t)x;
    return 0;
}

/* Walks the TCP option dump "OPT (020405B4...)". */
static void tcp_opts_from_hex(const char *v, size_t vl, struct det_event *ev)
{
    uint8_t b[40];
    size_t n = 0;
    for (size_t i = 0; i + 1 < vl && n < sizeof b; i += 2) {
        int h = pr_hexval(v[i]), l = pr_hexval(v[i + 1]);
        if (h < 0 || l < 0)
            break;
        b[n++] = (uint8_t)(h << 4 | l);
    }
    ev->opts_known = 1;
    for (size_t i = 0; i < n;) {
        uint8_t kind = b[i];
        if (kind == 0)
            break;
        if (kind < 32 && !(ev->opt_mask & (1u << kind))) {
            ev->opt_mask |= 1u << kind;
            ev->nopts++;
        }
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= n || b[i + 1] < 2)
            break;
        if (kind == 2 && b[i + 1] == 4 && i + 3 < n)
            ev->mss = (uint16_t)(b[i + 2] << 8 | b[i + 3]);
        i += b[i + 1];
    }
}

/* The "OPT ( ... )" before PROTO=: IPv4 options as hex, or the IPv6 extension headers
 * ("FRAG:N ID:x", "AH SPI=0x..", "ESP SPI=0x.."). Adds the option bytes, notes ESP and a
 * fragment that is not the first. */
static void ip_opts(const char *v, size_t vl, size_t *optbytes, int *esp, int *later_frag)
{
    size_t i = 0;
    while (i < vl) {
        while (i < vl && v[i] == ' ')
            i++;
        size_t w = i;
        while (i < vl && v[i] != ' ')
            i++;
        size_t wl = i - w;
        if (wl == 3 && !memcmp(v + w, "ESP", 3)) {
            *esp = 1;
        } else if (wl > 5 && !memcmp(v + w, "FRAG:", 5)) {
            unsigned long off;
            if (parse_uint(v + w + 5, wl - 5, 65535, &off) == 0 && off > 0)
                *later_frag = 1;
        } else if (wl && wl % 2 == 0) {
            size_t k = 0;
            while (k < wl && pr_hexval(v[w + k]) >= 0)
                k++;
            if (k == wl)
                *optbytes += wl / 2;
        }
    }
}

static const struct {
    const char *w;
    uint8_t f;
} flag_words[] = {{"FIN", TH_FIN}, {"SYN", TH_SYN}, {"RST", TH_RST}, {"PSH", TH_PSH},
                  {"ACK", TH_ACK}, {"URG", TH_URG}, {"ECE", TH_ECE}, {"CWR", TH_CWR}};

int det_fwlog_parse(const char *line, size_t len, int year, struct det_fwlog_line *out,
                    struct pr_error *e)
{
    memset(out, 0, sizeof *out);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len > DET_FWLOG_MAX_LINE)
        return pr_errf(e, "line longer than %d bytes", DET_FWLOG_MAX_LINE);
    if (memchr(line, 0, len))
        return pr_errf(e, "NUL byte at column %zu",
                       (size_t)((const char *)memchr(line, 0, len) - line) + 1);
    long in = find_in(line, len);
    if (in < 0)
        return 0;
    const char *end = line + len, *inp = line + in;
    /* header: time stamp, then "kernel: ", then the prefix up to IN= */
    uint64_t ts = 0;
    const char *h = line;
    while (h < inp && *h == ' ')
        h++;
    size_t used = parse_iso(h, inp, &ts);
    if (!used)
        used = parse_bsd(h, inp, year, &ts);
    if (used)
        out->has_time = 1;
    else if (parse_uptime(h, inp, &ts))
        out->has_time = 2;
    /* prefix: text after the last "kernel: " or "] " before IN= */
    const char *ps = h + used;
    for (const char *q = ps; q + 8 <= inp; q++)
        if (!memcmp(q, "kernel: ", 8))
            ps = q + 8;
    while (ps < inp && *ps == ' ')
        ps++;
    if (ps < inp && *ps == '[') {
        const char *rb = memchr(ps, ']', (size_t)(inp - ps));
        if (rb)
            ps = rb + 1;
    }
    while (ps < inp && *ps == ' ')
        ps++;
    size_t pl = (size_t)(inp - ps);
    while (pl && ps[pl - 1] == ' ')
        pl--;
    if (pl >= sizeof out->prefix)
        pl = sizeof out->prefix - 1;
    for (size_t i = 0; i < pl; i++)
        out->prefix[i] = (ps[i] >= 0x20 && ps[i] < 0x7f) ? ps[i] : '?';

    struct det_event *ev = &out->ev;
    ev->origin = DET_ORIG_FWLOG;
    ev->ts_us = ts;
    int have_src = 0, have_dst = 0, have_proto = 0, inner = 0, have_inner_proto = 0;
    int have_ports = 0, have_type = 0, have_flowlbl = 0, esp6 = 0, later_frag = 0;
    long ip_len = -1;
    size_t ip_optbytes = 0;
    ev->tcp_extra = -1;
    const char *p = inp;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (p >= end)
            break;
        size_t col = (size_t)(p - line) + 1;
        if (*p == '[') {
            if (inner)
                return pr_errf(e, "nested '[' at column %zu", col);
            inner = 1;
            p++;
            continue;
        }
        const char *w = p;
        while (p < end && *p != ' ' && *p != ']')
            p++;
        size_t wl = (size_t)(p - w);
        int close_inner = p < end && *p == ']';
        if (close_inner)
            p++;
        const char *eq = memchr(w, '=', wl);
        if (!eq) {
            if (wl == 3 && !memcmp(w, "OPT", 3)) {
                /* "OPT (hex)" */
                while (p < end && *p == ' ')
                    p++;
                if (p < end && *p == '(') {
                    const char *v = ++p;
                    while (p < end && *p != ')')
                        p++;
                    if (p >= end)
                        return pr_errf(e, "unterminated OPT ( at column %zu", col);
                    if (!inner && have_proto && ev->proto == DET_PROTO_TCP)
                        tcp_opts_from_hex(v, (size_t)(p - v), ev);
                    else if (!inner && !have_proto)
                        ip_opts(v, (size_t)(p - v), &ip_optbytes, &esp6, &later_frag);
                    p++;
                }
            } else if (wl == 10 && !memcmp(w, "INCOMPLETE", 10)) {
                /* "INCOMPLETE [N bytes]": the packet ends before the header */
                while (p < end && *p == ' ')
                    p++;
                if (p < end && *p == '[') {
                    const char *rb = memchr(p, ']', (size_t)(end - p));
                    if (!rb)
                        return pr_errf(e, "unterminated INCOMPLETE [ at column %zu", col);
                    p = rb + 1;
                }
            } else if (!inner && wl > 5 && !memcmp(w, "FRAG:", 5)) {
                unsigned long off;
                if (parse_uint(w + 5, wl - 5, 65535, &off) < 0)
                    return pr_errf(e, "bad FRAG offset at column %zu", col);
                if (off > 0)
                    later_frag = 1;
            } else if (!inner) {
                for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
                    if (wl == 3 && !memcmp(w, flag_words[i].w, 3))
                        ev->flags |= flag_words[i].f;
            }
            if (close_inner)
                inner = 0;
            continue;
        }
        size_t kl = (size_t)(eq - w);
        const char *v = eq + 1;
        size_t vl = wl - kl - 1;
        unsigned long x = 0;
#define KEY(s) (kl == sizeof(s) - 1 && !memcmp(w, s, kl))
#define NUM(max)                                                                                   \
    do {                                                                                           \
        if (parse_uint(v, vl, (max), &x) < 0)                                                      \
            return pr_errf(e, "bad %.*s value '%.*s' at column %zu", (int)kl, w,                   \
                           (int)(vl > 32 ? 32 : vl), v, col);                                      \
    } while (0)
        if (inner) {
            if (KEY("SRC")) {
                if (parse_ip(v, vl, &ev->inner_src) < 0)
                    return pr_errf(e, "bad quoted SRC address at column %zu", col);
                ev->has_inner = 1;
            } else if (KEY("DST")) {
                if (parse_ip(v, vl, &ev->inner_dst) < 0)
                    return pr_errf(e, "bad quoted DST address at column %zu", col);
            } else if (KEY("PROTO")) {
                if (proto_num(v, vl, &ev->inner_proto) < 0)
                    return pr_errf(e, "bad quoted PROTO at column %zu", col);
                have_inner_proto = 1;
            } else if (KEY("SPT")) {
                NUM(65535);
                ev->inner_sport = (uint16_t)x;
            } else if (KEY("DPT")) {
                NUM(65535);
                ev->inner_dport = (uint16_t)x;
            }
        } else if (KEY("SRC")) {
            if (parse_ip(v, vl, &ev->src) < 0)
                return pr_errf(e, "bad SRC address '%.*s' at column %zu", (int)(vl > 46 ? 46 : vl),
                               v, col);
            have_src = 1;
        } else if (KEY("DST")) {
            if (parse_ip(v, vl, &ev->dst) < 0)
                return pr_errf(e, "bad DST address '%.*s' at column %zu", (int)(vl > 46 ? 46 : vl),
                               v, col);
            have_dst = 1;
        } else if (KEY("TTL") || KEY("HOPLIMIT")) {
            NUM(255);
            ev->ttl = (uint8_t)x;
        } else if (KEY("ID")) {
            NUM(have_proto ? 65535 : 4294967295ul);
            if (have_proto) {
                ev->icmp_id = (uint16_t)x;
            } else {
                ev->has_ip_id = 1;
                ev->ip_id = (uint16_t)x;
            }
        } else if (KEY("PROTO")) {
            if (proto_num(v, vl, &ev->proto) < 0)
                return pr_errf(e, "unknown PROTO '%.*s' at column %zu", (int)(vl > 16 ? 16 : vl), v,
                               col);
            have_proto = 1;
        } else if (KEY("SPT")) {
            NUM(65535);
            ev->sport = (uint16_t)x;
            have_ports = 1;
        } else if (KEY("DPT")) {
            NUM(65535);
            ev->dport = (uint16_t)x;
            have_ports = 1;
        } else if (KEY("WINDOW")) {
            NUM(65535);
            ev->window = (uint16_t)x;
        } else if (KEY("SEQ") && ev->proto == DET_PROTO_TCP) {
            NUM(4294967295ul);
            ev->seq = (uint32_t)x;
            ev->seq_known = 1;
        } else if (KEY("ACK") && ev->proto == DET_PROTO_TCP) {
            NUM(4294967295ul);
            ev->ack = (uint32_t)x;
        } else if (KEY("TYPE")) {
            NUM(255);
            ev->icmp_type = (uint8_t)x;
            have_type = 1;
        } else if (KEY("CODE")) {
            NUM(255);
            ev->icmp_code = (uint8_t)x;
        } else if (KEY("LEN") && have_proto) {
            NUM(65535);
            if (ev->proto == DET_PROTO_UDP && x >= 8)
                ev->payload_len = (uint32_t)(x - 8);
        } else if (KEY("LEN")) {
            NUM(65535);
            ip_len = (long)x;
        } else if (KEY("FLOWLBL")) {
            have_flowlbl = 1;
        } else if (KEY("RES")) {
            if (parse_hex(v, vl, 0xff, &x) < 0)
                return pr_errf(e, "bad RES value at column %zu", col);
        } else if (KEY("SPI")) {
            if (parse_hex(v, vl, 0xfffffffful, &x) < 0)
                return pr_errf(e, "bad SPI value at column %zu", col);
        }
#undef NUM
#undef KEY
        if (close_inner)
            inner = 0;
    }
    if (!have_src)
        return pr_errf(e, "LOG line without SRC= (column %ld)", in + 1);
    if (!have_dst)
        return pr_errf(e, "LOG line without DST= (column %ld)", in + 1);
    if (ev->src.family != ev->dst.family)
        return pr_errf(e, "SRC and DST of different address families");
    if (!have_proto && ev->src.family == AF_INET6 && have_flowlbl) {
        /* the kernel ends an IPv6 line at an ESP header (or at the extension header of a
         * later fragment) without PROTO= */
        ev->proto = later_frag && !esp6 ? 44 : 50;
        have_proto = 1;
    }
    if (!have_proto)
        return pr_errf(e, "LOG line without PROTO= (column %ld)", in + 1);
    int l4 = ev->proto == DET_PROTO_TCP || ev->proto == DET_PROTO_UDP || ev->proto == 136;
    int icmp = ev->proto == DET_PROTO_ICMP || ev->proto == DET_PROTO_ICMP6;
    if (later_frag || ev->proto == 44 || (l4 && !have_ports) || (icmp && !have_type))
        out->partial = 1;
    if (ev->proto == DET_PROTO_TCP && !ev->opts_known && ip_len >= 0 && !out->partial) {
        /* LEN counts the IP header (IPv4: 20 + logged options; IPv6: 40) and 20 bytes of
         * TCP header: the rest is options and payload, and none of it means no options */
        long extra = ip_len - (ev->src.family == AF_INET6 ? 40 : 20 + (long)ip_optbytes) - 20;
        if (extra == 0)
            ev->opts_known = 1;
        if (extra >= 0 && extra <= INT16_MAX)
            ev->tcp_extra = (int16_t)extra;
    }
    if (ev->has_inner && (!have_inner_proto || ev->inner_src.family != ev->inner_dst.family))
        ev->has_inner = 0;
    if (ev->src.family != AF_INET)
        ev->has_ip_id = 0;
    return 1;
}
