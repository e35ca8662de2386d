/* wrapped.c — nmap's tcpwrapped decision (see wrapped.h). */
#include "svc/wrapped.h"

#include <sys/time.h>

int64_t sv_wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

long sv_msec_subtract(int64_t end_us, int64_t start_us)
{
    /* Split like struct timeval (0 <= usec < 1e6), then nmap's macro:
     * (a.sec - b.sec) * 1000 + (a.usec - b.usec) / 1000, C division truncating to 0. */
    int64_t es = end_us / 1000000, eu = end_us % 1000000;
    int64_t ss = start_us / 1000000, su = start_us % 1000000;
    return (long)((es - ss) * 1000 + (eu - su) / 1000);
}

int sv_is_tcpwrapped(int64_t connected_us, int64_t closed_us, size_t nread, unsigned wrappedms)
{
    if (nread > 0 || connected_us <= 0 || closed_us <= 0)
        return 0;
    return sv_msec_subtract(closed_us, connected_us) < (long)wrappedms;
}
