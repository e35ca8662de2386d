/* clock.h — monotonic time in microseconds, for timeouts, RTTs and rate limits. */
#ifndef PR_CORE_CLOCK_H
#define PR_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif
