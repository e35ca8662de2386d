/* frag.h — IPv4 fragments of a datagram we built (scan -f, -ff, --mtu).
 *
 * Pure function over caller-owned buffers, like net/packet.h: the engine's send path
 * splits a probe before queueing it, and the unit tests check the pieces. IPv6 is not
 * fragmented here (scan refuses -f with -6). */
#ifndef PR_NET_FRAG_H
#define PR_NET_FRAG_H

#include <stddef.h>
#include <stdint.h>

#define FRAG_MAX 200 /* fragments of one datagram at most (1500 bytes in 8-byte pieces) */

/* Splits the IPv4 datagram pkt[0..len) into fragments that carry at most `size` bytes of
 * its payload each (size: a multiple of 8, at least 8). The fragments go back to back
 * into out[0..cap), each a whole datagram with the original header (options included),
 * its own total length, the MF flag on all but the last, its offset and a new header
 * checksum; lens[i] gets the length of fragment i. A payload of at most `size` bytes is
 * one "fragment": an unchanged copy. Returns the number of fragments, or 0 when pkt is
 * not a whole IPv4 datagram, has DF set or is already a fragment, size is not a
 * multiple of 8, or out, cap or maxn are too small. */
size_t frag_split(const uint8_t *pkt, size_t len, size_t size, uint8_t *out, size_t cap,
                  size_t *lens, size_t maxn);

#endif
