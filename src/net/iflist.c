/* iflist.c — see iflist.h. */
#include "net/iflist.h"

#include "core/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* route flags of /proc/net/route and ipv6_route (linux/route.h, which clashes with net/if.h) */
#define RT_UP 0x0001u
#define RT_REJECT 0x0200u

#define NCOL 7
#define CELL 64

/* A table of text cells, printed with each column as wide as its widest cell. */
struct table {
    char (*cell)[NCOL][CELL];
    int *prefix; /* routes: the sort key */
    size_t n, cap;
    int ncol;
};

static char (*row_add(struct table *t, int prefix))[CELL]
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cell = pr_reallocarray(t->cell, t->cap, sizeof *t->cell);
        t->prefix = pr_reallocarray(t->prefix, t->cap, sizeof *t->prefix);
    }
    memset(t->cell[t->n], 0, sizeof t->cell[t->n]);
    t->prefix[t->n] = prefix;
    return t->cell[t->n++];
}

static void table_print(FILE *f, const struct table *t)
{
    size_t w[NCOL] = {0};
    for (size_t r = 0; r < t->n; r++)
        for (int c = 0; c < t->ncol; c++)
            if (strlen(t->cell[r][c]) > w[c])
                w[c] = strlen(t->cell[r][c]);
    for (size_t r = 0; r < t->n; r++) {
        char line[NCOL * (CELL + 1) + 1];
        size_t len = 0;
        for (int c = 0; c < t->ncol; c++)
            len +=
                (size_t)snprintf(line + len, sizeof line - len, "%-*s ", (int)w[c], t->cell[r][c]);
        while (len && line[len - 1] == ' ') /* nmap ends a line at its last text */
            len--;
        fprintf(f, "%.*s\n", (int)len, line);
    }
}

static void table_free(struct table *t)
{
    free(t->cell);
    free(t->prefix);
}

/* Reads a small file of /sys into buf (NUL-terminated, trailing newline removed). */
static int read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = 0;
    while (n && isspace((unsigned char)buf[n - 1]))
        buf[--n] = 0;
    return 0;
}

static long sys_num(const char *ifname, const char *what, int base)
{
    char path[128], buf[64];
    snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, what);
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    char *end;
    long v = strtol(buf, &end, base);
    return end == buf ? -1 : v;
}

static int prefix_len4(uint32_t mask_net)
{
    uint32_t m = ntohl(mask_net);
    int n = 0;
    while (m & 0x80000000u) {
        n++;
        m <<= 1;
    }
    return n;
}

/* 32 hex digits into an IPv6 address; 0 or -1. */
static int hex6(const char *s, struct in6_addr *a)
{
    for (int i = 0; i < 16; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        a->s6_addr[i] = (uint8_t)v;
    }
    return 0;
}

struct ifrow {
    const char *name, *type, *up;
    char mtu[24], mac[24];
};

static void if_add(struct table *t, const struct ifrow *r, const char *addr)
{
    char(*c)[CELL] = row_add(t, 0);
    snprintf(c[0], CELL, "%s", r->name);
    snprintf(c[1], CELL, "(%s)", r->name);
    snprintf(c[2], CELL, "%s", addr);
    snprintf(c[3], CELL, "%s", r->type);
    snprintf(c[4], CELL, "%s", r->up);
    snprintf(c[5], CELL, "%s", r->mtu);
    snprintf(c[6], CELL, "%s", r->mac);
}

static void interfaces(struct table *t, FILE *dev)
{
    char line[512];
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    while (fgets(line, sizeof line, dev)) {
        char *colon = strchr(line, ':'), *name = line;
        if (!colon)
            continue; /* the two header lines */
        *colon = 0;
        while (*name == ' ')
            name++;
        if (!*name || strlen(name) >= IFNAMSIZ)
            continue;
        long flags = sys_num(name, "flags", 16), type = sys_num(name, "type", 10);
        long mtu = sys_num(name, "mtu", 10);
        struct ifrow r = {.name = name, .up = flags >= 0 && (flags & IFF_UP) ? "up" : "down"};
        snprintf(r.mtu, sizeof r.mtu, "%ld", mtu > 0 ? mtu : 0);
        if (flags >= 0 && (flags & IFF_LOOPBACK)) {
            r.type = "loopback";
        } else if (type == ARPHRD_ETHER && flags >= 0 && !(flags & IFF_NOARP)) {
            r.type = "ethernet";
            char path[128];
            snprintf(path, sizeof path, "/sys/class/net/%.*s/address", IFNAMSIZ, name);
            if (read_small(path, r.mac, sizeof r.mac) == 0)
                for (char *p = r.mac; *p; p++)
                    *p = (char)toupper((unsigned char)*p);
        } else {
            r.type = "other";
        }
        /* the primary IPv4 address, as SIOCGIFADDR gives it */
        char addr[CELL] = "(none)/0";
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        memcpy(ifr.ifr_name, name, strlen(name));
        if (fd >= 0 && ioctl(fd, SIOCGIFADDR, &ifr) == 0) {
            struct in_addr a = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
            if (ioctl(fd, SIOCGIFNETMASK, &ifr) == 0) {
                struct in_addr m = ((struct sockaddr_in *)(void *)&ifr.ifr_netmask)->sin_addr;
                char s[INET_ADDRSTRLEN];
                snprintf(addr, sizeof addr, "%s/%d", inet_ntop(AF_INET, &a, s, sizeof s),
                         prefix_len4(m.s_addr));
            }
        }
        if_add(t, &r, addr);
        /* each IPv6 address: "addr32hex ifindex prefix scope flags name" */
        FILE *f6 = fopen("/proc/net/if_inet6", "r");
        char l6[256];
        while (f6 && fgets(l6, sizeof l6, f6)) {
            char hex[33], owner[IFNAMSIZ + 1];
            unsigned idx, plen, scope, fl;
            struct in6_addr a6;
            if (sscanf(l6, "%32s %x %x %x %x %16s", hex, &idx, &plen, &scope, &fl, owner) != 6 ||
                strcmp(owner, name) || strlen(hex) != 32 || hex6(hex, &a6) < 0 || plen > 128)
                continue;
            char s[INET6_ADDRSTRLEN];
            snprintf(addr, sizeof addr, "%s/%u", inet_ntop(AF_INET6, &a6, s, sizeof s), plen);
            if_add(t, &r, addr);
        }
        if (f6)
            fclose(f6);
    }
    if (fd >= 0)
        close(fd);
}

/* Stable insertion sort by prefix length, longest first, of rows [from, t->n). */
static void sort_routes(struct table *t, size_t from)
{
    for (size_t i = from + 1; i < t->n; i++)
        for (size_t j = i; j > from && t->prefix[j - 1] < t->prefix[j]; j--) {
            char tmp[NCOL][CELL];
            memcpy(tmp, t->cell[j], sizeof tmp);
            memcpy(t->cell[j], t->cell[j - 1], sizeof tmp);
            memcpy(t->cell[j - 1], tmp, sizeof tmp);
            int p = t->prefix[j];
            t->prefix[j] = t->prefix[j - 1];
            t->prefix[j - 1] = p;
        }
}

static void route_row(struct table *t, const char *dst, int plen, const char *dev,
                      unsigned long metric, const char *gw)
{
    char(*c)[CELL] = row_add(t, plen);
    snprintf(c[0], CELL, "%s/%d", dst, plen);
    snprintf(c[1], CELL, "%s", dev);
    snprintf(c[2], CELL, "%lu", metric);
    snprintf(c[3], CELL, "%s", gw);
}

static void routes4(struct table *t)
{
    FILE *f = fopen("/proc/net/route", "r");
    char line[512];
    size_t from = t->n;
    /* Iface Destination Gateway Flags RefCnt Use Metric Mask ... (hex, network order) */
    while (f && fgets(line, sizeof line, f)) {
        char dev[IFNAMSIZ + 1];
        unsigned dst, gw, flags, refcnt, use, mask;
        unsigned long metric;
        if (sscanf(line, "%16s %x %x %x %u %u %lu %x", dev, &dst, &gw, &flags, &refcnt, &use,
                   &metric, &mask) != 8 ||
            (flags & RT_UP) == 0)
            continue; /* the header line, or a route that is down */
        struct in_addr d = {dst}, g = {gw};
        char ds[INET_ADDRSTRLEN], gs[INET_ADDRSTRLEN] = "";
        inet_ntop(AF_INET, &d, ds, sizeof ds);
        if (gw)
            inet_ntop(AF_INET, &g, gs, sizeof gs);
        route_row(t, ds, prefix_len4(mask), dev, metric, gs);
    }
    if (f)
        fclose(f);
    sort_routes(t, from);
}

static void routes6(struct table *t)
{
    FILE *f = fopen("/proc/net/ipv6_route", "r");
    char line[512];
    size_t from = t->n;
    /* dst plen src splen nexthop metric refcnt use flags dev (hex) */
    while (f && fgets(line, sizeof line, f)) {
        char dh[33], sh[33], nh[33], dev[IFNAMSIZ + 1];
        unsigned plen, splen;
        unsigned long metric, refcnt, use, flags;
        struct in6_addr d, g;
        if (sscanf(line, "%32s %x %32s %x %32s %lx %lx %lx %lx %16s", dh, &plen, sh, &splen, nh,
                   &metric, &refcnt, &use, &flags, dev) != 10 ||
            hex6(dh, &d) < 0 || hex6(nh, &g) < 0 || plen > 128 || (flags & RT_REJECT))
            continue;
        char ds[INET6_ADDRSTRLEN], gs[INET6_ADDRSTRLEN] = "";
        inet_ntop(AF_INET6, &d, ds, sizeof ds);
        if (!IN6_IS_ADDR_UNSPECIFIED(&g))
            inet_ntop(AF_INET6, &g, gs, sizeof gs);
        route_row(t, ds, (int)plen, dev, metric, gs);
    }
    if (f)
        fclose(f);
    sort_routes(t, from);
}

int iflist_print(FILE *f, struct pr_error *e)
{
    FILE *dev = fopen("/proc/net/dev", "r");
    if (!dev)
        return pr_errf(e, "--iflist: cannot read /proc/net/dev");
    struct table ifs = {.ncol = 7}, rts = {.ncol = 4};
    static const char *const ih[] = {"DEV", "(SHORT)", "IP/MASK", "TYPE", "UP", "MTU", "MAC"};
    static const char *const rh[] = {"DST/MASK", "DEV", "METRIC", "GATEWAY"};
    char(*c)[CELL] = row_add(&ifs, 0);
    for (int i = 0; i < 7; i++)
        snprintf(c[i], CELL, "%s", ih[i]);
    interfaces(&ifs, dev);
    fclose(dev);
    c = row_add(&rts, 999); /* the header stays first */
    for (int i = 0; i < 4; i++)
        snprintf(c[i], CELL, "%s", rh[i]);
    routes4(&rts);
    routes6(&rts);
    fputs("************************INTERFACES************************\n", f);
    table_print(f, &ifs);
    fputs("\n**************************ROUTES**************************\n", f);
    table_print(f, &rts);
    fputs("\n", f);
    table_free(&ifs);
    table_free(&rts);
    return 0;
}
