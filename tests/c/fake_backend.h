/*
 * fake_backend.h - a scripted transport for tests, plugged in through rt_config.backend. It
 * plays a server: the host name picks what connecting does ("refused.fake", "nxdomain.fake",
 * anything else connects), the request target picks the response ("/fake/<scenario>", see
 * fake_backend.c), and every wait() moves each connection one step, so responses arrive in
 * short reads over several turns.
 */
#ifndef FAKE_BACKEND_H
#define FAKE_BACKEND_H
#include "runtime_backend.h"

extern const rt_backend fake_backend;

typedef struct fake_counters {
    int connects;                          /* connections that connected */
    int requests;                          /* request heads the fake server read */
    int cancelled;                         /* connections closed before their response ended */
    int closed;                            /* connections closed */
    int waits;
    int no_socket;                         /* connects refused for want of fake_sockets */
    int tunnel_bytes;                      /* bytes sent through an open CONNECT tunnel */
} fake_counters;
extern fake_counters fake_stats;
extern char fake_last_request[1024];       /* the last request head the fake server read */
/* Sockets the fake process may still open (-1: no limit): at 0, connecting fails at the
   socket stage with EMFILE; a connection that connected gives its socket back when closed. */
extern int fake_sockets;

#endif
