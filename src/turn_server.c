/* turn_server.c: allocations, authentication, permissions, channels, relaying. */
#include "turn_server.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "stun.h"
#include "turn.h"
#include "wire.h"

#define MAX_PERMS 32
#define MAX_CHANS 16
#define FIRST_SLOTS 2 /* permission and channel slots an allocation starts with */
#define MAX_USER 128
#define NONCE_LEN 32
#define OUT_CAP 1500

typedef struct perm { addr ip; int64_t expiry; } perm; /* port ignored: RFC 8656 9 */
typedef struct chan { uint16_t number; addr peer; int64_t expiry; } chan;

typedef struct alloc {
  addr client, relayed;
  char user[MAX_USER];
  uint8_t key[16];
  int64_t expiry;
  int slot; /* in allocs */
  uint8_t tid[STUN_TID_LEN]; /* of the Allocate, to answer its retransmissions */
  perm *perms; /* owned: cap_perms slots, grown as peers are permitted (up to MAX_PERMS) */
  int nperms, cap_perms;
  chan *chans; /* owned: cap_chans slots, grown as channels are bound (up to MAX_CHANS) */
  int nchans, cap_chans;
} alloc;

static void alloc_free(alloc *a) {
  if (!a) return;
  free(a->perms);
  free(a->chans);
  free(a);
}

typedef struct user { char name[MAX_USER]; uint8_t key[16]; } user;

typedef struct rule { addr net; int prefix; bool allow, given; } rule; /* given: not a default */

struct turn_server {
  turn_server_cfg cfg;
  char realm[256];
  turn_server_io io;
  uint8_t secret[TURN_SECRET_LEN];
  user *users;
  int nusers;
  rule *rules;
  int nrules;
  alloc **allocs;
  int nallocs, cap;
  alloc **clients;    /* the allocations by client address: a hash table */
  size_t nclients_cap; /* its slots, a power of two, at least twice nallocs */
  int64_t next_expiry; /* no allocation expires before */
  alloc **by_port;    /* the allocation on port port_min + i, or NULL */
  uint16_t *free_ports; /* a ring of the ports without an allocation */
  uint32_t span, free_head, nfree;
  turn_server_stats st;
};

/* --- set-up --------------------------------------------------------------- */

/* Denied peers unless a rule says otherwise (see turn_server.h). */
static const struct { const char *net; int prefix; } default_deny[] = {
    {"0.0.0.0", 8},   {"127.0.0.0", 8}, {"169.254.0.0", 16}, {"224.0.0.0", 4},
    {"240.0.0.0", 4}, {"::", 128},      {"::1", 128},        {"fe80::", 10},
    {"ff00::", 8},    {"::ffff:0:0", 96},
};

static void derive_secret(uint64_t seed, uint8_t *out) {
  rng r;
  rng_seed(&r, seed, 0x7475726e);
  for (int i = 0; i < TURN_SECRET_LEN; i += 8) {
    uint64_t v = rng_u64(&r);
    memcpy(out + i, &v, 8);
  }
}

static int add_rule(turn_server *s, const addr *net, int prefix, bool allow, bool given);

static int add_default_rules(turn_server *s) {
  for (size_t i = 0; i < sizeof default_deny / sizeof default_deny[0]; i++) {
    addr net;
    if (addr_parse(default_deny[i].net, &net) != 0) return -1;
    if (add_rule(s, &net, default_deny[i].prefix, false, false) != 0) return -1;
  }
  return 0;
}

/* The relay port range, every port free, in order. */
static int init_ports(turn_server *s) {
  s->span = (uint32_t)s->cfg.port_max - s->cfg.port_min + 1;
  s->by_port = calloc(s->span, sizeof *s->by_port);
  s->free_ports = malloc(s->span * sizeof *s->free_ports);
  if (!s->by_port || !s->free_ports) return -1;
  for (uint32_t i = 0; i < s->span; i++) s->free_ports[i] = (uint16_t)(s->cfg.port_min + i);
  s->nfree = s->span;
  return 0;
}

turn_server *turn_server_new(const turn_server_cfg *cfg, const turn_server_io *io) {
  if (cfg->port_min == 0 || cfg->port_min > cfg->port_max) return NULL;
  if (cfg->max_allocs_per_user < 0 || cfg->max_allocs_per_ip < 0) return NULL;
  turn_server *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->cfg = *cfg;
  snprintf(s->realm, sizeof s->realm, "%s", cfg->realm ? cfg->realm : "natsim");
  s->cfg.realm = s->realm;
  s->cfg.secret = NULL;
  s->io = *io;
  s->next_expiry = INT64_MAX;
  if (cfg->secret) memcpy(s->secret, cfg->secret, TURN_SECRET_LEN);
  else derive_secret(cfg->seed, s->secret);
  if (init_ports(s) != 0 || add_default_rules(s) != 0) {
    turn_server_free(s);
    return NULL;
  }
  return s;
}

void turn_server_free(turn_server *s) {
  if (!s) return;
  for (int i = 0; i < s->nallocs; i++) alloc_free(s->allocs[i]);
  free(s->allocs);
  free(s->clients);
  free(s->by_port);
  free(s->free_ports);
  free(s->rules);
  free(s->users);
  gnutls_memset(s->secret, 0, sizeof s->secret);
  free(s);
}

int turn_server_add_user(turn_server *s, const char *name, const char *password) {
  uint8_t key[16];
  if (strlen(name) >= MAX_USER) return -1;
  if (stun_long_term_key(name, s->realm, password, key) != STUN_OK) return -1;
  user *u = realloc(s->users, (size_t)(s->nusers + 1) * sizeof *u);
  if (!u) return -1;
  s->users = u;
  u = &s->users[s->nusers++];
  snprintf(u->name, sizeof u->name, "%s", name);
  memcpy(u->key, key, sizeof key);
  gnutls_memset(key, 0, sizeof key);
  return 0;
}

/* --- peer policy ------------------------------------------------------------ */

static int ip_len(const addr *a) { return a->family == ADDR_V6 ? 16 : 4; }

/* Whether the first `prefix` bits of a's and b's IPs agree. */
static bool prefix_match(const addr *a, const addr *b, int prefix) {
  int whole = prefix / 8;
  int rest = prefix % 8;
  if (memcmp(a->ip, b->ip, (size_t)whole) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = (uint8_t)(0xFF << (8 - rest));
  return (a->ip[whole] & mask) == (b->ip[whole] & mask);
}

static int add_rule(turn_server *s, const addr *net, int prefix, bool allow, bool given) {
  if (net->family != ADDR_V4 && net->family != ADDR_V6) return -1;
  if (prefix < 0 || prefix > ip_len(net) * 8) return -1;
  for (int i = 0; i < s->nrules; i++) {
    rule *r = &s->rules[i];
    if (r->prefix == prefix && r->net.family == net->family && prefix_match(&r->net, net, prefix)) {
      r->allow = allow;
      r->given = given;
      return 0;
    }
  }
  rule *grown = realloc(s->rules, (size_t)(s->nrules + 1) * sizeof *grown);
  if (!grown) return -1;
  s->rules = grown;
  s->rules[s->nrules++] = (rule){*net, prefix, allow, given};
  return 0;
}

int turn_server_peer_rule(turn_server *s, const addr *net, int prefix, bool allow) {
  return add_rule(s, net, prefix, allow, true);
}

/* The most specific rule for peer's IP, or NULL. */
static const rule *rule_for(const turn_server *s, const addr *peer) {
  const rule *best = NULL;
  for (int i = 0; i < s->nrules; i++) {
    const rule *r = &s->rules[i];
    if (r->net.family != peer->family || !prefix_match(&r->net, peer, r->prefix)) continue;
    if (!best || r->prefix > best->prefix) best = r;
  }
  return best;
}

bool turn_server_peer_allowed(const turn_server *s, const addr *peer) {
  const rule *r = rule_for(s, peer);
  return !r || r->allow;
}

const turn_server_stats *turn_server_get_stats(const turn_server *s) { return &s->st; }

/* --- allocations ------------------------------------------------------------ */

/* Returns a port to the back of the free ring. */
static void free_port(turn_server *s, uint16_t port) {
  s->free_ports[(s->free_head + s->nfree) % s->span] = port;
  s->nfree++;
}

/* --- the allocations by client: open addressing, linear probing ----------- */

/* The slot of client's allocation, or the empty slot where it would go. */
static size_t client_slot(const turn_server *s, const addr *client) {
  size_t mask = s->nclients_cap - 1;
  size_t i = (size_t)addr_hash(client) & mask;
  while (s->clients[i] && !addr_equal(&s->clients[i]->client, client)) i = (i + 1) & mask;
  return i;
}

/* Room for one more allocation, the table at most half full: 0, or -1
** when out of memory (the table unchanged). */
static int clients_reserve(turn_server *s) {
  if ((size_t)(s->nallocs + 1) * 2 <= s->nclients_cap) return 0;
  size_t cap = s->nclients_cap ? s->nclients_cap * 2 : 64;
  alloc **grown = calloc(cap, sizeof *grown);
  if (!grown) return -1;
  alloc **old = s->clients;
  size_t old_cap = s->nclients_cap;
  s->clients = grown;
  s->nclients_cap = cap;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i]) s->clients[client_slot(s, &old[i]->client)] = old[i];
  free(old);
  return 0;
}

/* Removes a's entry, moving back the entries after it that probed past. */
static void clients_remove(turn_server *s, const alloc *a) {
  size_t mask = s->nclients_cap - 1;
  size_t hole = client_slot(s, &a->client);
  s->clients[hole] = NULL;
  for (size_t i = (hole + 1) & mask; s->clients[i]; i = (i + 1) & mask) {
    size_t home = (size_t)addr_hash(&s->clients[i]->client) & mask;
    if (((i - home) & mask) < ((i - hole) & mask)) continue; /* home lies after the hole */
    s->clients[hole] = s->clients[i];
    s->clients[i] = NULL;
    hole = i;
  }
}

static void drop_alloc(turn_server *s, int i) {
  alloc *a = s->allocs[i];
  if (s->io.close_relay) s->io.close_relay(s->io.ctx, &a->relayed);
  s->by_port[a->relayed.port - s->cfg.port_min] = NULL;
  free_port(s, a->relayed.port);
  clients_remove(s, a);
  alloc_free(a);
  s->allocs[i] = s->allocs[--s->nallocs];
  if (i < s->nallocs) s->allocs[i]->slot = i;
}

/* Sets a's expiry, keeping next_expiry a lower bound. */
static void set_expiry(turn_server *s, alloc *a, int64_t expiry) {
  a->expiry = expiry;
  if (expiry < s->next_expiry) s->next_expiry = expiry;
}

/* Drops the allocations expired by now. Scans them only when one may
** have expired, and finds the next expiry as it goes. */
static void expire(turn_server *s, int64_t now) {
  if (now < s->next_expiry) return;
  s->next_expiry = INT64_MAX;
  for (int i = 0; i < s->nallocs;) {
    if (now >= s->allocs[i]->expiry) {
      drop_alloc(s, i);
      s->st.expired++;
    } else {
      if (s->allocs[i]->expiry < s->next_expiry) s->next_expiry = s->allocs[i]->expiry;
      i++;
    }
  }
}

int turn_server_allocations(turn_server *s, int64_t now) {
  expire(s, now);
  return s->nallocs;
}

static alloc *by_client(turn_server *s, const addr *client) {
  if (!s->nallocs) return NULL;
  return s->clients[client_slot(s, client)];
}

static bool ip_equal(const addr *a, const addr *b) {
  return a->family == b->family && memcmp(a->ip, b->ip, (size_t)ip_len(a)) == 0;
}

static alloc *by_relayed(const turn_server *s, const addr *relayed) {
  if (!ip_equal(relayed, &s->cfg.relay)) return NULL;
  if (relayed->port < s->cfg.port_min || relayed->port > s->cfg.port_max) return NULL;
  return s->by_port[relayed->port - s->cfg.port_min];
}

#define OPEN_TRIES 8 /* ports the driver may fail to open before 508 */

/* A relayed address the driver could open, from the front of the free
** ring (a port it cannot open goes to the back); -1 when none. */
static int pick_relay(turn_server *s, addr *out) {
  for (int tries = 0; tries < OPEN_TRIES && s->nfree > 0; tries++) {
    addr a = s->cfg.relay;
    a.port = s->free_ports[s->free_head];
    s->free_head = (s->free_head + 1) % s->span;
    s->nfree--;
    if (!s->io.open_relay || s->io.open_relay(s->io.ctx, &a) == 0) {
      *out = a;
      return 0;
    }
    free_port(s, a.port);
  }
  return -1;
}

/* Allocations held by user `name` and from client IP ip. */
static void holdings(const turn_server *s, const char *name, const addr *ip, int *by_user,
                     int *by_ip) {
  *by_user = 0;
  *by_ip = 0;
  for (int i = 0; i < s->nallocs; i++) {
    if (!strcmp(s->allocs[i]->user, name)) (*by_user)++;
    if (ip_equal(&s->allocs[i]->client, ip)) (*by_ip)++;
  }
}

static perm *find_perm(alloc *a, const addr *peer, int64_t now) {
  for (int i = 0; i < a->nperms; i++)
    if (ip_equal(&a->perms[i].ip, peer) && now < a->perms[i].expiry) return &a->perms[i];
  return NULL;
}

static int permit(turn_server *s, alloc *a, const addr *peer, int64_t now) {
  perm *p = NULL;
  for (int i = 0; i < a->nperms && !p; i++)
    if (ip_equal(&a->perms[i].ip, peer)) p = &a->perms[i];
  if (!p) {
    for (int i = 0; i < a->nperms && !p; i++) /* reuse an expired slot */
      if (now >= a->perms[i].expiry) p = &a->perms[i];
    if (!p) {
      perm *t = grow_table(a->perms, &a->cap_perms, a->nperms + 1, FIRST_SLOTS, MAX_PERMS,
                           sizeof *t);
      if (!t) return -1; /* MAX_PERMS already, or out of memory */
      a->perms = t;
      p = &a->perms[a->nperms++];
    }
    s->st.permissions++;
  }
  p->ip = *peer;
  p->ip.port = 0;
  p->expiry = now + TURN_PERMISSION_LIFETIME;
  return 0;
}

/* --- nonces ------------------------------------------------------------------ */

/* HMAC-SHA256 under the secret over a label and two byte strings, cut to 8 bytes. */
static void mac8(const turn_server *s, char label, const uint8_t *a, size_t alen,
                 const uint8_t *b, size_t blen, uint8_t out[8]) {
  uint8_t full[32];
  gnutls_hmac_hd_t h;
  memset(out, 0, 8);
  if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, s->secret, sizeof s->secret) != 0) return;
  gnutls_hmac(h, &label, 1);
  gnutls_hmac(h, a, alen);
  gnutls_hmac(h, b, blen);
  gnutls_hmac_deinit(h, full);
  memcpy(out, full, 8);
}

/* The tag of (expiry, client): family, IP and port, then the expiry. */
static void nonce_tag(const turn_server *s, const uint8_t expiry[8], const addr *client,
                      uint8_t tag[8]) {
  uint8_t who[19];
  who[0] = client->family;
  memcpy(who + 1, client->ip, 16);
  wire_put16(who + 17, client->port);
  mac8(s, 'T', who, sizeof who, expiry, 8, tag);
}

static void hex(const uint8_t *b, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[b[i] >> 4];
    out[2 * i + 1] = digits[b[i] & 15];
  }
}

static int unhex_digit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* 16 bytes from 32 lowercase hex digits: 0, or -1. */
static int unhex(const uint8_t *p, uint8_t out[16]) {
  for (int i = 0; i < 16; i++) {
    int hi = unhex_digit(p[2 * i]);
    int lo = unhex_digit(p[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

/* The expiry, big-endian, XORed in place with a pad derived from the tag. */
static void crypt_expiry(const turn_server *s, uint8_t expiry[8], const uint8_t tag[8]) {
  uint8_t pad[8];
  mac8(s, 'E', tag, 8, NULL, 0, pad);
  for (int i = 0; i < 8; i++) expiry[i] ^= pad[i];
}

/* A nonce for client: hex(encrypted expiry, tag). */
static void make_nonce(const turn_server *s, int64_t now, const addr *client,
                       char out[NONCE_LEN + 1]) {
  uint8_t raw[16];
  wire_put64(raw, (uint64_t)(now + s->cfg.nonce_lifetime));
  nonce_tag(s, raw, client, raw + 8);
  crypt_expiry(s, raw, raw + 8);
  hex(raw, sizeof raw, out);
  out[NONCE_LEN] = '\0';
}

/* Whether n is a nonce made for client that has not expired. */
static bool nonce_valid(const turn_server *s, int64_t now, const addr *client,
                        const stun_bytes *n) {
  uint8_t raw[16], tag[8];
  if (n->len != NONCE_LEN || unhex(n->p, raw) != 0) return false;
  crypt_expiry(s, raw, raw + 8);
  nonce_tag(s, raw, client, tag);
  if (gnutls_memcmp(tag, raw + 8, sizeof tag) != 0) return false;
  return now < (int64_t)wire_get64(raw);
}

/* --- responses --------------------------------------------------------------- */

typedef struct reply { stun_writer w; uint8_t buf[OUT_CAP]; } reply;

static void begin(reply *r, const stun_msg *m, enum stun_class cls) {
  stun_begin(&r->w, r->buf, sizeof r->buf, m->method, cls, m->tid);
}

/* Ends a reply (with MESSAGE-INTEGRITY when key is given) and sends it. */
static void finish(turn_server *s, reply *r, const addr *client, const uint8_t *key) {
  if (key) stun_put_integrity(&r->w, key, 16);
  stun_put_fingerprint(&r->w);
  int n = stun_end(&r->w);
  if (n > 0) s->io.to_client(s->io.ctx, client, r->buf, (size_t)n);
}

static void error(turn_server *s, const stun_msg *m, const addr *client, int code,
                  const char *reason, const uint8_t *key) {
  reply r;
  begin(&r, m, STUN_ERROR);
  stun_put_error(&r.w, code, reason);
  if (code == 420) stun_put_unknown(&r.w, m->unknown, m->nunknown);
  s->st.errors++;
  finish(s, &r, client, key);
}

static void challenge(turn_server *s, int64_t now, const stun_msg *m, const addr *client,
                      int code) {
  char nonce[NONCE_LEN + 1];
  reply r;
  begin(&r, m, STUN_ERROR);
  stun_put_error(&r.w, code, code == 438 ? "Stale Nonce" : "Unauthorized");
  stun_put_str(&r.w, STUN_A_REALM, s->realm);
  make_nonce(s, now, client, nonce);
  stun_put_str(&r.w, STUN_A_NONCE, nonce);
  if (code == 438) s->st.stale_nonces++;
  else s->st.challenges++;
  finish(s, &r, client, NULL);
}

/* The long-term credential check. Returns the user, or NULL after
** answering with a challenge. */
static const user *authenticate(turn_server *s, int64_t now, const stun_msg *m,
                                const addr *client) {
  uint32_t need = STUN_HAS_USERNAME | STUN_HAS_REALM | STUN_HAS_NONCE | STUN_HAS_INTEGRITY;
  if ((m->present & need) != need) {
    challenge(s, now, m, client, 401);
    return NULL;
  }
  if (!nonce_valid(s, now, client, &m->nonce)) { /* expired, forged or another client's */
    challenge(s, now, m, client, 438);
    return NULL;
  }
  const user *u = NULL;
  for (int i = 0; i < s->nusers && !u; i++)
    if (strlen(s->users[i].name) == m->username.len &&
        memcmp(s->users[i].name, m->username.p, m->username.len) == 0)
      u = &s->users[i];
  bool realm_ok = m->realm.len == strlen(s->realm) && !memcmp(m->realm.p, s->realm, m->realm.len);
  if (!u || !realm_ok || stun_check_integrity(m, u->key, 16) != STUN_OK) {
    s->st.auth_failures++;
    challenge(s, now, m, client, 401);
    return NULL;
  }
  return u;
}

/* --- methods --------------------------------------------------------------- */

/* The desired lifetime (RFC 8656 sections 7.2 and 7.3): the default when
** none or a shorter one is asked, at most the maximum; 0 (a Refresh's
** delete) only when zero is asked and zero_ok. */
static int64_t lifetime_of(const stun_msg *m, bool zero_ok) {
  if (!(m->present & STUN_HAS_LIFETIME)) return TURN_ALLOCATION_LIFETIME;
  if (m->lifetime == 0 && zero_ok) return 0;
  int64_t t = (int64_t)m->lifetime * TURN_S;
  if (t < TURN_ALLOCATION_LIFETIME) return TURN_ALLOCATION_LIFETIME;
  if (t > TURN_MAX_LIFETIME) return TURN_MAX_LIFETIME;
  return t;
}

static void allocated(turn_server *s, const stun_msg *m, const alloc *a, int64_t now,
                      const addr *client) {
  reply r;
  begin(&r, m, STUN_SUCCESS);
  stun_put_xor_addr(&r.w, STUN_A_XOR_RELAYED_ADDRESS, &a->relayed);
  stun_put_u32(&r.w, STUN_A_LIFETIME, (uint32_t)((a->expiry - now) / TURN_S));
  stun_put_xor_addr(&r.w, STUN_A_XOR_MAPPED_ADDRESS, client);
  finish(s, &r, client, a->key);
}

static int reserve(turn_server *s) {
  if (s->nallocs < s->cap) return 0;
  int cap = s->cap * 2 + 8;
  alloc **grown = realloc(s->allocs, (size_t)cap * sizeof *grown);
  if (!grown) return -1;
  s->allocs = grown;
  s->cap = cap;
  return 0;
}

static bool over_quota(const turn_server *s, const addr *client, const user *u) {
  int by_user;
  int by_ip;
  if (!s->cfg.max_allocs_per_user && !s->cfg.max_allocs_per_ip) return false;
  holdings(s, u->name, client, &by_user, &by_ip);
  if (s->cfg.max_allocs_per_user && by_user >= s->cfg.max_allocs_per_user) return true;
  return s->cfg.max_allocs_per_ip && by_ip >= s->cfg.max_allocs_per_ip;
}

static void do_allocate(turn_server *s, int64_t now, const stun_msg *m, const addr *client,
                        const user *u) {
  alloc *a = by_client(s, client);
  if (a) {
    if (!memcmp(a->tid, m->tid, STUN_TID_LEN) && !strcmp(a->user, u->name))
      allocated(s, m, a, now, client); /* a retransmission */
    else error(s, m, client, 437, "Allocation Mismatch", u->key);
    return;
  }
  if (!(m->present & STUN_HAS_REQUESTED_TRANSPORT)) {
    error(s, m, client, 400, "Bad Request", u->key);
    return;
  }
  if (m->requested_transport != TURN_UDP) {
    error(s, m, client, 442, "Unsupported Transport Protocol", u->key);
    return;
  }
  if (over_quota(s, client, u)) {
    s->st.quota_refused++;
    error(s, m, client, 486, "Allocation Quota Reached", u->key);
    return;
  }
  alloc *n = calloc(1, sizeof *n);
  if (!n || reserve(s) != 0 || clients_reserve(s) != 0 || pick_relay(s, &n->relayed) != 0) {
    alloc_free(n);
    s->st.capacity_refused++;
    error(s, m, client, 508, "Insufficient Capacity", u->key);
    return;
  }
  n->client = *client;
  snprintf(n->user, sizeof n->user, "%s", u->name);
  memcpy(n->key, u->key, 16);
  memcpy(n->tid, m->tid, STUN_TID_LEN);
  set_expiry(s, n, now + lifetime_of(m, false));
  n->slot = s->nallocs;
  s->allocs[s->nallocs++] = n;
  s->clients[client_slot(s, client)] = n;
  s->by_port[n->relayed.port - s->cfg.port_min] = n;
  s->st.allocations++;
  allocated(s, m, n, now, client);
}

/* The allocation a request acts on, if the user owns it; else answers. */
static alloc *owned(turn_server *s, const stun_msg *m, const addr *client, const user *u) {
  alloc *a = by_client(s, client);
  if (!a) error(s, m, client, 437, "Allocation Mismatch", u->key);
  else if (strcmp(a->user, u->name) != 0) error(s, m, client, 441, "Wrong Credentials", u->key);
  else return a;
  return NULL;
}

static void ok(turn_server *s, const stun_msg *m, const addr *client, const uint8_t *key,
               int64_t lifetime) {
  reply r;
  begin(&r, m, STUN_SUCCESS);
  if (lifetime >= 0) stun_put_u32(&r.w, STUN_A_LIFETIME, (uint32_t)(lifetime / TURN_S));
  finish(s, &r, client, key);
}

static void do_refresh(turn_server *s, int64_t now, const stun_msg *m, const addr *client,
                       const user *u) {
  alloc *a = owned(s, m, client, u);
  if (!a) return;
  int64_t t = lifetime_of(m, true);
  uint8_t key[16];
  memcpy(key, a->key, 16);
  if (t == 0) drop_alloc(s, a->slot);
  else set_expiry(s, a, now + t);
  s->st.refreshes++;
  ok(s, m, client, key, t);
}

static void do_permission(turn_server *s, int64_t now, const stun_msg *m, const addr *client,
                          const user *u) {
  alloc *a = owned(s, m, client, u);
  if (!a) return;
  int found = 0;
  for (int i = 0; i < m->nattrs; i++) { /* every peer allowed, or none permitted */
    addr peer;
    if (m->attrs[i].type != STUN_A_XOR_PEER_ADDRESS) continue;
    if (stun_attr_xor_addr(m, i, &peer) == STUN_OK && !turn_server_peer_allowed(s, &peer)) {
      s->st.forbidden++;
      error(s, m, client, 403, "Forbidden", a->key);
      return;
    }
  }
  for (int i = 0; i < m->nattrs; i++) {
    addr peer;
    if (m->attrs[i].type != STUN_A_XOR_PEER_ADDRESS) continue;
    if (stun_attr_xor_addr(m, i, &peer) != STUN_OK || permit(s, a, &peer, now) != 0) {
      error(s, m, client, peer.family ? 508 : 400, peer.family ? "Insufficient Capacity"
                                                               : "Bad Request", a->key);
      return;
    }
    found++;
  }
  if (!found) error(s, m, client, 400, "Bad Request", a->key);
  else ok(s, m, client, a->key, -1);
}

static chan *channel_of(alloc *a, uint16_t number, const addr *peer, int64_t now) {
  for (int i = 0; i < a->nchans; i++) {
    chan *c = &a->chans[i];
    if (now < c->expiry && (c->number == number || (peer && addr_equal(&c->peer, peer))))
      return c;
  }
  return NULL;
}

static void do_channel_bind(turn_server *s, int64_t now, const stun_msg *m, const addr *client,
                            const user *u) {
  alloc *a = owned(s, m, client, u);
  if (!a) return;
  uint16_t ch = m->channel;
  chan *c = channel_of(a, ch, &m->xor_peer, now);
  bool bad = !(m->present & STUN_HAS_CHANNEL) || !(m->present & STUN_HAS_XOR_PEER) ||
             ch < TURN_CHANNEL_MIN || ch > TURN_CHANNEL_ACCEPT_MAX ||
             (c && (c->number != ch || !addr_equal(&c->peer, &m->xor_peer)));
  if (!c && !bad) {
    for (int i = 0; i < a->nchans && !c; i++)
      if (now >= a->chans[i].expiry) c = &a->chans[i];
    if (!c) {
      chan *t = grow_table(a->chans, &a->cap_chans, a->nchans + 1, FIRST_SLOTS, MAX_CHANS,
                           sizeof *t);
      if (t) { /* NULL: MAX_CHANS already, or out of memory */
        a->chans = t;
        c = &a->chans[a->nchans++];
      }
    }
    if (c) s->st.channels++;
  }
  if (!bad && !turn_server_peer_allowed(s, &m->xor_peer)) {
    s->st.forbidden++;
    error(s, m, client, 403, "Forbidden", a->key);
    return;
  }
  if (bad || !c || permit(s, a, &m->xor_peer, now) != 0) {
    error(s, m, client, 400, "Bad Request", a->key);
    return;
  }
  *c = (chan){ch, m->xor_peer, now + TURN_CHANNEL_LIFETIME};
  ok(s, m, client, a->key, -1);
}

/* --- relaying ---------------------------------------------------------------- */

/* Whether peer is the server itself: its listening address, or a port of
** its relay IP without an allocation that no given rule allows. */
static bool to_itself(const turn_server *s, const addr *peer) {
  if (s->cfg.listen.family && addr_equal(peer, &s->cfg.listen)) return true;
  if (!ip_equal(peer, &s->cfg.relay)) return false;
  if (by_relayed(s, peer)) return false;
  const rule *r = rule_for(s, peer);
  return !r || !r->given || !r->allow;
}

static void relay_out(turn_server *s, alloc *a, const addr *peer, const uint8_t *data,
                      size_t len, int64_t now) {
  if (!find_perm(a, peer, now)) {
    s->st.dropped_no_permission++;
    return;
  }
  if (to_itself(s, peer)) {
    s->st.dropped_policy++;
    return;
  }
  s->st.to_peers++;
  s->st.bytes_relayed += len;
  s->io.to_peer(s->io.ctx, &a->relayed, peer, data, len);
}

static void on_send(turn_server *s, int64_t now, const stun_msg *m, const addr *client) {
  alloc *a = by_client(s, client);
  if (a && (m->present & STUN_HAS_XOR_PEER) && (m->present & STUN_HAS_DATA))
    relay_out(s, a, &m->xor_peer, m->data.p, m->data.len, now);
  else
    s->st.dropped_malformed++;
}

static void on_channel_data(turn_server *s, int64_t now, const addr *client,
                            const uint8_t *data, size_t len) {
  uint16_t ch;
  const uint8_t *payload;
  size_t n;
  alloc *a = by_client(s, client);
  chan *c = NULL;
  if (a && turn_channel_decode(data, len, &ch, &payload, &n) == 0)
    c = channel_of(a, ch, NULL, now);
  if (!c) {
    s->st.dropped_malformed++;
    return;
  }
  relay_out(s, a, &c->peer, payload, n, now);
}

void turn_server_recv(turn_server *s, int64_t now, const addr *client, const uint8_t *data,
                      size_t len) {
  expire(s, now);
  if (turn_is_channel_data(data, len)) {
    on_channel_data(s, now, client, data, len);
    return;
  }
  stun_msg m;
  int rc = stun_decode(data, len, &m);
  if (rc != STUN_OK && rc != STUN_EUNKNOWN) {
    s->st.dropped_malformed++;
    return;
  }
  if (m.cls == STUN_INDICATION && m.method == STUN_SEND) on_send(s, now, &m, client);
  if (m.cls != STUN_REQUEST) return;
  if (rc == STUN_EUNKNOWN) {
    error(s, &m, client, 420, "Unknown Attribute", NULL);
    return;
  }
  const user *u = authenticate(s, now, &m, client);
  if (!u) return;
  switch (m.method) {
  case STUN_ALLOCATE: do_allocate(s, now, &m, client, u); break;
  case STUN_REFRESH: do_refresh(s, now, &m, client, u); break;
  case STUN_CREATE_PERMISSION: do_permission(s, now, &m, client, u); break;
  case STUN_CHANNEL_BIND: do_channel_bind(s, now, &m, client, u); break;
  default: error(s, &m, client, 400, "Bad Request", u->key);
  }
}

void turn_server_recv_relay(turn_server *s, int64_t now, const addr *relayed, const addr *peer,
                            const uint8_t *data, size_t len) {
  expire(s, now);
  alloc *a = by_relayed(s, relayed);
  if (!a || !find_perm(a, peer, now)) {
    s->st.dropped_no_permission++;
    return;
  }
  uint8_t out[OUT_CAP];
  int n;
  chan *c = channel_of(a, 0, peer, now);
  if (c) {
    n = turn_channel_encode(c->number, data, len, out, sizeof out);
  } else {
    uint8_t tid[STUN_TID_LEN] = {0}; /* indications need no unique ID: a counter */
    stun_writer w;
    memcpy(tid, &s->st.from_peers, sizeof s->st.from_peers);
    stun_begin(&w, out, sizeof out, STUN_DATA, STUN_INDICATION, tid);
    stun_put_xor_addr(&w, STUN_A_XOR_PEER_ADDRESS, peer);
    stun_put(&w, STUN_A_DATA, data, len);
    n = stun_end(&w);
  }
  if (n <= 0) return;
  s->st.from_peers++;
  s->st.bytes_relayed += len;
  s->io.to_client(s->io.ctx, &a->client, out, (size_t)n);
}
