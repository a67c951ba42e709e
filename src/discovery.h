/*
** discovery.h: NAT behaviour discovery (RFC 5780) against a STUN server
** that owns two addresses and two ports: the roadmap's "nat discovery"
** module. It finds the mapping and filtering behaviour, the port allocation
** pattern (preserving, sequential with its stride, random), hairpinning,
** and, when asked, the mapping lifetime; and names the classic type.
**
** Sans-I/O: the caller opens disc_sockets() local UDP sockets, tells their
** addresses with disc_set_local, starts the run, passes every datagram
** received on them to disc_recv, calls disc_tick at disc_deadline, and
** sends what io.send asks for. disc_new returns NULL when out of memory;
** the result says how the run ended.
*/
#ifndef NATSIM_DISCOVERY_H
#define NATSIM_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "stun_client.h"

enum disc_behaviour { DISC_UNKNOWN, DISC_EI, DISC_AD, DISC_APD };
enum disc_alloc { DISC_ALLOC_UNKNOWN, DISC_PRESERVE, DISC_SEQUENTIAL, DISC_RANDOM };
enum disc_status {
  DISC_RUNNING,
  DISC_OK,
  DISC_NO_SERVER,  /* the first Binding request was never answered */
  DISC_NO_RFC5780, /* the server gave no OTHER-ADDRESS: only the mapped address is known */
};

typedef struct disc_cfg {
  addr server;          /* the server's primary address and port */
  stun_timing timing;   /* retransmission; stun_timing_default() is RFC 8489's */
  uint64_t seed;        /* transaction IDs in simulation (unused with csprng) */
  bool csprng;          /* transaction IDs from GnuTLS (real sockets, RFC 8489 5) */
  bool lifetime;        /* also measure the mapping lifetime (slow) */
  int64_t lifetime_step, lifetime_max; /* its resolution and range, ns */
} disc_cfg;

typedef struct disc_result {
  enum disc_status status;
  bool natted;           /* the mapped address differs from the local one */
  addr mapped;           /* as seen by the server's primary address */
  enum disc_behaviour mapping, filtering;
  enum disc_alloc allocation;
  int stride;            /* sequential: the step between ports */
  bool hairpinning;
  /* hairpinning can only be seen when mapping or filtering is
  ** endpoint-independent (RFC 5780 section 4.6); false otherwise */
  bool hairpin_observable;
  /* A mapping idle for lifetime_lo (since the last answer it carried) still
  ** worked; one idle for lifetime_hi did not. 0: not measured; hi = 0: every
  ** probe found its mapping alive. */
  int64_t lifetime_lo, lifetime_hi;
  int64_t elapsed;       /* virtual time from start to done, ns */
  stun_client_stats stun;
} disc_result;

typedef struct disc_io {
  void (*send)(void *ctx, int sock, const addr *dst, const uint8_t *data, size_t len);
  void *ctx;
} disc_io;

typedef struct disc disc;

/* Copies *cfg and *io (io->send must be set; io->ctx is borrowed and must
** outlive d). cfg is not checked: a lifetime_step <= 0 turns the lifetime
** measurement off. Returns NULL when out of memory. */
disc *disc_new(const disc_cfg *cfg, const disc_io *io);
/* Frees d (which may be NULL). */
void disc_free(disc *d);
/* How many local sockets the run needs: 6, or with cfg.lifetime 7 more
** than the probes (lifetime_max / lifetime_step, 1 to 96). */
int disc_sockets(const disc *d);
/* Tells the address of local socket sock (copied); call it for every
** socket before disc_start. A sock outside [0, disc_sockets) is ignored. */
void disc_set_local(disc *d, int sock, const addr *local);
/* Starts the run: the first request leaves through io.send. */
void disc_start(disc *d, int64_t now);
/* A datagram arrived on local socket sock. data is read during the call
** only. Anything that is not STUN for this run, and everything once done,
** is ignored. */
void disc_recv(disc *d, int64_t now, int sock, const addr *from,
               const uint8_t *data, size_t len);
/* Retransmits, times out and sends the lifetime probes that are due. */
void disc_tick(disc *d, int64_t now);
/* When tick is next needed; INT64_MAX when nothing is pending (before
** disc_start, once done). */
int64_t disc_deadline(const disc *d);
/* Whether the run has ended (then disc_get_result is final). */
bool disc_done(const disc *d);
/* The result, owned by d (valid until disc_free); final once disc_done. */
const disc_result *disc_get_result(const disc *d);

/* "endpoint-independent", "address-dependent", "address-and-port-dependent",
** or "unknown". Static strings, as are the next two's. */
const char *disc_behaviour_name(enum disc_behaviour b);
/* "preserve", "sequential", "random", or "unknown" */
const char *disc_alloc_name(enum disc_alloc a);
/* "no NAT", "full cone", "restricted cone", "port-restricted cone",
** "symmetric", or "unknown" (also whenever r->status is not DISC_OK) */
const char *disc_type_name(const disc_result *r);

#endif
