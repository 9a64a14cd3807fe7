/*
 * proxy.c - proxy selection (proxy.h): parses the proxy URLs and the NO_PROXY list once into
 * an rt__proxy (one rt__malloc'd block per part), then answers per request without
 * allocating. The rules are curl's, stated in proxy.h. Called by the host at start-up
 * (rt__proxy_config_from_env, rt__proxy_new) and by the HTTP exchange on any thread
 * (rt__proxy_select), which also formats the CONNECT head and the absolute-form target
 * (lib/net/client.c, conn.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net.h"
#include "proxy.h"
#include "dataurl.h"

/* ---- the environment ---- */

int rt__proxy_config_from_env(rt__proxy_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    /* http_proxy in lower case only (HTTP_PROXY is a CGI request header: proxy.h) */
    const char *v[3] = {getenv("http_proxy"), getenv("https_proxy"), getenv("no_proxy")};
    if (!v[1])
        v[1] = getenv("HTTPS_PROXY");
    if (!v[2])
        v[2] = getenv("NO_PROXY");
    size_t len[3], total = 0;
    for (int i = 0; i < 3; i++) {
        len[i] = v[i] ? strlen(v[i]) + 1 : 0;
        total += len[i];
    }
    if (!total)
        return 0;
    char *block = rt__malloc(total), *at = block;
    if (!block)
        return RT_ENOMEM;
    const char **dst[3] = {&cfg->http_proxy, &cfg->https_proxy, &cfg->no_proxy};
    for (int i = 0; i < 3; i++) {
        if (!v[i])
            continue;
        memcpy(at, v[i], len[i]);
        *dst[i] = at;
        at += len[i];
    }
    cfg->env_ = block;
    return 0;
}

void rt__proxy_config_clear(rt__proxy_config *cfg)
{
    if (!cfg)
        return;
    rt__free(cfg->env_);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- the compiled form ---- */

typedef struct proxy_url {
    int set;                               /* a URL was configured */
    char *host;                            /* owned; NULL if unusable */
    uint16_t port;
    char *auth;                            /* owned: "Basic ..." or NULL */
    char err[128];                         /* why it is unusable; "" if fine */
} proxy_url;

enum np_kind { NP_NAME, NP_V4, NP_V6 };

typedef struct np_entry {
    enum np_kind kind;
    const char *name;                      /* NP_NAME: lower case, no leading/trailing dot */
    size_t len;
    uint8_t addr[16];                      /* NP_V4 (4 bytes) / NP_V6 */
    unsigned bits;                         /* prefix length */
    uint16_t port;                         /* 0: any port */
} np_entry;

struct rt__proxy {
    proxy_url url[2];                      /* [0] http://, [1] https:// requests */
    int tunnel_http;
    int match_all;                         /* NO_PROXY has "*" */
    np_entry *np;                          /* owned */
    size_t nnp;
    char *names;                           /* owned: the NO_PROXY names, lower-cased */
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* %-decode s[0..n) into out (room for n bytes); the decoded length, or -1 on a bad escape */
static long pct_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        if (i + 2 >= n)
            return -1;                     /* "%" or "%4" at the end */
        int hi = hexval((unsigned char)s[i + 1]), lo = hexval((unsigned char)s[i + 2]);
        if (hi < 0 || lo < 0)
            return -1;
        out[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    return (long)o;
}

/* "8080" -> 8080; 0 for anything that is not 1-65535 in at most 5 digits */
static uint16_t parse_port(const char *s, size_t n)
{
    unsigned v = 0;
    if (n == 0 || n > 5)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v <= 65535 ? (uint16_t)v : 0;
}

static int parse_ip(const char *s, size_t n, int family, uint8_t *addr)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return inet_pton(family, tmp, addr) == 1;
}

static int name_char(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Parse one proxy URL (which names the variable in messages). 0 or RT_ENOMEM; a bad URL
   leaves u->err set and u->host NULL. */
static int parse_proxy_url(proxy_url *u, const char *which, const char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    if (!n)
        return 0;                          /* "" configures no proxy */
    u->set = 1;
    const char *sep = strstr(s, "://");
    if (sep && (size_t)(sep - s) < n) {
        size_t sl = (size_t)(sep - s);
        if (!(sl == 4 && strncasecmp(s, "http", 4) == 0)) {
            if (sl == 5 && strncasecmp(s, "https", 5) == 0)
                snprintf(u->err, sizeof u->err, "%s: https:// proxies are not supported "
                         "(only http://)", which);
            else if (sl >= 5 && strncasecmp(s, "socks", 5) == 0)
                snprintf(u->err, sizeof u->err, "%s: %.*s:// proxies are not supported "
                         "(only http://)", which, (int)(sl > 16 ? 16 : sl), s);
            else
                snprintf(u->err, sizeof u->err, "%s: unknown proxy scheme", which);
            return 0;
        }
        n -= sl + 3;
        s = sep + 3;
    }
    size_t alen = 0;                       /* the authority: up to a path, query, fragment */
    while (alen < n && s[alen] != '/' && s[alen] != '?' && s[alen] != '#')
        alen++;
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (s[i] == '@')
            at = s + i;                    /* the last '@': a password may hold one */
    const char *h = at ? at + 1 : s;
    size_t hl = alen - (size_t)(h - s);
    const char *hend, *portp = NULL;
    uint8_t addr[16];
    int v6 = 0;
    if (hl && h[0] == '[') {
        const char *rb = memchr(h, ']', hl);
        if (!rb || !parse_ip(h + 1, (size_t)(rb - h - 1), AF_INET6, addr)) {
            snprintf(u->err, sizeof u->err, "%s: invalid IPv6 address", which);
            return 0;
        }
        v6 = 1;
        hend = rb + 1;
        if (hend < h + hl && *hend != ':') {
            snprintf(u->err, sizeof u->err, "%s: junk after the IPv6 address", which);
            return 0;
        }
    } else {
        hend = memchr(h, ':', hl);
        if (!hend)
            hend = h + hl;
        for (const char *c = h; c < hend; c++)
            if (!name_char((unsigned char)*c)) {
                snprintf(u->err, sizeof u->err, "%s: invalid character in the host", which);
                return 0;
            }
    }
    if (hend == h) {
        snprintf(u->err, sizeof u->err, "%s: no host", which);
        return 0;
    }
    u->port = RT__PROXY_DEFAULT_PORT;
    if (hend < h + hl) {                   /* ":port"; an empty one means the default */
        portp = hend + 1;
        size_t pl = (size_t)(h + hl - portp);
        if (pl && !(u->port = parse_port(portp, pl))) {
            snprintf(u->err, sizeof u->err, "%s: invalid port", which);
            return 0;
        }
    }
    char *host = v6 ? rt__strndup(h + 1, (size_t)(hend - h - 2))   /* without the brackets */
                    : rt__strndup(h, (size_t)(hend - h));
    if (!host)
        return RT_ENOMEM;
    for (char *c = host; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (at && at > s) {                    /* credentials: %-decoded, then user:password */
        size_t ul = (size_t)(at - s);
        const char *colon = memchr(s, ':', ul);
        char *plain = rt__malloc(ul + 2);
        if (!plain) {
            rt__free(host);
            return RT_ENOMEM;
        }
        long a = pct_decode(s, colon ? (size_t)(colon - s) : ul, plain), b = 0;
        if (a >= 0) {
            plain[a] = ':';
            if (colon)
                b = pct_decode(colon + 1, (size_t)(at - colon - 1), plain + a + 1);
        }
        if (a < 0 || b < 0) {
            rt__free(plain);
            rt__free(host);
            snprintf(u->err, sizeof u->err, "%s: invalid %%-escape in the credentials", which);
            return 0;
        }
        size_t pn = (size_t)a + 1 + (size_t)b;
        u->auth = rt__malloc(6 + (pn + 2) / 3 * 4 + 1);
        if (!u->auth) {
            rt__free(plain);
            rt__free(host);
            return RT_ENOMEM;
        }
        memcpy(u->auth, "Basic ", 6);
        u->auth[6 + rt__base64_encode((const uint8_t *)plain, pn, u->auth + 6)] = '\0';
        rt__free(plain);
    }
    u->host = host;
    return 0;
}

/* ---- NO_PROXY ---- */

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parse one entry tok[0..n) into e; 0 if it is not one we understand (then ignored). name
   storage for NP_NAME comes from *names (advanced). */
static int np_parse(const char *tok, size_t n, np_entry *e, char **names)
{
    memset(e, 0, sizeof *e);
    const char *slash = memchr(tok, '/', n);
    size_t colons = 0;
    for (size_t i = 0; i < n; i++)
        colons += tok[i] == ':';
    const char *a = tok;
    size_t al = n;
    if (tok[0] == '[') {                   /* [v6], [v6]:port, [v6]/bits */
        const char *rb = memchr(tok, ']', n);
        if (!rb)
            return 0;
        a = tok + 1;
        al = (size_t)(rb - tok - 1);
        const char *rest = rb + 1;
        size_t rl = (size_t)(tok + n - rest);
        e->kind = NP_V6;
        e->bits = 128;
        if (rl && rest[0] == ':') {
            if (!(e->port = parse_port(rest + 1, rl - 1)))
                return 0;
        } else if (rl && rest[0] == '/') {
            slash = rest;
        } else if (rl) {
            return 0;
        }
    } else if (colons >= 2) {              /* bare IPv6, maybe /bits; never a port */
        e->kind = NP_V6;
        e->bits = 128;
        if (slash)
            al = (size_t)(slash - tok);
    } else {
        const char *colon = memchr(tok, ':', n);
        if (colon) {
            if (slash)
                return 0;
            if (!(e->port = parse_port(colon + 1, (size_t)(tok + n - colon - 1))))
                return 0;
            al = (size_t)(colon - tok);
        } else if (slash) {
            al = (size_t)(slash - tok);
        }
        e->kind = parse_ip(a, al, AF_INET, e->addr) ? NP_V4 : NP_NAME;
        e->bits = 32;
    }
    if (slash) {                           /* CIDR: only on addresses */
        const char *end = tok + n;
        if (e->kind == NP_NAME || slash + 1 == end || end - slash - 1 > 3)
            return 0;
        unsigned bits = 0;
        for (const char *c = slash + 1; c < end; c++) {
            if (*c < '0' || *c > '9')
                return 0;
            bits = bits * 10 + (unsigned)(*c - '0');
        }
        if (bits > (e->kind == NP_V4 ? 32u : 128u))
            return 0;
        e->bits = bits;
    }
    if (e->kind == NP_V6)
        return parse_ip(a, al, AF_INET6, e->addr);
    if (e->kind == NP_V4)
        return 1;
    /* a name: "*." and "." in front, "." behind are dropped; lower case */
    if (al >= 2 && a[0] == '*' && a[1] == '.') {
        a++;
        al--;
    }
    while (al && a[0] == '.') {
        a++;
        al--;
    }
    if (al && a[al - 1] == '.')
        al--;
    if (!al)
        return 0;
    for (size_t i = 0; i < al; i++)
        if (!name_char((unsigned char)a[i]))
            return 0;
    char *dst = *names;
    for (size_t i = 0; i < al; i++)
        dst[i] = (char)tolower((unsigned char)a[i]);
    dst[al] = '\0';
    e->name = dst;
    e->len = al;
    *names += al + 1;
    return 1;
}

static int parse_no_proxy(rt__proxy *p, const char *s)
{
    size_t n = strlen(s), max = 1;
    for (size_t i = 0; i < n; i++)
        max += s[i] == ',' || is_blank((unsigned char)s[i]);
    p->np = rt__calloc(max, sizeof *p->np);
    p->names = rt__malloc(n + 1);
    if (!p->np || !p->names)
        return RT_ENOMEM;
    char *names = p->names;
    for (size_t i = 0; i < n;) {
        while (i < n && (s[i] == ',' || is_blank((unsigned char)s[i])))
            i++;
        size_t b = i;
        while (i < n && s[i] != ',' && !is_blank((unsigned char)s[i]))
            i++;
        if (i == b)
            continue;
        if (i - b == 1 && s[b] == '*') {
            p->match_all = 1;
            continue;
        }
        if (np_parse(s + b, i - b, &p->np[p->nnp], &names))
            p->nnp++;
    }
    return 0;
}

int rt__proxy_new(const rt__proxy_config *cfg, rt__proxy **out)
{
    if (!out)
        return RT_EINVAL;
    *out = NULL;
    rt__proxy *p = rt__calloc(1, sizeof *p);
    if (!p)
        return RT_ENOMEM;
    int rc = 0;
    if (cfg) {
        p->tunnel_http = cfg->tunnel_http != 0;
        if (cfg->http_proxy)
            rc = parse_proxy_url(&p->url[0], "http_proxy", cfg->http_proxy);
        if (!rc && cfg->https_proxy)
            rc = parse_proxy_url(&p->url[1], "https_proxy", cfg->https_proxy);
        if (!rc && cfg->no_proxy)
            rc = parse_no_proxy(p, cfg->no_proxy);
    }
    if (rc) {
        rt__proxy_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void rt__proxy_free(rt__proxy *p)
{
    if (!p)
        return;
    for (int i = 0; i < 2; i++) {
        rt__free(p->url[i].host);
        rt__free(p->url[i].auth);
    }
    rt__free(p->np);
    rt__free(p->names);
    rt__free(p);
}

const char *rt__proxy_error(const rt__proxy *p, int https)
{
    if (!p)
        return NULL;
    const proxy_url *u = &p->url[https != 0];
    return u->set && !u->host ? u->err : NULL;
}

/* ---- per request ---- */

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, b, bytes) != 0)
        return 0;
    return !rest || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static int no_proxy_match(const rt__proxy *p, const char *host, size_t hl, uint16_t port)
{
    if (p->match_all)
        return 1;
    if (!p->nnp || !hl)
        return 0;
    enum np_kind kind = NP_NAME;
    uint8_t addr[16];
    if (host[0] == '[' && host[hl - 1] == ']') {
        host++;
        hl -= 2;
    }
    if (memchr(host, ':', hl)) {
        const char *zone = memchr(host, '%', hl);   /* fe80::1%eth0: the zone is not matched */
        if (!parse_ip(host, zone ? (size_t)(zone - host) : hl, AF_INET6, addr))
            return 0;
        kind = NP_V6;
    } else if (parse_ip(host, hl, AF_INET, addr)) {
        kind = NP_V4;
    } else if (hl && host[hl - 1] == '.') {
        hl--;                              /* "example.com." is example.com */
    }
    for (size_t i = 0; i < p->nnp; i++) {
        const np_entry *e = &p->np[i];
        if (e->kind != kind || (e->port && e->port != port))
            continue;
        if (kind != NP_NAME) {
            if (prefix_match(addr, e->addr, e->bits))
                return 1;
        } else if (e->len == hl ? strncasecmp(host, e->name, hl) == 0
                   : e->len < hl && host[hl - e->len - 1] == '.' &&
                     strncasecmp(host + hl - e->len, e->name, e->len) == 0) {
            return 1;
        }
    }
    return 0;
}

int rt__proxy_select(const rt__proxy *p, int https, const char *host, size_t host_len,
                     uint16_t port, rt__proxy_target *out)
{
    if (!out || (host_len && !host))
        return RT_EINVAL;
    memset(out, 0, sizeof *out);
    if (!p)
        return 0;
    const proxy_url *u = &p->url[https != 0];
    if (!u->set || no_proxy_match(p, host, host_len, port))
        return 0;
    if (!u->host)
        return RT_EPROXY_URL;
    out->via_proxy = 1;
    out->tunnel = https || p->tunnel_http;
    out->host = u->host;
    out->port = u->port;
    out->authorization = u->auth;
    return 0;
}

/* ---- what goes to the proxy ---- */

size_t rt__proxy_connect_head(const char *host, uint16_t port, const char *auth, char *out,
                              size_t cap)
{
    int v6 = strchr(host, ':') != NULL;
    const char *lb = v6 ? "[" : "", *rb = v6 ? "]" : "";
    int n = snprintf(out, cap, "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n%s%s%s\r\n",
                     lb, host, rb, port, lb, host, rb, port,
                     auth ? "Proxy-Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
    return n < 0 ? 0 : (size_t)n;
}

size_t rt__proxy_absolute_target(const char *host_header, const char *target, char *out,
                                 size_t cap)
{
    int n = snprintf(out, cap, "http://%s%s", host_header, target);
    return n < 0 ? 0 : (size_t)n;
}
