/* table.c: a sweep's runs read back, their rates and intervals over seeds. */
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "runner.h"
#include "stats.h"

/* Adds name to t's versions unless it is there. -1 when memory runs out. */
static int note_version(table *t, const char *name) {
  for (int i = 0; i < t->nversions; i++)
    if (!strcmp(t->versions[i], name)) return 0;
  char **v = realloc(t->versions, (size_t)(t->nversions + 1) * sizeof *v);
  if (!v) return -1;
  t->versions = v;
  v[t->nversions] = strdup(name);
  if (!v[t->nversions]) return -1;
  t->nversions++;
  return 0;
}

/* Adds a row for each version of r, point `point`. -1 when memory runs out. */
static int add_rows(table *t, const grid *g, int point, const run_results *r) {
  table_row *rows = realloc(t->rows, (size_t)(t->nrows + (int)r->nversions) * sizeof *rows);
  if (!rows) return -1;
  t->rows = rows;
  for (size_t i = 0; i < r->nversions; i++) {
    table_row *row = &rows[t->nrows];
    *row = (table_row){.point = point};
    row->version = strdup(r->versions[i].name);
    row->values = calloc((size_t)g->nseeds * RATES, sizeof *row->values);
    t->nrows++;
    if (!row->version || !row->values || note_version(t, row->version) != 0) return -1;
  }
  return 0;
}

/* Seed s's rates of the point's rows (from `first`, n of them) from r. */
static int fill(table_row *rows, int n, int s, const run_results *r, const char *path, char *err,
                size_t len) {
  if ((int)r->nversions != n) {
    snprintf(err, len, "%s: %zu versions, where the point's first seed has %d", path,
             r->nversions, n);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    const run_version *v = run_find_version(r, rows[i].version);
    if (!v) {
      snprintf(err, len, "%s: no version '%s', which the point's first seed has", path,
               rows[i].version);
      return -1;
    }
    if (v->attempts <= 0) {
      snprintf(err, len, "%s: version '%s' has no attempts: no rates", path, v->name);
      return -1;
    }
    for (int k = 0; k < RATES; k++)
      rows[i].values[s * RATES + k] = rate_of(&rates[k], v);
  }
  return 0;
}

/* Reads the results of point `point` with seed s into r. */
static int read_run(const grid *g, const char *out_dir, int point, int s, run_results *r,
                    char *path, size_t plen, char *err, size_t len) {
  char dir[RUNNER_PATH];
  runner_dir(g, out_dir, point, s, dir, sizeof dir);
  snprintf(path, plen, "%s/results.json", dir);
  if (run_read_file(path, r, err, len) != 0) return -1;
  if (r->nversions > 0) return 0;
  snprintf(err, len, "%s: no version: the scenario runs no natsim.experiment", path);
  run_free(r);
  return -1;
}

/* The mean and interval of every rate of row over the seeds. */
static void summarize(table_row *row, int nseeds) {
  double x[GRID_MAX_SEEDS];
  for (int k = 0; k < RATES; k++) {
    for (int s = 0; s < nseeds; s++)
      x[s] = row->values[s * RATES + k];
    stats_mean_ci(x, nseeds, &row->mean[k], &row->half[k]);
  }
}

/* The rows of one point, from every seed's results. */
static int build_point(table *t, const grid *g, const char *out_dir, int point, char *err,
                       size_t len) {
  int first = t->nrows;
  for (int s = 0; s < g->nseeds; s++) {
    run_results r;
    char path[RUNNER_PATH + 32];
    if (read_run(g, out_dir, point, s, &r, path, sizeof path, err, len) != 0) return -1;
    int rc = s == 0 ? add_rows(t, g, point, &r) : 0;
    if (rc != 0) snprintf(err, len, "out of memory");
    if (rc == 0) rc = fill(t->rows + first, t->nrows - first, s, &r, path, err, len);
    run_free(&r);
    if (rc != 0) return -1;
  }
  for (int i = first; i < t->nrows; i++)
    summarize(&t->rows[i], g->nseeds);
  return 0;
}

int table_build(const grid *g, const char *out_dir, table *t, char *err, size_t len) {
  for (int p = 0; p < g->npoints; p++)
    if (build_point(t, g, out_dir, p, err, len) != 0) return -1;
  return 0;
}

const table_row *table_find(const table *t, int point, const char *version) {
  for (int i = 0; i < t->nrows; i++)
    if (t->rows[i].point == point && !strcmp(t->rows[i].version, version)) return &t->rows[i];
  return NULL;
}

void table_free(table *t) {
  for (int i = 0; i < t->nrows; i++) {
    free(t->rows[i].version);
    free(t->rows[i].values);
  }
  for (int i = 0; i < t->nversions; i++)
    free(t->versions[i]);
  free(t->rows);
  free(t->versions);
  *t = (table){0};
}
