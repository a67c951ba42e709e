/* Unit tests for reading results back and judging them: the JSON reader
** (results/jread.c), the typed results reader (run.c), the statistics
** (stats.c), reports (report.c) and the regression comparison (regress.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "regress.h"
#include "report.h"
#include "run.h"
#include "stats.h"
#include "text.h"

static jv *parse(const char *s) {
  char err[200];
  jv *v = jread_parse(s, strlen(s), err, sizeof err);
  if (!v) fail_msg("%s: %s", s, err);
  return v;
}

static void parse_fails(const char *s, const char *want) {
  char err[200] = "";
  jv *v = jread_parse(s, strlen(s), err, sizeof err);
  if (v || !strstr(err, want)) fail_msg("%s: wanted an error with \"%s\", got \"%s\"", s, want, err);
}

/* Reads results text; fails the test on an error. */
static void run_ok(const char *s, run_results *r) {
  char err[300];
  if (run_parse(s, strlen(s), "results.json", r, err, sizeof err) != 0) fail_msg("%s", err);
}

/* Reads results text that must be refused with exactly `want`. */
static void run_fails(const char *s, const char *want) {
  char err[300] = "";
  run_results r;
  int rc = run_parse(s, strlen(s), "results.json", &r, err, sizeof err);
  if (rc == 0 || strcmp(err, want) != 0) fail_msg("wanted \"%s\", got \"%s\"", want, err);
  assert_null(r.versions); /* nothing left behind */
  run_free(&r);
}

static void test_reader(void **state) {
  (void)state;
  jv *v = parse(" {\"a\": [1, -2.5e2, true, false, null], \"s\": \"x\\n\\u00e9\\ud83d\\ude00\", "
                "\"o\": {}} ");
  assert_int_equal(jlen(v), 3);
  assert_true(jnum(jat(jget(v, "a"), 1), 0) == -250);
  assert_true(jtrue(jat(jget(v, "a"), 2)));
  assert_false(jtrue(jat(jget(v, "a"), 3)));
  assert_int_equal(jat(jget(v, "a"), 4)->type, J_NULL);
  assert_string_equal(jstr(jget(v, "s"), ""), "x\n\xc3\xa9\xf0\x9f\x98\x80");
  assert_int_equal(jlen(jget(v, "o")), 0);
  assert_null(jget(v, "missing"));
  assert_null(jat(jget(v, "a"), 9));
  assert_true(jnum(jget(v, "s"), 7) == 7); /* wrong type: the default */
  jread_free(v);
}

static void test_reader_errors(void **state) {
  (void)state;
  parse_fails("", "line 1, column 1: unexpected end");
  parse_fails("{\"a\": 1,\n \"b\" 2}", "line 2, column 6: expected ':'");
  parse_fails("[1, 2", "expected ',' or ']'");
  parse_fails("[01]", "expected ',' or ']'");
  parse_fails("[1.]", "malformed number");
  parse_fails("\"abc", "unterminated string");
  parse_fails("\"a\\u0000\"", "bad escape");
  parse_fails("\"\\ud800x\"", "bad escape");
  parse_fails("\"a\tb\"", "control character");
  parse_fails("{} x", "text after the value");
  parse_fails("tru", "expected a value");
  parse_fails("1e999", "malformed number");
  char deep[200];
  memset(deep, '[', sizeof deep - 1);
  deep[sizeof deep - 1] = '\0';
  parse_fails(deep, "nested too deeply");
}

static void test_stats(void **state) {
  (void)state;
  double ci[2];
  stats_wilson(907, 1000, ci); /* the roadmap's v0.8 row */
  assert_true(fabs(ci[0] - 0.8877) < 5e-4 && fabs(ci[1] - 0.9233) < 5e-4);
  stats_wilson(0, 100, ci);
  assert_true(ci[0] == 0 && fabs(ci[1] - 0.0370) < 5e-4);
  stats_wilson(100, 100, ci);
  assert_true(ci[1] == 1);
  /* 90/100 -> 80/100: z = 1.98, one-sided p = 0.024 */
  assert_true(fabs(stats_drop_p(90, 100, 80, 100) - 0.0239) < 1e-3);
  assert_true(stats_drop_p(80, 100, 90, 100) > 0.9); /* a rise is no drop */
  assert_true(stats_drop_p(100, 100, 100, 100) == 1);
  assert_true(stats_drop_p(5, 0, 1, 10) == 1);
  assert_true(stats_drop_p(5, 4, 1, 10) == 1); /* more successes than trials */
  assert_true(stats_drop_p(3e9, 4e9, 2.9e9, 4e9) < 1e-6); /* counts past INT_MAX */
}

/* A results file with one version, as natsim run writes it (cut down). */
static char *results(const char *scenario, int direct, int attempts, double load, bool check_ok) {
  static const char fmt[] =
      "{\"schema\": \"natsim-run/1\", \"scenario\": \"%s\", \"seed\": 1, \"params\": {},"
      " \"events\": 10, \"checks\": [{\"name\": \"c\", \"ok\": %s, \"detail\": \"d<&>\"}],"
      " \"versions\": [{\"name\": \"v0.8\", \"attempts\": %d, \"connected\": %d, \"direct\": %d,"
      " \"relayed\": %d, \"failed\": 0, \"turn\": 0, \"missed_direct\": 0, \"data_errors\": 0,"
      " \"direct_rate\": %g, \"direct_rate_ci\": [0, 1], \"gateway_load\": %g,"
      " \"hops_mean\": 1.1, \"connect_ms\": {\"p50\": 60, \"p95\": 70},"
      " \"direct_ms\": {\"p50\": 170, \"p95\": 200}, \"events\": 5,"
      " \"targets\": [{\"metric\": \"direct_rate\", \"op\": \">=\", \"target\": 0.8,"
      " \"measured\": %g, \"ok\": %s, \"ci\": [0.7, 0.9], \"straddles\": true}],"
      " \"matrix\": [{\"a\": \"x\", \"b\": \"y\", \"attempts\": %d, \"direct\": %d, \"relayed\": %d,"
      " \"failed\": 0, \"missed_direct\": 0, \"turn\": 0}]}]}";
  char *s = malloc(4096);
  double rate = (double)direct / attempts;
  snprintf(s, 4096, fmt, scenario, check_ok ? "true" : "false", attempts, attempts, direct,
           attempts - direct, rate, load, rate, rate >= 0.8 ? "true" : "false", attempts, direct,
           attempts - direct);
  return s;
}

/* A file in memory: what is written to f, as text once closed. */
typedef struct memfile {
  char *text;
  size_t len;
  FILE *f;
} memfile;

static FILE *mem_open(memfile *m) {
  m->text = NULL;
  m->len = 0;
  m->f = open_memstream(&m->text, &m->len);
  assert_non_null(m->f);
  return m->f;
}

/* Closes m's file; its text is the caller's to free. */
static char *mem_close(memfile *m) {
  fclose(m->f);
  return m->text;
}

static char *capture(void (*fn)(const run_results *, FILE *), const run_results *r) {
  memfile m;
  fn(r, mem_open(&m));
  return mem_close(&m);
}

static void test_reports(void **state) {
  (void)state;
  char *s = results("scenarios/x.lua", 85, 100, 0.12, false);
  run_results r;
  run_ok(s, &r);
  char *md = capture(report_markdown, &r);
  char *html = capture(report_html, &r);
  char *xml = capture(report_junit, &r);
  assert_non_null(strstr(md, "| v0.8 | direct P2P | 85.0% | \\>= 80% | met (straddles) | [70.0%, 90.0%] |"));
  assert_non_null(strstr(md, "| c | **FAIL** | d\\<\\&\\> |"));
  assert_non_null(strstr(html, "id=\"chart-shares\""));
  assert_non_null(strstr(html, "id=\"chart-heatmap-v0.8\""));
  assert_non_null(strstr(html, "(straddles)"));
  assert_non_null(strstr(html, "d&lt;&amp;&gt;")); /* escaped */
  assert_null(strstr(html, "http")); /* self-contained: nothing to fetch */
  assert_non_null(strstr(xml, "tests=\"2\" failures=\"1\""));
  assert_non_null(strstr(xml, "<failure message=\"d&lt;&amp;&gt;\"/>"));
  free(md);
  free(html);
  free(xml);
  free(s);
  run_free(&r);
}

/* f's text after fn(f, s). */
static char *escaped(void (*fn)(FILE *, const char *), const char *s) {
  memfile m;
  fn(mem_open(&m), s);
  return mem_close(&m);
}

/* Strings from files as Markdown, XML and plain text: never markup or controls. */
static void test_escaping(void **state) {
  (void)state;
  char *md = escaped(report_md_escape, "<img src=x onerror=alert(1)>|`a`\n*b* _c_ full_cone #[d](e) \\&~!");
  assert_string_equal(md, "\\<img src=x onerror=alert(1)\\>\\|\\`a\\` \\*b\\* \\_c\\_ full_cone "
                          "\\#\\[d\\](e) \\\\\\&\\~\\!");
  free(md);
  char *xml = escaped(report_escape, "a<\"&>\x01\xff\xc3\xa9");
  assert_string_equal(xml, "a&lt;&quot;&amp;&gt;\xef\xbf\xbd\xc3\xa9");
  free(xml);
  char out[16];
  text_plain("a\x1b[2J\nb\xc2\x9b\xff\xc3\xa9", out, sizeof out);
  assert_string_equal(out, "a?[2J?b??\xc3\xa9");
  text_plain("abc\xc3\xa9", out, 5);
  assert_string_equal(out, "abc?"); /* cut short, never inside a character */
  char in_place[] = "x\ty";
  text_plain(in_place, in_place, sizeof in_place);
  assert_string_equal(in_place, "x?y");
}

/* What the typed reader keeps, and its errors: source, field, expected, got. */
static void test_run_reader(void **state) {
  (void)state;
  char *s = results("scenarios/x.lua", 85, 100, 0.12, false);
  run_results r;
  run_ok(s, &r);
  assert_string_equal(r.scenario, "scenarios/x.lua");
  assert_int_equal(r.nversions, 1);
  assert_int_equal(r.versions[0].attempts, 100);
  assert_int_equal(r.versions[0].ntargets, 1);
  assert_int_equal(r.versions[0].targets[0].metric, SCHEMA_METRIC_DIRECT_RATE);
  assert_true(r.versions[0].targets[0].has_ci);
  assert_int_equal(r.versions[0].ncells, 1);
  assert_string_equal(r.versions[0].matrix[0].b, "y");
  assert_int_equal(run_events(&r), 15);
  assert_false(r.checks[0].ok);
  run_free(&r);
  free(s);
  static const char head[] = "{\"schema\": \"natsim-run/1\", \"scenario\": \"x\", ";
  char text[400];
  snprintf(text, sizeof text, "%s\"versions\": [{\"name\": \"a\"}, {\"name\": \"b\"},"
           " {\"name\": \"c\", \"direct_rate\": \"x\"}]}", head);
  run_fails(text, "results.json: versions[2].direct_rate: expected a number from 0 to 1, got \"x\"");
  snprintf(text, sizeof text, "%s\"versions\": [{\"name\": \"a\", \"attempts\": 2.5}]}", head);
  run_fails(text, "results.json: versions[0].attempts: expected a non-negative integer, got 2.5");
  snprintf(text, sizeof text, "%s\"versions\": [{\"name\": \"a\", \"targets\": [{\"metric\":"
           " \"speed\"}]}]}", head);
  run_fails(text, "results.json: versions[0].targets[0].metric: expected direct_rate, "
                  "gateway_load, hops_mean or reliability, got \"speed\"");
  snprintf(text, sizeof text, "%s\"versions\": [{\"name\": \"a\", \"connect_ms\": {\"p95\": -1}}]}",
           head);
  run_fails(text, "results.json: versions[0].connect_ms.p95: expected a non-negative number, got -1");
  snprintf(text, sizeof text, "%s\"versions\": [{\"name\": \"a\", \"connect_hist\": "
           "{\"edges_ms\": [0, 25], \"counts\": [1]}}]}", head);
  run_fails(text, "results.json: versions[0].connect_hist.counts: expected as many counts as "
                  "edges, got a list");
  snprintf(text, sizeof text, "%s\"versions\": [{\"name\": \"a\", \"targets\": 10}]}", head);
  run_fails(text, "results.json: versions[0].targets: expected a list, got 10"); /* freed garbage */
  snprintf(text, sizeof text, "%s\"versions\": [7]}", head);
  run_fails(text, "results.json: versions[0]: expected an object, got 7");
  snprintf(text, sizeof text, "%s\"checks\": [{\"ok\": true}], \"versions\": []}", head);
  run_fails(text, "results.json: checks[0].name: expected a string, got nothing");
  snprintf(text, sizeof text, "%s\"params\": {\"pairs\": 200}, \"versions\": []}", head);
  run_fails(text, "results.json: params.pairs: expected a string, got 200");
  run_fails("{\"schema\": \"natsim-run/1\", \"scenario\": \"x\"}",
            "results.json: versions: expected a list, got nothing");
  run_fails("{\"schema\": \"natsim-results/1\", \"scenario\": \"x\", \"versions\": []}",
            "results.json: schema \"natsim-results/1\" is not natsim-run/1 (reports/README.md)");
  run_fails("[1]", "results.json: not a results file: expected a JSON object");
  run_fails("{\"schema\": \"\\u001b[2J\", \"scenario\": \"x\", \"versions\": []}",
            "results.json: schema \"?[2J\" is not natsim-run/1 (reports/README.md)");
  /* A matrix longer than a cell per pair of classes: refused before readers pair cells up. */
  size_t cap = SCHEMA_MAX_CELLS * 4 + 200;
  char *big = malloc(cap);
  assert_non_null(big);
  size_t k = (size_t)snprintf(big, cap, "%s\"versions\": [{\"name\": \"a\", \"matrix\": [", head);
  for (int i = 0; i <= SCHEMA_MAX_CELLS; i++)
    k += (size_t)snprintf(big + k, cap - k, "%s1", i ? "," : "");
  snprintf(big + k, cap - k, "]}]}");
  run_fails(big, "results.json: versions[0].matrix: expected a list of at most 136 cells, got a list");
  free(big);
  run_fails("{\"a\": }", "results.json: line 1, column 7: expected a value");
}

static int compare(const char *base, const char *now, double tolerance) {
  run_results b;
  run_results n;
  run_ok(base, &b);
  run_ok(now, &n);
  regress_opts o = {.level = 0.05, .tolerance = tolerance};
  FILE *devnull = fopen("/dev/null", "w");
  int k = regress_compare(&b, &n, &o, devnull, NULL);
  fclose(devnull);
  run_free(&b);
  run_free(&n);
  return k;
}

static void test_regress(void **state) {
  (void)state;
  char *base = results("scenarios/x.lua", 90, 1000, 0.10, true);
  char *same = results("other/x.lua", 90, 1000, 0.10, true);
  char *noise = results("x.lua", 87, 1000, 0.105, true);     /* not significant, within 10% */
  char *drop = results("x.lua", 80, 1000, 0.10, true);       /* 9% -> 8%: p = 0.22 */
  char *big = results("x.lua", 700, 1000, 0.10, true);       /* 90/1000 -> 700/1000 is a rise */
  char *load = results("x.lua", 90, 1000, 0.12, true);       /* +20% load */
  char *check = results("x.lua", 90, 1000, 0.10, false);
  assert_int_equal(compare(base, same, 0.1), 0);
  assert_int_equal(compare(base, noise, 0.1), 0);
  assert_int_equal(compare(base, drop, 0.1), 0);
  assert_int_equal(compare(base, big, 0.1), 0);
  assert_true(compare(big, base, 0.1) >= 2); /* the direct rate and the pair's rate */
  assert_int_equal(compare(base, load, 0.1), 1);
  assert_int_equal(compare(base, load, 0.5), 0);
  assert_int_equal(compare(base, check, 0.1), 1);
  char err[300];
  run_results b;
  run_ok(base, &b);
  assert_int_equal(regress_comparable(&b, "elsewhere/x.lua", NULL, err, sizeof err), 0);
  assert_int_equal(regress_comparable(&b, "scenarios/y.lua", NULL, err, sizeof err), -1);
  assert_non_null(strstr(err, "from scenario scenarios/x.lua, not scenarios/y.lua"));
  run_free(&b);
  free(base);
  free(same);
  free(noise);
  free(drop);
  free(big);
  free(load);
  free(check);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reader),
      cmocka_unit_test(test_reader_errors),
      cmocka_unit_test(test_stats),
      cmocka_unit_test(test_reports),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_run_reader),
      cmocka_unit_test(test_regress),
  };
  return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
