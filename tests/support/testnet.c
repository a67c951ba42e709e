/*
** testnet.c: the unit tests' in-memory network: a heap of timed events
** ordered by (time, sequence number), hosts behind optional NAT engines,
** and a run loop that interleaves events with the components' deadlines.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "testnet.h"

#define MAX_HOSTS 8
#define MAX_TIMERS 4

enum kind {
  EV_ARRIVE,   /* a datagram reaches dst's public address */
  EV_OUTBOUND, /* a datagram from inside reaches the host's NAT */
  EV_INSIDE,   /* a datagram crosses the inside link to its host */
  EV_SIGNAL    /* a payload for a callback */
};

typedef struct event {
  int64_t t;
  uint64_t seq; /* breaks ties: first scheduled, first delivered */
  enum kind kind;
  testnet_host *host; /* EV_OUTBOUND: the sender; EV_INSIDE: the receiver */
  addr src, dst;
  int64_t delay;      /* EV_OUTBOUND: from the NAT to dst */
  testnet_signal_fn fn;
  void *ctx;
  uint8_t *data;      /* owned */
  size_t len;
} event;

struct testnet_host {
  testnet_host_cfg cfg;
  uint32_t public_ip;
};

typedef struct timer {
  testnet_deadline_fn deadline;
  testnet_tick_fn tick;
  void *ctx;
} timer;

struct testnet {
  int64_t now;
  uint64_t seq;
  event *heap;
  int nheap, cap;
  testnet_host hosts[MAX_HOSTS];
  int nhosts;
  timer timers[MAX_TIMERS];
  int ntimers;
  testnet_drop_fn drop;
  void *drop_ctx;
};

/* --- the heap ------------------------------------------------------------ */

static bool before(const event *a, const event *b) {
  if (a->t != b->t) return a->t < b->t;
  return a->seq < b->seq;
}

static void swap(event *a, event *b) {
  event t = *a;
  *a = *b;
  *b = t;
}

/* Adds ev (its data already owned) at time now + delay. */
static void push(testnet *n, int64_t delay, event ev) {
  assert_true(n->nheap < n->cap);
  ev.t = n->now + delay;
  ev.seq = n->seq++;
  int i = n->nheap++;
  n->heap[i] = ev;
  while (i > 0 && before(&n->heap[i], &n->heap[(i - 1) / 2])) {
    swap(&n->heap[i], &n->heap[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
}

/* Removes the earliest event into *out. The heap must not be empty. */
static void pop(testnet *n, event *out) {
  *out = n->heap[0];
  n->heap[0] = n->heap[--n->nheap];
  int i = 0;
  for (;;) {
    int l = 2 * i + 1;
    int r = l + 1;
    int m = i;
    if (l < n->nheap && before(&n->heap[l], &n->heap[m])) m = l;
    if (r < n->nheap && before(&n->heap[r], &n->heap[m])) m = r;
    if (m == i) return;
    swap(&n->heap[i], &n->heap[m]);
    i = m;
  }
}

static uint8_t *copy(const void *data, size_t len) {
  uint8_t *p = malloc(len ? len : 1);
  assert_non_null(p);
  if (len) memcpy(p, data, len);
  return p;
}

static void push_datagram(testnet *n, enum kind kind, testnet_host *h, const addr *src,
                          const addr *dst, int64_t delay, const uint8_t *data, size_t len) {
  event ev = {.kind = kind, .host = h, .src = *src, .dst = *dst, .len = len};
  ev.data = copy(data, len);
  push(n, delay, ev);
}

/* --- the network --------------------------------------------------------- */

testnet *testnet_new(int64_t start, int capacity) {
  testnet *n = calloc(1, sizeof *n);
  assert_non_null(n);
  n->heap = calloc((size_t)capacity, sizeof *n->heap);
  assert_non_null(n->heap);
  n->cap = capacity;
  n->now = start;
  return n;
}

void testnet_free(testnet *n) {
  if (!n) return;
  for (int i = 0; i < n->nheap; i++) free(n->heap[i].data);
  free(n->heap);
  free(n);
}

int64_t testnet_now(const testnet *n) { return n->now; }

testnet_host *testnet_add_host(testnet *n, const testnet_host_cfg *cfg) {
  assert_true(n->nhosts < MAX_HOSTS);
  testnet_host *h = &n->hosts[n->nhosts++];
  h->cfg = *cfg;
  h->public_ip = cfg->nat ? nat_public_ip(cfg->nat) : cfg->ip;
  return h;
}

void testnet_add_timer(testnet *n, testnet_deadline_fn deadline, testnet_tick_fn tick,
                       void *ctx) {
  assert_true(n->ntimers < MAX_TIMERS);
  n->timers[n->ntimers++] = (timer){deadline, tick, ctx};
}

void testnet_set_drop(testnet *n, testnet_drop_fn fn, void *ctx) {
  n->drop = fn;
  n->drop_ctx = ctx;
}

/* The host reached at public address ip, or NULL. */
static testnet_host *host_at(testnet *n, uint32_t ip) {
  for (int i = 0; i < n->nhosts; i++)
    if (n->hosts[i].public_ip == ip) return &n->hosts[i];
  return NULL;
}

/* The host at inside address ip behind engine x, or NULL. */
static testnet_host *host_inside(testnet *n, const nat *x, uint32_t ip) {
  for (int i = 0; i < n->nhosts; i++)
    if (n->hosts[i].cfg.nat == x && n->hosts[i].cfg.ip == ip) return &n->hosts[i];
  return NULL;
}

/* Hands a datagram to h across its inside link. */
static void to_inside(testnet *n, testnet_host *h, const addr *src, const addr *dst,
                      const uint8_t *data, size_t len) {
  if (h->cfg.inside_delay > 0) {
    push_datagram(n, EV_INSIDE, h, src, dst, h->cfg.inside_delay, data, len);
    return;
  }
  h->cfg.recv(h->cfg.ctx, n->now, src, dst, data, len);
}

/* A datagram from h's inside reaches its NAT: translated, then sent on, or
** looped back inside when addressed to h's own public address (hairpinned
** by its NAT, or, without one, sent to itself). */
static void outbound(testnet *n, testnet_host *h, const addr *src, const addr *dst,
                     int64_t delay, const uint8_t *data, size_t len) {
  nat_flow f = {addr_v4_ip(src), addr_v4_ip(dst), src->port, dst->port};
  nat *x = h->cfg.nat;
  if (x && nat_outbound(x, n->now, &f) != NAT_OK) return;
  addr from = addr_v4(f.src_ip, f.src_port);
  if (addr_v4_ip(dst) == h->public_ip) {
    testnet_host *in = x ? host_inside(n, x, f.dst_ip) : h;
    if (!in) return;
    addr to = addr_v4(f.dst_ip, f.dst_port);
    to_inside(n, in, &from, &to, data, len);
    return;
  }
  push_datagram(n, EV_ARRIVE, NULL, &from, dst, delay, data, len);
}

/* A datagram reaches its destination's public address. */
static void arrive(testnet *n, const event *ev) {
  if (n->drop && n->drop(n->drop_ctx, &ev->src, &ev->dst)) return;
  uint32_t ip = addr_v4_ip(&ev->dst);
  testnet_host *h = host_at(n, ip);
  if (!h) return;
  nat_flow f = {addr_v4_ip(&ev->src), ip, ev->src.port, ev->dst.port};
  if (h->cfg.nat && nat_inbound(h->cfg.nat, n->now, &f) != NAT_OK) return;
  if (h->cfg.nat) h = host_inside(n, h->cfg.nat, f.dst_ip);
  if (!h) return;
  addr from = addr_v4(f.src_ip, f.src_port);
  addr to = addr_v4(f.dst_ip, f.dst_port);
  to_inside(n, h, &from, &to, ev->data, ev->len);
}

void testnet_send_from(testnet *n, testnet_host *h, uint16_t port, const addr *dst,
                       int64_t delay, const uint8_t *data, size_t len) {
  addr src = addr_v4(h->cfg.ip, port);
  if (h->cfg.inside_delay == 0) {
    outbound(n, h, &src, dst, delay, data, len);
    return;
  }
  event ev = {.kind = EV_OUTBOUND, .host = h, .src = src, .dst = *dst, .delay = delay,
              .len = len};
  ev.data = copy(data, len);
  push(n, h->cfg.inside_delay, ev);
}

void testnet_send(testnet *n, const addr *src, const addr *dst, int64_t delay,
                  const uint8_t *data, size_t len) {
  push_datagram(n, EV_ARRIVE, NULL, src, dst, delay, data, len);
}

void testnet_signal(testnet *n, int64_t delay, testnet_signal_fn fn, void *ctx,
                    const void *payload, size_t len) {
  event ev = {.kind = EV_SIGNAL, .fn = fn, .ctx = ctx, .len = len};
  ev.data = copy(payload, len);
  push(n, delay, ev);
}

/* --- running ------------------------------------------------------------- */

static void deliver(testnet *n, const event *ev) {
  switch (ev->kind) {
  case EV_ARRIVE:
    arrive(n, ev);
    return;
  case EV_OUTBOUND:
    outbound(n, ev->host, &ev->src, &ev->dst, ev->delay, ev->data, ev->len);
    return;
  case EV_INSIDE:
    ev->host->cfg.recv(ev->host->cfg.ctx, n->now, &ev->src, &ev->dst, ev->data, ev->len);
    return;
  case EV_SIGNAL:
    ev->fn(ev->ctx, n->now, ev->data, ev->len);
    return;
  }
}

/* When the earliest pending event is due; INT64_MAX: none is pending. */
static int64_t next_event(const testnet *n) {
  if (!n->nheap) return INT64_MAX;
  return n->heap[0].t;
}

bool testnet_step(testnet *n, int64_t end) {
  int64_t t = next_event(n);
  int who = -1;
  for (int i = 0; i < n->ntimers; i++) {
    int64_t d = n->timers[i].deadline(n->timers[i].ctx);
    if (d < t) {
      t = d;
      who = i;
    }
  }
  if (t == INT64_MAX || t > end) return false;
  n->now = t;
  if (who >= 0) {
    n->timers[who].tick(n->timers[who].ctx, t);
    return true;
  }
  event ev;
  pop(n, &ev);
  deliver(n, &ev);
  free(ev.data);
  return true;
}

void testnet_run_until(testnet *n, int64_t end) {
  while (testnet_step(n, end))
    continue;
  n->now = end;
}

int testnet_pending(const testnet *n) { return n->nheap; }

size_t testnet_take(testnet *n, void *buf, size_t cap) {
  if (!n->nheap) return 0;
  event ev;
  pop(n, &ev);
  memcpy(buf, ev.data, ev.len < cap ? ev.len : cap);
  free(ev.data);
  return ev.len;
}

static void stun_recv(void *ctx, int64_t now, const addr *from, const addr *to,
                      const uint8_t *data, size_t len) {
  testnet_stun *s = ctx;
  uint8_t out[1280];
  int sock;
  addr dst;
  (void)now;
  size_t n = stun_server_handle(&s->server, 0, from, data, len, out, sizeof out, &sock, &dst);
  if (n) testnet_send(s->net, to, &dst, s->delay, out, n);
}

void testnet_add_stun(testnet *n, testnet_stun *s, uint32_t ip, int64_t delay) {
  addr a = addr_v4(ip, 3478);
  s->net = n;
  s->delay = delay;
  stun_server_init(&s->server, &a, NULL);
  testnet_add_host(n, &(testnet_host_cfg){.ip = ip, .recv = stun_recv, .ctx = s});
}
