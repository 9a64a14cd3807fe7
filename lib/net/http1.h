/*
 * http1.h - the sans-I/O HTTP/1.1 client codec of the network side (lib/net/http1.c), used
 * by the exchange (lib/net/exchange.c) on whatever thread carries the connection.
 *
 * No I/O, no allocation, no global state: caller-owned bytes in; "consumed N", "need more"
 * or an error out (picohttpparser's contract). Header names and values are pointer + length
 * into the caller's buffer, valid as long as that buffer. Limits on header bytes and count
 * and on chunk-size lines are checked here, not in each backend. Errors are RT_E... codes
 * from runtime.h (RT_EPROTO, RT_EHEADERS_TOO_LARGE, RT_ETOO_MANY_HEADERS, RT_ETRUNCATED...).
 */
#ifndef RUNTIME_HTTP1_H
#define RUNTIME_HTTP1_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rt_http1_header {
    const char *name;
    size_t name_len;
    const char *value;                     /* leading/trailing spaces and tabs trimmed */
    size_t value_len;
} rt_http1_header;

typedef struct rt_http1_limits {
    uint32_t max_header_bytes;             /* whole head incl. status line; 0: 65 536 */
    uint32_t max_header_count;             /* 0: 1 000 */
} rt_http1_limits;

/* Returned by rt_http1_parse_head() while the head is incomplete (not an error). */
#define RT_HTTP1_INCOMPLETE (-1000)
/* Returned by rt_http1_parse_head() when the head is complete but has more headers than
   *num_headers allowed; *num_headers is set to the count needed: call again with that. */
#define RT_HTTP1_MORE_HEADERS (-1001)

/* Body framing, decided from the head. */
enum {
    RT_HTTP1_BODY_NONE = 0,                /* HEAD, 1xx, 204, 304 */
    RT_HTTP1_BODY_LENGTH = 1,              /* Content-Length */
    RT_HTTP1_BODY_CHUNKED = 2,             /* Transfer-Encoding: chunked */
    RT_HTTP1_BODY_CLOSE = 3                /* until the server closes */
};

/* Response parser state; zero-initialised by rt_http1_parser_init(), no allocation. */
typedef struct rt_http1_parser {
    rt_http1_limits limits;
    uint8_t is_head;                       /* response to a HEAD request */
    uint8_t framing;                       /* RT_HTTP1_BODY_*, valid after the head */
    uint8_t keepalive;                     /* connection reusable once done */
    uint8_t done;                          /* message complete */
    uint8_t head_done;
    uint64_t content_length;               /* RT_HTTP1_BODY_LENGTH */
    uint64_t remaining;                    /* bytes left in the body / current chunk */
    uint64_t body_bytes;                   /* body bytes delivered so far */
    size_t scanned;                        /* head bytes already scanned (incremental) */
    size_t head_start;                     /* where the head being scanned starts (after 1xx) */
    int cstate;                            /* chunked decoder state */
    size_t cline;                          /* bytes in the current chunk-size/trailer line */
    size_t trailer_bytes;
} rt_http1_parser;

/* A parsed status line + headers. */
typedef struct rt_http1_response {
    int minor_version;                     /* HTTP/1.<minor> */
    int status;
    const char *reason;
    size_t reason_len;
} rt_http1_response;

void rt_http1_parser_init(rt_http1_parser *p, int is_head_request, const rt_http1_limits *limits);

/*
 * Parse the response head at the start of buf[0..len). Call again with the same buffer
 * start and a larger len as bytes arrive. Informational 1xx heads (except 101) are
 * skipped. Returns:
 *   > 0                    the head is complete: that many bytes (1xx heads included)
 *                          belong to it; resp and headers[0..*num_headers) are filled
 *                          (pointing into buf) and the body framing is set in p;
 *   RT_HTTP1_INCOMPLETE    need more bytes (len is still within the limits);
 *   RT_HTTP1_MORE_HEADERS  complete, but *num_headers (in: capacity) was too small;
 *                          *num_headers is set to the count needed;
 *   RT_E...                malformed (RT_EPROTO), too large or too many headers.
 * Framing rules (RFC 9112 6.3): Transfer-Encoding together with Content-Length, several
 * different Content-Length values, a negative or non-numeric Content-Length, a
 * Transfer-Encoding whose last coding is not chunked, or a status line that is not
 * "HTTP/1.x NNN" are RT_EPROTO.
 */
int rt_http1_parse_head(rt_http1_parser *p, const char *buf, size_t len, rt_http1_response *resp,
                        rt_http1_header *headers, size_t *num_headers);

/*
 * Decode body bytes from in[0..len). Sets *data / *data_len to the next run of body bytes
 * (pointing into in; may be empty, e.g. when only chunk framing was consumed) and returns
 * how many input bytes were consumed (>= 0), or a negative RT_E... code. Call in a loop
 * until all input is consumed or p->done. Bytes past the end of the message are not
 * consumed (and make the connection unfit for reuse: the caller decides).
 */
ssize_t rt_http1_parse_body(rt_http1_parser *p, const char *in, size_t len, const char **data,
                            size_t *data_len);

/*
 * The peer closed the connection. Returns 0 if that ends the message properly (close-
 * delimited body, or already done), RT_ETRUNCATED if the body was cut short, RT_ECLOSED if
 * no head was complete yet.
 */
int rt_http1_on_eof(rt_http1_parser *p);

/* The request to serialize (core side). */
typedef struct rt_http1_request {
    const char *method;                    /* a token, e.g. "GET" */
    const char *target;                    /* origin-form: "/path?query" */
    const char *host;                      /* Host header value ("example.com:8080") */
    const rt_http1_header *headers;        /* user headers; Host, Content-Length and
                                              Transfer-Encoding among them are dropped */
    size_t num_headers;
    int64_t content_length;                /* >= 0: Content-Length; -1: no body; -2: chunked */
} rt_http1_request;

/*
 * Serialize the request head into out[0..cap). Returns the bytes written, or RT_EINVAL if
 * a method, target, Host or header has CR, LF or NUL, a name is not a token (nothing is
 * guaranteed written then), or RT_ENOMEM if cap is too small. rt_http1_request_size()
 * gives the exact size needed (0 if invalid).
 */
size_t rt_http1_request_size(const rt_http1_request *r);
ssize_t rt_http1_request_write(const rt_http1_request *r, char *out, size_t cap);

/* Validation shared by the serializer and the JS Headers class. 1 valid, 0 not. */
int rt_http1_is_token(const char *s, size_t len);          /* RFC 9110 token (names, methods) */
int rt_http1_is_field_value(const char *s, size_t len);    /* no CR, LF, NUL */

#ifdef __cplusplus
}
#endif
#endif /* RUNTIME_HTTP1_H */
