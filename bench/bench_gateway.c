/* bench_gateway: how fast the gateway (src/gateway.c) relays and sets up
** sessions without a network: frames are encoded as a peer would and handed
** straight to gateway_recv, whose answers go nowhere. Prints RELAY frames
** per wall second for a 1200-byte payload (a full QUIC packet) and a
** 100-byte one (each: the peer's tag, the gateway's check of tag and
** counter, its re-encoding and tag), and sessions per second (a CONNECT
** answered with two SESSION frames, each with a sealed key). Secrets come
** from GnuTLS, as in `natsim serve gateway`.
**   bench_gateway [FRAMES]                                  (default 200000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"

static void nowhere(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  (void)ctx, (void)to, (void)d, (void)n;
}

static uint64_t announced; /* the session id of the last SESSION sent */

static void keep_session(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  gw_frame f;
  (void)ctx, (void)to;
  if (gw_decode(d, n, &f) == GW_OK && f.type == GW_SESSION) announced = f.session;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static uint8_t reg_key[GW_KEY_LEN] = "bench-peer-key.", tag_key[GW_KEY_LEN];
static uint64_t counters[1 << 16]; /* each peer's last counter */

/* f from peer `id` at `from`, with its next counter, as the peer tags it. */
static void from_peer(gateway *g, uint32_t id, const addr *from, gw_frame f) {
  uint8_t buf[GW_MAX_FRAME + 64];
  f.peer = id;
  f.counter = ++counters[id];
  f.epoch = 1;
  int n = gw_encode(&f, f.type == GW_REGISTER ? reg_key : tag_key, buf, sizeof buf);
  if (n > 0) gateway_recv(g, 0, from, buf, (size_t)n);
}

/* A gateway with peers 1..npeers registered. 0, or -1 out of memory. */
static int start(gateway *g, uint32_t npeers) {
  secrets src;
  secrets_csprng(&src);
  gateway_io io = {keep_session, NULL};
  gateway_init(g, &src, 100, &io);
  memset(counters, 0, sizeof counters);
  for (uint32_t id = 1; id <= npeers; id++) {
    if (gateway_add_peer(g, id, reg_key) != 0) return -1;
    addr at = addr_v4(0x0A000000u + id, 5000);
    from_peer(g, id, &at, (gw_frame){.type = GW_REGISTER});
  }
  return 0;
}

/* RELAY frames per second for a payload of `len` bytes. */
static double relays(long frames, size_t len) {
  gateway g;
  static uint8_t payload[1200];
  addr at = addr_v4(0x0A000001u, 5000);
  if (start(&g, 2) != 0) return 0;
  from_peer(&g, 1, &at, (gw_frame){.type = GW_CONNECT, .target = 2});
  g.io.send = nowhere;
  double t0 = now_s();
  for (long i = 0; i < frames; i++)
    from_peer(&g, 1, &at, (gw_frame){.type = GW_RELAY, .session = announced,
                                     .payload = payload, .payload_len = len});
  double rate = (double)g.stats.relayed_frames / (now_s() - t0);
  gateway_free(&g);
  return rate;
}

/* Sessions per second: `pairs` CONNECTs, each between two new peers. */
static double sessions(uint32_t pairs) {
  gateway g;
  if (start(&g, 2 * pairs) != 0) return 0;
  g.io.send = nowhere;
  double t0 = now_s();
  for (uint32_t i = 1; i <= pairs; i++) {
    addr at = addr_v4(0x0A000000u + 2 * i - 1, 5000);
    from_peer(&g, 2 * i - 1, &at, (gw_frame){.type = GW_CONNECT, .target = 2 * i});
  }
  double rate = (double)g.stats.sessions / (now_s() - t0);
  gateway_free(&g);
  return rate;
}

int main(int argc, char **argv) {
  long frames = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
  if (frames <= 0) {
    fprintf(stderr, "usage: bench_gateway [FRAMES > 0]\n");
    return 2;
  }
  if (gw_derive_key(reg_key, "tag ", 1, tag_key) != 0) return 1;
  printf("RELAY 1200 B: %.0f frames/s\n", relays(frames, 1200));
  printf("RELAY 100 B:  %.0f frames/s\n", relays(frames, 100));
  printf("sessions:     %.0f/s (CONNECT -> two sealed SESSION frames)\n", sessions(30000));
  return 0;
}
