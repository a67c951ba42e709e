/*
** experiment.h: connection attempts at scale. A population of peers (a
** weighted mix of NAT set-ups), some number of pairs, a workload per
** connection; each version of the stack (its connection strategy) runs on
** the same pairs with the same seed, in its own simulation, and every
** attempt is measured: its outcome (direct, relayed, failed), times to the
** first application byte and to the direct path, bytes on each path, hops,
** RTT, whether every message arrived whole, once and in order, and whether
** a direct path was feasible at all (feasible.h).
*/
#ifndef NATSIM_EXPERIMENT_H
#define NATSIM_EXPERIMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "nat_model.h"
#include "peer.h"
#include "schema.h"
#include "sim.h"

#define EXP_MAX_CLASSES SCHEMA_MAX_CLASSES

typedef struct exp_class {
  char name[64];
  char model[512];  /* model file */
  char behind[512]; /* a model file for a NAT in front (NAT444), or "" */
  double weight;
  int64_t keepalive; /* its peers' keepalive interval; 0: cfg.peer.keepalive */
} exp_class;

/* Roadmap targets for one version (the table in shared/DESIGN.md); a
** negative value: none for that metric. direct = 0 means exactly none
** direct, load = 1 everything through relays, hops = 2 every connection
** relayed; otherwise direct and reliability are minimums, load and hops
** maximums. */
typedef struct exp_targets {
  double direct, load, hops, reliability;
} exp_targets;

/* How a version fared against one target. */
typedef struct exp_verdict {
  const char *metric; /* "direct_rate", "gateway_load", "hops_mean", "reliability" */
  const char *op;     /* ">=", "<=", "=" */
  double target, measured;
  bool ok;
  /* rates (of attempts) carry their 95% Wilson interval; straddles: the
  ** target lies strictly inside it, so the verdict could go either way */
  bool has_ci, straddles;
  double ci[2];
} exp_verdict;

#define EXP_HIST_BINS SCHEMA_HIST_BINS /* schema.h */

/* One attempt as measured, handed to exp_cfg.record. Its pointers are
** valid during the call only. Times are in ms after the initiator's
** connect call (ICE's: after ICE started); negative: it never happened. */
#define EXP_MAX_CHAIN 4
typedef struct exp_attempt {
  const char *version;
  int index;
  const char *class_a, *class_b;
  const char *nats_a[EXP_MAX_CHAIN], *nats_b[EXP_MAX_CHAIN]; /* model names, home NAT first */
  int nnats_a, nnats_b;
  bool same_nat, rogue;
  const char *outcome;  /* "direct", "relayed" or "failed" */
  const char *reason;   /* failed: a name of schema_failure_names; else NULL */
  const char *why;      /* failed: the reason in words; else "" */
  const char *path;     /* where the session ended: "direct", "turn", "gateway" or "none" */
  double first_byte_ms, direct_ms, ice_valid_ms, ice_selected_ms;
  uint64_t bytes_direct, bytes_relayed, bytes_turn; /* message bytes both sides sent */
  uint64_t probes;      /* path probes both sides sent */
  bool feasible;        /* the oracle (feasible.h) says a direct path could be reached */
  bool missed_direct;   /* feasible, yet not direct */
} exp_attempt;

typedef void (*exp_record_fn)(void *ctx, const exp_attempt *r);

#define EXP_MAX_VERSIONS 8 /* rows in version.h's table, at most */
#define EXP_MAX_VPAIRS (EXP_MAX_VERSIONS * (EXP_MAX_VERSIONS + 1) / 2)

/* The cost model's usage profile and prices (cost.c, docs/lua-api.md). */
typedef struct exp_cost_cfg {
  double peers;             /* peers in the deployment */
  double sessions_per_day;  /* sessions each peer starts a day */
  double bytes_per_session; /* application bytes of a session, both ways */
  int64_t session_length;   /* ns: how long a session stays open */
  double egress_per_gb;     /* price of a GB (1e9 bytes) leaving a server */
  double server_month;      /* price of one server for a month */
  int stun_turn_servers;    /* servers an ICE version adds (STUN and TURN) */
} exp_cost_cfg;

typedef struct exp_cfg {
  exp_class classes[EXP_MAX_CLASSES];
  int nclasses;
  int pairs;
  sim_link_cfg access;   /* each peer's outermost NAT to the core */
  sim_link_cfg lan;      /* each peer to its home NAT */
  sim_link_cfg gateway;  /* the gateway to the core */
  int messages, size;    /* per direction */
  int64_t over;          /* the messages are spread over this long */
  /* The peers' configuration: timers, and in peer.agent ICE's port
  ** prediction window and birthday probing (ice.h; 0: off). Each side's
  ** copy gets its id, key, gateway, certificate, and what its version
  ** asks for (punch; ice, the servers and the extras: version.h). */
  peer_cfg peer;
  uint32_t punch_delay_ms;
  double same_nat;       /* share of pairs whose second peer sits behind the first's home NAT */
  bool quic;             /* messages over QUIC (quic.h); false: over conn.h */
  double rogue;          /* share of attempts whose responder shows a certificate from a foreign CA */
  /* Something happens to the initiator's home NAT `disrupt_after` into
  ** the workload of every attempt (pairs behind one NAT excepted): */
  enum exp_disrupt { EXP_NONE, EXP_REBIND, EXP_BLACKHOLE } disrupt;
  int64_t disrupt_after; /* REBIND: nat_rebind; BLACKHOLE: it blocks the other peer's public address */
  int64_t spacing;       /* between the starts of successive attempts */
  int64_t settle;        /* time after the last message for stragglers */
  uint64_t seed;
  exp_targets targets;   /* for the version run */
  /* How sessions move to the direct path (peer.h) in the version run: its
  ** own way (version.h), or the one named here. */
  enum exp_upgrade { EXP_UPGRADE_VERSION, EXP_UPGRADE_MIGRATE, EXP_UPGRADE_SWITCH } upgrade;
  /* Mixed versions: mix[i] is the share of peers running version i of
  ** version.h's table (the shares sum to 1); each peer's version is drawn
  ** from the seed, and a pair uses the best strategy both support. Run
  ** with experiment_run's version EXP_MIX. mixed false: one version. */
  bool mixed;
  double mix[EXP_MAX_VERSIONS];
  exp_cost_cfg cost;       /* the cost model's profile and prices */
  nat_model_loader loader; /* loads the classes' model files (borrowed) */
  struct capture *pcap;  /* NULL, or the attempts to capture and the manifest (capture.h; borrowed) */
  exp_record_fn record;  /* NULL, or called for each attempt as it ends, in order */
  void *record_ctx;      /* record's first argument (borrowed) */
  /* Shard `shard` of `shards` (0 <= shard < shards; shards 0: one run of
  ** everything): only attempts shard * pairs / shards up to (shard + 1) *
  ** pairs / shards are built; their results are as in a run of all. */
  int shard, shards;
} exp_cfg;

/* Defaults for everything but the classes (and no targets): 1000 pairs, 20 messages of 200
** bytes each way over 2 s, 10 ms access links, 1 ms LAN links, 5 ms between
** attempt starts, a punch delay of 100 ms, 10 s to settle, over QUIC; one
** version, no mix; the cost profile of cost_defaults (cost.h). */
void experiment_defaults(exp_cfg *c);

/* The longest simulated time an experiment may span: a week. Simulated
** time costs events even when idle (10 a second for the progress
** display), so a week runs in seconds, and a slip such as "5h" for "5ms"
** is refused rather than run for hours. */
#define EXP_SPAN_MAX_S (7.0 * 24 * 3600)

/* When c's last attempt ends, in seconds of simulated time: (pairs - 1) x
** spacing, a second to register, the workload's over and the settle time.
** In a double, so that no field's size can overflow it. */
double experiment_span_s(const exp_cfg *c);

typedef struct exp_cell { /* one pair of classes */
  int a, b; /* class indices, a <= b */
  int attempts, direct, relayed, failed, missed_direct;
  int turn; /* of the relayed, those on a TURN path (v0.9) */
  int feasible;       /* attempts the oracle (feasible.h) says could go direct */
  double expected;    /* direct attempts to expect: the feasible ones, plus each birthday-probing one's probability */
  uint64_t probes;    /* path probes both sides sent (punches, ICE checks) */
  double direct_ms;   /* summed over direct attempts: connect call to both sides direct */
} exp_cell;


typedef struct exp_vcell { /* one pair of versions in a mixed run */
  int a, b; /* version indices (version.h), a <= b */
  int attempts, direct, relayed, failed;
} exp_vcell;

/* What a version costs to run for cfg.cost's profile (cost.c): monthly
** bandwidth leaving the gateway and the STUN/TURN servers, their requests,
** and the bill. */
typedef struct exp_cost {
  double gateway_bytes_per_session; /* relayed QUIC packets with framing and UDP/IP */
  double turn_bytes_per_session;    /* TURN relay plus STUN and TURN exchanges */
  double stun_turn_requests_per_session;
  double allocations_per_session;
  double keepalives_per_peer_hour;
  double gateway_gb, turn_gb;       /* a month (30 days) */
  double gateway_usd, stun_turn_usd, total_usd;
} exp_cost;

typedef struct exp_summary {
  char name[64];     /* the version's; a mixed run's names its shares: "v0.7 75% + v0.8 25%" */
  char strategy[64], transport[16];
  char upgrade[16];   /* "migrate", "switch", or "none" (a version that never goes direct) */
  char classes[EXP_MAX_CLASSES][64]; /* names, for the cells */
  int nclasses, pairs;
  int attempts, connected, direct, relayed, failed, missed_direct;
  /* connected: the transport came up on both sides (QUIC: both handshakes
  ** completed); data_verified: of those, every message arrived whole, once
  ** and in order both ways. Only verified attempts count as direct or
  ** relayed; the rest failed, each with a reason. */
  int data_verified;
  int rogue;       /* attempts whose responder had a foreign certificate (cfg.rogue) */
  int failures[SCHEMA_FAILURES];
  char failure_example[SCHEMA_FAILURES][160]; /* the first reason of each kind, in words */
  double handshake_ms[2], migration_ms[2]; /* p50, p95 (QUIC client) */
  int migrations, fell_back;   /* moves to a new path; connections back on the relay after the direct path died */
  uint64_t retransmitted;      /* QUIC packets with stream data declared lost and resent */
  uint64_t wire_relayed, wire_direct, wire_turn; /* QUIC packet bytes on each path */
  int turn;        /* relayed attempts that ended on a TURN path */
  int data_errors; /* attempts with a message lost, repeated, reordered or damaged */
  int same_nat, same_nat_direct; /* attempts between peers behind one home NAT; direct ones */
  double keepalive_s[EXP_MAX_CLASSES]; /* each class's keepalive interval */
  double direct_rate, direct_rate_ci[2], gateway_load, hops_mean, rtt_ms_mean;
  double connect_ms[2], direct_ms[2]; /* p50, p95 */
  double on_direct_ms[2]; /* p50, p95 over direct attempts: connect call to both sides' packets on the direct path */
  uint64_t bytes_direct, bytes_relayed, gateway_frames;
  uint64_t bytes_turn;                 /* message bytes through TURN */
  double ice_check_ms[2], ice_nominated_ms[2]; /* p50, p95: first valid pair; selection */
  uint64_t stun_requests, turn_allocations, turn_bytes; /* server load */
  uint64_t turn_packets; /* datagrams the TURN server relayed (for the cost; not written) */
  exp_verdict verdicts[4];
  int nverdicts;
  int connect_hist[EXP_HIST_BINS], direct_hist[EXP_HIST_BINS]; /* over connected attempts */
  exp_cell *cells;
  int ncells;
  exp_vcell vcells[EXP_MAX_VPAIRS]; /* mixed runs: by pair of versions */
  int nvcells;
  double mix[EXP_MAX_VERSIONS];     /* mixed runs: the shares, by version index */
  exp_cost cost;
  uint64_t events;
  double virtual_s, wall_s;
} exp_summary;

/* Where results go: the same fields, in the same order, to JSON and to
** Lua tables. Keys are NULL inside arrays. */
typedef struct exp_writer {
  void (*begin)(void *ctx, const char *key, bool array);
  void (*end)(void *ctx, bool array);
  void (*str)(void *ctx, const char *key, const char *v);
  void (*integer)(void *ctx, const char *key, int64_t v);
  void (*number)(void *ctx, const char *key, double v);
  void (*boolean)(void *ctx, const char *key, bool v);
  void *ctx;
} exp_writer;

/* Writes one version's results as an object (schema natsim-results/1 in
** reports/README.md). Wall time is left out: it is not reproducible. */
void experiment_write(const exp_summary *s, const exp_writer *w);

/* One attempt as measured at its own end (its start + 1 s + the workload
** + the settle time), whatever else shares the simulation: all a summary
** needs of it. Times in ns after the connect call (ICE's: after ICE
** started); negative: it never happened. */
typedef struct exp_meas {
  int class_a, class_b;
  int version_a, version_b; /* a mixed run: each side's version (version.h's index); else -1 */
  bool feasible, same_nat, rogue;
  bool connected, damaged, verified, direct, turn;
  double p_bday;        /* the chance birthday probing opens a direct path */
  int failure;          /* a schema_failure, or -1 */
  char why[160];        /* the failure in words; "" when none */
  uint64_t probes, bytes_direct, bytes_relayed, bytes_turn;
  int64_t handshake, migration; /* QUIC client's */
  int migrations, fell_back;
  uint64_t lost, wire_relayed, wire_direct, wire_turn; /* both sides' QUIC */
  int64_t ice_check, ice_nominated;
  int64_t srtt;         /* the initiator's smoothed RTT */
  int64_t first, to_direct, on_direct; /* verified: to the first byte, direct, both on direct */
} exp_meas;

/* A run's share of one version: attempts lo to hi - 1 of `pairs`, and the
** servers' counts of their traffic. A summary of parts that cover every
** attempt once equals that of one run (events and wall time aside). */
typedef struct exp_part {
  int pairs, lo, hi;
  exp_meas *m;          /* hi - lo of them; freed by exp_part_free */
  uint64_t gateway_frames, stun_requests, turn_allocations, turn_bytes;
  uint64_t turn_packets; /* datagrams the TURN server relayed (for the cost) */
  uint64_t events;      /* about the run itself: */
  double virtual_s, wall_s;
} exp_part;

/* The first and one past the last attempt of shard k of n (n 0: all). */
void experiment_shard_range(int pairs, int k, int n, int *lo, int *hi);

/* Runs the attempts of cfg's shard of one version into part (its m is the
** caller's: exp_part_free). 0, or -1 with the reason in err as for
** experiment_run. */
int experiment_run_part(const exp_cfg *cfg, const char *version, exp_part *part, char *err,
                        size_t len);

/* Sums up parts (n of them, in order of lo, each starting where the one
** before ended, the last ending at pairs) into out, as experiment_run
** would have: cfg and version as the parts were run with. 0, or -1 with
** the reason in err: an unknown version, parts that do not tile the
** attempts, or no memory. out->cells is the caller's to free. */
int experiment_summarize(const exp_cfg *cfg, const char *version, const exp_part *parts, int n,
                         exp_summary *out, char *err, size_t len);

void exp_part_free(exp_part *p);

/* The version name experiment_run takes for a mixed run (cfg.mixed). */
#define EXP_MIX "mix"

/* Runs one version (a name in version.h's table, or EXP_MIX) in a simulation of its
** own: whatever simulation ran before is ended (sim_init), and none is
** left after. Returns 0, or -1 with the reason in err: an unknown version,
** a configuration out of range, or a world that could not be built or
** run. out->cells is the caller's to free (NULL after -1). */
int experiment_run(const exp_cfg *cfg, const char *version, exp_summary *out,
                   char *err, size_t len);

#endif
