/* conn.c: sequence numbers, cumulative acks, retransmission, reordering. */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "wire.h"

enum { K_MSG = 1, K_ACK = 2 };
#define HEAD 5
#define ACK_LEN 9          /* kind, cumulative sequence, the sequence that triggered it */
#define MIN_RTO 50000000LL   /* 50 ms */
#define MAX_RTO 1000000000LL /* 1 s */

struct conn_slot {
  uint32_t seq;
  int64_t sent;
  bool retransmitted;
  size_t len;
  conn_slot *next;
  uint8_t frame[]; /* HEAD + message */
};

void conn_init(conn *c, int64_t rto) {
  memset(c, 0, sizeof *c);
  c->next_seq = 1;
  c->expect = 1;
  c->rto = rto;
}

static void free_list(conn_slot *s) {
  while (s) {
    conn_slot *next = s->next;
    free(s);
    s = next;
  }
}

void conn_free(conn *c) {
  free_list(c->out);
  free_list(c->early);
  c->out = c->early = NULL;
}

static conn_slot *slot(uint8_t kind, uint32_t seq, const uint8_t *msg, size_t len) {
  conn_slot *s = malloc(sizeof *s + HEAD + len);
  if (!s) return NULL;
  *s = (conn_slot){.seq = seq, .len = HEAD + len};
  s->frame[0] = kind;
  wire_put32(s->frame + 1, seq);
  if (len) memcpy(s->frame + HEAD, msg, len);
  return s;
}

uint32_t conn_send(conn *c, int64_t now, const uint8_t *msg, size_t len, conn_emit_fn emit,
                   void *ctx) {
  if (len > CONN_MAX_MESSAGE) return 0;
  conn_slot *s = slot(K_MSG, c->next_seq, msg, len);
  if (!s) return 0;
  s->sent = now;
  conn_slot **tail = &c->out; /* kept in sequence order */
  while (*tail) tail = &(*tail)->next;
  *tail = s;
  c->stats.sent++;
  emit(ctx, s->frame, s->len, false);
  return c->next_seq++;
}

/* RTT samples come only from the message that triggered the ack, and only
** if it was sent once (Karn): a message held behind a gap is acknowledged
** late, and its delay says nothing about the path. */
static void on_ack(conn *c, int64_t now, uint32_t upto, uint32_t echo) {
  for (conn_slot *s = c->out; s && s->seq <= upto; s = s->next) {
    if (s->seq != echo || s->retransmitted) continue;
    int64_t sample = now - s->sent;
    c->srtt = c->srtt ? (7 * c->srtt + sample) / 8 : sample;
    c->rto = 3 * c->srtt < MIN_RTO ? MIN_RTO : 3 * c->srtt > MAX_RTO ? MAX_RTO : 3 * c->srtt;
  }
  while (c->out && c->out->seq <= upto) {
    conn_slot *s = c->out;
    c->out = s->next;
    free(s);
  }
  if (upto > c->acked) c->acked = upto;
}

/* Keeps an early message, once, in sequence order, if it lies within the
** window (seq > c->expect here). */
static void keep_early(conn *c, uint32_t seq, const uint8_t *msg, size_t len) {
  if (seq - c->expect >= CONN_MAX_EARLY) {
    c->stats.early_dropped++;
    return;
  }
  conn_slot **p = &c->early;
  while (*p && (*p)->seq < seq) p = &(*p)->next;
  if (*p && (*p)->seq == seq) {
    c->stats.duplicates++;
    return;
  }
  conn_slot *s = slot(K_MSG, seq, msg, len);
  if (!s) {
    c->stats.early_dropped++;
    return;
  }
  s->next = *p;
  *p = s;
  c->stats.early++;
}

static void deliver_in_order(conn *c, conn_deliver_fn deliver, void *ctx) {
  while (c->early && c->early->seq == c->expect) {
    conn_slot *s = c->early;
    c->early = s->next;
    c->expect++;
    c->stats.delivered++;
    deliver(ctx, s->frame + HEAD, s->len - HEAD);
    free(s);
  }
}

int conn_recv(conn *c, int64_t now, const uint8_t *frame, size_t len, conn_deliver_fn deliver,
              conn_emit_fn emit, void *ctx) {
  if (len < HEAD || len > HEAD + CONN_MAX_MESSAGE) return -1;
  uint32_t seq = wire_get32(frame + 1);
  if (frame[0] == K_ACK) {
    if (len != ACK_LEN || seq >= c->next_seq) return -1;
    on_ack(c, now, seq, wire_get32(frame + HEAD));
    return 0;
  }
  if (frame[0] != K_MSG || seq == 0) return -1;
  if (seq < c->expect) {
    c->stats.duplicates++;
  } else if (seq == c->expect) {
    c->expect++;
    c->stats.delivered++;
    deliver(ctx, frame + HEAD, len - HEAD);
    deliver_in_order(c, deliver, ctx);
  } else {
    keep_early(c, seq, frame + HEAD, len - HEAD);
  }
  uint8_t ack[ACK_LEN] = {K_ACK};
  wire_put32(ack + 1, c->expect - 1);
  wire_put32(ack + HEAD, seq);
  emit(ctx, ack, sizeof ack, false);
  return 0;
}

void conn_tick(conn *c, int64_t now, conn_emit_fn emit, void *ctx) {
  for (conn_slot *s = c->out; s; s = s->next) {
    if (now - s->sent < c->rto) continue;
    s->sent = now;
    s->retransmitted = true;
    c->stats.retransmitted++;
    emit(ctx, s->frame, s->len, true);
  }
}

int64_t conn_deadline(const conn *c) {
  int64_t d = INT64_MAX;
  for (conn_slot *s = c->out; s; s = s->next)
    if (s->sent + c->rto < d) d = s->sent + c->rto;
  return d;
}

size_t conn_unacked(const conn *c) {
  size_t n = 0;
  for (conn_slot *s = c->out; s; s = s->next) n++;
  return n;
}
