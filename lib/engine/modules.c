/*
 * modules.c - the C side of CommonJS modules (the JavaScript side, require() and the cache,
 * is lib/engine/js/70-modules.js): the natives it calls - resolve a request through the
 * host's loader (rt_config.modules), load a module's source, compile it as
 * function (exports, require, module, __filename, __dirname), name the file of require()'s
 * caller - and the file-system loader, rt_module_loader_fs, which follows Node's rules.
 * Entry points for runtime.c: rt__modules_eval (rt_eval with RT_EVAL_MODULE) and
 * rt__modules_require_main (rt_eval_module). Loop thread.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

#define ID_MAX 4096

struct rt__modules {
    rt_module_loader loader;               /* copy of rt_config.modules */
    int have;
};

static const char WRAP_HEAD[] = "function (exports, require, module, __filename, __dirname) {";
static const char WRAP_TAIL[] = "\n}";

/* ---- natives for 70-modules.js ---- */

/* modResolve(parentId, request) -> id */
static duk_ret_t js_resolve(duk_context *ctx)
{
    rt_runtime *rt = rt__rt_of(ctx);
    const char *parent = duk_is_string(ctx, 0) ? duk_get_string(ctx, 0) : NULL;
    const char *request = duk_require_string(ctx, 1);
    struct rt__modules *m = rt->modules;
    if (!m->have)
        return duk_error(ctx, DUK_ERR_ERROR, "require(): no module loader (rt_config.modules)");
    char *id = rt__malloc(ID_MAX);
    if (!id)
        return duk_error(ctx, DUK_ERR_RANGE_ERROR, "out of memory");
    id[0] = '\0';
    int r = m->loader.resolve(m->loader.userdata, rt, parent, request, id, ID_MAX);
    if (r == 0 && !id[0])
        r = RT_ENOENT;
    if (r < 0) {
        rt__free(id);
        if (r == RT_ENOENT) {
            duk_push_error_object(ctx, DUK_ERR_ERROR, "Cannot find module '%s'%s%s", request,
                                  parent ? " from " : "", parent ? parent : "");
            duk_push_string(ctx, "MODULE_NOT_FOUND");
            duk_put_prop_string(ctx, -2, "code");
            return duk_throw(ctx);
        }
        return duk_error(ctx, DUK_ERR_ERROR, "Cannot resolve module '%s': %s", request,
                         rt->errmsg[0] ? rt->errmsg : rt_strerror(r));
    }
    id[ID_MAX - 1] = '\0';
    duk_push_string(ctx, id);
    rt__free(id);
    return 1;
}

struct push_args {
    const char *p;
    size_t n;
};

static duk_ret_t push_safe(duk_context *ctx, void *udata)
{
    struct push_args *a = udata;
    duk_push_lstring(ctx, a->p, a->n);
    return 1;
}

/* modLoad(id) -> source string */
static duk_ret_t js_load(duk_context *ctx)
{
    rt_runtime *rt = rt__rt_of(ctx);
    struct rt__modules *m = rt->modules;
    const char *id = duk_require_string(ctx, 0);
    if (!m->have)
        return duk_error(ctx, DUK_ERR_ERROR, "require(): no module loader (rt_config.modules)");
    const char *data = NULL;
    size_t len = 0;
    int r = m->loader.load(m->loader.userdata, rt, id, &data, &len);
    if (r < 0)
        return duk_error(ctx, DUK_ERR_ERROR, "Cannot load module '%s': %s", id,
                         r == RT_ENOENT ? "no such module" : rt_strerror(r));
    /* copy (a safe call: out of memory must not skip the release), then give the loader
       its buffer back */
    struct push_args pa = {data ? data : "", data ? len : 0};
    int ok = duk_safe_call(ctx, push_safe, &pa, 0, 1) == DUK_EXEC_SUCCESS;
    if (m->loader.release)
        m->loader.release(m->loader.userdata, rt, id, data);
    if (!ok)
        return duk_throw(ctx);
    return 1;
}

/* modCompile(source, id) -> function (exports, require, module, __filename, __dirname) */
static duk_ret_t js_compile(duk_context *ctx)
{
    rt_runtime *rt = rt__rt_of(ctx);
    duk_size_t len;
    const char *src = duk_require_lstring(ctx, 0, &len);
    const char *id = duk_require_string(ctx, 1);
    if (len >= 3 && (unsigned char)src[0] == 0xef && (unsigned char)src[1] == 0xbb &&
        (unsigned char)src[2] == 0xbf) {
        src += 3;                          /* a byte order mark */
        len -= 3;
    }
    rt__errors_keep_source(rt, id, src, len);
    duk_push_string(ctx, WRAP_HEAD);
    if (len >= 2 && src[0] == '#' && src[1] == '!') {
        duk_push_string(ctx, "//");        /* a "#!" line becomes a comment: lines hold */
        duk_push_lstring(ctx, src + 2, len - 2);
    } else {
        duk_push_lstring(ctx, src, len);
        duk_push_string(ctx, "");
    }
    duk_push_string(ctx, WRAP_TAIL);
    duk_concat(ctx, 4);
    duk_dup(ctx, 1);
    /* columns of line 1 are counted after the wrapper's head (errors.c, errCreate) */
    rt__dx_set_compile_skip(sizeof WRAP_HEAD - 1);
    int rc = duk_pcompile(ctx, DUK_COMPILE_FUNCTION);
    rt__dx_set_compile_skip(0);
    if (rc != 0)
        return duk_throw(ctx);
    return 1;
}

/* callerFile() -> the file of the function that called the caller of this native (the
   script calling the global require), undefined if none */
static duk_ret_t js_caller_file(duk_context *ctx)
{
    duk_inspect_callstack_entry(ctx, -3);
    if (!duk_is_object(ctx, -1))
        return 0;
    duk_get_prop_string(ctx, -1, "function");
    if (!duk_is_object(ctx, -1))
        return 0;
    duk_get_prop_string(ctx, -1, "fileName");
    return duk_is_string(ctx, -1) ? 1 : 0;
}

int rt__modules_init(rt_runtime *rt)
{
    rt->modules = rt__calloc(1, sizeof *rt->modules);
    if (!rt->modules)
        return RT_ENOMEM;
    const rt_module_loader *l = rt->cfg.size >= offsetof(rt_config, work_threads) ? rt->cfg.modules
                                                                                 : NULL;
    if (l && l->resolve && l->load) {
        rt->modules->loader = *l;
        rt->modules->have = 1;
    }
    rt->cfg.modules = NULL;                /* the caller's struct is not kept */
    duk_context *ctx = rt->ctx;
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    static const duk_function_list_entry fns[] = {{"modResolve", js_resolve, 2},
                                                  {"modLoad", js_load, 1},
                                                  {"modCompile", js_compile, 2},
                                                  {"callerFile", js_caller_file, 0},
                                                  {NULL, NULL, 0}};
    duk_put_function_list(ctx, -1, fns);
    duk_push_boolean(ctx, rt->modules->have);
    duk_put_prop_string(ctx, -2, "haveLoader");
    duk_pop_2(ctx);
    return 0;
}

int rt__modules_have_loader(rt_runtime *rt)
{
    return rt->modules && rt->modules->have;
}

void rt__modules_free(rt_runtime *rt)
{
    rt__free(rt->modules);
    rt->modules = NULL;
}

/* [ ... ] -> [ ... native[name] ] */
static void push_native(duk_context *ctx, const char *name)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, "native");
    duk_get_prop_string(ctx, -1, name);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);
}

void rt__modules_eval(duk_context *ctx, const char *id, const char *src, size_t len, int main)
{
    (void)main;
    push_native(ctx, "evalModule");
    duk_push_lstring(ctx, src, len);
    duk_push_string(ctx, id);
    duk_call(ctx, 2);
}

void rt__modules_require_main(duk_context *ctx, const char *specifier)
{
    push_native(ctx, "requireMain");
    duk_push_string(ctx, specifier);
    duk_call(ctx, 1);
}

/* ---- the file-system loader ---- */

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The real path of p into out (outlen bytes): 0, or RT_ENOENT / RT_EINVAL (too long). */
static int found(const char *p, char *out, size_t outlen)
{
    char rp[PATH_MAX];
    if (!realpath(p, rp))
        return RT_ENOENT;
    if (strlen(rp) + 1 > outlen)
        return RT_EINVAL;
    memcpy(out, rp, strlen(rp) + 1);
    return 0;
}

/* LOAD_AS_FILE(x): x, x.js, x.json */
static int try_file(const char *x, char *out, size_t outlen)
{
    char p[PATH_MAX + 8];
    if (is_file(x))
        return found(x, out, outlen);
    snprintf(p, sizeof p, "%s.js", x);
    if (is_file(p))
        return found(p, out, outlen);
    snprintf(p, sizeof p, "%s.json", x);
    if (is_file(p))
        return found(p, out, outlen);
    return RT_ENOENT;
}

static int try_index(const char *x, char *out, size_t outlen)
{
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/index.js", x);
    if (is_file(p))
        return found(p, out, outlen);
    snprintf(p, sizeof p, "%s/index.json", x);
    if (is_file(p))
        return found(p, out, outlen);
    return RT_ENOENT;
}

struct main_args {
    const char *text;
    size_t len;
    char main[PATH_MAX];
};

/* package.json's "main" (a string), through JSON.parse: [ ... ] -> [ ... ] */
static duk_ret_t package_main_safe(duk_context *ctx, void *udata)
{
    struct main_args *a = udata;
    duk_push_lstring(ctx, a->text, a->len);
    duk_json_decode(ctx, -1);
    if (duk_is_object(ctx, -1)) {
        duk_get_prop_string(ctx, -1, "main");
        if (duk_is_string(ctx, -1))
            snprintf(a->main, sizeof a->main, "%s", duk_get_string(ctx, -1));
    }
    return 0;
}

static int read_file(const char *path, rt__buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? RT_ENOENT : RT_EIO;
    char chunk[16384];
    size_t n;
    int r = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((r = rt__buf_append(b, chunk, n)) < 0)
            break;
    if (!r && ferror(f))
        r = RT_EIO;
    fclose(f);
    return r;
}

/* LOAD_AS_DIRECTORY(x): package.json "main", then index.js / index.json */
static int try_dir(rt_runtime *rt, const char *x, char *out, size_t outlen)
{
    if (!is_dir(x))
        return RT_ENOENT;
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/package.json", x);
    rt__buf b = {0};
    if (is_file(p) && read_file(p, &b) == 0 && b.len) {
        struct main_args *a = rt__calloc(1, sizeof *a);
        if (a) {
            a->text = b.data;
            a->len = b.len;
            duk_safe_call(rt->ctx, package_main_safe, a, 0, 1);   /* bad JSON: no main */
            duk_pop(rt->ctx);
            if (a->main[0]) {
                char m[PATH_MAX * 2 + 2];
                snprintf(m, sizeof m, "%s/%s", x, a->main);
                int r = try_file(m, out, outlen);
                if (r == RT_ENOENT)
                    r = try_index(m, out, outlen);
                if (r != RT_ENOENT) {
                    rt__free(a);
                    rt__buf_free(&b);
                    return r;
                }
            }
            rt__free(a);
        }
    }
    rt__buf_free(&b);
    return try_index(x, out, outlen);
}

static int fs_resolve(void *ud, rt_runtime *rt, const char *parent, const char *request,
                      char *out, size_t outlen)
{
    (void)ud;
    char dir[PATH_MAX];
    /* the requiring file's directory; the current directory for a name that is not a
       path of an existing file ("[eval]", "[stdin]", NULL) */
    if (parent && strchr(parent, '/') && is_file(parent)) {
        snprintf(dir, sizeof dir, "%s", parent);
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
    } else if (!getcwd(dir, sizeof dir)) {
        return rt__fail(rt, RT_EIO, "getcwd: %s", strerror(errno));
    }
    if (dir[0] != '/') {                   /* a relative script path: from the cwd */
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return rt__fail(rt, RT_EIO, "getcwd: %s", strerror(errno));
        if (strlen(cwd) + 1 + strlen(dir) + 1 > sizeof dir)
            return RT_ENOENT;
        memmove(dir + strlen(cwd) + 1, dir, strlen(dir) + 1);
        memcpy(dir, cwd, strlen(cwd));
        dir[strlen(cwd)] = '/';
    }
    int rel = request[0] == '/' || strncmp(request, "./", 2) == 0 ||
              strncmp(request, "../", 3) == 0 || strcmp(request, ".") == 0 ||
              strcmp(request, "..") == 0;
    char x[PATH_MAX * 2 + 2];
    if (rel) {
        if (request[0] == '/')
            snprintf(x, sizeof x, "%s", request);
        else
            snprintf(x, sizeof x, "%s/%s", dir, request);
        int r = try_file(x, out, outlen);
        if (r == RT_ENOENT)
            r = try_dir(rt, x, out, outlen);
        return r;
    }
    /* a bare name: node_modules directories, from here up to the root */
    for (;;) {
        const char *base = strrchr(dir, '/');
        if (!base || strcmp(base + 1, "node_modules") != 0) {
            snprintf(x, sizeof x, "%s/node_modules/%s", strcmp(dir, "/") ? dir : "", request);
            int r = try_file(x, out, outlen);
            if (r == RT_ENOENT)
                r = try_dir(rt, x, out, outlen);
            if (r != RT_ENOENT)
                return r;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || strcmp(dir, "/") == 0)
            break;
        if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
    }
    return RT_ENOENT;
}

static int fs_load(void *ud, rt_runtime *rt, const char *id, const char **data, size_t *len)
{
    (void)ud;
    rt__buf b = {0};
    int r = read_file(id, &b);
    if (r < 0) {
        rt__buf_free(&b);
        return rt__fail(rt, r, "cannot read %s: %s", id, strerror(errno));
    }
    *data = b.data ? b.data : rt__strdup("");
    *len = b.len;
    return *data ? 0 : RT_ENOMEM;
}

static void fs_release(void *ud, rt_runtime *rt, const char *id, const char *data)
{
    (void)ud;
    (void)rt;
    (void)id;
    rt__free((void *)data);
}

const rt_module_loader rt_module_loader_fs = {fs_resolve, fs_load, fs_release, NULL};
