/*
 * check.h - the embedding tests' checks: CHECK(cond) counts and reports, done() prints
 * "N passed, N failed" and gives the exit status. The tests are hosts that an embedder
 * would write, built against the installed library (tests/c/run-embed.sh).
 */
#ifndef RT_TEST_CHECK_H
#define RT_TEST_CHECK_H

#include <stdio.h>
#include <string.h>
#include <time.h>

static int passed, failed;
#define CHECK(c)                                                                  \
    do {                                                                          \
        if (c)                                                                    \
            passed++;                                                             \
        else {                                                                    \
            failed++;                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
        }                                                                         \
    } while (0)
#define CHECK_STR(a, b)                                                                   \
    do {                                                                                  \
        const char *a_ = (a), *b_ = (b);                                                  \
        if (a_ && b_ && strcmp(a_, b_) == 0)                                              \
            passed++;                                                                     \
        else {                                                                            \
            failed++;                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s == \"%s\" (got \"%s\")\n", __FILE__, \
                    __LINE__, #a, b_ ? b_ : "(null)", a_ ? a_ : "(null)");                \
        }                                                                                 \
    } while (0)

static inline int done(const char *name)
{
    printf("%-20s %d passed, %d failed\n", name, passed, failed);
    return failed ? 1 : 0;
}

static inline double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif
