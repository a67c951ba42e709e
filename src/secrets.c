/* secrets.c: random bytes from a seeded rng or from GnuTLS. */
#include "secrets.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

void secrets_seeded(secrets *s, uint64_t seed, uint64_t stream) {
  s->csprng = false;
  s->seed = seed;
  s->stream = stream;
  rng_seed(&s->rng, seed, stream);
}

void secrets_derive(const secrets *s, uint64_t part, secrets *out) {
  if (s->csprng) {
    secrets_csprng(out);
    return;
  }
  secrets_seeded(out, s->seed, s->stream * 0x9E3779B97F4A7C15ull + part + 1);
}

void secrets_csprng(secrets *s) {
  memset(s, 0, sizeof *s);
  s->csprng = true;
}

static void fill_seeded(rng *r, uint8_t *out, size_t n) {
  for (size_t at = 0; at < n; at += 8) {
    uint64_t v = rng_u64(r);
    size_t k = n - at < 8 ? n - at : 8;
    memcpy(out + at, &v, k);
  }
}

int secrets_fill(secrets *s, void *out, size_t n) {
  if (!s->csprng) {
    fill_seeded(&s->rng, out, n);
    return 0;
  }
  if (gnutls_rnd(GNUTLS_RND_KEY, out, n) == 0) return 0;
  memset(out, 0, n);
  return -1;
}
