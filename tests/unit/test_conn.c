/* Unit tests for src/conn.c: in-order delivery, and the receive window
** that bounds what a peer can make the receiver buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "conn.h"
#include "wire.h"

typedef struct seen {
  int delivered;
  uint32_t last; /* the last message's first four bytes */
  int acks;
} seen;

static void on_deliver(void *ctx, const uint8_t *msg, size_t len) {
  seen *s = ctx;
  assert_int_equal(len, 4);
  s->delivered++;
  s->last = wire_get32(msg);
}

static void on_emit(void *ctx, const uint8_t *frame, size_t len, bool retransmit) {
  seen *s = ctx;
  (void)frame;
  (void)retransmit;
  if (len == 9) s->acks++;
}

/* Message frame seq carrying seq as its four bytes, handed to c. */
static void recv_msg(conn *c, seen *s, uint32_t seq) {
  uint8_t f[9] = {1};
  wire_put32(f + 1, seq);
  wire_put32(f + 5, seq);
  assert_int_equal(conn_recv(c, 0, f, sizeof f, on_deliver, on_emit, s), 0);
}

/* Messages ahead of the next to deliver are kept only within the window;
** the rest are counted as dropped, delivered once retransmitted. */
static void test_window(void **state) {
  (void)state;
  conn c;
  seen s = {0};
  conn_init(&c, 100000000);
  for (uint32_t seq = 2; seq <= 1001; seq++)
    recv_msg(&c, &s, seq);
  recv_msg(&c, &s, 0xFFFFFFF0u);
  assert_int_equal(c.stats.early, CONN_MAX_EARLY - 1);
  assert_int_equal(c.stats.early_dropped, 1000 - (CONN_MAX_EARLY - 1) + 1);
  assert_int_equal(s.delivered, 0);
  assert_int_equal(s.acks, 1001);
  recv_msg(&c, &s, 1);
  assert_int_equal(s.delivered, CONN_MAX_EARLY);
  assert_int_equal(s.last, CONN_MAX_EARLY);
  for (uint32_t seq = CONN_MAX_EARLY + 1; seq <= 1001; seq++)
    recv_msg(&c, &s, seq);
  assert_int_equal(s.delivered, 1001);
  assert_int_equal(s.last, 1001);
  assert_int_equal(c.stats.delivered, 1001);
  conn_free(&c);
}

/* Repeats are dropped, whether delivered already or kept early. */
static void test_duplicates(void **state) {
  (void)state;
  conn c;
  seen s = {0};
  conn_init(&c, 100000000);
  recv_msg(&c, &s, 3);
  recv_msg(&c, &s, 3);
  recv_msg(&c, &s, 1);
  recv_msg(&c, &s, 1);
  assert_int_equal(c.stats.duplicates, 2);
  assert_int_equal(s.delivered, 1);
  recv_msg(&c, &s, 2);
  assert_int_equal(s.delivered, 3);
  assert_int_equal(c.stats.early_dropped, 0);
  conn_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_window),
      cmocka_unit_test(test_duplicates),
  };
  return cmocka_run_group_tests_name("conn", tests, NULL, NULL);
}
