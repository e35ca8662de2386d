/* fuzz_svcextra.c — libFuzzer target for the wire parsers of the identifications past
 * nmap's probe file (src/svc/mod_extra.h): NATS INFO, beanstalkd stats, PgBouncer's
 * ErrorResponse, the XMPP stream header, git's first pkt-line, and the HTTP answers the
 * proxy rules read. Input: the first byte picks the parser, the rest is the answer (for
 * the HTTP rules: two answers, the first as long as the
 * big-endian number in the next two bytes says). A parse must end, stay
 * inside the input, and give terminated fields. */
#include "svc/mod_git.h"
#include "svc/mod_mq.h"
#include "svc/mod_pgb.h"
#include "svc/mod_proxy.h"
#include "svc/mod_xmpp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct sv_ident *id)
{
    if (strnlen(id->name, sizeof id->name) >= sizeof id->name ||
        strnlen(id->product, sizeof id->product) >= sizeof id->product ||
        strnlen(id->version, sizeof id->version) >= sizeof id->version ||
        strnlen(id->extrainfo, sizeof id->extrainfo) >= sizeof id->extrainfo ||
        strnlen(id->cpe, sizeof id->cpe) >= sizeof id->cpe || !id->name[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* a heap copy of exactly the answer, so that ASan sees any read past its end */
    size_t n = size - 1;
    uint8_t *d = malloc(n);
    if (!d)
        return 0;
    memcpy(d, data + 1, n);
    struct sv_ident id;
    memset(&id, 0, sizeof id);
    char err[160];
    int r = 0;
    switch (data[0] % 7) {
    case 0:
        (void)sv_nats_complete(d, n);
        r = sv_nats_parse(d, n, &id, err, sizeof err);
        break;
    case 1:
        (void)sv_beanstalk_complete(d, n);
        r = sv_beanstalk_parse(d, n, &id, err, sizeof err);
        break;
    case 2:
        (void)sv_pgb_complete(d, n);
        r = sv_pgb_parse(d, n, &id, err, sizeof err);
        break;
    case 3:
        (void)sv_xmpp_complete(d, n);
        r = sv_xmpp_parse(d, n, "127.0.0.1", &id, err, sizeof err);
        break;
    case 4:
        (void)sv_git_complete(d, n);
        r = sv_git_parse(d, n, &id, err, sizeof err);
        break;
    case 5: {
        if (n < 2)
            break;
        size_t cut = ((size_t)d[0] << 8 | d[1]) % (n - 1); /* 0..n-2 */
        (void)sv_http_complete(d + 2, n - 2);
        r = sv_http_classify(d + 2, cut, d + 2 + cut, n - 2 - cut, &id);
        if (r == 2)
            sv_http_privoxy(d, n, &id);
        r = r > 0;
        break;
    }
    default:
        snprintf(id.name, sizeof id.name, "http-proxy");
        sv_http_privoxy(d, n, &id);
        r = 1;
        break;
    }
    if (r == 1)
        check(&id);
    if (r < 0 && !memchr(err, 0, sizeof err))
        abort();
    free(d);
    return 0;
}
