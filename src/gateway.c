/* gateway.c: registration, reflection, sessions and the relay. */
#include "gateway.h"

#include <stdlib.h>
#include <string.h>

struct gw_peer {
  uint32_t id;
  uint8_t key[GW_KEY_LEN]; /* the registration key: REGISTER's tag */
  bool registered;
  uint64_t epoch;          /* of the registration in force; 0: none yet */
  uint8_t tag_key[GW_KEY_LEN], seal_key[GW_KEY_LEN]; /* the epoch's */
  gw_window window;        /* the peer's counters in this epoch */
  uint64_t sent;           /* our counter toward the peer in this epoch */
  addr observed;
  int64_t last_seen;
  uint8_t caps; /* enum gw_cap bits, from its REGISTER */
};

struct gw_session {
  uint64_t id;
  uint32_t a, b;
  uint8_t key[GW_KEY_LEN];
  uint64_t bytes;
  uint8_t outcome_a, outcome_b;
};

void gateway_init(gateway *g, const secrets *src, uint32_t punch_delay_ms,
                  const gateway_io *io) {
  memset(g, 0, sizeof *g);
  g->io = *io;
  g->secrets = *src;
  g->punch_delay_ms = punch_delay_ms;
  idmap_init(&g->peer_index);
  idmap_init(&g->session_index);
  idmap_init(&g->pair_index);
}

void gateway_free(gateway *g) {
  free(g->peers);
  free(g->sessions);
  idmap_free(&g->peer_index);
  idmap_free(&g->session_index);
  idmap_free(&g->pair_index);
}

static void *grow(void *p, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return p;
  size_t c = *cap ? *cap * 2 : 16;
  void *q = realloc(p, c * size);
  if (q) *cap = c;
  return q;
}

int gateway_add_peer(gateway *g, uint32_t id, const uint8_t key[GW_KEY_LEN]) {
  gw_peer *p = grow(g->peers, &g->cap_peers, g->npeers, sizeof *p);
  if (!p) return -1;
  g->peers = p;
  int i = idmap_get(&g->peer_index, id);
  if (i < 0) {
    if (idmap_put(&g->peer_index, id, (int)g->npeers) != 0) return -1;
    i = (int)g->npeers;
    g->npeers++;
  }
  g->peers[i] = (gw_peer){.id = id};
  memcpy(g->peers[i].key, key, GW_KEY_LEN);
  return 0;
}

static gw_peer *peer_of(gateway *g, uint32_t id) {
  int i = idmap_get(&g->peer_index, id);
  return i < 0 ? NULL : &g->peers[i];
}

static gw_session *session_of(gateway *g, uint64_t id) {
  int i = idmap_get(&g->session_index, id);
  return i < 0 ? NULL : &g->sessions[i];
}

/* Sends f to p with our next counter toward it, tagged with its epoch's
** key. 0, or -1 when f does not encode (nothing is sent). */
static int send_to(gateway *g, gw_peer *p, gw_frame *f) {
  uint8_t buf[GW_MAX_FRAME + 64];
  f->counter = p->sent + 1;
  int n = gw_encode(f, p->tag_key, buf, sizeof buf);
  if (n < 0) return -1;
  p->sent++;
  g->io.send(g->io.ctx, &p->observed, buf, (size_t)n);
  return 0;
}

static void reflect(gateway *g, gw_peer *p) {
  gw_frame r = {.type = GW_REGISTERED, .peer = p->id, .observed = p->observed};
  send_to(g, p, &r);
}

static void error_to(gateway *g, gw_peer *p, uint8_t code, uint32_t detail) {
  gw_frame e = {.type = GW_ERROR, .code = code, .attempt = detail};
  send_to(g, p, &e);
}

static uint64_t pair_key(uint32_t a, uint32_t b) {
  return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

/* SESSION to `to`, the session key sealed under its epoch's seal key
** with a fresh nonce. Not sent if the secrets source or GnuTLS fails. */
static void announce_to(gateway *g, const gw_session *s, gw_peer *to, const gw_peer *other,
                        uint8_t initiator) {
  gw_frame m = {.type = GW_SESSION, .session = s->id, .target = other->id,
                .observed = other->observed, .punch_delay_ms = g->punch_delay_ms,
                .initiator = initiator, .caps = other->caps};
  if (secrets_fill(&g->secrets, m.nonce, GW_NONCE_LEN) != 0) return;
  if (gw_seal_key(to->seal_key, m.nonce, s->id, to->id, other->id, s->key, m.sealed) != GW_OK)
    return;
  send_to(g, to, &m);
}

static void announce(gateway *g, const gw_session *s, gw_peer *a, gw_peer *b) {
  announce_to(g, s, a, b, 1);
  announce_to(g, s, b, a, 0);
}

/* A new session's id (not 0, not in use) and key, from a source of the
** pair's own: the same whichever sessions came before. 0, or -1 if the
** secrets source fails. */
static int draw_session(gateway *g, gw_session *s) {
  secrets own;
  secrets_derive(&g->secrets, pair_key(s->a, s->b), &own);
  do {
    if (secrets_fill(&own, &s->id, sizeof s->id) != 0) return -1;
  } while (!s->id || session_of(g, s->id));
  return secrets_fill(&own, s->key, GW_KEY_LEN);
}

/* A CONNECT makes a session, or, when the pair has one (a retried
** CONNECT), announces that one again. */
static void connect_peers(gateway *g, gw_peer *a, const gw_frame *f) {
  gw_peer *b = peer_of(g, f->target);
  if (!b || !b->registered || b == a) {
    g->stats.dropped_unknown++;
    error_to(g, a, GW_E_UNKNOWN_PEER, f->target);
    return;
  }
  int existing = idmap_get(&g->pair_index, pair_key(a->id, b->id));
  if (existing >= 0) {
    announce(g, &g->sessions[existing], a, b);
    return;
  }
  gw_session *s = grow(g->sessions, &g->cap_sessions, g->nsessions, sizeof *s);
  if (!s) return;
  g->sessions = s;
  /* room in both maps first: once the session is drawn, nothing can fail */
  if (idmap_reserve(&g->session_index, 1) != 0 || idmap_reserve(&g->pair_index, 1) != 0) return;
  s = &g->sessions[g->nsessions];
  *s = (gw_session){.a = a->id, .b = b->id};
  if (draw_session(g, s) != 0) return;
  idmap_put(&g->session_index, s->id, (int)g->nsessions);
  idmap_put(&g->pair_index, pair_key(a->id, b->id), (int)g->nsessions);
  g->nsessions++;
  g->stats.sessions++;
  announce(g, s, a, b);
}

static void relay(gateway *g, gw_peer *from, const gw_frame *f) {
  gw_session *s = session_of(g, f->session);
  if (!s) {
    g->stats.dropped_unknown++;
    error_to(g, from, GW_E_NO_SESSION, (uint32_t)f->session);
    return;
  }
  if (s->a != from->id && s->b != from->id) {
    g->stats.dropped_not_member++;
    return;
  }
  gw_peer *to = peer_of(g, s->a == from->id ? s->b : s->a);
  gw_frame out = *f;
  if (send_to(g, to, &out) != 0) {
    g->stats.relay_failed++;
    return;
  }
  s->bytes += f->payload_len;
  g->stats.relayed_frames++;
  g->stats.relayed_bytes += f->payload_len;
}

static void report(gateway *g, gw_peer *p, const gw_frame *f) {
  gw_session *s = session_of(g, f->session);
  if (!s || (s->a != p->id && s->b != p->id)) {
    g->stats.dropped_not_member++;
    return;
  }
  if (s->a == p->id) s->outcome_a = f->outcome;
  else s->outcome_b = f->outcome;
  if (f->outcome == GW_OUT_DIRECT) g->stats.reports_direct++;
  else g->stats.reports_relayed++;
}

/* A REGISTER of a later epoch starts it: the epoch's keys, counters from
** scratch both ways. 0, or -1 if GnuTLS fails (p unchanged). */
static int start_epoch(gw_peer *p, uint64_t epoch) {
  uint8_t tag_key[GW_KEY_LEN], seal_key[GW_KEY_LEN];
  if (gw_derive_key(p->key, "tag ", epoch, tag_key) != 0) return -1;
  if (gw_derive_key(p->key, "seal", epoch, seal_key) != 0) return -1;
  memcpy(p->tag_key, tag_key, GW_KEY_LEN);
  memcpy(p->seal_key, seal_key, GW_KEY_LEN);
  p->epoch = epoch;
  p->window = (gw_window){0};
  p->sent = 0;
  return 0;
}

/* Whether an authenticated frame is fresh (its counter not seen in its
** epoch, its epoch not earlier), and if so records it. */
static bool fresh(gateway *g, gw_peer *p, const gw_frame *f) {
  bool is_register = f->type == GW_REGISTER;
  if (is_register && f->epoch < p->epoch) {
    g->stats.dropped_replay++;
    return false;
  }
  bool later = is_register && f->epoch > p->epoch;
  if (!later && !gw_window_fresh(&p->window, f->counter)) {
    g->stats.dropped_replay++;
    return false;
  }
  if (later && start_epoch(p, f->epoch) != 0) {
    g->stats.dropped_auth++;
    return false;
  }
  gw_window_accept(&p->window, f->counter);
  return true;
}

static bool sent_by_peers(uint8_t type) {
  return type == GW_REGISTER || type == GW_KEEPALIVE || type == GW_CONNECT ||
         type == GW_RELAY || type == GW_REPORT || type == GW_CANDIDATE;
}

void gateway_recv(gateway *g, int64_t now, const addr *from, const uint8_t *data, size_t len) {
  gw_frame f;
  if (gw_decode(data, len, &f) != GW_OK) {
    g->stats.dropped_malformed++;
    return;
  }
  gw_peer *p = sent_by_peers(f.type) ? peer_of(g, f.peer) : NULL;
  if (!p) {
    g->stats.dropped_auth++;
    return;
  }
  if (f.type != GW_REGISTER && !p->registered) {
    g->stats.dropped_unregistered++;
    return;
  }
  const uint8_t *key = f.type == GW_REGISTER ? p->key : p->tag_key;
  if (gw_verify(data, len, key) != GW_OK) {
    g->stats.dropped_auth++;
    return;
  }
  if (!fresh(g, p, &f)) return;
  p->observed = *from; /* authenticated: follow the peer's current mapping */
  p->last_seen = now;
  switch (f.type) {
  case GW_REGISTER:
    p->registered = true;
    p->caps = f.caps;
    g->stats.registrations++;
    reflect(g, p);
    break;
  case GW_KEEPALIVE:
    g->stats.keepalives++;
    reflect(g, p);
    break;
  case GW_CONNECT:
    connect_peers(g, p, &f);
    break;
  case GW_RELAY:
  case GW_CANDIDATE: /* trickled ICE candidates go the relay's way */
    relay(g, p, &f);
    break;
  case GW_REPORT:
    report(g, p, &f);
    break;
  }
}

uint64_t gateway_session_bytes(const gateway *g, uint64_t session) {
  int i = idmap_get(&g->session_index, session);
  return i < 0 ? 0 : g->sessions[i].bytes;
}
