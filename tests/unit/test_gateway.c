/* Unit tests for the gateway protocol codec (src/gwproto.c: frames, sealed
** session keys, replay windows), the gateway's authorization rules
** (src/gateway.c: counters, epochs, the relay), and reliable ordered
** delivery (src/conn.c). */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "conn.h"
#include "gateway.h"
#include "gwproto.h"
#include "peer.h"

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
  gw_frame f = {.type = GW_SESSION, .counter = 3, .session = 0x1122334455667788ULL,
                .target = 42, .punch_delay_ms = 100, .initiator = 1}, g;
  addr_parse("198.51.100.7:40000", &f.observed);
  memset(f.nonce, 7, GW_NONCE_LEN);
  memset(f.sealed, 9, GW_SEALED_LEN);
  round_trip(&f, &g, buf);
  assert_true(g.session == f.session);
  assert_int_equal(g.target, 42);
  assert_true(addr_equal(&g.observed, &f.observed));
  assert_memory_equal(g.nonce, f.nonce, GW_NONCE_LEN);
  assert_memory_equal(g.sealed, f.sealed, GW_SEALED_LEN);
  assert_int_equal(g.initiator, 1);
  f = (gw_frame){.type = GW_RELAY, .counter = 1, .session = 9, .peer = 7,
                 .payload = (const uint8_t *)"hello", .payload_len = 5};
  round_trip(&f, &g, buf);
  assert_int_equal(g.payload_len, 5);
  assert_memory_equal(g.payload, "hello", 5);
  f = (gw_frame){.type = GW_CONNECT, .peer = 1, .counter = 77, .target = 2};
  round_trip(&f, &g, buf);
  assert_true(g.counter == 77);
  f = (gw_frame){.type = GW_REGISTER, .peer = 1, .counter = 2, .epoch = 0x0102030405060708ULL};
  round_trip(&f, &g, buf);
  assert_true(g.epoch == f.epoch);
  f = (gw_frame){.type = GW_REGISTERED, .counter = 1, .peer = 3};
  addr_parse("[2001:db8::5]:9", &f.observed);
  round_trip(&f, &g, buf);
  assert_true(addr_equal(&g.observed, &f.observed));
  f = (gw_frame){.type = GW_REPORT, .peer = 3, .counter = 5, .session = 8, .outcome = GW_OUT_DIRECT};
  round_trip(&f, &g, buf);
  assert_int_equal(g.outcome, GW_OUT_DIRECT);
  f = (gw_frame){.type = GW_CANDIDATE, .counter = 1, .session = 5, .peer = 2, .cand_type = 3,
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
  gw_frame f = {.type = GW_PUNCH, .counter = 1, .session = 1, .peer = 2, .attempt = 3}, g;
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
  gw_frame r = {.type = GW_REGISTER, .peer = 1, .counter = 1, .epoch = 1};
  n = gw_encode(&r, key_a, buf, sizeof buf);
  buf[5] = 4; /* claims a 4-byte body */
  assert_int_not_equal(gw_decode(buf, (size_t)(GW_HEADER + 4 + GW_TAG_LEN), &g), GW_OK);
  /* An address family that does not exist. */
  gw_frame reg = {.type = GW_REGISTERED, .counter = 1, .peer = 1, .observed = addr_v4(1, 2)};
  n = gw_encode(&reg, key_a, buf, sizeof buf);
  buf[GW_HEADER + 4] = 5;
  assert_int_equal(gw_decode(buf, (size_t)n, &g), GW_EVALUE);
  /* Counters start at 1, epochs too. */
  reg.counter = 0;
  n = gw_encode(&reg, key_a, buf, sizeof buf);
  assert_int_equal(gw_decode(buf, (size_t)n, &g), GW_EVALUE);
  r.epoch = 0;
  n = gw_encode(&r, key_a, buf, sizeof buf);
  assert_int_equal(gw_decode(buf, (size_t)n, &g), GW_EVALUE);
  assert_int_equal(gw_encode(&f, key_a, buf, 10), GW_ENOSPACE);
}

/* Counters above the highest, or within the window and unseen, are fresh;
** each once. */
static void test_window(void **state) {
  (void)state;
  gw_window w = {0};
  assert_false(gw_window_fresh(&w, 0));
  assert_true(gw_window_fresh(&w, 5));
  gw_window_accept(&w, 5);
  assert_false(gw_window_fresh(&w, 5));
  assert_true(gw_window_fresh(&w, 3)); /* late, within the window */
  gw_window_accept(&w, 3);
  assert_false(gw_window_fresh(&w, 3));
  assert_true(gw_window_fresh(&w, 4));
  gw_window_accept(&w, 100);
  assert_false(gw_window_fresh(&w, 5));
  assert_false(gw_window_fresh(&w, 100 - GW_WINDOW - 1)); /* below the window */
  assert_true(gw_window_fresh(&w, 100 - GW_WINDOW));
  assert_true(gw_window_fresh(&w, 99));
  gw_window_accept(&w, 99);
  gw_window_accept(&w, 100 + GW_WINDOW); /* 100 stays recorded at the window's edge */
  assert_false(gw_window_fresh(&w, 100));
  assert_true(gw_window_fresh(&w, 101));
  gw_window_accept(&w, 1000);
  assert_false(gw_window_fresh(&w, 100 + GW_WINDOW));
}

/* A sealed key opens only with the same key, nonce, session and peers,
** and its bytes do not show the key. */
static void test_sealed_key(void **state) {
  (void)state;
  uint8_t seal[GW_KEY_LEN], nonce[GW_NONCE_LEN] = {1, 2, 3}, sealed[GW_SEALED_LEN];
  uint8_t out[GW_KEY_LEN];
  assert_int_equal(gw_derive_key(key_a, "seal", 1, seal), 0);
  assert_int_equal(gw_seal_key(seal, nonce, 77, 1, 2, key_c, sealed), GW_OK);
  assert_int_equal(gw_open_key(seal, nonce, 77, 1, 2, sealed, out), GW_OK);
  assert_memory_equal(out, key_c, GW_KEY_LEN);
  assert_null(memmem(sealed, sizeof sealed, key_c, 4));
  assert_int_equal(gw_open_key(seal, nonce, 78, 1, 2, sealed, out), GW_EAUTH);
  assert_int_equal(gw_open_key(seal, nonce, 77, 2, 1, sealed, out), GW_EAUTH);
  assert_int_equal(gw_open_key(seal, nonce, 77, 1, 3, sealed, out), GW_EAUTH);
  nonce[0] ^= 1;
  assert_int_equal(gw_open_key(seal, nonce, 77, 1, 2, sealed, out), GW_EAUTH);
  nonce[0] ^= 1;
  sealed[20] ^= 1;
  assert_int_equal(gw_open_key(seal, nonce, 77, 1, 2, sealed, out), GW_EAUTH);
  uint8_t other[GW_KEY_LEN];
  assert_int_equal(gw_derive_key(key_a, "seal", 2, other), 0);
  assert_memory_not_equal(other, seal, GW_KEY_LEN);
  assert_int_equal(gw_derive_key(key_a, "tag ", 1, other), 0);
  assert_memory_not_equal(other, seal, GW_KEY_LEN);
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
static uint64_t counters[10]; /* each test peer's last counter */
static uint8_t last_wire[2048];    /* the last frame delivered */
static size_t wire_len;

/* The key of `epoch` for frames after REGISTER. */
static const uint8_t *epoch_key(const uint8_t *key, uint64_t epoch) {
  static uint8_t k[GW_KEY_LEN];
  assert_int_equal(gw_derive_key(key, "tag ", epoch, k), 0);
  return k;
}

/* Delivers f from peer `id`: REGISTER (epoch 1 unless set) under key, the
** rest under epoch 1's key; the counter is the peer's next unless set. */
static void deliver(uint32_t id, const uint8_t *key, const addr *from, gw_frame f) {
  f.peer = id;
  if (!f.counter) f.counter = ++counters[id % 10];
  if (f.type == GW_REGISTER && !f.epoch) f.epoch = 1;
  const uint8_t *k = f.type == GW_REGISTER ? key : epoch_key(key, 1);
  int n = gw_encode(&f, k, last_wire, sizeof last_wire);
  assert_true(n > 0);
  wire_len = (size_t)n;
  gateway_recv(&gw, 0, from, last_wire, wire_len);
}

static int setup(void **state) {
  (void)state;
  gateway_io io = {gw_out, NULL};
  secrets src;
  secrets_seeded(&src, 1, GATEWAY_STREAM);
  gateway_init(&gw, &src, 100, &io);
  gateway_add_peer(&gw, 1, key_a);
  gateway_add_peer(&gw, 2, key_b);
  gateway_add_peer(&gw, 3, key_c);
  addr_parse("198.51.100.1:5000", &at_a);
  addr_parse("198.51.100.2:6000", &at_b);
  addr_parse("198.51.100.3:7000", &at_c);
  nout = 0;
  memset(counters, 0, sizeof counters);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  gateway_free(&gw);
  return 0;
}

/* The i-th frame sent, checked under key's epoch-1 key. */
static gw_frame sent_frame(int i, const uint8_t *key) {
  gw_frame f;
  assert_true(i >= 0 && i < nout);
  assert_int_equal(gw_decode(outbox[i].data, outbox[i].len, &f), GW_OK);
  assert_int_equal(gw_verify(outbox[i].data, outbox[i].len, epoch_key(key, 1)), GW_OK);
  return f;
}

static gw_frame last(const uint8_t *key) { return sent_frame(nout - 1, key); }

static void register_all(void) {
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_REGISTER});
  deliver(2, key_b, &at_b, (gw_frame){.type = GW_REGISTER});
  deliver(3, key_c, &at_c, (gw_frame){.type = GW_REGISTER});
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
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_REGISTER});
  gw_frame f = last(key_a);
  assert_int_equal(f.type, GW_REGISTERED);
  assert_true(f.counter == 1);
  assert_true(addr_equal(&f.observed, &at_a));
  assert_true(addr_equal(&outbox[0].to, &at_a));
  /* A keepalive from a new address (the NAT rebound) is reflected too. */
  addr moved;
  addr_parse("198.51.100.1:5999", &moved);
  deliver(1, key_a, &moved, (gw_frame){.type = GW_KEEPALIVE});
  f = last(key_a);
  assert_true(f.counter == 2);
  assert_true(addr_equal(&f.observed, &moved));
  assert_int_equal(gw.stats.keepalives, 1);
}

static void test_authorization(void **state) {
  (void)state;
  /* Unknown peer, wrong key: dropped, nothing sent. */
  deliver(9, key_a, &at_a, (gw_frame){.type = GW_REGISTER});
  deliver(1, key_b, &at_a, (gw_frame){.type = GW_REGISTER});
  assert_int_equal(nout, 0);
  assert_int_equal(gw.stats.dropped_auth, 2);
  /* Not registered: CONNECT and RELAY are dropped unanswered. */
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .target = 2});
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_RELAY, .session = 1});
  assert_int_equal(nout, 0);
  assert_int_equal(gw.stats.dropped_unregistered, 2);
  /* Replays: a counter seen before. */
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_REGISTER, .counter = 5});
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_KEEPALIVE, .counter = 5});
  assert_int_equal(gw.stats.dropped_replay, 1);
  /* A KEEPALIVE under the registration key instead of the epoch's. */
  gw_frame k = {.type = GW_KEEPALIVE, .counter = 6, .peer = 1};
  uint8_t buf[GW_MAX_FRAME];
  int n = gw_encode(&k, key_a, buf, sizeof buf);
  gateway_recv(&gw, 0, &at_a, buf, (size_t)n);
  assert_int_equal(gw.stats.dropped_auth, 3);
  /* Garbage. */
  gateway_recv(&gw, 0, &at_a, (const uint8_t *)"NG\x01", 3);
  assert_int_equal(gw.stats.dropped_malformed, 1);
}

/* The session key of a SESSION frame sent to `me`, opened. */
static void open_session(const gw_frame *f, const uint8_t *key, uint32_t me,
                         uint8_t out[GW_KEY_LEN]) {
  uint8_t seal[GW_KEY_LEN];
  assert_int_equal(gw_derive_key(key, "seal", 1, seal), 0);
  assert_int_equal(gw_open_key(seal, f->nonce, f->session, me, f->target, f->sealed, out), GW_OK);
}

static void test_sessions_and_relay(void **state) {
  (void)state;
  register_all();
  nout = 0;
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .target = 2});
  assert_int_equal(nout, 2);
  gw_frame sa = sent_frame(0, key_a), sb = sent_frame(1, key_b);
  assert_true(sa.session == sb.session);
  uint8_t ka[GW_KEY_LEN], kb[GW_KEY_LEN];
  open_session(&sa, key_a, 1, ka);
  open_session(&sb, key_b, 2, kb);
  assert_memory_equal(ka, kb, GW_KEY_LEN);
  assert_null(memmem(outbox[0].data, outbox[0].len, ka, 4)); /* not in clear */
  assert_memory_not_equal(sa.nonce, sb.nonce, GW_NONCE_LEN);
  assert_true(addr_equal(&sa.observed, &at_b) && addr_equal(&sb.observed, &at_a));
  assert_int_equal(sa.initiator, 1);
  assert_int_equal(sb.initiator, 0);
  /* A repeated CONNECT announces the same session. */
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .target = 2});
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
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .target = 99});
  assert_int_equal(last(key_a).code, GW_E_UNKNOWN_PEER);
  deliver(2, key_b, &at_b, (gw_frame){.type = GW_REPORT, .session = sa.session,
                                      .outcome = GW_OUT_DIRECT});
  assert_int_equal(gw.stats.reports_direct, 1);
}

/* The last frame delivered, as captured on the path: its length. */
static size_t capture(uint8_t out[2048]) {
  memcpy(out, last_wire, wire_len);
  return wire_len;
}

/* The last frame delivered, sent again from an attacker's address: the
** gateway sends nothing for it. */
static void replay_last(void) {
  uint8_t captured[2048];
  size_t captured_len = capture(captured);
  addr attacker;
  addr_parse("203.0.113.66:4444", &attacker);
  nout = 0;
  gateway_recv(&gw, 0, &attacker, captured, captured_len);
  assert_int_equal(nout, 0);
}

/* A captured RELAY or CANDIDATE sent again, from anywhere, is dropped and
** counted, and does not move its sender: the other's frames still go to
** the sender's real address. */
static void test_relay_replay(void **state) {
  (void)state;
  register_all();
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .target = 2});
  uint64_t session = last(key_b).session;
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_RELAY, .session = session,
                                      .payload = (const uint8_t *)"x", .payload_len = 1});
  replay_last();
  assert_int_equal(gw.stats.dropped_replay, 1);
  gw_frame cand = {.type = GW_CANDIDATE, .session = session, .cand_type = 1,
                   .cand_addr = addr_v4(0x01020304, 9)};
  deliver(1, key_a, &at_a, cand);
  replay_last();
  assert_int_equal(gw.stats.dropped_replay, 2);
  deliver(2, key_b, &at_b, (gw_frame){.type = GW_RELAY, .session = session,
                                      .payload = (const uint8_t *)"y", .payload_len = 1});
  assert_int_equal(nout, 1);
  assert_true(addr_equal(&outbox[0].to, &at_a));
  assert_int_equal(gateway_session_bytes(&gw, session), 2);
}

/* A restarted peer (a later epoch, counters from 1) registers at once; an
** old REGISTER sent again is a replay, and frames of the old epoch no
** longer verify. */
static void test_epoch(void **state) {
  (void)state;
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_REGISTER});
  for (int i = 0; i < 20; i++) deliver(1, key_a, &at_a, (gw_frame){.type = GW_KEEPALIVE});
  uint8_t old_register[2048];
  gw_frame reg = {.type = GW_REGISTER, .peer = 1, .counter = 1, .epoch = 1};
  int old_len = gw_encode(&reg, key_a, old_register, sizeof old_register);
  uint8_t old_keepalive[2048];
  size_t old_keepalive_len = capture(old_keepalive);
  /* restarted: epoch 2, counter 1 */
  addr moved;
  addr_parse("198.51.100.1:6001", &moved);
  nout = 0;
  reg.epoch = 2;
  int n = gw_encode(&reg, key_a, last_wire, sizeof last_wire);
  gateway_recv(&gw, 0, &moved, last_wire, (size_t)n);
  assert_int_equal(nout, 1);
  gw_frame f;
  assert_int_equal(gw_decode(outbox[0].data, outbox[0].len, &f), GW_OK);
  assert_int_equal(gw_verify(outbox[0].data, outbox[0].len, epoch_key(key_a, 2)), GW_OK);
  assert_int_equal(f.type, GW_REGISTERED);
  assert_true(f.counter == 1); /* our counter toward it starts again */
  assert_true(addr_equal(&f.observed, &moved));
  assert_int_equal(gw.stats.registrations, 2);
  /* the old epoch's frames: replays and forgeries now */
  nout = 0;
  gateway_recv(&gw, 0, &at_a, old_register, (size_t)old_len);
  assert_int_equal(gw.stats.dropped_replay, 1);
  gateway_recv(&gw, 0, &at_a, old_keepalive, old_keepalive_len);
  assert_int_equal(gw.stats.dropped_auth, 1);
  assert_int_equal(nout, 0);
  /* and the new epoch goes on */
  gw_frame k = {.type = GW_KEEPALIVE, .peer = 1, .counter = 2};
  n = gw_encode(&k, epoch_key(key_a, 2), last_wire, sizeof last_wire);
  gateway_recv(&gw, 0, &moved, last_wire, (size_t)n);
  assert_int_equal(nout, 1);
  assert_true(addr_equal(&outbox[0].to, &moved));
}

/* A relayed frame too long to be sent on is counted as failed, and its
** bytes are not counted as relayed. */
static void test_relay_too_long(void **state) {
  (void)state;
  register_all();
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_CONNECT, .target = 2});
  uint64_t session = last(key_b).session;
  static uint8_t big[GW_MAX_FRAME + 100];
  nout = 0;
  deliver(1, key_a, &at_a, (gw_frame){.type = GW_RELAY, .session = session, .payload = big,
                                      .payload_len = sizeof big});
  assert_int_equal(nout, 0);
  assert_int_equal(gw.stats.relay_failed, 1);
  assert_int_equal(gw.stats.relayed_bytes, 0);
  assert_int_equal(gateway_session_bytes(&gw, session), 0);
}

/* --- a peer's side ------------------------------------------------------------ */

static addr gw_addr, from_x, from_y;
static int sent_to_y, sessions_up;

static void peer_out(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  (void)ctx, (void)d, (void)n;
  if (addr_equal(to, &from_y)) sent_to_y++;
}
static void peer_event(void *ctx, uint32_t other, enum peer_event ev) {
  (void)ctx, (void)other;
  if (ev == PEER_SESSION) sessions_up++;
}
static void peer_deliver(void *ctx, uint32_t from, const uint8_t *m, size_t n) {
  (void)ctx, (void)from, (void)m, (void)n;
}

/* f from the gateway to peer 1 (epoch 1), with the given counter. */
static void from_gateway(peer *p, gw_frame f, uint64_t counter) {
  uint8_t buf[GW_MAX_FRAME + 64];
  f.counter = counter;
  int n = gw_encode(&f, epoch_key(key_a, 1), buf, sizeof buf);
  assert_true(n > 0);
  peer_recv(p, 0, &gw_addr, buf, (size_t)n);
}

/* SESSION 77 with peer 2 for peer 1, its key (key_c) sealed for `receiver`. */
static gw_frame session_for(uint32_t receiver) {
  gw_frame f = {.type = GW_SESSION, .session = 77, .target = 2, .punch_delay_ms = 1000,
                .nonce = {5}};
  uint8_t seal[GW_KEY_LEN];
  assert_int_equal(gw_derive_key(receiver == 1 ? key_a : key_b, "seal", 1, seal), 0);
  assert_int_equal(gw_seal_key(seal, f.nonce, 77, receiver, 2, key_c, f.sealed), GW_OK);
  return f;
}

/* A peer takes a session only with a key sealed for it, and answers a
** PUNCH once: the same PUNCH replayed from elsewhere gets nothing. */
static void test_peer_replays(void **state) {
  (void)state;
  addr_parse("203.0.113.1:3478", &gw_addr);
  addr_parse("198.51.100.9:9000", &from_x);
  addr_parse("203.0.113.66:4444", &from_y);
  sent_to_y = sessions_up = 0;
  peer_cfg pc = peer_cfg_default();
  pc.id = 1;
  pc.punch = true;
  memcpy(pc.key, key_a, GW_KEY_LEN);
  pc.gateway = gw_addr;
  peer_io io = {.send = peer_out, .deliver = peer_deliver, .event = peer_event};
  peer *p = peer_new(&pc, &io);
  assert_non_null(p);
  peer_start(p, 0);
  from_gateway(p, (gw_frame){.type = GW_REGISTERED, .peer = 1, .observed = at_a}, 1);
  assert_true(peer_registered(p));
  from_gateway(p, session_for(2), 2); /* sealed for someone else */
  assert_int_equal(sessions_up, 0);
  from_gateway(p, session_for(1), 3);
  assert_int_equal(sessions_up, 1);
  gw_frame punch = {.type = GW_PUNCH, .counter = 1, .session = 77, .peer = 2, .attempt = 1};
  uint8_t buf[GW_MAX_FRAME + 64];
  int n = gw_encode(&punch, key_c, buf, sizeof buf);
  peer_recv(p, 0, &from_x, buf, (size_t)n);
  peer_recv(p, 0, &from_y, buf, (size_t)n);
  assert_int_equal(sent_to_y, 0);
  punch.counter = 2; /* a fresh one from there is answered */
  n = gw_encode(&punch, key_c, buf, sizeof buf);
  peer_recv(p, 0, &from_y, buf, (size_t)n);
  assert_true(sent_to_y > 0);
  peer_free(p);
  assert_null(peer_new(&(peer_cfg){.epoch = 0}, &io));
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
  gw_frame bad = {.type = GW_REGISTER, .peer = 1, .counter = 3, .epoch = 1, .caps = 8};
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
      cmocka_unit_test(test_window),
      cmocka_unit_test(test_sealed_key),
      cmocka_unit_test(test_ice_credentials),
      cmocka_unit_test_setup_teardown(test_register_and_reflect, setup, teardown),
      cmocka_unit_test_setup_teardown(test_authorization, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sessions_and_relay, setup, teardown),
      cmocka_unit_test_setup_teardown(test_relay_replay, setup, teardown),
      cmocka_unit_test_setup_teardown(test_epoch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_relay_too_long, setup, teardown),
      cmocka_unit_test_setup_teardown(test_peer_replays, setup, teardown),
      cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
      cmocka_unit_test(test_conn_order_and_loss),
  };
  return cmocka_run_group_tests_name("gateway", tests, NULL, NULL);
}
