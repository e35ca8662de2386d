/* fanout.h — the kernel fanout of `detect -i IFACE --workers N`: N AF_PACKET sockets of one
 * interface (one per worker, opened by the caller) in one PACKET_FANOUT_EBPF group whose
 * eBPF program (detect/bpf/fanout.bpf.c, compiled into the program) hands every frame to
 * the socket of its worker, by the rule and the keyed hash of workers.h's dispatcher, so
 * that no thread reads the interface for the others. No rollover: a source stays on its
 * worker. The group's id is given by the kernel (unique: PACKET_FANOUT_FLAG_UNIQUEID).
 *
 * Loading the program needs CAP_BPF (or CAP_SYS_ADMIN): call before the privilege drop.
 * Once attached, the kernel holds the program and its flow map for as long as the group
 * has a socket; the caller may free the handle at once. One thread; no globals (libbpf's
 * log callback is set to discard its messages). */
#ifndef PR_DETECT_FANOUT_H
#define PR_DETECT_FANOUT_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

struct det_fanout;

/* Loads the program for n workers (2..64) with the per-address key k1
 * (det_flowmap_worker_key). NULL with e saying why: built without libbpf, no privilege,
 * a kernel without the program type or helpers. */
struct det_fanout *det_fanout_load(uint64_t k1, unsigned n, struct pr_error *e);
/* Joins fds[0..n-1] (AF_PACKET sockets bound to one interface, each in no group; n as
 * loaded) in that order into a new fanout group steered by f: socket i gets the frames of
 * worker i. Until it returns, frames may reach any of them (the caller discards those).
 * 0, or -1 with e (some sockets may then be in the group: close them). */
int det_fanout_attach(struct det_fanout *f, const int *fds, unsigned n, struct pr_error *e);
/* The worker the program gives an Ethernet frame (BPF_PROG_TEST_RUN: the flow map is the
 * loaded program's, so a sequence of frames is judged as the group would): 0..n-1, or -1
 * with e. For tests. */
int det_fanout_run(struct det_fanout *f, const uint8_t *frame, size_t len, struct pr_error *e);
/* Frees the handle (an attached program stays with its group). f may be NULL. */
void det_fanout_free(struct det_fanout *f);

#endif
