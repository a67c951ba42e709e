/*
** rpeer.h: `natsim peer`: one peer of the traversal stack (src/peer.h, the
** v0.8 strategy: the gateway relay, then hole punching and the move to the
** direct path) on a real UDP socket. It registers with a gateway (`natsim
** serve gateway`), connects to another peer or waits to be connected,
** exchanges numbered messages and says whether the session went direct.
** The command line is parsed by cli/.
*/
#ifndef NATSIM_RPEER_H
#define NATSIM_RPEER_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "gwproto.h"

typedef struct rpeer_opts {
  addr gateway;                 /* the gateway, IPv4 (required) */
  uint32_t id;                  /* this peer's id (required, >= 1) */
  uint8_t key[GW_KEY_LEN];      /* its key, as the gateway's peer file has it */
  uint32_t connect;             /* the peer to connect to; 0: wait to be connected */
  long messages;                /* messages to send and to receive (the command's default: 20) */
  long timeout_s;               /* how long it may all take (the command's default: 20) */
  long settle_ms;               /* after the data, how long to wait for the direct path (default 3000) */
  bool json;
} rpeer_opts;

/* Runs the peer until it sent and received every message and the session
** is direct (or punching gave up, or settle_ms passed), and prints the
** outcome on stdout. Returns the process exit status: 0 every message went
** both ways, 1 not (a timeout, the gateway never answered: the reason on
** stderr), 2 out of memory or no socket. */
int rpeer_run(const rpeer_opts *o);

#endif
