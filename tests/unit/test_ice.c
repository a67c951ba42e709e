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
#include <stdio.h>
#include <string.h>

#include "ice.h"
#include "nat.h"
#include "stun_server.h"
#include "turn_server.h"

#define MS 1000000LL
#define INSIDE 0xC0A80102u
#define PORT 4000
#define STUN_IP 0xCB007101u /* 203.0.113.1 */
#define TURN_IP 0xCB007102u /* 203.0.113.2 */
#define STUN2_IP 0xCB007103u /* 203.0.113.3: a second STUN server */
static const uint32_t pub[2] = {0x0A000001u, 0x0A000101u};

enum kind { DATAGRAM, SIGNAL };
typedef struct item {
  int64_t t;
  enum kind kind;
  addr src, dst;
  int to_agent; /* SIGNAL */
  ice_cand cand;
  uint8_t data[1500];
  size_t len;
} item;

typedef struct side {
  nat *nat;
  ice_agent *ice;
  int state_events[4];
  char got[64];
  int nsocks; /* opened for birthday probing */
} side;

static struct {
  int64_t now;
  item q[1024];
  int nq;
  side s[2];
  stun_server stun, stun2;
  turn_server *turn;
  bool blackhole; /* drop everything between the agents */
} w;

static void push_datagram(addr src, addr dst, const uint8_t *d, size_t n) {
  assert_true(w.nq < 1024);
  item *it = &w.q[w.nq++];
  *it = (item){.t = w.now + 10 * MS, .kind = DATAGRAM, .src = src, .dst = dst, .len = n};
  memcpy(it->data, d, n);
}

/* Socket i of an agent is INSIDE:(PORT + i). */
static void agent_send(void *ctx, int sock, const addr *to, const uint8_t *d, size_t n) {
  side *s = ctx;
  nat_flow f = {INSIDE, addr_v4_ip(to), (uint16_t)(PORT + sock), to->port};
  if (nat_outbound(s->nat, w.now, &f) == NAT_OK)
    push_datagram(addr_v4(f.src_ip, f.src_port), *to, d, n);
}

static void agent_candidate(void *ctx, const ice_cand *c) {
  int other = ctx == &w.s[0] ? 1 : 0;
  item *it = &w.q[w.nq++];
  *it = (item){.t = w.now + 30 * MS, .kind = SIGNAL, .to_agent = other, .cand = *c};
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

static void turn_to_client(void *ctx, const addr *c, const uint8_t *d, size_t n) {
  (void)ctx;
  push_datagram(addr_v4(TURN_IP, 3478), *c, d, n);
}
static void turn_to_peer(void *ctx, const addr *relayed, const addr *peer, const uint8_t *d,
                         size_t n) {
  (void)ctx;
  push_datagram(*relayed, *peer, d, n);
}

static void deliver(const item *it) {
  if (it->kind == SIGNAL) {
    ice_add_remote(w.s[it->to_agent].ice, w.now, &it->cand);
    return;
  }
  uint32_t ip = addr_v4_ip(&it->dst);
  if (ip == STUN_IP || ip == STUN2_IP) {
    uint8_t out[1280];
    int sock;
    addr to;
    size_t n = stun_server_handle(ip == STUN_IP ? &w.stun : &w.stun2, 0, &it->src, it->data,
                                  it->len, out, sizeof out, &sock, &to);
    if (n) push_datagram(it->dst, to, out, n);
  } else if (ip == TURN_IP && it->dst.port == 3478) {
    turn_server_recv(w.turn, w.now, &it->src, it->data, it->len);
  } else if (ip == TURN_IP) {
    turn_server_recv_relay(w.turn, w.now, &it->dst, &it->src, it->data, it->len);
  } else {
    for (int k = 0; k < 2; k++) {
      if (ip != pub[k]) continue;
      bool between = addr_v4_ip(&it->src) == pub[!k] || addr_v4_ip(&it->src) == TURN_IP;
      if (w.blackhole && between) return;
      nat_flow f = {addr_v4_ip(&it->src), ip, it->src.port, it->dst.port};
      if (nat_inbound(w.s[k].nat, w.now, &f) != NAT_OK || f.dst_port < PORT ||
          f.dst_port > PORT + w.s[k].nsocks)
        return;
      if (!ice_recv_on(w.s[k].ice, w.now, f.dst_port - PORT, &it->src, it->data, it->len))
        agent_deliver(&w.s[k], &it->src, it->data, it->len); /* direct app data */
    }
  }
}

static void run_until(int64_t end) {
  for (;;) {
    int first = -1;
    for (int i = 0; i < w.nq; i++)
      if (first < 0 || w.q[i].t < w.q[first].t) first = i;
    int64_t t = first >= 0 ? w.q[first].t : INT64_MAX;
    int who = -1;
    for (int k = 0; k < 2; k++) {
      int64_t d = ice_deadline(w.s[k].ice);
      if (d < t) t = d, who = k;
    }
    if (t > end) break;
    w.now = t;
    if (who >= 0) {
      ice_tick(w.s[who].ice, t);
    } else {
      item it = w.q[first];
      w.q[first] = w.q[--w.nq];
      deliver(&it);
    }
  }
  w.now = end;
}

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
  addr stun_addr = addr_v4(STUN_IP, 3478), stun2_addr = addr_v4(STUN2_IP, 3478);
  stun_server_init(&w.stun, &stun_addr, NULL);
  stun_server_init(&w.stun2, &stun2_addr, NULL);
  turn_server_cfg tc = {.realm = "natsim", .relay = addr_v4(TURN_IP, 0), .port_min = 50000,
                        .port_max = 50999, .nonce_lifetime = 3600000 * MS, .seed = 1};
  turn_server_io tio = {turn_to_client, turn_to_peer, NULL, NULL, NULL};
  w.turn = turn_server_new(&tc, &tio);
  turn_server_add_user(w.turn, "ice", "pass");
  for (int k = 0; k < 2; k++) {
    nat_config c = model(k == 0 ? ma : mb);
    w.s[k].nat = nat_new(&c, pub[k], (uint64_t)k + 1);
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
      ice_send(w.s[0].ice, w.now, (const uint8_t *)"ping", 4);
      ice_send(w.s[1].ice, w.now, (const uint8_t *)"pong", 4);
      run_until(w.now + 500 * MS);
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
  assert_int_equal(ice_send(w.s[0].ice, w.now, (const uint8_t *)"early", 5), 0);
  run_until(w.now + 200 * MS);
  assert_string_equal(w.s[1].got, "early");
  run_until(w.now + 5000 * MS);
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
  ice_io io = {agent_send, agent_candidate, agent_state, agent_deliver, NULL, &w.s[0]};
  ice_agent *a = ice_new(&ic, &io);
  assert_string_equal(ice_ufrag(a), "abcdefgh");
  assert_string_equal(ice_pwd(a), "0123456789abcdefghijklmn");
  addr host = addr_v4(INSIDE, PORT);
  ice_start(a, 0, &host);
  assert_int_equal(w.nq, 2); /* host and the given reflexive, signalled at once */
  assert_int_equal(w.q[0].cand.type, ICE_HOST);
  assert_int_equal(w.q[1].cand.type, ICE_SRFLX);
  assert_true(addr_equal(&w.q[1].cand.addr, &ic.reflexive));
  assert_true(w.q[1].cand.priority == ice_priority(ICE_SRFLX, 65535));
  ice_free(a);
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

static void test_consent_lost(void **state) {
  (void)state;
  setup_world(0, 0, true, false);
  run_until(5000 * MS);
  assert_int_equal(ice_get_state(w.s[0].ice), ICE_CONNECTED);
  w.blackhole = true;
  run_until(w.now + 20000 * MS);
  assert_int_equal(ice_get_state(w.s[0].ice), ICE_CONNECTED); /* not yet: 30 s */
  run_until(w.now + 20000 * MS);
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
      cmocka_unit_test(test_consent_lost),
  };
  return cmocka_run_group_tests_name("ice", tests, NULL, NULL);
}
