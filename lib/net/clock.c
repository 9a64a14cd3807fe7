/*
 * clock.c - the monotonic clock every deadline in the runtime is measured on (timers,
 * connection timeouts, pool expiry). Any thread.
 */
#include <time.h>

#include "net.h"

uint64_t rt__now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t rt__now_ms(void)
{
    return rt__now_us() / 1000u;
}
