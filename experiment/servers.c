/* servers.c: the gateway, STUN and TURN hosts in a run's world. */
#include <stdlib.h>

#include "sim.h"
#include "xrun.h"

/* A server's link: the scenario's gateway_link; without a rate of its
** own, one so high a packet takes no time to send (below 1 ns), so
** attempts never queue behind one another at a server they share. */
#define SERVER_RATE 1000000000000000ull /* 10^15 bit/s */

static sim_link_cfg server_link(const exp_cfg *c) {
  sim_link_cfg l = c->gateway;
  if (l.rate_bps == 0) l.rate_bps = SERVER_RATE;
  return l;
}

/* --- the gateway ------------------------------------------------------------ */

static void gw_send(void *ctx, const addr *to, const uint8_t *data, size_t len) {
  xrun *x = ctx;
  world_send(x->w, x->gw_sock, addr_v4_ip(to), to->port, data, len);
}

static void gw_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  xrun *x = ctx;
  addr from = addr_v4(ip, port);
  gateway_recv(&x->gw, sim_now(), &from, data, len);
}

int servers_gateway(xrun *x, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  world_node_opts go = {.name = "gateway", .addrs = {GATEWAY_IP}, .parent = WORLD_CORE,
                        .link = server_link(c)};
  int gw = world_host(x->w, &go, err, len);
  if (gw < 0) return -1;
  gateway_io gio = {gw_send, x};
  secrets src;
  secrets_seeded(&src, c->seed, GATEWAY_STREAM);
  gateway_init(&x->gw, &src, c->punch_delay_ms, &gio);
  x->gw_sock = world_udp(x->w, gw, GATEWAY_IP, GATEWAY_PORT, gw_datagram, x, err, len);
  return 0;
}

/* --- STUN ------------------------------------------------------------------- */

static void serve_stun(xrun *x, stun_server *srv, int sock, const uint8_t *data, size_t len,
                       uint32_t ip, uint16_t port) {
  uint8_t out[1280];
  int out_sock;
  addr from = addr_v4(ip, port);
  addr to;
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

/* --- TURN ------------------------------------------------------------------- */

static void turn_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  xrun *x = ctx;
  addr from = addr_v4(ip, port);
  turn_server_recv(x->turn, sim_now(), &from, data, len);
}

static void relay_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  relay_sock *r = ctx;
  addr relayed = addr_v4(TURN_IP, r->port);
  addr from = addr_v4(ip, port);
  turn_server_recv_relay(r->run->turn, sim_now(), &relayed, &from, data, len);
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
  r->sock = world_udp(x->w, x->turn_host, TURN_IP, relayed->port, relay_datagram, r, err,
                      sizeof err);
  return r->sock >= 0 ? 0 : -1;
}

static void turn_close(void *ctx, const addr *relayed) {
  xrun *x = ctx;
  relay_sock *r = &x->relays[relayed->port - RELAY_MIN];
  if (r->sock >= 0) world_sock_close(x->w, r->sock);
  r->sock = -1;
}

/* The TURN server, its relay ports closed, its one user natsim/natsim. */
static int turn_start(xrun *x) {
  const exp_cfg *c = x->cfg;
  x->relays = malloc((RELAY_MAX - RELAY_MIN + 1) * sizeof *x->relays);
  if (!x->relays) return -1;
  for (int i = 0; i <= RELAY_MAX - RELAY_MIN; i++) {
    x->relays[i].run = x;
    x->relays[i].sock = -1;
  }
  turn_server_cfg tc = {.realm = "natsim", .relay = addr_v4(TURN_IP, 0), .port_min = RELAY_MIN,
                        .port_max = RELAY_MAX, .nonce_lifetime = 3600 * 1000 * MS, .seed = c->seed};
  turn_server_io tio = {turn_to_client, turn_to_peer, turn_open, turn_close, x};
  x->turn = turn_server_new(&tc, &tio);
  if (!x->turn) return -1;
  return turn_server_add_user(x->turn, "natsim", "natsim") == 0 ? 0 : -1;
}

int servers_ice(xrun *x, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  world_node_opts so = {.name = "stun", .addrs = {STUN_IP, STUN2_IP}, .parent = WORLD_CORE,
                        .link = server_link(c)};
  world_node_opts to = {.name = "turn", .addrs = {TURN_IP}, .parent = WORLD_CORE,
                        .link = server_link(c)};
  int stun_host = world_host(x->w, &so, err, len);
  x->turn_host = world_host(x->w, &to, err, len);
  if (stun_host < 0 || x->turn_host < 0) return -1;
  addr sa = addr_v4(STUN_IP, SERVER_PORT);
  addr sa2 = addr_v4(STUN2_IP, SERVER_PORT);
  stun_server_init(&x->stun, &sa, NULL);
  stun_server_init(&x->stun2, &sa2, NULL);
  x->stun_sock = world_udp(x->w, stun_host, STUN_IP, SERVER_PORT, stun_datagram, x, err, len);
  x->stun2_sock = world_udp(x->w, stun_host, STUN2_IP, SERVER_PORT, stun2_datagram, x, err, len);
  if (x->stun_sock < 0 || x->stun2_sock < 0) return -1;
  x->turn_sock = world_udp(x->w, x->turn_host, TURN_IP, SERVER_PORT, turn_datagram, x, err, len);
  if (x->turn_sock < 0) return -1;
  return turn_start(x);
}

void servers_free(xrun *x) {
  gateway_free(&x->gw);
  turn_server_free(x->turn);
  free(x->relays);
}
