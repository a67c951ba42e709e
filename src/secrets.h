/*
** secrets.h: where secrets come from: session ids and keys, AEAD nonces,
** STUN transaction ids. One interface, two sources: in simulation a
** generator seeded from the scenario seed (xoshiro256**, rng.h), so a
** seed gives the same run; on real sockets GnuTLS's key-grade generator
** (gnutls_rnd(GNUTLS_RND_KEY)), which nothing outside can predict.
** A secrets is a plain value: no allocation, no global state.
*/
#ifndef NATSIM_SECRETS_H
#define NATSIM_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

typedef struct secrets {
  bool csprng; /* true: GnuTLS; false: the seeded rng */
  rng rng;
  uint64_t seed, stream; /* seeded: what it was seeded from */
} secrets;

/* Seeded from (seed, stream) as rng_seed does: for simulation only. */
void secrets_seeded(secrets *s, uint64_t seed, uint64_t stream);
/* A source of its own for `part` of s's work (a session, a pair): seeded
** from s's seed, stream and part alone, so what it draws does not depend
** on what s drew before; GnuTLS's generator when s is. */
void secrets_derive(const secrets *s, uint64_t part, secrets *out);
/* From GnuTLS's key-grade generator: for real sockets. */
void secrets_csprng(secrets *s);
/* Fills out with n random bytes. The seeded source fills each 8 bytes
** from one rng_u64 (a last partial word takes its first bytes), as
** stun_new_tid does. Returns 0, or -1 when GnuTLS fails (out is then
** zeroed: never use it). */
int secrets_fill(secrets *s, void *out, size_t n);

#endif
