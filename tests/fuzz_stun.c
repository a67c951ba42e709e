/* libFuzzer target for the STUN decoder: arbitrary bytes must never crash
** it, read out of bounds or trip the sanitizers. Whatever decodes must also
** survive the integrity check, lookups, and re-encoding of its addresses. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  stun_msg m;
  int rc = stun_decode(data, len, &m);
  if (rc != STUN_OK && rc != STUN_EUNKNOWN) return 0;
  stun_check_integrity(&m, (const uint8_t *)"key", 3);
  stun_bytes b;
  stun_find(&m, STUN_A_SOFTWARE, &b);
  char d[64];
  stun_describe(&m, d, sizeof d);
  uint8_t out[256];
  stun_writer w;
  stun_begin(&w, out, sizeof out, m.method, (enum stun_class)m.cls, m.tid);
  if (m.present & STUN_HAS_XOR_MAPPED) stun_put_xor_addr(&w, STUN_A_XOR_MAPPED_ADDRESS, &m.xor_mapped);
  if (m.present & STUN_HAS_ERROR) stun_put_error(&w, m.error_code, "x");
  stun_put_fingerprint(&w);
  int n = stun_end(&w);
  if (n > 0) {
    stun_msg again;
    if (stun_decode(out, (size_t)n, &again) != STUN_OK) __builtin_trap();
    if ((m.present & STUN_HAS_XOR_MAPPED) && !addr_equal(&again.xor_mapped, &m.xor_mapped))
      __builtin_trap();
  }
  return 0;
}
