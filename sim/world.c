/* world.c: topology building, address plans, the NAT hook, counters. */
#include "world.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "idmap.h"
#include "pcp.h"
#include "pcp_server.h"
#include "rng.h"

#define PUBLIC_POOL 0xC6120000u  /* 198.18.0.0: auto public addresses */
#define DEFAULT_LAN 0xC0A80100u  /* 192.168.1.0/24 */
#define FALLBACK_LAN 0x0A000000u /* 10.0.0.0/24, when the uplink is in 192.168.1/24 */
#define REAL_UPLINK 0xA9FE0002u  /* 169.254.0.2: a real host's node, on its uplink */

typedef struct node {
  char name[64];
  int sim, parent, link;
  uint32_t addrs[WORLD_MAX_ADDRS];
  int naddrs;
  world_counters counters;
  bool real;         /* a real host: a namespace beyond a TAP device */
  /* NATs only */
  nat *nat;
  nat_model *model;
  uint32_t wan_iface;
  uint32_t lan, lan_mask, next_lan;
  uint64_t non_udp;
  int pcp_sock;      /* the PCP server's, or -1 */
  struct world *w;
} node;

typedef struct sock {
  node *owner;
  int node, sim;
  world_recv_fn fn;
  void *ctx;
  world_counters counters;
} sock;

/* What world_pcap turned on. */
typedef struct pcap_state {
  char *dir;                  /* NULL: off */
  char prefix[64];
  int tag;
  world_capture *list;
  size_t n, cap;
} pcap_state;

struct world {
  uint64_t seed;
  pcap_state pcap;
  int core; /* the core router's sim node */
  uint32_t next_public;
  node **nodes;
  size_t nnodes, cap;
  idmap by_addr; /* (parent + 1) << 32 | address -> node index */
  idmap by_name; /* name_hash(name) -> node index (the last of a hash) */
  sock **socks;
  size_t nsocks, sock_cap;
  bool failed;
  char error[1024]; /* the first failure, cut short to fit */
};

world *world_new(uint64_t seed) {
  world *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->seed = seed;
  w->next_public = PUBLIC_POOL + 1;
  w->core = -1;
  idmap_init(&w->by_addr);
  idmap_init(&w->by_name);
  if (sim_init(seed) == 0) w->core = sim_node_new();
  if (w->core >= 0) return w;
  sim_destroy();
  free(w);
  return NULL;
}

void world_free(world *w) {
  if (!w) return;
  sim_destroy(); /* first: no packet may reach a freed NAT */
  for (size_t i = 0; i < w->nnodes; i++) {
    node *n = w->nodes[i];
    nat_free(n->nat);
    if (n->model) nat_model_release(n->model);
    free(n->model);
    free(n);
  }
  for (size_t i = 0; i < w->nsocks; i++) free(w->socks[i]);
  free(w->nodes);
  idmap_free(&w->by_addr);
  idmap_free(&w->by_name);
  free(w->socks);
  free(w->pcap.dir);
  free(w->pcap.list);
  free(w);
}

void world_fail(world *w, const char *fmt, ...) {
  if (w->failed) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->error, sizeof w->error, fmt, ap);
  va_end(ap);
  w->failed = true;
  sim_stop();
}

const char *world_error(const world *w) { return w->failed ? w->error : NULL; }

/* --- address plans ------------------------------------------------------- */

static uint64_t addr_key(uint32_t ip, int parent) {
  return (uint64_t)(uint32_t)(parent + 1) << 32 | ip;
}

/* FNV-1a of a node's name. */
static uint64_t name_hash(const char *name) {
  uint64_t h = 14695981039346656037ull;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    h ^= *p;
    h *= 1099511628211ull;
  }
  return h;
}

/* The node with address ip on parent's network, or NULL. */
static node *owner_of(const world *w, uint32_t ip, int parent) {
  int i = idmap_get(&w->by_addr, addr_key(ip, parent));
  return i < 0 ? NULL : w->nodes[i];
}

uint32_t world_public_ip(uint32_t k) {
  uint32_t ip = PUBLIC_POOL + k;
  return ip >= WORLD_CORE_ADDR ? ip + 1 : ip;
}

/* The next free address: from the public pool, or from the parent's LAN. */
static int next_addr(world *w, int parent, uint32_t *ip, char *err, size_t len) {
  if (parent == WORLD_CORE) {
    while (w->next_public == WORLD_CORE_ADDR || owner_of(w, w->next_public, WORLD_CORE))
      w->next_public++;
    *ip = w->next_public++;
    return 0;
  }
  node *p = w->nodes[parent];
  while (owner_of(w, p->next_lan, parent)) p->next_lan++;
  if ((p->next_lan & p->lan_mask) != p->lan || (p->next_lan | p->lan_mask) == UINT32_MAX) {
    char a[16];
    snprintf(err, len, "NAT '%s': its LAN %s/%d is full", p->name,
             addr_format_ip4(p->lan, a, sizeof a), __builtin_popcount(p->lan_mask));
    return -1;
  }
  *ip = p->next_lan++;
  return 0;
}

static int check_name(world *w, const char *name, char *err, size_t len) {
  if (!name || !*name || strlen(name) >= sizeof ((node *)0)->name) {
    snprintf(err, len, "a node needs a name of 1 to 63 characters");
    return -1;
  }
  int i = idmap_get(&w->by_name, name_hash(name));
  bool taken = i >= 0 && strcmp(w->nodes[i]->name, name) == 0;
  /* Another name of the same hash: look at every node. */
  for (size_t k = 0; i >= 0 && !taken && k < w->nnodes; k++)
    taken = strcmp(w->nodes[k]->name, name) == 0;
  if (taken) {
    snprintf(err, len, "the name '%s' is already taken", name);
    return -1;
  }
  return 0;
}

static int plan_addrs(world *w, const world_node_opts *o, node *n, char *err,
                      size_t len) {
  for (int k = 0; k < WORLD_MAX_ADDRS && o->addrs[k]; k++) {
    node *other = owner_of(w, o->addrs[k], o->parent);
    char a[16];
    addr_format_ip4(o->addrs[k], a, sizeof a);
    if (other) {
      snprintf(err, len, "address %s is already used by '%s'", a, other->name);
      return -1;
    }
    if (o->parent == WORLD_CORE && o->addrs[k] == WORLD_CORE_ADDR) {
      snprintf(err, len, "address %s is the core router's", a);
      return -1;
    }
    if (o->parent != WORLD_CORE) {
      node *p = w->nodes[o->parent];
      if ((o->addrs[k] & p->lan_mask) != p->lan) {
        snprintf(err, len, "address %s is not in the LAN of NAT '%s'", a, p->name);
        return -1;
      }
    }
    n->addrs[n->naddrs++] = o->addrs[k];
  }
  if (n->naddrs == 0 && next_addr(w, o->parent, &n->addrs[n->naddrs++], err, len))
    return -1;
  return 0;
}

/* --- building -------------------------------------------------------------- */

/* Room in *arr (capacity *cap) for one more than n items of `size` bytes,
** doubling from 16. 0, or -1 when memory runs out (*arr stays as it was). */
static int reserve(void **arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return 0;
  size_t more = *cap ? *cap * 2 : 16;
  void *p = realloc(*arr, more * size);
  if (!p) return -1;
  *arr = p;
  *cap = more;
  return 0;
}

/* Lists n, and its name and addresses in the maps. */
static int push_node(world *w, node *n) {
  void *nodes = w->nodes;
  if (reserve(&nodes, &w->cap, w->nnodes, sizeof *w->nodes) != 0 ||
      idmap_reserve(&w->by_addr, (size_t)n->naddrs) != 0 || idmap_reserve(&w->by_name, 1) != 0)
    return -1;
  w->nodes = nodes;
  int i = (int)w->nnodes++;
  w->nodes[i] = n;
  idmap_put(&w->by_name, name_hash(n->name), i);
  for (int k = 0; k < n->naddrs; k++) idmap_put(&w->by_addr, addr_key(n->addrs[k], n->parent), i);
  return i;
}

/* --- capture -------------------------------------------------------------- */

int world_pcap(world *w, const char *dir, const char *prefix, int tag) {
  free(w->pcap.dir);
  w->pcap.dir = NULL;
  if (!dir) return 0;
  w->pcap.dir = strdup(dir);
  if (!w->pcap.dir) return -1;
  snprintf(w->pcap.prefix, sizeof w->pcap.prefix, "%s", prefix ? prefix : "");
  w->pcap.tag = tag;
  return 0;
}

size_t world_captures(const world *w, const world_capture **list) {
  *list = w->pcap.list;
  return w->pcap.n;
}

/* s with the bytes a file name should not hold turned into '_'. */
static void safe_name(char *s) {
  for (; *s; s++)
    if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '-' || *s == '_')) *s = '_';
}

static bool file_taken(const pcap_state *p, const char *file) {
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->list[i].file, file) == 0) return true;
  return false;
}

/* natsim-PREFIXSTEM.pcap, or natsim-PREFIXSTEM-K.pcap for the first K >= 2 free. */
static void file_name(const pcap_state *p, const char *stem, char *file, size_t len) {
  char base[128];
  snprintf(base, sizeof base, "natsim-%s%s", p->prefix, stem);
  safe_name(base);
  snprintf(file, len, "%s.pcap", base);
  for (int k = 2; file_taken(p, file); k++) snprintf(file, len, "%s-%d.pcap", base, k);
}

/* Captures end `end` of link into a new file named for stem; c's file is set here. */
static void pcap_end(world *w, int link, int end, const char *stem, world_capture *c) {
  pcap_state *p = &w->pcap;
  void *list = p->list;
  if (reserve(&list, &p->cap, p->n, sizeof *p->list) != 0) {
    world_fail(w, "capture: out of memory");
    return;
  }
  p->list = list;
  c->tag = p->tag;
  file_name(p, stem, c->file, sizeof c->file);
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", p->dir, c->file);
  if (sim_link_pcap(link, end, path) == 0) p->list[p->n++] = *c;
}

/* Both ends of n's uplink, when capture is on. */
static void pcap_link(world *w, node *n, int index, uint32_t router) {
  if (!w->pcap.dir) return;
  world_capture up = {.node = index, .other = n->parent, .uplink = true};
  memcpy(up.addrs, n->addrs, sizeof up.addrs);
  up.naddrs = n->naddrs;
  char stem[160];
  snprintf(stem, sizeof stem, "%s-uplink", n->name);
  pcap_end(w, n->link, 0, stem, &up);
  world_capture down = {.node = n->parent, .other = index, .addrs = {router}, .naddrs = 1};
  snprintf(stem, sizeof stem, "%s-to-%s", world_node_name(w, n->parent), n->name);
  pcap_end(w, n->link, 1, stem, &down);
}

/* Creates the node's ns-3 side and its uplink; returns the uplink's iface.
** The uplink's losses draw from streams of the node's name: the same
** whatever else the world holds. A real host's addresses live in its
** namespace: its node only forwards, and its uplink carries REAL_UPLINK
** instead. */
static uint32_t attach(world *w, node *n, const sim_link_cfg *link, bool real) {
  int parent_sim = n->parent == WORLD_CORE ? w->core : w->nodes[n->parent]->sim;
  uint32_t up, down;
  sim_link_cfg own = *link;
  own.stream = (int64_t)(world_node_seed(w, n->name) >> 3) * 2 + 2;
  n->sim = sim_node_new();
  n->link = sim_link_new(n->sim, parent_sim, &own, &up, &down);
  /* ns-3 wants an address on every interface that forwards: the parent's
  ** side carries the router's own (the core's, or the NAT's LAN address). */
  uint32_t router = n->parent == WORLD_CORE ? WORLD_CORE_ADDR : w->nodes[n->parent]->lan + 1;
  sim_addr_add(parent_sim, down, router, 32);
  if (real) sim_addr_add(n->sim, up, REAL_UPLINK, 32);
  for (int k = 0; k < n->naddrs; k++) {
    if (!real) sim_addr_add(n->sim, up, n->addrs[k], 32);
    sim_route_add(parent_sim, n->addrs[k], 32, down);
  }
  sim_route_add(n->sim, 0, 0, up);
  pcap_link(w, n, (int)w->nnodes - 1, router);
  return up;
}

static node *new_node(world *w, const world_node_opts *o, char *err, size_t len) {
  if (check_name(w, o->name, err, len)) return NULL;
  if (o->parent != WORLD_CORE &&
      (o->parent < 0 || (size_t)o->parent >= w->nnodes || !w->nodes[o->parent]->nat)) {
    snprintf(err, len, "'%s' can only be placed behind a NAT", o->name);
    return NULL;
  }
  if (o->link.loss < 0 || o->link.loss > 1 || o->link.delay < 0) {
    snprintf(err, len, "'%s': link loss must be in [0, 1], delay >= 0", o->name);
    return NULL;
  }
  node *n = calloc(1, sizeof *n);
  if (!n) {
    snprintf(err, len, "out of memory");
    return NULL;
  }
  snprintf(n->name, sizeof n->name, "%s", o->name);
  n->parent = o->parent;
  n->w = w;
  if (plan_addrs(w, o, n, err, len) != 0 || push_node(w, n) < 0) {
    free(n);
    return NULL;
  }
  return n;
}

int world_host(world *w, const world_node_opts *o, char *err, size_t len) {
  node *n = new_node(w, o, err, len);
  if (!n) return -1;
  attach(w, n, &o->link, false);
  return (int)w->nnodes - 1;
}

int world_real_host(world *w, const world_node_opts *o, int fd, uint32_t gateway, char *err,
                    size_t len) {
  if (!sim_is_realtime()) {
    snprintf(err, len, "'%s': a real host needs a simulation in real time", o->name);
    return -1;
  }
  node *n = new_node(w, o, err, len);
  if (!n) return -1;
  attach(w, n, &o->link, true);
  int iface = sim_fd_new(n->sim, fd, gateway);
  for (int k = 0; k < n->naddrs; k++) sim_route_add(n->sim, n->addrs[k], 32, (uint32_t)iface);
  n->real = true;
  return (int)w->nnodes - 1;
}

bool world_is_real(const world *w, int index) {
  return index >= 0 && (size_t)index < w->nnodes && w->nodes[index]->real;
}

static sim_verdict nat_hook(void *ctx, sim_pkt *p) {
  node *n = ctx;
  if (p->proto != 17) {
    n->non_udp++;
    return SIM_DROP;
  }
  if (p->iface != n->wan_iface && (p->dst_ip & n->lan_mask) == n->lan)
    return SIM_PASS; /* to the NAT itself, or between its inside hosts: routed untouched */
  nat_flow f = {p->src_ip, p->dst_ip, p->src_port, p->dst_port};
  enum nat_drop r = p->iface == n->wan_iface
                        ? nat_inbound(n->nat, sim_now(), &f)
                        : nat_outbound(n->nat, sim_now(), &f);
  if (r == NAT_HOOK_ERROR)
    world_fail(n->w, "%s: %s", n->model->source, nat_error(n->nat));
  if (r != NAT_OK) return SIM_DROP;
  p->src_ip = f.src_ip;
  p->src_port = f.src_port;
  p->dst_ip = f.dst_ip;
  p->dst_port = f.dst_port;
  return SIM_REWRITE;
}

static void plan_lan(node *n, const world_node_opts *o) {
  if (o->lan) {
    n->lan_mask = o->lan_prefix ? ~0u << (32 - o->lan_prefix) : 0;
    n->lan = o->lan & n->lan_mask;
  } else {
    n->lan_mask = 0xFFFFFF00u;
    n->lan = (n->addrs[0] & n->lan_mask) == DEFAULT_LAN ? FALLBACK_LAN : DEFAULT_LAN;
  }
  n->next_lan = n->lan + 2; /* .0 is the network, .1 the NAT itself */
}

/* The NAT's PCP server, on its inside address. */
static void on_pcp(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  node *n = ctx;
  uint8_t out[256];
  size_t k = pcp_server_handle(n->nat, n->addrs[0], sim_now(), (uint32_t)(sim_now() / SIM_NS_PER_S),
                               ip, data, len, out, sizeof out);
  if (k) world_send(n->w, n->pcp_sock, ip, port, out, k);
}

int world_nat(world *w, const world_node_opts *o, const nat_model *m, char *err,
              size_t len) {
  nat_model own = *m;
  if (o->lan && (o->lan_prefix < 8 || o->lan_prefix > 30)) {
    snprintf(err, len, "'%s': lan prefix must be from /8 to /30", o->name);
    nat_model_release(&own);
    return -1;
  }
  node *n = new_node(w, o, err, len);
  if (n) n->model = malloc(sizeof *n->model);
  if (!n || !n->model) {
    if (n) snprintf(err, len, "'%s': out of memory", o->name);
    nat_model_release(&own);
    return -1;
  }
  *n->model = own; /* from here on world_free releases it */
  n->nat = nat_new(&n->model->cfg, n->addrs[0], world_node_seed(w, o->name));
  if (!n->nat) {
    snprintf(err, len, "'%s': the NAT model is not usable", o->name);
    return -1; /* the node stays listed; world_free releases it */
  }
  plan_lan(n, o);
  n->wan_iface = attach(w, n, &o->link, false);
  sim_node_hook(n->sim, nat_hook, n);
  int index = (int)w->nnodes - 1;
  n->pcp_sock = -1;
  if (m->pcp && (n->pcp_sock = world_udp(w, index, 0, PCP_PORT, on_pcp, n, err, len)) < 0)
    return -1;
  return index;
}

uint64_t world_node_seed(const world *w, const char *name) {
  rng r;
  rng_seed(&r, w->seed, name_hash(name)); /* the name's stream */
  return rng_u64(&r);
}

int world_nat_file(world *w, const nat_model_loader *ld, const char *path, const char *name,
                   int parent, bool cgn, uint32_t ip, const sim_link_cfg *link, char *err,
                   size_t len) {
  nat_model m;
  if (ld->load(ld->ctx, path, world_node_seed(w, name), &m, err, len) != 0) return -1;
  world_node_opts o = {.name = name, .addrs = {ip}, .parent = parent, .link = *link};
  if (cgn) {
    o.lan = 0x64400000u; /* 100.64.0.0/10, RFC 6598 */
    o.lan_prefix = 10;
  }
  return world_nat(w, &o, &m, err, len);
}

/* --- inspection ------------------------------------------------------------ */

size_t world_node_count(const world *w) { return w->nnodes; }
const char *world_node_name(const world *w, int i) {
  return i == WORLD_CORE ? "core" : w->nodes[i]->name;
}
bool world_is_nat(const world *w, int i) { return w->nodes[i]->nat != NULL; }
int world_node_parent(const world *w, int i) { return w->nodes[i]->parent; }
nat *world_nat_engine(world *w, int i) { return w->nodes[i]->nat; }
const nat_model *world_nat_model(const world *w, int i) { return w->nodes[i]->model; }
uint64_t world_nat_non_udp(const world *w, int i) { return w->nodes[i]->non_udp; }
uint32_t world_nat_inside_ip(const world *w, int i) { return w->nodes[i]->lan + 1; }
world_counters world_host_counters(const world *w, int i) {
  return w->nodes[i]->counters;
}

int world_node_addrs(const world *w, int i, const uint32_t **addrs) {
  *addrs = w->nodes[i]->addrs;
  return w->nodes[i]->naddrs;
}

world_totals world_get_totals(const world *w) {
  world_totals t = {0};
  for (size_t i = 0; i < w->nnodes; i++) {
    node *n = w->nodes[i];
    t.sent += n->counters.sent;
    t.received += n->counters.received;
    t.lost += sim_link_lost(n->link);
    if (!n->nat) continue;
    const nat_stats *s = nat_get_stats(n->nat);
    for (int d = NAT_OK + 1; d < NAT_NDROP; d++) t.nat_dropped += s->dropped[d];
    t.nat_dropped += n->non_udp;
  }
  return t;
}

/* --- sockets --------------------------------------------------------------- */

static void on_recv(void *ctx, const uint8_t *data, size_t len, uint32_t ip,
                    uint16_t port) {
  sock *s = ctx;
  s->counters.received++;
  s->owner->counters.received++;
  s->fn(s->ctx, data, len, ip, port);
}

int world_udp(world *w, int host, uint32_t ip, uint16_t port, world_recv_fn fn,
              void *ctx, char *err, size_t len) {
  node *n = w->nodes[host];
  bool mine = ip == 0;
  for (int k = 0; k < n->naddrs; k++) mine |= n->addrs[k] == ip;
  if (!mine) {
    char a[16];
    snprintf(err, len, "'%s' has no address %s", n->name,
             addr_format_ip4(ip, a, sizeof a));
    return -1;
  }
  void *socks = w->socks;
  if (reserve(&socks, &w->sock_cap, w->nsocks, sizeof *w->socks) != 0) return -1;
  w->socks = socks;
  sock *s = calloc(1, sizeof *s);
  if (!s) return -1;
  *s = (sock){.owner = n, .node = host, .fn = fn, .ctx = ctx};
  s->sim = sim_udp_open(n->sim, ip, port, on_recv, s);
  if (s->sim < 0) {
    snprintf(err, len, "'%s': UDP port %u is already in use", n->name, port);
    free(s);
    return -1;
  }
  w->socks[w->nsocks++] = s;
  return (int)w->nsocks - 1;
}

int world_send(world *w, int i, uint32_t ip, uint16_t port, const uint8_t *data,
               size_t len) {
  sock *s = w->socks[i];
  if (sim_udp_send(s->sim, ip, port, data, len) != 0) return -1;
  s->counters.sent++;
  w->nodes[s->node]->counters.sent++;
  return 0;
}

uint16_t world_sock_port(const world *w, int i) { return sim_udp_port(w->socks[i]->sim); }
world_counters world_sock_counters(const world *w, int i) { return w->socks[i]->counters; }
void world_sock_close(world *w, int i) { sim_udp_close(w->socks[i]->sim); }
