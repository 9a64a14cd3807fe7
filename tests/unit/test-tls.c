/*
 * test-tls.c - the client profile (lib/net/tls.c): made once per process from a template of
 * BearSSL's full profile and given to each connection through the engine's setters, it must
 * leave a connection exactly as br_ssl_client_init_full would (every algorithm
 * implementation), less the suites we do not offer (3DES, static ECDH, AES-CCM).
 */
#include <string.h>

#include <bearssl.h>

#include "net.h"
#include "test.h"

void rt__tls_profile(br_ssl_client_context *cc, br_x509_minimal_context *xc,
                     const br_x509_trust_anchor *tas, size_t n);

static br_ssl_client_context full, ours;
static br_x509_minimal_context full_x, ours_x;

TEST(tls_profile_matches_the_full_profile)
{
    br_ssl_client_init_full(&full, &full_x, NULL, 0);
    rt__tls_profile(&ours, &ours_x, NULL, 0);
    const br_ssl_engine_context *f = &full.eng, *o = &ours.eng;
    ASSERT(f->iaes_cbcenc == o->iaes_cbcenc && f->iaes_cbcdec == o->iaes_cbcdec);
    ASSERT(f->iaes_ctr == o->iaes_ctr && f->iaes_ctrcbc == o->iaes_ctrcbc);
    ASSERT(f->ides_cbcenc == o->ides_cbcenc && f->ides_cbcdec == o->ides_cbcdec);
    ASSERT(f->ighash == o->ighash && f->ichacha == o->ichacha && f->ipoly == o->ipoly);
    ASSERT(f->icbc_in == o->icbc_in && f->icbc_out == o->icbc_out);
    ASSERT(f->igcm_in == o->igcm_in && f->igcm_out == o->igcm_out);
    ASSERT(f->ichapol_in == o->ichapol_in && f->ichapol_out == o->ichapol_out);
    ASSERT(f->iccm_in == o->iccm_in && f->iccm_out == o->iccm_out);
    ASSERT(f->iec == o->iec && f->irsavrfy == o->irsavrfy && f->iecdsa == o->iecdsa);
    ASSERT(full.irsapub == ours.irsapub);
    ASSERT(f->prf10 == o->prf10 && f->prf_sha256 == o->prf_sha256 && f->prf_sha384 == o->prf_sha384);
    for (int id = br_md5_ID; id <= br_sha512_ID; id++) {
        ASSERT(br_ssl_engine_get_hash((br_ssl_engine_context *)f, id) ==
               br_ssl_engine_get_hash((br_ssl_engine_context *)o, id));
        ASSERT(full_x.mhash.impl[id - 1] == ours_x.mhash.impl[id - 1]);
    }
    ASSERT(full_x.irsa == ours_x.irsa && full_x.iecdsa == ours_x.iecdsa && full_x.iec == ours_x.iec);
    ASSERT(f->version_min == o->version_min && f->version_max == o->version_max);
    ASSERT(o->x509ctx == &ours_x.vtable);
}

/* Every suite we offer is one of the full profile's; the ones left out are 3DES, static ECDH
   and AES-CCM, and nothing else. */
TEST(tls_profile_suites)
{
    br_ssl_client_init_full(&full, &full_x, NULL, 0);
    rt__tls_profile(&ours, &ours_x, NULL, 0);
    ASSERT_EQ(ours.eng.suites_num, 20);
    for (size_t i = 0; i < full.eng.suites_num; i++) {
        uint16_t sx = full.eng.suites_buf[i];
        int offered = 0;
        for (size_t j = 0; j < ours.eng.suites_num; j++)
            offered |= ours.eng.suites_buf[j] == sx;
        int ecdh_static = (sx >> 8) == 0xC0 &&
                          ((sx >= 0xC001 && sx <= 0xC005) || (sx >= 0xC00B && sx <= 0xC00F) ||
                           sx == 0xC025 || sx == 0xC026 || sx == 0xC029 || sx == 0xC02A ||
                           sx == 0xC02D || sx == 0xC02E || sx == 0xC031 || sx == 0xC032);
        int tdes = sx == 0x000A || sx == 0xC003 || sx == 0xC008 || sx == 0xC00D || sx == 0xC012;
        int ccm = (sx >= 0xC09C && sx <= 0xC0A3) || (sx >= 0xC0AC && sx <= 0xC0AF);
        ASSERT_EQ(offered, !(ecdh_static || tdes || ccm));
    }
    /* GCM first where AES-NI and PCLMUL make it the fast one, ChaCha20 first elsewhere */
    uint16_t first = ours.eng.suites_buf[0];
    if (br_aes_x86ni_ctr_get_vtable() && br_ghash_pclmul_get())
        ASSERT(first == BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ||
               first == BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    else
        ASSERT_EQ(first, full.eng.suites_buf[0]);
}
