# libruntime - one Makefile, one entry point.
#
#   make                      build/$(BACKEND)/libruntime.a and build/$(BACKEND)/rtjs
#   make BACKEND=threadpool   the other backend (both builds live side by side)
#   make test                 deps, then every test on every backend
#   make test-repeat N=10     `make test` N times, stopping at the first failure (BUSY=1: a
#                             CPU hog on every core meanwhile)
#   make demo | bench | bench-quick | fuzz | install PREFIX=... | uninstall PREFIX=...
#   make check-symbols | clean
#
# Knobs: SANITIZE=address,undefined | thread   (own build directory)
#        UV_EXTERNAL=1   leave libuv's objects out of the archive (hosts with their own libuv)
#        WERROR=1        warnings are errors (on when CI is set)
#        DUK_OVERRIDES=FILE  Duktape options in place of tools/duk_config_overrides.h (tools/dukprobe/)

BACKEND     ?= libuv
BACKENDS    := threadpool libuv
PREFIX      ?= /usr/local
CC          ?= cc
SANITIZE    ?=
UV_EXTERNAL ?= 0
CI          ?=
WERROR      ?= $(if $(CI),1,0)

ifeq ($(filter $(BACKEND),$(BACKENDS)),)
$(error BACKEND must be one of: $(BACKENDS))
endif

# Platform: where Debian puts the amalgamation and the static libraries.
DUK_DIR     ?= /usr/share/duktape
DUK_OVERRIDES ?= tools/duk_config_overrides.h
MULTIARCH   := $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR_SYS  ?= /usr/lib/$(MULTIARCH)
BEARSSL_A   ?= $(LIBDIR_SYS)/libbearssl.a
LIBUV_A     ?= $(LIBDIR_SYS)/libuv_a.a
ZLIB_A      ?= $(LIBDIR_SYS)/libz.a
BROTLIDEC_A ?= $(LIBDIR_SYS)/libbrotlidec.a
BROTLICOM_A ?= $(LIBDIR_SYS)/libbrotlicommon.a
BROTLIENC_A ?= $(LIBDIR_SYS)/libbrotlienc.a    # unit tests only: they make br streams
ZSTD_A      ?= $(LIBDIR_SYS)/libzstd.a
IDN2_A      ?= $(LIBDIR_SYS)/libidn2.a
UNISTRING_A ?= $(LIBDIR_SYS)/libunistring.a
CA_BUNDLE   ?= /etc/ssl/certs/ca-certificates.crt

comma       := ,
SANPART     := $(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)),)
UVPART      := $(if $(filter 1,$(UV_EXTERNAL)),-uvext,)
SANSUFFIX   := $(SANPART)$(UVPART)
B           := build/$(BACKEND)$(SANSUFFIX)
DUKGEN      := $(B)/gen/duk

OPT         ?= -O2 -g
SANFLAGS    := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer,)
WARN        := -Wall -Wextra -Wshadow -Wno-unused-parameter $(if $(filter 1,$(WERROR)),-Werror,)
CPPFLAGS    := -Iinclude -Ilib/engine -Ilib/net -I$(DUKGEN) -D_GNU_SOURCE -DRT_BACKEND_DEFAULT_$(BACKEND)=1
CFLAGS_RT   := -std=gnu11 $(OPT) $(WARN) $(SANFLAGS) -fvisibility=default -MMD -MP
# Duktape at -O3: 1-2 % fewer instructions per request than -O2 (docs/engine.md).
CFLAGS_DUK  := -std=gnu99 -O3 -g $(SANFLAGS) -w
LDLIBS      := -lpthread -lm -ldl
LDFLAGS     := $(SANFLAGS)

NET_SRC     := $(wildcard lib/net/*.c)
ENGINE_SRC  := $(filter-out lib/engine/duk_ext.c lib/engine/duk_ext_errors.c,$(wildcard lib/engine/*.c))
CORE_SRC    := $(NET_SRC) $(ENGINE_SRC)
BACKEND_SRC := $(wildcard backends/$(BACKEND)/*.c)
JS_SRC      := $(sort $(wildcard lib/engine/js/*.js))
CORE_OBJ    := $(patsubst lib/%.c,$(B)/obj/lib/%.o,$(CORE_SRC))
BACKEND_OBJ := $(patsubst backends/%.c,$(B)/obj/backends/%.o,$(BACKEND_SRC))
GEN_OBJ     := $(B)/obj/gen/lib_js.o $(B)/obj/gen/builtin_anchors.o
DUK_OBJ     := $(B)/obj/duktape.o
CODING_LIBS := $(ZLIB_A) $(BROTLIDEC_A) $(BROTLICOM_A) $(ZSTD_A)
IDNA_LIBS   := $(IDN2_A) $(UNISTRING_A)
STATIC_LIBS := $(BEARSSL_A) $(CODING_LIBS) $(IDNA_LIBS) $(if $(and $(filter libuv,$(BACKEND)),$(filter-out 1,$(UV_EXTERNAL))),$(LIBUV_A),)
EXTRA_LIBS  := $(if $(and $(filter libuv,$(BACKEND)),$(filter 1,$(UV_EXTERNAL))),-luv,)

# Two archives of the same objects. $(LIB), what is installed and what programs link: one
# relocatable object in which every global symbol but the API (rt_, RT_, duk_) is made
# local - our rt__ internals and the bundled BearSSL, zlib, brotli, zstd, idn2, unistring and
# libuv - so a host linking its own copies of those libraries gets its own, with no clash.
# $(LIBINT), for the unit tests (they call rt__ internals): the objects as they are.
LIB         := $(B)/libruntime.a
LIBINT      := $(B)/obj/libruntime-internal.a
RTJS        := $(B)/rtjs
# What `make install` names them (backends and variants install side by side).
PKG         := runtime-$(BACKEND)$(SANPART)$(UVPART)
UVEXT_PKG   := $(if $(and $(filter libuv,$(BACKEND)),$(filter-out 1,$(UV_EXTERNAL))),runtime-libuv$(SANPART)-uvext,)
DEFAULT_PKG := $(filter runtime-libuv,$(PKG))
VERSION     := $(shell sed -n 's/.*RT_VERSION_STRING "\(.*\)"/\1/p' include/runtime.h)

UNIT_SRC    := $(filter-out $(foreach o,$(filter-out $(BACKEND),$(BACKENDS)),tests/unit/test-$(o).c),\
                 $(wildcard tests/unit/test-*.c))
UNIT_BIN    := $(B)/unit-tests

.PHONY: all lib cli mkcoded test test-repeat check check-unit check-js check-embed check-poll check-valgrind check-fdlimit check-faults deps demo bench bench-quick \
        fuzz install uninstall clean check-symbols conformance

all: $(LIB) $(RTJS)
lib: $(LIB)
cli: $(RTJS)

# ---- objects --------------------------------------------------------------------------
$(B)/obj/lib/%.o: lib/%.c | $(DUK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_RT) -c $< -o $@

$(B)/obj/backends/%.o: backends/%.c | $(DUK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_RT) -c $< -o $@

# Duktape is compiled from Debian's amalgamation with our configuration: duk_config.h is
# Debian's with tools/duk_config_overrides.h in place of its __OVERRIDE_DEFINES__ marker
# (docs/engine.md says what each option buys). duktape.h and duktape.c are copied next to it
# because their quoted includes look in their own directory first. lib/engine/duk_ext.c
# includes duktape.c, so the few helpers that need engine internals share its unit.
$(DUKGEN)/duk_config.h: $(DUK_DIR)/duk_config.h $(DUK_OVERRIDES)
	@mkdir -p $(dir $@)
	@grep -q '__OVERRIDE_DEFINES__' $< || { echo "no __OVERRIDE_DEFINES__ marker in $<"; exit 1; }
	sed -e '/__OVERRIDE_DEFINES__/r $(DUK_OVERRIDES)' $< > $@.tmp && mv $@.tmp $@

$(DUKGEN)/duktape.h: $(DUK_DIR)/duktape.h
	@mkdir -p $(dir $@)
	cp $< $@

# duktape.c gains column numbers in its pc-to-line table (tools/duk-columns.awk: four
# anchored insertions) and a voluntary mark-and-sweep after 10x the objects alive, not 50x
# (tools/duk-ms-trigger.sed; docs/engine.md). Both are counted here, so a Duktape that moved
# their anchors fails loudly.
$(DUKGEN)/duktape.c: $(DUK_DIR)/duktape.c tools/duk-columns.awk tools/duk-ms-trigger.sed
	@mkdir -p $(dir $@)
	awk -f tools/duk-columns.awk $< | sed -f tools/duk-ms-trigger.sed > $@.tmp
	@n=$$(grep -c 'libruntime: tools/duk-ms-trigger.sed' $@.tmp); [ "$$n" = 1 ] || { \
	  echo "tools/duk-ms-trigger.sed: $$n of 1 edits made in $<"; rm -f $@.tmp; exit 1; }
	@n=$$(grep -c 'libruntime' $@.tmp); [ "$$n" = 6 ] || { \
	  echo "tools/duk-columns.awk: $$((n - 1)) of 5 insertions made in $<"; rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

DUK_HDRS    := $(DUKGEN)/duk_config.h $(DUKGEN)/duktape.h

$(DUK_OBJ): lib/engine/duk_ext.c lib/engine/duk_ext_errors.c $(DUKGEN)/duktape.c $(DUK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_DUK) -I$(DUKGEN) -Ilib/engine -c $< -o $@

# Embedded JavaScript (lib/engine/js/*.js) compiled to Duktape bytecode at build time, by a tool
# linked with the library's own duktape.o (the bytecode must match the engine).
$(B)/tools/js2c: tools/js2c.c $(DUK_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -O1 -I$(DUKGEN) -o $@ $< $(DUK_OBJ) $(LDFLAGS) -lm

$(B)/gen/lib_js.c: $(B)/tools/js2c $(JS_SRC)
	@mkdir -p $(dir $@)
	$(B)/tools/js2c $@ $(JS_SRC)

# The build machine's CA bundle as DER, used when no bundle file exists at run time.
$(B)/tools/mkanchors: tools/mkanchors.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $< $(BEARSSL_A)

$(B)/gen/builtin_anchors.c: $(B)/tools/mkanchors
	@mkdir -p $(dir $@)
	$(B)/tools/mkanchors $(CA_BUNDLE) $@

$(B)/obj/gen/%.o: $(B)/gen/%.c | $(DUK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_RT) -Wno-overlength-strings -c $< -o $@

# ---- the archives: core + backend + Duktape + the objects of the static libraries -------
ALL_OBJ     := $(CORE_OBJ) $(BACKEND_OBJ) $(GEN_OBJ) $(DUK_OBJ)

$(LIBINT): $(ALL_OBJ)
	@rm -f $@
	@{ echo "CREATE $@"; \
	   for o in $^; do echo "ADDMOD $$o"; done; \
	   for a in $(STATIC_LIBS); do echo "ADDLIB $$a"; done; \
	   echo "SAVE"; echo "END"; } | ar -M
	ar d $@ ssl_io.o  # the connections drive the engine themselves: no br_sslio
	ranlib $@

# ld -r pulls in the members of the libraries our objects use (as a final link would),
# objcopy keeps only the API global (tools/localize.sh).
$(LIB): $(ALL_OBJ) tools/localize.sh
	@echo "tools/localize.sh $@ (objects) $(notdir $(STATIC_LIBS))"
	@tools/localize.sh $@ "$(ALL_OBJ)" "$(STATIC_LIBS)"

$(RTJS): $(B)/obj/cli/rtjs.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(EXTRA_LIBS) $(LDLIBS)

$(B)/obj/cli/%.o: cli/%.c | $(DUK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_RT) -c $< -o $@

# ---- tests ----------------------------------------------------------------------------
$(B)/gen/test-list.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@sed -n 's/^TEST(\([A-Za-z0-9_]*\)).*/TEST_ENTRY(\1)/p' $(UNIT_SRC) > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(UNIT_BIN): tests/unit/runner.c $(UNIT_SRC) tests/c/fake_backend.c $(B)/gen/test-list.h $(LIBINT)
	$(CC) $(CPPFLAGS) -I$(B)/gen -Itests/unit -Itests/c $(CFLAGS_RT) -Wno-missing-field-initializers \
	  -o $@ tests/unit/runner.c $(UNIT_SRC) tests/c/fake_backend.c $(BROTLIENC_A) $(LIBINT) $(EXTRA_LIBS) \
	  $(LDFLAGS) $(LDLIBS)

$(B)/embed-example: examples/embed.c $(LIB)
	$(CC) -Iinclude -I$(DUKGEN) -std=gnu11 $(WARN) $(SANFLAGS) -o $@ $< $(LIB) $(EXTRA_LIBS) $(LDFLAGS) $(LDLIBS)

# The host-loop test links its own (shared) libuv: the archive without libuv's objects.
$(B)/libruntime-uvext.a: $(ALL_OBJ) tools/localize.sh
	@echo "tools/localize.sh $@ (objects) $(notdir $(BEARSSL_A) $(CODING_LIBS) $(IDNA_LIBS))"
	@tools/localize.sh $@ "$(ALL_OBJ)" "$(BEARSSL_A) $(CODING_LIBS) $(IDNA_LIBS)"

# br and zstd bodies for the JS suite's server (/coded) and the benchmark's br download:
# the reference encoders, as Python has neither (tests/c/mkcoded.c).
MKCODED     := $(B)/mkcoded
mkcoded: $(MKCODED)
$(MKCODED): tests/c/mkcoded.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(OPT) $(WARN) -o $@ $< $(BROTLIENC_A) $(BROTLICOM_A) $(ZSTD_A) $(LDLIBS)

check-unit: $(UNIT_BIN)
	$(UNIT_BIN)

check-js: $(RTJS) $(MKCODED)
	tests/cli.sh $(B)
	TEST_MKCODED=$(abspath $(MKCODED)) TIMEOUT_SCALE=$(if $(SANITIZE),3,1) tests/run-js.sh $(B)

# The embedding tests build hosts the way an embedder does: `make install` into a clean
# prefix under build/, then `cc host.c $(pkg-config --cflags --libs runtime-...)`; they
# check the installed archive's symbols, link a host with the system's own libuv, zlib and
# BearSSL beside it, and end with `make uninstall` leaving the prefix empty.
TESTPREFIX  := $(abspath $(B))/prefix
check-embed: all $(if $(UVEXT_PKG),$(B)/libruntime-uvext.a,)
	@rm -rf $(TESTPREFIX)
	@$(MAKE) --no-print-directory install PREFIX=$(TESTPREFIX) >/dev/null
	CC="$(CC)" SANFLAGS="$(SANFLAGS)" WARN="$(WARN)" tests/c/run-embed.sh $(B) $(TESTPREFIX) $(PKG) $(UVEXT_PKG)
	@$(MAKE) --no-print-directory uninstall PREFIX=$(TESTPREFIX) >/dev/null
	@left=$$(find $(TESTPREFIX) -type f -o -type l); if [ -n "$$left" ]; then \
	  echo "FAIL make uninstall left: $$left"; exit 1; else echo "ok     make uninstall leaves nothing"; fi

# The network side under failing allocations: every allocation of a fetch, a TLS handshake,
# a redirect, a streamed body (...) fails in turn; each must end in an error or a rejected
# promise, never a crash, a hang or a leak (CI: under SANITIZE=address,undefined, both backends).
# It calls internals (rt__alloc_fail_after...): linked with the archive whose rt__ names are
# still global, as the unit tests are.
$(B)/net-faults: tests/c/net_faults.c tests/c/fake_backend.c $(LIBINT)
	$(CC) $(CPPFLAGS) -Itests/c $(CFLAGS_RT) -o $@ tests/c/net_faults.c tests/c/fake_backend.c \
	  $(LIBINT) $(EXTRA_LIBS) $(LDFLAGS) $(LDLIBS)

check-faults: $(B)/net-faults
	tests/c/run-faults.sh $(B)

# Descriptor exhaustion: 600 fetches at once under `ulimit -n 256` must all succeed.
check-fdlimit: $(RTJS)
	TIMEOUT_SCALE=$(if $(SANITIZE),3,1) tests/fdlimit/run.sh $(B)

check: all check-unit check-embed check-js check-fdlimit

# The contract is small: tests/c/poll_backend.c, a single-threaded poll(2) transport written
# against include/runtime_backend.h only, runs the whole JS suite (make test runs it once).
$(B)/rtjs-poll: cli/rtjs.c tests/c/poll_backend.c $(LIB)
	$(CC) $(CPPFLAGS) $(CFLAGS_RT) -DRTJS_BACKEND=rt_backend_poll -o $@ cli/rtjs.c \
	  tests/c/poll_backend.c $(LIB) $(EXTRA_LIBS) $(LDFLAGS) $(LDLIBS)

check-poll: $(B)/rtjs-poll $(MKCODED)
	RTJS=$(B)/rtjs-poll TEST_MKCODED=$(abspath $(MKCODED)) TIMEOUT_SCALE=$(if $(SANITIZE),3,1) tests/run-js.sh $(B)

# The JS suite under valgrind memcheck: any invalid access or definite/indirect leak fails
# the test (tools/valgrind.supp lists the few suppressions, each explained).
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect --suppressions=tools/valgrind.supp
check-valgrind: $(RTJS) $(MKCODED)
	@tools/deps.sh valgrind
	RTJS_WRAPPER="$(VALGRIND)" TEST_MKCODED=$(abspath $(MKCODED)) TIMEOUT_SCALE=10 RT_SLOW_TOOL=valgrind tests/run-js.sh $(B)

test: deps
	@set -e; for b in $(BACKENDS); do \
	  echo "==== backend $$b ===="; \
	  $(MAKE) --no-print-directory BACKEND=$$b check; \
	done
	@echo "==== the JS suite on tests/c/poll_backend.c ===="
	@$(MAKE) --no-print-directory BACKEND=libuv check-poll
	@echo "==== all backends passed ===="

# The suite must never flake: N full runs, with BUSY=1 on a machine with no idle core
# (docs/reliability.md). Prints "K of N passed"; logs in build/test-repeat/.
N    ?= 10
BUSY ?= 0
test-repeat: deps
	@MAKE="$(MAKE)" tools/test-repeat.sh $(N) $(BUSY)

# ---- dependencies (Debian packages; installs only what is missing) --------------------
DEPS_BUILD := gcc make binutils pkg-config duktape-dev libuv1-dev libbearssl-dev zlib1g-dev \
              libbrotli-dev libzstd-dev libidn2-dev libunistring-dev ca-certificates
DEPS_TEST  := python3 openssl curl
DEPS_BENCH := nginx libnginx-mod-http-echo wrk curl valgrind
deps:
	@tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

deps-bench:
	@tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_BENCH)

# ---- demo, bench, fuzz ----------------------------------------------------------------
demo: deps all
	tests/run-demo.sh $(B)

# The comparative suite (docs/benchmarks.md): nginx on 127.0.0.1, rtjs on both backends,
# node, curl and wrk (warm JS clients, RSS growth, Promise probes against node and a JS
# polyfill from npm in build/bench-npm, callgrind instruction counts); report in
# bench/results/<date>.md, docs/benchmarks.md rewritten. About an hour on 2 cores.
bench: deps-bench
	@for b in $(BACKENDS); do $(MAKE) --no-print-directory BACKEND=$$b all mkcoded || exit 1; done
	python3 bench/bench.py --docs

# Issue 16's conformance measurement (docs/conformance.md): WPT fetch/api, test262
# built-ins/Promise and Promises/A+ (npm promises-aplus-tests) under rtjs (both backends) and
# node, from an already-populated CONFORMANCE_DATA (tools/conformance/README.md). A suite whose
# data is absent is skipped with a message; never part of `make test`. Report in
# $(CONFORMANCE_DATA)/results/report.md.
CONFORMANCE_DATA ?= build/conformance
conformance:
	@for b in $(BACKENDS); do $(MAKE) --no-print-directory BACKEND=$$b all || exit 1; done
	python3 tools/conformance/run.py --data $(CONFORMANCE_DATA)

# The reduced set (CI smoke test, a few minutes): bench/results/<date>-quick.md; asserts no figure.
bench-quick: deps-bench
	@for b in $(BACKENDS); do $(MAKE) --no-print-directory BACKEND=$$b all mkcoded || exit 1; done
	python3 bench/bench.py --quick

# libFuzzer targets (clang), each run FUZZ_SECONDS against tests/fuzz/corpus/.
FUZZ_SECONDS ?= 60
fuzz:
	@tools/deps.sh clang libclang-rt-dev
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# ---- install, uninstall, symbols, clean ----------------------------------------------
# Installed (PREFIX/...): lib/lib$(PKG).a and lib/pkgconfig/$(PKG).pc for this build (and, for
# the libuv build, runtime-libuv-uvext: the same without libuv's objects, for hosts with
# their own libuv); include/runtime.h, include/runtime_backend.h, and Duktape's headers as
# this build made them in include/runtime/ (duktape.h, duk_config.h: in a directory of their
# own, so a system duktape.h is left alone); bin/rtjs-$(BACKEND). The default build
# (BACKEND=libuv) also installs runtime.pc and bin/rtjs. `pkg-config --variable=backend`.
INCDIR      = $(DESTDIR)$(PREFIX)/include
LIBDIR      = $(DESTDIR)$(PREFIX)/lib
PCDIR       = $(LIBDIR)/pkgconfig
BINDIR      = $(DESTDIR)$(PREFIX)/bin
# $(call pc,NAME,ARCHIVE BASENAME,LIBS,REQUIRES.PRIVATE) > file
pc = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@NAME@|$(1)|' \
       -e 's|@ARCHIVE@|$(2)|' -e 's|@LIBS@|$(strip $(SANFLAGS) $(3) $(LDLIBS))|' \
       -e 's|@REQUIRES@|$(4)|' -e 's|@BACKEND@|$(BACKEND)|' -e '/^Requires.private: *$$/d' \
       tools/runtime.pc.in

install: all $(if $(UVEXT_PKG),$(B)/libruntime-uvext.a,)
	install -d $(LIBDIR) $(PCDIR) $(INCDIR)/runtime $(BINDIR)
	install -m 644 $(LIB) $(LIBDIR)/lib$(PKG).a
	$(call pc,$(PKG),lib$(PKG).a,$(EXTRA_LIBS),$(if $(EXTRA_LIBS),libuv,)) > $(PCDIR)/$(PKG).pc
ifneq ($(UVEXT_PKG),)
	install -m 644 $(B)/libruntime-uvext.a $(LIBDIR)/lib$(UVEXT_PKG).a
	$(call pc,$(UVEXT_PKG),lib$(UVEXT_PKG).a,-luv,libuv) > $(PCDIR)/$(UVEXT_PKG).pc
endif
ifneq ($(DEFAULT_PKG),)
	$(call pc,runtime,lib$(PKG).a,$(EXTRA_LIBS),) > $(PCDIR)/runtime.pc
	ln -sf rtjs-$(BACKEND) $(BINDIR)/rtjs
endif
	install -m 644 include/runtime.h include/runtime_backend.h $(INCDIR)/
	install -m 644 $(DUKGEN)/duktape.h $(DUKGEN)/duk_config.h $(INCDIR)/runtime/
	install -m 755 $(RTJS) $(BINDIR)/rtjs-$(BACKEND)$(SANPART)$(UVPART)

# Removes what `make install` with the same settings put there; the shared headers go with
# the last runtime-*.pc.
uninstall:
	rm -f $(LIBDIR)/lib$(PKG).a $(PCDIR)/$(PKG).pc $(BINDIR)/rtjs-$(BACKEND)$(SANPART)$(UVPART)
ifneq ($(UVEXT_PKG),)
	rm -f $(LIBDIR)/lib$(UVEXT_PKG).a $(PCDIR)/$(UVEXT_PKG).pc
endif
ifneq ($(DEFAULT_PKG),)
	rm -f $(PCDIR)/runtime.pc $(BINDIR)/rtjs
endif
	@if ! ls $(PCDIR)/runtime-*.pc >/dev/null 2>&1; then \
	  echo "rm -f $(INCDIR)/runtime.h $(INCDIR)/runtime_backend.h $(INCDIR)/runtime/duk*.h"; \
	  rm -f $(INCDIR)/runtime.h $(INCDIR)/runtime_backend.h $(INCDIR)/runtime/duktape.h \
	    $(INCDIR)/runtime/duk_config.h; rmdir $(INCDIR)/runtime 2>/dev/null || true; fi

# The archive that is installed exports the API only; an installed one is checked too.
check-symbols: $(LIB)
	tools/check-symbols.sh $(LIB)
	@if [ -f $(LIBDIR)/lib$(PKG).a ]; then tools/check-symbols.sh $(LIBDIR)/lib$(PKG).a; fi
	tools/check-layering.sh $(CC) $(CPPFLAGS) -Itests/c

clean:
	rm -rf build

-include $(wildcard $(B)/obj/*/*.d $(B)/obj/*/*/*.d)
