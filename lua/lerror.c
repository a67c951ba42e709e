/* lerror.c: error values turned into messages with a location. */
#include "lerror.h"

#include <lauxlib.h>

/* The location "file:line:" of the innermost Lua function on the stack,
** pushed; an empty string when there is none. */
static void push_where(lua_State *L) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      return;
    }
  }
  lua_pushliteral(L, "");
}

/* The message handler: strings pass; other values get words and a place. */
static int handler(lua_State *L) {
  if (lua_type(L, 1) == LUA_TSTRING) return 1;
  push_where(L);
  if (luaL_getmetafield(L, 1, "__tostring") != LUA_TNIL) {
    lua_pop(L, 1);
    luaL_tolstring(L, 1, NULL);
  } else {
    lua_pushfstring(L, "error raised with a %s value, not a message", luaL_typename(L, 1));
  }
  lua_concat(L, 2);
  return 1;
}

int lerror_pcall(lua_State *L, int nargs, int nresults) {
  int base = lua_gettop(L) - nargs; /* the function's index */
  lua_pushcfunction(L, handler);
  lua_insert(L, base);
  int rc = lua_pcall(L, nargs, nresults, base);
  lua_remove(L, base);
  return rc;
}
