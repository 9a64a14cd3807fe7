/*
 * test-multipart.c - multipart/form-data (lib/net/multipart.c) and MIME types (lib/net/mime.c).
 * The encoder's escaping and newline rules byte for byte; bodies it makes parsed back; the
 * parser on every prefix of a valid body (only the whole body, or the body less its last
 * CR LF, may parse) with the input ending right before a PROT_NONE page; a list of malformed
 * bodies, each refused; the corners the proposed parser accepts; callback errors; a failure
 * injected at every allocation. MIME types: parsing, serializing, "extract a MIME type".
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net.h"
#include "mime.h"
#include "multipart.h"
#include "test.h"

/* ---- helpers ---- */

typedef struct guard {
    void *map;
    size_t maplen;
    uint8_t *p;
} guard;

/* n bytes of p copied so that the last one is right before a PROT_NONE page. */
static guard guarded(const void *p, size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), pages = (n + pg - 1) / pg + 1;
    guard g;
    g.map = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT(g.map != MAP_FAILED);
    g.maplen = pages * pg;
    ASSERT(mprotect((char *)g.map + (pages - 1) * pg, pg, PROT_NONE) == 0);
    g.p = (uint8_t *)g.map + (pages - 1) * pg - n;
    if (n)
        memcpy(g.p, p, n);
    return g;
}

static void unguard(guard *g)
{
    munmap(g->map, g->maplen);
}

/* What the parser reported, one line per part: name|filename or -|type or -|body */
typedef struct seen {
    char out[8192];
    size_t len;
    int parts;
    int stop_at;                           /* return -99 at this part (0: never) */
} seen;

static void put(seen *s, const void *p, size_t n)
{
    ASSERT(s->len + n < sizeof s->out);
    memcpy(s->out + s->len, p, n);
    s->len += n;
    s->out[s->len] = 0;
}

static int on_part(void *ud, const rt__mp_part *p)
{
    seen *s = ud;
    s->parts++;
    if (s->stop_at && s->parts == s->stop_at)
        return -99;
    put(s, p->name, p->name_len);
    put(s, "|", 1);
    if (p->filename)
        put(s, p->filename, p->filename_len);
    else
        put(s, "-", 1);
    put(s, "|", 1);
    if (p->type)
        put(s, p->type, p->type_len);
    else
        put(s, "-", 1);
    put(s, "|", 1);
    put(s, p->body, p->body_len);
    put(s, "\n", 1);
    return 0;
}

static int parse_str(const char *body, const char *boundary, seen *s)
{
    memset(s, 0, sizeof *s);
    size_t n = strlen(body);
    guard g = guarded(body, n);
    int r = rt__mp_parse(g.p, n, boundary, strlen(boundary), on_part, s);
    unguard(&g);
    return r;
}

/* ---- encoding ---- */

TEST(multipart_boundary_is_random_hex)
{
    char a[RT__MP_BOUNDARY_SIZE], b[RT__MP_BOUNDARY_SIZE];
    size_t n = rt__mp_boundary(a);
    ASSERT_EQ(n, strlen(a));
    ASSERT_EQ(n, 18 + 32);
    ASSERT(n < RT__MP_BOUNDARY_SIZE && n <= 70);       /* RFC 2046: at most 70 */
    ASSERT(memcmp(a, "----formdata-rtjs-", 18) == 0);
    for (size_t i = 18; i < n; i++)
        ASSERT((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
    rt__mp_boundary(b);
    ASSERT(strcmp(a, b) != 0);
}

TEST(multipart_part_heads_escape_and_normalize)
{
    rt__buf b = {0};
    /* a string entry: the name's newlines become CR LF, then CR, LF and '"' are escaped */
    ASSERT_EQ(rt__mp_part_head(&b, "B", 1, "a\rb\nc\r\nd\"e", 10, NULL, 0, NULL, 0), 0);
    ASSERT_STREQ(b.data, "--B\r\nContent-Disposition: form-data; name=\"a%0D%0Ab%0D%0Ac%0D%0Ad%22e\"\r\n\r\n");
    b.len = 0;
    /* a file entry: the filename is escaped but not normalized; type as given */
    ASSERT_EQ(rt__mp_part_head(&b, "B", 1, "f", 1, "x\ry\nz\"\r\n.txt", 12, "text/plain", 10), 0);
    ASSERT_STREQ(b.data, "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x%0Dy%0Az%22%0D%0A.txt\"\r\nContent-Type: text/plain\r\n\r\n");
    b.len = 0;
    /* no type: application/octet-stream; an empty filename stays */
    ASSERT_EQ(rt__mp_part_head(&b, "B", 1, "", 0, "", 0, "", 0), 0);
    ASSERT_STREQ(b.data, "--B\r\nContent-Disposition: form-data; name=\"\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    b.len = 0;
    /* control bytes never reach the head */
    ASSERT_EQ(rt__mp_part_head(&b, "B", 1, "f", 1, "n", 1, "a/b\r\nX: y", 10), 0);
    ASSERT_STREQ(b.data, "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"n\"\r\nContent-Type: a/bX: y\r\n\r\n");
    b.len = 0;
    ASSERT_EQ(rt__mp_text(&b, "a\rb\nc\r\nd\n\re", 11), 0);
    ASSERT_EQ(b.len, 15);
    ASSERT_MEMEQ(b.data, "a\r\nb\r\nc\r\nd\r\n\r\ne", 15);
    b.len = 0;
    ASSERT_EQ(rt__mp_text(&b, "\r", 1), 0);
    ASSERT_EQ(b.len, 2);
    b.len = 0;
    ASSERT_EQ(rt__mp_text(&b, "", 0), 0);
    ASSERT_EQ(rt__mp_close(&b, "xyz", 3), 0);
    ASSERT_STREQ(b.data, "--xyz--\r\n");
    rt__buf_free(&b);
}

/* A body made by the encoder: three entries, one of them a file with bytes that look like
   delimiters without being one. */
static rt__buf make_body(const char *boundary)
{
    size_t bl = strlen(boundary);
    rt__buf b = {0};
    ASSERT(!rt__mp_part_head(&b, boundary, bl, "greeting", 8, NULL, 0, NULL, 0));
    ASSERT(!rt__mp_text(&b, "hello\nworld", 11));
    ASSERT(!rt__buf_append(&b, "\r\n", 2));
    ASSERT(!rt__mp_part_head(&b, boundary, bl, "q\"uote", 6, "a\nb.bin", 7, "Application/X", 13));
    static const char file[] = "--B not at a line start\r\n-B\r\n--\r\n\0binary";
    ASSERT(!rt__buf_append(&b, file, sizeof file - 1));
    ASSERT(!rt__buf_append(&b, "\r\n", 2));
    ASSERT(!rt__mp_part_head(&b, boundary, bl, "", 0, NULL, 0, NULL, 0));
    ASSERT(!rt__buf_append(&b, "\r\n", 2));
    ASSERT(!rt__mp_close(&b, boundary, bl));
    return b;
}

TEST(multipart_roundtrip_and_every_prefix)
{
    rt__buf b = make_body("BOUNDARY");
    seen s;
    memset(&s, 0, sizeof s);
    ASSERT_EQ(rt__mp_parse((const uint8_t *)b.data, b.len, "BOUNDARY", 8, on_part, &s), 0);
    ASSERT_EQ(s.parts, 3);
    static const char want[] = "greeting|-|-|hello\r\nworld\n"
                               "q\"uote|a\nb.bin|Application/X|--B not at a line start\r\n-B\r\n--\r\n\0binary\n"
                               "|-|-|\n";
    ASSERT_EQ(s.len, sizeof want - 1);
    ASSERT_MEMEQ(s.out, want, s.len);
    /* every prefix: only the whole body and the body without its last CR LF parse; the parts
       seen before the fault are a prefix of the parts of the whole */
    for (size_t k = 0; k < b.len; k++) {
        seen t;
        memset(&t, 0, sizeof t);
        guard g = guarded(b.data, k);
        int r = rt__mp_parse(g.p, k, "BOUNDARY", 8, on_part, &t);
        unguard(&g);
        if (k == b.len - 2) {
            ASSERT_EQ(r, 0);
            ASSERT_EQ(t.parts, 3);
        } else {
            ASSERT_EQ(r, RT_EINVAL);
        }
        ASSERT(t.len <= s.len && memcmp(t.out, s.out, t.len) == 0);
    }
    /* the wrong boundary, or one that is a prefix of the real one */
    memset(&s, 0, sizeof s);
    ASSERT_EQ(rt__mp_parse((const uint8_t *)b.data, b.len, "BOUNDARX", 8, on_part, &s), RT_EINVAL);
    ASSERT_EQ(rt__mp_parse((const uint8_t *)b.data, b.len, "BOUND", 5, on_part, &s), RT_EINVAL);
    ASSERT_EQ(s.parts, 0);
    rt__buf_free(&b);
}

TEST(multipart_parser_accepts_the_corners)
{
    seen s;
    /* an empty form */
    ASSERT_EQ(parse_str("--B--\r\n", "B", &s), 0);
    ASSERT_EQ(s.parts, 0);
    ASSERT_EQ(parse_str("--B--", "B", &s), 0);
    /* escapes undone (upper case only); UTF-8 bytes passed on as they are */
    ASSERT_EQ(parse_str("--B\r\nContent-Disposition: form-data; name=\"a%0Ab%0Dc%22d%0ae%2\"; filename=\"\xc3\xa9%22\"\r\n\r\nv\r\n--B--\r\n", "B", &s), 0);
    ASSERT_STREQ(s.out, "a\nb\rc\"d%0ae%2|\xc3\xa9\"|-|v\n");
    /* other headers ignored, header names case-insensitive and trimmed, the type's trailing
       whitespace dropped, an empty filename kept, the last Content-Disposition wins */
    ASSERT_EQ(parse_str("--B\r\nX-Other: whatever: x\r\n content-TYPE \t: text/x; a=b \t\r\n"
                        "CONTENT-DISPOSITION: form-data; name=\"old\"; filename=\"f\"\r\n"
                        "Content-Disposition: form-data; name=\"new\"; filename=\"\"\r\n\r\n"
                        "body\r\n--B--\r\n", "B", &s), 0);
    ASSERT_STREQ(s.out, "new||text/x; a=b|body\n");
    /* a Content-Type with nothing after the colon: present, empty */
    ASSERT_EQ(parse_str("--B\r\nContent-Type:\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n\r\n--B--\r\n", "B", &s), 0);
    ASSERT_STREQ(s.out, "n|-||\n");
    /* a body holding CR LF "--" and part of the boundary, or the boundary without CR LF */
    ASSERT_EQ(parse_str("--Bxy\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n\r\n--Bx\r\n--By--Bxy\r\n--Bxy--\r\n", "Bxy", &s), 0);
    ASSERT_STREQ(s.out, "n|-|-|\r\n--Bx\r\n--By--Bxy\n");
    /* the boundary's bytes are any bytes */
    ASSERT_EQ(parse_str("--a b\"c\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--a b\"c--\r\n", "a b\"c", &s), 0);
    ASSERT_EQ(s.parts, 1);
}

TEST(multipart_parser_refuses_malformed_bodies)
{
    static const char *const bad[] = {
        "",
        "--B",
        "--B\r\n",
        "preamble\r\n--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--B--\r\n",
        "\r\n--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--B--\r\n",
        "--C\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--C--\r\n",
        "--B \r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--B--\r\n",
        "--B\nContent-Disposition: form-data; name=\"n\"\n\nv\n--B--\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--B--\r\nepilogue",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--B--\r\n\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--B",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--B\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv--B--\r\n",
        "--B\r\n\r\nv\r\n--B--\r\n",                                   /* no name */
        "--B\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--\r\n",       /* no name */
        "--B\r\nContent-Disposition: attachment; name=\"n\"\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data;name=\"n\"\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: Form-Data; name=\"n\"\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=n\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"; filename=\"f\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"; size=3\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\nno colon\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\nbad name: x\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n: x\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\nX: a\rb\r\n\r\nv\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--Bx\r\n--B--\r\n",
        "--B\r\nContent-Disposition: form-data; name=\"n\"",
        "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n",
        NULL};
    for (int i = 0; bad[i]; i++) {
        seen s;
        int r = parse_str(bad[i], "B", &s);
        if (r != RT_EINVAL)
            fprintf(stderr, "case %d parsed (%d): %s\n", i, r, bad[i]);
        ASSERT_EQ(r, RT_EINVAL);
    }
}

TEST(multipart_callback_stops_the_parse)
{
    rt__buf b = make_body("xx");
    seen s;
    memset(&s, 0, sizeof s);
    s.stop_at = 2;
    ASSERT_EQ(rt__mp_parse((const uint8_t *)b.data, b.len, "xx", 2, on_part, &s), -99);
    ASSERT_EQ(s.parts, 2);
    rt__buf_free(&b);
}

TEST(multipart_allocation_failures)
{
    /* a long boundary (the delimiter is allocated) and names (scratch) */
    char boundary[100];
    memset(boundary, 'b', sizeof boundary - 1);
    boundary[sizeof boundary - 1] = 0;
    rt__buf b = make_body(boundary);
    int ok = 0;
    for (uint64_t k = 1; k < 50 && !ok; k++) {
        seen s;
        memset(&s, 0, sizeof s);
        rt__alloc_fail_after(k);
        int r = rt__mp_parse((const uint8_t *)b.data, b.len, boundary, strlen(boundary), on_part, &s);
        rt__alloc_fail_after(0);
        ASSERT(r == 0 || r == RT_ENOMEM);
        ok = r == 0;
    }
    ASSERT(ok);
    rt__buf_free(&b);
    /* the encoder */
    ok = 0;
    for (uint64_t k = 1; k < 50 && !ok; k++) {
        rt__buf e = {0};
        rt__alloc_fail_after(k);
        int r = rt__mp_part_head(&e, boundary, 99, "a\nb", 3, "f", 1, "t/t", 3);
        if (!r)
            r = rt__mp_text(&e, "x\ny", 3);
        if (!r)
            r = rt__mp_close(&e, boundary, 99);
        rt__alloc_fail_after(0);
        ASSERT(r == 0 || r == RT_ENOMEM);
        ok = r == 0;
        rt__buf_free(&e);
    }
    ASSERT(ok);
}

/* ---- MIME types ---- */

static char *ser(const char *in, int extract)
{
    rt__mime m;
    int r = extract ? rt__mime_extract(in, strlen(in), &m) : rt__mime_parse(in, strlen(in), &m);
    if (r == RT_EINVAL)
        return strdup("FAIL");
    ASSERT_EQ(r, 0);
    char *s;
    size_t n;
    ASSERT_EQ(rt__mime_serialize(&m, &s, &n), 0);
    ASSERT_EQ(n, strlen(s));
    char *d = strdup(s);
    rt__free(s);
    rt__mime_free(&m);
    return d;
}

static void expect(const char *in, int extract, const char *want)
{
    char *got = ser(in, extract);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "%s(\"%s\"): \"%s\", want \"%s\"\n", extract ? "extract" : "parse", in,
                got, want);
    ASSERT_STREQ(got, want);
    free(got);
}

TEST(mime_parse_and_serialize)
{
    expect("text/html", 0, "text/html");
    expect(" \t TEXT/Html \r\n", 0, "text/html");
    expect("text/html;charset=gbk", 0, "text/html;charset=gbk");
    expect("text/html ; CHARSET=GBK ; x", 0, "text/html;charset=GBK");
    expect("text/html;charset=\"a\\\"b\\\\c\\", 0, "text/html;charset=\"a\\\"b\\\\c\\\\\"");
    expect("a/b;x=\"1\"junk;y=2", 0, "a/b;x=1;y=2");
    expect("a/b;x=1;x=2;X=3", 0, "a/b;x=1");
    expect("a/b;x=;y", 0, "a/b");
    expect("a/b;x=\"\"", 0, "a/b;x=\"\"");
    expect("a/b;x=\"a b\"", 0, "a/b;x=\"a b\"");
    expect("a/b;x=a b", 0, "a/b;x=\"a b\"");
    expect("a/b;x=\xe9", 0, "a/b;x=\"\xe9\"");
    expect("a/b;x=\x7f", 0, "a/b");
    expect("a/b;x y=1;=2;z=3", 0, "a/b;z=3");
    expect("a/b;;;z=3", 0, "a/b;z=3");
    expect("multipart/form-data; boundary=----x", 0, "multipart/form-data;boundary=----x");
    expect("", 0, "FAIL");
    expect("text", 0, "FAIL");
    expect("text/", 0, "FAIL");
    expect("/html", 0, "FAIL");
    expect("te xt/html", 0, "FAIL");
    expect("text/ht ml", 0, "FAIL");
    expect("text/html ;", 0, "text/html");
    expect("t\xe9xt/html", 0, "FAIL");
    rt__mime m;
    ASSERT_EQ(rt__mime_parse("Multipart/Form-Data; Boundary=\"q;x\"", 35, &m), 0);
    ASSERT(rt__mime_is(&m, "multipart/form-data"));
    ASSERT(!rt__mime_is(&m, "multipart/form"));
    const char *v;
    size_t vl;
    ASSERT(rt__mime_param_get(&m, "boundary", &v, &vl));
    ASSERT_EQ(vl, 3);
    ASSERT_MEMEQ(v, "q;x", 3);
    ASSERT(!rt__mime_param_get(&m, "charset", &v, &vl));
    rt__mime_free(&m);
}

TEST(mime_extract_from_a_header_value)
{
    expect("text/plain, */*", 1, "text/plain");
    expect("*/*", 1, "FAIL");
    expect("", 1, "FAIL");
    expect(",,", 1, "FAIL");
    expect("bogus, text/plain", 1, "text/plain");
    expect("text/plain, bogus", 1, "text/plain");
    expect("text/html;charset=gbk, text/html", 1, "text/html;charset=gbk");
    expect("text/html;charset=gbk, text/html;x=1", 1, "text/html;x=1;charset=gbk");
    expect("text/html;charset=gbk, text/plain", 1, "text/plain");
    expect("text/html;charset=gbk, text/plain, text/html", 1, "text/html");
    expect("text/html;charset=gbk, */*, text/html", 1, "text/html;charset=gbk");
    expect("multipart/form-data; boundary=\"a,b\"", 1, "multipart/form-data;boundary=\"a,b\"");
    expect("a/b;x=\"a\\\",b\", c/d", 1, "c/d");
    expect(" a/b ,\tc/d;e=f\t", 1, "c/d;e=f");
    /* every allocation may fail */
    int ok = 0;
    for (uint64_t k = 1; k < 80 && !ok; k++) {
        rt__mime m;
        static const char v[] = "text/html;charset=gbk, text/html;a=b;c=\"d e\", text/html";
        rt__alloc_fail_after(k);
        int r = rt__mime_extract(v, sizeof v - 1, &m);
        char *s = NULL;
        size_t n;
        if (!r)
            r = rt__mime_serialize(&m, &s, &n);
        rt__alloc_fail_after(0);
        ASSERT(r == 0 || r == RT_ENOMEM);
        if (!r) {
            ASSERT_STREQ(s, "text/html;charset=gbk");
            ok = 1;
        }
        rt__free(s);
        rt__mime_free(&m);
    }
    ASSERT(ok);
}
