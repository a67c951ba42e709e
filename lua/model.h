/*
** model.h: NAT models written in Lua (the files in nat-models/). A model file
** returns a table of policies and timers, and may define an allocate_port
** function: the scripted part. docs/lua-api.md lists the fields.
**
** A loaded model keeps a reference to its hook in the lua_State it was
** loaded into; nat_model_release (nat_model.h) drops it, and L must
** outlive the model. Errors name the file (or the inline
** table's owner), the field and what is accepted, and come back in err.
*/
#ifndef NATSIM_MODEL_H
#define NATSIM_MODEL_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "nat_model.h"

/* Loads a model file into L as it is (with whatever libraries L has; the
** simulations use model_load_isolated). Returns 0, or -1 with the reason
** in err. */
int model_load(lua_State *L, const char *path, nat_model *m, char *err,
               size_t errlen);
/* Reads a model table at stack index idx; source names it in errors. */
int model_from_table(lua_State *L, int idx, const char *source, nat_model *m,
                     char *err, size_t errlen);
/* Loads a model file into a Lua state of its own, with the model
** environment: the libraries base (without dofile and loadfile), math,
** string, table and utf8; no io, os, package or debug; print writes to
** stderr; math.random seeded with `seed`. The state takes the watchdog
** budget of `like` (NULL: the default). The model keeps the state while it
** has a hook (nat_model_release closes it); without one it is closed at
** once. Returns 0, or -1 with the reason in err (*m then holds nothing). */
int model_load_isolated(const char *path, uint64_t seed, lua_State *like,
                        nat_model *m, char *err, size_t errlen);
/* A loader (nat_model.h) that loads each model with model_load_isolated,
** the node's seed and `like`'s budget: one state per NAT, so no hook's
** globals couple two NATs. `like` (may be NULL) must outlive the loader. */
nat_model_loader model_loader(lua_State *like);

#endif
