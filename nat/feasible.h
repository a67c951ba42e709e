/*
** feasible.h: whether a direct path between two peers is possible, given
** the NATs in front of each (their configured behaviour) and the technique
** a version uses. It plays the technique out ideally, on fresh NAT engines,
** with no time passing and no loss: both peers register with the gateway,
** then send a few rounds of punches to each other's reflected address and
** to every address a punch arrived from, answering each punch. The path is
** feasible when each side gets an answer. An attempt whose path was
** feasible but that ended relayed is a missed direct connection: a bug in
** the stack or its timing, not a limit of the NATs.
*/
#ifndef NATSIM_FEASIBLE_H
#define NATSIM_FEASIBLE_H

#include <stdbool.h>

#include "nat.h"

#define FEASIBLE_MAX_CHAIN 3

/* A peer's NATs, innermost first (a home NAT, then carrier-grade NAT). */
typedef struct nat_chain {
  const nat_config *nat[FEASIBLE_MAX_CHAIN];
  int n;
  bool pcp; /* the innermost NAT grants PCP mappings (RFC 6887) */
} nat_chain;

/* Gateway-coordinated hole punching (v0.8); also ICE's direct pairs. The
** configs are read during the call only (a scripted allocator is played as
** random). false also when a chain is longer than FEASIBLE_MAX_CHAIN, a
** config is invalid or memory runs out. */
bool feasible_punch(const nat_chain *a, const nat_chain *b);
/* Port prediction: one side's NATs all allocate sequentially (stride at
** most 64) or preserve ports, at least one maps per destination, so its
** next ports can be guessed, and the other side maps
** endpoint-independently, so it can open its filter toward those ports and
** be reached at one address. (Two predictable sides are not counted:
** their guesses must line up, which is left to the experiment.) */
bool feasible_predict(const nat_chain *a, const nat_chain *b);

/* Two peers behind the same NATs, punching toward each other's reflected
** (outermost) address: feasible when every NAT on the way maps
** endpoint-independently and hairpins (RFC 4787 REQ-1, REQ-9). ICE needs
** no oracle there: host candidates meet on the shared LAN. false with no
** NAT at all. */
bool feasible_hairpin(const nat_chain *shared);
/* PCP: a side whose only NAT grants it an explicit mapping (endpoint-
** independent mapping and filtering) can be reached by anyone, so every
** pair with such a side can go direct. Behind a second NAT the mapping is
** only the inner one's, and does not count. */
bool feasible_pcp(const nat_chain *a, const nat_chain *b);

/* Birthday-paradox probing (ice.h): one side's only NAT maps per
** destination with random ports, every NAT of the other side maps
** endpoint-independently. The hard side holds m = sockets + 1 mappings
** toward the easy side (its probing sockets and its own socket), and each
** of k random probes over the probed port range finds one with probability
** m / range: 1 - (1 - m / range)^k. Returns that, or 0 for other pairs
** and when sockets or probes is not positive. */
double feasible_birthday(const nat_chain *a, const nat_chain *b, int sockets, int probes);

#endif
