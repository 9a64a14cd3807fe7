/*
 * headers.h - header lists and the Headers class (lib/engine/headers.c).
 *
 * A header list is one position-independent block: an rt__hl, then `cap` entries, then the
 * bytes of every name and value (names as given, compared ASCII case-insensitively; values
 * as ByteStrings, one byte per code unit). It is the state of a Headers object (a dynamic
 * Duktape buffer in its slot 0, grown in place) and is copied as it is into a Response's
 * state, so a response's headers cost no JS object until a script asks for them. Insertion
 * order is kept (it is the wire order); the sorted, combined view the Fetch standard's
 * iteration wants is computed when asked. Loop thread.
 */
#ifndef RT_ENGINE_HEADERS_H
#define RT_ENGINE_HEADERS_H

#include <stddef.h>
#include <stdint.h>
#include "duktape.h"
#include "http1.h"

enum { RT_GUARD_NONE = 0, RT_GUARD_REQUEST, RT_GUARD_RESPONSE, RT_GUARD_IMMUTABLE };

typedef struct rt__hl {
    uint32_t n, cap;                       /* entries in use, room for */
    uint32_t used, bcap;                   /* bytes in use (garbage included), room for */
    uint32_t garbage;                      /* bytes of removed or replaced entries */
    uint32_t version;                      /* bumped by every change (live iterators) */
    uint8_t guard;                         /* RT_GUARD_* */
    uint8_t pad[7];
} rt__hl;

typedef struct rt__hl_ent {
    uint32_t off;                          /* name at off, value right after it */
    uint32_t nlen, vlen;
} rt__hl_ent;

#define RT__HL_ENTS(h) ((rt__hl_ent *)((h) + 1))
#define RT__HL_BYTES(h) ((char *)(RT__HL_ENTS(h) + (h)->cap))

/* Bytes a block for these headers needs, and building it in mem (which has that many). */
size_t rt__hl_size_for(const rt_http1_header *hs, size_t n);
rt__hl *rt__hl_build(void *mem, const rt_http1_header *hs, size_t n, int guard);
/* Bytes the block at h takes (for copying it as it is). */
size_t rt__hl_size(const rt__hl *h);
/* Index of the first entry named name (case-insensitive) at or after from, or -1. */
int rt__hl_find(const rt__hl *h, const char *name, size_t nlen, uint32_t from);
/* Entry i's name and value. */
void rt__hl_entry(const rt__hl *h, uint32_t i, const char **name, size_t *nlen, const char **value,
                  size_t *vlen);
/* [ ... ] -> [ ... s ]: the combined value of name ("a, b"), or null when absent. */
void rt__hl_push_get(duk_context *ctx, const rt__hl *h, const char *name, size_t nlen);

/* A list being changed: where it is, and how it grows (in a Headers object's buffer, or in
   rt__malloc'd memory). h may move on every call that adds. */
typedef struct rt__hlref {
    rt__hl *h;
    duk_idx_t idx;                         /* the Headers object (normalized), or -1: malloc'd */
} rt__hlref;
/* A new malloc'd list (8 entries, 256 bytes); NULL when out of memory. */
rt__hl *rt__hl_new(int guard);
/* Add, delete, replace on a list (growing it as its ref says); throw a RangeError when out of
   memory. Names and values are taken as they are (validated or from the codec). */
void rt__hl_append(duk_context *ctx, rt__hlref *r, const char *name, size_t nlen,
                   const char *value, size_t vlen);
void rt__hl_delete(rt__hl *h, const char *name, size_t nlen);
void rt__hl_set(duk_context *ctx, rt__hlref *r, const char *name, size_t nlen, const char *value,
                size_t vlen);
/* Fill from a HeadersInit at init (sequence of pairs, record, or a Headers), validating as
   append() does. Throws a TypeError. */
void rt__hl_fill(duk_context *ctx, rt__hlref *r, duk_idx_t init);
/* Validate a name (and value, vi >= 0; stripped of surrounding HTTP whitespace) given as JS
   values: [ ... ] -> [ ... scratch scratch ]; throws a TypeError naming who. */
void rt__header_name_value(duk_context *ctx, duk_idx_t ni, duk_idx_t vi, const char *who,
                           const char **name, size_t *nlen, const char **value, size_t *vlen);

/* [ ... ] -> [ ... headers ]: a new, empty Headers object with the given guard. */
rt__hl *rt__headers_push(duk_context *ctx, int guard);
/* [ ... ] -> [ ... headers ]: a new Headers object holding a copy of the list at src. */
rt__hl *rt__headers_push_copy(duk_context *ctx, const rt__hl *src, int guard);
/* The list of the Headers object at idx, or NULL if it is not one. */
rt__hl *rt__headers_of(duk_context *ctx, duk_idx_t idx);
int rt__headers_init(duk_context *ctx);    /* the Headers class */

#endif /* RT_ENGINE_HEADERS_H */
