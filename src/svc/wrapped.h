/* wrapped.h — nmap's "tcpwrapped" rule, to the millisecond.
 *
 * nmap (service_scan.cc) calls a TCP port tcpwrapped when the NULL probe's connection is
 * closed (EOF or RST) before any byte arrived and the time used is strictly below the
 * probe's tcpwrappedms. The time used is TIMEVAL_MSEC_SUBTRACT(close, exec): whole
 * seconds times 1000 plus the microsecond difference divided by 1000 with C's truncation
 * toward zero, so depending on the microsecond phase an elapsed 2999.6 ms counts as 2999
 * or 3000. exec is the wall-clock time the connection was seen established; close is
 * the wall-clock time its EOF/RST was read. portreeve uses the same clock and the same
 * arithmetic, so the two tools agree at the boundary. */
#ifndef PR_SVC_WRAPPED_H
#define PR_SVC_WRAPPED_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock time in microseconds since the epoch (gettimeofday, as nmap uses). */
int64_t sv_wall_us(void);

/* nmap's TIMEVAL_MSEC_SUBTRACT(end, start) for two sv_wall_us() values. */
long sv_msec_subtract(int64_t end_us, int64_t start_us);

/* 1 when a NULL probe connection established at connected_us and closed at closed_us
 * with nread bytes received is tcpwrapped under threshold wrappedms, else 0. */
int sv_is_tcpwrapped(int64_t connected_us, int64_t closed_us, size_t nread, unsigned wrappedms);

#endif
