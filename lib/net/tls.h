/*
 * tls.h - the BearSSL glue of the network side (lib/net/tls.c, lib/net/trust.c).
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
 * The connection (lib/net/conn.c) drives the engine through the pump functions below, on
 * whatever thread carries it. Errors map to RT_ECERT_UNTRUSTED,
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
/* Remember this connection's session for key (after a successful exchange). */
void rt_tls_conn_save(rt_tls_conn *c, rt_tls_sessions *sessions, const char *key);
/* After the engine failed or closed: our error code and a message naming BearSSL's
   error number. eof_early: the transport closed before close_notify. */
int rt_tls_error(rt_tls_conn *c, int eof_early, char *msg, size_t msglen);

/* ---- the pump (lib/net/conn.c) ---- */
/* Records ready to send: pointer/length into the engine's buffer; ack what was taken. */
const uint8_t *rt_tls_out(rt_tls_conn *c, size_t *len);
void rt_tls_out_ack(rt_tls_conn *c, size_t n);
/* Feed record bytes read from the socket; returns how many the engine took. */
size_t rt_tls_in(rt_tls_conn *c, const uint8_t *data, size_t len);
/* How much the engine can take now (room; 0: records must go out first). */
uint8_t *rt_tls_in_buf(rt_tls_conn *c, size_t *room);
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
/* 1 while records wait in the engine to be sent. */
int rt_tls_sending(rt_tls_conn *c);

#ifdef __cplusplus
}
#endif
#endif /* RUNTIME_TLS_H */
