/* watchdog.c: the instruction budget of guarded calls into Lua. */
#include "watchdog.h"

#include <lauxlib.h>
#include <stdbool.h>

#include "lerror.h"

#define STEP 1000000 /* instructions between two looks at the count, at most */

/* A state's watchdog, a full userdata in its registry under &key. */
typedef struct wd {
  int64_t budget;
  int64_t used;       /* by the guarded call under way */
  const char *what;   /* that call, or NULL */
  lua_State *guarded; /* the thread it runs on */
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

/* A sixteenth of the budget, at most STEP: a thread's count is carried
** from call to call, so a call may be charged up to one step more than it
** ran on each thread it used. */
static int step(const wd *d) {
  int64_t n = d->budget / 16;
  if (n < 1) return 1;
  if (n > STEP) return STEP;
  return (int)n;
}

static void on_count(lua_State *L, lua_Debug *ar);

/* The count hook on thread L, every `count` instructions. Threads made
** later by L (coroutines) inherit it. */
static void arm(lua_State *L, int count) {
  lua_sethook(L, on_count, LUA_MASKCOUNT, count);
}

/* The count hook: adds up what a guarded call ran; over the budget, raises
** the error, and again at every instruction of the call's thread and of
** this one until the call ends. */
static void on_count(lua_State *L, lua_Debug *ar) {
  wd *d = get(L);
  if (!d->what) return;
  if (!d->tripped && lua_gethookcount(L) != step(d)) { /* left over from a trip */
    arm(L, step(d));
    return;
  }
  if (!d->tripped) {
    d->used += step(d);
    if (d->used < d->budget) return;
    d->tripped = true;
    arm(L, 1);
    if (d->guarded != L) arm(d->guarded, 1);
  }
  lua_getinfo(L, "Sl", ar);
  lua_pushfstring(L, "%s:%d: %s ran over its budget of %I Lua instructions without "
                  "returning (a loop that never ends?); natsim run --max-instructions sets it",
                  ar->short_src, ar->currentline, d->what, (lua_Integer)d->budget);
  lua_error(L);
}

void watchdog_set_budget(lua_State *L, int64_t instructions) {
  if (instructions < 1) instructions = 1;
  if (instructions > WATCHDOG_BUDGET_MAX) instructions = WATCHDOG_BUDGET_MAX;
  wd *d = get(L);
  d->budget = instructions;
  arm(L, step(d));
}

int64_t watchdog_budget(lua_State *L) { return get(L)->budget; }

void watchdog_inherit(lua_State *to, lua_State *from) {
  watchdog_set_budget(to, watchdog_budget(from));
}

int watchdog_pcall(lua_State *L, int nargs, int nresults, const char *what) {
  wd *d = get(L);
  wd outer = *d;
  if (lua_gethook(L) != on_count) arm(L, step(d));
  d->what = what;
  d->used = 0;
  d->tripped = false;
  d->guarded = L;
  int rc = lerror_pcall(L, nargs, nresults);
  *d = outer;
  arm(L, d->tripped ? 1 : step(d));
  return rc;
}

const char *watchdog_inside(lua_State *L) { return get(L)->what; }
