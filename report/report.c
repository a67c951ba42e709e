/* report.c: the Markdown summary, JUnit XML, and writing the files. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static const char *const metric_labels[SCHEMA_METRICS] = {"direct P2P", "gateway load", "hops",
                                                          "reliability"};

const char *report_metric_label(enum schema_metric m) {
  return metric_labels[m];
}

void report_value(enum schema_metric m, double v, char *out, size_t len) {
  if (m == SCHEMA_METRIC_HOPS_MEAN) snprintf(out, len, "%.2f", v);
  else snprintf(out, len, "%.1f%%", 100 * v);
}

void report_verdict_read(const run_version *v, const run_target *t, report_verdict *out) {
  char lo[32];
  char hi[32];
  out->version = v->name;
  out->label = report_metric_label(t->metric);
  report_value(t->metric, t->measured, out->measured, sizeof out->measured);
  report_target_text(t, out->target, sizeof out->target);
  report_value(t->metric, t->ci[0], lo, sizeof lo);
  report_value(t->metric, t->ci[1], hi, sizeof hi);
  if (t->has_ci) snprintf(out->ci, sizeof out->ci, "[%s, %s]", lo, hi);
  else out->ci[0] = '\0';
  out->ok = t->ok;
  out->straddles = t->straddles;
}

void report_target_text(const run_target *t, char *out, size_t len) {
  char v[24];
  if (t->metric == SCHEMA_METRIC_HOPS_MEAN) snprintf(v, sizeof v, "%g", t->target);
  else snprintf(v, sizeof v, "%g%%", 100 * t->target);
  snprintf(out, len, "%s %s", t->op, v);
}

/* --- Markdown ----------------------------------------------------------------- */

/* Writes "| " and s escaped: one cell of a Markdown table row. */
static void md_cell(FILE *f, const char *s) {
  fputs("| ", f);
  report_md_escape(f, s);
  fputc(' ', f);
}

static void md_versions(const run_results *r, FILE *f) {
  fprintf(f, "\n## Versions\n\n| version | attempts | direct | relayed (TURN) | failed | "
             "direct rate [95%% CI] | gateway load | hops | connect p50/p95 ms | "
             "direct p50/p95 ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    md_cell(f, v->name);
    fprintf(f, "| %" PRId64 " | %" PRId64 " | %" PRId64 " (%" PRId64 ") | %" PRId64
               " | %.1f%% [%.1f%%, %.1f%%] | %.1f%% | %.2f | %.0f / %.0f | %.0f / %.0f |\n",
            v->attempts, v->direct, v->relayed, v->turn, v->failed, 100 * v->direct_rate,
            100 * v->direct_rate_ci[0], 100 * v->direct_rate_ci[1], 100 * v->gateway_load,
            v->hops_mean, v->connect_ms.p50, v->connect_ms.p95, v->direct_ms.p50,
            v->direct_ms.p95);
  }
}

/* Failed attempts by reason: "certificate 3, data 1", or "none". */
static void failure_text(const run_version *v, char *out, size_t len) {
  size_t n = 0;
  out[0] = '\0';
  for (int k = 0; k < SCHEMA_FAILURES && n < len; k++) {
    if (v->failures[k] <= 0) continue;
    const char *sep = n ? ", " : "";
    n += (size_t)snprintf(out + n, len - n, "%s%s %" PRId64, sep, schema_failure_names[k],
                          v->failures[k]);
  }
  if (!out[0]) snprintf(out, len, "none");
}

/* The transport: QUIC handshakes, migrations, what was verified, why attempts failed. */
static void md_transport(const run_results *r, FILE *f) {
  fprintf(f, "\n## Transport\n\n| version | transport | connected | data verified | "
             "handshake p50/p95 ms | migration p50/p95 ms | migrations | fell back | upgrade | "
             "on direct p50/p95 ms | resent packets | wire KB relay / direct / TURN | failures |\n"
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    char why[160];
    failure_text(v, why, sizeof why);
    md_cell(f, v->name);
    md_cell(f, v->transport[0] ? v->transport : "?");
    fprintf(f, "| %" PRId64 " | %" PRId64 " | %.0f / %.0f | %.0f / %.0f | %" PRId64 " | %" PRId64
               " ",
            v->connected, v->data_verified, v->handshake_ms.p50, v->handshake_ms.p95,
            v->migration_ms.p50, v->migration_ms.p95, v->migrations, v->fell_back);
    md_cell(f, v->upgrade[0] ? v->upgrade : "?");
    fprintf(f, "| %.0f / %.0f | %" PRId64 " | %.0f / %.0f / %.0f | %s |\n", v->on_direct_ms.p50,
            v->on_direct_ms.p95, v->retransmitted, (double)v->wire_relayed / 1000,
            (double)v->wire_direct / 1000, (double)v->wire_turn / 1000, why);
  }
}

static void md_targets(const run_results *r, FILE *f) {
  fprintf(f, "\n## Targets\n\nA target is met when the estimate meets it; *straddles* marks "
             "a target inside the 95%% interval, where the verdict could go either way.\n\n"
             "| version | metric | measured | target | verdict | 95%% CI |\n"
             "|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    for (size_t k = 0; k < v->ntargets; k++) {
      report_verdict x;
      report_verdict_read(v, &v->targets[k], &x);
      md_cell(f, x.version);
      md_cell(f, x.label);
      md_cell(f, x.measured);
      md_cell(f, x.target);
      fprintf(f, "| %s%s | %s |\n", x.ok ? "met" : "**missed**", x.straddles ? " (straddles)" : "",
              x.ci);
    }
  }
}

static void md_matrix(const run_version *v, FILE *f) {
  if (!v->ncells) return;
  fputs("\n### ", f);
  report_md_escape(f, v->name);
  fputs(" by NAT pair\n\n| NAT | NAT | attempts | direct | relayed (TURN) | failed "
        "| missed direct |\n|---|---|---|---|---|---|---|\n", f);
  for (size_t i = 0; i < v->ncells; i++) {
    const run_cell *c = &v->matrix[i];
    md_cell(f, c->a);
    md_cell(f, c->b);
    fprintf(f, "| %" PRId64 " | %" PRId64 " | %" PRId64 " (%" PRId64 ") | %" PRId64
               " | %" PRId64 " |\n",
            c->attempts, c->direct, c->relayed, c->turn, c->failed, c->missed_direct);
  }
}

/* A mixed run's results by pair of versions. */
static void md_vpairs(const run_version *v, FILE *f) {
  if (!v->nvpairs) return;
  fputs("\n### ", f);
  report_md_escape(f, v->name);
  fputs(" by version pair\n\n| version | version | attempts | direct | relayed | "
        "failed |\n|---|---|---|---|---|---|\n", f);
  for (size_t i = 0; i < v->nvpairs; i++) {
    const run_cell *p = &v->vpairs[i];
    md_cell(f, p->a);
    md_cell(f, p->b);
    fprintf(f, "| %" PRId64 " | %" PRId64 " | %" PRId64 " | %" PRId64 " |\n", p->attempts,
            p->direct, p->relayed, p->failed);
  }
}

static size_t checks_failed(const run_results *r) {
  size_t failed = 0;
  for (size_t i = 0; i < r->nchecks; i++)
    if (!r->checks[i].ok) failed++;
  return failed;
}

void report_markdown(const run_results *r, FILE *f) {
  size_t failed = checks_failed(r);
  fputs("# natsim report: ", f);
  report_md_escape(f, r->scenario);
  fprintf(f, "\n\nSeed %.0f; %" PRId64 " ns-3 events. Checks: %zu passed, %zu failed.\n", r->seed,
          run_events(r), r->nchecks - failed, failed);
  if (r->nversions) {
    md_versions(r, f);
    md_transport(r, f);
    md_targets(r, f);
    for (size_t i = 0; i < r->nversions; i++)
      md_vpairs(&r->versions[i], f);
    for (size_t i = 0; i < r->nversions; i++)
      md_matrix(&r->versions[i], f);
    report_cost_markdown(r, f);
  }
  if (r->nchecks) fprintf(f, "\n## Checks\n\n| check | result | detail |\n|---|---|---|\n");
  for (size_t i = 0; i < r->nchecks; i++) {
    const run_check *c = &r->checks[i];
    md_cell(f, c->name);
    fprintf(f, "| %s ", c->ok ? "pass" : "**FAIL**");
    md_cell(f, c->detail);
    fputs("|\n", f);
  }
}

/* --- JUnit XML ------------------------------------------------------------------ */

void report_junit_case(FILE *f, const char *cls, const char *name, bool ok, const char *detail) {
  fputs("    <testcase classname=\"", f);
  report_escape(f, cls);
  fputs("\" name=\"", f);
  report_escape(f, name);
  if (ok) {
    fputs("\"/>\n", f);
    return;
  }
  fputs("\">\n      <failure message=\"", f);
  report_escape(f, detail);
  fputs("\"/>\n    </testcase>\n", f);
}

static void junit_target(FILE *f, const run_version *v, const run_target *t) {
  char name[160];
  char meas[32];
  char tgt[48];
  char detail[128];
  report_value(t->metric, t->measured, meas, sizeof meas);
  report_target_text(t, tgt, sizeof tgt);
  snprintf(name, sizeof name, "%s: %s %s", v->name, report_metric_label(t->metric), tgt);
  snprintf(detail, sizeof detail, "measured %s, target %s", meas, tgt);
  report_junit_case(f, "targets", name, t->ok, detail);
}

void report_junit(const run_results *r, FILE *f) {
  size_t tests = r->nchecks;
  size_t failures = checks_failed(r);
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    tests += v->ntargets;
    for (size_t k = 0; k < v->ntargets; k++)
      if (!v->targets[k].ok) failures++;
  }
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"");
  report_escape(f, r->scenario);
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", tests, failures);
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    for (size_t k = 0; k < v->ntargets; k++)
      junit_target(f, v, &v->targets[k]);
  }
  for (size_t i = 0; i < r->nchecks; i++) {
    const run_check *c = &r->checks[i];
    report_junit_case(f, "checks", c->name, c->ok, c->detail);
  }
  fprintf(f, "  </testsuite>\n</testsuites>\n");
}

/* --- files ------------------------------------------------------------------------ */

static int write_one(const run_results *r, const char *dir, const char *name,
                     void (*fn)(const run_results *, FILE *), char *err, size_t errlen) {
  char path[1100];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  fn(r, f);
  if (fclose(f) == 0) return 0;
  snprintf(err, errlen, "cannot write %s", path);
  return -1;
}

int report_write(const run_results *r, const char *dir, char *err, size_t errlen) {
  if (write_one(r, dir, "report.md", report_markdown, err, errlen)) return -1;
  return write_one(r, dir, "report.html", report_html, err, errlen);
}
