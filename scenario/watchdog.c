/* watchdog.c: the instruction budget of guarded calls into Lua. */
#include "watchdog.h"

#include <lauxlib.h>
#include <stdbool.h>

#define STEP 1000000 /* instructions between two looks at the count */

/* A state's watchdog, a full userdata in its registry under &key. */
typedef struct wd {
  int64_t budget;
  int64_t used;     /* by the guarded call under way */
  const char *what; /* that call, or NULL */
  bool tripped;
} wd;

static const char key = 'w';

static wd *get(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key);
  wd *d = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (d) return d;
  d = lua_newuserdatauv(L, sizeof *d, 0);
  *d = (wd){.budget = WATCHDOG_BUDGET};
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key);
  return d;
}

void watchdog_set_budget(lua_State *L, int64_t instructions) {
  if (instructions < 1) instructions = 1;
  if (instructions > WATCHDOG_BUDGET_MAX) instructions = WATCHDOG_BUDGET_MAX;
  get(L)->budget = instructions;
}

int64_t watchdog_budget(lua_State *L) { return get(L)->budget; }

void watchdog_inherit(lua_State *to, lua_State *from) {
  watchdog_set_budget(to, watchdog_budget(from));
}

static int step(const wd *d) {
  return d->budget < STEP ? (int)d->budget : STEP;
}

/* The count hook: adds up what ran; over the budget, raises the error. */
static void on_count(lua_State *L, lua_Debug *ar) {
  wd *d = get(L);
  if (!d->tripped) {
    d->used += step(d);
    if (d->used < d->budget) return;
    d->tripped = true;
    lua_sethook(L, on_count, LUA_MASKCOUNT, 1); /* again at every instruction */
  }
  lua_getinfo(L, "Sl", ar);
  lua_pushfstring(L, "%s:%d: %s ran over its budget of %I Lua instructions without "
                  "returning (a loop that never ends?); natsim run --max-instructions sets it",
                  ar->short_src, ar->currentline, d->what, (lua_Integer)d->budget);
  lua_error(L);
}

int watchdog_pcall(lua_State *L, int nargs, int nresults, const char *what) {
  wd *d = get(L);
  wd outer = *d;
  lua_Hook hook = lua_gethook(L);
  int mask = lua_gethookmask(L);
  int count = lua_gethookcount(L);
  d->what = what;
  d->used = 0;
  d->tripped = false;
  lua_sethook(L, on_count, LUA_MASKCOUNT, step(d));
  int rc = lua_pcall(L, nargs, nresults, 0);
  lua_sethook(L, hook, mask, count);
  d->what = outer.what;
  d->used = outer.used;
  d->tripped = outer.tripped;
  return rc;
}

const char *watchdog_inside(lua_State *L) { return get(L)->what; }
