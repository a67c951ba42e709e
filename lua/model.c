/* model.c: reading and checking NAT model tables; the allocate_port hook. */
#include "model.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fields.h"
#include "srcline.h"
#include "watchdog.h"

static const char *const policies[] = {"endpoint-independent",
                                       "address-dependent",
                                       "address-and-port-dependent", NULL};
static const char *const allocs[] = {"preserve", "sequential", "random", NULL};

/* A scripted allocator: the Lua state it lives in and its registry ref. */
typedef struct script {
  lua_State *L;
  int hook;
  bool owns_state; /* L was made for this model alone: close it too */
} script;
static const char *const accepted[] = {
    "name",        "description",      "mapping",            "filtering",
    "allocation",  "stride",           "port_range",         "mapping_lifetime",
    "hairpinning", "refresh_on_inbound", "allocate_port",    "pcp", NULL};

static void release_script(void *ctx) {
  script *sc = ctx;
  if (sc->owns_state) {
    lua_close(sc->L);
  } else {
    luaL_unref(sc->L, LUA_REGISTRYINDEX, sc->hook);
  }
  free(sc);
}

static int alloc_hook(void *ctx, const nat_alloc_req *req, char *err,
                      size_t errlen) {
  script *sc = ctx;
  lua_State *L = sc->L;
  char ip[16];
  lua_rawgeti(L, LUA_REGISTRYINDEX, sc->hook);
  lua_createtable(L, 0, 5);
  lua_pushstring(L, addr_format_ip4(req->int_ip, ip, sizeof ip));
  lua_setfield(L, -2, "internal_ip");
  lua_pushinteger(L, req->int_port);
  lua_setfield(L, -2, "internal_port");
  lua_pushstring(L, addr_format_ip4(req->rem_ip, ip, sizeof ip));
  lua_setfield(L, -2, "remote_ip");
  lua_pushinteger(L, req->rem_port);
  lua_setfield(L, -2, "remote_port");
  lua_pushinteger(L, req->last_port);
  lua_setfield(L, -2, "last_port");
  if (watchdog_pcall(L, 1, 1, "allocate_port") != LUA_OK) {
    snprintf(err, errlen, "allocate_port: %s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return -1;
  }
  int isint = 0;
  lua_Integer p = lua_tointegerx(L, -1, &isint);
  if (!isint || p < 0 || p > 65535) {
    snprintf(err, errlen, "allocate_port returned %s, expected a port number",
             luaL_tolstring(L, -1, NULL));
    lua_pop(L, 2);
    return -1;
  }
  lua_pop(L, 1);
  return (int)p;
}

static int read_port_range(fields *f, nat_config *c) {
  const char *what = "a table {min, max} of ports, 1 <= min <= max <= 65535";
  if (!fields_has(f, "port_range")) return 0;
  lua_State *L = f->L;
  if (lua_getfield(L, f->idx, "port_range") != LUA_TTABLE) {
    lua_pop(L, 1);
    return fields_fail(f, "port_range", what);
  }
  int ok1 = 0, ok2 = 0;
  lua_rawgeti(L, -1, 1);
  lua_rawgeti(L, -2, 2);
  lua_Integer lo = lua_tointegerx(L, -2, &ok1), hi = lua_tointegerx(L, -1, &ok2);
  lua_Unsigned n = lua_rawlen(L, -3);
  lua_pop(L, 3);
  if (ok1 && ok2 && n == 2 && lo > hi)
    return fields_failf(f, "port_range", "field 'port_range': min %lld is above max %lld "
                        "(write {min, max})", (long long)lo, (long long)hi);
  if (!ok1 || !ok2 || n != 2 || lo < 1 || hi > 65535)
    return fields_fail(f, "port_range", what);
  c->port_min = (uint16_t)lo;
  c->port_max = (uint16_t)hi;
  return 0;
}

static int read_config(fields *f, nat_model *m) {
  nat_config *c = &m->cfg;
  int mapping = 0, filtering = 0, alloc = NAT_PRESERVE;
  int64_t stride = 1;
  const char *name = NULL, *descr = NULL;
  *c = (nat_config){.stride = 1, .port_min = 1024, .port_max = 65535,
                    .lifetime_ns = 120 * 1000000000LL, .hairpin = true};
  if (fields_only(f, accepted) || fields_string(f, "name", &name) ||
      fields_string(f, "description", &descr) ||
      fields_require(f, "mapping", "one of endpoint-independent, "
                     "address-dependent, address-and-port-dependent") ||
      fields_enum(f, "mapping", policies, &mapping) ||
      fields_require(f, "filtering", "one of endpoint-independent, "
                     "address-dependent, address-and-port-dependent") ||
      fields_enum(f, "filtering", policies, &filtering) ||
      fields_enum(f, "allocation", allocs, &alloc) ||
      fields_int(f, "stride", 1, 32767, &stride) || read_port_range(f, c) ||
      fields_seconds(f, "mapping_lifetime", &c->lifetime_ns) ||
      fields_bool(f, "hairpinning", &c->hairpin) ||
      fields_bool(f, "refresh_on_inbound", &c->refresh_inbound) ||
      fields_bool(f, "pcp", &m->pcp))
    return -1;
  if (c->lifetime_ns <= 0)
    return fields_fail(f, "mapping_lifetime", "a positive duration");
  if (name) snprintf(m->name, sizeof m->name, "%s", name);
  c->mapping = (enum nat_mapping)mapping;
  c->filtering = (enum nat_mapping)filtering;
  c->alloc = (enum nat_alloc)alloc;
  c->stride = (uint16_t)stride;
  return 0;
}

/* For a model file: "FILE:LINE:" in place of "FILE:" at the head of the
** error, LINE that of the field it is about (srcline.h), when found. */
static int locate(fields *f, const char *source) {
  char rest[512];
  size_t n = strlen(source);
  int line = srcline_find(source, 0, f->trail, f->trail_name, f->ntrail);
  if (line < 1 || strncmp(f->err, source, n) != 0 || f->err[n] != ':') return -1;
  snprintf(rest, sizeof rest, "%s", f->err + n + 1);
  snprintf(f->err, f->errlen, "%s:%d:%s", source, line, rest);
  return -1;
}

int model_from_table(lua_State *L, int idx, const char *source, nat_model *m,
                     char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  snprintf(m->source, sizeof m->source, "%s", source);
  if (!lua_istable(L, idx)) {
    snprintf(err, errlen, "%s: expected a NAT model table, got a %s", source,
             luaL_typename(L, idx));
    return -1;
  }
  fields f = fields_at(L, idx, m->source, err, errlen);
  if (read_config(&f, m) != 0) return locate(&f, source);
  int t = lua_getfield(L, f.idx, "allocate_port");
  if (t == LUA_TFUNCTION) {
    script *sc = malloc(sizeof *sc);
    if (!sc) {
      lua_pop(L, 1);
      snprintf(err, errlen, "%s: out of memory", m->source);
      return -1;
    }
    sc->L = L;
    sc->hook = luaL_ref(L, LUA_REGISTRYINDEX);
    sc->owns_state = false;
    m->cfg.alloc_hook = alloc_hook;
    m->cfg.hook_ctx = sc;
    m->release = release_script;
  } else {
    lua_pop(L, 1);
    if (t != LUA_TNIL) return fields_fail(&f, "allocate_port", "a function");
  }
  return 0;
}

/* "dir/full_cone.lua" -> "full_cone" */
static void name_from_path(const char *path, char *name, size_t len) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strcspn(base, ".");
  snprintf(name, len, "%.*s", (int)n, base);
}

int model_load(lua_State *L, const char *path, nat_model *m, char *err,
               size_t errlen) {
  if (luaL_loadfile(L, path) != LUA_OK || watchdog_pcall(L, 0, 1, "the model file") != LUA_OK) {
    snprintf(err, errlen, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    memset(m, 0, sizeof *m);
    return -1;
  }
  int rc = model_from_table(L, -1, path, m, err, errlen);
  if (rc == 0 && !m->name[0]) name_from_path(path, m->name, sizeof m->name);
  lua_pop(L, 1);
  if (rc != 0) nat_model_release(m);
  return rc;
}

/* print for models: to stderr, so a model's output stays off stdout. */
static int model_print(lua_State *L) {
  int n = lua_gettop(L);
  for (int i = 1; i <= n; i++) {
    size_t len;
    const char *s = luaL_tolstring(L, i, &len);
    if (i > 1) fputc('\t', stderr);
    fwrite(s, 1, len, stderr);
    lua_pop(L, 1);
  }
  fputc('\n', stderr);
  fflush(stderr);
  return 0;
}

/* Opens the model environment in the state, protected (a memory error is
** an error, not a panic): the safe libraries, print to stderr, and
** math.random seeded with the integer at index 1. */
static int open_env(lua_State *L) {
  static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
                                  {LUA_MATHLIBNAME, luaopen_math},
                                  {LUA_STRLIBNAME, luaopen_string},
                                  {LUA_TABLIBNAME, luaopen_table},
                                  {LUA_UTF8LIBNAME, luaopen_utf8},
                                  {NULL, NULL}};
  static const char *const unsafe[] = {"dofile", "loadfile", NULL};
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  for (int i = 0; unsafe[i]; i++) {
    lua_pushnil(L);
    lua_setglobal(L, unsafe[i]);
  }
  lua_pushcfunction(L, model_print);
  lua_setglobal(L, "print");
  lua_getglobal(L, LUA_MATHLIBNAME);
  lua_getfield(L, -1, "randomseed");
  lua_pushvalue(L, 1);
  lua_call(L, 1, 0);
  return 0;
}

int model_load_isolated(const char *path, uint64_t seed, lua_State *like,
                        nat_model *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  lua_State *L = luaL_newstate();
  if (!L) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  lua_pushcfunction(L, open_env);
  lua_pushinteger(L, (lua_Integer)seed);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    snprintf(err, errlen, "%s: %s", path, lua_tostring(L, -1));
    lua_close(L);
    return -1;
  }
  if (like) watchdog_inherit(L, like);
  if (model_load(L, path, m, err, errlen) != 0) {
    lua_close(L);
    return -1;
  }
  if (!m->cfg.hook_ctx) {
    lua_close(L);
    return 0;
  }
  script *sc = m->cfg.hook_ctx;
  sc->owns_state = true;
  return 0;
}

static int load_isolated(void *ctx, const char *path, uint64_t seed, nat_model *out,
                         char *err, size_t errlen) {
  return model_load_isolated(path, seed, ctx, out, err, errlen);
}

nat_model_loader model_loader(lua_State *like) {
  nat_model_loader ld = {.load = load_isolated, .ctx = like};
  return ld;
}
