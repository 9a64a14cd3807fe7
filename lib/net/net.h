/*
 * net.h - declarations shared by the network side of the core (lib/net/), rt__ names, never
 * installed. Nothing here or in any header it includes knows Duktape: the network side
 * (allocation, buffers, clock, error names, the HTTP codec, TLS, trust) runs on any thread,
 * and backends may include it. Everything here is thread-safe unless it says otherwise.
 */
#ifndef RT_NET_H
#define RT_NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include "runtime.h"

/* ---- memory (lib/net/alloc.c): counted per owner, thread-safe, can be made to fail ---- */
/* Every rt__malloc block is charged to an owner: the calling thread's current one (see
   rt__mem_enter), or the process-wide owner when the thread has none. Blocks carry their
   owner: they may be freed on any thread, after the runtime is gone. */
void *rt__malloc(size_t n);
void *rt__calloc(size_t n, size_t size);
void *rt__realloc(void *p, size_t n);      /* stays charged to the block's owner */
void rt__free(void *p);
char *rt__strdup(const char *s);
char *rt__strndup(const char *s, size_t n);
size_t rt__alloc_size(const void *p);      /* the size asked for (0 for NULL) */
/* Process-wide counters of rt__malloc'd memory (all owners, all threads). */
void rt__alloc_counters(uint64_t *live_bytes, uint64_t *live_allocs, uint64_t *total_allocs);
/* Tests: the n-th allocation from now fails (0: never). */
void rt__alloc_fail_after(uint64_t n);

/* An owner: one per runtime. Its memory comes from a (NULL: the C library's malloc); beyond
   limit bytes (0: none) allocations charged to it fail. Released by its runtime; freed with
   its last block. */
typedef struct rt__mem rt__mem;
rt__mem *rt__mem_new(const rt_allocator *a, uint64_t limit);
void rt__mem_release(rt__mem *m);
void rt__mem_set_limit(rt__mem *m, uint64_t limit);
/* Make m the calling thread's owner (NULL: the process-wide one); returns the previous. */
rt__mem *rt__mem_enter(rt__mem *m);
rt__mem *rt__mem_current(void);
/* An allocation charged to m explicitly (NULL: process-wide), whatever the thread. */
void *rt__malloc_in(rt__mem *m, size_t n);
typedef struct rt__mem_stats {
    uint64_t net_bytes, net_allocs, net_total;      /* rt__malloc blocks, headers included */
    uint64_t heap_bytes, heap_allocs, heap_total;   /* the Duktape heap's blocks */
    uint64_t peak, denied, limit;
} rt__mem_stats;
void rt__mem_get(rt__mem *m, rt__mem_stats *out);
uint64_t rt__mem_heap_bytes(rt__mem *m);  /* the Duktape heap's bytes (cheap: one load) */
/* The Duktape heap's allocation functions (loop thread only). enforce 0: the limit is not
   applied (the engine has no catcher for the error a refusal would raise: it would be
   fatal, so the bytes are given and counted). */
void *rt__mem_heap_alloc(rt__mem *m, size_t n, int enforce);
void *rt__mem_heap_realloc(rt__mem *m, void *p, size_t n, int enforce);
void rt__mem_heap_free(rt__mem *m, void *p);

/* ---- growable byte buffer (lib/net/buf.c). The struct's owner owns data. ---- */
typedef struct rt__buf {
    char *data;                            /* rt__malloc'd, NUL-terminated when len > 0 */
    size_t len;
    size_t cap;
} rt__buf;
int rt__buf_reserve(rt__buf *b, size_t extra);          /* 0 or RT_ENOMEM */
int rt__buf_append(rt__buf *b, const void *p, size_t n);
int rt__buf_puts(rt__buf *b, const char *s);
int rt__buf_printf(rt__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt__buf_free(rt__buf *b);

/* ---- monotonic clock (lib/net/clock.c) ---- */
uint64_t rt__now_ms(void);                 /* CLOCK_MONOTONIC in milliseconds */
uint64_t rt__now_us(void);

/* ---- the backend (lib/net/backend.c): checks, creation, the calls the loop makes ---- */
struct rt_backend;
struct rt_backend_env;
int rt__backend_open(const struct rt_backend *b, const struct rt_backend_env *env, void **state,
                     char *err, size_t errlen);
void rt__backend_close(const struct rt_backend *b, void *state);
int rt__backend_wait(const struct rt_backend *b, void *state, int timeout_ms);
void rt__backend_host_arm(const struct rt_backend *b, void *state, int64_t ms);
struct rt_conn;
void rt__backend_carry(const struct rt_backend *b, void *state, struct rt_conn *c);
void rt__backend_wakeup(const struct rt_backend *b, void *state);

/* ---- trust store source (lib/net/trust.c) ---- */
struct rt_tls_trust;
/* Choose and decode the trust store: ca_file (may be NULL), $RT_CA_FILE, $SSL_CERT_FILE, the
   system bundle, the built-in anchors. 0 or RT_ETRUST_STORE/RT_ENOMEM; desc says which. */
int rt__trust_choose(const char *ca_file, struct rt_tls_trust **out, char *desc, size_t desclen);

#endif /* RT_NET_H */
