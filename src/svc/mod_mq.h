/* mod_mq.h — message-queue servers that nmap 7.93's probe file does not know:
 *
 *   NATS        the server sends one line on connect: `INFO {json}\r\n` with "version",
 *               "go", "server_id" and "server_name": nats, product nats-server, version,
 *               extrainfo the Go version (and the server name when it is not its id).
 *   beanstalkd  `stats\r\n` is answered `OK <bytes>\r\n` and a YAML map holding
 *               `version: "1.12"`: beanstalkd, product beanstalkd, version.
 *
 * Parsers return 1 identified (id filled), 0 incomplete (read on), -1 not this protocol
 * (err names the problem and its byte offset). They read only buf[0..len). */
#ifndef PR_SVC_MOD_MQ_H
#define PR_SVC_MOD_MQ_H

#include "svc/ident.h"

#include <stddef.h>
#include <stdint.h>

#define SV_NATS_LINE_MAX 8192 /* an INFO line longer than this is not NATS */

int sv_nats_parse(const uint8_t *buf, size_t len, struct sv_ident *id, char *err, size_t errlen);
int sv_nats_complete(const uint8_t *buf, size_t len); /* sv_nats_parse != 0 */

/* The request: "stats\r\n". */
extern const char sv_beanstalk_request[];
int sv_beanstalk_parse(const uint8_t *buf, size_t len, struct sv_ident *id, char *err,
                       size_t errlen);
int sv_beanstalk_complete(const uint8_t *buf, size_t len); /* sv_beanstalk_parse != 0 */

#endif
