/*
** version.h: the versions of the stack an experiment can run, one row
** each: a name, its connection strategy in words and what it can do.
** Everything that depends on the version asks its row; adding a version
** is adding a row (version.c).
*/
#ifndef NATSIM_VERSION_H
#define NATSIM_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#include "peer.h"

typedef struct exp_version {
  const char *name;     /* "v0.8" */
  const char *strategy; /* in words, for the results */
  /* Gateway-coordinated hole punching and the upgrade to the punched path
  ** (peer_cfg.punch). The oracle: direct wherever feasible_punch says, and
  ** between peers behind one NAT only when it hairpins. */
  bool punch;
  /* ICE with STUN and TURN servers in the world (peer_cfg.ice). The
  ** oracle: direct wherever feasible_punch says, and always between peers
  ** behind one NAT (host candidates). */
  bool ice;
  /* ICE's extras as the scenario configures them: port prediction, PCP
  ** mappings and birthday probing, in the peers and in the oracle
  ** (feasible_predict, feasible_pcp, feasible_birthday). Needs ice. */
  bool extras;
  /* How its QUIC sessions move to the direct path (peer.h): migration or
  ** switching beneath QUIC. A scenario may choose otherwise (exp_cfg). */
  enum peer_upgrade upgrade;
  bool by_default;      /* run when a scenario names no versions */
} exp_version;

/* The row named `name`; NULL when no version has that name. */
const exp_version *exp_version_find(const char *name);
/* How many versions there are, and the i-th (0 <= i < count) in order of
** release; NULL for another i. Rows are static: never freed. */
int exp_version_count(void);
const exp_version *exp_version_at(int i);
/* The index of row v in the table (exp_version_at(i) == v), or -1 for a
** row not in it. */
int exp_version_index(const exp_version *v);
/* The names, in order, separated by ", " ("v0.7, v0.8, v0.9"), for error
** messages; truncated to fit len. Returns buf. */
const char *exp_version_names(char *buf, size_t len);

#endif
