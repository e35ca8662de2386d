/* pcapmap.c — see pcapmap.h. */
#include "detect/pcapmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR_LEN 24u
#define HOST_BE (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define REC_LEN PCAPMAP_REC_HDR

static uint32_t rd32(const struct pcapmap *pm, const uint8_t *p)
{
    if (pm->swapped)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Reads up to len bytes at the file's offset pos, as many as there are: the count, or -1
 * with errno. */
static ssize_t read_at(int fd, uint8_t *to, size_t len, uint64_t pos)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, to + got, len - got, (off_t)(pos + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int pcapmap_open(struct pcapmap *pm, int fd, size_t bufsize)
{
    uint8_t data[HDR_LEN];
    if (read_at(fd, data, HDR_LEN, 0) != HDR_LEN)
        return -1;
    /* the magic as written in little-endian order: which byte order and time unit */
    uint32_t magic =
        (uint32_t)data[3] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[1] << 8 | data[0];
    *pm = (struct pcapmap){.fd = fd, .base = HDR_LEN, .size = bufsize};
    if (pm->size < REC_LEN)
        pm->size = REC_LEN;
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
        pm->swapped = 0;
    else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
        pm->swapped = 1;
    else
        return -1;
    pm->nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
    uint16_t major =
        pm->swapped ? (uint16_t)(data[4] << 8 | data[5]) : (uint16_t)(data[5] << 8 | data[4]);
    uint16_t minor =
        pm->swapped ? (uint16_t)(data[6] << 8 | data[7]) : (uint16_t)(data[7] << 8 | data[6]);
    if (major != 2 || minor != 4) /* older versions swapped fields: libpcap knows them */
        return -1;
    pm->snap = rd32(pm, data + 16);
    if ((int32_t)pm->snap <= 0) /* (libpcap keeps any other, even beyond the maximum) */
        pm->snap = PCAPMAP_MAX_CAPLEN;
    pm->linktype = rd32(pm, data + 20) & 0x03ffffffu; /* (the upper bits: FCS length) */
    return 0;
}

int pcapmap_open_ring(struct pcapmap *pm, int fd, size_t bufsize, unsigned nbuf,
                      void (*gate)(void *ctx, uint64_t frames), void *ctx)
{
    if (nbuf < 2 || nbuf > PCAPMAP_RING_MAX || pcapmap_open(pm, fd, bufsize) < 0)
        return -1;
    if (pm->size < 2 * (size_t)PCAPMAP_REC_MAX)
        pm->size = 2 * (size_t)PCAPMAP_REC_MAX;
    for (unsigned i = 0; i < nbuf; i++) {
        if (!(pm->ring[i] = malloc(pm->size))) {
            while (i--)
                free(pm->ring[i]);
            return -1;
        }
    }
    pm->nring = nbuf;
    pm->buf = pm->ring[0];
    pm->gate = gate;
    pm->gate_ctx = ctx;
    return 0;
}

void pcapmap_close(struct pcapmap *pm)
{
    for (unsigned i = 0; i < pm->nring; i++)
        free(pm->ring[i]);
    if (!pm->nring)
        free(pm->buf);
    close(pm->fd);
    pm->buf = NULL;
}

/* Reads on until buf[off..end) holds need bytes, the file ends or a read fails. When the
 * record does not fit before the buffer's end, its bytes read so far move to the front:
 * of the same buffer (one that is still too small grows), or in a ring of the next buffer
 * once its gate lets it be filled again. -1 when a buffer cannot be had. */
static int fill(struct pcapmap *pm, size_t need)
{
    while (pm->end - pm->off < need && !pm->eof && !pm->err) {
        if (pm->buf && pm->size - pm->off < need) {
            const uint8_t *from = pm->buf + pm->off;
            if (pm->nring) { /* the ring's next buffer, once its frames are done with */
                unsigned next = (pm->cur + 1) % pm->nring;
                pm->held[pm->cur] = pm->frames;
                if (pm->gate)
                    pm->gate(pm->gate_ctx, pm->held[next]);
                pm->cur = next;
                pm->buf = pm->ring[next];
            }
            memmove(pm->buf, from, pm->end - pm->off);
            pm->base += pm->off, pm->end -= pm->off, pm->off = 0;
        }
        if (!pm->buf || pm->size - pm->off < need) { /* (a ring never: it holds the longest) */
            size_t size = pm->size;
            while (size - pm->off < need)
                size *= 2;
            uint8_t *b = realloc(pm->buf, size);
            if (!b)
                return pm->err = ENOMEM, -1;
            pm->buf = b, pm->size = size;
        }
        ssize_t r = read_at(pm->fd, pm->buf + pm->end, pm->size - pm->end, pm->base + pm->end);
        if (r < 0)
            pm->err = errno ? errno : EIO;
        else if (r == 0)
            pm->eof = 1;
        else
            pm->end += (size_t)r;
    }
    return 0;
}

/* The record at pm->off: 0 with its header fields, or -1 when it cannot be read. */
static int record(const struct pcapmap *pm, uint32_t *sec, uint32_t *frac, uint32_t *cap)
{
    size_t left = pm->end - pm->off;
    if (left < REC_LEN)
        return -1;
    const uint8_t *r = pm->buf + pm->off;
    if (pm->swapped == HOST_BE) { /* the file in our byte order */
        memcpy(sec, r, 4);
        memcpy(frac, r + 4, 4);
        memcpy(cap, r + 8, 4);
    } else {
        *sec = rd32(pm, r), *frac = rd32(pm, r + 4), *cap = rd32(pm, r + 8);
    }
    return *cap > PCAPMAP_MAX_CAPLEN || *cap > left - REC_LEN ? -1 : 0;
}

/* pcapmap_next beyond the usual record already in the buffer (pcapmap.h's inline part). */
int pcapmap_next_slow(struct pcapmap *pm, const uint8_t **frame, uint32_t *caplen, uint64_t *ts_us)
{
    uint32_t sec, frac, cap;
    if (fill(pm, REC_LEN) < 0)
        return -1;
    if (pm->end - pm->off >= REC_LEN) {
        (void)record(pm, &sec, &frac, &cap);
        if (cap <= PCAPMAP_MAX_CAPLEN && fill(pm, REC_LEN + cap) < 0)
            return -1;
    }
    if (pm->end == pm->off && pm->eof && !pm->err)
        return 2;
    if (pm->err || record(pm, &sec, &frac, &cap) < 0)
        return -1;
    *frame = pm->buf + pm->off + REC_LEN;
    *caplen = cap < pm->snap ? cap : pm->snap; /* the rest of the record is skipped */
    /* as libpcap reads them: signed 32-bit fields in our byte order, unsigned once swapped
     * (sf-pcap.c swaps the widened value) */
    int64_t s = pm->swapped != HOST_BE ? (int64_t)sec : (int32_t)sec;
    int64_t f = pm->swapped != HOST_BE ? (int64_t)frac : (int32_t)frac;
    *ts_us = (uint64_t)s * 1000000u + (uint64_t)(pm->nano ? f / 1000 : f);
    pm->off += REC_LEN + cap;
    pm->frames++;
    return 1;
}

void pcapmap_error(const struct pcapmap *pm, char *err, size_t errlen)
{
    uint32_t sec, frac, cap;
    size_t left = pm->end - pm->off;
    if (pm->err)
        snprintf(err, errlen, "error reading dump file: %s", strerror(pm->err));
    else if (left < REC_LEN)
        snprintf(err, errlen, "truncated dump file; tried to read %u header bytes, only got %zu",
                 REC_LEN, left);
    else if (record(pm, &sec, &frac, &cap) == 0)
        snprintf(err, errlen, "no error");
    else if (cap > PCAPMAP_MAX_CAPLEN)
        snprintf(err, errlen,
                 cap > pm->snap ? "invalid packet capture length %u, bigger than snaplen of %u"
                                : "invalid packet capture length %u, bigger than maximum of %u",
                 cap, cap > pm->snap ? pm->snap : PCAPMAP_MAX_CAPLEN);
    else /* (libpcap reads a longer frame's snapshot first, then the rest) */
        snprintf(err, errlen, "truncated dump file; tried to read %u captured bytes, only got %zu",
                 cap > pm->snap && left - REC_LEN < pm->snap ? pm->snap : cap, left - REC_LEN);
}
