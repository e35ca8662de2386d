/* modules.c — picks the native version module for a probe match (see modules.h). */
#include "svc/modules.h"

#include "core/clock.h"
#include "svc/mod_amqp.h"
#include "svc/mod_extra.h"
#include "svc/mod_mqtt.h"
#include "svc/mod_rpc.h"
#include "svc/mod_snmp.h"
#include "svc/modio.h"
#include "svc/modproto.h"

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

void sv_modules_port(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    if (sv_modules_proto(h, pr, source))
        return;                   /* SMB, LDAP, Murmur (modproto.c) */
    sv_extra_port(h, pr, source); /* unmatched ports and HTTP proxies */
    const struct svc_info *si = pr->svc;
    if (!si || !si->name || !si->probed || si->tunnel_ssl)
        return;
    if (!strcmp(si->name, "rpcbind"))
        run_rpcinfo(h, pr, source);
    else if (!strcmp(si->name, "mqtt") && pr->proto == PR_TCP)
        run_mqtt(h, pr, source);
    else if (!strcmp(si->name, "amqp") && pr->proto == PR_TCP)
        run_amqp(h, pr, source);
    else if (!strcmp(si->name, "snmp") && pr->proto == PR_UDP)
        run_snmp(h, pr, source);
}
