/* version_cli.c — `portreeve --version`: the program's version, the git description of
 * the tree it was built from, and the versions of the libraries it runs with (run-time
 * versions where the library reports one, else the version it was built against). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "cli/cli.h"

#include <ares.h>
#include <jansson.h>
#include <microhttpd.h>
#include <libpq-fe.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <pcre2.h>
#include <seccomp.h>
#include <sqlite3.h>
#include <stdio.h>

#ifndef PR_GIT_DESCRIBE
#define PR_GIT_DESCRIBE "unknown"
#endif
#ifndef PR_NFTABLES_VERSION
#define PR_NFTABLES_VERSION "unknown"
#endif
#ifndef PR_CAPNG_VERSION
#define PR_CAPNG_VERSION "unknown"
#endif

#define PR_STR2(x) #x
#define PR_STR(x) PR_STR2(x)

int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fputs("portreeve: --version takes no arguments\n", stderr);
        return PR_EXIT_USAGE;
    }
    char pcre2[64] = "unknown";
    if (pcre2_config(PCRE2_CONFIG_VERSION, pcre2) < 0)
        snprintf(pcre2, sizeof pcre2, "%s", "unknown");
    int pq = PQlibVersion();
    const struct scmp_version *sv = seccomp_version();

    printf("portreeve %s (%s)\n", PR_VERSION, PR_GIT_DESCRIBE);
    printf("libraries:\n");
    printf("  %s\n", pcap_lib_version());
    printf("  PCRE2 %s\n", pcre2);
    printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
    printf("  SQLite %s\n", sqlite3_libversion());
    printf("  libpq %d.%d\n", pq / 10000, pq % 10000);
    printf("  jansson %s\n", jansson_version_str());
    printf("  libxml2 %s\n", LIBXML_DOTTED_VERSION);
    printf("  libnftables %s (built with)\n", PR_NFTABLES_VERSION);
    printf("  libcap-ng %s (built with)\n", PR_CAPNG_VERSION);
    if (sv)
        printf("  libseccomp %u.%u.%u\n", sv->major, sv->minor, sv->micro);
    printf("  libmicrohttpd %s\n", MHD_get_version());
    printf("  c-ares %s\n", ares_version(NULL));
    return PR_EXIT_OK;
}
