/*
 * chunk.c - reference-counted byte blocks with a small free list of standard-size ones per
 * pool (chunk.h). The free list is capped (RT__CHUNK_SPARE chunks) so an idle runtime holds
 * little. Chunks are charged to the pool's memory owner: body bytes a worker thread reads
 * count against their runtime's memory limit.
 */
#include "net.h"
#include "chunk.h"

void rt__chunk_pool_init(rt__chunk_pool *p)
{
    pthread_mutex_init(&p->mu, NULL);
    p->nspare = 0;
    p->mem = rt__mem_current();
}

void rt__chunk_pool_free(rt__chunk_pool *p)
{
    while (p->nspare)
        rt__free(p->spare[--p->nspare]);
    pthread_mutex_destroy(&p->mu);
}

rt__chunk *rt__chunk_new(rt__chunk_pool *p, size_t cap)
{
    rt__chunk *c = NULL;
    if (cap == RT__CHUNK_SIZE) {
        pthread_mutex_lock(&p->mu);
        if (p->nspare)
            c = p->spare[--p->nspare];
        pthread_mutex_unlock(&p->mu);
    }
    if (!c && !(c = rt__malloc_in(p->mem, sizeof *c + cap)))
        return NULL;
    c->pool = p;
    c->refs = 1;
    c->cap = cap;
    c->len = 0;
    return c;
}

void rt__chunk_ref(rt__chunk *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
}

void rt__chunk_unref(rt__chunk *c)
{
    if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    rt__chunk_pool *p = c->pool;
    if (c->cap == RT__CHUNK_SIZE) {
        pthread_mutex_lock(&p->mu);
        if (p->nspare < RT__CHUNK_SPARE) {
            p->spare[p->nspare++] = c;
            c = NULL;
        }
        pthread_mutex_unlock(&p->mu);
    }
    rt__free(c);
}
