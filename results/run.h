/*
** run.h: a results file (schema natsim-run/1, reports/README.md) read
** once into typed structs, for the code that reads results back: the
** Markdown, HTML and JUnit reports and regression testing.
**
** Reading checks every field it keeps: its JSON type and its range
** (counts are non-negative integers, rates lie in [0, 1], times are not
** negative, a target names a known metric). An error names the source,
** the field and what was expected and got:
**   results.json: versions[2].direct_rate: expected a number from 0 to 1, got "x"
** A field that is absent reads as 0, false, "" or an empty list, except
** the few a results file cannot do without (schema, scenario, versions,
** a version's or a check's name, a cell's classes, a target's metric and
** op). Unknown fields are ignored. Nodes are not read (no reader uses them),
** nor config's links and workload (for readers of the file, not of code).
**
** Ownership: run_results and everything it points to is the caller's,
** released with run_free. Strings point into storage run_free releases.
*/
#ifndef NATSIM_RUN_H
#define NATSIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"

/* A {p50, p95} pair of times in ms. */
typedef struct run_pct {
  double p50;
  double p95;
} run_pct;

/* A time histogram: counts[i] from edges_ms[i] up to edges_ms[i + 1] (the
** last bin open); n == 0 when the file has none. */
typedef struct run_hist {
  size_t n;
  double edges_ms[SCHEMA_HIST_BINS];
  int64_t counts[SCHEMA_HIST_BINS];
} run_hist;

/* One target verdict of a version. */
typedef struct run_target {
  enum schema_metric metric;
  const char *op;    /* ">=", "<=" or "=" */
  double target;
  double measured;
  bool ok;
  bool has_ci;       /* the rates carry a 95% Wilson interval */
  double ci[2];
  bool straddles;    /* the target lies strictly inside ci */
} run_target;

/* One pair of population classes in a version's matrix. */
typedef struct run_cell {
  const char *a;
  const char *b;
  int64_t attempts;
  int64_t direct;
  int64_t relayed;
  int64_t failed;
  int64_t missed_direct;
  int64_t turn;
  int64_t feasible;
  double expected_direct;
  double probes_per_attempt;
  double direct_ms_mean;
} run_cell;

/* A version's cost for the scenario's usage profile (cost; all zero and
** present false in files without one). Bytes, GB and US$ are not negative. */
typedef struct run_cost {
  bool present;
  double gateway_bytes_per_session;
  double turn_bytes_per_session;
  double stun_turn_requests_per_session;
  double allocations_per_session;
  double keepalives_per_peer_hour;
  double gateway_gb_month;
  double turn_gb_month;
  double gateway_usd_month;
  double stun_turn_usd_month;
  double total_usd_month;
} run_cost;

/* A class's keepalive interval. */
typedef struct run_keepalive {
  const char *cls;
  double s;
} run_keepalive;

/* One version of an experiment (a natsim-results/1 version object). */
typedef struct run_version {
  const char *name;
  const char *strategy;
  const char *transport;
  const char *upgrade;      /* "migrate", "switch", "none"; "" in older files */
  int64_t attempts;
  int64_t connected;
  int64_t data_verified;
  int64_t direct;
  int64_t relayed;
  int64_t failed;
  int64_t failures[SCHEMA_FAILURES];
  const char *failure_examples[SCHEMA_FAILURES]; /* "" when none */
  int64_t rogue;
  run_pct handshake_ms;
  run_pct migration_ms;
  run_pct on_direct_ms;     /* zeros in older files */
  int64_t migrations;
  int64_t fell_back;
  int64_t retransmitted;
  int64_t wire_relayed;  /* wire_bytes.relayed */
  int64_t wire_direct;   /* wire_bytes.direct */
  int64_t wire_turn;     /* wire_bytes.turn */
  int64_t turn;
  int64_t missed_direct;
  int64_t data_errors;
  double direct_rate;
  double direct_rate_ci[2];
  double gateway_load;
  double hops_mean;
  double rtt_ms_mean;
  run_pct connect_ms;
  run_pct direct_ms;
  int64_t bytes_direct;
  int64_t bytes_relayed;
  int64_t bytes_turn;
  int64_t events;
  run_pct ice_check_ms;
  run_pct ice_nominated_ms;
  int64_t stun_requests;
  int64_t turn_allocations;
  int64_t turn_bytes;
  run_keepalive keepalive_s[SCHEMA_MAX_CLASSES];
  size_t nkeepalive;
  int64_t same_nat_attempts;
  int64_t same_nat_direct;
  run_hist connect_hist;
  run_hist direct_hist;
  run_target *targets;
  size_t ntargets;
  run_cell *matrix;
  size_t ncells;
  run_cell *vpairs;       /* mixed runs only: by pair of versions (a, b version names;
                          ** only attempts, direct, relayed, failed: they add up) */
  size_t nvpairs;
  run_cost cost;
} run_version;

/* One natsim.check. */
typedef struct run_check {
  const char *name;
  bool ok;
  const char *detail;
} run_check;

/* One --set override. */
typedef struct run_param {
  const char *key;
  const char *value;
} run_param;

/* One population entry of an experiment in config (the model paths as
** written; behaviours "" when not given). */
typedef struct run_class {
  size_t experiment;     /* index in config.experiments */
  const char *name;
  double weight;
  const char *model;
  const char *behind;
  const char *behaviour;
  const char *behind_behaviour;
} run_class;

typedef struct run_results {
  const char *scenario;
  double seed;           /* a JSON number: exact up to 2^53 */
  run_param *params;
  size_t nparams;
  bool has_config;       /* false in older files: the fields below are empty */
  const char *scenario_sha256; /* "" when unknown */
  run_param *resolved;   /* config.params: every natsim.param and its value */
  size_t nresolved;
  run_class *classes;    /* every experiment's population, in order */
  size_t nclasses;
  double virtual_time_s;
  int64_t events;        /* the run's own; versions count theirs */
  int64_t sent;          /* totals */
  int64_t received;
  int64_t lost;
  int64_t nat_dropped;
  run_check *checks;
  size_t nchecks;
  run_version *versions;
  size_t nversions;
  void *store;           /* private: what the strings point into */
} run_results;

/* Reads len bytes of results text; `source` names it in errors ("results",
** a path). 0, or -1 with "SOURCE: ..." in err (a syntax error's line and
** column, or the field at fault); *out is then empty (run_free is safe). */
int run_parse(const char *text, size_t len, const char *source, run_results *out, char *err,
              size_t errlen);
/* Reads a results file; errors name the path, as run_parse. */
int run_read_file(const char *path, run_results *out, char *err, size_t errlen);
/* Releases what run_parse filled in; leaves *r empty. NULL is fine. */
void run_free(run_results *r);

/* ns-3 events of the run, experiments' simulations included. */
int64_t run_events(const run_results *r);
/* The version named `name`, or NULL. */
const run_version *run_find_version(const run_results *r, const char *name);
/* The first target of v on metric m, or NULL. */
const run_target *run_find_target(const run_version *v, enum schema_metric m);

#endif
