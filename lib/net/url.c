/*
 * url.c - the WHATWG URL standard's basic URL parser (every state of its state machine,
 * with the state overrides that the API's setters use), the URL serialiser, the setters and
 * getters of the URL API, origins (blob: included), and the application/x-www-form-urlencoded
 * parser and serialiser. The host parser (IDNA, IPv4, IPv6, opaque hosts) is in
 * lib/net/url_host.c. Called by lib/engine/url.c (URL, URLSearchParams) and by fetch.
 *
 * While parsing, a URL is a record (urec) with one growable buffer per component; the path
 * list is kept serialised ("/a/b", one '/' before each segment - a segment never holds a
 * literal '/') with its segment count. The result is serialised into one string with the
 * offsets of its parts (rt__url); a setter turns that back into a record, runs the parser
 * with its state override on a copy and serialises again, so a setter that bails out leaves
 * the URL as it was.
 *
 * The parser works on UTF-8 bytes: every delimiter it looks for is ASCII, and every encode
 * set percent-encodes all non-ASCII bytes, so byte-level steps equal the standard's
 * code-point steps once invalid UTF-8 has been replaced by U+FFFD (done on entry).
 * No global state; memory from rt__malloc only (IDNA aside: lib/net/url_host.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "url.h"
#include "url_internal.h"

/* ---- percent-encoding ---- */

int rt__url_pe_in(unsigned c, int set)
{
    if (c < 0x20 || c > 0x7e)
        return 1;
    switch (set) {
    case RT_URL_PE_C0:
        return 0;
    case RT_URL_PE_FRAGMENT:
        return c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
    case RT_URL_PE_QUERY:
        return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>';
    case RT_URL_PE_SPECIAL_QUERY:
        return rt__url_pe_in(c, RT_URL_PE_QUERY) || c == '\'';
    case RT_URL_PE_PATH:
        return rt__url_pe_in(c, RT_URL_PE_QUERY) || c == '?' || c == '^' || c == '`' ||
               c == '{' || c == '}';
    case RT_URL_PE_USERINFO:
        return rt__url_pe_in(c, RT_URL_PE_PATH) || c == '/' || c == ':' || c == ';' ||
               c == '=' || c == '@' || (c >= '[' && c <= '^') || c == '|';
    case RT_URL_PE_COMPONENT:
        return rt__url_pe_in(c, RT_URL_PE_USERINFO) || (c >= '$' && c <= '&') || c == '+' ||
               c == ',';
    default:                               /* RT_URL_PE_FORM */
        return rt__url_pe_in(c, RT_URL_PE_COMPONENT) || c == '!' ||
               (c >= '\'' && c <= ')') || c == '~';
    }
}

static const char HEX[] = "0123456789ABCDEF";

int rt__url_pct_encode(rt__buf *b, const char *in, size_t n, int set)
{
    if (rt__buf_reserve(b, n))
        return RT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)in[i];
        if (!rt__url_pe_in(c, set)) {
            if (rt__buf_append(b, in + i, 1))
                return RT_ENOMEM;
            continue;
        }
        char e[3] = {'%', HEX[c >> 4], HEX[c & 15]};
        if (rt__buf_append(b, e, 3))
            return RT_ENOMEM;
    }
    return 0;
}

/* Append s[0..n) to b with every invalid UTF-8 sequence replaced by U+FFFD. */
static int utf8_clean(rt__buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t st = i;
        uint32_t c = rt__url_utf8_next(u, n, &i);
        int ok = c != 0xfffd || (i - st == 3 && u[st] == 0xef && u[st + 1] == 0xbf &&
                                 u[st + 2] == 0xbd);
        if (ok ? rt__buf_append(b, s + st, i - st) : rt__buf_append(b, "\xef\xbf\xbd", 3))
            return RT_ENOMEM;
    }
    return 0;
}

/* ---- the URL record ---- */

typedef struct urec {
    rt__buf scheme, user, pass, host, path, query, frag;   /* each owned */
    int sid;                               /* RT_URL_SCHEME_* of scheme */
    int host_type;                         /* RT_URL_HOST_NULL: null */
    int32_t port;                          /* -1: null */
    int opaque;                            /* path is an opaque string */
    size_t nsegs;                          /* list path: number of segments */
    int has_query, has_frag;
} urec;

static void rec_free(urec *r)
{
    rt__buf_free(&r->scheme);
    rt__buf_free(&r->user);
    rt__buf_free(&r->pass);
    rt__buf_free(&r->host);
    rt__buf_free(&r->path);
    rt__buf_free(&r->query);
    rt__buf_free(&r->frag);
}

static void clr(rt__buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int set(rt__buf *b, const char *p, size_t n)
{
    clr(b);
    return rt__buf_append(b, p, n);
}

static int scheme_id(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int id;
    } t[] = {{"http", RT_URL_SCHEME_HTTP}, {"https", RT_URL_SCHEME_HTTPS},
             {"ws", RT_URL_SCHEME_WS},     {"wss", RT_URL_SCHEME_WSS},
             {"ftp", RT_URL_SCHEME_FTP},   {"file", RT_URL_SCHEME_FILE}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strlen(t[i].name) == n && memcmp(t[i].name, s, n) == 0)
            return t[i].id;
    return RT_URL_SCHEME_OTHER;
}

static int default_port(int sid)
{
    switch (sid) {
    case RT_URL_SCHEME_HTTP: case RT_URL_SCHEME_WS: return 80;
    case RT_URL_SCHEME_HTTPS: case RT_URL_SCHEME_WSS: return 443;
    case RT_URL_SCHEME_FTP: return 21;
    default: return -1;
    }
}

/* rt__url -> record (a deep copy). 0 or RT_ENOMEM. */
static int rec_from(const rt__url *u, urec *r)
{
    memset(r, 0, sizeof *r);
    const char *h = u->href;
    int e = set(&r->scheme, h, u->scheme_end) ||
            set(&r->user, h + u->user_start, u->user_end - u->user_start) ||
            set(&r->pass, h + u->pass_start, u->pass_end - u->pass_start) ||
            set(&r->host, h + u->host_start, u->host_end - u->host_start) ||
            set(&r->path, h + u->path_start, u->path_end - u->path_start);
    if (!e && u->has_query)
        e = set(&r->query, h + u->query_start + 1, u->frag_start - u->query_start - 1);
    if (!e && u->has_fragment)
        e = set(&r->frag, h + u->frag_start + 1, u->href_len - u->frag_start - 1);
    if (e) {
        rec_free(r);
        return RT_ENOMEM;
    }
    r->sid = u->scheme_id;
    r->host_type = u->host_type;
    r->port = u->port;
    r->opaque = u->opaque_path;
    r->has_query = u->has_query;
    r->has_frag = u->has_fragment;
    if (!r->opaque)
        for (size_t i = 0; i < r->path.len; i++)
            r->nsegs += r->path.data[i] == '/';
    return 0;
}

/* record -> rt__url (the URL serialiser). 0 or RT_ENOMEM; *u is filled only on success. */
static int rec_to(const urec *r, rt__url *u)
{
    rt__buf b = {0};
    rt__url o;
    memset(&o, 0, sizeof o);
    int e = rt__buf_append(&b, r->scheme.data, r->scheme.len) || rt__buf_append(&b, ":", 1);
    o.scheme_end = (uint32_t)r->scheme.len;
    if (!e && r->host_type != RT_URL_HOST_NULL) {
        e = rt__buf_append(&b, "//", 2);
        o.user_start = (uint32_t)b.len;
        e = e || rt__buf_append(&b, r->user.data, r->user.len);
        o.user_end = (uint32_t)b.len;
        if (!e && r->pass.len) {
            e = rt__buf_append(&b, ":", 1);
            o.pass_start = (uint32_t)b.len;
            e = e || rt__buf_append(&b, r->pass.data, r->pass.len);
        } else {
            o.pass_start = (uint32_t)b.len;
        }
        o.pass_end = (uint32_t)b.len;
        if (!e && (r->user.len || r->pass.len))
            e = rt__buf_append(&b, "@", 1);
        o.host_start = (uint32_t)b.len;
        e = e || rt__buf_append(&b, r->host.data, r->host.len);
        o.host_end = (uint32_t)b.len;
        if (!e && r->port >= 0) {
            e = rt__buf_append(&b, ":", 1);
            o.port_start = (uint32_t)b.len;
            e = e || rt__buf_printf(&b, "%d", (int)r->port);
        } else {
            o.port_start = (uint32_t)b.len;
        }
        o.port_end = (uint32_t)b.len;
    } else {
        o.user_start = o.user_end = o.pass_start = o.pass_end = (uint32_t)b.len;
        o.host_start = o.host_end = o.port_start = o.port_end = (uint32_t)b.len;
        /* "/." keeps a host-less path that starts with "//" from reading as an authority */
        if (!e && !r->opaque && r->nsegs > 1 && r->path.len >= 2 && r->path.data[1] == '/')
            e = rt__buf_append(&b, "/.", 2);
    }
    o.path_start = (uint32_t)b.len;
    e = e || rt__buf_append(&b, r->path.data, r->path.len);
    o.path_end = (uint32_t)b.len;
    o.query_start = (uint32_t)b.len;
    if (!e && r->has_query)
        e = rt__buf_append(&b, "?", 1) || rt__buf_append(&b, r->query.data, r->query.len);
    o.frag_start = (uint32_t)b.len;
    if (!e && r->has_frag)
        e = rt__buf_append(&b, "#", 1) || rt__buf_append(&b, r->frag.data, r->frag.len);
    if (!e && b.len > UINT32_MAX - 1)
        e = 1;                             /* offsets are 32-bit: 4 GiB URLs are refused */
    if (!e && !b.data)
        e = rt__buf_reserve(&b, 1);
    if (e) {
        rt__buf_free(&b);
        return RT_ENOMEM;
    }
    o.href = b.data;
    o.href_len = (uint32_t)b.len;
    o.port = r->port;
    o.host_type = (uint8_t)r->host_type;
    o.scheme_id = (uint8_t)r->sid;
    o.opaque_path = (uint8_t)r->opaque;
    o.has_query = (uint8_t)r->has_query;
    o.has_fragment = (uint8_t)r->has_frag;
    *u = o;
    return 0;
}

/* ---- path helpers ---- */

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_drive(const char *p, size_t n)
{
    return n == 2 && is_alpha((unsigned char)p[0]) && (p[1] == ':' || p[1] == '|');
}

static int is_norm_drive(const char *p, size_t n)
{
    return n == 2 && is_alpha((unsigned char)p[0]) && p[1] == ':';
}

static int starts_with_drive(const char *s, size_t n)
{
    return n >= 2 && is_drive(s, 2) &&
           (n == 2 || s[2] == '/' || s[2] == '\\' || s[2] == '?' || s[2] == '#');
}

/* The first segment of a list path. */
static void first_seg(const urec *r, const char **p, size_t *n)
{
    *p = r->path.len ? r->path.data + 1 : "";
    *n = 0;
    while (*n + 1 < r->path.len && (*p)[*n] != '/')
        (*n)++;
}

static int path_push(urec *r, const char *seg, size_t n)
{
    r->nsegs++;
    return rt__buf_append(&r->path, "/", 1) || rt__buf_append(&r->path, seg, n) ? RT_ENOMEM : 0;
}

static void path_shorten(urec *r)
{
    if (r->sid == RT_URL_SCHEME_FILE && r->nsegs == 1) {
        const char *p;
        size_t n;
        first_seg(r, &p, &n);
        if (is_norm_drive(p, n))
            return;
    }
    if (r->nsegs == 0)
        return;
    size_t i = r->path.len;
    while (i > 0 && r->path.data[i - 1] != '/')
        i--;
    r->path.len = i - 1;
    r->path.data[r->path.len] = '\0';
    r->nsegs--;
}

static int eq_ci(const char *p, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]) != lit[i])
            return 0;
    return 1;
}

static int single_dot(const rt__buf *b)
{
    return eq_ci(b->data, b->len, ".") || eq_ci(b->data, b->len, "%2e");
}

static int double_dot(const rt__buf *b)
{
    return eq_ci(b->data, b->len, "..") || eq_ci(b->data, b->len, ".%2e") ||
           eq_ci(b->data, b->len, "%2e.") || eq_ci(b->data, b->len, "%2e%2e");
}

/* ---- the basic URL parser ---- */

enum {
    S_NONE = 0, S_SCHEME_START, S_SCHEME, S_NO_SCHEME, S_SPECIAL_REL_OR_AUTH, S_PATH_OR_AUTH,
    S_RELATIVE, S_RELATIVE_SLASH, S_SPECIAL_AUTH_SLASHES, S_SPECIAL_AUTH_IGNORE_SLASHES,
    S_AUTHORITY, S_HOST, S_HOSTNAME, S_PORT, S_FILE, S_FILE_SLASH, S_FILE_HOST, S_PATH_START,
    S_PATH, S_OPAQUE_PATH, S_QUERY, S_FRAGMENT
};

/* Copy the parts of base named by the flags into r. */
enum { CP_AUTH = 1, CP_PATH = 2, CP_QUERY = 4 };
static int copy_from(urec *r, const urec *b, int what)
{
    int e = 0;
    if (what & CP_AUTH) {
        e = set(&r->user, b->user.data, b->user.len) || set(&r->pass, b->pass.data, b->pass.len) ||
            set(&r->host, b->host.data, b->host.len);
        r->host_type = b->host_type;
        r->port = b->port;
    }
    if (what & CP_PATH) {
        e = e || set(&r->path, b->path.data, b->path.len);
        r->nsegs = b->nsegs;
        r->opaque = b->opaque;
    }
    if (what & CP_QUERY) {
        e = e || set(&r->query, b->query.data, b->query.len);
        r->has_query = b->has_query;
    }
    return e ? RT_ENOMEM : 0;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/*
 * Run the basic URL parser on raw[0..rawn) into r. base may be NULL. override is 0 or the
 * state override of a setter (then r is the URL being changed and leading/trailing C0 and
 * spaces are kept). Returns 0 (parsed, or the standard's plain "return"),
 * RT_EINVALID_URL (failure) or RT_ENOMEM.
 */
static int run(const char *raw, size_t rawn, const urec *base, urec *r, int override)
{
    /* input: trimmed (no override), tabs and newlines removed, invalid UTF-8 -> U+FFFD */
    size_t s = 0, e = rawn;
    if (!override) {
        while (s < e && (unsigned char)raw[s] <= 0x20)
            s++;
        while (e > s && (unsigned char)raw[e - 1] <= 0x20)
            e--;
    }
    rt__buf ib = {0}, buf = {0}, tmp = {0};
    int rc = 0;
    for (size_t k = s; k < e;) {
        size_t run_end = k;
        while (run_end < e && raw[run_end] != '\t' && raw[run_end] != '\n' && raw[run_end] != '\r')
            run_end++;
        if (utf8_clean(&ib, raw + k, run_end - k))
            goto oom;
        k = run_end + 1;
    }
    const char *in = ib.data ? ib.data : "";
    ptrdiff_t n = (ptrdiff_t)ib.len, i = 0;
    int state = override ? override : S_SCHEME_START;
    int at_seen = 0, in_brackets = 0, pw_seen = 0;
#define CH(k) ((k) < n && (k) >= 0 ? (int)(unsigned char)in[k] : -1)
#define SPECIAL (r->sid != RT_URL_SCHEME_OTHER)
#define CK(x) do { if (x) goto oom; } while (0)
#define FAIL() do { rc = RT_EINVALID_URL; goto out; } while (0)
#define DONE() do { rc = 0; goto out; } while (0)
    for (;;) {
        int c = CH(i);
        switch (state) {
        case S_SCHEME_START:
            if (c >= 0 && is_alpha(c)) {
                CK(rt__buf_append(&buf, &(char){(char)lower(c)}, 1));
                state = S_SCHEME;
            } else if (!override) {
                state = S_NO_SCHEME;
                i--;
            } else {
                FAIL();
            }
            break;
        case S_SCHEME:
            if (c >= 0 && (is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
                           c == '.')) {
                CK(rt__buf_append(&buf, &(char){(char)lower(c)}, 1));
            } else if (c == ':') {
                int bsid = scheme_id(buf.data, buf.len);
                if (override) {
                    if ((r->sid != RT_URL_SCHEME_OTHER) != (bsid != RT_URL_SCHEME_OTHER))
                        DONE();
                    if ((r->user.len || r->pass.len || r->port >= 0) && bsid == RT_URL_SCHEME_FILE)
                        DONE();
                    if (r->sid == RT_URL_SCHEME_FILE && r->host_type == RT_URL_HOST_EMPTY)
                        DONE();
                }
                CK(set(&r->scheme, buf.data, buf.len));
                r->sid = bsid;
                if (override) {
                    if (r->port >= 0 && r->port == default_port(r->sid))
                        r->port = -1;
                    DONE();
                }
                clr(&buf);
                if (r->sid == RT_URL_SCHEME_FILE) {
                    state = S_FILE;
                } else if (SPECIAL && base && base->sid == r->sid) {
                    state = S_SPECIAL_REL_OR_AUTH;
                } else if (SPECIAL) {
                    state = S_SPECIAL_AUTH_SLASHES;
                } else if (CH(i + 1) == '/') {
                    state = S_PATH_OR_AUTH;
                    i++;
                } else {
                    r->opaque = 1;
                    clr(&r->path);
                    state = S_OPAQUE_PATH;
                }
            } else if (!override) {
                clr(&buf);
                state = S_NO_SCHEME;
                i = -1;                    /* start over */
            } else {
                FAIL();
            }
            break;
        case S_NO_SCHEME:
            if (!base || (base->opaque && c != '#'))
                FAIL();
            if (base->opaque && c == '#') {
                CK(set(&r->scheme, base->scheme.data, base->scheme.len));
                r->sid = base->sid;
                CK(copy_from(r, base, CP_PATH | CP_QUERY));
                r->has_frag = 1;
                clr(&r->frag);
                state = S_FRAGMENT;
            } else if (base->sid != RT_URL_SCHEME_FILE) {
                state = S_RELATIVE;
                i--;
            } else {
                state = S_FILE;
                i--;
            }
            break;
        case S_SPECIAL_REL_OR_AUTH:
            if (c == '/' && CH(i + 1) == '/') {
                state = S_SPECIAL_AUTH_IGNORE_SLASHES;
                i++;
            } else {
                state = S_RELATIVE;
                i--;
            }
            break;
        case S_PATH_OR_AUTH:
            if (c == '/') {
                state = S_AUTHORITY;
            } else {
                state = S_PATH;
                i--;
            }
            break;
        case S_RELATIVE:
            CK(set(&r->scheme, base->scheme.data, base->scheme.len));
            r->sid = base->sid;
            if (c == '/' || (SPECIAL && c == '\\')) {
                state = S_RELATIVE_SLASH;
            } else {
                CK(copy_from(r, base, CP_AUTH | CP_PATH | CP_QUERY));
                if (c == '?') {
                    clr(&r->query);
                    r->has_query = 1;
                    state = S_QUERY;
                } else if (c == '#') {
                    clr(&r->frag);
                    r->has_frag = 1;
                    state = S_FRAGMENT;
                } else if (c != -1) {
                    clr(&r->query);
                    r->has_query = 0;
                    path_shorten(r);
                    state = S_PATH;
                    i--;
                }
            }
            break;
        case S_RELATIVE_SLASH:
            if (SPECIAL && (c == '/' || c == '\\')) {
                state = S_SPECIAL_AUTH_IGNORE_SLASHES;
            } else if (c == '/') {
                state = S_AUTHORITY;
            } else {
                CK(copy_from(r, base, CP_AUTH));
                state = S_PATH;
                i--;
            }
            break;
        case S_SPECIAL_AUTH_SLASHES:
            state = S_SPECIAL_AUTH_IGNORE_SLASHES;
            if (c == '/' && CH(i + 1) == '/')
                i++;
            else
                i--;
            break;
        case S_SPECIAL_AUTH_IGNORE_SLASHES:
            if (c != '/' && c != '\\') {
                state = S_AUTHORITY;
                i--;
            }
            break;
        case S_AUTHORITY:
            if (c == '@') {
                if (at_seen)
                    CK(rt__buf_append(pw_seen ? &r->pass : &r->user, "%40", 3));
                at_seen = 1;
                for (size_t k = 0; k < buf.len; k++) {
                    if (buf.data[k] == ':' && !pw_seen) {
                        pw_seen = 1;
                        continue;
                    }
                    CK(rt__url_pct_encode(pw_seen ? &r->pass : &r->user, buf.data + k, 1,
                                          RT_URL_PE_USERINFO));
                }
                clr(&buf);
            } else if (c == -1 || c == '/' || c == '?' || c == '#' || (SPECIAL && c == '\\')) {
                if (at_seen && buf.len == 0)
                    FAIL();
                i -= (ptrdiff_t)buf.len + 1;
                clr(&buf);
                state = S_HOST;
            } else {
                CK(rt__buf_append(&buf, in + i, 1));
            }
            break;
        case S_HOST:
        case S_HOSTNAME:
            if (override && r->sid == RT_URL_SCHEME_FILE) {
                i--;
                state = S_FILE_HOST;
            } else if (c == ':' && !in_brackets) {
                if (buf.len == 0 || override == S_HOSTNAME)
                    FAIL();
                int t, hr = rt__url_host_parse(buf.data, buf.len, !SPECIAL, &tmp, &t);
                if (hr == RT_ENOMEM)
                    goto oom;
                if (hr < 0)
                    FAIL();
                CK(set(&r->host, tmp.data, tmp.len));
                r->host_type = t;
                clr(&buf);
                state = S_PORT;
            } else if (c == -1 || c == '/' || c == '?' || c == '#' || (SPECIAL && c == '\\')) {
                i--;
                if (SPECIAL && buf.len == 0)
                    FAIL();
                if (override && buf.len == 0 && (r->user.len || r->pass.len || r->port >= 0))
                    DONE();
                int t, hr = rt__url_host_parse(buf.data ? buf.data : "", buf.len, !SPECIAL, &tmp, &t);
                if (hr == RT_ENOMEM)
                    goto oom;
                if (hr < 0)
                    FAIL();
                CK(set(&r->host, tmp.data, tmp.len));
                r->host_type = t;
                clr(&buf);
                state = S_PATH_START;
                if (override)
                    DONE();
            } else {
                if (c == '[')
                    in_brackets = 1;
                if (c == ']')
                    in_brackets = 0;
                CK(rt__buf_append(&buf, in + i, 1));
            }
            break;
        case S_PORT:
            if (c >= '0' && c <= '9') {
                CK(rt__buf_append(&buf, in + i, 1));
            } else if (c == -1 || c == '/' || c == '?' || c == '#' || (SPECIAL && c == '\\') ||
                       override) {
                if (buf.len) {
                    long v = 0;
                    for (size_t k = 0; k < buf.len; k++) {
                        v = v * 10 + (buf.data[k] - '0');
                        if (v > 65535)
                            FAIL();
                    }
                    r->port = v == default_port(r->sid) ? -1 : (int32_t)v;
                    clr(&buf);
                    if (override)
                        DONE();
                }
                if (override)
                    FAIL();
                state = S_PATH_START;
                i--;
            } else {
                FAIL();
            }
            break;
        case S_FILE:
            CK(set(&r->scheme, "file", 4));
            r->sid = RT_URL_SCHEME_FILE;
            clr(&r->host);
            r->host_type = RT_URL_HOST_EMPTY;
            if (c == '/' || c == '\\') {
                state = S_FILE_SLASH;
            } else if (base && base->sid == RT_URL_SCHEME_FILE) {
                CK(set(&r->host, base->host.data, base->host.len));
                r->host_type = base->host_type;
                CK(copy_from(r, base, CP_PATH | CP_QUERY));
                if (c == '?') {
                    clr(&r->query);
                    r->has_query = 1;
                    state = S_QUERY;
                } else if (c == '#') {
                    clr(&r->frag);
                    r->has_frag = 1;
                    state = S_FRAGMENT;
                } else if (c != -1) {
                    clr(&r->query);
                    r->has_query = 0;
                    if (!starts_with_drive(in + i, (size_t)(n - i))) {
                        path_shorten(r);
                    } else {
                        clr(&r->path);
                        r->nsegs = 0;
                    }
                    state = S_PATH;
                    i--;
                }
            } else {
                state = S_PATH;
                i--;
            }
            break;
        case S_FILE_SLASH:
            if (c == '/' || c == '\\') {
                state = S_FILE_HOST;
            } else {
                if (base && base->sid == RT_URL_SCHEME_FILE) {
                    CK(set(&r->host, base->host.data, base->host.len));
                    r->host_type = base->host_type;
                    const char *p;
                    size_t pn;
                    first_seg(base, &p, &pn);
                    if (!starts_with_drive(in + i, (size_t)(n - i)) && base->nsegs > 0 &&
                        is_norm_drive(p, pn))
                        CK(path_push(r, p, pn));
                }
                state = S_PATH;
                i--;
            }
            break;
        case S_FILE_HOST:
            if (c == -1 || c == '/' || c == '\\' || c == '?' || c == '#') {
                i--;
                if (!override && is_drive(buf.data, buf.len)) {
                    state = S_PATH;        /* buffer kept: it is the path's first segment */
                } else if (buf.len == 0) {
                    clr(&r->host);
                    r->host_type = RT_URL_HOST_EMPTY;
                    if (override)
                        DONE();
                    state = S_PATH_START;
                } else {
                    int t, hr = rt__url_host_parse(buf.data, buf.len, 0, &tmp, &t);
                    if (hr == RT_ENOMEM)
                        goto oom;
                    if (hr < 0)
                        FAIL();
                    if (tmp.len == 9 && memcmp(tmp.data, "localhost", 9) == 0) {
                        clr(&tmp);
                        t = RT_URL_HOST_EMPTY;
                    }
                    CK(set(&r->host, tmp.data, tmp.len));
                    r->host_type = t;
                    if (override)
                        DONE();
                    clr(&buf);
                    state = S_PATH_START;
                }
            } else {
                CK(rt__buf_append(&buf, in + i, 1));
            }
            break;
        case S_PATH_START:
            if (SPECIAL) {
                state = S_PATH;
                if (c != '/' && c != '\\')
                    i--;
            } else if (!override && c == '?') {
                clr(&r->query);
                r->has_query = 1;
                state = S_QUERY;
            } else if (!override && c == '#') {
                clr(&r->frag);
                r->has_frag = 1;
                state = S_FRAGMENT;
            } else if (c != -1) {
                state = S_PATH;
                if (c != '/')
                    i--;
            } else if (override && r->host_type == RT_URL_HOST_NULL) {
                CK(path_push(r, "", 0));
            }
            break;
        case S_PATH:
            if (c == -1 || c == '/' || (SPECIAL && c == '\\') ||
                (!override && (c == '?' || c == '#'))) {
                int slash = c == '/' || (SPECIAL && c == '\\');
                if (double_dot(&buf)) {
                    path_shorten(r);
                    if (!slash)
                        CK(path_push(r, "", 0));
                } else if (single_dot(&buf)) {
                    if (!slash)
                        CK(path_push(r, "", 0));
                } else {
                    if (r->sid == RT_URL_SCHEME_FILE && r->nsegs == 0 && is_drive(buf.data, buf.len))
                        buf.data[1] = ':';
                    CK(path_push(r, buf.data, buf.len));
                }
                clr(&buf);
                if (c == '?') {
                    clr(&r->query);
                    r->has_query = 1;
                    state = S_QUERY;
                } else if (c == '#') {
                    clr(&r->frag);
                    r->has_frag = 1;
                    state = S_FRAGMENT;
                }
            } else {
                CK(rt__url_pct_encode(&buf, in + i, 1, RT_URL_PE_PATH));
            }
            break;
        case S_OPAQUE_PATH:
            if (c == '?') {
                clr(&r->query);
                r->has_query = 1;
                state = S_QUERY;
            } else if (c == '#') {
                clr(&r->frag);
                r->has_frag = 1;
                state = S_FRAGMENT;
            } else if (c == ' ') {
                /* a space before '?' or '#' is encoded, so an opaque path never ends in a
                   literal space: the URL then survives losing its query and fragment */
                int nx = CH(i + 1);
                CK(rt__buf_append(&r->path, nx == '?' || nx == '#' ? "%20" : " ",
                                  nx == '?' || nx == '#' ? 3 : 1));
            } else if (c != -1) {
                CK(rt__url_pct_encode(&r->path, in + i, 1, RT_URL_PE_C0));
            }
            break;
        case S_QUERY:
            if (!override && c == '#') {
                clr(&r->frag);
                r->has_frag = 1;
                state = S_FRAGMENT;
            } else if (c != -1) {
                CK(rt__url_pct_encode(&r->query, in + i, 1,
                                      SPECIAL ? RT_URL_PE_SPECIAL_QUERY : RT_URL_PE_QUERY));
            }
            break;
        case S_FRAGMENT:
            if (c != -1)
                CK(rt__url_pct_encode(&r->frag, in + i, 1, RT_URL_PE_FRAGMENT));
            break;
        default:
            FAIL();
        }
        if (i >= n)
            break;
        i++;
    }
#undef CH
#undef SPECIAL
#undef CK
#undef FAIL
#undef DONE
    goto out;
oom:
    rc = RT_ENOMEM;
out:
    rt__buf_free(&ib);
    rt__buf_free(&buf);
    rt__buf_free(&tmp);
    return rc;
}

/* ---- public: parse, copy, free ---- */

int rt__url_parse(const char *in, size_t len, const rt__url *base, rt__url *out)
{
    memset(out, 0, sizeof *out);
    urec b, r;
    memset(&r, 0, sizeof r);
    r.port = -1;
    if (base && rec_from(base, &b) < 0)
        return RT_ENOMEM;
    int rc = run(in, len, base ? &b : NULL, &r, 0);
    if (rc == 0)
        rc = rec_to(&r, out);
    rec_free(&r);
    if (base)
        rec_free(&b);
    return rc;
}

void rt__url_free(rt__url *u)
{
    if (!u)
        return;
    rt__free(u->href);
    memset(u, 0, sizeof *u);
}

int rt__url_copy(const rt__url *u, rt__url *out)
{
    *out = *u;
    out->href = rt__malloc((size_t)u->href_len + 1);
    if (!out->href) {
        memset(out, 0, sizeof *out);
        return RT_ENOMEM;
    }
    memcpy(out->href, u->href, (size_t)u->href_len + 1);
    return 0;
}

/* ---- setters ---- */

/* Replace *u by the serialisation of r (r is freed either way). */
static int commit(rt__url *u, urec *r)
{
    rt__url o;
    int rc = rec_to(r, &o);
    rec_free(r);
    if (rc < 0)
        return rc;
    rt__url_free(u);
    *u = o;
    return 0;
}

/* Run the parser with a state override on r (a copy of u) and commit. A failure is not
   undone: the standard's setters ignore it, and what the parser changed before failing
   stays (host "example.com:65536" sets the host, not the port). */
static int override_parse(rt__url *u, urec *r, const char *v, size_t n, int state)
{
    int rc = run(v, n, NULL, r, state);
    if (rc < 0 && rc != RT_EINVALID_URL) {
        rec_free(r);
        return rc;
    }
    return commit(u, r);
}

static int cannot_have_credentials(const rt__url *u)
{
    return u->host_type == RT_URL_HOST_NULL || u->host_type == RT_URL_HOST_EMPTY ||
           u->scheme_id == RT_URL_SCHEME_FILE;
}

int rt__url_set_href(rt__url *u, const char *v, size_t n)
{
    rt__url o;
    int rc = rt__url_parse(v, n, NULL, &o);
    if (rc < 0)
        return rc;
    rt__url_free(u);
    *u = o;
    return 0;
}

int rt__url_set_protocol(rt__url *u, const char *v, size_t n)
{
    urec r;
    char *tmp = rt__malloc(n + 1);
    if (!tmp)
        return RT_ENOMEM;
    memcpy(tmp, v, n);
    tmp[n] = ':';
    int rc = rec_from(u, &r);
    if (rc == 0)
        rc = override_parse(u, &r, tmp, n + 1, S_SCHEME_START);
    rt__free(tmp);
    return rc;
}

static int set_userinfo(rt__url *u, const char *v, size_t n, int pass)
{
    if (cannot_have_credentials(u))
        return 0;
    urec r;
    if (rec_from(u, &r) < 0)
        return RT_ENOMEM;
    rt__buf *b = pass ? &r.pass : &r.user;
    clr(b);
    if (rt__url_pct_encode(b, v, n, RT_URL_PE_USERINFO)) {
        rec_free(&r);
        return RT_ENOMEM;
    }
    return commit(u, &r);
}

int rt__url_set_username(rt__url *u, const char *v, size_t n)
{
    return set_userinfo(u, v, n, 0);
}

int rt__url_set_password(rt__url *u, const char *v, size_t n)
{
    return set_userinfo(u, v, n, 1);
}

static int set_host_common(rt__url *u, const char *v, size_t n, int state)
{
    if (u->opaque_path)
        return 0;
    urec r;
    if (rec_from(u, &r) < 0)
        return RT_ENOMEM;
    return override_parse(u, &r, v, n, state);
}

int rt__url_set_host(rt__url *u, const char *v, size_t n)
{
    return set_host_common(u, v, n, S_HOST);
}

int rt__url_set_hostname(rt__url *u, const char *v, size_t n)
{
    return set_host_common(u, v, n, S_HOSTNAME);
}

int rt__url_set_port(rt__url *u, const char *v, size_t n)
{
    if (cannot_have_credentials(u))
        return 0;
    urec r;
    if (rec_from(u, &r) < 0)
        return RT_ENOMEM;
    if (n == 0) {
        r.port = -1;
        return commit(u, &r);
    }
    return override_parse(u, &r, v, n, S_PORT);
}

int rt__url_set_pathname(rt__url *u, const char *v, size_t n)
{
    if (u->opaque_path)
        return 0;
    urec r;
    if (rec_from(u, &r) < 0)
        return RT_ENOMEM;
    clr(&r.path);
    r.nsegs = 0;
    return override_parse(u, &r, v, n, S_PATH_START);
}

int rt__url_set_search(rt__url *u, const char *v, size_t n)
{
    urec r;
    if (rec_from(u, &r) < 0)
        return RT_ENOMEM;
    clr(&r.query);
    if (n == 0) {
        r.has_query = 0;
        return commit(u, &r);
    }
    if (v[0] == '?') {
        v++;
        n--;
    }
    r.has_query = 1;
    return override_parse(u, &r, v, n, S_QUERY);
}

int rt__url_set_hash(rt__url *u, const char *v, size_t n)
{
    urec r;
    if (rec_from(u, &r) < 0)
        return RT_ENOMEM;
    clr(&r.frag);
    if (n == 0) {
        r.has_frag = 0;
        return commit(u, &r);
    }
    if (v[0] == '#') {
        v++;
        n--;
    }
    r.has_frag = 1;
    return override_parse(u, &r, v, n, S_FRAGMENT);
}

int rt__url_set_query_raw(rt__url *u, const char *q, size_t n)
{
    urec r;
    if (rec_from(u, &r) < 0)
        return RT_ENOMEM;
    r.has_query = q != NULL;
    if (set(&r.query, q ? q : "", q ? n : 0)) {
        rec_free(&r);
        return RT_ENOMEM;
    }
    return commit(u, &r);
}

/* ---- getters ---- */

static rt__url_span span(const rt__url *u, uint32_t a, uint32_t b)
{
    rt__url_span s = {u->href + a, b > a ? b - a : 0};
    return s;
}

rt__url_span rt__url_protocol(const rt__url *u) { return span(u, 0, u->scheme_end + 1); }
rt__url_span rt__url_username(const rt__url *u) { return span(u, u->user_start, u->user_end); }
rt__url_span rt__url_password(const rt__url *u) { return span(u, u->pass_start, u->pass_end); }
rt__url_span rt__url_hostname(const rt__url *u) { return span(u, u->host_start, u->host_end); }
rt__url_span rt__url_port(const rt__url *u) { return span(u, u->port_start, u->port_end); }
rt__url_span rt__url_pathname(const rt__url *u) { return span(u, u->path_start, u->path_end); }

rt__url_span rt__url_host(const rt__url *u)
{
    return span(u, u->host_start, u->port >= 0 ? u->port_end : u->host_end);
}

rt__url_span rt__url_search(const rt__url *u)
{
    if (!u->has_query || u->frag_start - u->query_start <= 1)
        return span(u, 0, 0);
    return span(u, u->query_start, u->frag_start);
}

rt__url_span rt__url_query(const rt__url *u)
{
    if (!u->has_query)
        return span(u, 0, 0);
    return span(u, u->query_start + 1, u->frag_start);
}

rt__url_span rt__url_hash(const rt__url *u)
{
    if (!u->has_fragment || u->href_len - u->frag_start <= 1)
        return span(u, 0, 0);
    return span(u, u->frag_start, u->href_len);
}

int rt__url_origin(const rt__url *u, char **out, size_t *outlen)
{
    rt__buf b = {0};
    int rc = 0;
    switch (u->scheme_id) {
    case RT_URL_SCHEME_HTTP: case RT_URL_SCHEME_HTTPS: case RT_URL_SCHEME_WS:
    case RT_URL_SCHEME_WSS: case RT_URL_SCHEME_FTP: {
        rt__url_span p = rt__url_protocol(u), h = rt__url_host(u);
        rc = rt__buf_append(&b, p.p, p.n) || rt__buf_append(&b, "//", 2) ||
             rt__buf_append(&b, h.p, h.n) ? RT_ENOMEM : 0;
        break;
    }
    default:
        if (u->scheme_end == 4 && memcmp(u->href, "blob", 4) == 0) {
            /* blob: the origin of the URL its path holds, when that is http(s) */
            rt__url inner;
            rt__url_span p = rt__url_pathname(u);
            rc = rt__url_parse(p.p, p.n, NULL, &inner);
            if (rc == 0) {
                int ok = inner.scheme_id == RT_URL_SCHEME_HTTP ||
                         inner.scheme_id == RT_URL_SCHEME_HTTPS;
                rc = ok ? rt__url_origin(&inner, out, outlen) : 1;
                rt__url_free(&inner);
                if (rc <= 0)
                    return rc;
            } else if (rc == RT_ENOMEM) {
                return rc;
            }
        }
        rc = rt__buf_puts(&b, "null") ? RT_ENOMEM : 0;
    }
    if (rc < 0) {
        rt__buf_free(&b);
        return rc;
    }
    *out = b.data;
    if (outlen)
        *outlen = b.len;
    return 0;
}

/* ---- fetch's view ---- */

int rt__url_scheme_id(const rt__url *u)
{
    return u->scheme_id;
}

rt__url_span rt__url_connect_host(const rt__url *u)
{
    if (u->host_type == RT_URL_HOST_IPV6)
        return span(u, u->host_start + 1, u->host_end - 1);
    return rt__url_hostname(u);
}

int rt__url_connect_port(const rt__url *u)
{
    if (u->port >= 0)
        return u->port;
    int d = default_port(u->scheme_id);
    return d < 0 ? 0 : d;
}

rt__url_span rt__url_request_target(const rt__url *u)
{
    if (u->path_end == u->path_start && !u->has_query) {
        rt__url_span s = {"/", 1};
        return s;
    }
    return span(u, u->path_start, u->frag_start);
}

rt__url_span rt__url_host_header(const rt__url *u)
{
    return rt__url_host(u);
}

/* ---- application/x-www-form-urlencoded ---- */

int rt__url_pairs_add(rt__url_pairs *l, const char *name, size_t nlen, const char *value,
                      size_t vlen)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        rt__url_pair *v = rt__realloc(l->v, cap * sizeof *v);
        if (!v)
            return RT_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    char *a = rt__malloc(nlen + 1), *b = rt__malloc(vlen + 1);
    if (!a || !b) {
        rt__free(a);
        rt__free(b);
        return RT_ENOMEM;
    }
    memcpy(a, name, nlen);
    a[nlen] = '\0';
    memcpy(b, value, vlen);
    b[vlen] = '\0';
    l->v[l->n].name = a;
    l->v[l->n].name_len = nlen;
    l->v[l->n].value = b;
    l->v[l->n].value_len = vlen;
    l->n++;
    return 0;
}

void rt__url_pairs_free(rt__url_pairs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        rt__free(l->v[i].name);
        rt__free(l->v[i].value);
    }
    rt__free(l->v);
    memset(l, 0, sizeof *l);
}

/* '+' -> space, percent-decode, UTF-8 decode with U+FFFD: appended to out. */
static int form_decode(const char *s, size_t n, rt__buf *tmp, rt__buf *out)
{
    clr(tmp);
    clr(out);
    if (rt__buf_reserve(tmp, n))
        return RT_ENOMEM;
    for (size_t i = 0; i < n; i++)
        tmp->data[i] = s[i] == '+' ? ' ' : s[i];
    size_t dn = rt__url_pct_decode(tmp->data, n, tmp->data);
    return utf8_clean(out, tmp->data, dn);
}

int rt__url_form_parse(const char *in, size_t len, rt__url_pairs *out)
{
    rt__buf tmp = {0}, nb = {0}, vb = {0};
    int rc = 0;
    for (size_t s = 0; s < len && rc == 0;) {
        size_t e = s;
        while (e < len && in[e] != '&')
            e++;
        if (e > s) {
            size_t eq = s;
            while (eq < e && in[eq] != '=')
                eq++;
            rc = form_decode(in + s, eq - s, &tmp, &nb);
            if (rc == 0)
                rc = form_decode(in + eq + (eq < e), e - eq - (eq < e), &tmp, &vb);
            if (rc == 0)
                rc = rt__url_pairs_add(out, nb.data ? nb.data : "", nb.len,
                                       vb.data ? vb.data : "", vb.len);
        }
        s = e + 1;
    }
    rt__buf_free(&tmp);
    rt__buf_free(&nb);
    rt__buf_free(&vb);
    return rc;
}

int rt__url_form_encode(rt__buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        int e;
        if (c == ' ') {
            e = rt__buf_append(b, "+", 1);
        } else if (rt__url_pe_in(c, RT_URL_PE_FORM)) {
            char x[3] = {'%', HEX[c >> 4], HEX[c & 15]};
            e = rt__buf_append(b, x, 3);
        } else {
            e = rt__buf_append(b, s + i, 1);
        }
        if (e)
            return RT_ENOMEM;
    }
    return 0;
}

int rt__url_form_serialize(const rt__url_pairs *l, char **out, size_t *out_len)
{
    rt__buf b = {0};
    int e = rt__buf_reserve(&b, 1);
    if (!e)
        b.data[0] = '\0';
    for (size_t i = 0; i < l->n && !e; i++)
        e = (i > 0 && rt__buf_append(&b, "&", 1)) ||
            rt__url_form_encode(&b, l->v[i].name, l->v[i].name_len) ||
            rt__buf_append(&b, "=", 1) ||
            rt__url_form_encode(&b, l->v[i].value, l->v[i].value_len);
    if (e) {
        rt__buf_free(&b);
        return RT_ENOMEM;
    }
    *out = b.data;
    if (out_len)
        *out_len = b.len;
    return 0;
}
