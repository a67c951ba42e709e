/* serve.c: natsim serve stun | turn | gateway. */
#include "serve.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "loop.h"
#include "real.h"
#include "stun_server.h"
#include "turn_server.h"

static int64_t no_deadline(void *ctx, int64_t now) {
  (void)ctx, (void)now;
  return INT64_MAX;
}

#define LISTEN_BUFFER (4 << 20) /* bytes, each way, on listening sockets */
#define RELAY_BUFFER (1 << 20)  /* on each TURN relay socket */

static int finish(loop *l, const char *what, int sig) {
  fprintf(stderr, "natsim serve %s: stopped%s%s; %llu send errors, %llu dropped by the kernel\n",
          what, sig ? " on " : "", sig ? (sig == 2 ? "SIGINT" : "SIGTERM") : "",
          (unsigned long long)loop_send_errors(l), (unsigned long long)loop_rx_drops(l));
  loop_free(l);
  return 0;
}

/* --- STUN ------------------------------------------------------------------ */

typedef struct stun_run {
  loop *l;
  stun_server srv;
  int socks[4]; /* loop socket of each server socket */
} stun_run;

static void stun_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  stun_run *r = ctx;
  int k = 0;
  while (k < r->srv.nsocks && r->socks[k] != sock) k++;
  uint8_t out[1280];
  int out_sock;
  addr to;
  size_t len = stun_server_handle(&r->srv, k, from, d, n, out, sizeof out, &out_sock, &to);
  if (len) loop_send(r->l, r->socks[out_sock], &to, out, len);
}

static int serve_stun(const addr *listen, const addr *alt) {
  stun_run r = {.l = loop_new()};
  if (!r.l) return 1;
  stun_server_init(&r.srv, listen, alt->family ? alt : NULL);
  for (int k = 0; k < r.srv.nsocks; k++) {
    char a[ADDR_STRLEN];
    if ((r.socks[k] = loop_udp(r.l, &r.srv.socks[k], stun_datagram, &r, NULL)) < 0) {
      fprintf(stderr, "natsim serve stun: cannot bind %s: %s\n",
              addr_format(&r.srv.socks[k], a, sizeof a), strerror(errno));
      loop_free(r.l);
      return 1;
    }
    loop_udp_buffers(r.l, r.socks[k], LISTEN_BUFFER);
    fprintf(stderr, "natsim serve stun: listening on %s\n", addr_format(&r.srv.socks[k], a, sizeof a));
  }
  int sig = loop_run(r.l, INT64_MAX, no_deadline, &r);
  fprintf(stderr, "natsim serve stun: %llu requests, %llu responses, %llu errors, %llu dropped\n",
          (unsigned long long)r.srv.stats.requests, (unsigned long long)r.srv.stats.responses,
          (unsigned long long)r.srv.stats.errors, (unsigned long long)r.srv.stats.dropped);
  return finish(r.l, "stun", sig);
}

/* --- TURN ------------------------------------------------------------------ */

#define RELAY_MIN 49152 /* relayed ports: RELAY_MIN-65535 on the listening IP */
#define RELAY_PORTS (65536 - RELAY_MIN)

/* Relay sockets both ways in O(1): by relayed port, and by loop socket. */
typedef struct turn_run {
  loop *l;
  turn_server *srv;
  int listen_sock;
  int sock_of_port[RELAY_PORTS]; /* -1: closed */
  addr relayed_of_sock[LOOP_MAX_SOCKETS];
} turn_run;

static int *relay_sock(turn_run *r, const addr *relayed) {
  return relayed->port >= RELAY_MIN ? &r->sock_of_port[relayed->port - RELAY_MIN] : NULL;
}

static void turn_client_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  turn_run *r = ctx;
  (void)sock;
  turn_server_recv(r->srv, loop_now(), from, d, n);
}

static void turn_peer_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  turn_run *r = ctx;
  turn_server_recv_relay(r->srv, loop_now(), &r->relayed_of_sock[sock], from, d, n);
}

static void to_client(void *ctx, const addr *client, const uint8_t *d, size_t n) {
  turn_run *r = ctx;
  loop_send(r->l, r->listen_sock, client, d, n);
}

static void to_peer(void *ctx, const addr *relayed, const addr *peer, const uint8_t *d, size_t n) {
  turn_run *r = ctx;
  int *s = relay_sock(r, relayed);
  if (s && *s >= 0) loop_send(r->l, *s, peer, d, n);
}

static int open_relay(void *ctx, const addr *relayed) {
  turn_run *r = ctx;
  int *s = relay_sock(r, relayed);
  if (!s || (*s = loop_udp(r->l, relayed, turn_peer_datagram, r, NULL)) < 0) return -1;
  loop_udp_buffers(r->l, *s, RELAY_BUFFER);
  r->relayed_of_sock[*s] = *relayed;
  return 0;
}

static void close_relay(void *ctx, const addr *relayed) {
  turn_run *r = ctx;
  int *s = relay_sock(r, relayed);
  if (!s || *s < 0) return;
  loop_close(r->l, *s);
  *s = -1;
}

/* The peer rules of o: 0, or -1 with the reason on stderr. */
static int peer_rules(turn_server *srv, const serve_opts *o) {
  for (int pass = 0; pass < 2; pass++) {
    const char **list = pass ? o->deny_peers : o->allow_peers;
    int n = pass ? o->ndeny_peers : o->nallow_peers;
    for (int i = 0; i < n; i++) {
      addr net;
      int prefix;
      if (addr_parse_cidr(list[i], &net, &prefix) != 0 ||
          turn_server_peer_rule(srv, &net, prefix, pass == 0) != 0) {
        fprintf(stderr, "natsim serve turn: cannot use the network '%s'\n", list[i]);
        return -1;
      }
    }
  }
  return 0;
}

/* The server with its user and peer rules, its nonce secret from
** GnuTLS's key-grade generator; NULL with the reason on stderr. */
static turn_server *turn_start(turn_run *r, const serve_opts *o) {
  uint8_t secret[TURN_SECRET_LEN];
  if (gnutls_rnd(GNUTLS_RND_KEY, secret, sizeof secret) != 0) {
    fprintf(stderr, "natsim serve turn: no random bytes for the nonce secret\n");
    return NULL;
  }
  turn_server_cfg cfg = {.realm = o->realm, .relay = o->listen, .listen = o->listen,
                         .port_min = RELAY_MIN,
                         .port_max = 65535, .nonce_lifetime = 600 * 1000000000LL,
                         .secret = secret, .max_allocs_per_user = o->max_allocs_per_user,
                         .max_allocs_per_ip = o->max_allocs_per_addr};
  cfg.relay.port = 0;
  turn_server_io io = {to_client, to_peer, open_relay, close_relay, r};
  turn_server *srv = turn_server_new(&cfg, &io);
  gnutls_memset(secret, 0, sizeof secret);
  char user[256];
  const char *colon = strchr(o->user, ':');
  snprintf(user, sizeof user, "%.*s", (int)(colon - o->user), o->user);
  if (!srv || turn_server_add_user(srv, user, colon + 1) != 0) {
    fprintf(stderr, "natsim serve turn: out of memory\n");
    turn_server_free(srv);
    return NULL;
  }
  if (peer_rules(srv, o) != 0) {
    turn_server_free(srv);
    return NULL;
  }
  return srv;
}

static void turn_counters(const turn_server_stats *st) {
  fprintf(stderr, "natsim serve turn: %llu allocations, %llu permissions, %llu channels, "
                  "%llu datagrams relayed (%llu bytes), %llu auth failures, %llu stale nonces, "
                  "%llu peers forbidden, %llu to the server dropped, %llu over quota, "
                  "%llu over capacity\n",
          (unsigned long long)st->allocations, (unsigned long long)st->permissions,
          (unsigned long long)st->channels, (unsigned long long)(st->to_peers + st->from_peers),
          (unsigned long long)st->bytes_relayed, (unsigned long long)st->auth_failures,
          (unsigned long long)st->stale_nonces, (unsigned long long)st->forbidden,
          (unsigned long long)st->dropped_policy, (unsigned long long)st->quota_refused,
          (unsigned long long)st->capacity_refused);
}

static int serve_turn(const serve_opts *o) {
  turn_run *r = calloc(1, sizeof *r);
  if (!r || !(r->l = loop_new())) {
    free(r);
    return 1;
  }
  for (int i = 0; i < RELAY_PORTS; i++) r->sock_of_port[i] = -1;
  char a[ADDR_STRLEN];
  int rc = 1;
  r->srv = turn_start(r, o);
  if (r->srv && (r->listen_sock = loop_udp(r->l, &o->listen, turn_client_datagram, r, NULL)) < 0) {
    fprintf(stderr, "natsim serve turn: cannot bind %s: %s\n", addr_format(&o->listen, a, sizeof a),
            strerror(errno));
  } else if (r->srv) {
    int buf = loop_udp_buffers(r->l, r->listen_sock, LISTEN_BUFFER);
    fprintf(stderr, "natsim serve turn: listening on %s, realm %s, user %.*s, receive buffer %d KB\n",
            addr_format(&o->listen, a, sizeof a), o->realm,
            (int)(strchr(o->user, ':') - o->user), o->user, buf / 1024);
    int sig = loop_run(r->l, INT64_MAX, no_deadline, r);
    turn_counters(turn_server_get_stats(r->srv));
    finish(r->l, "turn", sig);
    r->l = NULL;
    rc = 0;
  }
  turn_server_free(r->srv);
  loop_free(r->l);
  free(r);
  return rc;
}

/* --- gateway --------------------------------------------------------------- */

typedef struct gw_run {
  loop *l;
  gateway gw;
  int sock;
} gw_run;

static void gw_datagram(void *ctx, int sock, const addr *from, const uint8_t *d, size_t n) {
  gw_run *r = ctx;
  (void)sock;
  gateway_recv(&r->gw, loop_now(), from, d, n);
}

static void gw_send(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  gw_run *r = ctx;
  loop_send(r->l, r->sock, to, d, n);
}

static int serve_gateway(const addr *listen, const char *peers, uint32_t punch_delay_ms) {
  gw_run r = {.l = loop_new()};
  if (!r.l) return 1;
  gateway_io io = {gw_send, &r};
  secrets src;
  secrets_csprng(&src); /* session ids, keys and nonces nobody can predict */
  gateway_init(&r.gw, &src, punch_delay_ms, &io);
  char err[600], a[ADDR_STRLEN];
  int n = real_read_peers(peers, &r.gw, err, sizeof err);
  if (n < 0) {
    fprintf(stderr, "natsim serve gateway: %s\n", err);
  } else if ((r.sock = loop_udp(r.l, listen, gw_datagram, &r, NULL)) < 0) {
    fprintf(stderr, "natsim serve gateway: cannot bind %s: %s\n", addr_format(listen, a, sizeof a),
            strerror(errno));
  } else {
    fprintf(stderr, "natsim serve gateway: listening on %s, %d peers\n",
            addr_format(listen, a, sizeof a), n);
    int sig = loop_run(r.l, INT64_MAX, no_deadline, &r);
    const gateway_stats *s = &r.gw.stats;
    fprintf(stderr, "natsim serve gateway: %llu registrations, %llu sessions, %llu frames "
                    "relayed, %llu dropped (auth %llu, replay %llu)\n",
            (unsigned long long)s->registrations, (unsigned long long)s->sessions,
            (unsigned long long)s->relayed_frames,
            (unsigned long long)(s->dropped_malformed + s->dropped_auth + s->dropped_replay +
                                 s->dropped_unregistered + s->dropped_not_member +
                                 s->dropped_unknown),
            (unsigned long long)s->dropped_auth, (unsigned long long)s->dropped_replay);
    gateway_free(&r.gw);
    return finish(r.l, "gateway", sig);
  }
  gateway_free(&r.gw);
  loop_free(r.l);
  return 1;
}

/* --- entry point ------------------------------------------------------------ */

int serve_run(const serve_opts *o) {
  switch (o->kind) {
    case SERVE_STUN:
      return serve_stun(&o->listen, &o->alt);
    case SERVE_TURN:
      return serve_turn(o);
    case SERVE_GATEWAY:
      return serve_gateway(&o->listen, o->peers, o->punch_delay_ms);
  }
  return 1;
}
