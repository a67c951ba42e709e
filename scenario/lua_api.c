/* lua_api.c: the `natsim` table: building, running and reading the world. */
#include "lua_api.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "capture.h"
#include "fields.h"
#include "lua_real.h"
#include "model.h"
#include "params.h"
#include "stun_server.h"
#include "units.h"
#include "watchdog.h"

#ifndef NATSIM_MODELS_DIR
#define NATSIM_MODELS_DIR "nat-models"
#endif

#define NODE_MT "natsim.node"
#define SOCK_MT "natsim.socket"

typedef struct timer {
  struct lapi *api;
  int fn;
  const char *what; /* "natsim.at callback" or "natsim.after callback" */
  struct timer *prev, *next;
} timer;

struct lapi {
  lua_State *L;
  world *w;
  lapi_opts opts;
  lapi_check *checks;
  size_t nchecks, cap;
  int socks; /* registry ref: a table keeping sockets alive */
  timer *timers;
  exp_summary *results;
  size_t nresults;
  exp_cfg *configs; /* each natsim.experiment's, for the results file */
  size_t nconfigs;
  bool no_world; /* no fresh world after an experiment: out of memory */
  lreal *real;      /* real hosts (lua_real.h) */
};

typedef struct lnode {
  lapi *api;
  int index;
} lnode;

typedef struct lsock {
  lapi *api;
  int index;
  int fn; /* on_receive callback, or LUA_NOREF */
  bool closed;
} lsock;

/* The API of a natsim function; raises when the scenario lost its world. */
static lapi *get_api(lua_State *L) {
  lapi *a = lua_touserdata(L, lua_upvalueindex(1));
  if (a->no_world) luaL_error(L, "natsim: out of memory (no world after natsim.experiment)");
  return a;
}

/* Calls the function on top of the stack with nargs arguments below it,
** under the watchdog as `what`; a Lua error stops the simulation. */
static void call_back(lapi *a, int nargs, const char *what) {
  lua_State *L = a->L;
  if (watchdog_pcall(L, nargs, 0, what) != LUA_OK) {
    world_fail(a->w, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
}

static void push_ip(lua_State *L, uint32_t ip) {
  char buf[16];
  lua_pushstring(L, addr_format_ip4(ip, buf, sizeof buf));
}

static void set_int(lua_State *L, const char *k, uint64_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

/* A duration argument: seconds, or a string with a unit. */
static int64_t check_duration(lua_State *L, int arg) {
  int64_t ns = -1;
  if (lua_type(L, arg) == LUA_TNUMBER)
    units_seconds(lua_tonumber(L, arg), &ns) == 0 || (ns = -1);
  else if (lua_type(L, arg) == LUA_TSTRING)
    units_duration(lua_tostring(L, arg), &ns) == 0 || (ns = -1);
  if (ns < 0)
    luaL_argerror(L, arg, "expected a duration: seconds, or a string such as \"20ms\"");
  return ns;
}

static uint32_t check_ip(lua_State *L, int arg) {
  uint32_t ip;
  if (lua_type(L, arg) == LUA_TUSERDATA) {
    lnode *n = luaL_checkudata(L, arg, NODE_MT);
    const uint32_t *addrs;
    world_node_addrs(n->api->w, n->index, &addrs);
    return addrs[0];
  }
  const char *s = luaL_checkstring(L, arg);
  if (addr_parse_ip4(s, &ip) != 0)
    luaL_argerror(L, arg, lua_pushfstring(L, "expected an IPv4 address, got \"%s\"", s));
  return ip;
}

/* --- nodes --------------------------------------------------------------- */

static void push_node(lua_State *L, lapi *a, int index) {
  lnode *n = lua_newuserdatauv(L, sizeof *n, 0);
  n->api = a;
  n->index = index;
  luaL_setmetatable(L, NODE_MT);
}

static int read_addrs(fields *f, world_node_opts *o) {
  const char *what = "an IPv4 address such as \"203.0.113.10\"";
  const char *s = NULL;
  lua_State *L = f->L;
  if (fields_string(f, "addr", &s)) return -1;
  if (s) return addr_parse_ip4(s, &o->addrs[0]) ? fields_fail(f, "addr", what) : 0;
  if (!fields_has(f, "addrs")) return 0;
  const char *list = "a list of 1 to 4 IPv4 addresses";
  if (lua_getfield(L, f->idx, "addrs") != LUA_TTABLE) {
    lua_pop(L, 1);
    return fields_fail(f, "addrs", list);
  }
  lua_Unsigned n = lua_rawlen(L, -1);
  int bad = n < 1 || n > WORLD_MAX_ADDRS;
  for (lua_Unsigned i = 1; !bad && i <= n; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i);
    bad = !lua_isstring(L, -1) || addr_parse_ip4(lua_tostring(L, -1), &o->addrs[i - 1]);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return bad ? fields_fail(f, "addrs", list) : 0;
}

int lapi_read_link(fields *f, const char *name, sim_link_cfg *link) {
  static const char *const accepted[] = {"delay", "rate", "loss", NULL};
  char owner[96];
  fields lf;
  int open = fields_table(f, name, &lf, owner, sizeof owner);
  if (open <= 0) return open;
  int rc = fields_only(&lf, accepted) || fields_duration(&lf, "delay", &link->delay) ||
           fields_rate(&lf, "rate", &link->rate_bps) ||
           fields_number(&lf, "loss", 0, 1, &link->loss);
  lua_pop(f->L, 1);
  return rc ? -1 : 0;
}

static int read_behind(fields *f, world_node_opts *o) {
  o->parent = WORLD_CORE;
  lua_State *L = f->L;
  int t = lua_getfield(L, f->idx, "behind");
  lnode *n = t == LUA_TNIL ? NULL : luaL_testudata(L, -1, NODE_MT);
  lua_pop(L, 1);
  if (t == LUA_TNIL) return 0;
  if (!n || !world_is_nat(n->api->w, n->index))
    return fields_fail(f, "behind", "a NAT made by natsim.nat");
  o->parent = n->index;
  return 0;
}

static int read_lan(fields *f, world_node_opts *o) {
  const char *s = NULL;
  if (fields_string(f, "lan", &s) || !s) return s ? -1 : 0;
  char ip[20];
  int prefix = 0;
  if (sscanf(s, "%19[0-9.]/%d", ip, &prefix) != 2 || addr_parse_ip4(ip, &o->lan) ||
      prefix < 8 || prefix > 30)
    return fields_fail(f, "lan", "a network such as \"192.168.1.0/24\" (/8 to /30)");
  o->lan_prefix = (uint32_t)prefix;
  return 0;
}

static void read_node_opts(fields *f, const char *const *accepted, world_node_opts *o) {
  memset(o, 0, sizeof *o);
  if (fields_only(f, accepted) || fields_require(f, "name", "a string") ||
      fields_string(f, "name", &o->name) || read_addrs(f, o) || read_behind(f, o))
    fields_raise(f);
  o->link.delay = o->parent == WORLD_CORE ? 10000000 : 1000000; /* 10 ms up, 1 ms in a LAN */
  if (lapi_read_link(f, "link", &o->link)) fields_raise(f);
}

#define EXEC_MAX 64 /* words in a real host's command, with the NULL that ends them */

/* exec = {"PROGRAM", "ARG", ...}: argv (NULL-terminated, strings borrowed
** from the table, which stays on the stack) for a real host. */
static int read_exec(fields *f, const char **argv) {
  lua_State *L = f->L;
  const char *what = "a list of 1 to 63 strings, the program and its arguments";
  if (lua_getfield(L, f->idx, "exec") != LUA_TTABLE) {
    lua_pop(L, 1);
    return fields_fail(f, "exec", what);
  }
  lua_Unsigned n = lua_rawlen(L, -1);
  int bad = n < 1 || n >= EXEC_MAX;
  for (lua_Unsigned i = 1; !bad && i <= n; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i);
    bad = lua_type(L, -1) != LUA_TSTRING;
    argv[i - 1] = lua_tostring(L, -1);
    lua_pop(L, 1); /* the list holds it */
  }
  if (bad) {
    lua_pop(L, 1);
    return fields_fail(f, "exec", what);
  }
  argv[n] = NULL;
  return 0;
}

/* natsim.host{exec = ...}: a real host, only under --emulate. */
static int real_host(lua_State *L, lapi *a, fields *f, const world_node_opts *o) {
  const char *argv[EXEC_MAX];
  char err[512];
  if (!a->opts.emulate) {
    fields_failf(f, "exec", "field 'exec': a real host runs in real time, so the run is not "
                 "reproducible: run the scenario with --emulate to allow it");
    return fields_raise(f);
  }
  if (read_exec(f, argv)) return fields_raise(f);
  int i = lreal_host(a->real, a->w, o, (char *const *)argv, err, sizeof err);
  lua_pop(L, 1); /* the exec list */
  if (i < 0) return luaL_error(L, "natsim.host '%s': %s", o->name, err);
  push_node(L, a, i);
  return 1;
}

static int l_host(lua_State *L) {
  static const char *const accepted[] = {"name", "addr", "addrs", "behind", "link", "exec",
                                         NULL};
  lapi *a = get_api(L);
  char err[512];
  luaL_checktype(L, 1, LUA_TTABLE);
  fields f = fields_at(L, 1, "natsim.host", err, sizeof err);
  world_node_opts o;
  read_node_opts(&f, accepted, &o);
  if (fields_has(&f, "exec")) return real_host(L, a, &f, &o);
  int i = world_host(a->w, &o, err, sizeof err);
  if (i < 0) return luaL_error(L, "natsim.host: %s", err);
  push_node(L, a, i);
  return 1;
}

int lapi_find_model(const char *scenario, const char *name, char *out, size_t len) {
  char dir[512] = ".", cand[3][1024];
  int n = 0;
  const char *slash = scenario ? strrchr(scenario, '/') : NULL;
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - scenario), scenario);
  if (strchr(name, '/') || strstr(name, ".lua")) { /* a path */
    snprintf(cand[n++], sizeof cand[0], "%s", name);
    if (name[0] != '/') snprintf(cand[n++], sizeof cand[0], "%s/%s", dir, name);
  } else { /* a bare name, looked up in nat-models/ folders */
    snprintf(cand[n++], sizeof cand[0], "nat-models/%s.lua", name);
    snprintf(cand[n++], sizeof cand[0], "%s/../nat-models/%s.lua", dir, name);
    snprintf(cand[n++], sizeof cand[0], "%s/%s.lua", NATSIM_MODELS_DIR, name);
  }
  for (int i = 0; i < n; i++) {
    if (access(cand[i], R_OK) == 0) {
      snprintf(out, len, "%s", cand[i]);
      return 0;
    }
  }
  snprintf(out, len, "%s", name);
  return -1;
}

/* The model of NAT `node`: an inline table (a closure of the scenario, in
** its state), or a file in a state of its own (model_load_isolated). */
static int load_model(lua_State *L, lapi *a, const char *who, const char *node,
                      nat_model *m) {
  char err[512], path[1024];
  int t = lua_getfield(L, 1, "model");
  if (t == LUA_TTABLE) {
    char source[128];
    snprintf(source, sizeof source, "%s: model", who);
    int rc = model_from_table(L, -1, source, m, err, sizeof err);
    lua_pop(L, 1);
    if (rc == 0 && !m->name[0]) snprintf(m->name, sizeof m->name, "inline");
    return rc ? luaL_error(L, "%s", err) : 0;
  }
  if (t != LUA_TSTRING)
    return luaL_error(L, "%s: field 'model': expected a model file, a model name "
                      "such as \"full_cone\", or a model table", who);
  if (lapi_find_model(a->opts.scenario, lua_tostring(L, -1), path, sizeof path))
    return luaL_error(L, "%s: field 'model': no model file \"%s\" (looked in "
                      "nat-models/ here and beside the scenario)", who, path);
  lua_pop(L, 1);
  if (model_load_isolated(path, world_node_seed(a->w, node), L, m, err, sizeof err) != 0)
    return luaL_error(L, "%s", err);
  return 0;
}

static int l_nat(lua_State *L) {
  static const char *const accepted[] = {"name", "addr", "addrs", "behind", "link",
                                         "model", "lan", NULL};
  lapi *a = get_api(L);
  char err[512];
  nat_model m;
  luaL_checktype(L, 1, LUA_TTABLE);
  fields f = fields_at(L, 1, "natsim.nat", err, sizeof err);
  world_node_opts o;
  read_node_opts(&f, accepted, &o);
  if (read_lan(&f, &o)) return fields_raise(&f);
  if (fields_require(&f, "model", "a model file, name or table")) return fields_raise(&f);
  load_model(L, a, "natsim.nat", o.name, &m);
  int i = world_nat(a->w, &o, &m, err, sizeof err);
  if (i < 0) return luaL_error(L, "natsim.nat: %s", err);
  push_node(L, a, i);
  return 1;
}

static void push_config(lua_State *L, const nat_model *m) {
  const nat_config *c = &m->cfg;
  lua_createtable(L, 0, 10);
  lua_pushstring(L, m->name);
  lua_setfield(L, -2, "name");
  lua_pushstring(L, m->source);
  lua_setfield(L, -2, "source");
  lua_pushstring(L, nat_policy_name(c->mapping));
  lua_setfield(L, -2, "mapping");
  lua_pushstring(L, nat_policy_name(c->filtering));
  lua_setfield(L, -2, "filtering");
  lua_pushstring(L, c->alloc_hook ? "scripted" : nat_alloc_name(c->alloc));
  lua_setfield(L, -2, "allocation");
  set_int(L, "stride", c->stride);
  lua_createtable(L, 2, 0);
  lua_pushinteger(L, c->port_min);
  lua_rawseti(L, -2, 1);
  lua_pushinteger(L, c->port_max);
  lua_rawseti(L, -2, 2);
  lua_setfield(L, -2, "port_range");
  lua_pushnumber(L, (double)c->lifetime_ns / SIM_NS_PER_S);
  lua_setfield(L, -2, "mapping_lifetime");
  lua_pushboolean(L, c->hairpin);
  lua_setfield(L, -2, "hairpinning");
  lua_pushboolean(L, c->refresh_inbound);
  lua_setfield(L, -2, "refresh_on_inbound");
}

/* natsim.model(name): the model's settings, as natsim.nat would use them. */
static int l_model(lua_State *L) {
  lapi *a = get_api(L);
  char err[512], path[1024];
  const char *name = luaL_checkstring(L, 1);
  nat_model m;
  if (lapi_find_model(a->opts.scenario, name, path, sizeof path))
    return luaL_error(L, "natsim.model: no model file \"%s\"", path);
  if (model_load_isolated(path, a->opts.seed, L, &m, err, sizeof err) != 0)
    return luaL_error(L, "%s", err);
  push_config(L, &m);
  nat_model_release(&m);
  return 1;
}

static void push_nat_counters(lua_State *L, world *w, int i) {
  nat *n = world_nat_engine(w, i);
  const nat_stats *s = nat_get_stats(n);
  lua_createtable(L, 0, 8);
  set_int(L, "out", s->out);
  set_int(L, "in", s->in);
  set_int(L, "hairpin", s->hairpin);
  set_int(L, "created", s->created);
  set_int(L, "expired", s->expired);
  set_int(L, "mappings", nat_mapping_count(n, sim_now()));
  lua_createtable(L, 0, NAT_NDROP);
  for (int d = NAT_OK + 1; d < NAT_NDROP; d++)
    set_int(L, nat_drop_name((enum nat_drop)d), s->dropped[d]);
  set_int(L, "non_udp", world_nat_non_udp(w, i));
  lua_setfield(L, -2, "dropped");
}

static int node_counters(lua_State *L) {
  lnode *n = luaL_checkudata(L, 1, NODE_MT);
  if (world_is_nat(n->api->w, n->index)) {
    push_nat_counters(L, n->api->w, n->index);
    return 1;
  }
  world_counters c = world_host_counters(n->api->w, n->index);
  lua_createtable(L, 0, 2);
  set_int(L, "sent", c.sent);
  set_int(L, "received", c.received);
  return 1;
}

static void push_mapping(void *ctx, uint32_t int_ip, uint16_t int_port,
                         uint16_t ext_port, uint32_t rem_ip, uint16_t rem_port) {
  lua_State *L = ctx;
  lua_createtable(L, 0, 5);
  push_ip(L, int_ip);
  lua_setfield(L, -2, "internal_ip");
  set_int(L, "internal_port", int_port);
  set_int(L, "external_port", ext_port);
  if (rem_ip) {
    push_ip(L, rem_ip);
    lua_setfield(L, -2, "remote_ip");
  }
  if (rem_port) set_int(L, "remote_port", rem_port);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}

static lnode *check_nat(lua_State *L) {
  lnode *n = luaL_checkudata(L, 1, NODE_MT);
  if (!world_is_nat(n->api->w, n->index)) luaL_argerror(L, 1, "expected a NAT");
  return n;
}

static int node_mappings(lua_State *L) {
  lnode *n = check_nat(L);
  lua_newtable(L);
  nat_foreach(world_nat_engine(n->api->w, n->index), sim_now(), push_mapping, L);
  return 1;
}

static int node_flush(lua_State *L) {
  lnode *n = check_nat(L);
  nat_flush(world_nat_engine(n->api->w, n->index));
  return 0;
}

static int node_rebind(lua_State *L) {
  lnode *n = check_nat(L);
  if (nat_rebind(world_nat_engine(n->api->w, n->index)) != 0) return luaL_error(L, "out of memory");
  return 0;
}

static int node_addrs(lua_State *L) {
  lnode *n = luaL_checkudata(L, 1, NODE_MT);
  const uint32_t *addrs;
  int k = world_node_addrs(n->api->w, n->index, &addrs);
  lua_createtable(L, k, 0);
  for (int i = 0; i < k; i++) {
    push_ip(L, addrs[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* --- real hosts and servers ------------------------------------------------ */

static int node_wait(lua_State *L) {
  lnode *n = luaL_checkudata(L, 1, NODE_MT);
  int64_t timeout = check_duration(L, 2);
  lapi_check_outside(L, "wait");
  return lreal_wait(L, n->api->real, n->api->w, n->index, timeout);
}

#define STUN_PORT 3478 /* and 3479, the second port of RFC 5780 */

typedef struct lstun lstun;
typedef struct stun_sock {
  lstun *s;
  int index; /* stun_server.h's numbering */
} stun_sock;

struct lstun {
  lapi *api;
  stun_server srv;
  int socks[4];
  stun_sock ctx[4];
};

static void stun_recv(void *ctx, const uint8_t *data, size_t len, uint32_t ip, uint16_t port) {
  stun_sock *k = ctx;
  lstun *s = k->s;
  uint8_t out[1280];
  int out_sock;
  addr from = addr_v4(ip, port);
  addr to;
  size_t n = stun_server_handle(&s->srv, k->index, &from, data, len, out, sizeof out,
                                &out_sock, &to);
  if (n) world_send(s->api->w, s->socks[out_sock], addr_v4_ip(&to), to.port, out, n);
}

/* host:serve_stun(): a STUN server on the host's first address, port 3478;
** with two addresses, on both and on ports 3478 and 3479 (RFC 5780). */
static int node_serve_stun(lua_State *L) {
  lnode *n = luaL_checkudata(L, 1, NODE_MT);
  lapi *a = n->api;
  if (world_is_nat(a->w, n->index) || world_is_real(a->w, n->index))
    return luaL_error(L, "serve_stun: servers run on simulated hosts, not on NATs or real hosts");
  const uint32_t *ip;
  int naddrs = world_node_addrs(a->w, n->index, &ip);
  lstun *s = lua_newuserdatauv(L, sizeof *s, 0);
  memset(s, 0, sizeof *s);
  s->api = a;
  addr a1 = addr_v4(ip[0], STUN_PORT);
  addr a2 = addr_v4(naddrs > 1 ? ip[1] : 0, STUN_PORT + 1);
  stun_server_init(&s->srv, &a1, naddrs > 1 ? &a2 : NULL);
  for (int k = 0; k < s->srv.nsocks; k++) {
    char err[256];
    s->ctx[k] = (stun_sock){s, k};
    s->socks[k] = world_udp(a->w, n->index, addr_v4_ip(&s->srv.socks[k]), s->srv.socks[k].port,
                            stun_recv, &s->ctx[k], err, sizeof err);
    if (s->socks[k] < 0) return luaL_error(L, "serve_stun: %s", err);
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, a->socks); /* keep it alive */
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  lua_pop(L, 2);
  return 0;
}

/* --- sockets ------------------------------------------------------------- */

static void on_datagram(void *ctx, const uint8_t *data, size_t len, uint32_t ip,
                        uint16_t port) {
  lsock *s = ctx;
  lua_State *L = s->api->L;
  if (s->fn == LUA_NOREF || s->closed) return;
  lua_rawgeti(L, LUA_REGISTRYINDEX, s->fn);
  lua_pushlstring(L, (const char *)data, len);
  push_ip(L, ip);
  lua_pushinteger(L, port);
  call_back(s->api, 3, "on_receive callback");
}

static int node_udp(lua_State *L) {
  lnode *n = luaL_checkudata(L, 1, NODE_MT);
  lapi *a = n->api;
  uint32_t ip = 0;
  lua_Integer port = 0;
  if (lua_istable(L, 2)) {
    static const char *const accepted[] = {"port", "addr", NULL};
    char err[512];
    const char *s = NULL;
    int64_t p = 0;
    fields f = fields_at(L, 2, "udp", err, sizeof err);
    if (fields_only(&f, accepted) || fields_int(&f, "port", 0, 65535, &p) ||
        fields_string(&f, "addr", &s))
      return luaL_error(L, "%s", err);
    if (s && addr_parse_ip4(s, &ip))
      return luaL_error(L, "udp: field 'addr': expected an IPv4 address, got \"%s\"", s);
    port = p;
  } else {
    port = luaL_optinteger(L, 2, 0);
    luaL_argcheck(L, port >= 0 && port <= 65535, 2, "expected a port from 0 to 65535");
  }
  if (world_is_nat(a->w, n->index)) return luaL_error(L, "udp: sockets live on hosts, not NATs");
  lsock *s = lua_newuserdatauv(L, sizeof *s, 0);
  *s = (lsock){a, -1, LUA_NOREF, false};
  luaL_setmetatable(L, SOCK_MT);
  char err[256];
  s->index = world_udp(a->w, n->index, ip, (uint16_t)port, on_datagram, s, err, sizeof err);
  if (s->index < 0) return luaL_error(L, "udp: %s", err);
  lua_rawgeti(L, LUA_REGISTRYINDEX, a->socks); /* keep it alive */
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  lua_pop(L, 1);
  return 1;
}

static lsock *check_sock(lua_State *L) {
  lsock *s = luaL_checkudata(L, 1, SOCK_MT);
  if (s->closed) luaL_error(L, "the socket is closed");
  return s;
}

static int sock_send(lua_State *L) {
  lsock *s = check_sock(L);
  uint32_t ip = check_ip(L, 2);
  lua_Integer port = luaL_checkinteger(L, 3);
  size_t len;
  const char *data = luaL_optlstring(L, 4, "", &len);
  luaL_argcheck(L, port > 0 && port <= 65535, 3, "expected a port from 1 to 65535");
  luaL_argcheck(L, len <= 65507, 4, "a UDP payload is at most 65507 bytes");
  lua_pushboolean(L, world_send(s->api->w, s->index, ip, (uint16_t)port,
                                (const uint8_t *)data, len) == 0);
  return 1;
}

static int sock_on_receive(lua_State *L) {
  lsock *s = check_sock(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  luaL_unref(L, LUA_REGISTRYINDEX, s->fn);
  lua_pushvalue(L, 2);
  s->fn = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

static int sock_counters(lua_State *L) {
  lsock *s = luaL_checkudata(L, 1, SOCK_MT);
  world_counters c = world_sock_counters(s->api->w, s->index);
  lua_createtable(L, 0, 2);
  set_int(L, "sent", c.sent);
  set_int(L, "received", c.received);
  return 1;
}

static int sock_close(lua_State *L) {
  lsock *s = luaL_checkudata(L, 1, SOCK_MT);
  if (!s->closed) world_sock_close(s->api->w, s->index);
  s->closed = true;
  return 0;
}

static int sock_index(lua_State *L) {
  lsock *s = luaL_checkudata(L, 1, SOCK_MT);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "port") == 0) {
    lua_pushinteger(L, s->closed ? 0 : world_sock_port(s->api->w, s->index));
    return 1;
  }
  luaL_getmetafield(L, 1, "methods");
  lua_getfield(L, -1, k);
  return 1;
}

/* --- node fields ----------------------------------------------------------- */

static int node_index(lua_State *L) {
  lnode *n = luaL_checkudata(L, 1, NODE_MT);
  const char *k = luaL_checkstring(L, 2);
  world *w = n->api->w;
  const uint32_t *addrs;
  world_node_addrs(w, n->index, &addrs);
  if (strcmp(k, "name") == 0) lua_pushstring(L, world_node_name(w, n->index));
  else if (strcmp(k, "addr") == 0) push_ip(L, addrs[0]);
  else if (strcmp(k, "kind") == 0) lua_pushstring(L, world_is_nat(w, n->index) ? "nat" : "host");
  else if (strcmp(k, "model") == 0 && world_is_nat(w, n->index))
    push_config(L, world_nat_model(w, n->index));
  else {
    luaL_getmetafield(L, 1, "methods");
    lua_getfield(L, -1, k);
  }
  return 1;
}

static int node_tostring(lua_State *L) {
  lnode *n = luaL_checkudata(L, 1, NODE_MT);
  lua_pushfstring(L, "%s '%s'", world_is_nat(n->api->w, n->index) ? "nat" : "host",
                  world_node_name(n->api->w, n->index));
  return 1;
}

/* --- time ------------------------------------------------------------------ */

static void on_timer(void *arg) {
  timer *t = arg;
  lapi *a = t->api;
  if (t->prev) t->prev->next = t->next;
  else a->timers = t->next;
  if (t->next) t->next->prev = t->prev;
  lua_rawgeti(a->L, LUA_REGISTRYINDEX, t->fn);
  luaL_unref(a->L, LUA_REGISTRYINDEX, t->fn);
  const char *what = t->what;
  free(t);
  call_back(a, 0, what);
}

static int schedule(lua_State *L, int64_t delay, const char *what) {
  lapi *a = get_api(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  timer *t = calloc(1, sizeof *t);
  if (!t) return luaL_error(L, "out of memory");
  lua_pushvalue(L, 2);
  t->fn = luaL_ref(L, LUA_REGISTRYINDEX);
  t->api = a;
  t->what = what;
  t->next = a->timers;
  if (a->timers) a->timers->prev = t;
  a->timers = t;
  sim_schedule(delay, on_timer, t);
  return 0;
}

static int l_at(lua_State *L) {
  int64_t t = check_duration(L, 1);
  if (t < sim_now()) return luaL_error(L, "natsim.at: time %f is in the past (now %f)",
                                       (double)t / SIM_NS_PER_S, (double)sim_now() / SIM_NS_PER_S);
  return schedule(L, t - sim_now(), "natsim.at callback");
}

static int l_after(lua_State *L) {
  return schedule(L, check_duration(L, 1), "natsim.after callback");
}

static int l_run(lua_State *L) {
  lapi *a = get_api(L);
  int64_t d = check_duration(L, 1);
  lapi_check_outside(L, "natsim.run");
  params_before_run(L, "natsim.run");
  if (d > INT64_MAX - sim_now())
    return luaL_error(L, "natsim.run: %f s from now (%f s) is beyond the simulator's "
                      "clock (at most about 292 years)", (double)d / SIM_NS_PER_S,
                      (double)sim_now() / SIM_NS_PER_S);
  if (!world_error(a->w)) sim_run_until(sim_now() + d);
  if (!world_error(a->w)) return 0;
  lua_pushstring(L, world_error(a->w)); /* it names its own file and line */
  return lua_error(L);
}

void lapi_check_outside(lua_State *L, const char *fn) {
  const char *in = watchdog_inside(L);
  if (in)
    luaL_error(L, "%s called from inside %s: callbacks and hooks run within the "
               "simulation and cannot run one (call it from the scenario's main chunk)",
               fn, in);
}

static int l_now(lua_State *L) {
  lua_pushnumber(L, (double)sim_now() / SIM_NS_PER_S);
  return 1;
}

static int l_seed(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)get_api(L)->opts.seed);
  return 1;
}

static int l_events(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)sim_event_count());
  return 1;
}

static int l_counters(lua_State *L) {
  world_totals t = world_get_totals(get_api(L)->w);
  lua_createtable(L, 0, 4);
  set_int(L, "sent", t.sent);
  set_int(L, "received", t.received);
  set_int(L, "lost", t.lost);
  set_int(L, "nat_dropped", t.nat_dropped);
  return 1;
}

/* natsim.check(name, ok [, detail]): records a scenario check; returns ok. */
static int l_check(lua_State *L) {
  lapi *a = get_api(L);
  const char *name = luaL_checkstring(L, 1);
  luaL_checkany(L, 2);
  const char *detail = luaL_optstring(L, 3, "");
  if (a->nchecks == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 32;
    lapi_check *c = realloc(a->checks, cap * sizeof *c);
    if (!c) return luaL_error(L, "out of memory");
    a->checks = c;
    a->cap = cap;
  }
  char *name_copy = strdup(name);
  char *detail_copy = strdup(detail);
  if (!name_copy || !detail_copy) {
    free(name_copy);
    free(detail_copy);
    return luaL_error(L, "natsim.check: out of memory");
  }
  lapi_check *c = &a->checks[a->nchecks++];
  c->name = name_copy;
  c->detail = detail_copy;
  c->ok = lua_toboolean(L, 2);
  lua_pushboolean(L, c->ok);
  return 1;
}

/* --- registration ---------------------------------------------------------- */

static void new_class(lua_State *L, const char *name, lua_CFunction index,
                      const luaL_Reg *methods) {
  luaL_newmetatable(L, name);
  lua_pushcfunction(L, index);
  lua_setfield(L, -2, "__index");
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "methods");
  lua_pop(L, 1);
}

lapi *lapi_open(lua_State *L, world *w, const lapi_opts *o) {
  static const luaL_Reg node_methods[] = {
      {"udp", node_udp},         {"counters", node_counters}, {"mappings", node_mappings},
      {"flush", node_flush},     {"rebind", node_rebind},     {"addrs", node_addrs},
      {"wait", node_wait},       {"serve_stun", node_serve_stun}, {NULL, NULL}};
  static const luaL_Reg sock_methods[] = {
      {"send", sock_send},   {"on_receive", sock_on_receive}, {"counters", sock_counters},
      {"close", sock_close}, {NULL, NULL}};
  static const luaL_Reg api[] = {
      {"host", l_host},   {"nat", l_nat},       {"model", l_model},   {"at", l_at},
      {"after", l_after}, {"run", l_run},       {"now", l_now},       {"seed", l_seed},
      {"events", l_events}, {"counters", l_counters}, {"check", l_check}, {NULL, NULL}};
  lapi *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->L = L;
  a->w = w;
  a->opts = *o;
  a->real = lreal_new();
  if (!a->real) {
    free(a);
    return NULL;
  }
  lua_newtable(L);
  a->socks = luaL_ref(L, LUA_REGISTRYINDEX);
  new_class(L, NODE_MT, node_index, node_methods);
  luaL_getmetatable(L, NODE_MT);
  lua_pushcfunction(L, node_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  new_class(L, SOCK_MT, sock_index, sock_methods);
  luaL_newlibtable(L, api);
  lua_pushlightuserdata(L, a);
  luaL_setfuncs(L, api, 1);
  lua_setglobal(L, "natsim");
  return a;
}

int lapi_begin_experiment(lapi *a, char *err, size_t len) {
  if (a->no_world) {
    snprintf(err, len, "natsim: out of memory (no world after natsim.experiment)");
    return -1;
  }
  if (world_node_count(a->w) || a->timers) {
    snprintf(err, len, "natsim.experiment runs its own networks: call it before "
                       "natsim.host, natsim.nat and natsim.at/after");
    return -1;
  }
  world_free(a->w);
  a->w = NULL;
  sim_set_realtime(0); /* experiments stay in virtual time, even under --emulate */
  return 0;
}

int lapi_end_experiment(lapi *a) {
  sim_set_realtime(a->opts.emulate);
  a->w = world_new(a->opts.seed);
  a->no_world = a->w == NULL;
  if (a->w && a->opts.pcap && capture_world(a->opts.pcap, a->w) != 0)
    world_fail(a->w, "--pcap: out of memory");
  return a->no_world ? -1 : 0;
}

int lapi_add_results(lapi *a, const exp_summary *s) {
  exp_summary *r = realloc(a->results, (a->nresults + 1) * sizeof *r);
  if (!r) {
    free(s->cells);
    return -1;
  }
  a->results = r;
  a->results[a->nresults++] = *s;
  return 0;
}

size_t lapi_results(const lapi *a, const exp_summary **s) {
  *s = a->results;
  return a->nresults;
}

int lapi_add_config(lapi *a, const exp_cfg *c) {
  exp_cfg *r = realloc(a->configs, (a->nconfigs + 1) * sizeof *r);
  if (!r) return -1;
  a->configs = r;
  a->configs[a->nconfigs++] = *c;
  return 0;
}

size_t lapi_configs(const lapi *a, const exp_cfg **c) {
  *c = a->configs;
  return a->nconfigs;
}

uint64_t lapi_seed(const lapi *a) { return a->opts.seed; }
world *lapi_world(const lapi *a) { return a->w; }
const char *lapi_scenario(const lapi *a) { return a->opts.scenario; }
FILE *lapi_attempts(const lapi *a) { return a->opts.attempts; }
struct shard_ctx *lapi_shard(const lapi *a) { return a->opts.shard; }
struct capture *lapi_capture(const lapi *a) { return a->opts.pcap; }

void lapi_close(lapi *a) {
  if (!a) return;
  lreal_free(a->real);
  for (size_t i = 0; i < a->nchecks; i++) {
    free(a->checks[i].name);
    free(a->checks[i].detail);
  }
  free(a->checks);
  for (size_t i = 0; i < a->nresults; i++) free(a->results[i].cells);
  free(a->results);
  free(a->configs);
  while (a->timers) { /* never fired */
    timer *t = a->timers;
    a->timers = t->next;
    free(t);
  }
  free(a);
}

size_t lapi_checks(const lapi *a, const lapi_check **checks) {
  *checks = a->checks;
  return a->nchecks;
}
