/* report_cost.c: the cost table and the roadmap's cost claims, in Markdown and HTML. */
#include <inttypes.h>
#include <string.h>

#include "report.h"

#define BASE "v0.7" /* reductions are against it */

/* The roadmap's cost claims (shared/DESIGN.md and issue 18), in its words. */
static const struct claim {
  const char *version;
  const char *words;
  bool reduction;  /* gateway bandwidth reduction against v0.7 at least `bound`; else */
  double bound;    /* STUN/TURN US$ a month at most `bound` */
} claims[] = {
    {"v0.8", "gateway bandwidth -80% vs v0.7", true, 0.80},
    {"v0.9", "gateway bandwidth -95% vs v0.7", true, 0.95},
    {"v0.9", "STUN/TURN at $25-50 per month", false, 50},
};

#define NCLAIMS (sizeof claims / sizeof claims[0])

bool report_cost_reduction(const run_results *r, const run_version *v, double *out) {
  const run_version *base = run_find_version(r, BASE);
  *out = 0;
  if (!base || !base->cost.present || !v->cost.present || base->cost.gateway_gb_month <= 0)
    return false;
  *out = 1 - v->cost.gateway_gb_month / base->cost.gateway_gb_month;
  return true;
}

size_t report_cost_claims(const run_results *r, report_claim *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < NCLAIMS && n < cap; i++) {
    const struct claim *c = &claims[i];
    const run_version *v = run_find_version(r, c->version);
    double x = 0;
    if (!v || !v->cost.present) continue;
    if (c->reduction && !report_cost_reduction(r, v, &x)) continue;
    if (!c->reduction) x = v->cost.stun_turn_usd_month;
    report_claim *k = &out[n];
    n++;
    k->version = c->version;
    k->words = c->words;
    k->ok = c->reduction ? x >= c->bound : x <= c->bound;
    if (c->reduction) snprintf(k->measured, sizeof k->measured, "-%.1f%%", 100 * x);
    else snprintf(k->measured, sizeof k->measured, "$%.2f", x);
  }
  return n;
}

static bool any_cost(const run_results *r) {
  for (size_t i = 0; i < r->nversions; i++)
    if (r->versions[i].cost.present) return true;
  return false;
}

/* The reduction of v's gateway bandwidth against v0.7, as shown: "-81.2%" or "-". */
static void reduction_text(const run_results *r, const run_version *v, char *out, size_t len) {
  double x;
  if (!report_cost_reduction(r, v, &x)) snprintf(out, len, "-");
  else if (x == 0) snprintf(out, len, "0.0%%");
  else snprintf(out, len, "%+.1f%%", -100 * x);
}

static const char intro[] =
    "For the usage profile and prices of the scenario's `cost` table (docs/lua-api.md): "
    "bandwidth leaving the gateway and the STUN/TURN servers in a month, and its bill, "
    "scaling the bytes this run's workload measured. The claims are reported, not enforced.";

void report_cost_markdown(const run_results *r, FILE *f) {
  report_claim k[NCLAIMS];
  if (!any_cost(r)) return;
  fprintf(f, "\n## Cost\n\n%s\n\n| version | gateway GB/month | TURN GB/month | gateway $/month "
             "| STUN/TURN $/month | total $/month | gateway bandwidth vs v0.7 |\n"
             "|---|---|---|---|---|---|---|\n", intro);
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    char red[32];
    if (!v->cost.present) continue;
    reduction_text(r, v, red, sizeof red);
    fputs("| ", f);
    report_md_escape(f, v->name); /* from the file */
    fprintf(f, " | %.1f | %.1f | %.2f | %.2f | %.2f | %s |\n",
            v->cost.gateway_gb_month, v->cost.turn_gb_month, v->cost.gateway_usd_month,
            v->cost.stun_turn_usd_month, v->cost.total_usd_month, red);
  }
  size_t n = report_cost_claims(r, k, NCLAIMS);
  if (!n) return;
  fprintf(f, "\n### The roadmap's cost claims\n\n| version | claim | measured | verdict |\n"
             "|---|---|---|---|\n");
  for (size_t i = 0; i < n; i++)
    fprintf(f, "| %s | %s | %s | %s |\n", k[i].version, k[i].words, k[i].measured,
            k[i].ok ? "PASS" : "**FAIL**");
}

void report_cost_html(const run_results *r, FILE *f) {
  report_claim k[NCLAIMS];
  if (!any_cost(r)) return;
  fputs("<h2>Cost</h2>\n<p>For the usage profile and prices of the scenario's <code>cost</code> "
        "table: bandwidth leaving the gateway and the STUN/TURN servers in a month, and its "
        "bill, scaling the bytes this run's workload measured. The claims are reported, not "
        "enforced.</p>\n<table><tr><th class=\"l\">version</th><th>gateway GB/month</th>"
        "<th>TURN GB/month</th><th>gateway $/month</th><th>STUN/TURN $/month</th>"
        "<th>total $/month</th><th>gateway bandwidth vs v0.7</th></tr>\n", f);
  for (size_t i = 0; i < r->nversions; i++) {
    const run_version *v = &r->versions[i];
    char red[32];
    if (!v->cost.present) continue;
    reduction_text(r, v, red, sizeof red);
    fputs("<tr><td class=\"l\">", f);
    report_escape(f, v->name);
    fprintf(f, "</td><td>%.1f</td><td>%.1f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td>"
               "<td>%s</td></tr>\n", v->cost.gateway_gb_month, v->cost.turn_gb_month,
            v->cost.gateway_usd_month, v->cost.stun_turn_usd_month, v->cost.total_usd_month,
            red);
  }
  fputs("</table>\n", f);
  size_t n = report_cost_claims(r, k, NCLAIMS);
  if (!n) return;
  fputs("<h3>The roadmap's cost claims</h3>\n<table><tr><th class=\"l\">version</th>"
        "<th class=\"l\">claim</th><th>measured</th><th class=\"l\">verdict</th></tr>\n", f);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td>%s</td>"
               "<td class=\"l %s\">%s</td></tr>\n", k[i].version, k[i].words, k[i].measured,
            k[i].ok ? "met" : "miss", k[i].ok ? "PASS" : "FAIL");
  fputs("</table>\n", f);
}
