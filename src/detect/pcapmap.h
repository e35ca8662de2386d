/* pcapmap.h — the records of a classic pcap file read with large pread() calls into
 * bounded buffers of the reader's own, for detect -r's hot path: no stdio copy, no mapping
 * (a file that shrinks while it is read is a read error, never a fault); in a ring of
 * buffers, a frame stays valid while other threads use it (capture.c opens it; pcapng
 * files and filtered reads go through libpcap).
 *
 * The records are read as libpcap reads them (sf-pcap.c): a frame longer than the file's
 * snapshot length is cut to it, a length beyond 262,144 bytes or a record cut short by the
 * end of the file is an error naming the frame. A record that spans the buffer's end is
 * completed by moving its bytes read so far to the front (of the next buffer of a ring,
 * pcapmap_open_ring) and reading on.
 * No state but the struct; one thread per struct (readers of one file each have their own
 * descriptor, read with pread: no shared position). */
#ifndef PR_DETECT_PCAPMAP_H
#define PR_DETECT_PCAPMAP_H

#include <stddef.h>
#include <stdint.h>

#define PCAPMAP_RING_MAX 16u          /* the most buffers of a ring */
#define PCAPMAP_BUF ((size_t)1 << 20) /* the usual buffer (one engine) */
#define PCAPMAP_MAX_CAPLEN 262144u    /* libpcap's largest snapshot length (pcap-int.h) */
#define PCAPMAP_REC_HDR 16u           /* a record's header: seconds, fraction, lengths */
#define PCAPMAP_REC_MAX (PCAPMAP_REC_HDR + PCAPMAP_MAX_CAPLEN) /* the longest record */

struct pcapmap {
    int fd;
    uint8_t *buf;    /* the file's bytes from offset base, allocated at the first read */
    size_t size;     /* of buf (of each buffer of a ring) */
    size_t off, end; /* the next record at buf[off]; bytes read up to buf[end] */
    uint64_t base;
    int eof, err;      /* the file ended; errno of a failed read (else 0) */
    int swapped, nano; /* big-endian; nanosecond times */
    uint32_t snap;     /* frames are cut to this */
    uint32_t linktype;
    uint64_t frames; /* records read */
    /* a ring (pcapmap_open_ring): its buffers (buf is ring[cur]), the records read when
     * each was last left, and the caller's gate */
    uint8_t *ring[PCAPMAP_RING_MAX];
    uint64_t held[PCAPMAP_RING_MAX];
    unsigned nring, cur;
    void (*gate)(void *ctx, uint64_t frames);
    void *gate_ctx;
};

/* 0 with pm set to read the records of the classic pcap file open on fd (version 2.4,
 * either byte order, micro- or nanosecond times; pm owns fd from then on and closes it in
 * pcapmap_close), or -1 when it is not one (pcapng, an old version, a short header, a read
 * error): the caller reads it some other way and still owns fd. bufsize: the buffer's size
 * (a smaller one grows for a record that does not fit); a frame handed out stays valid
 * until the next call. */
int pcapmap_open(struct pcapmap *pm, int fd, size_t bufsize);
/* pcapmap_open for frames that other threads read long after they were read: nbuf buffers
 * (2 to PCAPMAP_RING_MAX) of bufsize bytes each (at least two records of the longest
 * length) are filled in turn, so a frame stays valid until its buffer is filled again,
 * nbuf - 1 buffers later. Before a buffer is filled again, gate(ctx, n) is called with the
 * number of records read when it was last left: it returns once the first n records are no
 * longer used (it may wait; it may call nothing of pm). 0, or -1 as pcapmap_open (or when
 * the buffers cannot be had). */
int pcapmap_open_ring(struct pcapmap *pm, int fd, size_t bufsize, unsigned nbuf,
                      void (*gate)(void *ctx, uint64_t frames), void *ctx);

/* The next record: 1 with *frame (pointing into pm's buffer: valid until the next call, or
 * in a ring until its buffer is filled again), *caplen and *ts_us (microseconds) set; 2 at the end
 * of the file; -1 when the record after the pm->frames read so far is wrong or cannot be read
 * (pcapmap_error says how; a file that shrank reads as truncated), and again at each call. */
int pcapmap_next_slow(struct pcapmap *pm, const uint8_t **frame, uint32_t *caplen, uint64_t *ts_us);
static inline int pcapmap_next(struct pcapmap *pm, const uint8_t **frame, uint32_t *caplen,
                               uint64_t *ts_us)
{
    size_t left = pm->end - pm->off; /* the usual record: whole in the buffer, in our byte
                                        order, microseconds (inline: --workers key every frame) */
    if (pm->swapped == (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) && !pm->nano &&
        left >= PCAPMAP_REC_HDR) {
        const uint8_t *r = pm->buf + pm->off;
        uint32_t sec, frac, cap;
        __builtin_memcpy(&cap, r + 8, 4);
        if (cap <= pm->snap && cap <= PCAPMAP_MAX_CAPLEN && cap <= left - PCAPMAP_REC_HDR) {
            __builtin_memcpy(&sec, r, 4);
            __builtin_memcpy(&frac, r + 4, 4);
            *frame = r + PCAPMAP_REC_HDR;
            *caplen = cap;
            *ts_us = (uint64_t)(int64_t)(int32_t)sec * 1000000u + (uint64_t)(int64_t)(int32_t)frac;
            pm->off += PCAPMAP_REC_HDR + cap;
            pm->frames++;
            return 1;
        }
    }
    return pcapmap_next_slow(pm, frame, caplen, ts_us);
}
/* What is wrong with the record pcapmap_next refused, in err (errlen bytes): a truncated
 * file, a length beyond 262,144, a failed read, in libpcap's words. */
void pcapmap_error(const struct pcapmap *pm, char *err, size_t errlen);
/* Frees the buffer and closes the descriptor (after pcapmap_open returned 0). */
void pcapmap_close(struct pcapmap *pm);

#endif
