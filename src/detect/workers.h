/* workers.h — detect on several cores (`--workers N`): one engine per worker thread, each
 * fed only the packets of its sources, so that no per-source state crosses workers.
 *
 * Each frame belongs to the worker of a keyed hash of the flow's initiator — the address
 * the engine keeps per-source state for (engine.h): the sender of a probe, the receiver of
 * its answer (SYN-ACK, RST, UDP reply, echo reply) and of the ICMP error that quotes it.
 * Which end began a flow is remembered in a bounded, direct-mapped flow map (the first
 * packet seen of a flow names it, as in the engine); a flow whose two ends have one worker
 * needs no entry. An IPv4 frame's key is read at fixed offsets, other frames are decoded
 * for it. -r of a classic pcap file: one keyer thread reads it into a ring of buffers
 * (pcapmap.h), finds every frame's worker once, in the file's order, and hands the frame,
 * where it lies, to that worker's queue, with ticks of every worker's clock where one
 * engine's would tick; each worker decodes only its own frames. -i on an Ethernet interface:
 * the kernel is the dispatcher (fanout.h: an eBPF fanout program with the flow map in an LRU
 * hash map, the same rule and hash) and each worker reads a socket of its own, its clock
 * following its frames or the wall clock. Otherwise (no eBPF, `-i any`, stdin, a pcapng
 * file or a filter) the thread that reads the input is the dispatcher (a classic BPF fanout
 * program, PACKET_FANOUT_CBPF, has no memory to tell a reply RST or ACK from a probe):
 * frames and events reach each worker through a bounded single-producer ring, and time (the
 * events' own, or the wall clock when quiet) is broadcast so that every engine sweeps when
 * one engine would.
 *
 * Each worker has its own passive OS cache and behaviour analysis (behave.h). Its alert
 * lines wait in a queue and are merged in time order once every worker has read past them:
 * ids renumbered to be unique (id k of worker w becomes (k - 1) * N + w + 1), scans of one
 * target by sources of different workers grouped into campaigns as engine.c does, then
 * det_engine_emit on the run's engine (its responder, `--block`, its sinks and its global
 * token bucket), under a mutex: the responder is called from one thread at a time.
 * docs/detect.md, "Workers", says what may still differ from one engine.
 * The dispatcher side is single-threaded; the workers share only the merge point. */
#ifndef PR_DETECT_WORKERS_H
#define PR_DETECT_WORKERS_H

#include "core/error.h"
#include "detect/capture.h"
#include "detect/engine.h"
#include "detect/event.h"
#include "detect/passive.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DET_MAX_WORKERS 64

/* Which end began each flow: the dispatcher's memory (fixed size, no allocation after
 * det_flowmap_new). */
struct det_flowmap;
struct det_flowmap *det_flowmap_new(uint64_t k0, uint64_t k1);
void det_flowmap_free(struct det_flowmap *m);
/* The address the engine keys ev's per-source state on (the flow's initiator; for an
 * ARP/ND binding, its sender); records a new flow in m. Returns a pointer into ev. */
const struct pr_addr *det_dispatch_key(struct det_flowmap *m, const struct det_event *ev);
/* The worker (0..n-1) of a key address. */
unsigned det_dispatch_worker(const struct det_flowmap *m, const struct pr_addr *key, unsigned n);
/* The key of m's per-address hash (det_dispatch_worker), for the kernel fanout's program
 * (fanout.h), which hashes addresses alike. */
uint64_t det_flowmap_worker_key(const struct det_flowmap *m);

struct det_workers_config {
    unsigned n;                          /* 2..DET_MAX_WORKERS */
    struct det_config cfg;               /* per worker: max_sources and max_conns are divided */
    const struct det_passive_config *pc; /* without inventory (only OS names, home network) */
    int stable;                          /* 1: k0, k1 are the run's stable table key */
    uint64_t k0, k1;
    struct det_engine *merge; /* the run's engine: its sinks, bucket and responder; no hooks */
    det_binder_fn binder;     /* -i: the neighbour table (engine.h), called under a lock; or NULL */
    void *binder_ctx;
    int respond; /* 1: merge has a responder (--block), which sees every merged line: each
                    worker then re-emits a reported scan whose evidence changed, as one
                    engine with a responder does (engine.h) */
};

struct det_workers;

/* Creates the workers' engines (before the privilege drop: the p0f database is read
 * here). Returns 0, or -1 with e filled. */
int det_workers_open(const struct det_workers_config *c, struct det_workers **out,
                     struct pr_error *e);
/* Starts the threads; 0 or -1 with e. */
int det_workers_start(struct det_workers *w, struct pr_error *e);
/* -r of a classic pcap file without a BPF filter: no dispatcher. One keyer thread reads
 * path (opened again on a descriptor of its own, into a ring of buffers that the workers
 * read in place) and finds every frame's key in the file's order (the same keys as the
 * dispatcher's); each worker decodes and processes only the frames of its own keys, its
 * clock following every frame's time. Call after det_workers_open and before the privilege
 * drop and det_workers_start; then call no det_workers_event, _frame or _tick. Reading ends
 * early once *stop is set. 1 when the workers read the file; 0 when they cannot (pcapng, a
 * filter: the caller reads it and hands its frames over as from stdin); -1 with e. */
int det_workers_read_file(struct det_workers *w, const char *path, const char *filter,
                          const volatile sig_atomic_t *stop, struct pr_error *e);
/* After det_workers_finish of a run with det_workers_read_file: -1 with e naming the file
 * and the frame when reading it failed (a truncated or corrupt file), else 0. */
int det_workers_read_error(const struct det_workers *w, struct pr_error *e);
/* -i with a kernel fanout (fanout.h): worker 0 reads cap (the run's live capture of iface,
 * opened with filter, not read by the caller, outliving w), every other worker a capture
 * of iface of its own (opened here with filter); their sockets join one eBPF fanout group
 * whose program gives each frame to the worker of its key, as the dispatcher would. Each
 * worker decodes and processes its frames (frames received before the group was complete
 * are dropped) and its clock follows their times, or the wall clock when its socket is
 * quiet (checked every 100 ms). Call after det_workers_open, before the privilege drop
 * and det_workers_start; then call no det_workers_event, _frame or _tick. Reading ends at
 * det_workers_finish or once *stop is set. 0, or -1 with e saying why there is no fanout
 * (not an Ethernet interface, no eBPF: w is as before, for the dispatcher). */
int det_workers_read_live(struct det_workers *w, struct det_capture *cap, const char *iface,
                          const char *filter, const volatile sig_atomic_t *stop,
                          struct pr_error *e);
/* 1 when the workers read the interface themselves (det_workers_read_live), 2 once they
 * have ended (a read error: det_workers_read_error says which), else 0. */
int det_workers_fanout(const struct det_workers *w);
/* With the kernel fanout, after det_workers_finish: one line on f, the frames each worker
 * processed and its socket's kernel drops; else nothing. */
void det_workers_summary(const struct det_workers *w, FILE *f);
/* Hands one event to its worker (waits while that worker's ring is full). */
void det_workers_event(struct det_workers *w, const struct det_event *ev);
/* Hands one frame to its worker, which decodes it (capture.h det_decode_event); the frames
 * the key cannot be read from quickly (not Ethernet and IPv4, fragments, long frames) are
 * decoded here and handed over as events. */
void det_workers_frame(struct det_workers *w, const struct det_frame *fr);
/* The frames the workers' threads read themselves (the keyer of det_workers_read_file, the
 * fanout's sockets; else 0) and those that could not be used (undecodable, wrong checksum), for the
 * capture's statistics (after det_workers_finish). */
void det_workers_frames(const struct det_workers *w, uint64_t *frames, uint64_t *undecodable,
                        uint64_t *badsum);
/* Live, nothing read: every worker's time moves to now_us and queued events are handed over. */
void det_workers_tick(struct det_workers *w, uint64_t now_us);
/* End of input: each worker finishes its engine (det_engine_finish); waits for all. */
void det_workers_finish(struct det_workers *w);
/* hold 1: no line is written until det_workers_hold(w, 0) (the run's sinks may be reopened
 * meanwhile: SIGHUP); w may be NULL. */
void det_workers_hold(struct det_workers *w, int hold);
/* The workers' statistics summed (events, probes, sources, scans...) and their table bytes. */
void det_workers_stats(const struct det_workers *w, struct det_stats *sum, size_t *bytes);
void det_workers_free(struct det_workers *w);

#endif
