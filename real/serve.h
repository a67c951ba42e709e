/*
** serve.h: `natsim serve`: the STUN, TURN and gateway servers of src/ on
** real UDP sockets, each until SIGINT or SIGTERM, then a clean shutdown
** with a line of counters on stderr. The command line is parsed by cli/.
*/
#ifndef NATSIM_SERVE_H
#define NATSIM_SERVE_H

#include <stdint.h>

#include "addr.h"

typedef enum serve_kind { SERVE_STUN, SERVE_TURN, SERVE_GATEWAY } serve_kind;

/* What to serve and how. The strings are borrowed for the call. */
typedef struct serve_opts {
  serve_kind kind;
  addr listen;             /* the address and port to listen on (required) */
  addr alt;                /* stun: the second address and port (RFC 5780); family 0: none */
  const char *user;        /* turn: "USER:PASS", USER not empty (required) */
  const char *realm;       /* turn: the realm (the command's default: "natsim") */
  const char **allow_peers; /* turn: networks allowed as peers (addr_parse_cidr) */
  int nallow_peers;
  const char **deny_peers;  /* turn: networks denied as peers, applied after the allows */
  int ndeny_peers;
  int max_allocs_per_user;  /* turn: 0, no limit (the command's default: 512) */
  int max_allocs_per_addr;  /* turn: per client IP; 0, no limit (the command's default: 64) */
  const char *peers;       /* gateway: the peer file (required; see real_read_peers) */
  uint32_t punch_delay_ms; /* gateway: hole-punching delay (the command's default: 100) */
} serve_opts;

/* Runs the server until SIGINT or SIGTERM. Returns the process exit
** status: 0 after a clean stop, 1 when it could not start (a socket that
** would not bind, an unreadable peer file, no memory, no random bytes for
** the nonce secret), with the reason on stderr. A required field missing
** or a network that does not parse is the caller's error (checked by
** cli/). The TURN server's sockets get 4 MB (listening) and 1 MB (relay)
** buffers where the system allows; the counters at the end include the
** datagrams the kernel dropped. */
int serve_run(const serve_opts *o);

#endif
