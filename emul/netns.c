/* netns.c: network namespaces with a TAP device inside, made with `ip`. */
#define _GNU_SOURCE
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"

#define NETNS_DIR "/run/netns"
#define TAP_NAME "natsimtap%d" /* before it moves into its namespace as eth0 */

extern char **environ;

/* Appends " WORD" for each argument to buf, as the command ran. */
static void describe(char *const argv[], char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; argv[i] && used + 1 < len; i++) {
    int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);
    if (n < 0) break;
    used += (size_t)n;
  }
}

/* Reads fd to its end into buf (len bytes, terminated, newlines dropped at the end). */
static void read_all(int fd, char *buf, size_t len) {
  size_t used = 0;
  ssize_t n;
  while (used + 1 < len && (n = read(fd, buf + used, len - used - 1)) > 0) used += (size_t)n;
  while (used > 0 && (buf[used - 1] == '\n' || buf[used - 1] == '\r')) used--;
  buf[used] = '\0';
  char drain[256];
  while (read(fd, drain, sizeof drain) > 0) {
  }
}

static int spawn_quiet(char *const argv[], int err_fd, pid_t *pid) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  int rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc;
}

int netns_run(char *const argv[], char *err, size_t len) {
  char cmd[256], out[256];
  int p[2];
  pid_t pid;
  describe(argv, cmd, sizeof cmd);
  if (pipe2(p, O_CLOEXEC) != 0) {
    snprintf(err, len, "%s: %s", cmd, strerror(errno));
    return -1;
  }
  int rc = spawn_quiet(argv, p[1], &pid);
  close(p[1]);
  if (rc != 0) {
    close(p[0]);
    snprintf(err, len, "%s: %s", cmd, strerror(rc));
    return -1;
  }
  read_all(p[0], out, sizeof out);
  close(p[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (out[0])
    snprintf(err, len, "%s: %s", cmd, out);
  else
    snprintf(err, len, "%s: exit status %d", cmd, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return -1;
}

int netns_check(char *err, size_t len) {
  if (geteuid() != 0) {
    snprintf(err, len, "real hosts need root (network namespaces and TAP devices); "
                       "this process runs as uid %d", (int)geteuid());
    return -1;
  }
  if (access("/dev/net/tun", R_OK | W_OK) != 0) {
    snprintf(err, len, "real hosts need /dev/net/tun for TAP devices: %s", strerror(errno));
    return -1;
  }
  char *const list[] = {"ip", "netns", "list", NULL};
  char why[256];
  if (netns_run(list, why, sizeof why) != 0) {
    snprintf(err, len, "real hosts need network namespaces and iproute2's ip: %s", why);
    return -1;
  }
  return 0;
}

static void safe_copy(char *dst, size_t len, const char *src) {
  snprintf(dst, len, "%s", src);
  for (char *c = dst; *c; c++) {
    int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
             *c == '_' || *c == '.' || *c == '-';
    if (!ok) *c = '_';
  }
}

/* A TAP device in this namespace, named by the kernel after TAP_NAME (the
** first free number), its name in name (IFNAMSIZ bytes); its fd, or -1. */
static int open_tap(char *name, char *err, size_t len) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, len, "/dev/net/tun: %s", strerror(errno));
    return -1;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", TAP_NAME);
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    snprintf(err, len, "TAP device: %s", strerror(errno));
    close(fd);
    return -1;
  }
  memcpy(name, ifr.ifr_name, IFNAMSIZ);
  name[IFNAMSIZ - 1] = '\0';
  return fd;
}

/* Runs `ip -n NS ARGS...`: up to six arguments, the first NULL ending them. */
static int ip_in(const netns *ns, char *err, size_t len, const char *a1, const char *a2,
                 const char *a3, const char *a4, const char *a5, const char *a6) {
  const char *argv[] = {"ip", "-n", ns->name, a1, a2, a3, a4, a5, a6, NULL};
  return netns_run((char *const *)argv, err, len);
}

static int sysctl_in(const netns *ns, const char *setting, char *err, size_t len) {
  const char *argv[] = {"ip", "netns", "exec", ns->name, "sysctl", "-qw", setting, NULL};
  return netns_run((char *const *)argv, err, len);
}

static int add_addr(const netns *ns, uint32_t ip, char *err, size_t len) {
  char ipbuf[16], cidr[24];
  snprintf(cidr, sizeof cidr, "%s/32", addr_format_ip4(ip, ipbuf, sizeof ipbuf));
  return ip_in(ns, err, len, "addr", "add", cidr, "dev", "eth0", NULL);
}

int netns_configure(const netns *ns, const uint32_t *ips, int n, char *err, size_t len) {
  char gw[16];
  addr_format_ip4(NETNS_GATEWAY, gw, sizeof gw);
  const char *move[] = {"ip", "link", "set", "dev", ns->tap, "netns", ns->name, NULL};
  if (netns_run((char *const *)move, err, len) ||
      ip_in(ns, err, len, "link", "set", "dev", ns->tap, "name", "eth0"))
    return -1;
  for (int k = 0; k < n; k++)
    if (add_addr(ns, ips[k], err, len)) return -1;
  if (ip_in(ns, err, len, "link", "set", "eth0", "up", NULL, NULL) ||
      ip_in(ns, err, len, "route", "add", gw, "dev", "eth0", NULL) ||
      ip_in(ns, err, len, "route", "add", "default", "via", gw, NULL))
    return -1;
  return 0;
}

int netns_create(netns *ns, const char *host, char *err, size_t len) {
  char safe[40];
  safe_copy(safe, sizeof safe, host);
  snprintf(ns->name, sizeof ns->name, NETNS_PREFIX "%d-%s", (int)getpid(), safe);
  snprintf(ns->path, sizeof ns->path, NETNS_DIR "/%s", ns->name);
  ns->tap_fd = -1;
  const char *add[] = {"ip", "netns", "add", ns->name, NULL};
  if (netns_run((char *const *)add, err, len) != 0) {
    ns->name[0] = '\0';
    return -1;
  }
  if (sysctl_in(ns, "net.ipv6.conf.all.disable_ipv6=1", err, len) ||
      sysctl_in(ns, "net.ipv6.conf.default.disable_ipv6=1", err, len) ||
      ip_in(ns, err, len, "link", "set", "lo", "up", NULL, NULL)) {
    netns_remove(ns);
    return -1;
  }
  ns->tap_fd = open_tap(ns->tap, err, len);
  if (ns->tap_fd < 0) {
    netns_remove(ns);
    return -1;
  }
  return 0;
}

void netns_remove(netns *ns) {
  if (ns->tap_fd >= 0) close(ns->tap_fd);
  ns->tap_fd = -1;
  if (!ns->name[0]) return;
  const char *del[] = {"ip", "netns", "delete", ns->name, NULL};
  char err[256];
  netns_run((char *const *)del, err, sizeof err);
  ns->name[0] = '\0';
}

/* The PID in natsim-PID-HOST, or -1 when name is not one of ours. */
static long owner_pid(const char *name) {
  size_t n = strlen(NETNS_PREFIX);
  if (strncmp(name, NETNS_PREFIX, n) != 0) return -1;
  char *end;
  long pid = strtol(name + n, &end, 10);
  if (end == name + n || *end != '-' || pid <= 0) return -1;
  return pid;
}

/* Whether process pid is a live natsim: not gone, not a zombie (an init
** that does not reap keeps those), not another program with a reused pid. */
static bool natsim_alive(long pid) {
  char path[64], line[128];
  snprintf(path, sizeof path, "/proc/%ld/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return false;
  bool named = false;
  bool zombie = false;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "Name:", 5) == 0) named = strstr(line, "natsim") != NULL;
    if (strncmp(line, "State:", 6) == 0) zombie = strchr(line, 'Z') != NULL;
  }
  fclose(f);
  return named && !zombie;
}

int netns_clean_stale(char *err, size_t len) {
  DIR *d = opendir(NETNS_DIR);
  if (!d && errno == ENOENT) return 0;
  if (!d) {
    snprintf(err, len, NETNS_DIR ": %s", strerror(errno));
    return -1;
  }
  int removed = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    long pid = owner_pid(e->d_name);
    if (pid < 0 || strlen(e->d_name) >= sizeof((netns *)0)->name || natsim_alive(pid)) continue;
    netns stale = {.tap_fd = -1};
    memcpy(stale.name, e->d_name, strlen(e->d_name) + 1);
    netns_remove(&stale);
    removed++;
  }
  closedir(d);
  return removed;
}
