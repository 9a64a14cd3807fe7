/* measure.c - runs one benchmark client and reports how much it cost, the same way for
 * every client (built by bench/bench.py at bench time with the host's cc):
 *
 *   measure RESULT_FILE CPU|-1 TIMEOUT_S CMD [ARGS...]
 *
 * Pins to CPU (sched_setaffinity) unless -1, forks, execs CMD and waits with wait4().
 * RESULT_FILE gets the child's pid at once (the driver samples /proc/PID/status for OS
 * threads), then one line per marker (below), then "rc wall_s maxrss_kb utime_s stime_s"
 * when it exits. Why not from Python: ru_maxrss of a child forked from the Python driver
 * starts at the driver's own ~19 MB (the pre-exec image counts), which would hide the
 * start-up RSS of small clients; this launcher is ~1 MB.
 *
 * Markers: the child's stderr comes through a pipe. A line "@bench NAME" is not passed on;
 * instead the launcher reads the child's /proc/PID/stat (utime + stime of the whole
 * process, every thread, in clock ticks) and /proc/PID/status (VmRSS, VmHWM) at once and
 * writes "mark NAME wall_s utime_s stime_s vmrss_kb vmhwm_kb" to RESULT_FILE. That is how
 * the CPU of a timed phase inside a long-lived client (after its warm-up) and the RSS at
 * request-count checkpoints are measured from outside, alike for node and rtjs. Clients
 * idle a few tens of ms after a marker, so the reading is not late. Every other byte of
 * stderr is copied to our own stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;
static struct timespec t0;
static void on_alarm(int sig) { (void)sig; if (child > 0) kill(child, SIGKILL); }
static void on_term(int sig) { if (child > 0) kill(child, sig); }

static double since_start(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
}

/* utime and stime (seconds) of the whole process from /proc/PID/stat: fields 14 and 15,
   counted after the ")" that closes the command name (which may hold spaces). */
static int proc_cpu(pid_t pid, double *ut, double *st)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long u = 0, s = 0;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &u, &s) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    *ut = (double)u / (double)hz;
    *st = (double)s / (double)hz;
    return 0;
}

static long status_kb(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? atol(p + strlen(key)) : -1;
}

static void mark(FILE *res, const char *name, size_t len)
{
    double ut = -1, st = -1;
    char path[64], buf[4096];
    double wall = since_start();
    proc_cpu(child, &ut, &st);
    long rss = -1, hwm = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)child);
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        rss = status_kb(buf, "VmRSS:");
        hwm = status_kb(buf, "VmHWM:");
    }
    /* the name is one word: anything after a space or control byte is dropped */
    size_t k = 0;
    while (k < len && name[k] > ' ')
        k++;
    fprintf(res, "mark %.*s %.6f %.3f %.3f %ld %ld\n", (int)k, k ? name : "-", wall, ut, st, rss, hwm);
    fflush(res);
}

/* Copies the child's stderr to ours, line by line, turning "@bench NAME" lines into marks. */
static void relay(int fd, FILE *res)
{
    static const char tag[] = "@bench ";
    char line[8192];
    size_t have = 0;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            line[have++] = chunk[i];
            if (chunk[i] != '\n' && have < sizeof line)
                continue;
            if (chunk[i] == '\n' && have > sizeof tag - 1 && memcmp(line, tag, sizeof tag - 1) == 0)
                mark(res, line + sizeof tag - 1, have - sizeof tag);
            else if (fwrite(line, 1, have, stderr) != have)
                break;
            have = 0;
        }
    }
    if (have)
        fwrite(line, 1, have, stderr);
    fflush(stderr);
}

int main(int argc, char **argv)
{
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
    int errpipe[2];
    if (pipe(errpipe) < 0) { perror("pipe"); return 2; }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) { perror("fork"); return 2; }
    if (child == 0) {
        fclose(res);
        close(errpipe[0]);
        dup2(errpipe[1], 2);
        close(errpipe[1]);
        execvp(argv[4], argv + 4);
        perror(argv[4]);
        _exit(127);
    }
    close(errpipe[1]);
    fprintf(res, "%d\n", (int)child);
    fflush(res);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;              /* no SA_RESTART: a blocked read() sees EINTR */
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    alarm((unsigned)atoi(argv[3]));
    relay(errpipe[0], res);                /* until the child (and whoever shares its stderr) closes it */
    close(errpipe[0]);
    int status = 0;
    struct rusage ru;
    while (wait4(child, &status, 0, &ru) < 0) {
        if (errno != EINTR) { perror("wait4"); return 2; }
    }
    double wall = since_start();
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(res, "%d %.6f %ld %.6f %.6f\n", rc, wall, ru.ru_maxrss,
            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    fclose(res);
    return 0;
}
