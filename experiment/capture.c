/* capture.c: which attempts --pcap captures, the labels of their files, and the manifest. */
#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "json.h"

#define EXPECTED "expected N, N-M or CLASS:CLASS items separated by commas"

typedef struct range {
  long lo, hi;
} range;

typedef struct class_pair {
  char a[64], b[64];
} class_pair;

/* One file of the manifest. */
typedef struct entry {
  world_capture cap;
  char label[64], node[64], other[64], role[16];
} entry;

struct capture {
  char *dir;
  range *ranges;
  int nranges;
  class_pair *pairs;
  int npairs;
  char label[64];         /* the current experiment's */
  char (*names)[64];      /* the experiments' names so far, one per capture_begin */
  int nnames;
  entry *entries;
  size_t nentries;
};

/* --- the selection ----------------------------------------------------------- */

/* A whole decimal number >= 0 in s[0..n). */
static int parse_number(const char *s, size_t n, long *out) {
  char buf[24];
  char *end;
  if (n == 0 || n >= sizeof buf || s[0] < '0' || s[0] > '9') return -1;
  memcpy(buf, s, n);
  buf[n] = 0;
  errno = 0;
  *out = strtol(buf, &end, 10);
  return *end || errno ? -1 : 0;
}

/* N or N-M (N <= M) in s[0..n). */
static int parse_range(const char *s, size_t n, range *r) {
  const char *dash = memchr(s, '-', n);
  if (!dash) {
    if (parse_number(s, n, &r->lo) != 0) return -1;
    r->hi = r->lo;
    return 0;
  }
  size_t nlo = (size_t)(dash - s);
  if (parse_number(s, nlo, &r->lo) != 0) return -1;
  if (parse_number(dash + 1, n - nlo - 1, &r->hi) != 0) return -1;
  return r->hi < r->lo ? -1 : 0;
}

/* Item parsers: 0, -1 when the item does not parse, -2 out of memory. */
static int add_range(capture *c, const char *s, size_t n) {
  range r;
  if (parse_range(s, n, &r) != 0) return -1;
  range *more = realloc(c->ranges, (size_t)(c->nranges + 1) * sizeof *more);
  if (!more) return -2;
  c->ranges = more;
  c->ranges[c->nranges++] = r;
  return 0;
}

static int add_pair(capture *c, const char *s, size_t n) {
  const char *colon = memchr(s, ':', n);
  size_t na = (size_t)(colon - s);
  size_t nb = n - na - 1;
  if (na == 0 || nb == 0 || na >= 64 || nb >= 64 || memchr(colon + 1, ':', nb)) return -1;
  class_pair *more = realloc(c->pairs, (size_t)(c->npairs + 1) * sizeof *more);
  if (!more) return -2;
  c->pairs = more;
  class_pair *p = &c->pairs[c->npairs++];
  snprintf(p->a, sizeof p->a, "%.*s", (int)na, s);
  snprintf(p->b, sizeof p->b, "%.*s", (int)nb, colon + 1);
  return 0;
}

static int parse_select(capture *c, const char *select, char *err, size_t len) {
  const char *s = select;
  for (;;) {
    size_t n = strcspn(s, ",");
    int rc = memchr(s, ':', n) ? add_pair(c, s, n) : add_range(c, s, n);
    if (rc == -2) {
      snprintf(err, len, "--pcap-attempts: out of memory");
      return -1;
    }
    if (rc != 0) {
      snprintf(err, len, "--pcap-attempts %s: " EXPECTED ", got \"%.*s\"", select, (int)n, s);
      return -1;
    }
    if (!s[n]) return 0;
    s += n + 1;
  }
}

capture *capture_new(const char *dir, const char *select, char *err, size_t len) {
  capture *c = calloc(1, sizeof *c);
  if (c) c->dir = strdup(dir);
  if (!c || !c->dir) {
    snprintf(err, len, "out of memory");
    capture_free(c);
    return NULL;
  }
  if (select && parse_select(c, select, err, len) != 0) {
    capture_free(c);
    return NULL;
  }
  return c;
}

void capture_free(capture *c) {
  if (!c) return;
  free(c->dir);
  free(c->ranges);
  free(c->pairs);
  free(c->names);
  free(c->entries);
  free(c);
}

static bool known_class(const char *name, const char (*classes)[64], int n) {
  if (strcmp(name, "*") == 0) return true;
  for (int i = 0; i < n; i++)
    if (strcmp(classes[i], name) == 0) return true;
  return false;
}

int capture_check(const capture *c, const char (*classes)[64], int n, int pairs, char *err,
                  size_t len) {
  for (int i = 0; i < c->npairs; i++) {
    const class_pair *p = &c->pairs[i];
    const char *bad = NULL;
    if (!known_class(p->b, classes, n)) bad = p->b;
    if (!known_class(p->a, classes, n)) bad = p->a;
    if (!bad) continue;
    snprintf(err, len, "--pcap-attempts %s:%s: the population has no class \"%s\"", p->a, p->b,
             bad);
    return -1;
  }
  if (c->nranges || c->npairs || pairs <= CAPTURE_MAX_ATTEMPTS) return 0;
  snprintf(err, len, "--pcap: the experiment has %d pairs and at most %d attempts are "
                     "captured; choose some with --pcap-attempts (say 0-9)",
           pairs, CAPTURE_MAX_ATTEMPTS);
  return -1;
}

static bool class_is(const char *want, const char *cls) {
  return strcmp(want, "*") == 0 || strcmp(want, cls) == 0;
}

static bool pair_matches(const class_pair *p, const char *a, const char *b) {
  return (class_is(p->a, a) && class_is(p->b, b)) || (class_is(p->a, b) && class_is(p->b, a));
}

bool capture_wants(const capture *c, int index, const char *class_a, const char *class_b) {
  bool in_range = c->nranges == 0;
  bool in_pair = c->npairs == 0;
  for (int i = 0; i < c->nranges && !in_range; i++)
    in_range = index >= c->ranges[i].lo && index <= c->ranges[i].hi;
  for (int i = 0; i < c->npairs && !in_pair; i++)
    in_pair = pair_matches(&c->pairs[i], class_a, class_b);
  return in_range && in_pair;
}

/* --- labels ---------------------------------------------------------------- */

/* How many experiments called `name` began before. */
static int seen(const capture *c, const char *name) {
  int k = 0;
  for (int i = 0; i < c->nnames; i++)
    if (strcmp(c->names[i], name) == 0) k++;
  return k;
}

int capture_begin(capture *c, world *w, const char *name) {
  int k = seen(c, name);
  void *more = realloc(c->names, (size_t)(c->nnames + 1) * sizeof *c->names);
  if (!more) return -1;
  c->names = more;
  snprintf(c->names[c->nnames++], sizeof *c->names, "%s", name);
  if (k == 0)
    snprintf(c->label, sizeof c->label, "%s", name);
  else
    snprintf(c->label, sizeof c->label, "%s-%d", name, k + 1);
  char prefix[80];
  snprintf(prefix, sizeof prefix, "%s-", c->label);
  return world_pcap(w, c->dir, prefix, -1);
}

int capture_world(capture *c, world *w) {
  c->label[0] = 0;
  return world_pcap(w, c->dir, "", -1);
}

int capture_attempt(capture *c, world *w, int index) {
  if (index < 0) return world_pcap(w, NULL, NULL, -1);
  char prefix[96];
  snprintf(prefix, sizeof prefix, "%s-a%d-", c->label, index);
  return world_pcap(w, c->dir, prefix, index);
}

/* --- the manifest ------------------------------------------------------------ */

static const char *default_role(const world *w, int node) {
  if (node == WORLD_CORE) return "core";
  return world_is_nat(w, node) ? "nat" : "host";
}

int capture_collect(capture *c, const world *w, capture_role_fn role, void *ctx) {
  const world_capture *list;
  size_t n = world_captures(w, &list);
  if (n == 0) return 0;
  entry *more = realloc(c->entries, (c->nentries + n) * sizeof *more);
  if (!more) return -1;
  c->entries = more;
  for (size_t i = 0; i < n; i++) {
    entry *e = &c->entries[c->nentries++];
    const char *r = role ? role(ctx, list[i].node, list[i].tag) : default_role(w, list[i].node);
    e->cap = list[i];
    snprintf(e->label, sizeof e->label, "%s", c->label);
    snprintf(e->node, sizeof e->node, "%s", world_node_name(w, list[i].node));
    snprintf(e->other, sizeof e->other, "%s", world_node_name(w, list[i].other));
    snprintf(e->role, sizeof e->role, "%s", r);
  }
  return 0;
}

static void write_entry(json *j, const entry *e) {
  char device[80];
  char ip[16];
  snprintf(device, sizeof device, e->cap.uplink ? "uplink" : "to-%s", e->other);
  json_object(j, NULL);
  json_str(j, "file", e->cap.file);
  json_str(j, "experiment", e->label);
  if (e->cap.tag >= 0)
    json_int(j, "attempt", e->cap.tag);
  else
    json_null(j, "attempt");
  json_str(j, "node", e->node);
  json_str(j, "role", e->role);
  json_str(j, "device", device);
  json_str(j, "link_to", e->other);
  json_array(j, "addresses");
  for (int k = 0; k < e->cap.naddrs; k++)
    json_str(j, NULL, addr_format_ip4(e->cap.addrs[k], ip, sizeof ip));
  json_end(j, ']');
  json_end(j, '}');
}

int capture_write(const capture *c, char *err, size_t len) {
  char path[1100];
  snprintf(path, sizeof path, "%s/manifest.json", c->dir);
  FILE *f = fopen(path, "w");
  if (!f) {
    snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  json j = json_start(f);
  json_object(&j, NULL);
  json_str(&j, "format", "natsim-pcap-manifest-1");
  json_str(&j, "link_type", "ppp");
  json_array(&j, "files");
  for (size_t i = 0; i < c->nentries; i++) write_entry(&j, &c->entries[i]);
  json_end(&j, ']');
  json_end(&j, '}');
  fputc('\n', f);
  if (fclose(f) == 0) return 0;
  snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
  return -1;
}
