/* modules.c — picks the native version module for a probe match (see modules.h). */
#include "svc/modules.h"

#include "core/clock.h"
#include "svc/mod_amqp.h"
#include "svc/mod_ldap.h"
#include "svc/mod_murmur.h"
#include "svc/mod_mqtt.h"
#include "svc/mod_rpc.h"
#include "svc/mod_smb.h"
#include "svc/mod_snmp.h"
#include "svc/modconn.h"
#include "svc/modio.h"

#include <stdlib.h>
#include <string.h>

static void run_rpcinfo(struct host_result *h, const struct port_result *pr,
                        const struct pr_addr *source)
{
    int tcp = pr->proto == PR_TCP;
    uint32_t xid = (uint32_t)now_us() ^ 0x5052u;
    uint8_t req[64];
    size_t n = sv_rpc_dump_call(req, sizeof req, tcp, xid);
    size_t cap = 65536;
    uint8_t *resp = malloc(cap);
    if (!resp)
        return;
    long got = sv_exchange(&h->addr, pr->port, !tcp, source, req, n, resp, cap, SV_MOD_TIMEOUT_MS,
                           tcp ? sv_rpc_tcp_complete : NULL);
    struct sv_rpc_map *m = calloc(1, sizeof *m);
    char err[160];
    if (m && got > 0 && sv_rpc_parse_dump(resp, (size_t)got, tcp, xid, m, err, sizeof err) == 0)
        sv_rpc_apply(h, m, NULL);
    free(m);
    free(resp);
}

static void run_mqtt(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    uint8_t req[64], resp[4096];
    size_t n = sv_mqtt_request(req, sizeof req);
    long got = sv_exchange(&h->addr, pr->port, 0, source, req, n, resp, sizeof resp,
                           SV_MOD_TIMEOUT_MS, sv_mqtt_complete);
    char ver[128], err[160];
    if (got > 0 && sv_mqtt_parse(resp, (size_t)got, ver, sizeof ver, err, sizeof err) == 1)
        sv_mqtt_apply(pr->svc, ver);
}

static void run_snmp(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    uint8_t req[96], resp[2048], eid[SV_SNMP_EID_MAX];
    uint16_t msgid = (uint16_t)(now_us() & 0x7fff);
    size_t n = sv_snmp_discovery(req, sizeof req, msgid), eidlen;
    long got = sv_exchange(&h->addr, pr->port, 1, source, req, n, resp, sizeof resp,
                           SV_MOD_TIMEOUT_MS, NULL);
    char ent[128], err[160];
    if (got > 0 && sv_snmp_parse(resp, (size_t)got, msgid, eid, &eidlen, err, sizeof err) == 0) {
        sv_snmp_enterprise(eid, eidlen, NULL, ent, sizeof ent);
        sv_snmp_apply(pr->svc, ent);
    }
}

static void run_amqp(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    uint8_t req[8], resp[8192];
    size_t n = sv_amqp_request(req, sizeof req);
    long got = sv_exchange(&h->addr, pr->port, 0, source, req, n, resp, sizeof resp,
                           SV_MOD_TIMEOUT_MS, sv_amqp_complete);
    struct sv_amqp_info info;
    char err[160];
    if (got > 0 && sv_amqp_parse(resp, (size_t)got, &info, err, sizeof err) == 0)
        sv_amqp_apply(pr->svc, &info);
}

/* The rootDSE search, inside TLS on a port found in the TLS lane (ldaps). */
static void run_ldap(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    uint8_t req[64], resp[16384];
    size_t n = sv_ldap_request(req, sizeof req);
    struct sv_conn c;
    if (sv_conn_open(&c, &h->addr, pr->port, source, pr->svc->tunnel_ssl, SV_MOD_TIMEOUT_MS) < 0)
        return;
    size_t got =
        sv_conn_send(&c, req, n) == 0 ? sv_conn_recv(&c, resp, sizeof resp, sv_ldap_complete) : 0;
    sv_conn_close(&c);
    struct sv_ldap_info info;
    char err[160];
    if (got > 0 && sv_ldap_parse(resp, got, &info, err, sizeof err) == 0)
        sv_ldap_apply(pr->svc, &info);
}

/* The UDP ping on the port's number and, on TCP, the TLS control channel's Version. */
static void run_murmur(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    uint8_t req[16], resp[2048];
    struct sv_murmur_info info = {0};
    char err[160];
    size_t n = sv_murmur_ping(req, sizeof req);
    long got = sv_exchange(&h->addr, pr->port, 1, source, req, n, resp, sizeof resp,
                           SV_MOD_TIMEOUT_MS, NULL);
    if (got > 0)
        (void)sv_murmur_parse_ping(resp, (size_t)got, &info, err, sizeof err);
    struct sv_conn c;
    if (pr->proto == PR_TCP &&
        sv_conn_open(&c, &h->addr, pr->port, source, 1, SV_MOD_TIMEOUT_MS) == 0) {
        size_t len = sv_conn_recv(&c, resp, sizeof resp, sv_murmur_control_complete);
        (void)sv_murmur_parse_control(resp, len, &info, err, sizeof err);
        sv_conn_close(&c);
    }
    sv_murmur_apply(pr->svc, &info, pr->proto == PR_TCP);
}

/* Opens an SMB session (port 139: after a NetBIOS session request) and sends req. */
static int smb_open(struct sv_conn *c, struct host_result *h, const struct port_result *pr,
                    const struct pr_addr *source, const uint8_t *req, size_t n)
{
    uint8_t nb[80], ans[64];
    if (sv_conn_open(c, &h->addr, pr->port, source, 0, SV_MOD_TIMEOUT_MS) < 0)
        return -1;
    if (pr->port == 139) {
        size_t nn = sv_smb_nbss_request(nb, sizeof nb);
        if (sv_conn_send(c, nb, nn) < 0 ||
            !sv_smb_nbss_ok(ans, sv_conn_recv(c, ans, sizeof ans, sv_smb_complete)))
            goto fail;
    }
    if (sv_conn_send(c, req, n) == 0)
        return 0;
fail:
    sv_conn_close(c);
    return -1;
}

/* SMB2 NEGOTIATE and SESSION_SETUP; SMB2 2.0.2 alone; SMB1 NEGOTIATE and SESSION_SETUP_ANDX. */
static void run_smb(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    uint8_t req[512], resp[8192];
    struct sv_smb_info info = {0};
    struct sv_conn c;
    char err[160];
    size_t n = sv_smb2_negotiate(req, sizeof req, 1), len;
    if (smb_open(&c, h, pr, source, req, n) == 0) {
        len = sv_conn_recv(&c, resp, sizeof resp, sv_smb_complete);
        if (sv_smb2_parse_negotiate(resp, len, &info, 1, err, sizeof err) == 0) {
            n = sv_smb2_session_setup(req, sizeof req);
            if (sv_conn_send(&c, req, n) == 0) {
                len = sv_conn_recv(&c, resp, sizeof resp, sv_smb_complete);
                (void)sv_smb2_parse_session(resp, len, &info, err, sizeof err);
            }
        }
        sv_conn_close(&c);
    }
    n = sv_smb2_negotiate(req, sizeof req, 0);
    if (info.dialect_max && smb_open(&c, h, pr, source, req, n) == 0) {
        len = sv_conn_recv(&c, resp, sizeof resp, sv_smb_complete);
        (void)sv_smb2_parse_negotiate(resp, len, &info, 0, err, sizeof err);
        sv_conn_close(&c);
    }
    n = sv_smb1_negotiate(req, sizeof req);
    if (smb_open(&c, h, pr, source, req, n) == 0) {
        len = sv_conn_recv(&c, resp, sizeof resp, sv_smb_complete);
        if (sv_smb1_parse_negotiate(resp, len, &info, err, sizeof err) == 0) {
            n = sv_smb1_session_setup(req, sizeof req);
            if (sv_conn_send(&c, req, n) == 0) {
                len = sv_conn_recv(&c, resp, sizeof resp, sv_smb_complete);
                (void)sv_smb1_parse_session(resp, len, &info, err, sizeof err);
            }
        }
        sv_conn_close(&c);
    }
    sv_smb_apply(pr->svc, &info);
}

void sv_modules_port(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    const struct svc_info *si = pr->svc;
    if (si && (pr->port == 64738 || (si->name && !strcmp(si->name, "murmur")))) {
        run_murmur(h, pr, source); /* as nmap's portrule: the port number or the name */
        return;
    }
    if (!si || !si->name)
        return;
    if ((!strcmp(si->name, "microsoft-ds") || !strcmp(si->name, "netbios-ssn")) &&
        pr->proto == PR_TCP && !si->tunnel_ssl) {
        run_smb(h, pr, source); /* also on a port only the table names (Windows: no match) */
        return;
    }
    if (!si->probed)
        return;
    if (!strcmp(si->name, "ldap") && pr->proto == PR_TCP)
        run_ldap(h, pr, source); /* plain or inside TLS */
    else if (si->tunnel_ssl)
        return;
    else if (!strcmp(si->name, "rpcbind"))
        run_rpcinfo(h, pr, source);
    else if (!strcmp(si->name, "mqtt") && pr->proto == PR_TCP)
        run_mqtt(h, pr, source);
    else if (!strcmp(si->name, "amqp") && pr->proto == PR_TCP)
        run_amqp(h, pr, source);
    else if (!strcmp(si->name, "snmp") && pr->proto == PR_UDP)
        run_snmp(h, pr, source);
}
