/*
** summary.h: a sweep's figures as files: DIR/sweep.md (a table: a row
** per point and version, a column per rate as mean +- half-width),
** DIR/sweep.json (schema natsim-sweep/1, docs/sweep.md: the same with
** each seed's values) and DIR/sweep.csv (the table's figures). Nothing
** in them depends on the time or on how many runs ran at once.
**
** Ownership: everything is the caller's.
*/
#ifndef NATSIM_SUMMARY_H
#define NATSIM_SUMMARY_H

#include <stddef.h>

#include "grid.h"
#include "table.h"

/* What the summary says about the sweep. */
typedef struct summary_in {
  const char *scenario;
  const char *out_dir;  /* DIR */
  const grid *g;
  const table *t;
  const int *status;    /* [point * nseeds + seed]: each run's exit status, 0 or 1 */
} summary_in;

/* Writes the three files. 0, or -1 with the reason in err naming the file
** that cannot be written. */
int summary_write(const summary_in *in, char *err, size_t len);

#endif
