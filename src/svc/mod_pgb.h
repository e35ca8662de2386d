/* mod_pgb.h — PgBouncer, the PostgreSQL connection pooler, told from PostgreSQL.
 *
 * Both speak the PostgreSQL protocol. A startup message (protocol 3.0, user and database
 * "portreeve") is refused by either, with an ErrorResponse. PostgreSQL (9.6 and later)
 * always sends the fields V (severity, not localised), F (source file), L (line) and R
 * (routine) with it; PgBouncer sends only S, C and M, and its own texts ("no such
 * database", "no such user", "\"trust\" authentication failed", "bad packet header",
 * ...). Both together identify PgBouncer: pgbouncer, product "PgBouncer" (it does not
 * give its version before login). Anything else (an authentication request, PostgreSQL's
 * fields) is not PgBouncer. */
#ifndef PR_SVC_MOD_PGB_H
#define PR_SVC_MOD_PGB_H

#include "svc/ident.h"

#include <stddef.h>
#include <stdint.h>

/* Writes the startup message to out. Returns its length, or 0 when cap is too small. */
size_t sv_pgb_request(uint8_t *out, size_t cap);

/* Reads the first message of buf[0..len). Returns 1 PgBouncer (id filled), 0 incomplete,
 * -1 not PgBouncer (err says why, with the byte offset). */
int sv_pgb_parse(const uint8_t *buf, size_t len, struct sv_ident *id, char *err, size_t errlen);
int sv_pgb_complete(const uint8_t *buf, size_t len); /* sv_pgb_parse != 0 */

#endif
