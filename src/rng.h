/*
** rng.h: deterministic pseudo-random numbers (xoshiro256**, seeded by
** splitmix64). Every random choice in natsim comes from an rng seeded from
** the scenario's seed, so the same seed gives the same run.
** An rng is a plain value: no allocation, no global state.
*/
#ifndef NATSIM_RNG_H
#define NATSIM_RNG_H

#include <stdint.h>

typedef struct rng { uint64_t s[4]; } rng;

/* Seed from (seed, stream): distinct streams give independent sequences. */
void rng_seed(rng *r, uint64_t seed, uint64_t stream);
/* The next 64 random bits. */
uint64_t rng_u64(rng *r);
/* Uniform integer in [lo, hi] (no modulo bias). The caller ensures
** lo <= hi: it is not checked, and hi < lo gives values outside. */
uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi);
/* Uniform double in [0, 1). */
double rng_unit(rng *r);

#endif
