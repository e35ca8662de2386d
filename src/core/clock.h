/* clock.h — time in microseconds: monotonic (now_us) for timeouts, RTTs and rate limits;
 * the wall clock (wall_us) for times that are shown or stored. */
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

static inline uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif
