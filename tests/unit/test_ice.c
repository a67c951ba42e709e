/* Unit tests for the ICE agent (src/ice.c): two agents behind NAT engines,
** a STUN server and a TURN server, all in memory with a fake clock; every
** pair of the four classic NAT models connects, directly when the NATs
** allow it and through TURN otherwise. Also role conflicts and consent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "ice.h"
#include "nat.h"
#include "testnet.h"
#include "turn_server.h"

#define MS 1000000LL
#define INSIDE 0xC0A80102u
#define PORT 4000
#define STUN_IP 0xCB007101u /* 203.0.113.1 */
#define TURN_IP 0xCB007102u /* 203.0.113.2 */
#define STUN2_IP 0xCB007103u /* 203.0.113.3: a second STUN server */
static const uint32_t pub[2] = {0x0A000001u, 0x0A000101u};

#define DELAY (10 * MS) /* one way, between any two public addresses */

typedef struct side {
  nat *nat;
  testnet_host *host;
  ice_agent *ice;
  int state_events[4];
  char got[64];
  int nsocks; /* opened for birthday probing */
} side;

static struct {
  testnet *net;
  side s[2];
  testnet_stun stun, stun2;
  turn_server *turn;
  bool blackhole; /* drop everything between the agents */
  bool no_direct; /* drop what goes between the agents' NATs, not through TURN */
  int drop_first; /* drop this many datagrams each way between the agents first */
  int64_t first_to[3]; /* when agent 0 first sent to NOWHERE:1000+i; 0: never */
  int dropped[2];
} w;

/* Socket i of an agent is INSIDE:(PORT + i). */
#define NOWHERE 0x0A090909u /* 10.9.9.9: no host there */

static void agent_send(void *ctx, int sock, const addr *to, const uint8_t *d, size_t n) {
  side *s = ctx;
  int i = to->port - 1000;
  if (s == &w.s[0] && addr_v4_ip(to) == NOWHERE && i >= 0 && i < 3 && !w.first_to[i])
    w.first_to[i] = testnet_now(w.net);
  testnet_send_from(w.net, s->host, (uint16_t)(PORT + sock), to, DELAY, d, n);
}

static void on_signal(void *ctx, int64_t now, const void *cand, size_t len) {
  side *s = ctx;
  (void)len;
  ice_add_remote(s->ice, now, cand);
}

static void agent_candidate(void *ctx, const ice_cand *c) {
  side *other = ctx == &w.s[0] ? &w.s[1] : &w.s[0];
  testnet_signal(w.net, 30 * MS, on_signal, other, c, sizeof *c);
}

static int agent_open(void *ctx, int n, addr *local) {
  side *s = ctx;
  for (int i = 0; i < n; i++) local[i] = addr_v4(INSIDE, (uint16_t)(PORT + 1 + i));
  s->nsocks = n;
  return n;
}

static void agent_state(void *ctx, enum ice_state st) { ((side *)ctx)->state_events[st]++; }

static void agent_deliver(void *ctx, const addr *from, const uint8_t *d, size_t n) {
  side *s = ctx;
  (void)from;
  snprintf(s->got, sizeof s->got, "%.*s", (int)n, (const char *)d);
}

static void agent_recv(void *ctx, int64_t now, const addr *from, const addr *to,
                       const uint8_t *d, size_t n) {
  side *s = ctx;
  if (to->port < PORT || to->port > PORT + s->nsocks) return;
  if (!ice_recv_on(s->ice, now, to->port - PORT, from, d, n))
    agent_deliver(s, from, d, n); /* direct app data */
}

static int64_t agent_deadline(void *ctx) { return ice_deadline(((side *)ctx)->ice); }
static void agent_tick(void *ctx, int64_t now) { ice_tick(((side *)ctx)->ice, now); }

static void turn_to_client(void *ctx, const addr *c, const uint8_t *d, size_t n) {
  (void)ctx;
  addr turn = addr_v4(TURN_IP, 3478);
  testnet_send(w.net, &turn, c, DELAY, d, n);
}
static void turn_to_peer(void *ctx, const addr *relayed, const addr *peer, const uint8_t *d,
                         size_t n) {
  (void)ctx;
  testnet_send(w.net, relayed, peer, DELAY, d, n);
}

static void turn_recv(void *ctx, int64_t now, const addr *from, const addr *to,
                      const uint8_t *d, size_t n) {
  (void)ctx;
  if (to->port == 3478)
    turn_server_recv(w.turn, now, from, d, n);
  else
    turn_server_recv_relay(w.turn, now, to, from, d, n);
}

/* The blackhole: what one agent's NAT receives from the other's, or from
** the relay. */
static bool blackholed(void *ctx, const addr *from, const addr *to) {
  (void)ctx;
  uint32_t src = addr_v4_ip(from);
  for (int k = 0; k < 2; k++) {
    if (addr_v4_ip(to) != pub[k]) continue;
    if (src == pub[!k] && w.dropped[k] < w.drop_first) {
      w.dropped[k]++;
      return true;
    }
    if (src == pub[!k] && w.no_direct) return true;
    return w.blackhole && (src == pub[!k] || src == TURN_IP);
  }
  return false;
}

static void run_until(int64_t end) { testnet_run_until(w.net, end); }

static nat_config model(int k) {
  /* full cone, restricted cone, port-restricted cone, symmetric, symmetric with random ports */
  const enum nat_mapping map[5] = {NAT_EI, NAT_EI, NAT_EI, NAT_APD, NAT_APD};
  const enum nat_mapping filt[5] = {NAT_EI, NAT_AD, NAT_APD, NAT_APD, NAT_APD};
  nat_config c = {.mapping = map[k], .filtering = filt[k],
                  .alloc = k == 3 ? NAT_SEQUENTIAL : k == 4 ? NAT_RANDOM : NAT_PRESERVE, .stride = 1,
                  .port_min = 1024, .port_max = 65535, .lifetime_ns = 120000 * MS};
  return c;
}

static int predict_window; /* 0: no port prediction */
static int bday_ports, bday_probes; /* 0: no birthday probing */
static int64_t grace;      /* 0: the default */

static void setup_world(int ma, int mb, bool a_controls, bool b_controls) {
  memset(&w, 0, sizeof w);
  w.net = testnet_new(0, 1024);
  testnet_set_drop(w.net, blackholed, NULL);
  addr stun_addr = addr_v4(STUN_IP, 3478), stun2_addr = addr_v4(STUN2_IP, 3478);
  testnet_add_stun(w.net, &w.stun, STUN_IP, DELAY);
  testnet_add_stun(w.net, &w.stun2, STUN2_IP, DELAY);
  testnet_add_host(w.net, &(testnet_host_cfg){.ip = TURN_IP, .recv = turn_recv});
  turn_server_cfg tc = {.realm = "natsim", .relay = addr_v4(TURN_IP, 0), .port_min = 50000,
                        .port_max = 50999, .nonce_lifetime = 3600000 * MS, .seed = 1};
  turn_server_io tio = {turn_to_client, turn_to_peer, NULL, NULL, NULL};
  w.turn = turn_server_new(&tc, &tio);
  turn_server_add_user(w.turn, "ice", "pass");
  for (int k = 0; k < 2; k++) {
    nat_config c = model(k == 0 ? ma : mb);
    w.s[k].nat = nat_new(&c, pub[k], (uint64_t)k + 1);
    testnet_host_cfg hc = {.ip = INSIDE, .nat = w.s[k].nat, .recv = agent_recv, .ctx = &w.s[k]};
    w.s[k].host = testnet_add_host(w.net, &hc);
    testnet_add_timer(w.net, agent_deadline, agent_tick, &w.s[k]);
    ice_cfg ic;
    ice_cfg_defaults(&ic);
    ic.controlling = k == 0 ? a_controls : b_controls;
    ic.seed = (uint64_t)k + 10;
    ic.stun = stun_addr;
    if (predict_window) {
      ic.stun2 = stun2_addr;
      ic.predict = predict_window;
    }
    if (grace) ic.grace = grace;
    if (bday_ports) {
      ic.stun2 = stun2_addr;
      ic.bday_ports = bday_ports;
      ic.bday_probes = bday_probes;
      ic.bday_interval = 1 * MS;
    }
    ic.turn = addr_v4(TURN_IP, 3478);
    ic.turn_user = "ice";
    ic.turn_password = "pass";
    ice_io io = {agent_send, agent_candidate, agent_state, agent_deliver, agent_open, &w.s[k]};
    w.s[k].ice = ice_new(&ic, &io);
  }
  for (int k = 0; k < 2; k++)
    ice_set_remote_credentials(w.s[k].ice, ice_ufrag(w.s[!k].ice), ice_pwd(w.s[!k].ice));
  for (int k = 0; k < 2; k++) {
    addr host = addr_v4(INSIDE, PORT);
    ice_start(w.s[k].ice, 0, &host);
  }
}

static void teardown_world(void) {
  for (int k = 0; k < 2; k++) {
    ice_free(w.s[k].ice);
    nat_free(w.s[k].nat);
  }
  turn_server_free(w.turn);
  testnet_free(w.net);
}

static void test_every_classic_pair(void **state) {
  (void)state;
  static const char *const names[4] = {"full cone", "restricted cone", "port-restricted cone",
                                       "symmetric"};
  for (int a = 0; a < 4; a++) {
    for (int b = 0; b < 4; b++) {
      setup_world(a, b, true, false);
      run_until(15000 * MS);
      bool direct_possible = !(a == 3 && b >= 2) && !(b == 3 && a >= 2);
      ice_cand la, ra, lb, rb;
      for (int k = 0; k < 2; k++)
        if (ice_get_state(w.s[k].ice) != ICE_CONNECTED)
          fail_msg("%s - %s: side %d not connected", names[a], names[b], k);
      ice_selected(w.s[0].ice, &la, &ra);
      ice_selected(w.s[1].ice, &lb, &rb);
      bool relayed = la.type == ICE_RELAY || ra.type == ICE_RELAY;
      if (relayed == direct_possible)
        fail_msg("%s - %s: selected %s -> %s, wanted %s", names[a], names[b],
                 ice_type_name(la.type), ice_type_name(ra.type), direct_possible ? "direct" : "relay");
      /* Application data both ways over the selected pair. */
      ice_send(w.s[0].ice, testnet_now(w.net), (const uint8_t *)"ping", 4);
      ice_send(w.s[1].ice, testnet_now(w.net), (const uint8_t *)"pong", 4);
      run_until(testnet_now(w.net) + 500 * MS);
      assert_string_equal(w.s[1].got, "ping");
      assert_string_equal(w.s[0].got, "pong");
      const ice_stats *st = ice_get_stats(w.s[0].ice);
      assert_true(st->first_success >= 0 && st->nominated >= st->first_success);
      teardown_world();
    }
  }
}

/* With port prediction, a symmetric NAT that allocates sequentially goes
** direct with every NAT that maps endpoint-independently, and with another
** of its kind when their ports line up. */
static void test_port_prediction(void **state) {
  (void)state;
  predict_window = 16;
  for (int a = 0; a < 4; a++) {
    for (int b = 0; b < 4; b++) {
      setup_world(a, b, true, false);
      run_until(15000 * MS);
      ice_cand la, ra;
      assert_int_equal(ice_get_state(w.s[0].ice), ICE_CONNECTED);
      assert_int_equal(ice_get_state(w.s[1].ice), ICE_CONNECTED);
      ice_selected(w.s[0].ice, &la, &ra);
      bool relayed = la.type == ICE_RELAY || ra.type == ICE_RELAY;
      print_message("prediction: %d - %d: %s (stride %d/%d, predicted %d/%d)\n", a, b,
                    relayed ? "relay" : "direct", ice_get_stats(w.s[0].ice)->stride,
                    ice_get_stats(w.s[1].ice)->stride, ice_get_stats(w.s[0].ice)->predicted,
                    ice_get_stats(w.s[1].ice)->predicted);
      if (a == 3 || b == 3) { /* the symmetric side saw its stride and offered ports */
        const ice_stats *sym = ice_get_stats(w.s[a == 3 ? 0 : 1].ice);
        assert_int_equal(sym->stride, 1);
        assert_int_equal(sym->predicted, 16);
      }
      if (!(a == 3 && b == 3)) assert_false(relayed);
      teardown_world();
    }
  }
  predict_window = 0;
}

/* A symmetric NAT with random ports facing a port-restricted cone: no
** direct pair without birthday probing; with 256 probing sockets and 2000
** probes (1 - (1 - 257/64512)^2000 = 99.97%) a probe gets through and the
** pair is direct, the probing socket's. */
static void test_birthday(void **state) {
  (void)state;
  for (int on = 0; on < 2; on++) {
    bday_ports = on ? 256 : 0;
    bday_probes = on ? 2000 : 0;
    for (int hard_controls = 0; hard_controls < 2; hard_controls++) {
      setup_world(4, 2, hard_controls, !hard_controls);
      run_until(20000 * MS);
      ice_cand la, ra;
      assert_int_equal(ice_get_state(w.s[0].ice), ICE_CONNECTED);
      assert_int_equal(ice_get_state(w.s[1].ice), ICE_CONNECTED);
      assert_true(ice_selected(w.s[0].ice, &la, &ra));
      const ice_stats *h = ice_get_stats(w.s[0].ice), *e = ice_get_stats(w.s[1].ice);
      print_message("birthday %s, hard side %s: %s; %d sockets, %" PRIu64 " openings, %" PRIu64
                    " probes\n", on ? "on" : "off", hard_controls ? "controlling" : "controlled",
                    la.type == ICE_RELAY || ra.type == ICE_RELAY ? "relay" : "direct",
                    h->bday_sockets, h->bday_sent, e->bday_sent);
      if (!on) {
        assert_true(la.type == ICE_RELAY || ra.type == ICE_RELAY);
        assert_int_equal(h->bday_role, ICE_BDAY_NONE);
        teardown_world();
        continue;
      }
      assert_int_equal(h->bday_role, ICE_BDAY_HARD);
      assert_int_equal(e->bday_role, ICE_BDAY_EASY);
      assert_int_equal(h->bday_sockets, 256);
      assert_true(h->bday_hit);
      assert_true(e->bday_sent > 0 && e->bday_sent < 2000); /* stopped once through */
      assert_true(la.type != ICE_RELAY && ra.type != ICE_RELAY);
      assert_int_not_equal(la.addr.port, PORT); /* a probing socket's pair */
      teardown_world();
    }
  }
  bday_ports = bday_probes = 0;
}

/* RFC 8445 12.1: before a pair is selected, data goes on the best valid
** direct pair. A long grace holds nomination back to show it. */
static void test_data_before_selection(void **state) {
  (void)state;
  grace = 3000 * MS;
  setup_world(0, 1, true, false);
  assert_false(ice_active(w.s[0].ice, NULL, NULL));
  assert_int_equal(ice_send(w.s[0].ice, 0, (const uint8_t *)"x", 1), -1);
  run_until(1000 * MS);
  ice_cand l, r;
  assert_false(ice_selected(w.s[0].ice, NULL, NULL));
  assert_true(ice_active(w.s[0].ice, &l, &r));
  assert_true(l.type != ICE_RELAY && r.type != ICE_RELAY);
  assert_int_equal(ice_send(w.s[0].ice, testnet_now(w.net), (const uint8_t *)"early", 5), 0);
  run_until(testnet_now(w.net) + 200 * MS);
  assert_string_equal(w.s[1].got, "early");
  run_until(testnet_now(w.net) + 5000 * MS);
  assert_true(ice_selected(w.s[0].ice, NULL, NULL));
  const ice_stats *st = ice_get_stats(w.s[0].ice);
  assert_true(st->nominated >= st->first_success + grace);
  grace = 0;
  teardown_world();
}

/* Credentials fixed by the caller, a reflexive address known in advance
** and offered at once. */
static void test_given_credentials(void **state) {
  (void)state;
  ice_cfg ic;
  ice_cfg_defaults(&ic);
  ic.ufrag = "abcdefgh";
  ic.pwd = "0123456789abcdefghijklmn";
  ic.reflexive = addr_v4(pub[0], 4000);
  memset(&w, 0, sizeof w);
  w.net = testnet_new(0, 1024);
  ice_io io = {agent_send, agent_candidate, agent_state, agent_deliver, NULL, &w.s[0]};
  size_t before = mallinfo2().uordblks;
  ice_agent *a = ice_new(&ic, &io);
  /* tables grow with use: 1.1 KB with no candidate yet (4.8 KB with room
  ** for 40 + 40 candidates and 256 triggered checks, 15 KB with 256 pair
  ** slots as well, 99 KB with 128 STUN transaction slots too) */
  size_t held = mallinfo2().uordblks - before;
  print_message("a new agent holds %zu bytes\n", held);
  assert_true(held < 2 * 1024);
  assert_string_equal(ice_ufrag(a), "abcdefgh");
  assert_string_equal(ice_pwd(a), "0123456789abcdefghijklmn");
  addr host = addr_v4(INSIDE, PORT);
  ice_start(a, 0, &host);
  assert_int_equal(testnet_pending(w.net), 2); /* host and the given reflexive, signalled at once */
  ice_cand q[2];
  testnet_take(w.net, &q[0], sizeof q[0]);
  testnet_take(w.net, &q[1], sizeof q[1]);
  assert_int_equal(q[0].type, ICE_HOST);
  assert_int_equal(q[1].type, ICE_SRFLX);
  assert_true(addr_equal(&q[1].addr, &ic.reflexive));
  assert_true(q[1].priority == ice_priority(ICE_SRFLX, 65535));
  ice_free(a);
  testnet_free(w.net);
}

static void test_role_conflict(void **state) {
  (void)state;
  setup_world(0, 1, true, true); /* both think they control */
  run_until(15000 * MS);
  assert_int_equal(ice_get_state(w.s[0].ice), ICE_CONNECTED);
  assert_int_equal(ice_get_state(w.s[1].ice), ICE_CONNECTED);
  assert_true(ice_get_stats(w.s[0].ice)->role_conflicts + ice_get_stats(w.s[1].ice)->role_conflicts > 0);
  teardown_world();
}

/* Both control and each one's first check is lost: the retransmission
** that claims the role an agent has since given up draws a 487, after
** which the agent must take the role opposite to the check's, not toggle
** its current one, and check the pair again at once. Both sides then
** select the same direct pair once a check gets through: the fourth send
** of a check leaves 3.5 s in (RTO 500 ms, doubling). */
static void test_role_conflict_after_loss(void **state) {
  (void)state;
  for (int first = 1; first <= 3; first++) {
    setup_world(0, 0, true, true);
    w.drop_first = first;
    run_until(4000 * MS);
    ice_cand l[2], r[2];
    for (int k = 0; k < 2; k++) {
      if (ice_get_state(w.s[k].ice) != ICE_CONNECTED) fail_msg("%d lost: side %d not connected", first, k);
      assert_true(ice_selected(w.s[k].ice, &l[k], &r[k]));
      assert_int_not_equal(l[k].type, ICE_RELAY);
      assert_int_not_equal(r[k].type, ICE_RELAY);
    }
    assert_true(addr_v4_ip(&r[0].addr) == pub[1] && addr_v4_ip(&r[1].addr) == pub[0]);
    teardown_world();
  }
}

static bool on_relay(int k) {
  ice_cand l, r;
  return ice_selected(w.s[k].ice, &l, &r) && (l.type == ICE_RELAY || r.type == ICE_RELAY);
}

/* No direct path at first: the relayed pair is selected within about a
** second of being valid, checks go on, and when the direct path opens
** (a check retransmitted 3.5 s in gets through) both move to it. */
static void test_relay_then_direct(void **state) {
  (void)state;
  setup_world(0, 0, true, false);
  w.no_direct = true;
  run_until(3000 * MS);
  for (int k = 0; k < 2; k++) {
    assert_int_equal(ice_get_state(w.s[k].ice), ICE_CONNECTED);
    assert_true(on_relay(k));
  }
  assert_true(ice_get_stats(w.s[0].ice)->nominated <= 2000 * MS);
  w.no_direct = false;
  run_until(10000 * MS);
  for (int k = 0; k < 2; k++) {
    if (on_relay(k)) fail_msg("side %d still on the relay", k);
    assert_int_equal(ice_get_stats(w.s[k].ice)->renominated, 1);
  }
  teardown_world();
}

/* Freezing (RFC 8445 6.1.2.6): of two pairs with one foundation only the
** better is checked; the other waits until the first is done (here: it
** fails), while a pair of another foundation is checked at once. */
static void test_freezing(void **state) {
  (void)state;
  setup_world(0, 0, true, false);
  w.blackhole = true;
  run_until(500 * MS);
  uint32_t prio = ice_priority(ICE_SRFLX, 65535);
  ice_cand c[3] = {{ICE_SRFLX, addr_v4(NOWHERE, 1000), prio, 77},
                   {ICE_SRFLX, addr_v4(NOWHERE, 1001), prio - 1, 77},
                   {ICE_SRFLX, addr_v4(NOWHERE, 1002), prio - 2, 78}};
  for (int i = 0; i < 3; i++) ice_add_remote(w.s[0].ice, testnet_now(w.net), &c[i]);
  run_until(3000 * MS);
  assert_true(w.first_to[0] > 0);
  assert_true(w.first_to[2] > 0);
  assert_int_equal(w.first_to[1], 0); /* frozen */
  run_until(60000 * MS);
  assert_true(w.first_to[1] > 10000 * MS); /* once the first had failed */
  teardown_world();
}

static void test_consent_lost(void **state) {
  (void)state;
  setup_world(0, 0, true, false);
  run_until(5000 * MS);
  assert_int_equal(ice_get_state(w.s[0].ice), ICE_CONNECTED);
  w.blackhole = true;
  run_until(testnet_now(w.net) + 20000 * MS);
  assert_int_equal(ice_get_state(w.s[0].ice), ICE_CONNECTED); /* not yet: 30 s */
  run_until(testnet_now(w.net) + 20000 * MS);
  assert_int_equal(ice_get_state(w.s[0].ice), ICE_FAILED);
  teardown_world();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_classic_pair),
      cmocka_unit_test(test_port_prediction),
      cmocka_unit_test(test_birthday),
      cmocka_unit_test(test_data_before_selection),
      cmocka_unit_test(test_given_credentials),
      cmocka_unit_test(test_role_conflict),
      cmocka_unit_test(test_role_conflict_after_loss),
      cmocka_unit_test(test_relay_then_direct),
      cmocka_unit_test(test_freezing),
      cmocka_unit_test(test_consent_lost),
  };
  return cmocka_run_group_tests_name("ice", tests, NULL, NULL);
}
