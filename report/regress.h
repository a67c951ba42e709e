/*
** regress.h: release regression testing: one run's results against a
** stored baseline (both natsim-run/1 results files).
**
** Per version found in both: a rate regresses when its drop is
** statistically significant (one-sided two-proportion z-test at `level`):
** the direct rate, the connected rate, and each NAT pair's direct rate.
** Missed direct connections regress when their rate rises significantly
** (the same test on the attempts without one); data errors when their rate
** grows at all. Other metrics, where more is worse (gateway load,
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
** with a run of `scenario`: the scenario's file name, directories aside,
** and, when both are known, the SHA-256 of its text (sha256: hex, or NULL).
** 0, or -1 with why in err. */
int regress_comparable(const run_results *baseline, const char *scenario, const char *sha256,
                       char *err, size_t len);
/* Whether the run's population is the baseline's: every entry's name,
** weight, model file names and behaviours, in order. 0 (also when either
** records no configuration), or -1 with the first difference in err. */
int regress_same_population(const run_results *baseline, const run_results *now, char *err,
                            size_t len);
/* Whether the run and the baseline have a version in common: 0, or -1
** with both lists of versions in err. */
int regress_shared(const run_results *baseline, const run_results *now, char *err, size_t len);
/* Prints the comparison table to f and, when junit is not NULL, a JUnit
** document there with a test case per row (failing for a regression).
** Returns the number of regressions, or -1 when no temporary file could be
** made for the JUnit cases (nothing written). Borrows both results. */
int regress_compare(const run_results *baseline, const run_results *now, const regress_opts *o,
                    FILE *f, FILE *junit);

#endif
