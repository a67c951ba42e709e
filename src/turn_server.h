/*
** turn_server.h: a TURN server (RFC 8656) over UDP: Allocate with
** long-term credentials (401 challenge with REALM and NONCE, 438 for a
** stale nonce), Refresh, CreatePermission, ChannelBind, Send and Data
** indications, ChannelData; allocation, permission and channel lifetimes.
** It relays only between an allocation's owner (its 5-tuple and user) and
** peers with a permission. Sans-I/O: datagrams in through the two recv
** functions, out through io; time as arguments; expiry is checked as
** traffic arrives.
**
** Nonces are stateless: their expiry time, with an HMAC under a secret
** drawn from the seed. Users are added with turn_server_add_user.
*/
#ifndef NATSIM_TURN_SERVER_H
#define NATSIM_TURN_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rng.h"

typedef struct turn_server_io {
  /* a datagram to a client, from the server's listening address */
  void (*to_client)(void *ctx, const addr *client, const uint8_t *data, size_t len);
  /* a datagram to a peer, from a relayed address */
  void (*to_peer)(void *ctx, const addr *relayed, const addr *peer, const uint8_t *data,
                  size_t len);
  /* the driver must receive on a new relayed address: 0, or -1 if it cannot */
  int (*open_relay)(void *ctx, const addr *relayed);
  void (*close_relay)(void *ctx, const addr *relayed);
  void *ctx;
} turn_server_io;

typedef struct turn_server_cfg {
  const char *realm;
  addr relay;              /* relayed addresses: this IP, ports from port_min */
  uint16_t port_min, port_max;
  int64_t nonce_lifetime;  /* ns */
  uint64_t seed;
} turn_server_cfg;

typedef struct turn_server_stats {
  uint64_t allocations, refreshes, permissions, channels, expired;
  uint64_t to_peers, from_peers, bytes_relayed; /* relayed datagrams, payload bytes */
  uint64_t challenges, stale_nonces, auth_failures, errors;
  uint64_t dropped_no_permission, dropped_malformed;
} turn_server_stats;

typedef struct turn_server turn_server;

/* Copies *cfg, and cfg->realm into the server (up to 255 bytes; NULL means
** "natsim"). Copies *io: to_client and to_peer must be set, open_relay and
** close_relay may be NULL; io->ctx is borrowed and must outlive s. Returns
** NULL when the relay port range is empty (port_min 0, or above port_max)
** or memory runs out. */
turn_server *turn_server_new(const turn_server_cfg *cfg, const turn_server_io *io);
/* Frees s (which may be NULL) and its allocations, without calling
** io.close_relay. */
void turn_server_free(turn_server *s);
/* Adds a user: the name is copied, the password only hashed into the
** long-term key. Returns 0, or -1 when the name has 128 bytes or more or
** memory runs out. A name added twice: the first entry is used. */
int turn_server_add_user(turn_server *s, const char *user, const char *password);
/* A datagram from a client to the server's listening address. data is read
** during the call only; answers and relayed data leave through io before it
** returns. Nothing is returned: refused requests are answered with STUN
** error responses (401, 438, 400, 420, 437, 441, 442, 508), other refusals
** are counted in the stats. */
void turn_server_recv(turn_server *s, int64_t now, const addr *client, const uint8_t *data,
                      size_t len);
/* A datagram from a peer to a relayed address. data is read during the
** call only. Without an allocation there or a permission for the peer, it
** is dropped and counted; one too long to wrap in 1500 bytes is dropped
** uncounted. */
void turn_server_recv_relay(turn_server *s, int64_t now, const addr *relayed,
                            const addr *peer, const uint8_t *data, size_t len);
/* The counters, owned by s and kept current. */
const turn_server_stats *turn_server_get_stats(const turn_server *s);
/* Live allocations (expired ones are removed first). */
int turn_server_allocations(turn_server *s, int64_t now);

#endif
