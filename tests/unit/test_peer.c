/* Unit tests for peers (src/peer.c): registration, sessions, the relay,
** punching and the move to the direct path, over a tiny in-memory network:
** two peers behind NAT engines, a gateway, a fake clock. Also the
** feasibility oracle (nat/feasible.c) for the classic NAT pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "feasible.h"
#include "gateway.h"
#include "nat.h"
#include "peer.h"
#include "pki.h"
#include "testnet.h"

#define MS 1000000LL
#define INSIDE 0xC0A80102u
#define PUB_A 0x0A000001u
#define PUB_B 0x0A000101u
#define GW_IP 0xC633640Au
#define STUN_IP 0xCB007101u  /* 203.0.113.1 */
#define STUN2_IP 0xCB007103u /* 203.0.113.3: a second STUN server */
#define PORT 4000

#define DELAY (10 * MS) /* one way, between any two public addresses */

typedef struct net {
  testnet *tn;
  nat *nat_a, *nat_b;
  testnet_host *host_a, *host_b;
  peer *a, *b;
  gateway gw;
  int drop_sessions_to_b; /* lose this many SESSION frames to b */
  bool drop_acks_to_b;    /* lose every PUNCH_ACK a sends */
  int64_t drop_candidates_to_b; /* lose CANDIDATEs to b for this long after the first */
  int64_t first_candidate_to_b;
  testnet_stun stun, stun2;
  int received_a, received_b, events[2][5];
  bool out_of_order;
} net;

static net n;
static int tag_a, tag_b; /* the io ctx of each peer, to tell them apart */

static void send_a(void *ctx, const addr *to, const uint8_t *d, size_t len) {
  (void)ctx;
  gw_frame f;
  if (n.drop_acks_to_b && gw_decode(d, len, &f) == GW_OK && f.type == GW_PUNCH_ACK) return;
  testnet_send_from(n.tn, n.host_a, PORT, to, DELAY, d, len);
}
static void send_b(void *ctx, const addr *to, const uint8_t *d, size_t len) {
  (void)ctx;
  testnet_send_from(n.tn, n.host_b, PORT, to, DELAY, d, len);
}
/* Whether the gateway loses this CANDIDATE to b (drop_candidates_to_b). */
static bool lose_candidate(const gw_frame *f) {
  if (!n.drop_candidates_to_b || f->type != GW_CANDIDATE) return false;
  if (!n.first_candidate_to_b) n.first_candidate_to_b = testnet_now(n.tn);
  return testnet_now(n.tn) < n.first_candidate_to_b + n.drop_candidates_to_b;
}

static void send_gw(void *ctx, const addr *to, const uint8_t *d, size_t len) {
  (void)ctx;
  gw_frame f;
  bool to_b = addr_v4_ip(to) == PUB_B && gw_decode(d, len, &f) == GW_OK;
  if (to_b && n.drop_sessions_to_b && f.type == GW_SESSION) {
    n.drop_sessions_to_b--;
    return;
  }
  if (to_b && lose_candidate(&f)) return;
  addr gw = addr_v4(GW_IP, 7000);
  testnet_send(n.tn, &gw, to, DELAY, d, len);
}

static void gw_recv(void *ctx, int64_t now, const addr *from, const addr *to, const uint8_t *d,
                    size_t len) {
  (void)ctx;
  (void)to;
  gateway_recv(&n.gw, now, from, d, len);
}

/* A datagram through a peer's NAT reaches it on its port; ctx: &n.a or &n.b. */
static void peer_in(void *ctx, int64_t now, const addr *from, const addr *to, const uint8_t *d,
                    size_t len) {
  peer **p = ctx;
  if (to->port == PORT) peer_recv(*p, now, from, d, len);
}

static int64_t peer_next(void *ctx) { return peer_deadline(*(peer **)ctx); }
static void peer_due(void *ctx, int64_t now) { peer_tick(*(peer **)ctx, now); }

static void on_deliver(void *ctx, uint32_t from, const uint8_t *m, size_t len) {
  int *count = ctx == &tag_a ? &n.received_a : &n.received_b;
  (void)from;
  char want[16];
  snprintf(want, sizeof want, "msg %d", *count);
  if (len != strlen(want) || memcmp(m, want, len) != 0) n.out_of_order = true;
  (*count)++;
}
static void on_event(void *ctx, uint32_t other, enum peer_event ev) {
  (void)other;
  n.events[ctx == &tag_a ? 0 : 1][ev]++;
}

/* Runs the clock to `until`, delivering packets and ticking peers. */
static void run(int64_t until) { testnet_run_until(n.tn, until); }

static nat_config cone(enum nat_mapping m, enum nat_mapping f) {
  nat_config c = {.mapping = m, .filtering = f, .alloc = NAT_PRESERVE, .stride = 1,
                  .port_min = 1024, .port_max = 65535, .lifetime_ns = 120000 * MS};
  return c;
}

/* QUIC for setup_net, when set: the CA and each peer's certificate. */
static struct {
  pki_ca *ca;
  gnutls_certificate_credentials_t trust; /* both peers' */
  pki_cert *cert[2];
  enum peer_upgrade upgrade;
} q;

/* setup_net: peer b relays only (a v0.7 peer), whatever a does. */
static bool b_relay_only;
/* setup_net: ICE (v0.9) with two STUN servers and port prediction over
** this many ports; 0: no ICE. */
static int ice_predict;

/* Two STUN servers, and ICE with port prediction in pc. */
static void ice_on(peer_cfg *pc) {
  addr stun_addr = addr_v4(STUN_IP, 3478), stun2_addr = addr_v4(STUN2_IP, 3478);
  testnet_add_stun(n.tn, &n.stun, STUN_IP, DELAY);
  testnet_add_stun(n.tn, &n.stun2, STUN2_IP, DELAY);
  pc->ice = true;
  pc->local = addr_v4(INSIDE, PORT);
  pc->agent.stun = stun_addr;
  pc->agent.stun2 = stun2_addr;
  pc->agent.predict = ice_predict;
}

static void setup_net(const nat_config *ca, const nat_config *cb, bool punch) {
  memset(&n, 0, sizeof n);
  n.tn = testnet_new(0, 512);
  n.nat_a = nat_new(ca, PUB_A, 1);
  n.nat_b = nat_new(cb, PUB_B, 2);
  testnet_host_cfg ha = {.ip = INSIDE, .nat = n.nat_a, .recv = peer_in, .ctx = &n.a};
  testnet_host_cfg hb = {.ip = INSIDE, .nat = n.nat_b, .recv = peer_in, .ctx = &n.b};
  n.host_a = testnet_add_host(n.tn, &ha);
  n.host_b = testnet_add_host(n.tn, &hb);
  testnet_add_host(n.tn, &(testnet_host_cfg){.ip = GW_IP, .recv = gw_recv});
  testnet_add_timer(n.tn, peer_next, peer_due, &n.a);
  testnet_add_timer(n.tn, peer_next, peer_due, &n.b);
  gateway_io gio = {send_gw, NULL};
  secrets src;
  secrets_seeded(&src, 1, GATEWAY_STREAM);
  gateway_init(&n.gw, &src, 100, &gio);
  peer_cfg pc = peer_cfg_default();
  pc.gateway = addr_v4(GW_IP, 7000);
  pc.punch = punch;
  pc.upgrade = q.upgrade;
  pc.quic = q.trust;
  pc.quic_cert = q.cert[0];
  if (ice_predict) ice_on(&pc);
  pc.id = 1;
  memset(pc.key, 'a', GW_KEY_LEN);
  gateway_add_peer(&n.gw, 1, pc.key);
  peer_io ia = {.send = send_a, .deliver = on_deliver, .event = on_event, .ctx = &tag_a};
  n.a = peer_new(&pc, &ia);
  pc.id = 2;
  pc.quic_cert = q.cert[1];
  if (b_relay_only) pc.punch = false;
  memset(pc.key, 'b', GW_KEY_LEN);
  gateway_add_peer(&n.gw, 2, pc.key);
  peer_io ib = {.send = send_b, .deliver = on_deliver, .event = on_event, .ctx = &tag_b};
  n.b = peer_new(&pc, &ib);
}

static void teardown_net(void) {
  peer_free(n.a);
  peer_free(n.b);
  gateway_free(&n.gw);
  nat_free(n.nat_a);
  nat_free(n.nat_b);
  testnet_free(n.tn);
}

/* Registers both, connects a to b, and sends 20 messages each way, one
** every 50 ms, a's first at once. */
static void exchange(void) {
  peer_start(n.a, 0);
  peer_start(n.b, 0);
  run(200 * MS);
  assert_true(peer_registered(n.a) && peer_registered(n.b));
  assert_int_equal(peer_connect(n.a, testnet_now(n.tn), 2), 0);
  assert_int_equal(peer_connect(n.a, testnet_now(n.tn), 2), -1);
  char msg[16];
  int b_sent = 0;
  for (int i = 0; i < 20; i++) {
    snprintf(msg, sizeof msg, "msg %d", i);
    assert_int_equal(peer_send(n.a, testnet_now(n.tn), 2, (const uint8_t *)msg, strlen(msg)), 0);
    run(testnet_now(n.tn) + 50 * MS);
    if (i < 2) continue; /* b's session is up by now */
    snprintf(msg, sizeof msg, "msg %d", b_sent++);
    assert_int_equal(peer_send(n.b, testnet_now(n.tn), 1, (const uint8_t *)msg, strlen(msg)), 0);
  }
  while (b_sent < 20) {
    snprintf(msg, sizeof msg, "msg %d", b_sent++);
    peer_send(n.b, testnet_now(n.tn), 1, (const uint8_t *)msg, strlen(msg));
  }
  run(testnet_now(n.tn) + 5000 * MS);
  assert_int_equal(n.received_b, 20);
  assert_int_equal(n.received_a, 20);
  assert_false(n.out_of_order);
}

/* The session of peer 1 with 2 (ia) and of 2 with 1 (ib); both must exist. */
static void both_sessions(peer_session_info *ia, peer_session_info *ib) {
  assert_int_equal(peer_session(n.a, 2, ia), 0);
  assert_int_equal(peer_session(n.b, 1, ib), 0);
}

static void test_punch_and_upgrade(void **state) {
  (void)state;
  nat_config c = cone(NAT_EI, NAT_APD);
  setup_net(&c, &c, true);
  exchange();
  peer_session_info ia, ib;
  both_sessions(&ia, &ib);
  assert_true(ia.direct && ib.direct);
  assert_int_equal(n.events[0][PEER_DIRECT], 1);
  assert_int_equal(n.events[1][PEER_DIRECT], 1);
  /* The first messages went relayed, the rest direct. */
  assert_true(ia.bytes_relayed > 0 && ia.bytes_direct > ia.bytes_relayed);
  assert_int_equal(n.gw.stats.reports_direct, 2);
  teardown_net();
}

/* Every answer to b's punches is lost, but a's punches are answered, so a
** sends direct: authenticated data on the direct path moves b there too. */
static void test_direct_data_confirms_path(void **state) {
  (void)state;
  nat_config c = cone(NAT_EI, NAT_APD);
  setup_net(&c, &c, true);
  n.drop_acks_to_b = true;
  exchange();
  peer_session_info ia, ib;
  both_sessions(&ia, &ib);
  assert_true(ia.direct && ib.direct);
  assert_int_equal(n.events[1][PEER_DIRECT], 1);
  assert_true(ib.bytes_direct > ib.bytes_relayed);
  assert_int_equal(n.gw.stats.reports_direct, 2);
  teardown_net();
}

static void test_punch_fails_stays_relayed(void **state) {
  (void)state;
  nat_config sym = cone(NAT_APD, NAT_APD), prc = cone(NAT_EI, NAT_APD);
  sym.alloc = NAT_SEQUENTIAL;
  setup_net(&sym, &prc, true);
  exchange();
  peer_session_info ia;
  peer_session(n.a, 2, &ia);
  assert_false(ia.direct);
  assert_int_equal(ia.bytes_direct, 0);
  assert_int_equal(n.events[0][PEER_PUNCH_FAILED], 1);
  assert_int_equal(n.gw.stats.reports_relayed, 2);
  teardown_net();
}

/* A peer keeps tables that grow with use: 568 bytes new (5 KB with 16
** early-candidate slots inline). */
static void test_new_peer_small(void **state) {
  (void)state;
  peer_cfg pc = peer_cfg_default();
  pc.id = 1;
  memset(pc.key, 'a', GW_KEY_LEN);
  peer_io io = {.send = send_a, .deliver = on_deliver, .event = on_event, .ctx = &tag_a};
  size_t before = mallinfo2().uordblks;
  peer *p = peer_new(&pc, &io);
  assert_non_null(p);
  assert_true(mallinfo2().uordblks - before < 1024);
  peer_free(p);
}

static void test_relay_only_strategy(void **state) {
  (void)state;
  nat_config c = cone(NAT_EI, NAT_EI);
  setup_net(&c, &c, false);
  exchange();
  peer_session_info ia;
  peer_session(n.a, 2, &ia);
  assert_false(ia.direct);
  assert_false(ia.punching);
  assert_int_equal(n.events[0][PEER_DIRECT], 0);
  teardown_net();
}

/* A punching peer with one that only relays: the gateway passes on b's
** capabilities, so a never punches and every message still arrives. */
static void test_mixed_versions_relay(void **state) {
  (void)state;
  nat_config c = cone(NAT_EI, NAT_EI);
  b_relay_only = true;
  setup_net(&c, &c, true);
  exchange();
  b_relay_only = false;
  peer_session_info ia, ib;
  both_sessions(&ia, &ib);
  assert_false(ia.direct || ib.direct);
  assert_false(ia.punching);
  assert_int_equal(ia.probes, 0);
  assert_int_equal(ia.bytes_direct + ib.bytes_direct, 0);
  assert_int_equal(n.events[0][PEER_DIRECT], 0);
  teardown_net();
}

static void test_lost_session_announcement(void **state) {
  (void)state;
  nat_config c = cone(NAT_EI, NAT_AD);
  setup_net(&c, &c, true);
  n.drop_sessions_to_b = 1;
  exchange();
  peer_session_info ib;
  assert_int_equal(peer_session(n.b, 1, &ib), 0);
  assert_true(ib.up);
  assert_int_equal(n.gw.stats.sessions, 1);
  teardown_net();
}

/* Certificates for peers 1 and 2, and the upgrade setup_net gives them. */
static void quic_on(enum peer_upgrade upgrade) {
  char err[200];
  q.ca = pki_ca_new("natsim test CA", err, sizeof err);
  assert_non_null(q.ca);
  q.trust = pki_trust(q.ca, err, sizeof err);
  assert_non_null(q.trust);
  for (uint32_t i = 0; i < 2; i++) {
    q.cert[i] = pki_issue(q.ca, i + 1, err, sizeof err);
    assert_non_null(q.cert[i]);
  }
  q.upgrade = upgrade;
}

static void quic_off(void) {
  for (int i = 0; i < 2; i++) pki_cert_free(q.cert[i]);
  if (q.trust) gnutls_certificate_free_credentials(q.trust);
  pki_ca_free(q.ca);
  memset(&q, 0, sizeof q);
}

/* Each side has received messages 0 .. count-1, once each and in order. */
static void all_arrived(int count) {
  assert_int_equal(n.received_a, count);
  assert_int_equal(n.received_b, count);
  assert_false(n.out_of_order);
}

/* Sends "msg first" .. "msg first+count-1" each way, one every 50 ms. */
static void more_messages(int first, int count) {
  char msg[16];
  for (int i = first; i < first + count; i++) {
    snprintf(msg, sizeof msg, "msg %d", i);
    assert_int_equal(peer_send(n.a, testnet_now(n.tn), 2, (const uint8_t *)msg, strlen(msg)), 0);
    assert_int_equal(peer_send(n.b, testnet_now(n.tn), 1, (const uint8_t *)msg, strlen(msg)), 0);
    run(testnet_now(n.tn) + 50 * MS);
  }
}

/* b's SESSION announcement is lost, so a's QUIC Initial reaches b before
** b knows the session: b keeps it and hands it to QUIC once the gateway has
** announced the session again, and the handshake completes at once rather
** than after a's Initial is sent again (a probe timeout: about a second). */
static void test_early_relayed_packet_kept(void **state) {
  (void)state;
  nat_config c = cone(NAT_EI, NAT_APD);
  quic_on(PEER_MIGRATE);
  setup_net(&c, &c, true);
  n.drop_sessions_to_b = 1;
  exchange();
  peer_session_info ia, ib;
  both_sessions(&ia, &ib);
  assert_true(ia.quic_up && ib.quic_up);
  print_message("handshake after a lost SESSION: %.0f ms\n", (double)ia.handshake / 1e6);
  assert_true(ia.handshake > 0 && ia.handshake < 300 * MS);
  teardown_net();
  quic_off();
}

/* Two port-restricted cones punch and exchange() over QUIC with `upgrade`:
** both sessions must end direct. */
static void punched_quic(enum peer_upgrade upgrade, peer_session_info *ia, peer_session_info *ib) {
  nat_config c = cone(NAT_EI, NAT_APD);
  quic_on(upgrade);
  setup_net(&c, &c, true);
  exchange();
  both_sessions(ia, ib);
  assert_true(ia->quic_up && ib->quic_up);
  assert_true(ia->direct && ib->direct);
}

/* Switching beneath QUIC: packets take the punched path as soon as there
** is one, with no migration; when that path dies each side goes back to
** the relay, and every message arrives once and in order. */
static void test_switch_direct_then_relay(void **state) {
  (void)state;
  peer_session_info ia, ib;
  punched_quic(PEER_SWITCH, &ia, &ib);
  assert_int_equal(ia.migrations, 0);
  assert_true(ia.first_direct >= 0 && ib.first_direct >= 0);
  assert_true(ia.bytes_direct > ia.bytes_relayed && ib.bytes_direct > ib.bytes_relayed);
  uint64_t relayed_a = ia.bytes_relayed, relayed_b = ib.bytes_relayed;
  nat_block(n.nat_a, PUB_B); /* the direct path dies; the gateway still answers */
  more_messages(20, 20);
  run(testnet_now(n.tn) + 10000 * MS);
  all_arrived(40);
  assert_int_equal(peer_session(n.a, 2, &ia), 0);
  assert_int_equal(peer_session(n.b, 1, &ib), 0);
  assert_true(ia.fell_back && ib.fell_back);
  assert_false(ia.direct || ib.direct);
  assert_int_equal(ia.migrations, 0);
  assert_true(ia.bytes_relayed > relayed_a && ib.bytes_relayed > relayed_b);
  assert_true(ia.lost + ib.lost > 0); /* what the dead path swallowed was sent again */
  teardown_net();
  quic_off();
}

/* The same pair punching at once: with migration the connection moves
** only once its handshake is confirmed, when switching as soon as the
** punch is answered, so sooner. */
static void test_migrate_waits_for_confirmation(void **state) {
  (void)state;
  nat_config c = cone(NAT_EI, NAT_APD);
  int64_t first[2];
  for (int k = 0; k < 2; k++) {
    quic_on(k == 0 ? PEER_SWITCH : PEER_MIGRATE);
    setup_net(&c, &c, true);
    n.gw.punch_delay_ms = 0;
    exchange();
    peer_session_info ia;
    assert_int_equal(peer_session(n.a, 2, &ia), 0);
    assert_true(ia.direct);
    assert_int_equal(ia.migrations, k);
    first[k] = ia.first_direct;
    teardown_net();
    quic_off();
  }
  assert_true(first[0] < first[1]);
}

/* With migration, a punched path that stalls sends the session back to the
** relay; PUNCHes go on probing it, and once one is answered (the path
** lives again) the client migrates back. */
static void test_migrate_returns_when_path_answers(void **state) {
  (void)state;
  peer_session_info ia, ib;
  punched_quic(PEER_MIGRATE, &ia, &ib);
  nat_block(n.nat_a, PUB_B); /* the direct path dies for a while */
  more_messages(20, 20);
  run(testnet_now(n.tn) + 3000 * MS);
  assert_int_equal(peer_session(n.a, 2, &ia), 0);
  assert_true(ia.fell_back);
  assert_false(ia.direct);
  int moves = ia.migrations;
  nat_block(n.nat_a, 0); /* and lives again */
  run(testnet_now(n.tn) + 6000 * MS);
  more_messages(40, 10);
  run(testnet_now(n.tn) + 2000 * MS);
  all_arrived(50);
  both_sessions(&ia, &ib);
  assert_false(ia.fell_back);
  assert_true(ia.direct && ib.direct);
  assert_true(ia.migrations > moves);
  teardown_net();
  quic_off();
}

/* ICE between a symmetric NAT and a port-restricted cone works only
** through a predicted port of the symmetric side, trickled through the
** gateway. Here the first three copies of every candidate to b are lost:
** a keeps sending its candidates, less and less often, while ICE has no
** direct pair, and the late ones still open the path. */
static void test_candidates_resent_while_no_direct_pair(void **state) {
  (void)state;
  nat_config sym = cone(NAT_APD, NAT_APD), prc = cone(NAT_EI, NAT_APD);
  sym.alloc = NAT_SEQUENTIAL;
  ice_predict = 8;
  setup_net(&sym, &prc, false);
  n.drop_candidates_to_b = 500 * MS; /* a candidate's sends: at 0, 100 and 300 ms */
  exchange();
  peer_session_info ia, ib;
  both_sessions(&ia, &ib);
  assert_true(ia.direct && ib.direct);
  assert_false(ia.turn || ib.turn);
  teardown_net();
  ice_predict = 0;
}

static void test_feasibility_oracle(void **state) {
  (void)state;
  nat_config full = cone(NAT_EI, NAT_EI), rc = cone(NAT_EI, NAT_AD),
             prc = cone(NAT_EI, NAT_APD), sym = cone(NAT_APD, NAT_APD),
             cgn = cone(NAT_EI, NAT_APD);
  sym.alloc = NAT_SEQUENTIAL;
  cgn.alloc = NAT_RANDOM;
  const nat_config *k[4] = {&full, &rc, &prc, &sym};
  /* Rows and columns: full cone, restricted, port-restricted, symmetric. */
  const bool want[4][4] = {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 0}, {1, 1, 0, 0}};
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 4; j++) {
      nat_chain a = {{k[i]}, 1, false}, b = {{k[j]}, 1, false};
      if (feasible_punch(&a, &b) != want[i][j]) fail_msg("pair %d %d", i, j);
    }
  }
  nat_chain behind_cgn = {{&prc, &cgn}, 2, false}, s = {{&sym}, 1, false},
            f = {{&full}, 1, false};
  assert_true(feasible_punch(&behind_cgn, &behind_cgn));
  assert_true(feasible_punch(&behind_cgn, &f));
  assert_false(feasible_punch(&behind_cgn, &s));
  /* Prediction: a port-preserving NAT outside a sequential one keeps its
  ** ports, so the chain stays predictable; a random one outside does not. */
  nat_chain sym_then_cone = {{&sym, &prc}, 2, false}, sym_then_cgn = {{&sym, &cgn}, 2, false};
  nat_chain p = {{&prc}, 1, false};
  assert_true(feasible_predict(&s, &p));
  assert_true(feasible_predict(&p, &sym_then_cone));
  assert_false(feasible_predict(&p, &sym_then_cgn));
  assert_false(feasible_predict(&p, &p));
  /* PCP opens a symmetric NAT to everyone, but only as the only NAT */
  nat_chain s_pcp = {{&sym}, 1, true}, cgn_pcp = {{&prc, &cgn}, 2, true};
  assert_false(feasible_pcp(&s, &s));
  assert_true(feasible_pcp(&s_pcp, &s));
  assert_true(feasible_pcp(&s, &s_pcp));
  assert_false(feasible_pcp(&cgn_pcp, &s));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_punch_and_upgrade),
      cmocka_unit_test(test_direct_data_confirms_path),
      cmocka_unit_test(test_punch_fails_stays_relayed),
      cmocka_unit_test(test_relay_only_strategy),
      cmocka_unit_test(test_new_peer_small),
      cmocka_unit_test(test_mixed_versions_relay),
      cmocka_unit_test(test_lost_session_announcement),
      cmocka_unit_test(test_feasibility_oracle),
      cmocka_unit_test(test_switch_direct_then_relay),
      cmocka_unit_test(test_migrate_waits_for_confirmation),
      cmocka_unit_test(test_early_relayed_packet_kept),
      cmocka_unit_test(test_migrate_returns_when_path_answers),
      cmocka_unit_test(test_candidates_resent_while_no_direct_pair),
  };
  return cmocka_run_group_tests_name("peer", tests, NULL, NULL);
}
