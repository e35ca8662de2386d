/* result.c — names of port states and reasons, and freeing a scan_result.
 *
 * Names are nmap's, so that our XML, grepable and normal outputs read like nmap's to
 * people and to tools (ndiff, nmap.xsl, parsers of -oG). */
#include "output/result.h"

#include <stdlib.h>
#include <string.h>

const char *ps_name(enum port_state s)
{
    switch (s) {
    case PS_OPEN:
        return "open";
    case PS_CLOSED:
        return "closed";
    case PS_FILTERED:
        return "filtered";
    case PS_UNFILTERED:
        return "unfiltered";
    case PS_OPEN_FILTERED:
        return "open|filtered";
    case PS_CLOSED_FILTERED:
        return "closed|filtered";
    case PS_UNKNOWN:
    case PS_COUNT:
        break;
    }
    return "unknown";
}

const char *rs_name(enum port_reason r)
{
    static const char *const names[RS_COUNT] = {
        [RS_NONE] = "unknown",
        [RS_SYN_ACK] = "syn-ack",
        [RS_RESET] = "reset",
        [RS_CONN_REFUSED] = "conn-refused",
        [RS_NO_RESPONSE] = "no-response",
        [RS_UDP_RESPONSE] = "udp-response",
        [RS_PORT_UNREACH] = "port-unreach",
        [RS_HOST_UNREACH] = "host-unreach",
        [RS_NET_UNREACH] = "net-unreach",
        [RS_PROTO_UNREACH] = "proto-unreach",
        [RS_ADMIN_PROHIBITED] = "admin-prohibited",
        [RS_HOST_PROHIBITED] = "host-prohibited",
        [RS_NET_PROHIBITED] = "net-prohibited",
        [RS_ADDR_UNREACH] = "addr-unreach",
        [RS_ECHO_REPLY] = "echo-reply",
        [RS_TIMESTAMP_REPLY] = "timestamp-reply",
        [RS_ARP_RESPONSE] = "arp-response",
        [RS_ND_RESPONSE] = "nd-response",
        [RS_LOCALHOST] = "localhost-response",
        [RS_USER_SET] = "user-set",
        [RS_SYN_ACK_DISC] = "syn-ack",
        [RS_RESET_DISC] = "reset",
    };
    if ((unsigned)r >= RS_COUNT || !names[r])
        return "unknown";
    return names[r];
}

void svc_info_free(struct svc_info *si)
{
    if (!si)
        return;
    free(si->name);
    free(si->product);
    free(si->version);
    free(si->extrainfo);
    free(si->hostname);
    free(si->ostype);
    free(si->devicetype);
    for (size_t i = 0; i < si->ncpes && i < SVC_MAX_CPES; i++)
        free(si->cpes[i]);
    free(si->cves);
    free(si->note);
    free(si);
}

void os_result_free(struct os_result *os)
{
    if (!os)
        return;
    for (size_t i = 0; i < os->nmatches && i < OS_MAX_MATCHES; i++)
        free(os->matches[i].classes);
    free(os->fingerprint);
    free(os);
}

void host_result_free(struct host_result *h)
{
    if (!h)
        return;
    for (size_t k = 0; h->ports && k < h->nports; k++)
        svc_info_free(h->ports[k].svc);
    free(h->ports);
    h->ports = NULL;
    h->nports = 0;
    os_result_free(h->os);
    h->os = NULL;
    free(h->trace);
    h->trace = NULL;
    free(h->ptr_name);
    h->ptr_name = NULL;
}

void result_free(struct scan_result *r)
{
    if (!r)
        return;
    free(r->args);
    for (size_t i = 0; r->hosts && i < r->nhosts; i++)
        host_result_free(&r->hosts[i]);
    free(r->hosts);
    memset(r, 0, sizeof *r);
}
