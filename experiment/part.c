/* part.c: exp_part to JSON and back, exactly. */
#include "part.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An attempt's yes/no facts, one bit each, in this order. */
enum { F_FEASIBLE, F_SAME_NAT, F_ROGUE, F_CONNECTED, F_DAMAGED, F_VERIFIED, F_DIRECT, F_TURN };

/* Its integers after the flags, in the order written. */
#define MEAS_INTS 23

static int64_t flags_of(const exp_meas *m) {
  bool f[] = {m->feasible, m->same_nat, m->rogue,  m->connected,
              m->damaged,  m->verified, m->direct, m->turn};
  int64_t bits = 0;
  for (int i = 0; i < (int)(sizeof f / sizeof f[0]); i++) bits |= (int64_t)f[i] << i;
  return bits;
}

static void set_flags(exp_meas *m, int64_t bits) {
  m->feasible = bits >> F_FEASIBLE & 1;
  m->same_nat = bits >> F_SAME_NAT & 1;
  m->rogue = bits >> F_ROGUE & 1;
  m->connected = bits >> F_CONNECTED & 1;
  m->damaged = bits >> F_DAMAGED & 1;
  m->verified = bits >> F_VERIFIED & 1;
  m->direct = bits >> F_DIRECT & 1;
  m->turn = bits >> F_TURN & 1;
}

/* Pointers to the integers of m, in the order written. */
static void ints_of(exp_meas *m, int64_t *i64[MEAS_INTS], uint64_t *u64[MEAS_INTS],
                    int *i32[MEAS_INTS]) {
  memset(i64, 0, MEAS_INTS * sizeof *i64);
  memset(u64, 0, MEAS_INTS * sizeof *u64);
  memset(i32, 0, MEAS_INTS * sizeof *i32);
  i32[0] = &m->class_a;
  i32[1] = &m->class_b;
  i32[2] = &m->failure;
  u64[3] = &m->probes;
  u64[4] = &m->bytes_direct;
  u64[5] = &m->bytes_relayed;
  u64[6] = &m->bytes_turn;
  i64[7] = &m->handshake;
  i64[8] = &m->migration;
  i32[9] = &m->migrations;
  i32[10] = &m->fell_back;
  u64[11] = &m->lost;
  u64[12] = &m->wire_relayed;
  u64[13] = &m->wire_direct;
  u64[14] = &m->wire_turn;
  i64[15] = &m->ice_check;
  i64[16] = &m->ice_nominated;
  i64[17] = &m->srtt;
  i64[18] = &m->first;
  i64[19] = &m->to_direct;
  i64[20] = &m->on_direct;
  i32[21] = &m->version_a;
  i32[22] = &m->version_b;
}

/* One attempt: [flags, the integers, p_bday, why]. */
static void write_meas(json *j, const exp_meas *cm) {
  exp_meas m = *cm;
  int64_t *i64[MEAS_INTS];
  uint64_t *u64[MEAS_INTS];
  int *i32[MEAS_INTS];
  char frac[40];
  ints_of(&m, i64, u64, i32);
  json_array(j, NULL);
  json_int(j, NULL, flags_of(&m));
  for (int k = 0; k < MEAS_INTS; k++) {
    int64_t v = i64[k] ? *i64[k] : u64[k] ? (int64_t)*u64[k] : *i32[k];
    json_int(j, NULL, v);
  }
  snprintf(frac, sizeof frac, "%a", m.p_bday);
  json_str(j, NULL, frac);
  json_str(j, NULL, m.why);
  json_end(j, ']');
}

void part_write(json *j, const char *key, const exp_part *p) {
  json_object(j, key);
  json_int(j, "pairs", p->pairs);
  json_int(j, "lo", p->lo);
  json_int(j, "hi", p->hi);
  json_int(j, "gateway_frames", (int64_t)p->gateway_frames);
  json_int(j, "stun_requests", (int64_t)p->stun_requests);
  json_int(j, "turn_allocations", (int64_t)p->turn_allocations);
  json_int(j, "turn_bytes", (int64_t)p->turn_bytes);
  json_int(j, "turn_packets", (int64_t)p->turn_packets);
  json_int(j, "events", (int64_t)p->events);
  json_num(j, "virtual_s", p->virtual_s);
  json_num(j, "wall_s", p->wall_s);
  json_array(j, "attempts");
  for (int i = 0; i < p->hi - p->lo; i++) write_meas(j, &p->m[i]);
  json_end(j, ']');
  json_end(j, '}');
}

/* --- reading ----------------------------------------------------------------- */

/* v as an integer (a JSON number without a fraction), into *out. */
static int whole(const jv *v, int64_t *out) {
  if (!v || v->type != J_NUM || v->num != floor(v->num) || fabs(v->num) > 9007199254740992.0)
    return -1;
  *out = (int64_t)v->num;
  return 0;
}

static int read_meas(const jv *a, exp_meas *m) {
  int64_t *i64[MEAS_INTS];
  uint64_t *u64[MEAS_INTS];
  int *i32[MEAS_INTS];
  int64_t v;
  if (!a || a->type != J_ARR || jlen(a) != MEAS_INTS + 3) return -1;
  if (whole(jat(a, 0), &v) != 0) return -1;
  set_flags(m, v);
  ints_of(m, i64, u64, i32);
  for (int k = 0; k < MEAS_INTS; k++) {
    if (whole(jat(a, (size_t)k + 1), &v) != 0) return -1;
    if (i64[k]) *i64[k] = v;
    else if (u64[k]) *u64[k] = (uint64_t)v;
    else *i32[k] = (int)v;
  }
  const char *frac = jstr(jat(a, MEAS_INTS + 1), NULL);
  const char *why = jstr(jat(a, MEAS_INTS + 2), NULL);
  if (!frac || !why) return -1;
  char *end;
  m->p_bday = strtod(frac, &end);
  snprintf(m->why, sizeof m->why, "%s", why);
  return *end ? -1 : 0;
}

/* The integer fields of the part's head, each checked. */
static int read_head(const jv *v, const char *owner, exp_part *p, char *err, size_t len) {
  static const char *const names[] = {"pairs", "lo", "hi", "gateway_frames", "stun_requests",
                                      "turn_allocations", "turn_bytes", "events", "turn_packets"};
  int64_t got[9];
  for (int i = 0; i < 9; i++) {
    if (whole(jget(v, names[i]), &got[i]) == 0 && got[i] >= 0) continue;
    snprintf(err, len, "%s: %s: expected a non-negative integer", owner, names[i]);
    return -1;
  }
  *p = (exp_part){.pairs = (int)got[0], .lo = (int)got[1], .hi = (int)got[2],
                  .gateway_frames = (uint64_t)got[3], .stun_requests = (uint64_t)got[4],
                  .turn_allocations = (uint64_t)got[5], .turn_bytes = (uint64_t)got[6],
                  .events = (uint64_t)got[7], .turn_packets = (uint64_t)got[8]};
  p->virtual_s = jnum(jget(v, "virtual_s"), 0);
  p->wall_s = jnum(jget(v, "wall_s"), 0);
  if (p->lo <= p->hi && p->hi <= p->pairs) return 0;
  snprintf(err, len, "%s: expected 0 <= lo <= hi <= pairs, got %d, %d, %d", owner, p->lo, p->hi,
           p->pairs);
  return -1;
}

int part_read(const jv *v, const char *owner, exp_part *p, char *err, size_t len) {
  memset(p, 0, sizeof *p);
  if (read_head(v, owner, p, err, len) != 0) return -1;
  const jv *att = jget(v, "attempts");
  size_t n = (size_t)(p->hi - p->lo);
  if (!att || att->type != J_ARR || jlen(att) != n) {
    snprintf(err, len, "%s: attempts: expected a list of %zu", owner, n);
    return -1;
  }
  p->m = calloc(n + 1, sizeof *p->m);
  if (!p->m) {
    snprintf(err, len, "%s: out of memory", owner);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    if (read_meas(jat(att, i), &p->m[i]) == 0) continue;
    snprintf(err, len, "%s: attempts[%zu]: expected an attempt as natsim writes it", owner, i);
    exp_part_free(p);
    return -1;
  }
  return 0;
}
