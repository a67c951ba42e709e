/*
** sweep.h: `natsim sweep`: a scenario run at every point of a grid of
** parameters with every seed (runner.h), then the rates of the runs'
** results aggregated over the seeds (table.h) into DIR/sweep.md,
** DIR/sweep.json, DIR/sweep.csv (summary.h) and DIR/plots/ (plots.h).
** docs/sweep.md describes the whole.
**
** Ownership: everything is the caller's.
*/
#ifndef NATSIM_SWEEP_H
#define NATSIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "grid.h"

typedef struct sweep_opts {
  const char *scenario;
  const char *out_dir;    /* DIR */
  long jobs;              /* runs at a time; 0: one per core */
  long max_instructions;  /* each run's; 0: its default */
  bool quiet;             /* no line on stderr as each run ends */
} sweep_opts;

/* What a sweep that ran to its end found. */
enum { SWEEP_OK = 0, SWEEP_CHECK_FAILED = 1 };

/* Runs the sweep of g. SWEEP_OK, SWEEP_CHECK_FAILED when some run had a
** check fail (the outputs are written all the same), or -1 with the
** reason in err: DIR cannot be made, a run failed (runner_run), a
** results file cannot be read back (table_build), an output cannot be
** written. */
int sweep_run(const grid *g, const sweep_opts *o, char *err, size_t len);

#endif
