/* record.c: each attempt as exp_cfg.record sees it (exp_attempt). */
#include "xrun.h"

/* The model names of the NATs between `host` and the core, home first. */
static int chain(const world *w, int host, const char **names) {
  int n = 0;
  for (int k = world_node_parent(w, host); k != WORLD_CORE && n < EXP_MAX_CHAIN;
       k = world_node_parent(w, k)) {
    names[n] = world_nat_model(w, k)->name;
    n++;
  }
  return n;
}

/* ns after `from`, in ms; -1 when `at` never came (at <= 0). */
static double ms_after(int64_t at, int64_t from) {
  if (at <= 0) return -1;
  return (double)(at - from) / MS;
}

/* A time in ns relative to its own start, in ms; -1 when negative. */
static double ms(int64_t ns) {
  if (ns < 0) return -1;
  return (double)ns / MS;
}

static const char *path(const peer_session_info *ia, const peer_session_info *ib) {
  if (ia->direct && ib->direct) return "direct";
  if (ia->turn && ib->turn) return "turn";
  if (ia->up && ib->up) return "gateway";
  return "none";
}

static const char *outcome(bool verified, bool direct) {
  if (!verified) return "failed";
  if (direct) return "direct";
  return "relayed";
}

void record_attempt(const xrun *x, const attempt *a, const peer_session_info *ia,
                    const peer_session_info *ib, const attempt_verdict *v) {
  const exp_cfg *c = x->cfg;
  if (!c->record) return;
  exp_attempt r = {
      .version = x->version->name,
      .index = a->index,
      .class_a = c->classes[a->class_a].name,
      .class_b = c->classes[a->class_b].name,
      .same_nat = a->same_nat,
      .rogue = a->rogue,
      .outcome = outcome(v->verified, v->direct),
      .reason = v->failure >= 0 ? schema_failure_names[v->failure] : NULL,
      .why = v->failure >= 0 ? v->why : "",
      .path = path(ia, ib),
      .first_byte_ms = ms_after(a->first_byte, a->connect_at),
      .ice_valid_ms = ms(ia->ice_first_check),
      .ice_selected_ms = ms(ia->ice_nominated),
      .bytes_direct = ia->bytes_direct + ib->bytes_direct,
      .bytes_relayed = ia->bytes_relayed + ib->bytes_relayed,
      .bytes_turn = ia->bytes_turn + ib->bytes_turn,
      .probes = ia->probes + ib->probes,
      .feasible = a->feasible,
      .missed_direct = a->feasible && !v->direct,
  };
  int64_t last = a->a.direct_at > a->b.direct_at ? a->a.direct_at : a->b.direct_at;
  r.direct_ms = -1;
  if (a->a.direct_at > 0 && a->b.direct_at > 0) r.direct_ms = ms_after(last, a->connect_at);
  r.nnats_a = chain(x->w, a->a.host, r.nats_a);
  r.nnats_b = chain(x->w, a->b.host, r.nats_b);
  c->record(c->record_ctx, &r);
}
