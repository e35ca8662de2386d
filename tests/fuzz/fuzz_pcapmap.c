/* libFuzzer target: pcapmap.h against libpcap. The input is a capture file, read by both:
 * when pcapmap takes it (a classic pcap file of a link type detect reads), every frame must
 * be the same (bytes, length, time in microseconds) and both must end the same way (the
 * end, or an error after the same number of frames). */
#include "detect/pcapmap.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int supported(int dlt)
{
    static const int dlts[] = {1, 12, 101, 113, 276, 0, 108, 228, 229};
    for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++)
        if (dlts[i] == dlt)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pcapmap pm;
    if (pcapmap_init(&pm, data, size) < 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        abort();
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!p) { /* libpcap refuses what pcapmap took: only a header it finds wrong */
        fclose(f);
        return 0;
    }
    if (!supported(pcap_datalink(p))) { /* capture.c reads only these (other snapshot limits) */
        pcap_close(p);
        return 0;
    }
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *want;
        int r = pcap_next_ex(p, &h, &want);
        const uint8_t *got;
        uint32_t caplen;
        uint64_t ts;
        char why[128] = "";
        int m = pcapmap_next(&pm, &got, &caplen, &ts);
        if (r == 1) {
            if (m != 1 || caplen != h->caplen || memcmp(got, want, caplen) ||
                ts != (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec)
                abort();
        } else if (r == PCAP_ERROR_BREAK) {
            if (m != 2)
                abort();
            break;
        } else {
            if (m != -1)
                abort();
            pcapmap_error(&pm, why, sizeof why); /* libpcap's words */
            if (strcmp(why, pcap_geterr(p)))
                abort();
            break;
        }
    }
    pcap_close(p);
    return 0;
}
