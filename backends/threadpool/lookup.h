/*
 * lookup.h - name lookups for the thread-pool backend (lookup.c): getaddrinfo() on a
 * detached thread of its own, because it cannot be interrupted; a connection closed
 * meanwhile walks away and the thread frees what it made. Any thread.
 */
#ifndef TP_LOOKUP_H
#define TP_LOOKUP_H

#include <netdb.h>
#include <stdint.h>

struct tp_lookup;

/* Start looking host up (copied). NULL with *err an errno value when no thread or eventfd
   can be had. */
struct tp_lookup *tp_lookup_start(const char *host, uint16_t port, int *err);
/* Readable (POLLIN) once the answer is there. */
int tp_lookup_fd(const struct tp_lookup *l);
/* The answer, once tp_lookup_fd is readable: 0 with *res (the caller's to freeaddrinfo),
   or the errno value rt_conn_failed(RT_CONN_RESOLVE) takes: EMFILE/ENFILE when it failed
   for want of descriptors, ENOMEM, a system error, or 0 ("no such name"). */
int tp_lookup_result(struct tp_lookup *l, struct addrinfo **res);
/* The waiter lets go (done, or its connection closed). */
void tp_lookup_drop(struct tp_lookup *l);

#endif /* TP_LOOKUP_H */
