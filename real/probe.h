/*
** probe.h: client commands on real sockets: `natsim probe` (NAT behaviour
** discovery from this host against an RFC 5780 STUN server) and
** `natsim turn-check` (allocate, permit, relay to a local peer and back,
** step by step). The command line is parsed by cli/.
*/
#ifndef NATSIM_PROBE_H
#define NATSIM_PROBE_H

#include <stdbool.h>

#include "addr.h"

typedef struct probe_opts {
  addr server; /* the STUN server, IPv4 (required) */
  bool json;   /* print JSON (classify's fields) instead of the table */
  long rto_ms; /* initial retransmission timeout (the command's default: 500) */
} probe_opts;

/* Runs discovery and prints the result on stdout. Returns the process
** exit status: 0 done, 1 the server did not answer or no socket could be
** opened (the reason on stderr), 2 out of memory. */
int probe_run(const probe_opts *o);

typedef struct turn_check_opts {
  addr server;      /* the TURN server, IPv4 (required) */
  const char *user; /* "USER:PASS", USER not empty (required; borrowed) */
  long timeout_s;   /* how long the steps may take (the command's default: 10) */
} turn_check_opts;

/* Runs the steps, printing one line per step on stdout. Returns the
** process exit status: 0 every step passed, 1 one did not or the local
** sockets could not be opened, 2 out of memory. */
int turn_check_run(const turn_check_opts *o);

#endif
