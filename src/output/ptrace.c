/* ptrace.c — see ptrace.h. Formats are nmap's "low detail" packet descriptions. */
#include "output/ptrace.h"

#include <stdarg.h>
#include <string.h>

static unsigned g16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static unsigned long g32(const uint8_t *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* Appends to a bounded buffer; *at stops at cap - 1. */
static void app(char *out, size_t cap, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void app(char *out, size_t cap, size_t *at, const char *fmt, ...)
{
    if (*at + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *at, cap - *at, fmt, ap);
    va_end(ap);
    if (n > 0)
        *at = *at + (size_t)n < cap ? *at + (size_t)n : cap - 1;
}

static void tcp_flags(uint8_t f, char *s)
{
    static const struct {
        uint8_t bit;
        char c;
    } order[] = {{0x02, 'S'}, {0x01, 'F'}, {0x04, 'R'}, {0x08, 'P'},
                 {0x10, 'A'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'C'}};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (f & order[i].bit)
            *s++ = order[i].c;
    *s = 0;
}

/* "<mss 1460,sackOK,timestamp 1 0,nop,wscale 7>" from n option bytes. */
static void tcp_opts(const uint8_t *o, size_t n, char *out, size_t cap, size_t *at)
{
    app(out, cap, at, "<");
    for (size_t i = 0; i < n;) {
        uint8_t k = o[i];
        if (i)
            app(out, cap, at, ",");
        if (k == 0 || k == 1) {
            app(out, cap, at, k ? "nop" : "eol");
            i++;
            continue;
        }
        size_t l = i + 1 < n ? o[i + 1] : 0;
        if (l < 2 || i + l > n) {
            app(out, cap, at, "malformed");
            break;
        }
        if (k == 2 && l == 4)
            app(out, cap, at, "mss %u", g16(o + i + 2));
        else if (k == 3 && l == 3)
            app(out, cap, at, "wscale %u", o[i + 2]);
        else if (k == 4 && l == 2)
            app(out, cap, at, "sackOK");
        else if (k == 8 && l == 10)
            app(out, cap, at, "timestamp %lu %lu", g32(o + i + 2), g32(o + i + 6));
        else
            app(out, cap, at, "unknown-%u", k);
        i += l;
    }
    app(out, cap, at, ">");
}

static const char *unreach_text(uint8_t code, char *b, size_t cap, const char *dst, unsigned port,
                                int have_port)
{
    static const char *fixed[] = {[4] = "Fragmentation required",
                                  [5] = "Source route failed",
                                  [8] = "Source host isolated",
                                  [13] = "Communication administratively prohibited by filtering",
                                  [14] = "Host precedence violation",
                                  [15] = "Precedence cutoff in effect"};
    switch (code) {
    case 0:
        snprintf(b, cap, "Network %s unreachable", dst);
        break;
    case 1:
        snprintf(b, cap, "Host %s unreachable", dst);
        break;
    case 3:
        if (have_port)
            snprintf(b, cap, "Port %u unreachable", port);
        else
            snprintf(b, cap, "Port unreachable");
        break;
    case 9:
        snprintf(b, cap, "Destination network %s administratively prohibited", dst);
        break;
    case 10:
        snprintf(b, cap, "Destination host %s administratively prohibited", dst);
        break;
    default:
        snprintf(b, cap, "%s",
                 code < sizeof fixed / sizeof fixed[0] && fixed[code]
                     ? fixed[code]
                     : "Destination unreachable (unknown code)");
    }
    return b;
}

static void icmp4(const uint8_t *p, size_t n, const char *src, const char *dst, const char *ipinfo,
                  char *out, size_t cap, size_t *at)
{
    if (n < 8) {
        app(out, cap, at, "ICMP %s > %s [??] %s", src, dst, ipinfo);
        return;
    }
    char type[160] = "Unknown type", fields[160] = "";
    unsigned id = g16(p + 4), seq = g16(p + 6);
    switch (p[0]) {
    case 0:
    case 8:
        snprintf(type, sizeof type, "%s", p[0] ? "Echo request" : "Echo reply");
        snprintf(fields, sizeof fields, "id=%u seq=%u", id, seq);
        break;
    case 3:
        if (n >= 28 && p[8] >> 4 == 4) {
            char d2[PR_ADDRSTRLEN];
            struct pr_addr a = {.family = AF_INET};
            memcpy(a.a, p + 8 + 16, 4);
            size_t ihl = (size_t)(p[8] & 15) * 4;
            int hp = ihl >= 20 && n >= 8 + ihl + 4;
            unreach_text(p[1], type, sizeof type, addr_str(&a, d2, sizeof d2),
                         hp ? g16(p + 8 + ihl + 2) : 0, hp);
        } else {
            snprintf(type, sizeof type, "Destination unreachable");
        }
        break;
    case 11:
        snprintf(type, sizeof type, "%s",
                 p[1] == 0   ? "TTL=0 during transit"
                 : p[1] == 1 ? "TTL=0 during reassembly"
                             : "TTL exceeded (unknown code)");
        break;
    case 13:
    case 14:
        snprintf(type, sizeof type, "Timestamp %s", p[0] == 13 ? "request" : "reply");
        if (n >= 20)
            snprintf(fields, sizeof fields, "id=%u seq=%u orig=%lu recv=%lu trans=%lu", id, seq,
                     g32(p + 8), g32(p + 12), g32(p + 16));
        break;
    }
    app(out, cap, at, "ICMP [%s > %s %s (type=%u/code=%u) %s] IP [%s]", src, dst, type, p[0], p[1],
        fields, ipinfo);
}

const char *ptrace_describe(char *out, size_t cap, const uint8_t *b, size_t len)
{
    size_t at = 0;
    if (!cap)
        return out;
    out[0] = 0;
    char src[PR_ADDRSTRLEN], dst[PR_ADDRSTRLEN], ipinfo[96];
    struct pr_addr s = {0}, d = {0};
    size_t off, end;
    unsigned proto, frag_off = 0;
    if (len >= 20 && b[0] >> 4 == 4 && (size_t)(b[0] & 15) * 4 >= 20 &&
        (size_t)(b[0] & 15) * 4 <= len) {
        s.family = d.family = AF_INET;
        memcpy(s.a, b + 12, 4);
        memcpy(d.a, b + 16, 4);
        off = (size_t)(b[0] & 15) * 4;
        size_t tot = g16(b + 2);
        end = tot >= off && tot < len ? tot : len;
        proto = b[9];
        unsigned fl = g16(b + 6);
        frag_off = (fl & 0x1fff) * 8;
        char fr[32] = "";
        if (frag_off || (fl & 0x2000))
            snprintf(fr, sizeof fr, " frag offset=%u%s", frag_off, (fl & 0x2000) ? "+" : "");
        snprintf(ipinfo, sizeof ipinfo, "ttl=%u id=%u iplen=%u%s ", b[8], g16(b + 4), g16(b + 2),
                 fr);
    } else if (len >= 40 && b[0] >> 4 == 6) {
        s.family = d.family = AF_INET6;
        memcpy(s.a, b + 8, 16);
        memcpy(d.a, b + 24, 16);
        off = 40;
        end = 40 + (size_t)g16(b + 4) < len ? 40 + (size_t)g16(b + 4) : len;
        proto = b[6];
        snprintf(ipinfo, sizeof ipinfo, "hopl=%u flow=%lx payloadlen=%u ", b[7], g32(b) & 0xfffffUL,
                 g16(b + 4));
    } else {
        app(out, cap, &at, "IP (bogus: %zu bytes)", len);
        return out;
    }
    addr_str(&s, src, sizeof src);
    addr_str(&d, dst, sizeof dst);
    const uint8_t *p = b + off;
    size_t n = end > off ? end - off : 0;
    char fl[10];
    if (proto == 6) {
        if (frag_off > 8 || (frag_off == 0 && n < 8)) {
            app(out, cap, &at, "TCP %s:?? > %s:?? ?? %s(incomplete)", src, dst, ipinfo);
        } else if (frag_off == 8) { /* bytes 8.. of the header: ack, flags, window */
            tcp_flags(n >= 6 ? p[5] : 0, fl);
            app(out, cap, &at, "TCP %s:?? > %s:?? %s %s", src, dst, n >= 6 ? fl : "??", ipinfo);
        } else if (n < 20) {
            app(out, cap, &at, "TCP %s:%u > %s:%u ?? seq=%lu (incomplete) %s", src, g16(p), dst,
                g16(p + 2), g32(p + 4), ipinfo);
        } else {
            tcp_flags(p[13], fl);
            app(out, cap, &at, "TCP %s:%u > %s:%u %s %s seq=%lu win=%u ", src, g16(p), dst,
                g16(p + 2), fl, ipinfo, g32(p + 4), g16(p + 14));
            size_t doff = (size_t)(p[12] >> 4) * 4;
            if (doff > 20 && doff <= n)
                tcp_opts(p + 20, doff - 20, out, cap, &at);
            else if (doff > 20)
                app(out, cap, &at, "option incomplete");
        }
    } else if (proto == 17) {
        if (frag_off || n < 4)
            app(out, cap, &at, "UDP %s:?? > %s:?? fragment %s(incomplete)", src, dst, ipinfo);
        else
            app(out, cap, &at, "UDP %s:%u > %s:%u %s", src, g16(p), dst, g16(p + 2), ipinfo);
    } else if (proto == 1 && s.family == AF_INET && !frag_off) {
        icmp4(p, n, src, dst, ipinfo, out, cap, &at);
    } else if (proto == 58 && n >= 4) {
        app(out, cap, &at, "ICMPv6 (58) %s > %s (type=%u/code=%u) %s", src, dst, p[0], p[1],
            ipinfo);
    } else {
        app(out, cap, &at, "Unknown protocol (%u) %s > %s: %s", proto, src, dst, ipinfo);
    }
    /* nmap's lines keep ipinfo's trailing blank only inside; none at the end */
    while (at > 0 && out[at - 1] == ' ')
        out[--at] = 0;
    return out;
}

static void line(const struct ptrace *pt, const char *dir, uint64_t now_us, const char *body)
{
    double t = now_us > pt->t0_us ? (double)(now_us - pt->t0_us) / 1e6 : 0;
    char buf[640];
    snprintf(buf, sizeof buf, "%s (%.4fs) %s\n", dir, t, body);
    fputs(buf, pt->f);
    fflush(pt->f);
}

void ptrace_ip(const struct ptrace *pt, const char *dir, uint64_t now_us, const uint8_t *pkt,
               size_t len)
{
    char body[512];
    line(pt, dir, now_us, ptrace_describe(body, sizeof body, pkt, len));
}

void ptrace_arp(const struct ptrace *pt, uint64_t now_us, int reply, const struct pr_addr *target,
                const struct pr_addr *sender, const uint8_t *mac)
{
    char a[PR_ADDRSTRLEN], b[PR_ADDRSTRLEN], body[160];
    if (reply)
        snprintf(body, sizeof body, "ARP reply %s is-at %02X:%02X:%02X:%02X:%02X:%02X",
                 addr_str(sender, a, sizeof a), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    else
        snprintf(body, sizeof body, "ARP who-has %s tell %s", addr_str(target, a, sizeof a),
                 addr_str(sender, b, sizeof b));
    line(pt, reply ? "RCVD" : "SENT", now_us, body);
}

void ptrace_conn(const struct ptrace *pt, uint64_t now_us, const struct pr_addr *dst, uint16_t port,
                 const char *result)
{
    char a[PR_ADDRSTRLEN], body[200];
    snprintf(body, sizeof body, "TCP localhost > %s:%u => %s", addr_str(dst, a, sizeof a), port,
             result);
    line(pt, "CONN", now_us, body);
}
