/* plots.c: a sweep's rates against its first swept parameter, as SVG. */
#include "plots.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outfile.h"
#include "plot.h"
#include "scenario.h"

/* One plot being made: a rate, a group of points (the first swept
** parameter's values, the others' fixed), and the plot's arrays. */
typedef struct group_plot {
  const summary_in *in;
  int rate;
  int base;         /* the group's point with the first swept value's index 0 */
  plot p;
  plot_line *lines; /* up to nversions */
  double *y;        /* nversions * nx */
  double *half;
  double *x;        /* nx, or NULL (categorical) */
  char title[1200];
  char ylabel[200];
} group_plot;

/* The i-th point of the group. */
static int group_point(const group_plot *gp, int i) {
  return grid_with(gp->in->g, gp->base, 0, i);
}

/* Adds a line for version v if any point of the group has it. */
static void add_line(group_plot *gp, const char *v) {
  size_t nx = gp->p.nx;
  size_t l = gp->p.nlines;
  bool any = false;
  for (size_t i = 0; i < nx; i++) {
    const table_row *row = table_find(gp->in->t, group_point(gp, (int)i), v);
    gp->y[l * nx + i] = row ? row->mean[gp->rate] : NAN;
    gp->half[l * nx + i] = row ? row->half[gp->rate] : NAN;
    any = any || row;
  }
  if (!any) return;
  gp->lines[l] = (plot_line){v, &gp->y[l * nx], &gp->half[l * nx]};
  gp->p.nlines++;
}

/* The x values as numbers (the parameter is numeric). */
static void x_values(group_plot *gp, const grid_param *p) {
  for (int i = 0; i < p->nvalues; i++)
    gp->x[i] = strtod(p->values[i], NULL);
  gp->p.x = gp->x;
}

/* The titles and axes of the group's plot. */
static void label(group_plot *gp, const grid_param *p) {
  const grid *g = gp->in->g;
  char group[1024];
  grid_label(g, gp->base, 1, ", ", group, sizeof group);
  snprintf(gp->title, sizeof gp->title, "%s (%s)%s%s", rates[gp->rate].name,
           rates[gp->rate].means, g->nswept > 1 ? " at " : "", g->nswept > 1 ? group : "");
  if (g->nseeds > 1)
    snprintf(gp->ylabel, sizeof gp->ylabel, "%s: mean and 95%% CI over %d seeds",
             rates[gp->rate].name, g->nseeds);
  else
    snprintf(gp->ylabel, sizeof gp->ylabel, "%s: 1 seed, no CI", rates[gp->rate].name);
  gp->p.title = gp->title;
  gp->p.ylabel = gp->ylabel;
  gp->p.xlabel = p->key;
  gp->p.xnames = (const char *const *)p->values;
  gp->p.nx = (size_t)p->nvalues;
}

/* Makes the plot of rate k for the group of point base; -1: out of memory. */
static int make(group_plot *gp, const summary_in *in, int k, int base) {
  const grid_param *p = &in->g->params[in->g->swept[0]];
  size_t n = (size_t)in->t->nversions * (size_t)p->nvalues;
  *gp = (group_plot){.in = in, .rate = k, .base = base};
  gp->lines = calloc((size_t)in->t->nversions, sizeof *gp->lines);
  gp->y = calloc(n, sizeof *gp->y);
  gp->half = calloc(n, sizeof *gp->half);
  gp->x = p->numeric ? calloc((size_t)p->nvalues, sizeof *gp->x) : NULL;
  if (!gp->lines || !gp->y || !gp->half || (p->numeric && !gp->x)) return -1;
  label(gp, p);
  if (p->numeric) x_values(gp, p);
  gp->p.lines = gp->lines;
  for (int v = 0; v < in->t->nversions; v++)
    add_line(gp, in->t->versions[v]);
  return 0;
}

static void release(group_plot *gp) {
  free(gp->lines);
  free(gp->y);
  free(gp->half);
  free(gp->x);
}

static int svg(FILE *f, const void *ctx) {
  const group_plot *gp = ctx;
  return plot_svg(f, &gp->p);
}

/* Writes the plot of rate k for the group of point base. */
static int write_one(const summary_in *in, int k, int base, char *err, size_t len) {
  char name[1024];
  char path[2300];
  group_plot gp;
  grid_name(in->g, base, 1, '_', name, sizeof name);
  snprintf(path, sizeof path, "%s/plots/%s%s%s.svg", in->out_dir, rates[k].name,
           name[0] ? "_" : "", name);
  int rc = make(&gp, in, k, base);
  if (rc != 0) snprintf(err, len, "out of memory");
  if (rc == 0) rc = outfile_write(path, svg, &gp, err, len);
  release(&gp);
  return rc;
}

/* Removes the SVG files in dir, an earlier sweep's plots. */
static int clear(const char *dir, char *err, size_t len) {
  DIR *d = opendir(dir);
  if (!d) {
    snprintf(err, len, "cannot read %s: %s", dir, strerror(errno));
    return -1;
  }
  int rc = 0;
  for (struct dirent *e = readdir(d); e && rc == 0; e = readdir(d)) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 4, ".svg") != 0) continue;
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    rc = unlink(path);
    if (rc != 0) snprintf(err, len, "cannot remove %s: %s", path, strerror(errno));
  }
  closedir(d);
  return rc;
}

int plots_write(const summary_in *in, char *err, size_t len) {
  const grid *g = in->g;
  char dir[1100];
  snprintf(dir, sizeof dir, "%s/plots", in->out_dir);
  if (scenario_make_dirs(dir) != 0) {
    snprintf(err, len, "cannot make %s: %s", dir, strerror(errno));
    return -1;
  }
  if (clear(dir, err, len) != 0) return -1;
  if (g->nswept == 0) return 0;
  int groups = g->npoints / g->params[g->swept[0]].nvalues;
  for (int k = 0; k < RATES; k++)
    for (int base = 0; base < groups; base++)
      if (write_one(in, k, base, err, len) != 0) return -1;
  return 0;
}
