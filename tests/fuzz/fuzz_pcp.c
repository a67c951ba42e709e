/* libFuzzer target: PCP messages (src/pcp.c) on arbitrary bytes, decoded
** and answered by the simulated NAT's PCP server (nat/pcp_server.c):
** never a crash; a decoded MAP re-encodes to the same fields. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pcp_server.h"
#include "pcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nat *n;
  if (!n) {
    nat_config c = {.mapping = NAT_APD, .filtering = NAT_APD, .alloc = NAT_RANDOM, .stride = 1,
                    .port_min = 1024, .port_max = 65535, .lifetime_ns = 60000000000LL};
    n = nat_new(&c, 0xC6120001u, 1);
  }
  pcp_map m, again;
  if (pcp_decode(data, size, &m) == PCP_SUCCESS) {
    uint8_t buf[128];
    int k = pcp_encode(&m, buf, sizeof buf);
    if (k <= 0 || pcp_decode(buf, (size_t)k, &again) != PCP_SUCCESS ||
        again.lifetime != m.lifetime || again.internal_port != m.internal_port ||
        memcmp(again.nonce, m.nonce, 12) != 0)
      __builtin_trap();
  }
  uint8_t out[256];
  pcp_server_handle(n, 0xC6120001u, 0, 0, 0xC0A80102u, data, size, out, sizeof out);
  return 0;
}
