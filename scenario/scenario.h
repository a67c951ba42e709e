/*
** scenario.h: running one scenario script: a fresh Lua state and world,
** the script, the checks it recorded, and the results file.
*/
#ifndef NATSIM_SCENARIO_H
#define NATSIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "run.h"

typedef struct scenario_opts {
  const char *path;
  uint64_t seed;
  const char *out_dir;  /* NULL: no results file; else results.json, report.md, report.html */
  const char *junit;    /* NULL: no JUnit XML */
  const char *pcap_dir; /* NULL: no capture */
  const char *pcap_attempts; /* NULL: every attempt; else a selection (capture.h) */
  const char *json;     /* NULL: no experiment results file */
  const char **params;  /* "KEY=VALUE" overrides, for natsim.params */
  int nparams;
  bool quiet;           /* no progress lines */
  long max_instructions; /* per hook or callback call (watchdog.h); 0: WATCHDOG_BUDGET */
  const char *attempts; /* NULL: no per-attempt records; else a JSON line per attempt */
  run_results *results; /* non-NULL: filled with the results; the caller's, freed with run_free */
  long jobs;            /* worker processes per experiment version; 0: one per core; 1: none */
  long batch;           /* attempts per simulation (each in a worker process); 0: SCENARIO_BATCH */
  int shard, shards;    /* --shard K/N: only that share of each version's attempts; shards 0: all */
  struct shard_ctx *replay; /* natsim merge: experiments' parts read from shards (shard.h) */
  bool emulate;         /* real hosts allowed; the simulation runs in real time (lua_real.h) */
} scenario_opts;

/* Attempts per simulation by default: a worker's memory stays near 100 MB
** (250 QUIC pairs), and small simulations cost less per event. */
#define SCENARIO_BATCH 250

/* Exit codes of `natsim run`. */
enum { SCENARIO_OK = 0, SCENARIO_CHECK_FAILED = 1, SCENARIO_ERROR = 2 };

/* Runs the scenario; errors go to stderr. Returns a SCENARIO_ code. A
** shard's run (shards > 0) fails only on errors: its checks see its
** share alone, and are judged again by the merge. */
int scenario_run(const scenario_opts *o);

/* natsim merge: the shards' results files (n paths) into the outputs o
** names (out_dir, junit, json, quiet; the rest comes from the files),
** as one run of the scenario would have written them: the script runs
** again, its experiments' attempts read from the shards. Errors go to
** stderr, naming the file. Returns a SCENARIO_ code. */
int scenario_merge(const char *const *paths, int n, scenario_opts *o);

/* Makes folder dir and its parents where missing (mkdir -p; paths up to
** 1023 bytes). 0, or -1 with errno set by the mkdir that failed. */
int scenario_make_dirs(const char *dir);

#endif
