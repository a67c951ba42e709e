/* classify.c: discovery against each model in a small simulated network. */
#include "classify.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disc_json.h"
#include "discovery.h"
#include "json.h"
#include "stun_server.h"
#include "world.h"

#define SERVER_A1 0xCB00710Au /* 203.0.113.10 */
#define SERVER_A2 0xCB007114u /* 203.0.113.20 */
#define PORT_P1 3478
#define PORT_P2 3479
#define RUN_LIMIT (3600 * SIM_NS_PER_S)

/* What the model (or the pair, for NAT444) should look like from outside. */
typedef struct expect {
  enum nat_mapping mapping, filtering;
  const char *allocation; /* "scripted" when a hook decides */
  int stride;
  bool hairpin;
  int64_t lifetime;
} expect;

typedef struct run {
  world *w;
  disc *d;
  stun_server srv;
  int srv_socks[4], cli_socks[96 + 8];
  uint64_t timer;
} run;

typedef struct sock_ctx { run *r; int index; } sock_ctx;

/* --- the server and the client, glued to the world ------------------------ */

static void server_recv(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  sock_ctx *s = ctx;
  uint8_t out[1280];
  int out_sock;
  addr from = addr_v4(ip, port), to;
  size_t n = stun_server_handle(&s->r->srv, s->index, &from, data, len, out, sizeof out,
                                &out_sock, &to);
  if (n) world_send(s->r->w, s->r->srv_socks[out_sock], addr_v4_ip(&to), to.port, out, n);
}

static void reschedule(run *r);

static void on_timer(void *arg) {
  run *r = arg;
  r->timer = 0;
  disc_tick(r->d, sim_now());
  reschedule(r);
}

static void reschedule(run *r) {
  if (disc_done(r->d)) sim_stop();
  r->timer = sim_rearm(r->timer, disc_done(r->d) ? INT64_MAX : disc_deadline(r->d), on_timer, r);
}

static void client_recv(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  sock_ctx *s = ctx;
  addr from = addr_v4(ip, port);
  disc_recv(s->r->d, sim_now(), s->index, &from, data, len);
  reschedule(s->r);
}

static void client_send(void *ctx, int sock, const addr *dst, const uint8_t *data, size_t len) {
  run *r = ctx;
  world_send(r->w, r->cli_socks[sock], addr_v4_ip(dst), dst->port, data, len);
}

/* --- building ---------------------------------------------------------------- */

static int build(run *r, const classify_opts *o, const char *model,
                 sock_ctx *ctxs, char *err, size_t len) {
  world *w = r->w;
  sim_link_cfg lossy = {.delay = 10000000, .loss = o->loss};
  world_node_opts so = {.name = "stun-server", .addrs = {SERVER_A1, SERVER_A2},
                        .parent = WORLD_CORE, .link = lossy};
  int server = world_host(w, &so, err, len);
  int parent = WORLD_CORE;
  sim_link_cfg uplink = {.delay = 5000000};
  if (o->behind &&
      (parent = world_nat_file(w, &o->loader, o->behind, "cgn", WORLD_CORE, true, 0, &uplink, err, len)) < 0)
    return -1;
  int home = world_nat_file(w, &o->loader, model, "nat", parent, false, 0, &uplink, err, len);
  if (server < 0 || home < 0) return -1;
  world_node_opts co = {.name = "client", .parent = home, .link = lossy};
  co.link.delay = 1000000;
  int client = world_host(w, &co, err, len);
  if (client < 0) return -1;
  const uint32_t ips[4] = {SERVER_A1, SERVER_A1, SERVER_A2, SERVER_A2};
  const uint16_t ports[4] = {PORT_P1, PORT_P2, PORT_P1, PORT_P2};
  for (int k = 0; k < 4; k++) {
    ctxs[k] = (sock_ctx){r, k};
    r->srv_socks[k] = world_udp(w, server, ips[k], ports[k], server_recv, &ctxs[k], err, len);
    if (r->srv_socks[k] < 0) return -1;
  }
  addr a1 = addr_v4(SERVER_A1, PORT_P1), a2 = addr_v4(SERVER_A2, PORT_P2);
  stun_server_init(&r->srv, &a1, &a2);
  const uint32_t *caddr;
  world_node_addrs(w, client, &caddr);
  for (int k = 0; k < disc_sockets(r->d); k++) {
    ctxs[4 + k] = (sock_ctx){r, k};
    r->cli_socks[k] = world_udp(w, client, 0, 0, client_recv, &ctxs[4 + k], err, len);
    if (r->cli_socks[k] < 0) return -1;
    addr local = addr_v4(caddr[0], world_sock_port(w, r->cli_socks[k]));
    disc_set_local(r->d, k, &local);
  }
  return 0;
}

/* --- expectations ----------------------------------------------------------- */

static expect expect_of(const nat_model *inner, const nat_model *outer) {
  const nat_config *i = &inner->cfg, *o = outer ? &outer->cfg : NULL;
  expect e = {i->mapping, i->filtering, NULL, i->stride, i->hairpin, i->lifetime_ns};
  const nat_config *alloc = i;
  if (o) {
    if (o->mapping > e.mapping) e.mapping = o->mapping;
    if (o->filtering > e.filtering) e.filtering = o->filtering;
    if (o->alloc != NAT_PRESERVE || o->alloc_hook) alloc = o;
    e.hairpin = o->hairpin;
    if (o->lifetime_ns < e.lifetime) e.lifetime = o->lifetime_ns;
  }
  e.allocation = alloc->alloc_hook ? "scripted" : nat_alloc_name(alloc->alloc);
  e.stride = alloc->stride;
  return e;
}

static bool matches(const expect *e, const disc_result *r, bool lifetime) {
  if (r->status != DISC_OK) return false;
  bool ok = strcmp(nat_policy_name(e->mapping), disc_behaviour_name(r->mapping)) == 0 &&
            strcmp(nat_policy_name(e->filtering), disc_behaviour_name(r->filtering)) == 0;
  if (strcmp(e->allocation, "scripted") != 0) {
    ok = ok && strcmp(e->allocation, disc_alloc_name(r->allocation)) == 0;
    if (r->allocation == DISC_SEQUENTIAL) ok = ok && r->stride == e->stride;
  }
  if (r->hairpin_observable) ok = ok && r->hairpinning == e->hairpin;
  if (lifetime) ok = ok && r->lifetime_lo < e->lifetime && r->lifetime_hi >= e->lifetime;
  return ok;
}

/* --- output ------------------------------------------------------------------- */

static const char *abbrev(const char *policy) {
  if (!strcmp(policy, "endpoint-independent")) return "EI";
  if (!strcmp(policy, "address-dependent")) return "AD";
  if (!strcmp(policy, "address-and-port-dependent")) return "APD";
  return policy;
}

typedef struct row {
  char model[96];
  expect e;
  disc_result r;
  bool match;
} row;

static void print_table(const row *rows, int n, const classify_opts *o) {
  printf("%-26s %-22s %-22s %-8s %-21s %5s %8s  %s\n", "model", "configured", "discovered",
         "hairpin", "type", "STUN", "virtual", "verdict");
  for (int i = 0; i < n; i++) {
    const row *x = &rows[i];
    char cfg[64], got[64], hp[16];
    snprintf(cfg, sizeof cfg, "%s/%s/%s", abbrev(nat_policy_name(x->e.mapping)),
             abbrev(nat_policy_name(x->e.filtering)), x->e.allocation);
    snprintf(got, sizeof got, "%s/%s/%s", abbrev(disc_behaviour_name(x->r.mapping)),
             abbrev(disc_behaviour_name(x->r.filtering)), disc_alloc_name(x->r.allocation));
    snprintf(hp, sizeof hp, "%s%s", x->r.hairpinning ? "yes" : "no",
             x->r.hairpin_observable ? "" : "?");
    printf("%-26s %-22s %-22s %-8s %-21s %5llu %7.1fs  %s\n", x->model, cfg, got, hp,
           disc_type_name(&x->r), (unsigned long long)x->r.stun.transactions,
           (double)x->r.elapsed / SIM_NS_PER_S, x->match ? "match" : "MISMATCH");
    if (o->lifetime)
      printf("%-26s lifetime configured %.0fs, discovered %.0fs < lifetime <= %.0fs\n", "",
             (double)x->e.lifetime / SIM_NS_PER_S, (double)x->r.lifetime_lo / SIM_NS_PER_S,
             (double)x->r.lifetime_hi / SIM_NS_PER_S);
  }
  if (o->behind) printf("(each model behind %s: the pair's combined behaviour)\n", o->behind);
  printf("(hairpin \"?\": not observable when both mapping and filtering depend on the "
         "remote, RFC 5780 section 4.6)\n");
}

static void print_json(const row *rows, int n, const classify_opts *o) {
  json j = json_start(stdout);
  json_array(&j, NULL);
  for (int i = 0; i < n; i++) {
    const row *x = &rows[i];
    json_object(&j, NULL);
    json_str(&j, "model", x->model);
    disc_json_write(&j, &x->r);
    json_bool(&j, "match", x->match);
    json_object(&j, "configured");
    json_str(&j, "mapping", nat_policy_name(x->e.mapping));
    json_str(&j, "filtering", nat_policy_name(x->e.filtering));
    json_str(&j, "allocation", x->e.allocation);
    json_bool(&j, "hairpinning", x->e.hairpin);
    json_num(&j, "mapping_lifetime_s", (double)x->e.lifetime / SIM_NS_PER_S);
    json_end(&j, '}');
    if (o->lifetime) {
      json_num(&j, "lifetime_low_s", (double)x->r.lifetime_lo / SIM_NS_PER_S);
      json_num(&j, "lifetime_high_s", (double)x->r.lifetime_hi / SIM_NS_PER_S);
    }
    json_str(&j, "behind", o->behind ? o->behind : "");
    json_num(&j, "loss", o->loss);
    json_num(&j, "virtual_time_s", (double)x->r.elapsed / SIM_NS_PER_S);
    json_end(&j, '}');
  }
  json_end(&j, ']');
}

/* --- running ------------------------------------------------------------------ */

static int classify_one(const classify_opts *o, const char *model, row *out) {
  char err[512];
  run r = {0};
  disc_cfg dc = {.timing = stun_timing_default(), .seed = o->seed, .lifetime = o->lifetime,
                 .lifetime_step = 5 * SIM_NS_PER_S, .lifetime_max = 240 * SIM_NS_PER_S};
  dc.server = addr_v4(SERVER_A1, PORT_P1);
  disc_io io = {client_send, &r};
  r.d = disc_new(&dc, &io);
  r.w = world_new(o->seed);
  sock_ctx ctxs[4 + 96 + 8];
  int rc = 2;
  if (!r.d || !r.w) snprintf(err, sizeof err, "%s: out of memory", model);
  else if (build(&r, o, model, ctxs, err, sizeof err) == 0) rc = 0;
  if (rc == 0) {
    disc_start(r.d, sim_now());
    reschedule(&r);
    sim_run_until(RUN_LIMIT);
    if (world_error(r.w)) {
      snprintf(err, sizeof err, "%s", world_error(r.w));
      rc = 2;
    }
  }
  if (rc == 0) {
    int home = o->behind ? 2 : 1; /* node indices: server, [cgn,] nat */
    out->e = expect_of(world_nat_model(r.w, home), o->behind ? world_nat_model(r.w, 1) : NULL);
    out->r = *disc_get_result(r.d);
    out->match = matches(&out->e, &out->r, o->lifetime);
    const char *base = strrchr(model, '/');
    snprintf(out->model, sizeof out->model, "%s", base ? base + 1 : model);
    char *dot = strstr(out->model, ".lua");
    if (dot) *dot = '\0';
  } else {
    fprintf(stderr, "natsim classify: %s\n", err);
  }
  world_free(r.w);
  disc_free(r.d);
  return rc;
}

int classify_discover(const classify_opts *o, const char *model, disc_result *out) {
  row r;
  int rc = classify_one(o, model, &r);
  if (rc == 0) *out = r.r;
  return rc;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void free_names(char **names, int n) {
  for (int i = 0; names && i < n; i++)
    free(names[i]);
  free(names);
}

/* Every .lua file in the first nat-models/ folder found: how many, -1
** when there is no such folder, -2 when out of memory. */
static int list_models(char ***out) {
  const char *dirs[] = {"nat-models", NATSIM_MODELS_DIR};
  for (size_t k = 0; k < 2; k++) {
    DIR *dir = opendir(dirs[k]);
    if (!dir) continue;
    int n = 0;
    char **names = NULL;
    for (struct dirent *e; (e = readdir(dir));) {
      size_t len = strlen(e->d_name);
      if (len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0) continue;
      char **grown = realloc(names, (size_t)(n + 1) * sizeof *names);
      if (grown) names = grown;
      char *path = grown ? malloc(strlen(dirs[k]) + len + 2) : NULL;
      if (!path) {
        closedir(dir);
        free_names(names, n);
        return -2;
      }
      sprintf(path, "%s/%s", dirs[k], e->d_name);
      names[n++] = path;
    }
    closedir(dir);
    qsort(names, (size_t)n, sizeof *names, by_name);
    *out = names;
    return n;
  }
  return -1;
}

int classify_run(const classify_opts *o) {
  char **found = NULL;
  int n = o->nmodels;
  const char **models = o->models;
  if (n == 0) {
    n = list_models(&found);
    if (n == -2) {
      fputs("natsim classify: out of memory\n", stderr);
      return 2;
    }
    if (n <= 0) {
      fprintf(stderr, "natsim classify: no nat-models/ folder with models found\n");
      return 2;
    }
    models = (const char **)found;
  }
  row *rows = calloc((size_t)n, sizeof *rows);
  int rc = rows ? 0 : 2, done = 0;
  if (!rows) fputs("natsim classify: out of memory\n", stderr);
  for (int i = 0; rc != 2 && i < n; i++, done++) rc = classify_one(o, models[i], &rows[i]);
  if (rc != 2) {
    for (int i = 0; i < done; i++) rc |= rows[i].match ? 0 : 1;
    if (o->json) print_json(rows, done, o);
    else print_table(rows, done, o);
  }
  free_names(found, n);
  free(rows);
  return rc;
}
