/* summary.c: a sweep's figures as Markdown, JSON and CSV. */
#include "summary.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "outfile.h"
#include "report.h"
#include "runner.h"

#define SCHEMA "natsim-sweep/1"
#define CONFIDENCE                                                                          \
  "95% Student t over seeds: mean +- t(0.975, n - 1) * s / sqrt(n), s the sample standard " \
  "deviation of the n seeds' values; no interval (null) with one seed"

/* How many of point p's runs had a check fail. */
static int checks_failed(const summary_in *in, int p) {
  int n = 0;
  for (int s = 0; s < in->g->nseeds; s++)
    n += in->status[p * in->g->nseeds + s] != 0;
  return n;
}

/* --- Markdown ----------------------------------------------------------------------- */

static void md_params(FILE *f, const grid *g, bool swept) {
  bool any = false;
  for (int k = 0; k < g->nparams; k++) {
    const grid_param *p = &g->params[k];
    if ((p->nvalues > 1) != swept) continue;
    fputs(any ? "; " : "", f);
    report_md_escape(f, p->key);
    fputs(swept ? " (" : "=", f);
    for (int i = 0; i < p->nvalues; i++) {
      fputs(i ? ", " : "", f);
      report_md_escape(f, p->values[i]);
    }
    fputs(swept ? ")" : "", f);
    any = true;
  }
  fputs(any ? "" : "none", f);
}

static void md_head(FILE *f, const summary_in *in) {
  const grid *g = in->g;
  fputs("# natsim sweep: ", f);
  report_md_escape(f, in->scenario);
  fputs("\n\nSeeds: ", f);
  for (int s = 0; s < g->nseeds; s++)
    fprintf(f, "%s%llu", s ? ", " : "", (unsigned long long)g->seeds[s]);
  fprintf(f, " (each point runs once per seed). Swept: ");
  md_params(f, g, true);
  fputs(". Fixed: ", f);
  md_params(f, g, false);
  fputs(".\n\nEach cell: the mean over the seeds +- the half-width of its 95% confidence\n"
        "interval (Student t: t(0.975, n - 1) * s / sqrt(n), n the seeds, s their\n"
        "standard deviation)",
        f);
  fputs(g->nseeds == 1 ? "; with one seed there is no interval: \"no CI (1 seed)\".\n"
                       : ".\n",
        f);
}

/* The table's header and its separator line. */
static void md_columns(FILE *f, const grid *g) {
  fputs("\n|", f);
  for (int s = 0; s < g->nswept; s++) {
    fputc(' ', f);
    report_md_escape(f, g->params[g->swept[s]].key);
    fputs(" |", f);
  }
  fputs(" version | checks failed |", f);
  for (int k = 0; k < RATES; k++)
    fprintf(f, " %s |", rates[k].name);
  fputs("\n|", f);
  for (int k = 0; k < g->nswept + 2 + RATES; k++)
    fputs("---|", f);
  fputc('\n', f);
}

static void md_row(FILE *f, const summary_in *in, const table_row *row) {
  const grid *g = in->g;
  fputc('|', f);
  for (int s = 0; s < g->nswept; s++) {
    const grid_param *p = &g->params[g->swept[s]];
    fputc(' ', f);
    report_md_escape(f, p->values[grid_value(g, row->point, g->swept[s])]);
    fputs(" |", f);
  }
  fputc(' ', f);
  report_md_escape(f, row->version);
  fprintf(f, " | %d of %d |", checks_failed(in, row->point), g->nseeds);
  for (int k = 0; k < RATES; k++) {
    if (isnan(row->half[k])) fprintf(f, " %.4f, no CI (1 seed) |", row->mean[k]);
    else fprintf(f, " %.4f +- %.4f |", row->mean[k], row->half[k]);
  }
  fputc('\n', f);
}

static int md_write(FILE *f, const void *ctx) {
  const summary_in *in = ctx;
  md_head(f, in);
  md_columns(f, in->g);
  for (int i = 0; i < in->t->nrows; i++)
    md_row(f, in, &in->t->rows[i]);
  fputs("\nRates:\n\n", f);
  for (int k = 0; k < RATES; k++)
    fprintf(f, "- %s: %s\n", rates[k].name, rates[k].means);
  fputs("\nEach run's results, reports and output: runs/POINT/seed-N/ (results.json,\n"
        "report.md, report.html, stdout.txt, stderr.txt); plots: plots/.\n",
        f);
  return 0;
}

/* --- JSON --------------------------------------------------------------------------- */

static void json_params(json *j, const grid *g) {
  json_array(j, "params");
  for (int k = 0; k < g->nparams; k++) {
    const grid_param *p = &g->params[k];
    json_object(j, NULL);
    json_str(j, "name", p->key);
    json_bool(j, "swept", p->nvalues > 1);
    json_bool(j, "numeric", p->numeric);
    json_array(j, "values");
    for (int i = 0; i < p->nvalues; i++)
      json_str(j, NULL, p->values[i]);
    json_end(j, ']');
    json_end(j, '}');
  }
  json_end(j, ']');
}

static void json_head(json *j, const summary_in *in) {
  json_str(j, "schema", SCHEMA);
  json_str(j, "scenario", in->scenario);
  json_str(j, "confidence", CONFIDENCE);
  json_array(j, "seeds");
  for (int s = 0; s < in->g->nseeds; s++)
    json_int(j, NULL, (int64_t)in->g->seeds[s]);
  json_end(j, ']');
  json_params(j, in->g);
  json_array(j, "rates");
  for (int k = 0; k < RATES; k++) {
    json_object(j, NULL);
    json_str(j, "name", rates[k].name);
    json_str(j, "means", rates[k].means);
    json_end(j, '}');
  }
  json_end(j, ']');
}

/* A number, or null for NAN. */
static void num_or_null(json *j, const char *key, double v) {
  if (isnan(v)) json_null(j, key);
  else json_num(j, key, v);
}

static void json_runs(json *j, const summary_in *in, const table_row *row) {
  const grid *g = in->g;
  size_t skip = strlen(in->out_dir) + 1;
  json_array(j, "runs");
  for (int s = 0; s < g->nseeds; s++) {
    char dir[RUNNER_PATH];
    runner_dir(g, in->out_dir, row->point, s, dir, sizeof dir);
    json_object(j, NULL);
    json_int(j, "seed", (int64_t)g->seeds[s]);
    json_str(j, "dir", dir + skip);
    json_int(j, "exit", in->status[row->point * g->nseeds + s]);
    json_object(j, "rates");
    for (int k = 0; k < RATES; k++)
      json_num(j, rates[k].name, row->values[s * RATES + k]);
    json_end(j, '}');
    json_end(j, '}');
  }
  json_end(j, ']');
}

static void json_row(json *j, const summary_in *in, const table_row *row) {
  const grid *g = in->g;
  json_object(j, NULL);
  json_object(j, "point");
  for (int s = 0; s < g->nswept; s++) {
    const grid_param *p = &g->params[g->swept[s]];
    json_str(j, p->key, p->values[grid_value(g, row->point, g->swept[s])]);
  }
  json_end(j, '}');
  json_str(j, "version", row->version);
  json_int(j, "checks_failed", checks_failed(in, row->point));
  json_object(j, "rates");
  for (int k = 0; k < RATES; k++) {
    json_object(j, rates[k].name);
    json_num(j, "mean", row->mean[k]);
    num_or_null(j, "half", row->half[k]);
    num_or_null(j, "low", row->mean[k] - row->half[k]);
    num_or_null(j, "high", row->mean[k] + row->half[k]);
    json_end(j, '}');
  }
  json_end(j, '}');
  json_runs(j, in, row);
  json_end(j, '}');
}

static int json_write(FILE *f, const void *ctx) {
  const summary_in *in = ctx;
  json j = json_start(f);
  json_object(&j, NULL);
  json_head(&j, in);
  json_array(&j, "rows");
  for (int i = 0; i < in->t->nrows; i++)
    json_row(&j, in, &in->t->rows[i]);
  json_end(&j, ']');
  json_end(&j, '}');
  fputc('\n', f);
  return 0;
}

/* --- CSV ---------------------------------------------------------------------------- */

/* A CSV field: quoted, quotes doubled, when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_header(FILE *f, const grid *g) {
  for (int s = 0; s < g->nswept; s++) {
    csv_field(f, g->params[g->swept[s]].key);
    fputc(',', f);
  }
  fputs("version,seeds,checks_failed", f);
  for (int k = 0; k < RATES; k++)
    fprintf(f, ",%s_mean,%s_half", rates[k].name, rates[k].name);
  fputc('\n', f);
}

static void csv_row(FILE *f, const summary_in *in, const table_row *row) {
  const grid *g = in->g;
  for (int s = 0; s < g->nswept; s++) {
    csv_field(f, g->params[g->swept[s]].values[grid_value(g, row->point, g->swept[s])]);
    fputc(',', f);
  }
  csv_field(f, row->version);
  fprintf(f, ",%d,%d", g->nseeds, checks_failed(in, row->point));
  for (int k = 0; k < RATES; k++) {
    fprintf(f, ",%.10g,", row->mean[k]);
    if (!isnan(row->half[k])) fprintf(f, "%.10g", row->half[k]);
  }
  fputc('\n', f);
}

static int csv_write(FILE *f, const void *ctx) {
  const summary_in *in = ctx;
  csv_header(f, in->g);
  for (int i = 0; i < in->t->nrows; i++)
    csv_row(f, in, &in->t->rows[i]);
  return 0;
}

/* --- files -------------------------------------------------------------------------- */

/* Writes DIR/name with fn. 0, or -1 with the reason in err. */
static int write_file(const summary_in *in, const char *name, int (*fn)(FILE *, const void *),
                      char *err, size_t len) {
  char path[RUNNER_PATH + 32];
  snprintf(path, sizeof path, "%s/%s", in->out_dir, name);
  return outfile_write(path, fn, in, err, len);
}

int summary_write(const summary_in *in, char *err, size_t len) {
  if (write_file(in, "sweep.md", md_write, err, len) != 0) return -1;
  if (write_file(in, "sweep.json", json_write, err, len) != 0) return -1;
  return write_file(in, "sweep.csv", csv_write, err, len);
}
