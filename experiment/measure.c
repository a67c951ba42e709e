/* measure.c: each attempt's outcome; the version's rates, percentiles and verdicts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "stats.h"
#include "xrun.h"

/* --- percentiles and histograms ----------------------------------------------- */

static int cmp_i64(const void *p, const void *q) {
  int64_t a = *(const int64_t *)p;
  int64_t b = *(const int64_t *)q;
  return (a > b) - (a < b);
}

/* The p-th percentile of v (n values, sorted here), by nearest rank, in ms. */
static double pct(int64_t *v, int n, double p) {
  if (n == 0) return 0;
  qsort(v, (size_t)n, sizeof *v, cmp_i64);
  int k = (int)ceil(p * n) - 1;
  return (double)v[k < 0 ? 0 : k] / MS;
}

static void hist_add(int *h, int64_t ns) {
  int b = 0;
  while (b + 1 < EXP_HIST_BINS && (double)ns / MS >= schema_hist_edges_ms[b + 1]) b++;
  h[b]++;
}

/* Per-attempt times in ns, for percentiles. */
enum { T_CONN, T_DIRECT, T_CHECK, T_NOMINATED, T_HANDSHAKE, T_MIGRATION, T_ON_DIRECT,
       T_KINDS };
typedef struct times {
  int64_t *t[T_KINDS];
  int n[T_KINDS];
} times;

static void add_time(times *t, int k, int64_t v) {
  t->t[k][t->n[k]] = v;
  t->n[k]++;
}

/* --- verdicts ----------------------------------------------------------------- */

static void verdict(exp_summary *s, const char *metric, double target, double measured,
                    const char *exact_op, double exact, bool at_least) {
  if (target < 0) return;
  exp_verdict *v = &s->verdicts[s->nverdicts];
  s->nverdicts++;
  *v = (exp_verdict){.metric = metric, .target = target, .measured = measured};
  if (target == exact) {
    v->op = exact_op;
    v->ok = fabs(measured - exact) < 1e-4;
  } else if (at_least) {
    v->op = ">=";
    v->ok = measured >= target;
  } else {
    v->op = "<=";
    v->ok = measured <= target;
  }
}

static void rate_ci(exp_verdict *v, int x, int n) {
  v->has_ci = true;
  stats_wilson(x, n, v->ci);
  v->straddles = v->op[0] != '=' && v->ci[0] < v->target && v->target < v->ci[1];
}

/* The version against its targets. */
static void judge(const exp_targets *t, exp_summary *s) {
  s->nverdicts = 0;
  verdict(s, "direct_rate", t->direct, s->direct_rate, "=", 0, true);
  if (s->nverdicts) rate_ci(&s->verdicts[s->nverdicts - 1], s->direct, s->attempts);
  verdict(s, "gateway_load", t->load, s->gateway_load, "=", 1, false);
  verdict(s, "hops_mean", t->hops, s->hops_mean, "=", 2, false);
  int before = s->nverdicts;
  double reliability = s->attempts ? (double)s->data_verified / s->attempts : 0;
  verdict(s, "reliability", t->reliability, reliability, "=", 1, true);
  if (s->nverdicts > before) rate_ci(&s->verdicts[before], s->data_verified, s->attempts);
}

/* --- one attempt -------------------------------------------------------------- */

static exp_cell *cell(exp_summary *s, int a, int b) {
  int lo = a < b ? a : b;
  int hi = a < b ? b : a;
  for (int i = 0; i < s->ncells; i++) {
    if (s->cells[i].a == lo && s->cells[i].b == hi) return &s->cells[i];
  }
  exp_cell *c = &s->cells[s->ncells];
  s->ncells++;
  *c = (exp_cell){.a = lo, .b = hi};
  return c;
}

/* A mixed run's cell for the attempt's pair of versions; NULL otherwise. */
static exp_vcell *vcell(const xrun *x, exp_summary *s, const attempt *a) {
  if (!x->cfg->mixed) return NULL;
  int va = exp_version_index(a->a.v);
  int vb = exp_version_index(a->b.v);
  int lo = va < vb ? va : vb;
  int hi = va < vb ? vb : va;
  for (int i = 0; i < s->nvcells; i++) {
    if (s->vcells[i].a == lo && s->vcells[i].b == hi) return &s->vcells[i];
  }
  if (s->nvcells >= EXP_MAX_VPAIRS) return NULL;
  exp_vcell *c = &s->vcells[s->nvcells];
  s->nvcells++;
  *c = (exp_vcell){.a = lo, .b = hi};
  return c;
}

static void count_vcell(exp_vcell *c, bool verified, bool direct) {
  if (!c) return;
  c->attempts++;
  if (!verified) c->failed++;
  else if (direct) c->direct++;
  else c->relayed++;
}

/* Whether a QUIC close is about certificates: one side refused the
** other's, or TLS failed with no certificate to check. */
static bool certificate_close(enum quic_close r) {
  return r == QUIC_CLOSE_CERTIFICATE || r == QUIC_CLOSE_TLS || r == QUIC_CLOSE_REFUSED;
}

/* Why an attempt failed, if it did (-1: it did not), and in words (*why). */
static int failure(const attempt *a, const peer_session_info *ia, const peer_session_info *ib,
                   bool connected, bool verified, const char **why) {
  if (connected) {
    if (verified) return -1;
    if (a->a.damaged || a->b.damaged) *why = "a message arrived damaged or out of order";
    else *why = "messages missing at the end of the run";
    return SCHEMA_FAIL_DATA;
  }
  if (!ia->up || !ib->up) {
    *why = "the gateway did not set up the session";
    return SCHEMA_FAIL_SESSION;
  }
  /* the initiator's close if its connection closed, else the responder's */
  const peer_session_info *closed = ia->quic_reason != QUIC_CLOSE_NONE ? ia : ib;
  if (certificate_close(closed->quic_reason)) {
    *why = closed->quic_error;
    return SCHEMA_FAIL_CERTIFICATE;
  }
  if (closed->quic_reason != QUIC_CLOSE_NONE) *why = closed->quic_error;
  else *why = "the QUIC handshake did not complete";
  return SCHEMA_FAIL_HANDSHAKE;
}

static void count_failure(exp_summary *s, int f, const char *why) {
  if (f < 0) return;
  if (s->failures[f] == 0)
    snprintf(s->failure_example[f], sizeof s->failure_example[f], "%s", why);
  s->failures[f]++;
}

static void measure_quic(exp_summary *s, const peer_session_info *ia,
                         const peer_session_info *ib, times *t) {
  if (ia->handshake >= 0) add_time(t, T_HANDSHAKE, ia->handshake);
  if (ia->migration >= 0) add_time(t, T_MIGRATION, ia->migration);
  s->migrations += ia->migrations;
  s->fell_back += ia->fell_back;
  s->retransmitted += ia->lost + ib->lost;
  s->wire_relayed += ia->wire_relayed + ib->wire_relayed;
  s->wire_direct += ia->wire_direct + ib->wire_direct;
  s->wire_turn += ia->wire_turn + ib->wire_turn;
}

/* Counts the attempt's outcome in s and in its cell k. */
static void count_outcome(exp_summary *s, exp_cell *k, const attempt *a, bool verified,
                          bool direct, bool turn) {
  s->attempts++;
  k->attempts++;
  if (!verified) {
    s->failed++;
    k->failed++;
  } else if (direct) {
    s->direct++;
    k->direct++;
  } else {
    s->relayed++;
    k->relayed++;
  }
  if (verified && !direct && turn) {
    s->turn++;
    k->turn++;
  }
  if (a->feasible && !direct) {
    s->missed_direct++;
    k->missed_direct++;
  }
  k->feasible += a->feasible;
  k->expected += a->feasible ? 1 : a->p_bday;
  if (a->same_nat) {
    s->same_nat++;
    s->same_nat_direct += direct;
  }
}

/* Times of a verified attempt: to the first byte, to the direct path, and
** until both sides' packets took it (ia, ib: the sides' sessions). */
static void measure_times(exp_summary *s, exp_cell *k, const attempt *a, bool direct,
                          const peer_session_info *ia, const peer_session_info *ib, times *t) {
  int64_t first = a->first_byte - a->connect_at;
  add_time(t, T_CONN, first);
  hist_add(s->connect_hist, first);
  if (!direct) return;
  int64_t last = a->a.direct_at > a->b.direct_at ? a->a.direct_at : a->b.direct_at;
  int64_t d = last - a->connect_at;
  add_time(t, T_DIRECT, d);
  hist_add(s->direct_hist, d);
  k->direct_ms += (double)d / MS;
  if (ia->first_direct < 0 || ib->first_direct < 0) return;
  int64_t on = ia->first_direct > ib->first_direct ? ia->first_direct : ib->first_direct;
  add_time(t, T_ON_DIRECT, on - a->connect_at);
}

static void measure_attempt(const xrun *x, exp_summary *s, const attempt *a, times *t, int *hops,
                            double *rtt) {
  const exp_cfg *c = x->cfg;
  peer_session_info ia = {0};
  peer_session_info ib = {0};
  peer_session(a->a.p, a->b.id, &ia);
  peer_session(a->b.p, a->a.id, &ib);
  bool connected = c->quic ? ia.quic_up && ib.quic_up : ia.up && ib.up;
  bool damaged = a->a.damaged || a->b.damaged;
  bool all = a->a.received == c->messages && a->b.received == c->messages;
  bool verified = connected && all && !damaged;
  bool direct = verified && ia.direct && ib.direct;
  exp_cell *k = cell(s, a->class_a, a->class_b);
  const char *why = "";
  int f = failure(a, &ia, &ib, connected, verified, &why); /* before reading why */
  count_failure(s, f, why);
  s->connected += connected;
  s->rogue += a->rogue;
  if (damaged) s->data_errors++;
  count_outcome(s, k, a, verified, direct, ia.turn && ib.turn);
  count_vcell(vcell(x, s, a), verified, direct);
  k->probes += ia.probes + ib.probes;
  s->bytes_direct += ia.bytes_direct + ib.bytes_direct;
  s->bytes_relayed += ia.bytes_relayed + ib.bytes_relayed;
  s->bytes_turn += ia.bytes_turn + ib.bytes_turn;
  attempt_verdict v = {verified, direct, f, why};
  record_attempt(x, a, &ia, &ib, &v);
  if (c->quic) measure_quic(s, &ia, &ib, t);
  if (ia.ice_first_check >= 0) add_time(t, T_CHECK, ia.ice_first_check);
  if (ia.ice_nominated >= 0) add_time(t, T_NOMINATED, ia.ice_nominated);
  if (!verified) return;
  s->data_verified++;
  *hops += direct ? 1 : 2;
  *rtt += (double)ia.srtt / MS;
  measure_times(s, k, a, direct, &ia, &ib, t);
}

/* --- the version ---------------------------------------------------------------- */

/* Rates and means over the attempts counted. */
static void rates(exp_summary *s, int hops, double rtt) {
  s->direct_rate = s->attempts ? (double)s->direct / s->attempts : 0;
  stats_wilson(s->direct, s->attempts, s->direct_rate_ci);
  uint64_t all = s->bytes_direct + s->bytes_relayed + s->bytes_turn;
  s->gateway_load = all ? (double)(s->bytes_relayed + s->bytes_turn) / (double)all : 0;
  s->hops_mean = s->data_verified ? (double)hops / s->data_verified : 0;
  s->rtt_ms_mean = s->data_verified ? rtt / s->data_verified : 0;
}

/* The servers' own counts. */
static void server_load(const xrun *x, exp_summary *s) {
  s->gateway_frames = x->gw.stats.relayed_frames;
  if (!x->turn) return;
  const turn_server_stats *ts = turn_server_get_stats(x->turn);
  s->stun_requests = x->stun.stats.requests + x->stun2.stats.requests;
  s->turn_allocations = ts->allocations;
  s->turn_bytes = ts->bytes_relayed;
  s->turn_packets = ts->to_peers + ts->from_peers;
}

int measure_run(xrun *x, exp_summary *s) {
  const exp_cfg *c = x->cfg;
  times t = {0};
  int hops = 0;
  bool ok = true;
  double rtt = 0;
  for (int k = 0; k < T_KINDS; k++) {
    t.t[k] = calloc((size_t)c->pairs, sizeof(int64_t));
    if (!t.t[k]) ok = false;
  }
  s->cells = calloc((size_t)(c->nclasses * c->nclasses), sizeof *s->cells);
  snprintf(s->transport, sizeof s->transport, "%s", c->quic ? "quic" : "messages");
  if (!s->cells) ok = false;
  for (int i = 0; i < c->pairs && ok; i++)
    measure_attempt(x, s, &x->att[i], &t, &hops, &rtt);
  rates(s, hops, rtt);
  double *out[T_KINDS] = {s->connect_ms,       s->direct_ms,    s->ice_check_ms,
                          s->ice_nominated_ms, s->handshake_ms, s->migration_ms,
                          s->on_direct_ms};
  for (int k = 0; k < T_KINDS; k++) {
    out[k][0] = pct(t.t[k], t.n[k], 0.50);
    out[k][1] = pct(t.t[k], t.n[k], 0.95);
    free(t.t[k]);
  }
  judge(&c->targets, s);
  server_load(x, s);
  return ok ? 0 : -1;
}
