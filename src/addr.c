/* addr.c: parsing and formatting of transport addresses. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

addr addr_v4(uint32_t ip, uint16_t port) {
  addr a = {.family = ADDR_V4, .port = port};
  a.ip[0] = (uint8_t)(ip >> 24);
  a.ip[1] = (uint8_t)(ip >> 16);
  a.ip[2] = (uint8_t)(ip >> 8);
  a.ip[3] = (uint8_t)ip;
  return a;
}

uint32_t addr_v4_ip(const addr *a) {
  return (uint32_t)a->ip[0] << 24 | (uint32_t)a->ip[1] << 16 |
         (uint32_t)a->ip[2] << 8 | a->ip[3];
}

bool addr_equal(const addr *a, const addr *b) {
  size_t n = a->family == ADDR_V4 ? 4 : 16;
  return a->family == b->family && a->port == b->port &&
         memcmp(a->ip, b->ip, n) == 0;
}

uint64_t addr_hash(const addr *a) {
  size_t n = a->family == ADDR_V4 ? 4 : 16;
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
  uint8_t head[3] = {a->family, (uint8_t)(a->port >> 8), (uint8_t)a->port};
  for (size_t i = 0; i < sizeof head; i++) h = (h ^ head[i]) * 0x100000001b3ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ a->ip[i]) * 0x100000001b3ULL;
  return h;
}

int addr_parse_ip4(const char *s, uint32_t *ip) {
  struct in_addr in;
  if (inet_pton(AF_INET, s, &in) != 1) return -1;
  *ip = ntohl(in.s_addr);
  return 0;
}

static int parse_port(const char *s, uint16_t *port) {
  char *end;
  if (*s < '0' || *s > '9') return -1;
  unsigned long v = strtoul(s, &end, 10);
  if (*end != '\0' || v > 65535) return -1;
  *port = (uint16_t)v;
  return 0;
}

int addr_parse(const char *s, addr *out) {
  char host[64];
  const char *port = NULL;
  size_t n;
  memset(out, 0, sizeof *out);
  if (s[0] == '[') { /* [v6]:port */
    const char *close = strchr(s, ']');
    if (!close || (close[1] != '\0' && close[1] != ':')) return -1;
    n = (size_t)(close - s - 1);
    if (close[1] == ':') port = close + 2;
    s++;
  } else if (strchr(s, ':') != strrchr(s, ':')) { /* bare v6 */
    n = strlen(s);
  } else {
    const char *colon = strchr(s, ':');
    n = colon ? (size_t)(colon - s) : strlen(s);
    if (colon) port = colon + 1;
  }
  if (n == 0 || n >= sizeof host) return -1;
  memcpy(host, s, n);
  host[n] = '\0';
  if (port && parse_port(port, &out->port) != 0) return -1;
  if (inet_pton(AF_INET, host, out->ip) == 1) {
    out->family = ADDR_V4;
    return 0;
  }
  if (inet_pton(AF_INET6, host, out->ip) == 1) {
    out->family = ADDR_V6;
    return 0;
  }
  return -1;
}

int addr_parse_cidr(const char *s, addr *net, int *prefix) {
  char ip[64];
  const char *slash = strchr(s, '/');
  size_t n = slash ? (size_t)(slash - s) : strlen(s);
  memset(net, 0, sizeof *net);
  if (n == 0 || n >= sizeof ip) return -1;
  memcpy(ip, s, n);
  ip[n] = '\0';
  if (inet_pton(AF_INET, ip, net->ip) == 1) net->family = ADDR_V4;
  else if (inet_pton(AF_INET6, ip, net->ip) == 1) net->family = ADDR_V6;
  else return -1;
  int bits = net->family == ADDR_V4 ? 32 : 128;
  if (!slash) {
    *prefix = bits;
    return 0;
  }
  const char *d = slash + 1;
  int v = 0;
  if (*d == '\0' || strlen(d) > 3) return -1;
  for (; *d; d++) {
    if (*d < '0' || *d > '9') return -1;
    v = v * 10 + (*d - '0');
  }
  if (v > bits) return -1;
  *prefix = v;
  return 0;
}

const char *addr_format(const addr *a, char *buf, size_t len) {
  char ip[INET6_ADDRSTRLEN];
  int v6 = a->family == ADDR_V6;
  inet_ntop(v6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof ip);
  if (a->port == 0)
    snprintf(buf, len, "%s", ip);
  else
    snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", ip, a->port);
  return buf;
}

const char *addr_format_ip4(uint32_t ip, char *buf, size_t len) {
  addr a = addr_v4(ip, 0);
  return addr_format(&a, buf, len);
}
