/*
 * fetchcls.h - the interned keys and prototypes of the fetch classes (Headers, Request,
 * Response, their iterators and bodies), made once at start-up and kept in rt_runtime.fc.
 * Private to lib/engine/. Each instance's slot 0 is its state; its key is the class's own
 * hidden symbol, which is the class check (lib/engine/native.h).
 */
#ifndef RT_ENGINE_FETCHCLS_H
#define RT_ENGINE_FETCHCLS_H

#include "native.h"

/* Headers */
enum { HS_STATE = 0, HS_N };
/* Headers iterator */
enum { HIS_STATE = 0, HIS_TARGET, HIS_N };
/* Request: state, headers, the signal given (or null), the one `signal` returns (made on first
   use), body bytes, body stream, method, URL (href), referrer, integrity */
enum { RQS_STATE = 0, RQS_HEADERS, RQS_SIGNAL, RQS_OWNSIGNAL, RQS_BODY, RQS_STREAM, RQS_METHOD,
       RQS_URL, RQS_REFERRER, RQS_INTEGRITY, RQS_N };
/* Response: state, headers (made on first use for a network response), body bytes, body
   stream, the error its network body failed with (kept by the object, not by C: it may
   refer back to the Response, and a C-held reference would keep that cycle alive) */
enum { RSS_STATE = 0, RSS_HEADERS, RSS_BODY, RSS_STREAM, RSS_ERROR, RSS_N };
/* Blob and File (lib/engine/blob.h): state, the bytes (a plain fixed buffer shared by
   slices), type, name (File only) */
enum { BLS_STATE = 0, BLS_DATA, BLS_TYPE, BLS_NAME, BLS_N };
/* FormData: state, the entry list (an Array [name0, value0, name1, ...], changed in place) */
enum { FDS_STATE = 0, FDS_LIST, FDS_N };
/* FormData iterator: state, the FormData */
enum { FDIS_STATE = 0, FDIS_TARGET, FDIS_N };

#include "body.h"
#include "headers.h"

/* The state of a Response (slot 0). body first: body.c treats any owner's state alike. */
enum { RT_RESP_DEFAULT = 0, RT_RESP_BASIC, RT_RESP_CORS, RT_RESP_ERROR, RT_RESP_OPAQUE,
       RT_RESP_OPAQUEREDIRECT };
typedef struct rt__response_state {
    rt__body body;
    uint16_t status;
    uint8_t type;                          /* RT_RESP_* */
    uint8_t redirected;
    uint32_t hl_off;                       /* a network response's header list (in this
                                              buffer), 0 when the headers slot is the truth */
    uint32_t url_off, url_len;             /* the URL list's last URL (0 length: none) */
    uint32_t reason_off, reason_len;       /* statusText bytes */
    /* followed by the header list block, the URL and the reason phrase */
} rt__response_state;

/* The state of a Request (slot 0). */
enum { RT_REDIRECT_FOLLOW = 0, RT_REDIRECT_ERROR, RT_REDIRECT_MANUAL };
typedef struct rt__request_state {
    rt__body body;
    uint8_t redirect;                      /* RT_REDIRECT_* */
    uint8_t mode, credentials, cache, referrer_policy, destination, duplex;
    uint8_t keepalive, reload_nav, history_nav;
    uint8_t has_signal;                    /* RQS_SIGNAL holds one */
    /* the runtime's own knobs (init.timeout, init.limits); 0 / -1: the runtime's default */
    uint32_t connect_ms, headers_ms, body_ms;
    int64_t max_header_bytes, max_header_count, max_body_bytes;
} rt__request_state;

struct rt__fetchcls {
    void *hdr_key[HS_N], *hdr_proto;
    void *hit_key[HIS_N], *hit_proto;
    void *hdr_entries;                     /* the original Headers.prototype.entries */
    void *req_key[RQS_N], *req_proto;
    void *res_key[RSS_N], *res_proto;
    void *finalizer;                       /* a network Response's (body.c), kept */
    void *blob_key[BLS_N], *blob_proto, *file_proto;
    void *blob_pull;                       /* Blob streams' pull (blob.c), kept */
    void *fd_key[FDS_N], *fd_proto;
    void *fdit_key[FDIS_N], *fdit_proto;
    struct rt__branch *reap;               /* branches for rt__body_reap (body.c) */
    uint8_t reaping_now;
};

static inline struct rt__fetchcls *rt__fc(duk_context *ctx)
{
    return rt__rt_of(ctx)->fc;
}

#endif /* RT_ENGINE_FETCHCLS_H */
