/*
 * request.h - a request as the Fetch standard builds it from (input, init), in C
 * (lib/engine/request.c), and the Request class on top. fetch() builds one the same way but
 * never makes a Request object a script did not ask for: fetch(url) costs no JS object for
 * the request.
 */
#ifndef RT_ENGINE_REQUEST_H
#define RT_ENGINE_REQUEST_H

#include <stdint.h>
#include "engine.h"
#include "headers.h"
#include "url.h"

enum { RT_MODE_CORS = 0, RT_MODE_SAME_ORIGIN, RT_MODE_NO_CORS, RT_MODE_NAVIGATE };

typedef struct rt__rq {
    char *method;                          /* owned, normalized */
    rt__url url;                           /* owned; fragment kept (stripped when sent) */
    rt__hlref hr;                          /* hr.h owned, malloc'd (guard: request); hr.idx
                                              -1 */
    int body_kind;                         /* BK_NULL, BK_BYTES, BK_PARTS or BK_STREAM */
    uint32_t body_hold;                    /* the bytes buffer, the Array of pieces or the
                                              stream (a hold) */
    const uint8_t *body;                   /* BK_BYTES: into the held buffer */
    size_t body_len;
    uint32_t signal_hold;                  /* the AbortSignal to follow (a hold), 0: none */
    uint32_t referrer_hold;                /* a referrer URL string (a hold), 0: see below */
    uint32_t integrity_hold;               /* 0: "" */
    uint8_t referrer_client;               /* 1: "about:client" (the default), 0 with no hold:
                                              "" (no-referrer) */
    uint8_t redirect, mode, credentials, cache, referrer_policy, destination;
    uint8_t keepalive, reload_nav, history_nav, duplex_half;
    /* the runtime's own knobs (init.timeout, init.limits): 0 / -1 for the runtime's default */
    uint32_t connect_ms, headers_ms, body_ms;
    int64_t max_header_bytes, max_header_count, max_body_bytes;
    int take_input_body;                   /* the body is the input Request's: mark it used */
} rt__rq;

/* Build rq from the arguments at input and init (init may be undefined), as new Request()
   does; throws a TypeError (or whatever a script's getter throws) and leaves rq freed. */
void rt__rq_build(duk_context *ctx, duk_idx_t input, duk_idx_t init, rt__rq *rq);
/* After a successful build that took an input Request's body: that Request is now used. */
void rt__rq_commit(duk_context *ctx, duk_idx_t input, rt__rq *rq);
void rt__rq_free(duk_context *ctx, rt__rq *rq);
/* [ ... ] -> [ ... request ]: a Request object holding rq (its members move into it). */
void rt__rq_push_request(duk_context *ctx, rt__rq *rq);

int rt__request_init(duk_context *ctx);    /* the Request class */

#endif /* RT_ENGINE_REQUEST_H */
