/*
 * multipart.c - multipart/form-data encoding pieces and the parser (multipart.h). Step
 * numbers in the parser's comments are those of the proposed HTML "multipart/form-data
 * parser" (whatwg/html#7431). Owns nothing between calls; the parser's scratch (decoded names)
 * lives for one call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "http1.h"
#include "multipart.h"

/* ---- the boundary ---- */

static void random_bytes(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < n) {                         /* no getrandom (old kernel, seccomp) */
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            while (got < n) {
                ssize_t r = read(fd, p + got, n - got);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0)
                    break;
                got += (size_t)r;
            }
            close(fd);
        }
    }
    if (got < n) {
        /* last resort: unique, if not unpredictable (the boundary must only not occur in the
           body; a body that guesses it can only break its own request) */
        static uint64_t counter;
        uint64_t x = rt__now_us() ^ ((uint64_t)getpid() << 32) ^
                     __atomic_add_fetch(&counter, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED);
        for (size_t i = got; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p[i] = (uint8_t)(x >> 24);
        }
    }
}

size_t rt__mp_boundary(char *out)
{
    static const char prefix[] = "----formdata-rtjs-";
    static const char hex[] = "0123456789abcdef";
    uint8_t r[16];
    random_bytes(r, sizeof r);
    size_t k = sizeof prefix - 1;
    memcpy(out, prefix, k);
    for (size_t i = 0; i < sizeof r; i++) {
        out[k++] = hex[r[i] >> 4];
        out[k++] = hex[r[i] & 15];
    }
    out[k] = 0;
    return k;
}

/* ---- encoding ---- */

/* Append s escaped: LF -> %0A, CR -> %0D, '"' -> %22; with normalize, newlines first made
   CR LF (a name), else as they are (a filename). */
static int put_escaped(rt__buf *b, const char *s, size_t n, int normalize)
{
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        size_t rl = 3;
        char c = s[i];
        if (normalize && (c == '\r' || c == '\n')) {
            rep = "%0D%0A";
            rl = 6;
            if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
        } else if (c == '\n') {
            rep = "%0A";
        } else if (c == '\r') {
            rep = "%0D";
        } else if (c == '"') {
            rep = "%22";
        }
        int r = rep ? rt__buf_append(b, rep, rl) : rt__buf_append(b, &c, 1);
        if (r)
            return r;
    }
    return 0;
}

int rt__mp_part_head(rt__buf *b, const char *boundary, size_t blen, const char *name,
                     size_t nlen, const char *filename, size_t flen, const char *type,
                     size_t tlen)
{
    if (rt__buf_append(b, "--", 2) || rt__buf_append(b, boundary, blen) ||
        rt__buf_puts(b, "\r\nContent-Disposition: form-data; name=\"") ||
        put_escaped(b, name, nlen, 1) || rt__buf_append(b, "\"", 1))
        return RT_ENOMEM;
    if (!filename)
        return rt__buf_append(b, "\r\n\r\n", 4);
    if (rt__buf_puts(b, "; filename=\"") || put_escaped(b, filename, flen, 0) ||
        rt__buf_puts(b, "\"\r\nContent-Type: "))
        return RT_ENOMEM;
    size_t kept = 0;
    for (size_t i = 0; i < tlen; i++) {
        unsigned char c = (unsigned char)type[i];
        if (c < 0x20 || c == 0x7f)
            continue;
        if (rt__buf_append(b, type + i, 1))
            return RT_ENOMEM;
        kept++;
    }
    if (!kept && rt__buf_puts(b, "application/octet-stream"))
        return RT_ENOMEM;
    return rt__buf_append(b, "\r\n\r\n", 4);
}

int rt__mp_text(rt__buf *b, const char *v, size_t n)
{
    size_t start = 0;                      /* bytes from start to i are not appended yet */
    for (size_t i = 0; i < n; i++) {
        if (v[i] != '\r' && v[i] != '\n')
            continue;
        if (rt__buf_append(b, v + start, i - start) || rt__buf_append(b, "\r\n", 2))
            return RT_ENOMEM;
        if (v[i] == '\r' && i + 1 < n && v[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    return rt__buf_append(b, v + start, n - start);
}

int rt__mp_close(rt__buf *b, const char *boundary, size_t blen)
{
    if (rt__buf_append(b, "--", 2) || rt__buf_append(b, boundary, blen) ||
        rt__buf_append(b, "--\r\n", 4))
        return RT_ENOMEM;
    return 0;
}

/* ---- parsing ---- */

typedef struct mp_in {
    const uint8_t *p;
    size_t n, pos;
} mp_in;

static int starts(const mp_in *in, const char *s, size_t sl)
{
    return in->n - in->pos >= sl && memcmp(in->p + in->pos, s, sl) == 0;
}

static int at_crlf(const mp_in *in)
{
    return starts(in, "\r\n", 2);
}

/* Parse a multipart/form-data name: the byte before pos is '"'. Appends the decoded bytes to
   scratch; *off gets their offset there. 0, RT_EINVAL, RT_ENOMEM. */
static int parse_name(mp_in *in, rt__buf *scratch, size_t *off, size_t *len)
{
    size_t s = in->pos;
    while (in->pos < in->n && in->p[in->pos] != '\n' && in->p[in->pos] != '\r' &&
           in->p[in->pos] != '"')
        in->pos++;
    if (in->pos >= in->n || in->p[in->pos] != '"')
        return RT_EINVAL;
    size_t e = in->pos++;
    *off = scratch->len;
    for (size_t i = s; i < e; i++) {
        char c = (char)in->p[i];
        if (c == '%' && i + 2 < e && in->p[i + 1] == '0' &&
            (in->p[i + 2] == 'A' || in->p[i + 2] == 'D')) {
            c = in->p[i + 2] == 'A' ? '\n' : '\r';
            i += 2;
        } else if (c == '%' && i + 2 < e && in->p[i + 1] == '2' && in->p[i + 2] == '2') {
            c = '"';
            i += 2;
        }
        if (rt__buf_append(scratch, &c, 1))
            return RT_ENOMEM;
    }
    *len = scratch->len - *off;
    return 0;
}

static int is_tab_space(uint8_t c)
{
    return c == ' ' || c == '\t';
}

typedef struct mp_head {
    int has_name, has_filename;
    size_t name_off, name_len, filename_off, filename_len;
    const char *type;
    size_t type_len;
} mp_head;

/* Parse the headers of one part (at pos, after the delimiter's CR LF), up to the empty line
   (left at pos). 0, RT_EINVAL, RT_ENOMEM. */
static int parse_headers(mp_in *in, rt__buf *scratch, mp_head *h)
{
    memset(h, 0, sizeof *h);
    for (;;) {
        /* 2.1 the empty line ends the headers */
        if (at_crlf(in))
            return h->has_name ? 0 : RT_EINVAL;
        /* 2.2-2.6 the header name, a token, then ':' */
        size_t s = in->pos;
        while (in->pos < in->n && in->p[in->pos] != '\n' && in->p[in->pos] != '\r' &&
               in->p[in->pos] != ':')
            in->pos++;
        size_t e = in->pos;
        while (s < e && is_tab_space(in->p[s]))
            s++;
        while (e > s && is_tab_space(in->p[e - 1]))
            e--;
        if (e == s || !rt_http1_is_token((const char *)in->p + s, e - s))
            return RT_EINVAL;
        if (in->pos >= in->n || in->p[in->pos] != ':')
            return RT_EINVAL;
        in->pos++;
        /* 2.7 */
        while (in->pos < in->n && is_tab_space(in->p[in->pos]))
            in->pos++;
        /* 2.8 */
        const char *hn = (const char *)in->p + s;
        size_t hl = e - s;
        if (hl == 19 && strncasecmp(hn, "content-disposition", 19) == 0) {
            h->has_name = h->has_filename = 0;
            static const char fd[] = "form-data; name=\"";
            if (!starts(in, fd, sizeof fd - 1))
                return RT_EINVAL;
            in->pos += sizeof fd - 1;
            int r = parse_name(in, scratch, &h->name_off, &h->name_len);
            if (r)
                return r;
            h->has_name = 1;
            static const char fn[] = "; filename=\"";
            if (starts(in, fn, sizeof fn - 1)) {
                in->pos += sizeof fn - 1;
                r = parse_name(in, scratch, &h->filename_off, &h->filename_len);
                if (r)
                    return r;
                h->has_filename = 1;
            }
        } else if (hl == 12 && strncasecmp(hn, "content-type", 12) == 0) {
            size_t vs = in->pos;
            while (in->pos < in->n && in->p[in->pos] != '\n' && in->p[in->pos] != '\r')
                in->pos++;
            size_t ve = in->pos;
            while (ve > vs && is_tab_space(in->p[ve - 1]))
                ve--;
            h->type = (const char *)in->p + vs;
            h->type_len = ve - vs;
        } else {
            while (in->pos < in->n && in->p[in->pos] != '\n' && in->p[in->pos] != '\r')
                in->pos++;
        }
        /* 2.9 */
        if (!at_crlf(in))
            return RT_EINVAL;
        in->pos += 2;
    }
}

int rt__mp_parse(const uint8_t *p, size_t n, const char *boundary, size_t blen, rt__mp_cb cb,
                 void *ud)
{
    mp_in in = {p, n, 0};
    rt__buf scratch = {0};
    /* the delimiter that ends a body: CR LF "--" boundary */
    char small[80], *delim = blen + 4 <= sizeof small ? small : rt__malloc(blen + 4);
    if (!delim)
        return RT_ENOMEM;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, blen);
    size_t dlen = blen + 4;
    int r = 0;
    for (;;) {
        /* 5.1 "--" boundary */
        if (!starts(&in, delim + 2, dlen - 2)) {
            r = RT_EINVAL;
            break;
        }
        in.pos += dlen - 2;
        /* 5.2 the close delimiter: "--" CR LF and the end (or "--" and the end) */
        if ((in.n - in.pos == 4 && starts(&in, "--\r\n", 4)) ||
            (in.n - in.pos == 2 && starts(&in, "--", 2)))
            break;
        /* 5.3-5.4 */
        if (!at_crlf(&in)) {
            r = RT_EINVAL;
            break;
        }
        in.pos += 2;
        /* 5.5-5.6 the headers and the empty line */
        scratch.len = 0;
        mp_head h;
        if ((r = parse_headers(&in, &scratch, &h)) != 0)
            break;
        in.pos += 2;
        /* 5.7 the body: up to the next CR LF "--" boundary */
        const uint8_t *at = in.pos <= in.n ? memmem(in.p + in.pos, in.n - in.pos, delim, dlen)
                                           : NULL;
        if (!at) {
            r = RT_EINVAL;
            break;
        }
        rt__mp_part part;
        part.body = in.p + in.pos;
        part.body_len = (size_t)(at - part.body);
        in.pos = (size_t)(at - in.p);
        /* 5.8 */
        if (!at_crlf(&in)) {
            r = RT_EINVAL;
            break;
        }
        in.pos += 2;
        part.name = scratch.data ? scratch.data + h.name_off : "";
        part.name_len = h.name_len;
        part.filename = h.has_filename ? (scratch.data ? scratch.data + h.filename_off : "") : NULL;
        part.filename_len = h.filename_len;
        part.type = h.type;
        part.type_len = h.type_len;
        if ((r = cb(ud, &part)) < 0)
            break;
        r = 0;
    }
    rt__buf_free(&scratch);
    if (delim != small)
        rt__free(delim);
    return r;
}
