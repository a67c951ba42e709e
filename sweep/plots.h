/*
** plots.h: a sweep's plots, DIR/plots/RATE.svg: each rate (rates.h)
** against the first swept parameter (a numeric axis when its values are
** all numbers, a categorical one otherwise), a line per version, each
** point the mean over seeds with its 95% interval as an error bar (none
** with one seed). With more swept parameters, a plot per combination of
** the others' values: DIR/plots/RATE_KEY=VALUE[_KEY=VALUE...].svg (named
** as grid_name). Nothing when nothing is swept.
**
** Ownership: everything is the caller's.
*/
#ifndef NATSIM_PLOTS_H
#define NATSIM_PLOTS_H

#include <stddef.h>

#include "summary.h"

/* Writes the plots; DIR/plots is made when missing, and the SVG files an
** earlier sweep left there are removed. 0, or -1 with the reason in err
** naming the folder or file. */
int plots_write(const summary_in *in, char *err, size_t len);

#endif
