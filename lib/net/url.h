/*
 * url.h - the WHATWG URL standard on the network side (lib/net/url.c): the basic URL parser
 * (every state, with the state overrides the setters use), the host parser (domain to ASCII
 * after UTS #46 with libidn2's mapping table, IPv4 in all its numeric forms, IPv6, opaque
 * hosts), the serialiser, origins, and the application/x-www-form-urlencoded parser and
 * serialiser. No Duktape here: lib/engine/url.c builds URL and URLSearchParams on top, and
 * fetch reads what it needs to connect (rt__url_scheme_id, rt__url_connect_host, ...).
 *
 * A URL record is one owned string, the serialised href, plus the offsets of its parts (the
 * way a URL record aggregates into its serialisation). Input is UTF-8 (invalid sequences are
 * taken as U+FFFD); every string that comes out is ASCII.
 *
 * Thread-safe: no global state; a rt__url belongs to one caller at a time. Memory comes from
 * rt__malloc; libidn2 and libunistring (used for non-ASCII host names only) allocate with
 * malloc internally, and their failures are mapped to RT_ENOMEM too.
 */
#ifndef RT_URL_H
#define RT_URL_H

#include <stddef.h>
#include <stdint.h>

enum {
    RT_URL_HOST_NULL = 0,                  /* no host (mailto:x, sc:/p) */
    RT_URL_HOST_EMPTY,                     /* the empty host (file:///p, sc:///p) */
    RT_URL_HOST_DOMAIN,                    /* an ASCII domain after IDNA */
    RT_URL_HOST_IPV4,
    RT_URL_HOST_IPV6,                      /* serialised with its brackets */
    RT_URL_HOST_OPAQUE                     /* non-special schemes: percent-encoded as given */
};

enum {
    RT_URL_SCHEME_OTHER = 0,               /* not special */
    RT_URL_SCHEME_HTTP,
    RT_URL_SCHEME_HTTPS,
    RT_URL_SCHEME_WS,
    RT_URL_SCHEME_WSS,
    RT_URL_SCHEME_FTP,
    RT_URL_SCHEME_FILE
};

/* A parsed URL. href is rt__malloc'd and owned by the struct (rt__url_free); each span is
   [start, end) into href. Treat the fields as read-only outside lib/net/url.c. */
typedef struct rt__url {
    char *href;                            /* NUL-terminated ASCII serialisation */
    uint32_t href_len;
    uint32_t scheme_end;                   /* href[scheme_end] == ':' */
    uint32_t user_start, user_end;         /* username (empty span: none) */
    uint32_t pass_start, pass_end;         /* password, without its ':' */
    uint32_t host_start, host_end;         /* host as serialised ([v6] with brackets) */
    uint32_t port_start, port_end;         /* port digits, without ':' (empty: none) */
    uint32_t path_start, path_end;         /* path (after any "/." guard); opaque or not */
    uint32_t query_start;                  /* index of '?', or path_end when query is null */
    uint32_t frag_start;                   /* index of '#', or href_len when fragment null */
    int32_t port;                          /* -1: none (also when it is the default) */
    uint8_t host_type;                     /* RT_URL_HOST_* */
    uint8_t scheme_id;                     /* RT_URL_SCHEME_* */
    uint8_t opaque_path;                   /* 1: the path is an opaque string */
    uint8_t has_query, has_fragment;       /* query / fragment non-null (maybe empty) */
} rt__url;

/*
 * Parse in[0..len) against base (NULL: none), as new URL(input, base) does. On success
 * fills *out (the caller frees it with rt__url_free) and returns 0; otherwise
 * RT_EINVALID_URL or RT_ENOMEM and *out is left zeroed.
 */
int rt__url_parse(const char *in, size_t len, const rt__url *base, rt__url *out);
void rt__url_free(rt__url *u);             /* frees href; u may be zeroed or NULL */
/* A deep copy: 0 or RT_ENOMEM. */
int rt__url_copy(const rt__url *u, rt__url *out);

/*
 * The setters of the URL standard (its API section), value in UTF-8. They change *u in
 * place (u->href is replaced) and return 0, including in the cases where the standard
 * leaves the URL unchanged; RT_ENOMEM on allocation failure (the URL is then unchanged).
 * Only rt__url_set_href fails on bad input: RT_EINVALID_URL, URL unchanged.
 */
int rt__url_set_href(rt__url *u, const char *v, size_t n);
int rt__url_set_protocol(rt__url *u, const char *v, size_t n);
int rt__url_set_username(rt__url *u, const char *v, size_t n);
int rt__url_set_password(rt__url *u, const char *v, size_t n);
int rt__url_set_host(rt__url *u, const char *v, size_t n);
int rt__url_set_hostname(rt__url *u, const char *v, size_t n);
int rt__url_set_port(rt__url *u, const char *v, size_t n);
int rt__url_set_pathname(rt__url *u, const char *v, size_t n);
int rt__url_set_search(rt__url *u, const char *v, size_t n);
int rt__url_set_hash(rt__url *u, const char *v, size_t n);
/* Set the query to an already-encoded string (URLSearchParams' update steps: the
   form-urlencoded serialisation, or NULL for a null query). 0 or RT_ENOMEM. */
int rt__url_set_query_raw(rt__url *u, const char *q, size_t n);

/* A span of the href. */
typedef struct rt__url_span {
    const char *p;
    size_t n;
} rt__url_span;

/* The getters of the URL API, as spans into u->href (valid until the next change):
   protocol ("http:"), username, password, host ("h:8080"), hostname, port ("" or digits),
   pathname, search ("" or "?q"), hash ("" or "#f"). */
rt__url_span rt__url_protocol(const rt__url *u);
rt__url_span rt__url_username(const rt__url *u);
rt__url_span rt__url_password(const rt__url *u);
rt__url_span rt__url_host(const rt__url *u);
rt__url_span rt__url_hostname(const rt__url *u);
rt__url_span rt__url_port(const rt__url *u);
rt__url_span rt__url_pathname(const rt__url *u);
rt__url_span rt__url_search(const rt__url *u);
rt__url_span rt__url_hash(const rt__url *u);
rt__url_span rt__url_query(const rt__url *u);  /* query without '?' (empty when null) */

/* The serialised origin ("https://h:8443", or "null" for an opaque one), rt__malloc'd into
   *out (NUL-terminated, length in *outlen if not NULL). 0 or RT_ENOMEM. */
int rt__url_origin(const rt__url *u, char **out, size_t *outlen);

/* ---- what fetch needs to connect, without JS objects ---- */
int rt__url_scheme_id(const rt__url *u);                   /* RT_URL_SCHEME_* */
/* The host to connect to: hostname without IPv6 brackets. */
rt__url_span rt__url_connect_host(const rt__url *u);
/* The port, the scheme's default applied (0 when the scheme has none). */
int rt__url_connect_port(const rt__url *u);
/* The request-target: path and query ("/p?q"; "/" when the path is empty). */
rt__url_span rt__url_request_target(const rt__url *u);
/* The Host header value: host with its port when it is not the default. */
rt__url_span rt__url_host_header(const rt__url *u);

/* ---- application/x-www-form-urlencoded ---- */

/* One name/value pair; both UTF-8, NUL-terminated, owned by the list. */
typedef struct rt__url_pair {
    char *name, *value;
    size_t name_len, value_len;
} rt__url_pair;

/* A list of pairs (rt__malloc'd array; rt__url_pairs_free frees it and its strings). */
typedef struct rt__url_pairs {
    rt__url_pair *v;
    size_t n, cap;
} rt__url_pairs;

/* The form-urlencoded parser: bytes in, pairs appended to *out (percent-decoded, '+' as
   space, UTF-8 decoded with U+FFFD for invalid sequences). 0 or RT_ENOMEM (then *out holds
   the pairs parsed so far; free it). */
int rt__url_form_parse(const char *in, size_t len, rt__url_pairs *out);
/* Append one pair (copies both strings). 0 or RT_ENOMEM. */
int rt__url_pairs_add(rt__url_pairs *l, const char *name, size_t nlen, const char *value,
                      size_t vlen);
void rt__url_pairs_free(rt__url_pairs *l);
/* The form-urlencoded serialiser: name=value&... into *out (rt__malloc'd, NUL-terminated,
   ASCII; *out_len its length). Strings are UTF-8. 0 or RT_ENOMEM. */
int rt__url_form_serialize(const rt__url_pairs *l, char **out, size_t *out_len);
/* Append the form-urlencoded byte serialisation of s (space as '+') to *b (rt__buf). */
struct rt__buf;
int rt__url_form_encode(struct rt__buf *b, const char *s, size_t n);

/* ---- IDNA (exposed for tests and the conformance runner) ---- */
/* Domain to ASCII with beStrict = false, as the host parser runs it on a percent-decoded
   UTF-8 domain: 0 with *out (rt__malloc'd, NUL-terminated ASCII), RT_EINVALID_URL, or
   RT_ENOMEM. Forbidden domain code points in the result fail too. */
int rt__url_domain_to_ascii(const char *in, size_t len, char **out, size_t *outlen);

#endif /* RT_URL_H */
