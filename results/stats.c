/* stats.c: Wilson intervals, the two-proportion test, t intervals of a mean. */
#include "stats.h"

#include <math.h>
#include <stdbool.h>

void stats_wilson(int x, int n, double ci[2]) {
  if (n <= 0) {
    ci[0] = ci[1] = 0;
    return;
  }
  double z = 1.959963984540054, p = (double)x / n, z2 = z * z / n;
  double centre = (p + z2 / 2) / (1 + z2);
  double half = z * sqrt(p * (1 - p) / n + z2 / (4.0 * n)) / (1 + z2);
  ci[0] = x == 0 || centre - half < 0 ? 0 : centre - half; /* exact at the ends */
  ci[1] = x == n || centre + half > 1 ? 1 : centre + half;
}

/* Whether 0 <= x <= n, n > 0. */
static bool in_trials(double x, double n) {
  return n > 0 && x >= 0 && x <= n;
}

double stats_drop_p(double x1, double n1, double x2, double n2) {
  if (!in_trials(x1, n1) || !in_trials(x2, n2)) return 1;
  double p1 = x1 / n1;
  double p2 = x2 / n2;
  double p = (x1 + x2) / (n1 + n2);
  double se = sqrt(p * (1 - p) * (1.0 / n1 + 1.0 / n2));
  if (se == 0) return 1;
  double z = (p1 - p2) / se;   /* large when the rate fell */
  return 0.5 * erfc(z / sqrt(2)); /* P(Z >= z) */
}

/* t(0.975, df) for df 1 to 30. */
static const double t975[30] = {
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157,  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816,  2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
};

double stats_t975(int df) {
  if (df < 1) return NAN;
  if (df <= 30) return t975[df - 1];
  return 1.959963984540054;
}

int stats_mean_ci(const double *x, int n, double *mean, double *half) {
  double sum = 0;
  for (int i = 0; i < n; i++)
    sum += x[i];
  *mean = n > 0 ? sum / n : NAN;
  *half = NAN;
  if (n < 2) return -1;
  double ss = 0;
  for (int i = 0; i < n; i++)
    ss += (x[i] - *mean) * (x[i] - *mean);
  double sd = sqrt(ss / (n - 1));
  *half = stats_t975(n - 1) * sd / sqrt(n);
  return 0;
}
