# libruntime - one Makefile, one entry point.
#
#   make                      build/$(BACKEND)/libruntime.a and build/$(BACKEND)/rtjs
#   make BACKEND=threadpool   the other backend (both builds live side by side)
#   make test                 deps, then every test on every backend
#   make demo | bench | bench-quick | fuzz | install PREFIX=... | check-symbols | clean
#
# Knobs: SANITIZE=address,undefined | thread   (own build directory)
#        UV_EXTERNAL=1   leave libuv's objects out of the archive (hosts with their own libuv)
#        WERROR=1        warnings are errors (on when CI is set)

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
SANSUFFIX   := $(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)),)$(if $(filter 1,$(UV_EXTERNAL)),-uvext,)
B           := build/$(BACKEND)$(SANSUFFIX)
DUKGEN      := $(B)/gen/duk

OPT         ?= -O2 -g
SANFLAGS    := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer,)
WARN        := -Wall -Wextra -Wshadow -Wno-unused-parameter $(if $(filter 1,$(WERROR)),-Werror,)
CPPFLAGS    := -Iinclude -Ilib/engine -Ilib/net -I$(DUKGEN) -D_GNU_SOURCE -DRT_BACKEND_DEFAULT_$(BACKEND)=1
CFLAGS_RT   := -std=gnu11 $(OPT) $(WARN) $(SANFLAGS) -fvisibility=default -MMD -MP
CFLAGS_DUK  := -std=gnu99 -O2 -g $(SANFLAGS) -w
LDLIBS      := -lpthread -lm -ldl
LDFLAGS     := $(SANFLAGS)

NET_SRC     := $(wildcard lib/net/*.c)
ENGINE_SRC  := $(filter-out lib/engine/duk_ext.c,$(wildcard lib/engine/*.c))
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

LIB         := $(B)/libruntime.a
RTJS        := $(B)/rtjs

UNIT_SRC    := $(filter-out $(foreach o,$(filter-out $(BACKEND),$(BACKENDS)),tests/unit/test-$(o).c),\
                 $(wildcard tests/unit/test-*.c))
UNIT_BIN    := $(B)/unit-tests

.PHONY: all lib cli test check check-unit check-js check-embed check-poll check-valgrind check-fdlimit check-faults deps demo bench bench-quick \
        fuzz install clean check-symbols

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
$(DUKGEN)/duk_config.h: $(DUK_DIR)/duk_config.h tools/duk_config_overrides.h
	@mkdir -p $(dir $@)
	@grep -q '__OVERRIDE_DEFINES__' $< || { echo "no __OVERRIDE_DEFINES__ marker in $<"; exit 1; }
	sed -e '/__OVERRIDE_DEFINES__/r tools/duk_config_overrides.h' $< > $@.tmp && mv $@.tmp $@

$(DUKGEN)/duktape.h: $(DUK_DIR)/duktape.h
	@mkdir -p $(dir $@)
	cp $< $@

$(DUKGEN)/duktape.c: $(DUK_DIR)/duktape.c
	@mkdir -p $(dir $@)
	cp $< $@

DUK_HDRS    := $(DUKGEN)/duk_config.h $(DUKGEN)/duktape.h

$(DUK_OBJ): lib/engine/duk_ext.c $(DUKGEN)/duktape.c $(DUK_HDRS)
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

# ---- the archive: core + backend + Duktape + the objects of the static libraries -------
$(LIB): $(CORE_OBJ) $(BACKEND_OBJ) $(GEN_OBJ) $(DUK_OBJ)
	@rm -f $@
	@{ echo "CREATE $@"; \
	   for o in $^; do echo "ADDMOD $$o"; done; \
	   for a in $(STATIC_LIBS); do echo "ADDLIB $$a"; done; \
	   echo "SAVE"; echo "END"; } | ar -M
	ar d $@ ssl_io.o  # the connections drive the engine themselves: no br_sslio
	ranlib $@

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

$(UNIT_BIN): tests/unit/runner.c $(UNIT_SRC) tests/c/fake_backend.c $(B)/gen/test-list.h $(LIB)
	$(CC) $(CPPFLAGS) -I$(B)/gen -Itests/unit -Itests/c $(CFLAGS_RT) -Wno-missing-field-initializers \
	  -o $@ tests/unit/runner.c $(UNIT_SRC) tests/c/fake_backend.c $(BROTLIENC_A) $(LIB) $(EXTRA_LIBS) \
	  $(LDFLAGS) $(LDLIBS)

$(B)/embed-example: examples/embed.c $(LIB)
	$(CC) -Iinclude -I$(DUKGEN) -std=gnu11 $(WARN) $(SANFLAGS) -o $@ $< $(LIB) $(EXTRA_LIBS) $(LDFLAGS) $(LDLIBS)

$(B)/embed-test: tests/c/embed_test.c $(LIB)
	$(CC) -Iinclude -I$(DUKGEN) -std=gnu11 $(WARN) $(SANFLAGS) -o $@ $< $(LIB) $(EXTRA_LIBS) $(LDFLAGS) $(LDLIBS)

$(B)/hostloop-test: tests/c/hostloop_test.c $(B)/libruntime-uvext.a
	$(CC) -Iinclude -I$(DUKGEN) -std=gnu11 $(WARN) $(SANFLAGS) -o $@ $< $(B)/libruntime-uvext.a -luv $(LDFLAGS) $(LDLIBS)

# The host-loop test links its own (shared) libuv: build the archive without libuv's objects.
$(B)/libruntime-uvext.a: $(CORE_OBJ) $(BACKEND_OBJ) $(GEN_OBJ) $(DUK_OBJ)
	@rm -f $@
	@{ echo "CREATE $@"; for o in $^; do echo "ADDMOD $$o"; done; \
	   for a in $(BEARSSL_A) $(CODING_LIBS) $(IDNA_LIBS); do echo "ADDLIB $$a"; done; \
	   echo "SAVE"; echo "END"; } | ar -M
	ranlib $@

check-unit: $(UNIT_BIN)
	$(UNIT_BIN)

check-js: $(RTJS)
	tests/cli.sh $(B)
	TIMEOUT_SCALE=$(if $(SANITIZE),3,1) tests/run-js.sh $(B)

check-embed: $(B)/embed-example $(B)/embed-test $(if $(filter libuv,$(BACKEND)),$(B)/hostloop-test,)
	tests/c/run-embed.sh $(B)

# The network side under failing allocations: every allocation of a fetch, a TLS handshake,
# a redirect, a streamed body (...) fails in turn; each must end in an error or a rejected
# promise, never a crash, a hang or a leak (CI: under SANITIZE=address,undefined, both backends).
$(B)/net-faults: tests/c/net_faults.c tests/c/fake_backend.c $(LIB)
	$(CC) $(CPPFLAGS) -Itests/c $(CFLAGS_RT) -o $@ tests/c/net_faults.c tests/c/fake_backend.c \
	  $(LIB) $(EXTRA_LIBS) $(LDFLAGS) $(LDLIBS)

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

check-poll: $(B)/rtjs-poll
	RTJS=$(B)/rtjs-poll TIMEOUT_SCALE=$(if $(SANITIZE),3,1) tests/run-js.sh $(B)

# The JS suite under valgrind memcheck: any invalid access or definite/indirect leak fails
# the test (tools/valgrind.supp lists the few suppressions, each explained).
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect --suppressions=tools/valgrind.supp
check-valgrind: $(RTJS)
	@tools/deps.sh valgrind
	RTJS_WRAPPER="$(VALGRIND)" TIMEOUT_SCALE=10 RT_SLOW_TOOL=valgrind tests/run-js.sh $(B)

test: deps
	@set -e; for b in $(BACKENDS); do \
	  echo "==== backend $$b ===="; \
	  $(MAKE) --no-print-directory BACKEND=$$b check; \
	done
	@echo "==== the JS suite on tests/c/poll_backend.c ===="
	@$(MAKE) --no-print-directory BACKEND=libuv check-poll
	@echo "==== all backends passed ===="

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
	@for b in $(BACKENDS); do $(MAKE) --no-print-directory BACKEND=$$b all || exit 1; done
	python3 bench/bench.py --docs

# The reduced set (CI smoke test, a few minutes): bench/results/<date>-quick.md; asserts no figure.
bench-quick: deps-bench
	@for b in $(BACKENDS); do $(MAKE) --no-print-directory BACKEND=$$b all || exit 1; done
	python3 bench/bench.py --quick

# libFuzzer targets (clang), each run FUZZ_SECONDS against tests/fuzz/corpus/.
FUZZ_SECONDS ?= 60
fuzz:
	@tools/deps.sh clang libclang-rt-dev
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# ---- install, symbols, clean ----------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libruntime.a
	install -m 644 include/runtime.h include/runtime_backend.h \
	  $(DUKGEN)/duktape.h $(DUKGEN)/duk_config.h \
	  $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(RTJS) $(DESTDIR)$(PREFIX)/bin/rtjs
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(shell sed -n 's/.*RT_VERSION_STRING "\(.*\)"/\1/p' include/runtime.h)|' \
	  -e 's|@LIBS@|$(EXTRA_LIBS) $(LDLIBS)|' tools/runtime.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/runtime.pc

check-symbols: $(LIB)
	tools/check-symbols.sh $(LIB) $(CORE_OBJ) $(BACKEND_OBJ) $(GEN_OBJ)
	tools/check-layering.sh $(CC) $(CPPFLAGS) -Itests/c

clean:
	rm -rf build

-include $(wildcard $(B)/obj/*/*.d $(B)/obj/*/*/*.d)
