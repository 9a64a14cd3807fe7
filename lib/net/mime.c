/*
 * mime.c - MIME types (mime.h): the MIME Sniffing standard's parser (4.4) and serializer
 * (4.5), and the Fetch standard's "extract a MIME type" with its "getting, decoding, and
 * splitting" of a header value. Step numbers in comments are the standards'. Owns nothing
 * beyond the rt__mime it fills.
 */
#include <string.h>

#include "net.h"
#include "http1.h"
#include "mime.h"

static int is_http_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_quoted_token(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

void rt__mime_free(rt__mime *m)
{
    rt__free(m->mem);
    rt__free(m->params);
    memset(m, 0, sizeof *m);
}

/* Append n bytes (lower-cased if asked) to m->mem; returns their offset or (size_t)-1. */
static size_t mem_add(rt__mime *m, const char *p, size_t n, int lc)
{
    if (m->mem_len + n + 1 > m->mem_cap) {
        size_t cap = (m->mem_len + n + 1) * 2;
        char *d = rt__realloc(m->mem, cap);
        if (!d)
            return (size_t)-1;
        m->mem = d;
        m->mem_cap = cap;
    }
    size_t off = m->mem_len;
    for (size_t i = 0; i < n; i++)
        m->mem[off + i] = lc ? lower(p[i]) : p[i];
    m->mem_len += n;
    m->mem[m->mem_len] = 0;
    return off;
}

static int param_find(const rt__mime *m, const char *name, size_t nlen)
{
    for (size_t i = 0; i < m->nparams; i++)
        if (m->params[i].name_len == nlen && memcmp(m->mem + m->params[i].name_off, name, nlen) == 0)
            return (int)i;
    return -1;
}

/* Add a parameter (name already lower-case); the value is copied as given. */
static int param_add(rt__mime *m, const char *name, size_t nlen, const char *v, size_t vlen)
{
    if (m->nparams == m->pcap) {
        size_t cap = m->pcap ? m->pcap * 2 : 4;
        rt__mime_param *np = rt__realloc(m->params, cap * sizeof *np);
        if (!np)
            return RT_ENOMEM;
        m->params = np;
        m->pcap = cap;
    }
    size_t no = mem_add(m, name, nlen, 0);
    size_t vo = no == (size_t)-1 ? no : mem_add(m, v, vlen, 0);
    if (vo == (size_t)-1)
        return RT_ENOMEM;
    rt__mime_param *p = &m->params[m->nparams++];
    p->name_off = no;
    p->name_len = nlen;
    p->value_off = vo;
    p->value_len = vlen;
    return 0;
}

/* Collect an HTTP quoted string at s[*pos] (a '"'), extracting the value into out (which
   has room for the rest of the input): returns its length. */
static size_t quoted_value(const char *s, size_t n, size_t *pos, char *out)
{
    size_t k = 0, i = *pos + 1;
    for (;;) {
        while (i < n && s[i] != '"' && s[i] != '\\')
            out[k++] = s[i++];
        if (i >= n)
            break;
        char q = s[i++];
        if (q == '\\') {
            if (i >= n) {
                out[k++] = '\\';
                break;
            }
            out[k++] = s[i++];
        } else {
            break;                         /* the closing '"' */
        }
    }
    *pos = i;
    return k;
}

int rt__mime_parse(const char *s, size_t n, rt__mime *out)
{
    memset(out, 0, sizeof *out);
    /* 1. strip leading and trailing HTTP whitespace */
    while (n && is_http_ws((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && is_http_ws((unsigned char)s[n - 1]))
        n--;
    /* 3-5. type: up to '/', a non-empty token, and a '/' must follow */
    size_t pos = 0;
    while (pos < n && s[pos] != '/')
        pos++;
    if (pos == 0 || pos >= n || !rt_http1_is_token(s, pos))
        return RT_EINVAL;
    size_t type_len = pos++;
    /* 7-9. subtype: up to ';', trailing whitespace removed, a non-empty token */
    size_t sub = pos;
    while (pos < n && s[pos] != ';')
        pos++;
    size_t sub_end = pos;
    while (sub_end > sub && is_http_ws((unsigned char)s[sub_end - 1]))
        sub_end--;
    if (sub_end == sub || !rt_http1_is_token(s + sub, sub_end - sub))
        return RT_EINVAL;
    /* 10. the essence, lower-cased */
    if (mem_add(out, s, type_len, 1) == (size_t)-1 || mem_add(out, "/", 1, 0) == (size_t)-1 ||
        mem_add(out, s + sub, sub_end - sub, 1) == (size_t)-1)
        goto oom;
    out->type_len = type_len;
    out->essence_len = out->mem_len;
    /* 11. parameters; values are decoded into scratch (never longer than the input) */
    char *scratch = rt__malloc(n + 1);
    if (!scratch)
        goto oom;
    while (pos < n) {
        pos++;                             /* past ';' */
        while (pos < n && is_http_ws((unsigned char)s[pos]))
            pos++;
        size_t ns = pos;
        while (pos < n && s[pos] != ';' && s[pos] != '=')
            pos++;
        size_t nlen = pos - ns;
        if (pos < n) {
            if (s[pos] == ';')
                continue;
            pos++;                         /* past '=' */
        }
        if (pos >= n)
            break;
        const char *v;
        size_t vlen;
        if (s[pos] == '"') {
            vlen = quoted_value(s, n, &pos, scratch);
            v = scratch;
            while (pos < n && s[pos] != ';')
                pos++;
        } else {
            size_t vs = pos;
            while (pos < n && s[pos] != ';')
                pos++;
            size_t ve = pos;
            while (ve > vs && is_http_ws((unsigned char)s[ve - 1]))
                ve--;
            if (ve == vs)
                continue;
            v = s + vs;
            vlen = ve - vs;
        }
        if (nlen == 0 || !rt_http1_is_token(s + ns, nlen))
            continue;
        int ok = 1;
        for (size_t i = 0; i < vlen && ok; i++)
            ok = is_quoted_token((unsigned char)v[i]);
        if (!ok)
            continue;
        char lname[64], *ln = nlen <= sizeof lname ? lname : rt__malloc(nlen);
        if (!ln) {
            rt__free(scratch);
            goto oom;
        }
        for (size_t i = 0; i < nlen; i++)
            ln[i] = lower(s[ns + i]);
        int r = param_find(out, ln, nlen) >= 0 ? 0 : param_add(out, ln, nlen, v, vlen);
        if (ln != lname)
            rt__free(ln);
        if (r < 0) {
            rt__free(scratch);
            goto oom;
        }
    }
    rt__free(scratch);
    if (!out->mem)
        goto oom;
    return 0;
oom:
    rt__mime_free(out);
    return RT_ENOMEM;
}

int rt__mime_is(const rt__mime *m, const char *e)
{
    size_t n = strlen(e);
    return m->mem && m->essence_len == n && memcmp(m->mem, e, n) == 0;
}

int rt__mime_param_get(const rt__mime *m, const char *name, const char **v, size_t *vlen)
{
    int i = param_find(m, name, strlen(name));
    if (i < 0)
        return 0;
    *v = m->mem + m->params[i].value_off;
    *vlen = m->params[i].value_len;
    return 1;
}

int rt__mime_extract(const char *s, size_t n, rt__mime *out)
{
    memset(out, 0, sizeof *out);
    char *charset = NULL, *essence = NULL;
    size_t charset_len = 0, essence_len = 0;
    int found = 0, r = 0;
    size_t pos = 0;
    /* getting, decoding, and splitting: each value is a span of s */
    for (;;) {
        size_t start = pos;
        for (;;) {
            while (pos < n && s[pos] != '"' && s[pos] != ',')
                pos++;
            if (pos < n && s[pos] == '"') {
                /* skip the quoted string as it is (the value keeps its quotes) */
                pos++;
                while (pos < n && s[pos] != '"') {
                    if (s[pos] == '\\' && pos + 1 < n)
                        pos++;
                    pos++;
                }
                if (pos < n)
                    pos++;
                if (pos < n)
                    continue;
            }
            break;
        }
        size_t a = start, b = pos;
        while (a < b && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
            b--;
        rt__mime t;
        int pr = rt__mime_parse(s + a, b - a, &t);
        if (pr == RT_ENOMEM) {
            r = RT_ENOMEM;
            break;
        }
        if (pr == 0 && !rt__mime_is(&t, "*/*")) {
            rt__mime_free(out);
            *out = t;
            found = 1;
            const char *cs;
            size_t csl;
            if (!essence || essence_len != t.essence_len || memcmp(essence, t.mem, essence_len)) {
                /* a new essence: its own charset (or none) from now on */
                rt__free(charset);
                rt__free(essence);
                charset = NULL;
                essence = rt__strndup(t.mem, t.essence_len);
                essence_len = t.essence_len;
                if (!essence) {
                    r = RT_ENOMEM;
                    break;
                }
                if (rt__mime_param_get(&t, "charset", &cs, &csl)) {
                    charset = rt__strndup(cs, csl);
                    charset_len = csl;
                    if (!charset) {
                        r = RT_ENOMEM;
                        break;
                    }
                }
            } else if (charset && !rt__mime_param_get(out, "charset", &cs, &csl)) {
                if (param_add(out, "charset", 7, charset, charset_len) < 0) {
                    r = RT_ENOMEM;
                    break;
                }
            }
        } else if (pr == 0) {
            rt__mime_free(&t);
        }
        if (pos >= n)
            break;
        pos++;                             /* past ',' */
    }
    rt__free(charset);
    rt__free(essence);
    if (r < 0 || !found) {
        rt__mime_free(out);
        return r < 0 ? r : RT_EINVAL;
    }
    return 0;
}

int rt__mime_serialize(const rt__mime *m, char **out, size_t *out_len)
{
    rt__buf b = {0};
    int r = rt__buf_append(&b, m->mem, m->essence_len);
    for (size_t i = 0; i < m->nparams && r == 0; i++) {
        const rt__mime_param *p = &m->params[i];
        const char *v = m->mem + p->value_off;
        r = rt__buf_append(&b, ";", 1);
        if (!r)
            r = rt__buf_append(&b, m->mem + p->name_off, p->name_len);
        if (!r)
            r = rt__buf_append(&b, "=", 1);
        if (r)
            break;
        if (p->value_len && rt_http1_is_token(v, p->value_len)) {
            r = rt__buf_append(&b, v, p->value_len);
            continue;
        }
        r = rt__buf_append(&b, "\"", 1);
        for (size_t k = 0; k < p->value_len && !r; k++) {
            if (v[k] == '"' || v[k] == '\\')
                r = rt__buf_append(&b, "\\", 1);
            if (!r)
                r = rt__buf_append(&b, v + k, 1);
        }
        if (!r)
            r = rt__buf_append(&b, "\"", 1);
    }
    if (r) {
        rt__buf_free(&b);
        return RT_ENOMEM;
    }
    *out = b.data;
    *out_len = b.len;
    return 0;
}
