/* mod_ldap.h — LDAP rootDSE: the server's product and how precise a version the evidence
 * allows (nmap's -sV says "OpenLDAP 2.2.X - 2.3.X" from a bind reply for every OpenLDAP).
 *
 * On a TCP port named ldap: an anonymous SearchRequest, base "", scope base, filter
 * (objectClass=*), attributes "*" and "+" (operational ones: OpenLDAP lists its root DSE
 * there). From the entry:
 *   - structuralObjectClass or objectClass OpenLDAProotDSE: OpenLDAP. supportedExtension
 *     1.3.6.1.1.21.1 (RFC 5805 Start Transaction) is compiled in unconditionally from 2.5.0
 *     (2.4 had only the experimental 1.3.6.1.4.1.4203.666.11.7, under LDAP_DEVEL), so then
 *     the version is "2.5.X - 2.6.X"; without it the probe match's version stays.
 *   - vendorName "389 Project" and vendorVersion "389-Directory/V ...": 389 Directory
 *     Server V.
 *   - domainFunctionality or supportedCapabilities 1.2.840.113556.1.4.800: Microsoft
 *     Windows Active Directory LDAP, extrainfo "Domain: D" from defaultNamingContext.
 *   - any other vendorName/vendorVersion: as given.
 * The reply is parsed as hostile BER: every length checked against its container. */
#ifndef PR_SVC_MOD_LDAP_H
#define PR_SVC_MOD_LDAP_H

#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

#define SV_LDAP_FIELD 128

struct sv_ldap_info {
    int openldap;    /* OpenLDAProotDSE */
    int txn;         /* supportedExtension 1.3.6.1.1.21.1 */
    int ad;          /* Active Directory markers */
    int ldapv3;      /* supportedLDAPVersion 3 */
    unsigned nattrs; /* attributes in the entry */
    char vendor[SV_LDAP_FIELD], vendor_version[SV_LDAP_FIELD];
    char naming[SV_LDAP_FIELD]; /* defaultNamingContext, else the first namingContexts */
};

/* Writes the rootDSE SearchRequest (messageID 1) to out. Returns its length, 0 when cap
 * is too small. */
size_t sv_ldap_request(uint8_t *out, size_t cap);

/* 1 when buf holds a whole SearchResultDone or cannot be LDAP any more, else 0: an
 * sv_complete_fn. */
int sv_ldap_complete(const uint8_t *buf, size_t len);

/* Parses the answer's messages. Returns 0 with info filled (from the entry with DN ""),
 * or -1 with err naming the problem and its byte offset (malformed BER, no entry, an
 * error result). */
int sv_ldap_parse(const uint8_t *buf, size_t len, struct sv_ldap_info *info, char *err,
                  size_t errlen);

/* Sets si's name, product, version and extrainfo from info (see above). */
void sv_ldap_apply(struct svc_info *si, const struct sv_ldap_info *info);

#endif
