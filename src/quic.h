/*
** quic.h: one QUIC connection (RFC 9000, ngtcp2) between two peers, with
** TLS 1.3 (GnuTLS) where each side shows a certificate from the scenario's
** CA (pki.h) and checks that the other's names the expected peer.
**
** Application messages (at most QUIC_MAX_MESSAGE bytes) travel on one
** unidirectional stream per direction, each prefixed by its length, so
** they arrive whole, once and in order whatever the paths do.
** Messages are cut out of the stream in a buffer that grows to the longest
** message received, so a connection keeps no more than its traffic needs.
**
** Paths are small integers (0 .. QUIC_PATHS-1) chosen by the caller, who
** knows what each carries (say 0: the gateway relay, 1: a direct path).
** The client opens the connection on a path and may move it to another
** (quic_migrate): RFC 9000 section 9 migration, the new path probed with
** PATH_CHALLENGE/PATH_RESPONSE before the move; the server follows,
** validating the new path too. Streams survive the move.
**
** Sans-I/O, like ngtcp2 itself: packets in through quic_recv with the path
** they came on, packets out through io.send with the path to use, time as
** arguments, quic_deadline says when to call quic_tick.
*/
#ifndef NATSIM_QUIC_H
#define NATSIM_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#define QUIC_PATHS 2
#define QUIC_MAX_MESSAGE 65535

typedef struct quic_cfg {
  bool server;
  gnutls_certificate_credentials_t cred; /* borrowed: the CA we trust (pki_trust), shared by
                                         ** any number of connections: quic_new sets its
                                         ** certificate callback on it, which shows cert */
  struct pki_cert *cert;                 /* borrowed: our key and certificate (pki_issue) */
  gnutls_priority_t priority; /* borrowed: quic_priority_new's, shared by every connection
                              ** (GnuTLS counts its users); NULL: each connection parses
                              ** its own (some 10 KB apiece) */
  const char *peer_name;  /* the name the other side's certificate must carry */
  uint64_t seed;          /* connection IDs, path challenges, ngtcp2's randomness */
  int64_t idle_timeout;   /* ns without a packet before the connection closes; also
                          ** the longest the handshake may take */
  int64_t keepalive;      /* client: a PING after this long idle (0: none), so that a
                          ** dead path shows even when nothing is sent (quic_stalled);
                          ** both sides: faster when the path is quiet */
} quic_cfg;

/* Defaults: idle timeout 30 s, keepalive 1 s, priority NULL. */
void quic_cfg_defaults(quic_cfg *c);

/* The TLS priorities every connection uses (TLS 1.3 only, X25519,
** AES-128-GCM), parsed once, for quic_cfg.priority. On success *out is the
** caller's, freed with gnutls_priority_deinit once no quic_new will take it
** any more; returns 0, or GnuTLS's negative error code (out of memory),
** *out untouched. */
int quic_priority_new(gnutls_priority_t *out);

typedef struct quic_io {
  /* app: message bytes (length prefixes included) sent for the first time in this packet */
  void (*send)(void *ctx, int path, const uint8_t *pkt, size_t len, size_t app);
  void (*deliver)(void *ctx, const uint8_t *msg, size_t len);
  void *ctx;
} quic_io;

enum quic_state { QUIC_HANDSHAKE, QUIC_UP, QUIC_CLOSED };

/* Why a connection closed, in kind (quic_error says it in words). */
enum quic_close {
  QUIC_CLOSE_NONE,        /* it did not: open, or never started */
  QUIC_CLOSE_CERTIFICATE, /* we refused the other side's certificate */
  QUIC_CLOSE_TLS,         /* our TLS handshake failed without a certificate verdict:
                          ** no certificate, or a protocol error */
  QUIC_CLOSE_REFUSED,     /* the other side refused the handshake (a TLS alert) */
  QUIC_CLOSE_PEER,        /* the other side closed, for another reason */
  QUIC_CLOSE_IDLE,        /* idle timeout: nothing heard from the other side */
  QUIC_CLOSE_ERROR,       /* an ngtcp2 error on our side */
  QUIC_CLOSE_SETUP,       /* a server's TLS session could not be set up */
};

typedef struct quic_stats {
  int64_t handshake;             /* ns from quic_new to handshake complete; -1: not yet */
  int64_t migration;             /* ns the last successful migration took; -1: none */
  int migrations, failed_migrations;
  uint64_t packet_bytes[QUIC_PATHS]; /* UDP payload bytes sent on each path */
  uint64_t stream_bytes[QUIC_PATHS]; /* message bytes (with length prefixes) first sent on each */
  uint64_t lost;                 /* packets with stream data declared lost, hence resent */
} quic_stats;

typedef struct quic quic;

/* A client sends its first flight on `path` at once; a server waits for
** one, and sets up its TLS session only when it comes. The TLS session is
** freed once the handshake is confirmed: a client then drops a
** NewSessionTicket (it never resumes), and any other handshake message
** closes the connection (unexpected_message). The config's pointers are
** borrowed. NULL: out of memory or the client's TLS setup failed. */
quic *quic_new(const quic_cfg *cfg, const quic_io *io, int64_t now, int path);
void quic_free(quic *q);

/* A packet arrived on `path`. */
void quic_recv(quic *q, int64_t now, int path, const uint8_t *pkt, size_t len);
/* Queues a message; it leaves as soon as the stream and flow control allow.
** Returns 0, or -1 when it is too long, the connection is closed or memory
** runs out. */
int quic_send(quic *q, int64_t now, const uint8_t *msg, size_t len);
void quic_tick(quic *q, int64_t now);
int64_t quic_deadline(const quic *q);

/* Client: moves the connection to `path` once the path has answered a
** probe (padded PATH_CHALLENGEs, sent again with fresh ones after a probe
** timeout of the path in use, then twice as long each time); messages
** keep to the path in use until then. If ngtcp2 gives up on the probe,
** the connection stays where it is and a later call probes again. Needs
** a confirmed handshake and a spare connection ID from the server: returns
** -1 until then (try again later), 0 when under way or already there. A
** probe under way is not called off by asking for the path in use: if it
** succeeds, ask again to move back. */
int quic_migrate(quic *q, int64_t now, int path);
/* The path in use has gone quiet: with messages unacknowledged, nothing
** heard for three probe timeouts (RFC 9002 PTO) while at least eight
** packets went out; otherwise nothing heard for 2.5 keepalive intervals
** while at least eight packets went out (after 1.5 intervals of quiet
** both sides send keepalives every quarter interval). */
bool quic_stalled(const quic *q, int64_t now);

enum quic_state quic_get_state(const quic *q);
int quic_path(const quic *q);       /* the path in use */
bool quic_confirmed(const quic *q); /* handshake confirmed: migration possible */
/* Why the connection closed ("" while it is open), e.g. "certificate
** refused: ..." when the other side's certificate did not check out. */
const char *quic_error(const quic *q);
/* The same reason in kind: QUIC_CLOSE_NONE while it is open. */
enum quic_close quic_close_reason(const quic *q);
/* Messages queued and not yet acknowledged. */
size_t quic_unacked(const quic *q);
int64_t quic_srtt(const quic *q);
const quic_stats *quic_get_stats(quic *q);

#endif
