/* stats.c: Wilson intervals and the two-proportion test. */
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
