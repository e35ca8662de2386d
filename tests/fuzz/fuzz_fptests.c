/* fuzz_fptests.c — libFuzzer target for the OS fingerprint tests (os/fptests.c), which
 * read hostile replies: the input is cut into up to 24 datagrams (a 2-byte big-endian
 * length before each), filed as the replies of one record (SEQ 1-6, OPS 1-6, ECN, T1-T7,
 * U1, IE 1-2), and the fingerprint and the SCAN line are computed. Nothing may crash,
 * read out of bounds, or leave a value that does not fit the fingerprint. */
#include "os/fptests.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fpt_record r; /* large: kept off the stack */
    static struct osfp fp;
    if (size > 65536)
        return 0;
    memset(&r, 0, sizeof r);
    r.seq_base = 1000;
    r.ack = 2000;
    r.open_port = 80;
    r.closed_port = 81;
    r.closed_port_known = 1;
    r.closed_udp = 40000;
    r.u1_sport = 50000;
    r.u1_ipid = 0x1042;
    r.u1_ttl = 60;
    struct fpt_pkt *slots[24];
    size_t n = 0;
    for (int i = 0; i < FPT_NSEQ; i++)
        slots[n++] = &r.seq[i];
    for (int i = 0; i < FPT_NSEQ; i++)
        slots[n++] = &r.ops[i];
    slots[n++] = &r.ecn;
    for (int i = 0; i < 7; i++)
        slots[n++] = &r.t[i];
    slots[n++] = &r.u1;
    slots[n++] = &r.ie[0];
    slots[n++] = &r.ie[1];
    size_t off = 0;
    for (size_t k = 0; k < n && off + 2 <= size; k++) {
        size_t len = (size_t)(data[off] << 8 | data[off + 1]);
        off += 2;
        if (len > size - off)
            len = size - off;
        if (len > FPT_PKT_MAX)
            len = FPT_PKT_MAX;
        memcpy(slots[k]->b, data + off, len);
        slots[k]->len = len;
        off += len;
    }
    for (int i = 0; i < FPT_NSEQ; i++)
        r.seq_sent[i].tv_usec = i * 100000;
    struct fpt_summary s;
    struct pr_error e;
    if (fpt_compute(&r, &fp, &s, &e) == 0) {
        assert(s.responses >= 0 && s.responses <= FPT_NSEQ);
        assert(fp.ntests <= OSFP_MAX_TESTS);
        char out[4096];
        osfp_format(&fp, out, sizeof out);
    }
    (void)fpt_scan_line(&fp, &r, &s, "0", NULL, 0, 0, 1, 1, 0, &e);
    return 0;
}
