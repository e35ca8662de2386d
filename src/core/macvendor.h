/* macvendor.h — MAC address prefixes to vendor names, from nmap-mac-prefixes.
 *
 * Reads /usr/share/nmap/nmap-mac-prefixes (Debian package nmap-common) at run time: one
 * "XXXXXX Vendor Name" line per IEEE OUI. Used by the detector's asset inventory (and by
 * scan outputs' "MAC Address: ... (Vendor)"). Read-only after loading. */
#ifndef PR_CORE_MACVENDOR_H
#define PR_CORE_MACVENDOR_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define MACV_DEFAULT_PATH "/usr/share/nmap/nmap-mac-prefixes"

struct macv_entry {
    uint32_t oui; /* the first three bytes, big-endian in the low 24 bits */
    char *name;
};

struct macvendor {
    struct macv_entry *e; /* sorted by oui */
    size_t n;
};

/* Loads path (NULL: MACV_DEFAULT_PATH). Lines that are not "6 hex digits, a space, a name"
 * are an error naming the file and line (comments and blank lines are skipped). Returns 0,
 * or -1 with e filled and mv empty. */
int macv_load(struct macvendor *mv, const char *path, struct pr_error *e);
/* The same from a buffer; `name` is used in messages. */
int macv_parse(struct macvendor *mv, const char *name, const char *buf, size_t len,
               struct pr_error *e);
/* The vendor of mac (6 bytes), or NULL. (nmap's table also names some locally administered
 * prefixes, such as QEMU's 52:54:00, so those are looked up too.) */
const char *macv_lookup(const struct macvendor *mv, const uint8_t *mac);
void macv_free(struct macvendor *mv);

#endif
