/*
** nat_model.h: a NAT model as a node runs it: the engine's config (nat.h),
** its name and source, whether it runs a PCP server, and the state of a
** scripted allocator, if any. Where models come from (Lua files, inline
** tables) is the scenario layer's business: it hands them down through a
** nat_model_loader, so nothing below it needs Lua.
**
** Ownership: a loaded model owns its script state (cfg.hook_ctx); copies
** share it, and exactly one owner calls nat_model_release.
*/
#ifndef NATSIM_NAT_MODEL_H
#define NATSIM_NAT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat.h"

typedef struct nat_model {
  char name[64];
  char source[256]; /* the file, or where the inline table was given */
  nat_config cfg;   /* cfg.alloc_hook calls the scripted allocator, if any */
  bool pcp;         /* it runs a PCP server (RFC 6887) on its inside address */
  /* Frees cfg.hook_ctx; NULL when the model holds nothing. */
  void (*release)(void *hook_ctx);
} nat_model;

/* Releases what the model holds (its script state) and clears the hook.
** Safe on a zeroed model and twice on the same one. */
void nat_model_release(nat_model *m);

/* Loads the model file `path` into *out for one NAT node. `seed` is that
** node's own (world_node_seed): a scripted allocator's randomness starts
** from it. Returns 0, or -1 with the reason (naming the file, the field
** and what is accepted) in err. On failure *out holds nothing to release. */
typedef int (*nat_model_load_fn)(void *ctx, const char *path, uint64_t seed,
                                 nat_model *out, char *err, size_t errlen);

typedef struct nat_model_loader {
  nat_model_load_fn load;
  void *ctx;
} nat_model_loader;

/* The spellings used in model files, reports and discovery results:
** "endpoint-independent", "address-dependent", "address-and-port-dependent";
** "preserve", "sequential", "random". "?" for a value out of range. */
const char *nat_policy_name(enum nat_mapping p);
const char *nat_alloc_name(enum nat_alloc a);

#endif
