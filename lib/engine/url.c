/*
 * url.c (engine) - the URL and URLSearchParams classes as C-backed objects over the parser of
 * lib/net/url.c. Installed once at start-up (rt__url_init, from lib/engine/runtime.c after
 * the JS modules, so that Symbol.iterator exists); request.c and body.c reach URLSearchParams
 * through rt__url_search_params_push_string.
 *
 * State lives behind hidden symbols, in Duktape values, so no finalizer is needed:
 *   URL                 K_URL: a dynamic buffer holding url_state (a class tag and the
 *                       rt__url offsets) followed by the href bytes; K_SP: its
 *                       URLSearchParams, made on first use of .searchParams.
 *   URLSearchParams     K_USP: a small buffer with the class tag; K_LIST: a flat array
 *                       [name0, value0, name1, ...] of strings (mutated in place, never
 *                       replaced, so iterators can hold it); K_OWNER: the URL's state buffer
 *                       when the object is a URL's searchParams (the buffer, not the URL
 *                       object: no reference cycle).
 *   iterator            K_IT: class tag, kind and index; K_LIST: the list it walks (live).
 * Each method checks the class tag before trusting a buffer, so URL.prototype.href's getter
 * called on {} is a TypeError. Methods and accessors are defined once on the prototypes,
 * enumerable as WebIDL (and Node) have them.
 *
 * Strings: JS strings are CESU-8 inside Duktape; they go to the parser as UTF-8 with lone
 * surrogates replaced by U+FFFD (WebIDL's USVString), and come back as CESU-8. Anything the
 * parser allocates (rt__malloc) is copied into Duktape values inside a protected call and
 * freed before an error is rethrown, so an out-of-memory error leaks nothing.
 */
#include <string.h>

#include "engine.h"
#include "text.h"
#include "url.h"

#define K_URL DUK_HIDDEN_SYMBOL("url")
#define K_SP DUK_HIDDEN_SYMBOL("urlsp")
#define K_USP DUK_HIDDEN_SYMBOL("usp")
#define K_LIST DUK_HIDDEN_SYMBOL("usplist")
#define K_OWNER DUK_HIDDEN_SYMBOL("uspowner")
#define K_IT DUK_HIDDEN_SYMBOL("uspit")

#define URL_MAGIC 0x55524c31u              /* "URL1" */
#define USP_MAGIC 0x55535031u              /* "USP1" */
#define IT_MAGIC 0x55495431u               /* "UIT1" */

typedef struct url_state {
    uint32_t magic;
    uint32_t pad;
    rt__url u;                             /* u.href unused: the bytes follow the struct */
} url_state;

typedef struct usp_state {
    uint32_t magic;
} usp_state;

typedef struct it_state {
    uint32_t magic;
    uint32_t kind;                         /* 0 keys, 1 values, 2 entries */
    uint32_t index;
} it_state;

static void throw_oom(duk_context *ctx)
{
    (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
}

/* ---- strings: lib/engine/text.c ---- */

#define to_utf8 rt__to_utf8
#define to_usv rt__to_usv

static void push_utf8(duk_context *ctx, const char *s, size_t n)
{
    rt__push_utf8(ctx, s, n, 0);           /* the parser's output is valid UTF-8 */
}

/* ---- URL state ---- */

/* The URL state of the object at idx, or NULL. *view gets an rt__url whose href points into
   the buffer (valid while the buffer is not resized and stays reachable). */
static url_state *url_get(duk_context *ctx, duk_idx_t idx, rt__url *view)
{
    if (!duk_is_object(ctx, idx))
        return NULL;
    duk_get_prop_string(ctx, idx, K_URL);
    duk_size_t sz = 0;
    url_state *st = duk_is_buffer_data(ctx, -1) ? duk_get_buffer_data(ctx, -1, &sz) : NULL;
    duk_pop(ctx);
    if (!st || sz < sizeof *st || st->magic != URL_MAGIC || sz < sizeof *st + st->u.href_len + 1)
        return NULL;
    *view = st->u;
    view->href = (char *)(st + 1);
    return st;
}

/* this as a URL, or a TypeError. Leaves the stack as it was. */
static void url_this(duk_context *ctx, rt__url *view)
{
    duk_push_this(ctx);
    if (!url_get(ctx, -1, view))
        (void)duk_type_error(ctx, "Value of \"this\" must be of type URL");
    duk_pop(ctx);
}

/* Copy *u into the state buffer at buf_idx (resized). Protected-call body. */
typedef struct store_args {
    duk_idx_t buf_idx;
    const rt__url *u;
} store_args;

static duk_ret_t store_cb(duk_context *ctx, void *ud)
{
    store_args *a = ud;
    url_state *st = duk_resize_buffer(ctx, a->buf_idx, sizeof *st + a->u->href_len + 1);
    st->magic = URL_MAGIC;
    st->pad = 0;
    st->u = *a->u;
    st->u.href = NULL;
    memcpy(st + 1, a->u->href, (size_t)a->u->href_len + 1);
    return 0;
}

/* Store *u (then freed, whatever happens) into the dynamic buffer at buf_idx. */
static void url_store(duk_context *ctx, duk_idx_t buf_idx, rt__url *u)
{
    store_args a = {duk_normalize_index(ctx, buf_idx), u};
    int rc = duk_safe_call(ctx, store_cb, &a, 0, 1);
    rt__url_free(u);
    if (rc != DUK_EXEC_SUCCESS)
        (void)duk_throw(ctx);
    duk_pop(ctx);
}

/* ---- URLSearchParams lists ---- */

/* [ ... ] -> [ ... array ]: the pairs as a flat array of strings. Protected-call body. */
static duk_ret_t pairs_to_array_cb(duk_context *ctx, void *ud)
{
    const rt__url_pairs *l = ud;
    duk_push_array(ctx);
    for (size_t i = 0; i < l->n; i++) {
        push_utf8(ctx, l->v[i].name, l->v[i].name_len);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)(2 * i));
        push_utf8(ctx, l->v[i].value, l->v[i].value_len);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t)(2 * i + 1));
    }
    return 1;
}

/* Replace the contents of the list array at list_idx by the form-urlencoded parse of
   s[0..n). */
static void list_parse_into(duk_context *ctx, duk_idx_t list_idx, const char *s, size_t n)
{
    list_idx = duk_normalize_index(ctx, list_idx);
    rt__url_pairs l = {0};
    int rc = rt__url_form_parse(s, n, &l);
    if (rc < 0) {
        rt__url_pairs_free(&l);
        throw_oom(ctx);
    }
    rc = duk_safe_call(ctx, pairs_to_array_cb, &l, 0, 1);
    rt__url_pairs_free(&l);
    if (rc != DUK_EXEC_SUCCESS)
        (void)duk_throw(ctx);
    /* [ ... tmp ] -> copy into the list in place */
    duk_size_t m = duk_get_length(ctx, -1);
    duk_set_length(ctx, list_idx, 0);
    for (duk_uarridx_t i = 0; i < m; i++) {
        duk_get_prop_index(ctx, -1, i);
        duk_put_prop_index(ctx, list_idx, i);
    }
    duk_pop(ctx);
}

/* [ ... ] -> [ ... string ]: the form-urlencoded serialisation of the list at list_idx. */
static void list_serialize(duk_context *ctx, duk_idx_t list_idx)
{
    list_idx = duk_normalize_index(ctx, list_idx);
    duk_size_t m = duk_get_length(ctx, list_idx);
    duk_push_dynamic_buffer(ctx, 0);
    duk_idx_t out = duk_get_top_index(ctx);
    rt__buf b = {0};
    for (duk_uarridx_t i = 0; i < m; i++) {
        duk_get_prop_index(ctx, list_idx, i);
        const char *p;
        size_t n;
        to_utf8(ctx, -1, &p, &n);
        int e = (i > 0 && rt__buf_append(&b, (i & 1) ? "=" : "&", 1)) ||
                rt__url_form_encode(&b, p, n);
        duk_pop_2(ctx);
        if (e) {
            rt__buf_free(&b);
            throw_oom(ctx);
        }
    }
    /* b holds ASCII: move it into a JS string without a chance of leaking on error */
    void *d = duk_resize_buffer(ctx, out, b.len);
    if (b.len)
        memcpy(d, b.data, b.len);
    rt__buf_free(&b);
    duk_buffer_to_string(ctx, out);
}

/* The URLSearchParams update steps: the list at list_idx into the owner URL's query. */
static void usp_update(duk_context *ctx, duk_idx_t obj_idx, duk_idx_t list_idx)
{
    obj_idx = duk_normalize_index(ctx, obj_idx);
    list_idx = duk_normalize_index(ctx, list_idx);
    duk_get_prop_string(ctx, obj_idx, K_OWNER);
    duk_idx_t owner = duk_get_top_index(ctx);
    duk_size_t sz = 0;
    url_state *st = duk_is_buffer_data(ctx, owner) ? duk_get_buffer_data(ctx, owner, &sz) : NULL;
    if (!st || sz < sizeof *st || st->magic != URL_MAGIC) {
        duk_pop(ctx);
        return;
    }
    list_serialize(ctx, list_idx);
    duk_size_t qn;
    const char *q = duk_get_lstring(ctx, -1, &qn);
    st = duk_get_buffer_data(ctx, owner, &sz);    /* serialising may have run a GC */
    rt__url view = st->u, copy;
    view.href = (char *)(st + 1);
    if (rt__url_copy(&view, &copy) < 0)
        throw_oom(ctx);
    int rc = rt__url_set_query_raw(&copy, qn ? q : NULL, qn);
    if (rc < 0) {
        rt__url_free(&copy);
        throw_oom(ctx);
    }
    url_store(ctx, owner, &copy);
    duk_pop_2(ctx);
}

/* ---- URL ---- */

static void throw_invalid_url(duk_context *ctx, duk_idx_t input_idx)
{
    input_idx = duk_normalize_index(ctx, input_idx);
    duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "Invalid URL");
    duk_push_string(ctx, "ERR_INVALID_URL");
    duk_put_prop_string(ctx, -2, "code");
    duk_dup(ctx, input_idx);
    duk_put_prop_string(ctx, -2, "input");
    (void)duk_throw(ctx);
}

/* Parse args (url at 0, base at 1 unless undefined) into *out. 0, RT_EINVALID_URL (then
   *bad_idx is the argument that failed) or a thrown error. Leaves the stack as it was. */
static int parse_args(duk_context *ctx, rt__url *out, duk_idx_t *bad_idx)
{
    duk_idx_t top = duk_get_top(ctx);
    int has_base = top > 1 && !duk_is_undefined(ctx, 1);
    to_usv(ctx, 0);
    duk_replace(ctx, 0);
    if (has_base) {
        to_usv(ctx, 1);
        duk_replace(ctx, 1);
    }
    rt__url base;
    const char *p;
    size_t n;
    if (has_base) {
        to_utf8(ctx, 1, &p, &n);
        int rc = rt__url_parse(p, n, NULL, &base);
        duk_pop(ctx);
        if (rc == RT_ENOMEM)
            throw_oom(ctx);
        if (rc < 0) {
            *bad_idx = 1;
            return rc;
        }
    }
    to_utf8(ctx, 0, &p, &n);
    int rc = rt__url_parse(p, n, has_base ? &base : NULL, out);
    duk_pop(ctx);
    if (has_base)
        rt__url_free(&base);
    if (rc == RT_ENOMEM)
        throw_oom(ctx);
    *bad_idx = 0;
    return rc;
}

static duk_ret_t url_ctor(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_type_error(ctx, "Class constructor URL cannot be invoked without 'new'");
    if (duk_get_top(ctx) < 1)
        return duk_type_error(ctx, "URL: 1 argument required, but only 0 present.");
    rt__url u;
    duk_idx_t bad;
    if (parse_args(ctx, &u, &bad) < 0)
        throw_invalid_url(ctx, bad == 1 ? 1 : 0);
    duk_push_this(ctx);
    duk_push_dynamic_buffer(ctx, 0);
    url_store(ctx, -1, &u);
    duk_put_prop_string(ctx, -2, K_URL);
    return 0;
}

/* [ ... ] -> [ ... url ]: a new URL object holding *u (freed). */
static void push_url(duk_context *ctx, rt__url *u)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "urlProto");
    duk_remove(ctx, -2);
    duk_push_object(ctx);
    duk_insert(ctx, -2);
    duk_set_prototype(ctx, -2);
    duk_push_dynamic_buffer(ctx, 0);
    url_store(ctx, -1, u);
    duk_put_prop_string(ctx, -2, K_URL);
}

static duk_ret_t url_can_parse(duk_context *ctx)
{
    if (duk_get_top(ctx) < 1)
        return duk_type_error(ctx, "URL.canParse: 1 argument required, but only 0 present.");
    rt__url u;
    duk_idx_t bad;
    int rc = parse_args(ctx, &u, &bad);
    if (rc == 0)
        rt__url_free(&u);
    duk_push_boolean(ctx, rc == 0);
    return 1;
}

static duk_ret_t url_parse_static(duk_context *ctx)
{
    if (duk_get_top(ctx) < 1)
        return duk_type_error(ctx, "URL.parse: 1 argument required, but only 0 present.");
    rt__url u;
    duk_idx_t bad;
    if (parse_args(ctx, &u, &bad) < 0) {
        duk_push_null(ctx);
        return 1;
    }
    push_url(ctx, &u);
    return 1;
}

static duk_ret_t push_span(duk_context *ctx, rt__url_span s)
{
    duk_push_lstring(ctx, s.p, s.n);
    return 1;
}

#define URL_GETTER(name)                                          \
    static duk_ret_t url_get_##name(duk_context *ctx)             \
    {                                                             \
        rt__url v;                                                \
        url_this(ctx, &v);                                        \
        return push_span(ctx, rt__url_##name(&v));                \
    }
URL_GETTER(protocol)
URL_GETTER(username)
URL_GETTER(password)
URL_GETTER(host)
URL_GETTER(hostname)
URL_GETTER(port)
URL_GETTER(pathname)
URL_GETTER(search)
URL_GETTER(hash)

static duk_ret_t url_get_href(duk_context *ctx)
{
    rt__url v;
    url_this(ctx, &v);
    duk_push_lstring(ctx, v.href, v.href_len);
    return 1;
}

static duk_ret_t url_get_origin(duk_context *ctx)
{
    rt__url v;
    url_this(ctx, &v);
    char *o;
    size_t n;
    if (rt__url_origin(&v, &o, &n) < 0)
        throw_oom(ctx);
    duk_push_lstring(ctx, o, n);           /* may throw: copy first, then free */
    rt__free(o);
    return 1;
}

/* After the query changed: the searchParams list (if any) follows it. this at idx. */
static void url_sync_params(duk_context *ctx, duk_idx_t this_idx)
{
    this_idx = duk_normalize_index(ctx, this_idx);
    duk_get_prop_string(ctx, this_idx, K_SP);
    if (!duk_is_object(ctx, -1)) {
        duk_pop(ctx);
        return;
    }
    duk_get_prop_string(ctx, -1, K_LIST);
    rt__url v;
    if (!url_get(ctx, this_idx, &v)) {
        duk_pop_2(ctx);
        return;
    }
    rt__url_span q = rt__url_query(&v);
    /* the span points into the state buffer: copy it before running anything */
    duk_push_lstring(ctx, q.p, q.n);
    duk_size_t qn;
    const char *qs = duk_get_lstring(ctx, -1, &qn);
    list_parse_into(ctx, -2, qs, qn);
    duk_pop_3(ctx);
}

typedef int (*url_setter_fn)(rt__url *, const char *, size_t);

static void url_set(duk_context *ctx, url_setter_fn fn, int throws, int query_changes)
{
    duk_push_this(ctx);
    duk_idx_t self = duk_get_top_index(ctx);
    rt__url v;
    if (!url_get(ctx, self, &v))
        (void)duk_type_error(ctx, "Value of \"this\" must be of type URL");
    to_usv(ctx, 0);
    const char *p;
    size_t n;
    to_utf8(ctx, -1, &p, &n);
    duk_get_prop_string(ctx, self, K_URL);
    duk_idx_t buf = duk_get_top_index(ctx);
    url_get(ctx, self, &v);                /* again: to_utf8 may have run a GC */
    rt__url copy;
    if (rt__url_copy(&v, &copy) < 0)
        throw_oom(ctx);
    int rc = fn(&copy, p, n);
    if (rc < 0) {
        rt__url_free(&copy);
        if (rc == RT_EINVALID_URL && throws)
            throw_invalid_url(ctx, -3);
        throw_oom(ctx);
    }
    url_store(ctx, buf, &copy);
    if (query_changes)
        url_sync_params(ctx, self);
}

#define URL_SETTER(name, throws, q)                               \
    static duk_ret_t url_set_##name(duk_context *ctx)             \
    {                                                             \
        url_set(ctx, rt__url_set_##name, throws, q);              \
        return 0;                                                 \
    }
URL_SETTER(href, 1, 1)
URL_SETTER(protocol, 0, 0)
URL_SETTER(username, 0, 0)
URL_SETTER(password, 0, 0)
URL_SETTER(host, 0, 0)
URL_SETTER(hostname, 0, 0)
URL_SETTER(port, 0, 0)
URL_SETTER(pathname, 0, 0)
URL_SETTER(search, 0, 1)
URL_SETTER(hash, 0, 0)

static void push_usp_object(duk_context *ctx);

static duk_ret_t url_get_search_params(duk_context *ctx)
{
    rt__url v;
    url_this(ctx, &v);
    duk_push_this(ctx);
    duk_get_prop_string(ctx, -1, K_SP);
    if (duk_is_object(ctx, -1))
        return 1;
    duk_pop(ctx);
    push_usp_object(ctx);                  /* [ this usp ] */
    duk_get_prop_string(ctx, -2, K_URL);
    duk_put_prop_string(ctx, -2, K_OWNER);
    duk_dup(ctx, -1);
    duk_put_prop_string(ctx, -3, K_SP);
    url_sync_params(ctx, -2);
    return 1;
}

static duk_ret_t url_to_string(duk_context *ctx)
{
    return url_get_href(ctx);
}

/* ---- URLSearchParams ---- */

/* [ ... ] -> [ ... usp ]: a new, empty URLSearchParams. */
static void push_usp_object(duk_context *ctx)
{
    duk_push_object(ctx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "uspProto");
    duk_remove(ctx, -2);
    duk_set_prototype(ctx, -2);
    usp_state *st = duk_push_fixed_buffer(ctx, sizeof *st);
    st->magic = USP_MAGIC;
    duk_put_prop_string(ctx, -2, K_USP);
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, K_LIST);
}

static int is_usp(duk_context *ctx, duk_idx_t idx)
{
    if (!duk_is_object(ctx, idx))
        return 0;
    duk_get_prop_string(ctx, idx, K_USP);
    duk_size_t sz = 0;
    usp_state *st = duk_is_buffer_data(ctx, -1) ? duk_get_buffer_data(ctx, -1, &sz) : NULL;
    duk_pop(ctx);
    return st && sz >= sizeof *st && st->magic == USP_MAGIC;
}

/* [ ... ] -> [ ... this list ] or a TypeError. */
static void usp_this(duk_context *ctx)
{
    duk_push_this(ctx);
    if (!is_usp(ctx, -1))
        (void)duk_type_error(ctx, "Value of \"this\" must be of type URLSearchParams");
    duk_get_prop_string(ctx, -1, K_LIST);
}

static void need_args(duk_context *ctx, duk_idx_t n, const char *what)
{
    if (duk_get_top(ctx) < n)
        (void)duk_type_error(ctx, "%s", what);
}

static void list_push(duk_context *ctx, duk_idx_t list, duk_idx_t name, duk_idx_t value)
{
    duk_size_t m = duk_get_length(ctx, list);
    duk_dup(ctx, name);
    duk_put_prop_index(ctx, list, (duk_uarridx_t)m);
    duk_dup(ctx, value);
    duk_put_prop_index(ctx, list, (duk_uarridx_t)m + 1);
}

/* Iterate the iterable at idx, calling fn for each value ([ ... value ] on entry; fn must
   leave the stack as it found it). */
static void iterate(duk_context *ctx, duk_idx_t idx, duk_idx_t method,
                    void (*fn)(duk_context *, void *), void *ud)
{
    duk_dup(ctx, method);
    duk_dup(ctx, idx);
    duk_call_method(ctx, 0);               /* [ ... it ] */
    if (!duk_is_object(ctx, -1))
        (void)duk_type_error(ctx, "Result of the Symbol.iterator method is not an object");
    duk_get_prop_string(ctx, -1, "next");  /* [ ... it next ] */
    for (;;) {
        duk_dup(ctx, -1);
        duk_dup(ctx, -3);
        duk_call_method(ctx, 0);           /* [ ... it next res ] */
        if (!duk_is_object(ctx, -1))
            (void)duk_type_error(ctx, "Iterator result is not an object");
        duk_get_prop_string(ctx, -1, "done");
        int done = duk_to_boolean(ctx, -1);
        duk_pop(ctx);
        if (done) {
            duk_pop(ctx);
            break;
        }
        duk_get_prop_string(ctx, -1, "value");
        duk_remove(ctx, -2);               /* [ ... it next value ] */
        fn(ctx, ud);
        duk_pop(ctx);
    }
    duk_pop_2(ctx);
}

static void collect_cb(duk_context *ctx, void *ud)
{
    duk_idx_t arr = *(duk_idx_t *)ud;
    duk_dup(ctx, -1);
    duk_put_prop_index(ctx, arr, (duk_uarridx_t)duk_get_length(ctx, arr));
}

static duk_ret_t usp_ctor(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_type_error(ctx, "Class constructor URLSearchParams cannot be invoked without 'new'");
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                    /* [ init this ] */
    usp_state *st = duk_push_fixed_buffer(ctx, sizeof *st);
    st->magic = USP_MAGIC;
    duk_put_prop_string(ctx, 1, K_USP);
    duk_push_array(ctx);
    duk_dup(ctx, -1);
    duk_put_prop_string(ctx, 1, K_LIST);   /* [ init this list ] */
    duk_idx_t list = 2;
    if (duk_is_undefined(ctx, 0) || duk_is_null(ctx, 0))
        return 0;
    if (duk_is_object(ctx, 0)) {
        duk_push_global_object(ctx);
        duk_get_prop_string(ctx, -1, "Symbol");
        duk_get_prop_string(ctx, -1, "iterator");
        duk_get_prop(ctx, 0);              /* [ init this list global Symbol method ] */
        duk_remove(ctx, -2);
        duk_remove(ctx, -2);
        duk_idx_t method = duk_get_top_index(ctx);
        if (!duk_is_undefined(ctx, method) && !duk_is_null(ctx, method)) {
            if (!duk_is_callable(ctx, method))
                return duk_type_error(ctx, "URLSearchParams: init[Symbol.iterator] is not a function");
            duk_push_array(ctx);
            duk_idx_t pairs = duk_get_top_index(ctx);
            iterate(ctx, 0, method, collect_cb, &pairs);
            duk_size_t np = duk_get_length(ctx, pairs);
            for (duk_uarridx_t i = 0; i < np; i++) {
                duk_get_prop_index(ctx, pairs, i);     /* [ ... pair ] */
                if (!duk_is_object(ctx, -1))
                    return duk_type_error(ctx, "Each query pair must be an iterable [name, value] tuple");
                duk_push_global_object(ctx);
                duk_get_prop_string(ctx, -1, "Symbol");
                duk_get_prop_string(ctx, -1, "iterator");
                duk_get_prop(ctx, -4);
                duk_remove(ctx, -2);
                duk_remove(ctx, -2);               /* [ ... pair pmethod ] */
                if (!duk_is_callable(ctx, -1))
                    return duk_type_error(ctx, "Each query pair must be an iterable [name, value] tuple");
                duk_push_array(ctx);
                duk_idx_t items = duk_get_top_index(ctx);
                iterate(ctx, items - 2, items - 1, collect_cb, &items);
                if (duk_get_length(ctx, items) != 2)
                    return duk_type_error(ctx, "Each query pair must be an iterable [name, value] tuple");
                duk_get_prop_index(ctx, items, 0);
                to_usv(ctx, -1);
                duk_get_prop_index(ctx, items, 1);
                to_usv(ctx, -1);                   /* [ ... pair pm items n nu v vu ] */
                list_push(ctx, list, -3, -1);
                duk_pop_n(ctx, 7);
            }
            return 0;
        }
        duk_pop(ctx);
        /* a record<USVString, USVString>: own enumerable string keys, in order */
        duk_enum(ctx, 0, DUK_ENUM_OWN_PROPERTIES_ONLY | DUK_ENUM_SORT_ARRAY_INDICES);
        while (duk_next(ctx, -1, 0)) {     /* [ ... enum key ] */
            duk_dup(ctx, -1);
            duk_get_prop(ctx, 0);          /* Get(O, key): getters run */
            to_usv(ctx, -2);
            to_usv(ctx, -2);               /* [ ... enum key val ukey uval ] */
            /* two keys can meet as USVStrings (lone surrogates): the later value wins */
            duk_size_t m = duk_get_length(ctx, list);
            duk_uarridx_t at = (duk_uarridx_t)m;
            for (duk_uarridx_t r = 0; r + 1 < m; r += 2) {
                duk_get_prop_index(ctx, list, r);
                int same = duk_strict_equals(ctx, -1, -3);
                duk_pop(ctx);
                if (same) {
                    at = r;
                    break;
                }
            }
            duk_dup(ctx, -2);
            duk_put_prop_index(ctx, list, at);
            duk_dup(ctx, -1);
            duk_put_prop_index(ctx, list, at + 1);
            duk_pop_n(ctx, 4);
        }
        duk_pop(ctx);
        return 0;
    }
    to_usv(ctx, 0);
    const char *p;
    size_t n;
    to_utf8(ctx, -1, &p, &n);
    if (n > 0 && p[0] == '?') {
        p++;
        n--;
    }
    list_parse_into(ctx, list, p, n);
    return 0;
}

static duk_ret_t usp_append(duk_context *ctx)
{
    need_args(ctx, 2, "The \"name\" and \"value\" arguments must be specified");
    duk_set_top(ctx, 2);
    to_usv(ctx, 0);
    duk_replace(ctx, 0);
    to_usv(ctx, 1);
    duk_replace(ctx, 1);
    usp_this(ctx);                         /* [ n v this list ] */
    list_push(ctx, 3, 0, 1);
    usp_update(ctx, 2, 3);
    return 0;
}

/* Remove the pairs named by arg 0 (and valued arg 1 when given); 1 if any went. */
static duk_ret_t usp_delete(duk_context *ctx)
{
    need_args(ctx, 1, "The \"name\" argument must be specified");
    int with_value = duk_get_top(ctx) > 1 && !duk_is_undefined(ctx, 1);
    duk_set_top(ctx, 2);
    to_usv(ctx, 0);
    duk_replace(ctx, 0);
    if (with_value) {
        to_usv(ctx, 1);
        duk_replace(ctx, 1);
    }
    usp_this(ctx);                         /* [ n v this list ] */
    duk_size_t m = duk_get_length(ctx, 3);
    duk_uarridx_t w = 0;
    for (duk_uarridx_t r = 0; r + 1 < m; r += 2) {
        duk_get_prop_index(ctx, 3, r);
        duk_get_prop_index(ctx, 3, r + 1);
        int drop = duk_strict_equals(ctx, -2, 0) && (!with_value || duk_strict_equals(ctx, -1, 1));
        if (!drop) {
            duk_put_prop_index(ctx, 3, w + 1);
            duk_put_prop_index(ctx, 3, w);
            w += 2;
        } else {
            duk_pop_2(ctx);
        }
    }
    duk_set_length(ctx, 3, w);
    usp_update(ctx, 2, 3);
    return 0;
}

static duk_ret_t usp_get(duk_context *ctx)
{
    need_args(ctx, 1, "The \"name\" argument must be specified");
    duk_set_top(ctx, 1);
    to_usv(ctx, 0);
    duk_replace(ctx, 0);
    usp_this(ctx);
    duk_size_t m = duk_get_length(ctx, 2);
    for (duk_uarridx_t r = 0; r + 1 < m; r += 2) {
        duk_get_prop_index(ctx, 2, r);
        int hit = duk_strict_equals(ctx, -1, 0);
        duk_pop(ctx);
        if (hit) {
            duk_get_prop_index(ctx, 2, r + 1);
            return 1;
        }
    }
    duk_push_null(ctx);
    return 1;
}

static duk_ret_t usp_get_all(duk_context *ctx)
{
    need_args(ctx, 1, "The \"name\" argument must be specified");
    duk_set_top(ctx, 1);
    to_usv(ctx, 0);
    duk_replace(ctx, 0);
    usp_this(ctx);
    duk_push_array(ctx);
    duk_uarridx_t k = 0;
    duk_size_t m = duk_get_length(ctx, 2);
    for (duk_uarridx_t r = 0; r + 1 < m; r += 2) {
        duk_get_prop_index(ctx, 2, r);
        int hit = duk_strict_equals(ctx, -1, 0);
        duk_pop(ctx);
        if (hit) {
            duk_get_prop_index(ctx, 2, r + 1);
            duk_put_prop_index(ctx, -2, k++);
        }
    }
    return 1;
}

static duk_ret_t usp_has(duk_context *ctx)
{
    need_args(ctx, 1, "The \"name\" argument must be specified");
    int with_value = duk_get_top(ctx) > 1 && !duk_is_undefined(ctx, 1);
    duk_set_top(ctx, 2);
    to_usv(ctx, 0);
    duk_replace(ctx, 0);
    if (with_value) {
        to_usv(ctx, 1);
        duk_replace(ctx, 1);
    }
    usp_this(ctx);
    duk_size_t m = duk_get_length(ctx, 3);
    for (duk_uarridx_t r = 0; r + 1 < m; r += 2) {
        duk_get_prop_index(ctx, 3, r);
        duk_get_prop_index(ctx, 3, r + 1);
        int hit = duk_strict_equals(ctx, -2, 0) && (!with_value || duk_strict_equals(ctx, -1, 1));
        duk_pop_2(ctx);
        if (hit) {
            duk_push_true(ctx);
            return 1;
        }
    }
    duk_push_false(ctx);
    return 1;
}

static duk_ret_t usp_set(duk_context *ctx)
{
    need_args(ctx, 2, "The \"name\" and \"value\" arguments must be specified");
    duk_set_top(ctx, 2);
    to_usv(ctx, 0);
    duk_replace(ctx, 0);
    to_usv(ctx, 1);
    duk_replace(ctx, 1);
    usp_this(ctx);                         /* [ n v this list ] */
    duk_size_t m = duk_get_length(ctx, 3);
    duk_uarridx_t w = 0;
    int found = 0;
    for (duk_uarridx_t r = 0; r + 1 < m; r += 2) {
        duk_get_prop_index(ctx, 3, r);
        int hit = duk_strict_equals(ctx, -1, 0);
        duk_pop(ctx);
        if (hit && found)
            continue;                      /* later pairs with the name go */
        duk_get_prop_index(ctx, 3, r);
        if (hit)
            duk_dup(ctx, 1);
        else
            duk_get_prop_index(ctx, 3, r + 1);
        duk_put_prop_index(ctx, 3, w + 1);
        duk_put_prop_index(ctx, 3, w);
        w += 2;
        found |= hit;
    }
    duk_set_length(ctx, 3, w);
    if (!found)
        list_push(ctx, 3, 0, 1);
    usp_update(ctx, 2, 3);
    return 0;
}

/* Order of names by UTF-16 code units: Duktape keeps strings as CESU-8, whose byte order is
   the code-unit order. */
static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static duk_ret_t usp_sort(duk_context *ctx)
{
    duk_set_top(ctx, 0);
    usp_this(ctx);                         /* [ this list ] */
    duk_size_t m = duk_get_length(ctx, 1) / 2;
    if (m < 2) {
        usp_update(ctx, 0, 1);
        return 0;
    }
    /* a stable merge sort of pair indices (scratch buffers in the heap, so nothing leaks) */
    uint32_t *idx = duk_push_fixed_buffer(ctx, m * 2 * sizeof *idx);
    uint32_t *tmp = idx + m;
    duk_push_array(ctx);                   /* [ this list idxbuf copy ] */
    for (duk_uarridx_t i = 0; i < 2 * m; i++) {
        duk_get_prop_index(ctx, 1, i);
        duk_put_prop_index(ctx, 3, i);
    }
    for (uint32_t i = 0; i < m; i++)
        idx[i] = i;
    for (size_t width = 1; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            size_t mid = lo + width < m ? lo + width : m, hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi) {
                duk_size_t an, bn;
                duk_get_prop_index(ctx, 3, 2 * idx[a]);
                duk_get_prop_index(ctx, 3, 2 * idx[b]);
                const char *as = duk_get_lstring(ctx, -2, &an), *bs = duk_get_lstring(ctx, -1, &bn);
                int c = name_cmp(as, an, bs, bn);
                duk_pop_2(ctx);
                tmp[o++] = c <= 0 ? idx[a++] : idx[b++];
            }
            while (a < mid)
                tmp[o++] = idx[a++];
            while (b < hi)
                tmp[o++] = idx[b++];
        }
        memcpy(idx, tmp, m * sizeof *idx);
    }
    for (duk_uarridx_t i = 0; i < m; i++) {
        duk_get_prop_index(ctx, 3, 2 * idx[i]);
        duk_put_prop_index(ctx, 1, 2 * i);
        duk_get_prop_index(ctx, 3, 2 * idx[i] + 1);
        duk_put_prop_index(ctx, 1, 2 * i + 1);
    }
    usp_update(ctx, 0, 1);
    return 0;
}

static duk_ret_t usp_to_string(duk_context *ctx)
{
    usp_this(ctx);
    list_serialize(ctx, -1);
    return 1;
}

static duk_ret_t usp_get_size(duk_context *ctx)
{
    usp_this(ctx);
    duk_push_uint(ctx, (duk_uint_t)(duk_get_length(ctx, -1) / 2));
    return 1;
}

static duk_ret_t usp_for_each(duk_context *ctx)
{
    need_args(ctx, 1, "The \"callback\" argument must be specified");
    duk_set_top(ctx, 2);
    if (!duk_is_callable(ctx, 0))
        return duk_type_error(ctx, "The \"callback\" argument must be of type function");
    usp_this(ctx);                         /* [ cb thisArg this list ] */
    for (duk_uarridx_t i = 0; 2 * i + 1 < duk_get_length(ctx, 3); i++) {   /* live */
        duk_dup(ctx, 0);
        duk_dup(ctx, 1);
        duk_get_prop_index(ctx, 3, 2 * i + 1);
        duk_get_prop_index(ctx, 3, 2 * i);
        duk_dup(ctx, 2);
        duk_call_method(ctx, 3);
        duk_pop(ctx);
    }
    return 0;
}

static duk_ret_t make_iterator(duk_context *ctx, uint32_t kind)
{
    usp_this(ctx);                         /* [ this list ] */
    duk_push_object(ctx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "uspItProto");
    duk_remove(ctx, -2);
    duk_set_prototype(ctx, -2);
    it_state *st = duk_push_fixed_buffer(ctx, sizeof *st);
    st->magic = IT_MAGIC;
    st->kind = kind;
    st->index = 0;
    duk_put_prop_string(ctx, -2, K_IT);
    duk_dup(ctx, -2);
    duk_put_prop_string(ctx, -2, K_LIST);
    return 1;
}

static duk_ret_t usp_keys(duk_context *ctx) { return make_iterator(ctx, 0); }
static duk_ret_t usp_values(duk_context *ctx) { return make_iterator(ctx, 1); }
static duk_ret_t usp_entries(duk_context *ctx) { return make_iterator(ctx, 2); }

static duk_ret_t it_next(duk_context *ctx)
{
    duk_set_top(ctx, 0);
    duk_push_this(ctx);
    it_state *st = NULL;
    duk_size_t sz = 0;
    if (duk_is_object(ctx, -1)) {
        duk_get_prop_string(ctx, -1, K_IT);
        st = duk_is_buffer_data(ctx, -1) ? duk_get_buffer_data(ctx, -1, &sz) : NULL;
        duk_pop(ctx);
    }
    if (!st || sz < sizeof *st || st->magic != IT_MAGIC)
        return duk_type_error(ctx, "Value of \"this\" must be of type URLSearchParamsIterator");
    duk_get_prop_string(ctx, -1, K_LIST);  /* [ this list ] */
    duk_push_object(ctx);                  /* [ this list result ] */
    duk_size_t m = duk_get_length(ctx, 1) / 2;
    if (st->index >= m) {
        duk_push_undefined(ctx);
        duk_put_prop_string(ctx, -2, "value");
        duk_push_true(ctx);
        duk_put_prop_string(ctx, -2, "done");
        return 1;
    }
    uint32_t i = st->index++;
    if (st->kind == 2) {
        duk_push_array(ctx);
        duk_get_prop_index(ctx, 1, 2 * i);
        duk_put_prop_index(ctx, -2, 0);
        duk_get_prop_index(ctx, 1, 2 * i + 1);
        duk_put_prop_index(ctx, -2, 1);
    } else {
        duk_get_prop_index(ctx, 1, 2 * i + st->kind);
    }
    duk_put_prop_string(ctx, -2, "value");
    duk_push_false(ctx);
    duk_put_prop_string(ctx, -2, "done");
    return 1;
}

static duk_ret_t return_this(duk_context *ctx)
{
    duk_push_this(ctx);
    return 1;
}

/* ---- installation ---- */

#define ENUM_METHOD (DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE | \
                     DUK_DEFPROP_SET_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE)
#define HIDDEN_METHOD (DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE | \
                       DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE)

/* [ ... obj ] -> [ ... obj ]: obj[name] = a C function (length nargs, .name set). */
static void def_method(duk_context *ctx, const char *name, duk_c_function fn, int nargs,
                       duk_uint_t flags)
{
    duk_push_string(ctx, name);
    duk_push_c_function(ctx, fn, DUK_VARARGS);
    duk_push_string(ctx, "length");
    duk_push_int(ctx, nargs);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_string(ctx, "name");
    duk_push_string(ctx, name);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_def_prop(ctx, -3, flags);
}

/* [ ... obj ] -> [ ... obj ]: an accessor (setter may be NULL). */
static void def_accessor(duk_context *ctx, const char *name, duk_c_function get, duk_c_function setter)
{
    duk_push_string(ctx, name);
    duk_push_c_function(ctx, get, 0);
    duk_uint_t flags = DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_SET_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE;
    if (setter) {
        duk_push_c_function(ctx, setter, 1);
        flags |= DUK_DEFPROP_HAVE_SETTER;
    }
    duk_def_prop(ctx, -2 - (setter ? 2 : 1), flags);
}

/* [ ... obj ] -> [ ... obj ]: obj[Symbol[wk]] = the value on top (popped). */
static void def_symbol(duk_context *ctx, const char *wk, duk_uint_t flags)
{
    /* [ ... obj value ] */
    duk_push_global_object(ctx);
    duk_get_prop_string(ctx, -1, "Symbol");
    duk_get_prop_string(ctx, -1, wk);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);                   /* [ ... obj value sym ] */
    if (duk_is_undefined(ctx, -1)) {
        duk_pop_2(ctx);
        return;
    }
    duk_swap_top(ctx, -2);                 /* [ ... obj sym value ] */
    duk_def_prop(ctx, -3, flags);
}

/* [ ... ] -> [ ... ctor proto ]: a class: constructor function and its prototype. */
static void make_class(duk_context *ctx, const char *name, duk_c_function ctor, int nargs)
{
    duk_push_c_function(ctx, ctor, DUK_VARARGS);
    duk_push_string(ctx, "length");
    duk_push_int(ctx, nargs);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_string(ctx, "name");
    duk_push_string(ctx, name);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_object(ctx);                  /* [ ctor proto ] */
    duk_push_string(ctx, "prototype");
    duk_dup(ctx, -2);
    duk_def_prop(ctx, -4, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_CLEAR_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_CLEAR_CONFIGURABLE);
    duk_push_string(ctx, "constructor");
    duk_dup(ctx, -3);
    duk_def_prop(ctx, -3, HIDDEN_METHOD);
    duk_push_string(ctx, name);
    def_symbol(ctx, "toStringTag", DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE |
                                       DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
}

static duk_ret_t install(duk_context *ctx, void *ud)
{
    (void)ud;
    duk_push_global_object(ctx);           /* [ global ] */

    make_class(ctx, "URL", url_ctor, 1);   /* [ global URL proto ] */
    def_method(ctx, "toString", url_to_string, 0, ENUM_METHOD);
    def_accessor(ctx, "href", url_get_href, url_set_href);
    def_accessor(ctx, "origin", url_get_origin, NULL);
    def_accessor(ctx, "protocol", url_get_protocol, url_set_protocol);
    def_accessor(ctx, "username", url_get_username, url_set_username);
    def_accessor(ctx, "password", url_get_password, url_set_password);
    def_accessor(ctx, "host", url_get_host, url_set_host);
    def_accessor(ctx, "hostname", url_get_hostname, url_set_hostname);
    def_accessor(ctx, "port", url_get_port, url_set_port);
    def_accessor(ctx, "pathname", url_get_pathname, url_set_pathname);
    def_accessor(ctx, "search", url_get_search, url_set_search);
    def_accessor(ctx, "searchParams", url_get_search_params, NULL);
    def_accessor(ctx, "hash", url_get_hash, url_set_hash);
    def_method(ctx, "toJSON", url_to_string, 0, ENUM_METHOD);
    duk_push_heap_stash(ctx);
    duk_dup(ctx, -2);
    duk_put_prop_string(ctx, -2, "urlProto");
    duk_pop_2(ctx);                        /* [ global URL ] */
    def_method(ctx, "canParse", url_can_parse, 1, ENUM_METHOD);
    def_method(ctx, "parse", url_parse_static, 1, ENUM_METHOD);
    duk_push_string(ctx, "URL");
    duk_swap_top(ctx, -2);
    duk_def_prop(ctx, -3, HIDDEN_METHOD);

    make_class(ctx, "URLSearchParams", usp_ctor, 0);
    /* in Node's (WebIDL's) order, as Object.keys() shows it */
    def_accessor(ctx, "size", usp_get_size, NULL);
    def_method(ctx, "append", usp_append, 2, ENUM_METHOD);
    def_method(ctx, "delete", usp_delete, 1, ENUM_METHOD);
    def_method(ctx, "get", usp_get, 1, ENUM_METHOD);
    def_method(ctx, "getAll", usp_get_all, 1, ENUM_METHOD);
    def_method(ctx, "has", usp_has, 1, ENUM_METHOD);
    def_method(ctx, "set", usp_set, 2, ENUM_METHOD);
    def_method(ctx, "sort", usp_sort, 0, ENUM_METHOD);
    def_method(ctx, "entries", usp_entries, 0, ENUM_METHOD);
    def_method(ctx, "forEach", usp_for_each, 1, ENUM_METHOD);
    def_method(ctx, "keys", usp_keys, 0, ENUM_METHOD);
    def_method(ctx, "values", usp_values, 0, ENUM_METHOD);
    def_method(ctx, "toString", usp_to_string, 0, ENUM_METHOD);
    duk_get_prop_string(ctx, -1, "entries");
    def_symbol(ctx, "iterator", HIDDEN_METHOD);
    duk_push_heap_stash(ctx);
    duk_dup(ctx, -2);
    duk_put_prop_string(ctx, -2, "uspProto");
    duk_pop_2(ctx);
    duk_push_string(ctx, "URLSearchParams");
    duk_swap_top(ctx, -2);
    duk_def_prop(ctx, -3, HIDDEN_METHOD);

    /* %URLSearchParamsIteratorPrototype% */
    duk_push_object(ctx);
    def_method(ctx, "next", it_next, 0, ENUM_METHOD);
    duk_push_c_function(ctx, return_this, 0);
    def_symbol(ctx, "iterator", HIDDEN_METHOD);
    duk_push_string(ctx, "URLSearchParams Iterator");
    def_symbol(ctx, "toStringTag", DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE |
                                       DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_heap_stash(ctx);
    duk_dup(ctx, -2);
    duk_put_prop_string(ctx, -2, "uspItProto");
    duk_pop_2(ctx);
    duk_pop(ctx);
    return 0;
}

int rt__url_init(rt_runtime *rt)
{
    duk_context *ctx = rt->ctx;
    if (duk_safe_call(ctx, install, NULL, 0, 1) != DUK_EXEC_SUCCESS) {
        rt__report_uncaught(rt, ctx, -1, "URL set-up failed:");
        duk_pop(ctx);
        return rt__fail(rt, RT_EJS, "URL set-up failed");
    }
    duk_pop(ctx);
    return 0;
}

/* For extracting a body (lib/engine/body.c): [ ... ] -> [ ... s ] and 1 when the value at idx
   is a URLSearchParams (s: its application/x-www-form-urlencoded serialisation); 0 and
   nothing pushed otherwise. */
int rt__url_search_params_push_string(duk_context *ctx, duk_idx_t idx)
{
    idx = duk_normalize_index(ctx, idx);
    if (!is_usp(ctx, idx))
        return 0;
    duk_get_prop_string(ctx, idx, K_LIST);
    list_serialize(ctx, -1);
    duk_remove(ctx, -2);
    return 1;
}
