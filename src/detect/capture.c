/* capture.c — see capture.h. */
#include "detect/capture.h"

#include "detect/pcapmap.h"
#include "net/neigh.h"

#include <fcntl.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct det_capture {
    pcap_t *p;
    int dlt;
    int live;
    char name[256];
    struct det_capture_stats st;
    int ifindex; /* live: the interface, for its neighbour table */
    struct neigh_table neigh;
    /* a classic pcap file read without a filter: its records read into a buffer of its own */
    int buffered;
    struct pcapmap map;
};

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Where the IP datagram of a frame of link type dlt starts: 0 with *off set, or -1. */
static int ip_offset(int dlt, const uint8_t *f, size_t len, size_t *off)
{
    uint16_t et;
    switch (dlt) {
    case DLT_EN10MB:
        return pkt_ether_ip(f, len, off);
    case DLT_RAW:
    case 101: /* LINKTYPE_RAW, as stored in files */
    case 228: /* DLT_IPV4 */
    case 229: /* DLT_IPV6 */
        *off = 0;
        return 0;
    case DLT_LINUX_SLL:
        if (len < 16)
            return -1;
        et = be16(f + 14);
        *off = 16;
        return et == 0x0800 || et == 0x86dd ? 0 : -1;
    case DLT_LINUX_SLL2:
        if (len < 20)
            return -1;
        et = be16(f);
        *off = 20;
        return et == 0x0800 || et == 0x86dd ? 0 : -1;
    case DLT_NULL:
    case DLT_LOOP: {
        if (len < 4)
            return -1;
        /* the family is host-order for NULL and big-endian for LOOP; accept either */
        uint32_t le =
            (uint32_t)f[0] | (uint32_t)f[1] << 8 | (uint32_t)f[2] << 16 | (uint32_t)f[3] << 24;
        uint32_t be =
            (uint32_t)f[3] | (uint32_t)f[2] << 8 | (uint32_t)f[1] << 16 | (uint32_t)f[0] << 24;
        uint32_t fam = dlt == DLT_LOOP ? be : (le < 256 ? le : be);
        if (fam != 2 && fam != 10 && fam != 24 && fam != 28 && fam != 30)
            return -1;
        *off = 4;
        return 0;
    }
    default:
        return -1;
    }
}

int det_decode_frame(int dlt, const uint8_t *f, size_t len, struct pkt_info *p)
{
    size_t off;
    memset(p, 0, sizeof *p);
    if (ip_offset(dlt, f, len, &off) < 0)
        return -1;
    return pkt_parse(f + off, len - off, p);
}

/* The ethertype of an Ethernet frame after its VLAN tags, and where its payload starts;
 * -1 when the frame is too short. */
static int ether_type(const uint8_t *f, size_t len, size_t *off)
{
    if (len < 14)
        return -1;
    size_t o = 12;
    uint16_t type = be16(f + o);
    for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); i++) {
        if (len - o < 6)
            return -1;
        o += 4;
        type = be16(f + o);
    }
    *off = o + 2;
    return type;
}

/* An ARP request or reply for IPv4 over Ethernet: its sender's address and MAC. */
static int arp_binding(const uint8_t *a, size_t len, uint64_t ts_us, struct det_event *ev)
{
    if (len < 28 || be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 ||
        (be16(a + 6) != 1 && be16(a + 6) != 2))
        return -1;
    uint32_t sip = (uint32_t)a[14] << 24 | (uint32_t)a[15] << 16 | (uint32_t)a[16] << 8 | a[17];
    if (!sip) /* an ARP probe (RFC 5227) claims nothing yet */
        return -1;
    memset(ev, 0, sizeof *ev);
    ev->ts_us = ts_us;
    ev->origin = DET_ORIG_BIND;
    addr_from_v4(&ev->src, sip);
    ev->has_mac = 1;
    memcpy(ev->src_mac, a + 8, 6);
    return 0;
}

int det_decode_event(int dlt, const uint8_t *f, size_t len, uint64_t ts_us, struct det_event *ev)
{
    size_t off;
    if (dlt == DLT_EN10MB && len >= 14 && !(f[12] == 0x08 && f[13] == 0x00) &&
        ether_type(f, len, &off) == 0x0806) /* (IPv4 frames skip the look) */
        return arp_binding(f + off, len - off, ts_us, ev);
    struct pkt_info p;
    if (ip_offset(dlt, f, len, &off) < 0 || pkt_parse(f + off, len - off, &p) < 0)
        return -1;
    /* a forged packet with a wrong checksum never reached a host's stack: not believed */
    if (pkt_csum_check(f + off, len - off,
                       PKT_CSUM_L4 | PKT_CSUM_PARTIAL | PKT_CSUM_TCP_BARE | PKT_CSUM_IP_UNSET) !=
        PKT_CSUM_OK)
        return -2;
    det_event_from_pkt(&p, ts_us, ev);
    ev->ip = f + off;
    ev->ip_len = (uint32_t)(len - off);
    if (dlt == DLT_EN10MB) {
        ev->has_mac = 1;
        memcpy(ev->src_mac, f + 6, 6);
    }
    return 0;
}

static int supported_dlt(int dlt)
{
    return dlt == DLT_EN10MB || dlt == DLT_RAW || dlt == 101 || dlt == 228 || dlt == 229 ||
           dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 || dlt == DLT_NULL || dlt == DLT_LOOP;
}

static int apply_filter(struct det_capture *c, const char *filter, struct pr_error *e)
{
    if (!filter)
        return 0;
    struct bpf_program prog;
    /* ARP and IPv6 neighbour discovery always pass: they bind addresses to MACs */
    char *full = NULL;
    if (c->dlt == DLT_EN10MB) {
        size_t n = strlen(filter) + 96;
        full = pr_calloc(1, n);
        snprintf(full, n, "(%s) or arp or (icmp6 and ip6[40] >= 133 and ip6[40] <= 136)", filter);
        if (pcap_compile(c->p, &prog, full, 1, PCAP_NETMASK_UNKNOWN) == 0)
            filter = NULL; /* compiled */
        free(full);
    }
    if (filter && pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
        return pr_errf(e, "filter '%s': %s", filter, pcap_geterr(c->p));
    int r = pcap_setfilter(c->p, &prog);
    pcap_freecode(&prog);
    if (r < 0)
        return pr_errf(e, "filter '%s': %s", filter, pcap_geterr(c->p));
    return 0;
}

static int finish_open(struct det_capture *c, const char *filter, struct det_capture **out,
                       struct pr_error *e)
{
    c->dlt = pcap_datalink(c->p);
    if (!supported_dlt(c->dlt)) {
        pr_errf(e, "%s: unsupported link type %s (%d)", c->name,
                pcap_datalink_val_to_name(c->dlt) ? pcap_datalink_val_to_name(c->dlt) : "?",
                c->dlt);
        det_capture_close(c);
        return -1;
    }
    if (apply_filter(c, filter, e) < 0) {
        det_capture_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

/* A ring of buffers for det_capture_ring (pcapmap_open_ring's arguments). */
struct ring_req {
    size_t size;
    unsigned n;
    void (*gate)(void *ctx, uint64_t frames);
    void *ctx;
};

/* Reads c's file (a classic pcap file opened by libpcap without a filter) with pcapmap.h
 * from its start, on a descriptor of its own (into the ring rq, if not NULL): else c stays
 * with libpcap. */
static void use_pcapmap(struct det_capture *c, const struct ring_req *rq)
{
    FILE *f = c->p ? pcap_file(c->p) : NULL;
    int fd = f ? fcntl(fileno(f), F_DUPFD_CLOEXEC, 0) : -1;
    struct stat st;
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (rq ? pcapmap_open_ring(&c->map, fd, rq->size, rq->n, rq->gate, rq->ctx)
            : pcapmap_open(&c->map, fd, PCAPMAP_BUF)) == 0)
        c->buffered = 1;
    else
        close(fd);
}

/* det_capture_open_file, read by pcapmap.h into the ring rq if not NULL. */
static int open_file(const char *path, const char *filter, const struct ring_req *rq,
                     struct det_capture **out, struct pr_error *e)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    struct det_capture *c = pr_calloc(1, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", path);
    c->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!c->p) {
        free(c);
        if (!strncmp(err, path, strlen(path))) /* libpcap named the file already */
            return pr_errf(e, "%s", err);
        return pr_errf(e, "%s: %s", path, err);
    }
    if (finish_open(c, filter, out, e) < 0)
        return -1;
    if (!filter && strcmp(path, "-")) /* (stdin is read from where it stands) */
        use_pcapmap(c, rq);
    return 0;
}

int det_capture_open_file(const char *path, const char *filter, struct det_capture **out,
                          struct pr_error *e)
{
    return open_file(path, filter, NULL, out, e);
}

int det_capture_ring(const char *path, size_t bufsize, unsigned nbuf,
                     void (*gate)(void *ctx, uint64_t frames), void *ctx, struct det_capture **out,
                     struct pr_error *e)
{
    struct ring_req rq = {bufsize, nbuf, gate, ctx};
    if (open_file(path, NULL, &rq, out, e) < 0)
        return -1;
    if ((*out)->buffered)
        return 1;
    det_capture_close(*out);
    *out = NULL;
    return 0;
}

int det_capture_open_live(const char *iface, const char *filter, struct det_capture **out,
                          struct pr_error *e)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    struct det_capture *c = pr_calloc(1, sizeof *c);
    snprintf(c->name, sizeof c->name, "interface %s", iface);
    c->live = 1;
    c->ifindex = (int)if_nametoindex(iface);
    c->p = pcap_create(iface, err);
    if (!c->p) {
        free(c);
        return pr_errf(e, "interface %s: %s", iface, err);
    }
    pcap_set_snaplen(c->p, 256);
    pcap_set_promisc(c->p, 0);
    pcap_set_timeout(c->p, 100);
    pcap_set_immediate_mode(c->p, 1);
    pcap_set_buffer_size(c->p, 8 << 20);
    int r = pcap_activate(c->p);
    if (r < 0) {
        pr_errf(e, "interface %s: %s", iface, pcap_geterr(c->p));
        pcap_close(c->p);
        free(c);
        return -1;
    }
    if (pcap_setnonblock(c->p, 1, err) < 0 || pcap_get_selectable_fd(c->p) < 0) {
        pr_errf(e, "interface %s: cannot read without blocking: %s", iface, err);
        pcap_close(c->p);
        free(c);
        return -1;
    }
    return finish_open(c, filter, out, e);
}

static int pcap_frame(struct det_capture *c, struct det_frame *fr, struct pr_error *e);

/* A buffered file's record that cannot be read, named as libpcap's error would be. */
static int buffered_error(const struct det_capture *c, struct pr_error *e)
{
    char err[128];
    pcapmap_error(&c->map, err, sizeof err);
    return pr_errf(e, "%s: read error after %llu frames: %s", c->name,
                   (unsigned long long)c->st.frames, err);
}

int det_capture_next_frame(struct det_capture *c, struct det_frame *fr, struct pr_error *e)
{
    if (c->buffered) {
        int r = pcapmap_next(&c->map, &fr->data, &fr->len, &fr->ts_us);
        if (r < 0)
            return buffered_error(c, e);
        if (r == 2)
            return 2;
        c->st.frames++;
        fr->dlt = c->dlt;
        return 1;
    }
    return pcap_frame(c, fr, e);
}

/* det_capture_next_frame through libpcap (apart: the buffered path stays lean). */
static __attribute__((noinline)) int pcap_frame(struct det_capture *c, struct det_frame *fr,
                                                struct pr_error *e)
{
    int waited = 0;
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(c->p, &h, &data);
        if (r == 0 && c->live && !waited) {
            /* non-blocking: wait up to 100 ms (a signal ends the wait early) */
            struct pollfd pfd = {.fd = pcap_get_selectable_fd(c->p), .events = POLLIN};
            poll(&pfd, 1, 100);
            waited = 1;
            continue;
        }
        if (r == 0)
            return 0;
        if (r == PCAP_ERROR_BREAK)
            return c->live ? 0 : 2;
        if (r < 0)
            return pr_errf(e, "%s: read error after %llu frames: %s", c->name,
                           (unsigned long long)c->st.frames, pcap_geterr(c->p));
        c->st.frames++;
        fr->data = data;
        fr->len = h->caplen;
        fr->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        fr->dlt = c->dlt;
        return 1;
    }
}

struct pcapmap *det_capture_buffer(struct det_capture *c)
{
    return c->buffered ? &c->map : NULL;
}

int det_capture_dlt(const struct det_capture *c)
{
    return c->dlt;
}

void det_capture_count(struct det_capture *c, uint64_t frames, uint64_t undecodable,
                       uint64_t badsum)
{
    c->st.frames += frames;
    c->st.undecodable += undecodable;
    c->st.badsum += badsum;
}

int det_capture_next(struct det_capture *c, struct det_event *ev, struct pr_error *e)
{
    for (;;) {
        struct det_frame fr;
        int r = det_capture_next_frame(c, &fr, e);
        if (r != 1)
            return r;
        int dr = det_decode_event(fr.dlt, fr.data, fr.len, fr.ts_us, ev);
        if (dr == 0)
            return 1;
        det_capture_count(c, 0, dr != -2, dr == -2);
    }
}

void det_capture_stats(struct det_capture *c, struct det_capture_stats *st)
{
    *st = c->st;
    if (c->live) {
        struct pcap_stat ps;
        if (pcap_stats(c->p, &ps) == 0)
            st->kernel_drops = ps.ps_drop;
    }
}

int det_capture_neighbour(void *ctx, const struct pr_addr *a, uint8_t mac[6])
{
    struct det_capture *c = ctx;
    if (!c->live || c->dlt != DLT_EN10MB || c->ifindex <= 0)
        return 0;
    if (neigh_load(&c->neigh, c->ifindex, NULL) < 0)
        return 0;
    const uint8_t *m = neigh_lookup(&c->neigh, a);
    if (!m)
        return 0;
    memcpy(mac, m, 6);
    return 1;
}

int det_capture_packet_fd(const struct det_capture *c)
{
    return c->live && c->dlt == DLT_EN10MB ? pcap_fileno(c->p) : -1;
}

void det_capture_break(struct det_capture *c)
{
    pcap_breakloop(c->p);
}

void det_capture_close(struct det_capture *c)
{
    if (!c)
        return;
    if (c->p)
        pcap_close(c->p);
    if (c->buffered)
        pcapmap_close(&c->map);
    neigh_free(&c->neigh);
    free(c);
}
