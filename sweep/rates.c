/* rates.c: the rates a sweep aggregates, from a results file's version. */
#include "rates.h"

#include <stdint.h>
#include <string.h>

const rate_def rates[RATES] = {
    {"direct", "direct / attempts", offsetof(run_version, direct)},
    {"relayed", "relayed (gateway or TURN) / attempts", offsetof(run_version, relayed)},
    {"turn", "relayed through TURN / attempts", offsetof(run_version, turn)},
    {"failed", "failed / attempts", offsetof(run_version, failed)},
    {"connected", "transport up on both sides / attempts", offsetof(run_version, connected)},
    {"reliability", "data verified both ways / attempts", offsetof(run_version, data_verified)},
    {"missed_direct", "feasible direct but relayed / attempts",
     offsetof(run_version, missed_direct)},
    {"gateway_load", "message bytes through the gateway or TURN / all", RATE_GATEWAY_LOAD},
};

double rate_of(const rate_def *r, const run_version *v) {
  int64_t n;
  if (r->count == RATE_GATEWAY_LOAD) return v->gateway_load;
  memcpy(&n, (const char *)v + r->count, sizeof n);
  return (double)n / (double)v->attempts;
}
