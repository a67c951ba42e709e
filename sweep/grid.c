/* grid.c: a sweep's parameters, seeds and the points they make. */
#include "grid.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy of s[0..n-1], NUL-terminated; NULL when memory runs out. */
static char *copy(const char *s, size_t n) {
  char *c = malloc(n + 1);
  if (!c) return NULL;
  memcpy(c, s, n);
  c[n] = '\0';
  return c;
}

/* Whether s is a whole finite decimal number. */
static bool is_number(const char *s) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  return end != s && *end == '\0' && errno == 0 && isfinite(v) && !isspace((unsigned char)*s);
}

/* The index of the parameter named key, or -1. */
static int find_param(const grid *g, const char *key) {
  for (int k = 0; k < g->nparams; k++)
    if (!strcmp(g->params[k].key, key)) return k;
  return -1;
}

/* Appends value s[0..n-1] to p; -1 (with the reason) when it is empty or there already. */
static int add_value(grid_param *p, const char *s, size_t n, const char *opt, char *err,
                     size_t len) {
  if (n == 0) {
    snprintf(err, len, "%s '%s': expected a value between the commas, got an empty one", opt,
             p->key);
    return -1;
  }
  char *v = copy(s, n);
  char **values = v ? realloc(p->values, (size_t)(p->nvalues + 1) * sizeof *values) : NULL;
  if (!values) {
    free(v);
    snprintf(err, len, "out of memory");
    return -1;
  }
  p->values = values;
  for (int i = 0; i < p->nvalues; i++) {
    if (strcmp(values[i], v)) continue;
    snprintf(err, len, "%s '%s': the value '%s' is given twice", opt, p->key, v);
    free(v);
    return -1;
  }
  values[p->nvalues++] = v;
  return 0;
}

/* Splits list (or takes it whole) into p's values. */
static int add_values(grid_param *p, const char *list, bool split, const char *opt, char *err,
                      size_t len) {
  const char *s = list;
  for (;;) {
    const char *comma = split ? strchr(s, ',') : NULL;
    size_t n = comma ? (size_t)(comma - s) : strlen(s);
    if (add_value(p, s, n, opt, err, len) != 0) return -1;
    if (!comma) return 0;
    s = comma + 1;
  }
}

/* Points times seeds within GRID_MAX_RUNS, with points and seeds as given. */
static bool runs_fit(long long points, long long seeds) {
  return points * (seeds > 0 ? seeds : 1) <= GRID_MAX_RUNS;
}

/* Records parameter k as swept or fixed and updates the point count. */
static int count_points(grid *g, int k, const char *opt, char *err, size_t len) {
  grid_param *p = &g->params[k];
  p->numeric = true;
  for (int i = 0; i < p->nvalues; i++)
    p->numeric = p->numeric && is_number(p->values[i]);
  if (p->nvalues < 2) return 0;
  if (!runs_fit((long long)g->npoints * p->nvalues, g->nseeds)) {
    snprintf(err, len, "%s '%s': more than %d runs (points times seeds)", opt, p->key,
             GRID_MAX_RUNS);
    return -1;
  }
  g->swept[g->nswept++] = k;
  g->npoints *= p->nvalues;
  return 0;
}

int grid_add_param(grid *g, const char *text, bool split, char *err, size_t len) {
  const char *opt = split ? "--set" : "--fix";
  const char *eq = strchr(text, '=');
  if (g->npoints == 0) g->npoints = 1;
  if (!eq || eq == text) {
    snprintf(err, len, "%s '%s': expected KEY=VALUE%s, got '%s'", opt, text,
             split ? " or KEY=V1,V2,..." : "", text);
    return -1;
  }
  if (g->nparams == GRID_MAX_PARAMS) {
    snprintf(err, len, "%s: more than %d parameters", opt, GRID_MAX_PARAMS);
    return -1;
  }
  grid_param *p = &g->params[g->nparams];
  p->key = copy(text, (size_t)(eq - text));
  if (!p->key) {
    snprintf(err, len, "out of memory");
    return -1;
  }
  g->nparams++;
  if (find_param(g, p->key) != g->nparams - 1) {
    snprintf(err, len, "%s '%s': the parameter is given twice", opt, p->key);
    return -1;
  }
  if (add_values(p, eq + 1, split, opt, err, len) != 0) return -1;
  return count_points(g, g->nparams - 1, opt, err, len);
}

/* Reads a seed at *s (decimal digits, at most 2^63 - 1) and moves past it. */
static bool read_seed(const char **s, uint64_t *out) {
  if (!isdigit((unsigned char)**s)) return false;
  uint64_t v = 0;
  while (isdigit((unsigned char)**s)) {
    unsigned d = (unsigned)(**s - '0');
    if (v > (UINT64_C(9223372036854775807) - d) / 10) return false;
    v = v * 10 + d;
    (*s)++;
  }
  *out = v;
  return true;
}

/* Appends seed v; -1 when it is there already or the runs would not fit. */
static int add_seed(grid *g, uint64_t v, char *err, size_t len) {
  for (int i = 0; i < g->nseeds; i++) {
    if (g->seeds[i] != v) continue;
    snprintf(err, len, "--seeds: the seed %llu is given twice", (unsigned long long)v);
    return -1;
  }
  if (g->nseeds == GRID_MAX_SEEDS) {
    snprintf(err, len, "--seeds: more than %d seeds", GRID_MAX_SEEDS);
    return -1;
  }
  if (!runs_fit(g->npoints ? g->npoints : 1, (long long)g->nseeds + 1)) {
    snprintf(err, len, "--seeds: more than %d runs (points times seeds)", GRID_MAX_RUNS);
    return -1;
  }
  uint64_t *seeds = realloc(g->seeds, (size_t)(g->nseeds + 1) * sizeof *seeds);
  if (!seeds) {
    snprintf(err, len, "out of memory");
    return -1;
  }
  g->seeds = seeds;
  g->seeds[g->nseeds++] = v;
  return 0;
}

/* Reads one item, N or A-B, at *s into lo and hi. */
static bool read_item(const char **s, uint64_t *lo, uint64_t *hi) {
  if (!read_seed(s, lo)) return false;
  *hi = *lo;
  if (**s != '-') return true;
  (*s)++;
  return read_seed(s, hi) && *lo <= *hi;
}

int grid_set_seeds(grid *g, const char *text, char *err, size_t len) {
  const char *s = text;
  for (;;) {
    uint64_t lo;
    uint64_t hi;
    if (!read_item(&s, &lo, &hi) || (*s != ',' && *s != '\0')) {
      snprintf(err, len,
               "--seeds: expected N, A-B with A <= B, or a comma-separated list of them "
               "(integers from 0 to 2^63 - 1), got '%s'",
               text);
      return -1;
    }
    for (uint64_t v = lo;; v++) {
      if (add_seed(g, v, err, len) != 0) return -1;
      if (v == hi) break;
    }
    if (*s == '\0') return 0;
    s++;
  }
}

/* The product of the value counts of swept parameters after s. */
static int inner_size(const grid *g, int s) {
  int n = 1;
  for (int i = s + 1; i < g->nswept; i++)
    n *= g->params[g->swept[i]].nvalues;
  return n;
}

int grid_value(const grid *g, int point, int k) {
  for (int s = 0; s < g->nswept; s++)
    if (g->swept[s] == k) return point / inner_size(g, s) % g->params[k].nvalues;
  return 0;
}

int grid_with(const grid *g, int point, int s, int v) {
  int inner = inner_size(g, s);
  int now = grid_value(g, point, g->swept[s]);
  return point + (v - now) * inner;
}

void grid_label(const grid *g, int point, int from, const char *sep, char *out, size_t len) {
  size_t used = 0;
  snprintf(out, len, "%s", g->nswept > from ? "" : "-");
  for (int s = from; s < g->nswept && used < len; s++) {
    const grid_param *p = &g->params[g->swept[s]];
    int n = snprintf(out + used, len - used, "%s%s=%s", s > from ? sep : "", p->key,
                     p->values[grid_value(g, point, g->swept[s])]);
    used += n > 0 ? (size_t)n : 0;
  }
}

/* Whether byte c stands for itself in a folder name. */
static bool plain(unsigned char c) {
  return isalnum(c) || strchr("._+=,-", c) != NULL;
}

/* Appends piece to out at *used when it fits with its NUL; counts it either way. */
static void put(const char *piece, char *out, size_t len, size_t *used) {
  size_t n = strlen(piece);
  if (*used + n < len) memcpy(out + *used, piece, n + 1);
  *used += n;
}

/* Appends s, other bytes (and a leading '.') as %XX. */
static void put_encoded(const char *s, bool first, char *out, size_t len, size_t *used) {
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    char piece[4] = {(char)*c, '\0'};
    bool keep = plain(*c) && !(first && c == (const unsigned char *)s && *c == '.');
    if (!keep) snprintf(piece, sizeof piece, "%%%02X", *c);
    put(piece, out, len, used);
  }
}

size_t grid_name(const grid *g, int point, int from, char sep, char *out, size_t len) {
  size_t used = 0;
  const char between[2] = {sep, '\0'};
  out[0] = '\0';
  for (int s = from; s < g->nswept; s++) {
    const grid_param *p = &g->params[g->swept[s]];
    if (s > from) put(between, out, len, &used);
    put_encoded(p->key, true, out, len, &used);
    put("=", out, len, &used);
    put_encoded(p->values[grid_value(g, point, g->swept[s])], false, out, len, &used);
  }
  return used;
}

void grid_free(grid *g) {
  for (int k = 0; k < g->nparams; k++) {
    for (int i = 0; i < g->params[k].nvalues; i++)
      free(g->params[k].values[i]);
    free(g->params[k].values);
    free(g->params[k].key);
  }
  free(g->seeds);
  *g = (grid){0};
}
