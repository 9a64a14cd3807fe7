/*
 * interrupt_test.c - stopping runaway scripts: rt_interrupt() from another thread and from a
 * signal handler, a deadline, scripts that try to catch the interrupt, an interrupt while
 * the loop sleeps, the stopped state and rt_resume(). Prints "N passed, N failed".
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <runtime.h>

#include "check.h"

static rt_runtime *rt;
static char out[4096];

static void console_cb(void *ud, int level, const char *text, size_t len)
{
    (void)ud;
    (void)level;
    strncat(out, text, len < sizeof out - strlen(out) - 2 ? len : sizeof out - strlen(out) - 2);
    strcat(out, ";");
}

static void *interrupt_later(void *arg)
{
    usleep((useconds_t)(long)arg * 1000);
    rt_interrupt(rt);
    return NULL;
}

static void on_alarm(int sig)
{
    (void)sig;
    rt_interrupt(rt);                      /* async-signal-safe */
}

int main(void)
{
    rt_config cfg;
    rt_config_init(&cfg);
    cfg.console = console_cb;
    char err[256];
    CHECK(rt_create(&cfg, &rt, err, sizeof err) == 0);
    if (!rt)
        return done("interrupt_test");

    /* from another thread, while the script spins in eval */
    pthread_t th;
    pthread_create(&th, NULL, interrupt_later, (void *)100L);
    double t0 = now_ms();
    CHECK(rt_eval_string(rt, "console.log('start'); for (;;) {}", "spin.js") == RT_EINTERRUPTED);
    pthread_join(th, NULL);
    CHECK(now_ms() - t0 < 5000);
    CHECK(rt_stopped(rt) == 1);
    rt_error e;
    CHECK(rt_last_error(rt, &e) == 0 && e.code == RT_EINTERRUPTED);
    /* stopped: nothing runs until rt_resume() */
    CHECK(rt_eval_string(rt, "console.log('not run')", "x.js") == RT_EINTERRUPTED);
    CHECK(rt_run(rt) == RT_EINTERRUPTED);
    rt_resume(rt);
    CHECK(rt_stopped(rt) == 0);
    CHECK(rt_eval_string(rt, "console.log('after resume')", "x.js") == 0);
    CHECK_STR(out, "start;after resume;");

    /* a script that catches everything, with finally blocks, still cannot go on */
    out[0] = '\0';
    pthread_create(&th, NULL, interrupt_later, (void *)100L);
    CHECK(rt_eval_string(rt,
        "var n = 0;"
        "for (;;) { try { try { for (;;) { n++; } } finally { n++; } } catch (e) { n++; } }",
        "catchall.js") == RT_EINTERRUPTED);
    pthread_join(th, NULL);
    rt_resume(rt);

    /* from a signal handler (SIGALRM), inside a timer callback run by the loop */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 150000}};
    setitimer(ITIMER_REAL, &it, NULL);
    CHECK(rt_eval_string(rt,
        "setTimeout(function () { console.log('spinning'); for (;;) {} }, 1);"
        "setTimeout(function () { console.log('must not run'); }, 5000);", "timer.js") == 0);
    CHECK(rt_run(rt) == RT_EINTERRUPTED);
    CHECK(strstr(out, "spinning;") && !strstr(out, "must not run"));
    /* the interrupt was not reported as an uncaught error */
    CHECK(rt_last_error(rt, &e) == 0 && e.code == RT_EINTERRUPTED);
    rt_resume(rt);
    /* the timer that was pending is still there after rt_resume */
    CHECK(rt_alive(rt) == 1);

    /* while the loop sleeps (a long timer pending): the wakeup gets it out at once */
    pthread_create(&th, NULL, interrupt_later, (void *)100L);
    t0 = now_ms();
    CHECK(rt_run(rt) == RT_EINTERRUPTED);
    CHECK(now_ms() - t0 < 3000);           /* not the 5 s timer */
    pthread_join(th, NULL);
    rt_resume(rt);

    /* a deadline: the eval ends, later evaluations are refused until rt_resume (which also
       clears a deadline that has passed) */
    out[0] = '\0';
    rt_set_deadline(rt, 100);
    t0 = now_ms();
    CHECK(rt_eval_string(rt, "for (;;) {}", "deadline.js") == RT_EINTERRUPTED);
    CHECK(now_ms() - t0 >= 90 && now_ms() - t0 < 5000);
    CHECK(rt_last_error(rt, &e) == 0 && strstr(e.message, "deadline") != NULL);
    rt_resume(rt);
    CHECK(rt_eval_string(rt, "console.log('ok again')", "x.js") == 0);
    CHECK_STR(out, "ok again;");
    /* a deadline in the future does not disturb short work; the loop wakes for it */
    rt_set_deadline(rt, 150);
    CHECK(rt_eval_string(rt, "setTimeout(function () {}, 100000)", "x.js") == 0);
    t0 = now_ms();
    CHECK(rt_run(rt) == RT_EINTERRUPTED);
    CHECK(now_ms() - t0 < 3000);
    rt_set_deadline(rt, 0);
    rt_resume(rt);

    /* an interrupt requested while nothing runs stops the next run, once */
    rt_interrupt(rt);
    CHECK(rt_run(rt) == RT_EINTERRUPTED);
    rt_resume(rt);
    CHECK(rt_eval_string(rt, "1 + 1", "x.js") == 0);

    /* the runtime still works normally afterwards, promises and all */
    out[0] = '\0';
    CHECK(rt_eval_string(rt, "Promise.resolve(7).then(function (v) { console.log('v', v); })",
                         "p.js") == 0);
    CHECK_STR(out, "v 7;");
    rt_free(rt);
    return done("interrupt_test");
}
