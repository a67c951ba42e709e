/* lua_experiment.c: natsim.experiment{...}, the population experiment
** (experiment.h) as scenarios call it, and its results as Lua tables. */
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "fields.h"
#include "lua_api.h"
#include "lua_experiment.h"
#include "model.h"
#include "params.h"
#include "shard.h"
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

/* Refuses an experiment longer than EXP_SPAN_MAX_S of simulated time,
** naming the largest of its three parts. */
static int check_span(fields *f, const exp_cfg *c) {
  double span = experiment_span_s(c);
  if (span <= EXP_SPAN_MAX_S) return 0;
  double spaced = (double)(c->pairs - 1) * (double)c->spacing;
  const char *name = "spacing";
  if ((double)c->settle > spaced) name = "settle";
  if ((double)c->over > spaced && c->over > c->settle) name = "workload";
  return fields_failf(f, name,
                      "field '%s': the last attempt would end %.3g days into the simulation "
                      "((pairs - 1) x spacing + 1 s + workload.over + settle); at most %g days",
                      name, span / 86400, EXP_SPAN_MAX_S / 86400);
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

/* Entry i of the population list pf, into k. */
static int read_class(fields *pf, int i, lapi *a, exp_class *k) {
  static const char *const accepted[] = {"name", "model", "behind", "weight", NULL};
  const char *name = NULL, *model = NULL, *behind = NULL;
  double weight = 0;
  char owner[160];
  fields f;
  if (fields_entry(pf, i, &f, owner, sizeof owner) < 0) return -1;
  int rc = fields_only(&f, accepted) || fields_require(&f, "model", "a model name or file") ||
           fields_require(&f, "weight", "a positive number") || fields_string(&f, "name", &name) ||
           fields_string(&f, "model", &model) || fields_string(&f, "behind", &behind) ||
           fields_number(&f, "weight", 1e-9, 1e9, &weight);
  if (!rc) {
    k->weight = weight;
    snprintf(k->name, sizeof k->name, "%s", name ? name : model);
  }
  if (!rc && lapi_find_model(lapi_scenario(a), model, k->model, sizeof k->model))
    rc = fields_failf(&f, "model", "no model file \"%s\" (looked in nat-models/ here and "
                                   "beside the scenario)", model);
  if (!rc && behind && lapi_find_model(lapi_scenario(a), behind, k->behind, sizeof k->behind))
    rc = fields_failf(&f, "behind", "no model file \"%s\" (looked in nat-models/ here and "
                                    "beside the scenario)", behind);
  lua_pop(pf->L, 1);
  return rc ? -1 : 0;
}

/* A class named as an earlier one: results could not tell them apart. */
static int check_duplicate(fields *pf, const exp_cfg *c, int i) {
  for (int j = 0; j < i; j++) {
    if (strcmp(c->classes[j].name, c->classes[i].name) != 0) continue;
    char owner[160];
    fields f;
    fields_entry(pf, i + 1, &f, owner, sizeof owner);
    fields_failf(&f, "name", "the class name \"%s\" is also entry %d's (a class without a "
                             "name is named by its model); results tell classes apart by name",
                 c->classes[i].name, j + 1);
    lua_pop(pf->L, 1);
    return -1;
  }
  return 0;
}

static int read_population(fields *f, lapi *a, exp_cfg *c) {
  char owner[96];
  fields pf;
  if (fields_require(f, "population", "a list of {name =, model =, behind =, weight =}"))
    return -1;
  if (fields_table(f, "population", &pf, owner, sizeof owner) < 0) return -1;
  int rc = 0;
  c->nclasses = (int)lua_rawlen(f->L, -1);
  if (c->nclasses < 1 || c->nclasses > EXP_MAX_CLASSES)
    rc = fields_failf(f, "population", "a list of 1 to %d entries, got %d", EXP_MAX_CLASSES,
                      c->nclasses);
  for (int i = 0; !rc && i < c->nclasses; i++)
    rc = read_class(&pf, i + 1, a, &c->classes[i]) || check_duplicate(&pf, c, i);
  lua_pop(f->L, 1);
  return rc ? -1 : 0;
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

/* cost = {peers =, sessions_per_day =, bytes_per_session =, session_length =,
** egress_per_gb =, server_month =, stun_turn_servers =}: the cost model's
** profile and prices (cost.h); absent fields keep their defaults. */
static int read_cost(fields *f, exp_cfg *c) {
  exp_cost_cfg *p = &c->cost;
  int64_t servers = p->stun_turn_servers;
  int rc = fields_number(f, "peers", 1, 1e12, &p->peers) ||
           fields_number(f, "sessions_per_day", 0, 1e6, &p->sessions_per_day) ||
           fields_number(f, "bytes_per_session", 0, 1e15, &p->bytes_per_session) ||
           fields_duration(f, "session_length", &p->session_length) ||
           fields_number(f, "egress_per_gb", 0, 1e6, &p->egress_per_gb) ||
           fields_number(f, "server_month", 0, 1e9, &p->server_month) ||
           fields_int(f, "stun_turn_servers", 0, 1000000, &servers);
  if (!rc && p->session_length <= 0) rc = fields_fail(f, "session_length", "a positive duration");
  p->stun_turn_servers = (int)servers;
  return rc;
}

/* Every key of the table at field `name` (if it is one) must name a version. */
static int check_version_keys(fields *f, const char *name) {
  lua_State *L = f->L;
  char owner[96];
  fields kf;
  int t = lua_getfield(L, f->idx, name);
  lua_pop(L, 1);
  if (t != LUA_TTABLE) return 0;
  fields_table(f, name, &kf, owner, sizeof owner);
  int rc = 0;
  lua_pushnil(L);
  while (rc == 0 && lua_next(L, kf.idx)) {
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (!k || !exp_version_find(k)) {
      char names[64];
      rc = fields_failf(f, name, "field '%s': keys are versions (%s), got %s", name,
                        exp_version_names(names, sizeof names), k ? k : luaL_typename(L, -1));
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  return rc;
}

/* mix = {["v0.7"] = 0.3, ["v0.9"] = 0.7}: each key a version, each share
** in [0, 1], the shares summing to 1 within 1e-9. Read in the versions'
** order, so the first error and the sum do not depend on Lua's hash order. */
static int read_mix(fields *f, exp_cfg *c) {
  char owner[96];
  fields mf;
  if (check_version_keys(f, "mix")) return -1;
  int open = fields_table(f, "mix", &mf, owner, sizeof owner);
  if (open <= 0) return open;
  mf.key_is_name = true; /* written ["v0.9"] = 0.7 */
  int rc = 0;
  double sum = 0;
  for (int i = 0; rc == 0 && i < exp_version_count() && i < EXP_MAX_VERSIONS; i++) {
    rc = fields_number(&mf, exp_version_at(i)->name, 0, 1, &c->mix[i]);
    sum += c->mix[i];
  }
  if (rc == 0 && fabs(sum - 1) > 1e-9)
    rc = fields_failf(f, "mix", "field 'mix': the shares must sum to 1 (within 1e-9), got %.12g",
                      sum);
  lua_pop(f->L, 1);
  c->mixed = rc == 0;
  return rc;
}

static int read_cfg(fields *f, lapi *a, exp_cfg *c) {
  static const char *const accepted[] = {"population", "pairs", "versions", "link", "lan",
                                         "gateway_link", "workload", "punch", "signalling",
                                         "predict", "spacing", "settle", "targets", "same_nat", "keepalive",
                                         "transport", "rogue", "disrupt", "birthday", "upgrade",
                                         "mix", "cost", NULL};
  static const char *const transports[] = {"quic", "messages", NULL};
  static const char *const disrupt[] = {"what", "after", NULL};
  static const char *const birthday[] = {"ports", "probes", "interval", NULL};
  static const char *const workload[] = {"messages", "size", "over", NULL};
  static const char *const punch[] = {"delay", "interval", "attempts", NULL};
  static const char *const signalling[] = {"retry", "retries", "keepalive", "rto", NULL};
  static const char *const cost[] = {"peers", "sessions_per_day", "bytes_per_session",
                                     "session_length", "egress_per_gb", "server_month",
                                     "stun_turn_servers", NULL};
  int64_t pairs = 1000, predict = 0;
  int transport = 0;
  experiment_defaults(c);
  c->seed = lapi_seed(a);
  if (fields_only(f, accepted) || fields_int(f, "pairs", 1, 1000000, &pairs) ||
      lapi_read_link(f, "link", &c->access) || lapi_read_link(f, "lan", &c->lan) ||
      lapi_read_link(f, "gateway_link", &c->gateway) ||
      sub(f, "workload", workload, read_workload, c) ||
      sub(f, "punch", punch, read_punch, c) ||
      sub(f, "signalling", signalling, read_signalling, c) || fields_duration(f, "spacing", &c->spacing) ||
      fields_duration(f, "settle", &c->settle) || fields_int(f, "predict", 0, 32, &predict) ||
      fields_number(f, "same_nat", 0, 1, &c->same_nat) ||
      fields_enum(f, "transport", transports, &transport) ||
      fields_number(f, "rogue", 0, 1, &c->rogue) ||
      sub(f, "disrupt", disrupt, read_disrupt, c) ||
      sub(f, "birthday", birthday, read_birthday, c) ||
      sub(f, "cost", cost, read_cost, c) || read_mix(f, c) ||
      read_population(f, a, c))
    return -1;
  c->pairs = (int)pairs;
  c->peer.agent.predict = (int)predict;
  c->quic = transport == 0;
  if (check_span(f, c) != 0) return -1;
  if (c->rogue > 0 && !c->quic)
    return fields_fail(f, "rogue", "no value unless transport = \"quic\" (certificates are QUIC's)");
  return 0;
}

/* targets = {["v0.9"] = {direct =, load =, hops =, reliability =}, ...}:
** the targets of `version`, if the table names it. */
static int read_targets(fields *f, const char *version, exp_targets *t) {
  static const char *const accepted[] = {"direct", "load", "hops", "reliability", NULL};
  char owner[96], vowner[128];
  fields tf, vf;
  *t = (exp_targets){-1, -1, -1, -1};
  int open = fields_table(f, "targets", &tf, owner, sizeof owner);
  if (open <= 0) return open;
  int rc = fields_table(&tf, version, &vf, vowner, sizeof vowner);
  if (rc > 0) {
    snprintf(vowner, sizeof vowner, "targets[\"%s\"]", version);
    vf.key_is_name = true; /* written ["v0.9"] = {...} */
    rc = fields_only(&vf, accepted) || fields_number(&vf, "direct", 0, 1, &t->direct) ||
         fields_number(&vf, "load", 0, 1, &t->load) || fields_number(&vf, "hops", 1, 2, &t->hops) ||
         fields_number(&vf, "reliability", 0, 1, &t->reliability);
    lua_pop(f->L, 1);
  }
  lua_pop(f->L, 1);
  return rc ? -1 : 0;
}

/* upgrade = "migrate" | "switch" for every version, or a table of them
** keyed by version: how the sessions of `version` move to the direct path
** (peer.h); absent: the version's own way (version.h). */
static int read_upgrade(lua_State *L, const char *version, enum exp_upgrade *out, char *err,
                        size_t len) {
  static const char *const ways[] = {"migrate", "switch", NULL};
  int way = -1;
  int rc = 0;
  int t = lua_getfield(L, 1, "upgrade");
  fields f = fields_at(L, 1, "natsim.experiment", err, len);
  if (t == LUA_TSTRING) {
    rc = fields_enum(&f, "upgrade", ways, &way);
  } else if (t == LUA_TTABLE) {
    fields sf = fields_at(L, lua_gettop(L), "natsim.experiment: upgrade", err, len);
    rc = fields_enum(&sf, version, ways, &way);
  } else if (t != LUA_TNIL) {
    rc = fields_fail(&f, "upgrade", "\"migrate\", \"switch\" or a table of them by version");
  }
  lua_pop(L, 1);
  *out = EXP_UPGRADE_VERSION;
  if (way == 0) *out = EXP_UPGRADE_MIGRATE;
  if (way == 1) *out = EXP_UPGRADE_SWITCH;
  return rc;
}

/* keepalive = "discover": each class's NATs go through RFC 5780 lifetime
** discovery (as natsim classify --lifetime does, in a simulation of its
** own), and its peers keep their paths alive at half the longest idle time
** a mapping was seen to survive (at least 1 s). A lifetime not bounded by
** discovery (over 240 s) leaves the default. */
static int read_keepalive(fields *f, bool *discover) {
  static const char *const names[] = {"discover", NULL};
  int v = -1;
  if (fields_enum(f, "keepalive", names, &v)) {
    fields_failf(f, "keepalive", "field 'keepalive': expected \"discover\" (a fixed interval "
                                 "is signalling.keepalive)");
    return -1;
  }
  *discover = v == 0;
  return 0;
}

static int discover_keepalives(exp_cfg *c, bool discover, char *err, size_t len) {
  for (int i = 0; discover && i < c->nclasses; i++) {
    classify_opts o = {.behind = c->classes[i].behind[0] ? c->classes[i].behind : NULL,
                       .lifetime = true, .seed = c->seed};
    disc_result r;
    o.loader = model_loader(NULL); /* the default watchdog budget */
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
** table), or else those run by default (version.h), into versions (room
** for 8) and *nv. */
static int read_versions(fields *f, bool mixed, const char **versions, int *nv) {
  lua_State *L = f->L;
  char names[64];
  exp_version_names(names, sizeof names);
  int t = lua_getfield(L, f->idx, "versions");
  if (mixed) { /* one run, each peer on its version from the mix */
    lua_pop(L, 1);
    versions[0] = EXP_MIX;
    *nv = 1;
    if (t == LUA_TNIL) return 0;
    return fields_failf(f, "versions", "field 'versions': no value with 'mix' (a mixed "
                                       "experiment runs once, named by its shares)");
  }
  int n = t == LUA_TTABLE ? (int)lua_rawlen(L, -1) : 0;
  int rc = 0;
  *nv = 0;
  if (t == LUA_TNIL) {
    for (int i = 0; i < exp_version_count() && *nv < 8; i++) {
      if (!exp_version_at(i)->by_default) continue;
      versions[*nv] = exp_version_at(i)->name;
      (*nv)++;
    }
  } else if (t != LUA_TTABLE || n < 1 || n > 8) {
    char what[160];
    snprintf(what, sizeof what, "a list of 1 to 8 names from %s%s", names,
             t == LUA_TSTRING ? " (a list even for one: { \"v0.9\" })" : "");
    rc = fields_fail(f, "versions", what);
  }
  for (int i = 0; rc == 0 && i < n; i++) {
    lua_rawgeti(L, -1, i + 1);
    versions[i] = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1); /* the name stays reachable through the table */
    if (!versions[i] || !exp_version_find(versions[i]))
      rc = fields_failf(f, "versions", "field 'versions': entry %d: expected a version name "
                                       "from %s", i + 1, names);
    for (int j = 0; rc == 0 && j < i; j++) {
      if (strcmp(versions[j], versions[i]) == 0)
        rc = fields_failf(f, "versions", "field 'versions': \"%s\" is listed twice", versions[i]);
    }
    *nv = i + 1;
  }
  lua_pop(L, 1);
  return rc;
}

/* With mix, the fields keyed by version would name no run: targets are
** for whole versions, and upgrade is one way for every peer. */
static int check_mixed(fields *f, const exp_cfg *c) {
  lua_State *L = f->L;
  if (!c->mixed) return 0;
  int targets = lua_getfield(L, f->idx, "targets");
  int upgrade = lua_getfield(L, f->idx, "upgrade");
  lua_pop(L, 2);
  if (targets != LUA_TNIL)
    return fields_failf(f, "targets", "field 'targets': no value with 'mix' (targets are for "
                                      "runs of one version)");
  if (upgrade == LUA_TTABLE)
    return fields_failf(f, "upgrade", "field 'upgrade': with 'mix', \"migrate\" or \"switch\" "
                                      "for every peer, not a table by version");
  return 0;
}

/* natsim.experiment{...}: runs each version; returns {versions = {...}}. */
static int l_experiment(lua_State *L) {
  lapi *a = lua_touserdata(L, lua_upvalueindex(1));
  char err[512];
  exp_cfg c;
  exp_targets targets[8];
  enum exp_upgrade upgrades[8];
  const char *versions[8];
  int nv = 0;
  bool discover = false;
  lapi_check_outside(L, "natsim.experiment");
  params_before_run(L, "natsim.experiment");
  luaL_checktype(L, 1, LUA_TTABLE);
  fields f = fields_at(L, 1, "natsim.experiment", err, sizeof err);
  int bad = read_cfg(&f, a, &c) || check_version_keys(&f, "targets") ||
            check_version_keys(&f, "upgrade") || read_versions(&f, c.mixed, versions, &nv) ||
            check_mixed(&f, &c) || read_keepalive(&f, &discover);
  for (int i = 0; !bad && i < nv; i++)
    bad = read_targets(&f, versions[i], &targets[i]) ||
          read_upgrade(L, versions[i], &upgrades[i], err, sizeof err);
  if (bad) return fields_raise(&f);
  if (lapi_add_config(a, &c)) return luaL_error(L, "natsim.experiment: out of memory");
  if (lapi_begin_experiment(a, err, sizeof err)) return luaL_error(L, "%s", err);
  if (discover_keepalives(&c, discover, err, sizeof err)) {
    if (lapi_end_experiment(a)) return luaL_error(L, "natsim.experiment: out of memory");
    return luaL_error(L, "%s", err);
  }
  c.pcap = lapi_capture(a);
  lua_createtable(L, 0, 1);
  lua_createtable(L, nv, 0);
  int rc = 0;
  for (int i = 0; i < nv && rc == 0; i++) {
    exp_summary s;
    c.targets = targets[i];
    c.upgrade = upgrades[i];
    c.loader = model_loader(L); /* each NAT's model in a state of its own */
    progress_set_series(i + 1, nv);
    rc = shard_summarize(lapi_shard(a), &c, versions[i], lapi_attempts(a), &s, err, sizeof err);
    if (rc == 0) {
      push_summary(L, &s);
      lua_rawseti(L, -2, i + 1);
      rc = lapi_add_results(a, &s);
      if (rc) snprintf(err, sizeof err, "out of memory");
    }
  }
  progress_set_series(0, 0);
  lapi_shard(a)->calls++;
  if (lapi_end_experiment(a)) return luaL_error(L, "natsim.experiment: out of memory");
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
