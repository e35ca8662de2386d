/* libFuzzer target: rxring_next() on frames whose header (status, offsets, lengths) is
 * hostile bytes, as a kernel bug or a changed layout could leave them. Checks that the
 * packet it hands out lies inside its frame (and that the checksum check of rawio_recv reads
 * only that packet), and that the walk wraps at the ring's end. */
#include "net/packet.h"
#include "net/rxring.h"

#include <linux/if_packet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FRAMES 4u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t ring[FRAMES * RXRING_FRAME] __attribute__((aligned(16)));
    memset(ring, 0, sizeof ring);
    memcpy(ring, data, size < sizeof ring ? size : sizeof ring);
    struct rxring r = {.ring = ring, .ring_len = sizeof ring, .frame_nr = FRAMES};
    for (unsigned i = 0; i < 2 * FRAMES; i++) {
        const uint8_t *pkt;
        size_t len, wire;
        uint8_t type;
        uint32_t status;
        uint8_t *frame = ring + (size_t)r.head * RXRING_FRAME;
        if (!rxring_next(&r, &pkt, &len, &wire, &type, &status))
            break;
        if (pkt < frame || len > RXRING_FRAME || pkt + len > frame + RXRING_FRAME)
            abort();
        if (!(status & TP_STATUS_USER))
            abort();
        (void)pkt_csum_check(pkt, len, PKT_CSUM_L4 | PKT_CSUM_PARTIAL); /* reads only pkt */
        volatile uint8_t sink = 0;
        for (size_t k = 0; k < len; k++) /* ASan: every byte handed out is readable */
            sink ^= pkt[k];
        (void)sink;
        rxring_release(&r);
        if (((struct tpacket2_hdr *)frame)->tp_status != TP_STATUS_KERNEL || r.head >= FRAMES)
            abort();
    }
    return 0;
}
