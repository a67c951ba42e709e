/* grow.c: tables that double as they fill. */
#include "grow.h"

#include <stdlib.h>
#include <string.h>

void *grow_table(void *items, int *cap, int need, int first, int max, size_t size) {
  if (need <= *cap) return items;
  if (need > max) return NULL;
  int n = *cap ? *cap : first;
  while (n < need) n *= 2;
  if (n > max) n = max;
  unsigned char *t = realloc(items, (size_t)n * size);
  if (!t) return NULL;
  memset(t + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
  *cap = n;
  return t;
}
