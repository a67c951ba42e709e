/* Unit tests for STUN client transactions and the STUN server (RFC 8489
** retransmission timing, matching; RFC 5780 server behaviour). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "stun_client.h"
#include "stun_server.h"

#define MS 1000000LL

static int64_t clock_now;
static int64_t sent_at[16];
static uint8_t sent_tid[16]; /* the first byte of each request's transaction ID */
static int nsent, timeouts, last_timeout;

static void on_send(void *ctx, int sock, const addr *dst, const uint8_t *d, size_t n) {
  (void)ctx, (void)sock, (void)dst, (void)n;
  if (nsent < 16) sent_at[nsent] = clock_now;
  if (nsent < 16) sent_tid[nsent] = d[8];
  nsent++;
}
static void on_timeout(void *ctx, int user) {
  (void)ctx;
  timeouts++;
  last_timeout = user;
}

static size_t request(uint8_t *buf, uint8_t tid_byte) {
  uint8_t tid[12];
  memset(tid, tid_byte, sizeof tid);
  stun_writer w;
  stun_begin(&w, buf, 128, STUN_BINDING, STUN_REQUEST, tid);
  return (size_t)stun_end(&w);
}

static void run_until(stun_client *c, int64_t end) {
  for (int64_t t; (t = stun_client_deadline(c)) <= end;) {
    clock_now = t;
    stun_client_tick(c, t);
  }
  clock_now = end;
}

/* A client with the default timing (RFC 8489), nothing sent or timed out yet. */
static void fresh_client(stun_client *c) {
  static const stun_client_io io = {on_send, on_timeout, NULL};
  stun_timing t = stun_timing_default();
  stun_client_init(c, &t, &io);
  nsent = 0;
  timeouts = 0;
}

/* One request tagged user, never answered, run until `until`: started with
** the client's RTO, or with its own (rto > 0). */
static void one_unanswered(stun_client *c, int user, int64_t rto, int64_t until) {
  fresh_client(c);
  clock_now = 0;
  uint8_t buf[128];
  addr dst = addr_v4(0x01020304, 3478);
  size_t n = request(buf, 1);
  if (rto > 0) assert_int_equal(stun_client_start_rto(c, 0, 0, &dst, buf, n, user, rto), 0);
  else assert_int_equal(stun_client_start(c, 0, 0, &dst, buf, n, user), 0);
  run_until(c, until);
}

static void test_retransmission_schedule(void **state) {
  (void)state;
  stun_client c;
  one_unanswered(&c, 42, 0, 60000 * MS);
  /* RFC 8489 section 6.2.1: 0, 500, 1500, 3500, 7500, 15500, 31500 ms,
  ** then a timeout at 39500 ms. */
  const int64_t want[7] = {0, 500, 1500, 3500, 7500, 15500, 31500};
  assert_int_equal(nsent, 7);
  for (int i = 0; i < 7; i++) assert_int_equal(sent_at[i], want[i] * MS);
  assert_int_equal(timeouts, 1);
  assert_int_equal(last_timeout, 42);
  assert_int_equal(c.stats.retransmits, 6);
  assert_int_equal(stun_client_active(&c), 0);
  assert_int_equal(stun_client_deadline(&c), INT64_MAX);
  stun_client_free(&c);
}

/* A transaction's own initial RTO (ICE's checks, RFC 8445 section 14.3):
** doubling from it, the final wait Rm of it. */
static void test_own_rto(void **state) {
  (void)state;
  stun_client c;
  one_unanswered(&c, 7, 1200 * MS, 200000 * MS);
  const int64_t want[7] = {0, 1200, 3600, 8400, 18000, 37200, 75600};
  assert_int_equal(nsent, 7);
  for (int i = 0; i < 7; i++) assert_int_equal(sent_at[i], want[i] * MS);
  assert_int_equal(timeouts, 1);
  assert_int_equal(last_timeout, 7);
  stun_client_free(&c);
}

static void test_matching(void **state) {
  (void)state;
  stun_client c;
  fresh_client(&c);
  uint8_t buf[128], resp[128];
  addr dst = addr_v4(0x01020304, 3478);
  stun_client_start(&c, 0, 0, &dst, buf, request(buf, 1), 7);
  stun_client_start(&c, 0, 0, &dst, buf, request(buf, 2), 8);
  assert_int_equal(stun_client_find(&c, buf + 8), 8);
  /* A response with tid 2 ends transaction 8 only. */
  stun_writer w;
  stun_begin(&w, resp, sizeof resp, STUN_BINDING, STUN_SUCCESS, buf + 8);
  stun_msg m;
  assert_int_equal(stun_decode(resp, (size_t)stun_end(&w), &m), STUN_OK);
  assert_int_equal(stun_client_match(&c, &m), 8);
  assert_int_equal(stun_client_match(&c, &m), -1); /* already ended */
  assert_int_equal(stun_client_active(&c), 1);
  /* A request with a known tid is not a response. */
  request(resp, 1);
  assert_int_equal(stun_decode(resp, 20, &m), STUN_OK);
  assert_int_equal(stun_client_match(&c, &m), -1);
  stun_client_cancel(&c, 7);
  assert_int_equal(stun_client_active(&c), 0);
  /* The table has a size. */
  for (int i = 0; i < STUN_CLIENT_MAX; i++)
    assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, 3), i), 0);
  assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, 3), 999), -1);
  stun_client_free(&c);
}

/* The table grows with the transactions active at once, not to
** STUN_CLIENT_MAX from the start; a freed slot is taken before the table
** grows, so retransmissions go out in the order a fixed table gives. */
static void test_table_grows_with_use(void **state) {
  (void)state;
  stun_client c;
  fresh_client(&c);
  assert_null(c.txns);
  uint8_t buf[128];
  addr dst = addr_v4(0x01020304, 3478);
  assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, 1), 1), 0);
  assert_int_equal(c.cap, 4);
  for (uint8_t i = 2; i <= 5; i++)
    assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, i), i), 0);
  assert_int_equal(c.cap, 8);
  stun_client_cancel(&c, 2);
  assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, 6), 6), 0);
  assert_int_equal(c.cap, 8);
  assert_int_equal(c.txns[1].user, 6); /* slot 1, freed by 2, taken again */
  nsent = 0;
  run_until(&c, 500 * MS); /* the first retransmissions, in slot order */
  const uint8_t want[5] = {1, 6, 3, 4, 5};
  assert_int_equal(nsent, 5);
  assert_memory_equal(sent_tid, want, sizeof want);
  stun_client_free(&c);
  assert_null(c.txns);
  assert_int_equal(c.cap, 0);
}

/* The table goes once no transaction is active, however the last one
** ended (a response, a cancel, a timeout), and comes back for the next. */
static void test_table_freed_when_idle(void **state) {
  (void)state;
  stun_client c;
  fresh_client(&c);
  uint8_t buf[128], resp[128];
  addr dst = addr_v4(0x01020304, 3478);
  assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, 1), 1), 0);
  assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, 2), 2), 0);
  stun_writer w;
  stun_begin(&w, resp, sizeof resp, STUN_BINDING, STUN_SUCCESS, buf + 8);
  stun_msg m;
  assert_int_equal(stun_decode(resp, (size_t)stun_end(&w), &m), STUN_OK);
  assert_int_equal(stun_client_match(&c, &m), 2);
  assert_non_null(c.txns); /* 1 is still active */
  assert_int_equal(stun_client_find(&c, buf + 8), -1);
  stun_client_cancel(&c, 1);
  assert_null(c.txns);
  assert_int_equal(c.cap, 0);
  assert_int_equal(stun_client_match(&c, &m), -1);
  assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, 3), 3), 0);
  assert_int_equal(c.cap, 4);
  assert_int_equal(c.txns[0].user, 3);
  assert_int_equal(stun_client_match(&c, &m), -1); /* tid 2 is not 3's */
  run_until(&c, 60000 * MS);
  assert_int_equal(timeouts, 1);
  assert_int_equal(last_timeout, 3);
  assert_null(c.txns);
  assert_int_equal(c.stats.transactions, 3);
  assert_int_equal(c.stats.responses, 1);
  assert_int_equal(c.stats.timeouts, 1);
  stun_client_free(&c);
}

static stun_client *answering; /* answer_send answers what it sends on this client */
static int answered;

/* io.send that answers the request at once, inside the send: a network
** that delivers synchronously. */
static void answer_send(void *ctx, int sock, const addr *dst, const uint8_t *d, size_t n) {
  (void)ctx, (void)sock, (void)dst;
  nsent++;
  if (!answering || n < STUN_HEADER) return;
  uint8_t resp[64], before[128];
  assert_true(n <= sizeof before);
  memcpy(before, d, n);
  stun_writer w;
  stun_begin(&w, resp, sizeof resp, STUN_BINDING, STUN_SUCCESS, d + 8);
  stun_msg m;
  assert_int_equal(stun_decode(resp, (size_t)stun_end(&w), &m), STUN_OK);
  answered = stun_client_match(answering, &m);
  /* what was sent is still there after the answer ended the transaction
  ** (under ASan, reading freed memory fails here) */
  assert_memory_equal(d, before, n);
}

/* An answer that arrives inside io.send, while tick retransmits, ends the
** transaction and frees the table under tick's feet; tick sends from a copy
** and stops. */
static void test_answer_inside_send(void **state) {
  (void)state;
  static const stun_client_io io = {answer_send, on_timeout, NULL};
  stun_client c;
  stun_timing t = stun_timing_default();
  stun_client_init(&c, &t, &io);
  nsent = 0;
  answering = NULL;
  answered = -1;
  uint8_t buf[128];
  addr dst = addr_v4(0x01020304, 3478);
  assert_int_equal(stun_client_start(&c, 0, 0, &dst, buf, request(buf, 1), 5), 0);
  answering = &c;
  run_until(&c, 10000 * MS);
  assert_int_equal(nsent, 2); /* the first send, then one retransmission, answered */
  assert_int_equal(answered, 5);
  assert_int_equal(stun_client_active(&c), 0);
  assert_null(c.txns);
  answering = NULL;
  stun_client_free(&c);
}

/* --- the server ---------------------------------------------------------- */

static stun_server srv;
static addr a1p1, a2p2, client;

static int setup_server(void **state) {
  (void)state;
  addr_parse("203.0.113.10:3478", &a1p1);
  addr_parse("203.0.113.20:3479", &a2p2);
  addr_parse("198.51.100.1:40000", &client);
  stun_server_init(&srv, &a1p1, &a2p2);
  return 0;
}

/* Sends a Binding request with the given extras to socket sock; decodes the
** answer into m. Returns the answer's length. */
static size_t ask(int sock, uint32_t change, uint16_t rport, size_t padding, uint16_t extra,
                  stun_msg *m, int *out_sock, addr *to, uint8_t *out) {
  uint8_t req[256], tid[12] = {9, 9, 9};
  stun_writer w;
  stun_begin(&w, req, sizeof req, STUN_BINDING, STUN_REQUEST, tid);
  if (change) stun_put_u32(&w, STUN_A_CHANGE_REQUEST, change);
  if (rport) stun_put_u32(&w, STUN_A_RESPONSE_PORT, (uint32_t)rport << 16);
  if (padding) {
    uint8_t pad[64] = {0};
    stun_put(&w, STUN_A_PADDING, pad, padding);
  }
  if (extra) stun_put(&w, extra, "", 0);
  stun_put_fingerprint(&w);
  size_t n = stun_server_handle(&srv, sock, &client, req, (size_t)stun_end(&w), out, 1280,
                                out_sock, to);
  if (n) {
    int rc = stun_decode(out, n, m);
    assert_true(rc == STUN_OK);
  }
  return n;
}

static void test_server_binding(void **state) {
  (void)state;
  stun_msg m;
  int s;
  addr to;
  uint8_t out[1280];
  assert_true(ask(0, 0, 0, 0, 0, &m, &s, &to, out) > 0);
  assert_int_equal(m.cls, STUN_SUCCESS);
  assert_true(addr_equal(&m.xor_mapped, &client));
  assert_true(addr_equal(&m.response_origin, &a1p1));
  assert_true(addr_equal(&m.other_address, &a2p2));
  assert_true(m.present & STUN_HAS_FINGERPRINT);
  assert_int_equal(s, 0);
  assert_true(addr_equal(&to, &client));
}

static void test_server_change_request(void **state) {
  (void)state;
  stun_msg m;
  int s;
  addr to;
  uint8_t out[1280];
  ask(0, STUN_CHANGE_IP | STUN_CHANGE_PORT, 0, 0, 0, &m, &s, &to, out);
  assert_int_equal(s, 3);
  assert_true(addr_equal(&m.response_origin, &a2p2));
  ask(0, STUN_CHANGE_PORT, 0, 0, 0, &m, &s, &to, out);
  assert_int_equal(s, 1);
  ask(0, STUN_CHANGE_IP, 0, 0, 0, &m, &s, &to, out);
  assert_int_equal(s, 2);
  ask(3, STUN_CHANGE_IP, 0, 0, 0, &m, &s, &to, out); /* relative to where it came in */
  assert_int_equal(s, 1);
  assert_true(addr_equal(&m.other_address, &a1p1));
}

static void test_server_response_port_and_padding(void **state) {
  (void)state;
  stun_msg m;
  int s;
  addr to;
  uint8_t out[1280];
  ask(0, 0, 5555, 0, 0, &m, &s, &to, out);
  assert_int_equal(to.port, 5555);
  assert_true(addr_equal(&m.xor_mapped, &client)); /* still the real source */
  ask(0, 0, 0, 40, 0, &m, &s, &to, out);
  assert_int_equal(m.padding.len, 40);
  ask(0, 0, 5555, 40, 0, &m, &s, &to, out);
  assert_int_equal(m.cls, STUN_ERROR);
  assert_int_equal(m.error_code, 400);
}

static void test_server_errors(void **state) {
  (void)state;
  stun_msg m;
  int s;
  addr to;
  uint8_t out[1280];
  ask(0, 0, 0, 0, 0x0031, &m, &s, &to, out); /* unknown, comprehension-required */
  assert_int_equal(m.cls, STUN_ERROR);
  assert_int_equal(m.error_code, 420);
  assert_int_equal(m.nunknown_attrs, 1);
  assert_int_equal(m.unknown_attrs[0], 0x0031);
  /* Without a second address, CHANGE-REQUEST is not understood. */
  stun_server_init(&srv, &a1p1, NULL);
  ask(0, STUN_CHANGE_IP, 0, 0, 0, &m, &s, &to, out);
  assert_int_equal(m.error_code, 420);
  assert_int_equal(m.unknown_attrs[0], STUN_A_CHANGE_REQUEST);
  ask(0, 0, 0, 0, 0, &m, &s, &to, out);
  assert_int_equal(m.cls, STUN_SUCCESS);
  assert_false(m.present & STUN_HAS_OTHER_ADDRESS);
  stun_server_init(&srv, &a1p1, &a2p2);
  /* Not a request, not STUN, or another method. */
  uint8_t buf[64], tid[12] = {0};
  stun_writer w;
  stun_begin(&w, buf, sizeof buf, STUN_BINDING, STUN_INDICATION, tid);
  assert_int_equal(stun_server_handle(&srv, 0, &client, buf, 20, out, 1280, &s, &to), 0);
  assert_int_equal(stun_server_handle(&srv, 0, &client, (const uint8_t *)"hello", 5, out, 1280, &s, &to), 0);
  stun_begin(&w, buf, sizeof buf, STUN_ALLOCATE, STUN_REQUEST, tid);
  size_t n = stun_server_handle(&srv, 0, &client, buf, 20, out, 1280, &s, &to);
  assert_int_equal(stun_decode(out, n, &m), STUN_OK);
  assert_int_equal(m.error_code, 400);
  assert_int_equal(srv.stats.dropped, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_retransmission_schedule),
      cmocka_unit_test(test_own_rto),
      cmocka_unit_test(test_matching),
      cmocka_unit_test(test_table_grows_with_use),
      cmocka_unit_test(test_table_freed_when_idle),
      cmocka_unit_test(test_answer_inside_send),
      cmocka_unit_test_setup(test_server_binding, setup_server),
      cmocka_unit_test_setup(test_server_change_request, setup_server),
      cmocka_unit_test_setup(test_server_response_port_and_padding, setup_server),
      cmocka_unit_test_setup(test_server_errors, setup_server),
  };
  return cmocka_run_group_tests_name("stun_client_server", tests, NULL, NULL);
}
