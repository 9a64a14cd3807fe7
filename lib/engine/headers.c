/*
 * headers.c - header lists and the Headers class of the Fetch standard, in C (headers.h).
 * Names must be tokens and values ByteStrings free of NUL, CR and LF after the HTTP
 * whitespace around them is stripped (TypeError otherwise), so nothing a script puts here can
 * be injected onto the wire. Iteration follows "sort and combine": names lower-cased and
 * sorted, repeated values joined with ", " except Set-Cookie, one pair per value; iterators
 * are live (each step looks at the list as it is then, as WebIDL's pair iterators do).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetchcls.h"
#include "headers.h"
#include "text.h"

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* ---- the block ---- */

static size_t block_size(uint32_t cap, uint32_t bcap)
{
    return sizeof(rt__hl) + (size_t)cap * sizeof(rt__hl_ent) + bcap;
}

size_t rt__hl_size(const rt__hl *h)
{
    return block_size(h->cap, h->bcap);
}

size_t rt__hl_size_for(const rt_http1_header *hs, size_t n)
{
    size_t b = 0;
    for (size_t i = 0; i < n; i++)
        b += hs[i].name_len + hs[i].value_len;
    return block_size((uint32_t)n, (uint32_t)ALIGN8(b));
}

rt__hl *rt__hl_build(void *mem, const rt_http1_header *hs, size_t n, int guard)
{
    rt__hl *h = mem;
    size_t b = 0;
    for (size_t i = 0; i < n; i++)
        b += hs[i].name_len + hs[i].value_len;
    memset(h, 0, sizeof *h);
    h->n = h->cap = (uint32_t)n;
    h->bcap = (uint32_t)ALIGN8(b);
    h->guard = (uint8_t)guard;
    rt__hl_ent *e = RT__HL_ENTS(h);
    char *bytes = RT__HL_BYTES(h);
    for (size_t i = 0; i < n; i++) {
        e[i].off = h->used;
        e[i].nlen = (uint32_t)hs[i].name_len;
        e[i].vlen = (uint32_t)hs[i].value_len;
        memcpy(bytes + h->used, hs[i].name, hs[i].name_len);
        memcpy(bytes + h->used + hs[i].name_len, hs[i].value, hs[i].value_len);
        h->used += (uint32_t)(hs[i].name_len + hs[i].value_len);
    }
    return h;
}

int rt__hl_find(const rt__hl *h, const char *name, size_t nlen, uint32_t from)
{
    const rt__hl_ent *e = RT__HL_ENTS(h);
    const char *bytes = RT__HL_BYTES(h);
    for (uint32_t i = from; i < h->n; i++)
        if (e[i].nlen == nlen && strncasecmp(bytes + e[i].off, name, nlen) == 0)
            return (int)i;
    return -1;
}

void rt__hl_entry(const rt__hl *h, uint32_t i, const char **name, size_t *nlen, const char **value,
                  size_t *vlen)
{
    const rt__hl_ent *e = RT__HL_ENTS(h) + i;
    *name = RT__HL_BYTES(h) + e->off;
    *nlen = e->nlen;
    *value = *name + e->nlen;
    *vlen = e->vlen;
}

void rt__hl_push_get(duk_context *ctx, const rt__hl *h, const char *name, size_t nlen)
{
    int i = rt__hl_find(h, name, nlen, 0);
    if (i < 0) {
        duk_push_null(ctx);
        return;
    }
    const char *n0, *v;
    size_t nl, vl;
    rt__hl_entry(h, (uint32_t)i, &n0, &nl, &v, &vl);
    int j = rt__hl_find(h, name, nlen, (uint32_t)i + 1);
    if (j < 0) {
        rt__push_latin1(ctx, v, vl);
        return;
    }
    /* several: "a, b, c" */
    size_t total = vl;
    for (int k = j; k >= 0; k = rt__hl_find(h, name, nlen, (uint32_t)k + 1))
        total += 2 + RT__HL_ENTS(h)[k].vlen;
    char *o = duk_push_fixed_buffer(ctx, total);
    memcpy(o, v, vl);
    size_t at = vl;
    for (int k = j; k >= 0; k = rt__hl_find(h, name, nlen, (uint32_t)k + 1)) {
        rt__hl_entry(h, (uint32_t)k, &n0, &nl, &v, &vl);
        memcpy(o + at, ", ", 2);
        memcpy(o + at + 2, v, vl);
        at += 2 + vl;
    }
    rt__push_latin1(ctx, o, total);
    duk_remove(ctx, -2);
}

/* ---- Headers objects ---- */

static void *key0(duk_context *ctx)
{
    return rt__fc(ctx)->hdr_key[HS_STATE];
}

rt__hl *rt__headers_of(duk_context *ctx, duk_idx_t idx)
{
    return rt__state(ctx, idx, key0(ctx));
}

rt__hl *rt__headers_push(duk_context *ctx, int guard)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    rt__hl *h = rt__instance_new(ctx, fc->hdr_proto, fc->hdr_key, HS_N, block_size(8, 256), 1);
    h->cap = 8;
    h->bcap = 256;
    h->guard = (uint8_t)guard;
    return h;
}

rt__hl *rt__headers_push_copy(duk_context *ctx, const rt__hl *src, int guard)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    size_t size = rt__hl_size(src);
    rt__hl *h = rt__instance_new(ctx, fc->hdr_proto, fc->hdr_key, HS_N, size, 1);
    memcpy(h, src, size);
    h->guard = (uint8_t)guard;
    h->version = 0;
    return h;
}

rt__hl *rt__hl_new(int guard)
{
    rt__hl *h = rt__calloc(1, block_size(8, 256));
    if (h) {
        h->cap = 8;
        h->bcap = 256;
        h->guard = (uint8_t)guard;
    }
    return h;
}

/* Drop the bytes of removed entries (copied out and back). */
static void compact(rt__hl *h)
{
    char *tmp = rt__malloc(h->used - h->garbage + 1);
    if (!tmp)
        return;                            /* the list just stays larger */
    rt__hl_ent *e = RT__HL_ENTS(h);
    char *b = RT__HL_BYTES(h);
    uint32_t at = 0;
    for (uint32_t i = 0; i < h->n; i++) {
        memcpy(tmp + at, b + e[i].off, e[i].nlen + e[i].vlen);
        e[i].off = at;
        at += e[i].nlen + e[i].vlen;
    }
    memcpy(b, tmp, at);
    h->used = at;
    h->garbage = 0;
    rt__free(tmp);
}

/* Room for one more entry of `bytes` bytes. */
static void reserve(duk_context *ctx, rt__hlref *r, size_t bytes)
{
    rt__hl *h = r->h;
    if (h->garbage > 256 && h->garbage > h->used / 2)
        compact(h);
    if (bytes > (1u << 24))
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "Headers: header too large");
    uint32_t cap = h->cap, bcap = h->bcap;
    if (h->n + 1 > cap)
        cap = cap * 2 + 1;
    while (h->used + bytes > bcap)
        bcap = bcap * 2 + 64;
    if (cap == h->cap && bcap == h->bcap)
        return;
    uint32_t old_cap = h->cap, used = h->used;
    if (r->idx >= 0) {
        h = rt__state_grow(ctx, r->idx, key0(ctx), block_size(cap, bcap));
    } else {
        h = rt__realloc(h, block_size(cap, bcap));
        if (!h)
            (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    }
    r->h = h;
    /* the bytes follow the entries: move them past the larger entry array */
    char *from = (char *)(RT__HL_ENTS(h) + old_cap);
    h->cap = cap;
    h->bcap = bcap;
    memmove(RT__HL_BYTES(h), from, used);
}

void rt__hl_append(duk_context *ctx, rt__hlref *r, const char *name, size_t nlen,
                   const char *value, size_t vlen)
{
    reserve(ctx, r, nlen + vlen);
    rt__hl *h = r->h;
    rt__hl_ent *e = RT__HL_ENTS(h) + h->n++;
    e->off = h->used;
    e->nlen = (uint32_t)nlen;
    e->vlen = (uint32_t)vlen;
    memcpy(RT__HL_BYTES(h) + h->used, name, nlen);
    memcpy(RT__HL_BYTES(h) + h->used + nlen, value, vlen);
    h->used += (uint32_t)(nlen + vlen);
    h->version++;
}

static void remove_at(rt__hl *h, uint32_t i)
{
    rt__hl_ent *e = RT__HL_ENTS(h);
    h->garbage += e[i].nlen + e[i].vlen;
    memmove(e + i, e + i + 1, (h->n - i - 1) * sizeof *e);
    h->n--;
}

void rt__hl_delete(rt__hl *h, const char *name, size_t nlen)
{
    int i;
    while ((i = rt__hl_find(h, name, nlen, 0)) >= 0)
        remove_at(h, (uint32_t)i);
    h->version++;
}

void rt__hl_set(duk_context *ctx, rt__hlref *r, const char *name, size_t nlen, const char *value,
                size_t vlen)
{
    rt__hl *h = r->h;
    int i = rt__hl_find(h, name, nlen, 0);
    if (i < 0) {
        rt__hl_append(ctx, r, name, nlen, value, vlen);
        return;
    }
    /* the first keeps its place (and its name's case), with the new value; the rest go */
    int j;
    while ((j = rt__hl_find(h, name, nlen, (uint32_t)i + 1)) >= 0)
        remove_at(h, (uint32_t)j);
    rt__hl_ent *e = RT__HL_ENTS(h) + i;
    if (vlen <= e->vlen) {
        memcpy(RT__HL_BYTES(h) + e->off + e->nlen, value, vlen);
        h->garbage += e->vlen - (uint32_t)vlen;
        e->vlen = (uint32_t)vlen;
    } else {
        uint32_t keep_nlen = e->nlen;
        reserve(ctx, r, keep_nlen + vlen);
        h = r->h;
        e = RT__HL_ENTS(h) + i;
        char *b = RT__HL_BYTES(h);
        memcpy(b + h->used, b + e->off, keep_nlen);
        memcpy(b + h->used + keep_nlen, value, vlen);
        h->garbage += e->nlen + e->vlen;
        e->off = h->used;
        e->vlen = (uint32_t)vlen;
        h->used += keep_nlen + (uint32_t)vlen;
    }
    h->version++;
}

/* ---- validation (the Fetch standard's "normalize", then "is a header value") ---- */

static int is_http_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

#define NO_VALUE (-1000)                   /* rt__header_name_value: only a name */

/* [ ... ] -> [ ... scratch scratch ]: name and value of args at ni, vi as bytes; throws. */
void rt__header_name_value(duk_context *ctx, duk_idx_t ni, duk_idx_t vi, const char *who,
                           const char **name, size_t *nlen, const char **value, size_t *vlen)
{
    ni = duk_normalize_index(ctx, ni);
    if (vi != NO_VALUE)
        vi = duk_normalize_index(ctx, vi);
    *name = rt__to_bytestring(ctx, ni, nlen);
    if (!*name || !rt_http1_is_token(*name, *nlen))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: \"%s\" is an invalid header name.", who,
                        duk_safe_to_string(ctx, ni));
    if (vi == NO_VALUE) {
        duk_push_undefined(ctx);
        return;
    }
    const char *v = rt__to_bytestring(ctx, vi, vlen);
    if (!v)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                        "%s: the value is not a ByteString (a character above U+00FF)", who);
    size_t n = *vlen;
    while (n && is_http_ws((unsigned char)v[n - 1]))
        n--;
    while (n && is_http_ws((unsigned char)*v)) {
        v++;
        n--;
    }
    for (size_t i = 0; i < n; i++)
        if (v[i] == '\0' || v[i] == '\r' || v[i] == '\n')
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: \"%s\" is an invalid header value.",
                            who, duk_safe_to_string(ctx, vi));
    *value = v;
    *vlen = n;
}

static rt__hl *this_headers(duk_context *ctx)
{
    return rt__this_state(ctx, key0(ctx), "Headers");
}

static void check_mutable(duk_context *ctx, const rt__hl *h)
{
    if (h->guard == RT_GUARD_IMMUTABLE)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers are immutable");
}

static void need_args(duk_context *ctx, int n, const char *who)
{
    if (duk_get_top(ctx) < n)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: %d argument%s required, but only %d present.",
                        who, n, n > 1 ? "s" : "", (int)duk_get_top(ctx));
}

static void append_checked(duk_context *ctx, rt__hlref *r, duk_idx_t ni, duk_idx_t vi,
                           const char *who)
{
    const char *name, *value;
    size_t nlen, vlen;
    rt__header_name_value(ctx, ni, vi, who, &name, &nlen, &value, &vlen);
    if (r->idx >= 0)
        r->h = rt__headers_of(ctx, r->idx);   /* a script's code may have run meanwhile */
    rt__hl_append(ctx, r, name, nlen, value, vlen);
    duk_pop_2(ctx);
}

static void obj_ref(duk_context *ctx, rt__hlref *r, duk_idx_t idx)
{
    r->idx = duk_normalize_index(ctx, idx);
    r->h = rt__headers_of(ctx, r->idx);
}

static duk_ret_t hdr_append(duk_context *ctx)
{
    need_args(ctx, 2, "Headers.append");
    rt__hl *h = this_headers(ctx);
    check_mutable(ctx, h);
    duk_push_this(ctx);
    rt__hlref r;
    obj_ref(ctx, &r, -1);
    append_checked(ctx, &r, 0, 1, "Headers.append");
    return 0;
}

static duk_ret_t hdr_set(duk_context *ctx)
{
    need_args(ctx, 2, "Headers.set");
    rt__hl *h = this_headers(ctx);
    check_mutable(ctx, h);
    const char *name, *value;
    size_t nlen, vlen;
    rt__header_name_value(ctx, 0, 1, "Headers.set", &name, &nlen, &value, &vlen);
    duk_push_this(ctx);
    rt__hlref r;
    obj_ref(ctx, &r, -1);
    rt__hl_set(ctx, &r, name, nlen, value, vlen);
    return 0;
}

static duk_ret_t hdr_delete(duk_context *ctx)
{
    need_args(ctx, 1, "Headers.delete");
    rt__hl *h = this_headers(ctx);
    check_mutable(ctx, h);
    const char *name;
    size_t nlen;
    rt__header_name_value(ctx, 0, NO_VALUE, "Headers.delete", &name, &nlen, NULL, NULL);
    if (rt__hl_find(h, name, nlen, 0) >= 0)
        rt__hl_delete(h, name, nlen);
    return 0;
}

static duk_ret_t hdr_get(duk_context *ctx)
{
    need_args(ctx, 1, "Headers.get");
    rt__hl *h = this_headers(ctx);
    const char *name;
    size_t nlen;
    rt__header_name_value(ctx, 0, NO_VALUE, "Headers.get", &name, &nlen, NULL, NULL);
    rt__hl_push_get(ctx, h, name, nlen);
    return 1;
}

static duk_ret_t hdr_has(duk_context *ctx)
{
    need_args(ctx, 1, "Headers.has");
    rt__hl *h = this_headers(ctx);
    const char *name;
    size_t nlen;
    rt__header_name_value(ctx, 0, NO_VALUE, "Headers.has", &name, &nlen, NULL, NULL);
    duk_push_boolean(ctx, rt__hl_find(h, name, nlen, 0) >= 0);
    return 1;
}

static duk_ret_t hdr_get_set_cookie(duk_context *ctx)
{
    rt__hl *h = this_headers(ctx);
    duk_push_array(ctx);
    duk_uarridx_t k = 0;
    for (int i = rt__hl_find(h, "set-cookie", 10, 0); i >= 0;
         i = rt__hl_find(h, "set-cookie", 10, (uint32_t)i + 1)) {
        const char *n, *v;
        size_t nl, vl;
        rt__hl_entry(h, (uint32_t)i, &n, &nl, &v, &vl);
        rt__push_latin1(ctx, v, vl);
        duk_put_prop_index(ctx, -2, k++);
    }
    return 1;
}

/* ---- sort and combine ---- */

typedef struct pair_ref {
    const char *name;                      /* into the list */
    uint32_t nlen;
    uint32_t idx;                          /* entry: insertion order breaks ties */
} pair_ref;

static int lower_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        int ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (ca >= 'A' && ca <= 'Z')
            ca += 32;
        if (cb >= 'A' && cb <= 'Z')
            cb += 32;
        if (ca != cb)
            return ca - cb;
    }
    return an < bn ? -1 : an > bn;
}

static int pair_cmp(const void *x, const void *y)
{
    const pair_ref *a = x, *b = y;
    int c = lower_cmp(a->name, a->nlen, b->name, b->nlen);
    return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/* The position-th pair of the sorted, combined view of h: pushes [ ... name value ] and
   returns 1, or 0 (nothing pushed) past the end. */
static int push_pair(duk_context *ctx, const rt__hl *h, uint32_t position)
{
    if (!h->n)
        return 0;
    pair_ref small[32], *refs = h->n <= 32 ? small : rt__malloc(h->n * sizeof *refs);
    if (!refs)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    for (uint32_t i = 0; i < h->n; i++) {
        const char *v;
        size_t nl, vl;
        rt__hl_entry(h, i, &refs[i].name, &nl, &v, &vl);
        refs[i].nlen = (uint32_t)nl;
        refs[i].idx = i;
    }
    qsort(refs, h->n, sizeof *refs, pair_cmp);
    uint32_t pos = 0, i = 0;
    int found = 0;
    while (i < h->n) {
        uint32_t j = i + 1;
        while (j < h->n && lower_cmp(refs[j].name, refs[j].nlen, refs[i].name, refs[i].nlen) == 0)
            j++;
        int cookie = refs[i].nlen == 10 && strncasecmp(refs[i].name, "set-cookie", 10) == 0;
        uint32_t count = cookie ? j - i : 1;
        if (position < pos + count) {
            char lname[256], *ln = refs[i].nlen <= sizeof lname ? lname : rt__malloc(refs[i].nlen);
            if (ln) {
                for (uint32_t k = 0; k < refs[i].nlen; k++) {
                    char c = refs[i].name[k];
                    ln[k] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
                }
                duk_push_lstring(ctx, ln, refs[i].nlen);   /* a token: ASCII */
                if (ln != lname)
                    rt__free(ln);
                if (cookie) {
                    const char *n, *v;
                    size_t nl, vl;
                    rt__hl_entry(h, refs[i + (position - pos)].idx, &n, &nl, &v, &vl);
                    rt__push_latin1(ctx, v, vl);
                } else {
                    rt__hl_push_get(ctx, h, refs[i].name, refs[i].nlen);
                }
                found = 1;
            }
            break;
        }
        pos += count;
        i = j;
    }
    if (refs != small)
        rt__free(refs);
    if (!found && position < pos)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    return found;
}

static duk_ret_t hdr_for_each(duk_context *ctx)
{
    need_args(ctx, 1, "Headers.forEach");
    this_headers(ctx);
    if (!duk_is_callable(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers.forEach: the callback is not a function");
    duk_set_top(ctx, 2);
    duk_push_this(ctx);                    /* 2 */
    for (uint32_t i = 0;; i++) {
        rt__hl *h = rt__headers_of(ctx, 2);  /* live: the callback may change the list */
        if (!push_pair(ctx, h, i))
            break;
        /* [ ... name value ] -> fn.call(thisArg, value, name, headers) */
        duk_dup(ctx, 0);
        duk_dup(ctx, 1);
        duk_dup(ctx, -3);
        duk_dup(ctx, -5);
        duk_dup(ctx, 2);
        duk_call_method(ctx, 3);
        duk_pop_3(ctx);
    }
    return 0;
}

/* ---- iterators ---- */

typedef struct hit_state {
    uint32_t kind;                         /* 0 keys, 1 values, 2 entries */
    uint32_t index;
} hit_state;

static duk_ret_t make_iterator(duk_context *ctx)
{
    this_headers(ctx);
    struct rt__fetchcls *fc = rt__fc(ctx);
    hit_state *st = rt__instance_new(ctx, fc->hit_proto, fc->hit_key, HIS_N, sizeof *st, 0);
    st->kind = (uint32_t)duk_get_current_magic(ctx);
    duk_push_this(ctx);
    rt__dx_slot_put(ctx, -2, HIS_TARGET, fc->hit_key[HIS_TARGET]);
    return 1;
}

static duk_ret_t hit_next(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    hit_state *st = rt__this_state(ctx, fc->hit_key[HIS_STATE], "Headers Iterator");
    duk_push_this(ctx);
    rt__dx_slot_get(ctx, -1, HIS_TARGET, fc->hit_key[HIS_TARGET]);
    rt__hl *h = rt__headers_of(ctx, -1);
    duk_push_object(ctx);
    if (!h || !push_pair(ctx, h, st->index)) {
        duk_push_undefined(ctx);
        duk_put_prop_string(ctx, -2, "value");
        duk_push_true(ctx);
        duk_put_prop_string(ctx, -2, "done");
        return 1;
    }
    st->index++;
    /* [ ... result name value ] */
    if (st->kind == 0) {
        duk_pop(ctx);
    } else if (st->kind == 1) {
        duk_remove(ctx, -2);
    } else {
        duk_push_array(ctx);
        duk_swap_top(ctx, -3);
        duk_put_prop_index(ctx, -3, 0);
        duk_put_prop_index(ctx, -2, 1);
    }
    duk_put_prop_string(ctx, -2, "value");
    duk_push_false(ctx);
    duk_put_prop_string(ctx, -2, "done");
    return 1;
}

/* ---- the constructor and HeadersInit ---- */

/* GetMethod(obj, @@iterator): pushes it, returns 1; 0 (nothing pushed) if undefined/null. */
static int get_iterator_method(duk_context *ctx, duk_idx_t obj)
{
    duk_get_global_string(ctx, "Symbol");
    duk_get_prop_string(ctx, -1, "iterator");
    duk_remove(ctx, -2);
    duk_get_prop(ctx, obj);
    if (duk_is_null_or_undefined(ctx, -1)) {
        duk_pop(ctx);
        return 0;
    }
    if (!duk_is_callable(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers: the init's @@iterator is not a function");
    return 1;
}

/* [ ... method ] -> [ ... ]: iterate init with method; each item must be a pair. */
static void fill_from_iterable(duk_context *ctx, rt__hlref *r, duk_idx_t init)
{
    duk_dup(ctx, init);
    duk_call_method(ctx, 0);               /* [ ... iterator ] */
    if (!duk_is_object(ctx, -1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers: the iterator is not an object");
    duk_idx_t it = duk_get_top_index(ctx);
    duk_get_prop_string(ctx, it, "next");
    duk_idx_t next = duk_get_top_index(ctx);
    for (;;) {
        duk_dup(ctx, next);
        duk_dup(ctx, it);
        duk_call_method(ctx, 0);
        if (!duk_is_object(ctx, -1))
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers: an iterator result is not an object");
        duk_get_prop_string(ctx, -1, "done");
        int done = duk_to_boolean(ctx, -1);
        duk_pop(ctx);
        if (done) {
            duk_pop(ctx);
            break;
        }
        duk_get_prop_string(ctx, -1, "value");
        duk_remove(ctx, -2);
        /* the pair: itself a sequence (iterated as WebIDL converts sequence<ByteString>) */
        duk_idx_t pair = duk_get_top_index(ctx);
        if (!duk_is_object(ctx, pair))
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers: a header pair is not a sequence");
        if (!get_iterator_method(ctx, pair))
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers: a header pair is not iterable");
        duk_push_array(ctx);               /* the items */
        duk_insert(ctx, -2);
        duk_dup(ctx, pair);
        duk_call_method(ctx, 0);
        duk_idx_t pit = duk_get_top_index(ctx);
        duk_get_prop_string(ctx, pit, "next");
        duk_uarridx_t k = 0;
        for (;;) {
            duk_dup(ctx, -1);
            duk_dup(ctx, pit);
            duk_call_method(ctx, 0);
            if (!duk_is_object(ctx, -1))
                (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers: an iterator result is not an object");
            duk_get_prop_string(ctx, -1, "done");
            int d = duk_to_boolean(ctx, -1);
            duk_pop(ctx);
            if (d) {
                duk_pop(ctx);
                break;
            }
            duk_get_prop_string(ctx, -1, "value");
            duk_remove(ctx, -2);
            duk_put_prop_index(ctx, pit - 1, k++);
        }
        duk_pop_2(ctx);                    /* next, iterator */
        if (k != 2)
            (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Headers: a header pair must have exactly two items (it had %u)", (unsigned)k);
        duk_get_prop_index(ctx, -1, 0);
        duk_get_prop_index(ctx, -2, 1);
        append_checked(ctx, r, -2, -1, "Headers");
        duk_pop_3(ctx);                    /* name value items */
        duk_pop(ctx);                      /* pair */
    }
    duk_pop_2(ctx);                        /* next iterator */
}

void rt__hl_fill(duk_context *ctx, rt__hlref *r, duk_idx_t init)
{
    init = duk_normalize_index(ctx, init);
    if (!duk_is_object(ctx, init))         /* null, a string, a number... */
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                        "Headers: the init must be a sequence of pairs, a record or a Headers");
    struct rt__fetchcls *fc = rt__fc(ctx);
    if (get_iterator_method(ctx, init)) {
        rt__hl *src = rt__headers_of(ctx, init);
        if (src && duk_get_heapptr(ctx, -1) == fc->hdr_entries) {
            /* another Headers whose iteration nobody changed: copy its list as it is (the
               pairs iteration would give, without running a script's code) */
            duk_pop(ctx);
            for (uint32_t i = 0;; i++) {
                src = rt__headers_of(ctx, init);
                if (i >= src->n)
                    break;
                const char *n, *v;
                size_t nl, vl;
                rt__hl_entry(src, i, &n, &nl, &v, &vl);
                /* through scratch: the append may grow the list they point into */
                char small[512], *tmp = nl + vl <= sizeof small ? small : rt__malloc(nl + vl);
                if (!tmp)
                    (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
                memcpy(tmp, n, nl);
                memcpy(tmp + nl, v, vl);
                if (r->idx >= 0)
                    r->h = rt__headers_of(ctx, r->idx);
                rt__hl_append(ctx, r, tmp, nl, tmp + nl, vl);
                if (tmp != small)
                    rt__free(tmp);
            }
            return;
        }
        fill_from_iterable(ctx, r, init);
        return;
    }
    /* a Proxy record: WebIDL's steps in JavaScript, calling the traps Duktape's Proxy does
       not (lib/engine/js/05-builtins.js), then the pairs appended as they came */
    if (rt__dx_proxy_parts(ctx, init)) {
        duk_push_heap_stash(ctx);
        duk_get_prop_string(ctx, -1, "native");
        duk_get_prop_string(ctx, -1, "proxyRecord");
        duk_dup(ctx, init);
        duk_dup(ctx, -6);
        duk_dup(ctx, -6);
        duk_call(ctx, 3);                  /* [ ... target handler stash native pairs ] */
        duk_size_t n = duk_get_length(ctx, -1);
        for (duk_size_t i = 0; i < n; i++) {
            duk_get_prop_index(ctx, -1, (duk_uarridx_t)i);
            duk_get_prop_index(ctx, -1, 0);
            duk_get_prop_index(ctx, -2, 1);
            append_checked(ctx, r, -2, -1, "Headers");
            duk_pop_3(ctx);
        }
        duk_pop_n(ctx, 5);
        return;
    }
    /* a record: own enumerable keys, in order; an enumerable Symbol key throws (ToString) */
    duk_enum(ctx, init, DUK_ENUM_OWN_PROPERTIES_ONLY | DUK_ENUM_INCLUDE_SYMBOLS);
    while (duk_next(ctx, -1, 1)) {
        /* [ ... enum key value ] */
        append_checked(ctx, r, -2, -1, "Headers");
        duk_pop_2(ctx);
    }
    duk_pop(ctx);
}

static duk_ret_t hdr_ctor(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Class constructor Headers cannot be invoked without 'new'");
    struct rt__fetchcls *fc = rt__fc(ctx);
    duk_idx_t nargs = duk_get_top(ctx);
    duk_push_this(ctx);
    rt__hl *h = rt__instance_init(ctx, -1, fc->hdr_key, HS_N, block_size(8, 256), 1);
    h->cap = 8;
    h->bcap = 256;
    if (nargs > 0 && !duk_is_undefined(ctx, 0)) {
        rt__hlref r;
        obj_ref(ctx, &r, -1);
        rt__hl_fill(ctx, &r, 0);
    }
    return 0;
}

int rt__headers_init(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    fc->hdr_key[HS_STATE] = rt__hidden_key(ctx, "Headers");
    fc->hit_key[HIS_STATE] = rt__hidden_key(ctx, "HeadersIterator");
    fc->hit_key[HIS_TARGET] = rt__hidden_key(ctx, "HeadersIteratorTarget");
    static const rt__method methods[] = {
        {"append", hdr_append, DUK_VARARGS, 2, 0},
        {"delete", hdr_delete, DUK_VARARGS, 1, 0},
        {"get", hdr_get, DUK_VARARGS, 1, 0},
        {"getSetCookie", hdr_get_set_cookie, 0, 0, 0},
        {"has", hdr_has, DUK_VARARGS, 1, 0},
        {"set", hdr_set, DUK_VARARGS, 2, 0},
        {"forEach", hdr_for_each, DUK_VARARGS, 1, 0},
        {"keys", make_iterator, 0, 0, 0},
        {"values", make_iterator, 0, 0, 1},
        {"entries", make_iterator, 0, 0, 2},
        {NULL, NULL, 0, 0, 0}};
    fc->hdr_proto = rt__class_define(ctx, "Headers", hdr_ctor, 0, methods, NULL, NULL, NULL, NULL);
    /* @@iterator is entries itself (WebIDL), not enumerable */
    duk_push_heapptr(ctx, fc->hdr_proto);
    duk_get_prop_string(ctx, -1, "entries");
    fc->hdr_entries = duk_get_heapptr(ctx, -1);
    duk_get_global_string(ctx, "Symbol");
    duk_get_prop_string(ctx, -1, "iterator");
    duk_remove(ctx, -2);
    duk_swap_top(ctx, -2);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_pop(ctx);
    fc->hit_proto = rt__iterator_proto(ctx, hit_next, "Headers Iterator");
    return 0;
}
