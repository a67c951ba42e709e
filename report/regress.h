/*
** regress.h: release regression testing: one run's results against a
** stored baseline (both natsim-run/1 results files).
**
** Per version found in both: a rate regresses when its drop is
** statistically significant (one-sided two-proportion z-test at `level`):
** the direct rate, the connected rate, and each NAT pair's direct rate.
** Error counts (missed direct connections, data errors) regress when
** their rate grows. Other metrics, where more is worse (gateway load,
** hops, p95 times to connect, to the direct path and to ICE nomination),
** regress beyond `tolerance` (relative). A target met in the baseline and
** missed now, or a check that passed and now fails, regresses too.
*/
#ifndef NATSIM_REGRESS_H
#define NATSIM_REGRESS_H

#include <stdio.h>

#include "run.h"

typedef struct regress_opts {
  double level;     /* significance level for rates (default 0.05) */
  double tolerance; /* relative slack for other metrics (default 0.10) */
} regress_opts;

/* Whether a baseline (read and checked by run_read_file) can be compared
** with a run of `scenario`: the scenario's file name, directories aside.
** 0, or -1 with why in err. */
int regress_comparable(const run_results *baseline, const char *scenario, char *err, size_t len);
/* Prints the comparison table to f; returns the number of regressions.
** Borrows both results. */
int regress_compare(const run_results *baseline, const run_results *now, const regress_opts *o,
                    FILE *f);

#endif
