/*
 * test-engine.c - hooks of our Duktape build (tools/duk_config_overrides.h, docs/engine.md):
 * a heap created without a fatal function (an embedder's own duk_create_heap_default(), or
 * js2c's) ends a fatal error in our default handler, which reports the message on stderr
 * and exits with status 70 instead of calling abort(); both for duk_fatal() and for an
 * error that no one catches.
 */
#include <duktape.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

/* Runs fn in a child with stderr captured; returns the wait status, stderr in err. */
static int in_child(void (*fn)(void), char *err, size_t errlen)
{
    int fds[2];
    ASSERT(pipe(fds) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t n;
    while (len + 1 < errlen && (n = read(fds[0], err + len, errlen - 1 - len)) > 0)
        len += (size_t)n;
    err[len] = 0;
    close(fds[0]);
    int status;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    return status;
}

static void fatal_explicit(void)
{
    duk_context *ctx = duk_create_heap_default();
    if (ctx)
        (void)duk_fatal(ctx, "unit test fatal");
}

static void fatal_uncaught(void)
{
    duk_context *ctx = duk_create_heap_default();
    if (ctx)
        duk_eval_string(ctx, "throw new TypeError('nobody catches this')");
}

TEST(engine_default_fatal_handler_exits)
{
    char err[512];
    int status = in_child(fatal_explicit, err, sizeof err);
    ASSERT(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 70);
    ASSERT(strstr(err, "libruntime: fatal Duktape error: unit test fatal") != NULL);

    status = in_child(fatal_uncaught, err, sizeof err);
    ASSERT(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 70);
    ASSERT(strstr(err, "nobody catches this") != NULL);
}
