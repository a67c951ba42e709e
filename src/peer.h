/*
** peer.h: a peer of the gateway: the hole punch, connection upgrade and
** connection strategy modules of Phases 1 and 2.
**
** A peer registers with the gateway (retrying until answered) and keeps
** its NAT mapping alive with keepalives. peer_connect asks the gateway for
** a session with another peer. Application messages flow at once through
** the gateway relay. With the v0.8 strategy (cfg.punch), both peers then
** punch at the time the gateway set, toward the address the gateway saw
** and any address a punch arrives from; the first authenticated answer on
** the direct path (a PUNCH_ACK, or data the other side sent direct once its
** own punch was answered) moves the session there. A conn (conn.h) under each
** session keeps messages whole, once and in order across the move. If
** punching fails the session stays relayed. Each outcome is reported to
** the gateway.
**
** Sans-I/O: datagrams through peer_recv and io.send, time as arguments,
** peer_deadline says when to call peer_tick. One UDP socket per peer.
**
** With cfg.quic a QUIC connection (quic.h) replaces the conn: the
** session's initiator is the client, the handshake runs over the gateway
** relay, and once the handshake is confirmed the client migrates the
** connection to the direct path when punching or ICE finds one (QUIC path
** 1; path 0 is the relay). When the direct path goes quiet (quic_stalled)
** the client migrates back to the relay, its streams intact, and probes the
** direct path as an ICE consent check would: a PUNCH every consent interval
** on a punched path (the ICE agent's consent checks on a pair); one
** answered after the stall shows the path alive (loss stalled it), and the
** client migrates there again.
**
** With cfg.upgrade = PEER_SWITCH the session moves beneath QUIC instead:
** the connection sees one logical path from start to end, and each of its
** packets leaves on the best path the session has at that moment: the
** direct path (ICE's active pair, or the punched address) once there is
** one, else the gateway relay. No handshake has to be confirmed first.
** ICE's consent checks and the punched path's keepalives keep the choice
** honest; when the connection stalls while on the direct path (quic_stalled)
** each side goes back to the relay at once, and QUIC resends what was lost,
** until the path answers again as above: a PUNCH on a punched path, a
** consent check on an ICE pair. Without QUIC, conn's frames always go this
** way.
*/
#ifndef NATSIM_PEER_H
#define NATSIM_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conn.h"
#include "gwproto.h"
#include "ice.h"
#include "quic.h"

/* How a QUIC session moves to the direct path (see above). */
enum peer_upgrade {
  PEER_MIGRATE, /* QUIC connection migration, once the handshake is confirmed */
  PEER_SWITCH,  /* path switching beneath QUIC: the connection sees one path */
};

enum peer_event {
  PEER_REGISTERED,   /* the gateway answered the registration */
  PEER_SESSION,      /* a session with `other` is up (relayed) */
  PEER_DIRECT,       /* its direct path is confirmed and in use */
  PEER_PUNCH_FAILED, /* punching gave up: it stays relayed */
  PEER_GAVE_UP,      /* registration or connect was never answered */
};

typedef struct peer_cfg {
  uint32_t id;
  uint8_t key[GW_KEY_LEN]; /* the registration key, shared with the gateway */
  /* This run's registration epoch (REGISTER): it must exceed every epoch
  ** this id registered with before, so a restarted peer registers at once
  ** and old frames stay replays. Real sockets: the wall clock in ns;
  ** simulation: 1. 0 is refused by peer_new. */
  uint64_t epoch;
  addr gateway;
  bool punch;              /* the v0.8 strategy: punch and upgrade */
  int64_t retry;           /* REGISTER / CONNECT retransmission interval */
  int retries;             /* ... and how many sends before giving up */
  int64_t keepalive;       /* interval of keepalives to the gateway */
  int64_t punch_interval;  /* between punch rounds */
  int punch_attempts;      /* rounds before punching gives up */
  int64_t rto;             /* initial retransmission timeout of messages */
  /* The v0.9 strategy: ICE (ice.h) instead of punching, its candidates
  ** trickled through the gateway. One ICE session per peer at a time. */
  bool ice;
  addr local;              /* this peer's socket address: its host candidate */
  /* The ICE agent's configuration, handed to each session's agent as it
  ** is: servers (stun, stun2, pcp, turn with turn_user and turn_password),
  ** port prediction, birthday probing, timers. The peer sets controlling,
  ** seed, ufrag, pwd and reflexive per session (what is here is ignored)
  ** and lowers consent_interval to keepalive when that is shorter. The
  ** strings are borrowed: they must outlive the peer. */
  ice_cfg agent;
  /* QUIC instead of conn.h: the CA we trust (pki_trust; borrowed: must
  ** outlive the peer, and may be every peer's; NULL: conn.h) and our key
  ** and certificate (pki_issue; borrowed too). The other side's certificate
  ** must carry its pki_name. */
  gnutls_certificate_credentials_t quic;
  struct pki_cert *quic_cert;
  /* QUIC's TLS priorities, shared by every connection (quic_priority_new;
  ** borrowed, like quic; NULL: each connection parses its own). */
  gnutls_priority_t quic_priority;
  enum peer_upgrade upgrade; /* under QUIC; PEER_MIGRATE by default */
} peer_cfg;

/* Defaults: epoch 1, retry 500 ms x 8, keepalive 15 s, punch 50 ms x 20, rto 1 s;
** no ICE, its agent's configuration from ice_cfg_defaults (no servers). */
peer_cfg peer_cfg_default(void);

typedef struct peer_io {
  void (*send)(void *ctx, const addr *to, const uint8_t *data, size_t len);
  /* More sockets, for ICE's birthday probing (optional: NULL, NULL). open
  ** opens up to n, numbered from 1, fills in their local addresses and
  ** returns how many; send_on sends from one (0: the peer's socket). */
  int (*open)(void *ctx, int n, addr *local);
  void (*send_on)(void *ctx, int sock, const addr *to, const uint8_t *data, size_t len);
  void (*deliver)(void *ctx, uint32_t from, const uint8_t *msg, size_t len);
  void (*event)(void *ctx, uint32_t other, enum peer_event ev);
  void *ctx;
} peer_io;

typedef struct peer_session_info {
  uint64_t id;
  bool up, direct, punching;
  bool turn;               /* on an ICE pair relayed through TURN */
  uint64_t bytes_turn;     /* message bytes sent through TURN */
  int64_t ice_first_check, ice_nominated; /* ns after ICE started; -1: never */
  uint64_t probes;         /* path probes sent: punches (v0.8) or ICE checks (v0.9) */
  addr direct_addr;
  uint64_t bytes_relayed, bytes_direct; /* message bytes sent on each path */
  int64_t srtt;
  conn_stats conn;
  size_t unacked;
  /* QUIC (cfg.quic) */
  bool quic_up;            /* the handshake completed */
  const char *quic_error;  /* why it closed; "" if it did not (valid while the peer lives) */
  enum quic_close quic_reason; /* the same in kind; QUIC_CLOSE_NONE if it did not */
  int64_t handshake, migration; /* ns: handshake, last migration to a path; -1: none */
  int migrations;
  bool fell_back;          /* the direct path stalled and the connection is back on the relay
                           ** (false again once the path answers) */
  uint64_t lost;           /* packets with stream data declared lost and sent again */
  uint64_t wire_relayed, wire_direct, wire_turn; /* QUIC packet bytes on each path */
  int64_t first_direct;    /* when the first payload left on the direct path (the
                           ** time given by the caller; not TURN); -1: none did */
} peer_session_info;

typedef struct peer peer;

/* A peer with a copy of cfg and io; the pointers inside cfg are borrowed
** (see peer_cfg). NULL: out of memory, cfg->epoch 0, or GnuTLS failed to
** derive the epoch's keys. */
peer *peer_new(const peer_cfg *cfg, const peer_io *io);
void peer_free(peer *p);
void peer_start(peer *p, int64_t now);
bool peer_registered(const peer *p);
/* The address the gateway last reflected (zero before registration). */
addr peer_observed(const peer *p);
/* Asks for a session with target. Returns 0, or -1 if one exists. */
int peer_connect(peer *p, int64_t now, uint32_t target);
/* Sends a message to target over their session; held until it is up.
** Returns 0, or -1 (no session asked for, or too long). */
int peer_send(peer *p, int64_t now, uint32_t target, const uint8_t *msg, size_t len);
void peer_recv(peer *p, int64_t now, const addr *from, const uint8_t *data, size_t len);
/* A datagram on socket `sock` (0: the peer's own; others from io.open). */
void peer_recv_on(peer *p, int64_t now, int sock, const addr *from, const uint8_t *data,
                  size_t len);
void peer_tick(peer *p, int64_t now);
int64_t peer_deadline(const peer *p);
/* Fills info for the session with `other`; returns -1 if there is none. */
int peer_session(const peer *p, uint32_t other, peer_session_info *info);

#endif
