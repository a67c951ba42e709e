/* The real-socket driver (real/loop.c) on loopback: datagrams and
** deadlines; and `natsim serve gateway` as a separate process, with two
** peers (src/peer.c) on real sockets that register, connect, exchange
** messages relayed at once and then directly after hole punching (on
** loopback there is no NAT, so the punch must succeed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "peer.h"

#define MS 1000000LL

static struct {
  loop *l;
  int got;
  char text[64];
} t;

static void on_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  (void)ctx, (void)sock, (void)from;
  snprintf(t.text, sizeof t.text, "%.*s", (int)n, (const char *)d);
  t.got++;
}

static int64_t stop_at;
static int ticks;
static int64_t until_stop(void *ctx, int64_t now) {
  (void)ctx;
  ticks++;
  if (t.got) loop_stop(t.l);
  return now < stop_at ? stop_at : INT64_MAX;
}

/* A deadline 5 ms in the past on the first tick, none after. */
static int64_t past_once(void *ctx, int64_t now) {
  (void)ctx;
  (void)now;
  ticks++;
  if (ticks == 1) return stop_at;
  return INT64_MAX;
}

static void test_loop(void **state) {
  (void)state;
  t.l = loop_new();
  assert_non_null(t.l);
  addr lo = addr_v4(0x7F000001u, 0), a, b;
  int sa = loop_udp(t.l, &lo, on_datagram, NULL, &a);
  int sb = loop_udp(t.l, &lo, on_datagram, NULL, &b);
  assert_true(sa >= 0 && sb >= 0 && a.port && b.port && a.port != b.port);
  assert_int_equal(loop_udp(t.l, &a, on_datagram, NULL, NULL), -1); /* in use */
  loop_send(t.l, sa, &b, (const uint8_t *)"hello", 5);
  stop_at = loop_now() + 2000 * MS;
  assert_int_equal(loop_run(t.l, stop_at, until_stop, NULL), 0);
  assert_int_equal(t.got, 1);
  assert_string_equal(t.text, "hello");
  /* nothing to receive: the loop ends at its deadline, ticking on the way */
  t.got = ticks = 0;
  int64_t start = loop_now();
  stop_at = start + 50 * MS;
  loop_run(t.l, start + 100 * MS, until_stop, NULL);
  assert_true(loop_now() - start >= 100 * MS);
  assert_true(ticks >= 2);
  /* a deadline already past wakes the loop at once, not never */
  ticks = 0;
  start = loop_now();
  stop_at = start - 5 * MS;
  loop_run(t.l, start + 100 * MS, past_once, NULL);
  assert_true(ticks >= 2);
  assert_true(loop_now() - start < 2000 * MS);
  loop_free(t.l);
}

static int counted;
static void count_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  (void)ctx, (void)sock, (void)from, (void)d, (void)n;
  counted++;
}

static int64_t never(void *ctx, int64_t now) {
  (void)ctx, (void)now;
  return INT64_MAX;
}

/* Buffers sized on request; what the kernel drops on a full buffer counted. */
static void test_loop_buffers_and_drops(void **state) {
  (void)state;
  loop *l = loop_new();
  assert_non_null(l);
  addr lo = addr_v4(0x7F000001u, 0), b;
  int sa = loop_udp(l, &lo, count_datagram, NULL, NULL);
  int sb = loop_udp(l, &lo, count_datagram, NULL, &b);
  int big = loop_udp_buffers(l, sa, 4 << 20);
  printf("a 4 MB receive buffer asked: %d KB obtained\n", big / 1024);
  assert_true(big > 0);
  assert_int_equal(loop_udp_buffers(l, 999, 4096), -1);
  assert_true(loop_udp_buffers(l, sb, 4096) < big);
  uint8_t d[500] = {0};
  for (int i = 0; i < 200; i++) loop_send(l, sa, &b, d, sizeof d);
  counted = 0;
  loop_run(l, loop_now() + 100 * MS, never, NULL);
  printf("200 datagrams into a 4 KB buffer: %d received, %llu dropped\n", counted,
         (unsigned long long)loop_rx_drops(l));
  assert_true(counted > 0 && counted < 200);
  assert_int_equal((uint64_t)counted + loop_rx_drops(l), 200);
  loop_free(l);
}

/* --- the gateway, served ------------------------------------------------------- */

typedef struct rpeer {
  peer *p;
  int sock;
  int sent, received, direct, session;
  uint32_t other;
  char last[64];
} rpeer;

static rpeer ra, rb;

static void rp_send(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  loop_send(t.l, ((rpeer *)ctx)->sock, to, d, n);
}
static void rp_deliver(void *ctx, uint32_t from, const uint8_t *m, size_t n) {
  rpeer *r = ctx;
  (void)from;
  r->received++;
  snprintf(r->last, sizeof r->last, "%.*s", (int)n, (const char *)m);
}
static void rp_event(void *ctx, uint32_t other, enum peer_event ev) {
  (void)other;
  if (ev == PEER_DIRECT) ((rpeer *)ctx)->direct = 1;
  if (ev == PEER_SESSION) ((rpeer *)ctx)->session = 1;
}
static void rp_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  (void)sock;
  peer_recv(((rpeer *)ctx)->p, loop_now(), from, d, n);
}

/* 20 messages each way, one every 20 ms from when the side's session is up
** (the initiator's first go at once and are held until then). */
static void send_some(rpeer *r, int64_t now) {
  if (r->sent >= 20 || (!r->session && r->other == 1)) return;
  char m[32];
  snprintf(m, sizeof m, "message %d", r->sent++);
  peer_send(r->p, now, r->other, (const uint8_t *)m, strlen(m));
}

static bool connecting;
static int64_t drive(void *ctx, int64_t now) {
  (void)ctx;
  peer_tick(ra.p, now);
  peer_tick(rb.p, now);
  if (!connecting && peer_registered(ra.p) && peer_registered(rb.p)) {
    peer_connect(ra.p, now, 2);
    connecting = true;
  }
  if (connecting) {
    send_some(&ra, now);
    send_some(&rb, now);
  }
  if (ra.received == 20 && rb.received == 20 && ra.direct && rb.direct) loop_stop(t.l);
  int64_t d = peer_deadline(ra.p), e = peer_deadline(rb.p);
  int64_t next = d < e ? d : e;
  return connecting && (ra.sent < 20 || rb.sent < 20) && now + 20 * MS < next ? now + 20 * MS : next;
}

static void make_peer(rpeer *r, uint32_t id, const addr *gw) {
  peer_cfg c = peer_cfg_default();
  r->other = id == 1 ? 2 : 1;
  c.id = id;
  memset(c.key, (int)id, GW_KEY_LEN);
  c.gateway = *gw;
  c.punch = true;
  addr lo = addr_v4(0x7F000001u, 0);
  r->sock = loop_udp(t.l, &lo, rp_datagram, r, &c.local);
  assert_true(r->sock >= 0);
  peer_io io = {.send = rp_send, .deliver = rp_deliver, .event = rp_event, .ctx = r};
  r->p = peer_new(&c, &io);
  assert_non_null(r->p);
}

static pid_t pid = -1; /* the gateway; stopped by the teardown even when a check failed */

static int stop_gateway(void **state) {
  (void)state;
  if (pid > 0) kill(pid, SIGKILL), waitpid(pid, NULL, 0);
  pid = -1;
  return 0;
}

static void test_served_gateway(void **state) {
  (void)state;
  char dir[] = "/tmp/natsim-gw-XXXXXX", peers[64], log[64];
  assert_non_null(mkdtemp(dir));
  snprintf(peers, sizeof peers, "%s/peers", dir);
  snprintf(log, sizeof log, "%s/log", dir);
  FILE *f = fopen(peers, "w");
  fprintf(f, "# id key\n1 01010101010101010101010101010101\n2 02020202020202020202020202020202\n");
  fclose(f);
  pid = fork();
  if (pid == 0) {
    freopen(log, "w", stderr);
    execl(NATSIM_BIN, "natsim", "serve", "gateway", "--listen", "127.0.0.1:34850", "--peers",
          peers, (char *)NULL);
    _exit(127);
  }
  usleep(300000);
  t.l = loop_new();
  addr gw = addr_v4(0x7F000001u, 34850);
  make_peer(&ra, 1, &gw);
  make_peer(&rb, 2, &gw);
  int64_t now = loop_now();
  peer_start(ra.p, now);
  peer_start(rb.p, now);
  loop_run(t.l, now + 10000 * MS, drive, NULL);
  assert_int_equal(ra.received, 20);
  assert_int_equal(rb.received, 20);
  assert_string_equal(ra.last, "message 19");
  assert_true(ra.direct && rb.direct);
  peer_session_info ia;
  assert_int_equal(peer_session(ra.p, 2, &ia), 0);
  assert_true(ia.bytes_relayed > 0); /* the start went through the gateway */
  kill(pid, SIGTERM);
  int status = -1;
  waitpid(pid, &status, 0);
  pid = -1;
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char line[512] = "";
  f = fopen(log, "r");
  while (f && fgets(line, sizeof line, f) && !strstr(line, "registrations")) {}
  if (f) fclose(f);
  assert_non_null(strstr(line, "2 registrations, 1 sessions"));
  peer_free(ra.p);
  peer_free(rb.p);
  loop_free(t.l);
  unlink(peers);
  unlink(log);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loop),
      cmocka_unit_test(test_loop_buffers_and_drops),
      cmocka_unit_test_teardown(test_served_gateway, stop_gateway),
  };
  return cmocka_run_group_tests_name("real", tests, NULL, NULL);
}
