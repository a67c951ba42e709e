/*
** netns.h: network namespaces with a TAP device inside, for real programs
** that join a simulation (docs/emulation.md). Each namespace is named
** natsim-PID-HOST (PID: the natsim process that made it), so the ones a
** killed run left behind can be found and removed (netns_clean_stale).
**
** Linux only; needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN), /dev/net/tun and
** the `ip` command of iproute2. Functions returning int return 0 on
** success and -1 with the reason in err (len bytes, always terminated);
** nothing is left behind by a call that fails.
*/
#ifndef NATSIM_NETNS_H
#define NATSIM_NETNS_H

#include <stddef.h>
#include <stdint.h>

#define NETNS_PREFIX "natsim-"
/* The namespace's side of the TAP link: the host's default gateway. */
#define NETNS_GATEWAY 0xA9FE0101u /* 169.254.1.1 */

typedef struct netns {
  char name[64]; /* natsim-PID-HOST */
  char path[96]; /* /run/netns/NAME, for setns */
  char tap[16];  /* the TAP device's name (natsimtapN) until netns_configure moves it */
  int tap_fd;    /* the TAP device's frames (Ethernet, no packet info); -1 once handed over */
} netns;

/* Whether this machine can make namespaces: root, /dev/net/tun, the ip
** command, and `ip netns` itself. 0, or -1 with the first reason found. */
int netns_check(char *err, size_t len);

/* Makes namespace natsim-PID-HOST (bytes of host outside [A-Za-z0-9_.-]
** become '_') with loopback up and IPv6 off, and a TAP device, still
** outside it, whose file descriptor is ns->tap_fd (the caller's to close
** or hand over). -1 with the reason in err: a name taken, an `ip` command
** that failed (its message), no TAP device; nothing is left then. */
int netns_create(netns *ns, const char *host, char *err, size_t len);

/* Moves the TAP device into the namespace as eth0, with addresses
** ips[0..n-1] (each /32; the first is the source of what leaves) and the
** default route via NETNS_GATEWAY. -1 with the reason in err (the
** namespace stays: netns_remove it). */
int netns_configure(const netns *ns, const uint32_t *ips, int n, char *err, size_t len);

/* Removes the namespace (and the TAP device in it) and closes tap_fd if
** still held. Safe to call twice. */
void netns_remove(netns *ns);

/* Removes every namespace named natsim-PID-* whose process PID is gone
** (or a zombie, or no longer a natsim): what runs killed with SIGKILL left. Returns how many it removed, or -1
** with the reason in err when /run/netns cannot be read. */
int netns_clean_stale(char *err, size_t len);

/* Runs argv (argv[0] looked up in PATH), waiting for it; its stdout and
** stdin are /dev/null. 0 when it exits 0; else -1 with "ARGV0 ARGV1...:
** ITS STDERR" (or how it ended) in err. */
int netns_run(char *const argv[], char *err, size_t len);

#endif
