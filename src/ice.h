/*
** ice.h: an ICE agent (RFC 8445) for one UDP component, the roadmap's
** "ice agent" module. It gathers host, server-reflexive (STUN) and relayed
** (TURN) candidates and hands each to io.candidate as it comes (trickle);
** pairs them with the remote candidates it is given, runs connectivity
** checks paced every Ta with retransmissions, learns peer-reflexive
** candidates, resolves role conflicts (487, RFC 8445 section 7.2.5.1),
** and nominates: the controlling agent picks the best valid pair, direct
** before relayed. A relayed pair is selected once it has been valid for a
** second with no direct pair valid (libwebrtc's habit, not the RFC's:
** waiting for every direct check to fail takes 10 s and more); checks go
** on, and a direct pair that becomes valid later is nominated in its
** place, io.state reporting ICE_CONNECTED again. Once a pair is selected
** it keeps consent fresh (RFC 7675) and carries application data.
**
** Sans-I/O: everything arriving on the agent's socket goes to ice_recv
** (which says whether it was the agent's), everything it sends leaves
** through io.send, and ice_deadline says when to call ice_tick.
*/
#ifndef NATSIM_ICE_H
#define NATSIM_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "stun_client.h"

/* ICE_BIRTHDAY is not a candidate but a hint between agents for birthday
** probing (ice_cfg.bday_ports); its priority says which: HARD "my NAT maps
** per destination with random ports on this address: probe it", EASY "my
** NAT maps endpoint-independently, to this address: open toward it". */
#define ICE_BDAY_HINT_HARD 1
#define ICE_BDAY_HINT_EASY 2
enum ice_type { ICE_HOST, ICE_SRFLX, ICE_PRFLX, ICE_RELAY, ICE_BIRTHDAY };
enum ice_state { ICE_GATHERING, ICE_CHECKING, ICE_CONNECTED, ICE_FAILED };

typedef struct ice_cand {
  enum ice_type type;
  addr addr;      /* where it receives */
  uint32_t priority;
  /* RFC 8445 5.1.1.3: equal for candidates of one type, base address and
  ** server; each predicted port has its own (they are guesses, not one
  ** candidate seen twice). Signalled with the candidate; the agent makes
  ** up unique ones for peer-reflexive candidates. Pairs whose local and
  ** remote foundations are equal are checked one at a time (freezing). */
  uint32_t foundation;
} ice_cand;

typedef struct ice_io {
  /* sock: 0 the agent's socket, 1.. the sockets io.open opened */
  void (*send)(void *ctx, int sock, const addr *to, const uint8_t *data, size_t len);
  void (*candidate)(void *ctx, const ice_cand *c); /* a local candidate to signal */
  void (*state)(void *ctx, enum ice_state s);
  /* application data that came through the TURN relay (data that comes
  ** straight to the socket is the caller's: ice_recv returns false) */
  void (*deliver)(void *ctx, const addr *from, const uint8_t *data, size_t len);
  /* Opens up to n more UDP sockets on the host, numbered from 1 in order,
  ** and fills in their local addresses; returns how many it opened. NULL:
  ** no birthday probing. */
  int (*open)(void *ctx, int n, addr *local);
  void *ctx;
} ice_io;

#define ICE_BDAY_PORT_MIN 1024
#define ICE_BDAY_PORT_MAX 65535

typedef struct ice_cfg {
  bool controlling;
  uint64_t seed;          /* credentials, tie-breaker, transaction IDs */
  /* Our credentials when the signalling fixes them (at most 32 and 64
  ** characters, copied by ice_new); NULL: drawn from the seed. */
  const char *ufrag, *pwd;
  /* A server-reflexive address already known, for instance from the
  ** signalling server's reflection; offered at once. family 0: none. */
  addr reflexive;
  addr stun;              /* a STUN server; family 0: none */
  /* Port prediction (RFC 5128 3.4): with a second STUN server on another
  ** address, an agent whose NAT maps per destination and allocates
  ** sequentially sees the stride between the two mapped ports, and also
  ** offers the next `predict` ports that stride gives, as server-reflexive
  ** candidates of falling priority. 0: off. */
  addr stun2;
  int predict;
  /* A PCP server (RFC 6887), normally the default router: the agent asks
  ** it for an explicit mapping of its socket and offers the mapped address
  ** first among server-reflexive candidates. family 0: none. */
  addr pcp;
  addr turn;              /* a TURN server; family 0: none */
  const char *turn_user, *turn_password; /* its credentials; copied by ice_new */
  /* Birthday-paradox probing, for a NAT that maps per destination with
  ** random ports facing one that maps endpoint-independently. With both
  ** STUN servers answering, an agent whose two mapped ports differ beyond
  ** a stride prediction could follow is the hard side: it opens bday_ports
  ** more sockets, sends a check from each to the other side's
  ** server-reflexive addresses (each makes a mapping at a random port) and
  ** signals an ICE_BIRTHDAY hint. An agent whose two mapped ports agree is
  ** the easy side: given the hint, it sends bday_probes checks, one every
  ** bday_interval, to random ports of the hinted address. A probe that
  ** lands on one of the hard side's mappings gets through, and the usual
  ** triggered checks make the pair valid: with M mappings in a range of R
  ** ports, k probes succeed with probability 1 - (1 - M/R)^k. A relayed
  ** pair may be selected while probing lasts; a hit replaces it. 0: off. */
  int bday_ports, bday_probes;
  int64_t bday_interval;   /* probes go to ports ICE_BDAY_PORT_MIN..MAX */
  int64_t ta;             /* check pacing (RFC: 50 ms) */
  stun_timing checks;     /* check retransmission */
  int64_t grace;          /* a valid direct pair is nominated after this */
  int64_t consent_interval, consent_timeout;
} ice_cfg;

/* 50 ms pacing, checks five times from an RTO of 500 ms or Ta for each pair
** waiting or in progress if more (RFC 8445 14.3), 50 ms grace, consent every 5 s
** and lost after 30 s (RFC 7675). */
void ice_cfg_defaults(ice_cfg *c);

typedef struct ice_stats {
  uint64_t checks_sent, checks_received, gather_requests, role_conflicts;
  int stride;              /* seen between the two STUN servers; 0: none */
  int predicted;           /* candidates offered by port prediction */
  bool pcp_mapped;         /* the PCP server granted a mapping */
  enum ice_bday { ICE_BDAY_NONE, ICE_BDAY_EASY, ICE_BDAY_HARD } bday_role;
  int bday_sockets;        /* hard: sockets opened for it */
  uint64_t bday_sent;      /* packets it cost: probes (easy), openings (hard) */
  bool bday_hit;           /* a probe got through (hard: arrived on a probing socket) */
  int64_t first_success, nominated; /* ns after ice_start, or -1 */
  int renominated;         /* times a direct pair took a relayed pair's place */
} ice_stats;

typedef struct ice_agent ice_agent;

ice_agent *ice_new(const ice_cfg *cfg, const ice_io *io);
void ice_free(ice_agent *a);
/* Our short-term credentials, to signal to the peer. */
const char *ice_ufrag(const ice_agent *a);
const char *ice_pwd(const ice_agent *a);
void ice_set_remote_credentials(ice_agent *a, const char *ufrag, const char *pwd);
/* Starts gathering from the socket's local address. */
void ice_start(ice_agent *a, int64_t now, const addr *host);
/* A remote candidate arrived (trickled). */
void ice_add_remote(ice_agent *a, int64_t now, const ice_cand *c);
/* A datagram arrived on the socket: true when it was ICE's (checks, STUN
** and TURN server traffic); false for anything else. */
bool ice_recv(ice_agent *a, int64_t now, const addr *from, const uint8_t *data, size_t len);
/* The same for a datagram on socket `sock` (0: the agent's own). */
bool ice_recv_on(ice_agent *a, int64_t now, int sock, const addr *from, const uint8_t *data,
                 size_t len);
void ice_tick(ice_agent *a, int64_t now);
int64_t ice_deadline(const ice_agent *a);
enum ice_state ice_get_state(const ice_agent *a);
/* The selected pair's candidates; false before one is selected. */
bool ice_selected(const ice_agent *a, ice_cand *local, ice_cand *remote);
/* The pair application data goes on: the selected one, or before
** selection the best valid direct pair (RFC 8445 12.1 allows any valid
** pair). false when there is none: the caller keeps its own path. */
bool ice_active(const ice_agent *a, ice_cand *local, ice_cand *remote);
/* When the selected pair last proved alive: its selection or the last
** answered consent check (RFC 7675); -1 when no pair is selected or ICE
** has failed. */
int64_t ice_consent_time(const ice_agent *a);
/* Sends application data over the active pair. 0, or -1 if none. */
int ice_send(ice_agent *a, int64_t now, const uint8_t *data, size_t len);
/* A candidate priority (RFC 8445 5.1.2.1) with the given local preference,
** for candidates learned outside ICE's own signalling. */
uint32_t ice_priority(enum ice_type t, uint32_t local_pref);
const ice_stats *ice_get_stats(const ice_agent *a);
const char *ice_type_name(enum ice_type t);

#endif
