/* feasible.c: the punch technique played out on NAT engines alone. */
#include "feasible.h"

#include <math.h>
#include <string.h>

#include "ice.h"

#define INSIDE 0xC0A80102u  /* 192.168.1.2, both peers: separate LANs */
#define PORT 4000
#define GATEWAY 0xC6336410u /* 198.51.100.16 */
#define ROUNDS 3

typedef struct side {
  nat *nat[FEASIBLE_MAX_CHAIN];
  int n;
  uint32_t public_ip;  /* the outermost NAT's */
  nat_flow cand[8];    /* dst_ip:dst_port to punch */
  int ncand;
  bool confirmed;
} side;

/* Each NAT gets its own outside address: a's from 10.0.x, b's from 10.1.x;
** the outermost is the side's public address. */
static int build(side *s, const nat_chain *c, uint32_t base) {
  memset(s, 0, sizeof *s);
  if (c->n < 0 || c->n > FEASIBLE_MAX_CHAIN) return -1;
  for (int i = 0; i < c->n; i++) {
    nat_config cfg = *c->nat[i];
    if (cfg.alloc_hook) { /* scripts keep their own state: model them as random */
      cfg.alloc_hook = NULL;
      cfg.alloc = NAT_RANDOM;
    }
    s->nat[i] = nat_new(&cfg, base + (uint32_t)i + 1, base);
    if (!s->nat[i]) return -1;
    s->n++;
  }
  s->public_ip = c->n ? base + (uint32_t)c->n : INSIDE;
  return 0;
}

static void destroy(side *s) {
  for (int i = 0; i < s->n; i++) nat_free(s->nat[i]);
}

/* Out through every NAT of the side, innermost first. */
static bool out(side *s, nat_flow *f) {
  for (int i = 0; i < s->n; i++)
    if (nat_outbound(s->nat[i], 0, f) != NAT_OK) return false;
  return true;
}

/* In through every NAT, outermost first; true when it reaches the peer. */
static bool in(side *s, nat_flow *f) {
  if (f->dst_ip != s->public_ip) return false;
  for (int i = s->n - 1; i >= 0; i--)
    if (nat_inbound(s->nat[i], 0, f) != NAT_OK) return false;
  return f->dst_ip == INSIDE && f->dst_port == PORT;
}

static void learn(side *s, uint32_t ip, uint16_t port) {
  for (int i = 0; i < s->ncand; i++)
    if (s->cand[i].dst_ip == ip && s->cand[i].dst_port == port) return;
  if (s->ncand < 8) s->cand[s->ncand++] = (nat_flow){.dst_ip = ip, .dst_port = port};
}

static nat_flow reflect(side *s) { /* register: the gateway sees this */
  nat_flow f = {INSIDE, GATEWAY, PORT, 7000};
  out(s, &f);
  return f;
}

/* One punch from `from` to `to` at dst. The receiver answers it, and, if
** not confirmed itself, punches back at once (a triggered punch), both
** toward the punch's source; an answer confirms whoever punched. */
static bool send(side *from, side *to, nat_flow *f) { return out(from, f) && in(to, f); }

static void punch(side *from, side *to, nat_flow dst) {
  nat_flow f = {INSIDE, dst.dst_ip, PORT, dst.dst_port};
  if (!send(from, to, &f)) return;
  learn(to, f.src_ip, f.src_port);
  nat_flow ack = {INSIDE, f.src_ip, PORT, f.src_port};
  if (send(to, from, &ack)) from->confirmed = true;
  if (to->confirmed) return;
  nat_flow back = {INSIDE, f.src_ip, PORT, f.src_port};
  if (!send(to, from, &back)) return;
  learn(from, back.src_ip, back.src_port);
  nat_flow ack2 = {INSIDE, back.src_ip, PORT, back.src_port};
  if (send(from, to, &ack2)) to->confirmed = true;
}

bool feasible_punch(const nat_chain *ca, const nat_chain *cb) {
  side a = {0}, b = {0};
  bool ok = false;
  if (build(&a, ca, 0x0A000000u) == 0 && build(&b, cb, 0x0A010000u) == 0) {
    nat_flow ea = reflect(&a), eb = reflect(&b);
    learn(&a, eb.src_ip, eb.src_port);
    learn(&b, ea.src_ip, ea.src_port);
    for (int r = 0; r < ROUNDS && !(a.confirmed && b.confirmed); r++) {
      int na = a.ncand, nb = b.ncand; /* addresses learnt this round wait */
      for (int i = 0; i < na && !a.confirmed; i++) punch(&a, &b, a.cand[i]);
      for (int i = 0; i < nb && !b.confirmed; i++) punch(&b, &a, b.cand[i]);
    }
    ok = a.confirmed && b.confirmed;
  }
  destroy(&a);
  destroy(&b);
  return ok;
}

/* A NAT whose next port can be guessed from the last: sequential with a
** small stride, or port-preserving, which keeps the port it is given and
** otherwise takes the next free one after its last (nat.c), so it is
** transparent to the NATs inside it or sequential itself. */
static bool guessable(const nat_config *n) {
  if (n->alloc_hook) return false;
  if (n->alloc == NAT_PRESERVE) return true;
  return n->alloc == NAT_SEQUENTIAL && n->stride <= 64;
}

static bool predictable(const nat_chain *c) {
  bool per_destination = false;
  for (int i = 0; i < c->n; i++) {
    if (!guessable(c->nat[i])) return false;
    per_destination = per_destination || c->nat[i]->mapping != NAT_EI;
  }
  return per_destination;
}

static bool independent(const nat_chain *c) {
  for (int i = 0; i < c->n; i++)
    if (c->nat[i]->mapping != NAT_EI) return false;
  return true;
}

bool feasible_predict(const nat_chain *a, const nat_chain *b) {
  return (predictable(a) && independent(b)) || (predictable(b) && independent(a));
}

bool feasible_pcp(const nat_chain *a, const nat_chain *b) {
  return (a->pcp && a->n == 1) || (b->pcp && b->n == 1);
}

bool feasible_hairpin(const nat_chain *s) {
  for (int i = 0; i < s->n; i++)
    if (s->nat[i]->mapping != NAT_EI || !s->nat[i]->hairpin) return false;
  return s->n > 0;
}

static bool random_per_destination(const nat_chain *c) {
  return c->n == 1 && c->nat[0]->mapping != NAT_EI && c->nat[0]->alloc == NAT_RANDOM;
}

static bool endpoint_independent(const nat_chain *c) {
  for (int i = 0; i < c->n; i++)
    if (c->nat[i]->mapping != NAT_EI) return false;
  return true;
}

double feasible_birthday(const nat_chain *a, const nat_chain *b, int sockets, int probes) {
  bool one_way = random_per_destination(a) && endpoint_independent(b);
  if (!one_way && !(random_per_destination(b) && endpoint_independent(a))) return 0;
  if (sockets <= 0 || probes <= 0) return 0;
  double range = ICE_BDAY_PORT_MAX - ICE_BDAY_PORT_MIN + 1;
  return 1 - pow(1 - (sockets + 1) / range, probes);
}
