/* frag.c — see frag.h. */
#include "net/frag.h"

#include "net/packet.h"

#include <string.h>

size_t frag_split(const uint8_t *pkt, size_t len, size_t size, uint8_t *out, size_t cap,
                  size_t *lens, size_t maxn)
{
    if (!pkt || !out || !lens || size < 8 || size % 8 || len < 20 || pkt[0] >> 4 != 4)
        return 0;
    size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
    size_t tot = (size_t)pkt[2] << 8 | pkt[3];
    unsigned fl = (unsigned)pkt[6] << 8 | pkt[7];
    if (ihl < 20 || tot != len || ihl > len || (fl & 0x7fff))
        return 0; /* not whole, DF set, or a fragment already */
    size_t data = len - ihl, n = data <= size ? 1 : (data + size - 1) / size;
    if (n > maxn || n * ihl + data > cap || n > 8191)
        return 0;
    uint8_t *o = out;
    for (size_t i = 0; i < n; i++) {
        size_t off = i * size, chunk = data - off < size ? data - off : size;
        memcpy(o, pkt, ihl);
        memcpy(o + ihl, pkt + ihl + off, chunk);
        size_t flen = ihl + chunk;
        unsigned f = (unsigned)(off / 8) | (i + 1 < n ? 0x2000u : 0u);
        o[2] = (uint8_t)(flen >> 8);
        o[3] = (uint8_t)flen;
        o[6] = (uint8_t)(f >> 8);
        o[7] = (uint8_t)f;
        o[10] = o[11] = 0;
        uint16_t c = pkt_cksum(o, ihl, 0);
        o[10] = (uint8_t)(c >> 8);
        o[11] = (uint8_t)c;
        lens[i] = flen;
        o += flen;
    }
    return n;
}
