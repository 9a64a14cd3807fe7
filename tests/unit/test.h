/*
 * test.h - the unit-test harness (libuv style). Each case is TEST(name) { ... } in a
 * tests/unit/test-<module>.c file and is listed once in tests/unit/test-list.h as
 * TEST_ENTRY(name). The runner (runner.c) forks per case with a timeout and ends its
 * output with "N passed, N failed". ASSERT* print file:line and abort the case.
 */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST(name) void test_##name(void)

#define ASSERT(cond)                                                                    \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

#define ASSERT_EQ(a, b)                                                                 \
    do {                                                                                \
        long long a_ = (long long)(a), b_ = (long long)(b);                             \
        if (a_ != b_) {                                                                 \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, \
                    #a, #b, a_, b_);                                                    \
            abort();                                                                    \
        }                                                                               \
    } while (0)

#define ASSERT_STREQ(a, b)                                                              \
    do {                                                                                \
        const char *a_ = (a), *b_ = (b);                                                \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                        \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,     \
                    __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");          \
            abort();                                                                    \
        }                                                                               \
    } while (0)

#define ASSERT_MEMEQ(a, b, n) ASSERT(memcmp((a), (b), (n)) == 0)

#endif
