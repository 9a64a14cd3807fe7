/*
 * test-url.c - the URL parser of lib/net/url.c and url_host.c, from the URL standard's
 * text: each parser state (scheme, no scheme, relative, authority, host, port, file, file
 * slash, file host, path start, path, opaque path, query, fragment), the setters' state
 * overrides, IPv4 in every numeric form, IPv6 parse and serialisation, IDNA (UTS #46 through
 * libidn2), Punycode, origins, the form-urlencoded parser and serialiser, fetch's view, and
 * every allocation failure along the way (rt__alloc_fail_after).
 */
#include <string.h>

#include "runtime.h"
#include "net.h"
#include "url.h"
#include "url_internal.h"
#include "test.h"

/* Parse input against base (NULL: none) and return the href, or "FAIL"; the result lives
   in a static buffer. */
static const char *href(const char *input, const char *base)
{
    static char out[4096];
    rt__url b, u;
    if (base) {
        if (rt__url_parse(base, strlen(base), NULL, &b) != 0)
            return "BADBASE";
    }
    int rc = rt__url_parse(input, strlen(input), base ? &b : NULL, &u);
    if (base)
        rt__url_free(&b);
    if (rc == RT_EINVALID_URL)
        return "FAIL";
    ASSERT_EQ(rc, 0);
    ASSERT(strlen(u.href) == u.href_len);
    snprintf(out, sizeof out, "%s", u.href);
    /* the serialisation is a fixed point of the parser */
    rt__url again;
    ASSERT_EQ(rt__url_parse(u.href, u.href_len, NULL, &again), 0);
    ASSERT_STREQ(again.href, u.href);
    rt__url_free(&again);
    rt__url_free(&u);
    return out;
}

static char *span(rt__url_span s)
{
    static char bufs[4][1024];
    static int k;
    char *b = bufs[k++ & 3];
    snprintf(b, 1024, "%.*s", (int)s.n, s.p);
    return b;
}

TEST(url_parse_basics)
{
    ASSERT_STREQ(href("HTTP://User:Pa ss@EXAMPLE.com:80/a/./b/../c?x=1 2#f r", NULL),
                 "http://User:Pa%20ss@example.com/a/c?x=1%202#f%20r");
    ASSERT_STREQ(href("  \t http://ex\tample.com/\n  ", NULL), "http://example.com/");
    ASSERT_STREQ(href("https://example.com:443/", NULL), "https://example.com/");
    ASSERT_STREQ(href("https://example.com:0080/", NULL), "https://example.com:80/");
    ASSERT_STREQ(href("ws://h:80/", NULL), "ws://h/");
    ASSERT_STREQ(href("ftp://h:21/", NULL), "ftp://h/");
    ASSERT_STREQ(href("http://h/%7Efoo/%zz", NULL), "http://h/%7Efoo/%zz");
    ASSERT_STREQ(href("http://h/a?'b'", NULL), "http://h/a?%27b%27");
    ASSERT_STREQ(href("sc://h/a?'b'", NULL), "sc://h/a?'b'");
    ASSERT_STREQ(href("http://h/^`{}|", NULL), "http://h/%5E%60%7B%7D|");
    ASSERT_STREQ(href("http://h/#`", NULL), "http://h/#%60");
    ASSERT_STREQ(href("http://@@@h", NULL), "http://%40%40@h/");
    ASSERT_STREQ(href("http://a:b:c@h", NULL), "http://a:b%3Ac@h/");
    ASSERT_STREQ(href("http:\\\\h\\a\\b", NULL), "http://h/a/b");
    ASSERT_STREQ(href("http://h/\xc3\xa9?\xc3\xa9#\xc3\xa9", NULL),
                 "http://h/%C3%A9?%C3%A9#%C3%A9");
    /* invalid UTF-8 is taken as U+FFFD */
    ASSERT_STREQ(href("http://h/\xff", NULL), "http://h/%EF%BF%BD");
    ASSERT_STREQ(href("http://h/%2e/%2E%2e/x", NULL), "http://h/x");
    ASSERT_STREQ(href("http://h/a/.%2e", NULL), "http://h/");
    ASSERT_STREQ(href("http://h/a/..b", NULL), "http://h/a/..b");
}

TEST(url_parse_failures)
{
    const char *bad[] = {"", "not a url", "http://", "http://a b/", "http://[::1", "http://[::1]x",
                         "http://h:65536/", "http://h:-1/", "http://h:1a/", "http://user@/p",
                         "sc://@/", "sc://:12/", "sc://:/", "data://:443", "sc://a b/",
                         "sc://a^b", "http://a%b/", "http://%zz/", "http://a<b/",
                         "http://\xef\xbf\xbd/", "http://%ef%bf%bd/", "http://\xc2\xad/",
                         "http://xn--/", "http://1.2.3.256/", "http://0x100000000/",
                         "http://1.2.3.4.5/", "http://foo.0x4/", "file://h:1/", "file://%/",
                         "non-special://[:80/", "http://0..0x300/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strcmp(href(bad[i], NULL), "FAIL") != 0) {
            fprintf(stderr, "parsed: %s -> %s\n", bad[i], href(bad[i], NULL));
            ASSERT(0);
        }
    }
    /* relative inputs need a base that is not an opaque path */
    ASSERT_STREQ(href("x", NULL), "FAIL");
    ASSERT_STREQ(href("x", "mailto:a@b"), "FAIL");
    ASSERT_STREQ(href("#f", "mailto:a@b"), "mailto:a@b#f");
}

TEST(url_relative)
{
    const char *base = "http://u:p@h.example:8080/a/b/c?q#f";
    ASSERT_STREQ(href("", base), "http://u:p@h.example:8080/a/b/c?q");
    ASSERT_STREQ(href("d", base), "http://u:p@h.example:8080/a/b/d");
    ASSERT_STREQ(href("../d", base), "http://u:p@h.example:8080/a/d");
    ASSERT_STREQ(href("../../../../d", base), "http://u:p@h.example:8080/d");
    ASSERT_STREQ(href("/d", base), "http://u:p@h.example:8080/d");
    ASSERT_STREQ(href("\\d", base), "http://u:p@h.example:8080/d");
    ASSERT_STREQ(href("?z", base), "http://u:p@h.example:8080/a/b/c?z");
    ASSERT_STREQ(href("#z", base), "http://u:p@h.example:8080/a/b/c?q#z");
    ASSERT_STREQ(href("//o/x", base), "http://o/x");
    ASSERT_STREQ(href("///o/x", base), "http://o/x");
    ASSERT_STREQ(href("http:d", base), "http://u:p@h.example:8080/a/b/d");
    ASSERT_STREQ(href("https:d", base), "https://d/");
    ASSERT_STREQ(href("sc:d", base), "sc:d");
    ASSERT_STREQ(href("d", "sc://h/a/b"), "sc://h/a/d");
    ASSERT_STREQ(href("../d", "sc:/a/b"), "sc:/d");
    ASSERT_STREQ(href("//h2", "sc://h/a"), "sc://h2");
    ASSERT_STREQ(href("\\x", "sc://h/a"), "sc://h/\\x");
}

TEST(url_non_special)
{
    ASSERT_STREQ(href("sc://x", NULL), "sc://x");
    ASSERT_STREQ(href("sc://", NULL), "sc://");
    ASSERT_STREQ(href("sc:///p", NULL), "sc:///p");
    ASSERT_STREQ(href("sc://H%41st:12/p", NULL), "sc://H%41st:12/p");
    ASSERT_STREQ(href("sc://\xc3\xb1/", NULL), "sc://%C3%B1/");
    ASSERT_STREQ(href("sc://[1:0::]/", NULL), "sc://[1::]/");
    ASSERT_STREQ(href("sc:/a/../../b", NULL), "sc:/b");
    ASSERT_STREQ(href("sc:/.//p", NULL), "sc:/.//p");       /* "/." guard in the href */
    ASSERT_STREQ(href("sc:/..//p", NULL), "sc:/.//p");
    ASSERT_STREQ(href("mailto:a@b c", NULL), "mailto:a@b c");
    ASSERT_STREQ(href("data:x \x01\xc3\xa9", NULL), "data:x %01%C3%A9");
    /* an opaque path keeps no literal space in front of '?' or '#' */
    ASSERT_STREQ(href("data:a  ?q", NULL), "data:a %20?q");
    ASSERT_STREQ(href("data:a  #f", NULL), "data:a %20#f");
    ASSERT_STREQ(href("javascript:alert(1)", NULL), "javascript:alert(1)");
}

TEST(url_file_states)
{
    /* file state, file slash state, file host state */
    ASSERT_STREQ(href("file:///foo", NULL), "file:///foo");
    ASSERT_STREQ(href("file:foo", NULL), "file:///foo");
    ASSERT_STREQ(href("file:", NULL), "file:///");
    ASSERT_STREQ(href("file:/foo", NULL), "file:///foo");
    ASSERT_STREQ(href("file://localhost/foo", NULL), "file:///foo");
    ASSERT_STREQ(href("file://LOCALHOST/foo", NULL), "file:///foo");
    ASSERT_STREQ(href("file://h/foo", NULL), "file://h/foo");
    ASSERT_STREQ(href("file://h", NULL), "file://h/");
    ASSERT_STREQ(href("file:\\\\h\\foo", NULL), "file://h/foo");
    ASSERT_STREQ(href("file:c:\\foo", NULL), "file:///c:/foo");
    ASSERT_STREQ(href("file://C|/foo", NULL), "file:///C:/foo");
    ASSERT_STREQ(href("file:///C|/foo", NULL), "file:///C:/foo");
    ASSERT_STREQ(href("file:///C%7C/", NULL), "file:///C%7C/");
    ASSERT_STREQ(href("file:///w|m", NULL), "file:///w|m");
    ASSERT_STREQ(href("file://1.2.3.4/C:/", NULL), "file://1.2.3.4/C:/");
    ASSERT_STREQ(href("file:?q", NULL), "file:///?q");
    ASSERT_STREQ(href("file:#f", NULL), "file:///#f");
    ASSERT_STREQ(href("file:///C:/..", NULL), "file:///C:/");
    /* against a file base */
    ASSERT_STREQ(href("x", "file:///C:/a/b"), "file:///C:/a/x");
    ASSERT_STREQ(href("/x", "file:///C:/a/b"), "file:///C:/x");
    ASSERT_STREQ(href("//d:", "file:///C:/a/b"), "file:///d:");
    ASSERT_STREQ(href("..", "file:///C:/"), "file:///C:/");
    ASSERT_STREQ(href("C|", "file://host/dir/file"), "file://host/C:");
    ASSERT_STREQ(href("C|a", "file://host/dir/file"), "file://host/dir/C|a");
    ASSERT_STREQ(href("", "file:///t?q#f"), "file:///t?q");
    ASSERT_STREQ(href("file:", "file:///t?q#f"), "file:///t?q");
    ASSERT_STREQ(href("?x", "file:///t?q#f"), "file:///t?x");
    ASSERT_STREQ(href("//h/x", "file:///t"), "file://h/x");
    ASSERT_STREQ(href("/x", "file://h/a"), "file://h/x");
    ASSERT_STREQ(href("file:..", "http://h/a"), "file:///");
    /* file: origins are opaque */
    rt__url u;
    char *o;
    ASSERT_EQ(rt__url_parse("file:///x", 9, NULL, &u), 0);
    ASSERT_EQ(rt__url_origin(&u, &o, NULL), 0);
    ASSERT_STREQ(o, "null");
    rt__free(o);
    ASSERT_STREQ(span(rt__url_host(&u)), "");
    ASSERT_EQ(u.host_type, RT_URL_HOST_EMPTY);
    rt__url_free(&u);
}

TEST(url_ipv4)
{
    ASSERT_STREQ(href("http://127.1/", NULL), "http://127.0.0.1/");
    ASSERT_STREQ(href("http://0x7f.1/", NULL), "http://127.0.0.1/");
    ASSERT_STREQ(href("http://2130706433/", NULL), "http://127.0.0.1/");
    ASSERT_STREQ(href("http://0300.0250.0.1/", NULL), "http://192.168.0.1/");
    ASSERT_STREQ(href("http://0xC0.0xA8.0x00.0x01./", NULL), "http://192.168.0.1/");
    ASSERT_STREQ(href("http://4294967295/", NULL), "http://255.255.255.255/");
    ASSERT_STREQ(href("http://0x/", NULL), "http://0.0.0.0/");
    ASSERT_STREQ(href("http://1.2.3.0x/", NULL), "http://1.2.3.0/");
    ASSERT_STREQ(href("http://%31%32%37.1/", NULL), "http://127.0.0.1/");
    ASSERT_STREQ(href("http://\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.1/", NULL), "http://127.0.0.1/");
    ASSERT_STREQ(href("http://4294967296/", NULL), "FAIL");
    ASSERT_STREQ(href("http://1.256.1.1/", NULL), "FAIL");
    ASSERT_STREQ(href("http://1.2.3.09/", NULL), "FAIL");
    ASSERT_STREQ(href("http://99999999999999999999999/", NULL), "FAIL");
    /* not ending in a number: a domain */
    ASSERT_STREQ(href("http://1.2.3.4.com/", NULL), "http://1.2.3.4.com/");
    ASSERT_STREQ(href("http://0x7f.0.0.0x7g/", NULL), "http://0x7f.0.0.0x7g/");
    ASSERT_STREQ(href("http://foo.09../", NULL), "http://foo.09../");
    rt__url u;
    ASSERT_EQ(rt__url_parse("http://127.1/", 13, NULL, &u), 0);
    ASSERT_EQ(u.host_type, RT_URL_HOST_IPV4);
    rt__url_free(&u);
}

TEST(url_ipv6)
{
    ASSERT_STREQ(href("http://[::1]:8080/", NULL), "http://[::1]:8080/");
    ASSERT_STREQ(href("http://[0:0:0:0:0:0:0:1]/", NULL), "http://[::1]/");
    ASSERT_STREQ(href("http://[2001:DB8:0:0:1:0:0:1]/", NULL), "http://[2001:db8::1:0:0:1]/");
    ASSERT_STREQ(href("http://[1:0:1:0:1:0:1:0]/", NULL), "http://[1:0:1:0:1:0:1:0]/");
    ASSERT_STREQ(href("http://[::]/", NULL), "http://[::]/");
    ASSERT_STREQ(href("http://[1::]/", NULL), "http://[1::]/");
    ASSERT_STREQ(href("http://[::ffff:192.168.0.1]/", NULL), "http://[::ffff:c0a8:1]/");
    ASSERT_STREQ(href("http://[0:0:0:0:0:0:13.1.68.3]/", NULL), "http://[::d01:4403]/");
    const char *bad[] = {"http://[]/", "http://[:]/", "http://[1:2:3:4:5:6:7:8:9]/",
                         "http://[::1::]/", "http://[1:2:3:4:5:6:7]/", "http://[::1.2.3]/",
                         "http://[::1.2.3.4.5]/", "http://[::01.2.3.4]/", "http://[::256.1.1.1]/",
                         "http://[12345::]/", "http://[1:]/", "http://[:1]/", "http://[::%31]/",
                         "http://[1:2:3:4:5:6:7:1.2.3.4]/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_STREQ(href(bad[i], NULL), "FAIL");
}

static const char *ascii(const char *in)
{
    static char out[1024];
    char *o;
    size_t n;
    int rc = rt__url_domain_to_ascii(in, strlen(in), &o, &n);
    if (rc == RT_EINVALID_URL)
        return "FAIL";
    ASSERT_EQ(rc, 0);
    snprintf(out, sizeof out, "%s", o);
    rt__free(o);
    return out;
}

TEST(url_idna)
{
    ASSERT_STREQ(ascii("EXAMPLE.com"), "example.com");
    ASSERT_STREQ(ascii("fa\xc3\x9f.de"), "xn--fa-hia.de");          /* ß stays (nontransitional) */
    ASSERT_STREQ(ascii("FA\xe1\xba\x9e.de"), "xn--fa-hia.de");      /* ẞ maps to ß */
    ASSERT_STREQ(ascii("\xe2\x98\x95"), "xn--53h");                 /* ☕: no IDNA2008 rules */
    ASSERT_STREQ(ascii("a\xe2\x80\xa0--"), "xn--a---kp0a");         /* CheckHyphens=false */
    ASSERT_STREQ(ascii("-\xe2\x80\xa0"), "xn----xhn");
    ASSERT_STREQ(ascii("\xe2\x89\xa0"), "xn--1ch");                 /* ≠: UseSTD3ASCIIRules=false */
    ASSERT_STREQ(ascii("a\xc2\xad" "b"), "ab");                     /* ignored code point */
    ASSERT_STREQ(ascii("\xc2\xad"), "FAIL");                        /* empty result */
    ASSERT_STREQ(ascii("\xef\xbc\xa7\xef\xbd\x8f.com"), "go.com");  /* fullwidth mapped */
    ASSERT_STREQ(ascii("www.foo\xe3\x80\x82" "bar.com"), "www.foo.bar.com");
    ASSERT_STREQ(ascii("\xe4\xbd\xa0\xe5\xa5\xbd"), "xn--6qq79v");
    ASSERT_STREQ(ascii("xn--zca.XN--ZCA"), "xn--zca.xn--zca");
    ASSERT_STREQ(ascii("xn--a"), "FAIL");                           /* bad Punycode */
    ASSERT_STREQ(ascii("xn--"), "FAIL");                            /* empty label */
    ASSERT_STREQ(ascii("xn--abc-"), "FAIL");                        /* decodes to ASCII only */
    ASSERT_STREQ(ascii("xn--te\xc5\xa1la"), "FAIL");                /* non-ASCII after xn-- */
    ASSERT_STREQ(ascii("xn--zn7c.com"), "FAIL");                    /* U+FFFD encoded */
    ASSERT_STREQ(ascii("\xef\xbf\xbd.com"), "FAIL");
    ASSERT_STREQ(ascii("\xe2\x80\x8d.example"), "FAIL");            /* CheckJoiners: ZWJ */
    ASSERT_STREQ(ascii("xn--1ug.example"), "FAIL");
    /* ZWNJ after a virama is allowed */
    ASSERT_STREQ(ascii("\xe0\xb7\x81\xe0\xb7\x8a\xe2\x80\x8d\xe0\xb6\xbb\xe0\xb7\x93"),
                 "xn--10cl1a0b660p");
    ASSERT_STREQ(ascii("\xd9\x8a" "a"), "FAIL");                    /* CheckBidi: RTL then L */
    ASSERT_STREQ(ascii("\xd9\x8a."), "xn--mhb.");
    ASSERT_STREQ(ascii("1.\xd9\x8a"), "1.xn--mhb");
    ASSERT_STREQ(ascii("0\xc3\xa0.\xd7\x90"), "FAIL");             /* non-ASCII label starting with a digit in a Bidi domain (B1) */
    ASSERT_STREQ(ascii("0a.\xd7\x90"), "0a.xn--4db");               /* all-ASCII label: left alone (toascii.json) */
    ASSERT_STREQ(ascii("\xcc\x81x"), "FAIL");                       /* leading combining mark */
    ASSERT_STREQ(ascii("a b"), "FAIL");                             /* forbidden domain code point */
    ASSERT_STREQ(ascii("a\xe3\x80\x80" "b"), "FAIL");               /* U+3000 maps to a space */
    ASSERT_STREQ(ascii("a%b"), "FAIL");
    /* VerifyDnsLength=false: long labels and names pass */
    char longl[300];
    memset(longl, 'x', 200);
    strcpy(longl + 200, "\xe2\x80\xa0");
    const char *r = ascii(longl);
    ASSERT(strncmp(r, "xn--", 4) == 0 && strlen(r) > 200);
}

TEST(url_punycode)
{
    uint32_t out[64];
    size_t n;
    ASSERT_EQ(rt__url_puny_decode("fa-hia", 6, out, &n), 0);
    ASSERT_EQ(n, 3);
    ASSERT_EQ(out[0], 'f');
    ASSERT_EQ(out[1], 'a');
    ASSERT_EQ(out[2], 0xdf);
    ASSERT_EQ(rt__url_puny_decode("53h", 3, out, &n), 0);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(out[0], 0x2615);
    ASSERT(rt__url_puny_decode("a!", 2, out, &n) < 0);
    ASSERT(rt__url_puny_decode("zzzzzzzzzzzzzzz", 15, out, &n) < 0);  /* overflow */
    ASSERT(rt__url_puny_decode("a-\xc3\xa9", 4, out, &n) < 0);
}

/* Apply a setter to a parsed URL and return the href. */
static const char *after(const char *start, int (*fn)(rt__url *, const char *, size_t),
                         const char *v)
{
    static char out[2048];
    rt__url u;
    ASSERT_EQ(rt__url_parse(start, strlen(start), NULL, &u), 0);
    ASSERT_EQ(fn(&u, v, strlen(v)), 0);
    snprintf(out, sizeof out, "%s", u.href);
    rt__url again;
    ASSERT_EQ(rt__url_parse(u.href, u.href_len, NULL, &again), 0);
    ASSERT_STREQ(again.href, u.href);
    rt__url_free(&again);
    rt__url_free(&u);
    return out;
}

TEST(url_setters)
{
    /* protocol: special <-> non-special switches are refused, file needs no credentials */
    ASSERT_STREQ(after("http://h/", rt__url_set_protocol, "https"), "https://h/");
    ASSERT_STREQ(after("http://h:443/", rt__url_set_protocol, "https:x"), "https://h/");
    ASSERT_STREQ(after("http://h/", rt__url_set_protocol, "sc"), "http://h/");
    ASSERT_STREQ(after("sc://h/", rt__url_set_protocol, "http"), "sc://h/");
    ASSERT_STREQ(after("http://u@h/", rt__url_set_protocol, "file"), "http://u@h/");
    ASSERT_STREQ(after("file:///x", rt__url_set_protocol, "http"), "file:///x");
    ASSERT_STREQ(after("http://h/", rt__url_set_protocol, "h\tt\ntps\r"), "https://h/");
    ASSERT_STREQ(after("http://h/", rt__url_set_protocol, "0x"), "http://h/");
    /* username / password */
    ASSERT_STREQ(after("http://h/", rt__url_set_username, "a b:@"), "http://a%20b%3A%40@h/");
    ASSERT_STREQ(after("http://h/", rt__url_set_password, "p\t"), "http://:p%09@h/");
    ASSERT_STREQ(after("file:///x", rt__url_set_username, "u"), "file:///x");
    ASSERT_STREQ(after("sc:///x", rt__url_set_username, "u"), "sc:///x");
    ASSERT_STREQ(after("mailto:a", rt__url_set_password, "p"), "mailto:a");
    /* host: a port in the value is taken, tabs and newlines are stripped */
    ASSERT_STREQ(after("http://h/p", rt__url_set_host, "x.example:81"), "http://x.example:81/p");
    ASSERT_STREQ(after("http://h:81/p", rt__url_set_host, "x"), "http://x:81/p");
    ASSERT_STREQ(after("http://h/p", rt__url_set_host, "fo\to\n"), "http://foo/p");
    ASSERT_STREQ(after("http://h/p", rt__url_set_host, "x@x"), "http://h/p");
    ASSERT_STREQ(after("http://h/p", rt__url_set_host, "///bad.com"), "http://h/p");
    ASSERT_STREQ(after("http://h/p", rt__url_set_host, ""), "http://h/p");
    ASSERT_STREQ(after("http://h/p", rt__url_set_host, "x:65536"), "http://x/p");
    ASSERT_STREQ(after("sc://h/p", rt__url_set_host, ""), "sc:///p");
    ASSERT_STREQ(after("sc://u@h/p", rt__url_set_host, ""), "sc://u@h/p");
    ASSERT_STREQ(after("sc://h:1/p", rt__url_set_host, ""), "sc://h:1/p");
    ASSERT_STREQ(after("file://h/p", rt__url_set_host, ""), "file:///p");
    ASSERT_STREQ(after("file://h/p", rt__url_set_host, "localhost"), "file:///p");
    ASSERT_STREQ(after("file://h/p", rt__url_set_host, "x:1"), "file://h/p");
    ASSERT_STREQ(after("mailto:a", rt__url_set_host, "h"), "mailto:a");
    ASSERT_STREQ(after("sc:/p", rt__url_set_host, "h"), "sc://h/p");
    ASSERT_STREQ(after("http://h/", rt__url_set_host, "\xe2\x98\x95"), "http://xn--53h/");
    /* hostname: a ':' refuses the whole value */
    ASSERT_STREQ(after("http://h/p", rt__url_set_hostname, "x:81"), "http://h/p");
    ASSERT_STREQ(after("http://h:81/p", rt__url_set_hostname, "[::1]"), "http://[::1]:81/p");
    ASSERT_STREQ(after("sc:/.//p", rt__url_set_hostname, "h"), "sc://h//p");
    /* port */
    ASSERT_STREQ(after("http://h/", rt__url_set_port, "8080stuff"), "http://h:8080/");
    ASSERT_STREQ(after("http://h:1/", rt__url_set_port, ""), "http://h/");
    ASSERT_STREQ(after("http://h:1/", rt__url_set_port, "80"), "http://h/");
    ASSERT_STREQ(after("http://h:1/", rt__url_set_port, "x"), "http://h:1/");
    ASSERT_STREQ(after("http://h:1/", rt__url_set_port, "65536"), "http://h:1/");
    ASSERT_STREQ(after("http://h/", rt__url_set_port, "\t81"), "http://h:81/");
    ASSERT_STREQ(after("file://h/", rt__url_set_port, "1"), "file://h/");
    /* pathname */
    ASSERT_STREQ(after("http://h/a?q#f", rt__url_set_pathname, "b/../c d?#"), "http://h/c%20d%3F%23?q#f");
    ASSERT_STREQ(after("http://h/a", rt__url_set_pathname, ""), "http://h/");
    ASSERT_STREQ(after("sc://h/a", rt__url_set_pathname, ""), "sc://h");
    ASSERT_STREQ(after("sc:/a", rt__url_set_pathname, ""), "sc:/");
    ASSERT_STREQ(after("sc:/", rt__url_set_pathname, "//p"), "sc:/.//p");
    ASSERT_STREQ(after("mailto:a", rt__url_set_pathname, "/b"), "mailto:a");
    ASSERT_STREQ(after("file:///a", rt__url_set_pathname, "C|/x"), "file:///C:/x");
    /* search and hash: a leading '?'/'#' is dropped, the empty string removes */
    ASSERT_STREQ(after("http://h/?a#f", rt__url_set_search, "?"), "http://h/?#f");
    ASSERT_STREQ(after("http://h/?a#f", rt__url_set_search, ""), "http://h/#f");
    ASSERT_STREQ(after("http://h/", rt__url_set_search, "??a b'"), "http://h/??a%20b%27");
    ASSERT_STREQ(after("http://h/", rt__url_set_search, "#x"), "http://h/?%23x");
    ASSERT_STREQ(after("http://h/#f", rt__url_set_hash, "#"), "http://h/#");
    ASSERT_STREQ(after("http://h/#f", rt__url_set_hash, ""), "http://h/");
    ASSERT_STREQ(after("http://h/", rt__url_set_hash, "##a `b"), "http://h/##a%20%60b");
    ASSERT_STREQ(after("data:a ?q", rt__url_set_search, ""), "data:a%20");
    /* href */
    ASSERT_STREQ(after("http://h/", rt__url_set_href, "sc:x"), "sc:x");
    rt__url u;
    ASSERT_EQ(rt__url_parse("http://h/", 9, NULL, &u), 0);
    ASSERT_EQ(rt__url_set_href(&u, "nope", 4), RT_EINVALID_URL);
    ASSERT_STREQ(u.href, "http://h/");
    ASSERT_EQ(rt__url_set_query_raw(&u, "a=1", 3), 0);
    ASSERT_STREQ(u.href, "http://h/?a=1");
    ASSERT_EQ(rt__url_set_query_raw(&u, NULL, 0), 0);
    ASSERT_STREQ(u.href, "http://h/");
    rt__url_free(&u);
}

TEST(url_getters_origin_fetch)
{
    rt__url u;
    const char *s = "https://us:pw@[::1]:8443/p/q?x=1#frag";
    ASSERT_EQ(rt__url_parse(s, strlen(s), NULL, &u), 0);
    ASSERT_STREQ(span(rt__url_protocol(&u)), "https:");
    ASSERT_STREQ(span(rt__url_username(&u)), "us");
    ASSERT_STREQ(span(rt__url_password(&u)), "pw");
    ASSERT_STREQ(span(rt__url_host(&u)), "[::1]:8443");
    ASSERT_STREQ(span(rt__url_hostname(&u)), "[::1]");
    ASSERT_STREQ(span(rt__url_port(&u)), "8443");
    ASSERT_STREQ(span(rt__url_pathname(&u)), "/p/q");
    ASSERT_STREQ(span(rt__url_search(&u)), "?x=1");
    ASSERT_STREQ(span(rt__url_hash(&u)), "#frag");
    ASSERT_STREQ(span(rt__url_connect_host(&u)), "::1");
    ASSERT_EQ(rt__url_connect_port(&u), 8443);
    ASSERT_STREQ(span(rt__url_request_target(&u)), "/p/q?x=1");
    ASSERT_STREQ(span(rt__url_host_header(&u)), "[::1]:8443");
    ASSERT_EQ(rt__url_scheme_id(&u), RT_URL_SCHEME_HTTPS);
    char *o;
    size_t on;
    ASSERT_EQ(rt__url_origin(&u, &o, &on), 0);
    ASSERT_STREQ(o, "https://[::1]:8443");
    ASSERT_EQ(on, strlen(o));
    rt__free(o);
    rt__url_free(&u);
    ASSERT_EQ(rt__url_parse("http://h", 8, NULL, &u), 0);
    ASSERT_EQ(rt__url_connect_port(&u), 80);
    ASSERT_STREQ(span(rt__url_request_target(&u)), "/");
    ASSERT_STREQ(span(rt__url_search(&u)), "");
    rt__url_free(&u);
    const char *origins[][2] = {{"blob:https://a.b:443/x", "https://a.b"},
                                {"blob:http://a.b:81/", "http://a.b:81"},
                                {"blob:ftp://a/", "null"},
                                {"blob:blob:https://a/", "null"},
                                {"blob:d3958f5c-0777", "null"},
                                {"ws://h:80/", "ws://h"},
                                {"sc://h/", "null"},
                                {"data:x", "null"}};
    for (size_t i = 0; i < sizeof origins / sizeof origins[0]; i++) {
        ASSERT_EQ(rt__url_parse(origins[i][0], strlen(origins[i][0]), NULL, &u), 0);
        ASSERT_EQ(rt__url_origin(&u, &o, NULL), 0);
        ASSERT_STREQ(o, origins[i][1]);
        rt__free(o);
        rt__url_free(&u);
    }
}

TEST(url_form_urlencoded)
{
    rt__url_pairs l = {0};
    const char *in = "a=1&&b=x+y%20z&c&=v&%zz=%ff&d=%E2%82%AC&e==&\xff=1";
    ASSERT_EQ(rt__url_form_parse(in, strlen(in), &l), 0);
    ASSERT_EQ(l.n, 8);
    ASSERT_STREQ(l.v[0].name, "a");
    ASSERT_STREQ(l.v[0].value, "1");
    ASSERT_STREQ(l.v[1].value, "x y z");
    ASSERT_STREQ(l.v[2].name, "c");
    ASSERT_STREQ(l.v[2].value, "");
    ASSERT_STREQ(l.v[3].name, "");
    ASSERT_STREQ(l.v[3].value, "v");
    ASSERT_STREQ(l.v[4].name, "%zz");
    ASSERT_STREQ(l.v[4].value, "\xef\xbf\xbd");                  /* invalid UTF-8: U+FFFD */
    ASSERT_STREQ(l.v[5].value, "\xe2\x82\xac");
    ASSERT_STREQ(l.v[6].value, "=");
    ASSERT_STREQ(l.v[7].name, "\xef\xbf\xbd");
    char *s;
    size_t n;
    ASSERT_EQ(rt__url_form_serialize(&l, &s, &n), 0);
    ASSERT_STREQ(s, "a=1&b=x+y+z&c=&=v&%25zz=%EF%BF%BD&d=%E2%82%AC&e=%3D&%EF%BF%BD=1");
    ASSERT_EQ(n, strlen(s));
    rt__free(s);
    rt__url_pairs_free(&l);
    ASSERT_EQ(rt__url_pairs_add(&l, "*-._~!'()", 9, "a b+&=", 6), 0);
    ASSERT_EQ(rt__url_form_serialize(&l, &s, &n), 0);
    ASSERT_STREQ(s, "*-._%7E%21%27%28%29=a+b%2B%26%3D");
    rt__free(s);
    rt__url_pairs_free(&l);
    ASSERT_EQ(rt__url_form_serialize(&l, &s, &n), 0);         /* empty list */
    ASSERT_STREQ(s, "");
    ASSERT_EQ(n, 0);
    rt__free(s);
}

/* Every allocation of a parse, the setters and the form codec fails once in turn: each
   returns RT_ENOMEM or succeeds, never crashes, and nothing leaks. */
TEST(url_alloc_failures)
{
    uint64_t live0, allocs0, total;
    rt__alloc_counters(&live0, &allocs0, &total);
    int failures = 0;
    for (uint64_t k = 1; k < 400; k++) {
        rt__url b, u;
        const char *base = "https://u:p@xn--fa-hia.example:8443/a/b?q#f";
        const char *in = "../\xe2\x98\x95/c d?x=\xc3\xa9#\xe2\x80\xa0";
        rt__alloc_fail_after(k);
        int rc = rt__url_parse(base, strlen(base), NULL, &b);
        if (rc == 0) {
            rc = rt__url_parse(in, strlen(in), &b, &u);
            if (rc == 0) {
                int r2 = rt__url_set_host(&u, "\xe4\xbd\xa0\xe5\xa5\xbd:81", 9);
                ASSERT(r2 == 0 || r2 == RT_ENOMEM);
                r2 = rt__url_set_search(&u, "a=1", 3);
                ASSERT(r2 == 0 || r2 == RT_ENOMEM);
                char *o = NULL;
                r2 = rt__url_origin(&u, &o, NULL);
                ASSERT(r2 == 0 || r2 == RT_ENOMEM);
                rt__free(o);
                rt__url_free(&u);
            } else {
                ASSERT_EQ(rc, RT_ENOMEM);
                failures++;
            }
            rt__url_free(&b);
        } else {
            ASSERT_EQ(rc, RT_ENOMEM);
            failures++;
        }
        rt__url_pairs l = {0};
        rc = rt__url_form_parse("a=1&b=%C3%A9&c", 14, &l);
        ASSERT(rc == 0 || rc == RT_ENOMEM);
        char *s = NULL;
        if (rc == 0) {
            rc = rt__url_form_serialize(&l, &s, NULL);
            ASSERT(rc == 0 || rc == RT_ENOMEM);
            rt__free(s);
        }
        rt__url_pairs_free(&l);
        rt__alloc_fail_after(0);
    }
    ASSERT(failures > 10);                 /* the injector did reach the parser */
    uint64_t live1, allocs1;
    rt__alloc_counters(&live1, &allocs1, &total);
    ASSERT_EQ(allocs1, allocs0);
    ASSERT_EQ(live1, live0);
}
