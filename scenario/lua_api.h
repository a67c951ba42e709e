/*
** lua_api.h: the scenario API, the global `natsim` table that scenario
** scripts use (documented in docs/lua-api.md). It builds the world, runs
** it in virtual time, calls Lua back on timers and received datagrams, and
** records the scenario's checks.
**
** Ownership: lapi_open registers the API in L over world w (both stay the
** caller's) and returns state that lapi_close frees. Errors in arguments
** are raised as Lua errors with the script's file:line; errors in Lua
** callbacks while running stop the simulation (world_fail) and natsim.run
** raises them.
*/
#ifndef NATSIM_LUA_API_H
#define NATSIM_LUA_API_H

#include <lua.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "experiment.h"
#include "fields.h"
#include "world.h"

typedef struct lapi_check {
  char *name;
  bool ok;
  char *detail;
} lapi_check;

typedef struct lapi_opts {
  uint64_t seed;
  const char *scenario; /* its path: model names are also looked up near it */
  FILE *attempts;       /* NULL, or where experiments write each attempt (attempts.h); the caller's */
  struct capture *pcap; /* NULL, or the capture of every world (capture.h); the caller's */
  struct shard_ctx *shard; /* where experiments run (shard.h); the caller's, required */
  bool emulate;         /* real hosts allowed (natsim.host{exec=}): the world runs in real time */
} lapi_opts;

typedef struct lapi lapi;

/* The API's state, or NULL when out of memory (nothing registered then). */
lapi *lapi_open(lua_State *L, world *w, const lapi_opts *o);
void lapi_close(lapi *a);
/* The checks recorded by natsim.check, in order. */
size_t lapi_checks(const lapi *a, const lapi_check **checks);
/* natsim.experiment runs its own simulations: it needs the scenario's
** world empty (no nodes, no callbacks pending), ends it, and gets a fresh
** one back. Experiments run in virtual time even under --emulate (the
** fresh world is in real time again). Returns 0, or -1 with the reason in
** err. */
int lapi_begin_experiment(lapi *a, char *err, size_t len);
/* The fresh world after an experiment: 0, or -1 when out of memory (the
** scenario has no world then and must stop). */
int lapi_end_experiment(lapi *a);
/* Keeps a version's results (and its cells: a takes them over) for the
** results file. 0, or -1 when out of memory (s->cells is then freed). */
int lapi_add_results(lapi *a, const exp_summary *s);
size_t lapi_results(const lapi *a, const exp_summary **s);
/* Keeps a copy of an experiment's configuration (its data; the pointers in
** it are not followed) for the results file: 0, or -1 out of memory. */
int lapi_add_config(lapi *a, const exp_cfg *c);
size_t lapi_configs(const lapi *a, const exp_cfg **c);
uint64_t lapi_seed(const lapi *a);
/* The world now in use (natsim.experiment replaces it). */
world *lapi_world(const lapi *a);
const char *lapi_scenario(const lapi *a);
/* lapi_opts.pcap: NULL, or the capture experiments join. */
struct capture *lapi_capture(const lapi *a);
/* lapi_opts.attempts: NULL, or the file of per-attempt records. */
FILE *lapi_attempts(const lapi *a);
/* lapi_opts.shard: where experiments run. */
struct shard_ctx *lapi_shard(const lapi *a);
/* Reads an optional link table {delay=, rate=, loss=} at field `name`
** into link, leaving absent fields alone. 0, or -1 with f->err set. */
int lapi_read_link(fields *f, const char *name, sim_link_cfg *link);

/* Raises a Lua error when L is inside a callback or hook (watchdog.h):
** `fn` (natsim.run, natsim.experiment) cannot be called from there. */
void lapi_check_outside(lua_State *L, const char *fn);

/* Finds a model file: a path, or a bare name looked up in nat-models/
** folders. Writes the path into out; returns 0 or -1. */
int lapi_find_model(const char *scenario, const char *name, char *out,
                    size_t len);

#endif
