/* fuzz_svcproto.c — libFuzzer target for the wire parsers of the LDAP, Murmur and SMB
 * native version modules. Input: the first byte picks the parser (0 LDAP search answer,
 * 1 Murmur ping, 2 Murmur control message, 3 SMB2 NEGOTIATE, 4 SMB2 SESSION_SETUP, 5 SMB1
 * NEGOTIATE, 6 SMB1 SESSION_SETUP_ANDX), the rest is the answer. A parse must end (no
 * hang), stay inside the input, and leave terminated, bounded strings; apply must accept
 * whatever a parse left. */
#include "svc/mod_ldap.h"
#include "svc/mod_murmur.h"
#include "svc/mod_smb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s, size_t cap)
{
    if (strnlen(s, cap) >= cap)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    char err[160];
    struct svc_info si = {0};
    switch (data[0] % 7) {
    case 0: {
        struct sv_ldap_info li;
        (void)sv_ldap_complete(d, n);
        if (sv_ldap_parse(d, n, &li, err, sizeof err) == 0) {
            check(li.vendor, sizeof li.vendor), check(li.naming, sizeof li.naming);
            sv_ldap_apply(&si, &li);
        }
        break;
    }
    case 1:
    case 2: {
        struct sv_murmur_info mi = {0};
        int rc = data[0] % 7 == 1 ? sv_murmur_parse_ping(d, n, &mi, err, sizeof err)
                                  : sv_murmur_parse_control(d, n, &mi, err, sizeof err);
        (void)sv_murmur_control_complete(d, n);
        if (rc == 0) {
            check(mi.release, sizeof mi.release), check(mi.os_version, sizeof mi.os_version);
            sv_murmur_apply(&si, &mi, 1);
        }
        break;
    }
    default: {
        struct sv_smb_info smi = {0};
        int rc;
        (void)sv_smb_complete(d, n);
        switch (data[0] % 7) {
        case 3:
            rc = sv_smb2_parse_negotiate(d, n, &smi, 1, err, sizeof err);
            break;
        case 4:
            rc = sv_smb2_parse_session(d, n, &smi, err, sizeof err);
            break;
        case 5:
            rc = sv_smb1_parse_negotiate(d, n, &smi, err, sizeof err);
            break;
        default:
            rc = sv_smb1_parse_session(d, n, &smi, err, sizeof err);
        }
        if (rc == 0) {
            check(smi.nb_name, sizeof smi.nb_name), check(smi.lanman, sizeof smi.lanman);
            smi.dialect_max = smi.dialect_max ? smi.dialect_max : 0x0311;
            sv_smb_apply(&si, &smi);
        }
    }
    }
    free(si.name), free(si.product), free(si.version), free(si.extrainfo), free(si.hostname);
    return 0;
}
