/* Unit tests for the gateway protocol codec (src/gwproto.c), the gateway's
** authorization rules (src/gateway.c), and reliable ordered delivery
** (src/conn.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "conn.h"
#include "gateway.h"
#include "gwproto.h"

static const uint8_t key_a[GW_KEY_LEN] = "key-of-peer-a..";
static const uint8_t key_b[GW_KEY_LEN] = "key-of-peer-b..";
static const uint8_t key_c[GW_KEY_LEN] = "key-of-peer-c..";

/* --- codec ------------------------------------------------------------------ */

static void round_trip(const gw_frame *in, gw_frame *out, uint8_t *buf) {
  int n = gw_encode(in, key_a, buf, GW_MAX_FRAME + 64);
  assert_true(n > 0);
  assert_int_equal(gw_decode(buf, (size_t)n, out), GW_OK);
  assert_int_equal(gw_verify(buf, (size_t)n, key_a), GW_OK);
  assert_int_equal(gw_verify(buf, (size_t)n, key_b), GW_EAUTH);
  assert_int_equal(out->type, in->type);
}

static void test_codec_round_trip(void **state) {
  (void)state;
  uint8_t buf[GW_MAX_FRAME + 64];
  gw_frame f = {.type = GW_SESSION, .session = 0x1122334455667788ULL, .target = 42,
                .punch_delay_ms = 100, .initiator = 1}, g;
  addr_parse("198.51.100.7:40000", &f.observed);
  memcpy(f.key, key_c, GW_KEY_LEN);
  round_trip(&f, &g, buf);
  assert_true(g.session == f.session);
  assert_int_equal(g.target, 42);
  assert_true(addr_equal(&g.observed, &f.observed));
  assert_memory_equal(g.key, key_c, GW_KEY_LEN);
  assert_int_equal(g.initiator, 1);
  f = (gw_frame){.type = GW_RELAY, .session = 9, .peer = 7, .payload = (const uint8_t *)"hello",
                 .payload_len = 5};
  round_trip(&f, &g, buf);
  assert_int_equal(g.payload_len, 5);
  assert_memory_equal(g.payload, "hello", 5);
  f = (gw_frame){.type = GW_CONNECT, .peer = 1, .counter = 77, .target = 2};
  round_trip(&f, &g, buf);
  assert_true(g.counter == 77);
  f = (gw_frame){.type = GW_REGISTERED, .peer = 3};
  addr_parse("[2001:db8::5]:9", &f.observed);
  round_trip(&f, &g, buf);
  assert_true(addr_equal(&g.observed, &f.observed));
  f = (gw_frame){.type = GW_REPORT, .peer = 3, .counter = 5, .session = 8, .outcome = GW_OUT_DIRECT};
  round_trip(&f, &g, buf);
  assert_int_equal(g.outcome, GW_OUT_DIRECT);
  f = (gw_frame){.type = GW_CANDIDATE, .session = 5, .peer = 2, .cand_type = 3,
                 .cand_priority = 1234, .cand_addr = addr_v4(0x01020304, 99)};
  strcpy(f.ufrag, "abcd");
  strcpy(f.pwd, "0123456789abcdefghijkl");
  round_trip(&f, &g, buf);
  assert_string_equal(g.ufrag, "abcd");
  assert_string_equal(g.pwd, "0123456789abcdefghijkl");
  assert_int_equal(g.cand_type, 3);
  assert_int_equal(g.cand_priority, 1234);
  assert_true(addr_equal(&g.cand_addr, &f.cand_addr));
  for (int t = GW_REGISTER; t <= GW_CANDIDATE; t++) assert_string_not_equal(gw_type_name(t), "?");
}

static void test_codec_malformed(void **state) {
  (void)state;
  uint8_t buf[GW_MAX_FRAME + 64];
  gw_frame f = {.type = GW_PUNCH, .session = 1, .peer = 2, .attempt = 3}, g;
  int n = gw_encode(&f, key_a, buf, sizeof buf);
  assert_int_equal(gw_decode(buf, 5, &g), GW_ETRUNC);
  assert_int_equal(gw_decode(buf, (size_t)n - 1, &g), GW_ETRUNC);
  buf[n] = 0;
  assert_int_equal(gw_decode(buf, (size_t)n + 1, &g), GW_EVALUE);
  buf[0] = 'X';
  assert_int_equal(gw_decode(buf, (size_t)n, &g), GW_EMAGIC);
  buf[0] = 'N';
  buf[3] = 99;
  assert_int_equal(gw_decode(buf, (size_t)n, &g), GW_ETYPE);
  buf[3] = GW_PUNCH;
  buf[10] ^= 1; /* any flipped bit breaks the tag */
  assert_int_equal(gw_decode(buf, (size_t)n, &g), GW_OK);
  assert_int_equal(gw_verify(buf, (size_t)n, key_a), GW_EAUTH);
  /* A body shorter than its type needs. */
  gw_frame r = {.type = GW_REGISTER, .peer = 1, .counter = 1};
  n = gw_encode(&r, key_a, buf, sizeof buf);
  buf[5] = 4; /* claims a 4-byte body */
  assert_int_not_equal(gw_decode(buf, (size_t)(GW_HEADER + 4 + GW_TAG_LEN), &g), GW_OK);
  /* An address family that does not exist. */
  gw_frame reg = {.type = GW_REGISTERED, .peer = 1, .observed = addr_v4(1, 2)};
  n = gw_encode(&reg, key_a, buf, sizeof buf);
  buf[GW_HEADER + 4] = 5;
  assert_int_equal(gw_decode(buf, (size_t)n, &g), GW_EVALUE);
  assert_int_equal(gw_encode(&f, key_a, buf, 10), GW_ENOSPACE);
}

/* --- the gateway -------------------------------------------------------------- */

typedef struct sent { addr to; uint8_t data[GW_MAX_FRAME + 64]; size_t len; } sent;
static sent outbox[16];
static int nout;

static void gw_out(void *ctx, const addr *to, const uint8_t *data, size_t len) {
  (void)ctx;
  if (nout < 16) {
    outbox[nout].to = *to;
    memcpy(outbox[nout].data, data, len);
    outbox[nout].len = len;
  }
  nout++;
}

static gateway gw;
static addr at_a, at_b, at_c;

static void deliver(uint32_t peer, const uint8_t *key, const addr *from, gw_frame f) {
  uint8_t buf[GW_MAX_FRAME + 64];
  f.peer = peer;
  int n = gw_encode(&f, key, buf, sizeof buf);
  assert_true(n > 0);
  gateway_recv(&gw, 0, from, buf, (size_t)n);
}

static int setup(void **state) {
  (void)state;
  gateway_io io = {gw_out, NULL};
  gateway_init(&gw, 1, 100, &io);
  gateway_add_peer(&gw, 1, key_a);
  gateway_add_peer(&gw, 2, key_b);
  gateway_add_peer(&gw, 3, key_c);
  addr_parse("198.51.100.1:5000", &at_a);
  addr_parse("198.51.100.2:6000", &at_b);
  addr_parse("198.51.100.3:7000", &at_c);
  nout = 0;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  gateway_free(&gw);
  return 0;
}

static gw_frame last(const uint8_t *key) {
  gw_frame f;
  assert_true(nout > 0);
  assert_int_equal(gw_decode(outbox[nout - 1].data, outbox[nout - 1].len, &f), GW_OK);
  assert_int_equal(gw_verify(outbox[nout - 1].data, outbox[nout - 1].len, key), GW_OK);
  return f;
}

static void register_all(void) {
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_REGISTER, .counter = 1});
  deliver(2, key_b, &at_b, (gw_frame){.type = GW_REGISTER, .counter = 1});
  deliver(3, key_c, &at_c, (gw_frame){.type = GW_REGISTER, .counter = 1});
}

/* Both members derive the same credentials for each side; sides and
** sessions differ; the spelling is what ICE accepts. */
static void test_ice_credentials(void **state) {
  (void)state;
  uint8_t k1[GW_KEY_LEN] = {1}, k2[GW_KEY_LEN] = {2};
  char u1[9], p1[25], u2[9], p2[25], u3[9], p3[25];
  assert_int_equal(gw_ice_credentials(k1, 7, u1, p1), 0);
  assert_int_equal(gw_ice_credentials(k1, 7, u2, p2), 0);
  assert_string_equal(u1, u2);
  assert_string_equal(p1, p2);
  assert_int_equal(strlen(u1), 8);
  assert_int_equal(strlen(p1), 24);
  assert_int_equal(strspn(p1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"), 24);
  assert_int_equal(gw_ice_credentials(k1, 8, u2, p2), 0);
  assert_int_equal(gw_ice_credentials(k2, 7, u3, p3), 0);
  assert_string_not_equal(p1, p2);
  assert_string_not_equal(p1, p3);
  assert_string_not_equal(u1, u3);
}

static void test_register_and_reflect(void **state) {
  (void)state;
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_REGISTER, .counter = 1});
  gw_frame f = last(key_a);
  assert_int_equal(f.type, GW_REGISTERED);
  assert_true(addr_equal(&f.observed, &at_a));
  assert_true(addr_equal(&outbox[0].to, &at_a));
  /* A keepalive from a new address (the NAT rebound) is reflected too. */
  addr moved;
  addr_parse("198.51.100.1:5999", &moved);
  deliver(1, key_a, &moved, (gw_frame){.type = GW_KEEPALIVE, .counter = 2});
  f = last(key_a);
  assert_true(addr_equal(&f.observed, &moved));
  assert_int_equal(gw.stats.keepalives, 1);
}

static void test_authorization(void **state) {
  (void)state;
  /* Unknown peer, wrong key: dropped, nothing sent. */
  deliver(9, key_a, &at_a, (gw_frame){.type = GW_REGISTER, .counter = 1});
  deliver(1, key_b, &at_a, (gw_frame){.type = GW_REGISTER, .counter = 1});
  assert_int_equal(nout, 0);
  assert_int_equal(gw.stats.dropped_auth, 2);
  /* Not registered: CONNECT and RELAY are refused with an error. */
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .counter = 1, .target = 2});
  assert_int_equal(last(key_a).type, GW_ERROR);
  assert_int_equal(last(key_a).code, GW_E_UNREGISTERED);
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_RELAY, .session = 1});
  assert_int_equal(gw.stats.dropped_unregistered, 2);
  /* Replays: a counter that does not increase. */
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_REGISTER, .counter = 5});
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_KEEPALIVE, .counter = 5});
  assert_int_equal(gw.stats.dropped_replay, 1);
  /* Garbage. */
  gateway_recv(&gw, 0, &at_a, (const uint8_t *)"NG\x01", 3);
  assert_int_equal(gw.stats.dropped_malformed, 1);
}

static void test_sessions_and_relay(void **state) {
  (void)state;
  register_all();
  nout = 0;
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .counter = 2, .target = 2});
  assert_int_equal(nout, 2);
  gw_frame sa, sb;
  assert_int_equal(gw_decode(outbox[0].data, outbox[0].len, &sa), GW_OK);
  assert_int_equal(gw_verify(outbox[0].data, outbox[0].len, key_a), GW_OK);
  assert_int_equal(gw_decode(outbox[1].data, outbox[1].len, &sb), GW_OK);
  assert_int_equal(gw_verify(outbox[1].data, outbox[1].len, key_b), GW_OK);
  assert_true(sa.session == sb.session);
  assert_memory_equal(sa.key, sb.key, GW_KEY_LEN);
  assert_true(addr_equal(&sa.observed, &at_b) && addr_equal(&sb.observed, &at_a));
  assert_int_equal(sa.initiator, 1);
  assert_int_equal(sb.initiator, 0);
  /* A repeated CONNECT announces the same session. */
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .counter = 3, .target = 2});
  assert_true(last(key_b).session == sa.session);
  assert_int_equal(gw.stats.sessions, 1);
  /* Relay: from a member to the other only, tagged with the receiver's key. */
  nout = 0;
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_RELAY, .session = sa.session,
                                      .payload = (const uint8_t *)"x", .payload_len = 1});
  assert_int_equal(nout, 1);
  assert_true(addr_equal(&outbox[0].to, &at_b));
  gw_frame r = last(key_b);
  assert_int_equal(r.peer, 1);
  assert_int_equal(gateway_session_bytes(&gw, sa.session), 1);
  /* Peer 3 is registered but not in the session: nothing goes anywhere. */
  nout = 0;
  deliver(3, key_c, &at_c, (gw_frame){.type = GW_RELAY, .session = sa.session,
                                      .payload = (const uint8_t *)"y", .payload_len = 1});
  assert_int_equal(nout, 0);
  assert_int_equal(gw.stats.dropped_not_member, 1);
  /* An unknown session or target: an error back. */
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_RELAY, .session = 12345});
  assert_int_equal(last(key_a).code, GW_E_NO_SESSION);
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .counter = 4, .target = 99});
  assert_int_equal(last(key_a).code, GW_E_UNKNOWN_PEER);
  deliver(2, key_b, &at_b, (gw_frame){.type = GW_REPORT, .counter = 2, .session = sa.session,
                                      .outcome = GW_OUT_DIRECT});
  assert_int_equal(gw.stats.reports_direct, 1);
}

/* Capabilities declared at REGISTER reach the other member in SESSION;
** values with unknown bits do not decode. */
static void test_capabilities(void **state) {
  (void)state;
  uint8_t buf[GW_MAX_FRAME + 64];
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_REGISTER, .counter = 1, .caps = 0});
  deliver(2, key_b, &at_b,
          (gw_frame){.type = GW_REGISTER, .counter = 1, .caps = GW_CAP_PUNCH | GW_CAP_ICE});
  nout = 0;
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .counter = 2, .target = 2});
  assert_int_equal(nout, 2);
  gw_frame sa, sb;
  assert_int_equal(gw_decode(outbox[0].data, outbox[0].len, &sa), GW_OK);
  assert_int_equal(gw_decode(outbox[1].data, outbox[1].len, &sb), GW_OK);
  assert_int_equal(sa.caps, GW_CAP_PUNCH | GW_CAP_ICE);
  assert_int_equal(sb.caps, 0);
  gw_frame bad = {.type = GW_REGISTER, .peer = 1, .counter = 3, .caps = 8};
  int n = gw_encode(&bad, key_a, buf, sizeof buf);
  assert_true(n > 0);
  gw_frame out;
  assert_int_equal(gw_decode(buf, (size_t)n, &out), GW_EVALUE);
  bad = (gw_frame){.type = GW_SESSION, .session = 1, .caps = GW_CAP_ALL + 1};
  n = gw_encode(&bad, key_a, buf, sizeof buf);
  assert_int_equal(gw_decode(buf, (size_t)n, &out), GW_EVALUE);
}

/* --- conn ----------------------------------------------------------------- */

typedef struct wire { uint8_t frames[64][CONN_MAX_MESSAGE + 16]; size_t lens[64]; int n; } wire;
static wire to_b, to_a;
static char got[64][8];
static int ngot;

static void emit_b(void *ctx, const uint8_t *f, size_t len, bool re) {
  (void)ctx, (void)re;
  memcpy(to_b.frames[to_b.n], f, len);
  to_b.lens[to_b.n++] = len;
}
static void emit_a(void *ctx, const uint8_t *f, size_t len, bool re) {
  (void)ctx, (void)re;
  memcpy(to_a.frames[to_a.n], f, len);
  to_a.lens[to_a.n++] = len;
}
static void take(void *ctx, const uint8_t *m, size_t len) {
  (void)ctx;
  memcpy(got[ngot], m, len);
  got[ngot++][len] = '\0';
}

static void test_conn_order_and_loss(void **state) {
  (void)state;
  conn a, b;
  conn_init(&a, 1000);
  conn_init(&b, 1000);
  to_b.n = to_a.n = ngot = 0;
  const char *msgs[4] = {"m1", "m2", "m3", "m4"};
  for (int i = 0; i < 4; i++) conn_send(&a, 0, (const uint8_t *)msgs[i], 2, emit_b, NULL);
  /* Deliver 4, 2, (1 lost), 2 again, 3: nothing until 1 arrives. */
  conn_recv(&b, 10, to_b.frames[3], to_b.lens[3], take, emit_a, NULL);
  conn_recv(&b, 10, to_b.frames[1], to_b.lens[1], take, emit_a, NULL);
  conn_recv(&b, 10, to_b.frames[1], to_b.lens[1], take, emit_a, NULL);
  conn_recv(&b, 10, to_b.frames[2], to_b.lens[2], take, emit_a, NULL);
  assert_int_equal(ngot, 0);
  assert_int_equal(b.stats.duplicates, 1);
  for (int i = 0; i < to_a.n; i++) conn_recv(&a, 20, to_a.frames[i], to_a.lens[i], take, emit_b, NULL);
  assert_int_equal(conn_unacked(&a), 4); /* acks say 0 delivered in order */
  /* The RTO passes: all four go again; 1 now arrives. */
  to_b.n = 0;
  conn_tick(&a, 1000, emit_b, NULL);
  assert_int_equal(to_b.n, 4);
  assert_int_equal(a.stats.retransmitted, 4);
  conn_recv(&b, 1010, to_b.frames[0], to_b.lens[0], take, emit_a, NULL);
  assert_int_equal(ngot, 4);
  for (int i = 0; i < 4; i++) assert_string_equal(got[i], msgs[i]);
  to_a.n = 0;
  conn_recv(&b, 1010, to_b.frames[1], to_b.lens[1], take, emit_a, NULL); /* late repeat */
  assert_int_equal(ngot, 4);
  conn_recv(&a, 1020, to_a.frames[0], to_a.lens[0], take, emit_b, NULL);
  assert_int_equal(conn_unacked(&a), 0);
  assert_int_equal(conn_deadline(&a), INT64_MAX);
  /* Malformed frames are refused. */
  assert_int_equal(conn_recv(&b, 0, (const uint8_t *)"\x03\0\0\0\1", 5, take, emit_a, NULL), -1);
  assert_int_equal(conn_recv(&a, 0, (const uint8_t *)"\x02\0\0\0\x09\0\0\0\x09", 9, take, emit_b, NULL), -1);
  conn_free(&a);
  conn_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_codec_round_trip),
      cmocka_unit_test(test_codec_malformed),
      cmocka_unit_test(test_ice_credentials),
      cmocka_unit_test_setup_teardown(test_register_and_reflect, setup, teardown),
      cmocka_unit_test_setup_teardown(test_authorization, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sessions_and_relay, setup, teardown),
      cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
      cmocka_unit_test(test_conn_order_and_loss),
  };
  return cmocka_run_group_tests_name("gateway", tests, NULL, NULL);
}
