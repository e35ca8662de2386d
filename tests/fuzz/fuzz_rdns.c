/* fuzz_rdns.c — libFuzzer target for the /etc/hosts line reader and the name cleaning of
 * reverse DNS (net/rdns.c).
 *
 * The input is split into lines; each goes to rdns_hosts_line, and the whole input (up
 * to its first NUL) to rdns_name_clean as a name from the wire. Every name that comes out
 * must be 1..RDNS_NAME_MAX bytes of letters, digits and ".-+=:_~*", NUL-terminated, and
 * an entry's address must be IPv4 or IPv6. */
#include "net/rdns.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *name, size_t n)
{
    if (n == 0 || n > RDNS_NAME_MAX || strlen(name) != n)
        abort();
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isascii(c) || !(isalnum(c) || strchr(".-+=:_~*", c)))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char name[RDNS_NAME_MAX + 1];
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        struct pr_addr a;
        size_t n = rdns_hosts_line(p, len, &a, name, sizeof name);
        if (n) {
            check_name(name, n);
            if (a.family != AF_INET && a.family != AF_INET6)
                abort();
        }
        p += len + 1;
    }
    char *z = malloc(size + 1);
    if (!z)
        abort();
    memcpy(z, data, size);
    z[size] = 0;
    size_t n = rdns_name_clean(z, name, sizeof name);
    if (n)
        check_name(name, n);
    else if (name[0])
        abort();
    free(z);
    return 0;
}
