/* options.c: the option parser of every natsim command, and its help. */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "real.h"

int opt_usage_error(const opt_cmd *c, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "natsim %s: ", c->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(natsim %s --help lists the options)\n", c->name);
  return OPT_EXIT_USAGE;
}

/* --- values ------------------------------------------------------------------ */

/* A decimal integer from 0 to INT64_MAX: a digit first, nothing after.
** Larger values would not survive as Lua integers or in results files. */
static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  if (*s < '0' || *s > '9') return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end || errno == ERANGE || v > INT64_MAX) return -1;
  *out = v;
  return 0;
}

/* A number, all of s; open: lo and hi themselves excluded. */
static int parse_number(const char *s, double lo, double hi, bool open, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end) return -1;
  bool in = open ? v > lo && v < hi : v >= lo && v <= hi;
  if (!in) return -1;
  *out = v;
  return 0;
}

static int parse_addr(const char *s, bool v4_only, addr *out) {
  addr a;
  if (real_parse_addr(s, &a, true) != 0) return -1;
  if (v4_only && a.family != ADDR_V4) return -1;
  *out = a;
  return 0;
}

/* "A:B" with A not empty (sep ':'), or "K=V" with K not empty (sep '='). */
static int is_pair(const char *s, char sep) {
  return s[0] != sep && strchr(s, sep) != NULL;
}

/* Whether v is a network, "10.0.0.0/8" or an address alone. */
static int is_cidr(const char *v) {
  addr net;
  int prefix;
  return addr_parse_cidr(v, &net, &prefix) == 0;
}

static int store_keyvalue(const opt *o, const char *v) {
  const char **list = o->dst;
  if (o->kind == OPT_KEYVALUE && !is_pair(v, '=')) return -1;
  if (o->kind == OPT_CIDR && !is_cidr(v)) return -1;
  if (*o->count >= (int)o->hi) return -2;
  list[*o->count] = v;
  (*o->count)++;
  return 0;
}

/* Checks v and stores it where o says: 0, -1 for a bad value, -2 when a
** repeated option is full. */
static int store(const opt *o, const char *v) {
  switch (o->kind) {
    case OPT_STRING:
      *(const char **)o->dst = v;
      return 0;
    case OPT_U64:
      return parse_u64(v, o->dst);
    case OPT_LONG:
      return real_parse_long(v, (long)o->lo, (long)o->hi, o->dst);
    case OPT_NUMBER:
      return parse_number(v, o->lo, o->hi, false, o->dst);
    case OPT_NUMBER_IN:
      return parse_number(v, o->lo, o->hi, true, o->dst);
    case OPT_ADDR:
      return parse_addr(v, false, o->dst);
    case OPT_ADDR4:
      return parse_addr(v, true, o->dst);
    case OPT_USERPASS:
      if (!is_pair(v, ':')) return -1;
      *(const char **)o->dst = v;
      return 0;
    case OPT_KEYVALUE:
    case OPT_CIDR:
      return store_keyvalue(o, v);
    default:
      return -1;
  }
}

/* What a value of o must look like, for the error message. */
static const char *expected(const opt *o, char *buf, size_t len) {
  switch (o->kind) {
    case OPT_U64:
      return "a non-negative integer up to 9223372036854775807 (2^63 - 1)";
    case OPT_LONG:
      snprintf(buf, len, "an integer from %ld to %ld", (long)o->lo, (long)o->hi);
      return buf;
    case OPT_NUMBER:
      snprintf(buf, len, "a number from %g to %g", o->lo, o->hi);
      return buf;
    case OPT_NUMBER_IN:
      snprintf(buf, len, "a number above %g and below %g", o->lo, o->hi);
      return buf;
    case OPT_ADDR:
      return "ADDR:PORT (like 127.0.0.1:3478 or [::1]:3478)";
    case OPT_ADDR4:
      return "an IPv4 ADDR:PORT (like 127.0.0.1:3478)";
    case OPT_USERPASS:
      return "USER:PASS";
    case OPT_KEYVALUE:
      return "KEY=VALUE";
    case OPT_CIDR:
      return "a network like 10.0.0.0/8 or fe80::/10, or an address";
    default:
      return "a value";
  }
}

/* --- arguments --------------------------------------------------------------- */

/* The option named by arg ("--name", "--name=value" or "-h"), or NULL. */
static const opt *find(const opt_cmd *c, const char *arg) {
  if (!strcmp(arg, "-h")) arg = "--help";
  if (strncmp(arg, "--", 2) != 0) return NULL;
  const char *name = arg + 2;
  size_t n = strcspn(name, "=");
  for (int i = 0; i < c->nopts; i++) {
    const char *o = c->opts[i].name;
    if (strlen(o) == n && !strncmp(o, name, n)) return &c->opts[i];
  }
  return NULL;
}

static int bad_value(const opt_cmd *c, const opt *o, const char *v, int why) {
  char buf[96];
  if (why == -2)
    return opt_usage_error(c, "option '--%s' given more than %d times", o->name, (int)o->hi);
  return opt_usage_error(c, "option '--%s': expected %s, got '%s'", o->name, expected(o, buf, sizeof buf),
                         v);
}

/* The option at argv[*i], with its value: OPT_CONTINUE, or an exit status. */
static int take_option(const opt_cmd *c, int argc, char **argv, int *i) {
  const char *arg = argv[*i];
  const opt *o = find(c, arg);
  if (!o) return opt_usage_error(c, "unknown option '%s'", arg);
  const char *eq = strchr(arg, '=');
  bool takes_value = o->kind != OPT_HELP && o->kind != OPT_FLAG;
  if (eq && !takes_value) return opt_usage_error(c, "option '--%s' takes no value", o->name);
  if (o->kind == OPT_HELP) {
    opt_help(c);
    return OPT_EXIT_OK;
  }
  if (o->kind == OPT_FLAG) {
    *(bool *)o->dst = true;
    return OPT_CONTINUE;
  }
  const char *v = eq ? eq + 1 : NULL;
  if (!v && *i + 1 < argc) {
    (*i)++;
    v = argv[*i];
  }
  if (!v) return opt_usage_error(c, "option '--%s' needs a value", o->name);
  int rc = store(o, v);
  if (rc != 0) return bad_value(c, o, v, rc);
  return OPT_CONTINUE;
}

int opt_parse(const opt_cmd *c, int argc, char **argv, const char **pos, int *npos) {
  *npos = 0;
  for (int i = 0; i < argc; i++) {
    if (argv[i][0] != '-') {
      pos[*npos] = argv[i];
      (*npos)++;
      continue;
    }
    int rc = take_option(c, argc, argv, &i);
    if (rc != OPT_CONTINUE) return rc;
  }
  return OPT_CONTINUE;
}

/* --- help -------------------------------------------------------------------- */

/* The left column of o's help line: "--name VALUE" or "-h, --help". */
static void left_column(const opt *o, char *buf, size_t len) {
  if (o->kind == OPT_HELP)
    snprintf(buf, len, "-h, --%s", o->name);
  else if (o->value)
    snprintf(buf, len, "--%s %s", o->name, o->value);
  else
    snprintf(buf, len, "--%s", o->name);
}

/* Prints text, indenting the lines after the first by col spaces. */
static void print_indented(const char *text, int col) {
  for (const char *p = text; *p; p++) {
    putchar(*p);
    if (*p == '\n' && p[1]) printf("%*s", col, "");
  }
  putchar('\n');
}

void opt_help(const opt_cmd *c) {
  char buf[80];
  int width = 0;
  for (int i = 0; i < c->nopts; i++) {
    left_column(&c->opts[i], buf, sizeof buf);
    int n = (int)strlen(buf);
    if (n > width) width = n;
  }
  if (c->head) fputs(c->head, stdout);
  if (c->head && c->nopts) putchar('\n');
  if (c->nopts) puts("options:");
  for (int i = 0; i < c->nopts; i++) {
    left_column(&c->opts[i], buf, sizeof buf);
    printf("  %-*s  ", width, buf);
    print_indented(c->opts[i].help, width + 4);
  }
  if (c->tail && c->nopts) putchar('\n');
  if (c->tail) fputs(c->tail, stdout);
}
