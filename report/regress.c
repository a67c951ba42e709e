/* regress.c: comparing a run with a baseline. */
#include "regress.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "report.h"
#include "stats.h"
#include "text.h"

/* Makes the reason in err safe to print (it quotes the files' strings): -1. */
static int refuse(char *err, size_t len) {
  text_plain(err, err, len);
  return -1;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int regress_comparable(const run_results *b, const char *scenario, const char *sha256, char *err,
                       size_t len) {
  if (strcmp(base_name(b->scenario), base_name(scenario)) != 0) {
    snprintf(err, len, "the baseline is from scenario %s, not %s", b->scenario, scenario);
    return refuse(err, len);
  }
  if (!sha256 || !b->scenario_sha256[0] || !strcmp(b->scenario_sha256, sha256)) return 0;
  snprintf(err, len, "the baseline's scenario file has SHA-256 %s, %s now has %s: the scenario "
                     "changed; make a new baseline",
           b->scenario_sha256, scenario, sha256);
  return refuse(err, len);
}

/* A population entry as text: "cgn (weight 16, port_restricted_cone.lua
** behind carrier_grade.lua: mapping ...)". */
static void class_text(const run_class *c, char *out, size_t len) {
  snprintf(out, len, "%s (weight %g, %s%s%s: %s%s%s)", c->name, c->weight, base_name(c->model),
           c->behind[0] ? " behind " : "", c->behind[0] ? base_name(c->behind) : "",
           c->behaviour, c->behind_behaviour[0] ? "; behind: " : "", c->behind_behaviour);
}

int regress_same_population(const run_results *b, const run_results *n, char *err, size_t len) {
  if (!b->has_config || !n->has_config) return 0;
  size_t k = b->nclasses < n->nclasses ? b->nclasses : n->nclasses;
  for (size_t i = 0; i <= k; i++) {
    if (i < k) {
      char x[400];
      char y[400];
      class_text(&b->classes[i], x, sizeof x);
      class_text(&n->classes[i], y, sizeof y);
      if (!strcmp(x, y) && b->classes[i].experiment == n->classes[i].experiment) continue;
      snprintf(err, len, "the population differs: experiment %zu, entry %zu: the baseline's is "
                         "%s, the run's is %s",
               n->classes[i].experiment + 1, i + 1, x, y);
      return refuse(err, len);
    }
    if (b->nclasses == n->nclasses) return 0;
  }
  snprintf(err, len, "the population differs: the baseline has %zu entries, the run %zu",
           b->nclasses, n->nclasses);
  return -1;
}

int regress_shared(const run_results *b, const run_results *n, char *err, size_t len) {
  for (size_t i = 0; i < n->nversions; i++)
    if (run_find_version(b, n->versions[i].name)) return 0;
  size_t k = (size_t)snprintf(err, len, "the baseline's versions (");
  for (size_t i = 0; i < b->nversions && k < len; i++)
    k += (size_t)snprintf(err + k, len - k, "%s%s", i ? ", " : "", b->versions[i].name);
  if (k < len) k += (size_t)snprintf(err + k, len - k, ") and the run's (");
  for (size_t i = 0; i < n->nversions && k < len; i++)
    k += (size_t)snprintf(err + k, len - k, "%s%s", i ? ", " : "", n->versions[i].name);
  if (k < len) snprintf(err + k, len - k, ") have none in common");
  return refuse(err, len);
}

typedef struct table {
  FILE *f;
  FILE *cases; /* JUnit test cases, or NULL */
  const regress_opts *o;
  int rows;
  int regressions;
} table;

static void row(table *t, const char *version, const char *metric, const char *was,
                const char *now, const char *test, bool regressed) {
  char v[200];
  char m[300];
  text_plain(version, v, sizeof v);
  text_plain(metric, m, sizeof m);
  fprintf(t->f, "%-7s %-50s %-16s %-16s %-24s %s\n", v, m, was, now, test,
          regressed ? "REGRESSED" : "ok");
  t->rows++;
  if (regressed) t->regressions++;
  if (!t->cases) return;
  char name[300];
  char detail[200];
  snprintf(name, sizeof name, "%s: %s", version, metric);
  snprintf(detail, sizeof detail, "baseline %s, now %s (%s)", was, now, test);
  report_junit_case(t->cases, "regress", name, !regressed, detail);
}

/* A rate x/n that must not drop significantly. */
static void rate(table *t, const char *version, const char *metric, double xb, double nb,
                 double xn, double nn, bool quiet_if_ok) {
  double p = stats_drop_p(xb, nb, xn, nn);
  bool bad = p < t->o->level;
  if (quiet_if_ok && !bad) return;
  char was[32];
  char now[32];
  char test[40];
  snprintf(was, sizeof was, "%.1f%% (%.0f)", nb > 0 ? 100 * xb / nb : 0, nb);
  snprintf(now, sizeof now, "%.1f%% (%.0f)", nn > 0 ? 100 * xn / nn : 0, nn);
  snprintf(test, sizeof test, "drop p=%.2g %s %g", p, bad ? "<" : ">=", t->o->level);
  row(t, version, metric, was, now, test, bad);
}

/* An error count x/n that must not grow significantly (the rate test on
** the attempts without the error). */
static void rise(table *t, const char *version, const char *metric, double xb, double nb,
                 double xn, double nn) {
  double p = stats_drop_p(nb - xb, nb, nn - xn, nn);
  bool bad = p < t->o->level;
  char was[32];
  char now[32];
  char test[40];
  snprintf(was, sizeof was, "%.0f of %.0f", xb, nb);
  snprintf(now, sizeof now, "%.0f of %.0f", xn, nn);
  snprintf(test, sizeof test, "rise p=%.2g %s %g", p, bad ? "<" : ">=", t->o->level);
  row(t, version, metric, was, now, test, bad);
}

/* An error count whose rate must not grow. */
static void errors(table *t, const char *version, const char *metric, double xb, double nb,
                   double xn, double nn) {
  bool bad = nn > 0 && xn / nn > (nb > 0 ? xb / nb : 0);
  char was[32];
  char now[32];
  snprintf(was, sizeof was, "%.0f of %.0f", xb, nb);
  snprintf(now, sizeof now, "%.0f of %.0f", xn, nn);
  row(t, version, metric, was, now, "must not grow", bad);
}

/* A metric where more is worse, with relative slack (and a small absolute
** one for values near zero). */
static void bounded(table *t, const char *version, const char *metric, double b, double n,
                    double eps, const char *fmt) {
  bool bad = n > b * (1 + t->o->tolerance) + eps;
  char was[32];
  char now[32];
  char test[40];
  snprintf(was, sizeof was, fmt, b);
  snprintf(now, sizeof now, fmt, n);
  snprintf(test, sizeof test, "<= +%g%%", 100 * t->o->tolerance);
  row(t, version, metric, was, now, test, bad);
}

static const run_cell *find_cell(const run_version *v, const char *a, const char *b) {
  for (size_t i = 0; i < v->ncells; i++)
    if (!strcmp(v->matrix[i].a, a) && !strcmp(v->matrix[i].b, b)) return &v->matrix[i];
  return NULL;
}

static const run_check *find_check(const run_results *r, const char *name) {
  for (size_t i = 0; i < r->nchecks; i++)
    if (!strcmp(r->checks[i].name, name)) return &r->checks[i];
  return NULL;
}

static void matrix(table *t, const run_version *b, const run_version *n) {
  for (size_t i = 0; i < n->ncells; i++) {
    const run_cell *c = &n->matrix[i];
    const run_cell *d = find_cell(b, c->a, c->b);
    if (!d) continue;
    char metric[80];
    snprintf(metric, sizeof metric, "direct %s/%s", c->a, c->b);
    rate(t, n->name, metric, (double)d->direct, (double)d->attempts, (double)c->direct,
         (double)c->attempts, true);
  }
}

static void targets(table *t, const run_version *b, const run_version *n) {
  for (size_t i = 0; i < n->ntargets; i++) {
    const run_target *x = &n->targets[i];
    const run_target *y = run_find_target(b, x->metric);
    if (!y || !y->ok || x->ok) continue;
    char metric[80];
    char tgt[48];
    report_target_text(x, tgt, sizeof tgt);
    snprintf(metric, sizeof metric, "target: %s %s", report_metric_label(x->metric), tgt);
    row(t, n->name, metric, "met", "missed", "", true);
  }
}

static void version(table *t, const run_version *b, const run_version *n) {
  const char *name = n->name;
  double nb = (double)b->attempts;
  double nn = (double)n->attempts;
  rate(t, name, "direct rate", (double)b->direct, nb, (double)n->direct, nn, false);
  rate(t, name, "connected rate", (double)b->connected, nb, (double)n->connected, nn, false);
  rise(t, name, "missed direct", (double)b->missed_direct, nb, (double)n->missed_direct, nn);
  errors(t, name, "data errors", (double)b->data_errors, nb, (double)n->data_errors, nn);
  bounded(t, name, "gateway load", 100 * b->gateway_load, 100 * n->gateway_load, 0.1, "%.1f%%");
  bounded(t, name, "hops", b->hops_mean, n->hops_mean, 0.001, "%.2f");
  bounded(t, name, "connect p95 ms", b->connect_ms.p95, n->connect_ms.p95, 1, "%.0f");
  bounded(t, name, "direct path p95 ms", b->direct_ms.p95, n->direct_ms.p95, 1, "%.0f");
  if (b->ice_nominated_ms.p95 > 0)
    bounded(t, name, "ICE nominated p95 ms", b->ice_nominated_ms.p95, n->ice_nominated_ms.p95, 1,
            "%.0f");
  targets(t, b, n);
  matrix(t, b, n);
}

static void checks(table *t, const run_results *b, const run_results *n) {
  for (size_t i = 0; i < n->nchecks; i++) {
    const run_check *c = &n->checks[i];
    if (c->ok) continue;
    const run_check *d = find_check(b, c->name);
    if (d && !d->ok) continue; /* failed in the baseline too */
    char metric[200];
    snprintf(metric, sizeof metric, "check: %.180s", c->name);
    row(t, "-", metric, d ? "pass" : "(new)", "FAIL", "", true);
  }
}

/* Writes " key=value" for each of the n parameters at p, or " (none)". */
static void param_list(FILE *f, const run_param *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char k[200];
    char v[200];
    text_plain(p[i].key, k, sizeof k);
    text_plain(p[i].value, v, sizeof v);
    fprintf(f, " %s=%s", k, v);
  }
  fprintf(f, "%s\n", n ? "" : " (none)");
}

static void params(FILE *f, const char *which, const run_results *r) {
  fprintf(f, "%s: seed %.0f, params", which, r->seed);
  param_list(f, r->params, r->nparams);
  if (!r->has_config) return;
  fprintf(f, "%*s  resolved", (int)strlen(which), "");
  param_list(f, r->resolved, r->nresolved);
}

/* Copies the JUnit cases in t (a temporary file) into a document in f. */
static void junit(const table *t, const run_results *n, FILE *f) {
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"");
  report_escape(f, n->scenario);
  fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n", t->rows, t->regressions);
  rewind(t->cases);
  char buf[4096];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, t->cases)) > 0) fwrite(buf, 1, k, f);
  fprintf(f, "  </testsuite>\n</testsuites>\n");
}

int regress_compare(const run_results *b, const run_results *n, const regress_opts *o, FILE *f,
                    FILE *junit_f) {
  table t = {f, NULL, o, 0, 0};
  if (junit_f) {
    t.cases = tmpfile();
    if (!t.cases) return -1;
  }
  params(f, "baseline", b);
  params(f, "now     ", n);
  if (!b->has_config)
    fprintf(f, "note: the baseline records no configuration (an older file): it is checked by "
               "its scenario's file name only\n");
  fprintf(f, "%-7s %-50s %-16s %-16s %-24s %s\n", "version", "metric", "baseline", "now", "test",
          "verdict");
  for (size_t i = 0; i < n->nversions; i++) {
    const run_version *v = &n->versions[i];
    const run_version *base = run_find_version(b, v->name);
    if (base) version(&t, base, v);
    else row(&t, v->name, "(not in the baseline)", "-", "-", "", false);
  }
  for (size_t i = 0; i < b->nversions; i++) {
    const char *name = b->versions[i].name;
    if (!run_find_version(n, name)) row(&t, name, "(not run now)", "-", "-", "", false);
  }
  checks(&t, b, n);
  if (t.cases) {
    junit(&t, n, junit_f);
    fclose(t.cases);
  }
  return t.regressions;
}
