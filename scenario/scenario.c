/* scenario.c: one run of a scenario script. */
#include "scenario.h"

#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "attempts.h"
#include "capture.h"
#include "config.h"
#include "json.h"
#include "lerror.h"
#include "lua_api.h"
#include "lua_experiment.h"
#include "params.h"
#include "progress.h"
#include "report.h"
#include "shard.h"
#include "watchdog.h"
#include "world.h"

int scenario_make_dirs(const char *dir) {
  char path[1024];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static void write_node(json *j, world *w, int i) {
  const uint32_t *addrs;
  int n = world_node_addrs(w, i, &addrs);
  char ip[16];
  json_object(j, NULL);
  json_str(j, "name", world_node_name(w, i));
  json_str(j, "kind", world_is_nat(w, i) ? "nat" : "host");
  int parent = world_node_parent(w, i);
  json_str(j, "behind", parent == WORLD_CORE ? "core" : world_node_name(w, parent));
  json_array(j, "addrs");
  for (int k = 0; k < n; k++) json_str(j, NULL, addr_format_ip4(addrs[k], ip, sizeof ip));
  json_end(j, ']');
  if (world_is_nat(w, i)) {
    const nat_stats *s = nat_get_stats(world_nat_engine(w, i));
    json_str(j, "model", world_nat_model(w, i)->name);
    json_int(j, "out", (int64_t)s->out);
    json_int(j, "in", (int64_t)s->in);
    json_int(j, "hairpin", (int64_t)s->hairpin);
    json_int(j, "mappings_created", (int64_t)s->created);
    json_object(j, "dropped");
    for (int d = NAT_OK + 1; d < NAT_NDROP; d++)
      json_int(j, nat_drop_name((enum nat_drop)d), (int64_t)s->dropped[d]);
    json_int(j, "non_udp", (int64_t)world_nat_non_udp(w, i));
    json_end(j, '}');
  } else {
    world_counters c = world_host_counters(w, i);
    json_int(j, "sent", (int64_t)c.sent);
    json_int(j, "received", (int64_t)c.received);
  }
  json_end(j, '}');
}

static void w_begin(void *j, const char *key, bool array) {
  if (array) json_array(j, key);
  else json_object(j, key);
}
static void w_end(void *j, bool array) { json_end(j, array ? ']' : '}'); }
static void w_str(void *j, const char *key, const char *v) { json_str(j, key, v); }
static void w_int(void *j, const char *key, int64_t v) { json_int(j, key, v); }
static void w_num(void *j, const char *key, double v) { json_num(j, key, v); }
static void w_bool(void *j, const char *key, bool v) { json_bool(j, key, v); }

static void write_versions(json *j, lapi *a) {
  const exp_summary *v;
  size_t n = lapi_results(a, &v);
  exp_writer w = {w_begin, w_end, w_str, w_int, w_num, w_bool, j};
  json_array(j, "versions");
  for (size_t i = 0; i < n; i++) experiment_write(&v[i], &w);
  json_end(j, ']');
}

/* --json FILE: the experiment results alone. */
/* Opens a results object in f: its schema, the scenario and the seed. */
static json start_results(FILE *f, const char *schema, const scenario_opts *o) {
  json j = json_start(f);
  json_object(&j, NULL);
  json_str(&j, "schema", schema);
  json_str(&j, "scenario", o->path);
  json_int(&j, "seed", (int64_t)o->seed);
  return j;
}

static int write_json(const scenario_opts *o, lapi *a) {
  FILE *f = fopen(o->json, "w");
  if (!f) {
    fprintf(stderr, "natsim: cannot write %s: %s\n", o->json, strerror(errno));
    return -1;
  }
  json j = start_results(f, "natsim-results/1", o);
  write_versions(&j, a);
  json_end(&j, '}');
  return fclose(f) == 0 ? 0 : -1;
}

static void write_params(json *j, const scenario_opts *o) {
  json_object(j, "params");
  for (int i = 0; i < o->nparams; i++) {
    const char *eq = strchr(o->params[i], '=');
    char key[128];
    snprintf(key, sizeof key, "%.*s", (int)(eq - o->params[i]), o->params[i]);
    json_str(j, key, eq + 1);
  }
  json_end(j, '}');
}

static void write_checks(json *j, lapi *a) {
  const lapi_check *checks;
  size_t n = lapi_checks(a, &checks);
  json_array(j, "checks");
  for (size_t i = 0; i < n; i++) {
    json_object(j, NULL);
    json_str(j, "name", checks[i].name);
    json_bool(j, "ok", checks[i].ok);
    json_str(j, "detail", checks[i].detail);
    json_end(j, '}');
  }
  json_end(j, ']');
}

/* The results file (natsim-run/1), into f. */
static void write_results(FILE *f, const scenario_opts *o, world *w, lapi *a, lua_State *L) {
  world_totals t = world_get_totals(w);
  json j = start_results(f, "natsim-run/1", o);
  write_params(&j, o);
  config_write(&j, L, a, o->path);
  json_num(&j, "virtual_time_s", (double)sim_now() / SIM_NS_PER_S);
  json_int(&j, "events", (int64_t)sim_event_count());
  json_object(&j, "totals");
  json_int(&j, "sent", (int64_t)t.sent);
  json_int(&j, "received", (int64_t)t.received);
  json_int(&j, "lost", (int64_t)t.lost);
  json_int(&j, "nat_dropped", (int64_t)t.nat_dropped);
  json_end(&j, '}');
  write_checks(&j, a);
  json_array(&j, "nodes");
  for (size_t i = 0; i < world_node_count(w); i++) write_node(&j, w, (int)i);
  json_end(&j, ']');
  write_versions(&j, a);
  if (o->shards > 0) shard_write(&j, lapi_shard(a));
  json_end(&j, '}');
}

static int write_file(const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "w");
  if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "natsim: cannot write %s: %s\n", path, strerror(errno));
    if (f) fclose(f);
    return -1;
  }
  return 0;
}

/* results.json and the reports in --out, the JUnit file, the typed results
** for the caller: all from the same text, read back. */
static int outputs(const scenario_opts *o, world *w, lapi *a, lua_State *L) {
  char *text = NULL, err[600];
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) return -1;
  write_results(mem, o, w, a, L);
  if (fclose(mem) != 0) return -1;
  run_results r;
  int rc = run_parse(text, len, "results", &r, err, sizeof err);
  if (rc != 0) fprintf(stderr, "natsim: results do not read back: %s\n", err);
  if (rc == 0 && o->out_dir) {
    char path[1100];
    snprintf(path, sizeof path, "%s/results.json", o->out_dir);
    if (scenario_make_dirs(o->out_dir) != 0) {
      fprintf(stderr, "natsim: cannot create %s: %s\n", o->out_dir, strerror(errno));
      rc = -1;
    } else if (write_file(path, text, len) != 0) {
      rc = -1;
    } else if (report_write(&r, o->out_dir, err, sizeof err) != 0) {
      fprintf(stderr, "natsim: %s\n", err);
      rc = -1;
    }
  }
  if (rc == 0 && o->junit) {
    FILE *f = fopen(o->junit, "w");
    if (f) report_junit(&r, f);
    if (!f || fclose(f) != 0) {
      fprintf(stderr, "natsim: cannot write %s: %s\n", o->junit, strerror(errno));
      rc = -1;
    }
  }
  free(text);
  if (rc == 0 && o->results) *o->results = r;
  else run_free(&r);
  return rc;
}

/* Prints failed checks and the closing count; returns the exit code. */
static int report_checks(lapi *a) {
  const lapi_check *c;
  size_t n = lapi_checks(a, &c), failed = 0;
  for (size_t i = 0; i < n; i++) {
    if (c[i].ok) continue;
    failed++;
    fprintf(stderr, "FAIL %s%s%s\n", c[i].name, c[i].detail[0] ? ": " : "", c[i].detail);
  }
  if (n) printf("checks: %zu passed, %zu failed\n", n - failed, failed);
  return failed ? SCENARIO_CHECK_FAILED : SCENARIO_OK;
}

static int run_script(lua_State *L, const scenario_opts *o) {
  params_open(L, o->params, o->nparams);
  char seed[64];
  snprintf(seed, sizeof seed, "math.randomseed(%llu)", (unsigned long long)o->seed);
  if (luaL_dostring(L, seed) != LUA_OK || luaL_loadfile(L, o->path) != LUA_OK ||
      lerror_pcall(L, 0, 0) != LUA_OK) {
    fprintf(stderr, "natsim: %s\n", lua_tostring(L, -1));
    return SCENARIO_ERROR;
  }
  char err[1200];
  if (params_check(L, err, sizeof err) != 0) {
    fprintf(stderr, "natsim: %s: %s\n", o->path, err);
    return SCENARIO_ERROR;
  }
  return SCENARIO_OK;
}

/* Whether a file can be written at path: opened for appending (nothing
** it holds is lost), and removed again when it was not there. */
static int can_write_file(const char *path) {
  struct stat st;
  bool existed = stat(path, &st) == 0;
  if (existed && S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    return -1;
  }
  FILE *f = fopen(path, "a");
  if (!f) return -1;
  fclose(f);
  if (!existed) remove(path);
  return 0;
}

/* Whether files can be made in dir: it is created (with its parents) and
** a probe file is made in it and removed. */
static int can_write_dir(const char *dir) {
  char probe[1100];
  if (scenario_make_dirs(dir) != 0) return -1;
  snprintf(probe, sizeof probe, "%.1000s/.natsim-XXXXXX", dir);
  int fd = mkstemp(probe);
  if (fd < 0) return -1;
  close(fd);
  unlink(probe);
  return 0;
}

/* Every output path given can be written: checked before the run, so a
** bad path costs no simulation (and no abort in ns-3's pcap writer). */
static int check_outputs(const scenario_opts *o) {
  static const char *const option[] = {"--out", "--pcap", "--json", "--junit"};
  const char *path[] = {o->out_dir, o->pcap_dir, o->json, o->junit};
  for (int i = 0; i < 4; i++) {
    if (!path[i]) continue;
    int rc = i < 2 ? can_write_dir(path[i]) : can_write_file(path[i]);
    if (rc == 0) continue;
    fprintf(stderr, "natsim: %s %s: cannot write there: %s\n", option[i], path[i],
            strerror(errno));
    return -1;
  }
  return 0;
}

/* The scenario's own world's files join the experiments' in the
** manifest, which is written. 0, or -1 (said on stderr). */
static int finish_capture(capture *cap, const world *w) {
  char err[1200];
  if (capture_collect(cap, w, NULL, NULL) != 0) {
    fprintf(stderr, "natsim: --pcap: out of memory\n");
    return -1;
  }
  if (capture_write(cap, err, sizeof err) == 0) return 0;
  fprintf(stderr, "natsim: --pcap: %s\n", err);
  return -1;
}

/* Worker processes per version: as asked, one per core by default, none
** while capturing (each world's files are listed as it runs) or emulating:
** a forked worker would end a copy of the real-time simulation whose TAP
** readers are threads fork does not copy, and inherits the handlers that
** turn SIGINT and SIGTERM into a clean stop of natsim's real hosts. */
static int jobs_of(const scenario_opts *o) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (o->pcap_dir || o->emulate) return 1;
  if (o->jobs > 0) return (int)o->jobs;
  return cores > 0 ? (int)cores : 1;
}

/* Attempts per simulation in workers: none for --pcap and --emulate, which
** run one simulation in natsim itself. */
static int batch_of(const scenario_opts *o) {
  if (o->pcap_dir || o->emulate) return 0;
  return o->batch > 0 ? (int)o->batch : SCENARIO_BATCH;
}

/* What scenario_run sets up in its Lua state, under lua_pcall: running out
** of memory there is an error, not a panic. */
typedef struct setup {
  int64_t budget;
  world *w;
  lapi_opts lo;
  lapi *a; /* out */
} setup;

static int open_libs(lua_State *L) {
  setup *s = lua_touserdata(L, 1);
  luaL_openlibs(L);
  watchdog_set_budget(L, s->budget);
  return 0;
}

static int open_api(lua_State *L) {
  setup *s = lua_touserdata(L, 1);
  s->a = lapi_open(L, s->w, &s->lo);
  if (s->a) lexp_register(L, s->a);
  return 0;
}

/* Calls fn with s, protected: 0, or -1 with Lua's message on stderr. */
static int set_up(lua_State *L, lua_CFunction fn, setup *s) {
  lua_pushcfunction(L, fn);
  lua_pushlightuserdata(L, s);
  if (lua_pcall(L, 1, 0, 0) == LUA_OK) return 0;
  fprintf(stderr, "natsim: %s\n", lua_tostring(L, -1));
  lua_pop(L, 1);
  return -1;
}

int scenario_run(const scenario_opts *o) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (check_outputs(o) != 0) return SCENARIO_ERROR;
  char err[1100];
  capture *cap = o->pcap_dir ? capture_new(o->pcap_dir, o->pcap_attempts, err, sizeof err) : NULL;
  if (o->pcap_dir && !cap) {
    fprintf(stderr, "natsim: %s\n", err);
    return SCENARIO_ERROR;
  }
  if (o->emulate) {
    sim_set_realtime(1);
    fprintf(stderr, "natsim: --emulate: the simulation runs in real time with real programs; "
                    "results are not reproducible\n");
  }
  lua_State *L = luaL_newstate();
  world *w = world_new(o->seed);
  if (!L || !w || (cap && capture_world(cap, w) != 0)) {
    fprintf(stderr, "natsim: out of memory\n");
    capture_free(cap);
    world_free(w);
    if (L) lua_close(L);
    return SCENARIO_ERROR;
  }
  setup s = {.w = w};
  s.budget = o->max_instructions > 0 ? o->max_instructions : WATCHDOG_BUDGET;
  if (set_up(L, open_libs, &s) != 0) {
    world_free(w);
    lua_close(L);
    capture_free(cap);
    return SCENARIO_ERROR;
  }
  progress_set_quiet(o->quiet);
  FILE *att = o->attempts ? attempts_open(o->attempts, err, sizeof err) : NULL;
  if (o->attempts && !att) {
    fprintf(stderr, "natsim: %s\n", err);
    world_free(w);
    lua_close(L);
    capture_free(cap);
    return SCENARIO_ERROR;
  }
  shard_ctx own = {.shard = o->shard, .shards = o->shards, .jobs = jobs_of(o),
                   .batch = batch_of(o)};
  s.lo = (lapi_opts){.seed = o->seed, .scenario = o->path, .attempts = att, .pcap = cap,
                     .shard = o->replay ? o->replay : &own, .emulate = o->emulate};
  int rc = SCENARIO_ERROR;
  bool opened = set_up(L, open_api, &s) == 0;
  lapi *a = s.a; /* lapi_close'd at the end, even when set_up failed after it */
  if (opened && !a) fputs("natsim: out of memory\n", stderr);
  if (opened && a) rc = run_script(L, o);
  if (a) w = lapi_world(a); /* natsim.experiment may have replaced it */
  if (!w && rc != SCENARIO_ERROR) {
    fprintf(stderr, "natsim: out of memory (no world after natsim.experiment)\n");
    rc = SCENARIO_ERROR;
  }
  if (rc == SCENARIO_OK) rc = report_checks(a);
  if (rc == SCENARIO_CHECK_FAILED && o->shards > 0) {
    fprintf(stderr, "natsim: shard %d of %d: its checks saw its share alone; natsim merge "
                    "judges them\n", o->shard, o->shards);
    rc = SCENARIO_OK;
  }
  if (rc != SCENARIO_ERROR && (o->out_dir || o->junit || o->results) && outputs(o, w, a, L) != 0)
    rc = SCENARIO_ERROR;
  if (rc != SCENARIO_ERROR && o->json && write_json(o, a) != 0) rc = SCENARIO_ERROR;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double virt = (double)sim_now() / SIM_NS_PER_S;
  unsigned long long events = sim_event_count();
  const exp_summary *v;
  size_t nv = a ? lapi_results(a, &v) : 0;
  for (size_t i = 0; i < nv; i++) { /* experiments ran simulations of their own */
    virt += v[i].virtual_s;
    events += v[i].events;
  }
  fprintf(stderr, "natsim: %.3f s virtual, %llu events, %.3f s wall%s\n", virt, events,
          (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
          o->emulate ? " (real time: not reproducible)" : "");
  if (att && attempts_close(att, o->attempts, err, sizeof err) != 0) {
    fprintf(stderr, "natsim: %s\n", err);
    rc = SCENARIO_ERROR;
  }
  if (cap && finish_capture(cap, w) != 0) rc = SCENARIO_ERROR;
  capture_free(cap);
  world_free(w); /* before lua_close: models hold references in L */
  lapi_close(a);
  lua_close(L);
  shard_free(&own);
  return rc;
}

int scenario_merge(const char *const *paths, int n, scenario_opts *o) {
  shard_ctx ctx = {0};
  char err[2400];
  const char *params[64];
  shard_meta *meta = calloc(1, sizeof *meta);
  int rc = meta ? shard_load(&ctx, paths, n, meta, err, sizeof err) : -1;
  if (rc != 0) {
    fprintf(stderr, "natsim merge: %s\n", meta ? err : "out of memory");
    shard_free(&ctx);
    free(meta);
    return SCENARIO_ERROR;
  }
  char now[65] = "";
  config_sha256(meta->scenario, now, err, sizeof err);
  if (strcmp(now, meta->sha256) != 0) {
    fprintf(stderr, "natsim merge: %s changed since the shards ran (its SHA-256 is not %s's): "
                    "run the shards again\n", meta->scenario, paths[0]);
    shard_free(&ctx);
    free(meta);
    return SCENARIO_ERROR;
  }
  for (int i = 0; i < meta->nparams; i++) params[i] = meta->params[i];
  o->path = meta->scenario;
  o->seed = meta->seed;
  o->params = params;
  o->nparams = meta->nparams;
  o->replay = &ctx;
  o->shards = 0;
  rc = scenario_run(o);
  shard_free(&ctx);
  free(meta);
  return rc;
}
