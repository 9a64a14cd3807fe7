/*
 * lookup.c - name lookups on detached threads (lookup.h). A lookup has two references: the
 * connection waiting and the thread; the last one frees it. Its own lock guards the
 * references and the answer, so it needs nothing of the backend's shared state and may
 * outlive it. Memory from the core's counted allocator (lib/net/net.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net.h"
#include "lookup.h"

struct tp_lookup {
    pthread_mutex_t mu;
    int refs;                              /* under mu: the waiter and the thread */
    int efd;                               /* written once the answer is there */
    int code;                              /* under mu: the answer (lookup.h) */
    struct addrinfo *res;                  /* under mu: owned until taken */
    uint16_t port;
    char host[];
};

static void unref(struct tp_lookup *l)
{
    pthread_mutex_lock(&l->mu);
    int last = --l->refs == 0;
    pthread_mutex_unlock(&l->mu);
    if (!last)
        return;
    if (l->res)
        freeaddrinfo(l->res);
    close(l->efd);
    pthread_mutex_destroy(&l->mu);
    rt__free(l);
}

/* A lookup that found "no such name" while the process is out of descriptors most likely
   failed for that (glibc could not open /etc/hosts nor a socket to a name server and says
   EAI_NONAME or EAI_AGAIN): EMFILE/ENFILE, which the core treats as pressure. glibc's errno
   (its last failed open or socket) says so when it says it; else a probe: can a
   descriptor be opened now? (The probe alone raced with a descriptor freed meanwhile and
   made it ENOTFOUND.) */
static int pressure(int sys)
{
    if (sys == EMFILE || sys == ENFILE)
        return sys;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno == EMFILE || errno == ENFILE ? errno : 0;
}

static void *lookup_main(void *arg)
{
    struct tp_lookup *l = arg;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    char port[8];
    snprintf(port, sizeof port, "%u", l->port);
    errno = 0;
    int g = getaddrinfo(l->host, port, &hints, &res);
    int sys = errno;
    int code = g == 0 ? 0 : g == EAI_MEMORY ? ENOMEM : g == EAI_SYSTEM ? sys : pressure(sys);
    pthread_mutex_lock(&l->mu);
    l->code = code;
    l->res = g == 0 ? res : NULL;
    pthread_mutex_unlock(&l->mu);
    uint64_t one = 1;
    ssize_t w = write(l->efd, &one, sizeof one);
    (void)w;
    unref(l);
    return NULL;
}

struct tp_lookup *tp_lookup_start(const char *host, uint16_t port, int *err)
{
    size_t n = strlen(host);
    struct tp_lookup *l = rt__calloc(1, sizeof *l + n + 1);
    if (!l) {
        *err = ENOMEM;
        return NULL;
    }
    l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->efd < 0) {
        *err = errno;
        rt__free(l);
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    memcpy(l->host, host, n + 1);
    l->port = port;
    l->refs = 2;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int r = pthread_create(&th, &attr, lookup_main, l);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        close(l->efd);
        pthread_mutex_destroy(&l->mu);
        rt__free(l);
        *err = r;
        return NULL;
    }
    return l;
}

int tp_lookup_fd(const struct tp_lookup *l)
{
    return l->efd;
}

int tp_lookup_result(struct tp_lookup *l, struct addrinfo **res)
{
    pthread_mutex_lock(&l->mu);
    int code = l->code;
    *res = l->res;
    l->res = NULL;
    pthread_mutex_unlock(&l->mu);
    return code;
}

void tp_lookup_drop(struct tp_lookup *l)
{
    if (l)
        unref(l);
}
