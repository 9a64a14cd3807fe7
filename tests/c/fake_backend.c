/*
 * fake_backend.c - a backend that moves no bytes: it replays a script of events chosen by
 * the request target, in the spirit of SQLite's syscall table, so the core's handling of
 * short reads, errors at each stage, refusals and cancellation is tested without sockets.
 * Scenarios (target "/fake/NAME"):
 *   ok          200, body "hello world" one byte per event, end
 *   empty       204, end
 *   refused     start() refuses with RT_ECONNREFUSED
 *   err-head    error ECONNREFUSED before any head
 *   err-body    200, "par", error ECONNRESET (the body read must reject)
 *   hang        200, then nothing until cancelled
 *   big         200, 64 events of 4096 bytes, end
 */
#include <stdlib.h>
#include <string.h>

#include "fake_backend.h"

fake_counters fake_stats;

struct fake_req {
    rt_breq *req;
    const char *scenario;
    int step;
    int cancelled;
    struct fake_req *next;
};

struct fake_state {
    rt_backend_env env;
    struct fake_req *reqs;
};

static int fake_create(void *state, const rt_backend_env *env, char *err, size_t errlen)
{
    struct fake_state *s = state;
    s->env = *env;
    return 0;
}

static void fake_destroy(void *state)
{
    struct fake_state *s = state;
    while (s->reqs) {
        struct fake_req *r = s->reqs;
        s->reqs = r->next;
        free(r);
    }
}

static const char *scenario_of(const rt_breq *req)
{
    /* head: "GET /fake/NAME HTTP/1.1\r\n..." */
    const char *p = strstr(req->head, "/fake/");
    static char name[32];
    if (!p)
        return "ok";
    p += 6;
    size_t n = strcspn(p, " ?");
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, p, n);
    name[n] = 0;
    static const char *known[] = {"ok", "empty", "refused", "err-head", "err-body", "hang", "big"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i], name) == 0)
            return known[i];
    return "ok";
}

static int fake_start(void *state, rt_breq *req)
{
    struct fake_state *s = state;
    const char *sc = scenario_of(req);
    if (strcmp(sc, "refused") == 0)
        return RT_ECONNREFUSED;
    struct fake_req *r = calloc(1, sizeof *r);
    if (!r)
        return RT_ENOMEM;
    r->req = req;
    r->scenario = sc;
    r->next = s->reqs;
    s->reqs = r;
    fake_stats.started++;
    return 0;
}

static void unlink_req(struct fake_state *s, struct fake_req *r)
{
    for (struct fake_req **pp = &s->reqs; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            free(r);
            return;
        }
}

static void fake_cancel(void *state, rt_breq *req)
{
    struct fake_state *s = state;
    for (struct fake_req *r = s->reqs; r; r = r->next)
        if (r->req == req) {
            fake_stats.cancelled++;
            unlink_req(s, r);
            return;
        }
}

static void fake_pause(void *state, rt_breq *req) { fake_stats.paused++; }
static void fake_resume(void *state, rt_breq *req) { fake_stats.resumed++; }

static void emit(struct fake_state *s, struct fake_req *r, rt_bevent *ev)
{
    fake_stats.events++;
    s->env.emit(s->env.host, r->req, ev);
}

/* One step of r's script; returns 1 when r is finished (terminal event emitted). */
static int step(struct fake_state *s, struct fake_req *r)
{
    static const rt_http1_header hdr[] = {{"Content-Type", 12, "text/plain", 10},
                                          {"X-Fake", 6, "1", 1}};
    static uint8_t block[4096];
    rt_bevent ev = {0};
    const char *sc = r->scenario;
    int n = r->step++;
    if (strcmp(sc, "err-head") == 0) {
        ev.type = RT_EV_ERROR;
        ev.code = RT_ECONNREFUSED;
        ev.message = "fake: connection refused";
        emit(s, r, &ev);
        return 1;
    }
    if (n == 0) {
        ev.type = RT_EV_HEAD;
        ev.status = strcmp(sc, "empty") == 0 ? 204 : 200;
        ev.minor_version = 1;
        ev.reason = ev.status == 200 ? "OK" : "No Content";
        ev.reason_len = strlen(ev.reason);
        ev.headers = hdr;
        ev.num_headers = 2;
        emit(s, r, &ev);
        return 0;
    }
    if (strcmp(sc, "hang") == 0)
        return 0;
    const char *body = strcmp(sc, "err-body") == 0 ? "par" : "hello world";
    size_t blen = strcmp(sc, "empty") == 0 ? 0 : strlen(body);
    if (strcmp(sc, "big") == 0) {
        if (n <= 64) {
            memset(block, 'a' + (n % 26), sizeof block);
            ev.type = RT_EV_DATA;
            ev.data = block;
            ev.len = sizeof block;
            emit(s, r, &ev);
            return 0;
        }
    } else if ((size_t)n <= blen) {
        ev.type = RT_EV_DATA;                  /* short reads: one byte per event */
        ev.data = (const uint8_t *)body + n - 1;
        ev.len = 1;
        emit(s, r, &ev);
        return 0;
    }
    if (strcmp(sc, "err-body") == 0) {
        ev.type = RT_EV_ERROR;
        ev.code = RT_ECONNRESET;
        ev.message = "fake: reset mid-body";
    } else {
        ev.type = RT_EV_END;
    }
    emit(s, r, &ev);
    return 1;
}

static int fake_wait(void *state, int timeout_ms)
{
    struct fake_state *s = state;
    fake_stats.waits++;
    int count = 0;
    /* Emit may cancel any request (re-entrancy): walk a snapshot by index. */
    struct fake_req *list[256];
    int n = 0;
    for (struct fake_req *r = s->reqs; r && n < 256; r = r->next)
        list[n++] = r;
    for (int i = 0; i < n; i++) {
        int alive = 0;
        for (struct fake_req *r = s->reqs; r; r = r->next)
            if (r == list[i])
                alive = 1;
        if (!alive)
            continue;
        count++;
        if (step(s, list[i]))
            unlink_req(s, list[i]);
    }
    return count;
}

static void fake_wakeup(void *state) {}

const rt_backend fake_backend = {
    RT_BACKEND_VERSION,                    /* version */
    "fake",                                /* name */
    0,                                     /* caps */
    sizeof(struct fake_state),             /* state_size */
    0,                                     /* request_size */
    fake_create,                           /* create */
    fake_destroy,                          /* destroy */
    fake_start,                            /* start */
    fake_cancel,                           /* cancel */
    fake_pause,                            /* pause */
    fake_resume,                           /* resume */
    fake_wait,                             /* wait */
    fake_wakeup,                           /* wakeup */
    NULL,                                  /* alive */
    NULL,                                  /* host_arm */
};
