/*
** runner.h: a sweep's runs. Each point of the grid with each seed is one
** `natsim run` of the scenario (scenario_run: its --set values, its
** --seed, --jobs 1, --quiet) in a process of its own, forked, up to
** `jobs` at a time. A run writes its results, reports and what it printed
** into its own folder: DIR/runs/POINT/seed-N/ with results.json,
** report.md, report.html, stdout.txt and stderr.txt (POINT: grid_name joined by '/', "all" when
** nothing is swept).
**
** Ownership: everything is the caller's. The runner waits for any child
** (waitpid -1): the caller has no other children running.
*/
#ifndef NATSIM_RUNNER_H
#define NATSIM_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "grid.h"

typedef struct runner_opts {
  const char *scenario;
  const char *out_dir;    /* DIR */
  long jobs;              /* runs at a time, at least 1 */
  long max_instructions;  /* each run's --max-instructions; 0: its default */
  bool quiet;             /* no line on stderr as each run ends */
} runner_opts;

#define RUNNER_PATH 1200 /* room for runner_dir's folder */

/* The folder of the run of point `point` with the seed-th seed, into out.
** 0; -1 when it does not fit in len bytes (out then holds a cut name that
** must not be used: two points could share it). */
int runner_dir(const grid *g, const char *out_dir, int point, int seed, char *out, size_t len);

/* Runs every point of g with every seed; status[point * g->nseeds + seed]
** gets the run's exit status: 0 (every check passed) or 1 (a check
** failed: it still counts). 0, or -1 with the reason in err: a folder that
** cannot be made or whose name is longer than RUNNER_PATH, a process
** that cannot start, or a run that ended
** otherwise (exit 2, a signal), named by its point and seed, with the
** last lines of its stderr. After a failed run no new one starts; the
** ones running are waited for. */
int runner_run(const grid *g, const runner_opts *o, int *status, char *err, size_t len);

#endif
