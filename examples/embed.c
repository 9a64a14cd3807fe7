/*
 * embed.c - the smallest program that embeds libruntime: evaluate a script that uses
 * timers and promises, run the loop until no work is left, free the runtime.
 *
 *   cc -Iinclude examples/embed.c build/libuv/libruntime.a -lpthread -lm -ldl -o embed
 */
#include <stdio.h>
#include <runtime.h>

int main(int argc, char **argv)
{
    rt_runtime *rt = rt_new(NULL);         /* NULL: default configuration */
    if (!rt)
        return 1;
    const char *script =
        "var start = Date.now();\n"
        "setTimeout(function () { console.log('timer fired'); }, 20);\n"
        "Promise.resolve(42).then(function (v) { console.log('promise resolved with', v); });\n";
    int rc = rt_eval_string(rt, argc > 1 ? argv[1] : script, "embed.js");
    if (rc == 0)
        rc = rt_run(rt);                   /* until no timers, promises or fetches remain */
    if (rc != 0)
        fprintf(stderr, "embed: %s (%s)\n", rt_strerror(rc), rt_errmsg(rt));
    rt_free(rt);
    return rc == 0 ? 0 : 1;
}
