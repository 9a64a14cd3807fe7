/*
 * duk_ext.c - Duktape itself, plus the few helpers that need its internals. Our build
 * compiles Debian's amalgamation with our own configuration (build/<b>/gen/duk/duk_config.h,
 * from tools/duk_config_overrides.h); including duktape.c here puts these helpers in the
 * same translation unit, so they can use internal macros without patching the engine.
 * Each helper says which public API is missing and why it is safe. Loop thread only, like
 * every duk_* call. Declarations and contracts: lib/engine/duk_ext.h. Callers: promise.c
 * and microtask.c (their hot paths: promise slots, resolving functions, the job ring).
 *
 * Safety, in general: every write keeps Duktape's reference counts (the *_UPDREF macros),
 * an entry is added only through the engine's own allocator of entries (which keeps the
 * hash part), and nothing here holds a duk_tval pointer across a call that could run code
 * or resize a property table.
 */
#include "duktape.c"
#include "duk_ext.h"

#define DX_PLAIN_FLAGS (DUK_HOBJECT_FLAG_EXTENSIBLE | DUK_HOBJECT_FLAG_FASTREFS | \
                        DUK_HOBJECT_CLASS_AS_FLAGS(DUK_HOBJECT_CLASS_OBJECT))

/* Append entry key = *val with flags; the table grows if needed (engine's allocator). */
static void dx_append(duk_hthread *thr, duk_hobject *h, duk_hstring *key, duk_tval *val,
                      duk_small_uint_t flags)
{
    duk_int_t i = duk__hobject_alloc_entry_checked(thr, h, key);    /* increfs key */
    duk_tval *tv = DUK_HOBJECT_E_GET_VALUE_TVAL_PTR(thr->heap, h, i);
    DUK_TVAL_SET_TVAL(tv, val);
    DUK_TVAL_INCREF(thr, tv);
    DUK_HOBJECT_E_SET_FLAGS(thr->heap, h, i, flags);
}

/* Give h, which has no property table yet, an empty one of exactly n entries: what
   duk_hobject_realloc_props(thr, h, n, 0, 0, 0) does for such an object, without its
   generic copy, rehash and free of the old (NULL) table. Small tables only (no hash part,
   as realloc_props gives below DUK_USE_HOBJECT_HASH_PROP_LIMIT); others take the engine's
   path. Like realloc_props: no compaction and no finalizer may run while allocating. */
static void dx_table(duk_hthread *thr, duk_hobject *h, duk_uint32_t n)
{
    duk_heap *heap = thr->heap;
    if (DUK_HOBJECT_GET_PROPS(heap, h) != NULL || n >= DUK_USE_HOBJECT_HASH_PROP_LIMIT) {
        duk_hobject_realloc_props(thr, h, n, 0, 0, 0);
        return;
    }
    duk_uint32_t e = n;
#if defined(DUK_USE_HOBJECT_LAYOUT_1) && ((DUK_HOBJECT_ALIGN_TARGET == 4) || (DUK_HOBJECT_ALIGN_TARGET == 8))
    e = (n + DUK_HOBJECT_ALIGN_TARGET - 1U) & ~((duk_uint32_t)DUK_HOBJECT_ALIGN_TARGET - 1U);
#endif
    duk_small_uint_t prev_ms_flags = heap->ms_base_flags;
    heap->ms_base_flags |= DUK_MS_FLAG_NO_OBJECT_COMPACTION;
    heap->pf_prevent_count++;
    duk_uint8_t *p = (duk_uint8_t *)DUK_ALLOC(heap, DUK_HOBJECT_P_COMPUTE_SIZE(e, 0, 0));
    heap->pf_prevent_count--;
    heap->ms_base_flags = prev_ms_flags;
    if (!p) {
        DUK_ERROR_ALLOC_FAILED(thr);
        DUK_WO_NORETURN(return;);
    }
    DUK_HOBJECT_SET_PROPS(heap, h, p);
    DUK_HOBJECT_SET_ESIZE(h, e);
    DUK_HOBJECT_SET_ENEXT(h, 0);
    DUK_HOBJECT_SET_ASIZE(h, 0);
    DUK_HOBJECT_SET_HSIZE(h, 0);
}

/* Append entry key = *val with flags to a table dx_table sized for it (no check, no key
   search: the caller adds distinct keys, fewer than the table holds). */
static void dx_put(duk_hthread *thr, duk_hobject *h, duk_hstring *key, duk_tval *val,
                   duk_small_uint_t flags)
{
    duk_uint32_t i = DUK_HOBJECT_GET_ENEXT(h);
    DUK_ASSERT(i < DUK_HOBJECT_GET_ESIZE(h));
    DUK_HOBJECT_E_SET_KEY(thr->heap, h, i, key);
    DUK_HSTRING_INCREF(thr, key);
    duk_tval *tv = DUK_HOBJECT_E_GET_VALUE_TVAL_PTR(thr->heap, h, i);
    DUK_TVAL_SET_TVAL(tv, val);
    DUK_TVAL_INCREF(thr, tv);
    DUK_HOBJECT_E_SET_FLAGS(thr->heap, h, i, flags);
    DUK_HOBJECT_SET_ENEXT(h, i + 1);
}

/* Slot i of the object at idx: O(1) when the key sits at entry i, else a search. Never an
   accessor (hidden-symbol slots are data properties we made). */
static duk_tval *dx_slot(duk_hthread *thr, duk_idx_t idx, int i, void *key)
{
    duk_tval *tv = duk_get_tval(thr, idx);
    if (!tv || !DUK_TVAL_IS_OBJECT(tv))
        return NULL;
    duk_hobject *h = DUK_TVAL_GET_OBJECT(tv);
    if ((duk_uint32_t)i < DUK_HOBJECT_GET_ENEXT(h) &&
        DUK_HOBJECT_E_GET_KEY(thr->heap, h, i) == (duk_hstring *)key)
        return DUK_HOBJECT_E_GET_VALUE_TVAL_PTR(thr->heap, h, i);
    return duk_hobject_find_entry_tval_ptr(thr->heap, h, (duk_hstring *)key);
}

void rt__dx_push_slotted(duk_context *ctx, void *proto, void *const *keys, int n)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hobject *h = duk_push_object_helper_proto(thr, DX_PLAIN_FLAGS, (duk_hobject *)proto);
    dx_table(thr, h, (duk_uint32_t)n);
    duk_tval undef;
    DUK_TVAL_SET_UNDEFINED(&undef);
    for (int i = 0; i < n; i++)
        dx_put(thr, h, (duk_hstring *)keys[i], &undef, DUK_PROPDESC_FLAGS_WC);
}

void rt__dx_add_slots(duk_context *ctx, duk_idx_t idx, void *const *keys, int n)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hobject *h = duk_require_hobject(thr, idx);
    duk_tval undef;
    DUK_TVAL_SET_UNDEFINED(&undef);
    if (DUK_HOBJECT_GET_PROPS(thr->heap, h) == NULL) {    /* the usual: a fresh `this` */
        dx_table(thr, h, (duk_uint32_t)n);
        for (int i = 0; i < n; i++)
            dx_put(thr, h, (duk_hstring *)keys[i], &undef, DUK_PROPDESC_FLAGS_WC);
        return;
    }
    for (int i = 0; i < n; i++)
        dx_append(thr, h, (duk_hstring *)keys[i], &undef, DUK_PROPDESC_FLAGS_WC);
}

int rt__dx_has_slot(duk_context *ctx, duk_idx_t idx, int i, void *key)
{
    return dx_slot((duk_hthread *)ctx, idx, i, key) != NULL;
}

void rt__dx_slot_get(duk_context *ctx, duk_idx_t idx, int i, void *key)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *tv = dx_slot(thr, idx, i, key);
    if (tv)
        duk_push_tval(thr, tv);
    else
        duk_push_undefined(ctx);
}

void rt__dx_slot_put(duk_context *ctx, duk_idx_t idx, int i, void *key)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *tv = dx_slot(thr, idx, i, key);
    if (tv) {
        duk_tval *src = DUK_GET_TVAL_NEGIDX(thr, -1);
        DUK_TVAL_SET_TVAL_UPDREF(thr, tv, src);        /* tv not used after: may run code */
    }
    duk_pop(ctx);
}

void rt__dx_slot_swap(duk_context *ctx, duk_idx_t idx, int i, void *key)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    idx = duk_require_normalize_index(ctx, idx);
    duk_tval *tv = dx_slot(thr, idx, i, key);
    if (!tv) {                             /* absent: as get + put would be */
        duk_pop(ctx);
        duk_push_undefined(ctx);
        return;
    }
    /* the references move with the values: no count changes, no finalizer can run */
    duk_tval *top = DUK_GET_TVAL_NEGIDX(thr, -1), tmp;
    DUK_TVAL_SET_TVAL(&tmp, tv);
    DUK_TVAL_SET_TVAL(tv, top);
    DUK_TVAL_SET_TVAL(top, &tmp);
}

void rt__dx_slot_take(duk_context *ctx, duk_idx_t idx, int i, void *key)
{
    idx = duk_require_normalize_index(ctx, idx);
    duk_push_undefined(ctx);
    rt__dx_slot_swap(ctx, idx, i, key);
}

double rt__dx_slot_num(duk_context *ctx, duk_idx_t idx, int i, void *key)
{
    duk_tval *tv = dx_slot((duk_hthread *)ctx, idx, i, key);
    return tv && DUK_TVAL_IS_NUMBER(tv) ? DUK_TVAL_GET_NUMBER(tv) : 0.0;
}

void rt__dx_slot_set_num(duk_context *ctx, duk_idx_t idx, int i, void *key, double v)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *tv = dx_slot(thr, idx, i, key);
    if (tv)
        DUK_TVAL_SET_NUMBER_UPDREF(thr, tv, v);
}

int rt__dx_slot_undef(duk_context *ctx, duk_idx_t idx, int i, void *key)
{
    duk_tval *tv = dx_slot((duk_hthread *)ctx, idx, i, key);
    return !tv || DUK_TVAL_IS_UNDEFINED(tv);
}

/* [ ... ] -> [ ... fn ]: a native function with own length and name and room for n more
   entries (the caller's slots, added with dx_put). */
static duk_hobject *dx_natfunc(duk_hthread *thr, duk_c_function fn, duk_idx_t nargs, int magic,
                               int length, duk_hstring *hname, int constructable, int n)
{
    duk_uint_t flags = DUK_HOBJECT_FLAG_EXTENSIBLE | DUK_HOBJECT_FLAG_CALLABLE |
                       DUK_HOBJECT_FLAG_FASTREFS | DUK_HOBJECT_FLAG_NATFUNC |
                       DUK_HOBJECT_FLAG_NEWENV | DUK_HOBJECT_FLAG_STRICT |
                       DUK_HOBJECT_FLAG_NOTAIL | DUK_HOBJECT_CLASS_AS_FLAGS(DUK_HOBJECT_CLASS_FUNCTION);
    if (constructable)
        flags |= DUK_HOBJECT_FLAG_CONSTRUCTABLE;
    (void)duk__push_c_function_raw(thr, fn, nargs, flags, DUK_BIDX_FUNCTION_PROTOTYPE);
    duk_hobject *h = duk_known_hobject(thr, -1);
    ((duk_hnatfunc *)h)->magic = (duk_int16_t)magic;
    dx_table(thr, h, (duk_uint32_t)(2 + n));
    duk_tval tv;
    DUK_TVAL_SET_NUMBER(&tv, (duk_double_t)length);
    dx_put(thr, h, DUK_HTHREAD_STRING_LENGTH(thr), &tv, DUK_PROPDESC_FLAGS_C);
    DUK_TVAL_SET_STRING(&tv, hname);
    dx_put(thr, h, DUK_HTHREAD_STRING_NAME(thr), &tv, DUK_PROPDESC_FLAGS_C);
    return h;
}

void rt__dx_push_function(duk_context *ctx, duk_c_function fn, duk_idx_t nargs, int magic,
                          int length, const char *name, int constructable,
                          void *const *keys, int n)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hstring *hname;
    if (name && *name) {
        duk_push_string(ctx, name);
        hname = duk_known_hstring(thr, -1);
    } else {
        duk_push_hstring_empty(thr);
        hname = DUK_HTHREAD_STRING_EMPTY_STRING(thr);
    }
    /* [ ... v1..vn name ] */
    duk_hobject *h = dx_natfunc(thr, fn, nargs, magic, length, hname, constructable, n);
    for (int i = 0; i < n; i++)
        dx_put(thr, h, (duk_hstring *)keys[i], DUK_GET_TVAL_NEGIDX(thr, -2 - n + i),
               DUK_PROPDESC_FLAGS_WC);
    /* [ ... v1..vn name fn ] -> [ ... fn ] */
    duk_insert(ctx, -(n + 2));
    duk_pop_n(ctx, n + 1);
}

void rt__dx_push_resolving_pair(duk_context *ctx, duk_c_function fn, void *key)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hstring *empty = DUK_HTHREAD_STRING_EMPTY_STRING(thr);
    /* [ ... target ] -> [ ... resolve ] -> [ ... resolve reject ] */
    duk_hobject *res = dx_natfunc(thr, fn, 1, 0, 1, empty, 0, 1);
    dx_put(thr, res, (duk_hstring *)key, DUK_GET_TVAL_NEGIDX(thr, -2), DUK_PROPDESC_FLAGS_WC);
    duk_replace(ctx, -2);
    duk_hobject *rej = dx_natfunc(thr, fn, 1, 1, 1, empty, 0, 1);
    dx_put(thr, rej, (duk_hstring *)key, DUK_GET_TVAL_NEGIDX(thr, -2), DUK_PROPDESC_FLAGS_WC);
}

void rt__dx_push_resolve_fn(duk_context *ctx, duk_c_function fn, void *key)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hobject *res = dx_natfunc(thr, fn, 1, 0, 1, DUK_HTHREAD_STRING_EMPTY_STRING(thr), 0, 1);
    dx_put(thr, res, (duk_hstring *)key, DUK_GET_TVAL_NEGIDX(thr, -2), DUK_PROPDESC_FLAGS_WC);
    duk_replace(ctx, -2);
}

int rt__dx_visible_args(duk_context *ctx, duk_idx_t idx)
{
    duk_hobject *h = duk_get_hobject((duk_hthread *)ctx, idx);
    if (!h || !DUK_HOBJECT_IS_COMPFUNC(h) || !DUK_HOBJECT_HAS_NEWENV(h) ||
        DUK_HOBJECT_HAS_CREATEARGS(h))
        return INT_MAX;
    return ((duk_hcompfunc *)h)->nargs;
}

void rt__dx_set_constructable(duk_context *ctx, duk_idx_t idx, int on)
{
    duk_hobject *h = duk_require_hobject((duk_hthread *)ctx, idx);
    if (on)
        DUK_HOBJECT_SET_CONSTRUCTABLE(h);
    else
        DUK_HOBJECT_CLEAR_CONSTRUCTABLE(h);
}

void rt__dx_push_array_n(duk_context *ctx, duk_uint32_t n)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *tv = duk_push_harray_with_size_outptr(thr, n);
    for (duk_uint32_t i = 0; i < n; i++)
        DUK_TVAL_SET_UNDEFINED(tv + i);
}

void rt__dx_push_tuple(duk_context *ctx, int n)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *dst = duk_push_harray_with_size_outptr(thr, (duk_uint32_t)n);
    duk_tval *src = thr->valstack_top - 1 - n;
    for (int i = 0; i < n; i++) {          /* move: the reference goes with the value */
        DUK_TVAL_SET_TVAL(dst + i, src + i);
        DUK_TVAL_SET_UNDEFINED(src + i);
    }
    duk_insert(ctx, -(n + 1));
    duk_pop_n(ctx, n);                     /* undefined: nothing to release */
}

static duk_tval *dx_array_slot(duk_hthread *thr, void *arr, duk_uint32_t i)
{
    duk_hobject *h = (duk_hobject *)arr;
    DUK_ASSERT(DUK_HOBJECT_HAS_ARRAY_PART(h) && i < DUK_HOBJECT_GET_ASIZE(h));
    return DUK_HOBJECT_A_GET_VALUE_PTR(thr->heap, h, i);
}

void rt__dx_array_put(duk_context *ctx, void *arr, duk_uint32_t i)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *tv = dx_array_slot(thr, arr, i);
    DUK_TVAL_SET_TVAL_UPDREF(thr, tv, DUK_GET_TVAL_NEGIDX(thr, -1));
    duk_pop(ctx);
}

void rt__dx_array_take(duk_context *ctx, void *arr, duk_uint32_t i)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *tv = dx_array_slot(thr, arr, i);
    duk_push_tval(thr, tv);
    tv = dx_array_slot(thr, arr, i);
    DUK_TVAL_SET_UNDEFINED_UPDREF(thr, tv);   /* the stack holds a reference: no free */
}

void rt__dx_array_get(duk_context *ctx, void *arr, duk_uint32_t i)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_push_tval(thr, dx_array_slot(thr, arr, i));
}

/* The array part slot for index i of the Array at idx if the element is present there. */
static duk_tval *dx_present(duk_hthread *thr, duk_idx_t idx, duk_uint32_t i)
{
    duk_tval *tv = duk_get_tval(thr, idx);
    if (!tv || !DUK_TVAL_IS_OBJECT(tv))
        return NULL;
    duk_hobject *h = DUK_TVAL_GET_OBJECT(tv);
    if (!DUK_HOBJECT_HAS_EXOTIC_ARRAY(h) || !DUK_HOBJECT_HAS_ARRAY_PART(h) ||
        i >= DUK_HOBJECT_GET_ASIZE(h) || i >= ((duk_harray *)h)->length)
        return NULL;
    tv = DUK_HOBJECT_A_GET_VALUE_PTR(thr->heap, h, i);
    return DUK_TVAL_IS_UNUSED(tv) ? NULL : tv;
}

int rt__dx_array_read(duk_context *ctx, duk_idx_t idx, duk_uint32_t i)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *tv = dx_present(thr, idx, i);
    if (!tv)
        return 0;
    duk_push_tval(thr, tv);
    return 1;
}

void rt__dx_list_push_undefined(duk_context *ctx, void *arr)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hobject *h = (duk_hobject *)arr;
    duk_harray *a = (duk_harray *)h;
    if (DUK_HOBJECT_HAS_ARRAY_PART(h) && a->length < DUK_HOBJECT_GET_ASIZE(h)) {
        duk_tval *tv = DUK_HOBJECT_A_GET_VALUE_PTR(thr->heap, h, a->length);
        if (DUK_TVAL_IS_UNUSED(tv)) {      /* nothing to release */
            DUK_TVAL_SET_UNDEFINED(tv);
            a->length++;
            return;
        }
    }
    duk_push_heapptr(ctx, arr);
    duk_push_undefined(ctx);
    rt__dx_array_append(ctx, -2);
    duk_pop(ctx);
}

double rt__dx_array_add_num(duk_context *ctx, void *arr, duk_uint32_t i, double delta)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_tval *tv = dx_array_slot(thr, arr, i);
    double v = (DUK_TVAL_IS_NUMBER(tv) ? DUK_TVAL_GET_NUMBER(tv) : 0.0) + delta;
    DUK_TVAL_SET_NUMBER_UPDREF(thr, tv, v);   /* a number replaces a number: no release */
    return v;
}

void rt__dx_array_define(duk_context *ctx, duk_idx_t idx, duk_uint32_t i)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    idx = duk_require_normalize_index(ctx, idx);
    duk_tval *tv = dx_present(thr, idx, i);
    if (tv) {                              /* an existing element of the array part: WEC data */
        DUK_TVAL_SET_TVAL_UPDREF(thr, tv, DUK_GET_TVAL_NEGIDX(thr, -1));
        duk_pop(ctx);
        return;
    }
    duk_push_uint(ctx, i);
    duk_swap_top(ctx, -2);
    duk_def_prop(ctx, idx, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WEC);
}

void rt__dx_array_append(duk_context *ctx, duk_idx_t idx)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    idx = duk_require_normalize_index(ctx, idx);
    duk_hobject *h = duk_require_hobject(thr, idx);
    if (DUK_HOBJECT_HAS_EXOTIC_ARRAY(h) && DUK_HOBJECT_HAS_ARRAY_PART(h) &&
        DUK_HOBJECT_HAS_EXTENSIBLE(h) && !DUK_HARRAY_LENGTH_NONWRITABLE((duk_harray *)h)) {
        duk_harray *a = (duk_harray *)h;
        if (a->length < DUK_HOBJECT_GET_ASIZE(h)) {
            duk_tval *tv = DUK_HOBJECT_A_GET_VALUE_PTR(thr->heap, h, a->length);
            if (DUK_TVAL_IS_UNUSED(tv)) {
                DUK_TVAL_SET_TVAL(tv, DUK_GET_TVAL_NEGIDX(thr, -1));
                DUK_TVAL_INCREF(thr, tv);
                a->length++;
                duk_pop(ctx);
                return;
            }
        }
    }
    rt__dx_array_define(ctx, idx, (duk_uint32_t)duk_get_length(ctx, idx));
}

int rt__dx_is_array(duk_context *ctx, duk_idx_t idx)
{
    duk_hobject *h = duk_get_hobject((duk_hthread *)ctx, idx);
    return h && DUK_HOBJECT_HAS_EXOTIC_ARRAY(h) && !DUK_HOBJECT_IS_PROXY(h);
}

int rt__dx_proxy_parts(duk_context *ctx, duk_idx_t idx)
{
    duk_hobject *h = duk_get_hobject((duk_hthread *)ctx, idx);
    if (!h || !DUK_HOBJECT_IS_PROXY(h))
        return 0;
    duk_hproxy *p = (duk_hproxy *)h;
    if (!p->target || !p->handler)
        return 0;
    duk_push_hobject((duk_hthread *)ctx, p->target);
    duk_push_hobject((duk_hthread *)ctx, p->handler);
    return 1;
}

int rt__dx_get_own_data(duk_context *ctx, void *obj, void *key)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hobject *h = (duk_hobject *)obj;
    if (!h || DUK_HOBJECT_IS_PROXY(h))
        return 0;
    duk_tval *tv = duk_hobject_find_entry_tval_ptr(thr->heap, h, (duk_hstring *)key);
    if (!tv)
        return 0;
    duk_push_tval(thr, tv);
    return 1;
}

void *rt__dx_own_getter(duk_context *ctx, void *obj, void *key)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hobject *h = (duk_hobject *)obj;
    duk_int_t e_idx, h_idx;
    if (!h || DUK_HOBJECT_IS_PROXY(h) ||
        !duk_hobject_find_entry(thr->heap, h, (duk_hstring *)key, &e_idx, &h_idx) ||
        !DUK_HOBJECT_E_SLOT_IS_ACCESSOR(thr->heap, h, e_idx))
        return NULL;
    return DUK_HOBJECT_E_GET_VALUE_GETTER(thr->heap, h, e_idx);
}

int rt__dx_own_count_is(duk_context *ctx, duk_idx_t idx, int n)
{
    duk_hobject *h = duk_get_hobject((duk_hthread *)ctx, idx);
    return h && !DUK_HOBJECT_IS_PROXY(h) && DUK_HOBJECT_GET_ENEXT(h) == (duk_uint32_t)n &&
           DUK_HOBJECT_GET_ASIZE(h) == 0 && !DUK_HOBJECT_HAS_EXOTIC_ARRAY(h);
}

void *rt__dx_proto(duk_context *ctx, duk_idx_t idx)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_hobject *h = duk_get_hobject(thr, idx);
    return h ? DUK_HOBJECT_GET_PROTOTYPE(thr->heap, h) : NULL;
}

void *rt__dx_heap_udata(duk_context *ctx)
{
    return ((duk_hthread *)ctx)->heap->heap_udata;
}

void rt__dx_new_target(duk_context *ctx, duk_idx_t nargs)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_idx_t idx_func = duk_get_top(ctx) - nargs - 2;
    if (idx_func < 0 || !duk_is_constructable(ctx, idx_func) ||
        !duk_is_constructable(ctx, idx_func + 1))
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "not a constructor");
    /* [ ... func newTarget args ] -> [ ... func instance args ]: the default instance gets
       newTarget.prototype (an Object, else %Object.prototype%), and the flag tells the call
       machinery not to overwrite it with func.prototype */
    duk_push_object(ctx);
    duk_get_prop_string(ctx, idx_func + 1, "prototype");
    if (duk_is_object(ctx, -1))
        duk_set_prototype(ctx, -2);
    else
        duk_pop(ctx);
    duk_replace(ctx, idx_func + 1);
    duk_handle_call_unprotected(thr, idx_func, DUK_CALL_FLAG_CONSTRUCT |
                                                   DUK_CALL_FLAG_DEFAULT_INSTANCE_UPDATED);
}

void rt__dx_gc_pause(duk_context *ctx, int pause)
{
    duk_heap *heap = ((duk_hthread *)ctx)->heap;
    if (pause)
        heap->ms_prevent_count++;
    else if (heap->ms_prevent_count > 0)
        heap->ms_prevent_count--;
}

void rt__dx_finalizers_hold(duk_context *ctx, int hold)
{
    duk_heap *heap = ((duk_hthread *)ctx)->heap;
    if (hold) {
        heap->pf_prevent_count++;
        return;
    }
    if (heap->pf_prevent_count > 0)
        heap->pf_prevent_count--;
    /* what was queued meanwhile runs now, as a refzero would have run it */
    if (heap->pf_prevent_count == 0 && heap->finalize_list != NULL && heap->ms_running == 0 &&
        heap->heap_thread->state == DUK_HTHREAD_STATE_RUNNING)
        duk_heap_process_finalize_list(heap);
}

/* Entry index of own `key` in obj, trying *hint first (O(1) when the table did not move). */
static duk_int_t dx_find(duk_heap *heap, duk_hobject *h, duk_hstring *key, int *hint)
{
    duk_int_t e_idx, h_idx;
    if (*hint >= 0 && (duk_uint32_t)*hint < DUK_HOBJECT_GET_ENEXT(h) &&
        DUK_HOBJECT_E_GET_KEY(heap, h, *hint) == key)
        return *hint;
    if (!duk_hobject_find_entry(heap, h, key, &e_idx, &h_idx))
        return -1;
    *hint = (int)e_idx;
    return e_idx;
}

int rt__dx_own_data_is(duk_context *ctx, void *obj, void *key, void *value, int *hint)
{
    duk_heap *heap = ((duk_hthread *)ctx)->heap;
    duk_hobject *h = (duk_hobject *)obj;
    if (DUK_HOBJECT_IS_PROXY(h))
        return 0;
    duk_int_t i = dx_find(heap, h, (duk_hstring *)key, hint);
    if (i < 0 || DUK_HOBJECT_E_SLOT_IS_ACCESSOR(heap, h, i))
        return 0;
    duk_tval *tv = DUK_HOBJECT_E_GET_VALUE_TVAL_PTR(heap, h, i);
    return DUK_TVAL_IS_OBJECT(tv) && (void *)DUK_TVAL_GET_OBJECT(tv) == value;
}

int rt__dx_own_getter_is(duk_context *ctx, void *obj, void *key, void *getter, int *hint)
{
    duk_heap *heap = ((duk_hthread *)ctx)->heap;
    duk_hobject *h = (duk_hobject *)obj;
    if (DUK_HOBJECT_IS_PROXY(h))
        return 0;
    duk_int_t i = dx_find(heap, h, (duk_hstring *)key, hint);
    return i >= 0 && DUK_HOBJECT_E_SLOT_IS_ACCESSOR(heap, h, i) &&
           (void *)DUK_HOBJECT_E_GET_VALUE_GETTER(heap, h, i) == getter;
}

/* The fatal handler tools/duk_config_overrides.h names, for heaps made without a fatal
   function (js2c's, an embedder's own): it reports and exits, not abort(). Weak: a
   definition elsewhere may take its place. (The time-out check is lib/engine/interrupt.c.) */
__attribute__((weak)) void rt__duk_fatal_default(void *udata, const char *msg)
{ (void)udata; fprintf(stderr, "libruntime: fatal Duktape error: %s\n", msg); exit(70); }

/* Error helpers (tracebacks, compile columns): their own file, the same unit. */
#include "duk_ext_errors.c"
