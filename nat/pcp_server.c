/* pcp_server.c: answering PCP MAP requests. */
#include "pcp_server.h"

#include <string.h>

#include "pcp.h"

#define S 1000000000LL

size_t pcp_server_handle(nat *n, uint32_t public_ip, int64_t now, uint32_t epoch_s,
                         uint32_t from_ip, const uint8_t *req, size_t len, uint8_t *out,
                         size_t cap) {
  if (len < 4 || (req[1] & 0x80)) return 0; /* too short to answer, or a response */
  pcp_map m;
  int rc = pcp_decode(req, len, &m);
  pcp_map r = m;
  r.response = true;
  r.epoch = epoch_s;
  if (rc == PCP_SUCCESS && (m.client.family != 4 || addr_v4_ip(&m.client) != from_ip))
    rc = PCP_ADDRESS_MISMATCH; /* RFC 6887 8.1: no NAT between client and server */
  if (rc == PCP_SUCCESS && m.protocol != 17) rc = PCP_UNSUPP_PROTOCOL;
  uint16_t port = 0;
  uint32_t life = m.lifetime > PCP_MAX_LIFETIME ? PCP_MAX_LIFETIME : m.lifetime;
  if (rc == PCP_SUCCESS &&
      nat_map_explicit(n, now, from_ip, m.internal_port, (int64_t)life * S, &port) != 0)
    rc = PCP_NO_RESOURCES;
  r.result = (uint8_t)rc;
  r.lifetime = rc == PCP_SUCCESS ? life : 30; /* errors: retry after 30 s */
  r.external = addr_v4(rc == PCP_SUCCESS && life ? public_ip : 0, port);
  int k = pcp_encode(&r, out, cap);
  return k > 0 ? (size_t)k : 0;
}
