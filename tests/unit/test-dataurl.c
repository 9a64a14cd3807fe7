/*
 * test-dataurl.c - data: URLs and forgiving-base64 (lib/net/dataurl.c): the standard's
 * decoding rules (whitespace, padding, the lengths that fail, the bits discarded), the
 * encoder against the decoder, the data: URL processor's MIME type and body cases, and a
 * failure injected at every allocation.
 */
#include <string.h>

#include "net.h"
#include "dataurl.h"
#include "test.h"

static int dec(const char *in, char *out, size_t *n)
{
    return rt__base64_decode(in, strlen(in), (uint8_t *)out, n);
}

TEST(base64_forgiving_decode)
{
    char out[64];
    size_t n;
    ASSERT_EQ(dec("SGVsbG8=", out, &n), 0);
    ASSERT_EQ(n, 5);
    ASSERT_MEMEQ(out, "Hello", 5);
    ASSERT_EQ(dec(" S G V s\tb\nG 8 ", out, &n), 0);   /* whitespace anywhere */
    ASSERT_EQ(n, 5);
    ASSERT_EQ(dec("YQ", out, &n), 0);                  /* padding optional */
    ASSERT_EQ(n, 1);
    ASSERT_EQ(out[0], 'a');
    ASSERT_EQ(dec("YR==", out, &n), 0);                /* leftover bits discarded */
    ASSERT_EQ(out[0], 'a');
    ASSERT_EQ(dec("", out, &n), 0);
    ASSERT_EQ(n, 0);
    ASSERT_EQ(dec("YQ=", out, &n), RT_EINVAL);         /* length % 4 == 3 with one '=' */
    ASSERT_EQ(dec("Y", out, &n), RT_EINVAL);           /* length % 4 == 1 */
    ASSERT_EQ(dec("YQ===", out, &n), RT_EINVAL);
    ASSERT_EQ(dec("Y=Q=", out, &n), RT_EINVAL);        /* '=' inside */
    ASSERT_EQ(dec("YQ-_", out, &n), RT_EINVAL);        /* base64url is not base64 */
}

TEST(base64_encode_round_trip)
{
    uint8_t in[256];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)(255 - i);
    for (size_t len = 0; len <= 10; len++) {
        char enc[400];
        uint8_t back[300];
        size_t e = rt__base64_encode(in, len, enc), n;
        ASSERT_EQ(e, (len + 2) / 3 * 4);
        ASSERT_EQ(rt__base64_decode(enc, e, back, &n), 0);
        ASSERT_EQ(n, len);
        ASSERT(len == 0 || memcmp(back, in, len) == 0);
    }
    char enc[4];
    ASSERT_EQ(rt__base64_encode((const uint8_t *)"\xff\xfe", 2, enc), 4);
    ASSERT_MEMEQ(enc, "//4=", 4);
}

static void check(const char *url, const char *mime, const char *body, size_t blen)
{
    rt__data_url d;
    ASSERT_EQ(rt__data_url_process(url, strlen(url), &d), 0);
    ASSERT_STREQ(d.mime, mime);
    ASSERT_EQ(d.mime_len, strlen(mime));
    ASSERT_EQ(d.body_len, blen);
    ASSERT(blen == 0 || memcmp(d.body, body, blen) == 0);
    rt__data_url_free(&d);
}

TEST(data_url_processor)
{
    check("data:,Hello%2C%20World", "text/plain;charset=US-ASCII", "Hello, World", 12);
    check("data:text/plain;base64,SGk=", "text/plain", "Hi", 2);
    check("data:;charset=utf-8,x", "text/plain;charset=utf-8", "x", 1);
    check("data: text/Plain ; Charset=\"UTF-8\" ;base64,YWJj", "text/plain;charset=UTF-8", "abc", 3);
    check("data:image/png;BASE64,AAEC/w==", "image/png", "\0\1\2\xff", 4);
    check("data:;base64,%59%51", "text/plain;charset=US-ASCII", "a", 1);   /* %-decoded first */
    check("data:bad,x", "text/plain;charset=US-ASCII", "x", 1);           /* not a MIME type */
    check("data:text/plain;base64x,YQ", "text/plain", "YQ", 2);          /* not ;base64 */
    check("data:,", "text/plain;charset=US-ASCII", "", 0);
    check("data:,%zz%4", "text/plain;charset=US-ASCII", "%zz%4", 5);     /* lone % kept */
    rt__data_url d;
    ASSERT_EQ(rt__data_url_process("data:nocomma", 12, &d), RT_EINVAL);
    ASSERT_EQ(rt__data_url_process("data:;base64,Y", 14, &d), RT_EINVAL);
    ASSERT_EQ(rt__data_url_process("http:,x", 7, &d), RT_EINVAL);
}

TEST(data_url_allocation_failures)
{
    int ok = 0;
    for (uint64_t k = 1; k < 20 && !ok; k++) {
        rt__data_url d;
        rt__alloc_fail_after(k);
        int r = rt__data_url_process("data:text/plain;a=b;base64,SGk=", 31, &d);
        rt__alloc_fail_after(0);
        ASSERT(r == 0 || r == RT_ENOMEM);
        ok = r == 0;
        if (ok)
            rt__data_url_free(&d);
    }
    ASSERT(ok);
}
