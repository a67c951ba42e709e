/*
** model.h: NAT models written in Lua (the files in nat-models/). A model file
** returns a table of policies and timers, and may define an allocate_port
** function: the scripted part. docs/lua-api.md lists the fields.
**
** A loaded model keeps a reference to its hook in the lua_State it was
** loaded into; model_release drops it. Errors name the file (or the inline
** table's owner), the field and what is accepted, and come back in err.
*/
#ifndef NATSIM_MODEL_H
#define NATSIM_MODEL_H

#include <lua.h>
#include <stddef.h>

#include "nat.h"

typedef struct nat_model {
  char name[64];
  char source[256]; /* the file, or where the inline table was given */
  nat_config cfg;   /* cfg.alloc_hook calls the Lua hook, if any */
  bool pcp;         /* it runs a PCP server (RFC 6887) on its inside address */
  lua_State *L;
  int hook;         /* registry reference to allocate_port, or LUA_NOREF */
} nat_model;

/* Loads a model file. Returns 0, or -1 with the reason in err. */
int model_load(lua_State *L, const char *path, nat_model *m, char *err,
               size_t errlen);
/* Reads a model table at stack index idx; source names it in errors. */
int model_from_table(lua_State *L, int idx, const char *source, nat_model *m,
                     char *err, size_t errlen);
void model_release(nat_model *m);

/* The spellings used in model files, reports and discovery results. */
const char *model_policy_name(enum nat_mapping p);
const char *model_alloc_name(enum nat_alloc a);

#endif
