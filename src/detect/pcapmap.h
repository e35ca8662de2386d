/* pcapmap.h — the records of a classic pcap file read straight from memory (a mapping of
 * the file), for detect -r's hot path: no copy, no call into stdio, and a frame stays valid
 * until the mapping goes, so a reader may look ahead (capture.c maps the file; pcapng files
 * and filtered reads go through libpcap).
 *
 * The records are read as libpcap reads them (sf-pcap.c): a frame longer than the file's
 * snapshot length is cut to it, a length beyond 262,144 bytes or a record cut short by the
 * end of the file is an error naming the frame. No state but the struct; one thread. */
#ifndef PR_DETECT_PCAPMAP_H
#define PR_DETECT_PCAPMAP_H

#include <stddef.h>
#include <stdint.h>

struct pcapmap {
    const uint8_t *data; /* the whole file */
    size_t len, off;     /* off: the next record */
    int swapped, nano;   /* big-endian; nanosecond times */
    uint32_t snap;       /* frames are cut to this */
    uint32_t linktype;
    uint64_t frames; /* records read */
};

/* 0 with pm set to read the records of the classic pcap file in data[0..len) (version 2.4,
 * either byte order, micro- or nanosecond times), or -1 when it is not one (pcapng, an old
 * version, a short header): the caller reads it some other way. */
int pcapmap_init(struct pcapmap *pm, const uint8_t *data, size_t len);

/* The next record: 1 with *frame (pointing into data), *caplen and *ts_us (microseconds)
 * set; 2 at the end of the file; -1 when the record after the pm->frames read so far is
 * wrong (pcapmap_error says how), and again at each call. */
int pcapmap_next(struct pcapmap *pm, const uint8_t **frame, uint32_t *caplen, uint64_t *ts_us);
/* What is wrong with the record pcapmap_next refused, in err (errlen bytes): a truncated
 * file, a length beyond 262,144, in libpcap's words. */
void pcapmap_error(const struct pcapmap *pm, char *err, size_t errlen);

#endif
