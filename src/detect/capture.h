/* capture.h — packet sources of the detector: a capture file or a live interface.
 *
 * Both go through libpcap (pcap and pcapng files; live capture in immediate mode
 * with a 100 ms timeout so the caller can advance time when the wire is quiet), with
 * an optional BPF filter. Frames are decoded by link type (Ethernet, raw IP, Linux
 * cooked v1/v2, BSD loopback/NULL) into IP datagrams, parsed by net/packet.h and
 * turned into detector events; on Ethernet the frame's source MAC goes with the event and
 * ARP packets become address-to-MAC bindings (a BPF filter given by the user is widened to
 * let ARP and IPv6 neighbour discovery through). Owned by the caller; one thread. */
#ifndef PR_DETECT_CAPTURE_H
#define PR_DETECT_CAPTURE_H

#include "core/error.h"
#include "detect/event.h"

#include <stdint.h>

struct det_capture;
struct pcapmap;

struct det_capture_stats {
    uint64_t frames;       /* frames read */
    uint64_t undecodable;  /* frames that were not IPv4/IPv6 or failed to parse */
    uint64_t kernel_drops; /* live: dropped by the kernel (pcap_stats) */
    uint64_t badsum;       /* IP datagrams with a wrong checksum, ignored (pkt_csum_check; a
                              checksum left for the NIC and TCP data are not judged) */
};

/* Opens a capture file (pcap or pcapng); filter may be NULL. A classic pcap file read
 * without a filter is read with pcapmap.h (large reads into a 1 MiB buffer of c's own, no
 * stdio copy; a file that shrinks while it is read is a read error), anything else through
 * libpcap. */
int det_capture_open_file(const char *path, const char *filter, struct det_capture **out,
                          struct pr_error *e);
/* det_capture_open_file for a reader whose frames other threads use long after it read
 * them (--workers -r: the keyer): a classic pcap file is read into a ring of nbuf buffers
 * of bufsize bytes (pcapmap_open_ring: gate(ctx, n) returns once the first n frames are no
 * longer used). 1 with *out; 0 when the file is no classic pcap file (nothing is left
 * open: it is read some other way); -1 with e. */
int det_capture_ring(const char *path, size_t bufsize, unsigned nbuf,
                     void (*gate)(void *ctx, uint64_t frames), void *ctx, struct det_capture **out,
                     struct pr_error *e);
/* Opens a live interface (promiscuous off, immediate mode). */
int det_capture_open_live(const char *iface, const char *filter, struct det_capture **out,
                          struct pr_error *e);

/* Next event: 1 with *ev filled, 0 when a live read timed out (no packet),
 * 2 at the end of a file, or -1 with e naming the input on a read error (a
 * truncated or corrupt file). Frames that are not IP are skipped. */
int det_capture_next(struct det_capture *c, struct det_event *ev, struct pr_error *e);

/* A frame as read, not decoded (--workers: workers.h decodes in its threads). */
struct det_frame {
    const uint8_t *data; /* valid until the next read */
    uint32_t len;
    uint64_t ts_us;
    int dlt;
};
/* Next frame: 1 with *fr filled, else as det_capture_next (0, 2, -1). Counts the frame;
 * whoever decodes it reports a frame it could not use with det_capture_count. */
int det_capture_next_frame(struct det_capture *c, struct det_frame *fr, struct pr_error *e);
/* c's own reader when it reads with pcapmap.h (else NULL), for a reader that keys every
 * frame (--workers -r): it may call pcapmap_next itself, the frames' link type being
 * det_capture_dlt's; it counts them with det_capture_count, and at a -1 calls
 * det_capture_next_frame, which fails again and names the error. */
struct pcapmap *det_capture_buffer(struct det_capture *c);
int det_capture_dlt(const struct det_capture *c);
/* Adds frames of c read elsewhere (--workers reading the file themselves) and frames that
 * det_decode_event could not use (-1: undecodable, -2: bad checksum). */
void det_capture_count(struct det_capture *c, uint64_t frames, uint64_t undecodable,
                       uint64_t badsum);

void det_capture_stats(struct det_capture *c, struct det_capture_stats *st);
/* The MAC the kernel's neighbour table holds for a on a live Ethernet interface (a
 * det_binder_fn for engine.h): 1 with mac filled, 0 when unknown, not resolved (yet), or
 * not a live Ethernet capture. Reads the table over rtnetlink (no privilege needed). */
int det_capture_neighbour(void *ctx, const struct pr_addr *a, uint8_t mac[6]);
/* The AF_PACKET socket of a live capture of an Ethernet interface (for a fanout group,
 * fanout.h), else -1. */
int det_capture_packet_fd(const struct det_capture *c);
/* Interrupts a blocking read (safe from a signal handler). */
void det_capture_break(struct det_capture *c);
void det_capture_close(struct det_capture *c);

/* Decodes one frame of the given DLT into *p; 0 or -1 (exposed for tests and fuzzing). */
int det_decode_frame(int dlt, const uint8_t *frame, size_t len, struct pkt_info *p);
/* Decodes one frame seen at ts_us into a detector event: an IP datagram (with the
 * Ethernet source MAC when the link has one) or, for an ARP request or reply on Ethernet,
 * a DET_ORIG_BIND event (the sender's address and MAC). 0, -1 for a frame that is
 * neither, -2 for a datagram whose checksum is wrong (a forgery no host's stack took). */
int det_decode_event(int dlt, const uint8_t *frame, size_t len, uint64_t ts_us,
                     struct det_event *ev);

#endif
