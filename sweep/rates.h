/*
** rates.h: the rates a sweep aggregates, each read from one version of a
** results file (reports/README.md): shares of its attempts, and its
** gateway load as the file has it.
*/
#ifndef NATSIM_RATES_H
#define NATSIM_RATES_H

#include <stddef.h>

#include "run.h"

#define RATES 8

typedef struct rate_def {
  const char *name;  /* a column, a file name: letters and '_' */
  const char *means; /* in words, for tables */
  size_t count;      /* offsetof the int64_t count in run_version it divides by
                        attempts; RATE_GATEWAY_LOAD: the gateway load itself */
} rate_def;

#define RATE_GATEWAY_LOAD ((size_t)-1)

/* The rates, in the order every output lists them. */
extern const rate_def rates[RATES];

/* Rate r of version v (v->attempts > 0). */
double rate_of(const rate_def *r, const run_version *v);

#endif
