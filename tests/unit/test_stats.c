/* Unit tests for results/stats.c's t quantiles and t intervals of a mean
** (the Wilson interval and the drop test are tested in test_report.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "stats.h"

/* The table against published values of t(0.975, df), and the normal beyond. */
static void t975_table(void **state) {
  (void)state;
  assert_float_equal(stats_t975(1), 12.7062, 1e-4);
  assert_float_equal(stats_t975(2), 4.3027, 1e-4);
  assert_float_equal(stats_t975(4), 2.7764, 1e-4);
  assert_float_equal(stats_t975(10), 2.2281, 1e-4);
  assert_float_equal(stats_t975(30), 2.0423, 1e-4);
  assert_float_equal(stats_t975(31), 1.95996, 1e-5);
  assert_float_equal(stats_t975(1000), 1.95996, 1e-5);
  assert_true(isnan(stats_t975(0)));
  assert_true(isnan(stats_t975(-3)));
}

/* stats_mean_ci of x[0..n-1] gives an interval with this mean and half-width. */
static void ci_is(const double *x, int n, double mean, double half) {
  double got_mean = -1;
  double got_half = -1;
  assert_int_equal(stats_mean_ci(x, n, &got_mean, &got_half), 0);
  assert_float_equal(got_mean, mean, 1e-12);
  assert_float_equal(got_half, half, 1e-6);
}

/* Three values: mean 0.85, s = 0.05, half = t(0.975, 2) * 0.05 / sqrt(3);
** 1..5: mean 3, s = sqrt(2.5), half = t(0.975, 4) * s / sqrt(5); equal
** values: an interval of width 0 (a real one, not "none"). */
static void ci_known_sets(void **state) {
  (void)state;
  const double three[] = {0.80, 0.85, 0.90};
  const double five[] = {1, 2, 3, 4, 5};
  const double equal[] = {0.5, 0.5};
  ci_is(three, 3, 0.85, 0.124207);
  ci_is(five, 5, 3, 1.963243);
  ci_is(equal, 2, 0.5, 0);
}

/* One value has a mean and no interval; none has neither. */
static void ci_of_one_or_none(void **state) {
  (void)state;
  const double x[] = {0.7};
  double mean = 0;
  double half = 0;
  assert_int_equal(stats_mean_ci(x, 1, &mean, &half), -1);
  assert_float_equal(mean, 0.7, 1e-12);
  assert_true(isnan(half));
  assert_int_equal(stats_mean_ci(x, 0, &mean, &half), -1);
  assert_true(isnan(mean));
  assert_true(isnan(half));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t975_table),
      cmocka_unit_test(ci_known_sets),
      cmocka_unit_test(ci_of_one_or_none),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
