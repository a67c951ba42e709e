/* loop.c: epoll, UDP sockets and signals. */
#define _GNU_SOURCE /* recvmmsg */
#include "loop.h"

#include <arpa/inet.h>
#include <linux/sock_diag.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct lsock {
  int fd;
  loop_recv_fn fn;
  void *ctx;
} lsock;

#define DRAIN_MAX 64  /* datagrams read from one socket per turn: signals stay prompt */
#define BATCH 16      /* datagrams per recvmmsg */
#define DGRAM_MAX 65536

struct loop {
  int ep, sigfd;
  bool stop;
  lsock socks[LOOP_MAX_SOCKETS];
  uint64_t send_errors;
  uint64_t rx_drops; /* of the sockets closed so far */
  uint8_t in[BATCH][DGRAM_MAX]; /* what drain reads */
};

int64_t loop_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

loop *loop_new(void) {
  loop *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  for (int i = 0; i < LOOP_MAX_SOCKETS; i++) l->socks[i].fd = -1;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  l->sigfd = -1;
  l->ep = epoll_create1(EPOLL_CLOEXEC);
  if (l->ep >= 0 && sigprocmask(SIG_BLOCK, &set, NULL) == 0) {
    l->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (l->sigfd < 0) sigprocmask(SIG_UNBLOCK, &set, NULL); /* SIGINT must still stop us */
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = LOOP_MAX_SOCKETS};
  if (l->sigfd < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->sigfd, &ev) != 0) {
    perror("natsim: event loop");
    if (l->sigfd >= 0) close(l->sigfd);
    if (l->ep >= 0) close(l->ep);
    free(l);
    return NULL;
  }
  return l;
}

void loop_free(loop *l) {
  if (!l) return;
  for (int i = 0; i < LOOP_MAX_SOCKETS; i++)
    if (l->socks[i].fd >= 0) close(l->socks[i].fd);
  close(l->sigfd);
  close(l->ep);
  free(l);
}

static socklen_t to_sockaddr(const addr *a, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (a->family == ADDR_V6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->ip, 16);
    return sizeof *s6;
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  s4->sin_family = AF_INET;
  s4->sin_port = htons(a->port);
  memcpy(&s4->sin_addr, a->ip, 4);
  return sizeof *s4;
}

static addr from_sockaddr(const struct sockaddr_storage *ss) {
  addr a = {0};
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    a.family = ADDR_V6;
    memcpy(a.ip, &s6->sin6_addr, 16);
    a.port = ntohs(s6->sin6_port);
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    a.family = ADDR_V4;
    memcpy(a.ip, &s4->sin_addr, 4);
    a.port = ntohs(s4->sin_port);
  }
  return a;
}

int loop_udp(loop *l, const addr *local, loop_recv_fn fn, void *ctx, addr *bound) {
  int k = 0;
  while (k < LOOP_MAX_SOCKETS && l->socks[k].fd >= 0) k++;
  if (k == LOOP_MAX_SOCKETS) return errno = EMFILE, -1;
  struct sockaddr_storage ss;
  socklen_t n = to_sockaddr(local, &ss);
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)k};
  if (bind(fd, (struct sockaddr *)&ss, n) != 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int e = errno;
    close(fd);
    return errno = e, -1;
  }
  if (bound) {
    n = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &n);
    *bound = from_sockaddr(&ss);
  }
  l->socks[k] = (lsock){fd, fn, ctx};
  return k;
}

/* Sets one buffer size: the plain option, then the one that passes
** net.core.*mem_max when allowed (CAP_NET_ADMIN). The size obtained. */
static int set_buffer(int fd, int opt, int force, int bytes) {
  int got = 0;
  socklen_t n = sizeof got;
  setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
  getsockopt(fd, SOL_SOCKET, opt, &got, &n);
  if (got / 2 < bytes) { /* the kernel reports twice what it was asked */
    setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof bytes);
    n = sizeof got;
    getsockopt(fd, SOL_SOCKET, opt, &got, &n);
  }
  return got / 2;
}

int loop_udp_buffers(loop *l, int sock, int bytes) {
  if (sock < 0 || sock >= LOOP_MAX_SOCKETS || l->socks[sock].fd < 0) return -1;
  set_buffer(l->socks[sock].fd, SO_SNDBUF, SO_SNDBUFFORCE, bytes);
  return set_buffer(l->socks[sock].fd, SO_RCVBUF, SO_RCVBUFFORCE, bytes);
}

/* Datagrams the kernel dropped on fd's full receive buffer (SO_MEMINFO). */
static uint32_t drops_of(int fd) {
  uint32_t info[SK_MEMINFO_VARS] = {0};
  socklen_t n = sizeof info;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &n) != 0) return 0;
  return info[SK_MEMINFO_DROPS];
}

uint64_t loop_rx_drops(const loop *l) {
  uint64_t total = l->rx_drops;
  for (int k = 0; k < LOOP_MAX_SOCKETS; k++)
    if (l->socks[k].fd >= 0) total += drops_of(l->socks[k].fd);
  return total;
}

void loop_close(loop *l, int sock) {
  if (sock < 0 || sock >= LOOP_MAX_SOCKETS || l->socks[sock].fd < 0) return;
  l->rx_drops += drops_of(l->socks[sock].fd);
  close(l->socks[sock].fd);
  l->socks[sock].fd = -1;
}

void loop_send(loop *l, int sock, const addr *to, const uint8_t *data, size_t len) {
  if (sock < 0 || sock >= LOOP_MAX_SOCKETS || l->socks[sock].fd < 0) {
    l->send_errors++;
    return;
  }
  struct sockaddr_storage ss;
  socklen_t n = to_sockaddr(to, &ss);
  if (sendto(l->socks[sock].fd, data, len, 0, (struct sockaddr *)&ss, n) < 0) l->send_errors++;
}

uint64_t loop_send_errors(const loop *l) { return l->send_errors; }
void loop_stop(loop *l) { l->stop = true; }

/* Reads up to BATCH datagrams from fd into l->in: how many (0: none). */
static int read_batch(loop *l, int fd, struct mmsghdr *mm, struct sockaddr_storage *ss,
                      struct iovec *iov) {
  for (int i = 0; i < BATCH; i++) {
    iov[i] = (struct iovec){l->in[i], DGRAM_MAX};
    mm[i].msg_hdr = (struct msghdr){.msg_name = &ss[i], .msg_namelen = sizeof ss[i],
                                    .msg_iov = &iov[i], .msg_iovlen = 1};
  }
  int n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
  return n > 0 ? n : 0; /* EAGAIN, or an ICMP error reported late */
}

/* Up to DRAIN_MAX datagrams waiting on one socket (epoll reports the rest). */
static void drain(loop *l, int k) {
  struct mmsghdr mm[BATCH];
  struct sockaddr_storage ss[BATCH];
  struct iovec iov[BATCH];
  for (int done = 0; done < DRAIN_MAX;) {
    int fd = l->socks[k].fd;
    if (fd < 0) return;
    int n = read_batch(l, fd, mm, ss, iov);
    for (int i = 0; i < n; i++) {
      if (l->socks[k].fd != fd) return; /* closed (or reused) by a callback */
      addr from = from_sockaddr(&ss[i]);
      l->socks[k].fn(l->socks[k].ctx, k, &from, l->in[i], mm[i].msg_len);
    }
    if (n < BATCH) return;
    done += n;
  }
}

/* epoll_wait's timeout to wake at `wake` (ms, rounded up; 0 when it has
** passed, at most a minute; -1: nothing to wake for). */
static int wait_ms(int64_t now, int64_t wake) {
  if (wake == INT64_MAX) return -1;
  if (wake <= now) return 0;
  int64_t ms = (wake - now + 999999) / 1000000;
  if (ms > 60000) return 60000;
  return (int)ms;
}

int loop_run(loop *l, int64_t until, int64_t (*tick)(void *ctx, int64_t now), void *ctx) {
  l->stop = false;
  int64_t next = tick(ctx, loop_now());
  while (!l->stop) {
    int64_t now = loop_now(), wake = next < until ? next : until;
    if (now >= until) return 0;
    struct epoll_event evs[64];
    int n = epoll_wait(l->ep, evs, 64, wait_ms(now, wake));
    for (int i = 0; i < n; i++) {
      uint32_t k = evs[i].data.u32;
      if (k == LOOP_MAX_SOCKETS) {
        struct signalfd_siginfo si;
        if (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si) return (int)si.ssi_signo;
      } else {
        drain(l, (int)k);
      }
    }
    next = tick(ctx, loop_now());
  }
  return 0;
}
