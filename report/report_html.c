/* report_html.c: the HTML report: tables, and charts as inline SVG, with a
** small script that checks, once the page is laid out, that every chart
** drew something (the test suite reads its verdict in headless Chromium). */
#include <inttypes.h>
#include <string.h>

#include "schema.h"
#include "report.h"

#define W 760 /* chart width, px */

static const char style[] =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}"
    ".miss{color:#b00;font-weight:bold}.met{color:#176}.warn{color:#a60}"
    "svg{display:block;margin:0.5em 0 1.5em}text{font-size:12px}";

/* --- chart 1: direct, relayed and failed shares beside the targets --------------- */

static void bar(FILE *f, double x, double y, double w, double h, const char *colour,
                const char *title) {
  if (w <= 0) return;
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
             "<title>%s</title></rect>\n", x, y, w, h, colour, title);
}

static void shares_row(FILE *f, const run_version *v, int row) {
  double n = (double)v->attempts;
  double y = 30 + row * 40.0;
  double x0 = 90;
  double span = W - 130;
  if (n <= 0) return;
  double parts[4] = {(double)v->direct, (double)(v->relayed - v->turn), (double)v->turn,
                     (double)v->failed};
  static const char *const colour[4] = {"#2e7d32", "#ef6c00", "#f9a825", "#c62828"};
  static const char *const what[4] = {"direct", "relayed by the gateway", "relayed by TURN",
                                      "failed"};
  fprintf(f, "<text x=\"0\" y=\"%.0f\">", y + 17);
  report_escape(f, v->name);
  fputs("</text>\n", f);
  double x = x0;
  for (int k = 0; k < 4; k++) {
    char title[96];
    snprintf(title, sizeof title, "%s: %.0f of %.0f (%.1f%%)", what[k], parts[k], n,
             100 * parts[k] / n);
    bar(f, x, y, span * parts[k] / n, 24, colour[k], title);
    x += span * parts[k] / n;
  }
  const run_target *t = run_find_target(v, SCHEMA_METRIC_DIRECT_RATE);
  double lo = x0 + span * v->direct_rate_ci[0];
  double hi = x0 + span * v->direct_rate_ci[1];
  fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
             "stroke-width=\"2\"><title>direct rate 95%% CI</title></line>\n", lo, hi, y + 12, y + 12);
  if (t) {
    double tx = x0 + span * t->target;
    fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
               "stroke-dasharray=\"4 2\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" "
               "text-anchor=\"%s\">target ", tx, tx, y - 4, y + 28,
            tx + (t->target > 0.5 ? -3 : 3), y - 5, t->target > 0.5 ? "end" : "start");
    report_escape(f, t->op); /* "<=" is markup unescaped */
    fprintf(f, " %.0f%%</text>\n", 100 * t->target);
  }
}

static void chart_shares(FILE *f, const run_results *r) {
  int h = 50 + (int)r->nversions * 40;
  fprintf(f, "<h2>Direct, relayed and failed, per version</h2>\n<p>Bars: share of attempts; "
             "black line: the direct rate's 95%% interval; dashed: the direct target.</p>\n"
             "<svg class=\"chart\" id=\"chart-shares\" width=\"%d\" height=\"%d\">\n", W, h);
  for (size_t i = 0; i < r->nversions; i++)
    shares_row(f, &r->versions[i], (int)i);
  static const char *const legend[4][2] = {{"#2e7d32", "direct"}, {"#ef6c00", "gateway relay"},
                                           {"#f9a825", "TURN"}, {"#c62828", "failed"}};
  for (int k = 0; k < 4; k++)
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" "
               "y=\"%d\">%s</text>\n", 90 + k * 140, h - 16, legend[k][0], 106 + k * 140, h - 6,
            legend[k][1]);
  fputs("</svg>\n", f);
}

/* --- chart 2: a heatmap of the direct rate by NAT pair ------------------------------ */

static int class_index(const char **names, int *n, const char *name) {
  for (int i = 0; i < *n; i++)
    if (!strcmp(names[i], name)) return i;
  if (*n == SCHEMA_MAX_CLASSES) return -1;
  names[*n] = name;
  return (*n)++;
}

static void heat_cell(FILE *f, const run_cell *c, double x, double y) {
  double n = (double)c->attempts;
  double rate = n > 0 ? (double)c->direct / n : 0;
  char title[160];
  snprintf(title, sizeof title, "%s / %s: %" PRId64 " of %" PRId64 " direct", c->a, c->b,
           c->direct, c->attempts);
  fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"78\" height=\"34\" fill=\"hsl(%.0f,65%%,%s)\" "
             "stroke=\"#fff\"><title>", x, y, 120 * rate, n > 0 ? "42%" : "85%");
  report_escape(f, title);
  fprintf(f, "</title></rect><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#fff\">"
             "%.0f%% (%.0f)</text>\n", x + 39, y + 21, 100 * rate, n);
}

static const run_cell *find_cell(const run_version *v, const char *x, const char *y) {
  for (size_t i = 0; i < v->ncells; i++) {
    const run_cell *c = &v->matrix[i];
    if ((!strcmp(c->a, x) && !strcmp(c->b, y)) || (!strcmp(c->a, y) && !strcmp(c->b, x)))
      return c;
  }
  return NULL;
}

static void chart_heatmap(FILE *f, const run_version *v) {
  const char *names[SCHEMA_MAX_CLASSES];
  int n = 0;
  for (size_t i = 0; i < v->ncells; i++) {
    class_index(names, &n, v->matrix[i].a);
    class_index(names, &n, v->matrix[i].b);
  }
  if (n == 0) return;
  int left = 170;
  int top = 90;
  fputs("<h3>", f);
  report_escape(f, v->name);
  fputs(": direct rate by NAT pair</h3>\n<svg class=\"chart\" id=\"chart-heatmap-", f);
  report_escape(f, v->name);
  fprintf(f, "\" width=\"%d\" height=\"%d\">\n", left + n * 80 + 10, top + n * 36 + 10);
  for (int i = 0; i < n; i++) {
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 6, top + i * 36 + 21);
    report_escape(f, names[i]);
    fprintf(f, "</text><text transform=\"translate(%d,%d) rotate(-30)\">", left + i * 80 + 30,
            top - 6);
    report_escape(f, names[i]);
    fputs("</text>\n", f);
  }
  for (int a = 0; a < n; a++) { /* the matrix is symmetric: each cell both ways */
    for (int b = 0; b < n; b++) {
      const run_cell *c = find_cell(v, names[a], names[b]);
      if (c) heat_cell(f, c, left + b * 80, top + a * 36);
      else fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"78\" height=\"34\" fill=\"#ddd\">"
                      "<title>no attempts</title></rect>\n", left + b * 80, top + a * 36);
    }
  }
  fputs("</svg>\n", f);
}

/* --- chart 3: time to connect ------------------------------------------------------- */

static void hist_bars(FILE *f, const run_hist *h, int series, double max, const char *colour,
                      const char *what) {
  for (size_t i = 0; i < h->n; i++) {
    double c = (double)h->counts[i];
    double bh = max > 0 ? 150 * c / max : 0;
    char title[96];
    snprintf(title, sizeof title, "%s, from %g ms: %" PRId64, what, h->edges_ms[i], h->counts[i]);
    bar(f, 50 + (double)i * 62 + series * 26, 170 - bh, 24, bh, colour, title);
  }
}

/* The larger count of the two histograms (a missing bin counts 0). */
static double hist_max(const run_hist *a, const run_hist *b) {
  double max = 0;
  for (size_t i = 0; i < a->n; i++) {
    double x = (double)a->counts[i];
    double y = i < b->n ? (double)b->counts[i] : 0;
    max = x > max ? x : max;
    max = y > max ? y : max;
  }
  return max;
}

static void chart_connect(FILE *f, const run_version *v) {
  const run_hist *ch = &v->connect_hist;
  if (!ch->n) return;
  double max = hist_max(ch, &v->direct_hist);
  fputs("<h3>", f);
  report_escape(f, v->name);
  fputs(": time to connect</h3>\n<svg class=\"chart\" id=\"chart-connect-", f);
  report_escape(f, v->name);
  fprintf(f, "\" width=\"%d\" height=\"230\">\n<line x1=\"48\" x2=\"%d\" y1=\"170\" y2=\"170\" "
             "stroke=\"#888\"/><text x=\"0\" y=\"24\">%.0f</text><text x=\"0\" y=\"170\">0</text>\n",
          W, W - 10, max);
  hist_bars(f, ch, 0, max, "#1565c0", "first message");
  hist_bars(f, &v->direct_hist, 1, max, "#2e7d32", "direct path");
  for (size_t i = 0; i < ch->n; i++)
    fprintf(f, "<text x=\"%.0f\" y=\"188\" text-anchor=\"middle\">%s%g</text>\n",
            75 + (double)i * 62, i + 1 == ch->n ? "&#8805;" : "", ch->edges_ms[i]);
  fprintf(f, "<text x=\"50\" y=\"206\">ms from the connect call (bins start at the value shown)"
             "</text><rect x=\"50\" y=\"214\" width=\"12\" height=\"12\" fill=\"#1565c0\"/><text "
             "x=\"66\" y=\"224\">first message delivered</text><rect x=\"250\" y=\"214\" width=\"12\" "
             "height=\"12\" fill=\"#2e7d32\"/><text x=\"266\" y=\"224\">on the direct path</text>\n"
             "</svg>\n");
}

/* --- tables --------------------------------------------------------------------------- */

static void targets_table(FILE *f, const run_results *rs) {
  fputs("<h2>Targets</h2>\n<p>A target is met when the estimate meets it. <span class=\"warn\">"
        "Straddles</span>: the target lies inside the 95% Wilson interval, so more attempts "
        "could change the verdict.</p>\n<table><tr><th class=\"l\">version</th><th class=\"l\">"
        "metric</th><th>measured</th><th>target</th><th>95% CI</th><th class=\"l\">verdict"
        "</th></tr>\n", f);
  for (size_t i = 0; i < rs->nversions; i++) {
    const run_version *v = &rs->versions[i];
    for (size_t k = 0; k < v->ntargets; k++) {
      report_verdict r;
      report_verdict_read(v, &v->targets[k], &r);
      fputs("<tr><td class=\"l\">", f);
      report_escape(f, r.version);
      fprintf(f, "</td><td class=\"l\">%s</td><td>%s</td><td>", r.label, r.measured);
      report_escape(f, r.target);
      fprintf(f, "</td><td>%s</td><td class=\"l %s\">%s%s</td></tr>\n", r.ci,
              r.ok ? "met" : "miss", r.ok ? "met" : "missed",
              r.straddles ? " <span class=\"warn\">(straddles)</span>" : "");
    }
  }
  fputs("</table>\n", f);
}

static void versions_table(FILE *f, const run_results *r) {
  fputs("<h2>Versions</h2>\n<table><tr><th class=\"l\">version</th><th class=\"l\">strategy</th>"
        "<th>attempts</th><th>direct</th><th>relayed</th><th>TURN</th><th>failed</th>"
        "<th>missed direct</th><th>data errors</th><th>gateway load</th><th>hops</th>"
        "<th>connect p50/p95 ms</th><th>direct p50/p95 ms</th><th class=\"l\">upgrade</th>"
        "<th>on direct p50/p95 ms</th><th>migrations</th><th>resent packets</th></tr>\n", f);
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    fputs("<tr><td class=\"l\">", f);
    report_escape(f, v->name);
    fputs("</td><td class=\"l\">", f);
    report_escape(f, v->strategy);
    fprintf(f, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64
               "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%.1f%%</td>"
               "<td>%.2f</td><td>%.0f / %.0f</td><td>%.0f / %.0f</td><td class=\"l\">",
            v->attempts, v->direct, v->relayed, v->turn, v->failed, v->missed_direct,
            v->data_errors, 100 * v->gateway_load, v->hops_mean, v->connect_ms.p50,
            v->connect_ms.p95, v->direct_ms.p50, v->direct_ms.p95);
    report_escape(f, v->upgrade[0] ? v->upgrade : "?");
    fprintf(f, "</td><td>%.0f / %.0f</td><td>%" PRId64 "</td><td>%" PRId64 "</td></tr>\n",
            v->on_direct_ms.p50, v->on_direct_ms.p95, v->migrations, v->retransmitted);
  }
  fputs("</table>\n", f);
}

/* Mixed runs' results by pair of versions. */
static void vpairs_table(FILE *f, const run_results *r) {
  bool any = false;
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    for (size_t k = 0; k < v->nvpairs; k++) {
      const run_cell *p = &v->vpairs[k];
      if (!any)
        fputs("<h2>By version pair</h2>\n<table><tr><th class=\"l\">run</th><th class=\"l\">"
              "version</th><th class=\"l\">version</th><th>attempts</th><th>direct</th>"
              "<th>relayed</th><th>failed</th></tr>\n", f);
      any = true;
      fputs("<tr><td class=\"l\">", f);
      report_escape(f, v->name);
      fputs("</td><td class=\"l\">", f);
      report_escape(f, p->a);
      fputs("</td><td class=\"l\">", f);
      report_escape(f, p->b);
      fprintf(f, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64
                 "</td></tr>\n", p->attempts, p->direct, p->relayed, p->failed);
    }
  }
  if (any) fputs("</table>\n", f);
}

static void checks_table(FILE *f, const run_results *r) {
  if (!r->nchecks) return;
  fputs("<h2>Checks</h2>\n<table><tr><th class=\"l\">check</th><th class=\"l\">result</th>"
        "<th class=\"l\">detail</th></tr>\n", f);
  for (size_t i = 0; i < r->nchecks; i++) {
    const run_check *c = &r->checks[i];
    fputs("<tr><td class=\"l\">", f);
    report_escape(f, c->name);
    fprintf(f, "</td><td class=\"l %s\">%s</td><td class=\"l\">", c->ok ? "met" : "miss",
            c->ok ? "pass" : "FAIL");
    report_escape(f, c->detail);
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
}

static const char check_script[] =
    "<script>\nwindow.addEventListener('load', function () {\n"
    "  var charts = document.querySelectorAll('svg.chart'), drawn = 0;\n"
    "  charts.forEach(function (s) {\n"
    "    var b = s.getBBox();\n"
    "    if (b.width > 0 && b.height > 0 && s.querySelector('rect')) drawn++;\n"
    "  });\n"
    "  document.getElementById('render-check').textContent =\n"
    "    'charts: ' + charts.length + ', drawn: ' + drawn;\n"
    "});\n</script>\n";

void report_html(const run_results *r, FILE *f) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>natsim: ", f);
  report_escape(f, r->scenario);
  fprintf(f, "</title><style>%s</style></head>\n<body>\n<h1>natsim report: ", style);
  report_escape(f, r->scenario);
  fprintf(f, "</h1>\n<p>Seed %.0f; %" PRId64 " ns-3 events.</p>\n", r->seed, run_events(r));
  if (r->nversions) {
    chart_shares(f, r);
    targets_table(f, r);
    versions_table(f, r);
    vpairs_table(f, r);
    report_cost_html(r, f);
    fputs("<h2>By NAT pair</h2>\n<p>Cells: direct rate (attempts); green is all direct, red none."
          "</p>\n", f);
    for (size_t i = 0; i < r->nversions; i++)
      chart_heatmap(f, &r->versions[i]);
    fputs("<h2>Time to connect</h2>\n", f);
    for (size_t i = 0; i < r->nversions; i++)
      chart_connect(f, &r->versions[i]);
  }
  checks_table(f, r);
  fprintf(f, "<p>Render check: <span id=\"render-check\">not run</span></p>\n%s</body></html>\n",
          check_script);
}
