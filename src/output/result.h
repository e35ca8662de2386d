/* result.h — the one result model of a scan, filled by the engine and read by every
 * output format (normal, XML, grepable, JSON lines).
 *
 * The engine owns and fills a `struct scan_result`; outputs only serialise it. Port
 * states and reasons use nmap's names and meanings. */
#ifndef PR_OUTPUT_RESULT_H
#define PR_OUTPUT_RESULT_H

#include "core/addr.h"
#include "core/services.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

enum port_state {
    PS_UNKNOWN = 0,
    PS_OPEN,
    PS_CLOSED,
    PS_FILTERED,
    PS_UNFILTERED,
    PS_OPEN_FILTERED,
    PS_CLOSED_FILTERED,
    PS_COUNT
};

/* Why a state was concluded, with nmap's reason names (see rs_name). */
enum port_reason {
    RS_NONE = 0,         /* "unknown" */
    RS_SYN_ACK,          /* syn-ack */
    RS_RESET,            /* reset */
    RS_CONN_REFUSED,     /* conn-refused */
    RS_NO_RESPONSE,      /* no-response */
    RS_UDP_RESPONSE,     /* udp-response */
    RS_PORT_UNREACH,     /* port-unreach */
    RS_HOST_UNREACH,     /* host-unreach */
    RS_NET_UNREACH,      /* net-unreach */
    RS_PROTO_UNREACH,    /* proto-unreach */
    RS_ADMIN_PROHIBITED, /* admin-prohibited */
    RS_HOST_PROHIBITED,  /* host-prohibited */
    RS_NET_PROHIBITED,   /* net-prohibited */
    RS_ADDR_UNREACH,     /* addr-unreach (ICMPv6) */
    RS_ECHO_REPLY,       /* echo-reply */
    RS_TIMESTAMP_REPLY,  /* timestamp-reply */
    RS_ARP_RESPONSE,     /* arp-response */
    RS_ND_RESPONSE,      /* nd-response */
    RS_LOCALHOST,        /* localhost-response */
    RS_USER_SET,         /* user-set (-Pn) */
    RS_SYN_ACK_DISC,     /* syn-ack to a discovery probe */
    RS_RESET_DISC,       /* reset to a discovery probe */
    RS_COUNT
};

const char *ps_name(enum port_state s);  /* "open", "open|filtered", ... */
const char *rs_name(enum port_reason r); /* "syn-ack", "no-response", ... */

/* A CVE from --cve-feed that applies to a detected CPE. */
struct svc_cve {
    char id[32];  /* "CVE-2023-38408" */
    double cvss;  /* base score, highest metric version present; -1 when the feed has none */
    char via[96]; /* "cpe:/a:f5:nginx": the alias (--cpe-dict) it matched under; "" for the
                     service's own CPE */
};

#define SVC_MAX_CPES 8
#define SVC_MAX_CVES 256

/* What service detection (-sV) found on one port; strings are NULL when absent. */
struct svc_info {
    char *name; /* nmap's service name without "ssl/" ("ssh", "http", "tcpwrapped") */
    char *product, *version, *extrainfo, *hostname, *ostype, *devicetype;
    int probed;               /* 1: method="probed" (a match line), 0: method="table" */
    int conf;                 /* nmap's confidence: 10 hard match, 8 tcpwrapped, 3 table */
    int tunnel_ssl;           /* tunnel="ssl" */
    int answered;             /* the service sent bytes to some probe (matched or not) */
    char *cpes[SVC_MAX_CPES]; /* "cpe:/a:openbsd:openssh:9.2p1" */
    size_t ncpes;
    struct svc_cve *cves; /* highest CVSS first */
    size_t ncves;
    char *note; /* why detection stopped early (hostile or stalled server), or NULL */
};

struct port_result {
    uint16_t port;
    uint8_t proto;  /* enum pr_proto */
    uint8_t state;  /* enum port_state */
    uint8_t reason; /* enum port_reason */
    uint8_t reason_ttl;
    struct svc_info *svc; /* -sV result, owned (freed by result_free); NULL without -sV */
};

/* One target. `hosts` holds every target of the scan, up or down (the totals in the
 * footers are nhosts and hosts_up); outputs list down hosts only with -v, like nmap. */
/* OS detection (-O) of one host: nmap's <os>, <uptime>, <distance>, <tcpsequence>,
 * <ipidsequence> and <tcptssequence>. Filled by the scan (os/osscan.c) and the matcher
 * (os/osdb.c); read by every output. Strings are "" when absent. */
#define OS_MAX_MATCHES 10
#define OS_MAX_CLASSES 16   /* the most of one nmap-os-db fingerprint is 13 */
#define OS_MAX_CLASS_CPES 8 /* the most of one class is 8 */

struct os_class_result {
    char type[24];   /* "general purpose" */
    char vendor[32]; /* "Linux", "Microsoft" */
    char family[32]; /* "Linux", "Windows" */
    char gen[24];    /* "5.X", "10"; "" when the class has none */
    int accuracy;    /* percent */
    char cpes[OS_MAX_CLASS_CPES][96];
    size_t ncpes;
};

struct os_match_result {
    char name[200]; /* "Linux 4.15 - 5.8"; the longest in nmap-os-db has 190 characters */
    int accuracy;   /* percent */
    unsigned line;  /* of the Fingerprint line in nmap-os-db */
    struct os_class_result *classes; /* owned (os_result_free), nclasses of them */
    size_t nclasses;
};

struct os_portused {
    uint16_t port;
    uint8_t proto; /* enum pr_proto */
    uint8_t state; /* enum port_state: PS_OPEN or PS_CLOSED */
};

struct os_result {
    struct os_portused used[3]; /* open TCP, closed TCP, closed UDP, as found */
    size_t nused;
    struct os_match_result matches[OS_MAX_MATCHES]; /* best first */
    size_t nmatches;
    int perfect;  /* 1: matches are exact ("OS details"), and with nmatches 0: more than 8
                     ("Too many fingerprints match this host"); 0: guesses ("Aggressive OS
                     guesses") or none ("No OS matches for host") */
    int too_many; /* more exact matches than nmap lists (perfect 1, nmatches 0) */
    /* nmap's class summary lines (os/osdb.h osdb_summarize); "" when nmap prints none */
    char device_type[512]; /* "Device type: general purpose|router" */
    char running[2048];    /* "Running: Linux 4.X|5.X" */
    int running_guess;     /* "Running (JUST GUESSING): Linux 4.X|5.X (97%)" */
    char os_cpe[1024];     /* "OS CPE: cpe:/o:linux:linux_kernel:4 ..." */
    int unreliable;        /* no open and closed port: nmap's "OSScan results may be unreliable" */
    int guess;         /* --osscan-guess/--fuzzy: normal output lists the guesses ("Aggressive OS
                          guesses", "Running (JUST GUESSING)"); XML lists them always. So
                          matches keep nmap's guesses (within 10% of the best) without it too */
    char *fingerprint; /* nmap's "OS:SCAN(...)..." text, owned; NULL when not computed */
    double uptime_s;   /* < 0: unknown */
    char lastboot[64]; /* "Thu Dec  3 05:58:37 2026" (ctime without newline) */
    int distance;      /* hops; -1 unknown */
    int seq_index;     /* TCP sequence prediction index; -1 unknown */
    char seq_difficulty[32]; /* "Good luck!" */
    char seq_values[128];    /* "7E4B3A1,..." hex ISNs as nmap lists them */
    char ipid_class[32];     /* "All zeros", "Incremental", ... */
    char ipid_values[96];
    char ts_class[32]; /* "1000HZ", "none returned (unsupported)" */
    char ts_values[128];
};

/* One hop of --traceroute (nmap's <trace><hop ttl ipaddr rtt host/>). */
struct trace_hop {
    uint8_t ttl;
    int have_addr; /* 0: no answer at this TTL ("..." in nmap's normal output) */
    struct pr_addr addr;
    double rtt_ms;
    char host[256]; /* PTR name or "" */
};

#define TRACE_MAX_HOPS 50

#define TRACE_PROTO_ICMP 254 /* trace_result.proto: ICMP (ICMPv6) echo probes */
#define TRACE_PROTO_NONE 255 /* directly connected: no probe sent (nmap's bare TRACEROUTE) */

struct trace_result {
    uint16_t port;                         /* probe port and protocol used (<trace port proto>) */
    uint8_t proto;                         /* enum pr_proto, TRACE_PROTO_ICMP or TRACE_PROTO_NONE */
    struct trace_hop hops[TRACE_MAX_HOPS]; /* by increasing ttl */
    size_t nhops;
    uint8_t shared_ttl; /* hops 1..shared_ttl were learnt tracing shared_with (nmap's
                           "Hops 1-N are the same as for ADDR"); 0: none */
    struct pr_addr shared_with;
};

struct host_result {
    struct pr_addr addr;
    const char *hostname; /* user-given name or NULL; not owned */
    char *ptr_name;       /* reverse DNS (PTR) name, cleaned (net/rdns.h), owned; or NULL */
    int up;               /* 1 up, 0 down */
    uint8_t reason;       /* why up/down */
    uint8_t reason_ttl;
    uint8_t mac[6];
    int have_mac;
    /* nmap-mac-prefixes' name of mac's prefix, or NULL; not owned */
    const char *mac_vendor;
    double srtt_us;    /* smoothed RTT, 0 when unknown */
    double rttvar_us;  /* RTT variance (XML <times rttvar>), 0 when unknown */
    double timeout_us; /* probe timeout (XML <times to>); 0: outputs derive it */
    struct timeval start, end;
    int timed_out;             /* --host-timeout expired: ports are dropped, like nmap */
    struct port_result *ports; /* every scanned port of this host, sorted by proto then port */
    size_t nports;
    struct os_result *os;       /* -O result, owned (freed by host_result_free); NULL without -O */
    struct trace_result *trace; /* --traceroute result, owned; NULL without it */
};

/* One technique of the scan, as nmap's <scaninfo>. */
struct scan_info {
    const char *type;      /* nmap's names: "connect", "syn", "fin", "null", "xmas", "udp", "ack",
                              "maimon", "window" */
    uint8_t proto;         /* enum pr_proto */
    const uint16_t *ports; /* not owned */
    size_t nports;
};

/* Default for scan_result.version when the engine leaves it NULL. */
/* PR_VERSION (the program version) is defined by CMakeLists.txt from project(VERSION). */

struct scan_result {
    char *args;          /* the command line, owned (freed by result_free) */
    const char *version; /* portreeve's version string; NULL means PR_VERSION */
    struct timeval start, end;
    struct scan_info info[4];
    size_t ninfo;
    struct host_result *hosts;
    size_t nhosts;
    size_t hosts_up;
    const struct svc_db *svc; /* for service names; may be NULL */
    int ping_only;            /* -sn */
    /* Raw packet counters for the verbose footer; all 0 when unknown (line omitted). */
    uint64_t pkts_sent, pkts_rcvd, bytes_sent, bytes_rcvd;
    uint64_t pkts_badsum; /* replies dropped for a wrong checksum (shown when not 0) */
    /* Set when the scan failed part way: the outputs hold what was found and say that
     * the result is incomplete, with this reason (not owned). NULL: finished. */
    const char *errormsg;
    /* Set when a signal stopped the scan (errormsg then says which): the trailers say
     * "(interrupted)"; ports never probed are not in the hosts. */
    int interrupted;
    /* -sL: the targets are only listed (nothing sent); every host's state is "unknown" */
    int list_only;
};

/* Frees an os_result and what it owns (fingerprint, classes). NULL is fine. */
void os_result_free(struct os_result *os);

/* Frees a svc_info and everything it owns. NULL is fine. */
void svc_info_free(struct svc_info *si);

/* Frees a host's ports and their svc, its os, trace and ptr_name, and sets them NULL (nports 0);
 * the rest of h (hostname, owned elsewhere) is left. For a streaming scanner, after out_host. NULL
 * is fine. */
void host_result_free(struct host_result *h);

/* Frees what the result owns (args, hosts, each host's ports and their svc) and zeroes it. Not
 * freed: hostnames, scan_info port arrays, svc (owned elsewhere). NULL is fine, and so is
 * hosts NULL with nhosts counted (a streaming scanner keeps no hosts). */
void result_free(struct scan_result *r);

#endif
