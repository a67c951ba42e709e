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

/* t(0.975, df): the two-sided 95% quantile of Student's t distribution
** with df degrees of freedom, from a table for df 1 to 30 (six decimals)
** and the normal's 1.959964 beyond (t(0.975, 31) is 2.040: above 30
** degrees of freedom the interval is up to 4% narrow). NAN for df < 1. */
double stats_t975(int df);
/* The mean of x[0..n-1] into *mean and the half-width of its 95% Student t
** confidence interval, t(0.975, n - 1) * s / sqrt(n) with s the sample
** standard deviation, into *half. 0; -1 when n < 2 (one value has no
** interval: *half is NAN, *mean the value, or NAN for n < 1). */
int stats_mean_ci(const double *x, int n, double *mean, double *half);

#endif
