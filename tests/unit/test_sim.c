/* Unit tests for the ns-3 C bindings (sim/sim.cc): links with delay and
** loss, routes, UDP sockets, timers, the forward hook, pcap capture, and
** a device over a file descriptor in real time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"
#include "wire.h"

#define MS 1000000LL
#define A_IP 0x0A000001u /* 10.0.0.1 */
#define B_IP 0x0A000002u /* 10.0.0.2 */
#define R_IP 0x0A0000FEu /* 10.0.0.254 */

typedef struct rx {
  int count;
  int64_t at[64];
  uint32_t from_ip;
  uint16_t from_port;
  size_t len;
  char data[64];
} rx;

static void on_rx(void *ctx, const uint8_t *data, size_t len, uint32_t ip,
                  uint16_t port) {
  rx *r = ctx;
  if (r->count < 64) r->at[r->count] = sim_now();
  r->count++;
  r->from_ip = ip;
  r->from_port = port;
  r->len = len;
  snprintf(r->data, sizeof r->data, "%.*s", (int)len, (const char *)data);
}

/* a <-> b, one link, /32 addresses and default routes. */
static void pair(const sim_link_cfg *cfg, int *a, int *b, int *link) {
  uint32_t ia, ib;
  *a = sim_node_new();
  *b = sim_node_new();
  *link = sim_link_new(*a, *b, cfg, &ia, &ib);
  assert_true(*link >= 0);
  assert_int_equal(sim_addr_add(*a, ia, A_IP, 32), 0);
  assert_int_equal(sim_addr_add(*b, ib, B_IP, 32), 0);
  assert_int_equal(sim_route_add(*a, 0, 0, ia), 0);
  assert_int_equal(sim_route_add(*b, 0, 0, ib), 0);
}

static void never(void *arg) {
  (void)arg;
  fail_msg("a timer ran without a simulation");
}

/* Without a simulation (before sim_init, after sim_destroy) every call
** fails as documented and nothing crashes. */
static void test_before_init(void **state) {
  (void)state;
  sim_destroy();
  uint32_t ia;
  uint32_t ib;
  sim_link_cfg cfg = {0};
  rx r = {0};
  assert_int_equal(sim_node_new(), -1);
  assert_int_equal(sim_schedule(MS, never, NULL), 0);
  assert_int_equal(sim_rearm(0, MS, never, NULL), 0);
  sim_cancel(1);
  assert_int_equal(sim_link_pcap(0, 0, "/tmp/x.pcap"), -1);
  assert_int_equal(sim_link_new(0, 1, &cfg, &ia, &ib), -1);
  assert_int_equal(sim_udp_open(0, 0, 4000, on_rx, &r), -1);
  sim_run_until(10 * MS);
  assert_int_equal(r.count, 0);
  assert_int_equal(sim_init(1), 0);
  assert_true(sim_node_new() >= 0);
  sim_destroy();
}

static void test_delay(void **state) {
  (void)state;
  sim_init(1);
  int a, b, l;
  sim_link_cfg cfg = {.rate_bps = 8000000, .delay = 10 * MS};
  pair(&cfg, &a, &b, &l);
  rx r = {0};
  int sa = sim_udp_open(a, 0, 4000, on_rx, &r);
  int sb = sim_udp_open(b, 0, 5000, on_rx, &r);
  assert_true(sa >= 0 && sb >= 0);
  assert_int_equal(sim_udp_port(sa), 4000);
  uint8_t payload[72] = "hello";
  assert_int_equal(sim_udp_send(sa, B_IP, 5000, payload, sizeof payload), 0);
  sim_run_until(1000 * MS);
  assert_int_equal(r.count, 1);
  /* 10 ms propagation + (72 + 8 UDP + 20 IP + 2 PPP) bytes at 8 Mbit/s */
  assert_int_equal(r.at[0], 10 * MS + 102 * 1000);
  assert_int_equal(r.from_ip, A_IP);
  assert_int_equal(r.from_port, 4000);
  assert_string_equal(r.data, "hello");
  assert_int_equal(sim_now(), 1000 * MS);
  assert_true(sim_event_count() > 0);
  sim_destroy();
}

/* Sockets on a given port (sim's own) and on one ns-3 picks (port 0):
** datagrams both ways at the same times, reassembled when fragmented. */
static void test_direct(void **state) {
  (void)state;
  sim_init(1);
  int a, b, l;
  sim_link_cfg cfg = {.rate_bps = 8000000, .delay = 10 * MS};
  pair(&cfg, &a, &b, &l);
  rx ra = {0};
  rx rb = {0};
  rx rc = {0};
  int sa = sim_udp_open(a, 0, 0, on_rx, &ra); /* ns-3's, ephemeral */
  int sb = sim_udp_open(b, B_IP, 50000, on_rx, &rb);
  int sc = sim_udp_open(b, B_IP, 50001, on_rx, &rc);
  assert_true(sa >= 0 && sb >= 0 && sc >= 0);
  uint16_t pa = sim_udp_port(sa);
  assert_true(pa >= 49152);
  assert_int_equal(sim_udp_port(sb), 50000);
  uint8_t payload[2000] = "hello";
  assert_int_equal(sim_udp_send(sa, B_IP, 50000, payload, 72), 0);
  sim_run_until(100 * MS);
  assert_int_equal(rb.count, 1);
  assert_int_equal(rb.at[0], 10 * MS + 102 * 1000); /* as test_delay's */
  assert_int_equal(rb.from_ip, A_IP);
  assert_int_equal(rb.from_port, pa);
  assert_string_equal(rb.data, "hello");
  assert_int_equal(rc.count, 0);
  assert_int_equal(sim_udp_send(sc, A_IP, pa, payload, sizeof payload), 0);
  sim_run_until(200 * MS);
  assert_int_equal(ra.count, 1);
  assert_int_equal(ra.from_ip, B_IP);
  assert_int_equal(ra.from_port, 50001);
  assert_int_equal(ra.len, sizeof payload); /* sent in two fragments */
  assert_int_equal(sim_udp_send(sa, B_IP, 50001, payload, sizeof payload), 0);
  sim_run_until(300 * MS);
  assert_int_equal(rc.count, 1);
  assert_int_equal(rc.len, sizeof payload);
  sim_udp_close(sb);
  assert_int_equal(sim_udp_send(sb, A_IP, pa, payload, 1), -1);
  assert_int_equal(sim_udp_send(sa, B_IP, 50000, payload, 1), 0);
  sim_run_until(400 * MS);
  assert_int_equal(rb.count, 1); /* closed */
  assert_true(sim_udp_open(b, 0, 50000, on_rx, NULL) >= 0); /* free again */
  sim_destroy();
}

/* A port is bound once per address: ip:port excludes ip:port and 0:port,
** 0:port excludes the port on every address; another address of the node
** may share the port. */
static void test_bind_rules(void **state) {
  (void)state;
  sim_init(1);
  int a, b, l;
  sim_link_cfg cfg = {.delay = MS};
  pair(&cfg, &a, &b, &l);
  assert_int_equal(sim_addr_add(b, 1, R_IP, 32), 0); /* b's second address */
  rx r1 = {0};
  rx r2 = {0};
  int s1 = sim_udp_open(b, B_IP, 3478, on_rx, &r1);
  int s2 = sim_udp_open(b, R_IP, 3478, on_rx, &r2);
  assert_true(s1 >= 0 && s2 >= 0);
  assert_int_equal(sim_udp_open(b, B_IP, 3478, on_rx, NULL), -1);
  assert_int_equal(sim_udp_open(b, 0, 3478, on_rx, NULL), -1);
  int any = sim_udp_open(b, 0, 3479, on_rx, NULL);
  assert_true(any >= 0);
  assert_int_equal(sim_udp_open(b, B_IP, 3479, on_rx, NULL), -1);
  assert_true(sim_udp_open(a, A_IP, 3479, on_rx, NULL) >= 0); /* another node */
  int sa = sim_udp_open(a, 0, 4000, on_rx, NULL);
  assert_int_equal(sim_udp_send(sa, B_IP, 3478, (const uint8_t *)"1", 1), 0);
  assert_int_equal(sim_udp_send(sa, R_IP, 3478, (const uint8_t *)"2", 1), 0);
  sim_run_until(100 * MS);
  assert_int_equal(r1.count, 1);
  assert_string_equal(r1.data, "1");
  assert_int_equal(r2.count, 1);
  assert_string_equal(r2.data, "2");
  sim_udp_close(any);
  assert_true(sim_udp_open(b, B_IP, 3479, on_rx, NULL) >= 0);
  sim_destroy();
}

/* A socket on every address sends from the address of the interface its
** route leaves by; a datagram to the node's own address comes back to it,
** as on a real host. */
static void test_any_source(void **state) {
  (void)state;
  sim_init(1);
  int a, b, l;
  sim_link_cfg cfg = {.delay = MS};
  pair(&cfg, &a, &b, &l);
  rx ra = {0};
  rx rb = {0};
  int sa = sim_udp_open(a, 0, 4000, on_rx, &ra);
  int sb = sim_udp_open(b, 0, 5000, on_rx, &rb);
  assert_int_equal(sim_udp_send(sa, B_IP, 5000, (const uint8_t *)"x", 1), 0);
  assert_int_equal(sim_udp_send(sb, B_IP, 5000, (const uint8_t *)"self", 4), 0);
  sim_run_until(100 * MS);
  assert_int_equal(rb.count, 2);
  assert_int_equal(rb.at[0], 0); /* its own datagram, at once */
  assert_int_equal(rb.at[1], MS + 248); /* 1 ms + (1 + 8 + 20 + 2) bytes at 1 Gbit/s */
  assert_int_equal(rb.from_ip, A_IP);
  assert_int_equal(rb.from_port, 4000);
  assert_int_equal(ra.count, 0);
  sim_destroy();
}

static int count_received(uint64_t seed, double loss, int n, uint64_t *lost) {
  sim_init(seed);
  int a, b, l;
  sim_link_cfg cfg = {.delay = MS, .loss = loss};
  pair(&cfg, &a, &b, &l);
  rx r = {0};
  int sa = sim_udp_open(a, 0, 0, on_rx, &r);
  sim_udp_open(b, 0, 5000, on_rx, &r);
  for (int i = 0; i < n; i++) sim_udp_send(sa, B_IP, 5000, (const uint8_t *)"x", 1);
  sim_run_until(100 * MS);
  *lost = sim_link_lost(l);
  sim_destroy();
  return r.count;
}

static void test_loss(void **state) {
  (void)state;
  uint64_t lost;
  assert_int_equal(count_received(1, 1.0, 200, &lost), 0);
  assert_int_equal(lost, 200);
  assert_int_equal(count_received(1, 0.0, 200, &lost), 200);
  assert_int_equal(lost, 0);
  int half = count_received(5, 0.5, 200, &lost);
  assert_true(half > 60 && half < 140);
  assert_int_equal(half + (int)lost, 200);
  uint64_t lost2;
  assert_int_equal(count_received(5, 0.5, 200, &lost2), half); /* same seed */
  assert_int_equal(lost2, lost);
  /* A burst larger than the device queue: one packet on the wire, 1000
  ** waiting, and the overflow counts as lost. */
  assert_int_equal(count_received(1, 0.0, 1500, &lost), 1001);
  assert_int_equal(lost, 499);
}

static int order[8], norder;
static void mark(void *arg) { order[norder++] = (int)(intptr_t)arg; }

static void test_timers(void **state) {
  (void)state;
  sim_init(1);
  norder = 0;
  sim_schedule(30 * MS, mark, (void *)3);
  sim_schedule(10 * MS, mark, (void *)1);
  uint64_t t = sim_schedule(20 * MS, mark, (void *)2);
  sim_schedule(50 * MS, mark, (void *)5);
  sim_cancel(t);
  sim_run_until(40 * MS);
  assert_int_equal(norder, 2);
  assert_int_equal(order[0], 1);
  assert_int_equal(order[1], 3);
  assert_int_equal(sim_now(), 40 * MS);
  sim_run_until(60 * MS); /* runs resume where they stopped */
  assert_int_equal(norder, 3);
  assert_int_equal(order[2], 5);
  sim_destroy();
}

/* A timer's id names it only while it is pending: an id kept after its
** timer ran or was cancelled cancels nothing, not even the timer that
** took its place (timers reuse freed slots). */
static void test_stale_timer_id(void **state) {
  (void)state;
  sim_init(1);
  norder = 0;
  uint64_t ran = sim_schedule(10 * MS, mark, (void *)1);
  sim_run_until(20 * MS);
  uint64_t next = sim_schedule(10 * MS, mark, (void *)2);
  assert_true(next != ran);
  sim_cancel(ran);
  uint64_t gone = sim_schedule(10 * MS, mark, (void *)3);
  sim_cancel(gone);
  uint64_t last = sim_schedule(10 * MS, mark, (void *)4);
  assert_true(last != gone);
  sim_cancel(gone);
  sim_run_until(40 * MS);
  assert_int_equal(norder, 3);
  assert_int_equal(order[1], 2);
  assert_int_equal(order[2], 4);
  sim_destroy();
}

#define MANY 5000
static int fired[MANY], nfired;
static int64_t fired_at[MANY];
static void note(void *arg) {
  fired_at[nfired] = sim_now();
  fired[nfired] = (int)(intptr_t)arg;
  nfired++;
}

/* Thousands of timers, many due at the same time, a third cancelled: the
** rest run by time, ties in the order they were scheduled (the event
** heap, several levels deep). */
static void test_timer_order_many(void **state) {
  (void)state;
  sim_init(1);
  nfired = 0;
  static uint64_t id[MANY];
  static int64_t due[MANY];
  uint32_t x = 12345;
  for (int i = 0; i < MANY; i++) {
    x = x * 1103515245u + 12345u;
    due[i] = (int64_t)((x >> 16) % 200) * MS / 2; /* 200 distinct times */
    id[i] = sim_schedule(due[i], note, (void *)(intptr_t)i);
  }
  for (int i = 0; i < MANY; i += 3) sim_cancel(id[i]);
  sim_run_until(200 * MS);
  assert_int_equal(nfired, MANY - (MANY + 2) / 3);
  for (int k = 0; k < nfired; k++) {
    int i = fired[k];
    assert_true(i % 3 != 0);
    assert_true(fired_at[k] == due[i]);
    if (k == 0) continue;
    int j = fired[k - 1];
    assert_true(due[j] < due[i] || (due[j] == due[i] && j < i));
  }
  sim_destroy();
}

/* A timer asked for again at its own deadline is kept, not made anew. */
static void test_rearm_keeps(void **state) {
  (void)state;
  sim_init(1);
  norder = 0;
  uint64_t t = sim_rearm(0, 20 * MS, mark, (void *)2);
  assert_int_equal(sim_rearm(t, 20 * MS, mark, (void *)2), t);
  uint64_t u = sim_rearm(t, 30 * MS, mark, (void *)3);
  assert_int_not_equal(u, t);
  sim_run_until(25 * MS);
  assert_int_equal(norder, 0);
  uint64_t v = sim_rearm(u, 10 * MS, mark, (void *)4); /* past: now */
  assert_int_not_equal(v, u);
  assert_int_equal(sim_rearm(v, 0, mark, (void *)4), v); /* past again: still now */
  sim_run_until(40 * MS);
  assert_int_equal(norder, 1);
  assert_int_equal(order[0], 4);
  assert_int_equal(sim_rearm(v, INT64_MAX, mark, NULL), 0);
  /* An event due at the same time scheduled after the timer: a kept timer
  ** would run before it, a new one after, so the timer is made anew. */
  norder = 0;
  uint64_t w = sim_rearm(0, 60 * MS, mark, (void *)2);
  sim_schedule(20 * MS, mark, (void *)7);
  assert_int_not_equal(sim_rearm(w, 60 * MS, mark, (void *)2), w);
  sim_run_until(80 * MS);
  assert_int_equal(norder, 2);
  assert_int_equal(order[0], 7);
  assert_int_equal(order[1], 2);
  sim_destroy();
}

static int hook_calls;
static uint16_t hook_port; /* mode 3: the port of r's own socket */
static sim_verdict hook(void *ctx, sim_pkt *p) {
  hook_calls++;
  int mode = *(int *)ctx;
  assert_int_equal(p->proto, 17);
  if (mode == 0) return SIM_PASS;
  if (mode == 1) return SIM_DROP;
  if (mode == 3) { /* to r itself, to an ns-3 socket: ns-3 delivers it */
    p->dst_ip = R_IP;
    p->dst_port = hook_port;
    return SIM_REWRITE;
  }
  if (mode == 4) { /* to nowhere r has a route to: ns-3 drops it */
    p->dst_ip = 0x0A090909u;
    return SIM_REWRITE;
  }
  p->dst_port = 6000; /* redirect, and disguise the sender */
  p->src_ip = R_IP;
  p->src_port = 1234;
  return SIM_REWRITE;
}

/* a -- r -- b, where r runs the hook with *mode; links[0] is a-r, links[1] b-r. */
static int triangle(int *mode, int *a, int *b, int links[2]) {
  sim_link_cfg cfg = {.delay = MS};
  int r = sim_node_new();
  uint32_t ia, ra, rb, ib;
  *a = sim_node_new();
  *b = sim_node_new();
  links[0] = sim_link_new(*a, r, &cfg, &ia, &ra);
  links[1] = sim_link_new(*b, r, &cfg, &ib, &rb);
  sim_addr_add(*a, ia, A_IP, 32);
  sim_addr_add(*b, ib, B_IP, 32);
  sim_addr_add(r, ra, R_IP, 32);
  sim_addr_add(r, rb, R_IP, 32);
  sim_route_add(*a, 0, 0, ia);
  sim_route_add(*b, 0, 0, ib);
  sim_route_add(r, A_IP, 32, ra);
  sim_route_add(r, B_IP, 32, rb);
  assert_int_equal(sim_node_hook(r, hook, mode), 0);
  return r;
}

/* A rewritten packet that needs ns-3's IPv4 after the hook (for a socket
** of ns-3's, or without a route) goes there without seeing the hook
** again. */
static void test_hook_once(void **state) {
  (void)state;
  for (int mode = 3; mode <= 4; mode++) {
    sim_init(1);
    int a, b, links[2];
    int r = triangle(&mode, &a, &b, links);
    rx rr = {0}, r5 = {0};
    int sr = sim_udp_open(r, R_IP, 0, on_rx, &rr);
    hook_port = sim_udp_port(sr);
    int sa = sim_udp_open(a, 0, 4000, on_rx, NULL);
    sim_udp_open(b, 0, 5000, on_rx, &r5);
    hook_calls = 0;
    sim_udp_send(sa, B_IP, 5000, (const uint8_t *)"m", 1);
    sim_run_until(100 * MS);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(rr.count, mode == 3);
    assert_int_equal(r5.count, 0);
    sim_udp_send(sa, B_IP, 5000, (const uint8_t *)"n", 1);
    sim_run_until(200 * MS);
    assert_int_equal(hook_calls, 2);
    assert_int_equal(rr.count, mode == 3 ? 2 : 0);
    sim_destroy();
  }
}

#define C_IP 0x0A000003u /* 10.0.0.3 */

static void send_burst(void *arg) {
  int *sock = arg;
  for (int i = 0; i < 500; i++) sim_udp_send(*sock, C_IP, 5000, (const uint8_t *)"x", 1);
}

/* A router whose way out is slower than its way in: what its device queue
** cannot hold is dropped there and counted as lost, so every datagram is
** accounted for. */
static void test_forward_overflow(void **state) {
  (void)state;
  sim_init(1);
  int mode = 0; /* the hook passes everything */
  int a, b, links[2];
  int r = triangle(&mode, &a, &b, links);
  /* c behind r at 1 Mbit/s: 248 us a datagram, where three bursts of 500
  ** (1 ms apart, each gone from a's queue in 124 us) reach r within 2 ms */
  sim_link_cfg slow = {.rate_bps = 1000000, .delay = MS};
  int c = sim_node_new();
  uint32_t ic, rc;
  int lc = sim_link_new(c, r, &slow, &ic, &rc);
  assert_true(lc >= 0);
  sim_addr_add(c, ic, C_IP, 32);
  sim_addr_add(r, rc, R_IP, 32);
  sim_route_add(c, 0, 0, ic);
  sim_route_add(r, C_IP, 32, rc);
  rx got = {0};
  int sa = sim_udp_open(a, 0, 4000, on_rx, NULL);
  sim_udp_open(c, 0, 5000, on_rx, &got);
  for (int k = 0; k < 3; k++) sim_schedule(k * MS, send_burst, &sa);
  sim_run_until(10 * SIM_NS_PER_S);
  assert_int_equal(sim_link_lost(links[0]), 0); /* a's queue kept up */
  uint64_t lost = sim_link_lost(lc);
  assert_true(lost > 0 && got.count >= 1000);
  assert_int_equal(got.count + (int)lost, 1500);
  sim_destroy();
}

static void test_hook(void **state) {
  (void)state;
  for (int mode = 0; mode < 3; mode++) {
    sim_init(1);
    int a, b, links[2];
    triangle(&mode, &a, &b, links);
    rx r5 = {0}, r6 = {0};
    int sa = sim_udp_open(a, 0, 4000, on_rx, &r5);
    sim_udp_open(b, 0, 5000, on_rx, &r5);
    sim_udp_open(b, 0, 6000, on_rx, &r6);
    hook_calls = 0;
    sim_udp_send(sa, B_IP, 5000, (const uint8_t *)"m", 1);
    sim_run_until(100 * MS);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(r5.count, mode == 0);
    assert_int_equal(r6.count, mode == 2);
    if (mode == 2) {
      assert_int_equal(r6.from_ip, R_IP);
      assert_int_equal(r6.from_port, 1234);
    }
    sim_destroy();
  }
}

static void test_bad_arguments(void **state) {
  (void)state;
  sim_init(1);
  int a = sim_node_new();
  uint32_t x, y;
  sim_link_cfg cfg = {.delay = MS};
  assert_int_equal(sim_link_new(a, a, &cfg, &x, &y), -1);
  assert_int_equal(sim_link_new(a, 99, &cfg, &x, &y), -1);
  cfg.loss = 2;
  assert_int_equal(sim_link_new(a, sim_node_new(), &cfg, &x, &y), -1);
  assert_int_equal(sim_addr_add(a, 7, A_IP, 32), -1);
  assert_int_equal(sim_route_add(a, 0, 33, 0), -1);
  assert_int_equal(sim_node_hook(42, hook, NULL), -1);
  assert_true(sim_udp_open(a, 0, 7000, on_rx, NULL) >= 0);
  assert_int_equal(sim_udp_open(a, 0, 7000, on_rx, NULL), -1); /* taken */
  assert_int_equal(sim_udp_send(99, A_IP, 1, (const uint8_t *)"", 0), -1);
  sim_destroy();
}

/* A scratch folder made from the template dir, and file, a path in it. */
static void scratch(char *dir, char *file, size_t len) {
  assert_non_null(mkdtemp(dir));
  snprintf(file, len, "%s/x.pcap", dir);
}

/* The whole of file, in buf (at most cap bytes), then file and its folder
** dir removed; its size. */
static size_t take_file(const char *dir, const char *file, uint8_t *buf, size_t cap) {
  FILE *f = fopen(file, "rb");
  assert_non_null(f);
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  remove(file);
  rmdir(dir);
  return n;
}

/* pcap: a 24-byte file header, then per packet a 16-byte record header;
** point-to-point links frame IPv4 in a 2-byte PPP header. */
#define PCAP_FIRST_IP (24 + 16 + 2)

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* A packet the hook rewrote, captured where it arrives: its UDP length
** counts the header and the payload (ns-3's UdpHeader, reused as parsed,
** wrote the payload's size alone). */
static void test_pcap_rewritten(void **state) {
  (void)state;
  char dir[] = "/tmp/natsim-pcap-XXXXXX", file[64];
  uint8_t buf[512];
  scratch(dir, file, sizeof file);
  sim_init(1);
  int mode = 2, a, b, links[2];
  triangle(&mode, &a, &b, links);
  assert_int_equal(sim_link_pcap(links[1], 0, file), 0);
  rx got = {0};
  int sa = sim_udp_open(a, 0, 4000, on_rx, NULL);
  sim_udp_open(b, 0, 6000, on_rx, &got);
  sim_udp_send(sa, B_IP, 5000, (const uint8_t *)"hello", 5);
  sim_run_until(100 * MS);
  sim_destroy();
  assert_int_equal(got.count, 1);
  size_t n = take_file(dir, file, buf, sizeof buf);
  assert_true(n >= PCAP_FIRST_IP + 20 + 8 + 5);
  const uint8_t *ip = buf + PCAP_FIRST_IP;
  assert_int_equal(be16(ip + 2), 20 + 8 + 5);  /* IPv4 total length */
  assert_int_equal(be16(ip + 20), 1234);       /* the rewritten ports */
  assert_int_equal(be16(ip + 22), 6000);
  assert_int_equal(be16(ip + 24), 8 + 5);      /* UDP length */
  assert_memory_equal(ip + 28, "hello", 5);
}

static void test_pcap(void **state) {
  (void)state;
  char dir[] = "/tmp/natsim-pcap-XXXXXX", file[64];
  uint8_t buf[512];
  scratch(dir, file, sizeof file);
  sim_init(1);
  int a, b, l;
  sim_link_cfg cfg = {.delay = MS};
  pair(&cfg, &a, &b, &l);
  assert_int_equal(sim_link_pcap(l, 2, file), -1);
  assert_int_equal(sim_link_pcap(l + 1, 0, file), -1);
  assert_int_equal(sim_link_pcap(l, 0, NULL), -1);
  assert_int_equal(sim_link_pcap(l, 0, file), 0);
  int sa = sim_udp_open(a, 0, 0, on_rx, NULL);
  sim_udp_send(sa, B_IP, 9, (const uint8_t *)"x", 1);
  sim_run_until(10 * MS);
  sim_destroy();
  size_t n = take_file(dir, file, buf, sizeof buf);
  assert_true(n >= PCAP_FIRST_IP + 20 + 8 + 1);
  assert_int_equal(be16(buf + PCAP_FIRST_IP + 24), 8 + 1); /* UDP length */
}

/* --- a device over a file descriptor, in real time ------------------------ */

#define FD_IP 0xA9FE0101u /* 169.254.1.1: the node's address on the device */
#define FAR_IP 0xC0A80102u /* 192.168.1.2: a host beyond it */

/* The Internet checksum of len bytes (len even), starting from sum. */
static uint16_t ip_checksum(uint32_t sum, const uint8_t *h, size_t len) {
  for (size_t i = 0; i < len; i += 2) sum += wire_get16(h + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return (uint16_t)~sum;
}

/* An Ethernet broadcast frame carrying an IPv4/UDP datagram from
** FAR_IP:4000 to FD_IP:9000 with payload "hi"; its length. */
static size_t udp_frame(uint8_t *f) {
  memset(f, 0, 64);
  memset(f, 0xFF, 6);                    /* to: broadcast */
  memcpy(f + 6, "\x02\0\0\0\0\x01", 6); /* from: a local MAC */
  wire_put16(f + 12, 0x0800);
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  wire_put16(ip + 2, 20 + 8 + 2);
  ip[8] = 64;
  ip[9] = 17;
  wire_put32(ip + 12, FAR_IP);
  wire_put32(ip + 16, FD_IP);
  wire_put16(ip + 10, ip_checksum(0, ip, 20));
  uint8_t *udp = ip + 20;
  wire_put16(udp, 4000);
  wire_put16(udp + 2, 9000);
  wire_put16(udp + 4, 8 + 2);
  memcpy(udp + 8, "hi", 2);
  /* ns-3 with checksums on refuses a UDP checksum of 0 (none). */
  uint32_t pseudo = (FAR_IP >> 16) + (FAR_IP & 0xFFFF) + (FD_IP >> 16) + (FD_IP & 0xFFFF) + 17 + 10;
  wire_put16(udp + 6, ip_checksum(pseudo, udp, 10));
  return 14 + 20 + 8 + 2;
}

static void test_fd_device(void **state) {
  (void)state;
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
  sim_init(1);
  int n = sim_node_new();
  assert_int_equal(sim_fd_new(n, sv[0], FD_IP), -1); /* not in real time */
  sim_set_realtime(1);
  sim_init(1);
  assert_int_equal(sim_is_realtime(), 1);
  n = sim_node_new();
  int iface = sim_fd_new(n, sv[0], FD_IP);
  assert_true(iface >= 1);
  assert_int_equal(sim_route_add(n, FAR_IP, 32, (uint32_t)iface), 0);
  rx got = {0};
  int s = sim_udp_open(n, 0, 9000, on_rx, &got);
  uint8_t f[1600];
  size_t len = udp_frame(f);
  assert_int_equal(write(sv[1], f, len), (ssize_t)len);
  sim_run_until(200 * MS); /* 200 ms of wall time */
  assert_int_equal(got.count, 1);
  assert_int_equal(got.from_ip, FAR_IP);
  assert_string_equal(got.data, "hi");
  /* A reply to FAR_IP: the device first asks for its MAC (ARP). */
  assert_int_equal(sim_udp_send(s, FAR_IP, 4000, (const uint8_t *)"ok", 2), 0);
  sim_run_until(sim_now() + 50 * MS);
  ssize_t r = recv(sv[1], f, sizeof f, MSG_DONTWAIT);
  assert_true(r >= 42);
  assert_int_equal(wire_get16(f + 12), 0x0806); /* ARP */
  assert_int_equal(wire_get32(f + 14 + 24), FAR_IP); /* the address asked for */
  sim_destroy(); /* closes sv[0] */
  sim_set_realtime(0);
  sim_init(1);
  assert_int_equal(sim_is_realtime(), 0);
  sim_destroy();
  close(sv[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_before_init),
      cmocka_unit_test(test_delay),
      cmocka_unit_test(test_loss),
      cmocka_unit_test(test_timers),
      cmocka_unit_test(test_stale_timer_id),
      cmocka_unit_test(test_timer_order_many),
      cmocka_unit_test(test_rearm_keeps),
      cmocka_unit_test(test_direct),
      cmocka_unit_test(test_bind_rules),
      cmocka_unit_test(test_any_source),
      cmocka_unit_test(test_hook),
      cmocka_unit_test(test_hook_once),
      cmocka_unit_test(test_forward_overflow),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_pcap),
      cmocka_unit_test(test_pcap_rewritten),
      cmocka_unit_test(test_fd_device),
  };
  return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
