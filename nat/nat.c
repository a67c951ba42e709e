/*
** nat.c: the NAT engine. Mappings live in two chained hash tables: one keyed
** by the inside endpoint (plus the destination, for address- or
** port-dependent mapping), one keyed by external port. Expired mappings are
** removed lazily when looked up, and all at once by a sweep that runs each
** time the table has doubled since the last one.
*/
#include "nat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define FIRST_BUCKETS 8 /* a home NAT holds a few mappings; the tables double as they fill */

typedef struct perm { /* a remote endpoint the mapping has sent to */
  uint32_t ip;
  uint16_t port;
  int64_t last;
} perm;

typedef struct mapping {
  nat_flow key; /* src: the inside endpoint; dst: per the mapping policy */
  uint16_t ext_port;
  int64_t last; /* last refresh */
  int64_t until; /* explicit (PCP) mappings: they live until then, open to all */
  perm *perms;
  uint32_t nperms, cap;
  struct mapping *next_key, *next_port;
} mapping;

struct nat {
  nat_config cfg;
  uint32_t public_ip;
  rng rng;
  mapping **by_key, **by_port;
  size_t nbuckets, count, sweep_at;
  uint16_t last_port;
  uint16_t *retired;  /* ports not to give out again (nat_rebind) */
  size_t nretired;
  uint32_t blocked;   /* nat_block */
  nat_stats st;
  char err[200];
};

static const char *const drop_names[NAT_NDROP] = {
    "ok", "no_mapping", "filtered", "no_hairpin", "exhausted", "hook_error", "blocked"};

const char *nat_drop_name(enum nat_drop d) {
  return d < NAT_NDROP ? drop_names[d] : "?";
}

int nat_config_check(const nat_config *c, char *err, size_t len) {
  const char *why = NULL;
  if (c->mapping > NAT_APD) why = "unknown mapping policy";
  else if (c->filtering > NAT_APD) why = "unknown filtering policy";
  else if (c->alloc > NAT_RANDOM) why = "unknown allocation policy";
  else if (c->port_min == 0 || c->port_min > c->port_max)
    why = "port range must satisfy 1 <= min <= max <= 65535";
  else if (c->stride == 0) why = "stride must be at least 1";
  else if (c->lifetime_ns <= 0) why = "mapping lifetime must be positive";
  if (why && err) snprintf(err, len, "%s", why);
  return why ? -1 : 0;
}

/* --- hash tables ------------------------------------------------------ */

static size_t hash_key(const nat_flow *k) {
  uint64_t h = (uint64_t)k->src_ip << 32 | (uint64_t)k->src_port << 16 |
               k->dst_port;
  h ^= (uint64_t)k->dst_ip * 0x9e3779b97f4a7c15ULL;
  h *= 0xff51afd7ed558ccdULL;
  return (size_t)(h ^ (h >> 29));
}

static size_t hash_port(uint16_t port) {
  return (size_t)(port * 0x9e3779b1u);
}

static bool key_equal(const nat_flow *a, const nat_flow *b) {
  return a->src_ip == b->src_ip && a->src_port == b->src_port &&
         a->dst_ip == b->dst_ip && a->dst_port == b->dst_port;
}

static void link_mapping(nat *n, mapping *m) {
  size_t mask = n->nbuckets - 1;
  mapping **kb = &n->by_key[hash_key(&m->key) & mask];
  mapping **pb = &n->by_port[hash_port(m->ext_port) & mask];
  m->next_key = *kb;
  *kb = m;
  m->next_port = *pb;
  *pb = m;
}

static int grow(nat *n) {
  size_t old = n->nbuckets, nb = old ? old * 2 : FIRST_BUCKETS;
  mapping **bk = calloc(nb, sizeof *bk), **bp = calloc(nb, sizeof *bp);
  if (!bk || !bp) {
    free(bk);
    free(bp);
    return -1;
  }
  mapping **ok = n->by_key, **op = n->by_port;
  n->by_key = bk;
  n->by_port = bp;
  n->nbuckets = nb;
  for (size_t i = 0; i < old; i++) {
    for (mapping *m = ok[i], *next; m; m = next) {
      next = m->next_key;
      link_mapping(n, m);
    }
  }
  free(ok);
  free(op);
  return 0;
}

static void unlink_mapping(nat *n, mapping *m) {
  size_t mask = n->nbuckets - 1;
  mapping **p = &n->by_key[hash_key(&m->key) & mask];
  while (*p != m) p = &(*p)->next_key;
  *p = m->next_key;
  p = &n->by_port[hash_port(m->ext_port) & mask];
  while (*p != m) p = &(*p)->next_port;
  *p = m->next_port;
  n->count--;
}

static void free_mapping(mapping *m) {
  free(m->perms);
  free(m);
}

static bool expired(const nat *n, int64_t last, int64_t now) {
  return now - last >= n->cfg.lifetime_ns;
}

static void expire(nat *n, mapping *m) {
  unlink_mapping(n, m);
  free_mapping(m);
  n->st.expired++;
}

static bool gone(const nat *n, const mapping *m, int64_t now) {
  return m->until ? now >= m->until : expired(n, m->last, now);
}

static mapping *find_by_key(nat *n, const nat_flow *key, int64_t now) {
  if (!n->nbuckets) return NULL;
  mapping *m = n->by_key[hash_key(key) & (n->nbuckets - 1)];
  while (m && !key_equal(&m->key, key)) m = m->next_key;
  if (m && gone(n, m, now)) {
    expire(n, m);
    return NULL;
  }
  return m;
}

static mapping *find_by_port(nat *n, uint16_t port, int64_t now) {
  if (!n->nbuckets) return NULL;
  mapping *m = n->by_port[hash_port(port) & (n->nbuckets - 1)];
  while (m && m->ext_port != port) m = m->next_port;
  if (m && gone(n, m, now)) {
    expire(n, m);
    return NULL;
  }
  return m;
}

static void sweep(nat *n, int64_t now) {
  for (size_t i = 0; i < n->nbuckets; i++) {
    for (mapping *m = n->by_key[i], *next; m; m = next) {
      next = m->next_key;
      if (gone(n, m, now)) expire(n, m);
    }
  }
}

/* --- lifecycle ----------------------------------------------------------- */

nat *nat_new(const nat_config *cfg, uint32_t public_ip, uint64_t seed) {
  if (nat_config_check(cfg, NULL, 0) != 0) return NULL;
  nat *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->cfg = *cfg;
  n->public_ip = public_ip;
  n->sweep_at = 64;
  rng_seed(&n->rng, seed, public_ip);
  if (grow(n) != 0) {
    free(n);
    return NULL;
  }
  return n;
}

void nat_flush(nat *n) {
  for (size_t i = 0; i < n->nbuckets; i++) {
    for (mapping *m = n->by_key[i], *next; m; m = next) {
      next = m->next_key;
      free_mapping(m);
    }
    n->by_key[i] = n->by_port[i] = NULL;
  }
  n->count = 0;
}

int nat_rebind(nat *n) {
  uint16_t *r = realloc(n->retired, (n->count ? n->count : 1) * sizeof *r);
  size_t k = 0;
  for (size_t i = 0; r && i < n->nbuckets; i++)
    for (mapping *m = n->by_key[i]; m; m = m->next_key) r[k++] = m->ext_port;
  if (r) n->retired = r;
  n->nretired = k;
  nat_flush(n);
  return r ? 0 : -1;
}

void nat_block(nat *n, uint32_t ip) { n->blocked = ip; }

void nat_free(nat *n) {
  if (!n) return;
  nat_flush(n);
  free(n->retired);
  free(n->by_key);
  free(n->by_port);
  free(n);
}

/* --- port allocation ----------------------------------------------------- */

static uint16_t wrap(const nat *n, uint32_t p) {
  uint32_t lo = n->cfg.port_min, span = (uint32_t)n->cfg.port_max - lo + 1;
  return (uint16_t)(lo + (p - lo) % span);
}

/* In use, or retired by a rebinding. */
static bool taken(nat *n, uint16_t p, int64_t now) {
  for (size_t i = 0; i < n->nretired; i++)
    if (n->retired[i] == p) return true;
  return find_by_port(n, p, now) != NULL;
}

/* First free port at start, start+step, ... then any free port at all. */
static int scan(nat *n, uint32_t start, uint32_t step, int64_t now) {
  uint32_t span = (uint32_t)n->cfg.port_max - n->cfg.port_min + 1;
  for (uint32_t i = 0; i < span; i++) {
    uint16_t p = wrap(n, start + i * step);
    if (!taken(n, p, now)) return p;
  }
  for (uint32_t i = 0; step != 1 && i < span; i++) {
    uint16_t p = wrap(n, start + i);
    if (!taken(n, p, now)) return p;
  }
  return -1;
}

static int hook_port(nat *n, const nat_flow *f, int64_t now) {
  nat_alloc_req req = {f->src_ip, f->src_port, f->dst_ip, f->dst_port,
                       n->last_port};
  int p = n->cfg.alloc_hook(n->cfg.hook_ctx, &req, n->err, sizeof n->err);
  if (p == -1) return -1;
  if (p < n->cfg.port_min || p > n->cfg.port_max) {
    snprintf(n->err, sizeof n->err,
             "allocate_port returned %d, outside port_range %u-%u", p,
             n->cfg.port_min, n->cfg.port_max);
    return -1;
  }
  if (find_by_port(n, (uint16_t)p, now)) {
    snprintf(n->err, sizeof n->err,
             "allocate_port returned %d, which is already in use", p);
    return -1;
  }
  return p;
}

/* Returns a free port, or -1 with *why set. */
static int allocate(nat *n, const nat_flow *f, int64_t now,
                    enum nat_drop *why) {
  const nat_config *c = &n->cfg;
  int p = -1;
  if (c->alloc_hook) {
    p = hook_port(n, f, now);
    *why = NAT_HOOK_ERROR;
    return p;
  }
  uint32_t next = n->last_port ? (uint32_t)n->last_port + c->stride
                               : c->port_min;
  switch (c->alloc) {
  case NAT_PRESERVE:
    if (f->src_port >= c->port_min && f->src_port <= c->port_max &&
        !taken(n, f->src_port, now))
      p = f->src_port;
    else
      p = scan(n, n->last_port ? n->last_port + 1u : c->port_min, 1, now);
    break;
  case NAT_SEQUENTIAL:
    p = scan(n, next, c->stride, now);
    break;
  case NAT_RANDOM:
    for (int i = 0; i < 32 && p < 0; i++) {
      uint16_t r = (uint16_t)rng_range(&n->rng, c->port_min, c->port_max);
      if (!taken(n, r, now)) p = r;
    }
    if (p < 0) p = scan(n, rng_range(&n->rng, c->port_min, c->port_max), 1, now);
    break;
  }
  *why = NAT_EXHAUSTED;
  return p;
}

/* --- translation --------------------------------------------------------- */

static nat_flow mapping_key(const nat *n, const nat_flow *f) {
  nat_flow k = {.src_ip = f->src_ip, .src_port = f->src_port};
  if (n->cfg.mapping != NAT_EI) k.dst_ip = f->dst_ip;
  if (n->cfg.mapping == NAT_APD) k.dst_port = f->dst_port;
  return k;
}

static int touch_perm(nat *n, mapping *m, uint32_t ip, uint16_t port,
                      int64_t now) {
  if (n->cfg.filtering == NAT_EI) return 0;
  uint32_t live = 0;
  for (uint32_t i = 0; i < m->nperms; i++) {
    perm *p = &m->perms[i];
    if (p->ip == ip && p->port == port) {
      p->last = now;
      return 0;
    }
    if (!expired(n, p->last, now)) m->perms[live++] = *p;
  }
  m->nperms = live;
  if (m->nperms == m->cap) {
    uint32_t cap = m->cap ? m->cap * 2 : 4;
    perm *np = realloc(m->perms, cap * sizeof *np);
    if (!np) return -1;
    m->perms = np;
    m->cap = cap;
  }
  m->perms[m->nperms++] = (perm){ip, port, now};
  return 0;
}

static perm *allowed(nat *n, mapping *m, uint32_t ip, uint16_t port,
                     int64_t now) {
  for (uint32_t i = 0; i < m->nperms; i++) {
    perm *p = &m->perms[i];
    if (p->ip == ip && (n->cfg.filtering == NAT_AD || p->port == port) &&
        !expired(n, p->last, now))
      return p;
  }
  return NULL;
}

static mapping *create(nat *n, const nat_flow *key, int64_t now,
                       enum nat_drop *why) {
  if (n->count >= n->sweep_at) {
    sweep(n, now);
    n->sweep_at = n->count * 2 > 64 ? n->count * 2 : 64;
  }
  int port = allocate(n, key, now, why);
  if (port < 0) return NULL;
  mapping *m = calloc(1, sizeof *m);
  if (!m || (n->count >= n->nbuckets && grow(n) != 0)) {
    free(m);
    *why = NAT_EXHAUSTED;
    return NULL;
  }
  m->key = *key;
  m->ext_port = (uint16_t)port;
  n->last_port = (uint16_t)port;
  link_mapping(n, m);
  n->count++;
  n->st.created++;
  return m;
}

static enum nat_drop inbound(nat *n, int64_t now, nat_flow *f) {
  if (n->blocked && f->src_ip == n->blocked) return NAT_BLOCKED;
  mapping *m = f->dst_ip == n->public_ip ? find_by_port(n, f->dst_port, now)
                                         : NULL;
  if (!m) return NAT_NO_MAPPING;
  perm *p = NULL;
  if (n->cfg.filtering != NAT_EI && !m->until) {
    p = allowed(n, m, f->src_ip, f->src_port, now);
    if (!p) return NAT_FILTERED;
  }
  if (n->cfg.refresh_inbound) {
    m->last = now;
    if (p) p->last = now;
  }
  f->dst_ip = m->key.src_ip;
  f->dst_port = m->key.src_port;
  return NAT_OK;
}

static enum nat_drop outbound(nat *n, int64_t now, nat_flow *f) {
  if (n->blocked && f->dst_ip == n->blocked) return NAT_BLOCKED;
  nat_flow key = mapping_key(n, f), own = {.src_ip = f->src_ip, .src_port = f->src_port};
  enum nat_drop why = NAT_OK;
  mapping *m = find_by_key(n, &own, now); /* an explicit mapping serves every destination */
  if (!m || !m->until) m = find_by_key(n, &key, now);
  if (!m && !(m = create(n, &key, now, &why))) return why;
  m->last = now;
  if (touch_perm(n, m, f->dst_ip, f->dst_port, now) != 0) return NAT_EXHAUSTED;
  f->src_ip = n->public_ip;
  f->src_port = m->ext_port;
  if (f->dst_ip != n->public_ip) return NAT_OK;
  if (!n->cfg.hairpin) return NAT_NO_HAIRPIN;
  n->st.hairpin++; /* looped back; inbound filtering still applies */
  return inbound(n, now, f);
}

int nat_map_explicit(nat *n, int64_t now, uint32_t ip, uint16_t port, int64_t lifetime,
                     uint16_t *ext_port) {
  nat_flow key = {.src_ip = ip, .src_port = port};
  enum nat_drop why;
  mapping *m = find_by_key(n, &key, now);
  if (lifetime <= 0) { /* deleting: only an explicit mapping */
    if (m && m->until) expire(n, m);
    *ext_port = 0;
    return 0;
  }
  if (!m && !(m = create(n, &key, now, &why))) return -1;
  m->last = now;
  m->until = now + lifetime;
  *ext_port = m->ext_port;
  return 0;
}

enum nat_drop nat_outbound(nat *n, int64_t now, nat_flow *f) {
  bool hairpin = f->dst_ip == n->public_ip;
  enum nat_drop r = outbound(n, now, f);
  if (r != NAT_OK) n->st.dropped[r]++;
  else if (!hairpin) n->st.out++;
  return r;
}

enum nat_drop nat_inbound(nat *n, int64_t now, nat_flow *f) {
  enum nat_drop r = inbound(n, now, f);
  if (r != NAT_OK) n->st.dropped[r]++;
  else n->st.in++;
  return r;
}

/* --- inspection ---------------------------------------------------------- */

size_t nat_mapping_count(nat *n, int64_t now) {
  sweep(n, now);
  return n->count;
}

void nat_foreach(nat *n, int64_t now, nat_mapping_fn fn, void *ctx) {
  sweep(n, now);
  for (size_t i = 0; i < n->nbuckets; i++)
    for (mapping *m = n->by_key[i]; m; m = m->next_key)
      fn(ctx, m->key.src_ip, m->key.src_port, m->ext_port, m->key.dst_ip,
         m->key.dst_port);
}

const nat_stats *nat_get_stats(const nat *n) { return &n->st; }
uint32_t nat_public_ip(const nat *n) { return n->public_ip; }
const char *nat_error(const nat *n) { return n->err; }
