/*
** udp_test.h: real UDP sockets for the system tests that attack a
** `natsim serve` child on loopback (test_turn_attack, test_gateway_attack).
** IPv4 only. Failures are cmocka assertions; sockets belong to the caller,
** who closes them.
*/
#ifndef NATSIM_UDP_TEST_H
#define NATSIM_UDP_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* A UDP socket bound to ip (dotted quad) and a port the kernel picks. */
int udp_on(const char *ip);
/* Sends d (n bytes) from fd to `to`, all of it. */
void send_to(int fd, const addr *to, const uint8_t *d, size_t n);
/* A datagram on fd within ms milliseconds: its length, or 0. */
size_t recv_within(int fd, uint8_t *buf, size_t cap, int ms);

#endif
