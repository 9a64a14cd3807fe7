/*
 * fuzz_url.c - libFuzzer target for the URL parser in C (lib/net/url.c, lib/net/url_host.c):
 * the basic URL parser with and without a base, every setter (the parser's state
 * overrides), the host parser's IDNA path (libidn2) and the form-urlencoded codec, under
 * ASan and UBSan. Findings are crashes, sanitizer reports and broken invariants:
 *   - a parsed URL's href is printable ASCII (no C0 control, DEL or byte >= 0x80) and every
 *     component span lies inside it, in order;
 *   - parsing the href again gives the same href (serialisation is a fixed point), also after
 *     each setter;
 *   - http: and https: URLs have a non-empty host;
 *   - a failed href setter leaves the URL as it was;
 *   - form-urlencoded: serialise(parse(serialise(parse(x)))) == serialise(parse(x)).
 * Input layout: byte 0 picks the setter (and whether to use the base), the rest is the text
 * (taken as UTF-8; invalid sequences are U+FFFD to the parser). Seeds: tests/fuzz/corpus/url/
 * (the first inputs were URLs for the old JavaScript parser; they still parse as text).
 * tests/fuzz/run.sh has the build line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "net.h"
#include "url.h"

static const char BASE[] = "http://a.b/c/d?e#f";

static void fail(const char *why, const rt__url *u, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_url: %s\n  href: %s\n  input (%zu bytes):", why,
            u && u->href ? u->href : "(none)", size);
    for (size_t i = 0; i < size; i++)
        fprintf(stderr, " %02x", data[i]);
    fprintf(stderr, "\n");
    abort();
}

/* The invariants of one parsed URL. */
static void check(const rt__url *u, const uint8_t *data, size_t size)
{
    if (!u->href || strlen(u->href) != u->href_len)
        fail("href length", u, data, size);
    for (uint32_t i = 0; i < u->href_len; i++) {
        unsigned char c = (unsigned char)u->href[i];
        if (c < 0x20 || c >= 0x7f)
            fail("href has a control or non-ASCII byte", u, data, size);
    }
    if (u->href[u->scheme_end] != ':')
        fail("scheme_end", u, data, size);
    uint32_t order[] = {u->scheme_end, u->user_start, u->user_end, u->pass_end, u->host_start,
                        u->host_end, u->port_end, u->path_start, u->path_end, u->query_start,
                        u->frag_start, u->href_len};
    for (size_t i = 1; i < sizeof order / sizeof order[0]; i++)
        if (order[i] < order[i - 1])
            fail("component spans out of order", u, data, size);
    if ((u->scheme_id == RT_URL_SCHEME_HTTP || u->scheme_id == RT_URL_SCHEME_HTTPS) &&
        rt__url_hostname(u).n == 0)
        fail("http(s) URL with an empty host", u, data, size);
    rt__url again;
    int rc = rt__url_parse(u->href, u->href_len, NULL, &again);
    if (rc == RT_ENOMEM)
        abort();
    if (rc != 0)
        fail("href does not parse again", u, data, size);
    if (strcmp(again.href, u->href) != 0) {
        fprintf(stderr, "  reparsed: %s\n", again.href);
        fail("href is not a fixed point", u, data, size);
    }
    rt__url_free(&again);
    char *o;
    if (rt__url_origin(u, &o, NULL) != 0)
        abort();
    rt__free(o);
}

typedef int (*setter_fn)(rt__url *, const char *, size_t);
static const setter_fn SETTERS[] = {
    rt__url_set_href,     rt__url_set_protocol, rt__url_set_username, rt__url_set_password,
    rt__url_set_host,     rt__url_set_hostname, rt__url_set_port,     rt__url_set_pathname,
    rt__url_set_search,   rt__url_set_hash};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 8192)
        return 0;
    unsigned mode = data[0];
    const char *text = (const char *)data + 1;
    size_t n = size - 1;

    /* parse without and with a base */
    rt__url base, u;
    if (rt__url_parse(BASE, sizeof BASE - 1, NULL, &base) != 0)
        abort();
    for (int with_base = 0; with_base < 2; with_base++) {
        int rc = rt__url_parse(text, n, with_base ? &base : NULL, &u);
        if (rc == RT_ENOMEM)
            abort();
        if (rc == 0) {
            check(&u, data, size);
            rt__url_free(&u);
        }
    }

    /* one setter, with the text as its value, on the base URL and on the text's own URL */
    setter_fn set = SETTERS[mode % (sizeof SETTERS / sizeof SETTERS[0])];
    const char *starts[] = {BASE, "sc://u:p@h:1/p?q#f", "file:///C:/x", "mailto:a@b", NULL};
    starts[4] = mode & 0x80 ? text : "http://[::1]/";
    for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        size_t sl = k == 4 && (mode & 0x80) ? n : strlen(starts[k]);
        if (rt__url_parse(starts[k], sl, NULL, &u) != 0)
            continue;
        char *before = strdup(u.href);
        int rc = set(&u, text, n);
        if (rc == RT_ENOMEM)
            abort();
        if (rc == RT_EINVALID_URL && strcmp(before, u.href) != 0)
            fail("failed href setter changed the URL", &u, data, size);
        free(before);
        check(&u, data, size);
        rt__url_free(&u);
    }
    rt__url_free(&base);

    /* form-urlencoded: serialisation is stable after one round */
    rt__url_pairs l = {0}, l2 = {0};
    char *s1 = NULL, *s2 = NULL;
    size_t n1 = 0, n2 = 0;
    if (rt__url_form_parse(text, n, &l) != 0 || rt__url_form_serialize(&l, &s1, &n1) != 0 ||
        rt__url_form_parse(s1, n1, &l2) != 0 || rt__url_form_serialize(&l2, &s2, &n2) != 0)
        abort();
    if (l.n != l2.n || n1 != n2 || memcmp(s1, s2, n1) != 0)
        fail("form-urlencoded round trip", NULL, data, size);
    rt__free(s1);
    rt__free(s2);
    rt__url_pairs_free(&l);
    rt__url_pairs_free(&l2);
    return 0;
}
