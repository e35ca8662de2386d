/* libFuzzer target: pcapmap.h against libpcap. The input is a capture file (in a memfd),
 * read by both: when pcapmap takes it (a classic pcap file of a link type detect reads),
 * every frame must be the same (bytes, length, time in microseconds) and both must end the
 * same way (the end, or an error after the same number of frames). pcapmap reads it twice
 * at once: with a tiny buffer (its size taken from the input's length, 1 to 64 bytes: every
 * record spans refills, the buffer grows for long ones) and as a ring of three buffers of
 * two of the longest records each (a record that spans one moves to the next). */
#include "detect/pcapmap.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
    int fd = memfd_create("fuzz_pcapmap", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    struct pcapmap pm[2];
    if (pcapmap_open(&pm[0], fd, 1 + size % 64) < 0) {
        close(fd);
        return 0;
    }
    if (pcapmap_open_ring(&pm[1], dup(fd), 1, 3, NULL, NULL) < 0) /* the smallest buffers */
        abort();
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        abort();
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!p) { /* libpcap refuses what pcapmap took: only a header it finds wrong */
        fclose(f);
        goto out;
    }
    if (!supported(pcap_datalink(p))) /* capture.c reads only these (other snapshot limits) */
        goto out_pcap;
    for (int end = 0; !end;) {
        struct pcap_pkthdr *h;
        const u_char *want;
        int r = pcap_next_ex(p, &h, &want);
        for (int i = 0; i < 2; i++) {
            const uint8_t *got;
            uint32_t caplen;
            uint64_t ts;
            char why[128] = "";
            int m = pcapmap_next(&pm[i], &got, &caplen, &ts);
            if (r == 1) {
                if (m != 1 || caplen != h->caplen || memcmp(got, want, caplen) ||
                    ts != (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec)
                    abort();
            } else if (r == PCAP_ERROR_BREAK) {
                if (m != 2)
                    abort();
                end = 1;
            } else {
                if (m != -1)
                    abort();
                pcapmap_error(&pm[i], why, sizeof why); /* libpcap's words */
                if (strcmp(why, pcap_geterr(p)))
                    abort();
                end = 1;
            }
        }
    }
out_pcap:
    pcap_close(p);
out:
    pcapmap_close(&pm[0]);
    pcapmap_close(&pm[1]);
    return 0;
}
