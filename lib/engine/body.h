/*
 * body.h - the body of a Request or Response (lib/engine/body.c), the Fetch standard's body
 * mixin in C, and the network body of a fetch (lib/engine/fetch.c feeds it).
 *
 * A body is one of: null; bytes known in full (a Duktape buffer in the owner's body slot:
 * a string's UTF-8, a copy of a BufferSource, URLSearchParams..., or a view of a Blob's
 * buffer: lib/engine/blob.h); bytes in pieces (BK_PARTS: an Array of such buffers in the body
 * slot - a FormData's multipart/form-data encoding, whose file pieces are views of the Files'
 * buffers, sent as they are: lib/net/client.h's segs); a script's ReadableStream
 * (in the owner's stream slot); or the network (a branch of a fetch exchange: the bytes that
 * arrived and were not yet taken, as references to the client's chunks, copied once when a
 * script takes them). text(), json(), arrayBuffer() and bytes() on a bytes or network body
 * run in C: no stream object, no JS per chunk; the promise is settled from C. The stream a
 * script sees as `body` is made only when it asks (lib/engine/js/40-streams.js), and reads
 * the same state through native calls, so locked/disturbed have one source of truth.
 *
 * Ownership: the body state lives in the owner's state buffer (GC-managed). A network
 * branch is malloc'd and belongs to its Response; while it holds anything the Response has
 * a finalizer (set per object, cleared when the branch is done), so a Response dropped
 * unread releases its connection, and a Response read to the end is freed by reference
 * counting alone. A finalizer runs inside any allocation, with C frames of this file or
 * fetch.c up the stack, so it only queues the branch: the reaper, between macrotasks, lets
 * the exchange go and frees memory.
 */
#ifndef RT_ENGINE_BODY_H
#define RT_ENGINE_BODY_H

#include <stdint.h>
#include "engine.h"

struct rt__fx;                             /* a fetch exchange (fetch.c) */
struct rt__chunk;

enum { BK_NULL = 0, BK_BYTES, BK_STREAM, BK_NET, BK_PARTS };
enum {
    BF_DISTURBED = 1,                      /* read from (or consumed) */
    BF_LOCKED = 2,                         /* a reader or a consumer holds it */
    BF_STREAM_MADE = 4,                    /* `body` was asked for: the slot holds it */
    BF_DRAINED = 8                         /* a bytes body's one chunk was read, or a body
                                              was cancelled: nothing more comes */
};

/* A network body's pieces not yet taken. */
typedef struct rt__piece {
    struct rt__chunk *chunk;               /* a reference */
    const uint8_t *data;
    size_t len;
} rt__piece;

/* What waits on a network branch; also the consumers of rt__body_consume. WAIT_RAW (internal)
   is the bytes as one plain buffer, which blob() and formData() go on from. */
enum { WAIT_NONE = 0, WAIT_TEXT, WAIT_JSON, WAIT_ARRAYBUFFER, WAIT_BYTES, WAIT_READ, WAIT_RAW,
       WAIT_BLOB, WAIT_FORMDATA };

/* One reader of a network body (a Response; clones are more branches of one exchange). */
typedef struct rt__branch {
    struct rt__fx *fx;                     /* NULL once the exchange let go of it */
    void *owner;                           /* the Response (heapptr, not a reference: its
                                              finalizer clears it) */
    rt__piece *q;                          /* owned: pieces [qhead, qlen) */
    size_t qhead, qlen, qcap;
    uint64_t queued;                       /* bytes in q */
    uint8_t ended;                         /* no more bytes will come */
    uint8_t paused;                        /* this branch asked the exchange to stop */
    uint8_t wait;                          /* WAIT_*: a consumer or a read is pending */
    uint8_t fin;                           /* the owner has a finalizer for it */
    uint8_t dead;                          /* freed, but its memory waits for the reaper */
    uint8_t reaping;                       /* on the reap list */
    int err;                               /* the body failed: RT_E... (0: no); the value to
                                              reject with is in the owner's error slot */
    uint32_t wait_hold;                    /* the pending promise (a hold) */
    struct rt__branch *next;               /* the exchange's other branches */
    struct rt__branch *reap_next;          /* the reap list (rt->fc->reap) */
} rt__branch;

typedef struct rt__body {
    uint8_t kind;                          /* BK_* */
    uint8_t flags;                         /* BF_* */
    rt__branch *br;                        /* BK_NET: owned */
} rt__body;

/* The owner of a body: its state's rt__body and the keys of its body and stream slots. */
typedef struct rt__owner {
    duk_idx_t idx;                         /* the Request or Response on the stack */
    rt__body *body;
    void *body_key;                        /* slot holding the bytes (BK_BYTES) */
    int body_slot;
    void *stream_key;                      /* slot holding the stream (made or given) */
    int stream_slot;
} rt__owner;

/* Find the owner at idx (a Request or Response); 0 if it is neither. */
int rt__owner_of(duk_context *ctx, duk_idx_t idx, rt__owner *o);

/* Extract a body from the BodyInit at idx (the Fetch standard's "extract"): fills *kind,
   pushes [ ... value ] - a Duktape buffer with the bytes (BK_BYTES: a copy, or a Blob's
   view), an Array of them (BK_PARTS: FormData), or the stream (BK_STREAM) - and, when the
   init gives one, [ ... value type ] with the Content-Type (else undefined). Throws a
   TypeError for a locked or disturbed stream. */
void rt__body_extract(duk_context *ctx, duk_idx_t idx, int *kind);

/* The mixin's consumers (WAIT_TEXT ... WAIT_BYTES, WAIT_BLOB, WAIT_FORMDATA) on the owner at
   idx: [ ... ] -> [ ... promise ]. */
void rt__body_consume(duk_context *ctx, duk_idx_t idx, int how);
/* bodyUsed of the owner at idx. */
int rt__body_used(duk_context *ctx, duk_idx_t idx);
/* [ ... ] -> [ ... stream|null ]: the owner's `body`, made on first use. */
void rt__body_push_stream(duk_context *ctx, duk_idx_t idx);

/* ---- network branches (fetch.c) ---- */
rt__branch *rt__branch_new(struct rt__fx *fx);
/* Body bytes arrived / the body ended / failed (err: an RT_E code; the reason to reject
   with is [ ... reason ] on the stack, consumed). The branch settles what waits on it.
   [ ... ] -> [ ... reason ]: the reason a failed branch rejects with. */
void rt__branch_push_error(duk_context *ctx, rt__branch *b);
void rt__branch_data(duk_context *ctx, rt__branch *b, struct rt__chunk *chunk,
                     const uint8_t *p, size_t n);
void rt__branch_end(duk_context *ctx, rt__branch *b);
void rt__branch_fail(duk_context *ctx, rt__branch *b, int err);
/* The Response at idx owns branch b: give it the finalizer that releases b. */
void rt__branch_adopt(duk_context *ctx, duk_idx_t idx, rt__branch *b);
/* Free a branch the exchange no longer feeds and no owner holds. With a ctx the memory goes
   at the next reap (C frames up the stack may still point at b); with NULL (rt_free) now. */
void rt__branch_free(duk_context *ctx, rt__branch *b);
/* rt__body_reap (engine.h) finishes what finalizers queued. */
/* rt_free, with the heap gone: free the branches still on the reap list. */
void rt__body_free_reaped(rt_runtime *rt);

int rt__body_init(duk_context *ctx);       /* native.body* for the streams layer */

/* ---- provided by fetch.c for the branches ---- */
/* b is gone (its Response died, or its body was cancelled): the exchange stops feeding it,
   and is cancelled when no branch is left. */
void rt__fx_branch_unlink(struct rt__fx *fx, rt__branch *b);   /* only unlinks */
void rt__fx_branch_gone(duk_context *ctx, struct rt__fx *fx, rt__branch *b);
/* A branch paused or resumed: the exchange reads while any branch wants bytes. */
void rt__fx_flow(struct rt__fx *fx);
/* [ ... ] -> [ ... response ]: a clone of the network Response at idx sharing its exchange
   (Response.prototype.clone on a body still arriving: both branches get every byte). */
rt__branch *rt__fx_tee(duk_context *ctx, rt__branch *b);

#endif /* RT_ENGINE_BODY_H */
