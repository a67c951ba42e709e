/* write.c: a version's results, through an exp_writer, to JSON or Lua alike. */
#include "experiment.h"
#include "version.h"

static void write_p(const exp_writer *w, const char *key, const double v[2]) {
  w->begin(w->ctx, key, false);
  w->number(w->ctx, "p50", v[0]);
  w->number(w->ctx, "p95", v[1]);
  w->end(w->ctx, false);
}

static void write_verdict(const exp_verdict *v, const exp_writer *w) {
  w->begin(w->ctx, NULL, false);
  w->str(w->ctx, "metric", v->metric);
  w->str(w->ctx, "op", v->op);
  w->number(w->ctx, "target", v->target);
  w->number(w->ctx, "measured", v->measured);
  w->boolean(w->ctx, "ok", v->ok);
  if (v->has_ci) {
    w->begin(w->ctx, "ci", true);
    w->number(w->ctx, NULL, v->ci[0]);
    w->number(w->ctx, NULL, v->ci[1]);
    w->end(w->ctx, true);
    w->boolean(w->ctx, "straddles", v->straddles);
  }
  w->end(w->ctx, false);
}

static void write_hist(const exp_writer *w, const char *key, const int *h) {
  w->begin(w->ctx, key, false);
  w->begin(w->ctx, "edges_ms", true);
  for (int i = 0; i < EXP_HIST_BINS; i++) w->number(w->ctx, NULL, schema_hist_edges_ms[i]);
  w->end(w->ctx, true);
  w->begin(w->ctx, "counts", true);
  for (int i = 0; i < EXP_HIST_BINS; i++) w->integer(w->ctx, NULL, h[i]);
  w->end(w->ctx, true);
  w->end(w->ctx, false);
}

static void write_cell(const exp_summary *s, const exp_cell *c, const exp_writer *w) {
  w->begin(w->ctx, NULL, false);
  w->str(w->ctx, "a", s->classes[c->a]);
  w->str(w->ctx, "b", s->classes[c->b]);
  w->integer(w->ctx, "attempts", c->attempts);
  w->integer(w->ctx, "direct", c->direct);
  w->integer(w->ctx, "relayed", c->relayed);
  w->integer(w->ctx, "failed", c->failed);
  w->integer(w->ctx, "missed_direct", c->missed_direct);
  w->integer(w->ctx, "turn", c->turn);
  w->integer(w->ctx, "feasible", c->feasible);
  w->number(w->ctx, "expected_direct", c->expected);
  w->number(w->ctx, "probes_per_attempt", c->attempts ? (double)c->probes / c->attempts : 0);
  w->number(w->ctx, "direct_ms_mean", c->direct ? c->direct_ms / c->direct : 0);
  w->end(w->ctx, false);
}

static void write_vcell(const exp_vcell *c, const exp_writer *w) {
  w->begin(w->ctx, NULL, false);
  w->str(w->ctx, "a", exp_version_at(c->a)->name);
  w->str(w->ctx, "b", exp_version_at(c->b)->name);
  w->integer(w->ctx, "attempts", c->attempts);
  w->integer(w->ctx, "direct", c->direct);
  w->integer(w->ctx, "relayed", c->relayed);
  w->integer(w->ctx, "failed", c->failed);
  w->end(w->ctx, false);
}

/* A mixed run: its shares by version and its results by pair of versions. */
static void write_mix(const exp_summary *s, const exp_writer *w) {
  if (!s->nvcells) return;
  w->begin(w->ctx, "mix", false);
  for (int i = 0; i < exp_version_count() && i < EXP_MAX_VERSIONS; i++)
    if (s->mix[i] > 0) w->number(w->ctx, exp_version_at(i)->name, s->mix[i]);
  w->end(w->ctx, false);
  w->begin(w->ctx, "version_pairs", true);
  for (int i = 0; i < s->nvcells; i++) write_vcell(&s->vcells[i], w);
  w->end(w->ctx, true);
}

static void write_cost(const exp_cost *c, const exp_writer *w) {
  w->begin(w->ctx, "cost", false);
  w->number(w->ctx, "gateway_bytes_per_session", c->gateway_bytes_per_session);
  w->number(w->ctx, "turn_bytes_per_session", c->turn_bytes_per_session);
  w->number(w->ctx, "stun_turn_requests_per_session", c->stun_turn_requests_per_session);
  w->number(w->ctx, "allocations_per_session", c->allocations_per_session);
  w->number(w->ctx, "keepalives_per_peer_hour", c->keepalives_per_peer_hour);
  w->number(w->ctx, "gateway_gb_month", c->gateway_gb);
  w->number(w->ctx, "turn_gb_month", c->turn_gb);
  w->number(w->ctx, "gateway_usd_month", c->gateway_usd);
  w->number(w->ctx, "stun_turn_usd_month", c->stun_turn_usd);
  w->number(w->ctx, "total_usd_month", c->total_usd);
  w->end(w->ctx, false);
}

void experiment_write(const exp_summary *s, const exp_writer *w) {
  void *x = w->ctx;
  w->begin(x, NULL, false);
  w->str(x, "name", s->name);
  w->str(x, "strategy", s->strategy);
  w->integer(x, "attempts", s->attempts);
  w->integer(x, "connected", s->connected);
  w->integer(x, "direct", s->direct);
  w->integer(x, "relayed", s->relayed);
  w->integer(x, "failed", s->failed);
  w->integer(x, "missed_direct", s->missed_direct);
  w->integer(x, "turn", s->turn);
  w->integer(x, "data_errors", s->data_errors);
  w->str(x, "transport", s->transport);
  w->str(x, "upgrade", s->upgrade);
  w->integer(x, "data_verified", s->data_verified);
  w->integer(x, "rogue", s->rogue);
  w->begin(x, "failures", false);
  for (int i = 0; i < SCHEMA_FAILURES; i++) w->integer(x, schema_failure_names[i], s->failures[i]);
  w->end(x, false);
  w->begin(x, "failure_examples", false);
  for (int i = 0; i < SCHEMA_FAILURES; i++)
    if (s->failures[i]) w->str(x, schema_failure_names[i], s->failure_example[i]);
  w->end(x, false);
  write_p(w, "handshake_ms", s->handshake_ms);
  write_p(w, "migration_ms", s->migration_ms);
  w->integer(x, "migrations", s->migrations);
  w->integer(x, "fell_back", s->fell_back);
  w->integer(x, "retransmitted", (int64_t)s->retransmitted);
  w->begin(x, "wire_bytes", false);
  w->integer(x, "relayed", (int64_t)s->wire_relayed);
  w->integer(x, "direct", (int64_t)s->wire_direct);
  w->integer(x, "turn", (int64_t)s->wire_turn);
  w->end(x, false);
  w->number(x, "direct_rate", s->direct_rate);
  w->begin(x, "direct_rate_ci", true);
  w->number(x, NULL, s->direct_rate_ci[0]);
  w->number(x, NULL, s->direct_rate_ci[1]);
  w->end(x, true);
  w->number(x, "gateway_load", s->gateway_load);
  w->number(x, "hops_mean", s->hops_mean);
  w->number(x, "rtt_ms_mean", s->rtt_ms_mean);
  write_p(w, "connect_ms", s->connect_ms);
  write_p(w, "direct_ms", s->direct_ms);
  write_p(w, "on_direct_ms", s->on_direct_ms);
  w->integer(x, "bytes_direct", (int64_t)s->bytes_direct);
  w->integer(x, "bytes_relayed", (int64_t)s->bytes_relayed);
  w->integer(x, "bytes_turn", (int64_t)s->bytes_turn);
  write_p(w, "ice_check_ms", s->ice_check_ms);
  write_p(w, "ice_nominated_ms", s->ice_nominated_ms);
  w->integer(x, "stun_requests", (int64_t)s->stun_requests);
  w->integer(x, "turn_allocations", (int64_t)s->turn_allocations);
  w->integer(x, "turn_bytes", (int64_t)s->turn_bytes);
  w->integer(x, "events", (int64_t)s->events);
  w->begin(x, "keepalive_s", false);
  for (int i = 0; i < s->nclasses; i++) w->number(x, s->classes[i], s->keepalive_s[i]);
  w->end(x, false);
  w->begin(x, "same_nat", false);
  w->integer(x, "attempts", s->same_nat);
  w->integer(x, "direct", s->same_nat_direct);
  w->end(x, false);
  write_hist(w, "connect_hist", s->connect_hist);
  write_hist(w, "direct_hist", s->direct_hist);
  w->begin(x, "targets", true);
  for (int i = 0; i < s->nverdicts; i++) write_verdict(&s->verdicts[i], w);
  w->end(x, true);
  w->begin(x, "matrix", true);
  for (int i = 0; i < s->ncells; i++) write_cell(s, &s->cells[i], w);
  w->end(x, true);
  write_mix(s, w);
  write_cost(&s->cost, w);
  w->end(x, false);
}
