/* libFuzzer target for the gateway protocol: the frame decoder, the
** gateway, a peer and the conn layer must survive arbitrary bytes. Frames
** that decode are also re-encoded and must decode the same (counter,
** epoch, nonce and sealed key included); their counter goes through a
** replay window, a SESSION's sealed key through gw_open_key. The gateway
** also gets each decoded frame re-tagged with the key it expects (a
** registered peer 1, epoch 1), so the checks past authentication (counters,
** epochs, sessions, the relay) see arbitrary frames too. */
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

static const uint8_t key[GW_KEY_LEN] = "fuzzing-key-123";

/* The same fields out of a frame encoded again, or a trap. */
static void same_again(const gw_frame *f) {
  uint8_t buf[GW_MAX_FRAME + 2048];
  int n = gw_encode(f, key, buf, sizeof buf);
  gw_frame g;
  if (n <= 0) return;
  if (gw_decode(buf, (size_t)n, &g) != GW_OK || g.type != f->type || g.counter != f->counter ||
      g.epoch != f->epoch || memcmp(g.nonce, f->nonce, GW_NONCE_LEN) != 0 ||
      memcmp(g.sealed, f->sealed, GW_SEALED_LEN) != 0)
    __builtin_trap();
}

/* A decoded frame's counter twice through a window: fresh at most once. */
static void window_once(const gw_frame *f) {
  gw_window w = {.top = 1000, .seen = 0x5555555555555555ULL};
  if (!gw_window_fresh(&w, f->counter)) return;
  gw_window_accept(&w, f->counter);
  if (gw_window_fresh(&w, f->counter)) __builtin_trap();
}

static void open_sealed(const gw_frame *f) {
  uint8_t out[GW_KEY_LEN];
  if (f->type == GW_SESSION) gw_open_key(key, f->nonce, f->session, 1, f->target, f->sealed, out);
}

/* The gateway with peer 1 registered (epoch 1), given data as it is and,
** if it decodes, re-tagged as peer 1 would tag it. */
static void to_gateway(const uint8_t *data, size_t len, const gw_frame *f, bool decoded) {
  gateway gw;
  gateway_io gio = {drop, NULL};
  secrets src;
  secrets_seeded(&src, 1, GATEWAY_STREAM);
  gateway_init(&gw, &src, 100, &gio);
  gateway_add_peer(&gw, 1, key);
  gateway_add_peer(&gw, 2, key);
  addr from = addr_v4(0x01020304, 5);
  uint8_t buf[GW_MAX_FRAME + 2048], epoch_key[GW_KEY_LEN];
  gw_frame reg = {.type = GW_REGISTER, .counter = 1, .peer = 1, .epoch = 1};
  int n = gw_encode(&reg, key, buf, sizeof buf);
  gateway_recv(&gw, 0, &from, buf, (size_t)n);
  reg.peer = 2;
  n = gw_encode(&reg, key, buf, sizeof buf);
  gateway_recv(&gw, 0, &from, buf, (size_t)n);
  gateway_recv(&gw, 0, &from, data, len);
  if (decoded && gw_derive_key(key, "tag ", 1, epoch_key) == 0) {
    n = gw_encode(f, f->type == GW_REGISTER ? key : epoch_key, buf, sizeof buf);
    if (n > 0) gateway_recv(&gw, 1, &from, buf, (size_t)n);
  }
  gateway_free(&gw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  gw_frame f;
  bool decoded = gw_decode(data, len, &f) == GW_OK;
  if (decoded) {
    same_again(&f);
    window_once(&f);
    open_sealed(&f);
  }
  gw_verify(data, len, key);
  to_gateway(data, len, &f, decoded);
  addr from = addr_v4(0x01020304, 5);

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
