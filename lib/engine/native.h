/*
 * native.h - what the engine's C-backed classes share (lib/engine/native.c): WebIDL-shaped
 * class definitions (one prototype made at start-up, methods and accessors on it once, each
 * a non-constructor with its own length and name), instances whose internal state lives in
 * hidden-symbol slots (lib/engine/duk_ext.h: O(1), invisible to scripts, one allocation per
 * object), a class check before any state is trusted, and "holds": JS values the C side keeps
 * for a while (a pending promise, a callback) in a dense stash array, by number. Loop thread.
 *
 * Slot 0 of every instance is its state: a Duktape buffer holding a C struct. Its key is
 * the class's own hidden symbol, so "has slot 0 with my key" is the class check
 * (`Response.prototype.text.call({})` is a TypeError, never a crash). The buffer belongs to
 * the object: the garbage collector frees it with it, so most instances need no finalizer.
 */
#ifndef RT_ENGINE_NATIVE_H
#define RT_ENGINE_NATIVE_H

#include "engine.h"
#include "duk_ext.h"

/* A method of a prototype (or a static of a constructor). */
typedef struct rt__method {
    const char *name;                      /* NULL ends a list */
    duk_c_function fn;
    duk_idx_t nargs;                       /* DUK_VARARGS or a count */
    int length;                            /* the function's length: required arguments */
    int magic;
} rt__method;

/* An attribute: a getter and maybe a setter. */
typedef struct rt__attr {
    const char *name;                      /* NULL ends a list */
    duk_c_function get;
    duk_c_function set;                    /* NULL: read-only */
    int magic;
} rt__attr;

/* A class as WebIDL shapes it: global `name` (writable, configurable, not enumerable), its
   `prototype` (fixed), prototype.constructor, methods and attributes enumerable and
   configurable on the prototype, Symbol.toStringTag = name. `parent_proto` (heapptr or
   NULL: %Object.prototype%) is the prototype's prototype. Returns the prototype's heapptr
   (kept alive); *ctor_out (may be NULL) gets the constructor's. ctor may be NULL: then the
   constructor throws "Illegal constructor" (an interface scripts cannot construct). */
void *rt__class_define(duk_context *ctx, const char *name, duk_c_function ctor, int ctor_length,
                       const rt__method *methods, const rt__attr *attrs,
                       const rt__method *statics, void *parent_proto, void **ctor_out);

/* Define methods / attributes on the object at idx (WebIDL attributes as above). */
void rt__define_methods(duk_context *ctx, duk_idx_t idx, const rt__method *m);
/* A WebIDL iterator prototype (the pair iterators of Headers, FormData): `next`, an
   @@iterator that returns this, @@toStringTag tag. Kept for the heap's life (rt__keep);
   returns its heap pointer. The stack is left as it was. */
void *rt__iterator_proto(duk_context *ctx, duk_c_function next, const char *tag);
void rt__define_attrs(duk_context *ctx, duk_idx_t idx, const rt__attr *a);

/* The interned hidden symbol "\xff<name>" as a heapptr, kept alive for the heap's life. */
void *rt__hidden_key(duk_context *ctx, const char *name);
/* Keep the value at idx alive for the heap's life (a prototype, an original function). */
void rt__keep(duk_context *ctx, duk_idx_t idx);

/* [ ... ] -> [ ... obj ]: a new instance with prototype `proto` and slots keys[0..n-1]; slot 0
   gets a new zeroed Duktape buffer of `size` bytes (dynamic: resizable) whose data is
   returned. */
void *rt__instance_new(duk_context *ctx, void *proto, void *const *keys, int n, size_t size,
                       int dynamic);
/* The same on an existing object at idx (a constructor's `this`, whose prototype came from
   newTarget): adds the slots, returns the zeroed state. */
void *rt__instance_init(duk_context *ctx, duk_idx_t idx, void *const *keys, int n, size_t size,
                        int dynamic);
/* The state struct of the object at idx if it is an instance with slot-0 key `key0`, else
   NULL. */
void *rt__state(duk_context *ctx, duk_idx_t idx, void *key0);
/* The same for `this`, or a TypeError ("Illegal invocation") naming `what`. */
void *rt__this_state(duk_context *ctx, void *key0, const char *what);
/* A dynamic slot-0 buffer grown to at least size bytes (contents kept); returns its data,
   which may have moved. */
void *rt__state_grow(duk_context *ctx, duk_idx_t idx, void *key0, size_t size);

/* ---- holds: JS values kept by C, by number ---- */
/* [ ... v ] -> [ ... ]: keep v; returns its hold number (> 0). Throws when the table cannot
   grow (a Duktape error: call it where that is safe). */
uint32_t rt__hold(duk_context *ctx);
/* [ ... ] -> [ ... v ]: push the value held as h (undefined for 0). */
void rt__hold_push(duk_context *ctx, uint32_t h);
/* Let go of hold h (0 is a no-op). */
void rt__hold_drop(duk_context *ctx, uint32_t h);

/* Set up the hold table and the keep array (runtime.c, before any class). */
int rt__native_init(duk_context *ctx);
void rt__native_free(rt_runtime *rt);

#endif /* RT_ENGINE_NATIVE_H */
