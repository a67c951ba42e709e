/*
** params.h: a scenario's parameters. `natsim run --set KEY=VALUE` gives
** the values; a scenario declares each parameter it takes and reads it with
** natsim.param(name, default [, {min =, max =}]), which converts the value
** to the default's type (integer, number, boolean, string, or a list of
** one of these from comma-separated values) and checks the range. The
** legacy table natsim.params gives the raw strings. A --set key that the
** scenario never read is an error listing the parameters it takes.
**
** The state lives in L's registry; nothing here is global.
*/
#ifndef NATSIM_PARAMS_H
#define NATSIM_PARAMS_H

#include <lua.h>
#include <stddef.h>

/* Adds natsim.param and natsim.params to the global table natsim (which
** must exist). kv: n strings "KEY=VALUE" (KEY not empty), copied into L. */
void params_open(lua_State *L, const char *const *kv, int n);

/* Before a simulation starts (natsim.run, natsim.experiment, named fn):
** raises a Lua error when a --set key was read by nothing so far and the
** scenario has not used the legacy natsim.params (which may read it later),
** so a misspelt key stops the run before it costs anything. */
void params_before_run(lua_State *L, const char *fn);

/* After the script: -1 with the reason in err when a --set key was never
** read, by natsim.param or through natsim.params; 0 otherwise. */
int params_check(lua_State *L, char *err, size_t len);

/* Calls fn for each parameter natsim.param read, in the order first read,
** with its name and what it resolved to as text (a list's items joined by
** commas). The strings live for the call only. Parameters read only
** through natsim.params are left out. */
typedef void (*params_fn)(void *ctx, const char *name, const char *value);
void params_each(lua_State *L, params_fn fn, void *ctx);

#endif
