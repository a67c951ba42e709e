/*
** discovery.c: the RFC 5780 tests, run in three phases.
**   bind:  a Binding request from each of six sockets to the primary
**          address, one after another (so the NAT makes the mappings in a
**          known order): the mapped address, OTHER-ADDRESS, port samples.
**   map:   from socket 0 to (A2, P1), then (A2, P2): mapping behaviour.
**   rest, all at once: filtering (socket 1 asks the primary for answers
**          from (A2, P2) and (A1, P2)); hairpinning (sockets 0 and 5 send
**          to each other's mapped address); the lifetime probes if asked.
*/
#include "discovery.h"

#include <stdlib.h>
#include <string.h>

#include "secrets.h"
#include "stun.h"

enum { S_MAP = 0, S_FILT = 1, S_HAIR = 5, S_BIND_COUNT = 6, S_Y = 6, S_X0 = 7 };
enum { PH_BIND, PH_MAP, PH_REST, PH_DONE };
/* Transaction tags: 0..5 the bind phase, then these, then lifetime probes. */
enum { T_MAP2 = 100, T_MAP3, T_FILT2, T_FILT3, T_HAIR_A, T_HAIR_B,
       T_LIFE_X = 1000, T_LIFE_Y = 2000 };

#define MAX_PROBES 96

struct disc {
  disc_cfg cfg;
  disc_io io;
  stun_client stun;
  secrets ids; /* transaction ids */
  disc_result r;
  int phase, nsocks, bind_next, nprobes;
  int64_t start, now; /* now: of the call in progress, for callbacks */
  addr local[S_X0 + MAX_PROBES];
  addr bound[S_BIND_COUNT]; /* mapped address of each bind-phase socket */
  bool bound_ok[S_BIND_COUNT];
  addr other, m2, m3;
  bool m2_ok, m3_ok, filt2, filt3, hair_done;
  /* lifetime probes: X_k's mapping, when to probe it (0: not scheduled or
  ** already sent), and what came of it */
  addr x_mapped[MAX_PROBES];
  int64_t probe_at[MAX_PROBES];
  int8_t alive[MAX_PROBES];     /* -1 unknown, 0 gone, 1 alive */
};

static void on_send(void *ctx, int sock, const addr *dst, const uint8_t *data, size_t len) {
  disc *d = ctx;
  d->io.send(d->io.ctx, sock, dst, data, len);
}

static void on_timeout(void *ctx, int user);

disc *disc_new(const disc_cfg *cfg, const disc_io *io) {
  disc *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->cfg = *cfg;
  d->io = *io;
  stun_client_io sio = {on_send, on_timeout, d};
  stun_client_init(&d->stun, &cfg->timing, &sio);
  if (cfg->csprng) secrets_csprng(&d->ids);
  else secrets_seeded(&d->ids, cfg->seed, 0x5354554e);
  d->nsocks = S_BIND_COUNT;
  if (cfg->lifetime && cfg->lifetime_step > 0) {
    d->nprobes = (int)(cfg->lifetime_max / cfg->lifetime_step);
    if (d->nprobes > MAX_PROBES) d->nprobes = MAX_PROBES;
    if (d->nprobes < 1) d->nprobes = 1;
    d->nsocks = S_X0 + d->nprobes;
  }
  memset(d->alive, -1, sizeof d->alive);
  return d;
}

void disc_free(disc *d) {
  if (!d) return;
  stun_client_free(&d->stun);
  free(d);
}
int disc_sockets(const disc *d) { return d->nsocks; }
bool disc_done(const disc *d) { return d->phase == PH_DONE; }
const disc_result *disc_get_result(const disc *d) { return &d->r; }

void disc_set_local(disc *d, int sock, const addr *local) {
  if (sock >= 0 && sock < d->nsocks) d->local[sock] = *local;
}

static void bind_request(disc *d, int64_t now, int sock, const addr *dst, int user,
                         uint32_t change, uint16_t response_port) {
  uint8_t buf[128], tid[STUN_TID_LEN];
  stun_writer w;
  if (secrets_fill(&d->ids, tid, STUN_TID_LEN) != 0) return; /* never a guessable id */
  stun_begin(&w, buf, sizeof buf, STUN_BINDING, STUN_REQUEST, tid);
  if (change) stun_put_u32(&w, STUN_A_CHANGE_REQUEST, change);
  if (response_port) stun_put_u32(&w, STUN_A_RESPONSE_PORT, (uint32_t)response_port << 16);
  stun_put_fingerprint(&w);
  int n = stun_end(&w);
  if (n > 0) stun_client_start(&d->stun, now, sock, dst, buf, (size_t)n, user);
}

static addr with_port(addr a, uint16_t port) {
  a.port = port;
  return a;
}

/* --- the end: conclusions from what was seen ------------------------------- */

static void conclude_allocation(disc *d) {
  uint16_t ports[S_BIND_COUNT + 2];
  int n = 0;
  bool preserved = true;
  for (int k = 0; k < S_BIND_COUNT; k++) {
    if (!d->bound_ok[k]) continue;
    ports[n++] = d->bound[k].port;
    preserved = preserved && d->bound[k].port == d->local[k].port;
  }
  if (d->m2_ok && !addr_equal(&d->m2, &d->r.mapped)) ports[n++] = d->m2.port;
  if (d->m3_ok && !addr_equal(&d->m3, &d->m2)) ports[n++] = d->m3.port;
  if (n < 3) return; /* too few samples to say */
  if (preserved) {
    d->r.allocation = DISC_PRESERVE;
    return;
  }
  int step = ports[1] - ports[0];
  for (int i = 2; i < n && step; i++)
    if (ports[i] - ports[i - 1] != step) step = 0;
  if (step >= 1 && step <= 1024) {
    d->r.allocation = DISC_SEQUENTIAL;
    d->r.stride = step;
  } else {
    d->r.allocation = DISC_RANDOM;
  }
}

static void conclude_lifetime(disc *d) {
  if (!d->nprobes) return;
  for (int k = 0; k < d->nprobes; k++) {
    int64_t t = (k + 1) * d->cfg.lifetime_step;
    if (d->alive[k] == 1 && (!d->r.lifetime_hi || t < d->r.lifetime_hi)) d->r.lifetime_lo = t;
    if (d->alive[k] == 0 && !d->r.lifetime_hi) d->r.lifetime_hi = t;
  }
}

static void finish(disc *d, int64_t now, enum disc_status status) {
  d->phase = PH_DONE;
  d->r.status = status;
  d->r.elapsed = now - d->start;
  d->r.stun = d->stun.stats;
  if (status != DISC_OK) return;
  if (d->r.filtering == DISC_UNKNOWN)
    d->r.filtering = d->filt2 ? DISC_EI : d->filt3 ? DISC_AD : DISC_APD;
  d->r.hairpin_observable = d->r.mapping == DISC_EI || d->r.filtering == DISC_EI;
  conclude_allocation(d);
  conclude_lifetime(d);
}

/* --- phases ------------------------------------------------------------------ */

static void start_rest(disc *d, int64_t now) {
  d->phase = PH_REST;
  bind_request(d, now, S_FILT, &d->cfg.server, T_FILT2, STUN_CHANGE_IP | STUN_CHANGE_PORT, 0);
  bind_request(d, now, S_FILT, &d->cfg.server, T_FILT3, STUN_CHANGE_PORT, 0);
  if (d->bound_ok[S_MAP] && d->bound_ok[S_HAIR]) {
    bind_request(d, now, S_MAP, &d->bound[S_HAIR], T_HAIR_A, 0, 0);
    bind_request(d, now, S_HAIR, &d->bound[S_MAP], T_HAIR_B, 0, 0);
  }
  for (int k = 0; k < d->nprobes; k++)
    bind_request(d, now, S_X0 + k, &d->cfg.server, T_LIFE_X + k, 0, 0);
}

static void start_map(disc *d, int64_t now) {
  d->phase = PH_MAP;
  d->r.mapped = d->bound[S_MAP];
  d->r.natted = !addr_equal(&d->bound[S_MAP], &d->local[S_MAP]);
  if (!d->r.natted) {
    d->r.mapping = DISC_EI;
    start_rest(d, now);
    return;
  }
  addr a2p1 = with_port(d->other, d->cfg.server.port);
  bind_request(d, now, S_MAP, &a2p1, T_MAP2, 0, 0);
}

static void next_bind(disc *d, int64_t now) {
  if (d->bind_next < S_BIND_COUNT) {
    int k = d->bind_next++;
    bind_request(d, now, k, &d->cfg.server, k, 0, 0);
    return;
  }
  if (!d->other.family) {
    d->r.mapped = d->bound[S_MAP];
    d->r.natted = !addr_equal(&d->bound[S_MAP], &d->local[S_MAP]);
    finish(d, now, DISC_NO_RFC5780);
    return;
  }
  start_map(d, now);
}

void disc_start(disc *d, int64_t now) {
  d->start = d->now = now;
  d->phase = PH_BIND;
  next_bind(d, now);
}

/* Pending work of the last phase: transactions, or probes not yet sent. */
static void maybe_finish(disc *d, int64_t now) {
  if (d->phase != PH_REST || stun_client_active(&d->stun)) return;
  for (int k = 0; k < d->nprobes; k++)
    if (d->probe_at[k]) return;
  finish(d, now, DISC_OK);
}

/* --- events --------------------------------------------------------------- */

static void on_result(disc *d, int64_t now, int user, const stun_msg *m, const addr *from) {
  bool ok = m && m->cls == STUN_SUCCESS && (m->present & STUN_HAS_XOR_MAPPED);
  if (user < S_BIND_COUNT) {
    if (ok) {
      d->bound[user] = m->xor_mapped;
      d->bound_ok[user] = true;
      if (user == S_MAP && (m->present & STUN_HAS_OTHER_ADDRESS)) d->other = m->other_address;
    } else if (user == S_MAP) {
      finish(d, now, DISC_NO_SERVER);
      return;
    }
    next_bind(d, now);
  } else if (user == T_MAP2) {
    d->m2_ok = ok;
    if (ok) d->m2 = m->xor_mapped;
    if (ok && addr_equal(&d->m2, &d->bound[S_MAP])) {
      d->r.mapping = DISC_EI;
      start_rest(d, now);
    } else {
      addr a2p2 = d->other;
      bind_request(d, now, S_MAP, &a2p2, T_MAP3, 0, 0);
    }
  } else if (user == T_MAP3) {
    d->m3_ok = ok;
    if (ok) d->m3 = m->xor_mapped;
    d->r.mapping = !ok || !d->m2_ok ? DISC_UNKNOWN
                   : addr_equal(&d->m3, &d->m2) ? DISC_AD : DISC_APD;
    start_rest(d, now);
  } else if (user == T_FILT2) {
    d->filt2 = ok && addr_equal(from, &d->other);
  } else if (user == T_FILT3) {
    addr a1p2 = with_port(d->cfg.server, d->other.port);
    d->filt3 = ok && addr_equal(from, &a1p2);
  } else if (user >= T_LIFE_Y && user < T_LIFE_Y + d->nprobes) {
    d->alive[user - T_LIFE_Y] = ok;
  } else if (user >= T_LIFE_X && user < T_LIFE_X + d->nprobes) {
    /* X_k's mapping was last refreshed about now: probe it (k+1) steps on. */
    int k = user - T_LIFE_X;
    if (ok) {
      d->x_mapped[k] = m->xor_mapped;
      d->probe_at[k] = now + (k + 1) * d->cfg.lifetime_step;
    }
  }
  maybe_finish(d, now);
}

static void on_timeout(void *ctx, int user) {
  disc *d = ctx;
  on_result(d, d->now, user, NULL, NULL);
}

/* A request from one of our own sockets arrived at another: hairpinning. */
static void on_hairpin(disc *d, int64_t now, int sock, const stun_msg *m) {
  int user = stun_client_find(&d->stun, m->tid);
  if ((user == T_HAIR_A && sock == S_HAIR) || (user == T_HAIR_B && sock == S_MAP)) {
    d->r.hairpinning = true;
    stun_client_cancel(&d->stun, T_HAIR_A);
    stun_client_cancel(&d->stun, T_HAIR_B);
    maybe_finish(d, now);
  }
}

void disc_recv(disc *d, int64_t now, int sock, const addr *from, const uint8_t *data,
               size_t len) {
  stun_msg m;
  if (d->phase == PH_DONE || stun_decode(data, len, &m) != STUN_OK) return;
  if (m.cls == STUN_REQUEST) {
    on_hairpin(d, now, sock, &m);
    return;
  }
  int user = stun_client_find(&d->stun, m.tid);
  /* A lifetime probe's answer must arrive at X_k, not at Y. */
  if (user >= T_LIFE_Y && sock != S_X0 + (user - T_LIFE_Y)) return;
  if (user < 0 || stun_client_match(&d->stun, &m) < 0) return;
  d->now = now;
  on_result(d, now, user, &m, from);
}

void disc_tick(disc *d, int64_t now) {
  if (d->phase == PH_DONE) return;
  d->now = now;
  for (int k = 0; k < d->nprobes; k++) {
    if (!d->probe_at[k] || now < d->probe_at[k]) continue;
    d->probe_at[k] = 0;
    bind_request(d, now, S_Y, &d->cfg.server, T_LIFE_Y + k, 0, d->x_mapped[k].port);
  }
  stun_client_tick(&d->stun, now);
  maybe_finish(d, now);
}

int64_t disc_deadline(const disc *d) {
  if (d->phase == PH_DONE) return INT64_MAX;
  int64_t t = stun_client_deadline(&d->stun);
  for (int k = 0; k < d->nprobes; k++)
    if (d->probe_at[k] && d->probe_at[k] < t) t = d->probe_at[k];
  return t;
}

/* --- names -------------------------------------------------------------------- */

const char *disc_behaviour_name(enum disc_behaviour b) {
  static const char *const n[] = {"unknown", "endpoint-independent", "address-dependent",
                                  "address-and-port-dependent"};
  return b <= DISC_APD ? n[b] : "unknown";
}

const char *disc_alloc_name(enum disc_alloc a) {
  static const char *const n[] = {"unknown", "preserve", "sequential", "random"};
  return a <= DISC_RANDOM ? n[a] : "unknown";
}

const char *disc_type_name(const disc_result *r) {
  if (r->status != DISC_OK) return "unknown";
  if (!r->natted) return "no NAT";
  if (r->mapping != DISC_EI) return r->mapping == DISC_UNKNOWN ? "unknown" : "symmetric";
  switch (r->filtering) {
  case DISC_EI: return "full cone";
  case DISC_AD: return "restricted cone";
  case DISC_APD: return "port-restricted cone";
  default: return "unknown";
  }
}
