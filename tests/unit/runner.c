/*
 * runner.c - runs every TEST listed in test-list.h, each in a forked child with a
 * timeout, and ends with "N passed, N failed". Arguments: test names to run only those.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define TEST_ENTRY(name) void test_##name(void);
#include "test-list.h"
#undef TEST_ENTRY

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
#define TEST_ENTRY(name) {#name, test_##name},
#include "test-list.h"
#undef TEST_ENTRY
};

static int run_one(const char *name, void (*fn)(void), int timeout_s)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 0;
    }
    if (pid == 0) {
        alarm((unsigned)timeout_s);
        fn();
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("ok     %s\n", name);
        return 1;
    }
    if (WIFSIGNALED(status))
        printf("FAIL   %s (signal %d%s)\n", name, WTERMSIG(status),
               WTERMSIG(status) == SIGALRM ? ": timeout" : "");
    else
        printf("FAIL   %s (exit %d)\n", name, WEXITSTATUS(status));
    return 0;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    const char *t = getenv("TEST_TIMEOUT");
    int timeout_s = t ? atoi(t) : 60;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (argc > 1) {
            int want = 0;
            for (int a = 1; a < argc; a++)
                if (strcmp(argv[a], tests[i].name) == 0)
                    want = 1;
            if (!want)
                continue;
        }
        if (run_one(tests[i].name, tests[i].fn, timeout_s))
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
