/*
** addr.h: transport addresses (IPv4 or IPv6 address plus UDP port).
** Plain values; IPv4 addresses are also handled as host-order uint32_t
** throughout natsim, because the simulated network is IPv4.
*/
#ifndef NATSIM_ADDR_H
#define NATSIM_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { ADDR_V4 = 4, ADDR_V6 = 6 };

typedef struct addr {
  uint8_t family;   /* ADDR_V4 or ADDR_V6 */
  uint8_t ip[16];   /* network order; IPv4 uses the first 4 bytes */
  uint16_t port;    /* host order */
} addr;

/* Longest text addr_format writes, with its terminating NUL. */
#define ADDR_STRLEN 48

/* The IPv4 address ip (host order) with port. */
addr addr_v4(uint32_t ip, uint16_t port);
/* a's first 4 address bytes in host order (meaningful for ADDR_V4 only). */
uint32_t addr_v4_ip(const addr *a);
/* Same family, address and port. */
bool addr_equal(const addr *a, const addr *b);
/* A 64-bit hash of what addr_equal compares: equal addresses hash alike. */
uint64_t addr_hash(const addr *a);

/* Parses "1.2.3.4", "1.2.3.4:5", "::1", "[::1]:5". A missing port is 0.
** Returns 0, or -1 when s is not such an address (a port above 65535, a
** host of 64 characters or more); *out is cleared first and is partial
** on -1. */
int addr_parse(const char *s, addr *out);
/* Parses "10.0.0.0/8", "fe80::/10", or an address alone (a prefix of
** 32 or 128): *net gets the address (port 0), *prefix the prefix length.
** Host bits may be set (only the prefix counts). Returns 0, or -1 when s
** is not such a network (no port, no brackets, prefix 0 to 32 or 128). */
int addr_parse_cidr(const char *s, addr *net, int *prefix);
/* Parses a dotted IPv4 address alone into host order. Returns 0, or -1
** with *ip untouched. */
int addr_parse_ip4(const char *s, uint32_t *ip);
/* Writes "1.2.3.4:5" or "[::1]:5" (no port when it is 0) into buf,
** truncated to len bytes (ADDR_STRLEN always suffices). Returns buf. */
const char *addr_format(const addr *a, char *buf, size_t len);
/* Writes a host-order IPv4 address, dotted, into buf (16 bytes suffice),
** truncated to len. Returns buf. */
const char *addr_format_ip4(uint32_t ip, char *buf, size_t len);

#endif
