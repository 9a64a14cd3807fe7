/*
 * tls_sessions.h - internal: the resumption cache's entry points for lib/net/tls.c (the
 * public half, create/free, is in runtime_tls.h).
 */
#ifndef RT_TLS_SESSIONS_H
#define RT_TLS_SESSIONS_H

#include <bearssl.h>

#include "tls.h"

/* 1 and *out filled if a session is remembered for key, else 0. */
int rt__tls_session_get(rt_tls_sessions *s, const char *key, br_ssl_session_parameters *out);
/* 1 if a session is remembered for key. */
int rt__tls_session_has(rt_tls_sessions *s, const char *key);
/* Remember p for key (replacing the key's entry, or the least recently used one). */
void rt__tls_session_put(rt_tls_sessions *s, const char *key, const br_ssl_session_parameters *p);

#endif
