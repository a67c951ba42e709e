/*
** pcp.h: the Port Control Protocol (RFC 6887), the MAP opcode for UDP: a
** host asks its NAT for an explicit mapping that every remote may use
** (endpoint-independent mapping and filtering) and advertises it. Only the
** wire format lives here: the client is in ice.c, the server in the
** simulated NAT (sim/world.c).
**
** Addresses travel as 16 bytes, IPv4 mapped into IPv6 (::ffff:a.b.c.d).
*/
#ifndef NATSIM_PCP_H
#define NATSIM_PCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define PCP_PORT 5351
#define PCP_MAX_LIFETIME 7200 /* s: what our server grants at most */

enum pcp_result {
  PCP_SUCCESS = 0,
  PCP_UNSUPP_VERSION = 1,
  PCP_MALFORMED_REQUEST = 3,
  PCP_UNSUPP_OPCODE = 4,
  PCP_NO_RESOURCES = 8,
  PCP_UNSUPP_PROTOCOL = 9,
  PCP_ADDRESS_MISMATCH = 12,
};

typedef struct pcp_map {
  bool response;
  uint8_t result;         /* responses: enum pcp_result */
  uint32_t lifetime;      /* s; a request for 0 deletes the mapping */
  uint32_t epoch;         /* responses: the server's epoch time, s */
  addr client;            /* requests: the client's own IP (port ignored) */
  uint8_t nonce[12];
  uint8_t protocol;       /* IANA protocol number: 17 for UDP */
  uint16_t internal_port;
  addr external;          /* suggested (request) or assigned (response); port too */
} pcp_map;

/* Encodes a MAP request or response into buf; returns its length (60), or
** -1 when cap is too small. */
int pcp_encode(const pcp_map *m, uint8_t *buf, size_t cap);
/* Decodes a message. Returns PCP_SUCCESS, or the result code a server
** answers with: PCP_UNSUPP_VERSION, PCP_MALFORMED_REQUEST (short, not a
** multiple of 4, longer than 1100 bytes, bad fields), PCP_UNSUPP_OPCODE.
** The same codes for a response. m is cleared first and may be partly
** filled on a failure. Options after the MAP payload are skipped. */
int pcp_decode(const uint8_t *buf, size_t len, pcp_map *m);

#endif
