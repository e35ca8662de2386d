/* modules.h — native version modules: what nmap's version-category NSE scripts add to
 * -sV after the probe match, without a script engine.
 *
 *   rpcinfo  ports named rpcbind: the portmapper's program list names every RPC port of
 *            the host (mod_rpc.c)
 *   mqtt     ports named mqtt: the broker's $SYS/broker/version (mod_mqtt.c)
 *   amqp     ports named amqp: Connection.Start's product and version (mod_amqp.c)
 *   snmp     UDP ports named snmp: the SNMPv3 engine's enterprise (mod_snmp.c)
 *   smb      TCP ports named microsoft-ds or netbios-ssn: SMB2/3 dialects, signing,
 *            NTLMSSP names, Samba's version where the protocol gives it (mod_smb.c)
 *   ldap     TCP ports named ldap (also inside TLS): the rootDSE's product evidence
 *            (mod_ldap.c)
 *   murmur   port 64738 or ports named murmur, TCP and UDP: ping and TLS Version
 *            (mod_murmur.c); smb, ldap and murmur run first, from modproto.c
 *   extra    unmatched TCP ports and http matches: what nmap's probe file does not
 *            identify (NATS, beanstalkd, PgBouncer, XMPP, git daemon, proxies; mod_extra.c)
 *
 * Each exchange (or session, modconn.c) is bounded (SV_MOD_TIMEOUT_MS) and runs once
 * per port. */
#ifndef PR_SVC_MODULES_H
#define PR_SVC_MODULES_H

#include "core/addr.h"
#include "output/result.h"

#define SV_MOD_TIMEOUT_MS 2000

/* Runs the module that fits the probe match of port pr of host h (nothing when none
 * does), from source (family 0: the kernel's choice). It may refine pr->svc and, for
 * rpcinfo, the svc of h's other ports. */
void sv_modules_port(struct host_result *h, struct port_result *pr, const struct pr_addr *source);

#endif
