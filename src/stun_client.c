/* stun_client.c: transaction table, retransmission and matching. */
#include "stun_client.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

#define FIRST_CAP 4 /* slots the table starts with; it doubles from there */

stun_timing stun_timing_default(void) {
  stun_timing t = {500000000LL, 7, 16};
  return t;
}

void stun_client_init(stun_client *c, const stun_timing *t,
                      const stun_client_io *io) {
  memset(c, 0, sizeof *c);
  c->timing = *t;
  c->io = *io;
}

/* Ends transaction t: its slot is free again. */
static void end_txn(stun_client *c, stun_txn *t) {
  c->active--;
  t->active = false;
  free(t->req);
  t->req = NULL;
}

void stun_client_free(stun_client *c) {
  if (!c) return;
  for (int i = 0; i < c->cap; i++)
    if (c->txns[i].active) end_txn(c, &c->txns[i]);
  free(c->txns);
  c->txns = NULL;
  c->cap = 0;
}

/* The first inactive slot, the table grown if none is; NULL: full. The
** slot chosen is the one a fixed table of STUN_CLIENT_MAX would choose. */
static stun_txn *free_slot(stun_client *c) {
  for (int i = 0; i < c->cap; i++)
    if (!c->txns[i].active) return &c->txns[i];
  int i = c->cap;
  stun_txn *t = grow_table(c->txns, &c->cap, i + 1, FIRST_CAP, STUN_CLIENT_MAX, sizeof *t);
  if (!t) return NULL;
  c->txns = t;
  return &c->txns[i];
}

int stun_client_start(stun_client *c, int64_t now, int sock, const addr *dst,
                      const uint8_t *req, size_t len, int user) {
  return stun_client_start_rto(c, now, sock, dst, req, len, user, c->timing.rto);
}

int stun_client_start_rto(stun_client *c, int64_t now, int sock, const addr *dst,
                          const uint8_t *req, size_t len, int user, int64_t rto) {
  if (len < STUN_HEADER || len > STUN_CLIENT_MAX_REQUEST) return -1;
  stun_txn *t = free_slot(c);
  if (!t) return -1;
  t->req = malloc(len);
  if (!t->req) return -1;
  t->active = true;
  c->active++;
  memcpy(t->tid, req + 8, STUN_TID_LEN);
  t->sock = sock;
  t->user = user;
  t->dst = *dst;
  memcpy(t->req, req, len);
  t->len = len;
  t->sent = 1;
  t->rto = t->rto0 = rto > 0 ? rto : c->timing.rto;
  t->next = now + t->rto;
  c->stats.transactions++;
  c->io.send(c->io.ctx, sock, dst, req, len);
  return 0;
}

/* Frees the table once no transaction is active: an agent past its checks
** keeps none between them (the next start grows it again, and picks slot 0
** as a fixed table would). */
static void release_if_idle(stun_client *c) {
  if (c->active > 0) return;
  free(c->txns);
  c->txns = NULL;
  c->cap = 0;
}

static stun_txn *find(stun_client *c, const uint8_t *tid) {
  for (int i = 0; i < c->cap; i++)
    if (c->txns[i].active && memcmp(c->txns[i].tid, tid, STUN_TID_LEN) == 0)
      return &c->txns[i];
  return NULL;
}

int stun_client_find(const stun_client *c, const uint8_t tid[STUN_TID_LEN]) {
  stun_txn *t = find((stun_client *)c, tid);
  return t ? t->user : -1;
}

int stun_client_match(stun_client *c, const stun_msg *m) {
  if (m->cls != STUN_SUCCESS && m->cls != STUN_ERROR) return -1;
  stun_txn *t = find(c, m->tid);
  if (!t) return -1;
  end_txn(c, t);
  c->stats.responses++;
  int user = t->user;
  release_if_idle(c);
  return user;
}

void stun_client_cancel(stun_client *c, int user) {
  for (int i = 0; i < c->cap; i++)
    if (c->txns[i].active && c->txns[i].user == user) end_txn(c, &c->txns[i]);
  release_if_idle(c);
}

/* Sends t's request again, from a copy: an answer that comes back inside
** io.send ends t and frees its request, and may free or move the table. */
static void resend(stun_client *c, const stun_txn *t) {
  uint8_t buf[STUN_CLIENT_MAX_REQUEST];
  size_t len = t->len;
  int sock = t->sock;
  addr dst = t->dst;
  memcpy(buf, t->req, len);
  c->io.send(c->io.ctx, sock, &dst, buf, len);
}

void stun_client_tick(stun_client *c, int64_t now) {
  for (int i = 0; i < c->cap; i++) {
    stun_txn *t = &c->txns[i];
    if (!t->active || now < t->next) continue;
    if (t->sent >= c->timing.rc) { /* the final wait is over */
      int user = t->user;
      end_txn(c, t);
      c->stats.timeouts++;
      c->io.timeout(c->io.ctx, user);
      continue;
    }
    t->sent++;
    t->rto *= 2;
    /* After the last send, wait rm initial RTOs instead of doubling. */
    t->next = now + (t->sent == c->timing.rc ? c->timing.rm * t->rto0 : t->rto);
    c->stats.retransmits++;
    resend(c, t);
  }
  release_if_idle(c);
}

int64_t stun_client_deadline(const stun_client *c) {
  int64_t d = INT64_MAX;
  for (int i = 0; i < c->cap; i++)
    if (c->txns[i].active && c->txns[i].next < d) d = c->txns[i].next;
  return d;
}

int stun_client_active(const stun_client *c) {
  return c->active;
}
