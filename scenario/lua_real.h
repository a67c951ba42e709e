/*
** lua_real.h: real hosts in a scenario (`natsim.host{exec = ...}` and
** `host:wait`, docs/emulation.md): each is a network namespace with a TAP
** device attached to its node in the simulated world, and a program run
** inside it when the simulation starts running. Only with `natsim run
** --emulate`, which runs the simulation in real time.
**
** Ownership: an lreal owns its namespaces, processes and the folder of
** their output; lreal_free kills the processes and removes the rest, and
** must run on every way out (scenario.c calls it through lapi_close).
** SIGINT and SIGTERM stop a run in progress with a world error once a real
** host exists (their handlers only set a flag).
*/
#ifndef NATSIM_LUA_REAL_H
#define NATSIM_LUA_REAL_H

#include <lua.h>
#include <stdint.h>

#include "world.h"

typedef struct lreal lreal;

/* A set of real hosts, none yet; NULL when memory runs out. */
lreal *lreal_new(void);
/* Kills every process, removes every namespace and the output folder. */
void lreal_free(lreal *r);

/* Adds real host o to w, running argv (a NULL-terminated
** list, copied) once the simulation runs. The first real host checks the
** machine (root, /dev/net/tun, namespaces) and removes what killed runs
** left (netns_clean_stale). Returns the node's index, or -1 with the reason
** in err. */
int lreal_host(lreal *r, world *w, const world_node_opts *o, char *const argv[], char *err,
               size_t len);

/* Runs the simulation until host node's program exits or timeout ns pass,
** then pushes {exited =, status =, stdout =, stderr =} (status: its exit
** status, or 128 + the signal that ended it; absent while it runs; output
** at most 1 MiB each). Raises a Lua error when node is not a real host, or
** on a world error (a signal, a program that could not start). */
int lreal_wait(lua_State *L, lreal *r, world *w, int node, int64_t timeout);

#endif
