/* libFuzzer target: frames through the detector's link-type decoder (IP datagrams, ARP
 * bindings, source MACs) and into a small engine with a responder, so that the evidence
 * code runs too. Input: one byte choosing the link type, then frames, each preceded by a
 * 2-byte big-endian length and a 1-byte time step in milliseconds. */
#include "detect/capture.h"
#include "detect/engine.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *respond(void *ctx, const struct det_alert *a)
{
    (void)ctx;
    return a->evidence & DET_EV_FORGED_MASK ? "none" : "would_block";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int dlts[] = {1, 12, 101, 113, 276, 0, 108, 228, 229};
    if (size < 1)
        return 0;
    int dlt = dlts[data[0] % (sizeof dlts / sizeof dlts[0])];
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 16;
    c.max_conns = 16;
    c.max_scans = 8;
    c.flags_threshold = 2;
    c.trw_min_fail = 2;
    c.port_threshold = 3;
    c.host_threshold = 3;
    struct det_engine *d = det_engine_new(&c, NULL);
    if (!d)
        return 0;
    det_engine_set_responder(d, respond, NULL);
    uint64_t ts = 1795661696ull * 1000000u;
    size_t off = 1;
    while (off + 3 <= size) {
        size_t n = (size_t)data[off] << 8 | data[off + 1];
        ts += (uint64_t)data[off + 2] * 1000u;
        off += 3;
        if (n > size - off)
            n = size - off;
        struct det_event ev;
        if (det_decode_event(dlt, data + off, n, ts, &ev) == 0)
            det_engine_event(d, &ev);
        off += n;
    }
    det_engine_finish(d);
    det_engine_free(d);
    return 0;
}
