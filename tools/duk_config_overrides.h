/*
 * Our Duktape configuration: these lines replace the __OVERRIDE_DEFINES__ marker of
 * Debian's duk_config.h at build time (Makefile: $(DUKGEN)/duk_config.h), after Debian's
 * defaults, so each line here wins. Each option says what it buys; docs/engine.md has the
 * measurements (tools/dukprobe/: instructions per operation under callgrind) and the options
 * tried and left out, with why.
 */

/* Speed. */

/* JSON.stringify() without the generic property walk for plain objects, arrays and
   primitives (falls back by itself for anything else): 18,300 -> 6,700 instructions for a
   four-property object. */
#define DUK_USE_JSON_STRINGIFY_FASTPATH

/* Integers as 64-bit integers inside numbers: array indexing without double-to-integer
   conversion (a[i]: 510 -> 190 instructions); arithmetic pays a few instructions per
   operation for the overflow checks. -0.5 % instructions per request. */
#define DUK_USE_FASTINT

/* Property tables grow by (used + 40) / 8 slots instead of (used + 16) / 8: an empty object
   gets 5 slots at its first property, not 2, so building a small object (a closure, a
   prototype, a closed environment) reallocates its table once instead of three times. The
   hash part still starts at 8 slots (the default limit, which measured best). A closure:
   -345 instructions (7 %); a promise step: -600. */
#undef DUK_USE_HOBJECT_ENTRY_MINGROW_ADD
#define DUK_USE_HOBJECT_ENTRY_MINGROW_ADD 40

/* Embedding. */

/* Interrupts (lib/engine/interrupt.c: rt_interrupt, a deadline): the bytecode executor
   counts down and, every 256k instructions, asks rt__duk_exec_timeout_check(heap udata =
   the rt_runtime). Non-zero throws a RangeError at every instruction until the error has
   left the engine. Costs about 4 instructions per bytecode instruction: +1.2 % instructions
   per request. */
#define DUK_USE_INTERRUPT_COUNTER
#define DUK_USE_EXEC_TIMEOUT_CHECK(udata) rt__duk_exec_timeout_check((udata))
duk_bool_t rt__duk_exec_timeout_check(void *udata);

/* Fatal errors of a heap created without a fatal function (the runtime always passes its
   own; js2c and an embedder's own heaps may not): Duktape's default calls abort(). Ours
   (weak default in lib/engine/duk_ext.c) reports the message and exits. */
#define DUK_USE_FATAL_HANDLER(udata, msg) rt__duk_fatal_default((udata), (msg))
DUK_NORETURN(void rt__duk_fatal_default(void *udata, const char *msg));
