/*
** report.h: human-readable reports from a results file (schema natsim-run/1,
** reports/README.md): a Markdown summary, a self-contained HTML report
** with inline SVG charts (no network needed to view it), and JUnit XML.
** All of them read the typed results (run.h) only, so `natsim run --out`
** and `natsim report` give the same files for the same results.
*/
#ifndef NATSIM_REPORT_H
#define NATSIM_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "run.h"

/* Writes DIR/report.md and DIR/report.html (DIR must exist). 0, or -1
** with the reason in err. */
int report_write(const run_results *r, const char *dir, char *err, size_t errlen);
void report_markdown(const run_results *r, FILE *f);
void report_html(const run_results *r, FILE *f);
/* JUnit XML: a test suite for the scenario, a test case per check and
** per target of each version. */
void report_junit(const run_results *r, FILE *f);

/* Shared by the writers. */
/* How a metric is named in reports: SCHEMA_METRIC_DIRECT_RATE -> "direct P2P". */
const char *report_metric_label(enum schema_metric m);
/* "95.0%", "1.05", as the metric is shown. */
void report_value(enum schema_metric m, double v, char *out, size_t len);
/* A target as shown: ">= 95%", "<= 1.05". */
void report_target_text(const run_target *t, char *out, size_t len);
/* One target verdict of a version, as the reports show it. */
typedef struct report_verdict {
  const char *version;
  const char *label;
  char measured[32];
  char target[48];
  char ci[80]; /* "[lo, hi]", or "" */
  bool ok;
  bool straddles;
} report_verdict;
void report_verdict_read(const run_version *v, const run_target *t, report_verdict *out);
/* Strings from a results file are written through these two (escape.c),
** so that no file can put markup into a report; as plain text, through
** text_plain (results/text.h). */
/* Writes s as XML or HTML text or attribute value: < > & " as entities,
** control characters other than newline and tab left out, bytes that are
** not UTF-8 as U+FFFD (the XML stays well-formed). */
void report_escape(FILE *f, const char *s);
/* Writes s as Markdown text that renders as itself in a table cell or a
** heading: \ ` * _ [ ] < > # | & ~ ! behind a backslash (no HTML, code
** span, emphasis, link or cell break survives; '_' between two letters or
** digits, never emphasis there, as is), control characters
** (newlines and tabs too) as spaces, bytes that are not UTF-8 as U+FFFD. */
void report_md_escape(FILE *f, const char *s);
/* Writes one JUnit <testcase> of class cls to f, a <failure> with detail
** as its message unless ok. */
void report_junit_case(FILE *f, const char *cls, const char *name, bool ok, const char *detail);

#endif
