/*
** rates.h: the rates a sweep aggregates, each read from one version of a
** results file (reports/README.md): shares of its attempts, and its
** gateway load as the file has it.
*/
#ifndef NATSIM_RATES_H
#define NATSIM_RATES_H

#include "run.h"

#define RATES 8

typedef struct rate_def {
  const char *name;  /* a column, a file name: letters and '_' */
  const char *means; /* in words, for tables */
  double (*of)(const run_version *v); /* v->attempts > 0 */
} rate_def;

/* The rates, in the order every output lists them. */
extern const rate_def rates[RATES];

#endif
