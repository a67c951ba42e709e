/* ice.c: gathering, pairing, checks, nomination and consent. */
#include "ice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "pcp.h"
#include "rng.h"
#include "stun.h"
#include "turn_client.h"

#define MAX_LOCAL 40
#define MAX_REMOTE 40
#define MAX_PAIRS 256
#define FIRST_PAIRS 8 /* pair slots an agent starts with, doubled as needed */
#define FIRST_CANDS 4 /* candidate slots, local or remote, likewise */
#define T_GATHER 1000 /* transaction tags: pairs are 0..MAX_PAIRS-1 */
#define T_GATHER2 1001
#define MAX_STRIDE 64
#define T_NOMINATE 2000
#define T_CONSENT 3000
#define RELAY_GRACE (1000 * 1000000LL) /* a valid relayed pair waits this long for a direct one */
#define GIVE_UP (40 * 1000000000LL)   /* no valid pair by then: failed */
#define PCP_RTO (250 * 1000000LL)     /* PCP request retransmission: 250, 500, 1000 ms */
#define PCP_SENDS 4
#define BDAY_MAX 1024                 /* sockets a hard side may open */
#define BDAY_WAIT (500 * 1000000LL)    /* the hard side gives plain checks this long first */

/* RFC 8445 6.1.2.6: a frozen pair waits for a pair of its foundation. */
enum { P_FROZEN, P_WAITING, P_IN_PROGRESS, P_SUCCEEDED, P_FAILED };

typedef struct pair {
  int l, r;
  uint64_t prio;
  uint64_t foundation; /* the local candidate's, then the remote's */
  int state;
  bool valid, nominated;
  bool as_controlling; /* the role its last check claimed */
  bool retriggered;    /* a check from the other side restarted its own once */
  int64_t valid_at;
} pair;

struct ice_agent {
  ice_cfg cfg;
  ice_io io;
  rng rng;
  char ufrag[33], pwd[65], rufrag[64], rpwd[128];
  bool controlling;
  uint64_t tiebreaker;
  stun_client stun;
  turn_client *turn;
  /* Tables owned and grown as they fill, like pairs (grow.h): */
  ice_cand *local;       /* cap_local slots, with lsock and lazy (up to MAX_LOCAL) */
  int *lsock;            /* the socket each local candidate sends from */
  bool *lazy;            /* a probing socket's: paired only when a check arrives on it */
  ice_cand *remote;      /* cap_remote slots (up to MAX_REMOTE) */
  int nlocal, nremote, cap_local, cap_remote;
  pair *pairs;           /* cap slots, grown as pairs are formed (up to MAX_PAIRS) */
  int npairs, cap, selected, nominating;
  int *triggered;        /* cap_triggered slots (up to MAX_PAIRS), a queue of pairs */
  int ntriggered, cap_triggered;
  enum ice_state state;
  bool srflx_pending, srflx2_pending, relay_pending;
  addr mapped1, mapped2; /* from the two STUN servers; family 0 until known */
  uint8_t pcp_nonce[12];
  int pcp_sends;         /* 0: no request pending */
  int64_t pcp_next;
  int64_t start, now, next_check, consent_next, consent_ok;
  /* birthday probing */
  addr *bday;            /* hard: the probing sockets' addresses (socket i+1) */
  addr hint;             /* easy: the hard side's address, from its hint; family 0: none */
  addr easy;             /* hard: the easy side's mapped address, from its hint */
  int probes_left;       /* easy */
  int64_t probe_next;
  int64_t bday_start;    /* hard: when to open the probing sockets; 0: done or never */
  ice_stats st;
};

static const int type_pref[] = {126, 100, 110, 0, 0}; /* host, srflx, prflx, relay, hint */

const char *ice_type_name(enum ice_type t) {
  static const char *const n[] = {"host", "srflx", "prflx", "relay", "birthday"};
  return t <= ICE_BIRTHDAY ? n[t] : "?";
}

uint32_t ice_priority(enum ice_type t, uint32_t local_pref) {
  return (uint32_t)type_pref[t] << 24 | (local_pref & 65535u) << 8 | 255u;
}
static uint32_t priority(enum ice_type t) { return ice_priority(t, 65535); }

void ice_cfg_defaults(ice_cfg *c) {
  memset(c, 0, sizeof *c);
  c->ta = 50000000LL;
  c->checks = (stun_timing){500000000LL, 5, 8};
  c->grace = 50000000LL;
  c->consent_interval = 5000000000LL;
  c->consent_timeout = 30000000000LL;
}

/* --- sending --------------------------------------------------------------- */

static void send_from(ice_agent *a, int l, const addr *to, const uint8_t *d, size_t n) {
  if (a->local[l].type == ICE_RELAY) turn_client_send(a->turn, a->now, to, d, n);
  else a->io.send(a->io.ctx, a->lsock[l], to, d, n);
}

static void stun_send(void *ctx, int l, const addr *to, const uint8_t *d, size_t n) {
  send_from(ctx, l, to, d, n);
}

static void on_timeout(void *ctx, int user);

/* --- set-up ------------------------------------------------------------------- */

static void random_text(rng *r, char *out, int n) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  for (int i = 0; i < n; i++) out[i] = alphabet[rng_range(r, 0, 63)];
  out[n] = '\0';
}

static void turn_send(void *ctx, const addr *to, const uint8_t *d, size_t n) {
  ice_agent *a = ctx;
  a->io.send(a->io.ctx, 0, to, d, n);
}
static void turn_deliver(void *ctx, const addr *peer, const uint8_t *d, size_t n);
static void turn_event(void *ctx, enum turn_event ev, const addr *peer);

ice_agent *ice_new(const ice_cfg *cfg, const ice_io *io) {
  ice_agent *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->cfg = *cfg;
  a->io = *io;
  a->controlling = cfg->controlling;
  rng_seed(&a->rng, cfg->seed, 0x494345);
  random_text(&a->rng, a->ufrag, 8);
  random_text(&a->rng, a->pwd, 24);
  if (cfg->ufrag) snprintf(a->ufrag, sizeof a->ufrag, "%s", cfg->ufrag);
  if (cfg->pwd) snprintf(a->pwd, sizeof a->pwd, "%s", cfg->pwd);
  a->tiebreaker = rng_u64(&a->rng);
  a->selected = a->nominating = -1;
  stun_client_io sio = {stun_send, on_timeout, a};
  stun_client_init(&a->stun, &cfg->checks, &sio);
  if (cfg->turn.family) {
    turn_client_cfg tc = {.server = cfg->turn, .user = cfg->turn_user,
                          .password = cfg->turn_password, .timing = stun_timing_default(),
                          .seed = cfg->seed ^ 0x7475};
    turn_client_io tio = {turn_send, turn_deliver, turn_event, a};
    a->turn = turn_client_new(&tc, &tio);
  }
  a->next_check = a->consent_next = INT64_MAX;
  a->st.first_success = a->st.nominated = -1;
  return a;
}

void ice_free(ice_agent *a) {
  if (!a) return;
  turn_client_free(a->turn);
  stun_client_free(&a->stun);
  free(a->pairs);
  free(a->local);
  free(a->lsock);
  free(a->lazy);
  free(a->remote);
  free(a->triggered);
  free(a->bday);
  free(a);
}

const char *ice_ufrag(const ice_agent *a) { return a->ufrag; }
const char *ice_pwd(const ice_agent *a) { return a->pwd; }
enum ice_state ice_get_state(const ice_agent *a) { return a->state; }
const ice_stats *ice_get_stats(const ice_agent *a) { return &a->st; }

void ice_set_remote_credentials(ice_agent *a, const char *ufrag, const char *pwd) {
  snprintf(a->rufrag, sizeof a->rufrag, "%s", ufrag);
  snprintf(a->rpwd, sizeof a->rpwd, "%s", pwd);
}

static void set_state(ice_agent *a, enum ice_state s) {
  if (a->state == s) return;
  a->state = s;
  a->io.state(a->io.ctx, s);
}

/* --- candidates and pairs ---------------------------------------------------- */

static void bday_open_sockets(ice_agent *a);
static void bday_probe_start(ice_agent *a);
static size_t build_check(ice_agent *a, uint8_t *buf, size_t cap, bool nominate);

static uint64_t pair_priority(const ice_agent *a, const ice_cand *l, const ice_cand *r) {
  uint64_t g = a->controlling ? l->priority : r->priority;
  uint64_t d = a->controlling ? r->priority : l->priority;
  return ((g < d ? g : d) << 32) + 2 * (g > d ? g : d) + (g > d);
}

/* A local candidate's foundation from its type, base address and a salt
** (a predicted port's rank): FNV-1a, never 0. */
static uint32_t foundation_of(enum ice_type t, const addr *base, uint32_t salt) {
  uint32_t v[3] = {(uint32_t)t, addr_v4_ip(base), salt};
  uint32_t h = 2166136261u;
  for (int i = 0; i < 3; i++) {
    for (int k = 0; k < 4; k++) {
      h ^= (v[i] >> (8 * k)) & 0xffu;
      h *= 16777619u;
    }
  }
  return h ? h : 1;
}

static uint64_t pair_foundation(const ice_agent *a, int l, int r) {
  return (uint64_t)a->local[l].foundation << 32 | a->remote[r].foundation;
}

/* Whether a pair of this foundation is being checked or waits to be. */
static bool foundation_busy(const ice_agent *a, uint64_t f) {
  for (int i = 0; i < a->npairs; i++) {
    const pair *p = &a->pairs[i];
    if (p->foundation == f && (p->state == P_WAITING || p->state == P_IN_PROGRESS)) return true;
  }
  return false;
}

/* Checks are paced by next_check; INT64_MAX while none is waiting. */
static void wake_checks(ice_agent *a) {
  if (a->next_check == INT64_MAX) a->next_check = a->now;
}

/* Queues a triggered check of pair p (RFC 8445 section 7.3.1.4). */
static void trigger(ice_agent *a, int p) {
  int *t = grow_table(a->triggered, &a->cap_triggered, a->ntriggered + 1, FIRST_PAIRS, MAX_PAIRS,
                      sizeof *t);
  if (!t) return; /* MAX_PAIRS queued, or out of memory */
  a->triggered = t;
  a->triggered[a->ntriggered++] = p;
  wake_checks(a);
}

/* A role change reorders the pairs (RFC 8445 section 7.2.5.1). */
static void set_role(ice_agent *a, bool controlling) {
  if (a->controlling == controlling) return;
  a->controlling = controlling;
  a->st.role_conflicts++;
  for (int i = 0; i < a->npairs; i++) {
    pair *p = &a->pairs[i];
    p->prio = pair_priority(a, &a->local[p->l], &a->remote[p->r]);
  }
}

static void add_pair(ice_agent *a, int l, int r) {
  if (a->npairs == MAX_PAIRS) return;
  for (int i = 0; i < a->npairs; i++)
    if (a->pairs[i].l == l && addr_equal(&a->remote[a->pairs[i].r].addr, &a->remote[r].addr))
      return;
  pair *t = grow_table(a->pairs, &a->cap, a->npairs + 1, FIRST_PAIRS, MAX_PAIRS, sizeof *t);
  if (!t) return; /* out of memory: as when full */
  a->pairs = t;
  uint64_t f = pair_foundation(a, l, r);
  a->pairs[a->npairs++] = (pair){.l = l, .r = r, .foundation = f,
                                  .state = foundation_busy(a, f) ? P_FROZEN : P_WAITING,
                                  .prio = pair_priority(a, &a->local[l], &a->remote[r])};
  if (a->local[l].type == ICE_RELAY) turn_client_permit(a->turn, a->now, &a->remote[r].addr);
  wake_checks(a);
}

/* Host and relayed candidates are paired; server-reflexive ones are the
** host's own traffic seen from outside, and share its pairs. Probing
** sockets are paired only with what reaches them. */
static bool pairable(const ice_agent *a, int l) {
  return !a->lazy[l] && (a->local[l].type == ICE_HOST || a->local[l].type == ICE_RELAY);
}

/* Room for one more local candidate: its three tables grow together.
** -1: MAX_LOCAL already, or out of memory. */
static int room_local(ice_agent *a) {
  int need = a->nlocal + 1;
  int cap = a->cap_local;
  ice_cand *c = grow_table(a->local, &cap, need, FIRST_CANDS, MAX_LOCAL, sizeof *c);
  if (!c) return -1;
  a->local = c;
  cap = a->cap_local;
  int *s = grow_table(a->lsock, &cap, need, FIRST_CANDS, MAX_LOCAL, sizeof *s);
  if (!s) return -1;
  a->lsock = s;
  cap = a->cap_local;
  bool *z = grow_table(a->lazy, &cap, need, FIRST_CANDS, MAX_LOCAL, sizeof *z);
  if (!z) return -1;
  a->lazy = z;
  a->cap_local = cap;
  return 0;
}

/* A local candidate of type t at ad; salt tells apart foundations that
** would otherwise be equal (predicted ports). Its index, or -1. */
static int add_local_pref(ice_agent *a, enum ice_type t, const addr *ad, uint32_t pref,
                          uint32_t salt) {
  for (int i = 0; i < a->nlocal; i++)
    if (addr_equal(&a->local[i].addr, ad)) return i;
  if (room_local(a) != 0) return -1;
  int l = a->nlocal++;
  const addr *base = t == ICE_HOST ? ad : &a->local[0].addr;
  a->local[l] = (ice_cand){t, *ad, ice_priority(t, pref), foundation_of(t, base, salt)};
  a->lsock[l] = 0;
  a->lazy[l] = false;
  if (t != ICE_PRFLX) a->io.candidate(a->io.ctx, &a->local[l]);
  for (int r = 0; pairable(a, l) && r < a->nremote; r++) add_pair(a, l, r);
  return l;
}

static int add_local(ice_agent *a, enum ice_type t, const addr *ad) {
  return add_local_pref(a, t, ad, 65535, 0);
}

static int find_remote(const ice_agent *a, const addr *ad) {
  for (int i = 0; i < a->nremote; i++)
    if (addr_equal(&a->remote[i].addr, ad)) return i;
  return -1;
}

/* A signalled candidate for an address first learnt as peer-reflexive
** takes its place (RFC 8445 section 7.3.1.3): the type says whether pairs
** with it are relayed (a check through the other side's TURN relay comes
** from its relayed address). */
static void learn_type(ice_agent *a, int r, const ice_cand *c) {
  if (a->remote[r].type != ICE_PRFLX || c->type == ICE_PRFLX) return;
  a->remote[r] = *c;
  for (int i = 0; i < a->npairs; i++) {
    pair *p = &a->pairs[i];
    if (p->r != r) continue;
    p->prio = pair_priority(a, &a->local[p->l], &a->remote[r]);
    p->foundation = pair_foundation(a, p->l, r);
  }
}

static int add_remote(ice_agent *a, const ice_cand *c) {
  int r = find_remote(a, &c->addr);
  if (r >= 0) learn_type(a, r, c);
  if (r >= 0) return r;
  ice_cand *t = grow_table(a->remote, &a->cap_remote, a->nremote + 1, FIRST_CANDS, MAX_REMOTE,
                           sizeof *t);
  if (!t) return -1; /* MAX_REMOTE already, or out of memory */
  a->remote = t;
  r = a->nremote++;
  a->remote[r] = *c;
  for (int l = 0; l < a->nlocal; l++)
    if (pairable(a, l)) add_pair(a, l, r);
  return r;
}

void ice_add_remote(ice_agent *a, int64_t now, const ice_cand *c) {
  a->now = now;
  if (c->type != ICE_BIRTHDAY) {
    add_remote(a, c);
  } else if (c->priority == ICE_BDAY_HINT_HARD && !a->hint.family) {
    a->hint = c->addr;
    bday_probe_start(a);
  } else if (c->priority == ICE_BDAY_HINT_EASY && !a->easy.family) {
    a->easy = c->addr;
    bday_open_sockets(a);
  }
}

static void gathered(ice_agent *a) {
  if (!a->srflx_pending && !a->srflx2_pending && !a->relay_pending && a->state == ICE_GATHERING)
    set_state(a, ICE_CHECKING);
}

static void binding(ice_agent *a, int64_t now, const addr *server, int tag) {
  uint8_t buf[64], tid[STUN_TID_LEN];
  stun_writer w;
  stun_new_tid(&a->rng, tid);
  stun_begin(&w, buf, sizeof buf, STUN_BINDING, STUN_REQUEST, tid);
  a->st.gather_requests++;
  stun_client_start(&a->stun, now, 0, server, buf, (size_t)stun_end(&w), tag);
}

/* Both mapped ports known: a mapping per destination with a small stride
** is a sequential allocator, and its next ports can be offered. */
static void predict(ice_agent *a) {
  if (!a->mapped1.family || !a->mapped2.family) return;
  int d = (int)a->mapped2.port - (int)a->mapped1.port;
  if (d < 1 || d > MAX_STRIDE || addr_v4_ip(&a->mapped1) != addr_v4_ip(&a->mapped2)) return;
  a->st.stride = d;
  for (int k = 1; k <= a->cfg.predict; k++) {
    int port = a->mapped2.port + k * d;
    if (port > 65535) break;
    addr p = a->mapped2;
    p.port = (uint16_t)port;
    if (add_local_pref(a, ICE_SRFLX, &p, 65535u - (uint32_t)k, (uint32_t)k) >= 0)
      a->st.predicted++;
  }
}

/* --- birthday-paradox probing (see ice_cfg.bday_ports) -------------------------- */

/* A check that is not a transaction: sent once, its answer ignored; what
** it is for is the triggered check it sets off on the other side. */
static void send_probe(ice_agent *a, int sock, const addr *to) {
  uint8_t buf[256];
  size_t n = build_check(a, buf, sizeof buf, false);
  if (!n) return;
  a->io.send(a->io.ctx, sock, to, buf, n);
  a->st.bday_sent++;
}

static void bday_probe_start(ice_agent *a) {
  if (a->st.bday_role != ICE_BDAY_EASY || !a->hint.family || a->probes_left) return;
  a->probes_left = a->cfg.bday_probes;
  a->probe_next = a->now + BDAY_WAIT;
}

/* Hard side, once BDAY_WAIT has passed since it learnt its role and the
** other side has said it is easy: unless a direct pair is valid by then
** (PCP, prediction, a forgiving NAT), open the probing sockets, and from
** each send to the easy side's mapped address, which makes a mapping
** toward it at a random port. */
static bool direct_found(const ice_agent *a);

static void bday_open_sockets(ice_agent *a) {
  if (!a->bday_start || a->now < a->bday_start || !a->easy.family) return;
  a->bday_start = 0;
  int n = a->cfg.bday_ports < BDAY_MAX ? a->cfg.bday_ports : BDAY_MAX;
  if (direct_found(a) || !(a->bday = calloc((size_t)n, sizeof *a->bday))) return;
  a->st.bday_sockets = a->io.open(a->io.ctx, n, a->bday);
  for (int i = 0; i < a->st.bday_sockets; i++) send_probe(a, i + 1, &a->easy);
}

static void hint(ice_agent *a, uint32_t kind) {
  ice_cand h = {ICE_BIRTHDAY, a->mapped1, kind, 0};
  a->io.candidate(a->io.ctx, &h);
}

/* Both mapped addresses known: which side of birthday probing we are. Each
** side says so at once; an easy side starts probing (BDAY_WAIT later) when
** it hears from a hard one, a hard side opens its sockets when it hears
** from an easy one. */
static void bday_role(ice_agent *a) {
  if (!a->cfg.bday_ports || !a->cfg.bday_probes || !a->io.open || a->st.bday_role != ICE_BDAY_NONE ||
      !a->mapped1.family || !a->mapped2.family)
    return;
  if (addr_equal(&a->mapped1, &a->mapped2)) {
    a->st.bday_role = ICE_BDAY_EASY;
    hint(a, ICE_BDAY_HINT_EASY);
    bday_probe_start(a);
  } else if (a->st.stride == 0 && addr_v4_ip(&a->mapped1) == addr_v4_ip(&a->mapped2)) {
    a->st.bday_role = ICE_BDAY_HARD;
    hint(a, ICE_BDAY_HINT_HARD);
    a->bday_start = a->now + BDAY_WAIT;
  }
}

/* Hard side: time to open the sockets? Easy side: the next probe, to a
** random port of the hinted address, until the probes run out or a direct
** pair is valid. */
static void bday_tick(ice_agent *a) {
  bday_open_sockets(a);
  if (!a->probes_left || a->now < a->probe_next) return;
  if (direct_found(a)) {
    a->probes_left = 0;
    return;
  }
  addr to = a->hint;
  to.port = (uint16_t)rng_range(&a->rng, ICE_BDAY_PORT_MIN, ICE_BDAY_PORT_MAX);
  send_probe(a, 0, &to);
  a->probes_left--;
  a->probe_next += a->cfg.bday_interval;
}

/* The local candidate of probing socket `sock`, made when a check first
** arrives on it. -1: no such socket. */
static int bday_local(ice_agent *a, int sock) {
  if (sock < 1 || sock > a->st.bday_sockets) return -1;
  for (int l = 0; l < a->nlocal; l++)
    if (a->lsock[l] == sock) return l;
  if (room_local(a) != 0) return -1;
  int l = a->nlocal++;
  a->local[l] = (ice_cand){ICE_HOST, a->bday[sock - 1], ice_priority(ICE_HOST, 1000),
                           foundation_of(ICE_HOST, &a->bday[sock - 1], 0)};
  a->lsock[l] = sock;
  a->lazy[l] = true;
  a->st.bday_hit = true;
  return l;
}

/* --- PCP (RFC 6887): an explicit mapping from the router ----------------------- */

static void pcp_send(ice_agent *a) {
  if (a->pcp_sends == PCP_SENDS) { /* never answered: no PCP here */
    a->pcp_sends = 0;
    a->pcp_next = INT64_MAX;
    return;
  }
  pcp_map m = {.lifetime = PCP_MAX_LIFETIME, .client = a->local[0].addr, .protocol = 17,
               .internal_port = a->local[0].addr.port};
  memcpy(m.nonce, a->pcp_nonce, sizeof m.nonce);
  uint8_t buf[64];
  int n = pcp_encode(&m, buf, sizeof buf);
  if (n > 0) a->io.send(a->io.ctx, 0, &a->cfg.pcp, buf, (size_t)n);
  a->pcp_next = a->now + (PCP_RTO << a->pcp_sends);
  a->pcp_sends++;
}

static void pcp_answer(ice_agent *a, const uint8_t *d, size_t n) {
  pcp_map m;
  if (!a->pcp_sends || pcp_decode(d, n, &m) != PCP_SUCCESS || !m.response ||
      memcmp(m.nonce, a->pcp_nonce, sizeof m.nonce) != 0)
    return;
  a->pcp_sends = 0;
  a->pcp_next = INT64_MAX;
  if (m.result != PCP_SUCCESS || !m.external.port || m.lifetime == 0) return;
  a->st.pcp_mapped = true;
  add_local(a, ICE_SRFLX, &m.external);
}

void ice_start(ice_agent *a, int64_t now, const addr *host) {
  a->start = a->now = now;
  if (add_local(a, ICE_HOST, host) < 0) { /* out of memory: the agent cannot start */
    set_state(a, ICE_FAILED);
    return;
  }
  if (a->cfg.pcp.family) {
    for (int i = 0; i < 12; i++) a->pcp_nonce[i] = (uint8_t)rng_u64(&a->rng);
    pcp_send(a);
  }
  if (a->cfg.reflexive.family && !addr_equal(&a->cfg.reflexive, host))
    add_local(a, ICE_SRFLX, &a->cfg.reflexive);
  if (a->cfg.stun.family) {
    a->srflx_pending = true;
    binding(a, now, &a->cfg.stun, T_GATHER);
  }
  if (a->cfg.stun2.family && (a->cfg.predict > 0 || a->cfg.bday_ports > 0)) {
    a->srflx2_pending = true;
    binding(a, now, &a->cfg.stun2, T_GATHER2);
  }
  if (a->turn) {
    a->relay_pending = true;
    a->st.gather_requests++;
    turn_client_allocate(a->turn, now);
  }
  gathered(a);
}

static void turn_event(void *ctx, enum turn_event ev, const addr *peer) {
  ice_agent *a = ctx;
  (void)peer;
  if (ev == TURN_ALLOCATED && a->relay_pending) {
    addr relayed = turn_client_relayed(a->turn);
    a->relay_pending = false;
    add_local(a, ICE_RELAY, &relayed);
    gathered(a);
  } else if (ev == TURN_FAILED && a->relay_pending) {
    a->relay_pending = false;
    gathered(a);
  }
}

/* --- checks -------------------------------------------------------------------- */

/* A connectivity check (a Binding request with our credentials and role)
** into buf; returns its length, or 0. */
static size_t build_check(ice_agent *a, uint8_t *buf, size_t cap, bool nominate) {
  uint8_t tid[STUN_TID_LEN], tb[8];
  char user[200];
  stun_writer w;
  stun_new_tid(&a->rng, tid);
  stun_begin(&w, buf, cap, STUN_BINDING, STUN_REQUEST, tid);
  snprintf(user, sizeof user, "%s:%s", a->rufrag, a->ufrag);
  stun_put_str(&w, STUN_A_USERNAME, user);
  stun_put_u32(&w, STUN_A_PRIORITY, priority(ICE_PRFLX));
  for (int i = 0; i < 8; i++) tb[i] = (uint8_t)(a->tiebreaker >> (56 - 8 * i));
  stun_put(&w, a->controlling ? STUN_A_ICE_CONTROLLING : STUN_A_ICE_CONTROLLED, tb, 8);
  if (nominate) stun_put(&w, STUN_A_USE_CANDIDATE, NULL, 0);
  stun_put_integrity(&w, (const uint8_t *)a->rpwd, strlen(a->rpwd));
  stun_put_fingerprint(&w);
  int n = stun_end(&w);
  return n > 0 ? (size_t)n : 0;
}

/* A connectivity check's RTO (RFC 8445 section 14.3): Ta for each pair
** waiting or in progress, at least the configured RTO (500 ms). */
static int64_t check_rto(const ice_agent *a) {
  int64_t n = 0;
  for (int i = 0; i < a->npairs; i++)
    if (a->pairs[i].state == P_WAITING || a->pairs[i].state == P_IN_PROGRESS) n++;
  int64_t rto = a->cfg.ta * n;
  return rto > a->cfg.checks.rto ? rto : a->cfg.checks.rto;
}

/* A check of pair p; consent checks (RFC 7675) at the configured RTO. */
static void check(ice_agent *a, int p, bool nominate, int tag) {
  pair *pr = &a->pairs[p];
  uint8_t buf[256];
  size_t n = build_check(a, buf, sizeof buf, nominate);
  if (!n) return;
  pr->as_controlling = a->controlling;
  a->st.checks_sent++;
  int64_t rto = tag >= T_CONSENT ? a->cfg.checks.rto : check_rto(a);
  stun_client_start_rto(&a->stun, a->now, pr->l, &a->remote[pr->r].addr, buf, n, tag, rto);
}

static bool direct(const ice_agent *a, const pair *p) {
  return a->local[p->l].type != ICE_RELAY && a->remote[p->r].type != ICE_RELAY;
}

/* Whether the selected pair is relayed (or none is selected): direct
** pairs are still worth checking and nominating. */
static bool still_looking(const ice_agent *a) {
  return a->selected < 0 || !direct(a, &a->pairs[a->selected]);
}

/* Selects pair p: the first selection, or a direct pair in place of a
** relayed one (the data path follows through ice_active). */
static void select_pair(ice_agent *a, int p) {
  if (!still_looking(a) || (a->selected >= 0 && !direct(a, &a->pairs[p]))) return;
  bool first = a->selected < 0;
  a->selected = p;
  a->consent_ok = a->now;
  a->consent_next = a->now + a->cfg.consent_interval;
  if (!first) {
    a->st.renominated++;
    a->io.state(a->io.ctx, ICE_CONNECTED); /* connected still, on another pair */
    return;
  }
  a->st.nominated = a->now - a->start;
  set_state(a, ICE_CONNECTED);
}

/* When the valid pair b may be nominated: a direct pair after the grace
** period; a relayed one once gathering is done and it has been valid for
** RELAY_GRACE, time for direct checks sent with it to be answered. */
static int64_t ripe_at(const ice_agent *a, const pair *b) {
  if (direct(a, b)) return b->valid_at + a->cfg.grace;
  if (a->srflx_pending || a->relay_pending) return INT64_MAX;
  return b->valid_at + RELAY_GRACE;
}

/* The best valid pair: direct before relayed, then by priority; -1: none. */
static int best_valid(const ice_agent *a) {
  int best = -1;
  for (int i = 0; i < a->npairs; i++) {
    const pair *p = &a->pairs[i];
    if (!p->valid) continue;
    bool better = best < 0 || (direct(a, p) && !direct(a, &a->pairs[best])) ||
                  (direct(a, p) == direct(a, &a->pairs[best]) && p->prio > a->pairs[best].prio);
    if (better) best = i;
  }
  return best;
}

/* The controlling agent nominates the best valid pair once it is ripe; a
** relayed pair is selected promptly and checks go on, and a direct pair
** that becomes valid later is nominated in its place. */
static void maybe_nominate(ice_agent *a) {
  if (!a->controlling || !still_looking(a) || a->nominating >= 0) return;
  int best = best_valid(a);
  if (best < 0 || best == a->selected) return;
  if (a->selected >= 0 && !direct(a, &a->pairs[best])) return;
  if (a->now < ripe_at(a, &a->pairs[best])) return;
  a->nominating = best;
  check(a, best, true, T_NOMINATE + best);
}

/* The frozen pairs of foundation f wait no more. */
static void unfreeze(ice_agent *a, uint64_t f) {
  for (int i = 0; i < a->npairs; i++)
    if (a->pairs[i].foundation == f && a->pairs[i].state == P_FROZEN) a->pairs[i].state = P_WAITING;
  wake_checks(a);
}

static void on_check_result(ice_agent *a, int p, const stun_msg *m, const addr *from) {
  pair *pr = &a->pairs[p];
  if (m && m->cls == STUN_ERROR && m->error_code == 487) { /* role conflict: swap, retry */
    set_role(a, !pr->as_controlling); /* the other role than the check claimed */
    pr->state = P_WAITING;
    trigger(a, p);
    return;
  }
  if (!m && pr->valid) return; /* an older transaction of a pair that has succeeded */
  bool ok = m && m->cls == STUN_SUCCESS && from && addr_equal(from, &a->remote[pr->r].addr) &&
            stun_check_integrity(m, (const uint8_t *)a->rpwd, strlen(a->rpwd)) == STUN_OK;
  pr->state = ok ? P_SUCCEEDED : P_FAILED;
  wake_checks(a); /* a frozen pair of its foundation may be next */
  if (!ok) return;
  if (m->present & STUN_HAS_XOR_MAPPED) add_local(a, ICE_PRFLX, &m->xor_mapped);
  pr = &a->pairs[p]; /* new pairs may have moved the table */
  if (!pr->valid) pr->valid_at = a->now;
  pr->valid = true;
  unfreeze(a, pr->foundation); /* RFC 8445 7.2.5.3.3 */
  if (a->st.first_success < 0) a->st.first_success = a->now - a->start;
  if (!a->controlling && pr->nominated) select_pair(a, p);
}

static void on_result(ice_agent *a, int user, const stun_msg *m, const addr *from) {
  if (user == T_GATHER || user == T_GATHER2) {
    bool ok = m && m->cls == STUN_SUCCESS && (m->present & STUN_HAS_XOR_MAPPED);
    *(user == T_GATHER ? &a->srflx_pending : &a->srflx2_pending) = false;
    if (ok) *(user == T_GATHER ? &a->mapped1 : &a->mapped2) = m->xor_mapped;
    if (ok && user == T_GATHER && !addr_equal(&m->xor_mapped, &a->local[0].addr))
      add_local(a, ICE_SRFLX, &m->xor_mapped);
    if (ok) predict(a);
    if (ok) bday_role(a);
    gathered(a);
  } else if (user >= T_CONSENT) {
    if (m && m->cls == STUN_SUCCESS) a->consent_ok = a->now;
  } else if (user >= T_NOMINATE) {
    int p = user - T_NOMINATE;
    a->nominating = -1;
    if (m && m->cls == STUN_SUCCESS) select_pair(a, p);
  } else if (user >= 0 && user < a->npairs) {
    on_check_result(a, user, m, from);
  }
}

static void on_timeout(void *ctx, int user) {
  ice_agent *a = ctx;
  on_result(a, user, NULL, NULL);
}

/* --- answering checks ------------------------------------------------------------- */

static void respond(ice_agent *a, int l, const addr *to, const stun_msg *m, int error) {
  uint8_t buf[256];
  stun_writer w;
  stun_begin(&w, buf, sizeof buf, STUN_BINDING, error ? STUN_ERROR : STUN_SUCCESS, m->tid);
  if (error) stun_put_error(&w, error, "Role Conflict");
  else stun_put_xor_addr(&w, STUN_A_XOR_MAPPED_ADDRESS, to);
  stun_put_integrity(&w, (const uint8_t *)a->pwd, strlen(a->pwd));
  stun_put_fingerprint(&w);
  int n = stun_end(&w);
  if (n > 0) send_from(a, l, to, buf, (size_t)n);
}

/* RFC 8445 section 7.3.1.1. Returns true when we answer 487. */
static bool role_conflict(ice_agent *a, const stun_msg *m) {
  bool they_control = m->present & STUN_HAS_ICE_CONTROLLING;
  bool they_controlled = m->present & STUN_HAS_ICE_CONTROLLED;
  if (a->controlling && they_control) {
    if (a->tiebreaker >= m->tiebreaker) {
      a->st.role_conflicts++;
      return true;
    }
    set_role(a, false);
  } else if (!a->controlling && they_controlled) {
    if (a->tiebreaker < m->tiebreaker) {
      a->st.role_conflicts++;
      return true;
    }
    set_role(a, true);
  }
  return false;
}

static void on_request(ice_agent *a, int l, const addr *from, const stun_msg *m) {
  char want[200];
  snprintf(want, sizeof want, "%s:", a->ufrag);
  size_t wl = strlen(want);
  if (!(m->present & STUN_HAS_USERNAME) || m->username.len < wl ||
      memcmp(m->username.p, want, wl) != 0 ||
      stun_check_integrity(m, (const uint8_t *)a->pwd, strlen(a->pwd)) != STUN_OK)
    return; /* not for us, or forged */
  a->st.checks_received++;
  if (role_conflict(a, m)) {
    respond(a, l, from, m, 487);
    return;
  }
  respond(a, l, from, m, 0);
  ice_cand prflx = {ICE_PRFLX, *from,
                    m->present & STUN_HAS_PRIORITY ? m->priority : priority(ICE_PRFLX),
                    0x80000000u | (uint32_t)a->nremote}; /* unique among the remote ones */
  int r = add_remote(a, &prflx);
  if (r < 0) return;
  if (a->lazy[l]) add_pair(a, l, r); /* a probe reached a probing socket */
  for (int p = 0; p < a->npairs; p++) {
    pair *pr = &a->pairs[p];
    if (pr->l != l || !addr_equal(&a->remote[pr->r].addr, from)) continue;
    if (m->present & STUN_HAS_USE_CANDIDATE) pr->nominated = true;
    if (pr->valid && pr->nominated && !a->controlling && still_looking(a)) {
      select_pair(a, p);
    } else if (pr->state == P_IN_PROGRESS && !pr->retriggered) {
      pr->retriggered = true; /* ours may be lost: check again now (RFC 8445 7.3.1.4) */
      pr->state = P_WAITING;
      trigger(a, p);
    } else if (pr->state != P_SUCCEEDED && pr->state != P_IN_PROGRESS) {
      trigger(a, p);
    }
  }
}

/* A STUN message that came on local candidate l from `from`. */
static void on_stun(ice_agent *a, int l, const addr *from, const uint8_t *d, size_t n) {
  stun_msg m;
  if (stun_decode(d, n, &m) != STUN_OK || m.method != STUN_BINDING) return;
  if (m.cls == STUN_REQUEST) {
    on_request(a, l, from, &m);
    return;
  }
  int user = stun_client_find(&a->stun, m.tid);
  if (user < 0 || stun_client_match(&a->stun, &m) < 0) return;
  on_result(a, user, &m, from);
}

static int relay_index(const ice_agent *a) {
  for (int i = 0; i < a->nlocal; i++)
    if (a->local[i].type == ICE_RELAY) return i;
  return -1;
}

static void turn_deliver(void *ctx, const addr *peer, const uint8_t *d, size_t n) {
  ice_agent *a = ctx;
  int l = relay_index(a);
  if (stun_is_message(d, n) && l >= 0) on_stun(a, l, peer, d, n);
  else a->io.deliver(a->io.ctx, peer, d, n);
}

bool ice_recv_on(ice_agent *a, int64_t now, int sock, const addr *from, const uint8_t *d,
                 size_t n) {
  if (sock == 0) return ice_recv(a, now, from, d, n);
  a->now = now;
  int l = bday_local(a, sock);
  if (l < 0 || !stun_is_message(d, n)) return false;
  on_stun(a, l, from, d, n);
  return true;
}

bool ice_recv(ice_agent *a, int64_t now, const addr *from, const uint8_t *d, size_t n) {
  a->now = now;
  if (a->turn && addr_equal(from, &a->cfg.turn))
    return turn_client_recv(a->turn, now, from, d, n);
  if (a->cfg.pcp.family && addr_equal(from, &a->cfg.pcp)) {
    pcp_answer(a, d, n);
    return true;
  }
  if (!stun_is_message(d, n)) return false;
  on_stun(a, 0, from, d, n);
  return true;
}

/* --- time ---------------------------------------------------------------------- */

/* The highest-priority pair in state st, or -1. */
static int best_in(const ice_agent *a, int st) {
  int best = -1;
  for (int i = 0; i < a->npairs; i++)
    if (a->pairs[i].state == st && (best < 0 || a->pairs[i].prio > a->pairs[best].prio)) best = i;
  return best;
}

/* Nothing waits: for each foundation with no pair waiting or in
** progress, its highest-priority frozen pair waits (RFC 8445 6.1.4.2). */
static void unfreeze_idle(ice_agent *a) {
  for (;;) {
    int best = -1;
    for (int i = 0; i < a->npairs; i++) {
      const pair *p = &a->pairs[i];
      if (p->state != P_FROZEN || foundation_busy(a, p->foundation)) continue;
      if (best < 0 || p->prio > a->pairs[best].prio) best = i;
    }
    if (best < 0) return;
    a->pairs[best].state = P_WAITING;
  }
}

static int next_pair(ice_agent *a) {
  while (a->ntriggered) {
    int p = a->triggered[0];
    memmove(a->triggered, a->triggered + 1, (size_t)--a->ntriggered * sizeof *a->triggered);
    if (a->pairs[p].state != P_IN_PROGRESS) return p;
  }
  int best = best_in(a, P_WAITING);
  if (best >= 0) return best;
  unfreeze_idle(a);
  return best_in(a, P_WAITING);
}

void ice_tick(ice_agent *a, int64_t now) {
  a->now = now;
  stun_client_tick(&a->stun, now);
  if (a->turn) turn_client_tick(a->turn, now);
  if (a->pcp_sends && now >= a->pcp_next) pcp_send(a);
  if (a->state == ICE_FAILED) return;
  bday_tick(a);
  if (now >= a->next_check && still_looking(a)) {
    int p = next_pair(a);
    if (p >= 0) {
      a->pairs[p].state = P_IN_PROGRESS;
      check(a, p, false, p);
    }
    a->next_check = p >= 0 || a->ntriggered ? now + a->cfg.ta : INT64_MAX;
  }
  maybe_nominate(a);
  if (a->selected >= 0 && now >= a->consent_next) {
    if (now - a->consent_ok > a->cfg.consent_timeout) {
      set_state(a, ICE_FAILED);
      return;
    }
    /* RFC 7675: every interval, randomised by +-20% */
    int64_t j = (int64_t)rng_range(&a->rng, 0, (uint64_t)(a->cfg.consent_interval * 2 / 5));
    a->consent_next = now + a->cfg.consent_interval * 4 / 5 + j;
    check(a, a->selected, false, T_CONSENT + a->selected);
  }
  if (a->selected < 0 && now - a->start > GIVE_UP) set_state(a, ICE_FAILED);
}

int64_t ice_deadline(const ice_agent *a) {
  int64_t d = stun_client_deadline(&a->stun);
  if (a->turn) {
    int64_t t = turn_client_deadline(a->turn);
    if (t < d) d = t;
  }
  if (a->pcp_sends && a->pcp_next < d) d = a->pcp_next;
  if (a->state == ICE_FAILED) return d;
  if (a->probes_left && a->probe_next < d) d = a->probe_next;
  if (a->bday_start && a->easy.family && a->bday_start < d) d = a->bday_start;
  if (still_looking(a) && a->next_check < d) d = a->next_check;
  if (a->selected >= 0 && a->consent_next < d) d = a->consent_next;
  if (still_looking(a)) { /* give up; and for the controlling agent, nominate */
    int64_t t = a->selected < 0 ? a->start + GIVE_UP + 1 : INT64_MAX;
    for (int i = 0; a->controlling && a->nominating < 0 && i < a->npairs; i++) {
      const pair *p = &a->pairs[i];
      if (p->valid && (a->selected < 0 || direct(a, p)) && ripe_at(a, p) < t) t = ripe_at(a, p);
    }
    if (t <= a->now) t = a->now + a->cfg.ta; /* due but not ripe: look again soon */
    if (t < d) d = t;
  }
  return d;
}

bool ice_selected(const ice_agent *a, ice_cand *local, ice_cand *remote) {
  if (a->selected < 0) return false;
  if (local) *local = a->local[a->pairs[a->selected].l];
  if (remote) *remote = a->remote[a->pairs[a->selected].r];
  return true;
}

/* Whether a direct pair is valid: birthday probing can stop. */
static bool direct_found(const ice_agent *a) {
  for (int i = 0; i < a->npairs; i++)
    if (a->pairs[i].valid && direct(a, &a->pairs[i])) return true;
  return false;
}

static int active_pair(const ice_agent *a) {
  if (a->state == ICE_FAILED) return -1;
  if (a->selected >= 0) return a->selected;
  int best = -1;
  for (int i = 0; i < a->npairs; i++)
    if (a->pairs[i].valid && direct(a, &a->pairs[i]) &&
        (best < 0 || a->pairs[i].prio > a->pairs[best].prio))
      best = i;
  return best;
}

int64_t ice_consent_time(const ice_agent *a) {
  if (a->selected < 0 || a->state == ICE_FAILED) return -1;
  return a->consent_ok;
}

bool ice_active(const ice_agent *a, ice_cand *local, ice_cand *remote) {
  int p = active_pair(a);
  if (p < 0) return false;
  if (local) *local = a->local[a->pairs[p].l];
  if (remote) *remote = a->remote[a->pairs[p].r];
  return true;
}

int ice_send(ice_agent *a, int64_t now, const uint8_t *d, size_t n) {
  int p = active_pair(a);
  if (p < 0) return -1;
  a->now = now;
  send_from(a, a->pairs[p].l, &a->remote[a->pairs[p].r].addr, d, n);
  return 0;
}
