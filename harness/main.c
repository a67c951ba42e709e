/* main.c: the natsim command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "scenario.h"

static const char usage[] =
    "usage: natsim COMMAND [OPTIONS]\n"
    "\n"
    "natsim runs NAT traversal scenarios in ns-3 virtual time.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.lua   run a scenario script (natsim run --help)\n"
    "  classify [MODEL]   discover each NAT model's behaviour with RFC 5780\n"
    "                     and compare it with the model (natsim classify --help)\n"
    "\n"
    "options:\n"
    "  -h, --help         this text\n"
    "  --version          the version\n"
    "\n"
    "The Lua API for scenarios and NAT models is in docs/lua-api.md.\n";

static const char run_usage[] =
    "usage: natsim run SCENARIO.lua [--seed N] [--out DIR] [--json FILE] [--pcap DIR]\n"
    "                               [--set KEY=VALUE ...]\n"
    "\n"
    "Runs a scenario script in virtual time. All randomness comes from the\n"
    "seed: the same scenario with the same seed gives the same output.\n"
    "\n"
    "options:\n"
    "  --seed N     the scenario's seed, a non-negative integer (default 1)\n"
    "  --out DIR    write DIR/results.json: checks, totals, per-node counters,\n"
    "               and the versions of any natsim.experiment\n"
    "  --json FILE  write the experiment results alone, as JSON: {scenario,\n"
    "               seed, versions}; the schema is in reports/README.md\n"
    "  --pcap DIR   capture every link's packets into DIR/natsim-NODE-DEV.pcap\n"
    "  --set K=V    an override the scenario reads as natsim.params.K (a string)\n"
    "  -h, --help   this text\n"
    "\n"
    "exit status: 0 when every check passed, 1 when a check failed,\n"
    "2 for a usage, scenario or model error.\n";

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

static int cmd_run(int argc, char **argv) {
  scenario_opts o = {.seed = 1};
  const char *params[64];
  o.params = params;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(run_usage, stdout);
      return 0;
    } else if (!strcmp(a, "--seed")) {
      if (parse_seed(v, &o.seed) != 0) {
        fprintf(stderr, "natsim run: --seed expects a non-negative integer, got %s\n",
                v ? v : "nothing");
        return 2;
      }
      i++;
    } else if (!strcmp(a, "--out") || !strcmp(a, "--pcap") || !strcmp(a, "--json")) {
      if (!v) {
        fprintf(stderr, "natsim run: %s expects a %s\n", a, a[2] == 'j' ? "file" : "directory");
        return 2;
      }
      *(a[2] == 'o' ? &o.out_dir : a[2] == 'j' ? &o.json : &o.pcap_dir) = v;
      i++;
    } else if (!strcmp(a, "--set")) {
      if (!v || !strchr(v, '=') || v[0] == '=' || o.nparams == 64) {
        fprintf(stderr, "natsim run: --set expects KEY=VALUE, got %s\n", v ? v : "nothing");
        return 2;
      }
      params[o.nparams++] = v;
      i++;
    } else if (a[0] == '-') {
      fprintf(stderr, "natsim run: unknown option %s\n%s", a, run_usage);
      return 2;
    } else if (o.path) {
      fprintf(stderr, "natsim run: one scenario at a time (got %s and %s)\n", o.path, a);
      return 2;
    } else {
      o.path = a;
    }
  }
  if (!o.path) {
    fprintf(stderr, "natsim run: no scenario given\n%s", run_usage);
    return 2;
  }
  return scenario_run(&o);
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
  fprintf(stderr, "natsim: unknown command '%s'\n%s", argv[1], usage);
  return 2;
}
