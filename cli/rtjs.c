/*
 * rtjs.c - the command-line runner: `rtjs FILE.js [args...]`, `rtjs -e CODE`,
 * `rtjs --version`. Scripts run as global scripts; the loop runs until no work is left.
 * Exit status: 0 on success; 1 on an uncaught error or an unhandled rejection (policy
 * --unhandled-rejections=throw, the default, as Node); 2 on a usage error.
 * Environment: RT_THREADS (most worker threads), RT_CA_FILE (trust store), RT_INSECURE=1 (the
 * CLI's own switch for --insecure: the library never reads it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#ifdef RTJS_BACKEND
/* Test builds link another backend and run on it (make check-poll: tests/c/poll_backend.c). */
#include "runtime_backend.h"
extern const rt_backend RTJS_BACKEND;
#endif

static void usage(FILE *f)
{
    fputs("usage: rtjs [options] FILE.js [args...]\n"
          "       rtjs [options] -e CODE [args...]\n"
          "options:\n"
          "  -e, --eval CODE                    run CODE instead of a file\n"
          "  --unhandled-rejections=MODE        throw (default: report, exit 1), warn, none\n"
          "  --insecure                         do not verify TLS certificates (tests only)\n"
          "  --threads N                        most worker threads (thread-pool backend; 256)\n"
          "  --ca-file FILE                     PEM bundle of trusted CAs\n"
          "  --max-connections N                connections in use at once (0: no limit)\n"
          "  --max-connections-per-origin N     the same per origin; beyond, requests wait\n"
          "  -v, --version                      print version, backend and trust store\n"
          "  -h, --help                         this text\n",
          f);
}

int main(int argc, char **argv)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.stop_on_uncaught = 1;
#ifdef RTJS_BACKEND
    cfg.backend = &RTJS_BACKEND;
#endif
    const char *code = NULL, *file = NULL;
    int version = 0, i;
    const char *ins = getenv("RT_INSECURE");
    if (ins && strcmp(ins, "1") == 0)
        cfg.insecure = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-e") == 0 || strcmp(a, "--eval") == 0) {
            if (++i >= argc) {
                usage(stderr);
                return 2;
            }
            code = argv[i];
            i++;
            break;
        } else if (strncmp(a, "--unhandled-rejections=", 23) == 0) {
            const char *m = a + 23;
            if (strcmp(m, "throw") == 0 || strcmp(m, "strict") == 0)
                cfg.unhandled_rejections = RT_UNHANDLED_THROW;
            else if (strcmp(m, "warn") == 0)
                cfg.unhandled_rejections = RT_UNHANDLED_WARN;
            else if (strcmp(m, "none") == 0)
                cfg.unhandled_rejections = RT_UNHANDLED_NONE;
            else {
                fprintf(stderr, "rtjs: invalid --unhandled-rejections mode '%s'\n", m);
                return 2;
            }
        } else if (strcmp(a, "--insecure") == 0) {
            cfg.insecure = 1;
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            cfg.threads = atoi(argv[++i]);
        } else if (strcmp(a, "--max-connections") == 0 && i + 1 < argc) {
            cfg.max_connections = (uint32_t)atoi(argv[++i]);
        } else if (strcmp(a, "--max-connections-per-origin") == 0 && i + 1 < argc) {
            cfg.max_connections_per_origin = (uint32_t)atoi(argv[++i]);
        } else if (strcmp(a, "--ca-file") == 0 && i + 1 < argc) {
            cfg.ca_file = argv[++i];
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            version = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "rtjs: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            file = a;
            i++;
            break;
        }
    }
    if (!version && !code && !file) {
        usage(stderr);
        return 2;
    }
    rt_runtime *rt = NULL;
    char err[512];
    if (rt_create(&cfg, &rt, err, sizeof err) < 0) {
        fprintf(stderr, "rtjs: %s\n", err);
        return 1;
    }
    if (version) {
        printf("rtjs %s (backend: %s; trust store: %s)\n", RT_VERSION_STRING,
               rt_backend_name(rt), rt_trust_store_description(rt));
        rt_free(rt);
        return 0;
    }
    if (cfg.insecure)
        fputs("rtjs: warning: TLS certificate verification is disabled (--insecure)\n", stderr);
    /* rt.argv as Node's process.argv: [runner, script, args...] */
    int nargs = argc - i + 2;
    const char **av = malloc(sizeof *av * (size_t)nargs);
    if (!av) {
        rt_free(rt);
        return 1;
    }
    av[0] = argv[0];
    av[1] = file ? file : "[eval]";
    for (int k = i; k < argc; k++)
        av[2 + k - i] = argv[k];
    rt_set_argv(rt, nargs, av);
    free(av);
    int r = file ? rt_eval_file(rt, file) : rt_eval_string(rt, code, "[eval]");
    if (r == RT_ENOENT || r == RT_EIO) {
        fprintf(stderr, "rtjs: %s\n", rt_errmsg(rt));
        rt_free(rt);
        return 1;
    }
    if (r == 0)
        r = rt_run(rt);
    fflush(stdout);
    rt_free(rt);
    return r == 0 ? 0 : 1;
}
