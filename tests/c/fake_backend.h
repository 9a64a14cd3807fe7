/*
 * fake_backend.h - a scripted backend for tests, plugged in through rt_config.backend.
 * The request target picks the script ("/fake/<scenario>", see fake_backend.c); every
 * wait() emits at most one event per request, so scripts play out over several turns.
 */
#ifndef FAKE_BACKEND_H
#define FAKE_BACKEND_H
#include "runtime_backend.h"

extern const rt_backend fake_backend;

typedef struct fake_counters {
    int started, cancelled, paused, resumed, events, waits;
} fake_counters;
extern fake_counters fake_stats;

#endif
