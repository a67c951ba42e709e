/*
** stats.h: the statistics behind reported rates and regressions.
*/
#ifndef NATSIM_STATS_H
#define NATSIM_STATS_H

/* The 95% Wilson score interval of x successes in n trials ([0, 0] for
** n = 0). */
void stats_wilson(int x, int n, double ci[2]);
/* One-sided two-proportion z-test: the p-value for "the rate x2/n2 is
** lower than x1/n1" (pooled standard error). Counts are whole numbers as
** doubles (a results file's counts reach 2^53). 1 when either n is 0, a
** count lies outside 0..n, or the rates cannot differ (both 0 or both 1). */
double stats_drop_p(double x1, double n1, double x2, double n2);

#endif
