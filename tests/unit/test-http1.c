/*
 * test-http1.c - the HTTP/1.1 codec: every response whole, split at every byte boundary
 * and fed byte by byte, each time ending against a PROT_NONE guard page so an over-read
 * crashes; chunked edge cases; framing rules; malformed heads; limits; the serializer.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime.h"
#include "http1.h"
#include "test.h"

/* Copy s so that its last byte sits right before an inaccessible page. */
static char *guarded(const char *s, size_t n, void **map, size_t *maplen)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (n + pg - 1) / pg + 1;
    char *m = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT(m != MAP_FAILED);
    ASSERT(mprotect(m + (pages - 1) * pg, pg, PROT_NONE) == 0);
    char *p = m + (pages - 1) * pg - n;
    memcpy(p, s, n);
    *map = m;
    *maplen = pages * pg;
    return p;
}

typedef struct result {
    int code;                              /* 0 ok, else the error */
    int status;
    size_t nheaders;
    char body[8192];
    size_t body_len;
    int keepalive;
    size_t leftover;                       /* bytes after the message */
} result;

/* Feed `resp` to a parser in pieces of at most `step` bytes (0: whole), the way a backend
   does: head bytes accumulate until complete, then body bytes are decoded as they come. */
static void run(const char *resp, size_t n, size_t step, int is_head, int eof, result *r)
{
    memset(r, 0, sizeof *r);
    void *map;
    size_t maplen;
    char *buf = guarded(resp, n, &map, &maplen);
    rt_http1_parser p;
    rt_http1_limits lim = {4096, 50};
    rt_http1_parser_init(&p, is_head, &lim);
    size_t have = 0, pos = 0;
    int head = 0;
    while (have < n || (!head && have == n)) {
        size_t add = step ? step : n;
        if (have + add > n)
            add = n - have;
        have += add;
        if (!head) {
            rt_http1_header hs[64];
            size_t nh = 64;
            rt_http1_response rs;
            int h = rt_http1_parse_head(&p, buf, have, &rs, hs, &nh);
            if (h == RT_HTTP1_INCOMPLETE) {
                if (have == n)
                    break;
                continue;
            }
            if (h < 0) {
                r->code = h;
                goto out;
            }
            head = 1;
            r->status = rs.status;
            r->nheaders = nh;
            pos = (size_t)h;
        }
        while (pos < have && !p.done) {
            const char *d;
            size_t dl;
            ssize_t c = rt_http1_parse_body(&p, buf + pos, have - pos, &d, &dl);
            if (c < 0) {
                r->code = (int)c;
                goto out;
            }
            memcpy(r->body + r->body_len, d, dl);
            r->body_len += dl;
            pos += (size_t)c;
            if (c == 0)
                break;
        }
        if (have == n)
            break;
    }
    if (!head) {
        r->code = eof ? rt_http1_on_eof(&p) : RT_HTTP1_INCOMPLETE;
        goto out;
    }
    if (eof && !p.done)
        r->code = rt_http1_on_eof(&p);
    else if (!p.done)
        r->code = RT_HTTP1_INCOMPLETE;
    r->keepalive = p.keepalive;
    r->leftover = n - pos;
out:
    munmap(map, maplen);
}

/* Every split must agree with the whole-buffer result. */
static void check_all_splits(const char *resp, int is_head, int eof, const result *want)
{
    size_t n = strlen(resp);
    result r;
    for (size_t step = 0; step <= n; step++) {
        run(resp, n, step, is_head, eof, &r);
        if (r.code != want->code || r.status != want->status || r.body_len != want->body_len ||
            memcmp(r.body, want->body, r.body_len) != 0) {
            fprintf(stderr, "step %zu: code %d/%d status %d/%d body %zu/%zu\n", step, r.code,
                    want->code, r.status, want->status, r.body_len, want->body_len);
            ASSERT(0);
        }
    }
}

static void expect_body(const char *resp, int eof, int status, const char *body)
{
    result want = {0};
    want.status = status;
    strcpy(want.body, body);
    want.body_len = strlen(body);
    check_all_splits(resp, 0, eof, &want);
}

static void expect_error(const char *resp, int code)
{
    size_t n = strlen(resp);
    result r;
    for (size_t step = 0; step <= n; step++) {
        run(resp, n, step, 0, 1, &r);
        if (r.code != code) {
            fprintf(stderr, "step %zu: code %d, want %d for %s\n", step, r.code, code, resp);
            ASSERT(0);
        }
    }
}

TEST(http1_content_length)
{
    expect_body("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello", 0, 200, "hello");
    result r;
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA";
    run(s, strlen(s), 0, 0, 0, &r);
    ASSERT_EQ(r.body_len, 2);
    ASSERT_EQ(r.leftover, 5);
    ASSERT_EQ(r.keepalive, 1);
}

TEST(http1_chunked_edge_cases)
{
    expect_body("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n1;ext=1;x=\"y\"\r\n \r\n0A\r\n0123456789\r\n0\r\n\r\n",
                0, 200, "hello 0123456789");
    /* trailers, uppercase hex, zero-length chunk ends it */
    expect_body("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                "A\r\nabcdefghij\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n", 0, 200, "abcdefghij");
    /* bare LF line ends */
    expect_body("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", 0, 200, "abc");
    expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "FFFFFFFFFFFFFFFFFF\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", RT_ETRUNCATED);
}

TEST(http1_close_delimited_and_no_body)
{
    expect_body("HTTP/1.1 200 OK\r\n\r\nuntil close", 1, 200, "until close");
    expect_body("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", 0, 200, "abc");
    expect_body("HTTP/1.1 204 No Content\r\n\r\n", 0, 204, "");
    expect_body("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0, 304, "");
    result want = {0};
    want.status = 200;
    check_all_splits("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 1, 0, &want);
    result r;
    const char *s = "HTTP/1.1 200 OK\r\n\r\nx";
    run(s, strlen(s), 0, 0, 1, &r);
    ASSERT_EQ(r.keepalive, 0);
}

TEST(http1_informational_skipped)
{
    expect_body("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 0, 201, "ok");
}

TEST(http1_keepalive_rules)
{
    result r;
    const char *a = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    run(a, strlen(a), 0, 0, 0, &r);
    ASSERT_EQ(r.keepalive, 0);
    const char *b = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
    run(b, strlen(b), 0, 0, 0, &r);
    ASSERT_EQ(r.keepalive, 0);
    const char *c = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n";
    run(c, strlen(c), 0, 0, 0, &r);
    ASSERT_EQ(r.keepalive, 1);
    const char *d = "HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n";
    run(d, strlen(d), 0, 0, 0, &r);
    ASSERT_EQ(r.keepalive, 0);
}

TEST(http1_malformed_heads)
{
    expect_error("garbage\r\n\r\n", RT_EPROTO);
    expect_error("<html>hello</html>", RT_EPROTO);            /* HTTP/0.9 style */
    expect_error("HTTP/2 200 OK\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 20 OK\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 abc OK\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\n: x\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", RT_EPROTO);
    expect_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", RT_EPROTO);
    expect_error("", RT_ECLOSED);
    expect_error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", RT_ETRUNCATED);
    /* identical repeated lengths are allowed */
    expect_body("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok", 0, 200, "ok");
    char nul[] = "HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n";
    rt_http1_parser p;
    rt_http1_parser_init(&p, 0, NULL);
    rt_http1_header hs[8];
    size_t nh = 8;
    rt_http1_response rs;
    ASSERT_EQ(rt_http1_parse_head(&p, nul, sizeof nul - 1, &rs, hs, &nh), RT_EPROTO);
}

TEST(http1_limits)
{
    static char big[70000];
    strcpy(big, "HTTP/1.1 200 OK\r\nX: ");
    size_t n = strlen(big);
    memset(big + n, 'a', 5000);
    big[n + 5000] = 0;
    /* still incomplete, but past max_header_bytes (4096 in run()): fails now */
    result r;
    run(big, strlen(big), 0, 0, 0, &r);
    ASSERT_EQ(r.code, RT_EHEADERS_TOO_LARGE);
    char many[8192] = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 60; i++)
        strcat(many, "A: b\r\n");
    strcat(many, "\r\n");
    run(many, strlen(many), 0, 0, 0, &r);
    ASSERT_EQ(r.code, RT_ETOO_MANY_HEADERS);
    /* more headers than the array: asked to call again */
    rt_http1_parser p;
    rt_http1_parser_init(&p, 0, NULL);
    rt_http1_header hs[2];
    size_t nh = 2;
    rt_http1_response rs;
    const char *three = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n\r\n";
    ASSERT_EQ(rt_http1_parse_head(&p, three, strlen(three), &rs, hs, &nh), RT_HTTP1_MORE_HEADERS);
    ASSERT_EQ(nh, 4);
    rt_http1_header hs4[4];
    ASSERT_EQ(rt_http1_parse_head(&p, three, strlen(three), &rs, hs4, &nh), (int)strlen(three));
    ASSERT(hs4[2].name_len == 1 && hs4[2].name[0] == 'C' && hs4[2].value[0] == '3');
}

TEST(http1_serializer)
{
    rt_http1_header hs[] = {{"Accept", 6, "*/*", 3},
                            {"host", 4, "evil.example", 12},
                            {"Content-Length", 14, "999", 3},
                            {"Transfer-Encoding", 17, "chunked", 7},
                            {"X-Empty", 7, "", 0}};
    rt_http1_request r = {"POST", "/p?q=1", "127.0.0.1:8080", hs, 5, 4};
    char out[512];
    size_t need = rt_http1_request_size(&r);
    ASSERT(need > 0);
    ssize_t n = rt_http1_request_write(&r, out, sizeof out);
    ASSERT_EQ(n, (ssize_t)need);
    ASSERT_STREQ(out, "POST /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n"
                      "X-Empty: \r\nContent-Length: 4\r\n\r\n");
    ASSERT_EQ(rt_http1_request_write(&r, out, need - 1), RT_ENOMEM);
    rt_http1_request g = {"GET", "/", "h", NULL, 0, -1};
    ASSERT_EQ(rt_http1_request_write(&g, out, sizeof out), 27);
    ASSERT_STREQ(out, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    rt_http1_request c = {"PUT", "/", "h", NULL, 0, -2};
    rt_http1_request_write(&c, out, sizeof out);
    ASSERT(strstr(out, "Transfer-Encoding: chunked\r\n\r\n") != NULL);
}

TEST(http1_injection_refused)
{
    char out[512];
    rt_http1_header bad_value[] = {{"X", 1, "a\r\nInjected: 1", 14}};
    rt_http1_header bad_name[] = {{"X Y", 3, "1", 1}};
    rt_http1_header nul_value[] = {{"X", 1, "a\0b", 3}};
    rt_http1_header lf_name[] = {{"X\n", 2, "1", 1}};
    rt_http1_request cases[] = {
        {"GET", "/", "h", bad_value, 1, -1},   {"GET", "/", "h", bad_name, 1, -1},
        {"GET", "/", "h", nul_value, 1, -1},   {"GET", "/", "h", lf_name, 1, -1},
        {"GE T", "/", "h", NULL, 0, -1},       {"GET\r\n", "/", "h", NULL, 0, -1},
        {"GET", "/a b", "h", NULL, 0, -1},     {"GET", "/a\r\nX: 1", "h", NULL, 0, -1},
        {"GET", "", "h", NULL, 0, -1},         {"GET", "/", "h\r\nX: 1", NULL, 0, -1},
        {"GET", "/", "", NULL, 0, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ASSERT_EQ(rt_http1_request_size(&cases[i]), 0);
        ASSERT_EQ(rt_http1_request_write(&cases[i], out, sizeof out), RT_EINVAL);
    }
    ASSERT(rt_http1_is_token("x-good_1.~", 10));
    ASSERT(!rt_http1_is_token("", 0));
    ASSERT(!rt_http1_is_field_value("a\nb", 3));
}
