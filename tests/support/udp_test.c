/* udp_test.c: bind, send and a bounded wait on real UDP sockets. */
#include "udp_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

int udp_on(const char *ip) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, ip, &a.sin_addr);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

void send_to(int fd, const addr *to, const uint8_t *d, size_t n) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(to->port)};
  memcpy(&a.sin_addr, to->ip, 4);
  assert_int_equal(sendto(fd, d, n, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)n);
}

size_t recv_within(int fd, uint8_t *buf, size_t cap, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, ms) != 1) return 0;
  ssize_t n = recv(fd, buf, cap, 0);
  return n > 0 ? (size_t)n : 0;
}
