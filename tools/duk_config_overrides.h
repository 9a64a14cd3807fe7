/*
 * Our Duktape configuration: these lines replace the __OVERRIDE_DEFINES__ marker of
 * Debian's duk_config.h at build time (Makefile: $(DUKGEN)/duk_config.h). Each option says
 * what it buys; docs/engine.md has the measurements.
 */

/* Interrupts (lib/engine/interrupt.c): the executor counts instructions and asks the runtime
   every 256K of them whether to stop (rt_interrupt, a deadline); then it throws a RangeError
   at every instruction until the error has left the engine. */
#define DUK_USE_INTERRUPT_COUNTER
#define DUK_USE_EXEC_TIMEOUT_CHECK(udata) rt__duk_exec_timeout_check((udata))
duk_bool_t rt__duk_exec_timeout_check(void *udata);
