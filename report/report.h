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
/* One of the roadmap's cost claims against a results file's cost. */
typedef struct report_claim {
  const char *version; /* static */
  const char *words;   /* the claim, static: "gateway bandwidth -80% vs v0.7" */
  char measured[32];   /* "-81.2%", "$37.50" */
  bool ok;
} report_claim;
/* The claims r's versions can be judged on (those whose versions, and v0.7
** for a reduction, carry a cost), at most cap, into out; returns how many.
** A reduction claim passes at or above its bound, the STUN/TURN bill at or
** below $50 a month (the claim's upper end). */
size_t report_cost_claims(const run_results *r, report_claim *out, size_t cap);
/* v's gateway bandwidth reduction against r's v0.7 (0.8: 80% less) into
** *out; false (and 0) when either has no cost or v0.7 none or no bandwidth. */
bool report_cost_reduction(const run_results *r, const run_version *v, double *out);
/* The cost section (a table per version, the claims with PASS/FAIL), when
** any version carries a cost; nothing otherwise. */
void report_cost_markdown(const run_results *r, FILE *f);
void report_cost_html(const run_results *r, FILE *f);

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
