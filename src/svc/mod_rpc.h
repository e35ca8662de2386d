/* mod_rpc.h — ONC RPC program listing, as nmap's rpcinfo script does with -sV.
 *
 * A PMAPPROC_DUMP call (portmapper version 2, procedure 4) to a port identified as
 * rpcbind, over TCP (record marking) or UDP, lists the registered programs; every open
 * port of the host that one of them owns is then named from nmap-rpc: name = the
 * program's name, version = "low-high" (or one number), extrainfo = "RPC #number" —
 * so rpcbind itself becomes "rpcbind 2-4 (RPC #100000)" and rpc.statd's port "status 1
 * (RPC #100024)" instead of the probe file's generic "rpcbind". */
#ifndef PR_SVC_MOD_RPC_H
#define PR_SVC_MOD_RPC_H

#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

#define SV_RPC_MAX 512 /* mappings kept from one listing */

struct sv_rpc_entry {
    uint32_t prog, vers, prot; /* prot: 6 TCP, 17 UDP */
    uint16_t port;
};

struct sv_rpc_map {
    struct sv_rpc_entry e[SV_RPC_MAX];
    size_t n;
};

/* Writes the DUMP call with transaction id xid (tcp: with its record mark) to out.
 * Returns its length (at most 44), or 0 when cap is too small. */
size_t sv_rpc_dump_call(uint8_t *out, size_t cap, int tcp, uint32_t xid);

/* 1 when a TCP answer buf[0..len) holds a whole record (its last fragment), else 0. */
int sv_rpc_tcp_complete(const uint8_t *buf, size_t len);

/* Parses a DUMP reply to xid (tcp: record-marked) into m. Returns 0, or -1 with err
 * saying what is wrong at which byte offset. */
int sv_rpc_parse_dump(const uint8_t *buf, size_t len, int tcp, uint32_t xid, struct sv_rpc_map *m,
                      char *err, size_t errlen);

/* Names the open ports of h that m lists, reading program names from rpcfile (NULL:
 * /usr/share/nmap/nmap-rpc; a missing file leaves the number as the name). */
void sv_rpc_apply(struct host_result *h, const struct sv_rpc_map *m, const char *rpcfile);

#endif
