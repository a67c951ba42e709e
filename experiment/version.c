/* version.c: the table of versions and their capabilities. */
#include "version.h"

#include <stdio.h>
#include <string.h>

static const exp_version versions[] = {
    {.name = "v0.7", .strategy = "gateway relay only", .by_default = true},
    {.name = "v0.8", .strategy = "relay, then gateway-coordinated hole punching", .punch = true,
     .by_default = true},
    {.name = "v0.9", .strategy = "relay, then ICE with STUN and TURN", .ice = true,
     .extras = true, .upgrade = PEER_SWITCH},
    /* v0.9 as it was: QUIC migration, once the handshake is confirmed */
    {.name = "v0.9-migrate", .strategy = "relay, then ICE with STUN and TURN", .ice = true,
     .extras = true, .upgrade = PEER_MIGRATE},
};

#define NVERSIONS ((int)(sizeof versions / sizeof versions[0]))

const exp_version *exp_version_find(const char *name) {
  for (int i = 0; i < NVERSIONS; i++) {
    if (!strcmp(versions[i].name, name)) return &versions[i];
  }
  return NULL;
}

int exp_version_count(void) { return NVERSIONS; }

const exp_version *exp_version_at(int i) {
  if (i < 0 || i >= NVERSIONS) return NULL;
  return &versions[i];
}

int exp_version_index(const exp_version *v) {
  for (int i = 0; i < NVERSIONS; i++) {
    if (&versions[i] == v) return i;
  }
  return -1;
}

const char *exp_version_names(char *buf, size_t len) {
  size_t used = 0;
  if (len == 0) return buf;
  buf[0] = '\0';
  for (int i = 0; i < NVERSIONS && used < len; i++) {
    int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", versions[i].name);
    if (n < 0) break;
    used += (size_t)n;
  }
  return buf;
}
