/*
 * response.h - the Response class (lib/engine/response.c) and how fetch.c makes a network
 * Response from a head.
 */
#ifndef RT_ENGINE_RESPONSE_H
#define RT_ENGINE_RESPONSE_H

#include "body.h"
#include "http1.h"

/* [ ... ] -> [ ... response ]: a network Response (type "basic"): status, reason, headers as
   the head gave them, the URL (no fragment), whether redirects were followed, and its body:
   br (the Response adopts it) unless null_body. */
void rt__response_push_net(duk_context *ctx, int status, const char *reason, size_t reason_len,
                           const rt_http1_header *hs, size_t nh, const char *url, size_t url_len,
                           int redirected, int null_body, rt__branch *br);

/* [ ... ] -> [ ... response ]: the same with a body of bytes (copied), as fetch() of a data:
   URL makes. */
void rt__response_push_bytes(duk_context *ctx, int status, const char *reason, size_t reason_len,
                             const rt_http1_header *hs, size_t nh, const char *url,
                             size_t url_len, const uint8_t *body, size_t body_len);

int rt__response_init(duk_context *ctx);   /* the Response class */

#endif /* RT_ENGINE_RESPONSE_H */
