/*
 * native.c - the shared machinery of the engine's C-backed classes (native.h): class
 * definitions shaped as WebIDL says, instances with their state in hidden slots, the class
 * check, and holds (JS values C keeps by number). Loop thread only.
 *
 * Holds live in a stash Array ("holds") indexed by hold number; free numbers are kept on a
 * C free list (rt_runtime.holds), so taking and dropping a hold is O(1) and allocates only
 * when the table grows. Everything rt__keep keeps stays in the stash Array "nkeep".
 */
#include <stdio.h>
#include <string.h>

#include "native.h"

struct rt__holds {
    uint32_t *free;                        /* owned: free hold numbers */
    uint32_t nfree, cap;
    uint32_t next;                         /* numbers handed out so far (+1) */
};

/* native.finalizersHold() / native.finalizersRelease(): duk_ext.h */
static duk_ret_t js_finalizers_hold(duk_context *ctx)
{
    rt__dx_finalizers_hold(ctx, duk_get_current_magic(ctx));
    return 0;
}

int rt__native_init(duk_context *ctx)
{
    rt_runtime *rt = rt__rt_of(ctx);
    rt->holds = rt__calloc(1, sizeof *rt->holds);
    if (!rt->holds)
        return RT_ENOMEM;
    rt->holds->next = 1;
    duk_push_heap_stash(ctx);
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "holds");
    duk_push_array(ctx);
    duk_put_prop_string(ctx, -2, "nkeep");
    duk_get_prop_string(ctx, -1, "native");
    for (int hold = 0; hold < 2; hold++) {
        duk_push_c_function(ctx, js_finalizers_hold, 0);
        duk_set_magic(ctx, -1, hold);
        duk_put_prop_string(ctx, -2, hold ? "finalizersHold" : "finalizersRelease");
    }
    duk_pop_2(ctx);
    return 0;
}

void rt__native_free(rt_runtime *rt)
{
    if (!rt->holds)
        return;
    rt__free(rt->holds->free);
    rt__free(rt->holds);
    rt->holds = NULL;
}

/* ---- keeping things alive ---- */

void rt__keep(duk_context *ctx, duk_idx_t idx)
{
    idx = duk_normalize_index(ctx, idx);
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "nkeep");
    duk_dup(ctx, idx);
    duk_put_prop_index(ctx, -2, (duk_uarridx_t)duk_get_length(ctx, -2));
    duk_pop_2(ctx);
}

void *rt__hidden_key(duk_context *ctx, const char *name)
{
    duk_push_sprintf(ctx, "%c%s", '\xff', name);
    void *h = duk_get_heapptr(ctx, -1);
    rt__keep(ctx, -1);
    duk_pop(ctx);
    return h;
}

/* ---- holds ---- */

uint32_t rt__hold(duk_context *ctx)
{
    struct rt__holds *hs = rt__rt_of(ctx)->holds;
    uint32_t h = hs->nfree ? hs->free[--hs->nfree] : hs->next++;
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "holds");
    duk_pull(ctx, -3);
    duk_put_prop_index(ctx, -2, h);
    duk_pop_2(ctx);
    return h;
}

void rt__hold_push(duk_context *ctx, uint32_t h)
{
    if (!h) {
        duk_push_undefined(ctx);
        return;
    }
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "holds");
    duk_get_prop_index(ctx, -1, h);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
}

void rt__hold_drop(duk_context *ctx, uint32_t h)
{
    if (!h)
        return;
    rt_runtime *rt = rt__rt_of(ctx);
    struct rt__holds *hs = rt->holds;
    if (ctx && !rt->destroying) {
        duk_push_heap_stash(ctx);
        duk_get_prop_string(ctx, -1, "holds");
        duk_push_undefined(ctx);
        duk_put_prop_index(ctx, -2, h);
        duk_pop_2(ctx);
    }
    if (hs->nfree == hs->cap) {
        uint32_t cap = hs->cap ? hs->cap * 2 : 64;
        uint32_t *nf = rt__realloc(hs->free, cap * sizeof *nf);
        if (!nf)
            return;                        /* the number is lost, not reused: harmless */
        hs->free = nf;
        hs->cap = cap;
    }
    hs->free[hs->nfree++] = h;
}

/* ---- instances ---- */

void *rt__instance_new(duk_context *ctx, void *proto, void *const *keys, int n, size_t size,
                       int dynamic)
{
    rt__dx_push_slotted(ctx, proto, keys, n);
    void *p = dynamic ? duk_push_dynamic_buffer(ctx, size) : duk_push_fixed_buffer(ctx, size);
    /* fixed buffers are zeroed unless DUK_USE_ZERO_BUFFER_DATA is off: make sure */
    memset(p, 0, size);
    rt__dx_slot_put(ctx, -2, 0, keys[0]);
    return p;
}

void *rt__instance_init(duk_context *ctx, duk_idx_t idx, void *const *keys, int n, size_t size,
                        int dynamic)
{
    idx = duk_normalize_index(ctx, idx);
    rt__dx_add_slots(ctx, idx, keys, n);
    void *p = dynamic ? duk_push_dynamic_buffer(ctx, size) : duk_push_fixed_buffer(ctx, size);
    memset(p, 0, size);
    rt__dx_slot_put(ctx, idx, 0, keys[0]);
    return p;
}

void *rt__state(duk_context *ctx, duk_idx_t idx, void *key0)
{
    if (!rt__dx_has_slot(ctx, idx, 0, key0))
        return NULL;
    rt__dx_slot_get(ctx, idx, 0, key0);
    void *p = duk_get_buffer_data(ctx, -1, NULL);
    duk_pop(ctx);
    return p;
}

void *rt__this_state(duk_context *ctx, void *key0, const char *what)
{
    duk_push_this(ctx);
    void *p = rt__state(ctx, -1, key0);
    duk_pop(ctx);
    if (!p)
        (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "Illegal invocation: not a %s", what);
    return p;
}

void *rt__state_grow(duk_context *ctx, duk_idx_t idx, void *key0, size_t size)
{
    rt__dx_slot_get(ctx, idx, 0, key0);
    duk_size_t have = 0;
    void *p = duk_get_buffer_data(ctx, -1, &have);
    if (have < size)
        p = duk_resize_buffer(ctx, -1, size);
    duk_pop(ctx);
    return p;
}

/* ---- class definitions ---- */

static duk_ret_t illegal_ctor(duk_context *ctx)
{
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Illegal constructor");
}

/* [ ... obj ] -> [ ... obj ]: obj[name] := fn with WebIDL operation attributes. */
static void define_fn(duk_context *ctx, duk_idx_t obj, const char *name, duk_c_function fn,
                      duk_idx_t nargs, int length, int magic, int flags)
{
    duk_push_string(ctx, name);
    rt__dx_push_function(ctx, fn, nargs, magic, length, name, 0, NULL, 0);
    duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_VALUE | flags);
}

void rt__define_methods(duk_context *ctx, duk_idx_t idx, const rt__method *m)
{
    idx = duk_normalize_index(ctx, idx);
    for (; m && m->name; m++)
        define_fn(ctx, idx, m->name, m->fn, m->nargs, m->length, m->magic,
                  DUK_DEFPROP_SET_WRITABLE | DUK_DEFPROP_SET_ENUMERABLE |
                      DUK_DEFPROP_SET_CONFIGURABLE);
}

void rt__define_attrs(duk_context *ctx, duk_idx_t idx, const rt__attr *a)
{
    idx = duk_normalize_index(ctx, idx);
    char name[80];
    for (; a && a->name; a++) {
        duk_push_string(ctx, a->name);
        snprintf(name, sizeof name, "get %s", a->name);
        rt__dx_push_function(ctx, a->get, 0, a->magic, 0, name, 0, NULL, 0);
        duk_uint_t flags = DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_SET_ENUMERABLE |
                           DUK_DEFPROP_SET_CONFIGURABLE;
        if (a->set) {
            snprintf(name, sizeof name, "set %s", a->name);
            rt__dx_push_function(ctx, a->set, 1, a->magic, 1, name, 0, NULL, 0);
            flags |= DUK_DEFPROP_HAVE_SETTER;
        }
        duk_def_prop(ctx, idx, flags);
    }
}

void *rt__class_define(duk_context *ctx, const char *name, duk_c_function ctor, int ctor_length,
                       const rt__method *methods, const rt__attr *attrs,
                       const rt__method *statics, void *parent_proto, void **ctor_out)
{
    /* the constructor: a real constructor (new Foo()), named, with its length */
    rt__dx_push_function(ctx, ctor ? ctor : illegal_ctor, DUK_VARARGS, 0, ctor_length, name,
                         1, NULL, 0);
    duk_idx_t c = duk_get_top_index(ctx);
    duk_push_object(ctx);
    duk_idx_t p = duk_get_top_index(ctx);
    if (parent_proto) {
        duk_push_heapptr(ctx, parent_proto);
        duk_set_prototype(ctx, p);
    }
    duk_push_string(ctx, "constructor");
    duk_dup(ctx, c);
    duk_def_prop(ctx, p, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                             DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    rt__define_methods(ctx, p, methods);
    rt__define_attrs(ctx, p, attrs);
    duk_get_global_string(ctx, "Symbol");
    duk_get_prop_string(ctx, -1, "toStringTag");
    if (!duk_is_undefined(ctx, -1)) {
        duk_push_string(ctx, name);
        duk_def_prop(ctx, p, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE |
                                 DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    } else {
        duk_pop(ctx);
    }
    duk_pop(ctx);                          /* Symbol */
    duk_push_string(ctx, "prototype");
    duk_dup(ctx, p);
    duk_def_prop(ctx, c, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_CLEAR_WRITABLE |
                             DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_CLEAR_CONFIGURABLE);
    rt__define_methods(ctx, c, statics);
    duk_push_global_object(ctx);
    duk_push_string(ctx, name);
    duk_dup(ctx, c);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_pop(ctx);
    void *proto = duk_get_heapptr(ctx, p);
    rt__keep(ctx, p);
    rt__keep(ctx, c);
    if (ctor_out)
        *ctor_out = duk_get_heapptr(ctx, c);
    duk_pop_2(ctx);
    return proto;
}

static duk_ret_t return_this(duk_context *ctx)
{
    duk_push_this(ctx);
    return 1;
}

void *rt__iterator_proto(duk_context *ctx, duk_c_function next, const char *tag)
{
    const rt__method methods[] = {{"next", next, 0, 0, 0}, {NULL, NULL, 0, 0, 0}};
    duk_push_object(ctx);
    rt__define_methods(ctx, -1, methods);
    duk_get_global_string(ctx, "Symbol");
    duk_get_prop_string(ctx, -1, "iterator");
    rt__dx_push_function(ctx, return_this, 0, 0, 0, "[Symbol.iterator]", 0, NULL, 0);
    duk_def_prop(ctx, -4, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_get_prop_string(ctx, -1, "toStringTag");
    duk_push_string(ctx, tag);
    duk_def_prop(ctx, -4, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE |
                              DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_pop(ctx);                          /* Symbol */
    void *p = duk_get_heapptr(ctx, -1);
    rt__keep(ctx, -1);
    duk_pop(ctx);
    return p;
}
