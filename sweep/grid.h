/*
** grid.h: a sweep's grid. Parameters come as `--set KEY=V1,V2,...`: one
** with more than one value is swept, one with a single value is fixed
** (`--fix KEY=VALUE` keeps commas inside one value, for list parameters).
** Seeds come as `--seeds 1-5,7`. The points are every combination of the
** swept parameters' values, the first parameter given outermost; each
** point runs once per seed.
**
** Errors are 0 or -1 with the reason in the caller's buffer, naming the
** option and what was expected and got:
**   --set 'loss': expected KEY=VALUE or KEY=V1,V2,..., got 'loss'
**   --seeds: expected N, A-B with A <= B, or a comma-separated list of them, got '5-1'
**
** Ownership: a grid is the caller's (zeroed first), its strings copies,
** released with grid_free.
*/
#ifndef NATSIM_GRID_H
#define NATSIM_GRID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRID_MAX_PARAMS 64     /* --set and --fix options */
#define GRID_MAX_RUNS 100000   /* points times seeds */
#define GRID_MAX_SEEDS 1000

typedef struct grid_param {
  char *key;
  char **values;
  int nvalues;   /* 1: fixed */
  bool numeric;  /* every value is a finite decimal number */
} grid_param;

typedef struct grid {
  grid_param params[GRID_MAX_PARAMS]; /* in the order given */
  int nparams;
  int swept[GRID_MAX_PARAMS];         /* indices of the swept ones, in order */
  int nswept;
  uint64_t *seeds;                    /* in the order given */
  int nseeds;
  int npoints;                        /* 1 when nothing is swept */
} grid;

/* Adds `KEY=V1,V2,...` (--set: split at commas) or, whole, `KEY=VALUE`
** (--fix). -1 when the text has no '=', an empty key, an empty value or
** list item, a key given before, a value given twice, more than
** GRID_MAX_PARAMS parameters or more than GRID_MAX_RUNS points, or
** memory runs out. */
int grid_add_param(grid *g, const char *text, bool split, char *err, size_t len);
/* Sets the seeds from `N`, `A-B` (A <= B) and lists of them: decimal
** integers from 0 to 2^63 - 1. -1 when the text is not that, a seed is
** given twice, more than GRID_MAX_SEEDS seeds, or the runs would pass
** GRID_MAX_RUNS. */
int grid_set_seeds(grid *g, const char *text, char *err, size_t len);

/* The index in params[k]'s values at point `point` (0 for a fixed one). */
int grid_value(const grid *g, int point, int k);
/* The point whose swept values are those of `point` except swept
** parameter s, which has value index v. */
int grid_with(const grid *g, int point, int s, int v);
/* Point `point` as text into out: "KEY=VALUE" of each swept parameter
** from the from-th on, joined by `sep`; "-" when none is. */
void grid_label(const grid *g, int point, int from, const char *sep, char *out, size_t len);
/* Point `point` as a name for files and folders: "KEY=VALUE" of each
** swept parameter from the from-th on, joined by sep, bytes other than
** letters, digits and ._+=,- as %XX (and a leading '.'), so that each
** point has a name of its own; "" when none is swept from there on.
** Returns the name's length: when it is len or more, out holds only what
** fitted (NUL-terminated), and the name must not be used. */
size_t grid_name(const grid *g, int point, int from, char sep, char *out, size_t len);

void grid_free(grid *g);

#endif
