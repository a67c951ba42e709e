/* lua_real.c: real hosts: namespaces, their programs, waiting for them. */
#include "lua_real.h"

#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns.h"
#include "proc.h"

#define POLL_NS 5000000LL   /* how often a run looks at processes and signals */
#define OUTPUT_CAP (1u << 20) /* what wait returns of each stream */

typedef struct rhost {
  world *w;
  int node;
  netns ns;
  proc p;
  char **argv;
  char *error; /* why the program could not start, or NULL */
} rhost;

struct lreal {
  rhost **hosts;
  size_t n;
  world *w;
  int waiting;   /* the node lreal_wait waits for, or -1 */
  bool handlers; /* the signal handlers are installed */
  struct sigaction old_int, old_term;
};

/* The signal that asked natsim to stop: set by the handler only. */
static volatile sig_atomic_t caught;

static void on_signal(int sig) { caught = sig; }

static void install_handlers(lreal *r) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &r->old_int);
  sigaction(SIGTERM, &sa, &r->old_term);
  r->handlers = true;
}

lreal *lreal_new(void) {
  lreal *r = calloc(1, sizeof *r);
  if (r) r->waiting = -1;
  return r;
}

static void free_argv(char **argv) {
  for (size_t i = 0; argv && argv[i]; i++) free(argv[i]);
  free(argv);
}

static void free_host(rhost *h) {
  proc_close(&h->p);
  netns_remove(&h->ns);
  free_argv(h->argv);
  free(h->error);
  free(h);
}

void lreal_free(lreal *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) free_host(r->hosts[i]);
  free(r->hosts);
  if (r->handlers) {
    sigaction(SIGINT, &r->old_int, NULL);
    sigaction(SIGTERM, &r->old_term, NULL);
  }
  free(r);
}

static rhost *find(const lreal *r, int node) {
  for (size_t i = 0; i < r->n; i++)
    if (r->hosts[i]->node == node) return r->hosts[i];
  return NULL;
}

/* --- while the simulation runs -------------------------------------------- */

/* Every POLL_NS from the first real host on: a signal stops the run,
** and lreal_wait's program, once it exited, too. */
static void on_poll(void *arg) {
  lreal *r = arg;
  if (caught) {
    world_fail(r->w, "interrupted by %s: real hosts stopped and removed",
               caught == SIGINT ? "SIGINT" : "SIGTERM");
    return;
  }
  for (size_t i = 0; i < r->n; i++) proc_poll(&r->hosts[i]->p);
  rhost *h = r->waiting >= 0 ? find(r, r->waiting) : NULL;
  if (h && (h->p.exited || h->error)) sim_stop();
  sim_schedule(POLL_NS, on_poll, r);
}

static void on_start(void *arg) {
  rhost *h = arg;
  char err[256];
  if (proc_start(&h->p, h->ns.path, h->argv, err, sizeof err) == 0) return;
  h->error = strdup(err);
  world_fail(h->w, "natsim.host '%s': exec: %s", world_node_name(h->w, h->node), err);
}

/* --- building ---------------------------------------------------------------- */

static char **copy_argv(char *const argv[]) {
  size_t n = 0;
  while (argv[n]) n++;
  char **c = calloc(n + 1, sizeof *c);
  for (size_t i = 0; c && i < n; i++) {
    c[i] = strdup(argv[i]);
    if (!c[i]) {
      free_argv(c);
      return NULL;
    }
  }
  return c;
}

/* The first real host: can this machine do it? Also removes what killed runs left. */
static int first_host(lreal *r, world *w, char *err, size_t len) {
  if (netns_check(err, len) != 0) return -1;
  netns_clean_stale(err, len);
  install_handlers(r);
  r->w = w;
  sim_schedule(POLL_NS, on_poll, r);
  return 0;
}

static int push_host(lreal *r, rhost *h) {
  rhost **hs = realloc(r->hosts, (r->n + 1) * sizeof *hs);
  if (!hs) return -1;
  r->hosts = hs;
  r->hosts[r->n++] = h;
  return 0;
}

static bool name_taken(const world *w, const char *name) {
  for (size_t i = 0; i < world_node_count(w); i++)
    if (strcmp(world_node_name(w, (int)i), name) == 0) return true;
  return false;
}

/* The namespace and its TAP, the node with the TAP's fd, then the
** namespace's address (which the world plans). The name is checked first:
** the namespace is named after it. */
static int make_host(rhost *h, world *w, const world_node_opts *o, char *err, size_t len) {
  if (name_taken(w, o->name)) {
    snprintf(err, len, "the name '%s' is already taken", o->name);
    return -1;
  }
  if (netns_create(&h->ns, o->name, err, len) != 0) return -1;
  h->node = world_real_host(w, o, h->ns.tap_fd, NETNS_GATEWAY, err, len);
  if (h->node < 0) return -1;
  h->ns.tap_fd = -1; /* the node's device has it now */
  const uint32_t *addrs;
  int naddrs = world_node_addrs(w, h->node, &addrs);
  if (netns_configure(&h->ns, addrs, naddrs, err, len) != 0) return -1;
  sim_schedule(0, on_start, h);
  return h->node;
}

int lreal_host(lreal *r, world *w, const world_node_opts *o, char *const argv[], char *err,
               size_t len) {
  if (!r->handlers && first_host(r, w, err, len) != 0) return -1;
  rhost *h = calloc(1, sizeof *h);
  if (!h || !(h->argv = copy_argv(argv)) || push_host(r, h) != 0) {
    if (h) free_argv(h->argv);
    free(h);
    snprintf(err, len, "out of memory");
    return -1;
  }
  h->w = w;
  h->node = -1;
  h->ns.tap_fd = -1;
  h->p.out_fd = -1;
  h->p.err_fd = -1;
  return make_host(h, w, o, err, len); /* on failure, lreal_free removes what was made */
}

/* --- waiting --------------------------------------------------------------- */

static void push_output(lua_State *L, int fd, const char *key) {
  size_t n;
  char *s = proc_read(fd, OUTPUT_CAP, &n);
  lua_pushlstring(L, s ? s : "", n);
  lua_setfield(L, -2, key);
  free(s);
}

int lreal_wait(lua_State *L, lreal *r, world *w, int node, int64_t timeout) {
  rhost *h = find(r, node);
  if (!h) return luaL_error(L, "wait: '%s' is not a real host (natsim.host with exec)",
                            world_node_name(w, node));
  r->waiting = node;
  if (!world_error(w) && !proc_poll(&h->p) && timeout > 0) sim_run_until(sim_now() + timeout);
  r->waiting = -1;
  if (world_error(w)) {
    lua_pushstring(L, world_error(w));
    return lua_error(L);
  }
  lua_createtable(L, 0, 4);
  lua_pushboolean(L, proc_poll(&h->p));
  lua_setfield(L, -2, "exited");
  if (h->p.exited) {
    lua_pushinteger(L, h->p.status);
    lua_setfield(L, -2, "status");
  }
  push_output(L, h->p.out_fd, "stdout");
  push_output(L, h->p.err_fd, "stderr");
  return 1;
}
