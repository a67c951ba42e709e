/* real.c: argument parsing and the peer file. */
#include "real.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int real_parse_addr(const char *s, addr *out, bool need_port) {
  return s && addr_parse(s, out) == 0 && (!need_port || out->port != 0) ? 0 : -1;
}

int real_parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  if (!s || !*s) return -1;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (*end || errno || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int real_fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return code;
}

int real_parse_key(const char *s, uint8_t key[GW_KEY_LEN]) {
  if (strlen(s) != 2 * GW_KEY_LEN) return -1;
  for (int i = 0; i < GW_KEY_LEN; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
        !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
      return -1;
    key[i] = (uint8_t)v;
  }
  return 0;
}

int real_read_peers(const char *path, gateway *g, char *err, size_t len) {
  FILE *f = fopen(path, "r");
  if (!f) return snprintf(err, len, "%s: %s", path, strerror(errno)), -1;
  char line[512];
  int n = 0, lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char id[64], key[128], extra[2];
    if (line[strspn(line, " \t\r\n")] == '\0' || line[strspn(line, " \t")] == '#') continue;
    long v;
    uint8_t k[GW_KEY_LEN];
    int got = sscanf(line, "%63s %127s %1s", id, key, extra);
    if (got != 2 || real_parse_long(id, 1, 4294967295L, &v) || real_parse_key(key, k)) {
      fclose(f);
      return snprintf(err, len, "%s:%d: expected a peer id (1 to 4294967295) and a key of %d "
                                "hex digits", path, lineno, 2 * GW_KEY_LEN), -1;
    }
    if (gateway_add_peer(g, (uint32_t)v, k) != 0) {
      fclose(f);
      return snprintf(err, len, "%s:%d: out of memory", path, lineno), -1;
    }
    n++;
  }
  fclose(f);
  return n;
}
