/* `natsim serve turn` on loopback, attacked over real sockets: a captured
** Allocate and CreatePermission replayed from another address (438), a
** peer appended after MESSAGE-INTEGRITY, peers the policy forbids (403),
** a relay back into the server, the per-address quota (486), a LIFETIME
** below the minimum, SIGTERM with 1000 allocations under a flood, and
** the options that set the policy refusing bad values (exit 2).
** Each server is a child process started here and stopped by its PID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stun.h"
#include "turn.h"
#include "udp_test.h"

#define PORT 34870
#define MAX_ARGS 16

static pid_t server = -1;

/* --- sockets ------------------------------------------------------------------- */

static addr server_addr(void) {
  addr a;
  addr_parse("127.0.0.1", &a);
  a.port = PORT;
  return a;
}

/* --- the server ------------------------------------------------------------------ */

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Starts `natsim serve turn` with alice:secret and the extra arguments
** (NULL-terminated), and waits until it answers. */
static void start(const char *extra, ...) {
  const char *argv[MAX_ARGS] = {"natsim", "serve", "turn", "--listen", "127.0.0.1:34870",
                                "--user", "alice:secret"};
  int n = 7;
  va_list ap;
  va_start(ap, extra);
  for (const char *a = extra; a && n < MAX_ARGS - 1; a = va_arg(ap, const char *)) argv[n++] = a;
  va_end(ap);
  argv[n] = NULL;
  server = fork();
  assert_true(server >= 0);
  if (server == 0) {
    freopen("/dev/null", "w", stderr);
    execv(NATSIM_BIN, (char *const *)argv);
    _exit(127);
  }
  int fd = udp_on("127.0.0.1");
  addr to = server_addr();
  uint8_t req[64], tid[12] = {1}, buf[512];
  stun_writer w;
  for (int i = 0; i < 100; i++) {
    stun_begin(&w, req, sizeof req, STUN_ALLOCATE, STUN_REQUEST, tid);
    send_to(fd, &to, req, (size_t)stun_end(&w));
    if (recv_within(fd, buf, sizeof buf, 50)) break;
  }
  close(fd);
}

static void stop(void) {
  if (server > 0) {
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
  }
  server = -1;
}

static int teardown(void **state) {
  (void)state;
  stop();
  return 0;
}

/* --- a TURN client by hand ----------------------------------------------------------- */

typedef struct req {
  uint16_t method;
  const addr *peer;     /* XOR-PEER-ADDRESS */
  const addr *after_mi; /* another, after MESSAGE-INTEGRITY */
  uint32_t lifetime;    /* LIFETIME, when not 0 */
  bool send_data;       /* a Send indication to peer (no auth) */
} req;

static uint8_t tid_counter;

/* The nonce a 401 gives fd. */
static void nonce_for(int fd, char nonce[64]) {
  uint8_t msg[64], tid[12] = {2, tid_counter++}, buf[512];
  stun_writer w;
  stun_msg m;
  addr to = server_addr();
  stun_begin(&w, msg, sizeof msg, STUN_ALLOCATE, STUN_REQUEST, tid);
  send_to(fd, &to, msg, (size_t)stun_end(&w));
  size_t n = recv_within(fd, buf, sizeof buf, 1000);
  assert_int_equal(stun_decode(buf, n, &m), STUN_OK);
  assert_int_equal(m.error_code, 401);
  memset(nonce, 0, 64);
  memcpy(nonce, m.nonce.p, m.nonce.len);
}

static size_t build(const req *r, const char *nonce, uint8_t *out, size_t cap) {
  uint8_t tid[12] = {3, tid_counter++, (uint8_t)(tid_counter >> 8)}, key[16];
  uint8_t transport[4] = {TURN_UDP, 0, 0, 0};
  stun_writer w;
  stun_long_term_key("alice", "natsim", "secret", key);
  stun_begin(&w, out, cap, r->method, r->send_data ? STUN_INDICATION : STUN_REQUEST, tid);
  if (r->method == STUN_ALLOCATE) stun_put(&w, STUN_A_REQUESTED_TRANSPORT, transport, 4);
  if (r->lifetime) stun_put_u32(&w, STUN_A_LIFETIME, r->lifetime);
  if (r->peer) stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, r->peer);
  if (r->send_data) {
    stun_put(&w, STUN_A_DATA, "ping", 4);
    return (size_t)stun_end(&w);
  }
  stun_put_str(&w, STUN_A_USERNAME, "alice");
  stun_put_str(&w, STUN_A_REALM, "natsim");
  stun_put_str(&w, STUN_A_NONCE, nonce);
  stun_put_integrity(&w, key, 16);
  if (r->after_mi) stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, r->after_mi);
  stun_put_fingerprint(&w);
  return (size_t)stun_end(&w);
}

/* Sends msg from fd and decodes the answer into *m (kept in buf): 0 for
** a success, else the error code. */
static int exchange(int fd, const uint8_t *msg, size_t len, uint8_t *buf, stun_msg *m) {
  addr to = server_addr();
  send_to(fd, &to, msg, len);
  size_t n = recv_within(fd, buf, 512, 1000);
  assert_true(n > 0);
  assert_int_equal(stun_decode(buf, n, m), STUN_OK);
  return m->cls == STUN_SUCCESS ? 0 : m->error_code;
}

/* A signed request from fd with a fresh nonce; *raw gets what was sent. */
static int request(int fd, const req *r, uint8_t *raw, size_t *rawlen, stun_msg *m,
                   uint8_t *buf) {
  char nonce[64];
  nonce_for(fd, nonce);
  *rawlen = build(r, nonce, raw, 512);
  return exchange(fd, raw, *rawlen, buf, m);
}

static int simple(int fd, const req *r) {
  uint8_t raw[512], buf[512];
  size_t n;
  stun_msg m;
  return request(fd, r, raw, &n, &m, buf);
}

static addr ip(const char *s) {
  addr a;
  assert_int_equal(addr_parse(s, &a), 0);
  return a;
}

/* --- the attacks ------------------------------------------------------------------------ */

static void test_replay_from_another_address(void **state) {
  (void)state;
  start(NULL);
  int victim = udp_on("127.0.0.1");
  int attacker = udp_on("127.0.0.1");
  uint8_t alloc_raw[512], perm_raw[512], buf[512];
  size_t alloc_len, perm_len;
  stun_msg m;
  addr peer = ip("192.0.2.7:9");
  req a = {STUN_ALLOCATE, NULL, NULL, 0, false};
  req p = {STUN_CREATE_PERMISSION, &peer, NULL, 0, false};
  assert_int_equal(request(victim, &a, alloc_raw, &alloc_len, &m, buf), 0);
  assert_int_equal(request(victim, &p, perm_raw, &perm_len, &m, buf), 0);
  /* The attacker replays both, byte for byte, from its own address. */
  assert_int_equal(exchange(attacker, alloc_raw, alloc_len, buf, &m), 438);
  assert_int_equal(exchange(attacker, perm_raw, perm_len, buf, &m), 438);
  close(victim);
  close(attacker);
}

static void test_peer_after_integrity(void **state) {
  (void)state;
  start("--allow-peer", "127.0.0.0/8", NULL);
  int c = udp_on("127.0.0.1");
  int good = udp_on("127.0.0.2");
  int bad = udp_on("127.0.0.3");
  stun_msg m;
  uint8_t raw[512], buf[512];
  size_t n;
  req a = {STUN_ALLOCATE, NULL, NULL, 0, false};
  assert_int_equal(request(c, &a, raw, &n, &m, buf), 0);
  addr relayed = m.xor_relayed;
  addr good_ip = ip("127.0.0.2:1");
  addr bad_ip = ip("127.0.0.3:1");
  req p = {STUN_CREATE_PERMISSION, &good_ip, &bad_ip, 0, false};
  assert_int_equal(simple(c, &p), 0);
  /* From the appended peer: nothing reaches the client; from the signed one: it does. */
  send_to(bad, &relayed, (const uint8_t *)"bad", 3);
  assert_int_equal(recv_within(c, buf, sizeof buf, 300), 0);
  send_to(good, &relayed, (const uint8_t *)"good", 4);
  assert_true(recv_within(c, buf, sizeof buf, 1000) > 0);
  close(c);
  close(good);
  close(bad);
}

static void test_forbidden_peers(void **state) {
  (void)state;
  start(NULL);
  int c = udp_on("127.0.0.1");
  req a = {STUN_ALLOCATE, NULL, NULL, 0, false};
  assert_int_equal(simple(c, &a), 0);
  const char *denied[] = {"127.0.0.1:9", "0.0.0.0:9", "169.254.169.254:80", "224.0.0.1:9",
                          "255.255.255.255:9"};
  for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
    addr peer = ip(denied[i]);
    req p = {STUN_CREATE_PERMISSION, &peer, NULL, 0, false};
    assert_int_equal(simple(c, &p), 403);
  }
  addr public_peer = ip("192.0.2.7:9");
  req p = {STUN_CREATE_PERMISSION, &public_peer, NULL, 0, false};
  assert_int_equal(simple(c, &p), 0);
  close(c);
}

static void test_no_relay_into_the_server(void **state) {
  (void)state;
  start("--allow-peer", "127.0.0.0/8", NULL);
  int c = udp_on("127.0.0.1");
  req a = {STUN_ALLOCATE, NULL, NULL, 0, false};
  assert_int_equal(simple(c, &a), 0);
  addr self = server_addr();
  req p = {STUN_CREATE_PERMISSION, &self, NULL, 0, false};
  assert_int_equal(simple(c, &p), 0); /* its IP: relay-to-relay stays possible */
  /* A request sent through the relay to the server's own port would be
  ** answered back through the relay: it must go nowhere. */
  uint8_t inner[64], tid[12] = {7}, ind[256], buf[512];
  stun_writer w;
  stun_begin(&w, inner, sizeof inner, STUN_ALLOCATE, STUN_REQUEST, tid);
  int inner_len = stun_end(&w);
  stun_begin(&w, ind, sizeof ind, STUN_SEND, STUN_INDICATION, tid);
  stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, &self);
  stun_put(&w, STUN_A_DATA, inner, (size_t)inner_len);
  send_to(c, &self, ind, (size_t)stun_end(&w));
  assert_int_equal(recv_within(c, buf, sizeof buf, 300), 0);
  close(c);
}

static void test_quota_and_lifetime(void **state) {
  (void)state;
  start("--max-allocs-per-addr", "3", NULL);
  int fds[4];
  req a = {STUN_ALLOCATE, NULL, NULL, 1, false}; /* LIFETIME 1 s asked */
  for (int i = 0; i < 4; i++) fds[i] = udp_on("127.0.0.1");
  uint8_t raw[512], buf[512];
  size_t n;
  stun_msg m;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(request(fds[i], &a, raw, &n, &m, buf), 0);
    assert_int_equal(m.lifetime, 600); /* raised to the default */
  }
  assert_int_equal(simple(fds[3], &a), 486);
  /* Another IP has its own quota. */
  int other = udp_on("127.0.0.2");
  assert_int_equal(simple(other, &a), 0);
  close(other);
  for (int i = 0; i < 4; i++) close(fds[i]);
}

#define ALLOCS 1000
#define BEYOND 40 /* Allocates tried past the server's capacity */

static void test_sigterm_with_1000_allocations(void **state) {
  (void)state;
  start("--max-allocs-per-addr", "0", "--max-allocs-per-user", "0", NULL);
  static int fds[ALLOCS + 100];
  req a = {STUN_ALLOCATE, NULL, NULL, 0, false};
  for (int i = 0; i < ALLOCS; i++) {
    fds[i] = udp_on("127.0.0.1");
    assert_int_equal(simple(fds[i], &a), 0);
  }
  /* Up to its capacity (its sockets), then 508 at once, each time. */
  int n = ALLOCS;
  int rc = 0;
  while (rc == 0 && n < ALLOCS + 100) {
    fds[n] = udp_on("127.0.0.1");
    rc = simple(fds[n++], &a);
  }
  assert_int_equal(rc, 508);
  double t = seconds();
  for (int i = 0; i < BEYOND; i++) assert_int_equal(simple(fds[n - 1], &a), 508);
  double each = (seconds() - t) / BEYOND;
  printf("%d allocations, then 508 in %.2f ms per Allocate (with its 401)\n", n - 1, each * 1000);
  assert_true(each < 0.005);
  /* A flood of junk at the listening port while it stops. */
  pid_t flood = fork();
  assert_true(flood >= 0);
  if (flood == 0) {
    int fd = udp_on("127.0.0.1");
    addr to = server_addr();
    uint8_t junk[100] = {0x40, 0x00, 0x00, 0x50};
    for (;;) send_to(fd, &to, junk, sizeof junk);
  }
  usleep(200000);
  double t0 = seconds();
  kill(server, SIGTERM);
  int status;
  waitpid(server, &status, 0);
  double took = seconds() - t0;
  server = -1;
  kill(flood, SIGKILL);
  waitpid(flood, NULL, 0);
  printf("SIGTERM to exit with %d allocations under a flood: %.1f ms\n", n - 1, took * 1000);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_true(took < 1.0);
  for (int i = 0; i < n; i++) close(fds[i]);
}

/* natsim's exit status and the start of its stderr for these arguments. */
static int run_natsim(const char *const *argv, char *err, size_t cap) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t p = fork();
  assert_true(p >= 0);
  if (p == 0) {
    dup2(fds[1], 2);
    execv(NATSIM_BIN, (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  size_t len = 0;
  ssize_t n;
  while (len < cap - 1 && (n = read(fds[0], err + len, cap - 1 - len)) > 0) len += (size_t)n;
  err[len] = '\0';
  close(fds[0]);
  int status;
  waitpid(p, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_bad_options(void **state) {
  (void)state;
  char err[512];
  const char *cidr[] = {"natsim", "serve", "turn", "--listen", "127.0.0.1:34871", "--user",
                        "a:b", "--allow-peer", "10.0.0.0/33", NULL};
  assert_int_equal(run_natsim(cidr, err, sizeof err), 2);
  assert_non_null(strstr(err, "option '--allow-peer': expected a network"));
  assert_non_null(strstr(err, "got '10.0.0.0/33'"));
  const char *deny[] = {"natsim", "serve", "turn", "--listen", "127.0.0.1:34871", "--user",
                        "a:b", "--deny-peer", "127.0.0.1:80", NULL};
  assert_int_equal(run_natsim(deny, err, sizeof err), 2);
  assert_non_null(strstr(err, "option '--deny-peer'"));
  const char *quota[] = {"natsim", "serve", "turn", "--listen", "127.0.0.1:34871", "--user",
                         "a:b", "--max-allocs-per-user", "-1", NULL};
  assert_int_equal(run_natsim(quota, err, sizeof err), 2);
  assert_non_null(strstr(err, "option '--max-allocs-per-user': expected an integer from 0"));
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_replay_from_another_address, teardown),
      cmocka_unit_test_teardown(test_peer_after_integrity, teardown),
      cmocka_unit_test_teardown(test_forbidden_peers, teardown),
      cmocka_unit_test_teardown(test_no_relay_into_the_server, teardown),
      cmocka_unit_test_teardown(test_quota_and_lifetime, teardown),
      cmocka_unit_test_teardown(test_sigterm_with_1000_allocations, teardown),
      cmocka_unit_test(test_bad_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
