/* bench_quic: how fast QUIC handshakes (src/quic.c, ngtcp2 + GnuTLS) run
** without a network: client and server hand packets straight to each other
** on a clock that advances 1 ms per exchange. Prints handshakes per wall
** second, with and without issuing the two certificates each time.
**   bench_quic [HANDSHAKES]                                   (default 2000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "quic.h"

typedef struct wire { uint8_t data[64][1500]; size_t len[64]; int n; } wire;
static wire to[2]; /* to[0]: packets for the client, to[1]: for the server */

static void send0(void *c, int path, const uint8_t *p, size_t len, size_t app) {
  (void)c, (void)path, (void)app;
  if (to[1].n < 64) memcpy(to[1].data[to[1].n], p, len), to[1].len[to[1].n++] = len;
}
static void send1(void *c, int path, const uint8_t *p, size_t len, size_t app) {
  (void)c, (void)path, (void)app;
  if (to[0].n < 64) memcpy(to[0].data[to[0].n], p, len), to[0].len[to[0].n++] = len;
}
static void deliver(void *c, const uint8_t *m, size_t len) { (void)c, (void)m, (void)len; }

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static gnutls_certificate_credentials_t trust; /* every connection's */

/* One handshake; returns 1 when both sides completed it. */
static int handshake(pki_cert *cc, pki_cert *sc, uint64_t seed) {
  quic_cfg c, s;
  quic_cfg_defaults(&c);
  quic_cfg_defaults(&s);
  c.cred = s.cred = trust;
  c.cert = cc, c.peer_name = "peer-2.natsim", c.seed = seed;
  s.cert = sc, s.peer_name = "peer-1.natsim", s.seed = ~seed, s.server = true;
  quic_io ci = {send0, deliver, NULL}, si = {send1, deliver, NULL};
  int64_t t = 1000000000LL;
  to[0].n = to[1].n = 0;
  quic *q[2] = {quic_new(&c, &ci, t, 0), quic_new(&s, &si, t, 0)};
  for (int round = 0; round < 20 && (to[0].n || to[1].n); round++) {
    t += 1000000;
    for (int k = 1; k >= 0; k--) {
      wire w = to[k];
      to[k].n = 0;
      for (int i = 0; i < w.n; i++) quic_recv(q[k], t, 0, w.data[i], w.len[i]);
    }
  }
  int ok = quic_get_state(q[0]) == QUIC_UP && quic_get_state(q[1]) == QUIC_UP;
  quic_free(q[0]);
  quic_free(q[1]);
  return ok;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  char err[200];
  pki_ca *ca = pki_ca_new("bench CA", err, sizeof err);
  if (!ca || n < 1) return fprintf(stderr, "bench_quic: %s\n", ca ? "HANDSHAKES >= 1" : err), 2;
  trust = pki_trust(ca, err, sizeof err);
  pki_cert *cc = pki_issue(ca, 1, err, sizeof err);
  pki_cert *sc = pki_issue(ca, 2, err, sizeof err);
  if (!trust || !cc || !sc) return fprintf(stderr, "bench_quic: %s\n", err), 2;
  int ok = 0;
  double t0 = now_s();
  for (int i = 0; i < n; i++) ok += handshake(cc, sc, (uint64_t)i);
  double t1 = now_s();
  for (int i = 0; i < n; i++) {
    pki_cert *a = pki_issue(ca, 1, err, sizeof err);
    pki_cert *b = pki_issue(ca, 2, err, sizeof err);
    if (a && b) ok += handshake(a, b, (uint64_t)i);
    pki_cert_free(a);
    pki_cert_free(b);
  }
  double t2 = now_s();
  printf("QUIC handshakes (Ed25519 certificates, X25519, AES-128-GCM), in memory:\n");
  printf("  reusing certificates:   %d in %.2f s: %.0f handshakes/s\n", n, t1 - t0, n / (t1 - t0));
  printf("  issuing two per attempt: %d in %.2f s: %.0f handshakes/s\n", n, t2 - t1, n / (t2 - t1));
  printf("  completed: %d of %d\n", ok, 2 * n);
  pki_cert_free(cc);
  pki_cert_free(sc);
  gnutls_certificate_free_credentials(trust);
  pki_ca_free(ca);
  return ok == 2 * n ? 0 : 1;
}
