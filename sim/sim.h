/*
** sim.h: the C API over ns-3 (implemented in sim.cc, the only file that
** includes ns-3 or C++). Nodes, point-to-point links, IPv4 addresses and
** routes, UDP sockets, timers, the virtual clock and pcap capture.
**
** ns-3 is a process-wide singleton, and so is this API: sim_init starts a
** simulation, sim_destroy ends it and frees every node, link and socket.
** Objects are named by small integers (ids), valid until sim_destroy.
** Times are virtual nanoseconds. IPv4 addresses are host-order uint32_t.
** Functions returning int return 0 (or an id >= 0) on success and -1 on a
** bad argument, without touching the simulation. Without a simulation
** (before sim_init, after sim_destroy) every function that needs one
** fails as it says (-1, or 0 for a timer id) and does nothing. ctx and arg pointers are borrowed and must stay valid while they
** may be called back.
*/
#ifndef NATSIM_SIM_H
#define NATSIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_NS_PER_S 1000000000LL

/* Starts a simulation, first destroying any in progress; all ns-3
** randomness (link loss) derives from seed (ns-3's run number). 0, or -1
** when out of memory (then there is no simulation). */
int sim_init(uint64_t seed);
/* Ends the simulation, if any: every id becomes invalid and no callback
** runs again. */
void sim_destroy(void);

/* Simulations started by sim_init from now on run in real time (ns-3's
** RealtimeSimulatorImpl: an event at virtual time t runs when t has passed
** on the wall clock since the run began) and compute IPv4 and UDP
** checksums, as real hosts need. on false: virtual time, no checksums (the
** default). Takes effect at the next sim_init. */
void sim_set_realtime(int on);
/* 1 when the simulation in progress runs in real time, else 0. */
int sim_is_realtime(void);

/* The virtual time, ns. */
int64_t sim_now(void);
/* Events ns-3 has run so far. */
uint64_t sim_event_count(void);
/* Runs until virtual time `until`, or until sim_stop is called. */
void sim_run_until(int64_t until);
/* Stops the current sim_run_until after the running event. */
void sim_stop(void);

typedef void (*sim_timer_fn)(void *arg);
/* Calls fn(arg) after delay ns (a negative delay: now); returns a timer id
** (>= 1) for sim_cancel, or 0 without a simulation. */
uint64_t sim_schedule(int64_t delay, sim_timer_fn fn, void *arg);
/* Cancels a pending timer; an unknown or fired id is ignored. */
void sim_cancel(uint64_t timer);
/* For sans-I/O agents: cancels timer `old` (0: none) and, unless at is
** INT64_MAX, schedules fn(arg) at virtual time `at` (now, if past).
** Returns the new timer id, or 0 (none scheduled, or no simulation).
** When `old` is pending for that very time and no event due then was
** scheduled after it, it is kept and returned: it runs where a new timer
** would. old must call the same fn(arg). */
uint64_t sim_rearm(uint64_t old, int64_t at, sim_timer_fn fn, void *arg);

/* A node with an IPv4 stack; returns its id, or -1 without a simulation. */
int sim_node_new(void);

typedef struct sim_link_cfg {
  uint64_t rate_bps;  /* 0: 1 Gbit/s */
  int64_t delay;      /* one-way propagation delay, ns */
  double loss;        /* probability that a packet is lost, each way */
  int64_t stream;     /* loss: ends a and b draw from random streams stream and
                      ** stream + 1 (below 2^63); 0: the next unused ones */
} sim_link_cfg;

/* Connects nodes a and b; writes their new interface indices (if_a and
** if_b required). Returns a link id, or -1 for an unknown node, a == b, a
** loss outside [0, 1] or a negative delay. */
int sim_link_new(int a, int b, const sim_link_cfg *cfg, uint32_t *if_a,
                 uint32_t *if_b);
/* Packets lost on the link so far (both directions); 0 for an unknown
** link. */
uint64_t sim_link_lost(int link);

/* Gives iface of node the address ip/prefix. 0, or -1 for an unknown node
** or iface, or a prefix outside 0..32. */
int sim_addr_add(int node, uint32_t iface, uint32_t ip, int prefix);
/* A route to ip/prefix out of iface (point-to-point: no next hop). 0, or
** -1 as for sim_addr_add. */
int sim_route_add(int node, uint32_t ip, int prefix, uint32_t iface);

/* Captures the packets end `end` of link sends and receives (0: the a of
** sim_link_new, 1: its b) into the pcap file at path (copied), until
** sim_destroy. The caller checks that path can be written: ns-3 aborts
** when it cannot. 0, or -1 for an unknown link or end, or a NULL path. */
int sim_link_pcap(int link, int end, const char *path);

/* Gives node an Ethernet device over the TAP file descriptor fd (ns-3's
** FdNetDevice, which reads it from a thread of its own), with address ip/32
** and ARP. The device takes fd over: sim_destroy closes it. Needs a
** real-time simulation (sim_set_realtime). Returns its interface index, or
** -1 (fd left to the caller) for an unknown node, a negative fd, or a
** simulation not in real time. */
int sim_fd_new(int node, int fd, uint32_t ip);

/* A UDP packet as a forward hook sees it. The hook may rewrite the
** addresses and ports; the packet is then routed by its new destination. */
typedef struct sim_pkt {
  uint32_t iface; /* ingress interface */
  uint8_t proto;  /* IP protocol: 17 is UDP; ports are 0 for others */
  uint32_t src_ip, dst_ip;
  uint16_t src_port, dst_port;
  uint32_t size;  /* IP payload bytes */
} sim_pkt;

typedef enum { SIM_PASS, SIM_REWRITE, SIM_DROP } sim_verdict;
typedef sim_verdict (*sim_hook_fn)(void *ctx, sim_pkt *pkt);
/* Every packet the node receives goes through fn first: the NAT lives here.
** fn NULL removes the hook; ctx is borrowed until replaced or sim_destroy.
** 0, or -1 for an unknown node. */
int sim_node_hook(int node, sim_hook_fn fn, void *ctx);

typedef void (*sim_recv_fn)(void *ctx, const uint8_t *data, size_t len,
                            uint32_t from_ip, uint16_t from_port);
/* A UDP socket bound to ip:port: ip 0 for every address of the node, port
** 0 for one ns-3 picks. Returns its id, or -1 for an unknown node or when
** the port is taken on the node: by ip:port, by 0:port, or, for ip 0, on
** any address. fn(ctx, ...) is called for each datagram received, data
** valid during the call only; ctx is borrowed until sim_udp_close or
** sim_destroy. A socket on a given port is sim's own: sim finds its
** datagrams in a hash by address and port, where ns-3's UDP would scan a
** list of every socket of the node per datagram, and sends as an ns-3
** socket would. Bound to every address, it sends from the address
** routing picks for the destination. */
int sim_udp_open(int node, uint32_t ip, uint16_t port, sim_recv_fn fn,
                 void *ctx);
/* Sends a copy of data to ip:port. 0, or -1 for an unknown or closed
** socket, or when ns-3 refuses it (no route, say). */
int sim_udp_send(int sock, uint32_t ip, uint16_t port, const uint8_t *data,
                 size_t len);
/* The port the socket is bound to; 0 for an unknown or closed socket. */
uint16_t sim_udp_port(int sock);
/* Closes the socket (an unknown one is ignored); its id is not reused. */
void sim_udp_close(int sock);

#ifdef __cplusplus
}
#endif
#endif
