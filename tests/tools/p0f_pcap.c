/* p0f_pcap.c — test helper: the passive OS fingerprint (os/p0fmatch) of every SYN and
 * SYN+ACK in a capture, one line each, in the words p0f's own log uses, so that a lab test
 * can compare them with `p0f -r`:
 *   SRC/SPORT -> DST/DPORT mod=syn|syn+ack os|app=NAME FLAVOR|??? generic=0|1 fuzzy=0|1
 *   dist=N line=L   (app= for p0f's application labels, class '!')
 * Usage: p0f_pcap FILE [p0f.fp]. Link types: Ethernet, raw IP, Linux cooked. */
#include "core/addr.h"
#include "os/p0fmatch.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

static const uint8_t *ip_start(int dlt, const uint8_t *p, size_t *len)
{
    size_t off;
    uint16_t type;
    switch (dlt) {
    case DLT_EN10MB:
        if (*len < 14)
            return NULL;
        off = 14;
        type = (uint16_t)(p[12] << 8 | p[13]);
        while ((type == 0x8100 || type == 0x88a8) && *len >= off + 4) {
            type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
            off += 4;
        }
        if (type != 0x0800 && type != 0x86dd)
            return NULL;
        break;
    case DLT_LINUX_SLL:
        off = 16;
        break;
    case DLT_RAW:
    case 228: /* IPv4 */
    case 229: /* IPv6 */
        off = 0;
        break;
    default:
        return NULL;
    }
    if (*len <= off)
        return NULL;
    *len -= off;
    return p + off;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: p0f_pcap FILE [p0f.fp]\n", stderr);
        return 2;
    }
    struct pr_error e = {{0}};
    struct p0f_db db;
    if (p0f_db_load(&db, argc > 2 ? argv[2] : NULL, &e) < 0) {
        fprintf(stderr, "p0f_pcap: %s\n", e.msg);
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(argv[1], err);
    if (!pc) {
        fprintf(stderr, "p0f_pcap: %s\n", err);
        p0f_db_free(&db);
        return 2;
    }
    int dlt = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        size_t len = h->caplen;
        const uint8_t *ip = ip_start(dlt, data, &len);
        struct p0f_obs o;
        if (!ip || p0f_observe(ip, len, &o) < 0)
            continue;
        struct p0f_result r;
        p0f_match(&db, &o, &r);
        char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], os[160];
        int af = o.ver == 4 ? AF_INET : AF_INET6;
        inet_ntop(af, ip + (o.ver == 4 ? 12 : 8), src, sizeof src);
        inet_ntop(af, ip + (o.ver == 4 ? 16 : 24), dst, sizeof dst);
        size_t l4 = o.ver == 4 ? (size_t)(ip[0] & 15) * 4 : 40;
        if (r.label)
            p0f_label_str(r.label, os, sizeof os);
        else
            snprintf(os, sizeof os, "???");
        printf("%s/%u -> %s/%u mod=%s %s=%s generic=%d fuzzy=%d dist=%d line=%u\n", src,
               (unsigned)(ip[l4] << 8 | ip[l4 + 1]), dst, (unsigned)(ip[l4 + 2] << 8 | ip[l4 + 3]),
               o.dir == P0F_SYN ? "syn" : "syn+ack",
               r.label && !strcmp(r.label->cls, "!") ? "app" : "os", os,
               r.label && r.label->type == 'g', r.fuzzy, r.dist, r.line);
    }
    pcap_close(pc);
    p0f_db_free(&db);
    return 0;
}
