/*
** gateway.h: the public gateway (Phase 1): registration with per-peer keys,
** address reflection, keepalives, session set-up between two registered
** peers, and the relay. Sans-I/O: frames in through gateway_recv, frames
** out through io.send.
**
** Authorization rules: REGISTER must carry a valid tag under the peer's
** registration key (given with gateway_add_peer), every other frame under
** the key of the peer's registration epoch; nothing but REGISTER is
** accepted from a peer that is not registered. Every frame's counter must
** be fresh (gw_window: above the highest, or within 64 below it and not
** seen). A REGISTER with a later epoch than the one in force starts a new
** registration: new keys, counters from scratch each way; one with an
** earlier epoch is a replay. A peer's observed address moves only on a
** fresh, authenticated frame. A session's relayed traffic goes only from
** one of its two members to the other. Everything else is dropped and
** counted. A pair has one session: a repeated CONNECT announces the same
** one again. Session ids, keys and sealing nonces come from the secrets
** source the caller gives (seeded in simulation, GnuTLS on real sockets).
*/
#ifndef NATSIM_GATEWAY_H
#define NATSIM_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "gwproto.h"
#include "idmap.h"
#include "secrets.h"

typedef struct gateway_io {
  void (*send)(void *ctx, const addr *to, const uint8_t *data, size_t len);
  void *ctx;
} gateway_io;

typedef struct gateway_stats {
  uint64_t registrations, keepalives, sessions;
  uint64_t relayed_frames, relayed_bytes; /* RELAY payload bytes forwarded */
  uint64_t relay_failed; /* RELAY or CANDIDATE frames that could not be re-encoded */
  uint64_t reports_direct, reports_relayed;
  uint64_t dropped_malformed, dropped_auth, dropped_replay;
  uint64_t dropped_unregistered, dropped_not_member, dropped_unknown;
} gateway_stats;

typedef struct gw_peer gw_peer;
typedef struct gw_session gw_session;

typedef struct gateway {
  gateway_io io;
  secrets secrets;
  uint32_t punch_delay_ms;
  gw_peer *peers;
  size_t npeers, cap_peers;
  gw_session *sessions;
  size_t nsessions, cap_sessions;
  idmap peer_index, session_index, pair_index;
  gateway_stats stats;
} gateway;

/* The stream simulations seed the gateway's secrets with. */
#define GATEWAY_STREAM 0x6777

/* Clears g and copies *src and *io (io->send must be set; io->ctx is
** borrowed and must outlive g). src draws session ids, session keys and
** the nonces that seal them. Allocates nothing. */
void gateway_init(gateway *g, const secrets *src, uint32_t punch_delay_ms,
                  const gateway_io *io);
/* Frees what g holds (not g itself). */
void gateway_free(gateway *g);
/* Gives the gateway a peer's registration key (copied). A known id gets
** the new key and must register again (its epoch and counters are reset
** too). Returns 0, or -1 (out of memory, with g unchanged). */
int gateway_add_peer(gateway *g, uint32_t id, const uint8_t key[GW_KEY_LEN]);
/* A datagram from `from` arrived. data is read during the call only;
** answers and relayed frames leave through io.send before it returns.
** Returns nothing: each frame refused is counted in g->stats (dropped_*),
** and answered with GW_ERROR when it comes, authenticated, from a
** registered peer and names an unknown peer or session. Frames other than
** REGISTER from a peer not registered are dropped unanswered (there is no
** epoch key to check them with). A CONNECT is dropped uncounted when
** memory or the secrets source fails. */
void gateway_recv(gateway *g, int64_t now, const addr *from, const uint8_t *data,
                  size_t len);
/* Payload bytes relayed for a session so far (0 for an unknown one). */
uint64_t gateway_session_bytes(const gateway *g, uint64_t session);

#endif
