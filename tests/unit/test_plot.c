/* Unit tests for report/plot.c: SVG line charts with error bars. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

/* The SVG of p as a string (the caller frees); fails the test unless
** plot_svg returns want. */
static char *svg_of(const plot *p, int want) {
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  assert_non_null(f);
  assert_int_equal(plot_svg(f, p), want);
  fclose(f);
  return text;
}

static size_t count(const char *s, const char *what) {
  size_t n = 0;
  for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
    n++;
  return n;
}

/* Names are escaped; a missing point and a missing bar are left out. */
static void categorical(void **state) {
  (void)state;
  const char *names[] = {"a<b", "c&d", "e"};
  const double y[] = {0.5, NAN, 0.25};
  const double half[] = {0.1, NAN, NAN};
  const plot_line line = {"v\"1", y, half};
  const plot p = {"t<", "x>", "y&", 3, names, NULL, &line, 1};
  char *s = svg_of(&p, 0);
  assert_non_null(strstr(s, "<?xml version=\"1.0\""));
  assert_non_null(strstr(s, ">a&lt;b</text>"));
  assert_non_null(strstr(s, ">c&amp;d</text>"));
  assert_non_null(strstr(s, ">v&quot;1</text>"));
  assert_non_null(strstr(s, "<title>t&lt;</title>"));
  assert_null(strstr(s, "a<b"));
  assert_null(strstr(s, "nan"));
  assert_int_equal(count(s, "<circle"), 2); /* the NAN point is not drawn */
  assert_int_equal(count(s, " L"), 3);      /* one bar: 3 strokes; the line broken: none */
  assert_non_null(strstr(s, "</svg>\n"));
  free(s);
}

/* A numeric axis: ticks at round values, 0 to 0.05 by 0.01; y from 0 to 1. */
static void numeric(void **state) {
  (void)state;
  const char *names[] = {"0", "0.01", "0.05"};
  const double x[] = {0, 0.01, 0.05};
  const double y[] = {0.9, 0.8, 0.6};
  const double half[] = {0.05, 0.05, 0.1};
  const plot_line lines[] = {{"v0.8", y, half}, {"v0.9", y, half}};
  const plot p = {"t", "loss", "direct", 3, names, x, lines, 2};
  char *s = svg_of(&p, 0);
  assert_non_null(strstr(s, ">0.03</text>"));
  assert_non_null(strstr(s, ">0.05</text>"));
  assert_non_null(strstr(s, ">1.0</text>"));
  assert_non_null(strstr(s, ">0.0</text>"));
  assert_null(strstr(s, ">-0"));
  assert_int_equal(count(s, "<circle"), 6);
  free(s);
}

/* Numeric values out of order: the line goes from left to right. */
static void unordered(void **state) {
  (void)state;
  const char *names[] = {"0.05", "0", "0.01"};
  const double x[] = {0.05, 0, 0.01};
  const double y[] = {0.6, 0.9, 0.8};
  const double half[] = {NAN, NAN, NAN};
  const plot_line line = {"v", y, half};
  const plot p = {"t", "loss", "direct", 3, names, x, &line, 1};
  char *s = svg_of(&p, 0);
  char *d = strstr(s, " d=\"M");
  assert_non_null(d);
  double x0 = 0;
  double y0 = 0;
  double x1 = 0;
  double y1 = 0;
  double x2 = 0;
  double y2 = 0;
  assert_int_equal(sscanf(d, " d=\"M%lf %lf L%lf %lf L%lf %lf", &x0, &y0, &x1, &y1, &x2, &y2), 6);
  assert_true(x0 < x1);
  assert_true(x1 < x2);
  assert_true(y0 < y1); /* 0.9 above 0.8 above 0.6: smaller pixel y */
  assert_true(y1 < y2);
  free(s);
}

/* Every value 0: an axis from 0 to 1, not a degenerate one. */
static void all_zero(void **state) {
  (void)state;
  const char *names[] = {"only"};
  const double y[] = {0};
  const double half[] = {0};
  const plot_line line = {"v", y, half};
  const plot p = {"t", "x", "y", 1, names, NULL, &line, 1};
  char *s = svg_of(&p, 0);
  assert_null(strstr(s, "nan"));
  assert_null(strstr(s, "inf"));
  assert_non_null(strstr(s, ">1.0</text>"));
  free(s);
}

static void no_values(void **state) {
  (void)state;
  const plot p = {"t", "x", "y", 0, NULL, NULL, NULL, 0};
  char *s = svg_of(&p, -1);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(categorical),
      cmocka_unit_test(numeric),
      cmocka_unit_test(unordered),
      cmocka_unit_test(all_zero),
      cmocka_unit_test(no_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
