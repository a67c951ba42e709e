/* bench_turn: our `natsim serve stun` / `serve turn` beside coturn
** (turnserver), on loopback, in one run: STUN Binding requests answered
** per second and TURN ChannelData datagrams relayed per second, with the
** loss, at the same offered loads. It starts every server itself, on
** 127.0.0.1 ports 34890-34893 (coturn relays on 51000-51999), and kills
** each by its PID at the end. Not a test: figures on a shared machine are
** noisy; compare the columns of one run. Each figure is the median of
** REPEATS runs, the two servers taking turns.
**   bench_turn NATSIM [SECONDS [RATE...]]   (default 1 s; 20000 50000 100000/s) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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

#define MAX_RATES 8
#define PAYLOAD 100 /* ChannelData payload bytes */
#define SOCK_BUF (8 << 20)
#define REPEATS 3

enum { OURS, COTURN, NSERVERS };
static const char *const names[NSERVERS] = {"natsim", "coturn"};
static const uint16_t stun_port[NSERVERS] = {34890, 34892};
static const uint16_t turn_port[NSERVERS] = {34891, 34892}; /* coturn: one port for both */
static pid_t pids[3];
static int npids;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --- sockets ----------------------------------------------------------------- */

static int udp(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int size = SOCK_BUF;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("bench_turn: socket");
    exit(1);
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  return fd;
}

static void send_to(int fd, uint16_t port, const uint8_t *d, size_t n) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  sendto(fd, d, n, 0, (struct sockaddr *)&a, sizeof a);
}

/* A datagram within ms: its length, or 0. */
static size_t recv_within(int fd, uint8_t *buf, size_t cap, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, ms) != 1) return 0;
  ssize_t n = recv(fd, buf, cap, 0);
  return n > 0 ? (size_t)n : 0;
}

/* Datagrams waiting on fd, read and counted. */
static long drain(int fd) {
  uint8_t buf[2048];
  long n = 0;
  while (recv(fd, buf, sizeof buf, 0) > 0) n++;
  return n;
}

/* --- servers ------------------------------------------------------------------ */

static void spawn(char *const argv[]) {
  pid_t p = fork();
  if (p < 0) {
    perror("bench_turn: fork");
    exit(1);
  }
  if (p == 0) {
    if (!freopen("/dev/null", "w", stderr) || !freopen("/dev/null", "w", stdout)) _exit(127);
    execvp(argv[0], argv);
    _exit(127);
  }
  pids[npids++] = p;
}

static void stop_all(void) {
  for (int i = 0; i < npids; i++) {
    kill(pids[i], SIGTERM);
    waitpid(pids[i], NULL, 0);
  }
  npids = 0;
}

static void on_signal(int sig) {
  (void)sig;
  for (int i = 0; i < npids; i++) kill(pids[i], SIGKILL);
  _exit(1);
}

/* Whether the server on port answers a Binding request within 5 s. */
static int wait_up(uint16_t port) {
  int fd = udp();
  uint8_t req[64], tid[12] = {9}, buf[512];
  stun_writer w;
  int up = 0;
  for (int i = 0; i < 100 && !up; i++) {
    stun_begin(&w, req, sizeof req, STUN_BINDING, STUN_REQUEST, tid);
    send_to(fd, port, req, (size_t)stun_end(&w));
    up = recv_within(fd, buf, sizeof buf, 50) > 0;
  }
  close(fd);
  return up;
}

static void start_servers(const char *natsim) {
  char sp[32], tp[32], cp[32];
  snprintf(sp, sizeof sp, "127.0.0.1:%u", stun_port[OURS]);
  snprintf(tp, sizeof tp, "127.0.0.1:%u", turn_port[OURS]);
  snprintf(cp, sizeof cp, "--listening-port=%u", stun_port[COTURN]);
  char *stun[] = {(char *)natsim, "serve", "stun", "--listen", sp, NULL};
  char *turn[] = {(char *)natsim, "serve", "turn", "--listen", tp, "--user", "alice:secret",
                  "--allow-peer", "127.0.0.0/8", NULL};
  char *coturn[] = {"turnserver", "-n", "--listening-ip=127.0.0.1", cp, "--relay-ip=127.0.0.1",
                    "--min-port=51000", "--max-port=51999", "--lt-cred-mech",
                    "--user=alice:secret", "--realm=natsim", "--no-tls", "--no-dtls",
                    "--no-tcp", "--allow-loopback-peers", "--no-cli", "--log-file=/dev/null",
                    NULL};
  spawn(stun);
  spawn(turn);
  spawn(coturn);
  const uint16_t ports[] = {stun_port[OURS], turn_port[OURS], stun_port[COTURN]};
  for (int i = 0; i < 3; i++) {
    if (!wait_up(ports[i])) {
      fprintf(stderr, "bench_turn: nothing answers on 127.0.0.1:%u (is turnserver installed?)\n",
              ports[i]);
      stop_all();
      exit(1);
    }
  }
}

/* --- pacing ---------------------------------------------------------------------- */

typedef struct result { long sent, got; double seconds; } result;

/* Sends `rate` datagrams a second for `seconds` (make(i, buf) writes the
** i-th) from fd to port, counting what arrives on rx; then waits 300 ms
** for stragglers. */
static result paced(int fd, uint16_t port, int rx, double rate, double seconds,
                    size_t (*make)(long i, uint8_t *buf, void *ctx), void *ctx) {
  result r = {0, 0, seconds};
  uint8_t buf[1500];
  double t0 = now_s();
  for (;;) {
    double t = now_s() - t0;
    if (t >= seconds) break;
    long due = (long)(t * rate);
    for (int burst = 0; r.sent < due && burst < 256; burst++) {
      size_t n = make(r.sent, buf, ctx);
      send_to(fd, port, buf, n);
      r.sent++;
    }
    r.got += drain(rx);
    if (r.sent >= due) {
      struct pollfd p = {rx, POLLIN, 0};
      poll(&p, 1, 1);
    }
  }
  double end = now_s() + 0.3;
  while (now_s() < end) {
    struct pollfd p = {rx, POLLIN, 0};
    poll(&p, 1, 20);
    r.got += drain(rx);
  }
  return r;
}

static size_t make_binding(long i, uint8_t *buf, void *ctx) {
  (void)ctx;
  uint8_t tid[12] = {0};
  stun_writer w;
  memcpy(tid, &i, sizeof i);
  stun_begin(&w, buf, 1500, STUN_BINDING, STUN_REQUEST, tid);
  return (size_t)stun_end(&w);
}

static size_t make_channel_data(long i, uint8_t *buf, void *ctx) {
  uint8_t payload[PAYLOAD] = {0};
  (void)ctx;
  memcpy(payload, &i, sizeof i);
  return (size_t)turn_channel_encode(0x4000, payload, sizeof payload, buf, 1500);
}

/* --- a TURN client by hand ---------------------------------------------------------- */

/* A signed request (fresh nonce from a 401 first): 0 on success, else the
** error code or -1 for no answer. */
static int signed_request(int fd, uint16_t port, uint16_t method, const addr *peer) {
  uint8_t req[512], buf[1500], key[16], tid[12] = {1};
  uint8_t transport[4] = {TURN_UDP, 0, 0, 0};
  stun_writer w;
  stun_msg m;
  stun_begin(&w, req, sizeof req, method, STUN_REQUEST, tid);
  send_to(fd, port, req, (size_t)stun_end(&w));
  size_t n = recv_within(fd, buf, sizeof buf, 1000);
  int rc = n ? stun_decode(buf, n, &m) : -1;
  if (rc != STUN_OK && rc != STUN_EUNKNOWN) return -1;
  char nonce[256] = {0};
  memcpy(nonce, m.nonce.p, m.nonce.len < 255 ? m.nonce.len : 255);
  stun_long_term_key("alice", "natsim", "secret", key);
  tid[0] = 2;
  stun_begin(&w, req, sizeof req, method, STUN_REQUEST, tid);
  if (method == STUN_ALLOCATE) stun_put(&w, STUN_A_REQUESTED_TRANSPORT, transport, 4);
  if (method == STUN_CHANNEL_BIND) stun_put_u32(&w, STUN_A_CHANNEL_NUMBER, 0x40000000u);
  if (peer) stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, peer);
  stun_put_str(&w, STUN_A_USERNAME, "alice");
  stun_put_str(&w, STUN_A_REALM, "natsim");
  stun_put_str(&w, STUN_A_NONCE, nonce);
  stun_put_integrity(&w, key, 16);
  stun_put_fingerprint(&w);
  send_to(fd, port, req, (size_t)stun_end(&w));
  n = recv_within(fd, buf, sizeof buf, 1000);
  rc = n ? stun_decode(buf, n, &m) : -1;
  if (rc != STUN_OK && rc != STUN_EUNKNOWN) return -1;
  return m.cls == STUN_SUCCESS ? 0 : m.error_code;
}

/* The local address of fd. */
static addr local_of(int fd) {
  struct sockaddr_in a;
  socklen_t n = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &n);
  addr out = {.family = ADDR_V4, .port = ntohs(a.sin_port)};
  memcpy(out.ip, &a.sin_addr, 4);
  return out;
}

static result bench_stun(int server, double rate, double seconds) {
  int fd = udp();
  result r = paced(fd, stun_port[server], fd, rate, seconds, make_binding, NULL);
  close(fd);
  return r;
}

/* An allocation with channel 0x4000 to a peer socket, then ChannelData. */
static result bench_turn(int server, double rate, double seconds) {
  int client = udp();
  int peer = udp();
  addr p = local_of(peer);
  result r = {0, 0, seconds};
  int a = signed_request(client, turn_port[server], STUN_ALLOCATE, NULL);
  int b = a ? a : signed_request(client, turn_port[server], STUN_CHANNEL_BIND, &p);
  if (a || b) {
    fprintf(stderr, "bench_turn: %s: allocate %d, channel bind %d\n", names[server], a, b);
  } else {
    r = paced(client, turn_port[server], peer, rate, seconds, make_channel_data, NULL);
  }
  close(client);
  close(peer);
  return r;
}

/* REPEATS runs of each server in turn; per server, the run with the
** median count received. */
static void median_of(result (*run)(int server, double rate, double seconds), double rate,
                      double seconds, result *out) {
  result all[NSERVERS][REPEATS];
  for (int k = 0; k < REPEATS; k++)
    for (int s = 0; s < NSERVERS; s++) all[s][k] = run(s, rate, seconds);
  for (int s = 0; s < NSERVERS; s++) {
    for (int i = 1; i < REPEATS; i++) { /* insertion sort by got */
      for (int j = i; j > 0 && all[s][j].got < all[s][j - 1].got; j--) {
        result t = all[s][j];
        all[s][j] = all[s][j - 1];
        all[s][j - 1] = t;
      }
    }
    out[s] = all[s][REPEATS / 2];
  }
}

/* One figure per server: sent (the generator may fall short of the
** offered rate), received per second, and the share lost. */
static void print_row(const char *what, double rate, const result *r) {
  printf("%-12s %9.0f", what, rate);
  for (int s = 0; s < NSERVERS; s++) {
    double loss = r[s].sent ? 100.0 * (double)(r[s].sent - r[s].got) / (double)r[s].sent : 0;
    printf("   %9.0f %9.0f %6.2f%%", (double)r[s].sent / r[s].seconds,
           (double)r[s].got / r[s].seconds, loss < 0 ? 0 : loss);
  }
  printf("   %5.2fx\n", r[COTURN].got ? (double)r[OURS].got / (double)r[COTURN].got : 0);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_turn NATSIM [SECONDS [RATE...]]\n");
    return 2;
  }
  double seconds = argc > 2 ? atof(argv[2]) : 1;
  double rates[MAX_RATES] = {20000, 50000, 100000};
  int nrates = 3;
  if (argc > 3) nrates = 0;
  for (int i = 3; i < argc && nrates < MAX_RATES; i++) rates[nrates++] = atof(argv[i]);
  if (seconds <= 0 || seconds > 60) {
    fprintf(stderr, "bench_turn: SECONDS from above 0 to 60\n");
    return 2;
  }
  for (int i = 0; i < nrates; i++) {
    if (rates[i] <= 0 || rates[i] > 1e6) {
      fprintf(stderr, "bench_turn: a RATE from above 0 to 1000000 datagrams a second\n");
      return 2;
    }
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  start_servers(argv[1]);
  printf("loopback, median of %d runs of %.1f s; received per second and loss at the offered "
         "load\n", REPEATS, seconds);
  printf("%-12s %9s   %-27s   %-27s   %6s\n", "", "", "natsim", "coturn", "natsim/");
  printf("%-12s %9s   %9s %9s %7s   %9s %9s %7s   %6s\n", "", "offered/s", "sent/s", "got/s",
         "loss", "sent/s", "got/s", "loss", "coturn");
  for (int i = 0; i < nrates; i++) {
    result r[NSERVERS];
    median_of(bench_stun, rates[i], seconds, r);
    print_row("STUN Binding", rates[i], r);
  }
  for (int i = 0; i < nrates; i++) {
    result r[NSERVERS];
    median_of(bench_turn, rates[i], seconds, r);
    print_row("ChannelData", rates[i], r);
  }
  stop_all();
  return 0;
}
