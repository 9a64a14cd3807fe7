/*
 * formdata.c - FormData in C (formdata.h): the entry list with the standard's "create an
 * entry" (names and string values as USVStrings; a Blob becomes a File named "blob", a
 * filename makes a new File of the same bytes), append/delete/get/getAll/has/set, forEach and
 * live iterators (each step reads the list as it is then, as WebIDL's pair iterators do);
 * FormData as a body (multipart/form-data through lib/net/multipart.c, in pieces), and the
 * formData() parsers' results (multipart/form-data, application/x-www-form-urlencoded).
 *
 * State: slot 0 a small tag buffer, FDS_LIST an Array [name0, value0, name1, ...] that only C
 * sees, changed in place so iterators can hold the FormData and look again. Values are
 * strings or File objects. No finalizer, no C memory between calls.
 */
#include <math.h>
#include <string.h>

#include "fetchcls.h"
#include "blob.h"
#include "formdata.h"
#include "mime.h"
#include "multipart.h"
#include "text.h"
#include "url.h"

typedef struct fd_state {
    uint32_t unused;                       /* slot 0 is the class check; nothing else here */
} fd_state;

static void *key0(duk_context *ctx)
{
    return rt__fc(ctx)->fd_key[FDS_STATE];
}

int rt__formdata_is(duk_context *ctx, duk_idx_t idx)
{
    return rt__state(ctx, idx, key0(ctx)) != NULL;
}

/* [ ... ] -> [ ... list ]: the entry list of the FormData at idx. */
static duk_idx_t push_list(duk_context *ctx, duk_idx_t idx)
{
    rt__dx_slot_get(ctx, idx, FDS_LIST, rt__fc(ctx)->fd_key[FDS_LIST]);
    return duk_get_top_index(ctx);
}

/* [ ... ] -> [ ... list ]: `this`'s list, after the class check. */
static duk_idx_t this_list(duk_context *ctx)
{
    rt__this_state(ctx, key0(ctx), "FormData");
    duk_push_this(ctx);
    rt__dx_slot_get(ctx, -1, FDS_LIST, rt__fc(ctx)->fd_key[FDS_LIST]);
    duk_remove(ctx, -2);
    return duk_get_top_index(ctx);
}

static void need_args(duk_context *ctx, int n, const char *op)
{
    if (duk_get_top(ctx) < n)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                        "Failed to execute '%s' on 'FormData': %d argument%s required, but only %d present.",
                        op, n, n > 1 ? "s" : "", (int)duk_get_top(ctx));
}

/* 1 if the strings at a and b are equal. */
static int same(duk_context *ctx, duk_idx_t a, duk_idx_t b)
{
    duk_size_t la, lb;
    const char *pa = duk_get_lstring(ctx, a, &la), *pb = duk_get_lstring(ctx, b, &lb);
    return pa && pb && la == lb && memcmp(pa, pb, la) == 0;
}

static duk_uarridx_t pairs(duk_context *ctx, duk_idx_t list)
{
    return (duk_uarridx_t)(duk_get_length(ctx, list) / 2);
}

/* [ ... list ] -> [ ... list ]: remove the entries named as the string at name, from entry
   `from` on. */
static void remove_named(duk_context *ctx, duk_idx_t list, duk_idx_t name, duk_uarridx_t from)
{
    duk_uarridx_t n = pairs(ctx, list), w = from;
    for (duk_uarridx_t r = from; r < n; r++) {
        duk_get_prop_index(ctx, list, 2 * r);
        int match = same(ctx, -1, name);
        duk_pop(ctx);
        if (match)
            continue;
        if (w != r) {
            duk_get_prop_index(ctx, list, 2 * r);
            duk_put_prop_index(ctx, list, 2 * w);
            duk_get_prop_index(ctx, list, 2 * r + 1);
            duk_put_prop_index(ctx, list, 2 * w + 1);
        }
        w++;
    }
    if (w != n) {
        duk_push_uint(ctx, 2 * w);
        duk_put_prop_string(ctx, list, "length");
    }
}

/* "Create an entry" from the arguments (name, value[, filename]) of append() or set():
   [ ... ] -> [ ... name value ]. */
static void make_entry(duk_context *ctx, const char *op)
{
    duk_idx_t nargs = duk_get_top(ctx);
    need_args(ctx, 2, op);
    duk_set_top(ctx, 3);                   /* 0 name, 1 value, 2 filename */
    /* the overload: three arguments, or a Blob as the second, take the Blob one */
    int blob = rt__blob_of(ctx, 1) != NULL;
    if (nargs >= 3 && !blob)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR,
                        "Failed to execute '%s' on 'FormData': parameter 2 is not of type 'Blob'.", op);
    rt__to_usv(ctx, 0);                    /* 3: the name */
    if (!blob) {
        rt__to_usv(ctx, 1);                /* 4: the value */
        return;
    }
    int has_filename = nargs >= 3 && !duk_is_undefined(ctx, 2);
    if (has_filename)
        rt__to_usv(ctx, 2);                /* 4: the filename */
    else
        duk_push_undefined(ctx);
    if (!rt__blob_of(ctx, 1)->is_file) {   /* a Blob: a File named "blob" */
        duk_push_string(ctx, "blob");
        rt__file_push_from(ctx, 1, 5);
        duk_remove(ctx, 5);
    } else {
        duk_dup(ctx, 1);
    }
    if (has_filename) {                    /* a new File of the same bytes, so named */
        rt__file_push_from(ctx, 5, 4);
        duk_remove(ctx, 5);
    }
    duk_remove(ctx, 4);                    /* [ .. name value ] */
}

static duk_ret_t fdata_append(duk_context *ctx)
{
    make_entry(ctx, "append");             /* [ args.. name value ] */
    duk_idx_t list = this_list(ctx);
    duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, list);
    duk_dup(ctx, list - 2);
    duk_put_prop_index(ctx, list, n);
    duk_dup(ctx, list - 1);
    duk_put_prop_index(ctx, list, n + 1);
    return 0;
}

static duk_ret_t fdata_set(duk_context *ctx)
{
    make_entry(ctx, "set");
    duk_idx_t name = duk_get_top_index(ctx) - 1;
    duk_idx_t list = this_list(ctx);
    duk_uarridx_t n = pairs(ctx, list);
    for (duk_uarridx_t i = 0; i < n; i++) {
        duk_get_prop_index(ctx, list, 2 * i);
        int match = same(ctx, -1, name);
        duk_pop(ctx);
        if (match) {
            /* the first keeps its place with the new value; the others go */
            duk_dup(ctx, name + 1);
            duk_put_prop_index(ctx, list, 2 * i + 1);
            remove_named(ctx, list, name, i + 1);
            return 0;
        }
    }
    duk_dup(ctx, name);
    duk_put_prop_index(ctx, list, 2 * n);
    duk_dup(ctx, name + 1);
    duk_put_prop_index(ctx, list, 2 * n + 1);
    return 0;
}

static duk_ret_t fdata_delete(duk_context *ctx)
{
    need_args(ctx, 1, "delete");
    rt__this_state(ctx, key0(ctx), "FormData");
    rt__to_usv(ctx, 0);
    duk_idx_t name = duk_get_top_index(ctx);
    duk_idx_t list = this_list(ctx);
    remove_named(ctx, list, name, 0);
    return 0;
}

/* get (magic 0), getAll (1), has (2) */
static duk_ret_t fdata_lookup(duk_context *ctx)
{
    static const char *const ops[] = {"get", "getAll", "has"};
    int how = duk_get_current_magic(ctx);
    need_args(ctx, 1, ops[how]);
    rt__this_state(ctx, key0(ctx), "FormData");
    rt__to_usv(ctx, 0);
    duk_idx_t name = duk_get_top_index(ctx);
    duk_idx_t list = this_list(ctx);
    if (how == 1)
        duk_push_array(ctx);
    duk_uarridx_t n = pairs(ctx, list), k = 0;
    for (duk_uarridx_t i = 0; i < n; i++) {
        duk_get_prop_index(ctx, list, 2 * i);
        int match = same(ctx, -1, name);
        duk_pop(ctx);
        if (!match)
            continue;
        if (how == 2) {
            duk_push_true(ctx);
            return 1;
        }
        duk_get_prop_index(ctx, list, 2 * i + 1);
        if (how == 0)
            return 1;
        duk_put_prop_index(ctx, -2, k++);
    }
    if (how == 0)
        duk_push_null(ctx);
    else if (how == 2)
        duk_push_false(ctx);
    return 1;
}

static duk_ret_t fdata_for_each(duk_context *ctx)
{
    need_args(ctx, 1, "forEach");
    rt__this_state(ctx, key0(ctx), "FormData");
    if (!duk_is_callable(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                         "Failed to execute 'forEach' on 'FormData': parameter 1 is not of type 'Function'.");
    duk_set_top(ctx, 2);
    duk_push_this(ctx);                    /* 2 */
    duk_idx_t list = push_list(ctx, 2);    /* 3: changed in place, so this is live */
    for (duk_uarridx_t i = 0; i < pairs(ctx, list); i++) {
        duk_dup(ctx, 0);
        duk_dup(ctx, 1);
        duk_get_prop_index(ctx, list, 2 * i + 1);
        duk_get_prop_index(ctx, list, 2 * i);
        duk_dup(ctx, 2);
        duk_call_method(ctx, 3);
        duk_pop(ctx);
    }
    return 0;
}

/* ---- iterators ---- */

typedef struct it_state {
    uint32_t kind;                         /* 0 keys, 1 values, 2 entries */
    uint32_t index;
} it_state;

static duk_ret_t make_iterator(duk_context *ctx)
{
    rt__this_state(ctx, key0(ctx), "FormData");
    struct rt__fetchcls *fc = rt__fc(ctx);
    it_state *st = rt__instance_new(ctx, fc->fdit_proto, fc->fdit_key, FDIS_N, sizeof *st, 0);
    st->kind = (uint32_t)duk_get_current_magic(ctx);
    duk_push_this(ctx);
    rt__dx_slot_put(ctx, -2, FDIS_TARGET, fc->fdit_key[FDIS_TARGET]);
    return 1;
}

static duk_ret_t it_next(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    it_state *st = rt__this_state(ctx, fc->fdit_key[FDIS_STATE], "FormData Iterator");
    duk_push_this(ctx);
    rt__dx_slot_get(ctx, -1, FDIS_TARGET, fc->fdit_key[FDIS_TARGET]);
    duk_idx_t list = push_list(ctx, -1);
    duk_push_object(ctx);
    if (st->index >= pairs(ctx, list)) {
        duk_push_undefined(ctx);
        duk_put_prop_string(ctx, -2, "value");
        duk_push_true(ctx);
        duk_put_prop_string(ctx, -2, "done");
        return 1;
    }
    duk_uarridx_t i = st->index++;
    if (st->kind == 2) {
        duk_push_array(ctx);
        duk_get_prop_index(ctx, list, 2 * i);
        duk_put_prop_index(ctx, -2, 0);
        duk_get_prop_index(ctx, list, 2 * i + 1);
        duk_put_prop_index(ctx, -2, 1);
    } else {
        duk_get_prop_index(ctx, list, 2 * i + st->kind);
    }
    duk_put_prop_string(ctx, -2, "value");
    duk_push_false(ctx);
    duk_put_prop_string(ctx, -2, "done");
    return 1;
}

/* [ ... ] -> [ ... formdata ]: a new, empty FormData. */
static void push_formdata(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    rt__instance_new(ctx, fc->fd_proto, fc->fd_key, FDS_N, sizeof(fd_state), 0);
    duk_push_array(ctx);
    rt__dx_slot_put(ctx, -2, FDS_LIST, fc->fd_key[FDS_LIST]);
}

static duk_ret_t fdata_ctor(duk_context *ctx)
{
    if (!duk_is_constructor_call(ctx))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Class constructor FormData cannot be invoked without 'new'");
    /* there is no form element here: FormData(form) can only be given undefined */
    if (duk_get_top(ctx) > 0 && !duk_is_undefined(ctx, 0))
        return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                         "Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
    struct rt__fetchcls *fc = rt__fc(ctx);
    duk_push_this(ctx);
    rt__instance_init(ctx, -1, fc->fd_key, FDS_N, sizeof(fd_state), 0);
    duk_push_array(ctx);
    rt__dx_slot_put(ctx, -2, FDS_LIST, fc->fd_key[FDS_LIST]);
    return 0;
}

/* ---- as a body: multipart/form-data in pieces ---- */

typedef struct enc {
    rt__buf text;                          /* owned: text not yet made a piece */
    char boundary[RT__MP_BOUNDARY_SIZE];
    size_t blen;
    duk_idx_t fd, parts;
    duk_uarridx_t nparts;
} enc;

static void enc_oom(duk_context *ctx, int r)
{
    if (r)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
}

/* The text gathered so far becomes a piece (a copy in a plain buffer). */
static void enc_flush(duk_context *ctx, enc *e)
{
    if (!e->text.len)
        return;
    void *d = duk_push_fixed_buffer(ctx, e->text.len);
    memcpy(d, e->text.data, e->text.len);
    duk_put_prop_index(ctx, e->parts, e->nparts++);
    e->text.len = 0;
}

static duk_ret_t encode_safe(duk_context *ctx, void *ud)
{
    enc *e = ud;
    duk_idx_t list = push_list(ctx, e->fd);
    duk_uarridx_t n = pairs(ctx, list);
    for (duk_uarridx_t i = 0; i < n; i++) {
        duk_idx_t top = duk_get_top(ctx);
        duk_get_prop_index(ctx, list, 2 * i);
        const char *name;
        size_t nlen;
        rt__to_utf8(ctx, -1, &name, &nlen);
        duk_get_prop_index(ctx, list, 2 * i + 1);
        rt__blob_state *st = rt__blob_of(ctx, -1);
        if (st) {
            duk_idx_t file = duk_get_top_index(ctx);
            rt__dx_slot_get(ctx, file, BLS_NAME, rt__fc(ctx)->blob_key[BLS_NAME]);
            const char *fname;
            size_t flen;
            rt__to_utf8(ctx, -1, &fname, &flen);
            rt__blob_push_type(ctx, file);
            duk_size_t tlen;
            const char *type = duk_get_lstring(ctx, -1, &tlen);   /* ASCII: normalized */
            enc_oom(ctx, rt__mp_part_head(&e->text, e->boundary, e->blen, name, nlen, fname,
                                          flen, type, tlen));
            enc_flush(ctx, e);
            if (st->len) {                 /* the File's bytes, shared */
                rt__blob_push_view(ctx, file);
                duk_put_prop_index(ctx, e->parts, e->nparts++);
            }
        } else {
            const char *v;
            size_t vlen;
            rt__to_utf8(ctx, -1, &v, &vlen);
            enc_oom(ctx, rt__mp_part_head(&e->text, e->boundary, e->blen, name, nlen, NULL, 0,
                                          NULL, 0));
            enc_oom(ctx, rt__mp_text(&e->text, v, vlen));
        }
        enc_oom(ctx, rt__buf_append(&e->text, "\r\n", 2));
        duk_set_top(ctx, top);
    }
    enc_oom(ctx, rt__mp_close(&e->text, e->boundary, e->blen));
    enc_flush(ctx, e);
    return 0;
}

void rt__formdata_extract(duk_context *ctx, duk_idx_t idx)
{
    enc e;
    memset(&e, 0, sizeof e);
    e.fd = duk_normalize_index(ctx, idx);
    e.blen = rt__mp_boundary(e.boundary);
    duk_push_array(ctx);
    e.parts = duk_get_top_index(ctx);
    int ok = duk_safe_call(ctx, encode_safe, &e, 0, 1) == DUK_EXEC_SUCCESS;
    rt__buf_free(&e.text);
    if (!ok)
        (void)duk_throw(ctx);
    duk_pop(ctx);
    duk_push_sprintf(ctx, "multipart/form-data; boundary=%s", e.boundary);
}

/* ---- made by formData() ---- */

typedef struct dec {
    duk_context *ctx;
    duk_idx_t buf, list;
    const uint8_t *base;
    const rt__mp_part *part;
    rt__url_pairs pairs;
} dec;

static duk_ret_t add_part_safe(duk_context *ctx, void *ud)
{
    dec *d = ud;
    const rt__mp_part *p = d->part;
    duk_uarridx_t n = (duk_uarridx_t)duk_get_length(ctx, d->list);
    rt__push_utf8(ctx, p->name, p->name_len, 0);   /* UTF-8 decode without BOM */
    duk_put_prop_index(ctx, d->list, n);
    if (p->filename) {
        /* a File of the part's bytes: its type the part's Content-Type (text/plain when it
           has none, "" when it is not ASCII); the Blob rules then apply */
        const char *type = p->type ? p->type : "text/plain";
        size_t tlen = p->type ? p->type_len : 10;
        for (size_t i = 0; i < tlen; i++)
            if ((unsigned char)type[i] >= 0x80)
                tlen = 0;
        rt__push_utf8(ctx, p->filename, p->filename_len, 0);
        rt__file_push_new(ctx, d->buf, (size_t)(p->body - d->base), p->body_len, type, tlen, -1,
                          floor(duk_get_now(ctx)));
        duk_remove(ctx, -2);
    } else {
        rt__push_utf8(ctx, p->body, p->body_len, 0);
    }
    duk_put_prop_index(ctx, d->list, n + 1);
    return 0;
}

static int on_part(void *ud, const rt__mp_part *p)
{
    dec *d = ud;
    d->part = p;
    if (duk_safe_call(d->ctx, add_part_safe, d, 0, 1) != DUK_EXEC_SUCCESS)
        return RT_EJS;                     /* the error stays on the stack */
    duk_pop(d->ctx);
    return 0;
}

static duk_ret_t add_pairs_safe(duk_context *ctx, void *ud)
{
    dec *d = ud;
    for (size_t i = 0; i < d->pairs.n; i++) {
        rt__push_utf8(ctx, d->pairs.v[i].name, d->pairs.v[i].name_len, 0);
        duk_put_prop_index(ctx, d->list, (duk_uarridx_t)(2 * i));
        rt__push_utf8(ctx, d->pairs.v[i].value, d->pairs.v[i].value_len, 0);
        duk_put_prop_index(ctx, d->list, (duk_uarridx_t)(2 * i + 1));
    }
    return 0;
}

void rt__formdata_parse(duk_context *ctx, duk_idx_t buf_idx, duk_idx_t type_idx)
{
    buf_idx = duk_normalize_index(ctx, buf_idx);
    type_idx = duk_normalize_index(ctx, type_idx);
    duk_size_t n = 0;
    const uint8_t *data = duk_get_buffer_data(ctx, buf_idx, &n);
    if (!data)
        data = (const uint8_t *)"";
    rt__mime m;
    int r = RT_EINVAL;
    if (duk_is_string(ctx, type_idx)) {
        size_t tl;
        const char *t = rt__to_bytestring(ctx, type_idx, &tl);
        r = t ? rt__mime_extract(t, tl, &m) : RT_EINVAL;
        duk_pop(ctx);
    }
    if (r == RT_ENOMEM)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    int multipart = r == 0 && rt__mime_is(&m, "multipart/form-data");
    int urlencoded = r == 0 && rt__mime_is(&m, "application/x-www-form-urlencoded");
    const char *boundary = NULL;
    size_t blen = 0;
    if (multipart && !rt__mime_param_get(&m, "boundary", &boundary, &blen))
        multipart = 0;
    if (!multipart && !urlencoded) {
        if (r == 0)
            rt__mime_free(&m);
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Could not parse content as FormData.");
    }
    push_formdata(ctx);
    dec d;
    memset(&d, 0, sizeof d);
    d.ctx = ctx;
    d.buf = buf_idx;
    d.base = data;
    d.list = push_list(ctx, -1);
    if (multipart) {
        r = rt__mp_parse(data, n, boundary, blen, on_part, &d);
        rt__mime_free(&m);
        if (r == RT_EJS)
            (void)duk_throw(ctx);
    } else {
        rt__mime_free(&m);
        r = rt__url_form_parse((const char *)data, n, &d.pairs);
        if (r == 0) {
            int ok = duk_safe_call(ctx, add_pairs_safe, &d, 0, 1) == DUK_EXEC_SUCCESS;
            rt__url_pairs_free(&d.pairs);
            if (!ok)
                (void)duk_throw(ctx);
            duk_pop(ctx);
        } else {
            rt__url_pairs_free(&d.pairs);
        }
    }
    if (r == RT_ENOMEM)
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    if (r < 0)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to parse body as FormData: malformed multipart/form-data");
    duk_pop(ctx);                          /* the list; the FormData stays */
}

int rt__formdata_init(duk_context *ctx)
{
    struct rt__fetchcls *fc = rt__fc(ctx);
    fc->fd_key[FDS_STATE] = rt__hidden_key(ctx, "FormData");
    fc->fd_key[FDS_LIST] = rt__hidden_key(ctx, "FormDataList");
    fc->fdit_key[FDIS_STATE] = rt__hidden_key(ctx, "FormDataIterator");
    fc->fdit_key[FDIS_TARGET] = rt__hidden_key(ctx, "FormDataIteratorTarget");
    /* members in Node's order */
    static const rt__method methods[] = {
        {"append", fdata_append, DUK_VARARGS, 2, 0},
        {"delete", fdata_delete, DUK_VARARGS, 1, 0},
        {"get", fdata_lookup, DUK_VARARGS, 1, 0},
        {"getAll", fdata_lookup, DUK_VARARGS, 1, 1},
        {"has", fdata_lookup, DUK_VARARGS, 1, 2},
        {"set", fdata_set, DUK_VARARGS, 2, 0},
        {"keys", make_iterator, 0, 0, 0},
        {"values", make_iterator, 0, 0, 1},
        {"entries", make_iterator, 0, 0, 2},
        {"forEach", fdata_for_each, DUK_VARARGS, 1, 0},
        {NULL, NULL, 0, 0, 0}};
    fc->fd_proto = rt__class_define(ctx, "FormData", fdata_ctor, 0, methods, NULL, NULL, NULL, NULL);
    /* @@iterator is entries itself, not enumerable */
    duk_push_heapptr(ctx, fc->fd_proto);
    duk_get_global_string(ctx, "Symbol");
    duk_get_prop_string(ctx, -1, "iterator");
    duk_remove(ctx, -2);
    duk_get_prop_string(ctx, -2, "entries");
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_pop(ctx);
    fc->fdit_proto = rt__iterator_proto(ctx, it_next, "FormData Iterator");
    return 0;
}
