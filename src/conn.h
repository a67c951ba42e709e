/*
** conn.h: reliable, ordered delivery of application messages over
** whatever path a session currently uses (the gateway relay or a direct
** path), so that moving between paths loses, duplicates and reorders
** nothing. Messages are numbered; the receiver delivers them in order,
** buffers early ones and drops repeats, and acknowledges cumulatively; the
** sender retransmits what stays unacknowledged for an RTO. The receiver
** buffers only messages less than CONN_MAX_EARLY ahead of the next one it
** delivers (so at most CONN_MAX_EARLY - 1 of them); one further ahead is
** dropped and counted (stats.early_dropped), and its sender retransmits it.
**
** Sans-I/O: frames to send come out through an emit callback, messages
** through a deliver callback. A conn owns copies of the messages it holds.
** Wire format of a frame (inside a RELAY or DATA payload):
**   message: kind 1 (1 byte), sequence (4 bytes), the message bytes;
**   ack:     kind 2, the highest sequence delivered in order (4 bytes), the
**            sequence of the message that triggered the ack (4 bytes).
** The RTO is 3 smoothed RTTs, from 50 ms to 1 s.
*/
#ifndef NATSIM_CONN_H
#define NATSIM_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONN_MAX_MESSAGE 1200
#define CONN_MAX_EARLY 256 /* the receive window, in messages */

typedef void (*conn_emit_fn)(void *ctx, const uint8_t *frame, size_t len, bool retransmit);
typedef void (*conn_deliver_fn)(void *ctx, const uint8_t *msg, size_t len);

typedef struct conn_stats {
  uint64_t sent, retransmitted, delivered, duplicates, early;
  uint64_t early_dropped; /* beyond the window, or no memory to keep it */
} conn_stats;

typedef struct conn_slot conn_slot;

typedef struct conn {
  uint32_t next_seq;  /* the next message's number (from 1) */
  uint32_t acked;     /* every message up to this one is acknowledged */
  uint32_t expect;    /* the next number to deliver */
  conn_slot *out;     /* sent, not yet acknowledged */
  conn_slot *early;   /* received ahead of expect */
  int64_t rto, srtt;
  conn_stats stats;
} conn;

/* Clears c; rto is the first retransmission timeout, ns. Allocates
** nothing. */
void conn_init(conn *c, int64_t rto);
/* Frees the messages c holds; c is reusable after conn_init. */
void conn_free(conn *c);
/* Queues a copy of msg (at most CONN_MAX_MESSAGE bytes) and emits it
** before returning. Returns its sequence number (>= 1), or 0 when it is
** too long or memory runs out (nothing is queued then). */
uint32_t conn_send(conn *c, int64_t now, const uint8_t *msg, size_t len,
                   conn_emit_fn emit, void *ctx);
/* A frame arrived. Delivers what is now in order (each msg valid during
** its deliver call only), and emits an ack for a message frame. Returns
** -1 for a malformed frame (shorter than 5 bytes or longer than 5 +
** CONN_MAX_MESSAGE, an unknown kind, sequence 0, an ack not 9 bytes long
** or for a message never sent), else 0. An early message beyond the
** window (CONN_MAX_EARLY), or that cannot be stored for lack of memory,
** is dropped and counted in stats.early_dropped: its sender retransmits
** it. */
int conn_recv(conn *c, int64_t now, const uint8_t *frame, size_t len,
              conn_deliver_fn deliver, conn_emit_fn emit, void *ctx);
/* Retransmits what has waited an RTO. */
void conn_tick(conn *c, int64_t now, conn_emit_fn emit, void *ctx);
/* When tick is next needed; INT64_MAX when nothing is unacknowledged. */
int64_t conn_deadline(const conn *c);
/* Messages sent and not yet acknowledged. */
size_t conn_unacked(const conn *c);

#endif
