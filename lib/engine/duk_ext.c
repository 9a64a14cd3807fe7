/*
 * duk_ext.c - Duktape itself, plus the few helpers that need its internals. Our build
 * compiles Debian's amalgamation with our own configuration (build/<b>/gen/duk/duk_config.h,
 * from tools/duk_config_overrides.h); including duktape.c here puts these helpers in the
 * same translation unit, so they can use internal macros without patching the engine.
 * Each helper says which public API is missing and why it is safe. Loop thread only, like
 * every duk_* call.
 */
#include "duktape.c"

/* Defaults for the hooks tools/duk_config_overrides.h names (weak: a definition elsewhere in
   the library takes their place). The time-out check never fires. The fatal handler is for heaps
   made without a fatal function (js2c's, an embedder's own): it reports and exits, not abort(). */
__attribute__((weak)) duk_bool_t rt__duk_exec_timeout_check(void *udata) { (void)udata; return 0; }
__attribute__((weak)) void rt__duk_fatal_default(void *udata, const char *msg)
{ (void)udata; fprintf(stderr, "libruntime: fatal Duktape error: %s\n", msg); exit(70); }
