/* payloads.h — the UDP payload database (nmap-payloads format).
 *
 * Loads the payloads that UDP probes carry, per destination port, from a file in the
 * format of /usr/share/nmap/nmap-payloads (read at run time, never copied):
 *
 *     # comment
 *     udp 53,69,5353,26198 "\x00\x00\x10\x00"
 *       "more\x00bytes"          <- quoted strings concatenate, across lines
 *     source 500                 <- any other keyword: the rest of its line is ignored
 *
 * Escapes in strings: \xHH \0 \a \b \f \n \r \t \v \\ \" \'. A port list is a comma list
 * of ports and lo-hi ranges. At most PAYLOAD_MAX_PER_PORT payloads apply to one port and
 * one payload is at most PAYLOAD_MAX_LEN bytes. Anything else is an error that names the
 * file and the line.
 *
 * The database is immutable once loaded and may be read from several threads. */
#ifndef PR_NET_PAYLOADS_H
#define PR_NET_PAYLOADS_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define PAYLOAD_DEFAULT_PATH "/usr/share/nmap/nmap-payloads"
#define PAYLOAD_MAX_PER_PORT 255
/* Largest UDP payload that fits a 1500-byte IPv6 packet. */
#define PAYLOAD_MAX_LEN 1452
/* Files larger than this are refused (the real file is about 20 KiB). */
#define PAYLOAD_MAX_FILE (4u << 20)

struct payload {
    const uint8_t *data; /* owned by the database; NULL only when len is 0 */
    size_t len;
};

struct payload_db;

/* Loads the database from path, or from PAYLOAD_DEFAULT_PATH when path is NULL. A
 * missing default file gives an empty database (scans work without payloads); a missing
 * or malformed explicit file is an error ("FILE line N: ..."). Returns NULL on error. */
struct payload_db *payload_load(const char *path, struct pr_error *e);

/* Parses the database from len bytes of text; name is used in error messages. The
 * buffer need not be NUL-terminated and is not referenced after the call. */
struct payload_db *payload_load_mem(const char *buf, size_t len, const char *name,
                                    struct pr_error *e);

/* Returns how many payloads apply to UDP port `port` (0..PAYLOAD_MAX_PER_PORT) and sets
 * *list to an array of that many, in file order (nmap sends all of them). *list is NULL
 * when the count is 0. The array lives as long as the database. */
size_t payload_get(const struct payload_db *db, uint16_t port, const struct payload **list);

/* Number of distinct payload entries in the database (for logs and tests). */
size_t payload_count(const struct payload_db *db);

void payload_free(struct payload_db *db);

#endif
