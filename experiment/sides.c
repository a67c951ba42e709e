/* sides.c: each side of an attempt in the world: its NATs, host, peer and sockets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcp.h"
#include "rng.h"
#include "sim.h"
#include "xrun.h"

/* --- the peer's timer --------------------------------------------------------- */

static void on_peer_timer(void *arg) {
  side *s = arg;
  s->timer = 0;
  peer_tick(s->p, sim_now());
  side_rearm(s);
}

void side_rearm(side *s) {
  if (!s->p) return; /* stopped */
  s->timer = sim_rearm(s->timer, peer_deadline(s->p), on_peer_timer, s);
}

/* --- the peer's I/O ----------------------------------------------------------- */

static void peer_send_io(void *ctx, const addr *to, const uint8_t *data, size_t len) {
  side *s = ctx;
  world_send(s->att->run->w, s->sock, addr_v4_ip(to), to->port, data, len);
}

static void on_extra(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  xsock *e = ctx;
  if (!e->s->p) return; /* stopped */
  addr from = addr_v4(ip, port);
  peer_recv_on(e->s->p, sim_now(), e->index, &from, data, len);
  side_rearm(e->s);
}

/* Birthday probing: n more sockets on the peer's host, on the ports after its own. */
static int peer_open_io(void *ctx, int n, addr *local) {
  side *s = ctx;
  world *w = s->att->run->w;
  char err[128];
  const uint32_t *ips;
  world_node_addrs(w, s->host, &ips);
  if (s->extra) return 0; /* once per peer: the sockets' callbacks point into the array */
  s->extra = calloc((size_t)n, sizeof *s->extra);
  if (!s->extra) {
    world_fail(w, "out of memory (birthday sockets)");
    return 0;
  }
  int opened = 0;
  for (int i = 0; i < n; i++) {
    xsock *e = &s->extra[s->nextra];
    uint16_t port = (uint16_t)(PEER_PORT + 1 + s->nextra);
    *e = (xsock){s, s->nextra + 1, -1};
    e->sock = world_udp(w, s->host, 0, port, on_extra, e, err, sizeof err);
    if (e->sock < 0) break;
    local[opened++] = addr_v4(ips[0], port);
    s->nextra++;
  }
  return opened;
}

static void peer_send_on_io(void *ctx, int sock, const addr *to, const uint8_t *data, size_t len) {
  side *s = ctx;
  if (sock >= 1 && sock <= s->nextra)
    world_send(s->att->run->w, s->extra[sock - 1].sock, addr_v4_ip(to), to->port, data, len);
}

static void on_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  side *s = ctx;
  if (!s->p) return; /* stopped */
  addr from = addr_v4(ip, port);
  peer_recv(s->p, sim_now(), &from, data, len);
  side_rearm(s);
}

/* --- building ----------------------------------------------------------------- */

/* A NAT chain for the side's class, or none when it shares `shared`'s
** home. Its outermost NAT's public address comes from the side's id, so
** it is the same whichever attempts share the world. Returns the home
** NAT's node (also in s->home), or -1. */
static int build_nats(xrun *x, side *s, int cls, const side *shared, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  const exp_class *k = &c->classes[cls];
  char name[64];
  int parent = WORLD_CORE;
  sim_link_cfg home_link = c->access;
  uint32_t public_ip = world_public_ip(s->id);
  if (shared) {
    s->home = shared->home;
    return s->home;
  }
  if (k->behind[0]) {
    snprintf(name, sizeof name, "cgn%u", s->id);
    parent = world_nat_file(x->w, &c->loader, k->behind, name, WORLD_CORE, true, public_ip,
                            &c->access, err, len);
    if (parent < 0) return -1;
    home_link = (sim_link_cfg){.delay = 2 * MS};
  }
  snprintf(name, sizeof name, "nat%u", s->id);
  uint32_t home_ip = parent == WORLD_CORE ? public_ip : 0;
  s->home = world_nat_file(x->w, &c->loader, k->model, name, parent, false, home_ip, &home_link,
                           err, len);
  return s->home;
}

/* QUIC credentials: a certificate from the scenario's CA, or from the
** foreign one for a rogue. */
static int issue_cert(xrun *x, side *s, bool rogue, peer_cfg *pc, char *err, size_t len) {
  if (!x->cfg->quic) return 0;
  s->cert = pki_issue(rogue ? x->rogue : x->ca, s->id, err, len);
  pc->quic = x->trust;
  pc->quic_cert = s->cert;
  pc->quic_priority = x->priority;
  return s->cert ? 0 : -1;
}

/* ICE versions: the servers in the world, and the extras when the version
** has them (the knobs themselves come with cfg->peer.agent). */
static void ice_setup(xrun *x, const side *s, peer_cfg *pc) {
  const uint32_t *ips;
  world_node_addrs(x->w, s->host, &ips);
  pc->ice = true;
  pc->local = addr_v4(ips[0], PEER_PORT);
  pc->agent.stun = addr_v4(STUN_IP, SERVER_PORT);
  pc->agent.stun2 = addr_v4(STUN2_IP, SERVER_PORT);
  pc->agent.turn = addr_v4(TURN_IP, SERVER_PORT);
  pc->agent.turn_user = "natsim";
  pc->agent.turn_password = "natsim";
  if (!s->v->extras) {
    pc->agent.predict = 0;
    pc->agent.bday_ports = 0;
    pc->agent.bday_probes = 0;
    return;
  }
  if (world_nat_model(x->w, s->home)->pcp)
    pc->agent.pcp = addr_v4(world_nat_inside_ip(x->w, s->home), PCP_PORT);
}

/* The peer's key with the gateway, from the seed and its id. */
static void peer_key(const exp_cfg *c, uint32_t id, uint8_t *key) {
  rng r;
  rng_seed(&r, c->seed, 0x4b4559u + id);
  for (int i = 0; i < GW_KEY_LEN; i += 8) {
    uint64_t v = rng_u64(&r);
    memcpy(key + i, &v, 8);
  }
}

int side_build(xrun *x, attempt *a, side *s, int cls, const side *shared, char *err,
               size_t len) {
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
  pc.punch = s->v->punch;
  pc.upgrade = x->cfg->upgrade == EXP_UPGRADE_VERSION ? s->v->upgrade : x->upgrade;
  if (s->v->ice) ice_setup(x, s, &pc);
  peer_key(c, s->id, pc.key);
  if (issue_cert(x, s, !s->is_a && a->rogue, &pc, err, len) != 0) return -1;
  peer_io io = {.send = peer_send_io, .deliver = workload_deliver, .event = workload_event,
                .ctx = s, .open = peer_open_io, .send_on = peer_send_on_io};
  s->p = peer_new(&pc, &io);
  if (!s->p) return -1;
  return gateway_add_peer(&x->gw, s->id, pc.key) == 0 ? 0 : -1;
}

void side_stop(side *s) {
  sim_cancel(s->timer);
  sim_cancel(s->work_timer);
  s->timer = 0;
  s->work_timer = 0;
  peer_free(s->p);
  s->p = NULL;
  pki_cert_free(s->cert);
  s->cert = NULL;
}

void side_free(side *s) {
  side_stop(s);
  free(s->extra);
}
