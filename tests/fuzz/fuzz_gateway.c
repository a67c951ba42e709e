/* libFuzzer target for the gateway protocol: the frame decoder, the
** gateway, a peer and the conn layer must survive arbitrary bytes. Frames
** that decode are also re-encoded and must decode the same. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conn.h"
#include "gateway.h"
#include "gwproto.h"
#include "peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void drop(void *ctx, const addr *to, const uint8_t *d, size_t n) { (void)ctx, (void)to, (void)d, (void)n; }
static void drop_msg(void *ctx, uint32_t from, const uint8_t *m, size_t n) { (void)ctx, (void)from, (void)m, (void)n; }
static void drop_ev(void *ctx, uint32_t other, enum peer_event e) { (void)ctx, (void)other, (void)e; }
static void drop_emit(void *ctx, const uint8_t *f, size_t n, bool r) { (void)ctx, (void)f, (void)n, (void)r; }
static void drop_deliver(void *ctx, const uint8_t *m, size_t n) { (void)ctx, (void)m, (void)n; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  static const uint8_t key[GW_KEY_LEN] = "fuzzing-key-123";
  gw_frame f;
  if (gw_decode(data, len, &f) == GW_OK) {
    uint8_t buf[GW_MAX_FRAME + 2048];
    int n = gw_encode(&f, key, buf, sizeof buf);
    gw_frame g;
    if (n > 0 && (gw_decode(buf, (size_t)n, &g) != GW_OK || g.type != f.type)) __builtin_trap();
  }
  gw_verify(data, len, key);

  gateway gw;
  gateway_io gio = {drop, NULL};
  secrets src;
  secrets_seeded(&src, 1, GATEWAY_STREAM);
  gateway_init(&gw, &src, 100, &gio);
  gateway_add_peer(&gw, 1, key);
  addr from = addr_v4(0x01020304, 5);
  gateway_recv(&gw, 0, &from, data, len);
  gateway_free(&gw);

  peer_cfg pc = peer_cfg_default();
  pc.id = 2;
  memcpy(pc.key, key, GW_KEY_LEN);
  pc.gateway = from;
  peer_io pio = {.send = drop, .deliver = drop_msg, .event = drop_ev, .ctx = NULL};
  peer *p = peer_new(&pc, &pio);
  peer_start(p, 0);
  peer_connect(p, 0, 1);
  peer_recv(p, 1, &from, data, len);
  peer_tick(p, 2000000000LL);
  peer_free(p);

  conn c;
  conn_init(&c, 1000);
  conn_send(&c, 0, (const uint8_t *)"x", 1, drop_emit, NULL);
  conn_recv(&c, 1, data, len, drop_deliver, drop_emit, NULL);
  conn_tick(&c, 5000, drop_emit, NULL);
  conn_free(&c);
  return 0;
}
