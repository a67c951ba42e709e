/*
** idmap.h: a map from 64-bit ids to non-negative ints (open addressing,
** linear probing). Owns its table; idmap_free releases it.
*/
#ifndef NATSIM_IDMAP_H
#define NATSIM_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct idmap {
  uint64_t *keys;
  int *vals; /* -1: empty */
  size_t cap, count;
} idmap;

/* An empty map; allocates nothing. */
void idmap_init(idmap *m);
/* Frees the table; m is empty again and reusable. */
void idmap_free(idmap *m);
/* Sets key to val, replacing any value it had. val must be >= 0 (not
** checked: a negative val marks the slot empty and corrupts the map).
** Returns 0, or -1 when out of memory, with m unchanged. */
int idmap_put(idmap *m, uint64_t key, int val);
/* Makes room for n more keys: the next n idmap_put calls of keys not in
** m cannot fail. Returns 0, or -1 when out of memory, with m unchanged. */
int idmap_reserve(idmap *m, size_t n);
/* The value for key, or -1. */
int idmap_get(const idmap *m, uint64_t key);

#endif
