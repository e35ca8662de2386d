/* fwlog_gen — writes N kernel LOG lines of a busy firewall to stdout, the same for the
 * same seed: background sources that send 1-4 packets, among them scanners (nmap-like
 * SYN, FIN and UDP scans, masscan-like SYN scans with SEQ=, protocol scans with AH, ESP,
 * GRE and numbered protocols, IPv6 SYN scans), one line per millisecond. Most sources
 * are new, so the detector's source table (65536 slots by default) evicts all the time.
 * Used by tests/lab/t_detect_fwlog_same.sh. Usage: fwlog_gen N [SEED] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ACTIVE 64

struct scanner {
    uint32_t src;
    uint32_t dst;
    int kind, left, sport, ttl;
    uint32_t seq;
};

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void new_scanner(struct scanner *c, uint64_t *s)
{
    c->src = (uint32_t)rnd(s) | 0x01000000u;
    c->dst = 0xc6120000u | (uint32_t)(rnd(s) % 1024); /* 198.18.0.0/22 */
    c->kind = (int)(rnd(s) % 6);
    static const int sizes[] = {6, 8, 20, 60, 200, 1000};
    c->left = sizes[rnd(s) % 6];
    c->sport = 32768 + (int)(rnd(s) % 28000);
    c->ttl = 37 + (int)(rnd(s) % 23);
    c->seq = (uint32_t)rnd(s);
}

static void stamp(uint64_t ms)
{
    uint64_t t = 1795687200u + ms / 1000; /* 2026-11-26T10:00:00Z */
    unsigned h = (unsigned)(t / 3600 % 24), m = (unsigned)(t / 60 % 60), sec = (unsigned)(t % 60);
    printf("2026-11-%02uT%02u:%02u:%02u.%03u000Z fw kernel: DROP IN=eth0 OUT= ",
           (unsigned)(26 + (t - 1795651200u) / 86400), h, m, sec, (unsigned)(ms % 1000));
}

static void ip4(const char *k, uint32_t a)
{
    printf("%s=%u.%u.%u.%u ", k, a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    long n = atol(argv[1]);
    uint64_t s = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    struct scanner act[ACTIVE];
    for (int i = 0; i < ACTIVE; i++)
        new_scanner(&act[i], &s);
    for (long i = 0; i < n; i++) {
        stamp((uint64_t)i);
        uint64_t r = rnd(&s);
        if (r % 10 < 4) { /* background: one packet from a (mostly) new source */
            ip4("SRC", (uint32_t)(rnd(&s) % 200000) * 7919u + 0x0b000000u);
            ip4("DST", 0xc6120000u | (uint32_t)(rnd(&s) % 1024));
            printf("LEN=60 TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=TCP SPT=%u DPT=%u WINDOW=64240 "
                   "RES=0x00 SYN URGP=0\n",
                   (unsigned)(40 + rnd(&s) % 60), (unsigned)(rnd(&s) & 0xffff),
                   (unsigned)(1024 + rnd(&s) % 60000), (unsigned)(r >> 32) % 2 ? 443u : 22u);
            continue;
        }
        struct scanner *c = &act[(r >> 8) % ACTIVE];
        unsigned port = 1 + (unsigned)(rnd(&s) % 65535);
        if (c->kind == 5) { /* IPv6 SYN scan */
            printf("SRC=2001:db8::%x:%x DST=2001:db8:1::%x LEN=64 TC=0 HOPLIMIT=%d FLOWLBL=0 "
                   "PROTO=TCP SPT=%d DPT=%u WINDOW=1024 RES=0x00 SYN URGP=0\n",
                   c->src >> 16, c->src & 0xffff, c->dst & 0xffff, c->ttl, c->sport, port);
        } else {
            ip4("SRC", c->src);
            ip4("DST", c->dst);
            unsigned id = (unsigned)(rnd(&s) & 0xffff);
            if (c->kind == 0) /* nmap -sS */
                printf("LEN=44 TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=TCP SPT=%d DPT=%u "
                       "WINDOW=1024 RES=0x00 SYN URGP=0\n",
                       (unsigned)(37 + rnd(&s) % 23), id, c->sport, port);
            else if (c->kind == 1) /* nmap -sF */
                printf("LEN=40 TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=TCP SPT=%d DPT=%u "
                       "WINDOW=1024 RES=0x00 FIN URGP=0\n",
                       (unsigned)(37 + rnd(&s) % 23), id, c->sport, port);
            else if (c->kind == 2) /* nmap -sU */
                printf("LEN=28 TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=UDP SPT=%d DPT=%u LEN=8\n",
                       (unsigned)(37 + rnd(&s) % 23), id, c->sport, port);
            else if (c->kind == 3) { /* masscan */
                uint32_t seq = c->seq++;
                id = ((c->dst & 0xffff) ^ port ^ seq) & 0xffff;
                printf("LEN=40 TOS=0x00 PREC=0x00 TTL=250 ID=%u PROTO=TCP SPT=%d DPT=%u "
                       "SEQ=%u ACK=0 WINDOW=1024 RES=0x00 SYN URGP=0\n",
                       id ? id : 1, c->sport, port, seq);
            } else { /* nmap -sO */
                static const char *protos[] = {"AH SPI=0x100", "ESP SPI=0x200", "47",  "4",
                                               "41",           "103",           "132", "255"};
                printf("LEN=20 TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=%s\n",
                       (unsigned)(37 + rnd(&s) % 23), id, protos[port % 8]);
            }
        }
        if (--c->left <= 0)
            new_scanner(c, &s);
    }
    return 0;
}
