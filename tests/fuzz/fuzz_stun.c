/* libFuzzer target for the STUN decoder and server: arbitrary bytes must
** never crash them, read out of bounds or trip the sanitizers. Whatever
** decodes must also survive the integrity check, lookups, and re-encoding
** of its addresses; whatever the server answers must decode. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stun.h"
#include "stun_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void serve(const uint8_t *data, size_t len) {
  static stun_server srv;
  addr a1, a2, from;
  addr_parse("203.0.113.10:3478", &a1);
  addr_parse("203.0.113.20:3479", &a2);
  addr_parse("[2001:db8::1]:5000", &from);
  stun_server_init(&srv, &a1, len % 2 ? &a2 : NULL);
  uint8_t out[1280];
  int sock;
  addr to;
  size_t n = stun_server_handle(&srv, 0, &from, data, len, out, sizeof out, &sock, &to);
  stun_msg m;
  if (n && stun_decode(out, n, &m) != STUN_OK) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  serve(data, len);
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
