/* rates.c: the rates a sweep aggregates, from a results file's version. */
#include "rates.h"

static double share(int64_t n, const run_version *v) {
  return (double)n / (double)v->attempts;
}

static double direct(const run_version *v) {
  return share(v->direct, v);
}

static double relayed(const run_version *v) {
  return share(v->relayed, v);
}

static double turn(const run_version *v) {
  return share(v->turn, v);
}

static double failed(const run_version *v) {
  return share(v->failed, v);
}

static double connected(const run_version *v) {
  return share(v->connected, v);
}

static double reliability(const run_version *v) {
  return share(v->data_verified, v);
}

static double missed_direct(const run_version *v) {
  return share(v->missed_direct, v);
}

static double gateway_load(const run_version *v) {
  return v->gateway_load;
}

const rate_def rates[RATES] = {
    {"direct", "direct / attempts", direct},
    {"relayed", "relayed (gateway or TURN) / attempts", relayed},
    {"turn", "relayed through TURN / attempts", turn},
    {"failed", "failed / attempts", failed},
    {"connected", "transport up on both sides / attempts", connected},
    {"reliability", "data verified both ways / attempts", reliability},
    {"missed_direct", "feasible direct but relayed / attempts", missed_direct},
    {"gateway_load", "message bytes through the gateway or TURN / all", gateway_load},
};
