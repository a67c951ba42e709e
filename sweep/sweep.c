/* sweep.c: natsim sweep: the runs, their figures, the outputs. */
#include "sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plots.h"
#include "runner.h"
#include "scenario.h"
#include "summary.h"
#include "table.h"

/* Runs at a time: as asked, else one per core. */
static long jobs_of(const sweep_opts *o) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (o->jobs > 0) return o->jobs;
  return cores > 0 ? cores : 1;
}

/* Whether any run had a check fail. */
static bool any_failed(const int *status, int n) {
  for (int i = 0; i < n; i++)
    if (status[i]) return true;
  return false;
}

/* Reads the runs back and writes the outputs. */
static int aggregate(const grid *g, const sweep_opts *o, const int *status, char *err,
                     size_t len) {
  table t = {0};
  int rc = table_build(g, o->out_dir, &t, err, len);
  summary_in in = {o->scenario, o->out_dir, g, &t, status};
  if (rc == 0) rc = summary_write(&in, err, len);
  if (rc == 0) rc = plots_write(&in, err, len);
  table_free(&t);
  return rc;
}

int sweep_run(const grid *g, const sweep_opts *o, char *err, size_t len) {
  int total = g->npoints * g->nseeds;
  if (scenario_make_dirs(o->out_dir) != 0) {
    snprintf(err, len, "cannot make %s: %s", o->out_dir, strerror(errno));
    return -1;
  }
  int *status = calloc((size_t)total, sizeof *status);
  if (!status) {
    snprintf(err, len, "out of memory");
    return -1;
  }
  runner_opts ro = {o->scenario, o->out_dir, jobs_of(o), o->max_instructions, o->quiet};
  int rc = runner_run(g, &ro, status, err, len);
  if (rc == 0) rc = aggregate(g, o, status, err, len);
  if (rc == 0) rc = any_failed(status, total) ? SWEEP_CHECK_FAILED : SWEEP_OK;
  free(status);
  return rc;
}
