/* mod_snmp.h — SNMPv3 engine discovery, as nmap's snmp-info script does with -sV.
 *
 * On a UDP port named snmp: an unauthenticated SNMPv3 GetRequest (empty user, reportable)
 * makes the agent answer with a Report carrying its authoritative engine ID, whose first
 * four bytes are the vendor's enterprise number (high bit set in RFC 3411 IDs). The name
 * of that number comes from nmap's enterprise_numbers.txt, and the product becomes, as in
 * nmap, "<probe match's product>; <enterprise> SNMPv3 server" (or "<enterprise> SNMPv3
 * server" without one): "net-snmp; net-snmp SNMPv3 server" for Debian's snmpd. */
#ifndef PR_SVC_MOD_SNMP_H
#define PR_SVC_MOD_SNMP_H

#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

#define SV_SNMP_EID_MAX 32 /* RFC 3411: 5..32 bytes */

/* Writes the discovery message with message id msgid (< 0x8000). Returns its length, or 0
 * when cap is too small. */
size_t sv_snmp_discovery(uint8_t *out, size_t cap, uint16_t msgid);

/* Reads the engine ID of an SNMPv3 answer to msgid with the user-based security model.
 * Returns 0 with eid[0..*eidlen) filled, or -1 with err naming the problem and its byte
 * offset. */
int sv_snmp_parse(const uint8_t *buf, size_t len, uint16_t msgid, uint8_t *eid, size_t *eidlen,
                  char *err, size_t errlen);

/* Writes the enterprise name of engine ID eid to out: the name numfile (NULL: nmap's
 * enterprise_numbers.txt) gives the number, else the number itself. */
void sv_snmp_enterprise(const uint8_t *eid, size_t eidlen, const char *numfile, char *out,
                        size_t cap);

/* Sets si's name (snmp) and product as nmap's snmp-info does. */
void sv_snmp_apply(struct svc_info *si, const char *enterprise);

#endif
