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
** Nonces are stateless and bound to the client: 16 bytes in 32 hex
** digits, an 8-byte tag (HMAC-SHA256 under the secret over the expiry and
** the client's transport address) and the expiry encrypted (XOR with an
** HMAC of the tag), so the nonce neither leaks the clock nor works from
** another address. A nonce that is forged, expired or from another
** address is answered 438 (Stale Nonce) with a fresh one; tags are
** compared in constant time. The secret is handed in (a CSPRNG's bytes on
** real sockets) or derived from the seed (simulation, reproducible).
**
** Peers (RFC 8656 section 21.2): CreatePermission and ChannelBind for a
** denied peer get 403. Denied unless a rule says otherwise: 0.0.0.0/8,
** 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4 (multicast), 240.0.0.0/4 (with
** 255.255.255.255), ::/128, ::1/128, fe80::/10, ff00::/8 and
** ::ffff:0:0/96 (IPv4-mapped). The most specific rule wins; a rule for
** the same network and prefix replaces the earlier one. Datagrams to the
** server itself are dropped: to cfg.listen always, to other ports of its
** relay IP unless they are live relayed addresses (two clients of one
** server relaying to each other) or a rule given with
** turn_server_peer_rule allows that IP (peers on the server's host).
**
** Allocations: relay ports come from a free list (O(1)); per-user and
** per-client-IP quotas answer 486, an exhausted port range 508. A LIFETIME
** below the default 600 s is raised to it (RFC 8656 section 7.2), one
** above 3600 s lowered. Users are added with turn_server_add_user.
*/
#ifndef NATSIM_TURN_SERVER_H
#define NATSIM_TURN_SERVER_H

#include <stdbool.h>
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
  addr listen;             /* where clients reach it: never a peer; family 0: not known */
  uint16_t port_min, port_max;
  int64_t nonce_lifetime;  /* ns */
  uint64_t seed;           /* simulation: the nonce secret derives from it */
  const uint8_t *secret;   /* TURN_SECRET_LEN bytes, copied: the nonce secret (from a
                              CSPRNG on real sockets); NULL: derived from seed */
  int max_allocs_per_user; /* live allocations one user may hold; 0: no limit */
  int max_allocs_per_ip;   /* live allocations from one client IP; 0: no limit */
} turn_server_cfg;

#define TURN_SECRET_LEN 32

typedef struct turn_server_stats {
  uint64_t allocations, refreshes, permissions, channels, expired;
  uint64_t to_peers, from_peers, bytes_relayed; /* relayed datagrams, payload bytes */
  uint64_t challenges, stale_nonces, auth_failures, errors;
  uint64_t dropped_no_permission, dropped_malformed;
  uint64_t forbidden;      /* permissions refused by the peer policy (403) */
  uint64_t dropped_policy; /* datagrams to the server's own non-relayed ports */
  uint64_t quota_refused;  /* Allocates over a quota (486) */
  uint64_t capacity_refused; /* Allocates with no relay port left (508) */
} turn_server_stats;

typedef struct turn_server turn_server;

/* Copies *cfg, and cfg->realm into the server (up to 255 bytes; NULL means
** "natsim"). Copies *io: to_client and to_peer must be set, open_relay and
** close_relay may be NULL; io->ctx is borrowed and must outlive s. The
** default peer rules are in place. Returns NULL when the relay port range
** is empty (port_min 0, or above port_max), a quota is negative, or
** memory runs out. */
turn_server *turn_server_new(const turn_server_cfg *cfg, const turn_server_io *io);
/* Frees s (which may be NULL) and its allocations, without calling
** io.close_relay. */
void turn_server_free(turn_server *s);
/* Adds a user: the name is copied, the password only hashed into the
** long-term key. Returns 0, or -1 when the name has 128 bytes or more,
** memory runs out or GnuTLS cannot hash the key. A name added twice: the first entry is used. */
int turn_server_add_user(turn_server *s, const char *user, const char *password);
/* Adds a peer rule: peers in net/prefix are allowed (allow true) or denied
** (403). net's port is ignored; prefix is 0-32 for IPv4, 0-128 for IPv6.
** A rule for the same network and prefix replaces the earlier one.
** Returns 0, or -1 for a prefix out of range or no memory. Permissions
** already granted are kept. */
int turn_server_peer_rule(turn_server *s, const addr *net, int prefix, bool allow);
/* Whether a permission for peer's IP would be granted (the rules above). */
bool turn_server_peer_allowed(const turn_server *s, const addr *peer);
/* A datagram from a client to the server's listening address. data is read
** during the call only; answers and relayed data leave through io before it
** returns. Nothing is returned: refused requests are answered with STUN
** error responses (401, 403, 438, 400, 420, 437, 441, 442, 486, 508),
** other refusals are counted in the stats. */
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
