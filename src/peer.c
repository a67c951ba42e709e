/* peer.c: registration, sessions, punching, the path switch. */
#include "peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "pki.h"

#define MAX_CANDIDATES 4
/* Trickled candidates cross the gateway as single datagrams: each is sent
** CAND_SENDS times, CAND_GAP apart and then twice that, so that one lost
** frame does not lose a candidate (a lost predicted port lost the pair);
** and after that, the gap doubling each time (up to CAND_GAP << CAND_BACKOFF),
** for as long as ICE has no direct pair selected: the one predicted port
** that works can be lost three times over (at 5% loss per link, about one
** time in 40), and it still helps when it comes late. */
#define MAX_TRICKLED 48
#define FIRST_SLOTS 4 /* trickled and early candidates: slots to start with, doubled as needed */
#define CAND_SENDS 3
#define CAND_GAP (100 * 1000000LL)
#define CAND_BACKOFF 10

typedef struct pending {
  struct pending *next;
  size_t len;
  uint8_t msg[];
} pending;

typedef struct psession {
  peer *owner;
  uint32_t other;
  uint64_t id;
  uint8_t key[GW_KEY_LEN];
  bool up, initiator, direct, asking;
  int asks;           /* CONNECTs sent */
  int64_t ask_next;
  /* punching */
  bool punching;
  int rounds;
  int64_t punch_next;
  addr cand[MAX_CANDIDATES];
  /* v0.9: our trickled candidates, to send again */
  struct trickled {
    ice_cand c;
    int sends;
    int64_t next;
  } *trickled;        /* owned: tcap slots, grown as candidates come (up to MAX_TRICKLED) */
  int ntrickled, tcap;
  int ncand;
  addr direct_addr;
  uint64_t sent;       /* our counter toward the other peer */
  gw_window window;    /* the other peer's counters */
  conn conn;
  pending *held;      /* messages sent before the session was up */
  pending *early;     /* the first relayed packet that came before the session's
                      ** announcement (QUIC's Initial, say) ... */
  uint64_t early_id;  /* ... and the session it is for */
  uint64_t bytes_relayed, bytes_direct, bytes_turn;
  uint64_t probes;    /* punches sent (v0.8) */
  int64_t direct_sent; /* last frame sent on the punched direct path */
  int64_t direct_ok;   /* last PUNCH_ACK that came back on it */
  bool switching;     /* QUIC: path switching beneath it (both sides can) */
  /* v0.9 */
  ice_agent *ice;
  bool turn;
  /* QUIC (cfg.quic) */
  quic *q;
  bool fell_back;     /* the direct path stalled: relayed until it answers again (come_back) */
  int64_t fell_back_at;
  addr direct_from;   /* where authenticated direct data last came from */
  uint64_t wire[3];   /* QUIC packet bytes by carrier */
  int last;           /* the carrier of the last payload sent (enum carrier) */
  int64_t first_direct; /* when a payload first went on the direct path; -1: never */
} psession;

enum carrier { VIA_RELAY, VIA_DIRECT, VIA_TURN };

/* A candidate that came before its session's SESSION, kept for start_ice.
** Room for every candidate the other side may trickle (MAX_TRICKLED), each
** kept once: with port prediction one side trickles twenty before the
** other hears of the session, and the last of them is its TURN relay. */
typedef struct early { uint64_t session; uint32_t peer; ice_cand c; } early;
#define MAX_EARLY MAX_TRICKLED

struct peer {
  peer_cfg cfg;
  peer_io io;
  uint64_t counter;    /* ours toward the gateway, in cfg.epoch */
  uint8_t tag_key[GW_KEY_LEN], seal_key[GW_KEY_LEN]; /* cfg.epoch's */
  gw_window from_gw;   /* the gateway's counters toward us */
  bool registered;
  int reg_sends;
  int64_t reg_next, keepalive_next;
  addr observed;
  psession **sessions; /* each allocated once: pointers stay valid */
  size_t nsessions, cap;
  int64_t now;         /* of the call in progress, for callbacks */
  early *early;        /* owned: ecap slots, grown as they come (up to MAX_EARLY) */
  int nearly, ecap;
};

peer_cfg peer_cfg_default(void) {
  peer_cfg c = {.epoch = 1, .retry = 500000000LL, .retries = 8, .keepalive = 15000000000LL,
                .punch_interval = 50000000LL, .punch_attempts = 20, .rto = 1000000000LL};
  ice_cfg_defaults(&c.agent);
  return c;
}

peer *peer_new(const peer_cfg *cfg, const peer_io *io) {
  if (cfg->epoch == 0) return NULL;
  peer *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  if (gw_derive_key(cfg->key, "tag ", cfg->epoch, p->tag_key) != 0 ||
      gw_derive_key(cfg->key, "seal", cfg->epoch, p->seal_key) != 0) {
    free(p);
    return NULL;
  }
  p->cfg = *cfg;
  p->io = *io;
  p->reg_next = p->keepalive_next = INT64_MAX;
  return p;
}

void peer_free(peer *p) {
  if (!p) return;
  for (size_t i = 0; i < p->nsessions; i++) {
    conn_free(&p->sessions[i]->conn);
    quic_free(p->sessions[i]->q);
    ice_free(p->sessions[i]->ice);
    for (pending *h = p->sessions[i]->held, *n; h; h = n) {
      n = h->next;
      free(h);
    }
    free(p->sessions[i]->early);
    free(p->sessions[i]->trickled);
    free(p->sessions[i]);
  }
  free(p->sessions);
  free(p->early);
  free(p);
}

bool peer_registered(const peer *p) { return p->registered; }
addr peer_observed(const peer *p) { return p->observed; }

static psession *find(const peer *p, uint32_t other) {
  for (size_t i = 0; i < p->nsessions; i++)
    if (p->sessions[i]->other == other) return p->sessions[i];
  return NULL;
}

static psession *find_id(const peer *p, uint64_t id) {
  for (size_t i = 0; i < p->nsessions; i++)
    if (p->sessions[i]->up && p->sessions[i]->id == id) return p->sessions[i];
  return NULL;
}

static psession *add(peer *p, uint32_t other) {
  if (p->nsessions == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 4;
    psession **ss = realloc(p->sessions, cap * sizeof *ss);
    if (!ss) return NULL;
    p->sessions = ss;
    p->cap = cap;
  }
  psession *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  p->sessions[p->nsessions++] = s;
  s->owner = p;
  s->other = other;
  s->ask_next = s->punch_next = INT64_MAX;
  s->first_direct = -1;
  conn_init(&s->conn, p->cfg.rto);
  return s;
}

/* --- sending ------------------------------------------------------------- */

static void send_frame(peer *p, const addr *to, const gw_frame *f, const uint8_t *key) {
  uint8_t buf[GW_MAX_FRAME + 64];
  int n = gw_encode(f, key, buf, sizeof buf);
  if (n > 0) p->io.send(p->io.ctx, to, buf, (size_t)n);
}

/* What this peer declares at REGISTER (enum gw_cap): ICE peers punch too. */
static uint8_t capabilities(const peer *p) {
  uint8_t caps = 0;
  if (p->cfg.punch || p->cfg.ice) caps |= GW_CAP_PUNCH;
  if (p->cfg.ice) caps |= GW_CAP_ICE;
  if (p->cfg.upgrade == PEER_SWITCH) caps |= GW_CAP_SWITCH;
  return caps;
}

/* REGISTER goes under the registration key with our epoch, the rest
** under the epoch's key; each with our next counter. */
static void to_gateway(peer *p, gw_frame *f) {
  if (f->type == GW_REGISTER) f->caps = capabilities(p);
  f->peer = p->cfg.id;
  f->counter = ++p->counter;
  if (f->type != GW_REGISTER) {
    send_frame(p, &p->cfg.gateway, f, p->tag_key);
    return;
  }
  f->epoch = p->cfg.epoch;
  send_frame(p, &p->cfg.gateway, f, p->cfg.key);
}

/* f encoded for the other peer of s, with our next counter toward it and
** the session key: its length, or a gw_err. */
static int encode_to_other(psession *s, gw_frame *f, uint8_t *buf, size_t cap) {
  f->counter = ++s->sent;
  return gw_encode(f, s->key, buf, cap);
}

static void to_other(psession *s, const addr *to, gw_frame *f) {
  uint8_t buf[GW_MAX_FRAME + 64];
  int n = encode_to_other(s, f, buf, sizeof buf);
  if (n > 0) s->owner->io.send(s->owner->io.ctx, to, buf, (size_t)n);
}

/* Whether a frame verified under `key` has a fresh counter in w; if so it
** is recorded. */
static bool accept_fresh(gw_window *w, const uint8_t *data, size_t len, const uint8_t *key,
                         uint64_t counter) {
  if (gw_verify(data, len, key) != GW_OK || !gw_window_fresh(w, counter)) return false;
  gw_window_accept(w, counter);
  return true;
}

/* A payload (a conn frame or a QUIC packet) goes to the other side: on the
** direct path if asked and there is one (the ICE pair in use, the punched
** address, or under QUIC where the other's direct data came from), else
** through the gateway relay. Returns the carrier used. */
static enum carrier carry_on(psession *s, bool direct, const uint8_t *payload, size_t len) {
  peer *p = s->owner;
  gw_frame f = {.session = s->id, .peer = p->cfg.id, .payload = payload, .payload_len = len};
  ice_cand l, r;
  if (direct && s->ice && ice_active(s->ice, &l, &r)) {
    uint8_t buf[GW_MAX_FRAME + 64];
    f.type = GW_DATA;
    int n = encode_to_other(s, &f, buf, sizeof buf);
    if (n > 0) ice_send(s->ice, p->now, buf, (size_t)n);
    return l.type == ICE_RELAY || r.type == ICE_RELAY ? VIA_TURN : VIA_DIRECT;
  }
  const addr *to = s->direct ? &s->direct_addr : s->direct_from.family ? &s->direct_from : NULL;
  if (direct && to) {
    f.type = GW_DATA;
    to_other(s, to, &f);
    s->direct_sent = p->now;
    return VIA_DIRECT;
  }
  f.type = GW_RELAY;
  to_gateway(p, &f);
  return VIA_RELAY;
}

/* carry_on, noting the carrier and the first time the direct path took a payload. */
static enum carrier carry(psession *s, bool direct, const uint8_t *payload, size_t len) {
  enum carrier c = carry_on(s, direct, payload, len);
  s->last = c;
  if (c == VIA_DIRECT && s->first_direct < 0) s->first_direct = s->owner->now;
  return c;
}

static void count(psession *s, enum carrier c, uint64_t msg) {
  if (c == VIA_RELAY) s->bytes_relayed += msg;
  else if (c == VIA_TURN) s->bytes_turn += msg;
  else s->bytes_direct += msg;
}

/* conn's emit: a frame goes out on the session's best path. */
static void emit(void *ctx, const uint8_t *frame, size_t len, bool retransmit) {
  psession *s = ctx;
  (void)retransmit;
  size_t msg = frame[0] == 1 && len > 5 ? len - 5 : 0; /* message bytes, not acks */
  count(s, carry(s, true, frame, len), msg);
}

static bool direct_usable(const psession *s);

static bool switching(const psession *s) { return s->switching; }

/* QUIC's: a packet goes out on the path QUIC chose (1: direct), or when
** switching (QUIC has one path) on the best path there is now. */
static void quic_out(void *ctx, int path, const uint8_t *pkt, size_t len, size_t app) {
  psession *s = ctx;
  bool direct = switching(s) ? direct_usable(s) : path == 1;
  enum carrier c = carry(s, direct, pkt, len);
  count(s, c, app);
  s->wire[c] += len;
}

static void deliver(void *ctx, const uint8_t *msg, size_t len) {
  psession *s = ctx;
  s->owner->io.deliver(s->owner->io.ctx, s->other, msg, len);
}

/* --- the transport under a session: conn, or QUIC --------------------------- */

static int t_send(psession *s, int64_t now, const uint8_t *msg, size_t len) {
  if (s->q) return quic_send(s->q, now, msg, len);
  return conn_send(&s->conn, now, msg, len, emit, s) ? 0 : -1;
}

/* A payload from the other side, through the relay (path 0) or direct (1);
** when switching, QUIC sees every packet on its one path. */
static void t_recv(psession *s, int64_t now, int path, const uint8_t *d, size_t len) {
  if (s->q) quic_recv(s->q, now, switching(s) ? 0 : path, d, len);
  else conn_recv(&s->conn, now, d, len, deliver, emit, s);
}

static bool direct_usable(const psession *s) {
  ice_cand l, r;
  if (s->fell_back) return false;
  return s->ice ? ice_active(s->ice, &l, &r) : s->direct;
}

/* The direct path stalled: the session goes back to the relay. A punched
** path keeps its address, and PUNCHes probe it (direct_idle). */
static void fall_back(psession *s, int64_t now) {
  s->fell_back = true;
  s->fell_back_at = now;
  if (s->ice) s->direct = false;
}

/* Whether the direct path answered after the session fell back: an ICE
** consent check, or a PUNCH_ACK on a punched path. Then loss, not a dead
** path, stalled it. */
static bool answered_since(const psession *s) {
  if (s->ice) return ice_consent_time(s->ice) > s->fell_back_at;
  return s->direct && s->direct_ok > s->fell_back_at;
}

/* A session that fell back returns to the direct path once it answers. */
static void come_back(psession *s) {
  if (!s->fell_back || !answered_since(s)) return;
  s->fell_back = false;
  if (s->ice) s->direct = !s->turn;
}

/* Switching: each side goes back to the relay when the connection stalls
** while its packets take the direct path (or TURN), until the path
** answers again (come_back). */
static void steer_switch(psession *s, int64_t now) {
  come_back(s);
  if (s->fell_back || s->last == VIA_RELAY || !quic_stalled(s->q, now)) return;
  fall_back(s, now);
}

/* The QUIC client keeps the connection on the best path: direct once it
** is usable (retrying until the handshake is confirmed), back to the relay
** when the direct path stalls, and direct again once that path answers
** (come_back). The server follows the client. */
static void steer(psession *s, int64_t now) {
  if (s->q && switching(s)) steer_switch(s, now);
  if (!s->q || switching(s) || !s->initiator || quic_get_state(s->q) != QUIC_UP) return;
  come_back(s);
  if (quic_path(s->q) == 1 && quic_stalled(s->q, now)) fall_back(s, now);
  int want = direct_usable(s) ? 1 : 0;
  if (quic_path(s->q) != want) quic_migrate(s->q, now, want);
}

static void t_tick(psession *s, int64_t now) {
  if (!s->q) {
    conn_tick(&s->conn, now, emit, s);
    return;
  }
  quic_tick(s->q, now);
  steer(s, now);
}

static int64_t t_deadline(const psession *s) {
  return s->q ? quic_deadline(s->q) : conn_deadline(&s->conn);
}

/* The session is up: its QUIC connection begins (the client's first
** flight leaves through the relay at once). */
static void start_quic(peer *p, int64_t now, psession *s) {
  char name[64];
  pki_name(s->other, name, sizeof name);
  quic_cfg qc;
  quic_cfg_defaults(&qc);
  qc.server = !s->initiator;
  qc.cred = p->cfg.quic;
  qc.cert = p->cfg.quic_cert;
  qc.priority = p->cfg.quic_priority;
  qc.peer_name = name;
  qc.seed = s->id ^ ((uint64_t)p->cfg.id << 32);
  quic_io io = {quic_out, deliver, s};
  s->q = quic_new(&qc, &io, now, 0);
}

/* --- registration and sessions ------------------------------------------- */

void peer_start(peer *p, int64_t now) {
  p->now = now;
  gw_frame f = {.type = GW_REGISTER};
  to_gateway(p, &f);
  p->reg_sends = 1;
  p->reg_next = now + p->cfg.retry;
}

int peer_connect(peer *p, int64_t now, uint32_t target) {
  p->now = now;
  if (find(p, target)) return -1;
  psession *s = add(p, target);
  if (!s) return -1;
  s->initiator = s->asking = true;
  s->asks = 1;
  s->ask_next = now + p->cfg.retry;
  gw_frame f = {.type = GW_CONNECT, .target = target};
  to_gateway(p, &f);
  return 0;
}

int peer_send(peer *p, int64_t now, uint32_t target, const uint8_t *msg, size_t len) {
  p->now = now;
  psession *s = find(p, target);
  if (!s || len > CONN_MAX_MESSAGE) return -1;
  if (s->up) {
    return t_send(s, now, msg, len);
  }
  pending *h = malloc(sizeof *h + len);
  if (!h) return -1;
  h->next = NULL;
  h->len = len;
  memcpy(h->msg, msg, len);
  pending **tail = &s->held;
  while (*tail) tail = &(*tail)->next;
  *tail = h;
  return 0;
}

/* --- ICE (v0.9) ------------------------------------------------------------ */

/* How often a direct path is checked for consent: the agent's interval,
** or the keepalive interval when that is shorter. */
static int64_t consent_interval(const peer *p) {
  int64_t every = p->cfg.agent.consent_interval;
  return p->cfg.keepalive < every ? p->cfg.keepalive : every;
}

static void report(peer *p, psession *s, uint8_t outcome);

static void ice_send_io(void *ctx, int sock, const addr *to, const uint8_t *d, size_t n) {
  psession *s = ctx;
  peer *p = s->owner;
  if (sock == 0) p->io.send(p->io.ctx, to, d, n);
  else p->io.send_on(p->io.ctx, sock, to, d, n);
}

static int ice_open_io(void *ctx, int n, addr *local) {
  psession *s = ctx;
  return s->owner->io.open(s->owner->io.ctx, n, local);
}

static void send_candidate(psession *s, const ice_cand *c) {
  peer *p = s->owner;
  gw_frame f = {.type = GW_CANDIDATE, .session = s->id, .peer = p->cfg.id,
                .cand_type = (uint8_t)c->type, .cand_priority = c->priority,
                .cand_foundation = c->foundation, .cand_addr = c->addr};
  snprintf(f.ufrag, sizeof f.ufrag, "%s", ice_ufrag(s->ice));
  snprintf(f.pwd, sizeof f.pwd, "%s", ice_pwd(s->ice));
  to_gateway(p, &f);
}

static void ice_candidate(void *ctx, const ice_cand *c) {
  psession *s = ctx;
  send_candidate(s, c);
  struct trickled *t = grow_table(s->trickled, &s->tcap, s->ntrickled + 1, FIRST_SLOTS,
                                  MAX_TRICKLED, sizeof *t);
  if (!t) return; /* full, or out of memory: sent once only */
  s->trickled = t;
  s->trickled[s->ntrickled++] = (struct trickled){*c, 1, s->owner->now + CAND_GAP};
}

/* Whether ICE may still find a direct pair: it has not failed, and the
** pair it selected, if any, is relayed. */
static bool ice_looking(const psession *s) {
  ice_cand l, r;
  if (ice_get_state(s->ice) == ICE_FAILED) return false;
  if (!ice_selected(s->ice, &l, &r)) return true;
  return l.type == ICE_RELAY || r.type == ICE_RELAY;
}

/* When trickled candidate t is next sent; INT64_MAX: never. */
static int64_t trickle_due(const psession *s, const struct trickled *t) {
  if (t->sends < CAND_SENDS || ice_looking(s)) return t->next;
  return INT64_MAX;
}

/* Sends again the trickled candidates that are due. */
static void trickle_again(psession *s, int64_t now) {
  for (int i = 0; i < s->ntrickled; i++) {
    struct trickled *t = &s->trickled[i];
    if (now < trickle_due(s, t)) continue;
    send_candidate(s, &t->c);
    int shift = t->sends < CAND_BACKOFF ? t->sends : CAND_BACKOFF;
    t->next = now + (CAND_GAP << shift);
    t->sends++;
  }
}

/* When a trickled candidate is next due; INT64_MAX: none. */
static int64_t trickle_deadline(const psession *s) {
  int64_t d = INT64_MAX;
  for (int i = 0; i < s->ntrickled; i++) {
    int64_t t = trickle_due(s, &s->trickled[i]);
    if (t < d) d = t;
  }
  return d;
}

static void ice_state(void *ctx, enum ice_state st) {
  psession *s = ctx;
  peer *p = s->owner;
  ice_cand l, r;
  if (st == ICE_CONNECTED && ice_selected(s->ice, &l, &r)) {
    s->turn = l.type == ICE_RELAY || r.type == ICE_RELAY;
    s->direct = !s->turn;
    report(p, s, s->direct ? GW_OUT_DIRECT : GW_OUT_RELAYED);
    p->io.event(p->io.ctx, s->other, s->direct ? PEER_DIRECT : PEER_PUNCH_FAILED);
  } else if (st == ICE_FAILED) { /* back to the gateway relay */
    s->direct = s->turn = false;
    p->io.event(p->io.ctx, s->other, PEER_PUNCH_FAILED);
  }
}

static void from_peer(peer *p, int64_t now, const addr *from, const gw_frame *f, psession *s);

/* Our frames that came through TURN. */
static void ice_deliver(void *ctx, const addr *from, const uint8_t *d, size_t n) {
  psession *s = ctx;
  gw_frame f;
  if (gw_decode(d, n, &f) == GW_OK && f.peer == s->other &&
      accept_fresh(&s->window, d, n, s->key, f.counter))
    from_peer(s->owner, s->owner->now, from, &f, s);
}

/* The candidate a GW_CANDIDATE frame carries. */
static ice_cand frame_cand(const gw_frame *f) {
  ice_cand c = {(enum ice_type)f->cand_type, f->cand_addr, f->cand_priority, f->cand_foundation};
  return c;
}

static void start_ice(peer *p, int64_t now, psession *s, bool controlling,
                      const addr *other_observed) {
  char ufrag[9], pwd[25], rufrag[9], rpwd[25];
  if (gw_ice_credentials(s->key, p->cfg.id, ufrag, pwd) < 0 ||
      gw_ice_credentials(s->key, s->other, rufrag, rpwd) < 0)
    return;
  ice_cfg ic = p->cfg.agent;
  ic.controlling = controlling;
  ic.seed = s->id ^ p->cfg.id;
  ic.ufrag = ufrag;
  ic.pwd = pwd;
  ic.reflexive = p->observed;
  ic.consent_interval = consent_interval(p);
  ice_io io = {ice_send_io, ice_candidate, ice_state, ice_deliver,
               p->io.open && p->io.send_on ? ice_open_io : NULL, s};
  if (!(s->ice = ice_new(&ic, &io))) return;
  ice_set_remote_credentials(s->ice, rufrag, rpwd);
  ice_start(s->ice, now, &p->cfg.local);
  /* the gateway's reflection of the other side: a server-reflexive
  ** candidate known before any is trickled */
  ice_cand o = {ICE_SRFLX, *other_observed, ice_priority(ICE_SRFLX, 65535),
                0x40000000u}; /* seen by the gateway: a foundation of its own */
  if (o.addr.family) ice_add_remote(s->ice, now, &o);
  for (int i = 0; i < p->nearly;) { /* candidates that came before SESSION */
    if (p->early[i].session == s->id && p->early[i].peer == s->other) {
      ice_add_remote(s->ice, now, &p->early[i].c);
      p->early[i] = p->early[--p->nearly];
    } else {
      i++;
    }
  }
}

/* A candidate for a session not yet up, kept until it is (dropped when
** MAX_EARLY are kept, or memory runs out). */
static void keep_early_candidate(peer *p, uint64_t session, uint32_t from, const ice_cand *c) {
  early *e = grow_table(p->early, &p->ecap, p->nearly + 1, FIRST_SLOTS, MAX_EARLY, sizeof *e);
  if (!e) return;
  p->early = e;
  p->early[p->nearly++] = (early){session, from, *c};
}

/* Whether the candidate of f is kept already (a retransmission). */
static bool early_known(const peer *p, const gw_frame *f) {
  for (int i = 0; i < p->nearly; i++) {
    const early *e = &p->early[i];
    if (e->session == f->session && e->peer == f->peer && addr_equal(&e->c.addr, &f->cand_addr))
      return true;
  }
  return false;
}

static void on_candidate(peer *p, const gw_frame *f) {
  psession *s = find_id(p, f->session);
  ice_cand c = frame_cand(f);
  if (s && s->ice && f->peer == s->other) {
    ice_add_remote(s->ice, p->now, &c);
    return;
  }
  if (s || early_known(p, f)) return;
  keep_early_candidate(p, f->session, f->peer, &c);
}

/* The packet kept by keep_early_packet, if it is for this session, goes in now. */
static void relay_early(psession *s, int64_t now) {
  pending *e = s->early;
  s->early = NULL;
  if (e && s->early_id == s->id) t_recv(s, now, 0, e->msg, e->len);
  free(e);
}

static void session_up(peer *p, int64_t now, const gw_frame *f) {
  psession *s = find(p, f->target);
  if (s && s->up && s->id == f->session) return; /* announced again */
  uint8_t key[GW_KEY_LEN];
  if (gw_open_key(p->seal_key, f->nonce, f->session, p->cfg.id, f->target, f->sealed, key) != GW_OK)
    return;
  if (!s && !(s = add(p, f->target))) return;
  s->id = f->session;
  memcpy(s->key, key, GW_KEY_LEN);
  s->sent = 0;
  s->window = (gw_window){0};
  s->up = true;
  s->asking = false;
  s->ask_next = INT64_MAX;
  uint8_t both = capabilities(p) & f->caps;
  s->switching = both & GW_CAP_SWITCH;
  p->io.event(p->io.ctx, s->other, PEER_SESSION);
  if (p->cfg.quic && !s->q) start_quic(p, now, s);
  for (pending *h = s->held, *n; h; h = n) {
    n = h->next;
    t_send(s, now, h->msg, h->len);
    free(h);
  }
  s->held = NULL;
  relay_early(s, now);
  if (both & GW_CAP_ICE) {
    start_ice(p, now, s, f->initiator, &f->observed);
    return;
  }
  if (!(both & GW_CAP_PUNCH)) return;
  s->punching = true;
  s->rounds = 0;
  s->cand[0] = f->observed;
  s->ncand = 1;
  s->punch_next = now + (int64_t)f->punch_delay_ms * 1000000;
}

/* --- punching ------------------------------------------------------------ */

static void report(peer *p, psession *s, uint8_t outcome) {
  gw_frame f = {.type = GW_REPORT, .session = s->id, .outcome = outcome};
  to_gateway(p, &f);
}

static void learn(psession *s, const addr *from) {
  for (int i = 0; i < s->ncand; i++)
    if (addr_equal(&s->cand[i], from)) return;
  if (s->ncand < MAX_CANDIDATES) s->cand[s->ncand++] = *from;
}

static void punch_round(peer *p, psession *s, int64_t now) {
  if (s->rounds >= p->cfg.punch_attempts) {
    s->punching = false;
    s->punch_next = INT64_MAX;
    report(p, s, GW_OUT_RELAYED);
    p->io.event(p->io.ctx, s->other, PEER_PUNCH_FAILED);
    return;
  }
  gw_frame f = {.type = GW_PUNCH, .session = s->id, .peer = p->cfg.id,
                .attempt = (uint32_t)++s->rounds};
  for (int i = 0; i < s->ncand; i++) to_other(s, &s->cand[i], &f);
  s->probes += (uint64_t)s->ncand;
  s->punch_next = now + p->cfg.punch_interval;
}

static void go_direct(peer *p, psession *s, const addr *from) {
  if (s->direct) return;
  s->direct = true;
  s->direct_sent = p->now;
  s->direct_addr = *from;
  s->punching = false;
  s->punch_next = INT64_MAX;
  report(p, s, GW_OUT_DIRECT);
  p->io.event(p->io.ctx, s->other, PEER_DIRECT);
}

/* --- receiving ----------------------------------------------------------- */

/* Data arrived for a session this peer never heard of: the gateway's
** announcement to it was lost. A CONNECT for the same pair makes the
** gateway announce the session again, and is retried like any other. */
static void ask_again(peer *p, int64_t now, uint32_t other, psession *s) {
  if (!s && !(s = add(p, other))) return;
  s->asking = true;
  s->asks = 1;
  s->ask_next = now + p->cfg.retry;
  gw_frame f = {.type = GW_CONNECT, .target = other};
  to_gateway(p, &f);
}

/* A relayed packet for a session not announced to us yet (its SESSION
** lost or still on the way): the first one is kept for session_up, so
** that the other side's first packet (QUIC's Initial, which it sends
** again only after a second, then two ...) is not lost with it. */
static void keep_early_packet(peer *p, const gw_frame *f) {
  psession *s = find(p, f->peer);
  if (!s || s->up || s->early) return;
  pending *e = malloc(sizeof *e + f->payload_len);
  if (!e) return;
  e->next = NULL;
  e->len = f->payload_len;
  memcpy(e->msg, f->payload, f->payload_len);
  s->early = e;
  s->early_id = f->session;
}

static void from_gateway(peer *p, int64_t now, const gw_frame *f) {
  psession *s;
  switch (f->type) {
  case GW_REGISTERED:
    p->observed = f->observed;
    if (!p->registered) {
      p->registered = true;
      p->reg_next = INT64_MAX;
      p->keepalive_next = now + p->cfg.keepalive;
      p->io.event(p->io.ctx, p->cfg.id, PEER_REGISTERED);
    }
    break;
  case GW_SESSION:
    session_up(p, now, f);
    break;
  case GW_CANDIDATE:
    on_candidate(p, f);
    break;
  case GW_RELAY:
    if ((s = find_id(p, f->session)) && f->peer == s->other)
      t_recv(s, now, 0, f->payload, f->payload_len);
    else if (!(s = find(p, f->peer)) || (!s->up && !s->asking))
      ask_again(p, now, f->peer, s); /* its SESSION was lost: ask for it again */
    keep_early_packet(p, f);
    break;
  }
}

static void from_peer(peer *p, int64_t now, const addr *from, const gw_frame *f, psession *s) {
  gw_frame ack = {.type = GW_PUNCH_ACK, .session = s->id, .peer = p->cfg.id,
                  .attempt = f->attempt};
  switch (f->type) {
  case GW_PUNCH:
    learn(s, from);
    to_other(s, from, &ack);
    if (!s->direct) { /* a triggered punch: this side may have stopped punching */
      gw_frame punch = ack;
      punch.type = GW_PUNCH;
      to_other(s, from, &punch);
      s->probes++;
    }
    break;
  case GW_PUNCH_ACK:
    s->direct_ok = now;
    go_direct(p, s, from);
    break;
  case GW_DATA:
    if (s->q) s->direct_from = *from;
    /* the other side sends direct only once its punch was answered: the
    ** path works both ways, though our own punches or their answers were lost */
    if (!s->ice) go_direct(p, s, from);
    t_recv(s, now, 1, f->payload, f->payload_len);
    break;
  }
}

void peer_recv(peer *p, int64_t now, const addr *from, const uint8_t *data, size_t len) {
  peer_recv_on(p, now, 0, from, data, len);
}

void peer_recv_on(peer *p, int64_t now, int sock, const addr *from, const uint8_t *data,
                  size_t len) {
  gw_frame f;
  p->now = now;
  if (!gw_is_frame(data, len)) { /* STUN, TURN: for the ICE agent */
    for (size_t i = 0; i < p->nsessions; i++)
      if (p->sessions[i]->ice && ice_recv_on(p->sessions[i]->ice, now, sock, from, data, len))
        return;
    return;
  }
  if (gw_decode(data, len, &f) != GW_OK) return;
  if (f.type == GW_PUNCH || f.type == GW_PUNCH_ACK || f.type == GW_DATA) {
    psession *s = find_id(p, f.session);
    if (s && f.peer == s->other && accept_fresh(&s->window, data, len, s->key, f.counter)) {
      from_peer(p, now, from, &f, s);
      steer(s, now);
    }
    return;
  }
  if (addr_equal(from, &p->cfg.gateway) &&
      accept_fresh(&p->from_gw, data, len, p->tag_key, f.counter)) {
    from_gateway(p, now, &f);
    psession *s = f.type == GW_RELAY ? find_id(p, f.session) : NULL;
    if (s) steer(s, now);
  }
}

/* --- time ---------------------------------------------------------------- */

/* A punched direct path that carried nothing for a keepalive interval gets
** a PUNCH, so the NATs on the way keep their mappings (the interval should
** be below their lifetime: peer_cfg.keepalive); once the session fell back
** from it, every consent interval, as ICE checks a pair (its answer brings
** the session back: come_back). ICE paths have consent. */
static int64_t direct_idle(const peer *p, const psession *s) {
  if (!s->direct || s->ice) return INT64_MAX;
  return s->direct_sent + (s->fell_back ? consent_interval(p) : p->cfg.keepalive);
}

static void keep_direct(peer *p, psession *s, int64_t now) {
  gw_frame f = {.type = GW_PUNCH, .session = s->id, .peer = p->cfg.id, .attempt = 0};
  to_other(s, &s->direct_addr, &f);
  s->direct_sent = now;
}

static void tick_session(peer *p, psession *s, int64_t now) {
  if (s->asking && now >= s->ask_next) {
    if (s->asks >= p->cfg.retries) {
      s->asking = false;
      s->ask_next = INT64_MAX;
      p->io.event(p->io.ctx, s->other, PEER_GAVE_UP);
      return;
    }
    s->asks++;
    s->ask_next = now + p->cfg.retry;
    gw_frame f = {.type = GW_CONNECT, .target = s->other};
    to_gateway(p, &f);
  }
  if (s->punching && now >= s->punch_next) punch_round(p, s, now);
  if (direct_idle(p, s) <= now) keep_direct(p, s, now);
  if (s->ice) ice_tick(s->ice, now);
  if (s->ice) trickle_again(s, now);
  if (s->up) t_tick(s, now);
}

void peer_tick(peer *p, int64_t now) {
  p->now = now;
  if (!p->registered && now >= p->reg_next) {
    if (p->reg_sends >= p->cfg.retries) {
      p->reg_next = INT64_MAX;
      p->io.event(p->io.ctx, p->cfg.id, PEER_GAVE_UP);
    } else {
      gw_frame f = {.type = GW_REGISTER};
      to_gateway(p, &f);
      p->reg_sends++;
      p->reg_next = now + p->cfg.retry;
    }
  }
  if (p->registered && now >= p->keepalive_next) {
    gw_frame f = {.type = GW_KEEPALIVE};
    to_gateway(p, &f);
    p->keepalive_next = now + p->cfg.keepalive;
  }
  for (size_t i = 0; i < p->nsessions; i++) tick_session(p, p->sessions[i], now);
}

int64_t peer_deadline(const peer *p) {
  int64_t d = p->registered ? p->keepalive_next : p->reg_next;
  for (size_t i = 0; i < p->nsessions; i++) {
    const psession *s = p->sessions[i];
    if (s->ask_next < d) d = s->ask_next;
    if (s->punch_next < d) d = s->punch_next;
    if (direct_idle(p, s) < d) d = direct_idle(p, s);
    int64_t c = s->up ? t_deadline(s) : INT64_MAX;
    if (c < d) d = c;
    c = s->ice ? ice_deadline(s->ice) : INT64_MAX;
    if (c < d) d = c;
    c = s->ice ? trickle_deadline(s) : INT64_MAX;
    if (c < d) d = c;
  }
  return d;
}

static void quic_info(const psession *s, peer_session_info *info) {
  const quic_stats *st = quic_get_stats(s->q);
  info->direct = s->direct && !s->fell_back && (switching(s) || quic_path(s->q) == 1);
  info->quic_up = st->handshake >= 0;
  info->quic_error = quic_error(s->q);
  info->quic_reason = quic_close_reason(s->q);
  info->handshake = st->handshake;
  info->migration = st->migration;
  info->migrations = st->migrations;
  info->fell_back = s->fell_back;
  info->lost = st->lost;
  info->srtt = quic_srtt(s->q);
  info->unacked = quic_unacked(s->q);
  info->wire_relayed = s->wire[VIA_RELAY];
  info->wire_direct = s->wire[VIA_DIRECT];
  info->wire_turn = s->wire[VIA_TURN];
}

int peer_session(const peer *p, uint32_t other, peer_session_info *info) {
  const psession *s = find(p, other);
  if (!s) return -1;
  *info = (peer_session_info){.id = s->id, .up = s->up, .direct = s->direct,
                              .punching = s->punching, .direct_addr = s->direct_addr,
                              .bytes_relayed = s->bytes_relayed,
                              .bytes_direct = s->bytes_direct, .srtt = s->conn.srtt,
                              .turn = s->turn, .bytes_turn = s->bytes_turn,
                              .ice_first_check = s->ice ? ice_get_stats(s->ice)->first_success : -1,
                              .ice_nominated = s->ice ? ice_get_stats(s->ice)->nominated : -1,
                              .probes = s->ice ? ice_get_stats(s->ice)->checks_sent +
                                                     ice_get_stats(s->ice)->bday_sent
                                               : s->probes,
                              .conn = s->conn.stats, .unacked = conn_unacked(&s->conn),
                              .handshake = -1, .migration = -1, .quic_error = "",
                              .first_direct = s->first_direct};
  if (s->q) quic_info(s, info);
  return 0;
}
