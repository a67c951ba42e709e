/*
** cost.h: what a version costs to run. From what a run measured (bytes the
** gateway and TURN relayed with their framing, STUN and TURN requests,
** allocations, keepalives) and a usage profile with prices (exp_cost_cfg),
** the monthly bandwidth leaving the gateway and the STUN/TURN servers and
** its bill. The model is in docs/lua-api.md (cost).
*/
#ifndef NATSIM_COST_H
#define NATSIM_COST_H

#include <stdbool.h>

#include "experiment.h"

/* The defaults: 10000 peers, 10 sessions a peer a day, 10 MB a session,
** 10 minutes a session, $0.09 a GB of egress, $20 a server-month, one
** STUN/TURN server for a version with ICE. */
void cost_defaults(exp_cost_cfg *c);

/* s->cost from s's measurements, cfg's workload and cfg->cost. ice_servers:
** the run had STUN and TURN servers (their server-months are billed). A
** run that sent no message bytes costs its keepalives and servers only.
** Cannot fail. */
void cost_measure(const exp_cfg *cfg, bool ice_servers, exp_summary *s);

#endif
