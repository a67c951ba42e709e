/*
** table.h: a sweep's figures. For each point of the grid and each version
** its runs have (in the order of the first seed's results.json), every
** rate (rates.h) of every seed's run, and their mean and the half-width
** of their 95% Student t interval over the seeds (stats_mean_ci; none,
** NAN, with one seed).
**
** Ownership: a table is the caller's (zeroed first), released with
** table_free.
*/
#ifndef NATSIM_TABLE_H
#define NATSIM_TABLE_H

#include <stddef.h>

#include "grid.h"
#include "rates.h"

typedef struct table_row {
  int point;
  char *version;
  double *values;      /* [seed * RATES + rate], seeds in grid order */
  double mean[RATES];
  double half[RATES];  /* NAN: no interval (one seed) */
} table_row;

typedef struct table {
  table_row *rows;     /* point by point, versions in their order */
  int nrows;
  char **versions;     /* every version, in order of first appearance */
  int nversions;
} table;

/* Reads every run's results.json (runner_dir) into t. 0, or -1 with the
** reason in err naming the file: unreadable or not a results file (as
** run_read_file says), no version, a version with no attempts, or other
** versions than the point's first seed's. */
int table_build(const grid *g, const char *out_dir, table *t, char *err, size_t len);
/* The row of point `point` and version `version`, or NULL. */
const table_row *table_find(const table *t, int point, const char *version);
void table_free(table *t);

#endif
