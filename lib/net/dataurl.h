/*
 * dataurl.h - the Fetch standard's data: URL processor and the Infra standard's
 * forgiving-base64 decode (lib/net/dataurl.c). No Duktape, no global state: any thread.
 * fetch() answers a data: URL with it (lib/engine/fetch.c), without the network; atob()
 * uses the decoder.
 */
#ifndef RT_NET_DATAURL_H
#define RT_NET_DATAURL_H

#include <stddef.h>
#include <stdint.h>

/* Forgiving-base64 decode of in[0..n) into out, which has room for n * 3 / 4 + 3 bytes.
   0 with *out_len set, or RT_EINVAL (not base64 by the standard's rules). */
int rt__base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len);
/* Standard base64 (with padding) of in[0..n) into out, which has room for (n + 2) / 3 * 4.
   Returns the length written. */
size_t rt__base64_encode(const uint8_t *in, size_t n, char *out);

/* A processed data: URL. Both owned (rt__malloc'd); rt__data_url_free releases them. */
typedef struct rt__data_url {
    char *mime;                            /* the serialized MIME type, NUL-terminated */
    size_t mime_len;
    uint8_t *body;                         /* the decoded body (may be empty, never NULL) */
    size_t body_len;
} rt__data_url;

/* Process url[0..n): a serialized data: URL without its fragment ("data:..."). 0 with *out
   filled, RT_EINVAL (no comma, or a base64 body that is not base64: the standard's
   failure, a network error for fetch), RT_ENOMEM. */
int rt__data_url_process(const char *url, size_t n, rt__data_url *out);
void rt__data_url_free(rt__data_url *d);

#endif /* RT_NET_DATAURL_H */
