/*
 * rtjs.c - the command-line runner: `rtjs FILE.js [args...]`, `rtjs -e CODE`, `rtjs -` or
 * `rtjs < FILE` (the script from stdin), `rtjs --version`. Scripts run as global scripts
 * with require() on the file system (Node's rules) and the whole environment in rt.env;
 * the loop runs until no work is left. Errors show file:line:column, the source line and a
 * caret (the library's report, lib/engine/errors.c).
 * Exit status: 0 on success; 1 on an uncaught error or an unhandled rejection (policy
 * --unhandled-rejections=throw, the default, as Node); 2 on a usage error; 124 when
 * --timeout stopped the script; 130 on Ctrl-C (SIGINT: the script is interrupted, output
 * written so far is flushed, a second Ctrl-C kills at once).
 * Environment: RT_THREADS (most worker threads), RT_CA_FILE (trust store), RT_INSECURE=1 (the
 * CLI's own switch for --insecure: the library never reads it); with --use-env-proxy,
 * http_proxy, https_proxy and no_proxy as curl reads them (off by default, as Node's fetch:
 * docs/fetch.md, "Proxies").
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
          "       rtjs [options] - [args...]        (or: rtjs < FILE.js) the script from stdin\n"
          "options:\n"
          "  -e, --eval CODE                    run CODE instead of a file\n"
          "  --timeout MS                       stop the script after MS milliseconds (exit 124)\n"
          "  --unhandled-rejections=MODE        throw (default: report, exit 1), warn, none\n"
          "  --insecure                         do not verify TLS certificates (tests only)\n"
          "  --threads N                        most worker threads (thread-pool backend; 256)\n"
          "  --ca-file FILE                     PEM bundle of trusted CAs\n"
          "  --use-env-proxy                    fetch through $http_proxy / $https_proxy,\n"
          "                                     except $no_proxy hosts (as curl)\n"
          "  --max-connections N                connections in use at once (0: no limit)\n"
          "  --max-connections-per-origin N     the same per origin; beyond, requests wait\n"
          "  -v, --version                      print version, backend and trust store\n"
          "  -h, --help                         this text\n",
          f);
}

static rt_runtime *the_rt;
static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
    (void)sig;
    got_sigint = 1;
    signal(SIGINT, SIG_DFL);               /* a second Ctrl-C kills at once */
    rt_interrupt(the_rt);                  /* async-signal-safe */
}

/* The whole of stdin, malloc'd and NUL-terminated; NULL on a read error (message printed). */
static char *read_stdin(size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (n < cap) {
            if (ferror(stdin)) {
                perror("rtjs: stdin");
                free(buf);
                return NULL;
            }
            break;
        }
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb)
            free(buf);
        buf = nb;
    }
    if (!buf) {
        fputs("rtjs: out of memory reading stdin\n", stderr);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.stop_on_uncaught = 1;
    cfg.env_inherit = 1;                   /* rt.env: the whole environment, as Node */
    cfg.modules = &rt_module_loader_fs;    /* require() on the file system */
    long timeout_ms = 0;
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
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            char *end;
            timeout_ms = strtol(argv[++i], &end, 10);
            if (*end || timeout_ms <= 0) {
                fprintf(stderr, "rtjs: invalid --timeout '%s' (milliseconds > 0)\n", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            cfg.threads = atoi(argv[++i]);
        } else if (strcmp(a, "--max-connections") == 0 && i + 1 < argc) {
            cfg.max_connections = (uint32_t)atoi(argv[++i]);
        } else if (strcmp(a, "--max-connections-per-origin") == 0 && i + 1 < argc) {
            cfg.max_connections_per_origin = (uint32_t)atoi(argv[++i]);
        } else if (strcmp(a, "--use-env-proxy") == 0) {
            cfg.proxy_from_env = 1;
        } else if (strcmp(a, "--ca-file") == 0 && i + 1 < argc) {
            cfg.ca_file = argv[++i];
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            version = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "-") == 0) {
            file = "-";
            i++;
            break;
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
        if (isatty(STDIN_FILENO)) {
            usage(stderr);
            return 2;
        }
        file = "-";                        /* rtjs < script.js, as node */
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
    int from_stdin = file && strcmp(file, "-") == 0;
    av[0] = argv[0];
    av[1] = from_stdin ? "[stdin]" : file ? file : "[eval]";
    for (int k = i; k < argc; k++)
        av[2 + k - i] = argv[k];
    rt_set_argv(rt, nargs, av);
    free(av);
    the_rt = rt;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    if (timeout_ms > 0)
        rt_set_deadline(rt, (uint64_t)timeout_ms);
    int r;
    if (from_stdin) {
        size_t len = 0;
        char *src = read_stdin(&len);
        if (!src) {
            rt_free(rt);
            return 1;
        }
        r = rt_eval(rt, src, len, "[stdin]", RT_EVAL_GLOBAL);
        free(src);
    } else {
        r = file ? rt_eval_file(rt, file) : rt_eval_string(rt, code, "[eval]");
    }
    if (r == RT_ENOENT || r == RT_EIO) {
        fprintf(stderr, "rtjs: %s\n", rt_errmsg(rt));
        rt_free(rt);
        return 1;
    }
    if (r == 0)
        r = rt_run(rt);
    fflush(stdout);
    int status = r == 0 ? 0 : 1;
    if (r == RT_EINTERRUPTED) {
        if (got_sigint) {
            status = 130;                  /* as a shell reports a SIGINT death */
        } else {
            fprintf(stderr, "rtjs: timed out after %ld ms (--timeout)\n", timeout_ms);
            status = 124;
        }
    }
    signal(SIGINT, SIG_DFL);
    the_rt = NULL;
    rt_free(rt);
    return status;
}
