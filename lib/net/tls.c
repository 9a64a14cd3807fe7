/*
 * tls.c - BearSSL glue shared by the backends: a client connection (full client profile,
 * TLS 1.2, SNI for host names and never for IP literals, ALPN "http/1.1"), certificate
 * verification through br_x509_minimal wrapped by a small X.509 class of ours that adds
 * what the minimal engine lacks - checking an IP-literal host against the end-entity
 * certificate's iPAddress subjectAltName entries (a bounded DER walker) - and, only in the
 * runtime's explicit insecure mode, skipping verification while still extracting the
 * server key. BearSSL error numbers become our codes here and nowhere else. The pump
 * functions expose the engine's buf/ack interface to the connection (lib/net/conn.c), which
 * moves records between the engine and whatever transport carries it; nothing here or
 * anywhere in the runtime uses br_sslio.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <bearssl.h>

#include "net.h"
#include "tls.h"
#include "tls_sessions.h"

#define EE_MAX 16384                       /* end-entity certificate bytes we keep */

const br_x509_trust_anchor *rt__tls_anchors(const rt_tls_trust *t, size_t *count);

typedef struct x509_wrap {
    const br_x509_class *vtable;           /* first: BearSSL calls through it */
    br_x509_minimal_context minimal;
    int insecure;
    int ip_host;
    uint8_t ip[16];
    size_t iplen;
    int index;                             /* certificate number in the chain */
    size_t ee_len;
    int ee_over;
    br_x509_decoder_context dec;           /* insecure mode: the key without validation */
    uint8_t *ee;                           /* -> rt_tls_conn.ee (IP hosts only), else NULL */
} x509_wrap;

/* Buffers are bidirectional: HTTP/1.1 lets a server answer (413, say) while the request
   body is still going out, and a one-direction buffer would stall that exchange. */
struct rt_tls_conn {
    br_ssl_client_context sc;
    x509_wrap x;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
    br_ssl_session_parameters offered;     /* the session we asked to resume, if any */
    int established;                       /* sticky: application data has been possible (with
                                              a mono buffer the state flags come and go) */
    uint8_t ee[];                          /* EE_MAX bytes, present only for IP hosts */
};

/* ---- a bounded DER walker for subjectAltName iPAddress ---- */

/* Read one TLV from [*p, end). 0 ok, -1 malformed. */
static int der_next(const uint8_t **p, const uint8_t *end, int *tag, const uint8_t **val,
                    size_t *len)
{
    const uint8_t *q = *p;
    if (end - q < 2)
        return -1;
    *tag = *q++;
    size_t n = *q++;
    if (n & 0x80) {
        int k = (int)(n & 0x7f);
        if (k == 0 || k > 4 || end - q < k)
            return -1;
        n = 0;
        while (k--)
            n = (n << 8) | *q++;
    }
    if ((size_t)(end - q) < n)
        return -1;
    *val = q;
    *len = n;
    *p = q + n;
    return 0;
}

/* 1 if the certificate's subjectAltName holds the iPAddress ip[0..iplen). */
int rt__x509_has_ip(const uint8_t *cert, size_t certlen, const uint8_t *ip, size_t iplen)
{
    static const uint8_t san_oid[] = {0x55, 0x1d, 0x11};
    const uint8_t *p = cert, *end = cert + certlen, *v;
    size_t n;
    int tag;
    if (der_next(&p, end, &tag, &v, &n) < 0 || tag != 0x30)
        return 0;                          /* Certificate */
    p = v;
    end = v + n;
    if (der_next(&p, end, &tag, &v, &n) < 0 || tag != 0x30)
        return 0;                          /* tbsCertificate */
    const uint8_t *t = v, *tend = v + n;
    while (t < tend) {
        if (der_next(&t, tend, &tag, &v, &n) < 0)
            return 0;
        if (tag != 0xa3)                   /* [3] extensions */
            continue;
        const uint8_t *e = v, *eend = v + n;
        if (der_next(&e, eend, &tag, &v, &n) < 0 || tag != 0x30)
            return 0;
        e = v;
        eend = v + n;
        while (e < eend) {                 /* Extension ::= SEQ { OID, [BOOL], OCTET STRING } */
            if (der_next(&e, eend, &tag, &v, &n) < 0 || tag != 0x30)
                return 0;
            const uint8_t *x = v, *xend = v + n, *oid, *val;
            size_t oidlen, vallen;
            if (der_next(&x, xend, &tag, &oid, &oidlen) < 0 || tag != 0x06)
                return 0;
            if (der_next(&x, xend, &tag, &val, &vallen) < 0)
                return 0;
            if (tag == 0x01 && der_next(&x, xend, &tag, &val, &vallen) < 0)
                return 0;
            if (tag != 0x04 || oidlen != sizeof san_oid || memcmp(oid, san_oid, oidlen) != 0)
                continue;
            const uint8_t *g = val, *gend = val + vallen;
            if (der_next(&g, gend, &tag, &v, &n) < 0 || tag != 0x30)
                return 0;                  /* GeneralNames */
            g = v;
            gend = v + n;
            while (g < gend) {
                if (der_next(&g, gend, &tag, &v, &n) < 0)
                    return 0;
                if (tag == 0x87 && n == iplen && memcmp(v, ip, iplen) == 0)
                    return 1;              /* [7] iPAddress */
            }
        }
    }
    return 0;
}

/* ---- the X.509 wrapper class ---- */

static void xw_start_chain(const br_x509_class **ctx, const char *server_name)
{
    x509_wrap *w = (x509_wrap *)ctx;
    w->index = 0;
    w->ee_len = 0;
    w->ee_over = 0;
    if (!w->insecure)
        w->minimal.vtable->start_chain(&w->minimal.vtable, w->ip_host ? NULL : server_name);
}

static void xw_start_cert(const br_x509_class **ctx, uint32_t length)
{
    x509_wrap *w = (x509_wrap *)ctx;
    if (w->insecure) {
        if (w->index == 0)
            br_x509_decoder_init(&w->dec, NULL, NULL);
        return;
    }
    w->minimal.vtable->start_cert(&w->minimal.vtable, length);
}

static void xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
    x509_wrap *w = (x509_wrap *)ctx;
    if (w->index == 0 && w->ee) {
        if (w->ee_len + len <= EE_MAX) {
            memcpy(w->ee + w->ee_len, buf, len);
            w->ee_len += len;
        } else {
            w->ee_over = 1;
        }
    }
    if (w->index == 0 && w->insecure)
        br_x509_decoder_push(&w->dec, buf, len);
    if (!w->insecure)
        w->minimal.vtable->append(&w->minimal.vtable, buf, len);
}

static void xw_end_cert(const br_x509_class **ctx)
{
    x509_wrap *w = (x509_wrap *)ctx;
    if (!w->insecure)
        w->minimal.vtable->end_cert(&w->minimal.vtable);
    w->index++;
}

static unsigned xw_end_chain(const br_x509_class **ctx)
{
    x509_wrap *w = (x509_wrap *)ctx;
    if (w->insecure)
        return br_x509_decoder_get_pkey(&w->dec) ? 0 : BR_ERR_X509_BAD_SERVER_NAME;
    unsigned r = w->minimal.vtable->end_chain(&w->minimal.vtable);
    if (r == 0 && w->ip_host &&
        (w->ee_over || !rt__x509_has_ip(w->ee, w->ee_len, w->ip, w->iplen)))
        return BR_ERR_X509_BAD_SERVER_NAME;
    return r;
}

static const br_x509_pkey *xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
    x509_wrap *w = (x509_wrap *)ctx;
    if (w->insecure) {
        if (usages)
            *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
        return br_x509_decoder_get_pkey(&w->dec);
    }
    return w->minimal.vtable->get_pkey(&w->minimal.vtable, usages);
}

static const br_x509_class xw_class = {
    sizeof(x509_wrap), xw_start_chain, xw_start_cert, xw_append, xw_end_cert, xw_end_chain,
    xw_get_pkey};

/* ---- the client profile, picked once ----
 *
 * br_ssl_client_init_full (BearSSL's full client profile) picks the fastest implementation
 * of each algorithm on every call, asking the CPU (CPUID) for AES-NI, PCLMUL, SSE2... each
 * time. In a virtual machine every such question traps to the hypervisor (~11 us each here):
 * a connection's set-up took ~375 us, nine tenths of it asking the same questions again. So
 * the profile is made once per process, in a template, and each connection is given the
 * template's picks through the engine's setters: the same profile, asked for once. (The
 * picks are read from the template's fields as bearssl_ssl.h declares them; test-tls.c
 * checks that a connection set up this way has exactly what br_ssl_client_init_full gives.)
 *
 * The suites: the full profile's 45, less the ones no server needs from us - 3DES (a 64-bit
 * block: Sweet32), static ECDH (no forward secrecy; servers offer ECDHE) and AES-CCM (not
 * offered by web servers) - which leaves ECDHE with AES-GCM, ChaCha20-Poly1305 and AES-CBC, and
 * RSA key exchange with AES-GCM and AES-CBC for old servers: 20. Besides, each suite offered
 * costs ~20,000 instructions of the engine's ClientHello code (checking it is supported), so a
 * new connection's set-up went from 1.16 to 0.6 million instructions. The order: the full
 * profile offers ChaCha20-Poly1305 first, the right order for a CPU without AES instructions;
 * with AES-NI and PCLMUL, AES-GCM is several times faster (an https download ran at a quarter
 * of curl's speed on ChaCha20), so the GCM suites go first there. */
static br_ssl_client_context tmpl;
static br_x509_minimal_context tmpl_x509;
static uint16_t tmpl_suites[BR_MAX_CIPHER_SUITES];
static size_t tmpl_nsuites;
static pthread_once_t tmpl_once = PTHREAD_ONCE_INIT;

/* Not offered (above): 3DES, static ECDH, AES-CCM. */
static int suite_dropped(uint16_t sx)
{
    switch (sx) {
    case BR_TLS_RSA_WITH_3DES_EDE_CBC_SHA:
    case BR_TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA:
    case BR_TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA:
    case BR_TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA:
    case BR_TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA:
    case BR_TLS_RSA_WITH_AES_128_CCM:
    case BR_TLS_RSA_WITH_AES_256_CCM:
    case BR_TLS_RSA_WITH_AES_128_CCM_8:
    case BR_TLS_RSA_WITH_AES_256_CCM_8:
    case BR_TLS_ECDHE_ECDSA_WITH_AES_128_CCM:
    case BR_TLS_ECDHE_ECDSA_WITH_AES_256_CCM:
    case BR_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8:
    case BR_TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8:
    case BR_TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA:
    case BR_TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA:
    case BR_TLS_ECDH_RSA_WITH_AES_128_CBC_SHA:
    case BR_TLS_ECDH_RSA_WITH_AES_256_CBC_SHA:
    case BR_TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256:
    case BR_TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384:
    case BR_TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256:
    case BR_TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384:
    case BR_TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256:
    case BR_TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384:
    case BR_TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256:
    case BR_TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384:
        return 1;
    default:
        return 0;
    }
}

static void tmpl_make(void)
{
    br_ssl_client_init_full(&tmpl, &tmpl_x509, NULL, 0);
    br_ssl_engine_context *e = &tmpl.eng;
    int gcm_first = br_aes_x86ni_ctr_get_vtable() && br_ghash_pclmul_get();
    size_t n = 0;
    for (int gcm = 1; gcm >= 0; gcm--)
        for (size_t i = 0; i < e->suites_num; i++) {
            uint16_t sx = e->suites_buf[i];
            if (suite_dropped(sx))
                continue;
            int is_gcm = gcm_first && (sx == BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ||
                                       sx == BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ||
                                       sx == BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ||
                                       sx == BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
            if (is_gcm == gcm)
                tmpl_suites[n++] = sx;
        }
    tmpl_nsuites = n;
}

/* What br_ssl_client_init_full does (and the suite order above), from the template. */
void rt__tls_profile(br_ssl_client_context *cc, br_x509_minimal_context *xc,
                     const br_x509_trust_anchor *tas, size_t n)
{
    pthread_once(&tmpl_once, tmpl_make);
    br_ssl_engine_context *e = &cc->eng;
    const br_ssl_engine_context *t = &tmpl.eng;
    br_ssl_client_zero(cc);
    br_ssl_engine_set_versions(e, BR_TLS10, BR_TLS12);
    br_x509_minimal_init(xc, &br_sha256_vtable, tas, n);
    br_ssl_engine_set_suites(e, tmpl_suites, tmpl_nsuites);
    br_ssl_client_set_rsapub(cc, tmpl.irsapub);
    br_ssl_engine_set_rsavrfy(e, t->irsavrfy);
    br_ssl_engine_set_ec(e, t->iec);
    br_ssl_engine_set_ecdsa(e, t->iecdsa);
    br_x509_minimal_set_rsa(xc, t->irsavrfy);
    br_x509_minimal_set_ecdsa(xc, t->iec, t->iecdsa);
    for (int id = br_md5_ID; id <= br_sha512_ID; id++) {
        const br_hash_class *hc = br_multihash_getimpl(&t->mhash, id);
        br_ssl_engine_set_hash(e, id, hc);
        br_x509_minimal_set_hash(xc, id, hc);
    }
    br_ssl_engine_set_x509(e, &xc->vtable);
    br_ssl_engine_set_prf10(e, t->prf10);
    br_ssl_engine_set_prf_sha256(e, t->prf_sha256);
    br_ssl_engine_set_prf_sha384(e, t->prf_sha384);
    br_ssl_engine_set_cbc(e, t->icbc_in, t->icbc_out);
    br_ssl_engine_set_aes_cbc(e, t->iaes_cbcenc, t->iaes_cbcdec);
    br_ssl_engine_set_gcm(e, t->igcm_in, t->igcm_out);
    br_ssl_engine_set_aes_ctr(e, t->iaes_ctr);
    br_ssl_engine_set_ghash(e, t->ighash);
    br_ssl_engine_set_ccm(e, t->iccm_in, t->iccm_out);
    br_ssl_engine_set_aes_ctrcbc(e, t->iaes_ctrcbc);
    br_ssl_engine_set_des_cbc(e, t->ides_cbcenc, t->ides_cbcdec);
    br_ssl_engine_set_chapol(e, t->ichapol_in, t->ichapol_out);
    br_ssl_engine_set_chacha20(e, t->ichacha);
    br_ssl_engine_set_poly1305(e, t->ipoly);
}

/* ---- connections ---- */

/* 4 or 16 (and the address in ip) for an IP literal, else 0. */
static size_t ip_literal(const char *host, uint8_t ip[16])
{
    if (inet_pton(AF_INET, host, ip) == 1)
        return 4;
    if (inet_pton(AF_INET6, host, ip) == 1)
        return 16;
    return 0;
}

size_t rt_tls_conn_size(const char *host)
{
    uint8_t ip[16];
    return sizeof(struct rt_tls_conn) + (ip_literal(host, ip) ? EE_MAX : 0);
}

int rt_tls_conn_init(rt_tls_conn *c, const rt_tls_trust *trust, int insecure, const char *host,
                     rt_tls_sessions *sessions, const char *key)
{
    static const char *alpn[] = {"http/1.1"};
    size_t n = 0;
    const br_x509_trust_anchor *tas = rt__tls_anchors(trust, &n);
    if (!insecure && !n)
        return RT_ETRUST_STORE;
    memset(c, 0, sizeof *c);
    rt__tls_profile(&c->sc, &c->x.minimal, tas, n);
    c->x.vtable = &xw_class;
    c->x.insecure = insecure;
    c->x.iplen = ip_literal(host, c->x.ip);
    c->x.ip_host = c->x.iplen != 0;
    c->x.ee = c->x.ip_host ? c->ee : NULL;
    br_ssl_engine_set_x509(&c->sc.eng, &c->x.vtable);
    br_ssl_engine_set_versions(&c->sc.eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_buffer(&c->sc.eng, c->iobuf, sizeof c->iobuf, 1);
    br_ssl_engine_set_protocol_names(&c->sc.eng, alpn, 1);
    /* Renegotiation would run the X.509 checks again mid-exchange; HTTP/1.1 over TLS 1.2
       has no need for it. */
    br_ssl_engine_add_flags(&c->sc.eng, BR_OPT_NO_RENEGOTIATION);
    int resume = sessions && key && rt__tls_session_get(sessions, key, &c->offered);
    if (resume)
        br_ssl_engine_set_session_parameters(&c->sc.eng, &c->offered);
    /* SNI only for names; the engine seeds itself from the system RNG */
    if (!br_ssl_client_reset(&c->sc, c->x.ip_host ? NULL : host, resume))
        return RT_ETLS;
    return 0;
}

int rt_tls_established(rt_tls_conn *c)
{
    if (!c->established &&
        (br_ssl_engine_current_state(&c->sc.eng) & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)))
        c->established = 1;
    return c->established;
}

void rt_tls_conn_save(rt_tls_conn *c, rt_tls_sessions *sessions, const char *key)
{
    if (!sessions || !key || !rt_tls_established(c))
        return;
    br_ssl_session_parameters p;
    br_ssl_engine_get_session_parameters(&c->sc.eng, &p);
    if (p.session_id_len)                  /* the server offered resumption */
        rt__tls_session_put(sessions, key, &p);
}

int rt_tls_error(rt_tls_conn *c, int eof_early, char *msg, size_t msglen)
{
    int e = br_ssl_engine_last_error(&c->sc.eng);
    int hs = !rt_tls_established(c) && e != BR_ERR_OK;
    int code;
    const char *what;
    if (e == BR_ERR_X509_EXPIRED) {
        code = RT_ECERT_EXPIRED;
        what = "certificate expired or not yet valid";
    } else if (e == BR_ERR_X509_BAD_SERVER_NAME) {
        code = RT_ECERT_NAME_MISMATCH;
        what = "certificate does not match the host name";
    } else if (e >= 32 && e < 64) {        /* BR_ERR_X509_* */
        code = RT_ECERT_UNTRUSTED;
        what = "certificate not trusted";
    } else if (e == BR_ERR_OK || e == BR_ERR_IO) {
        code = eof_early ? RT_ETLS_TRUNCATED : RT_ETLS;
        what = eof_early ? "connection closed without TLS close_notify" : "TLS I/O error";
    } else if (hs || e < 32) {
        code = RT_ETLS_HANDSHAKE;
        what = "TLS handshake failed";
    } else {
        code = RT_ETLS;
        what = "TLS alert from the server";
    }
    if (msg && msglen)
        snprintf(msg, msglen, "%s (BearSSL error %d)", what, e);
    return code;
}

/* ---- the pump ---- */

const uint8_t *rt_tls_out(rt_tls_conn *c, size_t *len)
{
    if (!(br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_SENDREC)) {
        *len = 0;
        return NULL;
    }
    return br_ssl_engine_sendrec_buf(&c->sc.eng, len);
}

void rt_tls_out_ack(rt_tls_conn *c, size_t n)
{
    br_ssl_engine_sendrec_ack(&c->sc.eng, n);
}

size_t rt_tls_in(rt_tls_conn *c, const uint8_t *data, size_t len)
{
    if (!(br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_RECVREC))
        return 0;
    size_t room;
    unsigned char *buf = br_ssl_engine_recvrec_buf(&c->sc.eng, &room);
    size_t n = len < room ? len : room;
    memcpy(buf, data, n);
    br_ssl_engine_recvrec_ack(&c->sc.eng, n);
    return n;
}

uint8_t *rt_tls_in_buf(rt_tls_conn *c, size_t *room)
{
    if (!(br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_RECVREC)) {
        *room = 0;
        return NULL;
    }
    return br_ssl_engine_recvrec_buf(&c->sc.eng, room);
}

const uint8_t *rt_tls_app_in(rt_tls_conn *c, size_t *len)
{
    if (!(br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_RECVAPP)) {
        *len = 0;
        return NULL;
    }
    return br_ssl_engine_recvapp_buf(&c->sc.eng, len);
}

void rt_tls_app_in_ack(rt_tls_conn *c, size_t n)
{
    br_ssl_engine_recvapp_ack(&c->sc.eng, n);
}

size_t rt_tls_app_out(rt_tls_conn *c, const uint8_t *data, size_t len)
{
    if (!(br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_SENDAPP))
        return 0;
    size_t room;
    unsigned char *buf = br_ssl_engine_sendapp_buf(&c->sc.eng, &room);
    size_t n = len < room ? len : room;
    memcpy(buf, data, n);
    br_ssl_engine_sendapp_ack(&c->sc.eng, n);
    return n;
}

void rt_tls_flush(rt_tls_conn *c)
{
    br_ssl_engine_flush(&c->sc.eng, 0);
}

int rt_tls_clean_close(rt_tls_conn *c)
{
    return rt_tls_closed(c) && br_ssl_engine_last_error(&c->sc.eng) == BR_ERR_OK;
}

int rt_tls_sending(rt_tls_conn *c)
{
    size_t len;
    rt_tls_out(c, &len);
    return len != 0;
}

int rt_tls_closed(rt_tls_conn *c)
{
    return br_ssl_engine_current_state(&c->sc.eng) == BR_SSL_CLOSED;
}
