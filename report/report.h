/*
** report.h: human-readable reports from a results file (schema natsim-run/1,
** reports/README.md): a Markdown summary, a self-contained HTML report
** with inline SVG charts (no network needed to view it), and JUnit XML.
** All of them read the parsed results only, so `natsim run --out` and
** `natsim report` give the same files for the same results.
*/
#ifndef NATSIM_REPORT_H
#define NATSIM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "jread.h"

/* Checks that r looks like a natsim-run/1 results file. 0, or -1 with
** what is wrong in err. */
int report_check_schema(const jv *r, char *err, size_t errlen);
/* Writes DIR/report.md and DIR/report.html (DIR must exist). 0, or -1
** with the reason in err. */
int report_write(const jv *r, const char *dir, char *err, size_t errlen);
void report_markdown(const jv *r, FILE *f);
void report_html(const jv *r, FILE *f);
/* JUnit XML: a test suite for the scenario, a test case per check and
** per target of each version. */
void report_junit(const jv *r, FILE *f);

/* Shared by the writers. */
const char *report_metric_label(const char *metric); /* "direct_rate" -> "direct P2P" */
/* "95.0%", "1.05", as the metric is shown. */
void report_value(const char *metric, double v, char *out, size_t len);
/* A target as shown: ">= 95%", "<= 1.05". */
void report_target_text(const jv *target, char *out, size_t len);
/* One target verdict of a version, as the reports show it. */
typedef struct report_verdict {
  const char *version, *label;
  char measured[32], target[48], ci[80]; /* ci: "[lo, hi]", or "" */
  bool ok, straddles;
} report_verdict;
void report_verdict_read(const jv *version, const jv *target, report_verdict *out);
/* ns-3 events of the run, experiments' simulations included. */
double report_events(const jv *r);

#endif
