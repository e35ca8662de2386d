/* rdns.c — see rdns.h (c-ares: ares_gethostbyaddr driven by poll). */
#include "net/rdns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RDNS_SOCKS_MAX 64 /* sockets c-ares may hold open at once (one per server and kind) */

struct hosts_entry {
    struct pr_addr addr;
    char *name;
};

struct rdns {
    ares_channel ch;
    int ready; /* ares_library_init and ares_init_options succeeded */
    int dead;
    /* queries in flight at once, as a congestion window (a server's receive buffer drops
     * a burst of thousands): +1 per answer without a timeout up to ssthresh, then slower;
     * halved (at most once a try) when an answer needed a retry */
    double window, ssthresh;
    long long last_cut_ms;
    struct pollfd socks[RDNS_SOCKS_MAX];
    size_t nsocks;
    struct hosts_entry *hosts; /* /etc/hosts, first name of each address */
    size_t nhosts;
};

/* One address of a batch, the callback's argument. */
struct slot {
    struct rdns *r;
    char **name;
    int *answered; /* a server answered (a name) */
    size_t *pending;
};

size_t rdns_name_clean(const char *in, char *out, size_t outlen)
{
    size_t n = in ? strnlen(in, RDNS_NAME_MAX + 2) : 0;
    if (n && in[n - 1] == '.')
        n--;
    if (!n || n > RDNS_NAME_MAX || outlen <= n) {
        if (outlen)
            out[0] = 0;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        out[i] = isascii(c) && (isalnum(c) || strchr(".-+=:_~*", c)) && c ? (char)c : '*';
    }
    out[n] = 0;
    return n;
}

static int is_loopback(const struct pr_addr *a)
{
    static const uint8_t one6[16] = {[15] = 1};
    if (a->family == AF_INET)
        return a->a[0] == 127;
    return !memcmp(a->a, one6, 16) ||
           (!memcmp(a->a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) && a->a[12] == 127);
}

/* c-ares opened or closed a socket, or changed what it waits for on it. */
static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct rdns *r = data;
    size_t i = 0;
    while (i < r->nsocks && r->socks[i].fd != fd)
        i++;
    if (!readable && !writable) {
        if (i < r->nsocks)
            r->socks[i] = r->socks[--r->nsocks];
        return;
    }
    if (i == r->nsocks) {
        if (r->nsocks == RDNS_SOCKS_MAX)
            return; /* not polled: its queries end by timeout */
        r->nsocks++;
    }
    r->socks[i] = (struct pollfd){
        .fd = fd, .events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0))};
}

size_t rdns_hosts_line(const char *line, size_t len, struct pr_addr *addr, char *name,
                       size_t namelen)
{
    char buf[RDNS_LINE_MAX + 1], *save = NULL;
    if (len > RDNS_LINE_MAX || memchr(line, 0, len))
        return 0;
    memcpy(buf, line, len);
    buf[len] = 0;
    buf[strcspn(buf, "#\r\n")] = 0;
    char *a = strtok_r(buf, " \t", &save), *n = strtok_r(NULL, " \t", &save);
    *addr = (struct pr_addr){0};
    if (!a || !n)
        return 0;
    if (inet_pton(AF_INET, a, addr->a) == 1)
        addr->family = AF_INET;
    else if (inet_pton(AF_INET6, a, addr->a) == 1)
        addr->family = AF_INET6;
    else
        return 0;
    return rdns_name_clean(n, name, namelen);
}

/* /etc/hosts, read once: the first name of each address (as nmap); a line longer than
 * RDNS_LINE_MAX is skipped whole. */
static void hosts_load(struct rdns *r)
{
    FILE *f = fopen("/etc/hosts", "r");
    if (!f)
        return;
    char line[RDNS_LINE_MAX + 2];
    int skipping = 0;
    while (fgets(line, sizeof line, f) && r->nhosts < RDNS_HOSTS_MAX) {
        size_t len = strlen(line);
        int nl = len && line[len - 1] == '\n', whole = nl || feof(f);
        if (skipping || !whole) { /* the start or the rest of a line that is too long */
            skipping = !whole;
            continue;
        }
        len -= (size_t)nl;
        struct pr_addr ad;
        char clean[RDNS_NAME_MAX + 1];
        if (!rdns_hosts_line(line, len, &ad, clean, sizeof clean))
            continue;
        int seen = 0;
        for (size_t i = 0; i < r->nhosts && !seen; i++)
            seen = addr_eq(&r->hosts[i].addr, &ad);
        if (seen)
            continue;
        r->hosts = pr_reallocarray(r->hosts, r->nhosts + 1, sizeof *r->hosts);
        r->hosts[r->nhosts++] = (struct hosts_entry){.addr = ad, .name = pr_strdup(clean)};
    }
    fclose(f);
}

int rdns_open(const char *servers, struct rdns **out, struct pr_error *e)
{
    struct rdns *r = pr_calloc(1, sizeof *r);
    int rc = ares_library_init(ARES_LIB_INIT_ALL);
    if (rc != ARES_SUCCESS) {
        free(r);
        return pr_errf(e, "reverse DNS: c-ares: %s", ares_strerror(rc));
    }
    struct ares_options o = {.timeout = RDNS_TRY_MS,
                             .tries = RDNS_TRIES,
                             .lookups = (char *)"b",
                             .sock_state_cb = on_sock_state,
                             .sock_state_cb_data = r};
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB;
    rc = ares_init_options(&r->ch, &o, mask);
    if (rc == ARES_SUCCESS) {
        r->ready = 1;
        if (servers)
            rc = ares_set_servers_ports_csv(r->ch, servers);
    }
    if (rc != ARES_SUCCESS) {
        pr_errf(e, "reverse DNS: %s%s%s: %s", servers ? "--dns-servers " : "",
                servers ? servers : "/etc/resolv.conf", servers ? "" : " unusable",
                ares_strerror(rc));
        rdns_close(r);
        return -1;
    }
    hosts_load(r);
    r->window = RDNS_WINDOW_START;
    r->ssthresh = RDNS_INFLIGHT_MAX;
    *out = r;
    return 0;
}

void rdns_close(struct rdns *r)
{
    if (!r)
        return;
    if (r->ready)
        ares_destroy(r->ch);
    ares_library_cleanup();
    for (size_t i = 0; i < r->nhosts; i++)
        free(r->hosts[i].name);
    free(r->hosts);
    free(r);
}

int rdns_dead(const struct rdns *r)
{
    return r->dead;
}

static long long now_ms(void);

/* The window after one lookup ended (see struct rdns). */
static void window_update(struct rdns *r, int timeouts)
{
    if (!timeouts) {
        r->window += r->window < r->ssthresh ? 1.0 : 1.0 / r->window;
        if (r->window > RDNS_INFLIGHT_MAX)
            r->window = RDNS_INFLIGHT_MAX;
        return;
    }
    long long t = now_ms();
    if (t - r->last_cut_ms < RDNS_TRY_MS)
        return; /* the same burst of losses */
    r->last_cut_ms = t;
    r->ssthresh = r->window / 2 > RDNS_WINDOW_MIN ? r->window / 2 : RDNS_WINDOW_MIN;
    r->window = r->ssthresh;
}

static void on_host(void *arg, int status, int timeouts, struct hostent *he)
{
    struct slot *s = arg;
    (*s->pending)--;
    if (status != ARES_ECANCELLED && status != ARES_EDESTRUCTION)
        window_update(s->r, timeouts);
    /* c-ares ends a lookup that timed out, or whose server was unreachable, with
     * ARES_ENOTFOUND as for "no such name": pump() sees the replies */
    if (status == ARES_SUCCESS)
        *s->answered = 1;
    char clean[RDNS_NAME_MAX + 1];
    if (status == ARES_SUCCESS && he && he->h_name &&
        rdns_name_clean(he->h_name, clean, sizeof clean))
        *s->name = pr_strdup(clean);
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for the sockets (at most until the next c-ares timeout or the deadline) and lets
 * c-ares read, write and expire what is due. Returns 1 when a reply came in. */
static int pump(struct rdns *r, long long deadline)
{
    struct timeval maxtv = {0, 0}, tv;
    long long left = deadline - now_ms();
    if (left < 0)
        left = 0;
    maxtv.tv_sec = (time_t)(left / 1000);
    maxtv.tv_usec = (suseconds_t)(left % 1000) * 1000;
    struct timeval *t = ares_timeout(r->ch, &maxtv, &tv);
    int ms = (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
    if (ms > 100)
        ms = 100; /* a stop is seen within 0.1 s */
    struct pollfd p[RDNS_SOCKS_MAX];
    size_t np = r->nsocks;
    memcpy(p, r->socks, np * sizeof *p);
    int n = poll(p, np, ms);
    int any = 0, reply = 0;
    for (size_t i = 0; n > 0 && i < np; i++) {
        if (!p[i].revents)
            continue;
        any = 1;
        if ((p[i].revents & POLLIN) && !(p[i].revents & POLLERR))
            reply = 1; /* not an ICMP error */
        ares_socket_t rd = p[i].revents & (POLLIN | POLLERR | POLLHUP) ? p[i].fd : ARES_SOCKET_BAD;
        ares_socket_t wr = p[i].revents & POLLOUT ? p[i].fd : ARES_SOCKET_BAD;
        ares_process_fd(r->ch, rd, wr);
    }
    if (!any)
        ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
    return reply;
}

size_t rdns_resolve(struct rdns *r, const struct pr_addr *addr, size_t n, char **names,
                    volatile sig_atomic_t *stop)
{
    size_t found = 0, pending = 0, next = 0;
    int answered = 0;
    struct slot *slots = pr_calloc(n ? n : 1, sizeof *slots);
    long long t0 = now_ms(), idle = t0 + RDNS_BATCH_MS;
    long long deadline = t0 + RDNS_BATCH_MS + (long long)n * RDNS_ADDR_US / 1000;
    int asked = 0, stopped = 0;
    for (size_t i = 0; i < n; i++)
        names[i] = NULL;
    for (;;) {
        while (next < n && (double)pending < r->window) {
            size_t i = next++;
            const struct hosts_entry *h = NULL;
            for (size_t k = 0; k < r->nhosts && !h; k++)
                if (addr_eq(&r->hosts[k].addr, &addr[i]))
                    h = &r->hosts[k];
            if (h) {
                names[i] = pr_strdup(h->name);
                continue;
            }
            if (r->dead || is_loopback(&addr[i]))
                continue;
            slots[i] = (struct slot){
                .r = r, .name = &names[i], .answered = &answered, .pending = &pending};
            pending++;
            asked = 1;
            ares_gethostbyaddr(r->ch, addr[i].a, addr[i].family == AF_INET6 ? 16 : 4,
                               addr[i].family, on_host, &slots[i]); /* may call back at once */
        }
        if (!pending && next == n)
            break;
        long long t = now_ms();
        if ((stop && *stop) || t >= deadline || t >= idle) {
            stopped = stop && *stop;
            ares_cancel(r->ch); /* every pending query calls back with ARES_ECANCELLED */
            break;
        }
        if (pump(r, deadline < idle ? deadline : idle)) {
            answered = 1;
            idle = now_ms() + RDNS_BATCH_MS;
        }
    }
    if (asked && !answered && !stopped)
        r->dead = 1;
    free(slots);
    for (size_t i = 0; i < n; i++)
        found += names[i] != NULL;
    return found;
}
