/* Unit tests for the cost model (experiment/cost.c): a run's measurements
** scaled to a month of a usage profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cost.h"

/* A run of 100 attempts, 1e6 message bytes, one class with 15 s keepalives. */
static void setup_run(exp_cfg *c, exp_summary *s) {
  experiment_defaults(c);
  c->nclasses = 1;
  c->classes[0].weight = 1;
  memset(s, 0, sizeof *s);
  s->attempts = 100;
  s->nclasses = 1;
  s->keepalive_s[0] = 15;
  s->bytes_relayed = 1000000;
}

/* Everything relayed: the gateway sends the relayed packets, their framing
** and UDP/IP, plus keepalive answers; no STUN/TURN servers, no bill for them. */
static void test_relay_only(void **state) {
  (void)state;
  exp_cfg c;
  exp_summary s;
  setup_run(&c, &s);
  s.wire_relayed = 1500000;
  s.gateway_frames = 2000;
  c.cost.peers = 100;
  c.cost.sessions_per_day = 1;
  c.cost.bytes_per_session = 1e6;
  cost_measure(&c, false, &s);
  double per_byte = (1500000.0 + 2000 * (34 + 28)) / 1e6;
  assert_float_equal(s.cost.gateway_bytes_per_session, 1e6 * per_byte, 1e-6);
  assert_float_equal(s.cost.keepalives_per_peer_hour, 240, 1e-9);
  double month = 100 * 30 * 1e6 * per_byte + 100 * 720 * 240 * 61.0;
  assert_float_equal(s.cost.gateway_gb, month / 1e9, 1e-9);
  assert_float_equal(s.cost.gateway_usd, month / 1e9 * 0.09 + 20, 1e-9);
  assert_float_equal(s.cost.turn_gb, 0, 0);
  assert_float_equal(s.cost.stun_turn_usd, 0, 0);
}

/* With ICE: TURN's relayed bytes, its requests and refreshes, and its servers. */
static void test_ice_servers(void **state) {
  (void)state;
  exp_cfg c;
  exp_summary s;
  setup_run(&c, &s);
  s.bytes_relayed = 0;
  s.bytes_direct = 900000;
  s.bytes_turn = 100000;
  s.turn_bytes = 120000;
  s.turn_packets = 200;
  s.stun_requests = 300;
  s.turn_allocations = 100;
  c.cost.stun_turn_servers = 2;
  cost_measure(&c, true, &s);
  assert_float_equal(s.cost.allocations_per_session, 1, 1e-12);
  assert_float_equal(s.cost.stun_turn_requests_per_session, 4, 1e-12);
  double relay = 10e6 * (120000.0 + 200 * (4 + 28)) / 1e6;
  double refreshes = 1 * (600.0 / 300);
  assert_float_equal(s.cost.turn_bytes_per_session, relay + (4 + refreshes) * 100, 1e-6);
  double gb = 10000 * 10 * 30 * s.cost.turn_bytes_per_session / 1e9;
  assert_float_equal(s.cost.turn_gb, gb, 1e-9);
  assert_float_equal(s.cost.stun_turn_usd, gb * 0.09 + 2 * 20, 1e-9);
  assert_float_equal(s.cost.total_usd, s.cost.gateway_usd + s.cost.stun_turn_usd,
                     1e-9);
}

/* No message bytes: no division by zero, only keepalives and servers. */
static void test_nothing_sent(void **state) {
  (void)state;
  exp_cfg c;
  exp_summary s;
  setup_run(&c, &s);
  s.bytes_relayed = 0;
  s.wire_relayed = 5000;
  cost_measure(&c, false, &s);
  assert_float_equal(s.cost.gateway_bytes_per_session, 0, 0);
  assert_true(s.cost.gateway_gb > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relay_only),
      cmocka_unit_test(test_ice_servers),
      cmocka_unit_test(test_nothing_sent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
