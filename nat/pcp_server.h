/*
** pcp_server.h: the PCP server (RFC 6887, MAP for UDP) of a simulated NAT
** whose model says `pcp = true`: it grants explicit mappings in the NAT
** engine (nat_map_explicit) to hosts on the NAT's inside. Sans-I/O: one
** request in, one response out.
*/
#ifndef NATSIM_PCP_SERVER_H
#define NATSIM_PCP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "nat.h"

/* A request from inside host from_ip. Writes the response into out and
** returns its length, or 0 when nothing is to be answered (a response, too
** short to answer, or cap under 60 bytes). The NAT's public address goes
** into successful answers; epoch_s is the server's uptime in seconds.
** Refusals are answered, never returned: the response carries
** PCP_UNSUPP_VERSION, PCP_MALFORMED_REQUEST, PCP_UNSUPP_OPCODE,
** PCP_ADDRESS_MISMATCH (the client field is not from_ip),
** PCP_UNSUPP_PROTOCOL (not UDP) or PCP_NO_RESOURCES (nat_map_explicit
** failed). A success creates, refreshes or deletes the mapping in n. */
size_t pcp_server_handle(nat *n, uint32_t public_ip, int64_t now, uint32_t epoch_s,
                         uint32_t from_ip, const uint8_t *req, size_t len, uint8_t *out,
                         size_t cap);

#endif
