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
  uint64_t seed;
  uint32_t lifetime_s; /* asked for; 0: the server's default */
} turn_client_cfg;

typedef struct turn_client_stats {
  uint64_t requests, challenges, stale_nonces, errors;
  uint64_t sent, received, bytes_sent, bytes_received; /* relayed datagrams, payload */
} turn_client_stats;

typedef struct turn_client turn_client;

turn_client *turn_client_new(const turn_client_cfg *cfg, const turn_client_io *io);
void turn_client_free(turn_client *c);
void turn_client_allocate(turn_client *c, int64_t now);
/* Asks for a permission for peer's IP. 0, or -1 (no allocation, or full). */
int turn_client_permit(turn_client *c, int64_t now, const addr *peer);
/* Binds a channel to peer (which also permits it). 0 or -1. */
int turn_client_bind(turn_client *c, int64_t now, const addr *peer);
/* Sends data to peer through the relay: ChannelData once bound, else a
** Send indication. 0, or -1 when there is no allocation. */
int turn_client_send(turn_client *c, int64_t now, const addr *peer, const uint8_t *data,
                     size_t len);
/* A datagram arrived: returns true when it was the TURN server's. */
bool turn_client_recv(turn_client *c, int64_t now, const addr *from, const uint8_t *data,
                      size_t len);
void turn_client_tick(turn_client *c, int64_t now);
int64_t turn_client_deadline(const turn_client *c);
bool turn_client_allocated(const turn_client *c);
addr turn_client_relayed(const turn_client *c);
const turn_client_stats *turn_client_get_stats(const turn_client *c);

#endif
