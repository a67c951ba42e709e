/* libFuzzer target: the whole read path of `natsim report` and `regress`
** on arbitrary bytes: parse and validate (run.c), then report.md,
** report.html, JUnit XML and regress's comparison with a fixed valid
** baseline, the input as the run and as the baseline. Never a crash, a
** leak or undefined behaviour, and every output keeps its shape: no
** markup from the file in the HTML or XML (every tag and attribute one the
** writers use), none in the Markdown (every '<' and '|' from the file
** escaped, each table's rows with the same number of cells), no control
** characters in the Markdown, the regress table or the reader's errors. A broken property
** aborts, which libFuzzer reports as a crash. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress.h"
#include "report.h"
#include "run.h"

#ifndef NATSIM_SOURCE_DIR
#error NATSIM_SOURCE_DIR names the source tree (the baseline's folder)
#endif
#define BASELINE NATSIM_SOURCE_DIR "/tests/fuzz/corpus/fuzz_report/small_run.json"

/* Stops the run when a property does not hold: libFuzzer keeps the input. */
static void require(int ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "fuzz_report: %s\n", what);
  abort();
}

/* The words a writer may use as a tag or an attribute name. */
static const char *const tags[] = {
    "!DOCTYPE", "?xml", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3",
    "p", "span", "table", "tr", "th", "td", "svg", "rect", "line", "text", "script",
    "testsuites", "testsuite", "testcase", "failure", NULL};
static const char *const attributes[] = {
    "lang", "charset", "class", "id", "width", "height", "x", "y", "x1", "x2", "y1", "y2",
    "fill", "stroke", "stroke-width", "stroke-dasharray", "text-anchor", "transform",
    "version", "encoding", "name", "tests", "failures", "errors", "classname", "message",
    NULL};

static int known(const char *const *list, const char *s, size_t n) {
  for (size_t i = 0; list[i]; i++)
    if (strlen(list[i]) == n && !strncmp(list[i], s, n)) return 1;
  return 0;
}

static size_t word(const char *s) {
  size_t n = 0;
  while (s[n] && (s[n] == '-' || s[n] == '!' || s[n] == '?' || (s[n] >= 'a' && s[n] <= 'z') ||
                  (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')))
    n++;
  return n;
}

/* Checks the tag at s ('<'): a known name, known attributes with quoted
** values. Returns where it ends. */
static const char *tag(const char *s) {
  s++;
  if (*s == '/') s++;
  size_t n = word(s);
  require(known(tags, s, n), "a tag the writers do not use");
  s += n;
  for (;;) {
    while (*s == ' ' || *s == '\n') s++;
    if (*s == '>') return s + 1;
    if ((*s == '/' || *s == '?') && s[1] == '>') return s + 2;
    if (!strncmp(s, "html>", 5)) return s + 5; /* <!DOCTYPE html> */
    n = word(s);
    require(known(attributes, s, n), "an attribute the writers do not use");
    s += n;
    require(s[0] == '=' && s[1] == '"', "an attribute without a quoted value");
    s = strchr(s + 2, '"');
    require(s != NULL, "an unterminated attribute");
    s++;
  }
}

/* HTML or XML: every tag one the writers use. The script and the style
** are the writers' own text. */
static void check_markup(const char *s) {
  while ((s = strchr(s, '<')) != NULL) {
    const char *end = tag(s);
    if (!strncmp(s, "<script>", 8) || !strncmp(s, "<style>", 7)) {
      end = strstr(end, "</");
      require(end != NULL, "a script or style without its end");
    }
    s = end;
  }
}

/* The '|' cells of a Markdown table row: those behind a backslash are text. */
static size_t cells(const char *line, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) n++;
  return n;
}

static void check_markdown(const char *s) {
  size_t columns = 0;
  for (const char *p = s; *p; p++) {
    require(*p == '\n' || (unsigned char)*p >= 0x20, "a control character in report.md");
    require(*p != '<' || (p > s && p[-1] == '\\'), "a '<' not escaped in report.md");
  }
  while (*s) {
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    size_t n = s[0] == '|' ? cells(s, len) : 0;
    require(!n || !columns || n == columns, "a Markdown row with more or fewer cells");
    columns = n;
    s += len + (nl != NULL);
  }
}

/* regress's table and the readers' errors: no control characters. */
static void check_plain(const char *s) {
  for (; *s; s++)
    require(*s == '\n' || (unsigned char)*s >= 0x20, "a control character in plain text");
}

typedef void (*writer)(const run_results *, FILE *);

/* Runs fn on r into memory; the text is the caller's to free. */
static char *capture(writer fn, const run_results *r) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  require(f != NULL, "open_memstream");
  fn(r, f);
  fclose(f);
  return text;
}

/* regress: b as the baseline, n as the run; the table and the JUnit XML. */
static void compare(const run_results *b, const run_results *n) {
  char err[512];
  regress_opts o = {0.05, 0.1};
  char *table = NULL;
  char *xml = NULL;
  size_t tlen = 0;
  size_t xlen = 0;
  FILE *t = open_memstream(&table, &tlen);
  FILE *x = open_memstream(&xml, &xlen);
  require(t && x, "open_memstream");
  if (regress_comparable(b, n->scenario, NULL, err, sizeof err)) check_plain(err);
  if (regress_same_population(b, n, err, sizeof err)) check_plain(err);
  if (regress_shared(b, n, err, sizeof err)) check_plain(err);
  int k = regress_compare(b, n, &o, t, x);
  fclose(t);
  fclose(x);
  require(k >= 0, "regress_compare failed");
  check_plain(table);
  check_markup(xml);
  free(table);
  free(xml);
}

static run_results *baseline(void) {
  static run_results b;
  static int loaded;
  char err[300];
  if (loaded) return &b;
  require(run_read_file(BASELINE, &b, err, sizeof err) == 0, err);
  loaded = 1;
  return &b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[300];
  run_results r;
  const run_results *b = baseline();
  if (run_parse((const char *)data, size, "fuzz", &r, err, sizeof err) != 0) {
    check_plain(err);
    run_free(&r);
    return 0;
  }
  char *md = capture(report_markdown, &r);
  char *html = capture(report_html, &r);
  char *xml = capture(report_junit, &r);
  check_markdown(md);
  check_markup(html);
  check_markup(xml);
  free(md);
  free(html);
  free(xml);
  compare(b, &r);
  compare(&r, b);
  run_free(&r);
  return 0;
}
