/* passive.h — what the sensor learns about hosts without asking them: the OS of every
 * SYN and SYN+ACK sender (p0f's database, for alerts' `src_os`) and, with `--assets`, the
 * inventory of the home network (assets.h), written as JSON lines.
 *
 * Opened by detect/run.c before the privilege drop (the database, the MAC vendors and the
 * --assets file), fed every decoded event, written at the end of the input and every
 * `--assets-every` when live. Single-threaded; all state in struct det_passive. */
#ifndef PR_DETECT_PASSIVE_H
#define PR_DETECT_PASSIVE_H

#include "core/error.h"
#include "detect/assets.h"
#include "detect/event.h"

#include <stdint.h>
#include <stdio.h>

#define DET_MAX_HOME_NETS 64

struct det_passive_config {
    const char *home[DET_MAX_HOME_NETS]; /* --home-net CIDRs */
    unsigned nhome;           /* 0: the networks of iface (-i), else the private ranges */
    const char *iface;        /* -i, for the default home networks */
    const char *assets;       /* --assets FILE, or NULL: no inventory */
    uint64_t assets_every_us; /* live: rewrite the file this often (0: 60 s) */
    const char *p0f_path;     /* NULL: /etc/p0f/p0f.fp */
    int inventory;            /* keep the inventory without --assets (--web, --report) */
};

struct det_passive;
struct blk_cidr;

/* The home network of c: its --home-net CIDRs, else the networks of c->iface, else the
 * private ranges (assets.h assets_default_home). Returns how many were put in out (at most
 * max), or -1 with e filled on a bad CIDR. */
int det_passive_home(const struct det_passive_config *c, struct blk_cidr *out, unsigned max,
                     struct pr_error *e);

/* Returns NULL with e filled on a bad --home-net or an --assets file that cannot be
 * written. A missing p0f database costs only the OS names (one warning on stderr). */
struct det_passive *det_passive_open(const struct det_passive_config *c, struct pr_error *e);
/* One decoded event (a datagram with ev->ip, or an ARP/ND binding). */
void det_passive_event(struct det_passive *p, const struct det_event *ev);
/* The OS of an address, for det_engine_set_os_namer (ctx: the det_passive); NULL unknown. */
const char *det_passive_os(void *ctx, const struct pr_addr *a);
/* Rewrites the --assets file when due (live) or now (final); 0, or -1 on a write error
 * (reported on stderr). */
int det_passive_write(struct det_passive *p, uint64_t now_us, int final);
/* One summary line on f ("assets: ..."), when there is an inventory. */
void det_passive_summary(const struct det_passive *p, FILE *f);
/* The inventory (NULL without --assets or inventory), for the page (view.h). */
const struct assets *det_passive_assets(const struct det_passive *p);
void det_passive_close(struct det_passive *p);

#endif
