/*
 * tls_sessions.c - TLS session resumption cache, one per backend instance: the session
 * parameters of the last full handshake with each origin ("https://host:port"), so that
 * the next new connection to it can offer the session ID and skip the certificate chain
 * and the key exchange (an abbreviated handshake). Only sessions of connections whose
 * certificate was verified, or of the runtime's explicit insecure mode, ever get here, and
 * one backend instance serves one runtime, so a session never crosses that line.
 * Thread-safe (the thread-pool workers share it); a small fixed table with LRU eviction.
 */
#include <pthread.h>
#include <string.h>

#include "net.h"
#include "tls_sessions.h"

#define SESSIONS_MAX 64                    /* origins remembered */

struct entry {
    char *key;                             /* owned; NULL: empty slot */
    br_ssl_session_parameters p;
    uint64_t used;                         /* LRU clock */
};

struct rt_tls_sessions {
    pthread_mutex_t mu;
    uint64_t clock;
    struct entry e[SESSIONS_MAX];
};

rt_tls_sessions *rt_tls_sessions_new(void)
{
    rt_tls_sessions *s = rt__calloc(1, sizeof *s);
    if (s && pthread_mutex_init(&s->mu, NULL) != 0) {
        rt__free(s);
        return NULL;
    }
    return s;
}

void rt_tls_sessions_free(rt_tls_sessions *s)
{
    if (!s)
        return;
    for (int i = 0; i < SESSIONS_MAX; i++)
        rt__free(s->e[i].key);
    pthread_mutex_destroy(&s->mu);
    /* the master secrets must not linger in freed memory */
    memset(s->e, 0, sizeof s->e);
    rt__free(s);
}

static struct entry *find(rt_tls_sessions *s, const char *key)
{
    for (int i = 0; i < SESSIONS_MAX; i++)
        if (s->e[i].key && strcmp(s->e[i].key, key) == 0)
            return &s->e[i];
    return NULL;
}

int rt__tls_session_get(rt_tls_sessions *s, const char *key, br_ssl_session_parameters *out)
{
    pthread_mutex_lock(&s->mu);
    struct entry *e = find(s, key);
    if (e) {
        *out = e->p;
        e->used = ++s->clock;
    }
    pthread_mutex_unlock(&s->mu);
    return e != NULL;
}

int rt__tls_session_has(rt_tls_sessions *s, const char *key)
{
    pthread_mutex_lock(&s->mu);
    int has = find(s, key) != NULL;
    pthread_mutex_unlock(&s->mu);
    return has;
}

void rt__tls_session_put(rt_tls_sessions *s, const char *key, const br_ssl_session_parameters *p)
{
    char *k = NULL;
    pthread_mutex_lock(&s->mu);
    struct entry *e = find(s, key);
    if (!e) {
        e = &s->e[0];
        for (int i = 1; i < SESSIONS_MAX && e->key; i++)
            if (!s->e[i].key || s->e[i].used < e->used)
                e = &s->e[i];
        k = rt__strdup(key);
        if (!k) {
            pthread_mutex_unlock(&s->mu);
            return;                        /* out of memory: simply not remembered */
        }
        rt__free(e->key);
        e->key = k;
    }
    e->p = *p;
    e->used = ++s->clock;
    pthread_mutex_unlock(&s->mu);
}
