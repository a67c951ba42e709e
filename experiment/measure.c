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
static exp_vcell *vcell(const exp_cfg *c, exp_summary *s, const exp_meas *m) {
  if (!c->mixed || m->version_a < 0 || m->version_b < 0) return NULL;
  int lo = m->version_a < m->version_b ? m->version_a : m->version_b;
  int hi = m->version_a < m->version_b ? m->version_b : m->version_a;
  for (int i = 0; i < s->nvcells; i++) {
    if (s->vcells[i].a == lo && s->vcells[i].b == hi) return &s->vcells[i];
  }
  if (s->nvcells >= EXP_MAX_VPAIRS) return NULL;
  exp_vcell *v = &s->vcells[s->nvcells];
  s->nvcells++;
  *v = (exp_vcell){.a = lo, .b = hi};
  return v;
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

static void measure_quic(exp_meas *m, const peer_session_info *ia,
                         const peer_session_info *ib) {
  m->handshake = ia->handshake;
  m->migration = ia->migration;
  m->migrations = ia->migrations;
  m->fell_back = ia->fell_back;
  m->lost = ia->lost + ib->lost;
  m->wire_relayed = ia->wire_relayed + ib->wire_relayed;
  m->wire_direct = ia->wire_direct + ib->wire_direct;
  m->wire_turn = ia->wire_turn + ib->wire_turn;
}

/* Times of a verified attempt: to the first byte, to the direct path, and
** until both sides' packets took it (ia, ib: the sides' sessions). */
static void measure_times(exp_meas *m, const attempt *a, const peer_session_info *ia,
                          const peer_session_info *ib) {
  m->first = a->first_byte - a->connect_at;
  m->to_direct = -1;
  m->on_direct = -1;
  if (!m->direct) return;
  int64_t last = a->a.direct_at > a->b.direct_at ? a->a.direct_at : a->b.direct_at;
  m->to_direct = last - a->connect_at;
  if (ia->first_direct < 0 || ib->first_direct < 0) return;
  int64_t on = ia->first_direct > ib->first_direct ? ia->first_direct : ib->first_direct;
  m->on_direct = on - a->connect_at;
}

void measure_attempt(xrun *x, const attempt *a) {
  const exp_cfg *c = x->cfg;
  exp_meas *m = &x->meas[a->index - x->lo];
  peer_session_info ia = {0};
  peer_session_info ib = {0};
  peer_session(a->a.p, a->b.id, &ia);
  peer_session(a->b.p, a->a.id, &ib);
  *m = (exp_meas){.class_a = a->class_a, .class_b = a->class_b, .feasible = a->feasible,
                  .same_nat = a->same_nat, .rogue = a->rogue, .p_bday = a->p_bday,
                  .handshake = -1, .migration = -1, .version_a = -1, .version_b = -1};
  if (c->mixed) {
    m->version_a = exp_version_index(a->a.v);
    m->version_b = exp_version_index(a->b.v);
  }
  m->connected = c->quic ? ia.quic_up && ib.quic_up : ia.up && ib.up;
  m->damaged = a->a.damaged || a->b.damaged;
  bool all = a->a.received == c->messages && a->b.received == c->messages;
  m->verified = m->connected && all && !m->damaged;
  m->direct = m->verified && ia.direct && ib.direct;
  m->turn = ia.turn && ib.turn;
  const char *why = "";
  m->failure = failure(a, &ia, &ib, m->connected, m->verified, &why);
  snprintf(m->why, sizeof m->why, "%s", why);
  m->probes = ia.probes + ib.probes;
  m->bytes_direct = ia.bytes_direct + ib.bytes_direct;
  m->bytes_relayed = ia.bytes_relayed + ib.bytes_relayed;
  m->bytes_turn = ia.bytes_turn + ib.bytes_turn;
  if (c->quic) measure_quic(m, &ia, &ib);
  m->ice_check = ia.ice_first_check;
  m->ice_nominated = ia.ice_nominated;
  m->srtt = ia.srtt;
  if (m->verified) measure_times(m, a, &ia, &ib);
  attempt_verdict v = {m->verified, m->direct, m->failure, why};
  record_attempt(x, a, &ia, &ib, &v);
}

/* --- summing up ----------------------------------------------------------------- */

/* Counts the attempt's outcome in s and in its cell k. */
static void count_outcome(exp_summary *s, exp_cell *k, const exp_meas *m) {
  s->attempts++;
  k->attempts++;
  if (!m->verified) {
    s->failed++;
    k->failed++;
  } else if (m->direct) {
    s->direct++;
    k->direct++;
  } else {
    s->relayed++;
    k->relayed++;
  }
  if (m->verified && !m->direct && m->turn) {
    s->turn++;
    k->turn++;
  }
  if (m->feasible && !m->direct) {
    s->missed_direct++;
    k->missed_direct++;
  }
  k->feasible += m->feasible;
  k->expected += m->feasible ? 1 : m->p_bday;
  if (m->same_nat) {
    s->same_nat++;
    s->same_nat_direct += m->direct;
  }
}

static void sum_quic(exp_summary *s, const exp_meas *m, times *t) {
  if (m->handshake >= 0) add_time(t, T_HANDSHAKE, m->handshake);
  if (m->migration >= 0) add_time(t, T_MIGRATION, m->migration);
  s->migrations += m->migrations;
  s->fell_back += m->fell_back;
  s->retransmitted += m->lost;
  s->wire_relayed += m->wire_relayed;
  s->wire_direct += m->wire_direct;
  s->wire_turn += m->wire_turn;
}

static void sum_times(exp_summary *s, exp_cell *k, const exp_meas *m, times *t) {
  add_time(t, T_CONN, m->first);
  hist_add(s->connect_hist, m->first);
  if (!m->direct) return;
  add_time(t, T_DIRECT, m->to_direct);
  hist_add(s->direct_hist, m->to_direct);
  k->direct_ms += (double)m->to_direct / MS;
  if (m->on_direct >= 0) add_time(t, T_ON_DIRECT, m->on_direct);
}

static void sum_attempt(const exp_cfg *c, exp_summary *s, const exp_meas *m, times *t,
                        int *hops, double *rtt) {
  exp_cell *k = cell(s, m->class_a, m->class_b);
  count_failure(s, m->failure, m->why);
  s->connected += m->connected;
  s->rogue += m->rogue;
  if (m->damaged) s->data_errors++;
  count_outcome(s, k, m);
  count_vcell(vcell(c, s, m), m->verified, m->direct);
  k->probes += m->probes;
  s->bytes_direct += m->bytes_direct;
  s->bytes_relayed += m->bytes_relayed;
  s->bytes_turn += m->bytes_turn;
  if (c->quic) sum_quic(s, m, t);
  if (m->ice_check >= 0) add_time(t, T_CHECK, m->ice_check);
  if (m->ice_nominated >= 0) add_time(t, T_NOMINATED, m->ice_nominated);
  if (!m->verified) return;
  s->data_verified++;
  *hops += m->direct ? 1 : 2;
  *rtt += (double)m->srtt / MS;
  sum_times(s, k, m, t);
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

/* The servers' own counts, over the parts. */
static void server_load(const exp_part *parts, int n, exp_summary *s) {
  for (int i = 0; i < n; i++) {
    s->gateway_frames += parts[i].gateway_frames;
    s->stun_requests += parts[i].stun_requests;
    s->turn_allocations += parts[i].turn_allocations;
    s->turn_bytes += parts[i].turn_bytes;
    s->turn_packets += parts[i].turn_packets;
  }
}

int measure_sum(const exp_cfg *c, const exp_part *parts, int n, exp_summary *s) {
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
  for (int p = 0; p < n && ok && s->cells; p++) {
    for (int i = 0; i < parts[p].hi - parts[p].lo; i++)
      sum_attempt(c, s, &parts[p].m[i], &t, &hops, &rtt);
  }
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
  server_load(parts, n, s);
  return ok && s->cells ? 0 : -1;
}
