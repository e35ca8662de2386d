/* modproto.c — the exchanges of the SMB, LDAP and Murmur modules (see modproto.h). */
#include "svc/modproto.h"

#include "svc/mod_ldap.h"
#include "svc/mod_murmur.h"
#include "svc/mod_smb.h"
#include "svc/modconn.h"
#include "svc/modio.h"
#include "svc/modtext.h"

#include <stdio.h>
#include <string.h>

/* Each session's bound: SV_MOD_TIMEOUT_MS of modules.h (not included: modules.c includes
 * this module). */
#define PROTO_TIMEOUT_MS 2000

/* The rootDSE search, inside TLS on a port found in the TLS lane (ldaps). */
static void run_ldap(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    uint8_t req[64], resp[16384];
    size_t n = sv_ldap_request(req, sizeof req);
    struct sv_conn c;
    if (sv_conn_open(&c, &h->addr, pr->port, source, pr->svc->tunnel_ssl, PROTO_TIMEOUT_MS) < 0)
        return;
    size_t got =
        sv_conn_send(&c, req, n) == 0 ? sv_conn_recv(&c, resp, sizeof resp, sv_ldap_complete) : 0;
    sv_conn_close(&c);
    struct sv_ldap_info info;
    char err[160];
    if (got > 0 && sv_ldap_parse(resp, got, &info, err, sizeof err) == 0)
        sv_ldap_apply(pr->svc, &info);
    else if (got > 0)
        sv_text_note(pr->svc, "ldap rootDSE", err);
}

/* The UDP ping on the port's number and, on TCP, the TLS control channel's Version.
 * Returns 1 when either showed Murmur, else 0 (the port is left to the other modules). */
static int run_murmur(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    uint8_t req[16], resp[2048];
    struct sv_murmur_info info = {0};
    char err[160];
    size_t n = sv_murmur_ping(req, sizeof req);
    long got = sv_exchange(&h->addr, pr->port, 1, source, req, n, resp, sizeof resp,
                           PROTO_TIMEOUT_MS, NULL);
    char cerr[sizeof err + 16] = "";
    if (got > 0 && sv_murmur_parse_ping(resp, (size_t)got, &info, err, sizeof err) < 0)
        snprintf(cerr, sizeof cerr, "ping: %s", err);
    struct sv_conn c;
    if (pr->proto == PR_TCP &&
        sv_conn_open(&c, &h->addr, pr->port, source, 1, PROTO_TIMEOUT_MS) == 0) {
        size_t len = sv_conn_recv(&c, resp, sizeof resp, sv_murmur_control_complete);
        if (len > 0 && sv_murmur_parse_control(resp, len, &info, err, sizeof err) < 0)
            snprintf(cerr, sizeof cerr, "control: %s", err);
        sv_conn_close(&c);
    }
    if (!info.ping && !info.control)
        return 0;
    sv_murmur_apply(pr->svc, &info, pr->proto == PR_TCP);
    if (cerr[0]) /* Murmur, but half of it answered wrong */
        sv_text_note(pr->svc, "murmur", cerr);
    return 1;
}

/* Opens an SMB session (after a NetBIOS session request on a netbios-ssn port: 139, or
 * another port the probes named so) and sends req. */
static int smb_open(struct sv_conn *c, struct host_result *h, const struct port_result *pr,
                    const struct pr_addr *source, const uint8_t *req, size_t n)
{
    uint8_t nb[80], ans[64];
    if (sv_conn_open(c, &h->addr, pr->port, source, 0, PROTO_TIMEOUT_MS) < 0)
        return -1;
    if (pr->port == 139 || (pr->svc->name && !strcmp(pr->svc->name, "netbios-ssn"))) {
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
                if (len > 0 && sv_smb2_parse_session(resp, len, &info, err, sizeof err) < 0)
                    sv_text_note(pr->svc, "smb2 session setup", err);
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
                if (len > 0 && sv_smb1_parse_session(resp, len, &info, err, sizeof err) < 0)
                    sv_text_note(pr->svc, "smb1 session setup", err);
            }
        }
        sv_conn_close(&c);
    }
    sv_smb_apply(pr->svc, &info);
}

int sv_modules_proto(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    const struct svc_info *si = pr->svc;
    if (!si)
        return 0;
    if ((pr->port == 64738 || (si->name && !strcmp(si->name, "murmur"))) &&
        run_murmur(h, pr, source))
        return 1;
    if (!si->name || pr->proto != PR_TCP)
        return 0;
    if ((!strcmp(si->name, "microsoft-ds") || !strcmp(si->name, "netbios-ssn")) &&
        !si->tunnel_ssl) {
        run_smb(h, pr, source);
        return 1;
    }
    if (!strcmp(si->name, "ldap") && si->probed) {
        run_ldap(h, pr, source);
        return 1;
    }
    return 0;
}
