/* stun_server.c: Binding responses and RFC 5780 behaviour discovery. */
#include "stun_server.h"

#include <string.h>

#include "stun.h"

#define SOFTWARE "natsim"

void stun_server_init(stun_server *s, const addr *primary, const addr *alt) {
  memset(s, 0, sizeof *s);
  s->socks[0] = *primary;
  s->nsocks = 1;
  if (!alt) return;
  s->socks[1] = *primary;
  s->socks[1].port = alt->port;
  s->socks[2] = *alt;
  s->socks[2].port = primary->port;
  s->socks[3] = *alt;
  s->nsocks = 4;
}

static size_t error_response(stun_server *s, const stun_msg *req, int code,
                             const char *reason, uint8_t *out, size_t cap) {
  stun_writer w;
  stun_begin(&w, out, cap, req->method, STUN_ERROR, req->tid);
  stun_put_error(&w, code, reason);
  if (code == 420) stun_put_unknown(&w, req->unknown, req->nunknown);
  stun_put_str(&w, STUN_A_SOFTWARE, SOFTWARE);
  if (req->present & STUN_HAS_FINGERPRINT) stun_put_fingerprint(&w);
  int n = stun_end(&w);
  s->stats.errors++;
  return n > 0 ? (size_t)n : 0;
}

/* The RFC 5780 checks; returns an error code, or 0. */
static int check_5780(const stun_server *s, stun_msg *m) {
  bool change = m->change_request & (STUN_CHANGE_IP | STUN_CHANGE_PORT);
  if (change && s->nsocks < 4) {
    /* Without a second address, CHANGE-REQUEST is not understood. */
    m->unknown[0] = STUN_A_CHANGE_REQUEST;
    m->nunknown = 1;
    return 420;
  }
  if ((m->present & STUN_HAS_PADDING) && (m->present & STUN_HAS_RESPONSE_PORT))
    return 400; /* RFC 5780 section 7.6: not both */
  return 0;
}

size_t stun_server_handle(stun_server *s, int sock, const addr *from,
                          const uint8_t *data, size_t len, uint8_t *out,
                          size_t cap, int *out_sock, addr *to) {
  stun_msg m;
  int rc = stun_decode(data, len, &m);
  if ((rc != STUN_OK && rc != STUN_EUNKNOWN) || m.cls != STUN_REQUEST ||
      sock < 0 || sock >= s->nsocks) {
    s->stats.dropped++;
    return 0;
  }
  s->stats.requests++;
  *out_sock = sock;
  *to = *from;
  if (rc == STUN_EUNKNOWN) return error_response(s, &m, 420, "Unknown Attribute", out, cap);
  if (m.method != STUN_BINDING) return error_response(s, &m, 400, "Bad Request", out, cap);
  int err = check_5780(s, &m);
  if (err == 420) return error_response(s, &m, 420, "Unknown Attribute", out, cap);
  if (err) return error_response(s, &m, err, "Bad Request", out, cap);
  if (m.change_request & STUN_CHANGE_IP) *out_sock ^= 2;
  if (m.change_request & STUN_CHANGE_PORT) *out_sock ^= 1;
  if (m.present & STUN_HAS_RESPONSE_PORT) to->port = m.response_port;

  stun_writer w;
  stun_begin(&w, out, cap, STUN_BINDING, STUN_SUCCESS, m.tid);
  stun_put_xor_addr(&w, STUN_A_XOR_MAPPED_ADDRESS, from);
  if (s->nsocks == 4) {
    stun_put_addr(&w, STUN_A_RESPONSE_ORIGIN, &s->socks[*out_sock]);
    stun_put_addr(&w, STUN_A_OTHER_ADDRESS, &s->socks[sock ^ 3]);
    if (m.present & STUN_HAS_PADDING) {
      uint8_t pad[1024] = {0};
      stun_put(&w, STUN_A_PADDING, pad, m.padding.len < sizeof pad ? m.padding.len : sizeof pad);
    }
  }
  stun_put_str(&w, STUN_A_SOFTWARE, SOFTWARE);
  if (m.present & STUN_HAS_FINGERPRINT) stun_put_fingerprint(&w);
  int n = stun_end(&w);
  if (n <= 0) return error_response(s, &m, 500, "Server Error", out, cap);
  s->stats.responses++;
  return (size_t)n;
}
