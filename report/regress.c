/* regress.c: comparing a run with a baseline. */
#include "regress.h"

#include <math.h>
#include <string.h>

#include "report.h"
#include "stats.h"

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int regress_comparable(const jv *b, const char *scenario, char *err, size_t len) {
  if (report_check_schema(b, err, len)) return -1;
  const char *was = jstr(jget(b, "scenario"), "");
  if (strcmp(base_name(was), base_name(scenario)) != 0)
    return snprintf(err, len, "the baseline is from scenario %s, not %s", was, scenario), -1;
  return 0;
}

typedef struct table {
  FILE *f;
  const regress_opts *o;
  int regressions;
} table;

static void row(table *t, const char *version, const char *metric, const char *was,
                const char *now, const char *test, bool regressed) {
  fprintf(t->f, "%-7s %-50s %-16s %-16s %-24s %s\n", version, metric, was, now, test,
          regressed ? "REGRESSED" : "ok");
  t->regressions += regressed;
}

/* A rate x/n that must not drop significantly. */
static void rate(table *t, const char *version, const char *metric, double xb, double nb,
                 double xn, double nn, bool quiet_if_ok) {
  double p = stats_drop_p((int)xb, (int)nb, (int)xn, (int)nn);
  bool bad = p < t->o->level;
  if (quiet_if_ok && !bad) return;
  char was[32], now[32], test[40];
  snprintf(was, sizeof was, "%.1f%% (%.0f)", nb > 0 ? 100 * xb / nb : 0, nb);
  snprintf(now, sizeof now, "%.1f%% (%.0f)", nn > 0 ? 100 * xn / nn : 0, nn);
  snprintf(test, sizeof test, "drop p=%.2g %s %g", p, bad ? "<" : ">=", t->o->level);
  row(t, version, metric, was, now, test, bad);
}

/* An error count whose rate must not grow. */
static void errors(table *t, const char *version, const char *metric, double xb, double nb,
                   double xn, double nn) {
  bool bad = nn > 0 && xn / nn > (nb > 0 ? xb / nb : 0);
  char was[32], now[32];
  snprintf(was, sizeof was, "%.0f of %.0f", xb, nb);
  snprintf(now, sizeof now, "%.0f of %.0f", xn, nn);
  row(t, version, metric, was, now, "must not grow", bad);
}

/* A metric where more is worse, with relative slack (and a small absolute
** one for values near zero). */
static void bounded(table *t, const char *version, const char *metric, double b, double n,
                    double eps, const char *fmt) {
  bool bad = n > b * (1 + t->o->tolerance) + eps;
  char was[32], now[32], test[40];
  snprintf(was, sizeof was, fmt, b);
  snprintf(now, sizeof now, fmt, n);
  snprintf(test, sizeof test, "<= +%g%%", 100 * t->o->tolerance);
  row(t, version, metric, was, now, test, bad);
}

static double at(const jv *v, const char *a, const char *b) {
  return jnum(b ? jget(jget(v, a), b) : jget(v, a), 0);
}

static const jv *find_by(const jv *list, const char *key, const char *value, const char *key2,
                         const char *value2) {
  for (size_t i = 0; i < jlen(list); i++) {
    const jv *e = jat(list, i);
    if (!strcmp(jstr(jget(e, key), ""), value) &&
        (!key2 || !strcmp(jstr(jget(e, key2), ""), value2)))
      return e;
  }
  return NULL;
}

static void matrix(table *t, const char *name, const jv *b, const jv *n) {
  const jv *mb = jget(b, "matrix"), *mn = jget(n, "matrix");
  for (size_t i = 0; i < jlen(mn); i++) {
    const jv *c = jat(mn, i);
    const char *x = jstr(jget(c, "a"), "?"), *y = jstr(jget(c, "b"), "?");
    const jv *d = find_by(mb, "a", x, "b", y);
    if (!d) continue;
    char metric[80];
    snprintf(metric, sizeof metric, "direct %s/%s", x, y);
    rate(t, name, metric, at(d, "direct", NULL), at(d, "attempts", NULL), at(c, "direct", NULL),
         at(c, "attempts", NULL), true);
  }
}

static void targets(table *t, const char *name, const jv *b, const jv *n) {
  const jv *tn = jget(n, "targets");
  for (size_t i = 0; i < jlen(tn); i++) {
    const jv *x = jat(tn, i);
    const char *m = jstr(jget(x, "metric"), "?");
    const jv *y = find_by(jget(b, "targets"), "metric", m, NULL, NULL);
    if (!y || !jtrue(jget(y, "ok")) || jtrue(jget(x, "ok"))) continue;
    char metric[80], tgt[48];
    report_target_text(x, tgt, sizeof tgt);
    snprintf(metric, sizeof metric, "target: %s %s", report_metric_label(m), tgt);
    row(t, name, metric, "met", "missed", "", true);
  }
}

static void version(table *t, const jv *b, const jv *n) {
  const char *name = jstr(jget(n, "name"), "?");
  double nb = at(b, "attempts", NULL), nn = at(n, "attempts", NULL);
  rate(t, name, "direct rate", at(b, "direct", NULL), nb, at(n, "direct", NULL), nn, false);
  rate(t, name, "connected rate", at(b, "connected", NULL), nb, at(n, "connected", NULL), nn,
       false);
  errors(t, name, "missed direct", at(b, "missed_direct", NULL), nb, at(n, "missed_direct", NULL), nn);
  errors(t, name, "data errors", at(b, "data_errors", NULL), nb, at(n, "data_errors", NULL), nn);
  bounded(t, name, "gateway load", 100 * at(b, "gateway_load", NULL),
          100 * at(n, "gateway_load", NULL), 0.1, "%.1f%%");
  bounded(t, name, "hops", at(b, "hops_mean", NULL), at(n, "hops_mean", NULL), 0.001, "%.2f");
  bounded(t, name, "connect p95 ms", at(b, "connect_ms", "p95"), at(n, "connect_ms", "p95"), 1,
          "%.0f");
  bounded(t, name, "direct path p95 ms", at(b, "direct_ms", "p95"), at(n, "direct_ms", "p95"), 1,
          "%.0f");
  if (at(b, "ice_nominated_ms", "p95") > 0)
    bounded(t, name, "ICE nominated p95 ms", at(b, "ice_nominated_ms", "p95"),
            at(n, "ice_nominated_ms", "p95"), 1, "%.0f");
  targets(t, name, b, n);
  matrix(t, name, b, n);
}

static void checks(table *t, const jv *b, const jv *n) {
  const jv *cn = jget(n, "checks");
  for (size_t i = 0; i < jlen(cn); i++) {
    const jv *c = jat(cn, i);
    if (jtrue(jget(c, "ok"))) continue;
    const char *name = jstr(jget(c, "name"), "?");
    const jv *d = find_by(jget(b, "checks"), "name", name, NULL, NULL);
    if (d && !jtrue(jget(d, "ok"))) continue; /* failed in the baseline too */
    char metric[200];
    snprintf(metric, sizeof metric, "check: %.180s", name);
    row(t, "-", metric, d ? "pass" : "(new)", "FAIL", "", true);
  }
}

static void params(FILE *f, const char *which, const jv *r) {
  const jv *p = jget(r, "params");
  fprintf(f, "%s: seed %.0f, params", which, jnum(jget(r, "seed"), 0));
  for (size_t i = 0; i < jlen(p); i++)
    fprintf(f, " %s=%s", p->keys[i], jstr(jat(p, i), "?"));
  fprintf(f, "%s\n", jlen(p) ? "" : " (none)");
}

int regress_compare(const jv *b, const jv *n, const regress_opts *o, FILE *f) {
  table t = {f, o, 0};
  params(f, "baseline", b);
  params(f, "now     ", n);
  const jv *vb = jget(b, "versions"), *vn = jget(n, "versions");
  fprintf(f, "%-7s %-50s %-16s %-16s %-24s %s\n", "version", "metric", "baseline", "now", "test",
          "verdict");
  for (size_t i = 0; i < jlen(vn); i++) {
    const char *name = jstr(jget(jat(vn, i), "name"), "?");
    const jv *base = find_by(vb, "name", name, NULL, NULL);
    if (base) version(&t, base, jat(vn, i));
    else row(&t, name, "(not in the baseline)", "-", "-", "", false);
  }
  for (size_t i = 0; i < jlen(vb); i++) {
    const char *name = jstr(jget(jat(vb, i), "name"), "?");
    if (!find_by(vn, "name", name, NULL, NULL)) row(&t, name, "(not run now)", "-", "-", "", false);
  }
  checks(&t, b, n);
  return t.regressions;
}
