/*
** testnet.h: the in-memory network the unit tests of src/ share. A fake
** clock and a binary min-heap of timed events: datagrams between hosts
** (through optional NAT engines) and "signal" events carrying a payload to
** a callback. Events are delivered in time order and, at equal times, in
** the order they were scheduled.
** Components (an ICE agent, a QUIC connection, ...) register a deadline
** getter and a tick callback; at equal times events come before ticks, and
** earlier-registered components before later ones.
**
** A host has an address and, optionally, a NAT engine in front of it:
** outbound datagrams go through nat_outbound, datagrams to the NAT's public
** address through nat_inbound. With an inside delay of 0 the NAT translates
** as the host sends and delivers as the datagram arrives; with a positive
** one the link between host and NAT takes that long each way.
**
** Ownership: testnet_new returns a network the caller frees with
** testnet_free, which also frees the hosts and any events still pending.
** NAT engines and callback contexts are borrowed: they must outlive the
** network's use of them. Payloads are copied when scheduled.
** Errors: none are returned; a full event heap or too many hosts or
** components fails the running cmocka test.
*/
#ifndef NATSIM_TESTNET_H
#define NATSIM_TESTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "nat.h"
#include "stun_server.h"

typedef struct testnet testnet;
typedef struct testnet_host testnet_host;

/* A datagram reaches a host at `now`: `from` as it left the sender's NAT,
** `to` the host's own address and port (after its NAT). */
typedef void (*testnet_recv_fn)(void *ctx, int64_t now, const addr *from, const addr *to,
                                const uint8_t *data, size_t len);
/* A signal event fires at `now` with the payload it was scheduled with. */
typedef void (*testnet_signal_fn)(void *ctx, int64_t now, const void *payload, size_t len);
/* A component's next deadline, INT64_MAX when it has none. */
typedef int64_t (*testnet_deadline_fn)(void *ctx);
/* A component's deadline has come. */
typedef void (*testnet_tick_fn)(void *ctx, int64_t now);
/* Returns true to lose a datagram arriving at `to` (before any NAT). */
typedef bool (*testnet_drop_fn)(void *ctx, const addr *from, const addr *to);

typedef struct testnet_host_cfg {
  uint32_t ip;          /* the host's own address (inside its NAT, if any) */
  nat *nat;             /* NULL: reachable at ip directly; borrowed */
  int64_t inside_delay; /* one way between the host and its NAT, >= 0 */
  testnet_recv_fn recv;
  void *ctx;
} testnet_host_cfg;

/* A network whose clock reads `start`, holding at most `capacity` pending
** events. Never NULL (an allocation failure fails the test). */
testnet *testnet_new(int64_t start, int capacity);
/* Frees n, its hosts and its pending events; NULL is ignored. */
void testnet_free(testnet *n);
/* The current time of the fake clock. */
int64_t testnet_now(const testnet *n);

/* Adds a host; the returned handle lives as long as n. Datagrams to the
** host's public address (its NAT's, or ip without one) reach it. */
testnet_host *testnet_add_host(testnet *n, const testnet_host_cfg *cfg);
/* Adds a component: the run loop ticks it when its deadline comes. */
void testnet_add_timer(testnet *n, testnet_deadline_fn deadline, testnet_tick_fn tick,
                       void *ctx);
/* Sets (or, with fn NULL, clears) the loss switch asked about every
** datagram as it arrives. */
void testnet_set_drop(testnet *n, testnet_drop_fn fn, void *ctx);

/* Sends from a host's port to dst: across the inside link, through its
** NAT (dropped when the NAT refuses), then `delay` to dst. A datagram to
** the host's own public address comes back inside instead (hairpinned by
** its NAT, or, without one, looped back). */
void testnet_send_from(testnet *n, testnet_host *h, uint16_t port, const addr *dst,
                       int64_t delay, const uint8_t *data, size_t len);
/* Sends a datagram from src to dst, arriving `delay` from now; no NAT on
** the sending side (servers, relays). */
void testnet_send(testnet *n, const addr *src, const addr *dst, int64_t delay,
                  const uint8_t *data, size_t len);
/* Schedules fn(ctx, ..., payload) `delay` from now (a signalling channel). */
void testnet_signal(testnet *n, int64_t delay, testnet_signal_fn fn, void *ctx,
                    const void *payload, size_t len);

/* Handles the earliest event or component deadline if it falls at or
** before `end`, moving the clock to it. Returns false when nothing is due
** by then (idle: no event and no deadline at all, or all later). */
bool testnet_step(testnet *n, int64_t end);
/* Handles everything due at or before `end`, then sets the clock to end. */
void testnet_run_until(testnet *n, int64_t end);

/* How many events are pending. */
int testnet_pending(const testnet *n);
/* Removes the earliest pending event without delivering it and copies at
** most `cap` bytes of its payload into buf. Returns the payload's length,
** or 0 when nothing is pending. */
size_t testnet_take(testnet *n, void *buf, size_t cap);

/* A STUN server (RFC 8489 Binding, one address) on a host of its own. */
typedef struct testnet_stun {
  testnet *net;
  stun_server server;
  int64_t delay; /* of each answer */
} testnet_stun;

/* Puts STUN server s (the caller's storage, borrowed for the network's
** life) on a host at ip, port 3478; it answers after `delay`. */
void testnet_add_stun(testnet *n, testnet_stun *s, uint32_t ip, int64_t delay);

#endif
