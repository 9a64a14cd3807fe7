/*
 * clash_test.c - a host that links libruntime beside the system's own libuv, zlib and
 * BearSSL (-luv -lz -lbearssl, shared). The archive keeps its bundled copies local, so
 * each side calls its own: the host's uv_, zlib and br_ symbols resolve into the shared
 * libraries (dladdr), the host's libuv loop, zlib round trip and SHA-256 work, and the
 * runtime - whose own libuv (libuv build), BearSSL, zlib, libidn2 run inside it - works
 * at the same time. Prints "N passed, N failed".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

#include <bearssl.h>
#include <uv.h>
#include <zlib.h>

#include <runtime.h>

#include "check.h"

static int from_shared(void *fn, const char *lib)
{
    Dl_info info;
    if (!dladdr(fn, &info) || !info.dli_fname)
        return 0;
    if (!strstr(info.dli_fname, lib)) {
        fprintf(stderr, "clash_test: %s comes from %s\n", lib, info.dli_fname);
        return 0;
    }
    return 1;
}

static int host_ticks;

static void on_host_timer(uv_timer_t *t)
{
    if (++host_ticks == 3)
        uv_timer_stop(t);
}

static char out[1024];

static void console_cb(void *ud, int level, const char *text, size_t len)
{
    (void)ud;
    (void)level;
    strncat(out, text, len < sizeof out - strlen(out) - 2 ? len : sizeof out - strlen(out) - 2);
    strcat(out, ";");
}

int main(void)
{
    /* the host's symbols are the shared libraries' */
    CHECK(from_shared((void *)uv_loop_init, "libuv.so"));
    CHECK(from_shared((void *)zlibVersion, "libz.so"));
    CHECK(from_shared((void *)br_sha256_init, "libbearssl.so"));

    /* ... and they work: a libuv loop of the host's, a zlib round trip, SHA-256("abc") */
    uv_loop_t loop;
    CHECK(uv_loop_init(&loop) == 0);
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, on_host_timer, 1, 1);
    static const char text[] = "a host's own zlib, next to the runtime's own zlib";
    unsigned char z[256], back[256];
    uLongf zn = sizeof z, bn = sizeof back;
    CHECK(compress(z, &zn, (const Bytef *)text, sizeof text) == Z_OK);
    CHECK(uncompress(back, &bn, z, zn) == Z_OK && bn == sizeof text &&
          memcmp(back, text, bn) == 0);
    br_sha256_context sc;
    unsigned char d[32];
    br_sha256_init(&sc);
    br_sha256_update(&sc, "abc", 3);
    br_sha256_out(&sc, d);
    CHECK(d[0] == 0xba && d[1] == 0x78 && d[31] == 0xad);

    /* the runtime, with its own copies, interleaved with the host's loop */
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.console = console_cb;
    rt_runtime *rt = rt_new(&cfg);
    CHECK(rt != NULL);
    CHECK(rt_eval_string(rt,
        "setTimeout(function () { console.log('rt timer'); }, 5);"
        "console.log(new URL('http://b\\u00fccher.example/').host);",   /* libidn2 inside */
        "clash.js") == 0);
    while (rt_run_once(rt, 1) > 0 || uv_run(&loop, UV_RUN_NOWAIT))
        ;
    CHECK_STR(out, "xn--bcher-kva.example;rt timer;");
    CHECK(host_ticks == 3);
    rt_free(rt);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    return done("clash_test");
}
