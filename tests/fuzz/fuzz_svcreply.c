/* fuzz_svcreply.c — libFuzzer target for what -sV believes of a server's reply: the
 * match lines of nmap's probe file run over the reply (svc/match.c, as svc/version.c
 * calls it), and the TLS records of a server answering the -sV TLS lane (parsed by
 * OpenSSL with the client settings of svc/version.c).
 *
 * The probe database is read at start from /usr/share/nmap/nmap-service-probes (Debian
 * package nmap-common; never copied here). Input: two bytes pick the probe, the rest is
 * the reply. A match must carry terminated fields and at most SV_MAX_CPES CPEs. */
#include "svc/match.h"
#include "svc/probes.h"

#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sv_probedb *db;
static struct sv_matcher *mt;
static SSL_CTX *tls;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct pr_error e = {""};
    db = sv_probes_load("/usr/share/nmap/nmap-service-probes", 0, &e);
    mt = sv_matcher_new();
    tls = SSL_CTX_new(TLS_client_method());
    if (!db || !db->nprobes || !mt || !tls) {
        fprintf(stderr, "fuzz_svcreply: %s\n", db ? "setup failed" : e.msg);
        exit(1);
    }
    SSL_CTX_set_verify(tls, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_min_proto_version(tls, 0);
    SSL_CTX_set_cipher_list(tls, "ALL:@SECLEVEL=0");
    SSL_CTX_set_options(tls, SSL_OP_ALL | SSL_OP_LEGACY_SERVER_CONNECT);
    return 0;
}

/* The reply as the server's side of a TLS handshake. */
static void tls_reply(const uint8_t *d, size_t n)
{
    SSL *s = SSL_new(tls);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    if (!s || !rb || !wb)
        abort();
    SSL_set_bio(s, rb, wb); /* s owns both */
    SSL_set_connect_state(s);
    (void)SSL_do_handshake(s); /* ClientHello into wb */
    if (n && BIO_write(rb, d, (int)n) != (int)n)
        abort();
    (void)SSL_do_handshake(s);
    SSL_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 16)
        return 0;
    size_t pi = ((size_t)data[0] << 8 | data[1]) % db->nprobes;
    const uint8_t *resp = data + 2;
    size_t len = size - 2;
    /* an exact-size copy, so reading past the reply is caught */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, resp, len);
    struct sv_found f;
    if (sv_match_response(mt, db, &db->probes[pi], copy, len, &f) != SV_NOMATCH) {
        for (int k = 0; k < SVF_COUNT; k++)
            if (!memchr(f.field[k], '\0', SV_FIELD_MAX))
                abort();
        if (f.ncpe > SV_MAX_CPES)
            abort();
    }
    if (len && copy[0] == 0x16) /* a TLS handshake record */
        tls_reply(copy, len);
    free(copy);
    return 0;
}
