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
#include "testnet.h"

#define MS 1000000LL
#define INSIDE 0xC0A80102u /* 192.168.1.2 */
#define PUBLIC 0xC6336401u /* 198.51.100.1 */
#define A1 0xCB00710Au
#define A2 0xCB007114u

#define DELAY (10 * MS)       /* between the NAT and the servers */
#define INSIDE_DELAY (1 * MS) /* between the client and its NAT */

typedef struct net {
  testnet *tn;
  nat *nat;        /* NULL: no NAT at all */
  testnet_host *client;
  stun_server srv;
  bool server_dead;
  disc *d;
  uint16_t local_port[128];
  int nsocks;
} net;

static void client_send(void *ctx, int sock, const addr *dst, const uint8_t *d, size_t len) {
  net *n = ctx;
  testnet_send_from(n->tn, n->client, n->local_port[sock], dst, DELAY, d, len);
}

/* A datagram reaches the client's socket bound to its port. */
static void client_recv(void *ctx, int64_t now, const addr *from, const addr *to,
                        const uint8_t *d, size_t len) {
  net *n = ctx;
  for (int k = 0; k < n->nsocks; k++)
    if (n->local_port[k] == to->port) disc_recv(n->d, now, k, from, d, len);
}

/* A datagram reaches one of the server's addresses. */
static void server_recv(void *ctx, int64_t now, const addr *from, const addr *to,
                        const uint8_t *d, size_t len) {
  net *n = ctx;
  (void)now;
  for (int s = 0; !n->server_dead && s < n->srv.nsocks; s++) {
    if (!addr_equal(&n->srv.socks[s], to)) continue;
    uint8_t out[1280];
    int os;
    addr dst;
    size_t olen = stun_server_handle(&n->srv, s, from, d, len, out, sizeof out, &os, &dst);
    if (olen) testnet_send(n->tn, &n->srv.socks[os], &dst, DELAY, out, olen);
  }
}

static int64_t client_deadline(void *ctx) { return disc_deadline(((net *)ctx)->d); }
static void client_tick(void *ctx, int64_t now) { disc_tick(((net *)ctx)->d, now); }

/* The network: the client (behind n->nat, if any), the server at A1 and
** A2. */
static void wire(net *n) {
  n->tn = testnet_new(0, 256);
  testnet_host_cfg cc = {.ip = INSIDE, .nat = n->nat, .inside_delay = INSIDE_DELAY,
                         .recv = client_recv, .ctx = n};
  n->client = testnet_add_host(n->tn, &cc);
  testnet_add_host(n->tn, &(testnet_host_cfg){.ip = A1, .recv = server_recv, .ctx = n});
  testnet_add_host(n->tn, &(testnet_host_cfg){.ip = A2, .recv = server_recv, .ctx = n});
  testnet_add_timer(n->tn, client_deadline, client_tick, n);
}

/* Runs until discovery is done. */
static void run_to_done(net *n) {
  while (!disc_done(n->d))
    assert_true(testnet_step(n->tn, INT64_MAX)); /* else it would never finish */
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
  wire(n);
  disc_start(n->d, 0);
  run_to_done(n);
  testnet_free(n->tn);
  n->tn = NULL;
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
  wire(&n);
  disc_start(n.d, 0);
  run_to_done(&n);
  testnet_free(n.tn);
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
