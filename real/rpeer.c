/* rpeer.c: `natsim peer`: one peer of the stack on a real socket. */
#include "rpeer.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "loop.h"
#include "peer.h"
#include "real.h"

#define MS 1000000LL
#define SPACING (20 * MS) /* between two messages */

typedef struct run {
  const rpeer_opts *o;
  loop *l;
  peer *p;
  int sock;
  uint32_t other;          /* the session's other peer, 0 until one is up */
  long sent, received;
  bool connecting, direct, gave_up, punch_failed;
  int64_t next_send, data_done; /* data_done: when both counts were reached, or 0 */
} run;

static void on_send(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  run *r = ctx;
  loop_send(r->l, r->sock, to, d, n);
}

static void on_deliver(void *ctx, uint32_t from, const uint8_t *m, size_t n) {
  run *r = ctx;
  (void)from;
  (void)m;
  (void)n;
  r->received++;
}

static void on_event(void *ctx, uint32_t other, enum peer_event ev) {
  run *r = ctx;
  if (ev == PEER_SESSION && !r->other) r->other = other;
  if (ev == PEER_DIRECT) r->direct = true;
  if (ev == PEER_PUNCH_FAILED) r->punch_failed = true;
  if (ev == PEER_GAVE_UP) r->gave_up = true;
}

static void on_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  run *r = ctx;
  (void)sock;
  peer_recv(r->p, loop_now(), from, d, n);
}

static void send_due(run *r, int64_t now) {
  if (!r->other || r->sent >= r->o->messages || now < r->next_send) return;
  char m[32];
  int n = snprintf(m, sizeof m, "message %ld", r->sent);
  if (peer_send(r->p, now, r->other, (const uint8_t *)m, (size_t)n) == 0) r->sent++;
  r->next_send = now + SPACING;
}

/* Done: every message went both ways and the path is settled. */
static bool finished(run *r, int64_t now) {
  bool data = r->sent >= r->o->messages && r->received >= r->o->messages;
  if (data && !r->data_done) r->data_done = now;
  if (!data) return r->gave_up;
  return r->direct || r->punch_failed || now >= r->data_done + r->o->settle_ms * MS;
}

static int64_t drive(void *ctx, int64_t now) {
  run *r = ctx;
  peer_tick(r->p, now);
  if (r->o->connect && !r->connecting && peer_registered(r->p)) {
    r->connecting = peer_connect(r->p, now, r->o->connect) == 0;
  }
  send_due(r, now);
  if (finished(r, now)) {
    loop_stop(r->l);
    return INT64_MAX;
  }
  int64_t next = peer_deadline(r->p);
  int64_t wake = now + SPACING;
  return wake < next ? wake : next;
}

static void print(const run *r) {
  peer_session_info info;
  memset(&info, 0, sizeof info);
  if (r->other) peer_session(r->p, r->other, &info);
  const char *fmt = r->o->json
                        ? "{\"id\": %u, \"other\": %u, \"sent\": %ld, \"received\": %ld, "
                          "\"direct\": %s, \"bytes_relayed\": %llu, \"bytes_direct\": %llu}\n"
                        : "peer %u with %u: sent %ld, received %ld, direct %s, "
                          "bytes relayed %llu, direct %llu\n";
  printf(fmt, r->o->id, r->other, r->sent, r->received, r->direct ? "true" : "false",
         (unsigned long long)info.bytes_relayed, (unsigned long long)info.bytes_direct);
}

/* The epoch of this run's registration: the wall clock (peer.h). */
static uint64_t epoch_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int start(run *r) {
  peer_cfg c = peer_cfg_default();
  c.id = r->o->id;
  memcpy(c.key, r->o->key, GW_KEY_LEN);
  c.epoch = epoch_now();
  c.gateway = r->o->gateway;
  c.punch = true;
  addr any = addr_v4(0, 0);
  r->sock = loop_udp(r->l, &any, on_datagram, r, &c.local);
  if (r->sock < 0) return real_fail(2, "natsim peer: no UDP socket");
  peer_io io = {.send = on_send, .deliver = on_deliver, .event = on_event, .ctx = r};
  r->p = peer_new(&c, &io);
  if (!r->p) return real_fail(2, "natsim peer: out of memory");
  peer_start(r->p, loop_now());
  return 0;
}

static int outcome(const run *r) {
  if (r->sent >= r->o->messages && r->received >= r->o->messages) return 0;
  if (r->gave_up) return real_fail(1, "natsim peer: the gateway never answered");
  return real_fail(1, "natsim peer: %ld of %ld messages sent, %ld received in %ld s", r->sent,
                   r->o->messages, r->received, r->o->timeout_s);
}

int rpeer_run(const rpeer_opts *o) {
  run r;
  memset(&r, 0, sizeof r);
  r.o = o;
  r.l = loop_new();
  if (!r.l) return 2;
  int rc = start(&r);
  if (rc == 0) {
    loop_run(r.l, loop_now() + o->timeout_s * 1000 * MS, drive, &r);
    print(&r);
    rc = outcome(&r);
  }
  peer_free(r.p);
  loop_free(r.l);
  return rc;
}
