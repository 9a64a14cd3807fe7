/*
 * runtime_tls.h - the BearSSL glue shared by every backend (lib/net/tls.c, lib/net/trust.c).
 *
 * rt_tls_trust: trust anchors decoded once per runtime from a PEM bundle; read-only and
 * shared by every connection and worker thread afterwards.
 *
 * rt_tls_conn: one client connection's TLS state (BearSSL full client profile, TLS 1.2,
 * SNI for host names, ALPN "http/1.1", certificate verification). Caller-allocated:
 * rt_tls_conn_size(host) bytes; rt_tls_conn_init() sets it up; nothing to free. A pooled
 * keep-alive connection keeps its rt_tls_conn (the session stays up between requests).
 *
 * rt_tls_sessions: a resumption cache (session IDs per origin), one per backend instance,
 * thread-safe. A new connection offers the origin's last session (rt_tls_conn_init) and a
 * finished exchange remembers it (rt_tls_conn_save).
 * Blocking backends wrap rt_tls_engine() with br_sslio (threadpool); non-blocking ones
 * drive the engine through the pump below (libuv). Errors map to RT_ECERT_UNTRUSTED,
 * RT_ECERT_EXPIRED, RT_ECERT_NAME_MISMATCH, RT_ETLS_HANDSHAKE, RT_ETLS_TRUNCATED, RT_ETLS.
 */
#ifndef RUNTIME_TLS_H
#define RUNTIME_TLS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rt_tls_trust rt_tls_trust;
typedef struct rt_tls_conn rt_tls_conn;
typedef struct rt_tls_sessions rt_tls_sessions;

/* Decode a PEM bundle (every CERTIFICATE in it). 0, or RT_ETRUST_STORE with a message. */
int rt_tls_trust_from_pem(const char *pem, size_t len, rt_tls_trust **out, char *err,
                          size_t errlen);
int rt_tls_trust_from_file(const char *path, rt_tls_trust **out, char *err, size_t errlen);
size_t rt_tls_trust_count(const rt_tls_trust *t);
void rt_tls_trust_free(rt_tls_trust *t);

/* NULL when out of memory. */
rt_tls_sessions *rt_tls_sessions_new(void);
void rt_tls_sessions_free(rt_tls_sessions *s);

/* Bytes to allocate for a connection to host (IP literals need room for the certificate
   the IP check walks). */
size_t rt_tls_conn_size(const char *host);
/* host: the URL's host (no brackets). trust may be NULL only when insecure. sessions/key
   (both may be NULL): offer the session remembered for key. 0 or RT_E... */
int rt_tls_conn_init(rt_tls_conn *c, const rt_tls_trust *trust, int insecure, const char *host,
                     rt_tls_sessions *sessions, const char *key);
/* 1 once the handshake is done (application data can flow). */
int rt_tls_established(rt_tls_conn *c);
/* 1 if the handshake resumed the offered session (abbreviated handshake). */
int rt_tls_conn_resumed(rt_tls_conn *c);
/* Remember this connection's session for key (after a successful exchange). */
void rt_tls_conn_save(rt_tls_conn *c, rt_tls_sessions *sessions, const char *key);
/* The engine (br_ssl_engine_context *), for br_sslio in blocking backends. */
void *rt_tls_engine(rt_tls_conn *c);
/* After the engine failed or closed: our error code and a message naming BearSSL's
   error number. eof_early: the transport closed before close_notify. */
int rt_tls_error(rt_tls_conn *c, int eof_early, char *msg, size_t msglen);

/* ---- the pump (non-blocking backends) ---- */
/* Records ready to send: pointer/length into the engine's buffer; ack what was taken. */
const uint8_t *rt_tls_out(rt_tls_conn *c, size_t *len);
void rt_tls_out_ack(rt_tls_conn *c, size_t n);
/* Feed record bytes read from the socket; returns how many the engine took. */
size_t rt_tls_in(rt_tls_conn *c, const uint8_t *data, size_t len);
/* Or read straight into the engine: where (and how much) it can take now; ack what came. */
uint8_t *rt_tls_in_buf(rt_tls_conn *c, size_t *room);
void rt_tls_in_ack(rt_tls_conn *c, size_t n);
/* Decrypted application bytes available: pointer/length; ack what was consumed. */
const uint8_t *rt_tls_app_in(rt_tls_conn *c, size_t *len);
void rt_tls_app_in_ack(rt_tls_conn *c, size_t n);
/* Queue application bytes to encrypt; returns how many the engine took (0: later). */
size_t rt_tls_app_out(rt_tls_conn *c, const uint8_t *data, size_t len);
void rt_tls_flush(rt_tls_conn *c);
/* 1 once the engine is closed or failed (then see rt_tls_error). */
int rt_tls_closed(rt_tls_conn *c);
/* 1 if it closed cleanly (the server's close_notify, no error). */
int rt_tls_clean_close(rt_tls_conn *c);

/* ---- the pump loop: everything a non-blocking transport needs ---- */
/* The transport, as two callbacks. */
typedef struct rt_tls_io {
    void *ctx;
    /* Send len record bytes: copy them (or finish with them) before returning. Returns
       the bytes taken (0: a write is still in flight, call rt_tls_pump when it is done),
       or <0 after the transport failed (it has dealt with the failure). */
    int (*send)(void *ctx, const uint8_t *rec, size_t len);
    /* Decrypted bytes for the application. 0 to go on; nonzero to stop pumping (the
       connection went away or changed hands). */
    int (*deliver)(void *ctx, const uint8_t *data, size_t len);
} rt_tls_io;
/* Plaintext to send, in segments (head and body, say), used in place; off: bytes the
   engine has taken so far (the caller zeroes it per request). */
typedef struct rt_tls_src {
    struct { const uint8_t *data; size_t len; } seg[2];
    int nseg;
    size_t off;
} rt_tls_src;
enum {
    RT_TLS_IDLE = 0,                       /* nothing moves until the transport does */
    RT_TLS_CLOSED = 1,                     /* the engine closed: rt_tls_clean_close / _error */
    RT_TLS_STOPPED = 2                     /* send failed or deliver said stop */
};
/* Move bytes until nothing moves: plaintext (src, may be NULL) into the engine, records to
   io->send, decrypted bytes to io->deliver. Call it after connecting, after each completed
   send and whenever there is new plaintext. */
int rt_tls_pump(rt_tls_conn *c, const rt_tls_io *io, rt_tls_src *src);
/* Records read from the socket: pushed into the engine and pumped. *used < len means the
   engine is full until records go out: keep the rest and feed it after the next send. */
int rt_tls_feed(rt_tls_conn *c, const rt_tls_io *io, rt_tls_src *src, const uint8_t *data,
                size_t len, size_t *used);
/* 1 while records wait to be sent. */
int rt_tls_sending(rt_tls_conn *c);

#ifdef __cplusplus
}
#endif
#endif /* RUNTIME_TLS_H */
