/*
** loop.h: the real-socket driver: an epoll event loop with UDP sockets, a
** monotonic clock in nanoseconds (the sans-I/O components' `now`), and
** clean shutdown on SIGINT or SIGTERM. One loop per process; IPv4 and
** IPv6 sockets alike.
**
** The caller owns the components; the loop calls back when a datagram
** arrives and asks, after every event, when to tick next.
*/
#ifndef NATSIM_LOOP_H
#define NATSIM_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define LOOP_MAX_SOCKETS 1024

typedef void (*loop_recv_fn)(void *ctx, int sock, const addr *from, const uint8_t *data,
                             size_t len);

typedef struct loop loop;

/* A new loop; it blocks SIGINT and SIGTERM in the calling thread (for
** good: loop_free does not unblock them). NULL, with the reason on stderr,
** when epoll or the signal set fails; NULL, silently, when out of memory. */
loop *loop_new(void);
/* Closes its sockets and frees l (which may be NULL). */
void loop_free(loop *l);
int64_t loop_now(void);  /* CLOCK_MONOTONIC, ns */
/* Binds a UDP socket (port 0: any) and receives on it: fn(ctx, ...) for
** each datagram, data valid during the call only; fn and ctx are kept
** until loop_close or loop_free. Returns its number, or -1 with errno set
** (EMFILE when LOOP_MAX_SOCKETS are open, else socket's, bind's or
** epoll_ctl's). *bound gets the address bound, if asked. */
int loop_udp(loop *l, const addr *local, loop_recv_fn fn, void *ctx, addr *bound);
/* Closes a socket (an unknown one is ignored); safe inside its callback. */
void loop_close(loop *l, int sock);
/* Sends a datagram now (data is not kept); errors (an unreachable port,
** an unknown socket, say) are counted, not fatal. */
void loop_send(loop *l, int sock, const addr *to, const uint8_t *data, size_t len);
/* Runs until loop_stop, a signal, or `until` (a loop_now time; INT64_MAX:
** no end). tick(ctx, now) runs first and after each batch of events, and
** returns the next deadline. Returns the signal that ended it, or 0. */
int loop_run(loop *l, int64_t until, int64_t (*tick)(void *ctx, int64_t now), void *ctx);
/* Ends loop_run after the current batch (from a callback or tick). */
void loop_stop(loop *l);
/* Datagrams loop_send failed to send so far. */
uint64_t loop_send_errors(const loop *l);
/* Sets a socket's send and receive buffers to `bytes` each (beyond the
** system's limit when the process may: SO_RCVBUFFORCE). Returns the
** receive buffer obtained, which may be less; -1 for an unknown socket. */
int loop_udp_buffers(loop *l, int sock, int bytes);
/* Datagrams the kernel dropped on a full receive buffer of any of the
** loop's sockets so far, closed ones included (SO_MEMINFO; 0 where the
** kernel does not report it). A system call per open socket. */
uint64_t loop_rx_drops(const loop *l);

#endif
