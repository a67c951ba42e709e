/* run.c: reading a results file (natsim-run/1) into typed structs. */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "text.h"

/* The largest integer a double holds exactly. */
#define MAX_EXACT 9007199254740992.0

/* A read in progress: where errors go. */
typedef struct rd {
  const char *source;
  char *err;
  size_t errlen;
} rd;

/* What a field must be. */
enum kind {
  K_STR,   /* a string; absent: "" */
  K_NAME,  /* a string, required */
  K_COUNT, /* a non-negative integer (int64_t) */
  K_NUM,   /* a non-negative number (double) */
  K_RATE,  /* a number from 0 to 1 (double) */
  K_PCT,   /* {p50, p95} of non-negative numbers (run_pct) */
  K_CI     /* [low, high], numbers from 0 to 1 (double[2]) */
};

typedef struct field {
  const char *key;
  enum kind kind;
  size_t off;
} field;

#define COUNT(n) (sizeof(n) / sizeof((n)[0]))

/* --- errors ------------------------------------------------------------------------ */

/* Describes a JSON value for an error message. */
static void describe(const jv *v, char *out, size_t len) {
  bool cut = v && v->type == J_STR && strlen(v->str) > 40;
  if (!v) snprintf(out, len, "nothing");
  else if (v->type == J_NUM) snprintf(out, len, "%g", v->num);
  else if (v->type == J_STR) snprintf(out, len, "\"%.40s%s\"", v->str, cut ? "..." : "");
  else if (v->type == J_BOOL) snprintf(out, len, "%s", v->num ? "true" : "false");
  else if (v->type == J_NULL) snprintf(out, len, "null");
  else if (v->type == J_ARR) snprintf(out, len, "a list");
  else snprintf(out, len, "an object");
}

/* Reports field `key` of `where` (either may be ""), which should be `expected`. */
static int fail(rd *d, const char *where, const char *key, const char *expected, const jv *got) {
  char what[64];
  const char *dot = where[0] && key[0] ? "." : "";
  describe(got, what, sizeof what);
  snprintf(d->err, d->errlen, "%s: %s%s%s: expected %s, got %s", d->source, where, dot, key,
           expected, what);
  return -1;
}

/* `where` and one more step: "versions[2]", "versions[2].targets[0]". */
static void step(char *out, size_t len, const char *where, const char *key, size_t i) {
  snprintf(out, len, "%s%s%s[%zu]", where, where[0] ? "." : "", key, i);
}

/* --- scalars ------------------------------------------------------------------------- */

static bool is_num(const jv *v) {
  return v && v->type == J_NUM;
}

static int read_str(rd *d, const jv *o, const char *where, const char *key, bool required,
                    const char **out) {
  const jv *v = jget(o, key);
  *out = "";
  if (!v && !required) return 0;
  if (!v || v->type != J_STR) return fail(d, where, key, "a string", v);
  *out = v->str;
  return 0;
}

static int read_count(rd *d, const jv *o, const char *where, const char *key, int64_t *out) {
  const jv *v = jget(o, key);
  *out = 0;
  if (!v) return 0;
  if (!is_num(v) || v->num < 0 || v->num > MAX_EXACT || v->num != floor(v->num))
    return fail(d, where, key, "a non-negative integer", v);
  *out = (int64_t)v->num;
  return 0;
}

/* A number from lo to hi (hi < 0: no upper bound). */
static int read_num(rd *d, const jv *o, const char *where, const char *key, double lo, double hi,
                    double *out) {
  const jv *v = jget(o, key);
  *out = 0;
  if (!v) return 0;
  if (is_num(v) && v->num >= lo && (hi < lo || v->num <= hi)) {
    *out = v->num;
    return 0;
  }
  if (hi < lo) return fail(d, where, key, "a non-negative number", v);
  return fail(d, where, key, "a number from 0 to 1", v);
}

static int read_bool(rd *d, const jv *o, const char *where, const char *key, bool *out) {
  const jv *v = jget(o, key);
  *out = false;
  if (!v) return 0;
  if (v->type != J_BOOL) return fail(d, where, key, "true or false", v);
  *out = v->num != 0;
  return 0;
}

/* An object, or nothing; *out is NULL when absent. */
static int read_obj(rd *d, const jv *o, const char *where, const char *key, const char *expected,
                    const jv **out) {
  const jv *v = jget(o, key);
  *out = v;
  if (v && v->type != J_OBJ) return fail(d, where, key, expected, v);
  return 0;
}

/* A list, or nothing; *out is NULL when absent. */
static int read_list(rd *d, const jv *o, const char *where, const char *key, const char *expected,
                     const jv **out) {
  const jv *v = jget(o, key);
  *out = v;
  if (v && v->type != J_ARR) return fail(d, where, key, expected, v);
  return 0;
}

static int read_pct(rd *d, const jv *o, const char *where, const char *key, run_pct *out) {
  const jv *p;
  char at[160];
  out->p50 = 0;
  out->p95 = 0;
  if (read_obj(d, o, where, key, "an object {p50, p95}", &p)) return -1;
  snprintf(at, sizeof at, "%s%s%s", where, where[0] ? "." : "", key);
  if (read_num(d, p, at, "p50", 0, -1, &out->p50)) return -1;
  return read_num(d, p, at, "p95", 0, -1, &out->p95);
}

/* [low, high]: two numbers from 0 to 1. *present says whether it was there. */
static int read_ci(rd *d, const jv *o, const char *where, const char *key, double out[2],
                   bool *present) {
  const jv *v = jget(o, key);
  out[0] = 0;
  out[1] = 0;
  *present = v != NULL;
  if (!v) return 0;
  static const char expected[] = "[low, high], two numbers from 0 to 1";
  if (v->type != J_ARR || v->n != 2) return fail(d, where, key, expected, v);
  for (size_t i = 0; i < 2; i++) {
    const jv *x = v->items[i];
    if (!is_num(x) || x->num < 0 || x->num > 1) return fail(d, where, key, expected, x);
    out[i] = x->num;
  }
  return 0;
}

static int read_field(rd *d, const jv *o, const char *where, const field *f, char *base) {
  void *p = base + f->off;
  bool present;
  switch (f->kind) {
  case K_STR: return read_str(d, o, where, f->key, false, p);
  case K_NAME: return read_str(d, o, where, f->key, true, p);
  case K_COUNT: return read_count(d, o, where, f->key, p);
  case K_NUM: return read_num(d, o, where, f->key, 0, -1, p);
  case K_RATE: return read_num(d, o, where, f->key, 0, 1, p);
  case K_PCT: return read_pct(d, o, where, f->key, p);
  case K_CI: return read_ci(d, o, where, f->key, p, &present);
  }
  return -1;
}

static int read_fields(rd *d, const jv *o, const char *where, const field *fs, size_t n,
                       void *base) {
  for (size_t i = 0; i < n; i++)
    if (read_field(d, o, where, &fs[i], base)) return -1;
  return 0;
}

/* Allocates n zeroed elements; a list of 0 is NULL. -1 when out of memory. */
static int alloc_list(rd *d, size_t n, size_t size, void **out) {
  *out = NULL;
  if (n == 0) return 0;
  *out = calloc(n, size);
  if (*out) return 0;
  snprintf(d->err, d->errlen, "%s: out of memory", d->source);
  return -1;
}

/* --- parts of a version --------------------------------------------------------------- */

static int read_hist(rd *d, const jv *v, const char *where, const char *key, run_hist *out) {
  const jv *h;
  const jv *edges;
  const jv *counts;
  char at[160];
  memset(out, 0, sizeof *out);
  if (read_obj(d, v, where, key, "an object {edges_ms, counts}", &h)) return -1;
  if (!h) return 0;
  snprintf(at, sizeof at, "%s.%s", where, key);
  if (read_list(d, h, at, "edges_ms", "a list of numbers", &edges)) return -1;
  if (read_list(d, h, at, "counts", "a list of counts", &counts)) return -1;
  size_t n = jlen(edges);
  char most[40];
  snprintf(most, sizeof most, "at most %d numbers", SCHEMA_HIST_BINS);
  if (n > SCHEMA_HIST_BINS) return fail(d, at, "edges_ms", most, edges);
  if (jlen(counts) != n) return fail(d, at, "counts", "as many counts as edges", counts);
  for (size_t i = 0; i < n; i++) {
    const jv *e = jat(edges, i);
    const jv *c = jat(counts, i);
    if (!is_num(e) || e->num < 0) return fail(d, at, "edges_ms", "non-negative numbers", e);
    if (!is_num(c) || c->num < 0 || c->num > MAX_EXACT || c->num != floor(c->num))
      return fail(d, at, "counts", "non-negative integers", c);
    out->edges_ms[i] = e->num;
    out->counts[i] = (int64_t)c->num;
  }
  out->n = n;
  return 0;
}

static int read_metric(rd *d, const jv *t, const char *where, enum schema_metric *out) {
  const jv *v = jget(t, "metric");
  for (int m = 0; m < SCHEMA_METRICS; m++) {
    if (v && v->type == J_STR && !strcmp(v->str, schema_metric_names[m])) {
      *out = (enum schema_metric)m;
      return 0;
    }
  }
  return fail(d, where, "metric", "direct_rate, gateway_load, hops_mean or reliability", v);
}

static int read_op(rd *d, const jv *t, const char *where, const char **out) {
  static const char *const ops[] = {">=", "<=", "="};
  const jv *v = jget(t, "op");
  for (size_t i = 0; i < COUNT(ops); i++) {
    if (v && v->type == J_STR && !strcmp(v->str, ops[i])) {
      *out = ops[i];
      return 0;
    }
  }
  return fail(d, where, "op", "\">=\", \"<=\" or \"=\"", v);
}

static int read_target(rd *d, const jv *t, const char *where, run_target *out) {
  if (!t || t->type != J_OBJ) return fail(d, where, "", "an object", t);
  if (read_metric(d, t, where, &out->metric)) return -1;
  if (read_op(d, t, where, &out->op)) return -1;
  /* Hops are no rate: any non-negative number. */
  double hi = out->metric == SCHEMA_METRIC_HOPS_MEAN ? -1 : 1;
  if (read_num(d, t, where, "target", 0, hi, &out->target)) return -1;
  if (read_num(d, t, where, "measured", 0, hi, &out->measured)) return -1;
  if (read_bool(d, t, where, "ok", &out->ok)) return -1;
  if (read_ci(d, t, where, "ci", out->ci, &out->has_ci)) return -1;
  return read_bool(d, t, where, "straddles", &out->straddles);
}

static const field cell_fields[] = {
    {"a", K_NAME, offsetof(run_cell, a)},
    {"b", K_NAME, offsetof(run_cell, b)},
    {"attempts", K_COUNT, offsetof(run_cell, attempts)},
    {"direct", K_COUNT, offsetof(run_cell, direct)},
    {"relayed", K_COUNT, offsetof(run_cell, relayed)},
    {"failed", K_COUNT, offsetof(run_cell, failed)},
    {"missed_direct", K_COUNT, offsetof(run_cell, missed_direct)},
    {"turn", K_COUNT, offsetof(run_cell, turn)},
    {"feasible", K_COUNT, offsetof(run_cell, feasible)},
    {"expected_direct", K_NUM, offsetof(run_cell, expected_direct)},
    {"probes_per_attempt", K_NUM, offsetof(run_cell, probes_per_attempt)},
    {"direct_ms_mean", K_NUM, offsetof(run_cell, direct_ms_mean)},
};

/* A list of objects under `key`, each read by `one` into an array of n
** elements of `size` bytes. */
typedef int (*read_one)(rd *d, const jv *x, const char *where, void *out);

static int read_objects(rd *d, const jv *o, const char *where, const char *key, size_t size,
                        read_one one, void **out, size_t *n) {
  const jv *list;
  *out = NULL; /* the caller keeps *out whatever happens: never garbage */
  *n = 0;
  if (read_list(d, o, where, key, "a list", &list)) return -1;
  if (alloc_list(d, jlen(list), size, out)) return -1;
  *n = jlen(list);
  for (size_t i = 0; i < *n; i++) {
    char at[160];
    step(at, sizeof at, where, key, i);
    if (one(d, jat(list, i), at, (char *)*out + i * size)) return -1;
  }
  return 0;
}

static int one_target(rd *d, const jv *x, const char *where, void *out) {
  return read_target(d, x, where, out);
}

static int one_cell(rd *d, const jv *x, const char *where, void *out) {
  if (!x || x->type != J_OBJ) return fail(d, where, "", "an object", x);
  return read_fields(d, x, where, cell_fields, COUNT(cell_fields), out);
}

/* A pair of versions: a cell of versions rather than classes. */
static int one_vpair(rd *d, const jv *x, const char *where, void *out) {
  run_cell *p = out;
  if (one_cell(d, x, where, out)) return -1;
  if (p->direct + p->relayed + p->failed == p->attempts) return 0;
  return fail(d, where, "attempts", "direct + relayed + failed", jget(x, "attempts"));
}

static const field cost_fields[] = {
    {"gateway_bytes_per_session", K_NUM, offsetof(run_cost, gateway_bytes_per_session)},
    {"turn_bytes_per_session", K_NUM, offsetof(run_cost, turn_bytes_per_session)},
    {"stun_turn_requests_per_session", K_NUM, offsetof(run_cost, stun_turn_requests_per_session)},
    {"allocations_per_session", K_NUM, offsetof(run_cost, allocations_per_session)},
    {"keepalives_per_peer_hour", K_NUM, offsetof(run_cost, keepalives_per_peer_hour)},
    {"gateway_gb_month", K_NUM, offsetof(run_cost, gateway_gb_month)},
    {"turn_gb_month", K_NUM, offsetof(run_cost, turn_gb_month)},
    {"gateway_usd_month", K_NUM, offsetof(run_cost, gateway_usd_month)},
    {"stun_turn_usd_month", K_NUM, offsetof(run_cost, stun_turn_usd_month)},
    {"total_usd_month", K_NUM, offsetof(run_cost, total_usd_month)},
};

/* cost, when present (files from before it have none). */
static int read_cost(rd *d, const jv *v, const char *where, run_cost *out) {
  const jv *c;
  char at[160];
  if (read_obj(d, v, where, "cost", "an object", &c)) return -1;
  if (!c) return 0;
  snprintf(at, sizeof at, "%s.cost", where);
  out->present = true;
  return read_fields(d, c, at, cost_fields, COUNT(cost_fields), out);
}

/* failures and failure_examples, by reason. */
static int read_failures(rd *d, const jv *v, const char *where, run_version *out) {
  const jv *counts;
  const jv *examples;
  char at[160];
  if (read_obj(d, v, where, "failures", "an object of counts by reason", &counts)) return -1;
  if (read_obj(d, v, where, "failure_examples", "an object of strings by reason", &examples))
    return -1;
  for (int k = 0; k < SCHEMA_FAILURES; k++) {
    snprintf(at, sizeof at, "%s.failures", where);
    if (read_count(d, counts, at, schema_failure_names[k], &out->failures[k])) return -1;
    snprintf(at, sizeof at, "%s.failure_examples", where);
    if (read_str(d, examples, at, schema_failure_names[k], false, &out->failure_examples[k]))
      return -1;
  }
  return 0;
}

/* wire_bytes and same_nat: small objects of counts. */
static int read_counts_of(rd *d, const jv *v, const char *where, run_version *out) {
  const jv *w;
  const jv *s;
  char at[160];
  if (read_obj(d, v, where, "wire_bytes", "an object {relayed, direct, turn}", &w)) return -1;
  snprintf(at, sizeof at, "%s.wire_bytes", where);
  if (read_count(d, w, at, "relayed", &out->wire_relayed)) return -1;
  if (read_count(d, w, at, "direct", &out->wire_direct)) return -1;
  if (read_count(d, w, at, "turn", &out->wire_turn)) return -1;
  if (read_obj(d, v, where, "same_nat", "an object {attempts, direct}", &s)) return -1;
  snprintf(at, sizeof at, "%s.same_nat", where);
  if (read_count(d, s, at, "attempts", &out->same_nat_attempts)) return -1;
  return read_count(d, s, at, "direct", &out->same_nat_direct);
}

/* A matrix has a cell per pair of classes at most (readers pair cells up:
** a longer list would cost them quadratic time). */
static int read_matrix_size(rd *d, const jv *v, const char *where) {
  const jv *m = jget(v, "matrix");
  char most[40];
  snprintf(most, sizeof most, "a list of at most %d cells", SCHEMA_MAX_CELLS);
  if (m && m->type == J_ARR && jlen(m) > SCHEMA_MAX_CELLS) return fail(d, where, "matrix", most, m);
  return 0;
}

static int read_keepalive(rd *d, const jv *v, const char *where, run_version *out) {
  const jv *k;
  char at[160];
  if (read_obj(d, v, where, "keepalive_s", "an object of seconds by class", &k)) return -1;
  snprintf(at, sizeof at, "%s.keepalive_s", where);
  char most[40];
  snprintf(most, sizeof most, "at most %d classes", SCHEMA_MAX_CLASSES);
  if (jlen(k) > SCHEMA_MAX_CLASSES) return fail(d, where, "keepalive_s", most, k);
  for (size_t i = 0; i < jlen(k); i++) {
    const jv *x = k->items[i];
    if (!is_num(x) || x->num < 0) return fail(d, at, k->keys[i], "a non-negative number", x);
    out->keepalive_s[i].cls = k->keys[i];
    out->keepalive_s[i].s = x->num;
  }
  out->nkeepalive = jlen(k);
  return 0;
}

static const field version_fields[] = {
    {"name", K_NAME, offsetof(run_version, name)},
    {"strategy", K_STR, offsetof(run_version, strategy)},
    {"transport", K_STR, offsetof(run_version, transport)},
    {"upgrade", K_STR, offsetof(run_version, upgrade)},
    {"attempts", K_COUNT, offsetof(run_version, attempts)},
    {"connected", K_COUNT, offsetof(run_version, connected)},
    {"data_verified", K_COUNT, offsetof(run_version, data_verified)},
    {"direct", K_COUNT, offsetof(run_version, direct)},
    {"relayed", K_COUNT, offsetof(run_version, relayed)},
    {"failed", K_COUNT, offsetof(run_version, failed)},
    {"rogue", K_COUNT, offsetof(run_version, rogue)},
    {"handshake_ms", K_PCT, offsetof(run_version, handshake_ms)},
    {"migration_ms", K_PCT, offsetof(run_version, migration_ms)},
    {"migrations", K_COUNT, offsetof(run_version, migrations)},
    {"fell_back", K_COUNT, offsetof(run_version, fell_back)},
    {"retransmitted", K_COUNT, offsetof(run_version, retransmitted)},
    {"turn", K_COUNT, offsetof(run_version, turn)},
    {"missed_direct", K_COUNT, offsetof(run_version, missed_direct)},
    {"data_errors", K_COUNT, offsetof(run_version, data_errors)},
    {"direct_rate", K_RATE, offsetof(run_version, direct_rate)},
    {"direct_rate_ci", K_CI, offsetof(run_version, direct_rate_ci)},
    {"gateway_load", K_RATE, offsetof(run_version, gateway_load)},
    {"hops_mean", K_NUM, offsetof(run_version, hops_mean)},
    {"rtt_ms_mean", K_NUM, offsetof(run_version, rtt_ms_mean)},
    {"connect_ms", K_PCT, offsetof(run_version, connect_ms)},
    {"direct_ms", K_PCT, offsetof(run_version, direct_ms)},
    {"bytes_direct", K_COUNT, offsetof(run_version, bytes_direct)},
    {"bytes_relayed", K_COUNT, offsetof(run_version, bytes_relayed)},
    {"bytes_turn", K_COUNT, offsetof(run_version, bytes_turn)},
    {"events", K_COUNT, offsetof(run_version, events)},
    {"ice_check_ms", K_PCT, offsetof(run_version, ice_check_ms)},
    {"ice_nominated_ms", K_PCT, offsetof(run_version, ice_nominated_ms)},
    {"stun_requests", K_COUNT, offsetof(run_version, stun_requests)},
    {"turn_allocations", K_COUNT, offsetof(run_version, turn_allocations)},
    {"turn_bytes", K_COUNT, offsetof(run_version, turn_bytes)},
};

static int one_version(rd *d, const jv *v, const char *where, void *p) {
  run_version *out = p;
  void *list;
  if (!v || v->type != J_OBJ) return fail(d, where, "", "an object", v);
  if (read_fields(d, v, where, version_fields, COUNT(version_fields), out)) return -1;
  if (jget(v, "on_direct_ms") && read_pct(d, v, where, "on_direct_ms", &out->on_direct_ms))
    return -1; /* files from before it existed have none */
  if (read_failures(d, v, where, out)) return -1;
  if (read_counts_of(d, v, where, out)) return -1;
  if (read_keepalive(d, v, where, out)) return -1;
  if (read_hist(d, v, where, "connect_hist", &out->connect_hist)) return -1;
  if (read_hist(d, v, where, "direct_hist", &out->direct_hist)) return -1;
  int rc = read_objects(d, v, where, "targets", sizeof(run_target), one_target, &list,
                        &out->ntargets);
  out->targets = list;
  if (rc) return -1;
  if (read_matrix_size(d, v, where)) return -1;
  rc = read_objects(d, v, where, "matrix", sizeof(run_cell), one_cell, &list, &out->ncells);
  out->matrix = list;
  if (rc) return -1;
  rc = read_objects(d, v, where, "version_pairs", sizeof(run_cell), one_vpair, &list,
                    &out->nvpairs);
  out->vpairs = list;
  if (rc) return -1;
  return read_cost(d, v, where, &out->cost);
}

/* --- the results file ---------------------------------------------------------------- */

static int one_check(rd *d, const jv *c, const char *where, void *p) {
  run_check *out = p;
  if (!c || c->type != J_OBJ) return fail(d, where, "", "an object", c);
  if (read_str(d, c, where, "name", true, &out->name)) return -1;
  if (read_bool(d, c, where, "ok", &out->ok)) return -1;
  return read_str(d, c, where, "detail", false, &out->detail);
}

/* The object of strings at key of o (where names o), into a list. */
static int read_strings(rd *d, const jv *o, const char *where, const char *key, run_param **out,
                        size_t *n) {
  const jv *p;
  void *list;
  char at[64];
  snprintf(at, sizeof at, "%s%s%s", where, where[0] ? "." : "", key);
  if (read_obj(d, o, where, key, "an object of strings", &p)) return -1;
  if (alloc_list(d, jlen(p), sizeof(run_param), &list)) return -1;
  *out = list;
  *n = jlen(p);
  for (size_t i = 0; i < jlen(p); i++) {
    const jv *x = p->items[i];
    if (x->type != J_STR) return fail(d, at, p->keys[i], "a string", x);
    (*out)[i].key = p->keys[i];
    (*out)[i].value = x->str;
  }
  return 0;
}

static int read_params(rd *d, const jv *r, run_results *out) {
  return read_strings(d, r, "", "params", &out->params, &out->nparams);
}

/* Entry i of experiment e's population list, into out. */
static int read_class(rd *d, const jv *c, const char *where, size_t e, run_class *out) {
  out->experiment = e;
  if (!c || c->type != J_OBJ) return fail(d, where, "", "an object", c);
  if (read_str(d, c, where, "name", true, &out->name)) return -1;
  if (read_num(d, c, where, "weight", 0, -1, &out->weight)) return -1;
  if (read_str(d, c, where, "model", true, &out->model)) return -1;
  if (read_str(d, c, where, "behind", false, &out->behind)) return -1;
  if (read_str(d, c, where, "behaviour", false, &out->behaviour)) return -1;
  return read_str(d, c, where, "behind_behaviour", false, &out->behind_behaviour);
}

/* Every experiment's population in config.experiments, into one list. */
static int read_population(rd *d, const jv *exps, run_results *out) {
  size_t n = 0;
  for (size_t e = 0; e < jlen(exps); e++) {
    const jv *x = jat(exps, e);
    const jv *pop;
    char at[96];
    step(at, sizeof at, "config", "experiments", e);
    if (x->type != J_OBJ) return fail(d, at, "", "an object", x);
    if (read_list(d, x, at, "population", "a list", &pop)) return -1;
    n += jlen(pop);
  }
  void *list;
  if (alloc_list(d, n, sizeof(run_class), &list)) return -1;
  out->classes = list;
  for (size_t e = 0; e < jlen(exps); e++) {
    const jv *pop = jget(jat(exps, e), "population");
    char at[96];
    char ci[160];
    step(at, sizeof at, "config", "experiments", e);
    for (size_t i = 0; i < jlen(pop); i++) {
      step(ci, sizeof ci, at, "population", i);
      if (read_class(d, jat(pop, i), ci, e, &out->classes[out->nclasses])) return -1;
      out->nclasses++;
    }
  }
  return 0;
}

/* config: absent in older files (has_config false). */
static int read_config(rd *d, const jv *r, run_results *out) {
  const jv *c;
  const jv *exps;
  out->scenario_sha256 = "";
  if (read_obj(d, r, "", "config", "an object", &c)) return -1;
  if (!c) return 0;
  out->has_config = true;
  if (read_str(d, c, "config", "scenario_sha256", false, &out->scenario_sha256)) return -1;
  if (read_strings(d, c, "config", "params", &out->resolved, &out->nresolved)) return -1;
  if (read_list(d, c, "config", "experiments", "a list", &exps)) return -1;
  return read_population(d, exps, out);
}

static int read_totals(rd *d, const jv *r, run_results *out) {
  const jv *t;
  if (read_obj(d, r, "", "totals", "an object of counts", &t)) return -1;
  if (read_count(d, t, "totals", "sent", &out->sent)) return -1;
  if (read_count(d, t, "totals", "received", &out->received)) return -1;
  if (read_count(d, t, "totals", "lost", &out->lost)) return -1;
  return read_count(d, t, "totals", "nat_dropped", &out->nat_dropped);
}

static int read_schema(rd *d, const jv *r) {
  const jv *s = jget(r, "schema");
  if (r->type != J_OBJ) {
    snprintf(d->err, d->errlen, "%s: not a results file: expected a JSON object", d->source);
    return -1;
  }
  if (s && s->type == J_STR && !strcmp(s->str, "natsim-run/1")) return 0;
  snprintf(d->err, d->errlen, "%s: schema \"%s\" is not natsim-run/1 (reports/README.md)",
           d->source, s && s->type == J_STR ? s->str : "(none)");
  return -1;
}

static int read_run(rd *d, const jv *r, run_results *out) {
  const jv *seed = jget(r, "seed");
  void *list;
  if (read_schema(d, r)) return -1;
  if (read_str(d, r, "", "scenario", true, &out->scenario)) return -1;
  if (seed && (!is_num(seed) || seed->num < 0 || seed->num != floor(seed->num)))
    return fail(d, "", "seed", "a non-negative integer", seed);
  out->seed = seed ? seed->num : 0;
  if (read_params(d, r, out)) return -1;
  if (read_config(d, r, out)) return -1;
  if (read_num(d, r, "", "virtual_time_s", 0, -1, &out->virtual_time_s)) return -1;
  if (read_count(d, r, "", "events", &out->events)) return -1;
  if (read_totals(d, r, out)) return -1;
  int rc = read_objects(d, r, "", "checks", sizeof(run_check), one_check, &list, &out->nchecks);
  out->checks = list;
  if (rc) return -1;
  if (!jget(r, "versions")) return fail(d, "", "versions", "a list", NULL);
  rc = read_objects(d, r, "", "versions", sizeof(run_version), one_version, &list,
                    &out->nversions);
  out->versions = list;
  return rc;
}

/* Reads the tree r (out takes it over) into out: 0, or -1 with out empty
** and the reason in d->err made printable (it quotes keys and values). */
static int read_tree(rd *d, jv *r, run_results *out) {
  out->store = r;
  if (read_run(d, r, out) == 0) return 0;
  run_free(out);
  text_plain(d->err, d->err, d->errlen);
  return -1;
}

int run_parse(const char *text, size_t len, const char *source, run_results *out, char *err,
              size_t errlen) {
  rd d = {source, err, errlen};
  char why[400];
  memset(out, 0, sizeof *out);
  jv *r = jread_parse(text, len, why, sizeof why);
  if (!r) {
    snprintf(err, errlen, "%s: %s", source, why);
    return -1;
  }
  return read_tree(&d, r, out);
}

int run_read_file(const char *path, run_results *out, char *err, size_t errlen) {
  jv *r = jread_file(path, err, errlen);
  rd d = {path, err, errlen};
  memset(out, 0, sizeof *out);
  if (!r) return -1;
  return read_tree(&d, r, out);
}

void run_free(run_results *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nversions; i++) {
    free(r->versions[i].targets);
    free(r->versions[i].matrix);
    free(r->versions[i].vpairs);
  }
  free(r->versions);
  free(r->checks);
  free(r->params);
  free(r->resolved);
  free(r->classes);
  jread_free(r->store);
  memset(r, 0, sizeof *r);
}

/* --- lookups ------------------------------------------------------------------------- */

int64_t run_events(const run_results *r) {
  int64_t n = r->events;
  for (size_t i = 0; i < r->nversions; i++)
    n += r->versions[i].events;
  return n;
}

const run_version *run_find_version(const run_results *r, const char *name) {
  for (size_t i = 0; i < r->nversions; i++)
    if (!strcmp(r->versions[i].name, name)) return &r->versions[i];
  return NULL;
}

const run_target *run_find_target(const run_version *v, enum schema_metric m) {
  for (size_t i = 0; i < v->ntargets; i++)
    if (v->targets[i].metric == m) return &v->targets[i];
  return NULL;
}
