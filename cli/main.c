/* main.c: the natsim command line. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>

#include "classify.h"
#include "config.h"
#include "model.h"
#include "netns.h"
#include "options.h"
#include "probe.h"
#include "real.h"
#include "rpeer.h"
#include "regress.h"
#include "report.h"
#include "scenario.h"
#include "serve.h"
#include "shard.h"
#include "sweep.h"

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
    "  merge SHARD/results.json... --out DIR\n"
    "                     combine the shards of a run (natsim run --shard K/N)\n"
    "  sweep SCENARIO.lua --set K=V1,V2,... --seeds 1-5 --out DIR\n"
    "                     run a scenario over a grid of parameters and seeds;\n"
    "                     means, confidence intervals, plots (natsim sweep --help)\n"
    "\n"
    "on real UDP sockets (natsim COMMAND --help):\n"
    "  serve stun|turn|gateway --listen ADDR:PORT ...\n"
    "                     run a STUN (RFC 5780), TURN or gateway server\n"
    "  probe --stun ADDR:PORT\n"
    "                     discover this host's NAT behaviour (RFC 5780)\n"
    "  turn-check --server ADDR:PORT --user USER:PASS\n"
    "                     check a TURN server step by step\n"
    "  peer --gateway ADDR:PORT --id N --key HEX [--connect N]\n"
    "                     a peer: relay, hole punching, direct path\n"
    "  emul-clean         remove what emulated runs killed with SIGKILL left\n"
    "\n"
    "options:\n"
    "  -h, --help         this text\n"
    "  --version          the version\n"
    "\n"
    "The Lua API for scenarios and NAT models is in docs/lua-api.md.\n";

/* --- run and regress ------------------------------------------------------------ */

#define MAX_PARAMS 64 /* --set options a run takes */
#define RUN_OPTIONS 12 /* rows run_options writes */

/* The options `natsim run` and `natsim regress` share, into t (room for
** RUN_OPTIONS); returns how many. */
static int run_options(opt *t, scenario_opts *o, const char **params) {
  int n = 0;
  t[n++] = (opt){"seed", "N", OPT_U64, &o->seed, 0, 0, NULL,
                 "the scenario's seed, a non-negative integer (default 1)"};
  t[n++] = (opt){"out", "DIR", OPT_STRING, &o->out_dir, 0, 0, NULL,
                 "write DIR/results.json (checks, totals, per-node counters,\n"
                 "the versions of any natsim.experiment), DIR/report.md and\n"
                 "DIR/report.html (charts; needs no network to view)"};
  t[n++] = (opt){"junit", "FILE", OPT_STRING, &o->junit, 0, 0, NULL,
                 "write JUnit XML: a test case per check and per target"};
  t[n++] = (opt){"json", "FILE", OPT_STRING, &o->json, 0, 0, NULL,
                 "write the experiment results alone, as JSON: {scenario,\n"
                 "seed, versions}; the schema is in reports/README.md"};
  t[n++] = (opt){"pcap", "DIR", OPT_STRING, &o->pcap_dir, 0, 0, NULL,
                 "capture packets into DIR: both ends of every node's uplink,\n"
                 "as DIR/natsim-[VERSION-][aN-]NODE-uplink.pcap and\n"
                 "DIR/natsim-[VERSION-][aN-]PARENT-to-NODE.pcap, listed with\n"
                 "their node, device, addresses, attempt and role in\n"
                 "DIR/manifest.json (docs/traces.md); experiments capture\n"
                 "their servers and every attempt (at most 50: see below)"};
  t[n++] = (opt){"pcap-attempts", "LIST", OPT_STRING, &o->pcap_attempts, 0, 0, NULL,
                 "the attempts --pcap captures: N, N-M (from 0) or A:B (a\n"
                 "class pair, either order; * is any class), separated by\n"
                 "commas; an attempt must match a number or range (if any\n"
                 "is given) and a class pair (if any is given)"};
  t[n++] = (opt){"set", "K=V", OPT_KEYVALUE, params, 0, MAX_PARAMS, &o->nparams,
                 "an override of the scenario's parameter K (natsim.param)"};
  t[n++] = (opt){"quiet", NULL, OPT_FLAG, &o->quiet, 0, 0, NULL,
                 "no progress display (on stderr, while experiments run)"};
  t[n++] = (opt){"attempts", "FILE", OPT_STRING, &o->attempts, 0, 0, NULL,
                 "write a JSON line per attempt of every experiment (its\n"
                 "classes, NATs, outcome, times, path; reports/README.md)"};
  t[n++] = (opt){"max-instructions", "N", OPT_LONG, &o->max_instructions, 1, 1e12, NULL,
                 "stop a NAT model hook or callback that runs more than N Lua\n"
                 "instructions in one call (default 100000000), exit 2"};
  t[n++] = (opt){"jobs", "N", OPT_LONG, &o->jobs, 1, 256, NULL,
                 "run each experiment version's attempts in N worker processes\n"
                 "at a time (default: one per core; 1: in natsim itself when\n"
                 "they fit one batch; --pcap and --emulate: 1); results are\n"
                 "the same for every N (docs/scale.md)"};
  t[n++] = (opt){"batch", "N", OPT_LONG, &o->batch, 1, 1e6, NULL,
                 "simulate at most N attempts at once: a version's attempts\n"
                 "run as simulations of N or fewer, each in a worker process\n"
                 "(default 250; not with --pcap, --emulate or --shard);\n"
                 "results are the same for every N"};
  return n;
}

static const opt help_opt = {"help", NULL, OPT_HELP, NULL, 0, 0, NULL, "this text"};

/* Parses a run-like command's arguments: its options, and at most one
** scenario among the positional arguments (o->path, NULL when none). */
static int parse_scenario_cmd(const opt_cmd *c, int argc, char **argv, const char **pos,
                              scenario_opts *o) {
  int npos;
  int rc = opt_parse(c, argc, argv, pos, &npos);
  if (rc != OPT_CONTINUE) return rc;
  if (npos > 1) return opt_usage_error(c, "one scenario at a time (got %s and %s)", pos[0], pos[1]);
  o->path = npos ? pos[0] : NULL;
  if (o->pcap_attempts && !o->pcap_dir) return opt_usage_error(c, "--pcap-attempts needs --pcap DIR");
  if (o->batch && (o->pcap_dir || o->emulate))
    return opt_usage_error(c, "--batch: not with --pcap or --emulate (they simulate every "
                              "attempt at once, in natsim itself)");
  return OPT_CONTINUE;
}

/* --shard K/N into o: 0 <= K < N <= SHARD_MAX. */
static int parse_shard(const opt_cmd *c, const char *v, scenario_opts *o) {
  int k = -1;
  int shards = 0;
  int used = 0;
  if (sscanf(v, "%d/%d%n", &k, &shards, &used) != 2 || v[used] || k < 0 || shards < 1 ||
      k >= shards || shards > SHARD_MAX)
    return opt_usage_error(c, "option '--shard': expected K/N with 0 <= K < N <= %d, got '%s'",
                           SHARD_MAX, v);
  o->shard = k;
  o->shards = shards;
  return OPT_CONTINUE;
}

static int cmd_run(int argc, char **argv, const char **pos) {
  scenario_opts o = {.seed = 1};
  const char *params[MAX_PARAMS];
  const char *shard = NULL;
  o.params = params;
  opt t[RUN_OPTIONS + 3];
  int n = run_options(t, &o, params);
  t[n++] = (opt){"shard", "K/N", OPT_STRING, &shard, 0, 0, NULL,
                 "run only share K (from 0) of N of each experiment version's\n"
                 "attempts; --out's results.json keeps what natsim merge needs"};
  t[n++] = (opt){"emulate", NULL, OPT_FLAG, &o.emulate, 0, 0, NULL,
                 "allow real hosts (natsim.host{exec=}): real programs in\n"
                 "network namespaces behind the simulated NATs (root). The\n"
                 "scenario's network then runs in real time: not\n"
                 "reproducible (natsim.experiment excepted; docs/emulation.md)"};
  t[n++] = help_opt;
  opt_cmd c = {"run",
               "usage: natsim run SCENARIO.lua [--seed N] [--out DIR] [--json FILE] [--junit FILE]\n"
               "                               [--pcap DIR [--pcap-attempts LIST]]\n"
               "                               [--set KEY=VALUE ...] [--quiet]\n"
               "                               [--attempts FILE] [--max-instructions N]\n"
               "                               [--jobs N] [--batch N] [--shard K/N] [--emulate]\n"
               "\n"
               "Runs a scenario script in virtual time. All randomness comes from the\n"
               "seed: the same scenario with the same seed gives the same output\n"
               "(with --emulate it runs in real time instead, and does not).\n",
               t, n,
               "exit status: 0 when every check passed, 1 when a check failed,\n"
               "2 for a usage, scenario or model error. A shard's run exits 1 on no\n"
               "check: natsim merge judges them.\n"};
  int rc = parse_scenario_cmd(&c, argc, argv, pos, &o);
  if (rc == OPT_CONTINUE && shard) rc = parse_shard(&c, shard, &o);
  if (rc != OPT_CONTINUE) return rc;
  if (!o.path) return opt_usage_error(&c, "no scenario given");
  if (o.shards && o.batch)
    return opt_usage_error(&c, "--batch: not with --shard (a shard is one simulation: for "
                              "smaller ones, ask for more shards)");
  if (o.shards && !o.out_dir)
    return opt_usage_error(&c, "--shard needs --out DIR (its results.json is what natsim merge "
                               "reads)");
  return scenario_run(&o);
}

/* --- merge ------------------------------------------------------------------------ */

static int cmd_merge(int argc, char **argv, const char **pos) {
  scenario_opts o = {0};
  const opt t[] = {
      {"out", "DIR", OPT_STRING, &o.out_dir, 0, 0, NULL,
       "write DIR/results.json, DIR/report.md and DIR/report.html"},
      {"junit", "FILE", OPT_STRING, &o.junit, 0, 0, NULL,
       "write JUnit XML: a test case per check and per target"},
      {"json", "FILE", OPT_STRING, &o.json, 0, 0, NULL, "write the experiment results alone"},
      {"quiet", NULL, OPT_FLAG, &o.quiet, 0, 0, NULL, "no progress display"},
      help_opt,
  };
  opt_cmd c = {"merge",
               "usage: natsim merge SHARD/results.json... --out DIR [--junit FILE] [--json FILE]\n"
               "\n"
               "Combines the results files of every shard of one run (natsim run --shard\n"
               "K/N --out SHARD) into the results, reports and JUnit XML one run would\n"
               "have written: the scenario script runs again, its experiments' attempts\n"
               "read from the shards (docs/scale.md).\n",
               t, 5,
               "exit status: as natsim run's: 0 when every check passed, 1 when a check\n"
               "failed, 2 for a usage error or shards that do not make one run.\n"};
  int npos;
  int rc = opt_parse(&c, argc, argv, pos, &npos);
  if (rc != OPT_CONTINUE) return rc;
  if (npos == 0 || (!o.out_dir && !o.junit && !o.json))
    return opt_usage_error(&c, "needs the shards' results.json files, and --out DIR, --junit "
                               "FILE or --json FILE");
  return scenario_merge(pos, npos, &o);
}

/* Compares a run with its baseline: the table on stdout and, with --junit,
** a JUnit file of its rows (replacing the run's, scenario_run having
** checked the path before the run). 0, 1 or 2 as regress. */
static int compare(const run_results *b, const run_results *now, const scenario_opts *o,
                   const char *baseline, const regress_opts *ro) {
  char err[1200];
  if (regress_shared(b, now, err, sizeof err) != 0 ||
      regress_same_population(b, now, err, sizeof err) != 0) {
    fprintf(stderr, "natsim regress: %s: %s\n", baseline, err);
    return 2;
  }
  FILE *junit = o->junit ? fopen(o->junit, "w") : NULL;
  if (o->junit && !junit) {
    fprintf(stderr, "natsim regress: cannot write %s: %s\n", o->junit, strerror(errno));
    return 2;
  }
  printf("\nregress: %s against %s (level %g, tolerance %g%%)\n", o->path, baseline, ro->level,
         100 * ro->tolerance);
  int n = regress_compare(b, now, ro, stdout, junit);
  if (junit && fclose(junit) != 0) n = -1;
  if (n < 0) {
    fprintf(stderr, "natsim regress: cannot write %s\n", o->junit);
    return 2;
  }
  printf("%d regression%s\n", n, n == 1 ? "" : "s");
  return n ? 1 : 0;
}

/* Runs the scenario and compares its results with the baseline file:
** 0 nothing regressed, 1 something did, 2 an error (on stderr). */
static int regress(scenario_opts *o, const char *baseline, const regress_opts *ro) {
  char err[1200];
  run_results b;
  run_results now = {0};
  if (run_read_file(baseline, &b, err, sizeof err) != 0) {
    fprintf(stderr, "natsim regress: %s\n", err);
    return 2;
  }
  char sha[65];
  if (config_sha256(o->path, sha, err, sizeof err) != 0) {
    fprintf(stderr, "natsim regress: %s\n", err);
    run_free(&b);
    return 2;
  }
  if (regress_comparable(&b, o->path, sha, err, sizeof err) != 0) {
    fprintf(stderr, "natsim regress: %s: %s\n", baseline, err);
    run_free(&b);
    return 2;
  }
  o->results = &now;
  int rc = scenario_run(o);
  if (rc != SCENARIO_ERROR && now.scenario)
    rc = compare(&b, &now, o, baseline, ro);
  else
    rc = 2;
  run_free(&b);
  run_free(&now);
  return rc;
}

static int cmd_regress(int argc, char **argv, const char **pos) {
  scenario_opts o = {.seed = 1};
  const char *params[MAX_PARAMS];
  const char *baseline = NULL;
  regress_opts ro = {.level = 0.05, .tolerance = 0.10};
  o.params = params;
  opt t[RUN_OPTIONS + 4];
  int n = 0;
  t[n++] = (opt){"baseline", "RESULTS.json", OPT_STRING, &baseline, 0, 0, NULL,
                 "the results.json to compare with (required)"};
  t[n++] = (opt){"level", "A", OPT_NUMBER_IN, &ro.level, 0, 0.5, NULL,
                 "significance level for rates, above 0 and below 0.5\n(default 0.05)"};
  t[n++] = (opt){"tolerance", "T", OPT_NUMBER_IN, &ro.tolerance, 0, 100, NULL,
                 "relative slack for other metrics, above 0 and below 100\n"
                 "(default 0.1: 10%)"};
  n += run_options(t + n, &o, params);
  t[n++] = help_opt;
  opt_cmd c = {"regress",
               "usage: natsim regress --baseline RESULTS.json SCENARIO.lua [--level A]\n"
               "                      [--tolerance T] [natsim run options]\n"
               "\n"
               "Runs the scenario and compares every metric of its results with the\n"
               "baseline (a results.json from natsim run --out of the same scenario).\n"
               "A rate (direct, connected, per NAT pair) regresses when its drop is\n"
               "significant in a one-sided two-proportion z-test at level A (default\n"
               "0.05); gateway load, hops and p95 times regress when they grow by more\n"
               "than T (relative, default 0.1); missed direct connections when their\n"
               "rate rises significantly (the same test), data errors when it grows; a\n"
               "target or check that was met and now is not. The baseline must share a\n"
               "version with the run. --junit FILE: a test case per row of the table.\n",
               t, n,
               "exit status: 0 nothing regressed, 1 something did (the table says what),\n"
               "2 an error (unreadable or incompatible baseline, bad scenario).\n"};
  int rc = parse_scenario_cmd(&c, argc, argv, pos, &o);
  if (rc != OPT_CONTINUE) return rc;
  if (!o.path || !baseline) return opt_usage_error(&c, "needs --baseline FILE and a scenario");
  return regress(&o, baseline, &ro);
}

/* --- report ---------------------------------------------------------------------- */

/* Creates dir if need be and writes the reports there: 0, or 2 with why in err. */
static int report_dir(const run_results *r, const char *dir, char *err, size_t len) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    snprintf(err, len, "cannot create %s: %s", dir, strerror(errno));
    return 2;
  }
  return report_write(r, dir, err, len) == 0 ? 0 : 2;
}

/* Writes the JUnit XML to path: 0, or 2 with why in err. */
static int report_junit_file(const run_results *r, const char *path, char *err, size_t len) {
  FILE *f = fopen(path, "w");
  if (f) report_junit(r, f);
  if (!f || fclose(f) != 0) {
    snprintf(err, len, "cannot write %s", path);
    return 2;
  }
  return 0;
}

/* Reads results file `in` and writes the reports asked for: 0, or 2 with
** the reason on stderr. */
static int write_reports(const char *in, const char *out, const char *junit) {
  char err[1200];
  run_results r;
  if (run_read_file(in, &r, err, sizeof err) != 0) {
    fprintf(stderr, "natsim report: %s\n", err);
    return 2;
  }
  int rc = 0;
  if (out) rc = report_dir(&r, out, err, sizeof err);
  if (rc == 0 && junit) rc = report_junit_file(&r, junit, err, sizeof err);
  if (rc) fprintf(stderr, "natsim report: %s: %s\n", in, err);
  run_free(&r);
  return rc;
}

static int cmd_report(int argc, char **argv, const char **pos) {
  const char *out = NULL;
  const char *junit = NULL;
  const opt t[] = {
      {"out", "DIR", OPT_STRING, &out, 0, 0, NULL, "write DIR/report.md and DIR/report.html"},
      {"junit", "FILE", OPT_STRING, &junit, 0, 0, NULL,
       "write JUnit XML: a test case per check and per target"},
      help_opt,
  };
  opt_cmd c = {"report",
               "usage: natsim report RESULTS.json [--out DIR] [--junit FILE]\n"
               "\n"
               "Writes DIR/report.md and DIR/report.html (and/or JUnit XML) from a\n"
               "results file, as natsim run --out does. The file's strings are written\n"
               "as text: escaped for Markdown, HTML and XML, never markup.\n",
               t, 3, NULL};
  int npos;
  int rc = opt_parse(&c, argc, argv, pos, &npos);
  if (rc != OPT_CONTINUE) return rc;
  if (npos > 1) return opt_usage_error(&c, "one results file at a time (got %s and %s)", pos[0], pos[1]);
  if (npos == 0 || (!out && !junit))
    return opt_usage_error(&c, "needs RESULTS.json, and --out DIR or --junit FILE");
  return write_reports(pos[0], out, junit);
}

/* --- classify -------------------------------------------------------------------- */

static int cmd_classify(int argc, char **argv, const char **pos) {
  classify_opts o = {.seed = 1};
  const opt t[] = {
      {"json", NULL, OPT_FLAG, &o.json, 0, 0, NULL,
       "print a JSON array of {model, mapping, filtering,\nallocation, match, ...} instead of the table"},
      {"behind", "MODEL", OPT_STRING, &o.behind, 0, 0, NULL,
       "put each model behind this one (NAT444, e.g.\nnat-models/carrier_grade.lua): the pair is classified"},
      {"loss", "P", OPT_NUMBER, &o.loss, 0, 1, NULL,
       "packet loss on the client's and server's links, 0 to 1"},
      {"lifetime", NULL, OPT_FLAG, &o.lifetime, 0, 0, NULL,
       "also measure mapping lifetimes (5 s resolution, up to\n240 s; costs that much virtual time)"},
      {"seed", "N", OPT_U64, &o.seed, 0, 0, NULL, "the seed (default 1)"},
      help_opt,
  };
  opt_cmd c = {"classify",
               "usage: natsim classify [MODEL.lua ...] [--json] [--behind MODEL.lua]\n"
               "                       [--loss P] [--lifetime] [--seed N]\n"
               "\n"
               "Runs NAT behaviour discovery (RFC 5780) in simulation: a host behind each\n"
               "model talks to a STUN server with two public addresses. Prints, per model,\n"
               "the configured and discovered mapping/filtering/allocation, hairpinning,\n"
               "the classic type, the STUN transactions and virtual time it took.\n"
               "MODEL.lua: the models to classify (default: every file in nat-models/).\n",
               t, 6,
               "exit status: 0 every model classified as configured, 1 one was not,\n"
               "2 an error.\n"};
  int rc = opt_parse(&c, argc, argv, pos, &o.nmodels);
  if (rc != OPT_CONTINUE) return rc;
  o.models = pos;
  o.loader = model_loader(NULL);
  return classify_run(&o);
}

/* --- serve, probe, turn-check (real sockets) ------------------------------------- */

/* No positional argument beyond the first `allowed`. */
static int no_more(const opt_cmd *c, const char **pos, int npos, int allowed) {
  if (npos > allowed) return opt_usage_error(c, "unexpected argument '%s'", pos[allowed]);
  return OPT_CONTINUE;
}

/* The server named `what`, with its required options: OPT_CONTINUE or an error. */
static int serve_check(const opt_cmd *c, const char *what, serve_opts *o) {
  if (!o->listen.family) return opt_usage_error(c, "--listen ADDR:PORT is required");
  if (!strcmp(what, "stun")) {
    o->kind = SERVE_STUN;
  } else if (!strcmp(what, "turn")) {
    o->kind = SERVE_TURN;
    if (!o->user) return opt_usage_error(c, "turn: --user USER:PASS is required");
  } else if (!strcmp(what, "gateway")) {
    o->kind = SERVE_GATEWAY;
    if (!o->peers)
      return opt_usage_error(c, "gateway: --peers FILE is required: the gateway admits only "
                                "peers whose keys it has (a line per peer: ID KEY)");
  } else {
    return opt_usage_error(c, "what to serve? stun, turn or gateway");
  }
  return OPT_CONTINUE;
}

#define MAX_PEER_RULES 64

static int cmd_serve(int argc, char **argv, const char **pos) {
  serve_opts o = {.realm = "natsim"};
  long delay = 100;
  long per_user = 512;
  long per_addr = 64;
  const char *allow[MAX_PEER_RULES];
  const char *deny[MAX_PEER_RULES];
  o.allow_peers = allow;
  o.deny_peers = deny;
  const opt t[] = {
      {"listen", "ADDR:PORT", OPT_ADDR, &o.listen, 0, 0, NULL, "the address and port to listen on"},
      {"alt", "ADDR:PORT", OPT_ADDR, &o.alt, 0, 0, NULL,
       "stun: a second address and port (RFC 5780)"},
      {"user", "USER:PASS", OPT_USERPASS, &o.user, 0, 0, NULL, "turn: the user it admits"},
      {"realm", "REALM", OPT_STRING, &o.realm, 0, 0, NULL, "turn: the realm (default natsim)"},
      {"allow-peer", "CIDR", OPT_CIDR, allow, 0, MAX_PEER_RULES, &o.nallow_peers,
       "turn: allow peers in this network (repeatable; the most specific\n"
       "rule wins, a network given both ways is denied)"},
      {"deny-peer", "CIDR", OPT_CIDR, deny, 0, MAX_PEER_RULES, &o.ndeny_peers,
       "turn: deny peers in this network, 403 (repeatable). Denied unless\n"
       "allowed: loopback, 0/8, link-local, multicast, 240/4, broadcast"},
      {"max-allocs-per-user", "N", OPT_LONG, &per_user, 0, 1000000, NULL,
       "turn: live allocations per user, 0 no limit (default 512)"},
      {"max-allocs-per-addr", "N", OPT_LONG, &per_addr, 0, 1000000, NULL,
       "turn: live allocations per client IP, 0 no limit (default 64)"},
      {"peers", "FILE", OPT_STRING, &o.peers, 0, 0, NULL, "gateway: the peers it admits"},
      {"punch-delay", "MS", OPT_LONG, &delay, 0, 60000, NULL,
       "gateway: hole-punching delay, 0 to 60000 ms (default 100)"},
      help_opt,
  };
  opt_cmd c = {"serve",
               "usage: natsim serve stun --listen ADDR:PORT [--alt ADDR:PORT]\n"
               "       natsim serve turn --listen ADDR:PORT --user USER:PASS [--realm REALM]\n"
               "                         [--allow-peer CIDR] [--deny-peer CIDR]\n"
               "                         [--max-allocs-per-user N] [--max-allocs-per-addr N]\n"
               "       natsim serve gateway --listen ADDR:PORT --peers FILE [--punch-delay MS]\n"
               "\n"
               "Runs a server on real UDP sockets until SIGINT or SIGTERM.\n"
               "  stun     Binding (RFC 8489); with --alt, a second address and port, the\n"
               "           four sockets of RFC 5780 behaviour discovery\n"
               "  turn     TURN (RFC 8656) with long-term credentials; relayed addresses on\n"
               "           the listening IP, ports 49152-65535 (default realm: natsim)\n"
               "  gateway  the natsim gateway (docs/gateway-protocol.md): registration,\n"
               "           sessions, relay, hole-punching coordination. FILE has a line per\n"
               "           peer it admits: ID (decimal) and KEY (32 hex digits). Replayed\n"
               "           frames are dropped; session ids, keys and nonces come from\n"
               "           GnuTLS's key generator, session keys travel sealed (AES-GCM)\n",
               t, 11, NULL};
  int npos;
  int rc = opt_parse(&c, argc, argv, pos, &npos);
  if (rc == OPT_CONTINUE) rc = no_more(&c, pos, npos, 1);
  if (rc == OPT_CONTINUE) rc = serve_check(&c, npos ? pos[0] : "", &o);
  if (rc != OPT_CONTINUE) return rc;
  o.punch_delay_ms = (uint32_t)delay;
  o.max_allocs_per_user = (int)per_user;
  o.max_allocs_per_addr = (int)per_addr;
  return serve_run(&o);
}

static int cmd_probe(int argc, char **argv, const char **pos) {
  probe_opts o = {.rto_ms = 500};
  const opt t[] = {
      {"stun", "ADDR:PORT", OPT_ADDR4, &o.server, 0, 0, NULL,
       "the STUN server, IPv4, with two addresses (required)"},
      {"json", NULL, OPT_FLAG, &o.json, 0, 0, NULL, "print JSON, the fields of natsim classify --json"},
      {"rto", "MS", OPT_LONG, &o.rto_ms, 1, 10000, NULL,
       "the initial retransmission timeout, 1 to 10000 (default\n"
       "RFC 8489's 500 ms; a filtering test that gets no answer\n"
       "waits 79 RTOs, 39.5 s by default)"},
      help_opt,
  };
  opt_cmd c = {"probe",
               "usage: natsim probe --stun ADDR:PORT [--json] [--rto MS]\n"
               "\n"
               "Runs NAT behaviour discovery (RFC 5780) from this host against a STUN\n"
               "server with two addresses (natsim serve stun --alt, or another RFC 5780\n"
               "server) and prints mapping, filtering, allocation, hairpinning and the\n"
               "classic type, with the spellings and JSON fields of natsim classify.\n",
               t, 4, "exit status: 0 done, 1 the server did not answer, 2 a usage error.\n"};
  int npos;
  int rc = opt_parse(&c, argc, argv, pos, &npos);
  if (rc == OPT_CONTINUE) rc = no_more(&c, pos, npos, 0);
  if (rc != OPT_CONTINUE) return rc;
  if (!o.server.family) return opt_usage_error(&c, "--stun ADDR:PORT is required");
  return probe_run(&o);
}

static int cmd_peer(int argc, char **argv, const char **pos) {
  rpeer_opts o = {.messages = 20, .timeout_s = 20, .settle_ms = 3000};
  long id = 0;
  long connect = 0;
  const char *key = NULL;
  const opt t[] = {
      {"gateway", "ADDR:PORT", OPT_ADDR4, &o.gateway, 0, 0, NULL,
       "the gateway (natsim serve gateway), IPv4 (required)"},
      {"id", "N", OPT_LONG, &id, 1, 4294967295.0, NULL, "this peer's id (required)"},
      {"key", "HEX", OPT_STRING, &key, 0, 0, NULL,
       "this peer's key, 32 hex digits, as in the gateway's\npeer file (required)"},
      {"connect", "N", OPT_LONG, &connect, 1, 4294967295.0, NULL,
       "connect to peer N (default: wait to be connected)"},
      {"messages", "N", OPT_LONG, &o.messages, 1, 100000, NULL,
       "messages to send and to receive, 20 ms apart (default 20)"},
      {"timeout", "S", OPT_LONG, &o.timeout_s, 1, 3600, NULL,
       "seconds it may all take, 1 to 3600 (default 20)"},
      {"settle", "MS", OPT_LONG, &o.settle_ms, 0, 60000, NULL,
       "after the data, how long to wait for the direct path\n(default 3000)"},
      {"json", NULL, OPT_FLAG, &o.json, 0, 0, NULL,
       "print JSON: {id, other, sent, received, direct,\nbytes_relayed, bytes_direct}"},
      help_opt,
  };
  opt_cmd c = {"peer",
               "usage: natsim peer --gateway ADDR:PORT --id N --key HEX [--connect N]\n"
               "                   [--messages N] [--timeout S] [--settle MS] [--json]\n"
               "\n"
               "One peer of the traversal stack (v0.8: the gateway relay, then hole\n"
               "punching and the move to the direct path) on a real UDP socket: it\n"
               "registers with the gateway, connects to peer N (or waits for a peer to\n"
               "connect), sends and receives the messages, and prints whether the\n"
               "session went direct.\n",
               t, 9,
               "exit status: 0 every message went both ways, 1 not (the reason on\n"
               "stderr), 2 a usage error or no socket.\n"};
  int npos;
  int rc = opt_parse(&c, argc, argv, pos, &npos);
  if (rc == OPT_CONTINUE) rc = no_more(&c, pos, npos, 0);
  if (rc != OPT_CONTINUE) return rc;
  if (!o.gateway.family || !id || !key)
    return opt_usage_error(&c, "--gateway, --id and --key are required");
  if (real_parse_key(key, o.key) != 0)
    return opt_usage_error(&c, "option '--key': expected 32 hex digits, got '%s'", key);
  o.id = (uint32_t)id;
  o.connect = (uint32_t)connect;
  return rpeer_run(&o);
}

static int cmd_turn_check(int argc, char **argv, const char **pos) {
  turn_check_opts o = {.timeout_s = 10};
  const opt t[] = {
      {"server", "ADDR:PORT", OPT_ADDR4, &o.server, 0, 0, NULL, "the TURN server, IPv4 (required)"},
      {"user", "USER:PASS", OPT_USERPASS, &o.user, 0, 0, NULL, "the credentials (required)"},
      {"timeout", "S", OPT_LONG, &o.timeout_s, 1, 3600, NULL,
       "seconds the steps may take, 1 to 3600 (default 10)"},
      help_opt,
  };
  opt_cmd c = {"turn-check",
               "usage: natsim turn-check --server ADDR:PORT --user USER:PASS [--timeout S]\n"
               "\n"
               "Checks a TURN server (RFC 8656) step by step: allocate (with the 401\n"
               "challenge), create a permission for a local peer, send it a datagram in a\n"
               "Send indication, get its reply in a Data indication, bind a channel and\n"
               "send ChannelData. The peer is a socket of this program on the local\n"
               "address toward the server.\n",
               t, 4, "exit status: 0 every step passed, 1 one did not, 2 a usage error.\n"};
  int npos;
  int rc = opt_parse(&c, argc, argv, pos, &npos);
  if (rc == OPT_CONTINUE) rc = no_more(&c, pos, npos, 0);
  if (rc != OPT_CONTINUE) return rc;
  /* An empty password is refused, as before. */
  bool no_pass = !o.user || strchr(o.user, ':')[1] == '\0';
  if (!o.server.family || no_pass) return opt_usage_error(&c, "--server and --user are required");
  return turn_check_run(&o);
}

static int cmd_emul_clean(int argc, char **argv, const char **pos) {
  const opt t[] = {help_opt};
  opt_cmd c = {"emul-clean",
               "usage: natsim emul-clean\n"
               "\n"
               "Removes the network namespaces (natsim-PID-HOST) of emulated runs whose\n"
               "natsim process is gone, as a run killed with SIGKILL leaves them, with\n"
               "their TAP devices; prints how many. Every run with real hosts does this\n"
               "first. Also tells whether this machine can run real hosts.\n",
               t, 1,
               "exit status: 0 done, 2 this machine cannot run real hosts (not root,\n"
               "no /dev/net/tun, no network namespaces: the reason on stderr).\n"};
  int npos;
  int rc = opt_parse(&c, argc, argv, pos, &npos);
  if (rc == OPT_CONTINUE) rc = no_more(&c, pos, npos, 0);
  if (rc != OPT_CONTINUE) return rc;
  char err[512];
  int n = netns_check(err, sizeof err) == 0 ? netns_clean_stale(err, sizeof err) : -1;
  if (n < 0) {
    fprintf(stderr, "natsim emul-clean: %s\n", err);
    return 2;
  }
  printf("removed %d namespace%s\n", n, n == 1 ? "" : "s");
  return 0;
}

/* --- sweep ------------------------------------------------------------------------ */

/* The grid of --set (split at commas), --fix (whole) and --seeds into g:
** OPT_CONTINUE, or a usage error. */
static int sweep_grid(const opt_cmd *c, const char **sets, int nsets, const char **fixes,
                      int nfixes, const char *seeds, grid *g) {
  char err[1200];
  for (int i = 0; i < nsets; i++)
    if (grid_add_param(g, sets[i], true, err, sizeof err) != 0)
      return opt_usage_error(c, "%s", err);
  for (int i = 0; i < nfixes; i++)
    if (grid_add_param(g, fixes[i], false, err, sizeof err) != 0)
      return opt_usage_error(c, "%s", err);
  if (grid_set_seeds(g, seeds, err, sizeof err) != 0) return opt_usage_error(c, "%s", err);
  return OPT_CONTINUE;
}

/* Runs the sweep: 0 or 1 as sweep_run, 2 for an error (on stderr). */
static int sweep(const grid *g, const sweep_opts *o) {
  char err[4096];
  int rc = sweep_run(g, o, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "natsim sweep: %s\n", err);
    return 2;
  }
  printf("natsim sweep: %d runs (%d point%s x %d seed%s): %s/sweep.md, sweep.json, sweep.csv%s\n",
         g->npoints * g->nseeds, g->npoints, g->npoints == 1 ? "" : "s", g->nseeds,
         g->nseeds == 1 ? "" : "s", o->out_dir, g->nswept ? ", plots/" : " (no plots: nothing swept)");
  if (rc == SWEEP_CHECK_FAILED) printf("some runs had a check fail: see the checks failed column\n");
  return rc;
}

static int cmd_sweep(int argc, char **argv, const char **pos) {
  sweep_opts o = {0};
  const char *sets[GRID_MAX_PARAMS];
  const char *fixes[GRID_MAX_PARAMS];
  int nsets = 0;
  int nfixes = 0;
  const char *seeds = "1";
  const opt t[] = {
      {"set", "K=V1,V2,...", OPT_KEYVALUE, sets, 0, GRID_MAX_PARAMS, &nsets,
       "parameter K (natsim.param): swept over the comma-separated\n"
       "values, fixed when there is one"},
      {"fix", "K=V", OPT_KEYVALUE, fixes, 0, GRID_MAX_PARAMS, &nfixes,
       "parameter K fixed at V, commas and all (a list parameter:\n"
       "--fix versions=v0.8,v0.9)"},
      {"seeds", "LIST", OPT_STRING, &seeds, 0, 0, NULL,
       "the seeds each point runs with: N, A-B and lists of them,\n"
       "as 1-5 or 1,3,7 or 1-3,10 (default 1)"},
      {"out", "DIR", OPT_STRING, &o.out_dir, 0, 0, NULL,
       "write DIR/sweep.md, DIR/sweep.json, DIR/sweep.csv,\n"
       "DIR/plots/RATE.svg and each run into DIR/runs/ (required)"},
      {"jobs", "N", OPT_LONG, &o.jobs, 1, 256, NULL,
       "runs at a time, each a natsim run --jobs 1 (default: one\n"
       "per core); the outputs are the same for every N"},
      {"max-instructions", "N", OPT_LONG, &o.max_instructions, 1, 1e12, NULL,
       "each run's --max-instructions"},
      {"quiet", NULL, OPT_FLAG, &o.quiet, 0, 0, NULL, "no line on stderr as each run ends"},
      help_opt,
  };
  opt_cmd c = {"sweep",
               "usage: natsim sweep SCENARIO.lua --set K=V1,V2,... [--set K=V ...] [--fix K=V ...]\n"
               "                    [--seeds LIST] --out DIR [--jobs N] [--quiet]\n"
               "\n"
               "Runs the scenario at every point of a grid: every combination of the\n"
               "values of the swept parameters, each with every seed, as natsim run\n"
               "would (each run in DIR/runs/K=V/.../seed-N/). Then, for each point and\n"
               "version, the mean over the seeds and its 95% confidence interval\n"
               "(Student t; none with one seed) of every rate: direct, relayed, turn,\n"
               "failed, connected, reliability, missed_direct, gateway_load; as a table\n"
               "(sweep.md), JSON with each seed's values (sweep.json), CSV, and a plot\n"
               "per rate against the first swept parameter, a line per version\n"
               "(plots/; with more swept parameters, one per combination of the\n"
               "others). docs/sweep.md has the details.\n",
               t, 8,
               "exit status: 0 every run passed its checks, 1 some run had a check fail\n"
               "(it still counts), 2 a usage error or a run that failed (named, with\n"
               "the end of its stderr).\n"};
  int npos;
  int rc = opt_parse(&c, argc, argv, pos, &npos);
  if (rc != OPT_CONTINUE) return rc;
  if (npos != 1) return opt_usage_error(&c, "needs one scenario (got %d)", npos);
  if (!o.out_dir) return opt_usage_error(&c, "needs --out DIR");
  o.scenario = pos[0];
  grid g = {0};
  rc = sweep_grid(&c, sets, nsets, fixes, nfixes, seeds, &g);
  if (rc == OPT_CONTINUE) rc = sweep(&g, &o);
  grid_free(&g);
  return rc;
}

/* --- commands -------------------------------------------------------------------- */

typedef int (*command_fn)(int argc, char **argv, const char **pos);

static const struct command {
  const char *name;
  command_fn run;
} commands[] = {
    {"run", cmd_run},         {"classify", cmd_classify}, {"regress", cmd_regress},
    {"report", cmd_report},   {"serve", cmd_serve},       {"probe", cmd_probe},
    {"turn-check", cmd_turn_check}, {"merge", cmd_merge},
    {"emul-clean", cmd_emul_clean}, {"peer", cmd_peer},           {"sweep", cmd_sweep},
};

static command_fn find_command(const char *name) {
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(commands[i].name, name)) return commands[i].run;
  return NULL;
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
  command_fn run = find_command(argv[1]);
  if (!run) {
    const char *what = argv[1][0] == '-' ? "option" : "command";
    fprintf(stderr, "natsim: unknown %s '%s'\n(natsim --help lists the commands)\n", what, argv[1]);
    return 2;
  }
  /* Room for every argument as a positional one. */
  const char **pos = calloc((size_t)argc, sizeof *pos);
  if (!pos) {
    fputs("natsim: out of memory\n", stderr);
    return 2;
  }
  int rc = run(argc - 2, argv + 2, pos);
  free(pos);
  return rc;
}
