/* probe.c: natsim probe and natsim turn-check. */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "disc_json.h"
#include "discovery.h"
#include "json.h"
#include "loop.h"
#include "real.h"
#include "turn_client.h"

#define S 1000000000LL

/* The local IPv4 address the kernel would use toward `to` (no packet is
** sent: a connected UDP socket only picks its route). */
static int local_ip_toward(const addr *to, addr *out) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(to->port)};
  memcpy(&sa.sin_addr, to->ip, 4);
  socklen_t n = sizeof sa;
  int rc = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
                   getsockname(fd, (struct sockaddr *)&sa, &n) == 0
               ? 0
               : -1;
  if (fd >= 0) close(fd);
  *out = addr_v4(ntohl(sa.sin_addr.s_addr), 0);
  return rc;
}

/* --- probe ------------------------------------------------------------------- */

typedef struct probe_state {
  loop *l;
  disc *d;
  int socks[8], n;
} probe_state;

static void probe_send(void *ctx, int sock, const addr *dst, const uint8_t *data, size_t len) {
  probe_state *r = ctx;
  if (sock >= 0 && sock < r->n) loop_send(r->l, r->socks[sock], dst, data, len);
}

static void probe_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  probe_state *r = ctx;
  for (int k = 0; k < r->n; k++)
    if (r->socks[k] == sock) disc_recv(r->d, loop_now(), k, from, d, n);
}

static int64_t probe_tick(void *ctx, int64_t now) {
  probe_state *r = ctx;
  disc_tick(r->d, now);
  if (disc_done(r->d)) loop_stop(r->l);
  return disc_deadline(r->d);
}

static void probe_print(const disc_result *x, const addr *server, const addr *local, bool as_json) {
  char s[ADDR_STRLEN], l[ADDR_STRLEN], m[ADDR_STRLEN];
  addr_format(server, s, sizeof s);
  addr_format(local, l, sizeof l);
  addr_format(&x->mapped, m, sizeof m);
  const char *status = x->status == DISC_OK ? "ok" : x->status == DISC_NO_SERVER ? "no-server" : "no-rfc5780";
  if (as_json) {
    json j = json_start(stdout);
    json_object(&j, NULL);
    json_str(&j, "server", s);
    json_str(&j, "status", status);
    json_str(&j, "local", l);
    json_str(&j, "mapped", x->status == DISC_NO_SERVER ? "" : m);
    json_bool(&j, "natted", x->natted);
    disc_json_write(&j, x);
    json_num(&j, "elapsed_s", (double)x->elapsed / S);
    json_end(&j, '}');
    putchar('\n');
    return;
  }
  printf("server       %s (%s)\nlocal        %s\n", s, status, l);
  if (x->status == DISC_NO_SERVER) return;
  printf("mapped       %s%s\n", m, x->natted ? "" : " (not translated)");
  if (x->status == DISC_NO_RFC5780) {
    printf("(the server gave no OTHER-ADDRESS: it cannot do RFC 5780 behaviour discovery)\n");
    return;
  }
  printf("mapping      %s\nfiltering    %s\nallocation   %s", disc_behaviour_name(x->mapping),
         disc_behaviour_name(x->filtering), disc_alloc_name(x->allocation));
  if (x->allocation == DISC_SEQUENTIAL) printf(" (stride %d)", x->stride);
  printf("\nhairpinning  %s\ntype         %s\nSTUN         %llu transactions, %llu retransmits, "
         "%.1f s\n", x->hairpin_observable ? (x->hairpinning ? "yes" : "no") : "not observable",
         disc_type_name(x), (unsigned long long)x->stun.transactions,
         (unsigned long long)x->stun.retransmits, (double)x->elapsed / S);
}

int probe_run(const probe_opts *o) {
  addr server = o->server;
  probe_state r = {.l = loop_new()};
  addr local, bind_to;
  if (!r.l) return 2;
  if (local_ip_toward(&server, &bind_to) != 0) {
    loop_free(r.l);
    char a[ADDR_STRLEN];
    return real_fail(1, "natsim probe: no route to %s", addr_format(&server, a, sizeof a));
  }
  disc_cfg cfg = {.server = server, .timing = stun_timing_default(), .csprng = true};
  cfg.timing.rto = o->rto_ms * 1000000LL;
  disc_io io = {probe_send, &r};
  r.d = disc_new(&cfg, &io);
  r.n = r.d ? disc_sockets(r.d) : 0;
  for (int k = 0; k < r.n; k++) {
    addr bound;
    if ((r.socks[k] = loop_udp(r.l, &bind_to, probe_datagram, &r, &bound)) < 0) {
      disc_free(r.d);
      loop_free(r.l);
      return real_fail(1, "natsim probe: cannot open a UDP socket: %s", strerror(errno));
    }
    disc_set_local(r.d, k, &bound);
    if (k == 0) local = bound;
  }
  disc_start(r.d, loop_now());
  loop_run(r.l, INT64_MAX, probe_tick, &r);
  const disc_result *x = disc_get_result(r.d);
  probe_print(x, &server, &local, o->json);
  int rc = x->status == DISC_NO_SERVER || !disc_done(r.d) ? 1 : 0;
  disc_free(r.d);
  loop_free(r.l);
  return rc;
}

/* --- turn-check ----------------------------------------------------------------- */

enum { STEP_ALLOCATE, STEP_PERMIT, STEP_SEND, STEP_REPLY, STEP_BIND, STEP_CHANNEL, NSTEPS };
static const char *const step_name[NSTEPS] = {
    "allocate", "create permission", "send indication to the peer", "data indication back",
    "bind a channel", "channel data to the peer"};

typedef struct check_run {
  loop *l;
  turn_client *c;
  int client_sock, peer_sock;
  addr peer, relayed;
  int64_t start, at[NSTEPS];
  bool failed;
} check_run;

static void step(check_run *r, int s, const char *detail) {
  if (r->at[s]) return;
  r->at[s] = loop_now();
  printf("ok    %-30s %7.1f ms  %s\n", step_name[s], (double)(r->at[s] - r->start) / 1e6, detail);
}

static void relay_to_peer(check_run *r, const char *what) {
  turn_client_send(r->c, loop_now(), &r->peer, (const uint8_t *)what, strlen(what));
}

static void check_event(void *ctx, enum turn_event ev, const addr *peer) {
  check_run *r = ctx;
  char a[ADDR_STRLEN];
  (void)peer;
  if (ev == TURN_ALLOCATED) {
    r->relayed = turn_client_relayed(r->c);
    step(r, STEP_ALLOCATE, addr_format(&r->relayed, a, sizeof a));
    turn_client_permit(r->c, loop_now(), &r->peer);
  } else if (ev == TURN_PERMITTED && !r->at[STEP_PERMIT]) {
    step(r, STEP_PERMIT, addr_format(&r->peer, a, sizeof a));
    relay_to_peer(r, "natsim turn-check: send indication");
  } else if (ev == TURN_BOUND) {
    step(r, STEP_BIND, addr_format(&r->peer, a, sizeof a));
    relay_to_peer(r, "natsim turn-check: channel data");
  } else if (ev == TURN_FAILED) {
    printf("turn-check: the allocation failed (refused: wrong credentials or realm, an error "
           "response, or no answer)\n");
    r->failed = true;
    loop_stop(r->l);
  }
}

static void check_send(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  check_run *r = ctx;
  loop_send(r->l, r->client_sock, to, d, n);
}

/* Data that came back through the relay, from the peer. */
static void check_deliver(void *ctx, const addr *peer, const uint8_t *d, size_t n) {
  check_run *r = ctx;
  if (!addr_equal(peer, &r->peer) || n < 5 || memcmp(d, "reply", 5) != 0) return;
  step(r, STEP_REPLY, "the peer's reply arrived");
  if (!r->at[STEP_BIND]) turn_client_bind(r->c, loop_now(), &r->peer);
}

static void client_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  check_run *r = ctx;
  (void)sock;
  turn_client_recv(r->c, loop_now(), from, d, n);
}

/* The local peer: it must see the datagrams come from the relayed address. */
static void peer_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  check_run *r = ctx;
  char a[ADDR_STRLEN], detail[120];
  if (!addr_equal(from, &r->relayed)) return;
  snprintf(detail, sizeof detail, "%zu bytes from %s", n, addr_format(from, a, sizeof a));
  bool channel = n >= 12 && !memcmp(d + n - 12, "channel data", 12);
  step(r, channel ? STEP_CHANNEL : STEP_SEND, detail);
  if (channel) loop_stop(r->l);
  else loop_send(r->l, sock, from, (const uint8_t *)"reply from the peer", 19);
}

static int64_t check_tick(void *ctx, int64_t now) {
  check_run *r = ctx;
  turn_client_tick(r->c, now);
  return turn_client_deadline(r->c);
}

int turn_check_run(const turn_check_opts *o) {
  addr server = o->server, local;
  const char *colon = strchr(o->user, ':');
  char user[256];
  snprintf(user, sizeof user, "%.*s", (int)(colon - o->user), o->user);
  const char *pass = colon + 1;
  long timeout = o->timeout_s;
  check_run r = {.l = loop_new()};
  if (!r.l) return 2;
  if (local_ip_toward(&server, &local) != 0 ||
      (r.client_sock = loop_udp(r.l, &local, client_datagram, &r, NULL)) < 0 ||
      (r.peer_sock = loop_udp(r.l, &local, peer_datagram, &r, &r.peer)) < 0) {
    loop_free(r.l);
    return real_fail(1, "natsim turn-check: cannot open local sockets: %s", strerror(errno));
  }
  turn_client_cfg cfg = {.server = server, .user = user, .password = pass,
                         .timing = stun_timing_default(), .csprng = true};
  turn_client_io io = {check_send, check_deliver, check_event, &r};
  r.c = turn_client_new(&cfg, &io);
  r.start = loop_now();
  if (r.c) turn_client_allocate(r.c, r.start);
  loop_run(r.l, r.start + timeout * S, check_tick, &r);
  int passed = 0;
  for (int s = 0; s < NSTEPS; s++) {
    if (!r.at[s]) printf("FAIL  %s\n", step_name[s]);
    passed += r.at[s] != 0;
  }
  if (r.c) {
    const turn_client_stats *st = turn_client_get_stats(r.c);
    printf("%d of %d steps passed; %llu requests, %llu challenges, %llu errors\n", passed, NSTEPS,
           (unsigned long long)st->requests, (unsigned long long)st->challenges,
           (unsigned long long)st->errors);
  }
  turn_client_free(r.c);
  loop_free(r.l);
  return passed == NSTEPS && !r.failed ? 0 : 1;
}
