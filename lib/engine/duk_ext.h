/*
 * duk_ext.h - helpers that reach into Duktape's internals (lib/engine/duk_ext.c, compiled in
 * the same unit as the engine), for the hot paths of Promise and the microtask queue. Each
 * says which public API is missing. Loop thread only, like every duk_* call.
 *
 * Slots: an object's internal state kept as hidden-symbol properties at known positions of
 * its property table. Hidden symbols cannot be seen, read or written by scripts (not even
 * through Proxy traps or Object.getOwnPropertySymbols), so the slots behave as internal
 * slots do in the specification. A slot is found at its expected entry index in O(1) (a
 * key pointer compare); should the table ever have been rebuilt in another order, the
 * lookup falls back to a search. Slot writes ignore the property's attributes, so
 * Object.freeze on a promise does not freeze its state. `keys` are interned hidden-symbol
 * strings (duk_get_heapptr), which the caller keeps alive (e.g. in the heap stash).
 */
#ifndef RT_DUK_EXT_H
#define RT_DUK_EXT_H

#include "duktape.h"

/* [ ... ] -> [ ... obj ]: a new extensible ordinary object whose prototype is `proto` (a
   heapptr) with slots keys[0..n-1], all undefined, in one property-table allocation
   (public API: duk_push_object + duk_set_prototype + n duk_put_prop, each growing the
   table). */
void rt__dx_push_slotted(duk_context *ctx, void *proto, void *const *keys, int n);
/* Add slots keys[0..n-1] (undefined) to the object at idx, which must not have them. */
void rt__dx_add_slots(duk_context *ctx, duk_idx_t idx, void *const *keys, int n);
/* 1 if the value at idx is an object (not a Proxy of one) with own slot `key` at entry i. */
int rt__dx_has_slot(duk_context *ctx, duk_idx_t idx, int i, void *key);
/* [ ... ] -> [ ... value ] of slot i (undefined if absent). */
void rt__dx_slot_get(duk_context *ctx, duk_idx_t idx, int i, void *key);
/* [ ... value ] -> [ ... ]: slot i := value (no-op if absent). */
void rt__dx_slot_put(duk_context *ctx, duk_idx_t idx, int i, void *key);
/* [ ... v ] -> [ ... old ]: slot i := v, its old value pushed (undefined if absent, v
   dropped). take: [ ... ] -> [ ... old ], slot i := undefined. Both move the values (no
   reference count changes), so no finalizer runs in between. */
void rt__dx_slot_swap(duk_context *ctx, duk_idx_t idx, int i, void *key);
void rt__dx_slot_take(duk_context *ctx, duk_idx_t idx, int i, void *key);
/* Slot i as a number (0 if absent or not a number) / := number. */
double rt__dx_slot_num(duk_context *ctx, duk_idx_t idx, int i, void *key);
void rt__dx_slot_set_num(duk_context *ctx, duk_idx_t idx, int i, void *key, double v);
/* 1 if slot i is undefined (or absent). */
int rt__dx_slot_undef(duk_context *ctx, duk_idx_t idx, int i, void *key);

/*
 * [ ... v1 .. vn ] -> [ ... fn ]: a native function whose [[Prototype]] is
 * %Function.prototype%, with own `length` (= length) and `name` (= name) properties, in
 * that order, {writable: false, enumerable: false, configurable: true} as ECMAScript gives
 * built-in functions, then n slots keys[0..n-1] taking v1..vn. `constructable` 0 makes
 * `new fn()` a TypeError and IsConstructor(fn) false, as for built-in functions that are
 * not constructors (public API: duk_push_c_function is always a constructor, with
 * inherited length/name getters, and has no way to clear that flag).
 */
void rt__dx_push_function(duk_context *ctx, duk_c_function fn, duk_idx_t nargs, int magic,
                          int length, const char *name, int constructable,
                          void *const *keys, int n);
/* [ ... target ] -> [ ... resolve reject ]: the two as rt__dx_push_function(fn, 1, magic 0
   / 1, length 1, name "", not constructable) makes them, each with the one slot `key`:
   resolve's holds target, reject's holds resolve (promise.c's resolving functions). */
void rt__dx_push_resolving_pair(duk_context *ctx, duk_c_function fn, void *key);
/* [ ... target ] -> [ ... resolve ]: the resolve function of the pair alone (magic 0). */
void rt__dx_push_resolve_fn(duk_context *ctx, duk_c_function fn, void *key);
/* How many arguments a call of the function at idx can observe: its formal parameters when it
   is an ECMAScript function with no `arguments` object (none referenced, no direct eval),
   else INT_MAX. */
int rt__dx_visible_args(duk_context *ctx, duk_idx_t idx);
/* Clear (0) or set the constructable flag of the function at idx. */
void rt__dx_set_constructable(duk_context *ctx, duk_idx_t idx, int on);

/* ---- dense arrays: the microtask ring's storage and the combinators' lists ---- */
/* [ ... ] -> [ ... arr ]: an Array of length n, every element undefined, in its array part. */
void rt__dx_push_array_n(duk_context *ctx, duk_uint32_t n);
/* [ ... v1 .. vn ] -> [ ... arr ]: an Array [v1, .., vn] (moves the values). */
void rt__dx_push_tuple(duk_context *ctx, int n);
/* arr is a heapptr to an Array made by rt__dx_push_array_n with i < its length, never
   exposed to scripts. put: [ ... v ] -> [ ... ], arr[i] := v; take: [ ... ] -> [ ... v ],
   arr[i] := undefined; get: [ ... ] -> [ ... v ]. */
void rt__dx_array_put(duk_context *ctx, void *arr, duk_uint32_t i);
void rt__dx_array_take(duk_context *ctx, void *arr, duk_uint32_t i);
void rt__dx_array_get(duk_context *ctx, void *arr, duk_uint32_t i);
/* [ ... ] -> [ ... arr[i] ] and 1 when element i of the Array at idx is present in its array
   part (reading it runs no code); 0 and nothing pushed otherwise (a hole, past the length,
   not an Array: the caller reads it the general way). */
int rt__dx_array_read(duk_context *ctx, duk_idx_t idx, duk_uint32_t i);
/* Append undefined to arr (a heapptr to an extensible Array of ours, never exposed yet). */
void rt__dx_list_push_undefined(duk_context *ctx, void *arr);
/* arr[i] += delta for an element of an rt__dx_push_array_n / tuple Array holding a number
   (or undefined: 0); the new value. */
double rt__dx_array_add_num(duk_context *ctx, void *arr, duk_uint32_t i, double delta);
/* CreateDataProperty(arr at idx, i, v) / append at length: [ ... v ] -> [ ... ]. Never calls
   a setter of Array.prototype (duk_put_prop_index would for an index not yet present). */
void rt__dx_array_define(duk_context *ctx, duk_idx_t idx, duk_uint32_t i);
void rt__dx_array_append(duk_context *ctx, duk_idx_t idx);
/* 1 if the value at idx is an Array exotic object (not a Proxy of one): its length is a
   plain number that no code computes. */
int rt__dx_is_array(duk_context *ctx, duk_idx_t idx);
/* The value at idx is a Proxy: [ ... ] -> [ ... target handler ], 1 (0 and nothing pushed
   otherwise). For the traps Duktape's Proxy lacks (getOwnPropertyDescriptor), which
   conversions such as WebIDL's record<K, V> must call themselves. A revoked one: 0. */
int rt__dx_proxy_parts(duk_context *ctx, duk_idx_t idx);

/* ---- raw property inspection (for fast paths that must stay unobservable) ---- */
/* The own data property `key` (heapptr) of object `obj` (heapptr) pushed, returning 1; 0 and
   nothing pushed if it is absent, an accessor or obj is a Proxy. No getter runs. */
int rt__dx_get_own_data(duk_context *ctx, void *obj, void *key);
/* The getter (heapptr) of own accessor `key` of `obj`, NULL if none. */
void *rt__dx_own_getter(duk_context *ctx, void *obj, void *key);
/* 1 if own `key` of `obj` is a data property holding the object `value` / an accessor whose
   getter is `getter` (all heapptrs). *hint caches the entry index between calls (start -1):
   O(1) while the property table keeps its layout. */
int rt__dx_own_data_is(duk_context *ctx, void *obj, void *key, void *value, int *hint);
int rt__dx_own_getter_is(duk_context *ctx, void *obj, void *key, void *getter, int *hint);
/* 1 if the object at idx has exactly n own properties (entries, array part empty). */
int rt__dx_own_count_is(duk_context *ctx, duk_idx_t idx, int n);
/* The [[Prototype]] heapptr of the object at idx (NULL if none or not an object). */
void *rt__dx_proto(duk_context *ctx, duk_idx_t idx);

/* Construct(func, args, newTarget): [ ... func newTarget arg1 .. argN ] -> [ ... result ].
   The new object's [[Prototype]] comes from newTarget.prototype, as OrdinaryCreateFromConstructor
   says (public API: duk_new always uses func.prototype, and Duktape's Reflect.construct
   throws "unsupported" when newTarget differs from the target). Built-in constructors that
   make their own object (Array, Date, Error...) ignore it, as they do under duk_new. Throws a
   TypeError if func or newTarget is not a constructor. */
void rt__dx_new_target(duk_context *ctx, duk_idx_t nargs);

/* Tests: pause (1) / resume (0) mark-and-sweep, voluntary and emergency, so that only
   reference counting frees - what a test of "no garbage cycles" needs (public API: none;
   duk_gc only forces a collection). */
void rt__dx_gc_pause(duk_context *ctx, int pause);

/* Hold (1) / release (0) finalizers: while held, objects whose finalizer is due wait on the
   finalize list; the last release runs them. Finalizers run on the heap thread, which
   cannot call anything while a coroutine it resumed runs: Duktape 2.7 then marks the
   object finalized without calling its finalizer (silently: what it would release leaks).
   Duktape.Thread.resume holds them (lib/engine/js/60-async.js). (Public API: none.) */
void rt__dx_finalizers_hold(duk_context *ctx, int hold);

/* The heap's allocator user data (public API: duk_get_memory_functions copies 4 fields). */
void *rt__dx_heap_udata(duk_context *ctx);

/* ---- errors (lib/engine/duk_ext_errors.c) ---- */
/* 1 if an error thrown now would be caught (a protected call or a try is active), 0 if it
   would be fatal (public API: none). */
int rt__dx_catching(duk_context *ctx);
/* Inside Duktape.errCreate: the column (1-based, code points) of the compiler's current
   token for an error made while compiling, 0 when not compiling (public API: a compile
   error carries its line only). */
long rt__dx_compile_column(duk_context *ctx);
/* While compiling on this thread, the first skip bytes of the source are a wrapper before
   line 1's text (a module's function head): columns on line 1 start after it. */
void rt__dx_set_compile_skip(duk_size_t skip);
/* 0: compile without columns (tools/js2c: the core's own bytecode). */
extern int rt__dx_record_columns;
/* One frame of an error's traceback. Strings are valid during the callback only. */
enum { RT__DX_FRAME_JS = 1, RT__DX_FRAME_NATIVE = 2, RT__DX_FRAME_COMPILE = 3 };
typedef struct rt__dx_frame {
    int kind;                              /* RT__DX_FRAME_* */
    const char *name;                      /* function name, "" if anonymous */
    const char *file;                      /* "" if unknown */
    long line;                             /* 0 if unknown */
    long column;                           /* 0 if unknown (code compiled without columns) */
} rt__dx_frame;
/* Walk the traceback of the error at idx, innermost first: the compile position (when
   `compiled`, the column errCreate recorded, is > 0), then the functions with their line
   and column (tools/duk-columns.awk); the engine's C source positions
   (duk_js_compiler.c:5194) are skipped. Returns the frames seen (public API: _Tracedata is
   internal and only Duktape's `stack` getter formats it). */
int rt__dx_error_frames(duk_context *ctx, duk_idx_t idx, int compiled,
                        void (*cb)(void *ud, const rt__dx_frame *f), void *ud);

#endif /* RT_DUK_EXT_H */
