/* gateway.c: registration, reflection, sessions and the relay. */
#include "gateway.h"

#include <stdlib.h>
#include <string.h>

struct gw_peer {
  uint32_t id;
  uint8_t key[GW_KEY_LEN];
  bool registered;
  uint64_t counter; /* the highest seen */
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

void gateway_init(gateway *g, uint64_t seed, uint32_t punch_delay_ms, const gateway_io *io) {
  memset(g, 0, sizeof *g);
  g->io = *io;
  g->punch_delay_ms = punch_delay_ms;
  rng_seed(&g->rng, seed, 0x6777);
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
    i = (int)g->npeers++;
    if (idmap_put(&g->peer_index, id, i) != 0) return -1;
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

static void send_to(gateway *g, const gw_peer *p, const gw_frame *f) {
  uint8_t buf[GW_MAX_FRAME + 64];
  int n = gw_encode(f, p->key, buf, sizeof buf);
  if (n > 0) g->io.send(g->io.ctx, &p->observed, buf, (size_t)n);
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

static void announce(gateway *g, const gw_session *s, gw_peer *a, gw_peer *b) {
  gw_frame m = {.type = GW_SESSION, .session = s->id, .punch_delay_ms = g->punch_delay_ms};
  memcpy(m.key, s->key, GW_KEY_LEN);
  m.target = b->id;
  m.observed = b->observed;
  m.initiator = 1;
  m.caps = b->caps;
  send_to(g, a, &m);
  m.target = a->id;
  m.observed = a->observed;
  m.initiator = 0;
  m.caps = a->caps;
  send_to(g, b, &m);
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
  uint64_t id;
  do id = rng_u64(&g->rng); while (!id || session_of(g, id));
  s = &g->sessions[g->nsessions];
  *s = (gw_session){.id = id, .a = a->id, .b = b->id};
  for (int i = 0; i < GW_KEY_LEN; i += 8) {
    uint64_t r = rng_u64(&g->rng);
    memcpy(s->key + i, &r, 8);
  }
  if (idmap_put(&g->session_index, id, (int)g->nsessions) != 0 ||
      idmap_put(&g->pair_index, pair_key(a->id, b->id), (int)g->nsessions) != 0)
    return;
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
  send_to(g, to, &out);
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
  *(s->a == p->id ? &s->outcome_a : &s->outcome_b) = f->outcome;
  if (f->outcome == GW_OUT_DIRECT) g->stats.reports_direct++;
  else g->stats.reports_relayed++;
}

/* Counters protect REGISTER, KEEPALIVE, CONNECT and REPORT from replay. */
static bool fresh(gateway *g, gw_peer *p, const gw_frame *f) {
  if (f->type == GW_RELAY || f->type == GW_CANDIDATE) return true;
  if (f->counter <= p->counter) {
    g->stats.dropped_replay++;
    return false;
  }
  p->counter = f->counter;
  return true;
}

void gateway_recv(gateway *g, int64_t now, const addr *from, const uint8_t *data, size_t len) {
  gw_frame f;
  if (gw_decode(data, len, &f) != GW_OK) {
    g->stats.dropped_malformed++;
    return;
  }
  bool from_peer = f.type == GW_REGISTER || f.type == GW_KEEPALIVE || f.type == GW_CONNECT ||
                   f.type == GW_RELAY || f.type == GW_REPORT || f.type == GW_CANDIDATE;
  gw_peer *p = from_peer ? peer_of(g, f.peer) : NULL;
  if (!p || gw_verify(data, len, p->key) != GW_OK) {
    g->stats.dropped_auth++;
    return;
  }
  if (f.type != GW_REGISTER && !p->registered) {
    g->stats.dropped_unregistered++;
    error_to(g, p, GW_E_UNREGISTERED, p->id);
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
