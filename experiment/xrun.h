/*
** xrun.h: the run of one version, shared by the experiment's files
** (internal: nothing outside experiment/ includes it). experiment.c drives
** a run; servers.c puts the gateway, STUN and TURN hosts in its world;
** population.c draws the pairs and asks the oracle; sides.c builds each
** side's NATs and peer and carries its packets; workload.c runs an
** attempt's timeline and messages; measure.c sums it up.
*/
#ifndef NATSIM_XRUN_H
#define NATSIM_XRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "experiment.h"
#include "gateway.h"
#include "pki.h"
#include "stun_server.h"
#include "turn_server.h"
#include "version.h"
#include "world.h"

#define MS 1000000LL
#define REGISTER_TIME (1000 * MS) /* an attempt's start to its connect: both peers register */
#define GATEWAY_IP 0xC633640Au /* 198.51.100.10 */
#define STUN_IP 0xC6336414u    /* 198.51.100.20 */
#define STUN2_IP 0xC6336415u   /* 198.51.100.21: for port prediction */
#define TURN_IP 0xC633641Eu    /* 198.51.100.30 */
#define SERVER_PORT 3478
#define RELAY_MIN 49152
#define RELAY_MAX 65535
#define GATEWAY_PORT 7000
#define PEER_PORT 4000
#define HEAD 9 /* a message's head: attempt (4), direction (1), index (4) */

typedef struct xrun xrun;
typedef struct attempt attempt;
typedef struct side side;

/* A socket a peer opened for birthday probing: socket `index` of `s`. */
typedef struct xsock {
  side *s;
  int index;
  int sock;
} xsock;

/* One peer of an attempt, in the world. */
struct side {
  attempt *att;       /* its attempt, and through it the run */
  const exp_version *v; /* the version it runs: the run's, or drawn from the mix */
  peer *p;
  uint32_t id;
  int host, sock;
  uint64_t timer, work_timer;
  bool is_a;
  int sent, received;
  bool damaged;
  int64_t direct_at;
  pki_cert *cert; /* QUIC: its key and certificate */
  int home;           /* its home NAT's node */
  xsock *extra;       /* its sockets 1..nextra (birthday probing) */
  int nextra;
};

/* One connection attempt: a pair of sides, a's initiating. */
struct attempt {
  xrun *run;
  int index, class_a, class_b;
  bool same_nat;      /* b sits behind a's home NAT */
  bool rogue;         /* b's certificate comes from a foreign CA */
  side a, b;
  int64_t start, connect_at, first_byte;
  bool feasible;      /* the oracle says a direct path could be reached */
  double p_bday;      /* the chance birthday probing opens a direct path (feasible.h) */
};

/* A TURN relay port's socket. */
typedef struct relay_sock {
  xrun *run;
  int sock;           /* -1 when closed */
  uint16_t port;
} relay_sock;

struct xrun {
  const exp_cfg *cfg;
  const exp_version *version; /* the run's; in a mixed run, mixrow */
  exp_version mixrow;  /* a mixed run: named mixname, with what any of its versions needs */
  char mixname[64];    /* "v0.7 75% + v0.8 25%" */
  enum peer_upgrade upgrade; /* the version's, or the one the scenario chose */
  world *w;
  gateway gw;
  int gw_sock;
  attempt *att;       /* cfg->pairs of them; those of the shard, lo to hi - 1, built */
  int lo, hi;
  exp_meas *meas;     /* hi - lo: each attempt as measured at its end */
  /* ICE versions: two STUN servers and a TURN server */
  stun_server stun, stun2;
  turn_server *turn;
  int stun_sock, stun2_sock, turn_sock, turn_host;
  relay_sock *relays; /* by port - RELAY_MIN */
  pki_ca *ca, *rogue; /* QUIC: the scenario's CA, and a foreign one */
  gnutls_priority_t priority; /* QUIC: every connection's TLS priorities (quic_priority_new) */
  gnutls_certificate_credentials_t trust; /* QUIC: every side's, trusting ca (pki_trust) */
  int started;        /* attempts whose connect call was made */
  int connected;      /* attempts whose first message arrived */
  int finished;       /* attempts whose messages all arrived, both ways */
  int64_t end;        /* virtual time the run ends */
};

/* servers.c. Each returns 0, or -1 with the reason in err when it could. */
/* The gateway's host and socket, and the gateway itself. */
int servers_gateway(xrun *x, char *err, size_t len);
/* The STUN host (two addresses) and the TURN host with its relay ports. */
int servers_ice(xrun *x, char *err, size_t len);
/* Frees the gateway's and the TURN server's state (after world_free). */
void servers_free(xrun *x);

/* sides.c */
/* Builds side s of attempt a, of class cls: its NATs (none of its own
** when it shares `shared`'s home NAT), its host, socket and peer, and
** registers it with the gateway. 0, or -1 with the reason in err when it
** could. */
int side_build(xrun *x, attempt *a, side *s, int cls, const side *shared, char *err,
               size_t len);
/* Sets the side's timer to its peer's deadline: after every call into it. */
void side_rearm(side *s);
/* Stops the side at its attempt's end: cancels its timers and frees its
** peer and credentials, so it sends nothing more and keeps no memory;
** what arrives for it afterwards is dropped. Safe to call twice. */
void side_stop(side *s);
/* Stops the side and frees its extra sockets' table. */
void side_free(side *s);

/* workload.c: the peers' deliver and event callbacks (ctx: the side), and
** the attempt's schedule: both peers start at a->start, a connects 1 s
** later and sends at once, b when its session is up; the attempt is
** measured at its end (workload_end). */
void workload_deliver(void *ctx, uint32_t from, const uint8_t *msg, size_t len);
void workload_event(void *ctx, uint32_t other, enum peer_event ev);
void workload_schedule(attempt *a);
/* When attempt a ends: start + 1 s + the workload + the settle time. */
int64_t workload_end(const exp_cfg *c, const attempt *a);

/* population.c: draws every attempt's classes (and in a mixed run each
** side's version) and builds its sides and verdict of the oracle. 0, or -1
** with the reason in err when it could. */
int population_build(xrun *x, char *err, size_t len);
/* The version pair's strategy: what both sides of a can do (exp_version
** fields; name and strategy are a's). */
exp_version population_pair(const attempt *a);

/* measure.c: measures attempt a at its end into x->meas, and hands it
** to cfg->record. */
void measure_attempt(xrun *x, const attempt *a);
/* Sums up the attempts of parts (n, tiling 0 to pairs) into s. 0, or -1
** when memory runs out (s->cells allocated: the caller's to free). */
int measure_sum(const exp_cfg *c, const exp_part *parts, int n, exp_summary *s);

/* record.c: hands the attempt to cfg->record, if any: its sessions ia and
** ib (the initiator's, the responder's) and how measure.c judged it. */
typedef struct attempt_verdict {
  bool verified, direct;
  int failure;     /* a schema_failure, or -1 */
  const char *why; /* the failure in words */
} attempt_verdict;
void record_attempt(const xrun *x, const attempt *a, const peer_session_info *ia,
                    const peer_session_info *ib, const attempt_verdict *v);

#endif
