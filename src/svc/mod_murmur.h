/* mod_murmur.h — Murmur (mumble-server), as nmap's murmur-version script does, and more.
 *
 * On port 64738 or a port named murmur (TCP or UDP): the UDP ping (4 zero bytes and an
 * 8-byte ident) to the same port number; Murmur answers 24 bytes: version (0, major,
 * minor, patch), the ident, users, max users and bandwidth (big-endian 32-bit). On TCP
 * the control channel is TLS and the server speaks first: its Version message (type 0,
 * protobuf: version, release, os, os_version) gives the release string and the OS that
 * nmap's script never reads. The port becomes name murmur, product Murmur, version
 * major.minor.patch, extrainfo as nmap's ("control port; users: U; max. users: M;
 * bandwidth: B b/s", "voice port; ...") with "; release: R; os: O" added on TCP. */
#ifndef PR_SVC_MOD_MURMUR_H
#define PR_SVC_MOD_MURMUR_H

#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

#define SV_MURMUR_FIELD 96
#define SV_MURMUR_IDENT "portreev"

struct sv_murmur_info {
    int ping; /* the ping answered */
    unsigned major, minor, patch;
    uint32_t users, max_users, bandwidth;
    int control; /* the TLS Version message was read */
    char release[SV_MURMUR_FIELD], os[SV_MURMUR_FIELD], os_version[SV_MURMUR_FIELD];
};

/* Writes the 12-byte ping to out. Returns 12, or 0 when cap is too small. */
size_t sv_murmur_ping(uint8_t *out, size_t cap);

/* Reads the ping's answer into info (ping, version, counts). Returns 0, or -1 with err
 * naming the problem and its byte offset. */
int sv_murmur_parse_ping(const uint8_t *buf, size_t len, struct sv_murmur_info *info, char *err,
                         size_t errlen);

/* 1 when buf holds a whole first control message (6-byte header and payload): an
 * sv_complete_fn. */
int sv_murmur_control_complete(const uint8_t *buf, size_t len);

/* Reads the server's first control message, which must be Version, into info (control,
 * version numbers when no ping came, release, os, os_version). Returns 0, or -1 with err
 * naming the problem and its byte offset. */
int sv_murmur_parse_control(const uint8_t *buf, size_t len, struct sv_murmur_info *info, char *err,
                            size_t errlen);

/* Sets si from info (nothing when neither the ping nor the control message answered);
 * tcp picks "control port" or "voice port". */
void sv_murmur_apply(struct svc_info *si, const struct sv_murmur_info *info, int tcp);

#endif
