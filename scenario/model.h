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

#include "nat_model.h"

/* Loads a model file. Returns 0, or -1 with the reason in err. */
int model_load(lua_State *L, const char *path, nat_model *m, char *err,
               size_t errlen);
/* Reads a model table at stack index idx; source names it in errors. */
int model_from_table(lua_State *L, int idx, const char *source, nat_model *m,
                     char *err, size_t errlen);
/* A loader (nat_model.h) of model files into L, which must outlive it and
** every model it loads. */
nat_model_loader model_loader(lua_State *L);
/* A loader that gives each model a Lua state of its own, with the standard
** libraries, closed with the model (or at once when it has no hook). */
nat_model_loader model_loader_isolated(void);

#endif
