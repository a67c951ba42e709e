/* lua_experiment.c: natsim.experiment{...}, the population experiment
** (experiment.h) as scenarios call it, and its results as Lua tables. */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>

#include "attempts.h"
#include "classify.h"
#include "fields.h"
#include "lua_api.h"
#include "lua_experiment.h"
#include "model.h"
#include "progress.h"
#include "version.h"
#include "watchdog.h"

/* Runs fn on the sub-table `name` of f, when present. */
static int sub(fields *f, const char *name, const char *const *accepted,
               int (*fn)(fields *, exp_cfg *), exp_cfg *c) {
  char owner[96];
  fields sf;
  int open = fields_table(f, name, &sf, owner, sizeof owner);
  if (open <= 0) return open;
  int rc = fields_only(&sf, accepted) || fn(&sf, c);
  lua_pop(f->L, 1);
  return rc ? -1 : 0;
}

static int read_workload(fields *f, exp_cfg *c) {
  int64_t messages = c->messages, size = c->size;
  int rc = fields_int(f, "messages", 1, 100000, &messages) ||
           fields_int(f, "size", 9, CONN_MAX_MESSAGE, &size) ||
           fields_duration(f, "over", &c->over);
  c->messages = (int)messages;
  c->size = (int)size;
  return rc ? -1 : 0;
}

static int read_punch(fields *f, exp_cfg *c) {
  int64_t delay = (int64_t)c->punch_delay_ms * 1000000, attempts = c->peer.punch_attempts;
  int rc = fields_duration(f, "delay", &delay) ||
           fields_duration(f, "interval", &c->peer.punch_interval) ||
           fields_int(f, "attempts", 0, 10000, &attempts);
  if (!rc && c->peer.punch_interval <= 0) {
    snprintf(f->err, f->errlen, "%s: interval must be positive", f->owner);
    return -1;
  }
  c->punch_delay_ms = (uint32_t)(delay / 1000000);
  c->peer.punch_attempts = (int)attempts;
  return rc ? -1 : 0;
}

static int read_signalling(fields *f, exp_cfg *c) {
  int64_t retries = c->peer.retries;
  int rc = fields_duration(f, "retry", &c->peer.retry) ||
           fields_int(f, "retries", 1, 1000, &retries) ||
           fields_duration(f, "keepalive", &c->peer.keepalive) ||
           fields_duration(f, "rto", &c->peer.rto);
  c->peer.retries = (int)retries;
  if (!rc && (c->peer.retry <= 0 || c->peer.keepalive <= 0 || c->peer.rto <= 0)) {
    snprintf(f->err, f->errlen, "%s: durations must be positive", f->owner);
    return -1;
  }
  return rc ? -1 : 0;
}

static int read_class(lua_State *L, lapi *a, int idx, exp_class *k, char *err, size_t len) {
  static const char *const accepted[] = {"name", "model", "behind", "weight", NULL};
  const char *name = NULL, *model = NULL, *behind = NULL;
  double weight = 0;
  fields f = fields_at(L, idx, "natsim.experiment: population entry", err, len);
  if (!lua_istable(L, idx)) {
    snprintf(err, len, "natsim.experiment: population: expected tables");
    return -1;
  }
  if (fields_only(&f, accepted) || fields_require(&f, "model", "a model name or file") ||
      fields_require(&f, "weight", "a positive number") || fields_string(&f, "name", &name) ||
      fields_string(&f, "model", &model) || fields_string(&f, "behind", &behind) ||
      fields_number(&f, "weight", 1e-9, 1e9, &weight))
    return -1;
  k->weight = weight;
  snprintf(k->name, sizeof k->name, "%s", name ? name : model);
  if (lapi_find_model(lapi_scenario(a), model, k->model, sizeof k->model)) {
    snprintf(err, len, "natsim.experiment: no model file \"%s\"", model);
    return -1;
  }
  if (behind && lapi_find_model(lapi_scenario(a), behind, k->behind, sizeof k->behind)) {
    snprintf(err, len, "natsim.experiment: no model file \"%s\"", behind);
    return -1;
  }
  return 0;
}

static int read_population(lua_State *L, lapi *a, exp_cfg *c, char *err, size_t len) {
  if (lua_getfield(L, 1, "population") != LUA_TTABLE) {
    lua_pop(L, 1);
    snprintf(err, len, "natsim.experiment: field 'population' is required: a list "
                       "of {name=, model=, behind=, weight=}");
    return -1;
  }
  c->nclasses = (int)lua_rawlen(L, -1);
  if (c->nclasses < 1 || c->nclasses > EXP_MAX_CLASSES) {
    lua_pop(L, 1);
    snprintf(err, len, "natsim.experiment: population: 1 to %d entries", EXP_MAX_CLASSES);
    return -1;
  }
  for (int i = 0; i < c->nclasses; i++) {
    lua_rawgeti(L, -1, i + 1);
    int rc = read_class(L, a, lua_gettop(L), &c->classes[i], err, len);
    lua_pop(L, 1);
    if (rc) {
      lua_pop(L, 1);
      return -1;
    }
  }
  lua_pop(L, 1);
  return 0;
}

/* An exp_writer that builds Lua tables: each value goes into the table
** being built, under its key, or appended when in an array. */
typedef struct lwriter {
  lua_State *L;
  const char *keys[8];
  int depth;
} lwriter;

static void attach(lua_State *L, const char *key) {
  if (key) lua_setfield(L, -2, key);
  else lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}
static void lbegin(void *ctx, const char *key, bool array) {
  lwriter *w = ctx;
  (void)array;
  if (w->depth < 8) w->keys[w->depth] = key;
  w->depth++;
  lua_newtable(w->L);
}
static void lend(void *ctx, bool array) {
  lwriter *w = ctx;
  (void)array;
  if (--w->depth > 0) attach(w->L, w->keys[w->depth]); /* the outermost stays on the stack */
}
static void lstr(void *ctx, const char *key, const char *v) {
  lua_pushstring(((lwriter *)ctx)->L, v);
  attach(((lwriter *)ctx)->L, key);
}
static void lint(void *ctx, const char *key, int64_t v) {
  lua_pushinteger(((lwriter *)ctx)->L, v);
  attach(((lwriter *)ctx)->L, key);
}
static void lnum(void *ctx, const char *key, double v) {
  lua_pushnumber(((lwriter *)ctx)->L, v);
  attach(((lwriter *)ctx)->L, key);
}

static void lbool(void *ctx, const char *key, bool v) {
  lua_pushboolean(((lwriter *)ctx)->L, v);
  attach(((lwriter *)ctx)->L, key);
}

static void push_summary(lua_State *L, const exp_summary *s) {
  lwriter lw = {.L = L};
  exp_writer w = {lbegin, lend, lstr, lint, lnum, lbool, &lw};
  experiment_write(s, &w);
  lua_pushnumber(L, s->wall_s); /* for the scenario's eyes only */
  lua_setfield(L, -2, "wall_s");
}

/* disrupt = {what = "rebind" | "blackhole", after = duration} */
static int read_disrupt(fields *f, exp_cfg *c) {
  static const char *const whats[] = {"rebind", "blackhole", NULL};
  int what = 0;
  int rc = fields_require(f, "what", "\"rebind\" or \"blackhole\"") ||
           fields_require(f, "after", "a duration into the workload") ||
           fields_enum(f, "what", whats, &what) || fields_duration(f, "after", &c->disrupt_after);
  c->disrupt = what == 0 ? EXP_REBIND : EXP_BLACKHOLE;
  return rc;
}

/* birthday = {ports =, probes =, interval =}: ICE's birthday probing */
static int read_birthday(fields *f, exp_cfg *c) {
  ice_cfg *ic = &c->peer.agent;
  int64_t ports = 256;
  int64_t probes = 1024;
  ic->bday_interval = 2000000; /* 2 ms: 500 probes a second */
  int rc = fields_int(f, "ports", 1, 1024, &ports) || fields_int(f, "probes", 1, 100000, &probes) ||
           fields_duration(f, "interval", &ic->bday_interval);
  if (!rc && ic->bday_interval <= 0) rc = fields_fail(f, "interval", "a positive duration");
  ic->bday_ports = (int)ports;
  ic->bday_probes = (int)probes;
  return rc;
}

static int read_cfg(lua_State *L, lapi *a, exp_cfg *c, char *err, size_t len) {
  static const char *const accepted[] = {"population", "pairs", "versions", "link", "lan",
                                         "gateway_link", "workload", "punch", "signalling",
                                         "predict", "spacing", "settle", "targets", "same_nat", "keepalive",
                                         "transport", "rogue", "disrupt", "birthday", NULL};
  static const char *const transports[] = {"quic", "messages", NULL};
  static const char *const disrupt[] = {"what", "after", NULL};
  static const char *const birthday[] = {"ports", "probes", "interval", NULL};
  static const char *const workload[] = {"messages", "size", "over", NULL};
  static const char *const punch[] = {"delay", "interval", "attempts", NULL};
  static const char *const signalling[] = {"retry", "retries", "keepalive", "rto", NULL};
  int64_t pairs = 1000, predict = 0;
  int transport = 0;
  experiment_defaults(c);
  c->seed = lapi_seed(a);
  fields f = fields_at(L, 1, "natsim.experiment", err, len);
  if (fields_only(&f, accepted) || fields_int(&f, "pairs", 1, 1000000, &pairs) ||
      lapi_read_link(&f, "link", &c->access) || lapi_read_link(&f, "lan", &c->lan) ||
      lapi_read_link(&f, "gateway_link", &c->gateway) ||
      sub(&f, "workload", workload, read_workload, c) ||
      sub(&f, "punch", punch, read_punch, c) ||
      sub(&f, "signalling", signalling, read_signalling, c) || fields_duration(&f, "spacing", &c->spacing) ||
      fields_duration(&f, "settle", &c->settle) || fields_int(&f, "predict", 0, 32, &predict) ||
      fields_number(&f, "same_nat", 0, 1, &c->same_nat) ||
      fields_enum(&f, "transport", transports, &transport) ||
      fields_number(&f, "rogue", 0, 1, &c->rogue) ||
      sub(&f, "disrupt", disrupt, read_disrupt, c) ||
      sub(&f, "birthday", birthday, read_birthday, c) ||
      read_population(L, a, c, err, len))
    return -1;
  c->pairs = (int)pairs;
  c->peer.agent.predict = (int)predict;
  c->quic = transport == 0;
  if (c->rogue > 0 && !c->quic)
    return fields_fail(&f, "rogue", "no value unless transport = \"quic\" (certificates are QUIC's)");
  return 0;
}

/* targets = {["v0.9"] = {direct =, load =, hops =, reliability =}, ...}:
** the targets of `version`, if the table names it. */
static int read_targets(lua_State *L, const char *version, exp_targets *t, char *err,
                        size_t len) {
  static const char *const accepted[] = {"direct", "load", "hops", "reliability", NULL};
  *t = (exp_targets){-1, -1, -1, -1};
  int rc = 0;
  if (lua_getfield(L, 1, "targets") == LUA_TTABLE && lua_getfield(L, -1, version) != LUA_TNIL) {
    char owner[64];
    snprintf(owner, sizeof owner, "targets[\"%s\"]", version);
    fields f = fields_at(L, lua_gettop(L), owner, err, len);
    if (!lua_istable(L, -1))
      rc = snprintf(err, len, "%s: expected a table of direct, load, hops, reliability", owner);
    else
      rc = fields_only(&f, accepted) || fields_number(&f, "direct", 0, 1, &t->direct) ||
           fields_number(&f, "load", 0, 1, &t->load) || fields_number(&f, "hops", 1, 2, &t->hops) ||
           fields_number(&f, "reliability", 0, 1, &t->reliability);
    lua_pop(L, 1);
  } else if (!lua_isnil(L, -1) && !lua_istable(L, -1)) {
    rc = snprintf(err, len, "natsim.experiment: field 'targets': expected a table keyed by version");
  }
  lua_pop(L, 1);
  return rc ? -1 : 0;
}

/* Every key of `targets` must name a version. */
static int check_target_keys(lua_State *L, char *err, size_t len) {
  int rc = 0;
  if (lua_getfield(L, 1, "targets") == LUA_TTABLE) {
    lua_pushnil(L);
    while (rc == 0 && lua_next(L, -2)) {
      lua_pop(L, 1);
      const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
      if (!k || !exp_version_find(k)) {
        char names[64];
        rc = -1;
        snprintf(err, len, "natsim.experiment: field 'targets': keys are versions (%s), got %s",
                 exp_version_names(names, sizeof names), k ? k : luaL_typename(L, -1));
        lua_pop(L, 1);
      }
    }
  }
  lua_pop(L, 1);
  return rc;
}

/* keepalive = "discover": each class's NATs go through RFC 5780 lifetime
** discovery (as natsim classify --lifetime does, in a simulation of its
** own), and its peers keep their paths alive at half the longest idle time
** a mapping was seen to survive (at least 1 s). A lifetime not bounded by
** discovery (over 240 s) leaves the default. */
static int discover_keepalives(lua_State *L, exp_cfg *c, char *err, size_t len) {
  int t = lua_getfield(L, 1, "keepalive");
  const char *v = t == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  bool discover = v && !strcmp(v, "discover");
  lua_pop(L, 1);
  if (t != LUA_TNIL && !discover) {
    snprintf(err, len, "natsim.experiment: field 'keepalive': expected \"discover\" "
                       "(a fixed interval is signalling.keepalive)");
    return -1;
  }
  for (int i = 0; discover && i < c->nclasses; i++) {
    classify_opts o = {.behind = c->classes[i].behind[0] ? c->classes[i].behind : NULL,
                       .lifetime = true, .seed = c->seed};
    disc_result r;
    o.loader = model_loader_isolated();
    if (classify_discover(&o, c->classes[i].model, &r) != 0) {
      snprintf(err, len, "natsim.experiment: lifetime discovery failed for %s",
               c->classes[i].name);
      return -1;
    }
    if (r.lifetime_hi > 0)
      c->classes[i].keepalive = r.lifetime_lo / 2 > 1000000000LL ? r.lifetime_lo / 2 : 1000000000LL;
  }
  return 0;
}

/* versions = {...}: the names of the versions to run (anchored in the
** table), or else those run by default (version.h); at most 8 go into
** `versions`. Returns how many were asked for, or -1 for a name that is
** no version. */
static int read_versions(lua_State *L, const char **versions) {
  int nv = 0;
  if (lua_getfield(L, 1, "versions") != LUA_TTABLE) {
    lua_pop(L, 1);
    for (int i = 0; i < exp_version_count() && nv < 8; i++) {
      if (exp_version_at(i)->by_default) {
        versions[nv] = exp_version_at(i)->name;
        nv++;
      }
    }
    return nv;
  }
  nv = (int)lua_rawlen(L, -1);
  for (int i = 0; i < nv && i < 8; i++) {
    lua_rawgeti(L, -1, i + 1);
    versions[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (!versions[i] || !exp_version_find(versions[i])) {
      lua_pop(L, 1);
      return -1;
    }
  }
  lua_pop(L, 1);
  return nv;
}

/* natsim.experiment{...}: runs each version; returns {versions = {...}}. */
static int l_experiment(lua_State *L) {
  lapi *a = lua_touserdata(L, lua_upvalueindex(1));
  char err[512];
  exp_cfg c;
  lapi_check_outside(L, "natsim.experiment");
  luaL_checktype(L, 1, LUA_TTABLE);
  if (read_cfg(L, a, &c, err, sizeof err) || check_target_keys(L, err, sizeof err))
    return luaL_error(L, "%s", err);
  const char *versions[8];
  int nv = read_versions(L, versions);
  if (nv < 0) {
    char names[64];
    return luaL_error(L, "natsim.experiment: field 'versions': expected names from %s",
                      exp_version_names(names, sizeof names));
  }
  if (nv < 1 || nv > 8) return luaL_error(L, "natsim.experiment: 1 to 8 versions");
  if (lapi_begin_experiment(a, err, sizeof err)) return luaL_error(L, "%s", err);
  if (discover_keepalives(L, &c, err, sizeof err)) {
    lapi_end_experiment(a);
    return luaL_error(L, "%s", err);
  }
  c.record = lapi_attempts(a) ? attempts_write : NULL;
  c.record_ctx = lapi_attempts(a);
  lua_createtable(L, 0, 1);
  lua_createtable(L, nv, 0);
  int rc = 0;
  for (int i = 0; i < nv && rc == 0; i++) {
    exp_summary s;
    rc = read_targets(L, versions[i], &c.targets, err, sizeof err);
    if (rc) break;
    lua_State *ML = luaL_newstate(); /* a state of its own for the models' hooks */
    if (!ML) {
      snprintf(err, sizeof err, "out of memory");
      rc = -1;
      break;
    }
    watchdog_inherit(ML, L);
    c.loader = model_loader(ML);
    progress_set_series(i + 1, nv);
    rc = experiment_run(&c, versions[i], &s, err, sizeof err);
    lua_close(ML);
    if (rc == 0) {
      push_summary(L, &s);
      lua_rawseti(L, -2, i + 1);
      lapi_add_results(a, &s);
    }
  }
  progress_set_series(0, 0);
  lapi_end_experiment(a);
  if (rc) return luaL_error(L, "natsim.experiment: %s", err);
  lua_setfield(L, -2, "versions");
  return 1;
}

void lexp_register(lua_State *L, lapi *a) {
  lua_getglobal(L, "natsim");
  lua_pushlightuserdata(L, a);
  lua_pushcclosure(L, l_experiment, 1);
  lua_setfield(L, -2, "experiment");
  lua_pop(L, 1);
}
