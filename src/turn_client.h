/*
** turn_client.h: a TURN client (RFC 8656) over UDP: allocates a relayed
** address with long-term credentials (answering the 401 challenge and 438
** stale-nonce errors), keeps the allocation, permissions and channels
** refreshed, sends to peers through Send indications or ChannelData, and
** hands back what peers send. Sans-I/O, over stun_client transactions.
*/
#ifndef NATSIM_TURN_CLIENT_H
#define NATSIM_TURN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "stun_client.h"

enum turn_event {
  TURN_ALLOCATED, /* turn_client_relayed() is valid */
  TURN_PERMITTED, /* a CreatePermission for `peer` succeeded */
  TURN_BOUND,     /* a channel to `peer` is bound */
  TURN_FAILED,    /* the allocation failed or was lost (credentials, errors, timeouts) */
};

typedef struct turn_client_io {
  void (*send)(void *ctx, const addr *to, const uint8_t *data, size_t len);
  void (*deliver)(void *ctx, const addr *peer, const uint8_t *data, size_t len);
  void (*event)(void *ctx, enum turn_event ev, const addr *peer);
  void *ctx;
} turn_client_io;

typedef struct turn_client_cfg {
  addr server;
  const char *user, *password;
  stun_timing timing;
  uint64_t seed;       /* transaction IDs in simulation (unused with csprng) */
  bool csprng;         /* transaction IDs from GnuTLS (real sockets, RFC 8489 5) */
  uint32_t lifetime_s; /* asked for; 0: the server's default */
} turn_client_cfg;

typedef struct turn_client_stats {
  uint64_t requests, challenges, stale_nonces, errors;
  uint64_t sent, received, bytes_sent, bytes_received; /* relayed datagrams, payload */
} turn_client_stats;

typedef struct turn_client turn_client;

/* Copies *cfg; user and password are copied too (cut at 127 bytes; NULL
** means ""), so cfg's strings need not outlive the call. Copies *io:
** send, deliver and event must be set; io->ctx is borrowed and must
** outlive c. Nothing in cfg is checked. Returns NULL only when out of
** memory. */
turn_client *turn_client_new(const turn_client_cfg *cfg, const turn_client_io *io);
/* Frees c (which may be NULL). Sends nothing: the server's allocation
** expires on its own. */
void turn_client_free(turn_client *c);
/* Sends an Allocate request; io.event later says TURN_ALLOCATED or
** TURN_FAILED. A request that cannot be queued (128 outstanding) is
** dropped silently. */
void turn_client_allocate(turn_client *c, int64_t now);
/* Asks for a permission for peer's IP. 0, or -1 (no allocation, 16 peers
** known already, or 128 requests outstanding). A request that times out
** frees its place. */
int turn_client_permit(turn_client *c, int64_t now, const addr *peer);
/* Binds a channel to peer (which also permits it). 0, or -1 (no
** allocation, 16 peers known already, no channel number left, or 128
** requests outstanding). */
int turn_client_bind(turn_client *c, int64_t now, const addr *peer);
/* Sends data (copied) to peer through the relay: ChannelData once bound,
** else a Send indication. 0, or -1 when there is no allocation or data is
** too long for a 1500-byte datagram. */
int turn_client_send(turn_client *c, int64_t now, const addr *peer, const uint8_t *data,
                     size_t len);
/* A datagram arrived. Returns true when it came from the server and is
** ChannelData or looks like STUN: it is consumed, even if malformed, and
** peers' data goes to io.deliver during the call (pointing into data).
** false: not the server's; the caller handles it. */
bool turn_client_recv(turn_client *c, int64_t now, const addr *from, const uint8_t *data,
                      size_t len);
/* Retransmits, times out (TURN_FAILED when an Allocate or Refresh gives
** up) and refreshes the allocation, permissions and channels when due. */
void turn_client_tick(turn_client *c, int64_t now);
/* When tick is next needed; INT64_MAX when nothing is pending. */
int64_t turn_client_deadline(const turn_client *c);
/* Whether an allocation is live (false again after TURN_FAILED). */
bool turn_client_allocated(const turn_client *c);
/* The relayed address: all zero before the first allocation, and the last
** one after a failure. */
addr turn_client_relayed(const turn_client *c);
/* The counters, owned by c and kept current. */
const turn_client_stats *turn_client_get_stats(const turn_client *c);

#endif
