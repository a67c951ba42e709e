/* `natsim serve gateway` on loopback, attacked over real sockets: a
** captured RELAY replayed from another address (the peer must not move),
** session ids that a clock seed would predict, a SESSION frame read on
** the path (the key must not be in clear), and a restarted peer (it must
** register at once; its old REGISTER replayed must not). Peers are
** written by hand from gwproto.h, so every byte on the wire is known.
** Each server is a child process started here and stopped by its PID. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gwproto.h"
#include "rng.h"
#include "udp_test.h"

#define PORT 34880
#define EPOCH 1000 /* the first registration's epoch of every test peer */

static pid_t server = -1;
static char peers_file[64];
static int64_t started_ns; /* CLOCK_MONOTONIC just before the server started */
static int64_t answered_ns; /* ... and when it first answered */

static const uint8_t key_of[4][GW_KEY_LEN] = {
    {0}, /* no peer 0 */
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
    {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
};

/* --- sockets ------------------------------------------------------------------- */

static void send_raw(int fd, const uint8_t *d, size_t n) {
  addr gw = addr_v4(0x7F000001u, PORT);
  send_to(fd, &gw, d, n);
}

static int64_t monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* --- a peer by hand ------------------------------------------------------------- */

typedef struct hpeer {
  uint32_t id;
  int fd;
  uint64_t epoch, counter;
  uint8_t tag_key[GW_KEY_LEN], seal_key[GW_KEY_LEN];
  uint8_t last[GW_MAX_FRAME + 64]; /* the last frame it sent */
  size_t last_len;
} hpeer;

static hpeer hand_peer(uint32_t id, uint64_t epoch) {
  hpeer p = {.id = id, .fd = udp_on("127.0.0.1"), .epoch = epoch};
  assert_int_equal(gw_derive_key(key_of[id], "tag ", epoch, p.tag_key), 0);
  assert_int_equal(gw_derive_key(key_of[id], "seal", epoch, p.seal_key), 0);
  return p;
}

/* Sends f from p with its next counter: REGISTER with its epoch under the
** registration key, the rest under the epoch's key. */
static void hp_send(hpeer *p, gw_frame f) {
  f.peer = p->id;
  f.counter = ++p->counter;
  f.epoch = p->epoch;
  const uint8_t *key = f.type == GW_REGISTER ? key_of[p->id] : p->tag_key;
  int n = gw_encode(&f, key, p->last, sizeof p->last);
  assert_true(n > 0);
  p->last_len = (size_t)n;
  send_raw(p->fd, p->last, p->last_len);
}

/* The next frame p gets within ms, checked under its epoch's key: 1, or 0
** if none came. raw, when not NULL, gets its bytes. */
static int hp_recv(hpeer *p, gw_frame *f, int ms, uint8_t *raw, size_t *raw_len) {
  uint8_t buf[GW_MAX_FRAME + 64];
  size_t n = recv_within(p->fd, buf, sizeof buf, ms);
  if (!n) return 0;
  assert_int_equal(gw_decode(buf, n, f), GW_OK);
  assert_int_equal(gw_verify(buf, n, p->tag_key), GW_OK);
  if (raw) memcpy(raw, buf, n);
  if (raw_len) *raw_len = n;
  return 1;
}

static void hp_register(hpeer *p) {
  gw_frame f;
  hp_send(p, (gw_frame){.type = GW_REGISTER});
  assert_int_equal(hp_recv(p, &f, 1000, NULL, NULL), 1);
  assert_int_equal(f.type, GW_REGISTERED);
}

/* --- the server ------------------------------------------------------------------ */

/* Starts `natsim serve gateway` for peers 1-3 and waits until it answers
** (peer 3, on a socket of its own, registers to see that). */
static void start(void) {
  char dir[] = "/tmp/natsim-gwa-XXXXXX";
  assert_non_null(mkdtemp(dir));
  snprintf(peers_file, sizeof peers_file, "%s/peers", dir);
  FILE *f = fopen(peers_file, "w");
  assert_non_null(f);
  for (int id = 1; id <= 3; id++) {
    fprintf(f, "%d ", id);
    for (int i = 0; i < GW_KEY_LEN; i++) fprintf(f, "%02x", key_of[id][i]);
    fprintf(f, "\n");
  }
  fclose(f);
  started_ns = monotonic_ns();
  server = fork();
  assert_true(server >= 0);
  if (server == 0) {
    freopen("/dev/null", "w", stderr);
    execl(NATSIM_BIN, "natsim", "serve", "gateway", "--listen", "127.0.0.1:34880", "--peers",
          peers_file, (char *)NULL);
    _exit(127);
  }
  hpeer probe = hand_peer(3, EPOCH);
  gw_frame got;
  int answered = 0;
  for (int i = 0; i < 100 && !answered; i++) {
    hp_send(&probe, (gw_frame){.type = GW_REGISTER});
    answered = hp_recv(&probe, &got, 50, NULL, NULL);
  }
  answered_ns = monotonic_ns();
  close(probe.fd);
  assert_int_equal(answered, 1);
}

static void stop(void) {
  if (server > 0) {
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
  }
  server = -1;
  unlink(peers_file);
}

static int teardown(void **state) {
  (void)state;
  stop();
  return 0;
}

/* Peers 1 and 2 registered, and their session (asked by 1): each one's
** SESSION frame, its bytes as they came, and the key it opens to. */
typedef struct pair {
  hpeer a, b;
  gw_frame sa, sb;
  uint8_t raw_a[GW_MAX_FRAME + 64];
  size_t raw_a_len;
  uint8_t key_a[GW_KEY_LEN], key_b[GW_KEY_LEN];
} pair;

static void make_pair(pair *s) {
  s->a = hand_peer(1, EPOCH);
  s->b = hand_peer(2, EPOCH);
  hp_register(&s->a);
  hp_register(&s->b);
  hp_send(&s->a, (gw_frame){.type = GW_CONNECT, .target = 2});
  assert_int_equal(hp_recv(&s->a, &s->sa, 1000, s->raw_a, &s->raw_a_len), 1);
  assert_int_equal(hp_recv(&s->b, &s->sb, 1000, NULL, NULL), 1);
  assert_int_equal(s->sa.type, GW_SESSION);
  assert_int_equal(s->sb.type, GW_SESSION);
  assert_int_equal(gw_open_key(s->a.seal_key, s->sa.nonce, s->sa.session, 1, 2, s->sa.sealed,
                               s->key_a), GW_OK);
  assert_int_equal(gw_open_key(s->b.seal_key, s->sb.nonce, s->sb.session, 2, 1, s->sb.sealed,
                               s->key_b), GW_OK);
}

static void free_pair(pair *s) {
  close(s->a.fd);
  close(s->b.fd);
}

/* --- the attacks ----------------------------------------------------------------- */

/* A RELAY captured on the path and sent again from the attacker's address:
** nothing is relayed for it, and the other's next RELAY still goes to the
** real peer, not to the attacker. */
static void test_replayed_relay(void **state) {
  (void)state;
  start();
  pair s;
  make_pair(&s);
  gw_frame f;
  hp_send(&s.a, (gw_frame){.type = GW_RELAY, .session = s.sa.session,
                           .payload = (const uint8_t *)"hello", .payload_len = 5});
  assert_int_equal(hp_recv(&s.b, &f, 1000, NULL, NULL), 1);
  assert_int_equal(f.type, GW_RELAY);
  int attacker = udp_on("127.0.0.1");
  send_raw(attacker, s.a.last, s.a.last_len);
  assert_int_equal(hp_recv(&s.b, &f, 300, NULL, NULL), 0); /* not relayed again */
  hp_send(&s.b, (gw_frame){.type = GW_RELAY, .session = s.sa.session,
                           .payload = (const uint8_t *)"back", .payload_len = 4});
  uint8_t buf[GW_MAX_FRAME + 64];
  assert_int_equal(recv_within(attacker, buf, sizeof buf, 300), 0);
  assert_int_equal(hp_recv(&s.a, &f, 1000, NULL, NULL), 1);
  assert_int_equal(f.type, GW_RELAY);
  assert_int_equal(f.payload_len, 4);
  close(attacker);
  free_pair(&s);
}

/* The SESSION frame as anyone on the path sees it: the key both members
** open is not in it. */
static void test_session_key_sealed(void **state) {
  (void)state;
  start();
  pair s;
  make_pair(&s);
  assert_memory_equal(s.key_a, s.key_b, GW_KEY_LEN);
  assert_null(memmem(s.raw_a, s.raw_a_len, s.key_a, GW_KEY_LEN));
  assert_null(memmem(s.raw_a, s.raw_a_len, s.key_a, 4));
  free_pair(&s);
}

/* Whether `value` is among the first outputs of xoshiro seeded, on the
** gateway's stream, with a CLOCK_MONOTONIC time in [from, to] (what the
** server used to seed it with). */
static bool clock_seeded(uint64_t value, int64_t from, int64_t to) {
  for (int64_t t = from; t <= to; t++) {
    rng r;
    rng_seed(&r, (uint64_t)t, 0x6777);
    for (int i = 0; i < 4; i++)
      if (rng_u64(&r) == value) return true;
  }
  return false;
}

/* Session ids: not the xoshiro stream of the server's start time, and a
** restarted server gives the same pair another id. */
static void test_unpredictable_ids(void **state) {
  (void)state;
  start();
  pair s;
  make_pair(&s);
  uint64_t first = s.sa.session;
  uint64_t key_word;
  memcpy(&key_word, s.key_a, 8);
  assert_false(clock_seeded(first, started_ns, answered_ns));
  assert_false(clock_seeded(key_word, started_ns, answered_ns));
  free_pair(&s);
  stop();
  start();
  make_pair(&s);
  assert_true(s.sa.session != first);
  free_pair(&s);
}

/* A peer that restarts (a later epoch, counters from 1) registers at once;
** its old REGISTER sent again later is refused, and does not move it. */
static void test_restarted_peer(void **state) {
  (void)state;
  start();
  hpeer old = hand_peer(1, EPOCH);
  hp_register(&old);
  gw_frame f;
  for (int i = 0; i < 10; i++) {
    hp_send(&old, (gw_frame){.type = GW_KEEPALIVE});
    assert_int_equal(hp_recv(&old, &f, 1000, NULL, NULL), 1);
  }
  uint8_t old_register[GW_MAX_FRAME + 64];
  gw_frame reg = {.type = GW_REGISTER, .peer = 1, .counter = 1, .epoch = EPOCH};
  int old_len = gw_encode(&reg, key_of[1], old_register, sizeof old_register);
  hpeer restarted = hand_peer(1, EPOCH + 1);
  hp_send(&restarted, (gw_frame){.type = GW_REGISTER});
  assert_int_equal(hp_recv(&restarted, &f, 500, NULL, NULL), 1);
  assert_int_equal(f.type, GW_REGISTERED);
  send_raw(old.fd, old_register, (size_t)old_len);
  uint8_t buf[GW_MAX_FRAME + 64];
  assert_int_equal(recv_within(old.fd, buf, sizeof buf, 300), 0);
  hp_send(&restarted, (gw_frame){.type = GW_KEEPALIVE});
  assert_int_equal(hp_recv(&restarted, &f, 1000, NULL, NULL), 1);
  assert_int_equal(f.type, GW_REGISTERED);
  close(old.fd);
  close(restarted.fd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_replayed_relay, teardown),
      cmocka_unit_test_teardown(test_session_key_sealed, teardown),
      cmocka_unit_test_teardown(test_unpredictable_ids, teardown),
      cmocka_unit_test_teardown(test_restarted_peer, teardown),
  };
  return cmocka_run_group_tests_name("gateway_attack", tests, NULL, NULL);
}
