/*
 * wake.c - what waking a thread costs on the client's CPU: the floor under a thread pool.
 *
 * A thread-pool worker waits for its answer in poll(2) and is woken once per keep-alive
 * request; the libuv build wakes no thread. Two threads here take turns through two
 * eventfds, each waiting in poll(2), on one CPU (bench/bench.py runs this pinned, as it runs
 * the clients). Half a round trip is one wake-up: a write, the switch to the waiting thread,
 * its poll(2) returning and its read. Prints {"us_per_wake": X, "wakes": N}.
 *
 *   wake [ROUND_TRIPS]
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int ping, pong;
static long rounds = 200000;

/* Waits for fd to be readable, then takes its count. */
static void wait_take(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    while (poll(&p, 1, -1) < 0)
        ;
    uint64_t v;
    if (read(fd, &v, sizeof v) != sizeof v)
        abort();
}

static void give(int fd)
{
    uint64_t one = 1;
    if (write(fd, &one, sizeof one) != sizeof one)
        abort();
}

static void *other(void *arg)
{
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        wait_take(ping);
        give(pong);
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        rounds = atol(argv[1]);
    ping = eventfd(0, EFD_CLOEXEC);
    pong = eventfd(0, EFD_CLOEXEC);
    pthread_t t;
    if (ping < 0 || pong < 0 || rounds <= 0 || pthread_create(&t, NULL, other, NULL) != 0) {
        fprintf(stderr, "wake: cannot set up\n");
        return 1;
    }
    /* a few untimed round trips: both threads have run, their stacks are mapped */
    long warm = rounds / 20;
    for (long i = 0; i < warm; i++) {
        give(ping);
        wait_take(pong);
    }
    double t0 = now_s();
    for (long i = warm; i < rounds; i++) {
        give(ping);
        wait_take(pong);
    }
    double secs = now_s() - t0;
    pthread_join(t, NULL);
    long wakes = 2 * (rounds - warm);
    printf("{\"us_per_wake\": %.3f, \"wakes\": %ld}\n", secs * 1e6 / wakes, wakes);
    return 0;
}
