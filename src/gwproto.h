/*
** gwproto.h: the gateway signalling and relay protocol: the frames peers
** and the gateway exchange (Phase 1), and those peers exchange on a direct
** path (Phase 2). The format is in docs/gateway-protocol.md.
**
** Every frame carries a counter in its header and a 16-byte tag:
** HMAC-SHA256 over the frame, with a key of the sender's registration
** (peer <-> gateway: REGISTER with the registration key itself, the rest
** with the key of the registration's epoch, gw_derive_key) or the session
** key (peer <-> peer). gw_decode checks the structure only; gw_verify
** checks the tag once the caller knows which key applies; a gw_window
** then says whether the counter is fresh. The session key in SESSION is
** sealed to its receiver (gw_seal_key, AES-128-GCM). Decoded byte fields
** point into the caller's buffer. Errors are negative enum gw_err values.
*/
#ifndef NATSIM_GWPROTO_H
#define NATSIM_GWPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define GW_KEY_LEN 16
#define GW_TAG_LEN 16
#define GW_HEADER 14 /* magic, version, type, length, counter */
#define GW_NONCE_LEN 12
#define GW_SEALED_LEN (GW_KEY_LEN + 16) /* the key sealed, and the AEAD's tag */
#define GW_WINDOW 64 /* counters this far below the highest may still arrive */
#define GW_MAX_FRAME 1400

enum gw_type {
  GW_REGISTER = 1,   /* peer -> gw: id, epoch */
  GW_REGISTERED = 2, /* gw -> peer: id, the peer's observed address */
  GW_KEEPALIVE = 3,  /* peer -> gw: id */
  GW_CONNECT = 4,    /* peer -> gw: id, target */
  GW_SESSION = 5,    /* gw -> both: session, other peer, its address, punch delay, role, sealed key */
  GW_RELAY = 6,      /* peer -> gw -> peer: session, sender, payload */
  GW_REPORT = 7,     /* peer -> gw: id, session, outcome */
  GW_ERROR = 8,      /* gw -> peer: code, detail */
  GW_PUNCH = 9,      /* peer -> peer: session, sender, attempt */
  GW_PUNCH_ACK = 10, /* peer -> peer: session, sender, attempt */
  GW_DATA = 11,      /* peer -> peer: session, sender, payload */
  GW_CANDIDATE = 12, /* peer -> gw -> peer: session, sender, an ICE candidate and credentials */
};

/* GW_E_UNREGISTERED is no longer sent (a peer with no epoch has no key to
** check the frame or tag the answer with); the code stays reserved. */
enum gw_error_code { GW_E_UNREGISTERED = 1, GW_E_UNKNOWN_PEER = 2, GW_E_NO_SESSION = 3 };
enum gw_outcome { GW_OUT_DIRECT = 1, GW_OUT_RELAYED = 2 };
/* What a peer can do beyond the relay, declared at REGISTER and passed on
** in SESSION: a pair uses the best strategy both declared (ICE, else
** punching, else the relay), and switches paths beneath QUIC only when
** both do. */
enum gw_cap { GW_CAP_PUNCH = 1, GW_CAP_ICE = 2, GW_CAP_SWITCH = 4, GW_CAP_ALL = 7 };

enum gw_err {
  GW_OK = 0,
  GW_ETRUNC = -1,  /* shorter than its header, length or fields say */
  GW_EMAGIC = -2,  /* not our magic or version */
  GW_ETYPE = -3,   /* unknown frame type */
  GW_EVALUE = -4,  /* a field out of range, or bytes left over */
  GW_EAUTH = -5,   /* the tag does not verify */
  GW_ENOSPACE = -6,
};

typedef struct gw_frame {
  uint8_t type;
  uint64_t counter;   /* every frame: the sender's, fresh per key (gw_window) */
  uint32_t peer;      /* sender (REGISTER..REPORT, PUNCH.., RELAY, DATA) */
  uint64_t epoch;     /* REGISTER: the registration's epoch (see gateway.h) */
  uint32_t target;    /* CONNECT: who to connect to; SESSION: the other peer */
  uint64_t session;   /* SESSION, RELAY, REPORT, PUNCH*, DATA */
  addr observed;      /* REGISTERED: the peer's; SESSION: the other's */
  uint32_t punch_delay_ms; /* SESSION */
  uint8_t nonce[GW_NONCE_LEN];   /* SESSION: the sealing's nonce */
  uint8_t sealed[GW_SEALED_LEN]; /* SESSION: the session key, sealed (gw_seal_key) */
  uint8_t initiator;  /* SESSION: 1 for the peer that asked */
  uint8_t caps;       /* REGISTER: the sender's enum gw_cap bits; SESSION: the other peer's */
  uint8_t outcome;    /* REPORT: enum gw_outcome */
  uint8_t code;       /* ERROR */
  uint32_t attempt;   /* PUNCH, PUNCH_ACK; ERROR: detail */
  const uint8_t *payload; /* RELAY, DATA */
  size_t payload_len;
  /* CANDIDATE: the sender's ICE credentials and one candidate */
  char ufrag[33], pwd[65];
  uint8_t cand_type; /* enum ice_type */
  uint32_t cand_priority;
  uint32_t cand_foundation; /* RFC 8445 5.1.1.3 (ice.h) */
  addr cand_addr;
} gw_frame;

/* Encodes f into buf (cap bytes; payload and texts are copied, ufrag and
** pwd cut at 32 and 64 characters) and tags it with key. Returns the
** length (header, body and tag), or GW_ETYPE (unknown f->type),
** GW_ENOSPACE (cap too small) or GW_EAUTH (GnuTLS failed). */
int gw_encode(const gw_frame *f, const uint8_t key[GW_KEY_LEN], uint8_t *buf,
              size_t cap);
/* Decodes buf (structure only: the tag is not checked). f is cleared first;
** f->payload points into buf. Returns GW_OK, or GW_ETRUNC, GW_EMAGIC,
** GW_ETYPE or GW_EVALUE (among others: counter 0, REGISTER's epoch 0),
** with f partial. */
int gw_decode(const uint8_t *buf, size_t len, gw_frame *f);
/* Checks the tag of an encoded frame with key: GW_OK, or GW_EAUTH (a wrong
** tag, a frame too short to have one, or GnuTLS failed). */
int gw_verify(const uint8_t *buf, size_t len, const uint8_t key[GW_KEY_LEN]);
/* Whether buf starts like one of our frames (magic and version): 1 or 0. */
int gw_is_frame(const uint8_t *buf, size_t len);
/* "REGISTER", "SESSION", ... (static), or "?" for an unknown type. */
const char *gw_type_name(int type);
/* The ICE credentials of `peer` in a session, derived from the session key:
** both members know both sides' credentials as soon as SESSION arrives, so
** checks can start before the first candidate is trickled. ufrag gets 8
** characters and pwd 24 (RFC 8445 asks for 24 and 128 bits of randomness),
** each NUL-terminated. 0, or -1 if the HMAC fails. */
int gw_ice_credentials(const uint8_t key[GW_KEY_LEN], uint32_t peer, char ufrag[9],
                       char pwd[25]);

/* The key for `label` (4 bytes: "tag ", "seal") and context under a
** registration key: the first 16 bytes of HMAC-SHA256(key, label ||
** context, 8 bytes big-endian). 0, or -1 if the HMAC fails. */
int gw_derive_key(const uint8_t key[GW_KEY_LEN], const char label[4], uint64_t context,
                  uint8_t out[GW_KEY_LEN]);
/* Seals a session key for `receiver` (AES-128-GCM under seal_key, with
** the nonce; the associated data binds the session id, the receiver and
** the other peer). sealed gets GW_SEALED_LEN bytes. The nonce must never
** repeat under seal_key. 0, or GW_EAUTH if GnuTLS failed. */
int gw_seal_key(const uint8_t seal_key[GW_KEY_LEN], const uint8_t nonce[GW_NONCE_LEN],
                uint64_t session, uint32_t receiver, uint32_t other,
                const uint8_t key[GW_KEY_LEN], uint8_t sealed[GW_SEALED_LEN]);
/* Opens what gw_seal_key sealed, with the same arguments. 0, or GW_EAUTH
** (a wrong key, nonce, session, peer or sealed bytes; key is then zeroed). */
int gw_open_key(const uint8_t seal_key[GW_KEY_LEN], const uint8_t nonce[GW_NONCE_LEN],
                uint64_t session, uint32_t receiver, uint32_t other,
                const uint8_t sealed[GW_SEALED_LEN], uint8_t key[GW_KEY_LEN]);

/* Anti-replay for one sender's counters under one key: the highest
** accepted, and which of the GW_WINDOW below it were (bit i: top - 1 - i).
** A zeroed window accepts counters from 1. */
typedef struct gw_window { uint64_t top, seen; } gw_window;
/* Whether counter is fresh: above the highest accepted, or within
** GW_WINDOW below it and not accepted yet. 0 is never fresh. */
bool gw_window_fresh(const gw_window *w, uint64_t counter);
/* Records counter as accepted: call only after the tag verified and
** gw_window_fresh said yes. */
void gw_window_accept(gw_window *w, uint64_t counter);

#endif
