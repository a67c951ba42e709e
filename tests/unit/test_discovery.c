/* Unit tests for NAT behaviour discovery (src/discovery.c), without ns-3:
** the discovery client, the NAT engine and the STUN server exchange
** datagrams through a tiny in-memory network driven by a fake clock.
** Every combination of mapping, filtering and allocation is discovered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "discovery.h"
#include "nat.h"
#include "stun_server.h"

#define MS 1000000LL
#define INSIDE 0xC0A80102u /* 192.168.1.2 */
#define PUBLIC 0xC6336401u /* 198.51.100.1 */
#define A1 0xCB00710Au
#define A2 0xCB007114u

enum where { AT_NAT_IN, AT_NAT_OUT, AT_SERVER, AT_CLIENT };

typedef struct pkt {
  int64_t t;
  enum where where;
  addr src, dst;
  uint8_t data[1280];
  size_t len;
} pkt;

typedef struct net {
  nat *nat;        /* NULL: no NAT at all */
  stun_server srv;
  bool server_dead;
  disc *d;
  int64_t now;
  pkt q[256];
  int nq;
  uint16_t local_port[128];
  int nsocks;
} net;

static void push(net *n, int64_t delay, enum where w, addr src, addr dst, const uint8_t *d,
                 size_t len) {
  assert_true(n->nq < 256);
  pkt *p = &n->q[n->nq++];
  *p = (pkt){.t = n->now + delay, .where = w, .src = src, .dst = dst, .len = len};
  memcpy(p->data, d, len);
}

static void client_send(void *ctx, int sock, const addr *dst, const uint8_t *d, size_t len) {
  net *n = ctx;
  push(n, MS, AT_NAT_IN, addr_v4(INSIDE, n->local_port[sock]), *dst, d, len);
}

static void deliver_inside(net *n, const nat_flow *f, const pkt *p) {
  for (int k = 0; k < n->nsocks; k++)
    if (f->dst_ip == INSIDE && n->local_port[k] == f->dst_port)
      push(n, MS, AT_CLIENT, addr_v4(f->src_ip, f->src_port), addr_v4(INSIDE, (uint16_t)k),
           p->data, p->len);
}

static void step(net *n, const pkt *p) {
  nat_flow f = {addr_v4_ip(&p->src), addr_v4_ip(&p->dst), p->src.port, p->dst.port};
  switch (p->where) {
  case AT_NAT_IN:
    if (n->nat && nat_outbound(n->nat, n->now, &f) != NAT_OK) return;
    if (f.dst_ip == INSIDE) deliver_inside(n, &f, p); /* hairpinned */
    else push(n, 10 * MS, AT_SERVER, addr_v4(f.src_ip, f.src_port), p->dst, p->data, p->len);
    return;
  case AT_NAT_OUT:
    if (n->nat && nat_inbound(n->nat, n->now, &f) != NAT_OK) return;
    deliver_inside(n, &f, p);
    return;
  case AT_SERVER:
    for (int s = 0; !n->server_dead && s < n->srv.nsocks; s++) {
      if (!addr_equal(&n->srv.socks[s], &p->dst)) continue;
      uint8_t out[1280];
      int os;
      addr to;
      size_t len = stun_server_handle(&n->srv, s, &p->src, p->data, p->len, out, sizeof out, &os, &to);
      if (len) push(n, 10 * MS, AT_NAT_OUT, n->srv.socks[os], to, out, len);
    }
    return;
  case AT_CLIENT:
    disc_recv(n->d, n->now, p->dst.port, &p->src, p->data, p->len);
    return;
  }
}

static const disc_result *run(net *n, const nat_config *cfg, bool rfc5780, bool lifetime) {
  memset(n, 0, sizeof *n);
  n->nat = cfg ? nat_new(cfg, PUBLIC, 3) : NULL;
  addr a1 = addr_v4(A1, 3478), a2 = addr_v4(A2, 3479);
  stun_server_init(&n->srv, &a1, rfc5780 ? &a2 : NULL);
  disc_cfg dc = {.server = a1, .timing = stun_timing_default(), .seed = 1, .lifetime = lifetime,
                 .lifetime_step = 10 * 1000 * MS, .lifetime_max = 100 * 1000 * MS};
  disc_io io = {client_send, n};
  n->d = disc_new(&dc, &io);
  n->nsocks = disc_sockets(n->d);
  for (int k = 0; k < n->nsocks; k++) {
    n->local_port[k] = (uint16_t)(40000 + 7 * k);
    addr local = addr_v4(INSIDE, n->local_port[k]);
    disc_set_local(n->d, k, &local);
  }
  disc_start(n->d, 0);
  while (!disc_done(n->d)) {
    int first = -1;
    for (int i = 0; i < n->nq; i++)
      if (first < 0 || n->q[i].t < n->q[first].t) first = i;
    int64_t timer = disc_deadline(n->d);
    if (first >= 0 && n->q[first].t <= timer) {
      pkt p = n->q[first];
      n->q[first] = n->q[--n->nq];
      n->now = p.t;
      step(n, &p);
    } else {
      assert_true(timer != INT64_MAX); /* else it would never finish */
      n->now = timer;
      disc_tick(n->d, timer);
    }
  }
  return disc_get_result(n->d);
}

static nat_config config(enum nat_mapping m, enum nat_mapping f, enum nat_alloc a) {
  nat_config c = {.mapping = m, .filtering = f, .alloc = a, .stride = 1, .port_min = 1024,
                  .port_max = 65535, .lifetime_ns = 60 * 1000 * MS, .hairpin = true};
  return c;
}

static void test_every_combination(void **state) {
  (void)state;
  static net n;
  const enum disc_behaviour want[3] = {DISC_EI, DISC_AD, DISC_APD};
  for (int m = NAT_EI; m <= NAT_APD; m++) {
    for (int f = NAT_EI; f <= NAT_APD; f++) {
      for (int a = NAT_PRESERVE; a <= NAT_RANDOM; a++) {
        nat_config c = config((enum nat_mapping)m, (enum nat_mapping)f, (enum nat_alloc)a);
        c.stride = 3;
        const disc_result *r = run(&n, &c, true, false);
        assert_int_equal(r->status, DISC_OK);
        assert_true(r->natted);
        if (r->mapping != want[m] || r->filtering != want[f] ||
            r->allocation != (enum disc_alloc)(a + 1))
          fail_msg("configured %d/%d/%d, discovered %s/%s/%s", m, f, a,
                   disc_behaviour_name(r->mapping), disc_behaviour_name(r->filtering),
                   disc_alloc_name(r->allocation));
        if (a == NAT_SEQUENTIAL) assert_int_equal(r->stride, 3);
        assert_int_equal(r->hairpin_observable, m == NAT_EI || f == NAT_EI);
        if (r->hairpin_observable) assert_true(r->hairpinning);
        nat_free(n.nat);
        disc_free(n.d);
      }
    }
  }
}

static void test_hairpin_off(void **state) {
  (void)state;
  static net n;
  nat_config c = config(NAT_EI, NAT_APD, NAT_PRESERVE);
  c.hairpin = false;
  const disc_result *r = run(&n, &c, true, false);
  assert_true(r->hairpin_observable);
  assert_false(r->hairpinning);
  assert_string_equal(disc_type_name(r), "port-restricted cone");
  nat_free(n.nat);
  disc_free(n.d);
}

static void test_lifetime(void **state) {
  (void)state;
  static net n;
  nat_config c = config(NAT_EI, NAT_APD, NAT_PRESERVE); /* 60 s */
  const disc_result *r = run(&n, &c, true, true);
  assert_int_equal(r->lifetime_lo, 50 * 1000 * MS);
  assert_int_equal(r->lifetime_hi, 60 * 1000 * MS);
  nat_free(n.nat);
  disc_free(n.d);
}

static void test_no_nat_and_bad_servers(void **state) {
  (void)state;
  static net n;
  const disc_result *r = run(&n, NULL, true, false);
  assert_int_equal(r->status, DISC_OK);
  assert_false(r->natted);
  assert_string_equal(disc_type_name(r), "no NAT");
  disc_free(n.d);
  nat_config c = config(NAT_EI, NAT_EI, NAT_PRESERVE);
  r = run(&n, &c, false, false); /* no second address */
  assert_int_equal(r->status, DISC_NO_RFC5780);
  assert_true(r->natted);
  nat_free(n.nat);
  disc_free(n.d);
}

static void test_no_server(void **state) {
  (void)state;
  static net n;
  memset(&n, 0, sizeof n);
  nat_config c = config(NAT_EI, NAT_EI, NAT_PRESERVE);
  /* The server drops everything: the first transaction times out. */
  n.server_dead = true;
  nat *engine = nat_new(&c, PUBLIC, 1);
  addr a1 = addr_v4(A1, 3478);
  disc_cfg dc = {.server = a1, .timing = stun_timing_default(), .seed = 1};
  disc_io io = {client_send, &n};
  n.d = disc_new(&dc, &io);
  n.nat = engine;
  n.nsocks = disc_sockets(n.d);
  disc_start(n.d, 0);
  while (!disc_done(n.d)) {
    n.now = disc_deadline(n.d);
    n.nq = 0;
    disc_tick(n.d, n.now);
  }
  assert_int_equal(disc_get_result(n.d)->status, DISC_NO_SERVER);
  assert_int_equal(disc_get_result(n.d)->elapsed, 39500 * MS);
  nat_free(engine);
  disc_free(n.d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_combination),
      cmocka_unit_test(test_hairpin_off),
      cmocka_unit_test(test_lifetime),
      cmocka_unit_test(test_no_nat_and_bad_servers),
      cmocka_unit_test(test_no_server),
  };
  return cmocka_run_group_tests_name("discovery", tests, NULL, NULL);
}
