/*
** stun_server.h: a STUN server for Binding requests (RFC 8489), with the
** NAT behaviour discovery extensions of RFC 5780 when it owns two addresses
** and two ports: CHANGE-REQUEST, RESPONSE-ORIGIN, OTHER-ADDRESS,
** RESPONSE-PORT and PADDING. Sans-I/O: the caller says on which of the
** server's sockets a datagram came in, and gets back what to send from
** which socket to where.
**
** Sockets are numbered by (address, port): 0 = (A1, P1), 1 = (A1, P2),
** 2 = (A2, P1), 3 = (A2, P2). With one address and port, only socket 0.
*/
#ifndef NATSIM_STUN_SERVER_H
#define NATSIM_STUN_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

typedef struct stun_server_stats {
  uint64_t requests, responses, errors, dropped;
} stun_server_stats;

typedef struct stun_server {
  addr socks[4];
  int nsocks;      /* 1, or 4 for RFC 5780 */
  stun_server_stats stats;
} stun_server;

/* primary is (A1, P1). With alt (A2, P2) given, the server owns all four
** combinations and does RFC 5780; alt may be NULL. Copies the addresses;
** allocates nothing. */
void stun_server_init(stun_server *s, const addr *primary, const addr *alt);

/* A datagram from `from` arrived on socket `sock`. Writes a response into
** out (cap bytes; 1280 is always enough) and returns its length, with
** *out_sock the socket to send it from and *to its destination (both
** meaningful only then). Returns 0 when nothing is to be sent: not a
** request, malformed, or sock not one of the server's (counted as
** dropped), or no room in out for even an error response. Requests it
** refuses are answered: 420 (unknown comprehension-required attributes,
** or CHANGE-REQUEST without a second address), 400 (not Binding, or
** PADDING with RESPONSE-PORT), 500 (the success response did not fit). */
size_t stun_server_handle(stun_server *s, int sock, const addr *from,
                          const uint8_t *data, size_t len, uint8_t *out,
                          size_t cap, int *out_sock, addr *to);

#endif
