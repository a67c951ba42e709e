/* units.c: parsing of durations and rates. */
#include "units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit { const char *name; double scale; } unit;

static int parse(const char *s, const unit *units, double *out) {
  char *end;
  if (!s || !*s) return -1;
  double v = strtod(s, &end);
  if (end == s || !isfinite(v) || v < 0) return -1;
  if (*end == '\0') {
    *out = v;
    return 0;
  }
  for (const unit *u = units; u->name; u++) {
    if (strcmp(end, u->name) == 0) {
      *out = v * u->scale;
      return 0;
    }
  }
  return -1;
}

int units_seconds(double s, int64_t *ns) {
  double v = s * 1e9;
  if (!isfinite(v) || v < 0 || v > 9.2e18) return -1;
  *ns = (int64_t)llround(v);
  return 0;
}

int units_duration(const char *s, int64_t *ns) {
  static const unit units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3},
                               {"s", 1},     {"min", 60},  {"h", 3600},
                               {NULL, 0}};
  double v;
  return parse(s, units, &v) == 0 ? units_seconds(v, ns) : -1;
}

int units_rate(const char *s, uint64_t *bps) {
  static const unit units[] = {{"bps", 1},    {"kbps", 1e3}, {"Kbps", 1e3},
                               {"Mbps", 1e6}, {"Gbps", 1e9}, {NULL, 0}};
  double v;
  if (parse(s, units, &v) != 0 || v < 1 || v > 1e12) return -1;
  *bps = (uint64_t)llround(v);
  return 0;
}

bool units_has_unit(const char *s) {
  char *end;
  strtod(s, &end);
  return end != s && *end != '\0';
}
