/*
** plot.h: line charts as standalone SVG documents: values against x, one
** line per series, each point with an optional error bar, axes with
** ticks and labels, a title and a legend.
**
** The x axis is numeric (x given: points at their values, ticks at round
** numbers, lines drawn from left to right whatever the values' order) or
** categorical (x NULL: the names evenly spaced, each a tick).
** The y axis spans every point and error bar and 0, out to round ticks.
** Every string goes out through report_escape, so names from files
** cannot put markup into the document; numbers are printed with fixed
** decimals, so the same plot gives the same bytes.
**
** Ownership: a plot and everything it points to is the caller's, only
** read while plot_svg runs.
*/
#ifndef NATSIM_PLOT_H
#define NATSIM_PLOT_H

#include <stddef.h>
#include <stdio.h>

/* One line of the chart. */
typedef struct plot_line {
  const char *name;   /* in the legend */
  const double *y;    /* nx values; NAN: no point at that x */
  const double *half; /* nx error bar half-widths; NAN: no bar there */
} plot_line;

typedef struct plot {
  const char *title;
  const char *xlabel;
  const char *ylabel;
  size_t nx;                 /* at least 1 */
  const char *const *xnames; /* nx tick names (categorical axis) */
  const double *x;           /* nx finite values, or NULL: categorical */
  const plot_line *lines;
  size_t nlines;
} plot;

/* Writes p to f as an SVG document. 0; -1 when p has no x value, memory
** runs out or f reports a write error. */
int plot_svg(FILE *f, const plot *p);

#endif
