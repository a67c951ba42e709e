/* Unit tests for TURN (src/turn_server.c, src/turn_client.c): every method
** and error path, with the client, server and a peer wired together in
** memory; datagrams are delivered at once and the clock is moved by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "stun.h"
#include "turn.h"
#include "turn_client.h"
#include "turn_server.h"

#define S 1000000000LL

static turn_server *srv;
static turn_client *cli, *cli2;
static addr server_addr, client_addr, client2_addr, peer_addr;
static int64_t now;
static int events[4], events2[4];
static addr last_relayed_to;
static char peer_inbox[256], client_inbox[256];
static addr client_inbox_from;
static int peer_count, client_count, relays_open;

static uint8_t captured[1500]; /* when capturing, answers land here */
static size_t ncaptured;
static bool capturing;

static void to_client(void *ctx, const addr *c, const uint8_t *d, size_t n) {
  (void)ctx;
  if (capturing) {
    memcpy(captured, d, n);
    ncaptured = n;
    return;
  }
  turn_client *who = addr_equal(c, &client_addr) ? cli : addr_equal(c, &client2_addr) ? cli2 : NULL;
  if (who) turn_client_recv(who, now, &server_addr, d, n);
}
static void to_peer(void *ctx, const addr *relayed, const addr *peer, const uint8_t *d, size_t n) {
  (void)ctx;
  assert_true(addr_equal(peer, &peer_addr));
  last_relayed_to = *relayed;
  memcpy(peer_inbox, d, n);
  peer_inbox[n] = '\0';
  peer_count++;
}
static int open_relay(void *ctx, const addr *a) {
  (void)ctx, (void)a;
  relays_open++;
  return 0;
}
static void close_relay(void *ctx, const addr *a) {
  (void)ctx, (void)a;
  relays_open--;
}
static bool server_down; /* the client's requests get lost */

static void cli_send(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  assert_true(addr_equal(to, &server_addr));
  if (server_down) return;
  turn_server_recv(srv, now, ctx == &cli ? &client_addr : &client2_addr, d, n);
}
static void cli_deliver(void *ctx, const addr *peer, const uint8_t *d, size_t n) {
  (void)ctx;
  client_inbox_from = *peer;
  memcpy(client_inbox, d, n);
  client_inbox[n] = '\0';
  client_count++;
}
static void cli_event(void *ctx, enum turn_event ev, const addr *peer) {
  (void)peer;
  (ctx == &cli ? events : events2)[ev]++;
}

static turn_client *make_client(void *tag, const char *user, const char *pass) {
  static uint64_t seed = 1; /* each client its own transaction IDs */
  turn_client_cfg cc = {.server = server_addr, .user = user, .password = pass,
                        .timing = stun_timing_default(), .seed = seed++};
  turn_client_io io = {cli_send, cli_deliver, cli_event, tag};
  return turn_client_new(&cc, &io);
}

static int setup(void **state) {
  (void)state;
  addr_parse("203.0.113.5:3478", &server_addr);
  addr_parse("198.51.100.1:5000", &client_addr);
  addr_parse("198.51.100.2:5000", &client2_addr);
  addr_parse("192.0.2.9:7000", &peer_addr);
  turn_server_cfg sc = {.realm = "natsim.test", .relay = server_addr, .port_min = 50000,
                        .port_max = 50099, .nonce_lifetime = 3600 * S, .seed = 7};
  turn_server_io io = {to_client, to_peer, open_relay, close_relay, NULL};
  srv = turn_server_new(&sc, &io);
  turn_server_add_user(srv, "alice", "secret");
  turn_server_add_user(srv, "bob", "hunter2");
  cli = make_client(&cli, "alice", "secret");
  cli2 = NULL;
  now = 0;
  memset(events, 0, sizeof events);
  memset(events2, 0, sizeof events2);
  peer_count = client_count = relays_open = 0;
  server_down = false;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  turn_client_free(cli);
  turn_client_free(cli2);
  turn_server_free(srv);
  return 0;
}

static void from_peer(const char *text) {
  turn_server_recv_relay(srv, now, &last_relayed_to, &peer_addr, (const uint8_t *)text, strlen(text));
}

static void allocate(void) {
  turn_client_allocate(cli, now);
  assert_int_equal(events[TURN_ALLOCATED], 1);
}

static void test_allocate_with_challenge(void **state) {
  (void)state;
  allocate();
  addr r = turn_client_relayed(cli);
  assert_true(r.port >= 50000 && r.port <= 50099);
  assert_int_equal(turn_server_get_stats(srv)->challenges, 1);
  assert_int_equal(turn_client_get_stats(cli)->challenges, 1);
  assert_int_equal(turn_server_allocations(srv, now), 1);
  assert_int_equal(relays_open, 1);
}

static void test_wrong_password(void **state) {
  (void)state;
  turn_client_free(cli);
  cli = make_client(&cli, "alice", "guess");
  turn_client_allocate(cli, now);
  assert_int_equal(events[TURN_ALLOCATED], 0);
  assert_int_equal(events[TURN_FAILED], 1);
  assert_true(turn_server_get_stats(srv)->auth_failures >= 1);
  assert_int_equal(turn_server_allocations(srv, now), 0);
}

static void test_permission_and_indications(void **state) {
  (void)state;
  allocate();
  last_relayed_to = turn_client_relayed(cli);
  /* No permission yet: nothing passes either way. */
  from_peer("too early");
  turn_client_send(cli, now, &peer_addr, (const uint8_t *)"no", 2);
  assert_int_equal(client_count + peer_count, 0);
  assert_int_equal(turn_server_get_stats(srv)->dropped_no_permission, 2);
  assert_int_equal(turn_client_permit(cli, now, &peer_addr), 0);
  assert_int_equal(events[TURN_PERMITTED], 1);
  turn_client_send(cli, now, &peer_addr, (const uint8_t *)"hello peer", 10);
  assert_string_equal(peer_inbox, "hello peer");
  assert_true(addr_equal(&last_relayed_to, &last_relayed_to));
  from_peer("hello client"); /* a Data indication */
  assert_string_equal(client_inbox, "hello client");
  assert_true(addr_equal(&client_inbox_from, &peer_addr));
  /* Permissions are per IP: another port of the peer passes too. */
  addr other = peer_addr;
  other.port = 7001;
  turn_server_recv_relay(srv, now, &last_relayed_to, &other, (const uint8_t *)"x", 1);
  assert_int_equal(client_count, 2);
  /* After 300 s without a refresh, the permission is gone. */
  now += 301 * S;
  from_peer("late");
  assert_int_equal(client_count, 2);
}

/* Runs the client's timers until `end`. */
static void run_client_until(int64_t end) {
  while (turn_client_deadline(cli) <= end) {
    now = turn_client_deadline(cli);
    turn_client_tick(cli, now);
  }
  now = end;
}

/* Requests that time out give their places back: after more timeouts than
** there are places (128), a permission still goes out and is granted; and
** a request that finds no place says so. */
static void test_timeouts_free_requests(void **state) {
  (void)state;
  allocate();
  server_down = true;
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 100; i++) assert_int_equal(turn_client_permit(cli, now, &peer_addr), 0);
    run_client_until(now + 60 * S); /* every one of them times out */
  }
  for (int i = 0; i < 128; i++) assert_int_equal(turn_client_permit(cli, now, &peer_addr), 0);
  assert_int_equal(turn_client_permit(cli, now, &peer_addr), -1);
  assert_int_equal(turn_client_bind(cli, now, &peer_addr), -1);
  run_client_until(now + 60 * S);
  server_down = false;
  assert_int_equal(turn_client_permit(cli, now, &peer_addr), 0);
  assert_int_equal(events[TURN_PERMITTED], 1);
  assert_int_equal(events[TURN_FAILED], 0);
}

static void test_channels(void **state) {
  (void)state;
  allocate();
  last_relayed_to = turn_client_relayed(cli);
  assert_int_equal(turn_client_bind(cli, now, &peer_addr), 0);
  assert_int_equal(events[TURN_BOUND], 1);
  assert_int_equal(turn_server_get_stats(srv)->channels, 1);
  turn_client_send(cli, now, &peer_addr, (const uint8_t *)"via channel", 11);
  assert_string_equal(peer_inbox, "via channel");
  from_peer("back on the channel");
  assert_string_equal(client_inbox, "back on the channel");
  assert_int_equal(turn_server_get_stats(srv)->from_peers, 1);
  /* ChannelData for a channel that is not bound goes nowhere. */
  uint8_t buf[16];
  int n = turn_channel_encode(0x4abc, (const uint8_t *)"x", 1, buf, sizeof buf);
  turn_server_recv(srv, now, &client_addr, buf, (size_t)n);
  assert_int_equal(peer_count, 1);
}

static void test_lifetimes_and_refresh(void **state) {
  (void)state;
  allocate();
  /* The client refreshes on its own before 600 s... */
  for (now = 0; now < 700 * S; now += 10 * S) turn_client_tick(cli, now);
  assert_int_equal(turn_server_allocations(srv, now), 1);
  assert_true(turn_server_get_stats(srv)->refreshes >= 1);
  /* ...and without it, the allocation expires and its relay closes. */
  now += 601 * S;
  assert_int_equal(turn_server_allocations(srv, now), 0);
  assert_int_equal(relays_open, 0);
  turn_client_tick(cli, now); /* the refresh comes too late: 437 */
  assert_int_equal(events[TURN_FAILED], 1);
  assert_false(turn_client_allocated(cli));
}

static void test_stale_nonce(void **state) {
  (void)state;
  turn_server_free(srv);
  turn_server_cfg sc = {.realm = "natsim.test", .relay = server_addr, .port_min = 50000,
                        .port_max = 50099, .nonce_lifetime = 10 * S, .seed = 7};
  turn_server_io io = {to_client, to_peer, open_relay, close_relay, NULL};
  srv = turn_server_new(&sc, &io);
  turn_server_add_user(srv, "alice", "secret");
  allocate();
  now = 20 * S;
  turn_client_permit(cli, now, &peer_addr);
  assert_int_equal(turn_server_get_stats(srv)->stale_nonces, 1);
  assert_int_equal(turn_client_get_stats(cli)->stale_nonces, 1);
  assert_int_equal(events[TURN_PERMITTED], 1);
}

static void test_ownership(void **state) {
  (void)state;
  allocate();
  last_relayed_to = turn_client_relayed(cli);
  turn_client_permit(cli, now, &peer_addr);
  /* Another client (another 5-tuple) has no allocation to act on. */
  cli2 = make_client(&cli2, "bob", "hunter2");
  turn_client_allocate(cli2, now); /* its own: fine */
  assert_int_equal(events2[TURN_ALLOCATED], 1);
  assert_int_equal(turn_server_allocations(srv, now), 2);
  /* The same 5-tuple with another user's credentials: 437 for an
  ** Allocate (the 5-tuple has one), 441 for acting on it. */
  turn_client_free(cli2);
  cli2 = NULL;
  turn_client *intruder = make_client(&cli, "bob", "hunter2");
  turn_client *owner = cli;
  cli = intruder;
  turn_client_allocate(cli, now);  /* 437: the 5-tuple has an allocation */
  assert_int_equal(events[TURN_FAILED], 1);
  uint64_t errors = turn_server_get_stats(srv)->errors;
  /* Even with a (fake) allocation on its side, its permission request is refused. */
  turn_client_free(intruder);
  intruder = make_client(&cli, "bob", "hunter2");
  cli = intruder;
  turn_client_allocate(cli, now);
  assert_int_equal(turn_server_get_stats(srv)->errors, errors + 1);
  cli = owner;
  turn_client_free(intruder);
  /* The owner still relays, the others never did. */
  peer_count = 0;
  turn_client_send(cli, now, &peer_addr, (const uint8_t *)"mine", 4);
  assert_int_equal(peer_count, 1);
}

/* Sends a CreatePermission for peer_addr from the owner's 5-tuple with
** bob's credentials; returns the answer's error code (0: success). */
static int permission_as_bob(void) {
  uint8_t req[512], tid[12] = {2}, key[16];
  stun_writer w;
  stun_msg m;
  capturing = true;
  stun_begin(&w, req, sizeof req, STUN_CREATE_PERMISSION, STUN_REQUEST, tid);
  turn_server_recv(srv, now, &client_addr, req, (size_t)stun_end(&w)); /* for a nonce */
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  assert_int_equal(m.error_code, 401);
  char nonce[64] = {0};
  memcpy(nonce, m.nonce.p, m.nonce.len);
  stun_long_term_key("bob", "natsim.test", "hunter2", key);
  tid[0] = 3;
  stun_begin(&w, req, sizeof req, STUN_CREATE_PERMISSION, STUN_REQUEST, tid);
  stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, &peer_addr);
  stun_put_str(&w, STUN_A_USERNAME, "bob");
  stun_put_str(&w, STUN_A_REALM, "natsim.test");
  stun_put_str(&w, STUN_A_NONCE, nonce);
  stun_put_integrity(&w, key, 16);
  turn_server_recv(srv, now, &client_addr, req, (size_t)stun_end(&w));
  capturing = false;
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  assert_int_equal(stun_check_integrity(&m, key, 16), STUN_OK);
  return m.cls == STUN_SUCCESS ? 0 : m.error_code;
}

static void test_wrong_user(void **state) {
  (void)state;
  assert_int_equal(permission_as_bob(), 437); /* no allocation yet */
  allocate();
  assert_int_equal(permission_as_bob(), 441); /* alice's allocation */
  last_relayed_to = turn_client_relayed(cli);
  from_peer("not permitted");
  assert_int_equal(client_count, 0);
}

static void test_server_errors(void **state) {
  (void)state;
  /* an empty relay port range is refused, not searched for ever */
  turn_server_cfg bad = {.relay = server_addr, .port_min = 50100, .port_max = 50099};
  turn_server_io bio = {to_client, to_peer, NULL, NULL, NULL};
  assert_null(turn_server_new(&bad, &bio));
  bad.port_min = 0;
  assert_null(turn_server_new(&bad, &bio));
  uint8_t req[256], tid[12] = {1};
  stun_writer w;
  /* An unknown comprehension-required attribute: 420, before any auth. */
  stun_begin(&w, req, sizeof req, STUN_ALLOCATE, STUN_REQUEST, tid);
  stun_put(&w, 0x0031, "", 0);
  turn_server_recv(srv, now, &client_addr, req, (size_t)stun_end(&w));
  assert_int_equal(turn_server_get_stats(srv)->errors, 1);
  /* Garbage and truncated ChannelData. */
  turn_server_recv(srv, now, &client_addr, (const uint8_t *)"\x40\x00\x00\x09" "abc", 7);
  turn_server_recv(srv, now, &client_addr, (const uint8_t *)"junk", 4);
  assert_int_equal(turn_server_get_stats(srv)->dropped_malformed, 2);
  uint16_t ch;
  const uint8_t *d;
  size_t n;
  assert_int_equal(turn_channel_decode((const uint8_t *)"\x3f\xff\x00\x00", 4, &ch, &d, &n), -1);
  assert_int_equal(turn_channel_decode((const uint8_t *)"\x40\x00\x00\x01" "xpadx", 9, &ch, &d, &n), -1);
  assert_int_equal(turn_channel_decode((const uint8_t *)"\x40\x01\x00\x01x\0\0", 7, &ch, &d, &n), 0);
  assert_int_equal(ch, 0x4001);
  assert_int_equal(n, 1);
  /* RFC 5766's upper channels are accepted (coturn's client uses them) */
  assert_int_equal(turn_channel_decode((const uint8_t *)"\x7f\xff\x00\x01x", 5, &ch, &d, &n), 0);
  assert_int_equal(ch, 0x7fff);
  assert_int_equal(turn_channel_decode((const uint8_t *)"\x80\x00\x00\x01x", 5, &ch, &d, &n), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_allocate_with_challenge, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_password, setup, teardown),
      cmocka_unit_test_setup_teardown(test_permission_and_indications, setup, teardown),
      cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timeouts_free_requests, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lifetimes_and_refresh, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_nonce, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ownership, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_user, setup, teardown),
      cmocka_unit_test_setup_teardown(test_server_errors, setup, teardown),
  };
  return cmocka_run_group_tests_name("turn", tests, NULL, NULL);
}
