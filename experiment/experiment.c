/* experiment.c: building the population, driving peers, measuring. */
#include "experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feasible.h"
#include "pcp.h"
#include "progress.h"
#include "gateway.h"
#include "stun_server.h"
#include "turn_server.h"
#include "rng.h"
#include "stats.h"
#include "world.h"
#include "pki.h"

#define MS 1000000LL
#define GATEWAY_IP 0xC633640Au /* 198.51.100.10 */
#define STUN_IP 0xC6336414u    /* 198.51.100.20 */
#define STUN2_IP 0xC6336415u   /* 198.51.100.21: for port prediction */
#define TURN_IP 0xC633641Eu    /* 198.51.100.30 */
#define SERVER_PORT 3478
#define RELAY_MIN 49152
#define RELAY_MAX 65535
#define GATEWAY_PORT 7000
#define PEER_PORT 4000
#define HEAD 9 /* attempt (4), direction (1), index (4) */

typedef struct attempt attempt;
typedef struct side side;

/* A socket a peer opened for birthday probing: socket `index` of `s`. */
typedef struct xsock { side *s; int index, sock; } xsock;

struct side {
  attempt *att;
  peer *p;
  uint32_t id;
  int host, sock;
  uint64_t timer, work_timer;
  bool is_a;
  int sent, received;
  bool damaged;
  int64_t direct_at;
  gnutls_certificate_credentials_t cred; /* QUIC: its certificate and the CA it trusts */
  int home;           /* its home NAT's node */
  xsock *extra;       /* its sockets 1..nextra (birthday probing) */
  int nextra;
};

struct attempt {
  int index, class_a, class_b;
  bool same_nat;      /* b sits behind a's home NAT */
  bool rogue;         /* b's certificate comes from a foreign CA */
  side a, b;
  int64_t start, connect_at, first_byte;
  bool feasible;
  double p_bday;      /* v0.9: the chance birthday probing opens a direct path (feasible.h) */
};

typedef struct relay_sock { int sock; uint16_t port; } relay_sock;

typedef struct xrun {
  const exp_cfg *cfg;
  world *w;
  gateway gw;
  int gw_sock;
  attempt *att;
  /* v0.9: a STUN server and a TURN server */
  stun_server stun, stun2;
  turn_server *turn;
  int stun_sock, stun2_sock, turn_sock, turn_host;
  relay_sock *relays; /* by port - RELAY_MIN; sock -1 when closed */
  pki_ca *ca, *rogue; /* QUIC: the scenario's CA, and a foreign one */
  int finished;       /* attempts whose messages all arrived, both ways */
  int64_t end;        /* virtual time the run ends */
} xrun;

#define PROGRESS_TICK (100 * MS)

static xrun *current; /* the run in progress (ns-3 is a singleton anyway) */

void experiment_defaults(exp_cfg *c) {
  memset(c, 0, sizeof *c);
  c->pairs = 1000;
  c->access = (sim_link_cfg){.delay = 10 * MS};
  c->lan = (sim_link_cfg){.delay = 1 * MS};
  c->gateway = (sim_link_cfg){.delay = 5 * MS};
  c->messages = 20;
  c->size = 200;
  c->over = 2000 * MS;
  c->peer = peer_cfg_default();
  c->punch_delay_ms = 100;
  c->spacing = 5 * MS;
  c->settle = 10000 * MS;
  c->seed = 1;
  c->targets = (exp_targets){-1, -1, -1, -1};
  c->quic = true;
}

bool experiment_version_known(const char *name) {
  return !strcmp(name, "v0.7") || !strcmp(name, "v0.8") || !strcmp(name, "v0.9");
}

/* --- the STUN and TURN servers (v0.9) ------------------------------------ */

static void serve_stun(xrun *x, stun_server *srv, int sock, const uint8_t *data, size_t len,
                       uint32_t ip, uint16_t port) {
  uint8_t out[1280];
  int out_sock;
  addr from = addr_v4(ip, port), to;
  size_t n = stun_server_handle(srv, 0, &from, data, len, out, sizeof out, &out_sock, &to);
  if (n) world_send(x->w, sock, addr_v4_ip(&to), to.port, out, n);
}

static void stun_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  xrun *x = ctx;
  serve_stun(x, &x->stun, x->stun_sock, data, len, ip, port);
}

static void stun2_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  xrun *x = ctx;
  serve_stun(x, &x->stun2, x->stun2_sock, data, len, ip, port);
}

static void turn_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  xrun *x = ctx;
  addr from = addr_v4(ip, port);
  turn_server_recv(x->turn, sim_now(), &from, data, len);
}

static void relay_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  relay_sock *r = ctx;
  addr relayed = addr_v4(TURN_IP, r->port), from = addr_v4(ip, port);
  turn_server_recv_relay(current->turn, sim_now(), &relayed, &from, data, len);
}

static void turn_to_client(void *ctx, const addr *client, const uint8_t *d, size_t n) {
  xrun *x = ctx;
  world_send(x->w, x->turn_sock, addr_v4_ip(client), client->port, d, n);
}

static void turn_to_peer(void *ctx, const addr *relayed, const addr *to, const uint8_t *d,
                         size_t n) {
  xrun *x = ctx;
  relay_sock *r = &x->relays[relayed->port - RELAY_MIN];
  if (r->sock >= 0) world_send(x->w, r->sock, addr_v4_ip(to), to->port, d, n);
}

static int turn_open(void *ctx, const addr *relayed) {
  xrun *x = ctx;
  char err[128];
  relay_sock *r = &x->relays[relayed->port - RELAY_MIN];
  r->port = relayed->port;
  r->sock = world_udp(x->w, x->turn_host, TURN_IP, relayed->port, relay_datagram, r, err, sizeof err);
  return r->sock >= 0 ? 0 : -1;
}

static void turn_close(void *ctx, const addr *relayed) {
  xrun *x = ctx;
  relay_sock *r = &x->relays[relayed->port - RELAY_MIN];
  if (r->sock >= 0) world_sock_close(x->w, r->sock);
  r->sock = -1;
}

static int build_servers(xrun *x, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  world_node_opts so = {.name = "stun", .addrs = {STUN_IP, STUN2_IP}, .parent = WORLD_CORE,
                        .link = c->gateway};
  world_node_opts to = {.name = "turn", .addrs = {TURN_IP}, .parent = WORLD_CORE, .link = c->gateway};
  int stun_host = world_host(x->w, &so, err, len);
  x->turn_host = world_host(x->w, &to, err, len);
  if (stun_host < 0 || x->turn_host < 0) return -1;
  addr sa = addr_v4(STUN_IP, SERVER_PORT), sa2 = addr_v4(STUN2_IP, SERVER_PORT);
  stun_server_init(&x->stun, &sa, NULL);
  stun_server_init(&x->stun2, &sa2, NULL);
  x->stun_sock = world_udp(x->w, stun_host, STUN_IP, SERVER_PORT, stun_datagram, x, err, len);
  x->stun2_sock = world_udp(x->w, stun_host, STUN2_IP, SERVER_PORT, stun2_datagram, x, err, len);
  if (x->stun2_sock < 0) return -1;
  x->turn_sock = world_udp(x->w, x->turn_host, TURN_IP, SERVER_PORT, turn_datagram, x, err, len);
  x->relays = malloc((RELAY_MAX - RELAY_MIN + 1) * sizeof *x->relays);
  if (x->stun_sock < 0 || x->turn_sock < 0 || !x->relays) return -1;
  for (int i = 0; i <= RELAY_MAX - RELAY_MIN; i++) x->relays[i].sock = -1;
  turn_server_cfg tc = {.realm = "natsim", .relay = addr_v4(TURN_IP, 0), .port_min = RELAY_MIN,
                        .port_max = RELAY_MAX, .nonce_lifetime = 3600 * 1000 * MS, .seed = c->seed};
  turn_server_io tio = {turn_to_client, turn_to_peer, turn_open, turn_close, x};
  x->turn = turn_server_new(&tc, &tio);
  return x->turn && turn_server_add_user(x->turn, "natsim", "natsim") == 0 ? 0 : -1;
}

/* --- peers, glued to the world ------------------------------------------- */

static void rearm(side *s);

static void on_peer_timer(void *arg) {
  side *s = arg;
  s->timer = 0;
  peer_tick(s->p, sim_now());
  rearm(s);
}

static void rearm(side *s) { s->timer = sim_rearm(s->timer, peer_deadline(s->p), on_peer_timer, s); }

static void peer_send_io(void *ctx, const addr *to, const uint8_t *data, size_t len) {
  side *s = ctx;
  world_send(current->w, s->sock, addr_v4_ip(to), to->port, data, len);
}

static void on_extra(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port);

/* Birthday probing: n more sockets on the peer's host, on the ports after its own. */
static int peer_open_io(void *ctx, int n, addr *local) {
  side *s = ctx;
  char err[128];
  const uint32_t *ips;
  world_node_addrs(current->w, s->host, &ips);
  if (s->extra) return 0; /* once per peer: the sockets' callbacks point into the array */
  if (!(s->extra = calloc((size_t)n, sizeof *s->extra))) return 0;
  int opened = 0;
  for (int i = 0; i < n; i++) {
    xsock *e = &s->extra[s->nextra];
    uint16_t port = (uint16_t)(PEER_PORT + 1 + s->nextra);
    *e = (xsock){s, s->nextra + 1, -1};
    if ((e->sock = world_udp(current->w, s->host, 0, port, on_extra, e, err, sizeof err)) < 0) break;
    local[opened++] = addr_v4(ips[0], port);
    s->nextra++;
  }
  return opened;
}

static void peer_send_on_io(void *ctx, int sock, const addr *to, const uint8_t *data, size_t len) {
  side *s = ctx;
  if (sock >= 1 && sock <= s->nextra)
    world_send(current->w, s->extra[sock - 1].sock, addr_v4_ip(to), to->port, data, len);
}

static uint8_t filler(const attempt *a, bool from_a, uint32_t index, size_t k) {
  return (uint8_t)(a->index * 31u + index * 7u + k + (from_a ? 101u : 0u));
}

static void on_deliver(void *ctx, uint32_t from, const uint8_t *msg, size_t len) {
  side *s = ctx;
  attempt *a = s->att;
  (void)from;
  bool from_a = !s->is_a;
  uint32_t idx = len >= HEAD ? (uint32_t)msg[5] << 24 | (uint32_t)msg[6] << 16 |
                                   (uint32_t)msg[7] << 8 | msg[8] : 0;
  bool ok = len == (size_t)current->cfg->size && msg[4] == (from_a ? 1 : 2) &&
            idx == (uint32_t)s->received;
  for (size_t k = HEAD; ok && k < len; k++) ok = msg[k] == filler(a, from_a, idx, k);
  if (!ok) s->damaged = true;
  s->received++;
  if (!s->is_a && !a->first_byte) a->first_byte = sim_now();
  int want = current->cfg->messages;
  if (s->received == want && (s->is_a ? a->b.received : a->a.received) == want)
    current->finished++;
}

/* Every 100 ms of virtual time, whether or not anything is shown: the
** events executed do not depend on the display. */
static void progress_tick(void *arg) {
  xrun *x = arg;
  progress_update(x->finished, (double)sim_now() / (double)x->end);
  if (sim_now() + PROGRESS_TICK < x->end) sim_schedule(PROGRESS_TICK, progress_tick, x);
}

static void send_one(void *arg) {
  side *s = arg;
  const exp_cfg *c = current->cfg;
  attempt *a = s->att;
  uint8_t msg[CONN_MAX_MESSAGE];
  uint32_t idx = (uint32_t)s->sent;
  msg[0] = (uint8_t)(a->index >> 24), msg[1] = (uint8_t)(a->index >> 16);
  msg[2] = (uint8_t)(a->index >> 8), msg[3] = (uint8_t)a->index;
  msg[4] = s->is_a ? 1 : 2;
  msg[5] = (uint8_t)(idx >> 24), msg[6] = (uint8_t)(idx >> 16);
  msg[7] = (uint8_t)(idx >> 8), msg[8] = (uint8_t)idx;
  for (int k = HEAD; k < c->size; k++) msg[k] = filler(a, s->is_a, idx, (size_t)k);
  peer_send(s->p, sim_now(), s->is_a ? a->b.id : a->a.id, msg, (size_t)c->size);
  s->sent++;
  s->work_timer = 0;
  if (s->sent < c->messages)
    s->work_timer = sim_schedule(c->over / c->messages, send_one, s);
  rearm(s);
}

static void on_event(void *ctx, uint32_t other, enum peer_event ev) {
  side *s = ctx;
  (void)other;
  if (ev == PEER_SESSION && !s->is_a && !s->sent && !s->work_timer)
    s->work_timer = sim_schedule(0, send_one, s); /* the responder's workload */
  if (ev == PEER_DIRECT) s->direct_at = sim_now();
}

static void on_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  side *s = ctx;
  addr from = addr_v4(ip, port);
  peer_recv(s->p, sim_now(), &from, data, len);
  rearm(s);
}

static void on_extra(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  xsock *e = ctx;
  addr from = addr_v4(ip, port);
  peer_recv_on(e->s->p, sim_now(), e->index, &from, data, len);
  rearm(e->s);
}

static void gw_send(void *ctx, const addr *to, const uint8_t *data, size_t len) {
  xrun *x = ctx;
  world_send(x->w, x->gw_sock, addr_v4_ip(to), to->port, data, len);
}

static void gw_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  xrun *x = ctx;
  addr from = addr_v4(ip, port);
  gateway_recv(&x->gw, sim_now(), &from, data, len);
}

static void start_peer(void *arg) {
  side *s = arg;
  peer_start(s->p, sim_now());
  rearm(s);
}

/* The address the other side's packets come from: its outermost NAT's. */
static uint32_t outer_ip(world *w, int host) {
  uint32_t ip = 0;
  for (int n = world_node_parent(w, host); n != WORLD_CORE; n = world_node_parent(w, n))
    ip = nat_public_ip(world_nat_engine(w, n));
  return ip;
}

static void disrupt(void *arg) {
  attempt *a = arg;
  nat *home = world_nat_engine(current->w, a->a.home);
  if (current->cfg->disrupt == EXP_REBIND) nat_rebind(home);
  else nat_block(home, outer_ip(current->w, a->b.host));
}

static void start_connect(void *arg) {
  attempt *a = arg;
  const exp_cfg *c = current->cfg;
  a->connect_at = sim_now();
  peer_connect(a->a.p, sim_now(), a->b.id);
  send_one(&a->a); /* the first message goes at once: relayed */
  if (c->disrupt != EXP_NONE && !a->same_nat) sim_schedule(c->disrupt_after, disrupt, a);
}

/* --- building -------------------------------------------------------------- */

/* A NAT chain for the side's class, or none when it shares `shared`'s home. */
static int build_nats(xrun *x, side *s, int cls, const side *shared, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  const exp_class *k = &c->classes[cls];
  char name[64];
  int parent = WORLD_CORE;
  sim_link_cfg home_link = c->access;
  if (shared) return s->home = shared->home;
  if (k->behind[0]) {
    snprintf(name, sizeof name, "cgn%u", s->id);
    if ((parent = world_nat_file(x->w, &c->loader, k->behind, name, WORLD_CORE, true, &c->access, err,
                                 len)) < 0)
      return -1;
    home_link = (sim_link_cfg){.delay = 2 * MS};
  }
  snprintf(name, sizeof name, "nat%u", s->id);
  return s->home = world_nat_file(x->w, &c->loader, k->model, name, parent, false, &home_link, err, len);
}

/* QUIC credentials: a certificate from the scenario's CA, or from the
** foreign one for a rogue. */
static int issue_cert(xrun *x, side *s, bool rogue, peer_cfg *pc, char *err, size_t len) {
  if (!x->cfg->quic) return 0;
  s->cred = pki_issue(rogue ? x->rogue : x->ca, x->ca, s->id, err, len);
  pc->quic = s->cred;
  return s->cred ? 0 : -1;
}

static int build_side(xrun *x, attempt *a, side *s, int cls, const side *shared,
                      const char *version, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  char name[64];
  int home = build_nats(x, s, cls, shared, err, len);
  if (home < 0) return -1;
  snprintf(name, sizeof name, "peer%u", s->id);
  world_node_opts o = {.name = name, .parent = home, .link = c->lan};
  s->host = world_host(x->w, &o, err, len);
  if (s->host < 0) return -1;
  s->att = a;
  s->sock = world_udp(x->w, s->host, 0, PEER_PORT, on_datagram, s, err, len);
  if (s->sock < 0) return -1;
  peer_cfg pc = c->peer;
  if (c->classes[cls].keepalive > 0) pc.keepalive = c->classes[cls].keepalive;
  pc.id = s->id;
  pc.gateway = addr_v4(GATEWAY_IP, GATEWAY_PORT);
  pc.punch = !strcmp(version, "v0.8");
  if (!strcmp(version, "v0.9")) {
    const uint32_t *ips;
    world_node_addrs(x->w, s->host, &ips);
    pc.ice = true;
    pc.local = addr_v4(ips[0], PEER_PORT);
    pc.stun = addr_v4(STUN_IP, SERVER_PORT);
    pc.stun2 = addr_v4(STUN2_IP, SERVER_PORT);
    pc.predict = c->predict;
    pc.bday_ports = c->bday_ports;
    pc.bday_probes = c->bday_probes;
    pc.bday_interval = c->bday_interval;
    pc.turn = addr_v4(TURN_IP, SERVER_PORT);
    pc.turn_user = pc.turn_password = "natsim";
    if (world_nat_model(x->w, home)->pcp) pc.pcp = addr_v4(world_nat_inside_ip(x->w, home), PCP_PORT);
  }
  rng r;
  rng_seed(&r, c->seed, 0x4b4559u + s->id); /* the peer's key */
  for (int i = 0; i < GW_KEY_LEN; i += 8) {
    uint64_t v = rng_u64(&r);
    memcpy(pc.key + i, &v, 8);
  }
  if (issue_cert(x, s, !s->is_a && a->rogue, &pc, err, len) != 0) return -1;
  peer_io io = {.send = peer_send_io, .deliver = on_deliver, .event = on_event, .ctx = s,
                .open = peer_open_io, .send_on = peer_send_on_io};
  s->p = peer_new(&pc, &io);
  return s->p && gateway_add_peer(&x->gw, s->id, pc.key) == 0 ? 0 : -1;
}

/* The same pairs for every version: classes drawn from the seed alone. */
static int draw_class(const exp_cfg *c, rng *r) {
  double total = 0, x;
  for (int i = 0; i < c->nclasses; i++) total += c->classes[i].weight;
  x = rng_unit(r) * total;
  for (int i = 0; i < c->nclasses; i++) {
    if (x < c->classes[i].weight) return i;
    x -= c->classes[i].weight;
  }
  return c->nclasses - 1;
}

static void chain_of(world *w, int peer_host, nat_chain *ch) {
  ch->n = 0;
  int home = world_node_parent(w, peer_host);
  for (int n = home; n != WORLD_CORE && ch->n < FEASIBLE_MAX_CHAIN; n = world_node_parent(w, n))
    ch->nat[ch->n++] = &world_nat_model(w, n)->cfg;
  ch->pcp = home != WORLD_CORE && world_nat_model(w, home)->pcp;
}

static int build(xrun *x, const char *version, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  world_node_opts go = {.name = "gateway", .addrs = {GATEWAY_IP}, .parent = WORLD_CORE,
                        .link = c->gateway};
  int gw = world_host(x->w, &go, err, len);
  if (gw < 0) return -1;
  gateway_io gio = {gw_send, x};
  gateway_init(&x->gw, c->seed, c->punch_delay_ms, &gio);
  x->gw_sock = world_udp(x->w, gw, GATEWAY_IP, GATEWAY_PORT, gw_datagram, x, err, len);
  if (!strcmp(version, "v0.9") && build_servers(x, err, len) != 0) return -1;
  rng r, same, rogue;
  rng_seed(&r, c->seed, 0x504f50u);
  rng_seed(&same, c->seed, 0x53414d45u); /* its own stream: the classes stay as they were */
  rng_seed(&rogue, c->seed, 0x524f475545u); /* and this one */
  if (c->quic && (!(x->ca = pki_ca_new("natsim scenario CA", err, len)) ||
                  !(x->rogue = pki_ca_new("natsim scenario CA", err, len))))
    return -1; /* the foreign CA even has the same name: only its key differs */
  for (int i = 0; i < c->pairs; i++) {
    attempt *a = &x->att[i];
    a->index = i;
    a->class_a = draw_class(c, &r);
    a->class_b = draw_class(c, &r);
    a->same_nat = c->same_nat > 0 && (double)rng_u64(&same) / 18446744073709551616.0 < c->same_nat;
    if (a->same_nat) a->class_b = a->class_a;
    a->rogue = c->rogue > 0 && rng_unit(&rogue) < c->rogue;
    a->a.id = 2u * (uint32_t)i + 1, a->a.is_a = true;
    a->b.id = 2u * (uint32_t)i + 2;
    if (build_side(x, a, &a->a, a->class_a, NULL, version, err, len) ||
        build_side(x, a, &a->b, a->class_b, a->same_nat ? &a->a : NULL, version, err, len))
      return -1;
    a->start = i * c->spacing;
    sim_schedule(a->start, start_peer, &a->a);
    sim_schedule(a->start, start_peer, &a->b);
    sim_schedule(a->start + 1000 * MS, start_connect, a);
    nat_chain ca, cb;
    chain_of(x->w, a->a.host, &ca);
    chain_of(x->w, a->b.host, &cb);
    /* ICE's direct candidates (reflexive and peer-reflexive) reach exactly
    ** what coordinated punching reaches: the same oracle serves both; port
    ** prediction adds the pairs feasible_predict finds. */
    a->feasible = strcmp(version, "v0.7") != 0 && feasible_punch(&ca, &cb);
    if (a->same_nat) a->feasible = !strcmp(version, "v0.9") ||
                                   (!strcmp(version, "v0.8") && feasible_hairpin(&ca));
    if (!strcmp(version, "v0.9") && c->predict > 0 && !a->feasible)
      a->feasible = feasible_predict(&ca, &cb);
    if (!strcmp(version, "v0.9") && !a->feasible) a->feasible = feasible_pcp(&ca, &cb);
    if (!strcmp(version, "v0.9") && !a->feasible)
      a->p_bday = feasible_birthday(&ca, &cb, c->bday_ports, c->bday_probes);
  }
  return 0;
}

/* --- measuring ------------------------------------------------------------ */

static int cmp_i64(const void *p, const void *q) {
  int64_t a = *(const int64_t *)p, b = *(const int64_t *)q;
  return (a > b) - (a < b);
}

static double pct(int64_t *v, int n, double p) { /* nearest rank, in ms */
  if (n == 0) return 0;
  qsort(v, (size_t)n, sizeof *v, cmp_i64);
  int k = (int)ceil(p * n) - 1;
  return (double)v[k < 0 ? 0 : k] / MS;
}

static void hist_add(int *h, int64_t ns) {
  int b = 0;
  while (b + 1 < EXP_HIST_BINS && (double)ns / MS >= schema_hist_edges_ms[b + 1]) b++;
  h[b]++;
}

static void verdict(exp_summary *s, const char *metric, double target, double measured,
                    const char *exact_op, double exact, bool at_least) {
  if (target < 0) return;
  exp_verdict *v = &s->verdicts[s->nverdicts++];
  *v = (exp_verdict){.metric = metric, .target = target, .measured = measured};
  if (target == exact) {
    v->op = exact_op;
    v->ok = fabs(measured - exact) < 1e-4;
  } else {
    v->op = at_least ? ">=" : "<=";
    v->ok = at_least ? measured >= target : measured <= target;
  }
}

static void rate_ci(exp_verdict *v, int x, int n) {
  v->has_ci = true;
  stats_wilson(x, n, v->ci);
  v->straddles = v->op[0] != '=' && v->ci[0] < v->target && v->target < v->ci[1];
}

/* The version against its targets. */
static void judge(const exp_targets *t, exp_summary *s) {
  s->nverdicts = 0;
  verdict(s, "direct_rate", t->direct, s->direct_rate, "=", 0, true);
  if (s->nverdicts) rate_ci(&s->verdicts[s->nverdicts - 1], s->direct, s->attempts);
  verdict(s, "gateway_load", t->load, s->gateway_load, "=", 1, false);
  verdict(s, "hops_mean", t->hops, s->hops_mean, "=", 2, false);
  int before = s->nverdicts;
  verdict(s, "reliability", t->reliability, s->attempts ? (double)s->data_verified / s->attempts : 0,
          "=", 1, true);
  if (s->nverdicts > before) rate_ci(&s->verdicts[before], s->data_verified, s->attempts);
}

static exp_cell *cell(exp_summary *s, int a, int b) {
  if (a > b) { int t = a; a = b; b = t; }
  for (int i = 0; i < s->ncells; i++)
    if (s->cells[i].a == a && s->cells[i].b == b) return &s->cells[i];
  exp_cell *c = &s->cells[s->ncells++];
  *c = (exp_cell){.a = a, .b = b};
  return c;
}

/* Why an attempt failed, if it did (-1: it did not). */
static int failure(const exp_summary *s, const attempt *a, const peer_session_info *ia,
                   const peer_session_info *ib, bool connected, bool verified, const char **why) {
  (void)s;
  *why = ia->quic_error && ia->quic_error[0] ? ia->quic_error : ib->quic_error ? ib->quic_error : "";
  if (connected) {
    if (verified) return -1;
    *why = a->a.damaged || a->b.damaged ? "a message arrived damaged or out of order"
                                        : "messages missing at the end of the run";
    return SCHEMA_FAIL_DATA;
  }
  if (!ia->up || !ib->up) {
    *why = "the gateway did not set up the session";
    return SCHEMA_FAIL_SESSION;
  }
  if (strstr(*why, "certificate") || strstr(*why, "refused the handshake"))
    return SCHEMA_FAIL_CERTIFICATE;
  if (!**why) *why = "the QUIC handshake did not complete";
  return SCHEMA_FAIL_HANDSHAKE;
}

/* Per-attempt times in ns, for percentiles. */
typedef struct times { int64_t *t[6]; int n[6]; } times;
enum { T_CONN, T_DIRECT, T_CHECK, T_NOMINATED, T_HANDSHAKE, T_MIGRATION };

static void add_time(times *t, int k, int64_t v) { t->t[k][t->n[k]++] = v; }

static void measure_quic(exp_summary *s, const peer_session_info *ia,
                         const peer_session_info *ib, times *t) {
  if (ia->handshake >= 0) add_time(t, T_HANDSHAKE, ia->handshake);
  if (ia->migration >= 0) add_time(t, T_MIGRATION, ia->migration);
  s->migrations += ia->migrations;
  s->fell_back += ia->fell_back;
  s->retransmitted += ia->lost + ib->lost;
  s->wire_relayed += ia->wire_relayed + ib->wire_relayed;
  s->wire_direct += ia->wire_direct + ib->wire_direct;
  s->wire_turn += ia->wire_turn + ib->wire_turn;
}

static void measure_attempt(xrun *x, exp_summary *s, attempt *a, times *t, int *hops,
                            double *rtt) {
  const exp_cfg *c = x->cfg;
  peer_session_info ia = {0}, ib = {0};
  peer_session(a->a.p, a->b.id, &ia);
  peer_session(a->b.p, a->a.id, &ib);
  bool connected = c->quic ? ia.quic_up && ib.quic_up : ia.up && ib.up;
  bool verified = connected && a->a.received == c->messages && a->b.received == c->messages &&
                  !a->a.damaged && !a->b.damaged;
  bool direct = verified && ia.direct && ib.direct;
  exp_cell *k = cell(s, a->class_a, a->class_b);
  const char *why;
  int f = failure(s, a, &ia, &ib, connected, verified, &why);
  s->attempts++, k->attempts++;
  s->connected += connected;
  s->rogue += a->rogue;
  if (f >= 0 && !s->failures[f]++) snprintf(s->failure_example[f], sizeof s->failure_example[f], "%s", why);
  if (a->a.damaged || a->b.damaged) s->data_errors++;
  if (!verified) s->failed++, k->failed++;
  else if (direct) s->direct++, k->direct++;
  else s->relayed++, k->relayed++;
  if (verified && !direct && ia.turn && ib.turn) s->turn++, k->turn++;
  if (a->feasible && !direct) s->missed_direct++, k->missed_direct++;
  k->feasible += a->feasible;
  k->expected += a->feasible ? 1 : a->p_bday;
  k->probes += ia.probes + ib.probes;
  if (a->same_nat) s->same_nat++, s->same_nat_direct += direct;
  s->bytes_direct += ia.bytes_direct + ib.bytes_direct;
  s->bytes_relayed += ia.bytes_relayed + ib.bytes_relayed;
  s->bytes_turn += ia.bytes_turn + ib.bytes_turn;
  if (c->quic) measure_quic(s, &ia, &ib, t);
  if (ia.ice_first_check >= 0) add_time(t, T_CHECK, ia.ice_first_check);
  if (ia.ice_nominated >= 0) add_time(t, T_NOMINATED, ia.ice_nominated);
  if (!verified) return;
  s->data_verified++;
  *hops += direct ? 1 : 2;
  *rtt += (double)ia.srtt / MS;
  add_time(t, T_CONN, a->first_byte - a->connect_at);
  hist_add(s->connect_hist, a->first_byte - a->connect_at);
  if (direct) {
    int64_t d = (a->a.direct_at > a->b.direct_at ? a->a.direct_at : a->b.direct_at) - a->connect_at;
    add_time(t, T_DIRECT, d);
    hist_add(s->direct_hist, d);
    k->direct_ms += (double)d / MS;
  }
}

static void measure(xrun *x, exp_summary *s) {
  const exp_cfg *c = x->cfg;
  times t = {0};
  int hops = 0, ok = 1;
  double rtt = 0;
  for (int k = 0; k < 6; k++) ok &= (t.t[k] = calloc((size_t)c->pairs, sizeof(int64_t))) != NULL;
  s->cells = calloc((size_t)(c->nclasses * c->nclasses), sizeof *s->cells);
  snprintf(s->transport, sizeof s->transport, "%s", c->quic ? "quic" : "messages");
  for (int i = 0; i < c->pairs && ok && s->cells; i++) measure_attempt(x, s, &x->att[i], &t, &hops, &rtt);
  s->direct_rate = s->attempts ? (double)s->direct / s->attempts : 0;
  stats_wilson(s->direct, s->attempts, s->direct_rate_ci);
  uint64_t all = s->bytes_direct + s->bytes_relayed + s->bytes_turn;
  s->gateway_load = all ? (double)(s->bytes_relayed + s->bytes_turn) / (double)all : 0;
  s->hops_mean = s->data_verified ? (double)hops / s->data_verified : 0;
  s->rtt_ms_mean = s->data_verified ? rtt / s->data_verified : 0;
  double *out[6] = {s->connect_ms, s->direct_ms, s->ice_check_ms, s->ice_nominated_ms,
                    s->handshake_ms, s->migration_ms};
  for (int k = 0; k < 6; k++) {
    out[k][0] = pct(t.t[k], t.n[k], 0.50), out[k][1] = pct(t.t[k], t.n[k], 0.95);
    free(t.t[k]);
  }
  judge(&c->targets, s);
  s->gateway_frames = x->gw.stats.relayed_frames;
  if (x->turn) {
    const turn_server_stats *ts = turn_server_get_stats(x->turn);
    s->stun_requests = x->stun.stats.requests + x->stun2.stats.requests;
    s->turn_allocations = ts->allocations;
    s->turn_bytes = ts->bytes_relayed;
  }
}

int experiment_run(const exp_cfg *c, const char *version, exp_summary *out, char *err,
                   size_t len) {
  memset(out, 0, sizeof *out);
  if (!experiment_version_known(version)) {
    snprintf(err, len, "unknown version \"%s\" (known: v0.7, v0.8)", version);
    return -1;
  }
  if (c->nclasses < 1 || c->pairs < 1 || c->messages < 1 || c->size < HEAD ||
      c->size > CONN_MAX_MESSAGE) {
    snprintf(err, len, "an experiment needs a population, pairs >= 1, messages >= 1 and "
                       "a message size from %d to %d", HEAD, CONN_MAX_MESSAGE);
    return -1;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  xrun x = {.cfg = c};
  x.att = calloc((size_t)c->pairs, sizeof *x.att);
  x.w = world_new(c->seed);
  current = &x;
  int rc = x.att && x.w ? build(&x, version, err, len) : -1;
  if (rc == 0) {
    x.end = (c->pairs - 1) * c->spacing + 1000 * MS + c->over + c->settle;
    progress_begin(version, c->pairs);
    sim_schedule(PROGRESS_TICK, progress_tick, &x);
    sim_run_until(x.end);
    progress_end();
    if (world_error(x.w)) {
      snprintf(err, len, "%s", world_error(x.w));
      rc = -1;
    }
  }
  if (rc == 0) {
    snprintf(out->name, sizeof out->name, "%s", version);
    snprintf(out->strategy, sizeof out->strategy, "%s",
             !strcmp(version, "v0.7")   ? "gateway relay only"
             : !strcmp(version, "v0.8") ? "relay, then gateway-coordinated hole punching"
                                        : "relay, then ICE with STUN and TURN");
    measure(&x, out);
    out->nclasses = c->nclasses;
    out->pairs = c->pairs;
    for (int i = 0; i < c->nclasses; i++) {
      snprintf(out->classes[i], sizeof out->classes[i], "%s", c->classes[i].name);
      int64_t k = c->classes[i].keepalive > 0 ? c->classes[i].keepalive : c->peer.keepalive;
      out->keepalive_s[i] = (double)k / 1e9;
    }
    out->events = sim_event_count();
    out->virtual_s = (double)sim_now() / 1e9;
  }
  for (int i = 0; x.att && i < c->pairs; i++) {
    for (side *sd = &x.att[i].a; sd; sd = sd == &x.att[i].a ? &x.att[i].b : NULL) {
      peer_free(sd->p);
      free(sd->extra);
      if (sd->cred) gnutls_certificate_free_credentials(sd->cred);
    }
  }
  pki_ca_free(x.ca);
  pki_ca_free(x.rogue);
  world_free(x.w);
  gateway_free(&x.gw);
  turn_server_free(x.turn);
  free(x.relays);
  free(x.att);
  current = NULL;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  out->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  return rc;
}

/* --- results ----------------------------------------------------------------- */

static void write_p(const exp_writer *w, const char *key, const double v[2]) {
  w->begin(w->ctx, key, false);
  w->number(w->ctx, "p50", v[0]);
  w->number(w->ctx, "p95", v[1]);
  w->end(w->ctx, false);
}

static void write_verdict(const exp_verdict *v, const exp_writer *w) {
  w->begin(w->ctx, NULL, false);
  w->str(w->ctx, "metric", v->metric);
  w->str(w->ctx, "op", v->op);
  w->number(w->ctx, "target", v->target);
  w->number(w->ctx, "measured", v->measured);
  w->boolean(w->ctx, "ok", v->ok);
  if (v->has_ci) {
    w->begin(w->ctx, "ci", true);
    w->number(w->ctx, NULL, v->ci[0]);
    w->number(w->ctx, NULL, v->ci[1]);
    w->end(w->ctx, true);
    w->boolean(w->ctx, "straddles", v->straddles);
  }
  w->end(w->ctx, false);
}

static void write_hist(const exp_writer *w, const char *key, const int *h) {
  w->begin(w->ctx, key, false);
  w->begin(w->ctx, "edges_ms", true);
  for (int i = 0; i < EXP_HIST_BINS; i++) w->number(w->ctx, NULL, schema_hist_edges_ms[i]);
  w->end(w->ctx, true);
  w->begin(w->ctx, "counts", true);
  for (int i = 0; i < EXP_HIST_BINS; i++) w->integer(w->ctx, NULL, h[i]);
  w->end(w->ctx, true);
  w->end(w->ctx, false);
}

static void write_cell(const exp_summary *s, const exp_cell *c, const exp_writer *w) {
  w->begin(w->ctx, NULL, false);
  w->str(w->ctx, "a", s->classes[c->a]);
  w->str(w->ctx, "b", s->classes[c->b]);
  w->integer(w->ctx, "attempts", c->attempts);
  w->integer(w->ctx, "direct", c->direct);
  w->integer(w->ctx, "relayed", c->relayed);
  w->integer(w->ctx, "failed", c->failed);
  w->integer(w->ctx, "missed_direct", c->missed_direct);
  w->integer(w->ctx, "turn", c->turn);
  w->integer(w->ctx, "feasible", c->feasible);
  w->number(w->ctx, "expected_direct", c->expected);
  w->number(w->ctx, "probes_per_attempt", c->attempts ? (double)c->probes / c->attempts : 0);
  w->number(w->ctx, "direct_ms_mean", c->direct ? c->direct_ms / c->direct : 0);
  w->end(w->ctx, false);
}

void experiment_write(const exp_summary *s, const exp_writer *w) {
  void *x = w->ctx;
  w->begin(x, NULL, false);
  w->str(x, "name", s->name);
  w->str(x, "strategy", s->strategy);
  w->integer(x, "attempts", s->attempts);
  w->integer(x, "connected", s->connected);
  w->integer(x, "direct", s->direct);
  w->integer(x, "relayed", s->relayed);
  w->integer(x, "failed", s->failed);
  w->integer(x, "missed_direct", s->missed_direct);
  w->integer(x, "turn", s->turn);
  w->integer(x, "data_errors", s->data_errors);
  w->str(x, "transport", s->transport);
  w->integer(x, "data_verified", s->data_verified);
  w->integer(x, "rogue", s->rogue);
  w->begin(x, "failures", false);
  for (int i = 0; i < SCHEMA_FAILURES; i++) w->integer(x, schema_failure_names[i], s->failures[i]);
  w->end(x, false);
  w->begin(x, "failure_examples", false);
  for (int i = 0; i < SCHEMA_FAILURES; i++)
    if (s->failures[i]) w->str(x, schema_failure_names[i], s->failure_example[i]);
  w->end(x, false);
  write_p(w, "handshake_ms", s->handshake_ms);
  write_p(w, "migration_ms", s->migration_ms);
  w->integer(x, "migrations", s->migrations);
  w->integer(x, "fell_back", s->fell_back);
  w->integer(x, "retransmitted", (int64_t)s->retransmitted);
  w->begin(x, "wire_bytes", false);
  w->integer(x, "relayed", (int64_t)s->wire_relayed);
  w->integer(x, "direct", (int64_t)s->wire_direct);
  w->integer(x, "turn", (int64_t)s->wire_turn);
  w->end(x, false);
  w->number(x, "direct_rate", s->direct_rate);
  w->begin(x, "direct_rate_ci", true);
  w->number(x, NULL, s->direct_rate_ci[0]);
  w->number(x, NULL, s->direct_rate_ci[1]);
  w->end(x, true);
  w->number(x, "gateway_load", s->gateway_load);
  w->number(x, "hops_mean", s->hops_mean);
  w->number(x, "rtt_ms_mean", s->rtt_ms_mean);
  write_p(w, "connect_ms", s->connect_ms);
  write_p(w, "direct_ms", s->direct_ms);
  w->integer(x, "bytes_direct", (int64_t)s->bytes_direct);
  w->integer(x, "bytes_relayed", (int64_t)s->bytes_relayed);
  w->integer(x, "bytes_turn", (int64_t)s->bytes_turn);
  write_p(w, "ice_check_ms", s->ice_check_ms);
  write_p(w, "ice_nominated_ms", s->ice_nominated_ms);
  w->integer(x, "stun_requests", (int64_t)s->stun_requests);
  w->integer(x, "turn_allocations", (int64_t)s->turn_allocations);
  w->integer(x, "turn_bytes", (int64_t)s->turn_bytes);
  w->integer(x, "events", (int64_t)s->events);
  w->begin(x, "keepalive_s", false);
  for (int i = 0; i < s->nclasses; i++) w->number(x, s->classes[i], s->keepalive_s[i]);
  w->end(x, false);
  w->begin(x, "same_nat", false);
  w->integer(x, "attempts", s->same_nat);
  w->integer(x, "direct", s->same_nat_direct);
  w->end(x, false);
  write_hist(w, "connect_hist", s->connect_hist);
  write_hist(w, "direct_hist", s->direct_hist);
  w->begin(x, "targets", true);
  for (int i = 0; i < s->nverdicts; i++) write_verdict(&s->verdicts[i], w);
  w->end(x, true);
  w->begin(x, "matrix", true);
  for (int i = 0; i < s->ncells; i++) write_cell(s, &s->cells[i], w);
  w->end(x, true);
  w->end(x, false);
}
