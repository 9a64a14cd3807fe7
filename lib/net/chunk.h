/*
 * chunk.h - reference-counted blocks of response bytes. A connection reads (or decrypts, or
 * decodes) into a chunk; DATA events carry a reference to the part that is body, across
 * threads, so the bytes are copied once, from the chunk into whatever the engine keeps.
 * Chunks of the standard size are recycled through a small free list per client (a worker
 * allocates, the loop thread releases: recycling keeps glibc's per-thread arenas from
 * fragmenting). Any thread.
 */
#ifndef RT_NET_CHUNK_H
#define RT_NET_CHUNK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define RT__CHUNK_SIZE 65536               /* the standard chunk: a read, a gathered decrypt */
#define RT__CHUNK_SPARE 32                 /* standard chunks kept for reuse (2 MiB at most) */

typedef struct rt__chunk_pool {
    pthread_mutex_t mu;
    struct rt__mem *mem;                   /* chunks are charged to it (the runtime whose
                                              thread made the pool), whatever thread reads */
    struct rt__chunk *spare[RT__CHUNK_SPARE];  /* owned */
    int nspare;
} rt__chunk_pool;

typedef struct rt__chunk {
    rt__chunk_pool *pool;                  /* where a standard chunk goes back to */
    int refs;                              /* atomic */
    size_t cap;                            /* bytes at data */
    size_t len;                            /* bytes filled by the writer */
    uint8_t data[];
} rt__chunk;

/* The calling thread's memory owner (lib/net/alloc.c) is the pool's from now on. */
void rt__chunk_pool_init(rt__chunk_pool *p);
/* Frees the spare chunks; every chunk of the pool must have been released. */
void rt__chunk_pool_free(rt__chunk_pool *p);
/* A chunk of cap bytes (RT__CHUNK_SIZE ones from the pool's spares), one reference; NULL
   when out of memory. */
rt__chunk *rt__chunk_new(rt__chunk_pool *p, size_t cap);
void rt__chunk_ref(rt__chunk *c);
void rt__chunk_unref(rt__chunk *c);        /* NULL is a no-op */

#endif /* RT_NET_CHUNK_H */
