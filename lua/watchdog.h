/*
** watchdog.h: an instruction budget for each call C makes into Lua on a
** simulation's behalf (NAT model hooks, scenario callbacks), so a loop that
** never ends stops with an error instead of hanging the run.
**
** The budget is kept per lua_State (WATCHDOG_BUDGET unless set). A call
** that runs over it raises a Lua error "FILE:LINE: WHAT ran over its
** budget of N Lua instructions ...", caught by watchdog_pcall like any
** other error; once over, the error is raised again at the next instruction,
** so a pcall inside the hook cannot swallow it.
*/
#ifndef NATSIM_WATCHDOG_H
#define NATSIM_WATCHDOG_H

#include <lua.h>
#include <stdint.h>

#define WATCHDOG_BUDGET 100000000 /* 10^8 instructions: seconds of Lua */
#define WATCHDOG_BUDGET_MAX 1000000000000LL

/* Sets L's budget per call (1 to WATCHDOG_BUDGET_MAX instructions). */
void watchdog_set_budget(lua_State *L, int64_t instructions);
/* L's budget per call. */
int64_t watchdog_budget(lua_State *L);
/* Gives `to` the budget of `from`: for a state made to run models' hooks. */
void watchdog_inherit(lua_State *to, lua_State *from);
/* lua_pcall(L, nargs, nresults, 0) under the budget; `what` (static, e.g.
** "allocate_port") names the call in the error and in watchdog_inside.
** Any hook L had is restored after. Returns lua_pcall's status. */
int watchdog_pcall(lua_State *L, int nargs, int nresults, const char *what);
/* The guarded call L is inside (its `what`), or NULL when none is. */
const char *watchdog_inside(lua_State *L);

#endif
