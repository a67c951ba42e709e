/*
** stun_client.h: STUN client transactions over UDP (RFC 8489 section 6.2.1):
** retransmission at RTO, 2*RTO, 4*RTO ... for Rc sends in all, then a wait
** of Rm*RTO before the transaction times out; responses are matched by
** transaction ID. Sans-I/O: datagrams leave through io.send, time comes in
** as arguments, and stun_client_deadline says when to call tick next.
**
** The client keeps a copy of each request until its transaction ends, in a
** transaction table that grows
** with the transactions active at once (up to STUN_CLIENT_MAX), is freed
** whenever none is active (match, cancel or tick ended the last), and
** finally by stun_client_free. Calls return -1 when the table is full or
** cannot grow.
*/
#ifndef NATSIM_STUN_CLIENT_H
#define NATSIM_STUN_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "stun.h"

#define STUN_CLIENT_MAX 128
#define STUN_CLIENT_MAX_REQUEST 576

typedef struct stun_timing {
  int64_t rto; /* initial retransmission timeout, ns (RFC: 500 ms) */
  int rc;      /* sends in all (RFC: 7) */
  int rm;      /* final wait, in initial RTOs (RFC: 16) */
} stun_timing;

/* RFC 8489's defaults: 500 ms, 7, 16 (a transaction gives up after 39.5 s). */
stun_timing stun_timing_default(void);

typedef struct stun_client_io {
  void (*send)(void *ctx, int sock, const addr *dst, const uint8_t *data,
               size_t len);
  void (*timeout)(void *ctx, int user); /* a transaction gave up */
  void *ctx;
} stun_client_io;

typedef struct stun_txn {
  bool active;
  uint8_t tid[STUN_TID_LEN];
  int sock, user, sent;
  addr dst;
  int64_t next, rto, rto0; /* rto0: the first, for the final wait */
  uint8_t *req; /* owned while active: the request's len bytes */
  size_t len;
} stun_txn;

typedef struct stun_client_stats {
  uint64_t transactions, retransmits, responses, timeouts;
} stun_client_stats;

typedef struct stun_client {
  stun_timing timing;
  stun_client_io io;
  stun_txn *txns; /* owned: cap slots, grown on demand; NULL before the first */
  int cap;
  int active;     /* transactions in progress */
  stun_client_stats stats;
} stun_client;

/* Clears c and copies *t and *io. io->send and io->timeout must be set;
** io->ctx is borrowed and must outlive c. Allocates nothing: the table
** grows in stun_client_start; the caller frees it with stun_client_free. */
void stun_client_init(stun_client *c, const stun_timing *t,
                      const stun_client_io *io);
/* Frees c's transaction table (c itself is the caller's); c may be NULL.
** Afterwards c is as stun_client_init left it, its stats kept. */
void stun_client_free(stun_client *c);
/* Sends the request req (its transaction ID is read from it) from local
** socket sock to dst now, and retransmits it until answered. user is the
** caller's tag for it (keep it >= 0: -1 means "none" below). req and dst
** are copied; io.send runs before this returns. Returns 0, or -1 (table
** full: STUN_CLIENT_MAX active, or out of memory to grow it; or len
** outside STUN_HEADER..STUN_CLIENT_MAX_REQUEST). */
int stun_client_start(stun_client *c, int64_t now, int sock, const addr *dst,
                      const uint8_t *req, size_t len, int user);
/* The same with this transaction's own initial RTO (<= 0: the client's),
** as ICE's connectivity checks need (RFC 8445 section 14.3). */
int stun_client_start_rto(stun_client *c, int64_t now, int sock, const addr *dst,
                          const uint8_t *req, size_t len, int user, int64_t rto);
/* A decoded message arrived. If it is a success or error response to one
** of ours, ends that transaction and returns its user tag; otherwise -1.
** Integrity is the caller's to check. */
int stun_client_match(stun_client *c, const stun_msg *m);
/* The user tag of an active transaction with this ID, or -1. Ends nothing. */
int stun_client_find(const stun_client *c, const uint8_t tid[STUN_TID_LEN]);
/* Ends every active transaction tagged user, without io.timeout. */
void stun_client_cancel(stun_client *c, int user);
/* Retransmits what is due and times out what has waited long enough,
** calling io.timeout for each (which may start new transactions). */
void stun_client_tick(stun_client *c, int64_t now);
/* When tick is next needed; INT64_MAX when no transaction is active. */
int64_t stun_client_deadline(const stun_client *c);
/* How many transactions are active. */
int stun_client_active(const stun_client *c);

#endif
