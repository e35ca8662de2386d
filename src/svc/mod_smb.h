/* mod_smb.h — SMB2/3 and NTLMSSP facts of an SMB server, as nmap's smb-protocols,
 * smb2-security-mode and smb-os-discovery scripts find them, without a script engine.
 *
 * On TCP ports named microsoft-ds or netbios-ssn, by a probe match or only by the port
 * table (Windows matches no probe; the port then counts as probed once SMB answered),
 * port 139 after a NetBIOS session request for *SMBSERVER:
 *   1. SMB2 NEGOTIATE offering 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1 (with the preauth
 *      integrity and encryption contexts 3.1.1 requires): the highest dialect and the
 *      signing mode;
 *   2. on the same connection, SESSION_SETUP with an SPNEGO-wrapped NTLMSSP NEGOTIATE: the
 *      CHALLENGE's target info (NetBIOS and DNS computer and domain names) and its
 *      version field;
 *   3. a second connection offering 2.0.2 alone: the lowest dialect, when accepted;
 *   4. a third offering SMB1 "NT LM 0.12" alone; when accepted, SESSION_SETUP_ANDX with
 *      NTLMSSP: the NativeOS and NativeLanMan strings (Samba: "Samba 4.17.12-Debian").
 * The Samba version comes only from NativeLanMan. Samba 4.17 refuses SMB1 by default:
 * then, when the probe match says Samba and the NTLMSSP version has build 0 (Samba's
 * fixed 6.1.0; Windows always sends its build), the version is what SMB 3.1.1 proves:
 * "4.3.X - 4.X" (3.1.1 came with Samba 4.3), never the probe file's "4.6.2". The CPE
 * cpe:/a:samba:samba follows: the upstream version from NativeLanMan, none for a range. */
#ifndef PR_SVC_MOD_SMB_H
#define PR_SVC_MOD_SMB_H

#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

#define SV_SMB_FIELD 96

struct sv_smb_info {
    uint16_t dialect_max, dialect_min; /* 0x0311 ...; 0: unknown */
    int sign_enabled, sign_required;
    int smb1;     /* SMB1 NT LM 0.12 accepted */
    int ntlm;     /* an NTLMSSP CHALLENGE was read */
    int ntlm_ver; /* it had a version field */
    uint8_t ver_major, ver_minor;
    uint16_t ver_build;
    char nb_name[SV_SMB_FIELD], nb_domain[SV_SMB_FIELD];
    char dns_name[SV_SMB_FIELD], dns_domain[SV_SMB_FIELD];
    char native_os[SV_SMB_FIELD], lanman[SV_SMB_FIELD];
};

/* Writes the NetBIOS session request for *SMBSERVER (port 139). Returns its length, 0
 * when cap is too small. */
size_t sv_smb_nbss_request(uint8_t *out, size_t cap);

/* 1 when buf starts with a positive NetBIOS session response (0x82), else 0. */
int sv_smb_nbss_ok(const uint8_t *buf, size_t len);

/* Writes SMB2 NEGOTIATE offering all dialects (all != 0) or 2.0.2 alone. Returns its
 * length, 0 when cap is too small. */
size_t sv_smb2_negotiate(uint8_t *out, size_t cap, int all);

/* Writes SMB2 SESSION_SETUP (message id 1) with an NTLMSSP NEGOTIATE. */
size_t sv_smb2_session_setup(uint8_t *out, size_t cap);

/* Writes SMB1 NEGOTIATE offering "NT LM 0.12" alone. */
size_t sv_smb1_negotiate(uint8_t *out, size_t cap);

/* Writes SMB1 SESSION_SETUP_ANDX (extended security) with an NTLMSSP NEGOTIATE. */
size_t sv_smb1_session_setup(uint8_t *out, size_t cap);

/* 1 when buf holds one whole NetBIOS session message (4-byte header and its length):
 * an sv_complete_fn. */
int sv_smb_complete(const uint8_t *buf, size_t len);

/* Each parser reads one NetBIOS-framed answer. They return 0 with info updated, or -1
 * with err naming the problem and its byte offset (refused, malformed, not SMB). */
int sv_smb2_parse_negotiate(const uint8_t *buf, size_t len, struct sv_smb_info *info, int all,
                            char *err, size_t errlen);
int sv_smb2_parse_session(const uint8_t *buf, size_t len, struct sv_smb_info *info, char *err,
                          size_t errlen);
int sv_smb1_parse_negotiate(const uint8_t *buf, size_t len, struct sv_smb_info *info, char *err,
                            size_t errlen);
int sv_smb1_parse_session(const uint8_t *buf, size_t len, struct sv_smb_info *info, char *err,
                          size_t errlen);

/* Sets si's version, hostname and extrainfo from info (see above); the probe match's
 * name and product stay. */
void sv_smb_apply(struct svc_info *si, const struct sv_smb_info *info);

#endif
