/*
 * http1.c - the sans-I/O HTTP/1.1 client codec shared by every backend (see
 * include/runtime_http1.h for the contract). No I/O, no allocation, no global state: the
 * caller owns every byte; results point into the caller's buffer. Limits (head size,
 * header count, chunk-size line length, trailer size) are enforced here so that no
 * backend has to. Strict on framing (RFC 9112 6.3), because an ambiguous length is how
 * responses get smuggled: TE with CL, several different CLs, a negative or non-numeric CL
 * are all RT_EPROTO.
 */
#include <string.h>
#include <strings.h>

#include "runtime.h"
#include "http1.h"

#define DEFAULT_MAX_HEADER_BYTES 65536u
#define DEFAULT_MAX_HEADER_COUNT 1000u
#define MAX_CHUNK_LINE 4096u

enum {
    CS_SIZE = 0, CS_SIZE_LF, CS_EXT, CS_DATA, CS_DATA_CR, CS_DATA_LF,
    CS_TRAILER_START, CS_TRAILER_LINE, CS_END_LF
};

void rt_http1_parser_init(rt_http1_parser *p, int is_head_request, const rt_http1_limits *limits)
{
    memset(p, 0, sizeof *p);
    p->is_head = (uint8_t)(is_head_request != 0);
    p->limits.max_header_bytes = limits && limits->max_header_bytes ? limits->max_header_bytes
                                                                   : DEFAULT_MAX_HEADER_BYTES;
    p->limits.max_header_count = limits && limits->max_header_count ? limits->max_header_count
                                                                   : DEFAULT_MAX_HEADER_COUNT;
}

/* RFC 9110 tchar */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int rt_http1_is_token(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_tchar((unsigned char)s[i]))
            return 0;
    return 1;
}

int rt_http1_is_field_value(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
            return 0;
    return 1;
}

/* Does the comma-separated list v contain token t (case-insensitive)? last: only as the
   final element. */
static int list_has(const char *v, size_t n, const char *t, int last_only)
{
    size_t tl = strlen(t), i = 0;
    int found = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e == s)
            continue;
        found = (e - s == tl && strncasecmp(v + s, t, tl) == 0);
        if (found && !last_only)
            return 1;
    }
    return found;
}

/* Content-Length: digits, or a list of identical digit strings. UINT64_MAX: invalid. */
static uint64_t parse_length(const char *v, size_t n)
{
    uint64_t result = UINT64_MAX;
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        uint64_t x = 0;
        size_t digits = 0;
        while (i < n && v[i] >= '0' && v[i] <= '9') {
            if (x > (UINT64_MAX / 10) - 1)
                return UINT64_MAX;
            x = x * 10 + (uint64_t)(v[i] - '0');
            i++;
            digits++;
        }
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        if (digits == 0 || (i < n && v[i] != ','))
            return UINT64_MAX;
        if (result != UINT64_MAX && result != x)
            return UINT64_MAX;
        result = x;
        if (i < n)
            i++;                           /* the comma */
    }
    return result;
}

/* Find the end of a head starting at buf[start]: index just past the blank line, or 0. */
static size_t find_head_end(const char *buf, size_t len, size_t from)
{
    for (size_t i = from; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Parse one complete head buf[0..n). Returns 0 or an error; fills resp, headers (up to
   cap) and *count. */
static int parse_one(const char *buf, size_t n, rt_http1_response *resp,
                     rt_http1_header *headers, size_t cap, size_t *count, uint32_t max_count)
{
    /* status line: HTTP/1.x SP 3DIGIT [SP reason] */
    if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || (buf[7] != '0' && buf[7] != '1') ||
        buf[8] != ' ')
        return RT_EPROTO;
    for (int i = 9; i < 12; i++)
        if (buf[i] < '0' || buf[i] > '9')
            return RT_EPROTO;
    resp->minor_version = buf[7] - '0';
    resp->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    if (resp->status < 100)
        return RT_EPROTO;
    size_t i = 12;
    if (buf[i] == ' ')
        i++;
    else if (buf[i] != '\r' && buf[i] != '\n')
        return RT_EPROTO;
    size_t rs = i;
    while (i < n && buf[i] != '\r' && buf[i] != '\n') {
        if (buf[i] == '\0')
            return RT_EPROTO;
        i++;
    }
    resp->reason = buf + rs;
    resp->reason_len = i - rs;
    if (buf[i] == '\r' && (i + 1 >= n || buf[++i] != '\n'))
        return RT_EPROTO;
    i++;
    /* header lines */
    size_t c = 0;
    for (;;) {
        if (i >= n)
            return RT_EPROTO;
        if (buf[i] == '\n')
            break;
        if (buf[i] == '\r') {
            if (i + 1 < n && buf[i + 1] == '\n')
                break;
            return RT_EPROTO;
        }
        if (buf[i] == ' ' || buf[i] == '\t')
            return RT_EPROTO;              /* obs-fold */
        size_t ns = i;
        while (i < n && is_tchar((unsigned char)buf[i]))
            i++;
        if (i == ns || i >= n || buf[i] != ':')
            return RT_EPROTO;
        size_t ne = i++;
        while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        size_t vs = i;
        while (i < n && buf[i] != '\n') {
            if (buf[i] == '\0' || (buf[i] == '\r' && (i + 1 >= n || buf[i + 1] != '\n')))
                return RT_EPROTO;
            if (buf[i] == '\r')
                break;
            i++;
        }
        size_t ve = i;
        while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
            ve--;
        if (buf[i] == '\r')
            i++;
        i++;                               /* the LF */
        if (++c > max_count)
            return RT_ETOO_MANY_HEADERS;
        if (c <= cap) {
            headers[c - 1].name = buf + ns;
            headers[c - 1].name_len = ne - ns;
            headers[c - 1].value = buf + vs;
            headers[c - 1].value_len = ve - vs;
        }
    }
    *count = c;
    return 0;
}

int rt_http1_parse_head(rt_http1_parser *p, const char *buf, size_t len, rt_http1_response *resp,
                        rt_http1_header *headers, size_t *num_headers)
{
    size_t off = 0;
    for (;;) {
        /* Fail fast on something that is not HTTP/1.x (HTTP/0.9, garbage). */
        size_t have = len - off < 7 ? len - off : 7;
        if (memcmp(buf + off, "HTTP/1.", have) != 0)
            return RT_EPROTO;
        size_t from = p->head_start == off && p->scanned > off + 2 ? p->scanned - 2 : off;
        size_t end = find_head_end(buf, len, from);
        if (!end) {
            p->head_start = off;
            p->scanned = len;
            if (len - off > p->limits.max_header_bytes)
                return RT_EHEADERS_TOO_LARGE;
            return RT_HTTP1_INCOMPLETE;
        }
        if (end - off > p->limits.max_header_bytes)
            return RT_EHEADERS_TOO_LARGE;
        size_t count = 0, cap = *num_headers;
        int r = parse_one(buf + off, end - off, resp, headers, cap, &count,
                          p->limits.max_header_count);
        if (r < 0)
            return r;
        if (resp->status >= 100 && resp->status < 200 && resp->status != 101) {
            off = end;                     /* informational: skip, parse the next head */
            p->head_start = p->scanned = end;
            if (off >= len) {
                return RT_HTTP1_INCOMPLETE;
            }
            continue;
        }
        if (count > cap) {
            *num_headers = count;
            return RT_HTTP1_MORE_HEADERS;
        }
        *num_headers = count;
        /* framing */
        int te = 0, te_chunked = 0, cl_seen = 0, conn_close = 0, conn_keep = 0;
        uint64_t cl = 0;
        for (size_t h = 0; h < count; h++) {
            const rt_http1_header *hd = &headers[h];
            if (hd->name_len == 17 && strncasecmp(hd->name, "transfer-encoding", 17) == 0) {
                te = 1;
                te_chunked = list_has(hd->value, hd->value_len, "chunked", 1);
            } else if (hd->name_len == 14 && strncasecmp(hd->name, "content-length", 14) == 0) {
                uint64_t v = parse_length(hd->value, hd->value_len);
                if (v == UINT64_MAX || (cl_seen && v != cl))
                    return RT_EPROTO;
                cl = v;
                cl_seen = 1;
            } else if (hd->name_len == 10 && strncasecmp(hd->name, "connection", 10) == 0) {
                conn_close |= list_has(hd->value, hd->value_len, "close", 0);
                conn_keep |= list_has(hd->value, hd->value_len, "keep-alive", 0);
            }
        }
        int st = resp->status;
        if (p->is_head || st == 204 || st == 304 || (st >= 100 && st < 200)) {
            p->framing = RT_HTTP1_BODY_NONE;
            if (te && cl_seen)
                return RT_EPROTO;
        } else if (te) {
            if (cl_seen || !te_chunked)
                return RT_EPROTO;
            p->framing = RT_HTTP1_BODY_CHUNKED;
        } else if (cl_seen) {
            p->framing = RT_HTTP1_BODY_LENGTH;
            p->content_length = p->remaining = cl;
        } else {
            p->framing = RT_HTTP1_BODY_CLOSE;
        }
        p->keepalive = (uint8_t)(p->framing != RT_HTTP1_BODY_CLOSE &&
                                 (resp->minor_version == 1 ? !conn_close : conn_keep && !conn_close));
        p->head_done = 1;
        p->done = (uint8_t)(p->framing == RT_HTTP1_BODY_NONE ||
                            (p->framing == RT_HTTP1_BODY_LENGTH && cl == 0));
        p->cstate = CS_SIZE;
        return (int)end;
    }
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static ssize_t chunked(rt_http1_parser *p, const char *in, size_t len, const char **data,
                       size_t *data_len)
{
    size_t i = 0;
    while (i < len && !p->done) {
        unsigned char c = (unsigned char)in[i];
        switch (p->cstate) {
        case CS_SIZE: {
            int h = hexval(c);
            if (h >= 0) {
                if (p->remaining > (UINT64_MAX >> 4))
                    return RT_EPROTO;
                p->remaining = (p->remaining << 4) | (uint64_t)h;
                p->cline++;
            } else if (p->cline == 0) {
                return RT_EPROTO;          /* no digits */
            } else if (c == ';' || c == ' ' || c == '\t') {
                p->cstate = CS_EXT;
            } else if (c == '\r') {
                p->cstate = CS_SIZE_LF;
            } else if (c == '\n') {
                goto size_done;
            } else {
                return RT_EPROTO;
            }
            if (p->cline > MAX_CHUNK_LINE)
                return RT_EPROTO;
            i++;
            break;
        }
        case CS_EXT:
            if (c == '\n')
                goto size_done;
            if (c == '\0' || ++p->cline > MAX_CHUNK_LINE)
                return RT_EPROTO;
            i++;
            break;
        case CS_SIZE_LF:
            if (c != '\n')
                return RT_EPROTO;
        size_done:
            i++;
            p->cline = 0;
            p->cstate = p->remaining ? CS_DATA : CS_TRAILER_START;
            break;
        case CS_DATA: {
            size_t take = len - i;
            if (take > p->remaining)
                take = (size_t)p->remaining;
            p->remaining -= take;
            p->body_bytes += take;
            if (p->remaining == 0)
                p->cstate = CS_DATA_CR;
            *data = in + i;
            *data_len = take;
            return (ssize_t)(i + take);
        }
        case CS_DATA_CR:
            if (c == '\n') {               /* bare LF tolerated, as for heads */
                p->cstate = CS_SIZE;
            } else if (c == '\r') {
                p->cstate = CS_DATA_LF;
            } else {
                return RT_EPROTO;
            }
            i++;
            break;
        case CS_DATA_LF:
            if (c != '\n')
                return RT_EPROTO;
            p->cstate = CS_SIZE;
            i++;
            break;
        case CS_TRAILER_START:
            if (c == '\n') {
                p->done = 1;
            } else if (c == '\r') {
                p->cstate = CS_END_LF;
            } else {
                p->cstate = CS_TRAILER_LINE;
                p->trailer_bytes++;
            }
            i++;
            break;
        case CS_TRAILER_LINE:
            if (++p->trailer_bytes > p->limits.max_header_bytes)
                return RT_EHEADERS_TOO_LARGE;
            if (c == '\n')
                p->cstate = CS_TRAILER_START;
            else if (c == '\0')
                return RT_EPROTO;
            i++;
            break;
        case CS_END_LF:
            if (c != '\n')
                return RT_EPROTO;
            p->done = 1;
            i++;
            break;
        }
    }
    return (ssize_t)i;
}

ssize_t rt_http1_parse_body(rt_http1_parser *p, const char *in, size_t len, const char **data,
                            size_t *data_len)
{
    *data = in;
    *data_len = 0;
    if (!p->head_done)
        return RT_EINVAL;
    if (p->done)
        return 0;
    switch (p->framing) {
    case RT_HTTP1_BODY_LENGTH: {
        size_t take = len;
        if (take > p->remaining)
            take = (size_t)p->remaining;
        p->remaining -= take;
        p->body_bytes += take;
        *data_len = take;
        if (p->remaining == 0)
            p->done = 1;
        return (ssize_t)take;
    }
    case RT_HTTP1_BODY_CLOSE:
        p->body_bytes += len;
        *data_len = len;
        return (ssize_t)len;
    case RT_HTTP1_BODY_CHUNKED:
        return chunked(p, in, len, data, data_len);
    default:
        p->done = 1;
        return 0;
    }
}

int rt_http1_on_eof(rt_http1_parser *p)
{
    if (p->done)
        return 0;
    if (!p->head_done)
        return RT_ECLOSED;
    if (p->framing == RT_HTTP1_BODY_CLOSE) {
        p->done = 1;
        return 0;
    }
    return RT_ETRUNCATED;
}

/* ---- request serializer ---- */

static int dropped(const rt_http1_header *h)
{
    return (h->name_len == 4 && strncasecmp(h->name, "host", 4) == 0) ||
           (h->name_len == 14 && strncasecmp(h->name, "content-length", 14) == 0) ||
           (h->name_len == 17 && strncasecmp(h->name, "transfer-encoding", 17) == 0);
}

static size_t digits(uint64_t v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static int valid_target(const char *t)
{
    if (!t || !*t)
        return 0;
    for (const unsigned char *s = (const unsigned char *)t; *s; s++)
        if (*s <= ' ' || *s == 0x7f)
            return 0;
    return 1;
}

size_t rt_http1_request_size(const rt_http1_request *r)
{
    if (!r->method || !rt_http1_is_token(r->method, strlen(r->method)) || !valid_target(r->target) ||
        !r->host || !*r->host || !rt_http1_is_field_value(r->host, strlen(r->host)))
        return 0;
    size_t n = strlen(r->method) + 1 + strlen(r->target) + 11 + 6 + strlen(r->host) + 2;
    for (size_t i = 0; i < r->num_headers; i++) {
        const rt_http1_header *h = &r->headers[i];
        if (!rt_http1_is_token(h->name, h->name_len) ||
            !rt_http1_is_field_value(h->value, h->value_len))
            return 0;
        if (!dropped(h))
            n += h->name_len + 2 + h->value_len + 2;
    }
    if (r->content_length >= 0)
        n += 16 + digits((uint64_t)r->content_length) + 2;
    else if (r->content_length == -2)
        n += 28;
    return n + 2;
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

ssize_t rt_http1_request_write(const rt_http1_request *r, char *out, size_t cap)
{
    size_t need = rt_http1_request_size(r);
    if (need == 0)
        return RT_EINVAL;
    if (cap < need)
        return RT_ENOMEM;
    char *o = out;
    o = put(o, r->method, strlen(r->method));
    *o++ = ' ';
    o = put(o, r->target, strlen(r->target));
    o = put(o, " HTTP/1.1\r\nHost: ", 17);
    o = put(o, r->host, strlen(r->host));
    o = put(o, "\r\n", 2);
    for (size_t i = 0; i < r->num_headers; i++) {
        const rt_http1_header *h = &r->headers[i];
        if (dropped(h))
            continue;
        o = put(o, h->name, h->name_len);
        o = put(o, ": ", 2);
        o = put(o, h->value, h->value_len);
        o = put(o, "\r\n", 2);
    }
    if (r->content_length >= 0) {
        char num[24];
        size_t d = digits((uint64_t)r->content_length);
        uint64_t v = (uint64_t)r->content_length;
        for (size_t k = d; k > 0; k--) {
            num[k - 1] = (char)('0' + v % 10);
            v /= 10;
        }
        o = put(o, "Content-Length: ", 16);
        o = put(o, num, d);
        o = put(o, "\r\n", 2);
    } else if (r->content_length == -2) {
        o = put(o, "Transfer-Encoding: chunked\r\n", 28);
    }
    o = put(o, "\r\n", 2);
    if (o - out < (ptrdiff_t)cap)
        *o = '\0';
    return (ssize_t)(o - out);
}
