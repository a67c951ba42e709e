/* fields.c: validated reads from Lua option tables. */
#include "fields.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srcline.h"
#include "units.h"

fields fields_at(lua_State *L, int idx, const char *owner, char *err,
                 size_t errlen) {
  fields f = {.L = L, .idx = lua_absindex(L, idx), .owner = owner, .err = err,
              .errlen = errlen};
  return f;
}

/* A short description of the value at the top of the stack. */
static void describe(lua_State *L, char *buf, size_t len) {
  if (lua_type(L, -1) == LUA_TSTRING)
    snprintf(buf, len, "\"%.60s\"", lua_tostring(L, -1));
  else if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TBOOLEAN)
    snprintf(buf, len, "%.60s", luaL_tolstring(L, -1, NULL)), lua_pop(L, 1);
  else
    snprintf(buf, len, "a %s", luaL_typename(L, -1));
}

/* Notes in the outermost table that the last error is about field `name`
** of f (NULL: f itself): the keys from the outermost table down to it. */
static void note(fields *f, const char *name, bool is_name) {
  const char *keys[FIELDS_DEPTH * 2];
  bool names[FIELDS_DEPTH * 2];
  int n = 0;
  if (name) {
    keys[n] = name;
    names[n] = is_name;
    n++;
  }
  fields *root = f;
  for (; root->up; root = root->up) {
    if (!root->key) {
      n = 0; /* an entry without a name: its fields cannot be told apart */
      continue;
    }
    if (n == FIELDS_DEPTH * 2) continue;
    keys[n] = root->key;
    names[n] = root->key_is_name;
    n++;
  }
  root->ntrail = 0;
  for (int i = n - 1; i >= 0 && root->ntrail < FIELDS_DEPTH; i--) {
    root->trail[root->ntrail] = keys[i];
    root->trail_name[root->ntrail] = names[i];
    root->ntrail++;
  }
}

int fields_failf(fields *f, const char *name, const char *fmt, ...) {
  va_list ap;
  int n = snprintf(f->err, f->errlen, "%s: ", f->owner);
  va_start(ap, fmt);
  if (n >= 0 && (size_t)n < f->errlen) vsnprintf(f->err + n, f->errlen - (size_t)n, fmt, ap);
  va_end(ap);
  note(f, name, false);
  return -1;
}

int fields_fail(fields *f, const char *name, const char *what) {
  char got[80];
  lua_getfield(f->L, f->idx, name);
  describe(f->L, got, sizeof got);
  lua_pop(f->L, 1);
  snprintf(f->err, f->errlen, "%s: field '%s': expected %s, got %s", f->owner,
           name, what, got);
  note(f, name, false);
  return -1;
}

int fields_table(fields *f, const char *name, fields *sub, char *owner, size_t len) {
  if (!fields_has(f, name)) return 0;
  if (lua_getfield(f->L, f->idx, name) != LUA_TTABLE) {
    lua_pop(f->L, 1);
    return fields_fail(f, name, "a table");
  }
  snprintf(owner, len, "%s: %s", f->owner, name);
  *sub = fields_at(f->L, -1, owner, f->err, f->errlen);
  sub->up = f;
  sub->key = name;
  return 1;
}

int fields_entry(fields *f, int i, fields *sub, char *owner, size_t len) {
  lua_State *L = f->L;
  if (lua_rawgeti(L, f->idx, i) != LUA_TTABLE) {
    char got[80];
    describe(L, got, sizeof got);
    lua_pop(L, 1);
    return fields_failf(f, NULL, "entry %d: expected a table, got %s", i, got);
  }
  const char *name = NULL;
  if (lua_getfield(L, -1, "name") == LUA_TSTRING) name = lua_tostring(L, -1);
  lua_pop(L, 1); /* the name stays reachable through the entry */
  if (name) snprintf(owner, len, "%s[%d] (\"%s\")", f->owner, i, name);
  else snprintf(owner, len, "%s[%d]", f->owner, i);
  *sub = fields_at(L, -1, owner, f->err, f->errlen);
  sub->up = f;
  sub->key = name;
  sub->key_is_name = true;
  return 1;
}

int fields_only(fields *f, const char *const *accepted) {
  lua_State *L = f->L;
  lua_pushnil(L);
  while (lua_next(L, f->idx)) {
    lua_pop(L, 1);
    const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    const char *const *a = accepted;
    while (key && *a && strcmp(*a, key) != 0) a++;
    if (!key || !*a) {
      char list[400] = "", got[80];
      for (a = accepted; *a; a++) {
        strncat(list, a == accepted ? "" : ", ", sizeof list - strlen(list) - 1);
        strncat(list, *a, sizeof list - strlen(list) - 1);
      }
      describe(L, got, sizeof got);
      snprintf(f->err, f->errlen, "%s: unknown field %s (accepted: %s)",
               f->owner, got, list);
      note(f, key, false);
      lua_pop(L, 1);
      return -1;
    }
  }
  return 0;
}

bool fields_has(fields *f, const char *name) {
  bool has = lua_getfield(f->L, f->idx, name) != LUA_TNIL;
  lua_pop(f->L, 1);
  return has;
}

int fields_require(fields *f, const char *name, const char *what) {
  if (fields_has(f, name)) return 0;
  snprintf(f->err, f->errlen, "%s: field '%s' is required (%s)", f->owner,
           name, what);
  note(f, NULL, false);
  return -1;
}

int fields_string(fields *f, const char *name, const char **out) {
  int t = lua_getfield(f->L, f->idx, name);
  /* The string stays reachable through the table, so popping is safe. */
  const char *s = t == LUA_TSTRING ? lua_tostring(f->L, -1) : NULL;
  lua_pop(f->L, 1);
  if (t == LUA_TNIL) return 0;
  if (!s) return fields_fail(f, name, "a string");
  *out = s;
  return 0;
}

int fields_enum(fields *f, const char *name, const char *const *names,
                int *out) {
  int t = lua_getfield(f->L, f->idx, name);
  const char *s = t == LUA_TSTRING ? lua_tostring(f->L, -1) : NULL;
  lua_pop(f->L, 1);
  if (t == LUA_TNIL) return 0;
  for (int i = 0; s && names[i]; i++) {
    if (strcmp(s, names[i]) == 0) {
      *out = i;
      return 0;
    }
  }
  char what[400] = "one of ";
  for (int i = 0; names[i]; i++) {
    strncat(what, i ? ", " : "", sizeof what - strlen(what) - 1);
    strncat(what, names[i], sizeof what - strlen(what) - 1);
  }
  return fields_fail(f, name, what);
}

int fields_int(fields *f, const char *name, int64_t lo, int64_t hi,
               int64_t *out) {
  int t = lua_getfield(f->L, f->idx, name);
  int ok = 0;
  lua_Integer v = lua_tointegerx(f->L, -1, &ok);
  lua_pop(f->L, 1);
  if (t == LUA_TNIL) return 0;
  if (t != LUA_TNUMBER || !ok || v < lo || v > hi) {
    char what[80];
    snprintf(what, sizeof what, "an integer from %lld to %lld", (long long)lo,
             (long long)hi);
    return fields_fail(f, name, what);
  }
  *out = v;
  return 0;
}

int fields_number(fields *f, const char *name, double lo, double hi,
                  double *out) {
  int t = lua_getfield(f->L, f->idx, name);
  double v = lua_tonumber(f->L, -1);
  lua_pop(f->L, 1);
  if (t == LUA_TNIL) return 0;
  if (t != LUA_TNUMBER || !(v >= lo && v <= hi)) {
    char what[80];
    snprintf(what, sizeof what, "a number from %g to %g", lo, hi);
    return fields_fail(f, name, what);
  }
  *out = v;
  return 0;
}

int fields_bool(fields *f, const char *name, bool *out) {
  int t = lua_getfield(f->L, f->idx, name);
  bool v = lua_toboolean(f->L, -1);
  lua_pop(f->L, 1);
  if (t == LUA_TNIL) return 0;
  if (t != LUA_TBOOLEAN) return fields_fail(f, name, "true or false");
  *out = v;
  return 0;
}

/* A duration at field name: a string with a unit, or also a bare number
** of seconds when `seconds` is set. */
static int duration(fields *f, const char *name, bool seconds, int64_t *ns) {
  int t = lua_getfield(f->L, f->idx, name);
  int bad = 0;
  if (t == LUA_TNUMBER && seconds)
    bad = units_seconds(lua_tonumber(f->L, -1), ns);
  else if (t == LUA_TSTRING)
    bad = !units_has_unit(lua_tostring(f->L, -1)) || units_duration(lua_tostring(f->L, -1), ns);
  else
    bad = t != LUA_TNIL;
  lua_pop(f->L, 1);
  if (!bad) return 0;
  if (seconds)
    return fields_fail(f, name, "a duration: seconds, or a string such as \"20ms\"");
  return fields_fail(f, name, "a duration with a unit, such as \"20ms\" or \"5s\" (a bare "
                              "number is refused here: its unit would be a guess)");
}

int fields_duration(fields *f, const char *name, int64_t *ns) {
  return duration(f, name, false, ns);
}

int fields_seconds(fields *f, const char *name, int64_t *ns) {
  return duration(f, name, true, ns);
}

int fields_rate(fields *f, const char *name, uint64_t *bps) {
  int t = lua_getfield(f->L, f->idx, name);
  const char *s = t == LUA_TSTRING ? lua_tostring(f->L, -1) : NULL;
  int bad = t != LUA_TNIL && (t != LUA_TSTRING || !units_has_unit(s) || units_rate(s, bps) != 0);
  lua_pop(f->L, 1);
  if (!bad) return 0;
  return fields_fail(f, name, "a rate with a unit, such as \"10Mbps\" or \"512kbps\" (a "
                              "bare number is refused: its unit would be a guess)");
}

int fields_raise(fields *f) {
  lua_State *L = f->L;
  fields *root = f;
  while (root->up) root = root->up;
  lua_Debug ar;
  int line = 0;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
    line = ar.currentline;
    if (ar.source[0] == '@')
      line = srcline_find(ar.source + 1, line, root->trail, root->trail_name, root->ntrail);
  }
  if (line > 0) lua_pushfstring(L, "%s:%d: %s", ar.short_src, line, f->err);
  else lua_pushstring(L, f->err);
  return lua_error(L);
}
