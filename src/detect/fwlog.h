/* fwlog.h — parse iptables/nftables kernel LOG lines into detector events.
 *
 * Accepts the lines as the kernel writes them (nf_log_syslog: "PREFIX IN=... OUT=...
 * SRC=... DST=... PROTO=TCP SPT=... DPT=... SYN ..."), bare or wrapped by dmesg
 * ("[  12.345678] "), kern.log/syslog ("Nov 26 10:00:00 host kernel: "), RFC 3339
 * syslog and `journalctl -k` (short and short-iso). IPv4 and IPv6, TCP (with the
 * "OPT (...)" option dump and SEQ= when logged), UDP, ICMP/ICMPv6 with the quoted
 * datagram of errors, and every other IP protocol the kernel logs (PROTO=AH and ESP
 * with their SPI=, PROTO=N for the rest, IPv6 ESP lines that end before PROTO=).
 * Later fragments and packets cut short ("INCOMPLETE [N bytes]") are recognised and
 * marked `partial`. Pure function over one line; every field is length-checked. */
#ifndef PR_DETECT_FWLOG_H
#define PR_DETECT_FWLOG_H

#include "core/error.h"
#include "detect/event.h"

#include <stddef.h>

#define DET_FWLOG_MAX_LINE 8192
#define DET_FWLOG_PREFIX_MAX 64

struct det_fwlog_line {
    struct det_event ev;
    char prefix[DET_FWLOG_PREFIX_MAX]; /* the rule's log prefix, trimmed */
    int has_time; /* 0: no time on the line; 1: wall clock; 2: seconds since boot (dmesg) */
    int partial;  /* 1: no transport header (a later fragment, or a packet cut short): the
                     line is valid but the event is not a probe */
};

/* Parses one line (without or with its newline; need not be NUL-terminated).
 * Returns 1 with *out filled for a LOG line, 0 for a line that is not a packet LOG
 * line (other syslog traffic), or -1 with e->msg naming the column and the fault
 * for a malformed LOG line. `year` is used for BSD syslog stamps that lack one. */
int det_fwlog_parse(const char *line, size_t len, int year, struct det_fwlog_line *out,
                    struct pr_error *e);

#endif
