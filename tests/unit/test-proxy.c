/*
 * test-proxy.c - proxy selection (lib/net/proxy.c) against curl's documented rules
 * (CURLOPT_PROXY, CURLOPT_NOPROXY, libcurl-env) and the additions proxy.h states: every
 * NO_PROXY form (names, suffixes on label boundaries, leading/trailing dots, ports, IPv4 and
 * IPv6 literals, CIDR blocks, "*", blanks and empty entries, case), proxy URLs with and
 * without scheme, port and credentials, malformed and unsupported URLs, the environment
 * variables (http_proxy only in lower case), allocation failures, concurrent selection.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "proxy.h"
#include "test.h"

static rt__proxy *make(const char *http, const char *https, const char *no)
{
    rt__proxy_config cfg = {http, https, no, 0, NULL};
    rt__proxy *p = NULL;
    ASSERT_EQ(rt__proxy_new(&cfg, &p), 0);
    ASSERT(p != NULL);
    return p;
}

/* 1: the request goes direct (NO_PROXY matched), 0: through the proxy */
static int direct(const char *no_proxy, const char *host, uint16_t port)
{
    rt__proxy *p = make("http://proxy.test:3128", "http://proxy.test:3128", no_proxy);
    rt__proxy_target t, t2;
    ASSERT_EQ(rt__proxy_select(p, 0, host, strlen(host), port, &t), 0);
    ASSERT_EQ(rt__proxy_select(p, 1, host, strlen(host), port, &t2), 0);
    ASSERT_EQ(t.via_proxy, t2.via_proxy);  /* NO_PROXY is the same for both schemes */
    rt__proxy_free(p);
    return !t.via_proxy;
}

TEST(proxy_no_proxy_names)
{
    /* "example.com" and ".example.com" match the domain and everything below it */
    static const char *domains[] = {"example.com", ".example.com", "*.example.com",
                                    "example.com.", ".example.com.", "EXAMPLE.Com"};
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
        ASSERT(direct(domains[i], "example.com", 80));
        ASSERT(direct(domains[i], "www.example.com", 80));
        ASSERT(direct(domains[i], "a.b.example.com", 443));
        ASSERT(direct(domains[i], "WWW.EXAMPLE.COM", 80));
        ASSERT(direct(domains[i], "example.com.", 80));          /* trailing dot on the host */
        ASSERT(direct(domains[i], "www.example.com.", 80));
        ASSERT(!direct(domains[i], "notexample.com", 80));       /* not a label boundary */
        ASSERT(!direct(domains[i], "example.com.org", 80));
        ASSERT(!direct(domains[i], "example.co", 80));
        ASSERT(!direct(domains[i], "com", 80));
        ASSERT(!direct(domains[i], "xexample.com", 80));
    }
    /* CURLOPT_NOPROXY's own example */
    ASSERT(direct("ample.com", "ample.com", 80));
    ASSERT(direct("ample.com", "ample.com", 8080));
    ASSERT(direct("ample.com", "www.ample.com", 80));
    ASSERT(!direct("ample.com", "www.example.com", 80));
    ASSERT(!direct("ample.com", "ample.com.org", 80));
    /* names never match addresses: no lookups */
    ASSERT(direct("localhost", "localhost", 80));
    ASSERT(!direct("localhost", "127.0.0.1", 80));
    ASSERT(!direct("localhost", "[::1]", 80));
    ASSERT(!direct("localhost", "localhost.example", 80));
    /* a name that is a single label */
    ASSERT(direct("intranet", "intranet", 80));
    ASSERT(direct("intranet", "wiki.intranet", 80));
    ASSERT(!direct("intranet", "myintranet", 80));
    /* entries that are no names are ignored: the rest of the list still counts */
    ASSERT(!direct("exa mple.com", "mple.com.x", 80));
    ASSERT(direct("bad!name, example.com", "example.com", 80));
    ASSERT(!direct("bad!name", "bad!name", 80));
    ASSERT(!direct("example.com/8", "example.com", 80));
    ASSERT(!direct(".", "example.com", 80));
    ASSERT(!direct("..", "example.com", 80));
    ASSERT(!direct("*.", "example.com", 80));
    ASSERT(!direct("*example.com", "www.example.com", 80));
}

TEST(proxy_no_proxy_lists)
{
    ASSERT(direct("a.test,example.com", "example.com", 80));
    ASSERT(direct("a.test example.com", "example.com", 80));
    ASSERT(direct("a.test\texample.com", "example.com", 80));
    ASSERT(direct(" , ,a.test ,,, example.com , ", "example.com", 80));
    ASSERT(direct(",,,example.com", "example.com", 80));
    ASSERT(!direct("a.test,,b.test", "example.com", 80));
    /* nothing listed: everything through the proxy */
    ASSERT(!direct("", "example.com", 80));
    ASSERT(!direct(" , , ", "example.com", 80));
    ASSERT(!direct(NULL, "example.com", 80));
    /* "*" alone: no proxy for anything; as an entry among others, the same */
    ASSERT(direct("*", "example.com", 80));
    ASSERT(direct("*", "10.0.0.1", 80));
    ASSERT(direct("*", "[::1]", 443));
    ASSERT(direct(" * ", "example.com", 80));
    ASSERT(direct("a.test, *", "example.com", 80));
    ASSERT(!direct("**", "example.com", 80));
}

TEST(proxy_no_proxy_ports)
{
    ASSERT(direct("example.com:8080", "example.com", 8080));
    ASSERT(direct("example.com:8080", "www.example.com", 8080));
    ASSERT(!direct("example.com:8080", "example.com", 80));
    ASSERT(!direct("example.com:8080", "example.com", 443));
    ASSERT(direct("example.com:443, example.com:80", "example.com", 80));
    ASSERT(direct("10.1.2.3:80", "10.1.2.3", 80));
    ASSERT(!direct("10.1.2.3:80", "10.1.2.3", 81));
    ASSERT(direct("[::1]:8080", "[::1]", 8080));
    ASSERT(direct("[::1]:8080", "::1", 8080));
    ASSERT(!direct("[::1]:8080", "[::1]", 80));
    /* a bad port makes the entry void, not portless */
    static const char *bad[] = {"example.com:", "example.com:0", "example.com:65536",
                                "example.com:99999", "example.com:8o", "example.com:-1",
                                "example.com:+80", "[::1]:", "[::1]:0", "[::1]x", "[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ASSERT(!direct(bad[i], "example.com", 80));
        ASSERT(!direct(bad[i], "[::1]", 80));
    }
    ASSERT(direct("example.com:65535", "example.com", 65535));
}

TEST(proxy_no_proxy_ipv4)
{
    ASSERT(direct("127.0.0.1", "127.0.0.1", 80));
    ASSERT(!direct("127.0.0.1", "127.0.0.2", 80));
    ASSERT(direct("10.0.0.0/8", "10.0.0.1", 80));
    ASSERT(direct("10.0.0.0/8", "10.255.255.255", 80));
    ASSERT(!direct("10.0.0.0/8", "11.0.0.0", 80));
    ASSERT(!direct("10.0.0.0/8", "9.255.255.255", 80));
    ASSERT(direct("192.168.0.0/16", "192.168.200.3", 80));
    ASSERT(!direct("192.168.0.0/16", "192.169.0.1", 80));
    ASSERT(direct("172.16.0.0/12", "172.31.255.1", 80));
    ASSERT(!direct("172.16.0.0/12", "172.32.0.1", 80));
    ASSERT(direct("10.1.2.3/32", "10.1.2.3", 80));
    ASSERT(!direct("10.1.2.3/32", "10.1.2.4", 80));
    ASSERT(direct("10.1.2.3/31", "10.1.2.2", 80));
    ASSERT(!direct("10.1.2.3/31", "10.1.2.4", 80));
    ASSERT(direct("10.1.2.99/24", "10.1.2.1", 80));   /* host bits in the entry don't count */
    ASSERT(direct("0.0.0.0/0", "203.0.113.9", 80));
    ASSERT(!direct("0.0.0.0/0", "example.com", 80));
    ASSERT(!direct("0.0.0.0/0", "[::1]", 80));
    /* addresses never match names, and are not suffixes */
    ASSERT(!direct("10.0.0.1", "10.0.0.1.example.com", 80));
    ASSERT(!direct("0.0.1", "10.0.0.1", 80));
    ASSERT(!direct("127.0.0.1", "localhost", 80));
    /* malformed CIDR: ignored */
    static const char *bad[] = {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8/8",
                                "10.0.0.0/1000", "10.0.0.0/-1", "10.0.0.0:80/8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT(!direct(bad[i], "10.0.0.1", 80));
}

TEST(proxy_no_proxy_ipv6)
{
    ASSERT(direct("::1", "[::1]", 80));
    ASSERT(direct("::1", "::1", 80));
    ASSERT(direct("[::1]", "[::1]", 80));
    ASSERT(direct("::1", "[0:0:0:0:0:0:0:1]", 80));   /* the same address, written out */
    ASSERT(direct("0:0::1", "[::1]", 80));
    ASSERT(!direct("::1", "[::2]", 80));
    ASSERT(direct("fe80::/10", "[fe80::1]", 80));
    ASSERT(direct("fe80::/10", "[febf:ffff::1]", 80));
    ASSERT(!direct("fe80::/10", "[fec0::1]", 80));
    ASSERT(direct("fe80::/10", "fe80::1%eth0", 80));   /* a zone is not part of the match */
    ASSERT(direct("[fd00::]/8", "[fd12:3456::1]", 80));
    ASSERT(!direct("[fd00::]/8", "[fe00::1]", 80));
    ASSERT(direct("2001:db8::/32", "[2001:db8:ffff::5]", 80));
    ASSERT(!direct("2001:db8::/32", "[2001:db9::5]", 80));
    ASSERT(direct("2001:db8::1/128", "[2001:db8::1]", 80));
    ASSERT(!direct("2001:db8::1/128", "[2001:db8::2]", 80));
    ASSERT(direct("2001:db8::/127", "[2001:db8::1]", 80));
    ASSERT(direct("::/0", "[2606:4700::1]", 80));
    ASSERT(!direct("::/0", "10.0.0.1", 80));
    ASSERT(!direct("::/0", "example.com", 80));
    /* IPv4 entries don't match IPv6 hosts (no mapping) */
    ASSERT(!direct("127.0.0.1", "[::ffff:127.0.0.1]", 80));
    static const char *bad[] = {"2001:db8::/129", "fe80::/", "fe80::/ten", "[fe80::/10]",
                                "fe80:::1", "[fe80::1", "gggg::1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT(!direct(bad[i], "[fe80::1]", 80));
}

/* The target for one request through the given proxy URL (https 0/1). */
static int target(const char *url, int https, rt__proxy_target *t, char *auth, size_t authlen,
                  char *host, size_t hostlen)
{
    rt__proxy *p = make(https ? NULL : url, https ? url : NULL, NULL);
    int rc = rt__proxy_select(p, https, "origin.test", 11, https ? 443 : 80, t);
    snprintf(auth, authlen, "%s", t->authorization ? t->authorization : "(none)");
    snprintf(host, hostlen, "%s", t->host ? t->host : "(none)");
    if (rc) {
        const char *e = rt__proxy_error(p, https);
        ASSERT(e && e[0]);
        snprintf(auth, authlen, "%s", e);
        ASSERT(rt__proxy_error(p, !https) == NULL);
    } else {
        ASSERT(rt__proxy_error(p, https) == NULL);
    }
    rt__proxy_free(p);
    return rc;
}

TEST(proxy_url_forms)
{
    static const struct {
        const char *url;
        const char *host;
        uint16_t port;
        const char *auth;
    } ok[] = {
        {"http://proxy.test:3128", "proxy.test", 3128, "(none)"},
        {"proxy.test:3128", "proxy.test", 3128, "(none)"},            /* no scheme: http */
        {"proxy.test", "proxy.test", 1080, "(none)"},                 /* curl's default port */
        {"http://proxy.test", "proxy.test", 1080, "(none)"},
        {"http://proxy.test:", "proxy.test", 1080, "(none)"},
        {"http://proxy.test/", "proxy.test", 1080, "(none)"},
        {"HTTP://Proxy.TEST:8080/some/path?q#f", "proxy.test", 8080, "(none)"},
        {"  http://proxy.test:3128 \n", "proxy.test", 3128, "(none)"},
        {"http://10.0.0.7:8080", "10.0.0.7", 8080, "(none)"},
        {"http://[::1]:3128", "::1", 3128, "(none)"},
        {"http://[2001:db8::1]", "2001:db8::1", 1080, "(none)"},
        {"http://proxy.test:65535", "proxy.test", 65535, "(none)"},
        {"http://user:pass@proxy.test:3128", "proxy.test", 3128, "Basic dXNlcjpwYXNz"},
        {"user:pass@proxy.test", "proxy.test", 1080, "Basic dXNlcjpwYXNz"},
        {"http://Aladdin:open%20sesame@proxy.test", "proxy.test", 1080,
         "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
        {"http://us%40er:p%3Ass%2f@proxy.test", "proxy.test", 1080, "Basic dXNAZXI6cDpzcy8="},
        {"http://user@proxy.test", "proxy.test", 1080, "Basic dXNlcjo="},
        {"http://user:@proxy.test", "proxy.test", 1080, "Basic dXNlcjo="},
        {"http://:secret@proxy.test", "proxy.test", 1080, "Basic OnNlY3JldA=="},
        {"http://a:b@c@proxy.test", "proxy.test", 1080, "Basic YTpiQGM="},   /* the last @ */
        {"http://%C3%A9t%c3%a9:%00x@proxy.test", "proxy.test", 1080, "Basic w6l0w6k6AHg="},
        {"http://@proxy.test", "proxy.test", 1080, "(none)"},
        {"http://user:pass@[::1]:8080", "::1", 8080, "Basic dXNlcjpwYXNz"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        for (int https = 0; https <= 1; https++) {
            rt__proxy_target t;
            char auth[200], host[100];
            ASSERT_EQ(target(ok[i].url, https, &t, auth, sizeof auth, host, sizeof host), 0);
            ASSERT_EQ(t.via_proxy, 1);
            ASSERT_EQ(t.tunnel, https);
            ASSERT_STREQ(host, ok[i].host);
            ASSERT_EQ(t.port, ok[i].port);
            ASSERT_STREQ(auth, ok[i].auth);
        }
    }
}

TEST(proxy_url_errors)
{
    static const struct {
        const char *url;
        const char *why;
    } bad[] = {
        {"https://proxy.test:443", "https:// proxies are not supported"},
        {"HTTPS://proxy.test", "https:// proxies are not supported"},
        {"socks5://proxy.test:1080", "socks5:// proxies are not supported"},
        {"socks5h://proxy.test", "socks5h:// proxies are not supported"},
        {"socks4://proxy.test", "socks4:// proxies are not supported"},
        {"socks4a://proxy.test", "socks4a:// proxies are not supported"},
        {"ftp://proxy.test", "unknown proxy scheme"},
        {"://proxy.test", "unknown proxy scheme"},
        {"http://", "no host"},
        {"http://:3128", "no host"},
        {"http://user:pass@", "no host"},
        {"http:///path", "no host"},
        {"http://proxy.test:0", "invalid port"},
        {"http://proxy.test:65536", "invalid port"},
        {"http://proxy.test:123456", "invalid port"},
        {"http://proxy.test:31a8", "invalid port"},
        {"http://proxy.test:3128:3128", "invalid port"},
        {"http://::1:3128", "no host"},
        {"http://[::1", "invalid IPv6 address"},
        {"http://[zz::1]:80", "invalid IPv6 address"},
        {"http://[10.0.0.1]", "invalid IPv6 address"},
        {"http://[fe80::1%25eth0]", "invalid IPv6 address"},
        {"http://[::1]x", "junk after the IPv6 address"},
        {"http://pro xy.test", "invalid character in the host"},
        {"http://pro\"xy.test", "invalid character in the host"},
        {"http://proxy.test\r\nX: y", "invalid character in the host"},
        {"http://user:p%zz@proxy.test", "invalid %-escape in the credentials"},
        {"http://user:p%4@proxy.test", "invalid %-escape in the credentials"},
        {"http://u%@proxy.test", "invalid %-escape in the credentials"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int https = 0; https <= 1; https++) {
            rt__proxy_target t;
            char why[200], host[100];
            ASSERT_EQ(target(bad[i].url, https, &t, why, sizeof why, host, sizeof host),
                      RT_EPROXY_URL);
            ASSERT_EQ(t.via_proxy, 0);
            if (!strstr(why, bad[i].why))
                fprintf(stderr, "%s: %s\n", bad[i].url, why);
            ASSERT(strstr(why, bad[i].why) != NULL);
            ASSERT(strncmp(why, https ? "https_proxy: " : "http_proxy: ", https ? 13 : 12) == 0);
        }
    }
    /* an unusable proxy still lets NO_PROXY hosts go direct (curl checks NO_PROXY first) */
    rt__proxy *p = make("http://fine.test:3128", "socks5://proxy.test", "internal.test");
    rt__proxy_target t;
    ASSERT_EQ(rt__proxy_select(p, 1, "internal.test", 13, 443, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);
    ASSERT_EQ(rt__proxy_select(p, 1, "example.com", 11, 443, &t), RT_EPROXY_URL);
    ASSERT_EQ(rt__proxy_select(p, 0, "example.com", 11, 80, &t), 0);
    ASSERT_EQ(t.via_proxy, 1);
    ASSERT_STREQ(rt__proxy_error(p, 1), "https_proxy: socks5:// proxies are not supported "
                 "(only http://)");
    ASSERT(rt__proxy_error(p, 0) == NULL);
    rt__proxy_free(p);
    ASSERT_STREQ(rt_err_name(RT_EPROXY_URL), "INVALID_PROXY");
    ASSERT_STREQ(rt_err_name(RT_EPROXY), "PROXY_CONNECT_FAILED");
}

TEST(proxy_select_shape)
{
    /* each scheme has its own proxy; none configured means direct */
    rt__proxy *p = make("http://hp.test:1", NULL, NULL);
    rt__proxy_target t;
    ASSERT_EQ(rt__proxy_select(p, 0, "a.test", 6, 80, &t), 0);
    ASSERT_EQ(t.via_proxy, 1);
    ASSERT_EQ(t.tunnel, 0);                /* http: absolute-form to the proxy */
    ASSERT_STREQ(t.host, "hp.test");
    ASSERT_EQ(rt__proxy_select(p, 1, "a.test", 6, 443, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);             /* https_proxy unset: https goes direct */
    ASSERT(t.host == NULL && t.authorization == NULL);
    rt__proxy_free(p);
    p = make("", " ", "");
    ASSERT_EQ(rt__proxy_select(p, 0, "a.test", 6, 80, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);
    ASSERT_EQ(rt__proxy_select(p, 1, "a.test", 6, 443, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);
    ASSERT(rt__proxy_error(p, 0) == NULL && rt__proxy_error(p, 1) == NULL);
    rt__proxy_free(p);
    /* tunnel_http: http requests go through CONNECT too */
    rt__proxy_config cfg = {"http://hp.test:1", "http://sp.test:2", NULL, 1, NULL};
    ASSERT_EQ(rt__proxy_new(&cfg, &p), 0);
    ASSERT_EQ(rt__proxy_select(p, 0, "a.test", 6, 80, &t), 0);
    ASSERT_EQ(t.tunnel, 1);
    ASSERT_STREQ(t.host, "hp.test");
    ASSERT_EQ(rt__proxy_select(p, 1, "a.test", 6, 443, &t), 0);
    ASSERT_EQ(t.tunnel, 1);
    ASSERT_STREQ(t.host, "sp.test");
    ASSERT_EQ(t.port, 2);
    /* the host is bounded by its length, not a NUL */
    ASSERT_EQ(rt__proxy_select(p, 0, "a.testXYZ", 6, 80, &t), 0);
    ASSERT_EQ(rt__proxy_select(p, 0, NULL, 3, 80, &t), RT_EINVAL);
    ASSERT_EQ(rt__proxy_select(p, 0, "a", 1, 80, NULL), RT_EINVAL);
    rt__proxy_free(p);
    /* no rt__proxy, or a NULL config: direct */
    ASSERT_EQ(rt__proxy_select(NULL, 1, "a.test", 6, 443, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);
    ASSERT_EQ(rt__proxy_new(NULL, &p), 0);
    ASSERT_EQ(rt__proxy_select(p, 0, "a.test", 6, 80, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);
    rt__proxy_free(p);
    rt__proxy_free(NULL);
    ASSERT_EQ(rt__proxy_new(&cfg, NULL), RT_EINVAL);
    ASSERT(rt__proxy_error(NULL, 0) == NULL);
    /* NO_PROXY with a port, checked against the effective port */
    p = make("http://hp.test:1", "http://hp.test:1", "a.test:443");
    ASSERT_EQ(rt__proxy_select(p, 1, "a.test", 6, 443, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);
    ASSERT_EQ(rt__proxy_select(p, 0, "a.test", 6, 80, &t), 0);
    ASSERT_EQ(t.via_proxy, 1);
    rt__proxy_free(p);
}

TEST(proxy_config_from_env)
{
    static const char *vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                 "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    uint64_t live0, live1;
    rt__alloc_counters(NULL, &live0, NULL);
    rt__proxy_config cfg;
    ASSERT_EQ(rt__proxy_config_from_env(&cfg), 0);
    ASSERT(!cfg.http_proxy && !cfg.https_proxy && !cfg.no_proxy && !cfg.env_);
    /* HTTP_PROXY (upper case) is never read; ALL_PROXY neither */
    setenv("HTTP_PROXY", "http://attacker.test:1", 1);
    setenv("all_proxy", "socks5://desk.test:1080", 1);
    setenv("ALL_PROXY", "socks5://desk.test:1080", 1);
    ASSERT_EQ(rt__proxy_config_from_env(&cfg), 0);
    ASSERT(!cfg.http_proxy && !cfg.https_proxy && !cfg.no_proxy);
    rt__proxy_config_clear(&cfg);
    setenv("http_proxy", "http://lower.test:1", 1);
    setenv("HTTPS_PROXY", "http://upper.test:2", 1);
    setenv("NO_PROXY", "upper.example", 1);
    ASSERT_EQ(rt__proxy_config_from_env(&cfg), 0);
    ASSERT_STREQ(cfg.http_proxy, "http://lower.test:1");
    ASSERT_STREQ(cfg.https_proxy, "http://upper.test:2");
    ASSERT_STREQ(cfg.no_proxy, "upper.example");
    rt__proxy_config_clear(&cfg);
    ASSERT(!cfg.env_ && !cfg.http_proxy);
    /* lower case first */
    setenv("https_proxy", "http://lower.test:3", 1);
    setenv("no_proxy", "lower.example", 1);
    ASSERT_EQ(rt__proxy_config_from_env(&cfg), 0);
    ASSERT_STREQ(cfg.https_proxy, "http://lower.test:3");
    ASSERT_STREQ(cfg.no_proxy, "lower.example");
    /* the copies do not follow later changes of the environment */
    setenv("https_proxy", "http://changed.test:4", 1);
    ASSERT_STREQ(cfg.https_proxy, "http://lower.test:3");
    /* and the whole path works from them */
    rt__proxy *p;
    ASSERT_EQ(rt__proxy_new(&cfg, &p), 0);
    rt__proxy_target t;
    ASSERT_EQ(rt__proxy_select(p, 1, "www.lower.example", 17, 443, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);
    ASSERT_EQ(rt__proxy_select(p, 1, "www.upper.example", 17, 443, &t), 0);
    ASSERT_EQ(t.via_proxy, 1);
    ASSERT_STREQ(t.host, "lower.test");
    ASSERT_EQ(t.port, 3);
    rt__proxy_free(p);
    rt__proxy_config_clear(&cfg);
    /* set but empty: present, configures nothing */
    setenv("http_proxy", "", 1);
    ASSERT_EQ(rt__proxy_config_from_env(&cfg), 0);
    ASSERT_STREQ(cfg.http_proxy, "");
    ASSERT_EQ(rt__proxy_new(&cfg, &p), 0);
    ASSERT_EQ(rt__proxy_select(p, 0, "a.test", 6, 80, &t), 0);
    ASSERT_EQ(t.via_proxy, 0);
    rt__proxy_free(p);
    rt__proxy_config_clear(&cfg);
    rt__proxy_config_clear(NULL);
    rt__alloc_counters(NULL, &live1, NULL);
    ASSERT_EQ(live1, live0);
    /* allocation failure */
    rt__alloc_fail_after(1);
    ASSERT_EQ(rt__proxy_config_from_env(&cfg), RT_ENOMEM);
    rt__alloc_fail_after(0);
    ASSERT(!cfg.env_);
}

TEST(proxy_alloc_failures)
{
    rt__proxy_config cfg = {"http://user:pass@hp.test:1", "http://u%40x:y@[::1]:2",
                            "a.test, 10.0.0.0/8, fe80::/10, *.b.test:8080", 0, NULL};
    uint64_t live0, total0, live1, total1;
    rt__alloc_counters(NULL, &live0, &total0);
    rt__proxy *p;
    ASSERT_EQ(rt__proxy_new(&cfg, &p), 0);
    rt__proxy_free(p);
    rt__alloc_counters(NULL, &live1, &total1);
    ASSERT_EQ(live1, live0);
    uint64_t n = total1 - total0;
    ASSERT(n >= 7);                        /* struct, 2 hosts, 2 auth, 2 plains, np, names */
    for (uint64_t k = 1; k <= n; k++) {
        rt__alloc_fail_after(k);
        p = (rt__proxy *)1;
        int rc = rt__proxy_new(&cfg, &p);
        rt__alloc_fail_after(0);
        ASSERT_EQ(rc, RT_ENOMEM);
        ASSERT(p == NULL);
        rt__alloc_counters(NULL, &live1, NULL);
        ASSERT_EQ(live1, live0);
    }
}

/* Many threads select on one rt__proxy at once: read-only, no locks (run under TSan too). */
static rt__proxy *shared;
static void *selector(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    for (int i = 0; i < 20000; i++) {
        rt__proxy_target t;
        int https = (i + (int)id) & 1;
        static const char *hosts[] = {"www.internal.test", "10.9.8.7", "example.com"};
        const char *host = hosts[i % 3];
        if (rt__proxy_select(shared, https, host, strlen(host), https ? 443 : 80, &t) != 0)
            return (void *)1;
        if (t.via_proxy != (i % 3 == 2) || (t.via_proxy && strcmp(t.host, "hp.test") != 0))
            return (void *)1;
    }
    return NULL;
}

TEST(proxy_concurrent_select)
{
    shared = make("http://hp.test:1", "http://hp.test:1", "internal.test,10.0.0.0/8");
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        ASSERT_EQ(pthread_create(&th[i], NULL, selector, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        ASSERT_EQ(pthread_join(th[i], &r), 0);
        ASSERT(r == NULL);
    }
    rt__proxy_free(shared);
}

/* ---- what goes to the proxy ---- */

TEST(proxy_connect_head)
{
    char buf[256];
    size_t n = rt__proxy_connect_head("example.com", 443, NULL, buf, sizeof buf);
    ASSERT_STREQ(buf, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    ASSERT_EQ(n, strlen(buf));
    /* credentials; an IPv6 origin in brackets, both in the target and in Host */
    rt__proxy_connect_head("2001:db8::1", 8443, "Basic dTpw", buf, sizeof buf);
    ASSERT_STREQ(buf, "CONNECT [2001:db8::1]:8443 HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n"
                      "Proxy-Authorization: Basic dTpw\r\n\r\n");
    /* snprintf's contract: the length needed, whatever the room (none: out may be NULL) */
    ASSERT_EQ(rt__proxy_connect_head("a.test", 1, "Basic x", NULL, 0), strlen(
              "CONNECT a.test:1 HTTP/1.1\r\nHost: a.test:1\r\nProxy-Authorization: Basic x\r\n\r\n"));
    char small[8];
    size_t need = rt__proxy_connect_head("a.test", 1, NULL, small, sizeof small);
    ASSERT(need >= sizeof small);
    ASSERT_EQ(small[sizeof small - 1], '\0');
}

TEST(proxy_absolute_target)
{
    char buf[128];
    ASSERT_EQ(rt__proxy_absolute_target("example.com", "/a?b=c", buf, sizeof buf), 24);
    ASSERT_STREQ(buf, "http://example.com/a?b=c");
    rt__proxy_absolute_target("[::1]:8080", "/", buf, sizeof buf);
    ASSERT_STREQ(buf, "http://[::1]:8080/");
    ASSERT_EQ(rt__proxy_absolute_target("h", "/x", NULL, 0), 10);
}
