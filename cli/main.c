/* main.c: the natsim command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>

#include "classify.h"
#include "model.h"
#include "probe.h"
#include "regress.h"
#include "report.h"
#include "scenario.h"
#include "serve.h"

static const char usage[] =
    "usage: natsim COMMAND [OPTIONS]\n"
    "\n"
    "natsim runs NAT traversal scenarios in ns-3 virtual time.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.lua   run a scenario script (natsim run --help)\n"
    "  classify [MODEL]   discover each NAT model's behaviour with RFC 5780\n"
    "                     and compare it with the model (natsim classify --help)\n"
    "  regress --baseline RESULTS.json SCENARIO.lua\n"
    "                     run a scenario and compare it with a stored baseline\n"
    "  report RESULTS.json --out DIR\n"
    "                     write the Markdown and HTML reports of a results file\n"
    "\n"
    "on real UDP sockets (natsim COMMAND --help):\n"
    "  serve stun|turn|gateway --listen ADDR:PORT ...\n"
    "                     run a STUN (RFC 5780), TURN or gateway server\n"
    "  probe --stun ADDR:PORT\n"
    "                     discover this host's NAT behaviour (RFC 5780)\n"
    "  turn-check --server ADDR:PORT --user USER:PASS\n"
    "                     check a TURN server step by step\n"
    "\n"
    "options:\n"
    "  -h, --help         this text\n"
    "  --version          the version\n"
    "\n"
    "The Lua API for scenarios and NAT models is in docs/lua-api.md.\n";

static const char run_usage[] =
    "usage: natsim run SCENARIO.lua [--seed N] [--out DIR] [--json FILE] [--junit FILE]\n"
    "                               [--pcap DIR] [--set KEY=VALUE ...] [--quiet]\n"
    "\n"
    "Runs a scenario script in virtual time. All randomness comes from the\n"
    "seed: the same scenario with the same seed gives the same output.\n"
    "\n"
    "options:\n"
    "  --seed N     the scenario's seed, a non-negative integer (default 1)\n"
    "  --out DIR    write DIR/results.json (checks, totals, per-node counters,\n"
    "               the versions of any natsim.experiment), DIR/report.md and\n"
    "               DIR/report.html (charts; needs no network to view)\n"
    "  --junit FILE write JUnit XML: a test case per check and per target\n"
    "  --json FILE  write the experiment results alone, as JSON: {scenario,\n"
    "               seed, versions}; the schema is in reports/README.md\n"
    "  --pcap DIR   capture every link's packets into DIR/natsim-NODE-DEV.pcap\n"
    "  --set K=V    an override the scenario reads as natsim.params.K (a string)\n"
    "  --quiet      no progress display (on stderr, while experiments run)\n"
    "  -h, --help   this text\n"
    "\n"
    "exit status: 0 when every check passed, 1 when a check failed,\n"
    "2 for a usage, scenario or model error.\n";

static const char regress_usage[] =
    "usage: natsim regress --baseline RESULTS.json SCENARIO.lua [--level A]\n"
    "                      [--tolerance T] [natsim run options]\n"
    "\n"
    "Runs the scenario and compares every metric of its results with the\n"
    "baseline (a results.json from natsim run --out of the same scenario).\n"
    "A rate (direct, connected, per NAT pair) regresses when its drop is\n"
    "significant in a one-sided two-proportion z-test at level A (default\n"
    "0.05); gateway load, hops and p95 times regress when they grow by more\n"
    "than T (relative, default 0.1); missed direct connections and data errors\n"
    "when their rate grows; a target or check that was met and now is not.\n"
    "\n"
    "exit status: 0 nothing regressed, 1 something did (the table says what),\n"
    "2 an error (unreadable or incompatible baseline, bad scenario).\n";

static const char report_usage[] =
    "usage: natsim report RESULTS.json [--out DIR] [--junit FILE]\n"
    "\n"
    "Writes DIR/report.md and DIR/report.html (and/or JUnit XML) from a\n"
    "results file, as natsim run --out does.\n";

static const char classify_usage[] =
    "usage: natsim classify [MODEL.lua ...] [--json] [--behind MODEL.lua]\n"
    "                       [--loss P] [--lifetime] [--seed N]\n"
    "\n"
    "Runs NAT behaviour discovery (RFC 5780) in simulation: a host behind each\n"
    "model talks to a STUN server with two public addresses. Prints, per model,\n"
    "the configured and discovered mapping/filtering/allocation, hairpinning,\n"
    "the classic type, the STUN transactions and virtual time it took.\n"
    "\n"
    "options:\n"
    "  MODEL.lua        models to classify (default: every file in nat-models/)\n"
    "  --json           print a JSON array of {model, mapping, filtering,\n"
    "                   allocation, match, ...} instead of the table\n"
    "  --behind MODEL   put each model behind this one (NAT444, e.g.\n"
    "                   nat-models/carrier_grade.lua): the pair is classified\n"
    "  --loss P         packet loss on the client's and server's links, 0 to 1\n"
    "  --lifetime       also measure mapping lifetimes (5 s resolution, up to\n"
    "                   240 s; costs that much virtual time)\n"
    "  --seed N         the seed (default 1)\n"
    "\n"
    "exit status: 0 every model classified as configured, 1 one was not,\n"
    "2 an error.\n";

static int parse_seed(const char *s, uint64_t *seed) {
  char *end;
  if (!s || *s < '0' || *s > '9') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end) return -1;
  *seed = v;
  return 0;
}

/* An option `natsim run` and `natsim regress` share, at argv[*i]: 1 when
** taken (with its value), 0 when not one of them, -1 on a bad value. */
static int run_option(const char *cmd, int argc, char **argv, int *i, scenario_opts *o,
                      const char **params) {
  const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
  if (!strcmp(a, "--quiet")) {
    o->quiet = true;
    return 1;
  }
  if (!strcmp(a, "--seed")) {
    if (parse_seed(v, &o->seed) != 0)
      return fprintf(stderr, "natsim %s: --seed expects a non-negative integer, got %s\n", cmd,
                     v ? v : "nothing"), -1;
  } else if (!strcmp(a, "--out") || !strcmp(a, "--pcap") || !strcmp(a, "--json") ||
             !strcmp(a, "--junit")) {
    bool file = a[2] == 'j';
    if (!v) return fprintf(stderr, "natsim %s: %s expects a %s\n", cmd, a, file ? "file" : "directory"), -1;
    *(a[2] == 'o' ? &o->out_dir : a[3] == 's' ? &o->json : a[2] == 'j' ? &o->junit : &o->pcap_dir) = v;
  } else if (!strcmp(a, "--set")) {
    if (!v || !strchr(v, '=') || v[0] == '=' || o->nparams == 64)
      return fprintf(stderr, "natsim %s: --set expects KEY=VALUE, got %s\n", cmd, v ? v : "nothing"), -1;
    params[o->nparams++] = v;
  } else {
    return 0;
  }
  (*i)++;
  return 1;
}

/* The scenario path among the arguments: one, not an option. */
static int take_path(const char *cmd, const char *a, scenario_opts *o, const char *use) {
  if (a[0] == '-') return fprintf(stderr, "natsim %s: unknown option %s\n%s", cmd, a, use), -1;
  if (o->path)
    return fprintf(stderr, "natsim %s: one scenario at a time (got %s and %s)\n", cmd, o->path, a), -1;
  o->path = a;
  return 0;
}

static int cmd_run(int argc, char **argv) {
  scenario_opts o = {.seed = 1};
  const char *params[64];
  o.params = params;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(run_usage, stdout);
      return 0;
    }
    int t = run_option("run", argc, argv, &i, &o, params);
    if (t < 0 || (t == 0 && take_path("run", argv[i], &o, run_usage) < 0)) return 2;
  }
  if (!o.path) {
    fprintf(stderr, "natsim run: no scenario given\n%s", run_usage);
    return 2;
  }
  return scenario_run(&o);
}

static int parse_fraction(const char *s, double lo, double hi, double *out) {
  char *end;
  if (!s) return -1;
  double v = strtod(s, &end);
  if (*end || end == s || !(v > lo && v < hi)) return -1;
  *out = v;
  return 0;
}

static int regress_args(int argc, char **argv, scenario_opts *o, const char **params,
                        const char **baseline, regress_opts *ro) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(regress_usage, stdout);
      return 0;
    }
    if (!strcmp(a, "--baseline") && v) {
      *baseline = argv[++i];
    } else if (!strcmp(a, "--level")) {
      if (parse_fraction(v, 0, 0.5, &ro->level))
        return fprintf(stderr, "natsim regress: --level expects a number between 0 and 0.5\n"), 2;
      i++;
    } else if (!strcmp(a, "--tolerance")) {
      if (parse_fraction(v, 0, 100, &ro->tolerance))
        return fprintf(stderr, "natsim regress: --tolerance expects a positive number (0.1: 10%%)\n"), 2;
      i++;
    } else {
      int t = run_option("regress", argc, argv, &i, o, params);
      if (t < 0 || (t == 0 && take_path("regress", a, o, regress_usage) < 0)) return 2;
    }
  }
  if (!o->path || !*baseline) {
    fprintf(stderr, "natsim regress: needs --baseline FILE and a scenario\n%s", regress_usage);
    return 2;
  }
  return -1;
}

static int cmd_regress(int argc, char **argv) {
  scenario_opts o = {.seed = 1};
  const char *params[64], *baseline = NULL;
  regress_opts ro = {.level = 0.05, .tolerance = 0.10};
  o.params = params;
  int rc = regress_args(argc, argv, &o, params, &baseline, &ro);
  if (rc >= 0) return rc;
  char err[1200];
  jv *b = jread_file(baseline, err, sizeof err), *now = NULL;
  if (!b || regress_comparable(b, o.path, err, sizeof err) != 0) {
    fprintf(stderr, "natsim regress: %s%s%s\n", b ? baseline : "", b ? ": " : "", err);
    jread_free(b);
    return 2;
  }
  o.results = &now;
  rc = scenario_run(&o);
  if (rc != SCENARIO_ERROR && now) {
    printf("\nregress: %s against %s (level %g, tolerance %g%%)\n", o.path, baseline, ro.level,
           100 * ro.tolerance);
    int n = regress_compare(b, now, &ro, stdout);
    printf("%d regression%s\n", n, n == 1 ? "" : "s");
    rc = n ? 1 : 0;
  } else {
    rc = 2;
  }
  jread_free(b);
  jread_free(now);
  return rc;
}

static int cmd_report(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *junit = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(report_usage, stdout);
      return 0;
    }
    if ((!strcmp(a, "--out") || !strcmp(a, "--junit")) && v) {
      *(a[2] == 'o' ? &out : &junit) = argv[++i];
    } else if (a[0] != '-' && !in) {
      in = a;
    } else {
      fprintf(stderr, "natsim report: bad argument %s\n%s", a, report_usage);
      return 2;
    }
  }
  if (!in || (!out && !junit)) {
    fprintf(stderr, "natsim report: needs RESULTS.json, and --out DIR or --junit FILE\n%s",
            report_usage);
    return 2;
  }
  char err[1200];
  jv *r = jread_file(in, err, sizeof err);
  int rc = r && report_check_schema(r, err, sizeof err) == 0 ? 0 : 2;
  if (rc == 0 && out && (mkdir(out, 0777) != 0 && errno != EEXIST))
    rc = 2, snprintf(err, sizeof err, "cannot create %s: %s", out, strerror(errno));
  if (rc == 0 && out && report_write(r, out, err, sizeof err) != 0) rc = 2;
  FILE *f = rc == 0 && junit ? fopen(junit, "w") : NULL;
  if (f) report_junit(r, f);
  if (rc == 0 && junit && (!f || fclose(f) != 0))
    rc = 2, snprintf(err, sizeof err, "cannot write %s", junit);
  if (rc) fprintf(stderr, "natsim report: %s%s%s\n", r ? in : "", r ? ": " : "", err);
  jread_free(r);
  return rc;
}

static int cmd_classify(int argc, char **argv) {
  classify_opts o = {.seed = 1};
  const char **models = calloc((size_t)argc + 1, sizeof *models);
  int rc = -1;
  for (int i = 0; rc < 0 && i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(classify_usage, stdout);
      rc = 0;
    } else if (!strcmp(a, "--json")) {
      o.json = true;
    } else if (!strcmp(a, "--lifetime")) {
      o.lifetime = true;
    } else if (!strcmp(a, "--behind") && v) {
      o.behind = argv[++i];
    } else if (!strcmp(a, "--loss") && v && (o.loss = strtod(v, &end), *end == '\0') &&
               o.loss >= 0 && o.loss <= 1) {
      i++;
    } else if (!strcmp(a, "--seed") && parse_seed(v, &o.seed) == 0) {
      i++;
    } else if (a[0] == '-') {
      fprintf(stderr, "natsim classify: bad option %s%s%s\n%s", a, v ? " " : "", v ? v : "",
              classify_usage);
      rc = 2;
    } else {
      models[o.nmodels++] = a;
    }
  }
  o.models = models;
  o.loader = model_loader_isolated();
  if (rc < 0) rc = classify_run(&o);
  free(models);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return 2;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    fputs(usage, stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    puts("natsim " NATSIM_VERSION);
    return 0;
  }
  if (!strcmp(argv[1], "run")) return cmd_run(argc - 2, argv + 2);
  if (!strcmp(argv[1], "classify")) return cmd_classify(argc - 2, argv + 2);
  if (!strcmp(argv[1], "regress")) return cmd_regress(argc - 2, argv + 2);
  if (!strcmp(argv[1], "report")) return cmd_report(argc - 2, argv + 2);
  if (!strcmp(argv[1], "serve")) return serve_main(argc - 2, argv + 2);
  if (!strcmp(argv[1], "probe")) return probe_main(argc - 2, argv + 2);
  if (!strcmp(argv[1], "turn-check")) return turn_check_main(argc - 2, argv + 2);
  fprintf(stderr, "natsim: unknown command '%s'\n%s", argv[1], usage);
  return 2;
}
