/* experiment.c: the defaults, and a run of one version from building the world to its summary. */
#include "experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "cost.h"
#include "progress.h"
#include "xrun.h"

#define PROGRESS_TICK (100 * MS)

double experiment_span_s(const exp_cfg *c) {
  double ns = (double)(c->pairs - 1) * (double)c->spacing + (double)REGISTER_TIME +
              (double)c->over + (double)c->settle;
  return ns / 1e9;
}

void experiment_defaults(exp_cfg *c) {
  memset(c, 0, sizeof *c);
  c->pairs = 1000;
  c->access = (sim_link_cfg){.delay = 10 * MS};
  c->lan = (sim_link_cfg){.delay = 1 * MS};
  c->gateway = (sim_link_cfg){.delay = 5 * MS};
  c->messages = 20;
  c->size = 200;
  c->over = 2000 * MS;
  c->peer = peer_cfg_default();
  c->punch_delay_ms = 100;
  c->spacing = 5 * MS;
  c->settle = 10000 * MS;
  c->seed = 1;
  c->targets = (exp_targets){-1, -1, -1, -1};
  c->quic = true;
  cost_defaults(&c->cost);
}

/* How the version's sessions move to the direct path, the scenario's choice first. */
static enum peer_upgrade upgrade_of(const exp_cfg *c, const exp_version *v) {
  if (c->upgrade == EXP_UPGRADE_MIGRATE) return PEER_MIGRATE;
  if (c->upgrade == EXP_UPGRADE_SWITCH) return PEER_SWITCH;
  return v->upgrade;
}

/* Every 100 ms of virtual time, whether or not anything is shown: the
** events executed do not depend on the display. */
static void progress_tick(void *arg) {
  xrun *x = arg;
  progress_update(x->started, x->connected, x->finished, (double)sim_now() / (double)x->end);
  if (sim_now() + PROGRESS_TICK < x->end) sim_schedule(PROGRESS_TICK, progress_tick, x);
}

/* Capture, when asked: the selection fits the population, and the
** servers' files come first. */
static int start_capture(xrun *x, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  char names[EXP_MAX_CLASSES][64];
  for (int i = 0; i < c->nclasses; i++) snprintf(names[i], sizeof names[i], "%s", c->classes[i].name);
  if (capture_check(c->pcap, (const char (*)[64])names, c->nclasses, c->pairs, err, len) != 0)
    return -1;
  if (capture_begin(c->pcap, x->w, x->version->name) == 0) return 0;
  snprintf(err, len, "--pcap: out of memory");
  return -1;
}

/* The world: the servers the version needs, then the population. */
static int build(xrun *x, char *err, size_t len) {
  if (x->cfg->pcap && start_capture(x, err, len) != 0) return -1;
  if (servers_gateway(x, err, len) != 0) return -1;
  if (x->version->ice && servers_ice(x, err, len) != 0) return -1;
  return population_build(x, err, len);
}

/* Runs the simulation to the end; 0, or -1 with the world's error in err. */
static int simulate(xrun *x, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  /* its last attempt's end */
  x->end = (int64_t)(x->hi - 1) * c->spacing + REGISTER_TIME + c->over + c->settle;
  progress_begin(x->version->name, x->hi - x->lo);
  sim_schedule(PROGRESS_TICK, progress_tick, x);
  sim_run_until(x->end);
  progress_end();
  if (!world_error(x->w)) return 0;
  snprintf(err, len, "%s", world_error(x->w));
  return -1;
}

/* How the run's sessions move to the direct path, in words: "none" when
** they never do, "switch" without QUIC (conn's frames take the best path). */
static const char *upgrade_name(const exp_cfg *c, const exp_version *v) {
  if (c->mixed) return "mixed";
  if (!v->punch && !v->ice) return "none";
  if (!c->quic || upgrade_of(c, v) == PEER_SWITCH) return "switch";
  return "migrate";
}

/* The servers' counts and the run's own figures, into the part. */
static void keep_counts(const xrun *x, exp_part *p) {
  p->gateway_frames = x->gw.stats.relayed_frames;
  p->events = sim_event_count();
  p->virtual_s = (double)sim_now() / 1e9;
  if (!x->turn) return;
  const turn_server_stats *ts = turn_server_get_stats(x->turn);
  p->stun_requests = x->stun.stats.requests + x->stun2.stats.requests;
  p->turn_allocations = ts->allocations;
  p->turn_bytes = ts->bytes_relayed;
  p->turn_packets = ts->to_peers + ts->from_peers;
}

/* A node's part in attempt `index` (-1: the servers), for the manifest. */
static const char *role_of(void *ctx, int node, int index) {
  const xrun *x = ctx;
  if (node == WORLD_CORE) return "core";
  if (index < 0) return world_node_name(x->w, node); /* gateway, stun, turn */
  const attempt *a = &x->att[index];
  if (node == a->a.host) return "peer-a";
  if (node == a->b.host) return "peer-b";
  if (node == a->a.home) return a->same_nat ? "nat-ab" : "nat-a";
  if (node == a->b.home) return "nat-b";
  if (node == world_node_parent(x->w, a->a.home)) return "cgn-a";
  return "cgn-b";
}

/* The run's files into the manifest; 0, or -1 with the reason in err. */
static int finish_capture(xrun *x, char *err, size_t len) {
  if (capture_collect(x->cfg->pcap, x->w, role_of, x) == 0) return 0;
  snprintf(err, len, "--pcap: out of memory");
  return -1;
}

static void release(xrun *x) {
  for (int i = x->lo; x->att && i < x->hi; i++) {
    side_free(&x->att[i].a);
    side_free(&x->att[i].b);
  }
  pki_ca_free(x->ca);
  pki_ca_free(x->rogue);
  if (x->priority) gnutls_priority_deinit(x->priority);
  if (x->trust) gnutls_certificate_free_credentials(x->trust);
  world_free(x->w);
  servers_free(x);
  free(x->att);
}

/* A mixed run's name: its versions and shares, "v0.7 75% + v0.8 25%". */
static void mix_name(const exp_cfg *c, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < exp_version_count() && i < EXP_MAX_VERSIONS && used < len; i++) {
    if (c->mix[i] <= 0) continue;
    const char *sep = used ? " + " : "";
    int n = snprintf(out + used, len - used, "%s%s %.4g%%", sep, exp_version_at(i)->name,
                     100 * c->mix[i]);
    if (n < 0) break;
    used += (size_t)n;
  }
}

/* A mixed run's row, named by its shares (name: len bytes, which the row
** points to), with the servers any of its versions needs. */
static void mix_row(const exp_cfg *c, exp_version *row, char *name, size_t len) {
  mix_name(c, name, len);
  *row = (exp_version){.name = name, .strategy = "each peer its version, drawn from the mix"};
  for (int i = 0; i < exp_version_count() && i < EXP_MAX_VERSIONS; i++) {
    if (c->mix[i] <= 0) continue;
    row->punch = row->punch || exp_version_at(i)->punch;
    row->ice = row->ice || exp_version_at(i)->ice;
  }
}

/* The shares of a mix: each in [0, 1], summing to 1 within 1e-9. */
static int check_mix(const exp_cfg *c, char *err, size_t len) {
  double sum = 0;
  for (int i = 0; i < EXP_MAX_VERSIONS; i++) {
    bool known = i < exp_version_count() || c->mix[i] == 0;
    if (!known || c->mix[i] < 0 || c->mix[i] > 1) {
      snprintf(err, len, "mix: share %d is %g (expected a version's share from 0 to 1)", i,
               c->mix[i]);
      return -1;
    }
    sum += c->mix[i];
  }
  if (fabs(sum - 1) > 1e-9) {
    snprintf(err, len, "mix: the shares sum to %.12g (expected 1)", sum);
    return -1;
  }
  return 0;
}

static int check_cfg(const exp_cfg *c, const char *version, char *err, size_t len) {
  char names[64];
  if (c->mixed != !strcmp(version, EXP_MIX)) {
    snprintf(err, len, "a mixed run is run as \"%s\", and only a mixed run is", EXP_MIX);
    return -1;
  }
  if (c->mixed && check_mix(c, err, len) != 0) return -1;
  if (!c->mixed && !exp_version_find(version)) {
    snprintf(err, len, "unknown version \"%s\" (known: %s)", version,
             exp_version_names(names, sizeof names));
    return -1;
  }
  if (c->nclasses < 1 || c->pairs < 1 || c->messages < 1 || c->size < HEAD ||
      c->size > CONN_MAX_MESSAGE) {
    snprintf(err, len, "an experiment needs a population, pairs >= 1, messages >= 1 and "
                       "a message size from %d to %d", HEAD, CONN_MAX_MESSAGE);
    return -1;
  }
  if (c->shards < 0 || (c->shards > 0 && (c->shard < 0 || c->shard >= c->shards))) {
    snprintf(err, len, "shard %d of %d: expected 0 <= shard < shards", c->shard, c->shards);
    return -1;
  }
  return 0;
}

void experiment_shard_range(int pairs, int k, int n, int *lo, int *hi) {
  *lo = 0;
  *hi = pairs;
  if (n <= 0) return;
  *lo = (int)((int64_t)pairs * k / n);
  *hi = (int)((int64_t)pairs * (k + 1) / n);
}

void exp_part_free(exp_part *p) {
  free(p->m);
  p->m = NULL;
}

int experiment_run_part(const exp_cfg *c, const char *version, exp_part *part, char *err,
                        size_t len) {
  memset(part, 0, sizeof *part);
  if (check_cfg(c, version, err, len) != 0) return -1;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  xrun x = {.cfg = c, .version = exp_version_find(version)};
  if (c->mixed) {
    mix_row(c, &x.mixrow, x.mixname, sizeof x.mixname);
    x.version = &x.mixrow;
  }
  x.upgrade = upgrade_of(c, x.version);
  experiment_shard_range(c->pairs, c->shard, c->shards, &x.lo, &x.hi);
  x.att = calloc((size_t)c->pairs, sizeof *x.att);
  x.meas = calloc((size_t)(x.hi - x.lo) + 1, sizeof *x.meas);
  x.w = world_new(c->seed);
  int rc = -1;
  if (!x.att || !x.meas || !x.w) snprintf(err, len, "out of memory");
  else rc = build(&x, err, len);
  if (rc == 0) rc = simulate(&x, err, len);
  if (rc == 0) keep_counts(&x, part);
  if (rc == 0 && c->pcap) rc = finish_capture(&x, err, len);
  release(&x);
  part->pairs = c->pairs;
  part->lo = x.lo;
  part->hi = x.hi;
  part->m = x.meas;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  part->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (rc != 0) exp_part_free(part);
  return rc;
}

/* Whether the parts tile attempts 0 to pairs - 1, in order. */
static int check_tiling(int pairs, const exp_part *parts, int n, char *err, size_t len) {
  int next = 0;
  for (int i = 0; i < n; i++) {
    if (parts[i].pairs != pairs || parts[i].lo != next || parts[i].hi < parts[i].lo) {
      snprintf(err, len, "part %d holds attempts %d to %d of %d; expected from %d of %d", i + 1,
               parts[i].lo, parts[i].hi - 1, parts[i].pairs, next, pairs);
      return -1;
    }
    next = parts[i].hi;
  }
  if (next == pairs) return 0;
  snprintf(err, len, "the parts hold attempts 0 to %d of %d", next - 1, pairs);
  return -1;
}

/* Whether every attempt of the parts names classes of the population and,
** in a mixed run, versions of the mix (none otherwise): parts read back
** from files are summed into tables of that size. */
static int check_attempts(const exp_cfg *c, const exp_part *parts, int n, char *err, size_t len) {
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < parts[i].hi - parts[i].lo; k++) {
      const exp_meas *m = &parts[i].m[k];
      bool ok = m->class_a >= 0 && m->class_a < c->nclasses && m->class_b >= 0 &&
                m->class_b < c->nclasses;
      int v[2] = {m->version_a, m->version_b};
      for (int j = 0; j < 2; j++) {
        if (!c->mixed) ok = ok && v[j] == -1;
        else ok = ok && v[j] >= 0 && v[j] < EXP_MAX_VERSIONS && c->mix[v[j]] > 0;
      }
      if (ok) continue;
      snprintf(err, len, "part %d: attempt %d: classes %d, %d and versions %d, %d are not the "
               "population's", i + 1, parts[i].lo + k, m->class_a, m->class_b, m->version_a,
               m->version_b);
      return -1;
    }
  }
  return 0;
}

int experiment_summarize(const exp_cfg *c, const char *version, const exp_part *parts, int n,
                         exp_summary *out, char *err, size_t len) {
  memset(out, 0, sizeof *out);
  if (check_cfg(c, version, err, len) != 0) return -1;
  if (check_tiling(c->pairs, parts, n, err, len) != 0) return -1;
  if (check_attempts(c, parts, n, err, len) != 0) return -1;
  exp_version row;
  char mixname[64];
  const exp_version *v = exp_version_find(version);
  if (c->mixed) {
    mix_row(c, &row, mixname, sizeof mixname);
    v = &row;
  }
  snprintf(out->name, sizeof out->name, "%s", v->name);
  snprintf(out->strategy, sizeof out->strategy, "%s", v->strategy);
  snprintf(out->upgrade, sizeof out->upgrade, "%s", upgrade_name(c, v));
  if (measure_sum(c, parts, n, out) != 0) {
    free(out->cells);
    out->cells = NULL;
    snprintf(err, len, "out of memory");
    return -1;
  }
  for (int i = 0; c->mixed && i < EXP_MAX_VERSIONS; i++) out->mix[i] = c->mix[i];
  out->nclasses = c->nclasses;
  out->pairs = c->pairs;
  for (int i = 0; i < c->nclasses; i++) {
    snprintf(out->classes[i], sizeof out->classes[i], "%s", c->classes[i].name);
    int64_t k = c->classes[i].keepalive > 0 ? c->classes[i].keepalive : c->peer.keepalive;
    out->keepalive_s[i] = (double)k / 1e9;
  }
  cost_measure(c, v->ice, out); /* after the keepalives */
  for (int i = 0; i < n; i++) {
    out->events += parts[i].events;
    out->wall_s += parts[i].wall_s;
    out->virtual_s = parts[i].virtual_s;
  }
  return 0;
}

int experiment_run(const exp_cfg *c, const char *version, exp_summary *out, char *err,
                   size_t len) {
  exp_part p;
  memset(out, 0, sizeof *out);
  if (experiment_run_part(c, version, &p, err, len) != 0) return -1;
  int rc = experiment_summarize(c, version, &p, 1, out, err, len);
  exp_part_free(&p);
  return rc;
}
