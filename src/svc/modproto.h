/* modproto.h — the exchanges of the SMB, LDAP and Murmur native version modules
 * (mod_smb.c, mod_ldap.c, mod_murmur.c): which ports they run on and the sessions they
 * open. Called first by sv_modules_port (modules.c). */
#ifndef PR_SVC_MODPROTO_H
#define PR_SVC_MODPROTO_H

#include "core/addr.h"
#include "output/result.h"

/* Runs the SMB, LDAP or Murmur module on port pr of host h when one fits, from source
 * (family 0: the kernel's choice):
 *   murmur  port 64738 or a port named murmur, TCP or UDP, probed or not, also in TLS
 *           (nmap's murmur-version portrule)
 *   smb     TCP ports named microsoft-ds or netbios-ssn, by a match or only by the port
 *           table, not in TLS
 *   ldap    TCP ports matched ldap, plain or in TLS (ldaps)
 * Returns 1 when one of them took the port (the other modules then do not run), else 0.
 * An answer that does not parse is named in the port's service note (module, problem,
 * byte offset), except where it only means "not this protocol". Every session is bounded by 2 s, as
 * SV_MOD_TIMEOUT_MS (SMB opens up to three). */
int sv_modules_proto(struct host_result *h, struct port_result *pr, const struct pr_addr *source);

#endif
