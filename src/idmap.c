/* idmap.c: open addressing with linear probing; grows at half full. */
#include "idmap.h"

#include <stdlib.h>

void idmap_init(idmap *m) { *m = (idmap){0}; }

void idmap_free(idmap *m) {
  free(m->keys);
  free(m->vals);
  *m = (idmap){0};
}

static size_t slot_of(uint64_t key, size_t cap) {
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  return (size_t)key & (cap - 1);
}

static int grow(idmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  uint64_t *keys = malloc(cap * sizeof *keys);
  int *vals = malloc(cap * sizeof *vals);
  if (!keys || !vals) {
    free(keys);
    free(vals);
    return -1;
  }
  for (size_t i = 0; i < cap; i++) vals[i] = -1;
  for (size_t i = 0; i < m->cap; i++) {
    if (m->vals[i] < 0) continue;
    size_t s = slot_of(m->keys[i], cap);
    while (vals[s] >= 0) s = (s + 1) & (cap - 1);
    keys[s] = m->keys[i];
    vals[s] = m->vals[i];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return 0;
}

int idmap_reserve(idmap *m, size_t n) {
  while ((m->count + n) * 2 > m->cap)
    if (grow(m) != 0) return -1;
  return 0;
}

int idmap_put(idmap *m, uint64_t key, int val) {
  if (idmap_reserve(m, 1) != 0) return -1;
  size_t s = slot_of(key, m->cap);
  while (m->vals[s] >= 0 && m->keys[s] != key) s = (s + 1) & (m->cap - 1);
  if (m->vals[s] < 0) m->count++;
  m->keys[s] = key;
  m->vals[s] = val;
  return 0;
}

int idmap_get(const idmap *m, uint64_t key) {
  if (!m->cap) return -1;
  for (size_t s = slot_of(key, m->cap);; s = (s + 1) & (m->cap - 1)) {
    if (m->vals[s] < 0) return -1;
    if (m->keys[s] == key) return m->vals[s];
  }
}
