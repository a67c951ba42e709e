/* population.c: the pairs of an experiment, their classes, and the oracle's verdict on each. */
#include <stdio.h>

#include "capture.h"
#include "feasible.h"
#include "quic.h"
#include "rng.h"
#include "xrun.h"

/* The same pairs for every version: classes drawn from the seed alone. */
static int draw_class(const exp_cfg *c, rng *r) {
  double total = 0;
  for (int i = 0; i < c->nclasses; i++) total += c->classes[i].weight;
  double x = rng_unit(r) * total;
  for (int i = 0; i < c->nclasses; i++) {
    if (x < c->classes[i].weight) return i;
    x -= c->classes[i].weight;
  }
  return c->nclasses - 1;
}

static void chain_of(world *w, int peer_host, nat_chain *ch) {
  ch->n = 0;
  int home = world_node_parent(w, peer_host);
  for (int n = home; n != WORLD_CORE && ch->n < FEASIBLE_MAX_CHAIN; n = world_node_parent(w, n))
    ch->nat[ch->n++] = &world_nat_model(w, n)->cfg;
  ch->pcp = home != WORLD_CORE && world_nat_model(w, home)->pcp;
}

/* Whether the version could reach a direct path between the attempt's
** sides (a->feasible), and else the chance birthday probing opens one
** (a->p_bday). ICE's direct candidates (reflexive and peer-reflexive)
** reach exactly what coordinated punching reaches: the same oracle serves
** both; the extras add what port prediction, PCP and birthday probing
** find. */
static void oracle(const xrun *x, attempt *a) {
  exp_version v = population_pair(a);
  const ice_cfg *ic = &x->cfg->peer.agent;
  nat_chain ca, cb;
  chain_of(x->w, a->a.host, &ca);
  chain_of(x->w, a->b.host, &cb);
  a->feasible = (v.punch || v.ice) && feasible_punch(&ca, &cb);
  if (a->same_nat) a->feasible = v.ice || (v.punch && feasible_hairpin(&ca));
  if (!v.extras || a->feasible) return;
  if (ic->predict > 0) a->feasible = feasible_predict(&ca, &cb);
  if (!a->feasible) a->feasible = feasible_pcp(&ca, &cb);
  if (!a->feasible) a->p_bday = feasible_birthday(&ca, &cb, ic->bday_ports, ic->bday_probes);
}

exp_version population_pair(const attempt *a) {
  const exp_version *va = a->a.v;
  const exp_version *vb = a->b.v;
  exp_version v = *va;
  v.ice = va->ice && vb->ice;
  v.punch = !v.ice && (va->punch || va->ice) && (vb->punch || vb->ice);
  v.extras = v.ice && va->extras && vb->extras;
  return v;
}

/* A mixed run: a version drawn from the mix (cfg.mix by version index). */
static const exp_version *draw_version(const exp_cfg *c, rng *r) {
  double u = rng_unit(r);
  int last = 0;
  for (int i = 0; i < exp_version_count() && i < EXP_MAX_VERSIONS; i++) {
    if (c->mix[i] <= 0) continue;
    last = i;
    if (u < c->mix[i]) return exp_version_at(i);
    u -= c->mix[i];
  }
  return exp_version_at(last);
}

/* A uniform draw in [0, 1) from all 64 bits. */
static double unit64(rng *r) {
  return (double)rng_u64(r) / 18446744073709551616.0;
}

/* --pcap: whether attempt a's nodes are captured; *captured counts the
** attempts that are. 0, or -1 with the reason in err when more than
** CAPTURE_MAX_ATTEMPTS would be, or memory runs out. */
static int capture_side(xrun *x, const attempt *a, int *captured, char *err, size_t len) {
  const exp_cfg *c = x->cfg;
  bool wants = capture_wants(c->pcap, a->index, c->classes[a->class_a].name,
                             c->classes[a->class_b].name);
  if (wants && ++*captured > CAPTURE_MAX_ATTEMPTS) {
    snprintf(err, len, "--pcap-attempts: more than %d attempts match; choose fewer",
             CAPTURE_MAX_ATTEMPTS);
    return -1;
  }
  if (capture_attempt(c->pcap, x->w, wants ? a->index : -1) == 0) return 0;
  snprintf(err, len, "--pcap: out of memory");
  return -1;
}

int population_build(xrun *x, char *err, size_t len) {
  int captured = 0;
  const exp_cfg *c = x->cfg;
  rng r, same, rogue, mix;
  rng_seed(&r, c->seed, 0x504f50u);
  rng_seed(&same, c->seed, 0x53414d45u);    /* its own stream: the classes stay as they were */
  rng_seed(&rogue, c->seed, 0x524f475545u); /* and this one */
  rng_seed(&mix, c->seed, 0x4d4958u);       /* and each side's version */
  if (c->quic) { /* the foreign CA even has the same name: only its key differs */
    x->ca = pki_ca_new("natsim scenario CA", err, len);
    if (!x->ca) return -1;
    x->rogue = pki_ca_new("natsim scenario CA", err, len);
    if (!x->rogue) return -1;
    x->trust = pki_trust(x->ca, err, len);
    if (!x->trust) return -1;
    int rv = quic_priority_new(&x->priority);
    if (rv != 0) {
      snprintf(err, len, "QUIC TLS priorities: %s", gnutls_strerror(rv));
      return -1;
    }
  }
  for (int i = 0; i < x->hi; i++) { /* every draw up to the shard's: each attempt's own */
    attempt *a = &x->att[i];
    a->run = x;
    a->index = i;
    a->class_a = draw_class(c, &r);
    a->class_b = draw_class(c, &r);
    a->same_nat = c->same_nat > 0 && unit64(&same) < c->same_nat;
    if (a->same_nat) a->class_b = a->class_a;
    a->rogue = c->rogue > 0 && rng_unit(&rogue) < c->rogue;
    a->a.v = c->mixed ? draw_version(c, &mix) : x->version;
    a->b.v = c->mixed ? draw_version(c, &mix) : x->version;
    if (i < x->lo) continue;
    a->a.id = 2u * (uint32_t)i + 1;
    a->a.is_a = true;
    a->b.id = 2u * (uint32_t)i + 2;
    if (c->pcap && capture_side(x, a, &captured, err, len) != 0) return -1;
    if (side_build(x, a, &a->a, a->class_a, NULL, err, len) != 0) return -1;
    if (side_build(x, a, &a->b, a->class_b, a->same_nat ? &a->a : NULL, err, len) != 0)
      return -1;
    a->start = i * c->spacing;
    workload_schedule(a);
    oracle(x, a);
  }
  return 0;
}
