/*
 * Our Duktape configuration: these lines replace the __OVERRIDE_DEFINES__ marker of
 * Debian's duk_config.h at build time (Makefile: $(DUKGEN)/duk_config.h). Each option says
 * what it buys; docs/engine.md has the measurements.
 */
