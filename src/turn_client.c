/* turn_client.c: requests with credentials, refreshes, and the data path. */
#include "turn_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "secrets.h"
#include "stun.h"
#include "turn.h"

#define MAX_PEERS 16
#define FIRST_PEERS 2
#define FIRST_REQS 4 /* request slots a client starts with, doubled as needed */
#define MAX_CRED 127 /* bytes kept of the user name and password */
#define MAX_CHALLENGE 255 /* ... and of the server's realm and nonce */
#define REFRESH_MARGIN (60 * TURN_S)
#define PERMISSION_REFRESH (240 * TURN_S) /* before the 300 s lifetime */
#define CHANNEL_REFRESH (540 * TURN_S)    /* before the 600 s lifetime */
#define MAX_AUTH_TRIES 3

typedef struct request { /* enough to build a request again with a new nonce */
  uint16_t method;
  int peer;      /* index into peers, or -1 */
  uint32_t lifetime;
  int auth_tries;
} request;

typedef struct tpeer {
  addr peer;
  uint16_t channel; /* 0: none asked for */
  bool bound;
  int64_t perm_at, chan_at; /* next refresh; INT64_MAX: none */
} tpeer;

struct turn_client {
  turn_client_cfg cfg;
  char *user, *password; /* owned copies */
  turn_client_io io;
  stun_client stun;
  secrets ids;          /* transaction ids */
  char *realm, *nonce;  /* owned, from the last challenge; NULL before one */
  uint8_t key[16];
  bool have_key, allocated;
  addr relayed;
  int64_t refresh_at;
  request *reqs; /* owned: cap_reqs slots, grown as requests overlap (up to STUN_CLIENT_MAX) */
  int cap_reqs;
  tpeer *peers; /* owned: cap_peers slots, grown up to MAX_PEERS */
  int npeers, cap_peers;
  uint16_t next_channel;
  turn_client_stats st;
};

static void on_send(void *ctx, int sock, const addr *dst, const uint8_t *d, size_t n) {
  turn_client *c = ctx;
  (void)sock;
  c->io.send(c->io.ctx, dst, d, n);
}

static void on_timeout(void *ctx, int user) {
  turn_client *c = ctx;
  uint16_t method = c->reqs[user].method;
  c->reqs[user].method = 0; /* the slot is free again */
  if (method == STUN_ALLOCATE || method == STUN_REFRESH) {
    c->allocated = false;
    c->io.event(c->io.ctx, TURN_FAILED, NULL);
  }
}

turn_client *turn_client_new(const turn_client_cfg *cfg, const turn_client_io *io) {
  turn_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->cfg = *cfg;
  c->user = strndup(cfg->user ? cfg->user : "", MAX_CRED);
  c->password = strndup(cfg->password ? cfg->password : "", MAX_CRED);
  if (!c->user || !c->password) {
    turn_client_free(c);
    return NULL;
  }
  c->io = *io;
  stun_client_io sio = {on_send, on_timeout, c};
  stun_client_init(&c->stun, &cfg->timing, &sio);
  if (cfg->csprng) secrets_csprng(&c->ids);
  else secrets_seeded(&c->ids, cfg->seed, 0x54524e43);
  c->refresh_at = INT64_MAX;
  c->next_channel = TURN_CHANNEL_MIN;
  return c;
}

void turn_client_free(turn_client *c) {
  if (!c) return;
  stun_client_free(&c->stun);
  free(c->reqs);
  free(c->peers);
  free(c->user);
  free(c->password);
  free(c->realm);
  free(c->nonce);
  free(c);
}
bool turn_client_allocated(const turn_client *c) { return c->allocated; }
addr turn_client_relayed(const turn_client *c) { return c->relayed; }
const turn_client_stats *turn_client_get_stats(const turn_client *c) { return &c->st; }

/* --- requests -------------------------------------------------------------- */

/* The first free request slot, the table grown if none is; -1: full. */
static int free_slot(turn_client *c) {
  for (int i = 0; i < c->cap_reqs; i++)
    if (!c->reqs[i].method) return i;
  int i = c->cap_reqs;
  request *t = grow_table(c->reqs, &c->cap_reqs, i + 1, FIRST_REQS, STUN_CLIENT_MAX, sizeof *t);
  if (!t) return -1;
  c->reqs = t;
  return i;
}

/* Sends request r and keeps it until answered or timed out. 0, or -1 when
** it could not go out (every slot taken, or it did not fit). */
static int send_request(turn_client *c, int64_t now, request r) {
  int slot = free_slot(c);
  if (slot < 0) return -1;
  uint8_t buf[512], tid[STUN_TID_LEN];
  stun_writer w;
  if (secrets_fill(&c->ids, tid, STUN_TID_LEN) != 0) return -1;
  stun_begin(&w, buf, sizeof buf, r.method, STUN_REQUEST, tid);
  if (r.method == STUN_ALLOCATE) stun_put_u32(&w, STUN_A_REQUESTED_TRANSPORT, TURN_UDP << 24);
  if ((r.method == STUN_ALLOCATE || r.method == STUN_REFRESH) && (r.lifetime || r.method == STUN_REFRESH))
    stun_put_u32(&w, STUN_A_LIFETIME, r.lifetime);
  if (r.peer >= 0) {
    const tpeer *p = &c->peers[r.peer];
    if (r.method == STUN_CHANNEL_BIND) stun_put_u32(&w, STUN_A_CHANNEL_NUMBER, (uint32_t)p->channel << 16);
    stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, &p->peer);
  }
  if (c->have_key) {
    stun_put_str(&w, STUN_A_USERNAME, c->user);
    stun_put_str(&w, STUN_A_REALM, c->realm ? c->realm : "");
    stun_put_str(&w, STUN_A_NONCE, c->nonce);
    stun_put_integrity(&w, c->key, sizeof c->key);
  }
  stun_put_fingerprint(&w);
  int n = stun_end(&w);
  if (n <= 0) return -1;
  /* Recorded before it leaves: the answer may come back inside io.send. */
  c->reqs[slot] = r;
  c->st.requests++;
  if (stun_client_start(&c->stun, now, 0, &c->cfg.server, buf, (size_t)n, slot) != 0) {
    c->reqs[slot].method = 0;
    return -1;
  }
  return 0;
}

void turn_client_allocate(turn_client *c, int64_t now) {
  request r = {STUN_ALLOCATE, -1, c->cfg.lifetime_s, 0};
  send_request(c, now, r);
}

static int peer_index(turn_client *c, const addr *peer, bool add) {
  for (int i = 0; i < c->npeers; i++)
    if (addr_equal(&c->peers[i].peer, peer)) return i;
  if (!add) return -1;
  tpeer *t = grow_table(c->peers, &c->cap_peers, c->npeers + 1, FIRST_PEERS, MAX_PEERS, sizeof *t);
  if (!t) return -1;
  c->peers = t;
  c->peers[c->npeers] = (tpeer){.peer = *peer, .perm_at = INT64_MAX, .chan_at = INT64_MAX};
  return c->npeers++;
}

int turn_client_permit(turn_client *c, int64_t now, const addr *peer) {
  int i = c->allocated ? peer_index(c, peer, true) : -1;
  if (i < 0) return -1;
  request r = {STUN_CREATE_PERMISSION, i, 0, 0};
  return send_request(c, now, r);
}

int turn_client_bind(turn_client *c, int64_t now, const addr *peer) {
  int i = c->allocated ? peer_index(c, peer, true) : -1;
  if (i < 0 || (!c->peers[i].channel && c->next_channel > TURN_CHANNEL_MAX)) return -1;
  if (!c->peers[i].channel) c->peers[i].channel = c->next_channel++;
  request r = {STUN_CHANNEL_BIND, i, 0, 0};
  return send_request(c, now, r);
}

/* --- answers ------------------------------------------------------------- */

/* *dst becomes an owned copy of b, cut at MAX_CHALLENGE bytes. 0, or -1
** when memory runs out (*dst then untouched). */
static int copy_bytes(char **dst, const stun_bytes *b) {
  size_t n = b->len < MAX_CHALLENGE ? b->len : MAX_CHALLENGE;
  char *s = malloc(n + 1);
  if (!s) return -1;
  memcpy(s, b->p, n);
  s[n] = '\0';
  free(*dst);
  *dst = s;
  return 0;
}

/* 401 and 438: take the realm and nonce, and ask again. */
static bool retry_with_credentials(turn_client *c, int64_t now, const stun_msg *m, request r) {
  if ((m->error_code != 401 && m->error_code != 438) || !(m->present & STUN_HAS_NONCE) ||
      ++r.auth_tries > MAX_AUTH_TRIES)
    return false;
  if ((m->present & STUN_HAS_REALM) && copy_bytes(&c->realm, &m->realm) != 0) return false;
  if (copy_bytes(&c->nonce, &m->nonce) != 0) return false;
  const char *realm = c->realm ? c->realm : "";
  if (stun_long_term_key(c->user, realm, c->password, c->key) != STUN_OK) return false;
  c->have_key = true;
  if (m->error_code == 438) c->st.stale_nonces++;
  else c->st.challenges++;
  send_request(c, now, r);
  return true;
}

static void on_success(turn_client *c, int64_t now, const stun_msg *m, const request *r) {
  int64_t life = (int64_t)m->lifetime * TURN_S;
  tpeer *p = r->peer >= 0 ? &c->peers[r->peer] : NULL;
  switch (r->method) {
  case STUN_ALLOCATE:
    if (!(m->present & STUN_HAS_XOR_RELAYED)) return;
    c->relayed = m->xor_relayed;
    c->allocated = true;
    c->refresh_at = now + (life > 2 * REFRESH_MARGIN ? life - REFRESH_MARGIN : life / 2);
    c->io.event(c->io.ctx, TURN_ALLOCATED, NULL);
    break;
  case STUN_REFRESH:
    c->refresh_at = now + (life > 2 * REFRESH_MARGIN ? life - REFRESH_MARGIN : life / 2);
    break;
  case STUN_CREATE_PERMISSION:
    p->perm_at = now + PERMISSION_REFRESH;
    c->io.event(c->io.ctx, TURN_PERMITTED, &p->peer);
    break;
  case STUN_CHANNEL_BIND:
    p->bound = true;
    p->chan_at = now + CHANNEL_REFRESH;
    c->io.event(c->io.ctx, TURN_BOUND, &p->peer);
    break;
  }
}

static void on_answer(turn_client *c, int64_t now, const stun_msg *m) {
  int slot = stun_client_match(&c->stun, m);
  if (slot < 0) return;
  request r = c->reqs[slot];
  c->reqs[slot].method = 0;
  /* A success must carry our credentials back. */
  if (m->cls == STUN_SUCCESS && c->have_key &&
      stun_check_integrity(m, c->key, sizeof c->key) != STUN_OK)
    return;
  if (m->cls == STUN_SUCCESS) {
    on_success(c, now, m, &r);
    return;
  }
  if (retry_with_credentials(c, now, m, r)) return;
  c->st.errors++;
  if (r.method == STUN_ALLOCATE || r.method == STUN_REFRESH) {
    c->allocated = false;
    c->refresh_at = INT64_MAX;
    c->io.event(c->io.ctx, TURN_FAILED, NULL);
  }
}

bool turn_client_recv(turn_client *c, int64_t now, const addr *from, const uint8_t *data,
                      size_t len) {
  if (!addr_equal(from, &c->cfg.server)) return false;
  if (turn_is_channel_data(data, len)) {
    uint16_t ch;
    const uint8_t *p;
    size_t n;
    if (turn_channel_decode(data, len, &ch, &p, &n) != 0) return true;
    for (int i = 0; i < c->npeers; i++) {
      if (c->peers[i].bound && c->peers[i].channel == ch) {
        c->st.received++;
        c->st.bytes_received += n;
        c->io.deliver(c->io.ctx, &c->peers[i].peer, p, n);
      }
    }
    return true;
  }
  stun_msg m;
  if (stun_decode(data, len, &m) != STUN_OK) return stun_is_message(data, len);
  if (m.cls == STUN_INDICATION && m.method == STUN_DATA) {
    if ((m.present & STUN_HAS_XOR_PEER) && (m.present & STUN_HAS_DATA)) {
      c->st.received++;
      c->st.bytes_received += m.data.len;
      c->io.deliver(c->io.ctx, &m.xor_peer, m.data.p, m.data.len);
    }
  } else if (m.cls == STUN_SUCCESS || m.cls == STUN_ERROR) {
    on_answer(c, now, &m);
  }
  return true;
}

/* --- data and time ------------------------------------------------------ */

int turn_client_send(turn_client *c, int64_t now, const addr *peer, const uint8_t *data,
                     size_t len) {
  (void)now;
  if (!c->allocated) return -1;
  uint8_t buf[1500];
  int n, i = peer_index(c, peer, false);
  if (i >= 0 && c->peers[i].bound) {
    n = turn_channel_encode(c->peers[i].channel, data, len, buf, sizeof buf);
  } else {
    uint8_t tid[STUN_TID_LEN];
    stun_writer w;
    if (secrets_fill(&c->ids, tid, STUN_TID_LEN) != 0) return -1;
    stun_begin(&w, buf, sizeof buf, STUN_SEND, STUN_INDICATION, tid);
    stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, peer);
    stun_put(&w, STUN_A_DATA, data, len);
    n = stun_end(&w);
  }
  if (n <= 0) return -1;
  c->st.sent++;
  c->st.bytes_sent += len;
  c->io.send(c->io.ctx, &c->cfg.server, buf, (size_t)n);
  return 0;
}

void turn_client_tick(turn_client *c, int64_t now) {
  stun_client_tick(&c->stun, now);
  if (c->allocated && now >= c->refresh_at) {
    c->refresh_at = INT64_MAX;
    request r = {STUN_REFRESH, -1, c->cfg.lifetime_s ? c->cfg.lifetime_s : 600, 0};
    send_request(c, now, r);
  }
  for (int i = 0; c->allocated && i < c->npeers; i++) {
    tpeer *p = &c->peers[i];
    if (now >= p->perm_at) {
      p->perm_at = INT64_MAX;
      send_request(c, now, (request){STUN_CREATE_PERMISSION, i, 0, 0});
    }
    if (now >= p->chan_at) {
      p->chan_at = INT64_MAX;
      send_request(c, now, (request){STUN_CHANNEL_BIND, i, 0, 0});
    }
  }
}

int64_t turn_client_deadline(const turn_client *c) {
  int64_t d = stun_client_deadline(&c->stun);
  if (c->allocated && c->refresh_at < d) d = c->refresh_at;
  for (int i = 0; c->allocated && i < c->npeers; i++) {
    if (c->peers[i].perm_at < d) d = c->peers[i].perm_at;
    if (c->peers[i].chan_at < d) d = c->peers[i].chan_at;
  }
  return d;
}
