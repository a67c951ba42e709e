/* report.c: the Markdown summary, JUnit XML, and writing the files. */
#include "report.h"

#include <errno.h>
#include <string.h>

int report_check_schema(const jv *r, char *err, size_t errlen) {
  const char *schema = jstr(jget(r, "schema"), NULL);
  if (!r || r->type != J_OBJ)
    return snprintf(err, errlen, "not a results file: expected a JSON object"), -1;
  if (!schema || strcmp(schema, "natsim-run/1") != 0)
    return snprintf(err, errlen, "schema \"%s\" is not natsim-run/1 (reports/README.md)",
                    schema ? schema : "(none)"), -1;
  const jv *vs = jget(r, "versions");
  if (!jstr(jget(r, "scenario"), NULL) || !vs || vs->type != J_ARR)
    return snprintf(err, errlen, "field 'scenario' (a string) or 'versions' (a list) missing"), -1;
  return 0;
}

const char *report_metric_label(const char *m) {
  return !strcmp(m, "direct_rate")    ? "direct P2P"
         : !strcmp(m, "gateway_load") ? "gateway load"
         : !strcmp(m, "hops_mean")    ? "hops"
                                      : m;
}

void report_value(const char *metric, double v, char *out, size_t len) {
  if (!strcmp(metric, "hops_mean")) snprintf(out, len, "%.2f", v);
  else snprintf(out, len, "%.1f%%", 100 * v);
}

void report_verdict_read(const jv *version, const jv *t, report_verdict *out) {
  const jv *ci = jget(t, "ci");
  const char *m = jstr(jget(t, "metric"), "?");
  char lo[32], hi[32];
  out->version = jstr(jget(version, "name"), "?");
  out->label = report_metric_label(m);
  report_value(m, jnum(jget(t, "measured"), 0), out->measured, sizeof out->measured);
  report_target_text(t, out->target, sizeof out->target);
  report_value(m, jnum(jat(ci, 0), 0), lo, sizeof lo);
  report_value(m, jnum(jat(ci, 1), 0), hi, sizeof hi);
  if (ci) snprintf(out->ci, sizeof out->ci, "[%s, %s]", lo, hi);
  else out->ci[0] = '\0';
  out->ok = jtrue(jget(t, "ok"));
  out->straddles = jtrue(jget(t, "straddles"));
}

double report_events(const jv *r) {
  double n = jnum(jget(r, "events"), 0);
  for (size_t i = 0; i < jlen(jget(r, "versions")); i++)
    n += jnum(jget(jat(jget(r, "versions"), i), "events"), 0);
  return n;
}

void report_target_text(const jv *t, char *out, size_t len) {
  const char *m = jstr(jget(t, "metric"), "?");
  char v[24];
  if (!strcmp(m, "hops_mean")) snprintf(v, sizeof v, "%g", jnum(jget(t, "target"), 0));
  else snprintf(v, sizeof v, "%g%%", 100 * jnum(jget(t, "target"), 0));
  snprintf(out, len, "%s %s", jstr(jget(t, "op"), "?"), v);
}

/* --- Markdown ----------------------------------------------------------------- */

static void md_versions(const jv *vs, FILE *f) {
  fprintf(f, "\n## Versions\n\n| version | attempts | direct | relayed (TURN) | failed | "
             "direct rate [95%% CI] | gateway load | hops | connect p50/p95 ms | "
             "direct p50/p95 ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < jlen(vs); i++) {
    const jv *v = jat(vs, i), *ci = jget(v, "direct_rate_ci");
    fprintf(f, "| %s | %.0f | %.0f | %.0f (%.0f) | %.0f | %.1f%% [%.1f%%, %.1f%%] | %.1f%% | %.2f "
               "| %.0f / %.0f | %.0f / %.0f |\n",
            jstr(jget(v, "name"), "?"), jnum(jget(v, "attempts"), 0), jnum(jget(v, "direct"), 0),
            jnum(jget(v, "relayed"), 0), jnum(jget(v, "turn"), 0), jnum(jget(v, "failed"), 0),
            100 * jnum(jget(v, "direct_rate"), 0), 100 * jnum(jat(ci, 0), 0),
            100 * jnum(jat(ci, 1), 0), 100 * jnum(jget(v, "gateway_load"), 0),
            jnum(jget(v, "hops_mean"), 0), jnum(jget(jget(v, "connect_ms"), "p50"), 0),
            jnum(jget(jget(v, "connect_ms"), "p95"), 0),
            jnum(jget(jget(v, "direct_ms"), "p50"), 0), jnum(jget(jget(v, "direct_ms"), "p95"), 0));
  }
}

/* The transport: QUIC handshakes, migrations, what was verified, why attempts failed. */
static void md_transport(const jv *vs, FILE *f) {
  fprintf(f, "\n## Transport\n\n| version | transport | connected | data verified | handshake "
             "p50/p95 ms | migration p50/p95 ms | migrations | fell back | resent packets | "
             "wire KB relay / direct / TURN | failures |\n"
             "|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < jlen(vs); i++) {
    const jv *v = jat(vs, i), *w = jget(v, "wire_bytes"), *fl = jget(v, "failures");
    const jv *h = jget(v, "handshake_ms"), *m = jget(v, "migration_ms");
    static const char *const reasons[] = {"session", "certificate", "handshake", "data"};
    char why[160] = "";
    size_t n = 0;
    for (size_t k = 0; k < 4; k++)
      if (jnum(jget(fl, reasons[k]), 0) > 0)
        n += (size_t)snprintf(why + n, sizeof why - n, "%s%s %.0f", n ? ", " : "", reasons[k],
                              jnum(jget(fl, reasons[k]), 0));
    fprintf(f, "| %s | %s | %.0f | %.0f | %.0f / %.0f | %.0f / %.0f | %.0f | %.0f | %.0f | "
               "%.0f / %.0f / %.0f | %s |\n",
            jstr(jget(v, "name"), "?"), jstr(jget(v, "transport"), "?"),
            jnum(jget(v, "connected"), 0), jnum(jget(v, "data_verified"), 0),
            jnum(jget(h, "p50"), 0), jnum(jget(h, "p95"), 0), jnum(jget(m, "p50"), 0),
            jnum(jget(m, "p95"), 0), jnum(jget(v, "migrations"), 0),
            jnum(jget(v, "fell_back"), 0), jnum(jget(v, "retransmitted"), 0),
            jnum(jget(w, "relayed"), 0) / 1000, jnum(jget(w, "direct"), 0) / 1000,
            jnum(jget(w, "turn"), 0) / 1000, why[0] ? why : "none");
  }
}

static void md_targets(const jv *vs, FILE *f) {
  fprintf(f, "\n## Targets\n\nA target is met when the estimate meets it; *straddles* marks "
             "a target inside the 95%% interval, where the verdict could go either way.\n\n"
             "| version | metric | measured | target | verdict | 95%% CI |\n"
             "|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < jlen(vs); i++) {
    const jv *ts = jget(jat(vs, i), "targets");
    for (size_t k = 0; k < jlen(ts); k++) {
      report_verdict r;
      report_verdict_read(jat(vs, i), jat(ts, k), &r);
      fprintf(f, "| %s | %s | %s | %s | %s%s | %s |\n", r.version, r.label, r.measured, r.target,
              r.ok ? "met" : "**missed**", r.straddles ? " (straddles)" : "", r.ci);
    }
  }
}

static void md_matrix(const jv *v, FILE *f) {
  const jv *m = jget(v, "matrix");
  if (!jlen(m)) return;
  fprintf(f, "\n### %s by NAT pair\n\n| NAT | NAT | attempts | direct | relayed (TURN) | failed "
             "| missed direct |\n|---|---|---|---|---|---|---|\n", jstr(jget(v, "name"), "?"));
  for (size_t i = 0; i < jlen(m); i++) {
    const jv *c = jat(m, i);
    fprintf(f, "| %s | %s | %.0f | %.0f | %.0f (%.0f) | %.0f | %.0f |\n", jstr(jget(c, "a"), "?"),
            jstr(jget(c, "b"), "?"), jnum(jget(c, "attempts"), 0), jnum(jget(c, "direct"), 0),
            jnum(jget(c, "relayed"), 0), jnum(jget(c, "turn"), 0), jnum(jget(c, "failed"), 0),
            jnum(jget(c, "missed_direct"), 0));
  }
}

void report_markdown(const jv *r, FILE *f) {
  const jv *checks = jget(r, "checks"), *vs = jget(r, "versions");
  size_t failed = 0;
  for (size_t i = 0; i < jlen(checks); i++) failed += !jtrue(jget(jat(checks, i), "ok"));
  fprintf(f, "# natsim report: %s\n\nSeed %.0f; %.0f ns-3 events. Checks: %zu passed, %zu "
             "failed.\n", jstr(jget(r, "scenario"), "?"), jnum(jget(r, "seed"), 0),
          report_events(r), jlen(checks) - failed, failed);
  if (jlen(vs)) {
    md_versions(vs, f);
    md_transport(vs, f);
    md_targets(vs, f);
    for (size_t i = 0; i < jlen(vs); i++) md_matrix(jat(vs, i), f);
  }
  if (jlen(checks)) fprintf(f, "\n## Checks\n\n| check | result | detail |\n|---|---|---|\n");
  for (size_t i = 0; i < jlen(checks); i++) {
    const jv *c = jat(checks, i);
    fprintf(f, "| %s | %s | %s |\n", jstr(jget(c, "name"), "?"),
            jtrue(jget(c, "ok")) ? "pass" : "**FAIL**", jstr(jget(c, "detail"), ""));
  }
}

/* --- JUnit XML ------------------------------------------------------------------ */

static void xml_text(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default:
      if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t') fputc(*s, f);
    }
  }
}

static void junit_case(FILE *f, const char *cls, const char *name, bool ok, const char *detail) {
  fputs("    <testcase classname=\"", f);
  xml_text(f, cls);
  fputs("\" name=\"", f);
  xml_text(f, name);
  if (ok) {
    fputs("\"/>\n", f);
    return;
  }
  fputs("\">\n      <failure message=\"", f);
  xml_text(f, detail);
  fputs("\"/>\n    </testcase>\n", f);
}

void report_junit(const jv *r, FILE *f) {
  const jv *checks = jget(r, "checks"), *vs = jget(r, "versions");
  const char *scenario = jstr(jget(r, "scenario"), "?");
  size_t tests = jlen(checks), failures = 0;
  for (size_t i = 0; i < jlen(checks); i++) failures += !jtrue(jget(jat(checks, i), "ok"));
  for (size_t i = 0; i < jlen(vs); i++) {
    const jv *ts = jget(jat(vs, i), "targets");
    tests += jlen(ts);
    for (size_t k = 0; k < jlen(ts); k++) failures += !jtrue(jget(jat(ts, k), "ok"));
  }
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"");
  xml_text(f, scenario);
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", tests, failures);
  for (size_t i = 0; i < jlen(vs); i++) {
    const jv *v = jat(vs, i), *ts = jget(v, "targets");
    for (size_t k = 0; k < jlen(ts); k++) {
      const jv *t = jat(ts, k);
      const char *m = jstr(jget(t, "metric"), "?");
      char name[160], meas[32], tgt[48], detail[128];
      report_value(m, jnum(jget(t, "measured"), 0), meas, sizeof meas);
      report_target_text(t, tgt, sizeof tgt);
      snprintf(name, sizeof name, "%s: %s %s", jstr(jget(v, "name"), "?"), report_metric_label(m), tgt);
      snprintf(detail, sizeof detail, "measured %s, target %s", meas, tgt);
      junit_case(f, "targets", name, jtrue(jget(t, "ok")), detail);
    }
  }
  for (size_t i = 0; i < jlen(checks); i++) {
    const jv *c = jat(checks, i);
    junit_case(f, "checks", jstr(jget(c, "name"), "?"), jtrue(jget(c, "ok")),
               jstr(jget(c, "detail"), ""));
  }
  fprintf(f, "  </testsuite>\n</testsuites>\n");
}

/* --- files ------------------------------------------------------------------------ */

static int write_one(const jv *r, const char *dir, const char *name, void (*fn)(const jv *, FILE *),
                     char *err, size_t errlen) {
  char path[1100];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) return snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno)), -1;
  fn(r, f);
  if (fclose(f) != 0) return snprintf(err, errlen, "cannot write %s", path), -1;
  return 0;
}

int report_write(const jv *r, const char *dir, char *err, size_t errlen) {
  if (report_check_schema(r, err, errlen)) return -1;
  return write_one(r, dir, "report.md", report_markdown, err, errlen) ||
                 write_one(r, dir, "report.html", report_html, err, errlen)
             ? -1
             : 0;
}
