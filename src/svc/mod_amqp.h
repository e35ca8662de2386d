/* mod_amqp.h — AMQP 0-9-1 server properties, as nmap's amqp-info script does with -sV.
 *
 * On a TCP port named amqp: the protocol header "AMQP\0\0\x09\x01"; the broker answers
 * with a Connection.Start method frame whose server-properties table holds "product" and
 * "version" (RabbitMQ: "RabbitMQ", "3.10.8"). The port becomes, as in nmap, name amqp,
 * product and version from the table, extrainfo the protocol version of the frame ("0-9"
 * for 0-9/0-9-1, "0-8"). A broker answering with its own protocol header (another
 * version) gives nothing. */
#ifndef PR_SVC_MOD_AMQP_H
#define PR_SVC_MOD_AMQP_H

#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

#define SV_AMQP_FIELD 128 /* bytes kept of product and version */

struct sv_amqp_info {
    char product[SV_AMQP_FIELD], version[SV_AMQP_FIELD];
    char proto[8]; /* "0-9", "0-8" */
};

/* Writes the AMQP 0-9-1 protocol header to out. Returns 8, or 0 when cap is too small. */
size_t sv_amqp_request(uint8_t *out, size_t cap);

/* 1 when buf holds a whole first frame (or a protocol header), else 0. */
int sv_amqp_complete(const uint8_t *buf, size_t len);

/* Parses the Connection.Start frame. Returns 0 with info filled (absent properties are
 * empty strings), or -1 with err naming the problem and its byte offset. */
int sv_amqp_parse(const uint8_t *buf, size_t len, struct sv_amqp_info *info, char *err,
                  size_t errlen);

/* Sets si's name, product, version and extrainfo from info (empty ones are left out). */
void sv_amqp_apply(struct svc_info *si, const struct sv_amqp_info *info);

#endif
