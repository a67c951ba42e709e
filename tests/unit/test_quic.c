/* Unit tests for QUIC (src/quic.c) and the scenario PKI (src/pki.c): a
** client and a server joined by two in-memory paths with their own delays,
** a fake clock. Handshake, messages both ways, migration to the second path
** in the middle of a transfer and right after the handshake with the
** server's challenges lost, the fall back when that path dies, and
** certificates that must be refused. quic.c is compiled in, not linked,
** so that a test can reach a connection's ngtcp2_conn (quic.h keeps it
** private) and send what natsim's own QUIC never sends. */
/* First: cmocka defines a macro fail(), and quic.c a function. */
#include "quic.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "testnet.h"

#define MS 1000000LL
#define NMSG 200
#define HOST_IP 0x0A000001u /* the client's; the server's is the next */

typedef struct end {
  quic *q;
  int got;          /* messages delivered */
  size_t last_len;  /* of the last one */
  bool bad;         /* one out of order or damaged */
} end;

typedef struct net {
  testnet *tn;
  int64_t delay[QUIC_PATHS];
  bool dead[QUIC_PATHS]; /* drops everything */
  int64_t full_lost_until[2][QUIC_PATHS]; /* drops a side's 1200-byte datagrams until then */
  end e[2];              /* 0: client, 1: server */
  uint64_t sent[QUIC_PATHS];
} net;

static net N;
static size_t heap_at_new;    /* heap in use just before the two quic_new */
static size_t server_at_new; /* ... and what the server's quic_new took of it */

/* Heap bytes in use (glibc). */
static size_t heap_used(void) { return mallinfo2().uordblks; }

static int64_t now_ns(void);

/* Side k's address on a path: HOST_IP + k, the path as its port. */
static addr at(int k, int path) { return addr_v4(HOST_IP + (uint32_t)k, (uint16_t)path); }

static void send_from(int from, int path, const uint8_t *d, size_t len) {
  N.sent[path]++;
  if (N.dead[path]) return;
  if (len >= 1200 && now_ns() < N.full_lost_until[from][path]) return;
  addr src = at(from, path);
  addr dst = at(1 - from, path);
  testnet_send(N.tn, &src, &dst, N.delay[path], d, len);
}

static void end_recv(void *ctx, int64_t now, const addr *from, const addr *to,
                     const uint8_t *d, size_t len) {
  end *e = ctx;
  (void)from;
  quic_recv(e->q, now, to->port, d, len);
}

static int64_t end_deadline(void *ctx) {
  end *e = ctx;
  return e->q ? quic_deadline(e->q) : INT64_MAX;
}

static void end_tick(void *ctx, int64_t now) { quic_tick(((end *)ctx)->q, now); }

static void send_c(void *ctx, int path, const uint8_t *d, size_t len, size_t app) {
  (void)ctx, (void)app;
  send_from(0, path, d, len);
}
static void send_s(void *ctx, int path, const uint8_t *d, size_t len, size_t app) {
  (void)ctx, (void)app;
  send_from(1, path, d, len);
}

/* Message i of a side: 4 bytes of index, then bytes that depend on it. */
static size_t make_msg(int i, uint8_t *m) {
  size_t len = 100 + (size_t)(i * 37) % 900;
  for (size_t k = 0; k < len; k++) m[k] = (uint8_t)(i * 131 + k * 7);
  m[0] = (uint8_t)(i >> 24), m[1] = (uint8_t)(i >> 16), m[2] = (uint8_t)(i >> 8), m[3] = (uint8_t)i;
  return len;
}

static void deliver(void *ctx, const uint8_t *msg, size_t len) {
  end *e = ctx;
  uint8_t want[1000];
  size_t n = make_msg(e->got, want);
  if (n != len || memcmp(want, msg, len) != 0) e->bad = true;
  e->got++;
  e->last_len = len;
}

/* Runs until `until`, delivering packets and firing timers in time order. */
static void run(int64_t until) { testnet_run_until(N.tn, until); }

static int64_t now_ns(void) { return testnet_now(N.tn); }

typedef struct pair {
  pki_ca *ca, *rogue;
  gnutls_certificate_credentials_t trust; /* both sides' */
  pki_cert *cc, *sc;
  gnutls_priority_t prio; /* both ends' (quic_priority_new); NULL: each its own */
} pair;

static bool own_priorities; /* start: no shared priorities */

/* A client (peer 1) and a server (peer 2) on path 0. `client_issuer`: the
** CA that signs the client's certificate; server_expects: the name the
** server wants to see. */
static void start(pair *pp, bool rogue_client, const char *server_expects) {
  char err[200], c_name[64], s_name[64];
  testnet_free(N.tn);
  memset(&N, 0, sizeof N);
  N.tn = testnet_new(1000 * MS, 4096);
  for (int k = 0; k < 2; k++) {
    testnet_host_cfg hc = {.ip = HOST_IP + (uint32_t)k, .recv = end_recv, .ctx = &N.e[k]};
    testnet_add_host(N.tn, &hc);
    testnet_add_timer(N.tn, end_deadline, end_tick, &N.e[k]);
  }
  N.delay[0] = 40 * MS, N.delay[1] = 10 * MS;
  memset(pp, 0, sizeof *pp);
  pp->ca = pki_ca_new("natsim test CA", err, sizeof err);
  pp->rogue = pki_ca_new("natsim test CA", err, sizeof err); /* same name, other key */
  assert_non_null(pp->ca);
  assert_non_null(pp->rogue);
  pp->trust = pki_trust(pp->ca, err, sizeof err);
  pp->cc = pki_issue(rogue_client ? pp->rogue : pp->ca, 1, err, sizeof err);
  pp->sc = pki_issue(pp->ca, 2, err, sizeof err);
  assert_non_null(pp->trust);
  assert_non_null(pp->cc);
  assert_non_null(pp->sc);
  pki_name(2, s_name, sizeof s_name);
  pki_name(1, c_name, sizeof c_name);
  quic_cfg cc, sc;
  quic_cfg_defaults(&cc);
  quic_cfg_defaults(&sc);
  cc.cred = sc.cred = pp->trust;
  cc.cert = pp->cc, cc.peer_name = s_name, cc.seed = 7;
  sc.cert = pp->sc, sc.peer_name = server_expects ? server_expects : c_name, sc.seed = 8;
  sc.server = true;
  if (!own_priorities) assert_int_equal(quic_priority_new(&pp->prio), 0);
  cc.priority = sc.priority = pp->prio;
  quic_io ci = {send_c, deliver, &N.e[0]}, si = {send_s, deliver, &N.e[1]};
  heap_at_new = heap_used();
  N.e[1].q = quic_new(&sc, &si, now_ns(), 0);
  server_at_new = heap_used() - heap_at_new;
  N.e[0].q = quic_new(&cc, &ci, now_ns(), 0);
  assert_non_null(N.e[0].q);
  assert_non_null(N.e[1].q);
}

static void stop(pair *pp) {
  quic_free(N.e[0].q);
  quic_free(N.e[1].q);
  pki_cert_free(pp->cc);
  pki_cert_free(pp->sc);
  gnutls_certificate_free_credentials(pp->trust);
  if (pp->prio) gnutls_priority_deinit(pp->prio);
  pki_ca_free(pp->ca);
  pki_ca_free(pp->rogue);
  testnet_free(N.tn);
  N.tn = NULL;
}

static void send_both(int i) {
  uint8_t m[1000];
  size_t len = make_msg(i, m);
  assert_int_equal(quic_send(N.e[0].q, now_ns(), m, len), 0);
  assert_int_equal(quic_send(N.e[1].q, now_ns(), m, len), 0);
}

/* Both sides up, on `path`, every one of n messages delivered whole and in
** order, nothing left unacknowledged. */
static void assert_delivered(int n, int path) {
  for (int k = 0; k < 2; k++) {
    assert_int_equal(quic_get_state(N.e[k].q), QUIC_UP);
    assert_int_equal(N.e[k].got, n);
    assert_false(N.e[k].bad);
    assert_int_equal(quic_path(N.e[k].q), path);
    assert_int_equal(quic_unacked(N.e[k].q), 0);
  }
}

static void test_handshake_and_messages(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, NULL);
  for (int i = 0; i < 20; i++) send_both(i); /* before the handshake: queued */
  run(now_ns() + 2000 * MS);
  assert_delivered(20, 0);
  for (int k = 0; k < 2; k++) assert_string_equal(quic_error(N.e[k].q), "");
  /* the client completes after one round trip of 80 ms, plus processing in no time */
  const quic_stats *st = quic_get_stats(N.e[0].q);
  assert_int_equal(st->handshake, 80 * MS);
  assert_true(st->stream_bytes[0] > 20 * 100);
  assert_int_equal(st->packet_bytes[1], 0);
  assert_true(quic_confirmed(N.e[0].q));
  stop(&pp);
}

/* Without shared priorities each session parses its own: the same. */
static void test_own_priorities(void **state) {
  (void)state;
  pair pp;
  own_priorities = true;
  start(&pp, false, NULL);
  own_priorities = false;
  assert_null(pp.prio);
  for (int i = 0; i < 20; i++) send_both(i);
  run(now_ns() + 2000 * MS);
  assert_delivered(20, 0);
  assert_int_equal(quic_get_stats(N.e[0].q)->handshake, 80 * MS);
  stop(&pp);
}

/* Messages flow every 10 ms; the client moves to path 1 halfway. */
static void test_migration_keeps_the_stream(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, NULL);
  assert_int_equal(quic_migrate(N.e[0].q, now_ns(), 1), -1); /* not confirmed yet */
  int i = 0;
  for (; i < NMSG / 2; i++, run(now_ns() + 10 * MS)) send_both(i);
  assert_int_equal(quic_migrate(N.e[0].q, now_ns(), 1), 0);
  for (; i < NMSG; i++, run(now_ns() + 10 * MS)) send_both(i);
  run(now_ns() + 1000 * MS);
  assert_delivered(NMSG, 1);
  const quic_stats *c = quic_get_stats(N.e[0].q), *s = quic_get_stats(N.e[1].q);
  assert_int_equal(c->migrations, 1);
  assert_int_equal(c->migration, 20 * MS); /* a round trip on path 1 */
  /* half the messages were sent after the move: about half the bytes on path 1 */
  for (const quic_stats *x = c; x; x = x == c ? s : NULL)
    assert_true(x->stream_bytes[1] * 5 > (x->stream_bytes[0] + x->stream_bytes[1]) * 2);
  stop(&pp);
}

/* On path 1, then path 1 dies: the client sees the stall, goes back to
** path 0, and not a message is lost. */
static void test_dead_path_falls_back(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, NULL);
  int i = 0;
  run(now_ns() + 500 * MS);
  assert_int_equal(quic_migrate(N.e[0].q, now_ns(), 1), 0);
  for (; i < NMSG / 2; i++, run(now_ns() + 10 * MS)) send_both(i);
  assert_int_equal(quic_path(N.e[0].q), 1);
  N.dead[1] = true;
  bool fell_back = false;
  for (; i < NMSG; i++, run(now_ns() + 10 * MS)) {
    send_both(i);
    if (!fell_back && quic_stalled(N.e[0].q, now_ns())) {
      assert_int_equal(quic_migrate(N.e[0].q, now_ns(), 0), 0);
      fell_back = true;
    }
  }
  for (int t = 0; t < 300; t++, run(now_ns() + 10 * MS))
    if (!fell_back && quic_stalled(N.e[0].q, now_ns()))
      fell_back = quic_migrate(N.e[0].q, now_ns(), 0) == 0;
  assert_true(fell_back);
  assert_delivered(NMSG, 0);
  assert_true(quic_get_stats(N.e[0].q)->lost > 0); /* what died on path 1 was sent again */
  stop(&pp);
}

/* Path 1 loses full-size datagrams for a while after the client moves:
** the client's for 5 ms (its padded PATH_CHALLENGEs), the server's for
** 9 s. Moving at once, the server had counted only small packets on
** path 1, so its first PATH_CHALLENGE went out short; once that was
** answered ngtcp2 0.12 checked the path again with full-size ones and,
** when those went unanswered, closed with NO_VIABLE_PATH instead of going
** back to path 0. Probing first, the connection stays up: on path 0 until
** path 1 answers, then on path 1. */
static void test_migration_survives_lost_challenges(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, NULL);
  run(now_ns() + 500 * MS);
  N.full_lost_until[0][1] = now_ns() + 5 * MS;
  N.full_lost_until[1][1] = now_ns() + 9000 * MS;
  for (int t = 0; t < 480; t++, run(now_ns() + 25 * MS)) { /* 12 s */
    if (t < NMSG) send_both(t);
    assert_int_equal(quic_migrate(N.e[0].q, now_ns(), 1), 0); /* as the peer retries */
    for (int k = 0; k < 2; k++) assert_int_equal(quic_get_state(N.e[k].q), QUIC_UP);
  }
  assert_delivered(NMSG, 1);
  assert_true(quic_get_stats(N.e[0].q)->migrations >= 1);
  stop(&pp);
}

/* Path 1 dies while nothing is being sent: the keepalive PINGs go
** unanswered, and five keepalive intervals (5 s) after the last answer it moves
** back to path 0, well before the 30 s idle timeout; later messages flow. */
static void test_idle_dead_path(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, NULL);
  run(now_ns() + 500 * MS);
  assert_int_equal(quic_migrate(N.e[0].q, now_ns(), 1), 0);
  run(now_ns() + 1000 * MS);
  N.dead[1] = true;
  int64_t died = now_ns();
  while (!quic_stalled(N.e[0].q, now_ns()) && now_ns() - died < 20000 * MS)
    run(now_ns() + 10 * MS);
  int64_t took = now_ns() - died;
  print_message("idle dead path noticed after %.2f s\n", (double)took / 1e9);
  /* 2.5 s after the last answer (at most 1 s before), eight packets out */
  assert_true(took >= 1500 * MS && took <= 3500 * MS);
  assert_int_equal(quic_migrate(N.e[0].q, now_ns(), 0), 0);
  for (int i = 0; i < 10; i++, run(now_ns() + 10 * MS)) send_both(i);
  /* The client's messages arrive at once; the server follows it back to
  ** path 0 only when its own validation of path 0 completes, which ngtcp2
  ** retries after about 2 s here (the server sends on path 1 until then). */
  run(now_ns() + 3000 * MS);
  assert_delivered(10, 0);
  stop(&pp);
}

static void test_foreign_certificate_refused(void **state) {
  (void)state;
  pair pp;
  start(&pp, true, NULL);
  send_both(0);
  run(now_ns() + 5000 * MS);
  assert_int_equal(quic_get_state(N.e[1].q), QUIC_CLOSED);
  assert_int_equal(quic_get_state(N.e[0].q), QUIC_CLOSED);
  assert_non_null(strstr(quic_error(N.e[1].q), "certificate refused"));
  assert_non_null(strstr(quic_error(N.e[0].q), "refused the handshake"));
  assert_int_equal(quic_close_reason(N.e[1].q), QUIC_CLOSE_CERTIFICATE);
  assert_int_equal(quic_close_reason(N.e[0].q), QUIC_CLOSE_REFUSED);
  assert_int_equal(N.e[0].got + N.e[1].got, 0);
  stop(&pp);
}

static void test_wrong_name_refused(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, "peer-99.natsim"); /* the server expects someone else */
  send_both(0);
  run(now_ns() + 5000 * MS);
  assert_int_equal(quic_get_state(N.e[1].q), QUIC_CLOSED);
  assert_non_null(strstr(quic_error(N.e[1].q), "certificate refused"));
  assert_int_equal(quic_get_state(N.e[0].q), QUIC_CLOSED);
  assert_int_equal(N.e[1].got, 0);
  stop(&pp);
}

static void test_too_long_refused(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, NULL);
  static uint8_t big[QUIC_MAX_MESSAGE + 1];
  assert_int_equal(quic_send(N.e[0].q, now_ns(), big, sizeof big), -1);
  assert_int_equal(quic_send(N.e[0].q, now_ns(), big, sizeof big - 1), 0);
  run(now_ns() + 3000 * MS);
  assert_int_equal(N.e[1].got, 1); /* the longest message, whole: 55 packets' worth */
  assert_int_equal(N.e[1].last_len, QUIC_MAX_MESSAGE);
  stop(&pp);
}

/* What a connection keeps grows with what it carries: after the handshake
** and 20 messages of at most 1 KB each way, the two ends hold less than
** 192 KiB of heap: 180 KiB measured, with both
** TLS sessions freed once the handshake is confirmed (201 KiB while they
** were kept); 222 KiB when each session parses its own priorities; 342 KiB
** with a 64 KiB receive buffer per end. */
static void test_memory_follows_use(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, NULL);
  for (int i = 0; i < 20; i++) send_both(i);
  run(now_ns() + 2000 * MS);
  assert_delivered(20, 0);
  size_t used = heap_used() - heap_at_new;
  print_message("two connections hold %zu bytes\n", used);
  assert_true(used < 192 * 1024);
  stop(&pp);
}

/* A server waiting for its first packet holds no TLS session yet: 0.6 KB
** measured, 8.8 KB with one made at quic_new. */
static void test_waiting_server_small(void **state) {
  (void)state;
  pair pp;
  start(&pp, false, NULL);
  print_message("a waiting server holds %zu bytes\n", server_at_new);
  assert_true(server_at_new < 2 * 1024);
  run(now_ns() + 2000 * MS);
  for (int k = 0; k < 2; k++) assert_int_equal(quic_get_state(N.e[k].q), QUIC_UP);
  stop(&pp);
}

/* What a peer holds of its own is its key and certificate; the CA it
** trusts is in credentials every peer shares, with a trust list of one
** bucket, not GnuTLS's default 127. Measured: 1.4 KB a peer from the
** second one issued (1.7 KB for the first, which also sets up GnuTLS's
** own state; 3.3 KB with an X.509 key instead of the raw one), 13.8 KB the
** shared trust (each peer held 19.6 KB of both before they were split). */
static void test_credentials_small(void **state) {
  (void)state;
  char err[200];
  pki_ca *ca = pki_ca_new("natsim test CA", err, sizeof err);
  assert_non_null(ca);
  /* measured from the second: what GnuTLS keeps for the process once
  ** (it varied with the tests run before) is no peer's */
  pki_cert *first = pki_issue(ca, 1, err, sizeof err);
  assert_non_null(first);
  pki_cert_free(first);
  size_t before = heap_used();
  pki_cert *cert = pki_issue(ca, 1, err, sizeof err);
  assert_non_null(cert);
  size_t own = heap_used() - before;
  before = heap_used();
  gnutls_certificate_credentials_t trust = pki_trust(ca, err, sizeof err);
  assert_non_null(trust);
  size_t shared = heap_used() - before;
  print_message("a peer's certificate holds %zu bytes, the shared trust %zu\n", own, shared);
  assert_true(own < 2 * 1024);
  assert_true(shared < 16 * 1024);
  pki_cert_free(cert);
  gnutls_certificate_free_credentials(trust);
  pki_ca_free(ca);
}

/* After the handshake neither side keeps a TLS session (release_tls). A
** 1-RTT CRYPTO frame from `from` then reaches the other side's cb_crypto
** with no session to read it. */
static void late_crypto(pair *pp, int from) {
  static const uint8_t ticket[] = {4, 0, 0, 4, 0, 0, 0, 0}; /* NewSessionTicket, as a client sees it */
  start(pp, false, NULL);
  send_both(0);
  run(now_ns() + 2000 * MS);
  assert_delivered(1, 0);
  assert_null(N.e[0].q->tls);
  assert_null(N.e[1].q->tls);
  quic *q = N.e[from].q;
  assert_int_equal(ngtcp2_conn_submit_crypto_data(q->conn, NGTCP2_CRYPTO_LEVEL_APPLICATION,
                                                  ticket, sizeof ticket),
                   0);
  flush(q, now_ns());
  send_both(1);
  run(now_ns() + 2000 * MS);
}

/* A client drops it: RFC 9001 allows the server a NewSessionTicket there,
** and a client that never resumes has no use for one. */
static void test_late_crypto_to_client_dropped(void **state) {
  (void)state;
  pair pp;
  late_crypto(&pp, 1);
  assert_delivered(2, 0);
  assert_string_equal(quic_error(N.e[0].q), "");
  stop(&pp);
}

/* A server closes: no handshake message may follow the client's Finished. */
static void test_late_crypto_to_server_closes(void **state) {
  (void)state;
  pair pp;
  late_crypto(&pp, 0);
  assert_int_equal(quic_get_state(N.e[1].q), QUIC_CLOSED);
  assert_int_equal(quic_close_reason(N.e[1].q), QUIC_CLOSE_TLS);
  assert_string_equal(quic_error(N.e[1].q), "TLS: a handshake message after the handshake");
  assert_int_equal(quic_get_state(N.e[0].q), QUIC_CLOSED);
  assert_string_equal(quic_error(N.e[0].q),
                      "the other side refused the handshake: TLS alert Unexpected message");
  stop(&pp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handshake_and_messages),
      cmocka_unit_test(test_own_priorities),
      cmocka_unit_test(test_migration_keeps_the_stream),
      cmocka_unit_test(test_dead_path_falls_back),
      cmocka_unit_test(test_migration_survives_lost_challenges),
      cmocka_unit_test(test_idle_dead_path),
      cmocka_unit_test(test_foreign_certificate_refused),
      cmocka_unit_test(test_wrong_name_refused),
      cmocka_unit_test(test_too_long_refused),
      cmocka_unit_test(test_memory_follows_use),
      cmocka_unit_test(test_waiting_server_small),
      cmocka_unit_test(test_credentials_small),
      cmocka_unit_test(test_late_crypto_to_client_dropped),
      cmocka_unit_test(test_late_crypto_to_server_closes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
