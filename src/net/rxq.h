/* rxq.h — a receive thread: reads a rawio's replies on its own core and hands the ones
 * that matter to the thread that sends.
 *
 * The scan engine's receive side. rxq_start() starts a thread that takes every packet
 * from the rawio's receive half (net/rawio.h: the RX ring and its BPF filter), runs
 * the caller's classifier on it — which must only read data that stays unchanged while
 * the thread runs — and queues the fixed-size record the classifier fills in, when it
 * keeps the packet. The sending thread takes records with rxq_pop() and sleeps in
 * rxq_wait(). The queue between them is a single-producer single-consumer ring; when
 * it is full the thread stops reading, so the kernel ring fills and then counts drops
 * (rawio_drops), as a single thread would. */
#ifndef PR_NET_RXQ_H
#define PR_NET_RXQ_H

#include "core/error.h"
#include "net/rawio.h"

#include <stddef.h>
#include <stdint.h>

#define RXQ_REC_MAX 64u /* largest record */

/* Looks at one received packet (len bytes, the network header first), read at now
 * (now_us()). Returns 1 and fills rec (the rxq's rec_size bytes) to queue it, 0 to
 * drop it. Runs on the receive thread. */
typedef int (*rxq_classify_fn)(void *ud, const uint8_t *pkt, size_t len, uint64_t now, void *rec);

struct rxq_stats {
    uint64_t packets, bytes; /* every packet the thread read */
    uint64_t queued;         /* of them, records queued */
    uint64_t full_waits;     /* times the queue was full */
};

struct rxq;

/* Starts the thread on io's receive half; cap records (a power of two) of rec_size
 * bytes (<= RXQ_REC_MAX). Returns NULL with e saying why. */
struct rxq *rxq_start(struct rawio *io, size_t rec_size, size_t cap, rxq_classify_fn fn, void *ud,
                      struct pr_error *e);
/* Copies the oldest record into rec; 1 when there was one, 0 when the queue is empty. */
int rxq_pop(struct rxq *q, void *rec);
/* Waits up to timeout_us for a record; >0 when one is waiting. */
int rxq_wait(struct rxq *q, uint64_t timeout_us);
/* Stops and joins the thread; the records it queued can still be popped. st (may be
 * NULL) gets the thread's counts. Safe with q NULL and when stopped already. */
void rxq_stop(struct rxq *q, struct rxq_stats *st);
/* Stops the thread if it runs, and frees q with whatever is still queued. Safe with NULL. */
void rxq_free(struct rxq *q);

#endif
