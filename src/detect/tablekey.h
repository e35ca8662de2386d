/* tablekey.h — the hash-table key of the detector for offline inputs.
 *
 * The engine's tables and per-source filters are indexed by SipHash under a key that
 * whoever chose the addresses and ports in the input must not know (else they could
 * crowd one scanner out of its slots or hide its contacts in collisions). A fresh
 * random key does that, but then which entries collide, and so the alerts, differ
 * from run to run. Offline inputs (-r, --fwlog without -F) use this key instead:
 * secret to the network, the same on every run on one machine. Called by run.c. */
#ifndef PR_DETECT_TABLEKEY_H
#define PR_DETECT_TABLEKEY_H

#include <stdint.h>

/* SipHash-2-4 of the 128-bit id in id_path (normally /etc/machine-id, 32 hex digits)
 * under a fixed application constant, the way systemd derives application-specific
 * machine ids without revealing the id itself. Returns 0, or -1 when the file cannot
 * be read or holds no id. */
int det_table_key_stable(const char *id_path, uint64_t *k0, uint64_t *k1);

#endif
