/* capture.c — see capture.h. */
#include "detect/capture.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

struct det_capture {
    pcap_t *p;
    int dlt;
    int live;
    char name[256];
    struct det_capture_stats st;
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
    if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
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

int det_capture_open_file(const char *path, const char *filter, struct det_capture **out,
                          struct pr_error *e)
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
    return finish_open(c, filter, out, e);
}

int det_capture_open_live(const char *iface, const char *filter, struct det_capture **out,
                          struct pr_error *e)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    struct det_capture *c = pr_calloc(1, sizeof *c);
    snprintf(c->name, sizeof c->name, "interface %s", iface);
    c->live = 1;
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

int det_capture_next(struct det_capture *c, struct det_event *ev, struct pr_error *e)
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
        struct pkt_info p;
        size_t off;
        if (ip_offset(c->dlt, data, h->caplen, &off) < 0 ||
            pkt_parse(data + off, h->caplen - off, &p) < 0) {
            c->st.undecodable++;
            continue;
        }
        /* a forged packet with a wrong checksum never reached a host's stack: not believed */
        if (pkt_csum_check(data + off, h->caplen - off,
                           PKT_CSUM_L4 | PKT_CSUM_PARTIAL | PKT_CSUM_TCP_BARE) != PKT_CSUM_OK) {
            c->st.badsum++;
            continue;
        }
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        det_event_from_pkt(&p, ts, ev);
        return 1;
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
    free(c);
}
