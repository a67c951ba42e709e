/*
** lua_experiment.h: natsim.experiment{...}, population experiments
** (experiment.h) as scenarios call them (docs/lua-api.md), with their
** results as Lua tables and kept in the lapi state for the results file.
*/
#ifndef NATSIM_LUA_EXPERIMENT_H
#define NATSIM_LUA_EXPERIMENT_H

#include <lua.h>

#include "lua_api.h"

/* Adds experiment to the global natsim table that lapi_open made; a (the
** caller's) must outlive L's use of it. */
void lexp_register(lua_State *L, lapi *a);

#endif
