/* nat_model.c: releasing models, and the names of their policies. */
#include "nat_model.h"

static const char *const policies[] = {"endpoint-independent", "address-dependent",
                                       "address-and-port-dependent"};
static const char *const allocs[] = {"preserve", "sequential", "random"};

void nat_model_release(nat_model *m) {
  if (m->release && m->cfg.hook_ctx) m->release(m->cfg.hook_ctx);
  m->release = NULL;
  m->cfg.hook_ctx = NULL;
  m->cfg.alloc_hook = NULL;
}

const char *nat_policy_name(enum nat_mapping p) {
  if (p > NAT_APD) return "?";
  return policies[p];
}

const char *nat_alloc_name(enum nat_alloc a) {
  if (a > NAT_RANDOM) return "?";
  return allocs[a];
}
