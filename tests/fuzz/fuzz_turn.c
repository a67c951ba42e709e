/* libFuzzer target for TURN: ChannelData framing, the server (from clients
** and from peers, with an allocation in place) and the client must survive
** arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stun.h"
#include "turn.h"
#include "turn_client.h"
#include "turn_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static turn_server *srv;
static turn_client *cli;
static addr server_addr, client_addr, peer_addr;

static void to_client(void *ctx, const addr *c, const uint8_t *d, size_t n) {
  (void)ctx, (void)c;
  if (cli) turn_client_recv(cli, 0, &server_addr, d, n);
}
static void to_peer(void *ctx, const addr *r, const addr *p, const uint8_t *d, size_t n) {
  (void)ctx, (void)r, (void)p, (void)d, (void)n;
}
static void cli_send(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  (void)ctx, (void)to;
  turn_server_recv(srv, 0, &client_addr, d, n);
}
static void deliver(void *ctx, const addr *p, const uint8_t *d, size_t n) {
  (void)ctx, (void)p, (void)d, (void)n;
}
static void event(void *ctx, enum turn_event e, const addr *p) { (void)ctx, (void)e, (void)p; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  uint16_t ch;
  const uint8_t *d;
  size_t n;
  if (turn_channel_decode(data, len, &ch, &d, &n) == 0 && (n > len || d < data)) __builtin_trap();
  addr_parse("203.0.113.5:3478", &server_addr);
  addr_parse("198.51.100.1:5000", &client_addr);
  addr_parse("192.0.2.9:7000", &peer_addr);
  turn_server_cfg sc = {.realm = "r", .relay = server_addr, .port_min = 50000,
                        .port_max = 50009, .nonce_lifetime = 1000000000000LL, .seed = 1};
  turn_server_io sio = {to_client, to_peer, NULL, NULL, NULL};
  srv = turn_server_new(&sc, &sio);
  turn_server_add_user(srv, "u", "p");
  turn_client_cfg cc = {.server = server_addr, .user = "u", .password = "p",
                        .timing = stun_timing_default(), .seed = 1};
  turn_client_io cio = {cli_send, deliver, event, NULL};
  cli = turn_client_new(&cc, &cio);
  turn_client_allocate(cli, 0); /* a real allocation, so the fuzz reaches past it */
  turn_client_bind(cli, 0, &peer_addr);
  addr relayed = turn_client_relayed(cli);
  turn_server_recv(srv, 0, &client_addr, data, len);
  turn_server_recv_relay(srv, 0, &relayed, &peer_addr, data, len);
  turn_client_recv(cli, 0, &server_addr, data, len);
  turn_client_free(cli);
  cli = NULL;
  turn_server_free(srv);
  return 0;
}
