/*
** world.h: the simulated network a scenario builds. A public core router;
** hosts and NATs attached to it or behind a NAT (NATs may be stacked, as a
** home NAT behind carrier-grade NAT); UDP sockets on hosts; counters.
** Every attachment is a point-to-point link from the child (its uplink) to
** its parent, with /32 host routes at the parent and a default route at the
** child.
**
** Ownership: the world owns its nodes, NAT engines, models and sockets, and
** the ns-3 simulation (sim.h); world_free ends it. Nodes and sockets are
** named by indices. Build errors return -1 with the reason in err; errors
** while running (a NAT hook that fails) stop the simulation and are kept
** until world_error reads them.
*/
#ifndef NATSIM_WORLD_H
#define NATSIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat.h"
#include "nat_model.h"
#include "sim.h"

#define WORLD_CORE (-1) /* the parent of nodes on the public core */
#define WORLD_CORE_ADDR 0xC6130001u /* 198.19.0.1: the core router's, no node's */
#define WORLD_MAX_ADDRS 4

typedef struct world world;

typedef struct world_node_opts {
  const char *name;
  uint32_t addrs[WORLD_MAX_ADDRS]; /* explicit addresses; 0 ends the list */
  int parent;                      /* WORLD_CORE or a NAT's index */
  sim_link_cfg link;               /* the uplink to the parent */
  uint32_t lan, lan_prefix;        /* NATs: inside network; 0 for default */
} world_node_opts;

typedef struct world_counters {
  uint64_t sent, received;
} world_counters;

/* A new world with its own simulation (sim_init(seed): any simulation in
** progress ends), released with world_free; NULL when out of memory. */
world *world_new(uint64_t seed);
/* Ends the world's simulation and releases it and its NAT models. NULL is
** fine. */
void world_free(world *w);

/* Adds a host; returns its index. */
int world_host(world *w, const world_node_opts *o, char *err, size_t len);
/* Adds a real host: a node that forwards between its uplink and a TAP
** device (fd: taken over on success, the caller's on -1) beyond which a
** network namespace holds the host's addresses, with `gateway` (the
** node's own address on the TAP side) as its default route. Needs a
** simulation in real time. Returns its index, or -1 with the reason in
** err (not in real time, a bad name, place or address). */
int world_real_host(world *w, const world_node_opts *o, int fd, uint32_t gateway, char *err,
                    size_t len);
/* True for a host made by world_real_host. */
bool world_is_real(const world *w, int node);
/* Adds a NAT running model m, which the world takes over whatever the
** outcome (m is copied; the caller must not release it). Returns its
** index, or -1 with the reason in err. */
int world_nat(world *w, const world_node_opts *o, const nat_model *m,
              char *err, size_t len);

/* The seed of the node called `name`'s own randomness (a scripted NAT
** model's math.random): from the world's seed and the name alone, so it
** does not depend on how many nodes there are or in what order they came. */
uint64_t world_node_seed(const world *w, const char *name);

/* Adds a NAT running the model in file `path` (loaded by ld, with the
** node's world_node_seed), with the given uplink; cgn gives it the
** carrier-grade inside network 100.64.0.0/10; ip is its public address
** (0: the next free one). Returns its index, or -1 with the reason in err. */
int world_nat_file(world *w, const nat_model_loader *ld, const char *path, const char *name,
                   int parent, bool cgn, uint32_t ip, const sim_link_cfg *link, char *err,
                   size_t len);

size_t world_node_count(const world *w);
/* The node's name; "core" for WORLD_CORE. */
const char *world_node_name(const world *w, int node);
bool world_is_nat(const world *w, int node);
/* The node's addresses (its first is its public one, for a NAT). */
int world_node_addrs(const world *w, int node, const uint32_t **addrs);

/* The k-th address of the public pool (198.18.0.0/15 onward, k from 0),
** the core router's own stepped over: a plan of public addresses that
** does not depend on which nodes exist (experiments: a side's id). */
uint32_t world_public_ip(uint32_t k);
int world_node_parent(const world *w, int node);
/* A NAT's engine and model, or NULL for a host. */
nat *world_nat_engine(world *w, int node);
const nat_model *world_nat_model(const world *w, int node);
/* A NAT's own address on its inside (the hosts' router). */
uint32_t world_nat_inside_ip(const world *w, int node);
/* Packets a NAT dropped because they were not UDP. */
uint64_t world_nat_non_udp(const world *w, int node);
world_counters world_host_counters(const world *w, int node);

/* --- capture -----------------------------------------------------------------
** While on, both ends of the uplink of every node added are captured into
** pcap files in dir: the node's end into natsim-PREFIXNODE-uplink.pcap, the
** parent's into natsim-PREFIXPARENT-to-NODE.pcap (PARENT is "core" for the
** core router). Bytes of names outside [A-Za-z0-9._-] become '_', and a
** name already taken gets "-2", "-3"... appended. dir must exist and be
** writable (ns-3 aborts otherwise). Running out of memory for the list of
** files is a world error (world_fail). */

/* Captures the nodes added from now on (dir NULL: stops). dir and prefix
** are copied; tag is kept with each file (an experiment's attempt, or -1).
** 0, or -1 when memory runs out (capture is then off). */
int world_pcap(world *w, const char *dir, const char *prefix, int tag);

typedef struct world_capture {
  char file[160];                   /* the file's name, in dir */
  int node;                         /* whose device: a node, or WORLD_CORE */
  int other;                        /* the node at the link's other end, or WORLD_CORE */
  bool uplink;                      /* the device is node's uplink (else: its link down to other) */
  uint32_t addrs[WORLD_MAX_ADDRS];  /* the device's addresses */
  int naddrs;
  int tag;                          /* as world_pcap was given */
} world_capture;

/* The files captured so far, in the order they were made: *list is valid
** until the world changes or is freed. */
size_t world_captures(const world *w, const world_capture **list);

/* Received datagrams go to fn(ctx, ...). Returns a socket index, or -1. */
typedef void (*world_recv_fn)(void *ctx, const uint8_t *data, size_t len,
                              uint32_t from_ip, uint16_t from_port);
int world_udp(world *w, int host, uint32_t ip, uint16_t port,
              world_recv_fn fn, void *ctx, char *err, size_t len);
int world_send(world *w, int sock, uint32_t ip, uint16_t port,
               const uint8_t *data, size_t len);
uint16_t world_sock_port(const world *w, int sock);
world_counters world_sock_counters(const world *w, int sock);
void world_sock_close(world *w, int sock);

/* Totals over the whole network: datagrams sent and received by sockets,
** packets lost on links, and packets dropped by NATs. */
typedef struct world_totals {
  uint64_t sent, received, lost, nat_dropped;
} world_totals;
world_totals world_get_totals(const world *w);

/* Stops the simulation with an error (the first one is kept, cut to 1023
** bytes; it needs no memory, so out of memory can be reported). */
void world_fail(world *w, const char *fmt, ...);
const char *world_error(const world *w); /* NULL when none */

#endif
