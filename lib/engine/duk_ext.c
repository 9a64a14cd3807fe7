/*
 * duk_ext.c - Duktape itself, plus the few helpers that need its internals. Our build
 * compiles Debian's amalgamation with our own configuration (build/<b>/gen/duk/duk_config.h,
 * from tools/duk_config_overrides.h); including duktape.c here puts these helpers in the
 * same translation unit, so they can use internal macros without patching the engine.
 * Each helper says which public API is missing and why it is safe. Loop thread only, like
 * every duk_* call.
 */
#include "duktape.c"
