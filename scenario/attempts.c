/* attempts.c: each attempt of an experiment as a JSON line. */
#include "attempts.h"

#include <errno.h>
#include <string.h>

#include "json.h"

FILE *attempts_open(const char *path, char *err, size_t len) {
  FILE *f = fopen(path, "w");
  if (!f) snprintf(err, len, "--attempts %s: %s", path, strerror(errno));
  return f;
}

int attempts_close(FILE *f, const char *path, char *err, size_t len) {
  bool failed = ferror(f) != 0;
  if (fclose(f) != 0) failed = true;
  if (!failed) return 0;
  snprintf(err, len, "--attempts %s: a write failed", path);
  return -1;
}

static void chain(json *j, const char *key, const char *const *names, int n) {
  json_array(j, key);
  for (int i = 0; i < n; i++) json_str(j, NULL, names[i]);
  json_end(j, ']');
}

/* A time in ms, or null when it never came (negative). */
static void ms(json *j, const char *key, double v) {
  if (v < 0) json_null(j, key);
  else json_num(j, key, v);
}

static void reason(json *j, const exp_attempt *r) {
  if (!r->reason) {
    json_null(j, "reason");
    json_null(j, "why");
    return;
  }
  json_str(j, "reason", r->reason);
  json_str(j, "why", r->why);
}

void attempts_write(void *ctx, const exp_attempt *r) {
  json j = json_start_line(ctx);
  json_object(&j, NULL);
  json_str(&j, "schema", "natsim-attempt/1");
  json_str(&j, "version", r->version);
  json_int(&j, "attempt", r->index);
  json_array(&j, "classes");
  json_str(&j, NULL, r->class_a);
  json_str(&j, NULL, r->class_b);
  json_end(&j, ']');
  chain(&j, "nats_a", r->nats_a, r->nnats_a);
  chain(&j, "nats_b", r->nats_b, r->nnats_b);
  json_bool(&j, "same_nat", r->same_nat);
  json_bool(&j, "rogue", r->rogue);
  json_str(&j, "outcome", r->outcome);
  reason(&j, r);
  json_bool(&j, "feasible", r->feasible);
  json_bool(&j, "missed_direct", r->missed_direct);
  json_str(&j, "path", r->path);
  ms(&j, "first_byte_ms", r->first_byte_ms);
  ms(&j, "direct_ms", r->direct_ms);
  ms(&j, "ice_valid_ms", r->ice_valid_ms);
  ms(&j, "ice_selected_ms", r->ice_selected_ms);
  json_object(&j, "bytes");
  json_int(&j, "direct", (int64_t)r->bytes_direct);
  json_int(&j, "relayed", (int64_t)r->bytes_relayed);
  json_int(&j, "turn", (int64_t)r->bytes_turn);
  json_end(&j, '}');
  json_int(&j, "probes", (int64_t)r->probes);
  json_end(&j, '}');
}
