/*
 * proxy.h - which proxy a request goes through: proxy URLs and a NO_PROXY list, compiled
 * once into a read-only rt__proxy that the HTTP exchange asks per request (origin scheme,
 * host, port -> direct, or this proxy with this Proxy-Authorization, tunnelled or not).
 * Network side: no Duktape; after rt__proxy_new everything is read-only, so any thread may
 * call rt__proxy_select at once, without locks or allocation.
 *
 * The library reads no environment variable by itself: the embedder fills rt__proxy_config,
 * or the host (the CLI) asks for rt__proxy_config_from_env, which reads them as curl does:
 *   http_proxy            http:// requests. Lower case only: a CGI server turns a request's
 *                         "Proxy:" header into HTTP_PROXY, so reading HTTP_PROXY lets any
 *                         client of a CGI script choose its proxy ("httpoxy", 2016); curl has
 *                         refused HTTP_PROXY since 2001, and so do we.
 *   https_proxy, HTTPS_PROXY   https:// requests (lower case first).
 *   no_proxy, NO_PROXY         the hosts that go direct (lower case first).
 *   all_proxy is not read: desktops often set it to a socks:// proxy, which we cannot use,
 *   and failing every fetch for it would be worse than ignoring it (Go and undici skip it).
 *
 * A proxy URL: [http://][user[:password]@]host[:port][/anything]
 *   - no scheme means http:// (as curl); https:// and socks*:// proxies are not supported:
 *     a request that would use one fails with RT_EPROXY_URL, as does a malformed URL
 *     (empty or invalid host, port not 1-65535, bad %-escape in the credentials);
 *   - the default port is 1080, as curl (not 80: the URL names a proxy, not a web server);
 *   - user and password are %-decoded and become a ready "Basic base64(user:password)"
 *     value for Proxy-Authorization (a user with no password: "user:");
 *   - the host: a name (lower-cased) or an IP literal, IPv6 in brackets; a path is ignored.
 *
 * NO_PROXY (curl's CURLOPT_NOPROXY rules, a few additions marked +):
 *   - entries separated by commas and/or blanks; empty entries are skipped; matching is
 *     case-insensitive; no DNS lookup is done: names match names, addresses addresses;
 *   - "*" alone (or + as any entry) matches every host: no proxy at all;
 *   - a name matches itself and every name below it on a label boundary: "example.com" and
 *     ".example.com" both match example.com and a.b.example.com, not notexample.com;
 *     one trailing dot on the entry or the host is ignored; + a leading "*." is read as ".";
 *   - + "name:port" / "1.2.3.4:port" / "[v6]:port" match that port only;
 *   - IPv4 and IPv6 literals match the same address (IPv6 with or without brackets), and
 *     with "/bits" a CIDR block: "10.0.0.0/8", "fe80::/10", "[fd00::]/8"; "/0" matches
 *     every address of that family;
 *   - an entry that parses as none of these (bad port, bits over 32/128) is ignored.
 */
#ifndef RT_PROXY_H
#define RT_PROXY_H

#include <stddef.h>
#include <stdint.h>

#define RT__PROXY_DEFAULT_PORT 1080

/* What the embedder fills (strings borrowed: read only by rt__proxy_new, not kept). */
typedef struct rt__proxy_config {
    const char *http_proxy;                /* proxy URL for http:// requests; NULL/"": none */
    const char *https_proxy;               /* for https:// requests (always a CONNECT tunnel) */
    const char *no_proxy;                  /* NO_PROXY list; NULL/"": every host via proxy */
    int tunnel_http;                       /* 1: http:// requests tunnel too (CONNECT); 0:
                                              absolute-form request to the proxy (curl's
                                              default) */
    char *env_;                            /* owned by rt__proxy_config_from_env, else NULL */
} rt__proxy_config;

/* Fill cfg from the environment as described above (zeroes cfg first). The strings are
   copied into one rt__malloc'd block owned by cfg: release it with rt__proxy_config_clear.
   getenv() is not safe against a concurrent setenv(): call it at start-up. 0 or RT_ENOMEM. */
int rt__proxy_config_from_env(rt__proxy_config *cfg);
void rt__proxy_config_clear(rt__proxy_config *cfg);

typedef struct rt__proxy rt__proxy;

/* Compile cfg (may be NULL: no proxy). 0 with *out set, or RT_ENOMEM. A proxy URL that is
   malformed or of a kind we cannot use does not fail here: it is kept as an error that
   rt__proxy_select returns for the requests that would use it (requests that NO_PROXY sends
   direct still work, as in curl); rt__proxy_error tells, so a host can warn at start-up. */
int rt__proxy_new(const rt__proxy_config *cfg, rt__proxy **out);
void rt__proxy_free(rt__proxy *p);

/* Why the proxy for http:// (https 0) or https:// (1) requests is unusable
   ("https_proxy: socks5:// proxies are not supported (only http://)"), or NULL. */
const char *rt__proxy_error(const rt__proxy *p, int https);

/* The decision for one request. Strings point into the rt__proxy (valid while it lives). */
typedef struct rt__proxy_target {
    int via_proxy;                         /* 0: connect to the origin itself */
    int tunnel;                            /* 1: CONNECT host:port through the proxy, then the
                                              origin's exchange (TLS for https) inside;
                                              0: the request goes to the proxy in absolute
                                              form ("GET http://host:port/path HTTP/1.1") */
    const char *host;                      /* the proxy to connect to (IPv6 without brackets) */
    uint16_t port;
    const char *authorization;             /* Proxy-Authorization value ("Basic ...") or NULL */
} rt__proxy_target;

/* Where a request for scheme (https 0/1), host (host[0..host_len): as in the URL, IPv6 with
   or without brackets) and port (the effective one: 80/443 filled in) goes. p may be NULL
   (direct). 0 with *out filled, RT_EPROXY_URL (that scheme's proxy URL is unusable), or
   RT_EINVAL. Pure: any thread, no allocation. */
int rt__proxy_select(const rt__proxy *p, int https, const char *host, size_t host_len,
                     uint16_t port, rt__proxy_target *out);

/* The head that opens a tunnel to host:port (IPv6 without brackets: they are added):
   "CONNECT host:port HTTP/1.1\r\nHost: host:port\r\n[Proxy-Authorization: auth\r\n]\r\n",
   written NUL-terminated into out[0..cap) when it fits. Returns its length (without the
   NUL), as snprintf: a result >= cap means it did not fit. Pure. */
size_t rt__proxy_connect_head(const char *host, uint16_t port, const char *auth, char *out,
                              size_t cap);

/* The absolute-form request-target for a plain http:// request through a proxy:
   "http://" host_header target (host_header "host[:port]" as the URL has it, target
   origin-form), NUL-terminated into out[0..cap) when it fits; the length, as snprintf. */
size_t rt__proxy_absolute_target(const char *host_header, const char *target, char *out,
                                 size_t cap);

#endif /* RT_PROXY_H */
