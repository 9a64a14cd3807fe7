/*
 * test-proxy-fake.c - fetch through a proxy (lib/net/client.c, conn.c, pool.c) against
 * tests/c/fake_backend.c playing the proxy: the absolute-form head with the origin's Host and
 * the proxy's credentials, keep-alive to the proxy per origin, the CONNECT head and its
 * answers (407; bytes after the head; a close before answering; 100 then 200 arriving a byte
 * at a time, after which the TLS handshake goes through the tunnel), a proxy that cannot be
 * reached or resolved or that never completes the connect, NO_PROXY, and unusable URLs.
 */
#include <string.h>

#include "duktape.h"
#include "fake_backend.h"
#include "runtime.h"
#include "test.h"

static char out[4096];

static duk_ret_t js_out(duk_context *ctx)
{
    strncat(out, duk_safe_to_string(ctx, 0), sizeof out - strlen(out) - 2);
    strcat(out, "\n");
    return 0;
}

static rt_runtime *proxied(const char *http, const char *https, const char *no)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.backend = &fake_backend;
    cfg.http_proxy = http;
    cfg.https_proxy = https;
    cfg.no_proxy = no;
    cfg.insecure = 1;                      /* no trust store needed: the handshake fails */
    cfg.connect_timeout_ms = 200;
    cfg.report = NULL;
    rt_runtime *rt = NULL;
    char err[256];
    ASSERT_EQ(rt_create(&cfg, &rt, err, sizeof err), 0);
    duk_context *ctx = rt_duk(rt);
    duk_push_global_object(ctx);
    duk_push_c_function(ctx, js_out, 1);
    duk_put_prop_string(ctx, -2, "out");
    duk_pop(ctx);
    out[0] = 0;
    fake_last_request[0] = 0;
    memset(&fake_stats, 0, sizeof fake_stats);
    fake_sockets = -1;
    return rt;
}

static void run(rt_runtime *rt, const char *src)
{
    ASSERT_EQ(rt_eval_string(rt, src, "proxy.js"), 0);
    ASSERT_EQ(rt_run(rt), 0);
}

#define SHOW_ERROR "function (e) { out(e.cause.code + ': ' + e.cause.message); }"

TEST(proxy_fake_absolute_form)
{
    rt_runtime *rt = proxied("http://u%40x:p%3Aw@proxy.fake:3128", NULL, NULL);
    run(rt, "fetch('http://origin.fake:8080/fake/ok?q=1', {headers: {'Proxy-Authorization': 'no'}})"
            ".then(function (r) { return r.text(); }).then(function (t) { out(t); })");
    ASSERT_STREQ(out, "hello world\n");
    /* absolute-form, Host the origin's, the URL's credentials (u@x:p:w), the script's
       own Proxy-Authorization dropped */
    ASSERT(strncmp(fake_last_request, "GET http://origin.fake:8080/fake/ok?q=1 HTTP/1.1\r\n"
                   "Host: origin.fake:8080\r\n", 66) == 0);
    ASSERT(strstr(fake_last_request, "\r\nProxy-Authorization: Basic dUB4OnA6dw==\r\n") != NULL);
    ASSERT(strstr(fake_last_request, ": no\r\n") == NULL);
    rt_free(rt);
}

TEST(proxy_fake_keepalive_per_origin)
{
    rt_runtime *rt = proxied("proxy.fake", NULL, NULL);
    run(rt, "function get(u) { return fetch(u).then(function (r) { return r.text(); }); }"
            "get('http://a.fake/fake/ok').then(function () { return get('http://a.fake/fake/ok'); })"
            ".then(function () { return get('http://b.fake/fake/ok'); })"
            ".then(function (t) { out(t); })");
    ASSERT_STREQ(out, "hello world\n");
    ASSERT_EQ(fake_stats.requests, 3);
    ASSERT_EQ(fake_stats.connects, 2);    /* a's connection to the proxy kept; b has its own */
    ASSERT(strstr(fake_last_request, "GET http://b.fake/fake/ok HTTP/1.1\r\n") == fake_last_request);
    rt_free(rt);
}

TEST(proxy_fake_no_proxy_goes_direct)
{
    rt_runtime *rt = proxied("http://u:p@proxy.fake:3128", NULL, "direct.fake");
    run(rt, "fetch('http://direct.fake/fake/ok').then(function (r) { return r.text(); })"
            ".then(function (t) { out(t); })");
    ASSERT_STREQ(out, "hello world\n");
    ASSERT(strncmp(fake_last_request, "GET /fake/ok HTTP/1.1\r\n", 23) == 0);
    ASSERT(strstr(fake_last_request, "Proxy-Authorization") == NULL);
    rt_free(rt);
}

TEST(proxy_fake_connect_refused_with_407)
{
    rt_runtime *rt = proxied(NULL, "http://u:p@proxy.fake:3128", NULL);
    run(rt, "fetch('https://c407.fake/x').then(function () { out('resolved'); }, " SHOW_ERROR ")");
    ASSERT_STREQ(out, "PROXY_CONNECT_FAILED: proxy proxy.fake:3128 answered 407 Proxy "
                      "Authentication Required to CONNECT c407.fake:443\n");
    ASSERT_STREQ(fake_last_request, "CONNECT c407.fake:443 HTTP/1.1\r\nHost: c407.fake:443\r\n"
                                    "Proxy-Authorization: Basic dTpw\r\n\r\n");
    ASSERT_EQ(fake_stats.tunnel_bytes, 0);
    rt_free(rt);
}

TEST(proxy_fake_connect_bad_answers)
{
    rt_runtime *rt = proxied(NULL, "proxy.fake:3128", NULL);
    run(rt, "fetch('https://cextra.fake:8443/').then(null, " SHOW_ERROR ")"
            ".then(function () { return fetch('https://ceof.fake/').then(null, " SHOW_ERROR "); })");
    ASSERT_STREQ(out, "PROXY_CONNECT_FAILED: proxy proxy.fake:3128 sent bytes after its answer "
                      "to CONNECT cextra.fake:8443\n"
                      "PROXY_CONNECT_FAILED: proxy proxy.fake:3128 closed the connection before "
                      "answering CONNECT ceof.fake:443\n");
    rt_free(rt);
}

TEST(proxy_fake_tunnel_opens_then_tls)
{
    /* 100 Continue, then 200 a byte at a time: the tunnel opens and the ClientHello goes
       through it; the fake then closes, which is the handshake's failure, not the proxy's */
    rt_runtime *rt = proxied(NULL, "proxy.fake:3128", NULL);
    run(rt, "fetch('https://origin.fake/').then(null, function (e) { out(e.cause.code); })");
    ASSERT_STREQ(out, "TLS_HANDSHAKE_FAILED\n");
    ASSERT(fake_stats.tunnel_bytes > 0);
    ASSERT_STREQ(fake_last_request, "CONNECT origin.fake:443 HTTP/1.1\r\nHost: origin.fake:443\r\n\r\n");
    rt_free(rt);
}

TEST(proxy_fake_unreachable)
{
    rt_runtime *rt = proxied("refused.fake:3128", "nxdomain.fake", NULL);
    run(rt, "fetch('http://origin.fake/fake/ok').then(null, " SHOW_ERROR ")"
            ".then(function () { return fetch('https://origin.fake/').then(null, " SHOW_ERROR "); })");
    ASSERT_STREQ(out, "PROXY_CONNECT_FAILED: connect to proxy refused.fake:3128: Connection refused\n"
                      "PROXY_CONNECT_FAILED: resolve proxy nxdomain.fake:1080: no such host\n");
    rt_free(rt);
    rt = proxied("blackhole.fake:3128", NULL, NULL);
    run(rt, "fetch('http://origin.fake/fake/ok').then(null, " SHOW_ERROR ")");
    ASSERT_STREQ(out, "ETIMEDOUT: connect to proxy blackhole.fake:3128: timed out after 200 ms\n");
    rt_free(rt);
}

static char reported[512];

static void on_report(void *ud, const char *text)
{
    (void)ud;
    strncat(reported, text, sizeof reported - strlen(reported) - 2);
    strcat(reported, "\n");
}

TEST(proxy_fake_invalid_urls)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.backend = &fake_backend;
    cfg.http_proxy = "http://proxy.fake:0";
    cfg.https_proxy = "https://proxy.fake";
    cfg.no_proxy = "ok.fake";
    cfg.report = on_report;
    reported[0] = 0;
    rt_runtime *rt = NULL;
    ASSERT_EQ(rt_create(&cfg, &rt, NULL, 0), 0);
    ASSERT_STREQ(reported, "warning: http_proxy: invalid port; requests that would use this "
                           "proxy fail with INVALID_PROXY\n"
                           "warning: https_proxy: https:// proxies are not supported (only "
                           "http://); requests that would use this proxy fail with INVALID_PROXY\n");
    duk_context *ctx = rt_duk(rt);
    duk_push_global_object(ctx);
    duk_push_c_function(ctx, js_out, 1);
    duk_put_prop_string(ctx, -2, "out");
    duk_pop(ctx);
    out[0] = 0;
    memset(&fake_stats, 0, sizeof fake_stats);
    run(rt, "fetch('http://a.fake/fake/ok').then(null, " SHOW_ERROR ")"
            ".then(function () { return fetch('https://a.fake/').then(null, " SHOW_ERROR "); })"
            ".then(function () { return fetch('http://ok.fake/fake/ok'); })"
            ".then(function (r) { out(r.status); })");
    ASSERT_STREQ(out, "INVALID_PROXY: http_proxy: invalid port\n"
                      "INVALID_PROXY: https_proxy: https:// proxies are not supported (only http://)\n"
                      "200\n");
    ASSERT_EQ(fake_stats.connects, 1);    /* the NO_PROXY one only */
    rt_free(rt);
}
