/* params.c: natsim.param, the legacy natsim.params, and unread --set keys. */
#include "params.h"

#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

/* The state, a table in the registry under &key: values (KEY -> the --set
** string), read (KEY -> true once read), taken (the names read, in order),
** resolved (KEY -> what natsim.param last returned for it), legacy (true
** once natsim.params was used). */
static const char key = 0;

static void push_state(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key);
}

/* Notes that the scenario reads `name` (at index idx). */
static void mark_read(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  push_state(L);
  lua_getfield(L, -1, "read");
  if (lua_getfield(L, -1, lua_tostring(L, idx)) == LUA_TNIL) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -3, lua_tostring(L, idx));
    lua_getfield(L, -3, "taken");
    lua_pushvalue(L, idx);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
  }
  lua_pop(L, 3);
}

/* Pushes the --set value of the name at idx, or nil. */
static int push_value(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  push_state(L);
  lua_getfield(L, -1, "values");
  lua_pushvalue(L, idx);
  int t = lua_rawget(L, -2);
  lua_replace(L, -3);
  lua_pop(L, 1);
  return t;
}

/* What a parameter is, from its default. */
typedef enum kind { K_INTEGER, K_NUMBER, K_BOOLEAN, K_STRING } kind;

static const char *const kind_names[] = {"an integer", "a number", "true or false", "a string"};

static kind kind_of(lua_State *L, int idx) {
  if (lua_isinteger(L, idx)) return K_INTEGER;
  if (lua_type(L, idx) == LUA_TNUMBER) return K_NUMBER;
  if (lua_type(L, idx) == LUA_TBOOLEAN) return K_BOOLEAN;
  return K_STRING;
}

typedef struct param {
  const char *name;
  kind k;
  double min, max; /* -HUGE_VAL, HUGE_VAL when not given */
} param;

/* Pushes the text s converted to p's kind, or returns -1. */
static int convert(lua_State *L, const param *p, const char *s) {
  char *end = NULL;
  errno = 0;
  if (p->k == K_INTEGER) {
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno) return -1;
    lua_pushinteger(L, (lua_Integer)v);
  } else if (p->k == K_NUMBER) {
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v)) return -1;
    lua_pushnumber(L, v);
  } else if (p->k == K_BOOLEAN) {
    if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0) return -1;
    lua_pushboolean(L, strcmp(s, "true") == 0);
  } else {
    lua_pushstring(L, s);
  }
  if (p->k != K_INTEGER && p->k != K_NUMBER) return 0;
  double v = lua_tonumber(L, -1);
  if (v >= p->min && v <= p->max) return 0;
  lua_pop(L, 1);
  return -1;
}

/* Raises the error for --set name=s, which is not of p's kind or range. */
static int bad_value(lua_State *L, const param *p, const char *s, bool list) {
  char what[160];
  snprintf(what, sizeof what, "%s%s", list ? "a comma-separated list of " : "",
           kind_names[p->k]);
  size_t n = strlen(what);
  if (p->min > -HUGE_VAL && p->max < HUGE_VAL)
    snprintf(what + n, sizeof what - n, " from %.17g to %.17g", p->min, p->max);
  else if (p->min > -HUGE_VAL)
    snprintf(what + n, sizeof what - n, " of at least %.17g", p->min);
  else if (p->max < HUGE_VAL)
    snprintf(what + n, sizeof what - n, " of at most %.17g", p->max);
  if (p->k == K_INTEGER && strchr(s, '.')) {
    n = strlen(what);
    snprintf(what + n, sizeof what - n, " (the default is an integer; write it as "
                                        "a number such as 0.0 to take fractions)");
  }
  return luaL_error(L, "natsim.param '%s': --set %s=%s: expected %s", p->name, p->name,
                    s, what);
}

/* Pushes the list of comma-separated items of s, each of p's kind. */
static int convert_list(lua_State *L, const param *p, const char *s) {
  lua_newtable(L);
  const char *item = s;
  for (;;) {
    const char *comma = strchr(item, ',');
    size_t len = comma ? (size_t)(comma - item) : strlen(item);
    lua_pushlstring(L, item, len);
    if (len == 0 || convert(L, p, lua_tostring(L, -1)) != 0) return bad_value(L, p, s, true);
    lua_rawseti(L, -3, (lua_Integer)lua_rawlen(L, -3) + 1);
    lua_pop(L, 1);
    if (!comma) return 0;
    item = comma + 1;
  }
}

/* The range of opts (at index 3), into p. */
static void read_range(lua_State *L, param *p) {
  static const char *const accepted[] = {"min", "max", NULL};
  char owner[128], err[512];
  p->min = -HUGE_VAL;
  p->max = HUGE_VAL;
  if (lua_isnoneornil(L, 3)) return;
  luaL_checktype(L, 3, LUA_TTABLE);
  snprintf(owner, sizeof owner, "natsim.param '%s'", p->name);
  fields f = fields_at(L, 3, owner, err, sizeof err);
  if (fields_only(&f, accepted) || fields_number(&f, "min", -HUGE_VAL, HUGE_VAL, &p->min) ||
      fields_number(&f, "max", -HUGE_VAL, HUGE_VAL, &p->max))
    luaL_error(L, "%s", err);
  if (p->min > p->max) luaL_error(L, "%s: min %g is above max %g", owner, p->min, p->max);
  if (p->k != K_INTEGER && p->k != K_NUMBER && (p->min > -HUGE_VAL || p->max < HUGE_VAL))
    luaL_error(L, "%s: min and max are for numbers", owner);
}

/* Keeps the value on top of the stack as what the parameter at idx
** resolved to (for the results file); leaves the stack as it was. */
static int keep(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  push_state(L);
  lua_getfield(L, -1, "resolved");
  lua_pushvalue(L, idx);
  lua_pushvalue(L, -4);
  lua_rawset(L, -3);
  lua_pop(L, 2);
  return 1;
}

/* natsim.param(name, default [, {min =, max =}]): the --set value of name
** converted to the default's type, or the default. */
static int l_param(lua_State *L) {
  param p = {luaL_checkstring(L, 1), K_STRING, 0, 0};
  int t = lua_type(L, 2);
  bool list = t == LUA_TTABLE;
  luaL_argexpected(L, t == LUA_TNUMBER || t == LUA_TBOOLEAN || t == LUA_TSTRING || list, 2,
                   "a default: integer, number, boolean, string or a list of one of these");
  luaL_argcheck(L, p.name[0] != '\0', 1, "a parameter's name is not empty");
  if (list) lua_rawgeti(L, 2, 1);
  else lua_pushvalue(L, 2);
  p.k = kind_of(L, -1);
  lua_pop(L, 1);
  read_range(L, &p);
  mark_read(L, 1);
  if (push_value(L, 1) == LUA_TNIL) {
    lua_pushvalue(L, 2);
    return keep(L, 1);
  }
  const char *s = lua_tostring(L, -1);
  if (list) {
    convert_list(L, &p, s);
    return keep(L, 1);
  }
  if (convert(L, &p, s) != 0) return bad_value(L, &p, s, false);
  return keep(L, 1);
}

/* natsim.params (legacy): __index reads a raw --set string. */
static int legacy_index(lua_State *L) {
  push_state(L);
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "legacy");
  lua_pop(L, 1);
  if (lua_type(L, 2) != LUA_TSTRING) return 0;
  mark_read(L, 2);
  push_value(L, 2);
  return 1;
}

/* __pairs: every --set value, all of them read. */
static int legacy_pairs(lua_State *L) {
  push_state(L);
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "legacy");
  lua_getfield(L, -1, "values");
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    mark_read(L, -1);
  }
  lua_getglobal(L, "next");
  lua_insert(L, -2);
  lua_pushnil(L);
  return 3;
}

void params_open(lua_State *L, const char *const *kv, int n) {
  lua_createtable(L, 0, 4);
  lua_createtable(L, 0, n);
  for (int i = 0; i < n; i++) {
    const char *eq = strchr(kv[i], '=');
    lua_pushlstring(L, kv[i], (size_t)(eq - kv[i]));
    lua_pushstring(L, eq + 1);
    lua_settable(L, -3);
  }
  lua_setfield(L, -2, "values");
  lua_newtable(L);
  lua_setfield(L, -2, "read");
  lua_newtable(L);
  lua_setfield(L, -2, "taken");
  lua_newtable(L);
  lua_setfield(L, -2, "resolved");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key);
  lua_getglobal(L, "natsim");
  lua_pushcfunction(L, l_param);
  lua_setfield(L, -2, "param");
  lua_newtable(L);
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, legacy_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, legacy_pairs);
  lua_setfield(L, -2, "__pairs");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "params");
  lua_pop(L, 1);
}

/* Appends s to buf (len bytes), cut when full. */
static void append(char *buf, size_t len, const char *s) {
  size_t n = strlen(buf);
  snprintf(buf + n, len - n, "%s", s);
}

/* -1 with the message when a --set key is unread; `more` ends it. */
static int unread(lua_State *L, char *err, size_t len, const char *more) {
  char keys[512] = "", taken[512] = "";
  push_state(L);
  lua_getfield(L, -1, "read");
  lua_getfield(L, -2, "values");
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    if (lua_rawget(L, -5) == LUA_TNIL) {
      append(keys, sizeof keys, keys[0] ? " --set " : "");
      append(keys, sizeof keys, lua_tostring(L, -3));
      append(keys, sizeof keys, "=");
      append(keys, sizeof keys, lua_tostring(L, -2));
    }
    lua_pop(L, 2);
  }
  lua_getfield(L, -3, "taken");
  for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
    lua_rawgeti(L, -1, i);
    append(taken, sizeof taken, i > 1 ? ", " : "");
    append(taken, sizeof taken, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 4);
  if (!keys[0]) return 0;
  snprintf(err, len, "--set %s: the scenario has no such parameter (%s%s)%s", keys,
           taken[0] ? "its parameters: " : "it reads none", taken, more);
  return -1;
}

void params_before_run(lua_State *L, const char *fn) {
  char err[1200];
  push_state(L);
  lua_getfield(L, -1, "legacy");
  bool legacy = lua_toboolean(L, -1);
  lua_pop(L, 2);
  if (!legacy && unread(L, err, sizeof err, "; a scenario reads its parameters before its "
                                            "first natsim.experiment or natsim.run") != 0)
    luaL_error(L, "%s: %s", fn, err);
}

int params_check(lua_State *L, char *err, size_t len) {
  return unread(L, err, len, "");
}

/* Pushes the value at idx as text: a list's items joined by commas. */
static void push_text(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE) {
    luaL_tolstring(L, idx, NULL);
    return;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, idx); i++) {
    if (i > 1) luaL_addchar(&b, ',');
    lua_rawgeti(L, idx, i);
    luaL_tolstring(L, -1, NULL);
    lua_remove(L, -2);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
}

void params_each(lua_State *L, params_fn fn, void *ctx) {
  push_state(L);
  lua_getfield(L, -1, "resolved");
  lua_getfield(L, -2, "taken");
  for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
    lua_rawgeti(L, -1, i);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -4) != LUA_TNIL) {
      push_text(L, -1);
      fn(ctx, lua_tostring(L, -3), lua_tostring(L, -1));
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 3);
}
