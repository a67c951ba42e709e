/* pcp.c: PCP MAP messages (RFC 6887 sections 7 and 11). */
#include "pcp.h"

#include <string.h>

#include "wire.h"

#define VERSION 2
#define OP_MAP 1
#define HEADER 24
#define MAP_PAYLOAD 36
#define MAX_MESSAGE 1100

static void put_ip(uint8_t *p, const addr *a) {
  memset(p, 0, 16);
  if (a->family == ADDR_V6) {
    memcpy(p, a->ip, 16);
  } else if (a->family == ADDR_V4) {
    p[10] = p[11] = 0xFF;
    memcpy(p + 12, a->ip, 4);
  }
}

static addr get_ip(const uint8_t *p, uint16_t port) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  addr a = {0};
  if (!memcmp(p, mapped, 12)) {
    a.family = ADDR_V4;
    memcpy(a.ip, p + 12, 4);
  } else {
    a.family = ADDR_V6;
    memcpy(a.ip, p, 16);
  }
  a.port = port;
  return a;
}

int pcp_encode(const pcp_map *m, uint8_t *buf, size_t cap) {
  if (cap < HEADER + MAP_PAYLOAD) return -1;
  memset(buf, 0, HEADER + MAP_PAYLOAD);
  buf[0] = VERSION;
  buf[1] = (uint8_t)(m->response ? 0x80 | OP_MAP : OP_MAP);
  wire_put32(buf + 4, m->lifetime);
  if (m->response) {
    buf[3] = m->result;
    wire_put32(buf + 8, m->epoch);
  } else {
    put_ip(buf + 8, &m->client);
  }
  uint8_t *p = buf + HEADER;
  memcpy(p, m->nonce, 12);
  p[12] = m->protocol;
  wire_put16(p + 16, m->internal_port);
  wire_put16(p + 18, m->external.port);
  put_ip(p + 20, &m->external);
  return HEADER + MAP_PAYLOAD;
}

int pcp_decode(const uint8_t *buf, size_t len, pcp_map *m) {
  memset(m, 0, sizeof *m);
  if (len < 2 || len > MAX_MESSAGE || len % 4) return PCP_MALFORMED_REQUEST;
  if (buf[0] != VERSION) return PCP_UNSUPP_VERSION;
  if ((buf[1] & 0x7F) != OP_MAP) return PCP_UNSUPP_OPCODE;
  if (len < HEADER + MAP_PAYLOAD) return PCP_MALFORMED_REQUEST;
  m->response = buf[1] & 0x80;
  m->lifetime = wire_get32(buf + 4);
  if (m->response) {
    m->result = buf[3];
    m->epoch = wire_get32(buf + 8);
  } else {
    m->client = get_ip(buf + 8, 0);
  }
  const uint8_t *p = buf + HEADER;
  memcpy(m->nonce, p, 12);
  m->protocol = p[12];
  m->internal_port = wire_get16(p + 16);
  m->external = get_ip(p + 20, wire_get16(p + 18));
  if (!m->response && m->protocol != 0 && m->internal_port == 0) return PCP_MALFORMED_REQUEST;
  return PCP_SUCCESS;
}
