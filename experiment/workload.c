/* workload.c: an attempt's timeline: start, connect, messages both ways, disruption. */
#include "sim.h"
#include "xrun.h"
#include "wire.h"

/* A message's byte k after the head: from the attempt, direction and index. */
static uint8_t filler(const attempt *a, bool from_a, uint32_t index, size_t k) {
  return (uint8_t)(a->index * 31u + index * 7u + k + (from_a ? 101u : 0u));
}


void workload_deliver(void *ctx, uint32_t from, const uint8_t *msg, size_t len) {
  side *s = ctx;
  attempt *a = s->att;
  const exp_cfg *c = a->run->cfg;
  (void)from;
  bool from_a = !s->is_a;
  uint32_t idx = len >= HEAD ? wire_get32(msg + 5) : 0;
  bool ok = len == (size_t)c->size && msg[4] == (from_a ? 1 : 2) && idx == (uint32_t)s->received;
  for (size_t k = HEAD; ok && k < len; k++) ok = msg[k] == filler(a, from_a, idx, k);
  if (!ok) s->damaged = true;
  s->received++;
  if (!s->is_a && !a->first_byte) {
    a->first_byte = sim_now();
    a->run->connected++;
  }
  int other = s->is_a ? a->b.received : a->a.received;
  if (s->received == c->messages && other == c->messages) a->run->finished++;
}

/* The side's next message; the one after is scheduled until all are sent. */
static void send_one(void *arg) {
  side *s = arg;
  attempt *a = s->att;
  const exp_cfg *c = a->run->cfg;
  uint8_t msg[CONN_MAX_MESSAGE];
  uint32_t idx = (uint32_t)s->sent;
  wire_put32(msg, (uint32_t)a->index);
  msg[4] = s->is_a ? 1 : 2;
  wire_put32(msg + 5, idx);
  for (int k = HEAD; k < c->size; k++) msg[k] = filler(a, s->is_a, idx, (size_t)k);
  peer_send(s->p, sim_now(), s->is_a ? a->b.id : a->a.id, msg, (size_t)c->size);
  s->sent++;
  s->work_timer = 0;
  if (s->sent < c->messages) s->work_timer = sim_schedule(c->over / c->messages, send_one, s);
  side_rearm(s);
}

void workload_event(void *ctx, uint32_t other, enum peer_event ev) {
  side *s = ctx;
  (void)other;
  if (ev == PEER_SESSION && !s->is_a && !s->sent && !s->work_timer)
    s->work_timer = sim_schedule(0, send_one, s); /* the responder's workload */
  if (ev == PEER_DIRECT) s->direct_at = sim_now();
}

static void start_peer(void *arg) {
  side *s = arg;
  peer_start(s->p, sim_now());
  side_rearm(s);
}

/* The address the other side's packets come from: its outermost NAT's. */
static uint32_t outer_ip(world *w, int host) {
  uint32_t ip = 0;
  for (int n = world_node_parent(w, host); n != WORLD_CORE; n = world_node_parent(w, n))
    ip = nat_public_ip(world_nat_engine(w, n));
  return ip;
}

static void disrupt(void *arg) {
  attempt *a = arg;
  xrun *x = a->run;
  nat *home = world_nat_engine(x->w, a->a.home);
  if (x->cfg->disrupt == EXP_REBIND) nat_rebind(home);
  else nat_block(home, outer_ip(x->w, a->b.host));
}

static void start_connect(void *arg) {
  attempt *a = arg;
  const exp_cfg *c = a->run->cfg;
  a->connect_at = sim_now();
  a->run->started++;
  peer_connect(a->a.p, sim_now(), a->b.id);
  send_one(&a->a); /* the first message goes at once: relayed */
  if (c->disrupt != EXP_NONE && !a->same_nat) sim_schedule(c->disrupt_after, disrupt, a);
}

/* The attempt is measured at its own end, then its peers stop: what
** follows in the run (later attempts) neither sees their traffic nor
** changes their figures, whether the run holds 10 attempts or 100000. */
static void end_attempt(void *arg) {
  attempt *a = arg;
  measure_attempt(a->run, a);
  side_stop(&a->a);
  side_stop(&a->b);
}

int64_t workload_end(const exp_cfg *c, const attempt *a) {
  return a->start + REGISTER_TIME + c->over + c->settle;
}

void workload_schedule(attempt *a) {
  sim_schedule(a->start, start_peer, &a->a);
  sim_schedule(a->start, start_peer, &a->b);
  sim_schedule(a->start + REGISTER_TIME, start_connect, a);
  sim_schedule(workload_end(a->run->cfg, a), end_attempt, a);
}
