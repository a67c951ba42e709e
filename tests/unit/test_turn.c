/* Unit tests for TURN (src/turn_server.c, src/turn_client.c): every method
** and error path, with the client, server and a peer wired together in
** memory; datagrams are delivered at once and the clock is moved by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
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

/* srv anew: relay ports 50000 to port_max, users alice and bob. */
static void make_server(uint16_t port_max) {
  turn_server_cfg sc = {.realm = "natsim.test", .relay = server_addr, .listen = server_addr,
                        .port_min = 50000, .port_max = port_max, .nonce_lifetime = 3600 * S,
                        .seed = 7};
  turn_server_io io = {to_client, to_peer, open_relay, close_relay, NULL};
  turn_server_free(srv);
  srv = turn_server_new(&sc, &io);
  turn_server_add_user(srv, "alice", "secret");
  turn_server_add_user(srv, "bob", "hunter2");
}

static int setup(void **state) {
  (void)state;
  addr_parse("203.0.113.5:3478", &server_addr);
  addr_parse("198.51.100.1:5000", &client_addr);
  addr_parse("198.51.100.2:5000", &client2_addr);
  addr_parse("192.0.2.9:7000", &peer_addr);
  srv = NULL;
  make_server(50099);
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

/* An allocation's permission and channel tables grow with its peers (from
** two slots each): 16 peers, the client's most, each bound to a channel,
** and data reaches every one of them. */
static void test_many_peers(void **state) {
  (void)state;
  allocate();
  addr first = peer_addr;
  for (int i = 0; i < 16; i++) {
    addr p = first;
    p.ip[3] = (uint8_t)(p.ip[3] + i);
    assert_int_equal(turn_client_bind(cli, now, &p), 0);
  }
  assert_int_equal(events[TURN_BOUND], 16);
  assert_int_equal(turn_server_get_stats(srv)->permissions, 16);
  assert_int_equal(turn_server_get_stats(srv)->channels, 16);
  for (int i = 0; i < 16; i++) {
    peer_addr = first;
    peer_addr.ip[3] = (uint8_t)(peer_addr.ip[3] + i);
    assert_int_equal(turn_client_send(cli, now, &peer_addr, (const uint8_t *)"x", 1), 0);
  }
  assert_int_equal(peer_count, 16);
  assert_int_equal(turn_server_get_stats(srv)->dropped_no_permission, 0);
  peer_addr = first;
  peer_addr.ip[3] = (uint8_t)(peer_addr.ip[3] + 16); /* a 17th: past the client's most */
  assert_int_equal(turn_client_bind(cli, now, &peer_addr), -1);
  assert_int_equal(turn_client_permit(cli, now, &peer_addr), -1);
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

/* --- requests built by hand (attacks) ---------------------------------------- */

typedef struct req_opts {
  uint16_t method;
  const char *user, *pass;
  const addr *peer;        /* XOR-PEER-ADDRESS, if given */
  const addr *after_mi;    /* an XOR-PEER-ADDRESS appended after MESSAGE-INTEGRITY */
  uint32_t lifetime;       /* LIFETIME, if not 0 */
  const char *nonce;       /* this nonce instead of a fresh one for `from` */
} req_opts;

static uint8_t last_tid;
static char last_nonce[64];

/* Sends one unauthenticated request from `from` and keeps its 401's nonce. */
static void fetch_nonce(const addr *from) {
  uint8_t req[256], tid[12] = {0x55, ++last_tid};
  stun_writer w;
  stun_msg m;
  capturing = true;
  stun_begin(&w, req, sizeof req, STUN_ALLOCATE, STUN_REQUEST, tid);
  turn_server_recv(srv, now, from, req, (size_t)stun_end(&w));
  capturing = false;
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  assert_int_equal(m.error_code, 401);
  memset(last_nonce, 0, sizeof last_nonce);
  memcpy(last_nonce, m.nonce.p, m.nonce.len);
}

/* Writes a signed request into buf: its length. */
static size_t build_signed(const req_opts *o, const char *nonce, uint8_t *buf, size_t cap) {
  uint8_t tid[12] = {0x66, ++last_tid}, key[16];
  uint8_t transport[4] = {TURN_UDP, 0, 0, 0};
  stun_writer w;
  stun_long_term_key(o->user, "natsim.test", o->pass, key);
  stun_begin(&w, buf, cap, o->method, STUN_REQUEST, tid);
  if (o->method == STUN_ALLOCATE) stun_put(&w, STUN_A_REQUESTED_TRANSPORT, transport, 4);
  if (o->lifetime) stun_put_u32(&w, STUN_A_LIFETIME, o->lifetime);
  if (o->peer) stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, o->peer);
  stun_put_str(&w, STUN_A_USERNAME, o->user);
  stun_put_str(&w, STUN_A_REALM, "natsim.test");
  stun_put_str(&w, STUN_A_NONCE, nonce);
  stun_put_integrity(&w, key, 16);
  if (o->after_mi) stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, o->after_mi);
  stun_put_fingerprint(&w);
  int n = stun_end(&w);
  assert_true(n > 0);
  return (size_t)n;
}

/* Sends a signed request from `from`: 0 for a success, else the error
** code. The answer stays in captured. */
static int signed_from(const addr *from, const req_opts *o) {
  uint8_t req[512];
  stun_msg m;
  if (!o->nonce) fetch_nonce(from);
  size_t n = build_signed(o, o->nonce ? o->nonce : last_nonce, req, sizeof req);
  capturing = true;
  turn_server_recv(srv, now, from, req, n);
  capturing = false;
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  return m.cls == STUN_SUCCESS ? 0 : m.error_code;
}

static const req_opts alice_allocate = {STUN_ALLOCATE, "alice", "secret", NULL, NULL, 0, NULL};

static int permit_as_alice(const addr *from, const char *peer) {
  addr p;
  assert_int_equal(addr_parse(peer, &p), 0);
  req_opts o = {STUN_CREATE_PERMISSION, "alice", "secret", &p, NULL, 0, NULL};
  return signed_from(from, &o);
}

static void test_nonce_bound_to_client(void **state) {
  (void)state;
  /* A nonce handed to client_addr, replayed from client2_addr: 438. */
  fetch_nonce(&client_addr);
  char nonce[64];
  memcpy(nonce, last_nonce, sizeof nonce);
  req_opts o = alice_allocate;
  o.nonce = nonce;
  uint64_t stale = turn_server_get_stats(srv)->stale_nonces;
  assert_int_equal(signed_from(&client2_addr, &o), 438);
  assert_int_equal(turn_server_get_stats(srv)->stale_nonces, stale + 1);
  assert_int_equal(turn_server_allocations(srv, now), 0);
  /* Another port of the same IP is another client too. */
  addr other_port = client_addr;
  other_port.port++;
  assert_int_equal(signed_from(&other_port, &o), 438);
  /* From its own address it works, and the replay of the whole captured
  ** Allocate from elsewhere still gets 438. */
  assert_int_equal(signed_from(&client_addr, &o), 0);
  assert_int_equal(signed_from(&client2_addr, &o), 438);
  /* A forged nonce (one digit changed) and a non-hex one: 438, not 401. */
  nonce[0] = nonce[0] == '0' ? '1' : '0';
  assert_int_equal(signed_from(&client_addr, &o), 438);
  memset(nonce, 'z', 32);
  assert_int_equal(signed_from(&client_addr, &o), 438);
  /* The clock is not in the nonce: at now and 1 s later, nonces for one
  ** client differ in every part, and neither starts with the expiry. */
  char expiry[17];
  snprintf(expiry, sizeof expiry, "%016llx", (unsigned long long)(now + 3600 * S));
  fetch_nonce(&client_addr);
  assert_memory_not_equal(last_nonce, expiry, 16);
  memcpy(nonce, last_nonce, sizeof nonce);
  now += S;
  fetch_nonce(&client_addr);
  assert_memory_not_equal(last_nonce, nonce, 8);
  assert_memory_not_equal(last_nonce + 16, nonce + 16, 8);
}

static void test_nonce_secret_handed_in(void **state) {
  (void)state;
  /* The same seed and no secret: the same nonces (simulation); a secret
  ** handed in: others, and the seed no longer matters. */
  fetch_nonce(&client_addr);
  char seeded[64];
  memcpy(seeded, last_nonce, sizeof seeded);
  turn_server_free(srv);
  uint8_t secret[TURN_SECRET_LEN] = {1, 2, 3};
  turn_server_cfg sc = {.realm = "natsim.test", .relay = server_addr, .port_min = 50000,
                        .port_max = 50099, .nonce_lifetime = 3600 * S, .seed = 7,
                        .secret = secret};
  turn_server_io io = {to_client, to_peer, open_relay, close_relay, NULL};
  srv = turn_server_new(&sc, &io);
  turn_server_add_user(srv, "alice", "secret");
  fetch_nonce(&client_addr);
  assert_memory_not_equal(last_nonce, seeded, 32);
  char handed[64];
  memcpy(handed, last_nonce, sizeof handed);
  turn_server_free(srv);
  sc.seed = 8;
  srv = turn_server_new(&sc, &io);
  turn_server_add_user(srv, "alice", "secret");
  fetch_nonce(&client_addr);
  assert_memory_equal(last_nonce, handed, 32);
}

static void test_attributes_after_integrity(void **state) {
  (void)state;
  assert_int_equal(signed_from(&client_addr, &alice_allocate), 0);
  stun_msg m;
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  addr relayed = m.xor_relayed;
  /* CreatePermission signed for peer_addr, with a second peer appended
  ** after MESSAGE-INTEGRITY: only the signed one is permitted. */
  addr intruder;
  addr_parse("192.0.2.66:7000", &intruder);
  req_opts o = {STUN_CREATE_PERMISSION, "alice", "secret", &peer_addr, &intruder, 0, NULL};
  assert_int_equal(signed_from(&client_addr, &o), 0);
  uint8_t req[512];
  fetch_nonce(&client_addr);
  size_t n = build_signed(&o, last_nonce, req, sizeof req);
  assert_int_equal(stun_decode(req, n, &m), STUN_OK);
  assert_int_equal(m.nattrs, 6); /* the appended one is not among them */
  turn_server_recv_relay(srv, now, &relayed, &intruder, (const uint8_t *)"x", 1);
  assert_int_equal(turn_server_get_stats(srv)->from_peers, 0);
  turn_server_recv_relay(srv, now, &relayed, &peer_addr, (const uint8_t *)"x", 1);
  assert_int_equal(turn_server_get_stats(srv)->from_peers, 1);
  /* Alone after MESSAGE-INTEGRITY, a peer is no peer at all: 400. */
  o.peer = NULL;
  assert_int_equal(signed_from(&client_addr, &o), 400);
}

static void test_peer_policy(void **state) {
  (void)state;
  assert_int_equal(signed_from(&client_addr, &alice_allocate), 0);
  const char *denied[] = {"127.0.0.1:80",  "127.9.9.9:1",    "0.0.0.0:1",  "169.254.169.254:80",
                          "224.0.0.1:5",   "239.1.2.3:5",    "255.255.255.255:9", "240.0.0.1:1",
                          "[::1]:80",      "[::]:1",         "[fe80::1]:5", "[ff02::1]:5",
                          "[::ffff:127.0.0.1]:80"};
  for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
    assert_int_equal(permit_as_alice(&client_addr, denied[i]), 403);
  }
  assert_int_equal(turn_server_get_stats(srv)->forbidden, sizeof denied / sizeof denied[0]);
  assert_int_equal(turn_server_get_stats(srv)->permissions, 0);
  /* Private and public ranges are peers by default. */
  assert_int_equal(permit_as_alice(&client_addr, "10.0.0.1:1"), 0);
  assert_int_equal(permit_as_alice(&client_addr, "[2001:db8::1]:1"), 0);
  /* ChannelBind to a denied peer: 403 too. */
  addr lo;
  addr_parse("127.0.0.1:9", &lo);
  cli2 = make_client(&cli2, "alice", "secret");
  turn_client_allocate(cli2, now);
  assert_int_equal(events2[TURN_ALLOCATED], 1);
  turn_client_bind(cli2, now, &lo);
  assert_int_equal(turn_server_get_stats(srv)->forbidden, sizeof denied / sizeof denied[0] + 1);
  /* Rules: the most specific wins; the same network again replaces it. */
  addr net;
  addr_parse("127.0.0.0", &net);
  assert_int_equal(turn_server_peer_rule(srv, &net, 8, true), 0);
  assert_int_equal(permit_as_alice(&client_addr, "127.0.0.1:80"), 0);
  addr_parse("127.0.0.1", &net);
  assert_int_equal(turn_server_peer_rule(srv, &net, 32, false), 0);
  assert_int_equal(permit_as_alice(&client_addr, "127.0.0.1:80"), 403);
  assert_int_equal(permit_as_alice(&client_addr, "127.0.0.2:80"), 0);
  addr_parse("10.0.0.0", &net);
  assert_int_equal(turn_server_peer_rule(srv, &net, 8, false), 0);
  assert_int_equal(permit_as_alice(&client_addr, "10.1.2.3:1"), 403);
  assert_int_equal(turn_server_peer_rule(srv, &net, 33, false), -1);
  assert_int_equal(turn_server_peer_rule(srv, &net, -1, false), -1);
}

static void test_server_itself_no_peer(void **state) {
  (void)state;
  /* alice and bob, both allocated; alice permits the server's own IP. */
  assert_int_equal(signed_from(&client_addr, &alice_allocate), 0);
  stun_msg m;
  req_opts bob = {STUN_ALLOCATE, "bob", "hunter2", NULL, NULL, 0, NULL};
  assert_int_equal(signed_from(&client2_addr, &bob), 0);
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  addr bob_relay = m.xor_relayed;
  char ip[ADDR_STRLEN];
  addr_format(&server_addr, ip, sizeof ip);
  assert_int_equal(permit_as_alice(&client_addr, ip), 0);
  /* To the listening port (an allocation through a relay) and to an
  ** unallocated port: dropped. To bob's relayed address: relayed. */
  uint8_t ind[256], tid[12] = {9};
  stun_writer w;
  addr unallocated = server_addr;
  unallocated.port = 50099;
  const addr *dropped[] = {&server_addr, &unallocated};
  for (int i = 0; i < 2; i++) {
    stun_begin(&w, ind, sizeof ind, STUN_SEND, STUN_INDICATION, tid);
    stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, dropped[i]);
    stun_put(&w, STUN_A_DATA, "x", 1);
    turn_server_recv(srv, now, &client_addr, ind, (size_t)stun_end(&w));
  }
  assert_int_equal(turn_server_get_stats(srv)->dropped_policy, 2);
  assert_int_equal(turn_server_get_stats(srv)->to_peers, 0);
  peer_count = 0;
  stun_begin(&w, ind, sizeof ind, STUN_SEND, STUN_INDICATION, tid);
  stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, &bob_relay);
  stun_put(&w, STUN_A_DATA, "x", 1);
  peer_addr = bob_relay; /* to_peer checks where it goes */
  turn_server_recv(srv, now, &client_addr, ind, (size_t)stun_end(&w));
  assert_int_equal(turn_server_get_stats(srv)->to_peers, 1);
  assert_int_equal(peer_count, 1);
  /* A rule given for the server's IP (peers on its host) opens its other
  ** ports, never the listening one. */
  addr net = server_addr;
  assert_int_equal(turn_server_peer_rule(srv, &net, 32, true), 0);
  peer_addr = unallocated;
  for (int i = 0; i < 2; i++) {
    stun_begin(&w, ind, sizeof ind, STUN_SEND, STUN_INDICATION, tid);
    stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, dropped[i]);
    stun_put(&w, STUN_A_DATA, "x", 1);
    turn_server_recv(srv, now, &client_addr, ind, (size_t)stun_end(&w));
  }
  assert_int_equal(turn_server_get_stats(srv)->dropped_policy, 3);
  assert_int_equal(peer_count, 2);
}

static void test_quotas_and_capacity(void **state) {
  (void)state;
  turn_server_free(srv);
  turn_server_cfg sc = {.realm = "natsim.test", .relay = server_addr, .port_min = 50000,
                        .port_max = 50003, .nonce_lifetime = 3600 * S, .seed = 7,
                        .max_allocs_per_user = 3, .max_allocs_per_ip = 2};
  turn_server_io io = {to_client, to_peer, open_relay, close_relay, NULL};
  srv = turn_server_new(&sc, &io);
  turn_server_add_user(srv, "alice", "secret");
  turn_server_add_user(srv, "bob", "hunter2");
  /* Two from one IP, the third from it: 486. */
  addr c = client_addr;
  for (int i = 0; i < 2; i++) {
    c.port = (uint16_t)(6000 + i);
    assert_int_equal(signed_from(&c, &alice_allocate), 0);
  }
  c.port = 6002;
  assert_int_equal(signed_from(&c, &alice_allocate), 486);
  /* alice from a second IP: her third, then her fourth is over her quota. */
  assert_int_equal(signed_from(&client2_addr, &alice_allocate), 0);
  addr c3;
  addr_parse("198.51.100.3:5000", &c3);
  assert_int_equal(signed_from(&c3, &alice_allocate), 486);
  assert_int_equal(turn_server_get_stats(srv)->quota_refused, 2);
  /* bob takes the last port; then the range is used up: 508. */
  req_opts bob = {STUN_ALLOCATE, "bob", "hunter2", NULL, NULL, 0, NULL};
  assert_int_equal(signed_from(&c3, &bob), 0);
  addr c4;
  addr_parse("198.51.100.4:5000", &c4);
  assert_int_equal(signed_from(&c4, &bob), 508);
  assert_int_equal(turn_server_get_stats(srv)->capacity_refused, 1);
  /* Freed ports are used again. */
  assert_int_equal(turn_server_allocations(srv, now), 4);
  now += 601 * S;
  assert_int_equal(turn_server_allocations(srv, now), 0);
  assert_int_equal(signed_from(&c4, &bob), 0);
  /* Negative quotas are refused. */
  sc.max_allocs_per_ip = -1;
  assert_null(turn_server_new(&sc, &io));
}

static int refused_opens;
static int open_refusing(void *ctx, const addr *a) {
  (void)ctx;
  if (a->port % 2 == 0) {
    refused_opens++;
    return -1;
  }
  return 0;
}

static void test_ports_the_driver_refuses(void **state) {
  (void)state;
  turn_server_free(srv);
  turn_server_cfg sc = {.realm = "natsim.test", .relay = server_addr, .port_min = 50000,
                        .port_max = 50003, .nonce_lifetime = 3600 * S, .seed = 7};
  turn_server_io io = {to_client, to_peer, open_refusing, NULL, NULL};
  srv = turn_server_new(&sc, &io);
  turn_server_add_user(srv, "alice", "secret");
  stun_msg m;
  addr c = client_addr;
  for (int i = 0; i < 2; i++) {
    c.port = (uint16_t)(6000 + i);
    assert_int_equal(signed_from(&c, &alice_allocate), 0);
    assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
    assert_true(m.xor_relayed.port % 2 == 1);
  }
  c.port = 6002;
  refused_opens = 0;
  assert_int_equal(signed_from(&c, &alice_allocate), 508);
  assert_true(refused_opens <= 8); /* bounded, not a scan of the range */
}

static void test_lifetime_raised(void **state) {
  (void)state;
  req_opts o = alice_allocate;
  o.lifetime = 1;
  assert_int_equal(signed_from(&client_addr, &o), 0);
  stun_msg m;
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  assert_int_equal(m.lifetime, 600);
  now += 2 * S;
  assert_int_equal(turn_server_allocations(srv, now), 1);
  o.method = STUN_REFRESH;
  assert_int_equal(signed_from(&client_addr, &o), 0);
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  assert_int_equal(m.lifetime, 600);
  o.lifetime = 99999;
  assert_int_equal(signed_from(&client_addr, &o), 0);
  assert_int_equal(stun_decode(captured, ncaptured, &m), STUN_OK);
  assert_int_equal(m.lifetime, 3600);
}

/* Allocations are found by client among many, as they come and go: half
** expire between the others (the client index drops them one by one), a
** Refresh that shortens a lifetime is honoured, and a freed client
** allocates again. */
static void test_many_clients(void **state) {
  (void)state;
  make_server(50999);
  addr c = client_addr;
  for (int i = 0; i < 300; i++) {
    c.port = (uint16_t)(7000 + i);
    if (i % 2 == 0) assert_int_equal(signed_from(&c, &alice_allocate), 0);
  }
  now += 300 * S;
  for (int i = 1; i < 300; i += 2) {
    c.port = (uint16_t)(7000 + i);
    assert_int_equal(signed_from(&c, &alice_allocate), 0);
  }
  req_opts longer = alice_allocate;
  longer.lifetime = 3600;
  assert_int_equal(signed_from(&client2_addr, &longer), 0);
  longer.method = STUN_REFRESH;
  longer.lifetime = 700;
  assert_int_equal(signed_from(&client2_addr, &longer), 0);
  assert_int_equal(turn_server_allocations(srv, now), 301);
  now += 301 * S; /* the even ones are 601 s old */
  assert_int_equal(turn_server_allocations(srv, now), 151);
  for (int i = 0; i < 300; i++) {
    c.port = (uint16_t)(7000 + i);
    assert_int_equal(permit_as_alice(&c, "10.0.0.1:1"), i % 2 == 0 ? 437 : 0);
  }
  now += 400 * S; /* the refreshed one is 701 s old, the odd ones 701 s */
  assert_int_equal(turn_server_allocations(srv, now), 0);
  assert_int_equal(permit_as_alice(&client2_addr, "10.0.0.1:1"), 437);
  c.port = 7000;
  assert_int_equal(signed_from(&c, &alice_allocate), 0);
  assert_int_equal(permit_as_alice(&c, "10.0.0.1:1"), 0);
}

static void tid_send(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  (void)to;
  if (n >= STUN_HEADER) memcpy(ctx, d + 8, STUN_TID_LEN);
}
static void no_deliver(void *ctx, const addr *peer, const uint8_t *d, size_t n) {
  (void)ctx, (void)peer, (void)d, (void)n;
}
static void no_event(void *ctx, enum turn_event ev, const addr *peer) {
  (void)ctx, (void)ev, (void)peer;
}

/* The transaction id of the first Allocate of a client seeded with 1. */
static void first_tid(bool csprng, uint8_t tid[STUN_TID_LEN]) {
  turn_client_cfg cc = {.server = server_addr, .user = "alice", .password = "secret",
                        .timing = stun_timing_default(), .seed = 1, .csprng = csprng};
  turn_client_io io = {tid_send, no_deliver, no_event, tid};
  turn_client *c = turn_client_new(&cc, &io);
  assert_non_null(c);
  memset(tid, 0, STUN_TID_LEN);
  turn_client_allocate(c, 0);
  turn_client_free(c);
}

/* Seeded transaction ids repeat with the seed (simulation); with csprng
** (real sockets, RFC 8489 section 5) they do not. */
static void test_transaction_ids(void **state) {
  (void)state;
  uint8_t a[STUN_TID_LEN], b[STUN_TID_LEN], c[STUN_TID_LEN], d[STUN_TID_LEN];
  first_tid(false, a);
  first_tid(false, b);
  assert_memory_equal(a, b, STUN_TID_LEN);
  first_tid(true, c);
  first_tid(true, d);
  assert_memory_not_equal(c, d, STUN_TID_LEN);
  assert_memory_not_equal(c, a, STUN_TID_LEN);
}

int main(void) {
  /* each test on a fresh fixture */
#define FRESH(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
  const struct CMUnitTest tests[] = {
      FRESH(test_allocate_with_challenge),
      FRESH(test_wrong_password),
      FRESH(test_permission_and_indications),
      FRESH(test_channels),
      FRESH(test_many_peers),
      FRESH(test_timeouts_free_requests),
      FRESH(test_lifetimes_and_refresh),
      FRESH(test_stale_nonce),
      FRESH(test_ownership),
      FRESH(test_wrong_user),
      FRESH(test_server_errors),
      FRESH(test_nonce_bound_to_client),
      FRESH(test_nonce_secret_handed_in),
      FRESH(test_attributes_after_integrity),
      FRESH(test_peer_policy),
      FRESH(test_server_itself_no_peer),
      FRESH(test_quotas_and_capacity),
      FRESH(test_ports_the_driver_refuses),
      FRESH(test_lifetime_raised),
      FRESH(test_many_clients),
      FRESH(test_transaction_ids),
  };
  return cmocka_run_group_tests_name("turn", tests, NULL, NULL);
}
