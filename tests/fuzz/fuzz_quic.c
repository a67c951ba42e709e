/* Fuzz target: arbitrary datagrams into QUIC (src/quic.c over ngtcp2). The
** input is cut into datagrams (2-byte length, then the bytes) and fed to a
** server waiting for a client's first flight, and to a client that has sent
** its own, on either path; then the clock runs on. Nothing may crash, leak
** or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pki.h"
#include "quic.h"

static gnutls_certificate_credentials_t trust;
static pki_cert *cert;

static void drop(void *ctx, int path, const uint8_t *pkt, size_t len, size_t app) {
  (void)ctx, (void)path, (void)pkt, (void)len, (void)app;
}
static void deliver(void *ctx, const uint8_t *msg, size_t len) { (void)ctx, (void)msg, (void)len; }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  char err[200];
  pki_ca *ca = pki_ca_new("fuzz CA", err, sizeof err);
  if (!ca || !(trust = pki_trust(ca, err, sizeof err)) ||
      !(cert = pki_issue(ca, 1, err, sizeof err))) {
    fprintf(stderr, "fuzz_quic: %s\n", err);
    abort();
  }
  pki_ca_free(ca); /* the trust and the certificate hold copies */
  return 0;
}

static void feed(quic *q, const uint8_t *data, size_t size) {
  int64_t now = 1000000000LL;
  while (size >= 2) {
    size_t len = (size_t)data[0] << 8 | data[1];
    data += 2, size -= 2;
    if (len > size) len = size;
    quic_recv(q, now, (int)(len & 1), data, len);
    data += len, size -= len;
    now += 1000000;
    quic_tick(q, now);
  }
  quic_tick(q, now + 60000000000LL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  quic_cfg c;
  quic_cfg_defaults(&c);
  c.cred = trust;
  c.cert = cert;
  c.peer_name = "peer-1.natsim";
  quic_io io = {drop, deliver, NULL};
  for (int server = 0; server < 2; server++) {
    c.server = server;
    quic *q = quic_new(&c, &io, 1000000000LL, 0);
    if (!q) abort();
    feed(q, data, size);
    quic_free(q);
  }
  return 0;
}
