/* measure.c - runs one benchmark client and reports how much it cost, the same way for
 * every client (built by bench/bench.py at bench time with the host's cc):
 *
 *   measure RESULT_FILE CPU|-1 TIMEOUT_S CMD [ARGS...]
 *
 * Pins to CPU (sched_setaffinity) unless -1, forks, execs CMD and waits with wait4().
 * RESULT_FILE gets the child's pid at once (the driver samples /proc/PID/status for OS
 * threads), then "rc wall_s maxrss_kb utime_s stime_s" when it exits. Why not from Python:
 * ru_maxrss of a child forked from the Python driver starts at the driver's own ~19 MB (the
 * pre-exec image counts), which would hide the start-up RSS of small clients; this launcher
 * is ~1 MB. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;
static void on_alarm(int sig) { (void)sig; if (child > 0) kill(child, SIGKILL); }
static void on_term(int sig) { if (child > 0) kill(child, sig); }

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: measure RESULT_FILE CPU|-1 TIMEOUT_S CMD [ARGS...]\n");
        return 2;
    }
    int cpu = atoi(argv[2]);
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    FILE *res = fopen(argv[1], "w");
    if (!res) { perror(argv[1]); return 2; }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) { perror("fork"); return 2; }
    if (child == 0) {
        fclose(res);
        execvp(argv[4], argv + 4);
        perror(argv[4]);
        _exit(127);
    }
    fprintf(res, "%d\n", (int)child);
    fflush(res);
    signal(SIGALRM, on_alarm);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    alarm((unsigned)atoi(argv[3]));
    int status = 0;
    struct rusage ru;
    while (wait4(child, &status, 0, &ru) < 0) {
        if (errno != EINTR) { perror("wait4"); return 2; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(res, "%d %.6f %ld %.6f %.6f\n", rc,
            (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, ru.ru_maxrss,
            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    fclose(res);
    return 0;
}
